"""The assessment in Django's admin: the system administrator edits the
indicators, tiers, error categories and numbers (each change journaled,
through duban.assessment.services.save_row and core.numbers); periods,
results, errors, notices, achievement records and field work are
read-only (their writes are the services')."""

from django import forms
from django.contrib import admin

from duban.core import assessing
from duban.core.numbers import SeedNumberAdmin
from duban.org.models import Role
from duban.security.permissions import ReadOnlyAdmin, RoleAdminMixin

from . import services
from .models import (
    ASSESSED_KINDS,
    Achievement,
    AssessmentSetting,
    ErrorCategory,
    ErrorNotice,
    ErrorRecord,
    FieldWorkDay,
    Indicator,
    Period,
    ResearchReport,
    Result,
    Tier,
)


@admin.register(AssessmentSetting)
class AssessmentSettingAdmin(SeedNumberAdmin):
    pass


def _source_choices():
    found = assessing.sources("indicator")
    return sorted((code, f"{code}（{s.name}）") for code, s in found.items() if not s.workload)


class IndicatorForm(forms.ModelForm):
    unit_kinds = forms.MultipleChoiceField(label="适用单位类型", choices=ASSESSED_KINDS,
                                           widget=forms.CheckboxSelectMultiple)

    class Meta:
        model = Indicator
        fields = ("code", "name", "source", "direction", "weight", "unit_kinds", "normalise", "is_active",
                  "sort_order", "seed_section", "description")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        known = ", ".join(code for code, _ in _source_choices())
        self.fields["source"].help_text = f"已接入的数据来源：{known}。尚未接入的来源（如门户的 portal.ratings）可先登记，接入前不计分。"

    def clean_weight(self):
        weight = self.cleaned_data["weight"]
        if weight is not None and weight <= 0:
            raise forms.ValidationError("权重应大于0")
        return weight


class RowAdmin(RoleAdminMixin, admin.ModelAdmin):
    admin_roles = (Role.SYSTEM_ADMIN,)

    def save_model(self, request, obj, form, change):
        services.save_row(obj, by=request.user)

    def delete_model(self, request, obj):
        services.delete_row(obj, by=request.user)

    def delete_queryset(self, request, queryset):
        for row in queryset:
            services.delete_row(row, by=request.user)


@admin.register(Indicator)
class IndicatorAdmin(RowAdmin):
    form = IndicatorForm
    list_display = ("name", "code", "source", "direction", "weight", "normalise", "is_active", "sort_order")
    list_filter = ("is_active", "direction")


@admin.register(Tier)
class TierAdmin(RowAdmin):
    list_display = ("name", "share_pct", "points", "sort_order")
    fields = ("name", "share_pct", "points", "sort_order", "seed_section")


@admin.register(ErrorCategory)
class ErrorCategoryAdmin(RowAdmin):
    list_display = ("name", "code", "area", "deduction", "is_active", "sort_order")
    list_filter = ("area", "is_active")
    fields = ("code", "name", "area", "deduction", "is_active", "sort_order", "seed_section", "description")


@admin.register(Period)
class PeriodAdmin(ReadOnlyAdmin):
    list_display = ("__str__", "scope", "kind", "state", "input_hash", "published_at")
    list_filter = ("kind", "state")
    list_select_related = ("scope",)


@admin.register(Result)
class ResultAdmin(ReadOnlyAdmin):
    list_display = ("period", "unit", "group", "total", "rank", "tier")
    list_select_related = ("period", "unit")


@admin.register(ErrorRecord)
class ErrorRecordAdmin(ReadOnlyAdmin):
    list_display = ("unit", "category", "occurred_on", "deduction", "state", "notice")
    list_filter = ("state", "area")
    list_select_related = ("unit", "category", "notice")


@admin.register(ErrorNotice)
class ErrorNoticeAdmin(ReadOnlyAdmin):
    list_display = ("number", "title", "issued_at")


@admin.register(Achievement)
class AchievementAdmin(ReadOnlyAdmin):
    list_display = ("person", "unit", "kind", "title", "state", "occurred_on")
    list_filter = ("kind", "state")
    list_select_related = ("person", "unit")


@admin.register(FieldWorkDay)
class FieldWorkDayAdmin(ReadOnlyAdmin):
    list_display = ("leader", "date", "place", "purpose")
    list_select_related = ("leader",)


@admin.register(ResearchReport)
class ResearchReportAdmin(ReadOnlyAdmin):
    list_display = ("leader", "title", "submitted_on")
    list_select_related = ("leader",)
