"""值班 records in Django's admin, for the system administrator, read-only:
every write goes through duban.duty.services (each journaled)."""

from django.contrib import admin

from duban.security.permissions import ReadOnlyAdmin

from .models import (
    Bulletin,
    BulletinItem,
    DutyShift,
    Incident,
    Instruction,
    PhoneReport,
    ReportVersion,
    Signature,
    WrittenReport,
)


@admin.register(DutyShift)
class DutyShiftAdmin(ReadOnlyAdmin):
    list_display = ("date", "unit", "officer", "leader")
    list_filter = ("date",)
    list_select_related = ("unit", "officer", "leader")


@admin.register(Incident)
class IncidentAdmin(ReadOnlyAdmin):
    list_display = ("title", "kind", "level", "reporting_unit", "learned_at", "state")
    list_filter = ("kind", "level", "state")
    list_select_related = ("reporting_unit",)
    search_fields = ("title", "place")


@admin.register(PhoneReport)
class PhoneReportAdmin(ReadOnlyAdmin):
    list_display = ("incident", "caller_name", "callee_name", "called_at")
    list_select_related = ("incident",)


@admin.register(WrittenReport)
class WrittenReportAdmin(ReadOnlyAdmin):
    list_display = ("incident", "unit", "kind", "seq", "state", "sent_at")
    list_filter = ("kind", "state")
    list_select_related = ("incident", "unit")


@admin.register(ReportVersion)
class ReportVersionAdmin(ReadOnlyAdmin):
    list_display = ("report", "number", "edited_at", "content_hash")
    list_select_related = ("report__incident", "report__unit")


@admin.register(Signature)
class SignatureAdmin(ReadOnlyAdmin):
    list_display = ("report", "signer_name", "basis", "meaning", "signed_at", "content_hash")
    list_select_related = ("report__incident", "report__unit")


@admin.register(Bulletin)
class BulletinAdmin(ReadOnlyAdmin):
    list_display = ("title", "year", "number", "state", "issued_at")
    list_filter = ("state", "year")


@admin.register(BulletinItem)
class BulletinItemAdmin(ReadOnlyAdmin):
    list_display = ("bulletin", "heading", "sort_order")
    list_select_related = ("bulletin",)


@admin.register(Instruction)
class InstructionAdmin(ReadOnlyAdmin):
    list_display = ("leader", "instructed_at", "lead_unit", "matter", "relayed_at")
    list_select_related = ("leader", "lead_unit", "matter")
