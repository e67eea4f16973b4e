from django.contrib import admin

from duban.org.models import Role
from duban.security.permissions import RoleAdminMixin

from . import services
from .models import SavedView


@admin.register(SavedView)
class SavedViewAdmin(RoleAdminMixin, admin.ModelAdmin):
    admin_roles = (Role.SYSTEM_ADMIN,)
    list_display = ("name", "page", "user", "created_at")
    list_filter = ("page",)
    search_fields = ("name", "user__username")
    raw_id_fields = ("user",)

    # A user's own filters: the administrator looks and may delete, through
    # the service that journals it; nobody edits them here.
    def has_add_permission(self, request, *args, **kwargs):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def delete_model(self, request, obj):
        services.delete_view(obj.user, obj.pk, by=request.user)

    def delete_queryset(self, request, queryset):
        for obj in queryset.select_related("user"):
            services.delete_view(obj.user, obj.pk, by=request.user)
