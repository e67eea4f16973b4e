"""Signals of the time-limit app.

calendar_changed: sent after the transaction that changed the official
calendar has committed. kwargs: years (list of int), reason (str).

rule_changed: sent after a committed change of a TimeLimitRule's limit,
warning point or roll-forward switch. kwargs: rule (TimeLimitRule or None
when deleted), code (str), reason (str).

The process that made the change has already dropped its cached calendar
and called duban.clocks.services.recompute_rule_clocks(reason=...) when it
exists; other processes notice the new calendar version within
DUBAN_CALENDAR_RECHECK_SECONDS.
"""

from django.dispatch import Signal

calendar_changed = Signal()
rule_changed = Signal()
