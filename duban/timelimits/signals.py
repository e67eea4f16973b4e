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

The calendar also asks two questions it cannot answer itself:

calendar_previewed: sent before a schedule is confirmed (services.preview).
kwargs: years (list of int), calendar (the WorkCalendar the schedule would
give, not saved). A listener answers with what would follow -- the clocks
app with an object that has `examined` and `moved_count` (how many
rule-computed deadlines it checked and how many would move).

provisional_counted: sent by the banner. kwargs: since (an aware datetime,
the start of the first provisional year). A listener answers with how many
open rule-computed deadlines (working days, calendar days, months) fall due
on or after it: the deadlines marked 暂定.
"""

from django.dispatch import Signal

calendar_changed = Signal()
rule_changed = Signal()
calendar_previewed = Signal()
provisional_counted = Signal()
