from django.contrib import admin
from django.db import transaction

from duban.journal import chain
from duban.org.models import Role
from duban.security.permissions import RoleAdminMixin

from .models import Limit


@admin.register(Limit)
class LimitAdmin(RoleAdminMixin, admin.ModelAdmin):
    """The caps of ticket handling (e.g. how often a ticket may be
    returned): rows the system administrator edits. The time limits are
    TimeLimitRule rows (时限规则)."""

    admin_roles = (Role.SYSTEM_ADMIN,)
    list_display = ["name", "value", "code", "seed_section"]
    readonly_fields = ["code", "seed_section"]

    def has_add_permission(self, request, *args, **kwargs):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        """The edit and its journal event in one transaction."""
        with transaction.atomic():
            before = chain.snapshot(Limit.objects.get(pk=obj.pk), ["value"]) if obj.pk else None
            obj.save()
            chain.record("portal.limit.update", obj, before=before, after=chain.snapshot(obj, ["code", "value"]),
                         actor=request.user)
