"""Plan management in Django's admin: the system administrator edits the
plans (through services.set_plan, journaled, with its checks) and the
numbers of plan management (PlanSetting rows); the records counted
against the plans, the explanations and the inspections are read-only
(their writes are the services')."""

from django import forms
from django.contrib import admin

from duban.core.numbers import SeedNumberAdmin
from duban.org.models import Role
from duban.security.permissions import ReadOnlyAdmin, RoleAdminMixin

from . import services
from .models import AnnualPlan, ExcessRequest, Inspection, PlanSetting, PlanUsage


@admin.register(PlanSetting)
class PlanSettingAdmin(SeedNumberAdmin):
    pass


class AnnualPlanForm(forms.ModelForm):
    class Meta:
        model = AnnualPlan
        fields = ("unit", "year", "kind", "baseline", "quota", "reason")

    def clean(self):
        data = super().clean()
        if data.get("baseline") is not None and data.get("quota") is not None:
            problem = services.quota_problem(data["baseline"], data["quota"], data.get("reason", ""))
            if problem:
                self.add_error("reason", problem)
        return data


@admin.register(AnnualPlan)
class AnnualPlanAdmin(RoleAdminMixin, admin.ModelAdmin):
    admin_roles = (Role.SYSTEM_ADMIN,)
    form = AnnualPlanForm
    list_display = ("unit", "year", "kind", "baseline", "quota", "set_at")
    list_filter = ("year", "kind")
    list_select_related = ("unit",)
    search_fields = ("unit__name",)
    fields = ("unit", "year", "kind", "baseline", "quota", "reason")
    raw_id_fields = ("unit",)

    def has_delete_permission(self, request, obj=None):
        return False

    def get_readonly_fields(self, request, obj=None):
        return ("unit", "year", "kind") if obj is not None else ()

    def save_model(self, request, obj, form, change):
        plan = services.set_plan(request.user, unit=obj.unit, year=obj.year, kind=obj.kind, quota=obj.quota,
                                 baseline=obj.baseline, reason=obj.reason, as_admin=True)
        obj.pk = plan.pk


@admin.register(PlanUsage)
class PlanUsageAdmin(ReadOnlyAdmin):
    list_display = ("unit", "year", "kind", "occurred_on", "title", "over_plan", "withdrawn_at")
    list_filter = ("year", "kind", "over_plan")
    list_select_related = ("unit",)
    search_fields = ("title", "unit__name")


@admin.register(ExcessRequest)
class ExcessRequestAdmin(ReadOnlyAdmin):
    list_display = ("plan", "extra", "state", "requested_at", "decided_at")
    list_filter = ("state",)
    list_select_related = ("plan__unit",)


@admin.register(Inspection)
class InspectionAdmin(ReadOnlyAdmin):
    list_display = ("title", "kind", "organizer", "starts_on", "ends_on", "state")
    list_filter = ("kind", "state")
    list_select_related = ("organizer",)
    search_fields = ("title",)
