"""What 作风整治 hands to the assessment and the dashboards
(duban.core.assessing; `assessment_sources` on RectificationConfig). Reads
only.

Indicator sources (EVAL-2), each record a problem of the unit's ledger:
- rectification.closure      整改销号率: of the problems whose rectification
  deadline fell in the period (and has passed), those closed by it;
- rectification.reopened     重新整改: rounds of 再整改 begun in the period (a
  close-out reopened, or a look-back that found it not done);
- rectification.late_ledgers 台账逾期报送: ledger submissions of the period
  sent late or not at all;
- rectification.workload     在改问题 (workload).
Achievements (EVAL-3): problems a person was responsible for and closed.
Dashboard tallies (OUT-3): problems by state and by category, per campaign;
each bar opens the campaign's ledger with the same filters.
"""

from decimal import Decimal

from django.contrib.contenttypes.models import ContentType
from django.urls import reverse
from django.utils.http import urlencode

from duban.clocks.models import Clock, ClockState
from duban.core.assessing import AchievementSource, Entry, IndicatorSource, PersonEntry, Tally, TallySource

from .models import LedgerSubmission, Problem, ProblemRound, ProblemState

ONE, ZERO = Decimal(1), Decimal(0)


def _label(p) -> str:
    return f"{p.number} {p.description[:40]}"


def closure(span):
    rows = Problem.objects.filter(due_at__gte=span.start, due_at__lt=span.end, due_at__lte=span.now,
                                  long_term=False, unit_id__in=span.subtree())
    for p in rows:
        ok = p.state == ProblemState.CLOSED and p.closed_at is not None and p.closed_at <= p.due_at
        yield Entry(unit_id=p.unit_id, ref=f"rectification.problem:{p.pk}", label=_label(p),
                    url=p.get_absolute_url(), value=ONE if ok else ZERO, base=ONE, at=p.due_at,
                    note="按期销号" if ok else p.get_state_display())


def reopened(span):
    rounds = (ProblemRound.objects.filter(number__gte=2, started_at__gte=span.start, started_at__lt=span.end,
                                          problem__unit_id__in=span.subtree()).select_related("problem"))
    for r in rounds:
        p = r.problem
        yield Entry(unit_id=p.unit_id, ref=f"rectification.round:{r.pk}", label=_label(p), url=p.get_absolute_url(),
                    at=r.started_at, note=f"第{r.number}轮：{r.reason}"[:200])


def late_ledgers(span):
    ct = ContentType.objects.get_for_model(LedgerSubmission)
    clocks = Clock.objects.filter(owner_type=ct, due_at__gte=span.start, due_at__lt=span.end, due_at__lte=span.now,
                                  state__in=[ClockState.BREACHED, ClockState.MET_LATE],
                                  owner_unit_id__in=span.subtree())
    states = {int(o): s for o, s in clocks.values_list("owner_id", "state")}
    for s in LedgerSubmission.objects.filter(pk__in=list(states)).select_related("phase", "campaign", "clock"):
        yield Entry(unit_id=s.unit_id, ref=f"rectification.submission:{s.pk}", label=f"{s.campaign.name}·{s.phase.name}台账",
                    url=reverse("rectification:submission", args=[s.pk]), at=s.clock.due_at if s.clock_id else None,
                    note="逾期报送" if states[s.pk] == ClockState.MET_LATE else "未报送")


def workload(span):
    rows = (Problem.objects.filter(created_at__lt=span.end, unit_id__in=span.subtree())
            .exclude(closed_at__lt=span.start).only("pk", "number", "description", "unit_id"))
    for p in rows:
        yield Entry(unit_id=p.unit_id, ref=f"rectification.problem:{p.pk}", label=_label(p), url=p.get_absolute_url())


def closed_problems(user_ids, start, end):
    rows = Problem.objects.filter(responsible_person_id__in=list(user_ids), state=ProblemState.CLOSED,
                                  closed_at__gte=start, closed_at__lt=end).order_by("closed_at", "id")
    for p in rows:
        yield PersonEntry(p.responsible_person_id, "整改销号问题", _label(p), p.get_absolute_url(), p.closed_at)


def by_state(now):
    rows = Problem.objects.values_list("unit_id", "campaign_id", "campaign__name", "state")
    labels = dict(ProblemState.choices)
    for unit_id, campaign_id, name, state in rows.iterator(chunk_size=5000):
        yield Tally((unit_id,), bucket=str(campaign_id), key=state, key_label=labels[state], bucket_label=name)


def by_category(now):
    rows = Problem.objects.values_list("unit_id", "campaign_id", "campaign__name", "category_id", "category__name")
    for unit_id, campaign_id, name, category_id, category in rows.iterator(chunk_size=5000):
        yield Tally((unit_id,), bucket=str(campaign_id), key=str(category_id), key_label=category, bucket_label=name)


def ledger_link(unit_id=None, bucket="", key="", metric=""):
    if not bucket:
        return reverse("rectification:campaigns")
    q = {}
    if unit_id:
        q["unit"] = unit_id
    if key:
        q["category" if metric == "rectification.categories" else "state"] = key
    return reverse("rectification:problems", args=[int(bucket)]) + ("?" + urlencode(q) if q else "")


def sources():
    return [
        IndicatorSource("rectification.closure", "整改销号率", "rate", "%", closure,
                        "本期到期的问题中按期核验销号的比例"),
        IndicatorSource("rectification.reopened", "重新整改", "count", "次", reopened,
                        "本期因销号后重新打开或回头看整改不到位而再整改的问题"),
        IndicatorSource("rectification.late_ledgers", "台账逾期报送", "count", "次", late_ledgers,
                        "本期应报送而逾期报送或未报送的问题清单台账"),
        IndicatorSource("rectification.workload", "在改问题", "count", "个", workload,
                        "本期内处于整改中的问题（工作量，用于按工作量折算）", workload=True),
        AchievementSource("rectification.closed", "整改销号问题", closed_problems),
        TallySource("rectification.states", "问题整改进度", by_state, ledger_link),
        TallySource("rectification.categories", "问题类别构成", by_category, ledger_link),
    ]
