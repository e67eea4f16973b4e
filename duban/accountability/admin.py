"""问责 in Django's admin: the ladder, the rules and the thresholds are rows
the system administrator edits (each save journaled); suggestions,
decisions, 交办单, traces and signals are read-only, written only through
duban.accountability.services."""

from django.contrib import admin
from django.db import transaction

from duban.core.numbers import SeedNumberAdmin
from duban.journal import chain
from duban.org.models import Role
from duban.security.permissions import ReadOnlyAdmin, RoleAdminMixin

from .models import (
    AccountabilityNumber,
    AssignmentSheet,
    Decision,
    Measure,
    Signal,
    Suggestion,
    SuggestionRule,
    Trace,
)


@admin.register(AccountabilityNumber)
class AccountabilityNumberAdmin(SeedNumberAdmin):
    pass


class JournaledAdmin(RoleAdminMixin, admin.ModelAdmin):
    """Rows of data the system administrator edits; each save and delete is
    one transaction with its journal event (before and after)."""

    admin_roles = (Role.SYSTEM_ADMIN,)

    def save_model(self, request, obj, form, change):
        label = obj._meta.label_lower
        with transaction.atomic():
            old = type(obj).objects.filter(pk=obj.pk).first() if obj.pk else None
            before = chain.snapshot(old) if old else None
            obj.save()
            chain.record(f"{label}.{'update' if before else 'create'}", obj, before=before,
                         after=chain.snapshot(obj), actor=request.user)

    def delete_model(self, request, obj):
        with transaction.atomic():
            before, pk, text, label = chain.snapshot(obj), obj.pk, str(obj), obj._meta.label_lower
            obj.delete()
            chain.record(f"{label}.delete", None, before=before, object_type=label, object_id=pk, object_repr=text,
                         actor=request.user)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            self.delete_model(request, obj)


@admin.register(Measure)
class MeasureAdmin(JournaledAdmin):
    list_display = ("rung", "name", "duty", "rule", "seed_section", "is_active")
    ordering = ("rung",)


@admin.register(SuggestionRule)
class SuggestionRuleAdmin(JournaledAdmin):
    list_display = ("name", "kind", "period", "threshold", "after_measure", "measure", "is_active")
    list_filter = ("kind", "is_active")


@admin.register(Suggestion)
class SuggestionAdmin(ReadOnlyAdmin):
    list_display = ("unit", "measure", "rule", "period_label", "state", "created_at")
    list_filter = ("state", "measure")
    list_select_related = ("unit", "measure", "rule")


@admin.register(Decision)
class DecisionAdmin(ReadOnlyAdmin):
    list_display = ("suggestion", "outcome", "measure", "decided_by", "decided_at")
    list_filter = ("outcome",)


@admin.register(AssignmentSheet)
class AssignmentSheetAdmin(ReadOnlyAdmin):
    list_display = ("number", "title", "unit", "state", "issued_at")
    list_filter = ("state",)


@admin.register(Trace)
class TraceAdmin(ReadOnlyAdmin):
    list_display = ("title", "unit", "failure", "created_by", "created_at")


@admin.register(Signal)
class SignalAdmin(ReadOnlyAdmin):
    list_display = ("kind", "title", "unit", "state", "detected_at")
    list_filter = ("kind", "state")
