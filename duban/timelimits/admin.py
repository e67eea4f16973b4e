"""Django admin for the time-limit rules (TL-3), for the system
administrator only. Every change goes through duban.timelimits.services,
which journals it. Years of the official calendar are entered on the app's
own page (/timelimits/calendar/); the admin only lists them."""

from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html

from duban.org.models import Role
from duban.org.services import has_role

from . import services
from .models import CalendarYear, TimeLimitRule


def _is_sysadmin(request):
    return has_role(request.user, Role.SYSTEM_ADMIN)


@admin.register(TimeLimitRule)
class TimeLimitRuleAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "limit", "warn_before", "roll_forward", "seed_section", "is_active", "updated_at")
    list_filter = ("is_active", "roll_forward", "seed_section")
    search_fields = ("code", "name", "description")
    ordering = ("code",)
    fieldsets = (
        (None, {"fields": ("code", "name", "limit", "warn_before", "roll_forward", "is_active")}),
        ("来源与说明", {"fields": ("seed_section", "description")}),
    )

    def get_readonly_fields(self, request, obj=None):
        # Code refers to the rule from programs: fixed once created.
        return ("code",) if obj is not None else ()

    def has_module_permission(self, request):
        return _is_sysadmin(request)

    def has_view_permission(self, request, obj=None):
        return _is_sysadmin(request)

    def has_add_permission(self, request):
        return _is_sysadmin(request)

    def has_change_permission(self, request, obj=None):
        return _is_sysadmin(request)

    def has_delete_permission(self, request, obj=None):
        return _is_sysadmin(request)

    def save_model(self, request, obj, form, change):
        services.save_rule(obj, by=request.user)

    def delete_model(self, request, obj):
        services.delete_rule(obj, by=request.user)

    def delete_queryset(self, request, queryset):
        for rule in queryset:
            services.delete_rule(rule, by=request.user)


@admin.register(CalendarYear)
class CalendarYearAdmin(admin.ModelAdmin):
    list_display = ("year", "source", "note", "entered_by", "updated_at", "calendar_link")
    fields = ("year", "source", "note", "entered_by", "entered_at", "updated_at", "revision")
    readonly_fields = fields

    @admin.display(description="日历")
    def calendar_link(self, obj):
        return format_html('<a href="{}">查看 / 修改</a>', reverse("timelimits:calendar_year", args=[obj.year]))

    def has_module_permission(self, request):
        return _is_sysadmin(request)

    def has_view_permission(self, request, obj=None):
        return _is_sysadmin(request)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
