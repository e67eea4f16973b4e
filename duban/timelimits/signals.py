"""Signals of the time-limit app.

calendar_changed: sent after the transaction that changed the official
calendar has committed. kwargs: years (list of int), reason (str), by (the
user or None).

rule_changed: sent after a committed change of a TimeLimitRule's limit,
warning point or roll-forward switch. kwargs: rule (TimeLimitRule or None
when deleted), code (str), reason (str), by.

This is how the calendar hands a change over: the clocks app (above this
one) listens and recomputes the rule-computed deadlines, and answers with
its report, which the sender collects (services.after_calendar_change). The
process that made the change has already dropped its cached calendar;
other processes notice the new calendar version within
DUBAN_CALENDAR_RECHECK_SECONDS.
"""

from django.dispatch import Signal

calendar_changed = Signal()
rule_changed = Signal()
