from django.contrib import admin

from duban.org.models import Role
from duban.security.permissions import RoleAdminMixin

from .models import SavedView


@admin.register(SavedView)
class SavedViewAdmin(RoleAdminMixin, admin.ModelAdmin):
    admin_roles = (Role.SYSTEM_ADMIN,)
    list_display = ("name", "page", "user", "created_at")
    list_filter = ("page",)
    search_fields = ("name", "user__username")
    raw_id_fields = ("user",)
