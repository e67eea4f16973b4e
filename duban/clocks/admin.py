"""Clocks in Django's admin, for the system administrator, read-only: they
are written only by duban.clocks.services (each write journaled)."""

from django.contrib import admin

from duban.security.permissions import ReadOnlyRoleAdmin

from .models import Clock, ClockFlip, ClockPause


class ReadOnlyAdmin(ReadOnlyRoleAdmin, admin.ModelAdmin):
    pass


class PauseInline(admin.TabularInline):
    model = ClockPause
    extra = 0
    can_delete = False
    fields = readonly_fields = ["started_at", "ended_at", "reason"]

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_view_permission(self, request, obj=None):
        return True


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
