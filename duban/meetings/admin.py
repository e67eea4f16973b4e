"""会议 in Django's admin. The meeting types (their limits, seed 004 §9) and
the control offices are data the system administrator edits; meetings and
everything under them are records, read-only: every write goes through
duban.meetings.services (each journaled)."""

from django.contrib import admin

from duban.org.models import Role
from duban.security.permissions import ReadOnlyAdmin, ReadOnlyInline, RoleAdminMixin

from .models import AgendaItem, Attendance, ControlOffice, Decision, Meeting, MeetingType, Minutes


@admin.register(MeetingType)
class MeetingTypeAdmin(RoleAdminMixin, admin.ModelAdmin):
    admin_roles = (Role.SYSTEM_ADMIN,)
    list_display = ("name", "code", "max_minutes", "combined_max_minutes", "cap_minutes", "speech_minutes",
                    "county_wide", "video_first", "matter_source", "seed_section", "is_active")
    list_editable = ("max_minutes", "combined_max_minutes", "cap_minutes", "speech_minutes", "is_active")
    ordering = ("sort_order", "id")

    def has_delete_permission(self, request, obj=None):
        return False  # meetings keep their type; an unused type is switched off instead


@admin.register(ControlOffice)
class ControlOfficeAdmin(RoleAdminMixin, admin.ModelAdmin):
    admin_roles = (Role.SYSTEM_ADMIN,)
    list_display = ("unit", "jurisdiction", "seed_section")
    list_select_related = ("unit", "jurisdiction")
    autocomplete_fields = ()


class AgendaInline(ReadOnlyInline):
    model = AgendaItem
    fields = ("seq", "title", "kind", "speaker", "planned_minutes", "started_at", "ended_at")


class AttendanceInline(ReadOnlyInline):
    model = Attendance
    fields = ("attendee", "unit", "leave_kind", "leave_state", "substitute", "authorised_by", "signed_in_at")


@admin.register(Meeting)
class MeetingAdmin(ReadOnlyAdmin):
    list_display = ("title", "type", "convener", "starts_at", "planned_minutes", "state", "actual_start",
                    "actual_end")
    list_filter = ("state", "type", "mode")
    list_select_related = ("type", "convener")
    search_fields = ("title",)
    exclude = ("sign_secret",)
    inlines = [AgendaInline, AttendanceInline]


@admin.register(Attendance)
class AttendanceAdmin(ReadOnlyAdmin):
    list_display = ("meeting", "attendee", "unit", "leave_kind", "leave_state", "substitute", "signed_in_at")
    list_filter = ("leave_kind", "leave_state")
    list_select_related = ("meeting", "attendee", "unit", "substitute")


@admin.register(Minutes)
class MinutesAdmin(ReadOnlyAdmin):
    list_display = ("meeting", "number", "state", "issued_at", "handed_over_at")
    list_select_related = ("meeting",)


@admin.register(Decision)
class DecisionAdmin(ReadOnlyAdmin):
    list_display = ("minutes", "seq", "title", "lead_unit", "lead_person", "due_at", "matter")
    list_select_related = ("minutes__meeting", "lead_unit", "lead_person", "matter")
