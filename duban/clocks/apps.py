from django.apps import AppConfig


class ClocksConfig(AppConfig):
    name = "duban.clocks"
    verbose_name = "计时器"

    def ready(self):
        # The calendar announces a changed year or rule; the clocks listen
        # (the lower app, timelimits, never imports this one).
        from duban.timelimits.signals import calendar_changed, rule_changed

        from .services import on_calendar_changed, on_rule_changed

        calendar_changed.connect(on_calendar_changed, dispatch_uid="clocks.recompute.calendar")
        rule_changed.connect(on_rule_changed, dispatch_uid="clocks.recompute.rule")
