"""Supervised matters in Django's admin, for the system administrator,
read-only: every write goes through duban.supervision.services (each
journaled), so the admin only looks."""

from django.contrib import admin

from duban.security.permissions import ReadOnlyAdmin, ReadOnlyInline

from .models import ExtensionRequest, Matter, MatterCooperation, Report, Urge


class CooperationInline(ReadOnlyInline):
    model = MatterCooperation
    fields = readonly_fields = ["unit", "person", "duty"]


class ReportInline(ReadOnlyInline):
    model = Report
    fields = readonly_fields = ["kind", "submitted_at", "submitted_by", "progress", "review_state"]
    show_change_link = True


@admin.register(Matter)
class MatterAdmin(ReadOnlyAdmin):
    list_display = ["number", "title", "source_kind", "urgency", "lead_unit", "lead_person", "state", "progress",
                    "created_at"]
    list_filter = ["state", "source_kind", "urgency", "is_long_term"]
    search_fields = ["number", "title"]
    list_select_related = ["lead_unit", "lead_person"]
    raw_id_fields = ["parent", "root", "completion_clock", "current_clock"]
    date_hierarchy = "created_at"
    inlines = [CooperationInline, ReportInline]


@admin.register(Report)
class ReportAdmin(ReadOnlyAdmin):
    list_display = ["matter", "kind", "unit", "submitted_by", "submitted_at", "progress", "review_state"]
    list_filter = ["kind", "review_state"]
    list_select_related = ["matter", "unit", "submitted_by"]
    search_fields = ["matter__number", "matter__title", "text"]


@admin.register(ExtensionRequest)
class ExtensionRequestAdmin(ReadOnlyAdmin):
    list_display = ["matter", "state", "old_due", "proposed_due", "new_due", "requested_by", "decided_by"]
    list_filter = ["state"]
    list_select_related = ["matter", "requested_by", "decided_by"]


@admin.register(Urge)
class UrgeAdmin(ReadOnlyAdmin):
    list_display = ["matter", "kind", "channel", "urged_by", "urged_unit", "urged_person", "urged_at",
                    "document_number"]
    list_filter = ["kind", "channel"]
    list_select_related = ["matter", "urged_by", "urged_unit", "urged_person"]
    raw_id_fields = ["clock", "flip"]

