from django.contrib import admin

from duban.org.models import Role
from duban.security.permissions import RoleAdminMixin

from .models import Message


@admin.register(Message)
class MessageAdmin(RoleAdminMixin, admin.ModelAdmin):
    """Messages are written by duban.notify.services; the system
    administrator sees the outbox here (and at /notify/outbox/, where a
    failed e-mail can be sent again) but does not edit it."""

    admin_roles = (Role.SYSTEM_ADMIN,)
    list_display = ["created_at", "recipient", "channel", "source", "subject", "state", "attempts",
                    "next_attempt_at", "sent_at"]
    list_filter = ["state", "channel", "source"]
    search_fields = ["subject", "address", "recipient__username", "recipient__first_name"]
    list_select_related = ["recipient"]
    date_hierarchy = "created_at"

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields]

    def has_add_permission(self, request, *args, **kwargs):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
