"""What 值班 hands to the assessment and the dashboards (duban.core.assessing;
`assessment_sources` on DutyConfig). Reads only.

- duty.late_minutes (indicator, EVAL-2) 值班信息迟报: for each incident whose
  phone (15 minutes) or written (30 minutes) report fell due in the period,
  the reporting unit's minutes late (duban.duty.queries.late_minutes:
  whole minutes, rounded up), counted up to the report's arrival or to the
  period's end if it is still missing, so that a closed period's figure
  does not grow;
- duty.reports (achievement, EVAL-3): the phone reports a person took down
  and the written reports they drafted that were sent;
- duty.lateness (dashboard tally, OUT-3): minutes late per reporting unit
  and month, by report (phone / written); a bar opens the dashboard's list
  of the late reports (the entries of duty.late_minutes).
"""

import datetime as dt
from decimal import Decimal

from django.contrib.contenttypes.models import ContentType
from django.utils import timezone

from duban.clocks.models import Clock, ClockState
from duban.core.assessing import AchievementSource, Entry, IndicatorSource, PersonEntry, Tally, TallySource

from .models import Incident, PhoneReport, WrittenReport
from .queries import late_minutes
from .services import CLOCK_RULES, PHONE, WRITTEN

KINDS = {PHONE: CLOCK_RULES[PHONE][1], WRITTEN: CLOCK_RULES[WRITTEN][1]}
LATE_STATES = [ClockState.BREACHED, ClockState.MET_LATE]


def _late_clocks(**filters):
    ct = ContentType.objects.get_for_model(Incident)
    return Clock.objects.filter(owner_type=ct, kind__in=list(KINDS), state__in=LATE_STATES, **filters)


def _minutes(clock, until):
    arrived = clock.met_at if clock.state == ClockState.MET_LATE else None
    end = min(arrived, until) if arrived is not None else until
    return late_minutes(clock.due_at, end)


def late_minutes_entries(span):
    clocks = list(_late_clocks(due_at__gte=span.start, due_at__lt=span.end, due_at__lte=span.now,
                               owner_unit_id__in=span.subtree()))
    incidents = Incident.objects.in_bulk([int(c.owner_id) for c in clocks])
    until = min(span.end, span.now)
    for c in clocks:
        incident = incidents[int(c.owner_id)]
        minutes = _minutes(c, until)
        if minutes <= 0:
            continue
        state = "迟报" if c.state == ClockState.MET_LATE else "未报"
        yield Entry(unit_id=c.owner_unit_id, ref=f"duty.clock:{c.pk}", label=incident.title,
                    url=incident.get_absolute_url(), value=Decimal(minutes), at=c.due_at,
                    note=f"{KINDS[c.kind]}{state}{minutes}分钟")


def delivered_reports(user_ids, start, end):
    phones = (PhoneReport.objects.filter(recorded_by_id__in=list(user_ids), recorded_at__gte=start,
                                         recorded_at__lt=end).select_related("incident"))
    for p in phones:
        yield PersonEntry(p.recorded_by_id, "报送突发事件信息", f"{p.incident.title}（电话报告）",
                          p.incident.get_absolute_url(), p.called_at)
    written = (WrittenReport.objects.filter(created_by_id__in=list(user_ids), first_sent_at__gte=start,
                                            first_sent_at__lt=end).select_related("incident"))
    for w in written:
        yield PersonEntry(w.created_by_id, "报送突发事件信息", f"{w.incident.title}（{w.get_kind_display()}）",
                          w.incident.get_absolute_url(), w.first_sent_at)


def lateness(now):
    today = timezone.localdate(now)
    since = timezone.make_aware(dt.datetime(today.year - 1, today.month, 1))
    for c in _late_clocks(due_at__gte=since, due_at__lte=now).exclude(owner_unit__isnull=True):
        minutes = _minutes(c, now)
        if minutes > 0:
            yield Tally((c.owner_unit_id,), bucket=f"{timezone.localtime(c.due_at):%Y-%m}", key=c.kind,
                        value=minutes, key_label=KINDS[c.kind])


def sources():
    return [
        IndicatorSource("duty.late_minutes", "值班信息迟报", "sum", "分钟", late_minutes_entries,
                        "本期应报的电话报告（15分钟）和书面报告（30分钟）迟报或未报的分钟数"),
        AchievementSource("duty.reports", "报送突发事件信息", delivered_reports),
        TallySource("duty.lateness", "值班信息迟报（分钟）", lateness, records="duty.late_minutes"),
    ]
