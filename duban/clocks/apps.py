from django.apps import AppConfig


class ClocksConfig(AppConfig):
    name = "duban.clocks"
    verbose_name = "计时器"

    def ready(self):
        # The calendar announces a changed year or rule; the clocks listen
        # (the lower app, timelimits, never imports this one).
        from duban.timelimits.signals import (
            calendar_changed,
            calendar_previewed,
            provisional_counted,
            rule_changed,
        )

        from .queries import on_calendar_previewed, on_provisional_counted
        from .services import on_calendar_changed, on_rule_changed

        calendar_changed.connect(on_calendar_changed, dispatch_uid="clocks.recompute.calendar")
        rule_changed.connect(on_rule_changed, dispatch_uid="clocks.recompute.rule")
        # The calendar's questions: what a schedule would move, how many deadlines are provisional.
        calendar_previewed.connect(on_calendar_previewed, dispatch_uid="clocks.preview.calendar")
        provisional_counted.connect(on_provisional_counted, dispatch_uid="clocks.count.provisional")
