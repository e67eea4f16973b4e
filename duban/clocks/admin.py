"""Clocks in Django's admin, for the system administrator, read-only: they
are written only by duban.clocks.services (each write journaled)."""

from django.contrib import admin

from duban.security.permissions import ReadOnlyAdmin, ReadOnlyInline

from .models import Clock, ClockFlip, ClockPause


class PauseInline(ReadOnlyInline):
    model = ClockPause
    fields = readonly_fields = ["started_at", "ended_at", "reason"]


@admin.register(Clock)
class ClockAdmin(ReadOnlyAdmin):
    list_display = ["label", "kind", "owner_unit", "owner_person", "state", "warn_at", "due_at", "explicit"]
    list_filter = ["state", "kind", "explicit"]
    search_fields = ["label", "owner_id"]
    list_select_related = ["owner_unit", "owner_person"]
    inlines = [PauseInline]


@admin.register(ClockFlip)
class ClockFlipAdmin(ReadOnlyAdmin):
    list_display = ["clock", "kind", "moment", "created_at", "processed_at"]
    list_filter = ["kind"]
    list_select_related = ["clock"]
