from django.contrib import admin

from duban.security.permissions import ReadOnlyAdmin

from .models import Attempt, Endpoint, Message


@admin.register(Message)
class MessageAdmin(ReadOnlyAdmin):
    """Messages are written by duban.notify.services; the system
    administrator sees the outbox here (and at /notify/outbox/, where a
    failed message can be sent again) but does not edit it."""

    list_display = ["created_at", "recipient", "channel", "endpoint", "source", "subject", "state", "attempts",
                    "next_attempt_at", "sent_at"]
    list_filter = ["state", "channel", "source"]
    search_fields = ["subject", "address", "recipient__username", "recipient__first_name"]
    list_select_related = ["recipient", "endpoint"]
    date_hierarchy = "created_at"


@admin.register(Attempt)
class AttemptAdmin(ReadOnlyAdmin):
    list_display = ["started_at", "channel", "address", "outcome", "http_status", "code", "is_test"]
    list_filter = ["channel", "outcome", "is_test"]
    search_fields = ["address", "answer"]


@admin.register(Endpoint)
class EndpointAdmin(ReadOnlyAdmin):
    """Channels are configured at /notify/channels/ (journaled, with the
    test button); the admin only lists them."""

    list_display = ["name", "kind", "unit", "per_minute", "per_second", "is_active"]
    list_filter = ["kind", "is_active"]
    exclude = ["secret"]

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields if f.name != "secret"]
