from django.apps import AppConfig


class TimelimitsConfig(AppConfig):
    name = "duban.timelimits"
    verbose_name = "时限与工作日历"

    def ready(self):
        from django.test.signals import setting_changed

        from . import calendar
        from .signals import calendar_changed

        calendar_changed.connect(calendar.invalidate, dispatch_uid="timelimits.calendar.invalidate")

        def _on_setting(setting=None, **kwargs):
            if setting in {"DUBAN_WORKDAY_END", "TIME_ZONE", "DUBAN_CALENDAR_RECHECK_SECONDS"}:
                calendar.invalidate()

        setting_changed.connect(_on_setting, weak=False, dispatch_uid="timelimits.calendar.setting_changed")
