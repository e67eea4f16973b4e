"""What 督办 hands to the assessment and the dashboards (duban.core.assessing;
declared as `assessment_sources` on SupervisionConfig). Reads only.

Indicator sources (EVAL-2), each record a matter or sub-task, its lead unit
as 牵头 and its cooperating units as 配合:
- supervision.on_time       按期办结率: of the matters whose completion
  deadline fell in the period (and has passed), those met on time;
- supervision.overdue       超期事项: … those breached or met late;
- supervision.report_breaches 定期报告超期: periodic report deadlines of the
  period breached or met late (owed by the lead unit);
- supervision.returns       退回重办: completion requests returned in the period;
- supervision.urges         被催办: urges the unit received in the period;
- supervision.workload      在办督办事项 (workload): matters under way at
  some time in the period.
Achievements (EVAL-3): the matters a person led and completed on time.
Dashboard tallies (OUT-3): open matters by light, matters assigned per
month by light, by source per year, and each leader's open matters by
light; each bar opens the office list (督办总表) with the same filters.
"""

import datetime as dt
from collections import defaultdict
from decimal import Decimal

from django.contrib.contenttypes.models import ContentType
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode

from duban.clocks.models import Clock, ClockState
from duban.core.assessing import (
    COOP,
    LEAD,
    AchievementSource,
    Entry,
    IndicatorSource,
    PersonEntry,
    Tally,
    TallySource,
)

from .models import Matter, MatterCooperation, Report, ReportKind, Result, ReviewState, SourceKind, Urge
from .transitions import OPEN_STATES, State

ONE, ZERO = Decimal(1), Decimal(0)
LIGHT_LABELS = {"red": "红灯", "yellow": "黄灯", "green": "绿灯", "done": "已完成", "stopped": "已撤销"}


def _label(m) -> str:
    return f"{m.number} {m.title}".strip()


def _url(pk) -> str:
    return reverse("supervision:matter", args=[pk])


def _coops(matter_ids) -> dict:
    """{matter id: [cooperating unit ids]} of `matter_ids`: ids, or a
    queryset of ids (read as a subquery: no list of parameters as long as
    the province's matters)."""
    out = defaultdict(list)
    ids = matter_ids if isinstance(matter_ids, QuerySet) else list(matter_ids)
    rows = MatterCooperation.objects.filter(matter_id__in=ids).values_list("matter_id", "unit_id")
    for mid, uid in rows.iterator(chunk_size=2000):
        out[mid].append(uid)
    return out


def _both(m, coops, **kw):
    """The entry of a matter for its lead unit and each cooperating unit."""
    yield Entry(unit_id=m.lead_unit_id, ref=f"supervision.matter:{m.pk}", label=_label(m), url=_url(m.pk),
                role=LEAD, **kw)
    for uid in coops.get(m.pk, ()):
        if uid != m.lead_unit_id:
            yield Entry(unit_id=uid, ref=f"supervision.matter:{m.pk}", label=_label(m), url=_url(m.pk), role=COOP,
                        **kw)


def _judged_clocks(span, kind):
    """Clocks of matters of `kind` whose deadline fell in the period and
    has passed, not stopped (a cancelled matter owes nothing)."""
    ct = ContentType.objects.get_for_model(Matter)
    return (Clock.objects.filter(owner_type=ct, kind=kind, due_at__gte=span.start, due_at__lt=span.end,
                                 due_at__lte=span.now, owner_unit_id__in=span.subtree())
            .exclude(state=ClockState.STOPPED))


def _matters_of(clocks):
    rows = list(clocks.values_list("owner_id", "state", "due_at", "met_at", "late_seconds"))
    ids = {int(r[0]) for r in rows}
    matters = Matter.objects.in_bulk(list(ids))
    return rows, matters


def on_time(span):
    rows, matters = _matters_of(_judged_clocks(span, "completion"))
    coops = _coops(matters)
    for owner_id, state, due_at, _, _ in rows:
        m = matters[int(owner_id)]
        ok = state == ClockState.MET
        note = "按期办结" if ok else ("逾期办结" if state == ClockState.MET_LATE else "到期未办结")
        yield from _both(m, coops, value=ONE if ok else ZERO, base=ONE, at=due_at, note=note)


def overdue(span):
    late = _judged_clocks(span, "completion").filter(state__in=[ClockState.BREACHED, ClockState.MET_LATE])
    rows, matters = _matters_of(late)
    coops = _coops(matters)
    for owner_id, state, due_at, _, _ in rows:
        note = "逾期办结" if state == ClockState.MET_LATE else "超期未办结"
        yield from _both(matters[int(owner_id)], coops, at=due_at, note=note)


def report_breaches(span):
    late = _judged_clocks(span, "report").filter(state__in=[ClockState.BREACHED, ClockState.MET_LATE])
    rows, matters = _matters_of(late)
    for owner_id, state, due_at, _, _ in rows:
        m = matters[int(owner_id)]
        note = f"{timezone.localtime(due_at):%Y-%m-%d}期" + ("逾期报送" if state == ClockState.MET_LATE else "未报送")
        yield Entry(unit_id=m.lead_unit_id, ref=f"supervision.report_clock:{m.pk}:{due_at.isoformat()}",
                    label=_label(m), url=_url(m.pk), at=due_at, note=note)


def returns(span):
    reports = (Report.objects.filter(kind=ReportKind.COMPLETION, review_state=ReviewState.RETURNED,
                                     reviewed_at__gte=span.start, reviewed_at__lt=span.end,
                                     matter__lead_unit_id__in=span.subtree())
               .select_related("matter"))
    for r in reports:
        m = r.matter
        yield Entry(unit_id=m.lead_unit_id, ref=f"supervision.report:{r.pk}", label=_label(m), url=_url(m.pk),
                    at=r.reviewed_at, note=f"退回理由：{r.review_comment}"[:200])


def urges(span):
    rows = (Urge.objects.filter(urged_at__gte=span.start, urged_at__lt=span.end, urged_unit_id__in=span.subtree())
            .select_related("matter"))
    for u in rows:
        m = u.matter
        yield Entry(unit_id=u.urged_unit_id, ref=f"supervision.urge:{u.pk}", label=_label(m), url=_url(m.pk),
                    role=LEAD if u.urged_unit_id == m.lead_unit_id else COOP, at=u.urged_at,
                    note=f"{u.get_kind_display()}（{u.get_channel_display()}）")


def workload(span):
    matters = list(Matter.objects.filter(assigned_at__lt=span.end, lead_unit_id__in=span.subtree())
                   .exclude(closed_at__lt=span.start).exclude(state=State.DRAFT)
                   .only("pk", "number", "title", "lead_unit_id"))
    coops = _coops(m.pk for m in matters)
    for m in matters:
        yield from _both(m, coops)


def indicator_sources():
    return [
        IndicatorSource("supervision.on_time", "按期办结率", "rate", "%", on_time,
                        "本期到期的督办事项（含子任务）中按期办结的比例"),
        IndicatorSource("supervision.overdue", "超期事项", "count", "件", overdue,
                        "本期到期而超期未办结或逾期办结的督办事项"),
        IndicatorSource("supervision.report_breaches", "定期报告超期", "count", "次", report_breaches,
                        "长期事项本期应报而未报或逾期报送的定期报告"),
        IndicatorSource("supervision.returns", "退回重办", "count", "次", returns, "本期被督查室退回重办的办结申请"),
        IndicatorSource("supervision.urges", "被催办", "count", "次", urges, "本期收到的人工和自动催办"),
        IndicatorSource("supervision.workload", "在办督办事项", "count", "件", workload,
                        "本期内处于办理中的督办事项（工作量，用于按工作量折算）", workload=True),
    ]


# --- achievements (EVAL-3) -----------------------------------------------------------

def completed_on_time(user_ids, start, end):
    rows = (Matter.objects.filter(lead_person_id__in=list(user_ids), result=Result.MET, completed_at__gte=start,
                                  completed_at__lt=end).order_by("completed_at", "id"))
    for m in rows:
        yield PersonEntry(m.lead_person_id, "按期办结督办事项", _label(m), _url(m.pk), m.completed_at)


# --- dashboard tallies (OUT-3) -------------------------------------------------------

def _light(row, now):
    state, frozen, due, warn = row["state"], row["open_frozen_light"], row["open_due_at"], row["open_warn_at"]
    if state in (State.COMPLETED, State.ARCHIVED):
        return "done"
    if state == State.CANCELLED:
        return "stopped"
    if state not in OPEN_STATES or due is None:
        return ""
    if frozen:
        return frozen
    if due <= now:
        return "red"
    return "yellow" if warn is not None and warn <= now else "green"


FIELDS = ("id", "lead_unit_id", "state", "open_frozen_light", "open_due_at", "open_warn_at", "assigned_at",
          "source_kind", "instructing_leader_id", "responsible_leader_id")


def _rows(qs, now):
    rows = list(qs.values(*FIELDS).iterator(chunk_size=5000))
    coops = _coops(qs.values("id"))
    for r in rows:
        r["units"] = (r["lead_unit_id"], *coops.get(r["id"], ()))
        r["light"] = _light(r, now)
    return rows


def _month_start(d: dt.date, back: int) -> dt.date:
    n = d.year * 12 + d.month - 1 - back
    return dt.date(n // 12, n % 12 + 1, 1)


def open_lights(now):
    for r in _rows(Matter.objects.filter(state__in=list(OPEN_STATES), lead_unit__isnull=False), now):
        if r["light"] in ("red", "yellow", "green"):
            yield Tally(r["units"], key=r["light"], key_label=LIGHT_LABELS[r["light"]])
            for leader in {r["instructing_leader_id"], r["responsible_leader_id"]} - {None}:
                yield Tally((), bucket=f"leader:{leader}", key=r["light"], key_label=LIGHT_LABELS[r["light"]])


def monthly(now):
    today = timezone.localdate(now)
    since = timezone.make_aware(dt.datetime.combine(_month_start(today, 11), dt.time.min))
    tz = timezone.get_current_timezone()  # looked up once, not per matter
    for r in _rows(Matter.objects.filter(assigned_at__gte=since, lead_unit__isnull=False), now):
        if r["light"]:
            yield Tally(r["units"], bucket=f"{r['assigned_at'].astimezone(tz):%Y-%m}", key=r["light"],
                        key_label=LIGHT_LABELS[r["light"]])


def sources_by_year(now):
    year = timezone.localdate(now).year
    since = timezone.make_aware(dt.datetime(year - 1, 1, 1))
    labels = dict(SourceKind.choices)
    tz = timezone.get_current_timezone()
    for r in _rows(Matter.objects.filter(assigned_at__gte=since, lead_unit__isnull=False), now):
        yield Tally(r["units"], bucket=str(r["assigned_at"].astimezone(tz).year), key=r["source_kind"],
                    key_label=labels.get(r["source_kind"], r["source_kind"]))


def _month_bounds(bucket):
    year, month = (int(x) for x in bucket.split("-"))
    last = (dt.date(year + month // 12, month % 12 + 1, 1) - dt.timedelta(days=1))
    return dt.date(year, month, 1).isoformat(), last.isoformat()


def office_link(unit_id=None, bucket="", key="", metric=""):
    """The office list (督办总表) with the filters of one bar."""
    q = {}
    if unit_id:
        q["unit"] = unit_id
    if bucket.startswith("leader:"):
        return reverse("supervision:leader") + (f"?light={key}" if key else "")
    if metric == "supervision.monthly" and bucket:
        q["date_from"], q["date_to"] = _month_bounds(bucket)
    if metric == "supervision.sources" and bucket:
        q["date_from"], q["date_to"] = f"{bucket}-01-01", f"{bucket}-12-31"
    if metric == "supervision.sources":
        if key:
            q["source"] = key
    elif key:
        q["light"] = key
    return reverse("supervision:office") + ("?" + urlencode(q) if q else "")


def tally_sources():
    return [
        TallySource("supervision.lights", "在办督办事项红黄绿灯", open_lights, office_link),
        TallySource("supervision.monthly", "每月交办事项及办理情况", monthly, office_link),
        TallySource("supervision.sources", "督办事项来源构成", sources_by_year, office_link),
    ]


def sources():
    return [*indicator_sources(), AchievementSource("supervision.completed", "按期办结督办事项", completed_on_time),
            *tally_sources()]
