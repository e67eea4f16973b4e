"""Writes of 作风整治 (RECT-1…6, PUB-1). Each public function is one
transaction with its journal event(s) ("rectification.…"), plus the events
of the clock writes it implies. Each checks, in order, who may act
(PermissionDenied, Chinese message; callers first establish visibility with
`get_visible_or_404`, so a stranger gets 404), then the state, then the
input (ValidationError keyed by field, Chinese). Nothing is half-written.

`by=None` means the system itself (commands, the demo loader): no
permission check.

Who may do what
- a unit's people (their own unit or one above it): register problems,
  report progress, submit the rectification result, submit the ledger;
- the campaign's task force (工作专班) and the supervision office (督查室
  whose jurisdiction covers the unit) — "managers": register findings, draw
  spot checks, start look-backs, reopen;
- verifiers (`verifier_refusal`): a manager who is not the owner (the
  responsible person or whoever submitted the result) and not in the
  problem's unit (the same bureau or town, see draws.organisation_of);
- publishing (公开) is the supervision office's alone.

Clocks (duban.clocks, owner = the record)
- LedgerSubmission, kind "ledger": due at the end of the phase's last day;
  met by `submit_ledger` (late → met_late; not submitted → the sweep
  breaches it).
- Problem, kind "deadline": the round's 整改时限 (end of that day). Paused
  while the result waits for verification; met as of the submission when
  verified, resumed when returned.
- Problem, kind "report": 长期坚持 measures report every month or quarter;
  a progress note meets the period's clock and starts the next; a breached
  period starts the next too (on_flips_processed).
"""

import datetime as dt
import re

from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from duban.clocks import services as clocks
from duban.clocks.models import ClockState, FlipKind
from duban.core.batch import builder, create_rows, draw_keys, insert_rows, update_rows
from duban.core.services import fmt_date, local_date, sync_fields, user_name
from duban.core.services import now as _now
from duban.journal import chain, evidence
from duban.journal.models import EvidenceFile
from duban.neardup import engine as neardup
from duban.org.models import GroupMembership, Person, Role, RoleAssignment, Unit
from duban.org.services import deputy_check
from duban.timelimits.periods import day_end, day_start, period_end

from . import draws
from .models import (
    CATEGORY_SETS,
    OPEN_PROBLEM_STATES,
    Campaign,
    Category,
    CategorySet,
    EntryKind,
    LedgerState,
    LedgerSubmission,
    LookBack,
    LookBackItem,
    LookBackVerdict,
    Participation,
    Phase,
    PhaseKind,
    Problem,
    ProblemEntry,
    ProblemRound,
    ProblemState,
    ReportCycle,
    Source,
    SpotCheck,
    SpotCheckAssignment,
    SpotCheckKind,
    Subject,
    TargetKind,
    Verdict,
)

User = get_user_model()

LEDGER, DEADLINE, REPORT = "ledger", "deadline", "report"
REPEAT_RATIO = 0.85

# Field → the column / field name a user sees (forms and the Excel import).
LABELS = {
    "code": "代码", "name": "名称", "start_date": "开始日期", "end_date": "结束日期", "phases": "阶段",
    "units": "参加单位", "categories": "问题类别", "organizer": "组织单位",
    "unit": "责任单位", "category": "问题类别", "source": "问题来源", "subject": "问题主体",
    "subject_name": "个人姓名", "description": "问题描述", "cause": "原因分析", "measures": "整改措施",
    "responsible_leader": "责任领导", "responsible_person": "责任人", "deadline": "整改时限",
    "report_cycle": "报告周期", "progress": "整改进展", "text": "内容", "files": "佐证材料", "reason": "原因",
    "note": "意见", "situation_report": "情况报告",
}

PROBLEM_FIELDS = [
    "number", "campaign_id", "unit_id", "category_id", "source", "subject", "subject_name", "description",
    "cause", "measures", "responsible_leader_id", "responsible_leader_name", "responsible_person_id",
    "responsible_person_name", "deadline", "long_term", "report_cycle", "due_at", "state", "round", "is_public",
    "repeat_root_id", "repeat_count", "spot_check_id",
]


# --- small helpers ------------------------------------------------------------------------------

def _err(field, message):
    return ValidationError({field: [message]})


def _own_unit(user):
    person = Person.objects.filter(user=user).select_related("unit").first() if user is not None else None
    return person.unit if person is not None else None


def normalize_text(text: str) -> str:
    """A description as compared for repeats: half-width, lower case, without
    whitespace, punctuation and symbols (duban.neardup.engine.normalize)."""
    return neardup.normalize(text)


def similar(a: str, b: str, ratio=REPEAT_RATIO) -> bool:
    """Two normalised descriptions are the same problem: equal, or (for
    texts of 4 characters or more) a difflib ratio of at least `ratio`.
    The exact rule; the index (`repeat_namespace`) answers the same."""
    return neardup.exact_similar(a, b, ratio)


def repeat_namespace(unit_id) -> str:
    """The near-duplicate index's namespace of a unit's problems (RECT-6:
    repeats are counted within a unit, across campaigns)."""
    return f"rectification.problem.unit:{unit_id}"


# --- who may act ---------------------------------------------------------------------------------

def is_task_force_member(user, campaign) -> bool:
    if user is None or not campaign.task_force_id:
        return False
    return GroupMembership.objects.filter(group_id=campaign.task_force_id, user=user).exists()


def is_supervisor_for(user, unit) -> bool:
    """A 督查室 role whose jurisdiction (its scope, or the user's own unit)
    covers `unit`."""
    if user is None or unit is None:
        return False
    own = _own_unit(user)
    for ra in RoleAssignment.objects.filter(user=user, role=Role.SUPERVISOR).select_related("scope"):
        root = ra.scope or own
        if root is not None and unit.path.startswith(root.path):
            return True
    return False


def is_manager(user, campaign, unit=None) -> bool:
    """The task force or the supervision office of the campaign."""
    return is_task_force_member(user, campaign) or is_supervisor_for(user, unit or campaign.organizer)


def _in_unit(user, unit) -> bool:
    own = _own_unit(user)
    return own is not None and unit.path.startswith(own.path)


def acts_for_unit(user, unit) -> bool:
    """The user belongs to the unit or to a unit above it, or stands in
    for an away A who does (ORG-4)."""
    return deputy_check(user, lambda u: _in_unit(u, unit))[0]


def unit_deputy(user, unit):
    """The away A in whose place `user` acts for `unit` (None: on their own
    right): the journal records B代A."""
    return deputy_check(user, lambda u: _in_unit(u, unit))[1] if user is not None else None


def _require(ok, message):
    if not ok:
        raise PermissionDenied(message)


def verifier_refusal(user, problem) -> str | None:
    """Why `user` may not verify (核验/销号/回头看) this problem, or None when
    he may: he must be a task-force member or the supervision office, and
    neither its owner nor in its unit."""
    if user is None:
        return "核验须由具体人员进行"
    current = problem.rounds.filter(number=problem.round).first()
    owners = {problem.responsible_person_id, problem.created_by_id}
    if current is not None:
        owners.add(current.submitted_by_id)
    return _verifier_refusal(user, problem.campaign, problem.unit, owners)


def _verifier_refusal(user, campaign, unit, owners) -> str | None:
    if user is None:
        return "核验须由具体人员进行"
    if user.pk in owners:
        return "整改责任人（提交人）不能核验自己的问题"
    own = _own_unit(user)
    if own is not None and draws.organisation_of(own) == draws.organisation_of(unit):
        return "本单位人员不能核验本单位的问题"
    if not is_manager(user, campaign, unit):
        return "只有工作专班成员或督查室可以核验"
    return None


# --- campaigns (RECT-1) ---------------------------------------------------------------------------

# seed 000 §三: 全面自查自纠 2/24–3/10 (ledger and situation report by 3/10),
# 整改落实 3/10–6/10, 巩固提升 6/10–12/10.
def seed000_phases(year: int) -> list:
    return [
        {"kind": PhaseKind.SELF_INSPECTION, "name": "全面自查自纠阶段", "start_date": dt.date(year, 2, 24),
         "end_date": dt.date(year, 3, 10), "requires_ledger": True,
         "duty": "通过自己找、群众提、上级点、组织查等方式查找问题，分析原因，提出整改措施，明确整改时限，"
                 "形成情况报告、问题清单台账，于3月10日前报送县工作专班。"},
        {"kind": PhaseKind.RECTIFICATION, "name": "整改落实阶段", "start_date": dt.date(year, 3, 10),
         "end_date": dt.date(year, 6, 10), "requires_ledger": False,
         "duty": "边查边改、立行立改，逐项细化整改责任，做到问题排查一个、整改一个、销号一个。"},
        {"kind": PhaseKind.CONSOLIDATION, "name": "巩固提升阶段", "start_date": dt.date(year, 6, 10),
         "end_date": dt.date(year, 12, 10), "requires_ledger": False,
         "duty": "通过评估验收、走访核查、明察暗访等方式检验整改实效，开展回头看，形成长效机制。"},
    ]


def _clean_phases(phases, start, end) -> list:
    out = []
    for i, p in enumerate(phases or [], start=1):
        p = dict(p)
        name = (p.get("name") or "").strip() or PhaseKind(p.get("kind", PhaseKind.OTHER)).label
        if not p.get("start_date") or not p.get("end_date"):
            raise _err("phases", f"阶段“{name}”须有开始日期和结束日期")
        if p["end_date"] < p["start_date"]:
            raise _err("phases", f"阶段“{name}”的结束日期早于开始日期")
        if p["start_date"] < start or p["end_date"] > end:
            raise _err("phases", f"阶段“{name}”超出专项行动的起止日期")
        p["name"], p["sort_order"] = name, i
        p.setdefault("kind", PhaseKind.OTHER)
        p.setdefault("duty", "")
        p.setdefault("requires_ledger", False)
        out.append(p)
    return out


@transaction.atomic
def create_campaign(*, code, name, start_date, end_date, organizer, units, task_force=None,
                    category_set=CategorySet.SIX_RECTIFICATIONS, categories=None, phases=None, basis="",
                    by=None, at=None) -> Campaign:
    """A campaign with its categories, phases and participating units; every
    phase that owes a ledger gets one LedgerSubmission and clock per unit.
    `categories` is the list for a custom set (or overrides a named set)."""
    at = _now(at)
    if by is not None:
        _require(is_supervisor_for(by, organizer), "只有督查室可以创建专项行动")
    code = (code or "").strip()
    name = (name or "").strip()
    if not code:
        raise _err("code", "请填写专项行动代码")
    if not re.fullmatch(r"[A-Za-z0-9_\-]+", code):
        raise _err("code", "代码只能包含字母、数字、短横线和下划线，如 DEMO-2026")
    if Campaign.objects.filter(code=code).exists():
        raise _err("code", f"代码“{code}”已被使用")
    if not name:
        raise _err("name", "请填写专项行动名称")
    if end_date < start_date:
        raise _err("end_date", "结束日期早于开始日期")
    names = [c.strip() for c in (categories or CATEGORY_SETS.get(category_set, [])) if c and c.strip()]
    if not names:
        raise _err("categories", "自定义问题类别时请至少填写一个类别")
    if len(set(names)) != len(names):
        raise _err("categories", "问题类别有重复")
    phase_data = _clean_phases(phases, start_date, end_date)
    c = Campaign.objects.create(code=code, name=name, basis=basis, organizer=organizer, task_force=task_force,
                                start_date=start_date, end_date=end_date, category_set=category_set,
                                created_at=at, created_by=by)
    Category.objects.bulk_create([Category(campaign=c, name=n, sort_order=i) for i, n in enumerate(names, 1)])
    for p in phase_data:
        Phase.objects.create(campaign=c, **{k: p[k] for k in ("kind", "name", "start_date", "end_date", "duty",
                                                               "requires_ledger", "sort_order")})
    chain.record("rectification.campaign.create", c, after={
        "code": code, "name": name, "start_date": start_date, "end_date": end_date, "organizer": organizer.pk,
        "task_force": task_force.pk if task_force else None, "category_set": category_set, "categories": names,
        "phases": [{k: p[k] for k in ("kind", "name", "start_date", "end_date", "requires_ledger")}
                   for p in phase_data],
    }, actor=by, occurred_at=at)
    _add_units(c, units, by=by, at=at)
    return c


def _add_units(campaign, units, *, by, at):
    have = set(campaign.participations.values_list("unit_id", flat=True))
    new = [u for u in dict.fromkeys(units) if u.pk not in have]
    if not new:
        return []
    Participation.objects.bulk_create([Participation(campaign=campaign, unit=u, joined_at=at) for u in new])
    for phase in campaign.phases.filter(requires_ledger=True):
        due = day_end(phase.end_date)
        if due <= at:
            continue  # the phase is over: nothing can be owed for it any more
        for u in new:
            s = LedgerSubmission.objects.create(campaign=campaign, phase=phase, unit=u)
            s.clock = clocks.start_clock(s, LEDGER, due_at=due, started_at=at, owner_unit=u,
                                         label=f"{u.name}报送{phase.name}情况报告和问题清单台账", link="")
            s.save(update_fields=["clock"])
    chain.record("rectification.campaign.units", campaign, after={"added": [u.pk for u in new]}, actor=by, occurred_at=at)
    return new


@transaction.atomic
def add_units(campaign, units, *, by=None, at=None) -> list:
    """Add participating units (with their ledger clocks for phases not yet over)."""
    at = _now(at)
    if by is not None:
        _require(is_manager(by, campaign), "只有工作专班或督查室可以调整参加单位")
    return _add_units(campaign, units, by=by, at=at)


@transaction.atomic
def submit_ledger(submission, by, *, situation_report, files=(), at=None) -> LedgerSubmission:
    """A unit submits its situation report and problem ledger for a phase:
    recorded with the number of problems it holds, meeting the unit's clock
    (late when after the phase's end)."""
    at = _now(at)
    s = LedgerSubmission.objects.select_for_update(of=("self",)).select_related("phase", "unit", "campaign").get(
        pk=submission.pk)
    if by is not None:
        _require(acts_for_unit(by, s.unit), "只有本单位人员可以报送本单位台账")
    if s.state != LedgerState.PENDING:
        raise ValidationError(f"“{s}”已于{fmt_date(local_date(s.submitted_at))}报送，不能重复报送")
    text = (situation_report or "").strip()
    if not text:
        raise _err("situation_report", "请填写情况报告")
    stored = [f if isinstance(f, EvidenceFile) else evidence.store(f, owner_unit=s.unit, uploaded_by=by, at=at)
              for f in files or ()]
    s.problem_count = Problem.objects.filter(campaign=s.campaign, unit__path__startswith=s.unit.path).count()
    s.situation_report, s.submitted_at, s.submitted_by = text, at, by
    late = False
    if s.clock_id:
        clock = clocks.meet(s.clock, at=at)
        late = clock.state == ClockState.MET_LATE
    else:
        late = at > day_end(s.phase.end_date)
    s.state = LedgerState.LATE if late else LedgerState.SUBMITTED
    s.save()
    if stored:
        s.evidence.add(*stored)
    chain.record("rectification.ledger.submit", s, after={
        "unit": s.unit_id, "phase": s.phase_id, "state": s.state, "problem_count": s.problem_count,
        "files": [str(f.pk) for f in stored], "at": at,
    }, actor=by, on_behalf_of=unit_deputy(by, s.unit), occurred_at=at)
    return s


# --- problems (RECT-2, RECT-3) ----------------------------------------------------------------------

def link_person(unit, name, *, leader=False):
    """The account of the person named `name` in `unit` (or below it); for a
    leader also a 领导 anywhere. None when there is none or more than one:
    the name is then kept as written, shown as not linked."""
    name = (name or "").strip()
    if not name:
        return None
    people = list(Person.objects.filter(user__first_name=name, user__is_active=True,
                                        unit__path__startswith=unit.path).values_list("user_id", flat=True))
    if not people and leader:
        people = list(Person.objects.filter(user__first_name=name, user__is_active=True, is_leader=True)
                      .values_list("user_id", flat=True))
    if len(people) == 1:
        return User.objects.get(pk=people[0])
    return None


def _choice(value, choices, field, default=""):
    if value in (None, ""):
        return default
    for v, label in choices:
        if value in (v, label):
            return v
    raise _err(field, f"{LABELS[field]}应为：" + "、".join(label for _, label in choices))


def _memo(lookups, key, compute):
    """compute(), remembered in `lookups` (a dict an import keeps for all
    its rows) under `key`; without `lookups`, compute() every time."""
    if lookups is None:
        return compute()
    if key not in lookups:
        lookups[key] = compute()
    return lookups[key]


# The choices a problem's fields take (an enum's `choices` is built anew at
# every access; an import asks for them on every row).
_CHOICES = (("source", Source.choices, Source.SELF), ("subject", Subject.choices, Subject.TEAM),
            ("report_cycle", ReportCycle.choices, ""))


def clean_problem(campaign, data: dict, *, at=None, history=False, by=None, lookups=None) -> dict:
    """Check and complete a problem's data (the create form and each imported
    row). Returns the cleaned data; raises ValidationError with every
    problem found, keyed by field.

    A problem registered by hand must lie ahead of its deadline (yesterday's
    deadline typed today is a typo). With `history` (a ledger imported by
    duban.rectification.excel) the problem's past comes along: see
    `_clean_history`; past deadlines and past registration dates are then
    no error, a deadline before the registration date is. `lookups`: a
    dict kept across the rows of one import, so that units, people and
    verifiers are looked up once."""
    at = _now(at)
    errors = {}
    out = dict(data)

    def fail(field, message):
        errors.setdefault(field, []).append(message)

    unit = data.get("unit")
    if unit is None:
        fail("unit", "请填写责任单位")
    elif not _memo(lookups, ("takes_part", unit.pk),
                   lambda: campaign.participations.filter(unit__path__in=unit.ancestor_paths()).exists()):
        fail("unit", f"“{unit.name}”不是本专项行动的参加单位")
    category = data.get("category")
    if isinstance(category, str):
        found = campaign.categories.filter(name=category.strip()).first()
        if found is None:
            fail("category", f"“{category}”不是本专项行动的问题类别（{'、'.join(campaign.category_names())}）")
        category = found
    elif category is None:
        fail("category", "请选择问题类别")
    elif category.campaign_id != campaign.pk:
        fail("category", "问题类别不属于本专项行动")
    out["category"] = category
    for f, choices, default in _CHOICES:
        try:
            out[f] = _choice(data.get(f), choices, f, default)
        except ValidationError as e:
            fail(f, e.message_dict[f][0])
    for f in ("description", "cause", "measures", "subject_name", "responsible_leader_name",
              "responsible_person_name", "progress"):
        out[f] = (data.get(f) or "").strip()
    if not out["description"]:
        fail("description", "请填写问题描述")
    if not out["measures"]:
        fail("measures", "请填写整改措施")
    if out.get("subject") == Subject.PERSON and not out["subject_name"]:
        fail("subject_name", "问题属于个人时请填写个人姓名")
    if out.get("subject") == Subject.TEAM:
        out["subject_name"] = ""
    long_term = bool(data.get("long_term"))
    deadline = data.get("deadline")
    out["long_term"] = long_term
    if long_term:
        out["deadline"] = None
        out["report_cycle"] = out.get("report_cycle") or ReportCycle.MONTHLY
    else:
        out["report_cycle"] = ""
        if deadline is None:
            fail("deadline", "请填写整改时限（日期或“长期坚持”）")
        elif history:
            pass  # checked against the registration date (_clean_history)
        elif day_end(deadline) <= at:
            fail("deadline", f"整改时限{fmt_date(deadline)}已过")
        elif deadline > campaign.end_date + dt.timedelta(days=366 * 3):
            fail("deadline", f"整改时限{fmt_date(deadline)}过远")
    if unit is not None:
        for f, leader in (("responsible_leader", True), ("responsible_person", False)):
            user = data.get(f)
            name = out[f + "_name"]
            if user is None and name:
                user = _memo(lookups, ("person", unit.pk, name, leader),
                             lambda name=name, leader=leader: link_person(unit, name, leader=leader))
            if user is not None and not name:
                out[f + "_name"] = user_name(user)
            out[f] = user
    if history:
        _clean_history(campaign, data, out, at=at, by=by, fail=fail, lookups=lookups)
    if errors:
        raise ValidationError(errors)
    return out


# A ledger row's state (RECT-3 import): 整改中 (or 再整改), 已整改 (the result
# submitted, waiting for verification), 已销号 (verified and closed).
HISTORY_STATES = (ProblemState.RECTIFYING, ProblemState.SUBMITTED, ProblemState.CLOSED)


def history_state(problem) -> str:
    """The ledger state of a problem in the system (HISTORY_STATES)."""
    return ProblemState.RECTIFYING if problem.state == ProblemState.RERECTIFYING else problem.state


def _clean_history(campaign, data, out, *, at, by, fail, lookups=None):
    """The past of an imported ledger row, checked and turned into moments.

    data: registered_on (登记日期, or None: registered at the import moment
    `at`), status (HISTORY_STATES, default 整改中), done_on (the day the
    rectification was done), closed_on (the day it was closed out),
    verifier_name (the verifier the ledger names). out gets registered_at,
    status, done_at, closed_at, verifier and verify_note.

    Dates lie neither after today nor before the registration date; a
    deadline before the registration date is an error. An undated 已整改 or
    已销号 is taken as of the import when its deadline is still ahead; after
    its deadline the date decides on time or late, so it is asked for.
    已销号 needs a verifier who may verify (`verifier_refusal`, the importer
    transcribing the ledger does not count as its registrar): the one the
    ledger names when he has an account, else the importing office; an
    import by the system (`by` None, the command) keeps the named verifier
    as written."""
    today = _memo(lookups, ("today", at), lambda: local_date(at))
    registered = data.get("registered_on")
    if registered is not None and registered > today:
        fail("registered_on", f"登记日期{fmt_date(registered)}晚于今天")
    deadline = out.get("deadline")
    if deadline is not None and registered is not None and deadline < registered:
        fail("deadline", f"整改时限{fmt_date(deadline)}早于登记日期{fmt_date(registered)}")
    out["registered_at"] = day_start(registered) if registered is not None else at
    status = data.get("status") or ProblemState.RECTIFYING
    if status not in HISTORY_STATES:
        fail("status", "状态应为：整改中、已整改、已销号")
        return
    out["status"] = status
    done, closed = data.get("done_on"), data.get("closed_on")
    if status == ProblemState.RECTIFYING:
        for f, d, what in (("done_on", done, "整改完成日期"), ("closed_on", closed, "销号日期")):
            if d is not None:
                fail(f, f"状态为“整改中”，不应填写{what}")
        return
    if status == ProblemState.SUBMITTED and closed is not None:
        fail("closed_on", "状态为“已整改”（待核验），不应填写销号日期；已核验销号的请写“已销号”")
    if status == ProblemState.CLOSED:
        done = done or closed
        closed = closed or done
    for f, d, what in (("done_on", done, "整改完成日期"), ("closed_on", closed, "销号日期")):
        if d is None:
            continue
        if d > today:
            fail(f, f"{what}{fmt_date(d)}晚于今天")
        elif registered is not None and d < registered:
            fail(f, f"{what}{fmt_date(d)}早于登记日期{fmt_date(registered)}")
    if status == ProblemState.CLOSED and done and closed and closed < done:
        fail("closed_on", f"销号日期{fmt_date(closed)}早于整改完成日期{fmt_date(done)}")
    if done is None and deadline is not None and not out["long_term"] and day_end(deadline) <= at:
        fail("done_on", f"整改时限{fmt_date(deadline)}已过，请写明整改完成日期（如“已整改（2026-05-20）”），"
                        "以判断是否按时整改")
    out["done_at"] = day_start(done) if done is not None else at
    out["closed_at"] = day_start(closed) if closed is not None else at
    if status == ProblemState.CLOSED:
        _clean_verifier(campaign, data, out, by=by, fail=fail, lookups=lookups)


def _clean_verifier(campaign, data, out, *, by, fail, lookups=None):
    unit = out.get("unit") or data.get("unit")
    if unit is None:
        return
    person = out.get("responsible_person")
    owners = {person.pk} if person is not None else set()
    name = (data.get("verifier_name") or "").strip()
    out["verifier"], out["verify_note"] = None, ""
    if name:
        named = _memo(lookups, ("verifier", name), lambda: list(
            User.objects.filter(first_name=name, is_active=True, person__isnull=False)))
        fit = [u for u in named if _memo(lookups, ("refusal", u.pk, unit.pk, tuple(sorted(owners))),
                                         lambda u=u: _verifier_refusal(u, campaign, unit, owners)) is None]
        if len(fit) == 1:
            out["verifier"] = fit[0]
            return
        if named and not fit:
            fail("verifier", f"核验人{name}不能核验：{_verifier_refusal(named[0], campaign, unit, owners)}")
            return
    if by is None:
        out["verify_note"] = f"台账记载的核验人：{name}" if name else "台账记载已销号"
        return
    refusal = _memo(lookups, ("refusal", by.pk, unit.pk, tuple(sorted(owners))),
                    lambda: _verifier_refusal(by, campaign, unit, owners))
    if refusal:
        fail("verifier" if name else "status",
             "已销号须经工作专班或督查室核验：" + (f"核验人{name}在系统中没有可核验的账号，" if name else "")
             + f"请在“核验人”列填写系统中工作专班或督查室的核验人员，或由工作专班、督查室导入（{refusal}）")
        return
    out["verifier"] = by
    out["verify_note"] = f"台账记载的核验人：{name}" if name and name != user_name(by) else ""


def _start_report_clock(p, *, at, after: dt.date):
    due = period_end(p.report_cycle or ReportCycle.MONTHLY, after)
    if due <= at:
        due = period_end(p.report_cycle or ReportCycle.MONTHLY, local_date(due) + dt.timedelta(days=1))
    local = timezone.localtime(due)
    p.report_clock = clocks.start_clock(
        p, REPORT, due_at=due, started_at=at, owner_unit=p.unit, owner_person=p.responsible_person,
        label=f"{p.number}长期整改定期报告（{local.month}月{local.day}日前）", link=p.get_absolute_url())


def _start_round_clocks(p, *, at, imported_at=None):
    """The round's clock from `at`. An imported problem (`imported_at`, the
    import moment) reports periodically from its import on, and its
    deadline clock is due at the ledger's deadline even when that has
    passed (red at once, the sweep dates the breach at the deadline); when
    the deadline lies before the registration moment (the ledger gives no
    registration date) the clock runs from the campaign's start, or the
    deadline's day if that is earlier."""
    p.deadline_clock = None
    p.report_clock = None
    if p.long_term:
        p.due_at = None
        start = imported_at or at
        _start_report_clock(p, at=start, after=local_date(start))
    else:
        p.due_at = day_end(p.deadline)
        start = at
        if imported_at is not None and start >= p.due_at:
            start = min(day_start(p.campaign.start_date), day_start(p.deadline))
        p.deadline_clock = clocks.start_clock(
            p, DEADLINE, due_at=p.due_at, started_at=start, owner_unit=p.unit, owner_person=p.responsible_person,
            label=f"{p.number}整改（{fmt_date(p.deadline)}前）", link=p.get_absolute_url())


def _entry(p, kind, *, at, by, text="", files=(), onsite=False):
    e = ProblemEntry.objects.create(problem=p, round=p.round, kind=kind, at=at, by=by, text=text, onsite=onsite)
    if files:
        e.evidence.add(*files)
    return e


def _store(files, by, unit, at=None) -> list:
    return [f if isinstance(f, EvidenceFile) else evidence.store(f, owner_unit=unit, uploaded_by=by, at=at)
            for f in files or ()]


def _next_number(campaign) -> str:
    c = Campaign.objects.select_for_update().get(pk=campaign.pk)
    serial = c.next_serial
    Campaign.objects.filter(pk=c.pk).update(next_serial=F("next_serial") + 1)
    return f"{c.code}-{serial:04d}"


def create_problem(campaign, *, by=None, at=None, spot_check=None, **data) -> Problem:
    """Register a problem in the ledger (round 1) with its clock, and flag it
    when its unit has raised the same or a near-identical problem before.
    Keyword data: unit, category (a Category or its name), source, subject,
    subject_name, description, cause, measures, responsible_leader /
    responsible_leader_name, responsible_person / responsible_person_name
    (an account or a name: a name is linked to the unit's account of that
    name when there is exactly one), deadline (a date) or long_term=True
    (with report_cycle 每月/每季度), progress (a first progress note)."""
    at = _now(at)
    with transaction.atomic():
        unit = data.get("unit")
        if by is not None and unit is not None:
            _require(acts_for_unit(by, unit) or is_manager(by, campaign, unit),
                     "只有本单位人员、工作专班或督查室可以登记问题")
        clean = clean_problem(campaign, data, at=at)
        return _create(campaign, clean, by=by, at=at, spot_check=spot_check)


def _create(campaign, clean, *, by, at, spot_check=None, imported_at=None) -> Problem:
    p = Problem(
        campaign=campaign, number=_next_number(campaign), unit=clean["unit"], category=clean["category"],
        source=clean["source"], subject=clean["subject"], subject_name=clean["subject_name"],
        description=clean["description"], normalized=normalize_text(clean["description"]), cause=clean["cause"],
        measures=clean["measures"], responsible_leader=clean.get("responsible_leader"),
        responsible_leader_name=clean["responsible_leader_name"],
        responsible_person=clean.get("responsible_person"),
        responsible_person_name=clean["responsible_person_name"], deadline=clean.get("deadline"),
        long_term=clean["long_term"], report_cycle=clean["report_cycle"], state=ProblemState.RECTIFYING,
        round=1, latest_progress=clean.get("progress", ""), spot_check=spot_check, created_at=at, created_by=by,
    )
    p.save()
    ProblemRound.objects.create(problem=p, number=1, started_at=at, deadline=p.deadline, long_term=p.long_term)
    _start_round_clocks(p, at=at, imported_at=imported_at)
    _attach_repeats(p)
    p.save()
    imported = f"；{fmt_date(local_date(imported_at))}据台账导入" if imported_at is not None else ""
    _entry(p, EntryKind.REGISTERED, at=at, by=by, text=f"登记问题（来源：{p.get_source_display()}{imported}）")
    if clean.get("progress"):
        _entry(p, EntryKind.PROGRESS, at=at, by=by, text=clean["progress"])
    chain.record("rectification.problem.create", p, after=chain.snapshot(p, PROBLEM_FIELDS), actor=by,
                 on_behalf_of=unit_deputy(by, p.unit) if imported_at is None else None, occurred_at=at)
    return p


def import_problem(campaign, clean, *, by=None, at=None) -> Problem:
    """One row of an imported ledger (duban.rectification.excel), `clean`
    from `clean_problem(..., history=True)`; `at` is the import moment.

    The problem is registered at the ledger's registration date (or at the
    import), its deadline clock due at the ledger's deadline even when that
    has passed: such a row is red at once, and the sweep dates its breach
    at the deadline. Its state is set as the ledger gives it: 已整改 → the
    result submitted on its date, waiting for verification (verified later,
    it is met on time when done by the deadline, late after it); 已销号 →
    in addition verified and closed on its date by the ledger's verifier or
    the importing office (see `_clean_history`). The journal's events carry
    these business moments; their recorded_at is the import's."""
    at = _now(at)
    with transaction.atomic():
        unit = clean["unit"]
        if by is not None:
            _require(acts_for_unit(by, unit) or is_manager(by, campaign, unit),
                     "只有本单位人员、工作专班或督查室可以导入问题")
        status = clean.get("status") or ProblemState.RECTIFYING
        progress = clean.get("progress", "")
        done = status != ProblemState.RECTIFYING
        p = _create(campaign, {**clean, "progress": "" if done else progress}, by=by,
                    at=clean.get("registered_at") or at, imported_at=at)
        if done:
            _submit(p, by, progress or "已整改（据台账导入）", [], at=clean.get("done_at") or at, imported=True)
        if status == ProblemState.CLOSED:
            _close_imported(p, by, clean, at=clean.get("closed_at") or at)
        return p


def import_problems(campaign, cleans, *, by=None, at=None, progress=None) -> list:
    """Many rows of an imported ledger at once (duban.rectification.excel):
    the same problems, rounds, clocks, entries, repeat groups and journal
    events as `import_problem` row by row, written per batch. `cleans` from
    `clean_problem(..., history=True)`, in the ledger's order; `at` is the
    import moment. The numbers are taken in one step, the rows inserted in
    bulk, the clocks computed in memory with their past and inserted in bulk
    (clocks.start_clocks), the repeats looked up in the index for the whole
    batch (neardup.find_many) and every merged group updated once, and the
    events chained in one pass. `progress(done)` is told the rows written.
    Each problem returned carries `repeats_earlier`: whether its row repeats
    an earlier problem of its unit or an earlier row of the batch. In one
    transaction: all or nothing."""
    at = _now(at)
    if not cleans:
        return []
    with transaction.atomic():
        allowed = {}
        for clean in cleans:
            unit = clean["unit"]
            if by is not None and unit.pk not in allowed:
                allowed[unit.pk] = acts_for_unit(by, unit) or is_manager(by, campaign, unit)
                _require(allowed[unit.pk], "只有本单位人员、工作专班或督查室可以导入问题")
        c = Campaign.objects.select_for_update().get(pk=campaign.pk)
        first = c.next_serial
        Campaign.objects.filter(pk=c.pk).update(next_serial=F("next_serial") + len(cleans))
        problems, rows = [], []
        new_problem, new_round, new_entry = builder(Problem), builder(ProblemRound), builder(ProblemEntry)
        for i, clean in enumerate(cleans):
            status = clean.get("status") or ProblemState.RECTIFYING
            registered = clean.get("registered_at") or at
            done = status != ProblemState.RECTIFYING
            p = new_problem(
                campaign=campaign, number=f"{c.code}-{first + i:04d}", unit=clean["unit"], category=clean["category"],
                source=clean["source"], subject=clean["subject"], subject_name=clean["subject_name"],
                description=clean["description"], normalized=normalize_text(clean["description"]),
                cause=clean["cause"], measures=clean["measures"], responsible_leader=clean.get("responsible_leader"),
                responsible_leader_name=clean["responsible_leader_name"],
                responsible_person=clean.get("responsible_person"),
                responsible_person_name=clean["responsible_person_name"], deadline=clean.get("deadline"),
                long_term=clean["long_term"], report_cycle=clean["report_cycle"], state=ProblemState.RECTIFYING,
                round=1, latest_progress="" if done else clean.get("progress", ""), created_at=registered,
                created_by=by)
            p.due_at = None if p.long_term else day_end(p.deadline)
            problems.append(p)
            rows.append((clean, status, registered))
        # Each problem's row is written once, complete (its clock, its state
        # and its repeat group known), where its key can be drawn first;
        # elsewhere inserted now and updated at the end.
        keyed = draw_keys(problems)
        if not keyed:
            create_rows(problems)
        for p, matches in zip(problems, _bulk_repeats(problems), strict=True):
            p.repeats_earlier = bool(matches)
        specs = []
        for p, (clean, status, registered), link in zip(problems, rows, _links(problems), strict=True):
            specs.append(_imported_clock_spec(p, clean, status, registered, at=at, campaign=c, link=link))
        made, clock_events = clocks.start_clocks(specs, journal=False)  # ItemFailed names the row
        rounds, entries, events = [], [], []
        imported_on = fmt_date(local_date(at))
        for p, (clean, status, registered), clock, clock_entries in zip(problems, rows, made, clock_events,
                                                                        strict=True):
            if p.long_term:
                p.report_clock = clock
            else:
                p.deadline_clock = clock
            r = new_round(problem=p, number=1, started_at=registered, deadline=p.deadline, long_term=p.long_term)
            rounds.append(r)
            source = f"登记问题（来源：{p.get_source_display()}；{imported_on}据台账导入）"
            entries.append(new_entry(problem=p, round=1, kind=EntryKind.REGISTERED, at=registered, by=by,
                                     text=source))
            if p.latest_progress:
                entries.append(new_entry(problem=p, round=1, kind=EntryKind.PROGRESS, at=registered, by=by,
                                         text=p.latest_progress))
            starts = [e for e in clock_entries if e["action"] == "clocks.start"]
            events += starts
            events.append({"action": "rectification.problem.create", "obj": p, "actor": by, "occurred_at": registered,
                           "after": chain.snapshot(p, PROBLEM_FIELDS)})
            if status == ProblemState.RECTIFYING:
                continue
            done_at = clean.get("done_at") or at
            text = clean.get("progress") or "已整改（据台账导入）"
            before = _snap(p)
            r.result_text, r.submitted_at, r.submitted_by = text, done_at, by
            p.state, p.latest_progress = ProblemState.SUBMITTED, text
            entries.append(new_entry(problem=p, round=1, kind=EntryKind.SUBMITTED, at=done_at, by=by, text=text))
            events += [e for e in clock_entries if e["action"] == "clocks.pause"]
            events.append({"action": "rectification.problem.submit", "obj": p, "before": before, "actor": by,
                           "occurred_at": done_at, "after": {**_snap(p), "files": [], "imported": True}})
            if status != ProblemState.CLOSED:
                continue
            closed_at = clean.get("closed_at") or at
            verifier, note = clean.get("verifier"), clean.get("verify_note", "")
            before = _snap(p)
            r.verified_at, r.verified_by, r.verify_note = closed_at, verifier, note
            r.verdict, r.closed_at = Verdict.PASSED, closed_at
            p.state, p.closed_at = ProblemState.CLOSED, closed_at
            entries.append(new_entry(problem=p, round=1, kind=EntryKind.CLOSED, at=closed_at, by=verifier or by,
                                     text=note or "核验通过，予以销号（据台账导入）"))
            events += [e for e in clock_entries if e["action"] == "clocks.meet"]
            events.append({"action": "rectification.problem.verify", "obj": p, "before": before, "actor": by,
                           "occurred_at": closed_at, "after": {
                               **_snap(p), "passed": True, "onsite": False, "note": note,
                               "verifier": verifier.pk if verifier else None, "imported": True}})
        if keyed:
            insert_rows(problems)
        else:
            update_rows(problems, ["deadline_clock", "report_clock", "state", "closed_at", "latest_progress",
                                   "repeat_root", "repeat_count"])
        insert_rows(rounds)
        insert_rows(entries)
        chain.record_many(events)
        if progress is not None:
            progress(len(problems))
    return problems


def _links(problems) -> list:
    """The problems' own links (Problem.get_absolute_url), for a batch:
    the URL is reversed once and each id put in its place (reversing costs
    more than everything else a row's clock needs)."""
    marker = 987654321012345
    template = Problem(pk=marker).get_absolute_url()
    if template.count(str(marker)) != 1:
        return [p.get_absolute_url() for p in problems]
    head, tail = template.split(str(marker))
    return [f"{head}{p.pk}{tail}" for p in problems]


def _imported_clock_spec(p, clean, status, registered, *, at, campaign, link=None):
    """The clock of an imported problem (as `_start_round_clocks` with
    `imported_at`), with its past: paused when the result was submitted,
    met when it was verified."""
    done_at = clean.get("done_at") or at
    history = []
    if p.long_term:
        start = at
        due = period_end(p.report_cycle or ReportCycle.MONTHLY, local_date(start))
        if due <= start:
            due = period_end(p.report_cycle or ReportCycle.MONTHLY, local_date(due) + dt.timedelta(days=1))
        local = timezone.localtime(due)
        if status == ProblemState.CLOSED:
            history.append(("meet", max(done_at, start)))
        return clocks.ClockSpec(
            owner=p, kind=REPORT, due_at=due, started_at=start, owner_unit=p.unit, owner_person=p.responsible_person,
            label=f"{p.number}长期整改定期报告（{local.month}月{local.day}日前）",
            link=link if link is not None else p.get_absolute_url(), history=history)
    start = registered
    if start >= p.due_at:
        start = min(day_start(campaign.start_date), day_start(p.deadline))
    if status != ProblemState.RECTIFYING:
        history.append(("pause", done_at, "整改结果待核验"))
    if status == ProblemState.CLOSED:
        history.append(("meet", done_at))
    return clocks.ClockSpec(
        owner=p, kind=DEADLINE, due_at=p.due_at, started_at=start, owner_unit=p.unit,
        owner_person=p.responsible_person, label=f"{p.number}整改（{fmt_date(p.deadline)}前）",
        link=link if link is not None else p.get_absolute_url(), history=history)


def _bulk_repeats(problems):
    """The repeats of newly inserted problems, through the index for the whole
    batch: each merged group (earlier problems of the unit and new ones) is
    updated once; the new problems' own fields are set in memory (the
    caller writes them). Feeds the new problems to the index. Returns the
    matches of each problem (neardup.find_many)."""
    items = [(repeat_namespace(p.unit_id), p.pk, p.normalized) for p in problems]
    found = neardup.find_many(items, ratio=REPEAT_RATIO, normalized=True)
    new_ids = {p.pk for p in problems}
    parent = {}

    def root_of(x):
        while parent.get(x, x) != x:
            parent[x] = parent.get(parent[x], parent[x])
            x = parent[x]
        return x

    def union(a, b):
        ra, rb = root_of(a), root_of(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)

    old_keys = {int(m.key) for matches in found for m in matches} - new_ids
    old_root = dict(Problem.objects.filter(pk__in=old_keys).order_by().values_list("pk", "repeat_root_id")) if old_keys else {}
    touched = False
    for p, matches in zip(problems, found, strict=True):
        for m in matches:
            other = int(m.key)
            union(p.pk, old_root.get(other) or other if other not in new_ids else other)
            touched = True
    neardup.put_many(items, normalized=True, fresh=True)
    if not touched:
        return found
    # Components: the groups of earlier problems they reach, whole.
    old_roots = {x for x in parent if x not in new_ids} | {x for x in parent.values() if x not in new_ids}
    old_members = {}
    if old_roots:
        for pk, root in Problem.objects.filter(repeat_root_id__in=old_roots).order_by().values_list("pk", "repeat_root_id"):
            old_members.setdefault(root, set()).add(pk)
    components = {}
    for x in set(parent) | set(parent.values()):
        members = components.setdefault(root_of(x), set())
        members.add(x)
        members |= old_members.get(x, set())
    by_pk = {p.pk: p for p in problems}
    for members in components.values():
        root, count = min(members), len(members)
        old = members - new_ids
        if old - {root}:
            Problem.objects.filter(pk__in=old - {root}).update(repeat_root_id=root, repeat_count=count)
        if root in old:
            Problem.objects.filter(pk=root).update(repeat_root_id=None, repeat_count=count)
        for pk in members & new_ids:
            by_pk[pk].repeat_root_id = None if pk == root else root
            by_pk[pk].repeat_count = count
    return found


def _close_imported(p, by, clean, *, at):
    verifier, note = clean.get("verifier"), clean.get("verify_note", "")
    before = _snap(p)
    r = ProblemRound.objects.select_for_update().get(problem=p, number=p.round)
    r.verified_at, r.verified_by, r.verify_note = at, verifier, note
    _pass(p, r, at=at)
    r.save()
    p.save()
    _entry(p, EntryKind.CLOSED, at=at, by=verifier or by, text=note or "核验通过，予以销号（据台账导入）")
    chain.record("rectification.problem.verify", p, before=before, after={
        **_snap(p), "passed": True, "onsite": False, "note": note, "verifier": verifier.pk if verifier else None,
        "imported": True}, actor=by, occurred_at=at)


# --- repeated problems (RECT-6) ---------------------------------------------------------------------

def _attach_repeats(p):
    """Join `p` to the group of its unit's earlier problems with the same or a
    near-identical description (across campaigns), found through the
    near-duplicate index (duban.neardup), and feed `p` to the index."""
    namespace = repeat_namespace(p.unit_id)
    matches = neardup.find(namespace, p.normalized, ratio=REPEAT_RATIO, exclude=[p.pk], normalized=True)
    neardup.put(namespace, p.pk, p.normalized, normalized=True)
    if matches:
        roots = {root_id or pk for pk, root_id in Problem.objects.filter(
            pk__in=[int(m.key) for m in matches]).order_by().values_list("pk", "repeat_root_id")}
        _merge_groups(p, roots)


def _group_ids(root_ids) -> set:
    roots = set(root_ids)
    # Unordered: the model's ordering would join campaigns and units and
    # sort, a scan that grows with the table (the group is a handful of rows).
    return roots | set(Problem.objects.filter(repeat_root_id__in=roots).order_by().values_list("pk", flat=True))


def _merge_groups(p, other_roots):
    members = _group_ids(set(other_roots) | {p.repeat_root_id or p.pk})
    members.add(p.pk)
    root = min(members)
    count = len(members)
    Problem.objects.filter(pk__in=members - {root}).update(repeat_root_id=root, repeat_count=count)
    Problem.objects.filter(pk=root).update(repeat_root_id=None, repeat_count=count)
    p.repeat_root_id = None if p.pk == root else root
    p.repeat_count = count


@transaction.atomic
def link_repeated(problem, other, by, *, reason="", at=None) -> Problem:
    """Link two problems of the same unit by hand as one repeated problem."""
    at = _now(at)
    p = Problem.objects.select_for_update(of=("self",)).select_related("campaign").get(pk=problem.pk)
    o = Problem.objects.select_for_update().get(pk=other.pk)
    if by is not None:
        _require(is_manager(by, p.campaign, p.unit), "只有工作专班或督查室可以关联重复问题")
    if p.pk == o.pk:
        raise ValidationError("不能把问题与它自己关联")
    if p.unit_id != o.unit_id:
        raise ValidationError("只能关联同一单位的问题")
    before = p.repeat_count
    _merge_groups(p, {o.repeat_root_id or o.pk})
    _entry(p, EntryKind.LINKED, at=at, by=by, text=f"与{o.number}关联为重复问题。{reason}".strip())
    chain.record("rectification.problem.link", p, before={"repeat_count": before},
                 after={"other": o.pk, "repeat_count": p.repeat_count, "reason": reason}, actor=by, occurred_at=at)
    return p


# --- progress, result, verification, close-out (RECT-4) ---------------------------------------------

def _lock(problem) -> Problem:
    return Problem.objects.select_for_update(of=("self",)).select_related("campaign", "unit").get(pk=problem.pk)


def _snap(p):
    return chain.snapshot(p, ["state", "round", "deadline", "long_term", "due_at", "closed_at", "is_public"])


@transaction.atomic
def add_progress(problem, by, text, *, files=(), at=None) -> ProblemEntry:
    """A progress note (整改进展). For a 长期坚持 problem it is also the
    period's report: it meets the running report clock and starts the next."""
    at = _now(at)
    original, p = problem, _lock(problem)
    if by is not None:
        _require(acts_for_unit(by, p.unit), "只有本单位人员可以报送整改进展")
    if not p.is_open:
        raise ValidationError(f"问题{p.number}已销号，不能再报送进展")
    text = (text or "").strip()
    if not text:
        raise _err("text", "请填写整改进展")
    stored = _store(files, by, p.unit, at)
    kind = EntryKind.PROGRESS
    if p.long_term and p.report_clock_id and p.report_clock.state in (ClockState.RUNNING, ClockState.BREACHED):
        met = clocks.meet(p.report_clock, at=at)
        kind = EntryKind.PERIODIC
        _start_report_clock(p, at=at, after=local_date(met.due_at) + dt.timedelta(days=1))
    p.latest_progress = text
    p.save()
    e = _entry(p, kind, at=at, by=by, text=text, files=stored)
    chain.record("rectification.problem.progress", p, after={
        "entry": e.pk, "kind": kind, "round": p.round, "files": [str(f.pk) for f in stored]}, actor=by,
        on_behalf_of=unit_deputy(by, p.unit), occurred_at=at)
    sync_fields(original, p)
    return e


@transaction.atomic
def submit_result(problem, by, text, *, files=(), at=None) -> ProblemRound:
    """The owner submits the rectification result with evidence; the problem
    waits for verification (its deadline clock paused)."""
    at = _now(at)
    original, p = problem, _lock(problem)
    if by is not None:
        _require(acts_for_unit(by, p.unit), "只有本单位人员可以提交整改结果")
    if p.state not in (ProblemState.RECTIFYING, ProblemState.RERECTIFYING):
        raise ValidationError(f"问题{p.number}当前为“{p.get_state_display()}”，不能提交整改结果")
    text = (text or "").strip()
    if not text:
        raise _err("text", "请填写整改结果")
    stored = _store(files, by, p.unit, at)
    if not stored:
        raise _err("files", "提交整改结果须附佐证材料")
    r = _submit(p, by, text, stored, at=at)
    sync_fields(original, p)
    return r


def _submit(p, by, text, stored, *, at, imported=False) -> ProblemRound:
    """The round's result submitted at `at`: the problem waits for
    verification, its deadline clock paused."""
    before = _snap(p)
    r = ProblemRound.objects.select_for_update().get(problem=p, number=p.round)
    r.result_text, r.submitted_at, r.submitted_by = text, at, by
    r.verdict, r.verify_note = "", ""
    r.save()
    if p.deadline_clock_id and p.deadline_clock.state == ClockState.RUNNING:
        clocks.pause(p.deadline_clock, "整改结果待核验", at=at)
    p.state = ProblemState.SUBMITTED
    p.latest_progress = text
    p.save()
    _entry(p, EntryKind.SUBMITTED, at=at, by=by, text=text, files=stored)
    chain.record("rectification.problem.submit", p, before=before, after={
        **_snap(p), "files": [str(f.pk) for f in stored], **({"imported": True} if imported else {})},
        actor=by, on_behalf_of=None if imported else unit_deputy(by, p.unit), occurred_at=at)
    return r


def _pass(p, r, *, at):
    """The round passes verification at `at`: the problem is closed (销号),
    its clocks met as of the submission."""
    r.verdict, r.closed_at = Verdict.PASSED, at
    if p.deadline_clock_id and p.deadline_clock.state in (ClockState.RUNNING, ClockState.PAUSED,
                                                            ClockState.BREACHED):
        clocks.meet(p.deadline_clock, at=r.submitted_at or at)
    if p.report_clock_id and p.report_clock.state in (ClockState.RUNNING, ClockState.BREACHED):
        clocks.meet(p.report_clock, at=max(r.submitted_at or at, p.report_clock.started_at))
    p.state, p.closed_at = ProblemState.CLOSED, at


@transaction.atomic
def verify_result(problem, by, *, passed, note="", onsite_check=False, onsite_note="", files=(),
                  at=None) -> Problem:
    """A verifier (see `verifier_refusal`) checks the submitted result on the
    record, optionally after an on-site check: passed → closed (销号), the
    deadline met as of the submission; not passed → back to rectification."""
    at = _now(at)
    original, p = problem, _lock(problem)
    refusal = verifier_refusal(by, p)
    if refusal:
        raise PermissionDenied(refusal)
    if p.state != ProblemState.SUBMITTED:
        raise ValidationError(f"问题{p.number}当前为“{p.get_state_display()}”，没有待核验的整改结果")
    note = (note or "").strip()
    if not passed and not note:
        raise _err("note", "退回整改须写明理由")
    if onsite_check and not (onsite_note or "").strip():
        raise _err("onsite_note", "请填写实地核查情况")
    stored = _store(files, by, p.unit, at)
    before = _snap(p)
    r = ProblemRound.objects.select_for_update().get(problem=p, number=p.round)
    r.verified_at, r.verified_by, r.verify_note = at, by, note
    r.onsite_checked, r.onsite_note = bool(onsite_check), (onsite_note or "").strip()
    text = note
    if onsite_check:
        text = f"实地核查：{r.onsite_note}" + (f"\n{note}" if note else "")
    if passed:
        _pass(p, r, at=at)
        kind = EntryKind.CLOSED
        text = text or "核验通过，予以销号"
    else:
        r.verdict = Verdict.RETURNED
        if p.deadline_clock_id and p.deadline_clock.state == ClockState.PAUSED:
            clocks.resume(p.deadline_clock, at=at)
        p.state = ProblemState.RERECTIFYING if p.round > 1 else ProblemState.RECTIFYING
        kind = EntryKind.RETURNED
    r.save()
    p.save()
    _entry(p, kind, at=at, by=by, text=text, files=stored, onsite=bool(onsite_check))
    chain.record_signed("rectification.problem.verify", p, signer=by, before=before, after={
        **_snap(p), "passed": bool(passed), "onsite": bool(onsite_check), "note": note}, actor=by, occurred_at=at)
    sync_fields(original, p)
    return p


def _new_round(p, *, reason, deadline, long_term, report_cycle, at, by, kind):
    reason = (reason or "").strip()
    if not reason:
        raise _err("reason", "请写明原因")
    if not long_term:
        if deadline is None:
            raise _err("deadline", "请确定再整改时限")
        if day_end(deadline) <= at:
            raise _err("deadline", f"再整改时限{fmt_date(deadline)}已过")
    for clock in (p.deadline_clock, p.report_clock):
        if clock is not None and clock.state in (ClockState.RUNNING, ClockState.PAUSED):
            clocks.meet(clock, at=at)
    p.round += 1
    p.deadline = None if long_term else deadline
    p.long_term = bool(long_term)
    p.report_cycle = (report_cycle or ReportCycle.MONTHLY) if long_term else ""
    p.state, p.closed_at = ProblemState.RERECTIFYING, None
    ProblemRound.objects.create(problem=p, number=p.round, started_at=at, reason=reason, deadline=p.deadline,
                                long_term=p.long_term)
    _start_round_clocks(p, at=at)
    p.save()
    _entry(p, kind, at=at, by=by, text=reason)


@transaction.atomic
def reopen(problem, by, reason, *, deadline=None, long_term=False, report_cycle="", at=None) -> Problem:
    """Reopen a closed problem with a reason: a new round (再整改) with a new
    deadline."""
    at = _now(at)
    original, p = problem, _lock(problem)
    if by is not None:
        _require(is_manager(by, p.campaign, p.unit), "只有工作专班或督查室可以重新打开已销号的问题")
    if p.state != ProblemState.CLOSED:
        raise ValidationError(f"问题{p.number}当前为“{p.get_state_display()}”，只有已销号的问题可以重新打开")
    before = _snap(p)
    _new_round(p, reason=reason, deadline=deadline, long_term=long_term, report_cycle=report_cycle, at=at, by=by,
               kind=EntryKind.REOPENED)
    chain.record("rectification.problem.reopen", p, before=before, after={**_snap(p), "reason": reason},
                 actor=by, occurred_at=at)
    sync_fields(original, p)
    return p


# --- look-back (回头看, RECT-4) --------------------------------------------------------------------

@transaction.atomic
def start_look_back(campaign, by, *, title="", sample_size=None, seed=None, at=None) -> LookBack:
    """Re-verify the campaign's closed problems: all of them, or
    `sample_size` drawn with a recorded seed from the recorded candidates."""
    at = _now(at)
    if by is not None:
        _require(is_manager(by, campaign), "只有工作专班或督查室可以组织回头看")
    candidates = sorted(Problem.objects.filter(campaign=campaign, state=ProblemState.CLOSED)
                        .values_list("pk", flat=True))
    if not candidates:
        raise ValidationError("本专项行动还没有已销号的问题，无需回头看")
    if sample_size is not None and sample_size < 1:
        raise _err("sample_size", "抽取数量至少为1")
    seed = str(seed) if seed not in (None, "") else (draws.new_seed() if sample_size else "")
    selected = draws.sample(seed, candidates, sample_size) if sample_size else list(candidates)
    lb = LookBack.objects.create(
        campaign=campaign, title=(title or "").strip() or f"{campaign.name}回头看", sample_size=sample_size,
        seed=seed, candidates=candidates, selected=selected, started_at=at, started_by=by)
    LookBackItem.objects.bulk_create([LookBackItem(look_back=lb, problem_id=pk) for pk in selected])
    chain.record("rectification.lookback.start", lb, after={
        "campaign": campaign.pk, "sample_size": sample_size, "seed": seed, "candidates": candidates,
        "selected": selected}, actor=by, occurred_at=at)
    return lb


@transaction.atomic
def record_look_back(item, by, *, effective, note, new_deadline=None, long_term=False, at=None) -> LookBackItem:
    """The verifier's finding on one problem of a look-back. Ineffective →
    re-rectification (再整改): a new round with `new_deadline`."""
    at = _now(at)
    item = LookBackItem.objects.select_for_update(of=("self",)).select_related("look_back").get(pk=item.pk)
    p = _lock(item.problem)
    refusal = verifier_refusal(by, p)
    if refusal:
        raise PermissionDenied(refusal)
    if item.verdict != LookBackVerdict.PENDING:
        raise ValidationError("该问题的回头看结论已记录")
    note = (note or "").strip()
    if not note:
        raise _err("note", "请填写回头看核查情况")
    if p.state != ProblemState.CLOSED:
        raise ValidationError(f"问题{p.number}当前为“{p.get_state_display()}”，不是已销号的问题")
    before = _snap(p)
    item.note, item.checked_at, item.checked_by = note, at, by
    if effective:
        item.verdict = LookBackVerdict.EFFECTIVE
        _entry(p, EntryKind.LOOKBACK_OK, at=at, by=by, text=note)
    else:
        item.verdict, item.new_deadline = LookBackVerdict.INEFFECTIVE, new_deadline
        _new_round(p, reason=f"回头看：{note}", deadline=new_deadline, long_term=long_term, report_cycle="",
                   at=at, by=by, kind=EntryKind.LOOKBACK_FAIL)
    item.save()
    chain.record("rectification.lookback.check", p, before=before, after={
        **_snap(p), "look_back": item.look_back_id, "verdict": item.verdict, "note": note}, actor=by, occurred_at=at)
    return item


# --- public disclosure (PUB-1) ------------------------------------------------------------------

@transaction.atomic
def publish(problems, by, *, public=True, at=None) -> int:
    """The supervision office marks problems public (or withdraws them).
    Returns how many changed."""
    at = _now(at)
    ids = [p.pk for p in problems]
    rows = list(Problem.objects.select_for_update(of=("self",)).filter(pk__in=ids).select_related("unit"))
    for p in rows:
        if by is not None:
            _require(is_supervisor_for(by, p.unit), "只有督查室可以公开问题")
    changed = [p for p in rows if p.is_public != bool(public)]
    for p in changed:
        p.is_public = bool(public)
        p.published_at = at if public else None
        p.save(update_fields=["is_public", "published_at"])
        _entry(p, EntryKind.PUBLISHED if public else EntryKind.UNPUBLISHED, at=at, by=by)
    chain.record_many([{"action": "rectification.problem.publish", "obj": p, "after": {"is_public": p.is_public},
                        "actor": by, "occurred_at": at} for p in changed])
    return len(changed)


# --- spot checks and unannounced visits (RECT-5) -----------------------------------------------------

@transaction.atomic
def draw_spot_check(campaign, by, *, title, target_count, inspector_count, target_kind=TargetKind.UNIT,
                    targets=None, inspectors=None, seed=None, kind=SpotCheckKind.SPOT_CHECK, note="",
                    at=None) -> SpotCheck:
    """Draw `target_count` targets (units, or problems) and for each
    `inspector_count` inspectors, none from the target's unit. Candidates
    default to the participating units (or the campaign's open problems) and
    the task-force members; they are recorded with the seed, so
    `draws.replay` gives the same result."""
    at = _now(at)
    if by is not None:
        _require(is_manager(by, campaign), "只有工作专班或督查室可以组织随机抽查")
    title = (title or "").strip()
    if not title:
        raise _err("title", "请填写抽查名称")
    cache = {}
    if target_kind == TargetKind.UNIT:
        units = list(targets) if targets is not None else list(
            Unit.objects.filter(pk__in=campaign.participations.values("unit_id")))
        target_candidates = sorted([u.pk, draws.organisation_of(u, cache)] for u in units)
        unit_of = {u.pk: u for u in units}
    else:
        problems = list(targets) if targets is not None else list(
            Problem.objects.filter(campaign=campaign, state__in=OPEN_PROBLEM_STATES).select_related("unit"))
        target_candidates = sorted([p.pk, draws.organisation_of(p.unit, cache)] for p in problems)
        unit_of = {p.pk: p.unit for p in problems}
        problem_of = {p.pk: p for p in problems}
    if inspectors is None:
        inspectors = list(User.objects.filter(group_memberships__group_id=campaign.task_force_id))
    people = {p.user_id: p.unit for p in Person.objects.filter(user__in=inspectors).select_related("unit")}
    inspector_candidates = sorted([u.pk, draws.organisation_of(people.get(u.pk), cache)] for u in inspectors)
    if len({t for t, _ in target_candidates}) != len(target_candidates):
        raise _err("targets", "候选对象有重复")
    seed = str(seed) if seed not in (None, "") else draws.new_seed()
    result = draws.draw(seed, target_candidates, inspector_candidates, target_count, inspector_count)
    sc = SpotCheck.objects.create(
        campaign=campaign, kind=kind, title=title, target_kind=target_kind, target_count=target_count,
        inspector_count=inspector_count, seed=seed, algorithm=draws.ALGORITHM,
        target_candidates=target_candidates, inspector_candidates=inspector_candidates,
        result=[a.as_dict() for a in result], drawn_at=at, drawn_by=by, note=note)
    for order, a in enumerate(result, start=1):
        sa = SpotCheckAssignment.objects.create(
            spot_check=sc, order=order, unit=unit_of[a.target],
            problem=problem_of[a.target] if target_kind == TargetKind.PROBLEM else None)
        sa.inspectors.add(*a.inspectors)
    chain.record("rectification.spotcheck.draw", sc, after={
        "campaign": campaign.pk, "seed": seed, "algorithm": draws.ALGORITHM, "target_kind": target_kind,
        "target_count": target_count, "inspector_count": inspector_count,
        "target_candidates": target_candidates, "inspector_candidates": inspector_candidates,
        "result": sc.result}, actor=by, occurred_at=at)
    return sc


def record_finding(campaign, by, *, spot_check=None, source=None, at=None, **data) -> Problem:
    """A finding of a spot check (source 随机抽查) or of an unannounced visit
    (明察暗访) becomes a problem of the unit concerned. The finder is a
    manager, or an inspector drawn for that spot check."""
    at = _now(at)
    with transaction.atomic():
        if by is not None:
            inspector = spot_check is not None and spot_check.assignments.filter(inspectors=by).exists()
            _require(inspector or is_manager(by, campaign, data.get("unit")),
                     "只有工作专班、督查室或抽中的检查人可以登记检查发现的问题")
        if source is None:
            source = (Source.UNANNOUNCED if spot_check is None or spot_check.kind == SpotCheckKind.UNANNOUNCED
                      else Source.SPOT_CHECK)
        source = _choice(source, Source.choices, "source")
        if source not in (Source.SPOT_CHECK, Source.UNANNOUNCED):
            raise _err("source", "检查发现的问题来源应为“随机抽查”或“明察暗访”")
        clean = clean_problem(campaign, {**data, "source": source}, at=at)
        return _create(campaign, clean, by=by, at=at, spot_check=spot_check)


# --- the sweep's breaches of periodic report clocks ----------------------------------------------

def on_flips_processed(sender, flips, now=None, **kwargs):
    """A breached report period of a 长期坚持 problem starts the next period,
    so that silence is a breach again next period. Runs in the caller's
    transaction."""
    ct = ContentType.objects.get_for_model(Problem)
    for f in flips:
        clock = f.clock
        if f.kind != FlipKind.BREACH or clock.owner_type_id != ct.pk or clock.kind != REPORT:
            continue
        p = Problem.objects.select_for_update().filter(pk=int(clock.owner_id)).first()
        if p is None or not p.is_open or not p.long_term or p.report_clock_id != clock.pk:
            continue
        _start_report_clock(p, at=clock.due_at, after=local_date(clock.due_at) + dt.timedelta(days=1))
        p.save(update_fields=["report_clock"])
        chain.record("rectification.problem.next_period", p, after={"report_clock": p.report_clock_id},
                     occurred_at=clock.due_at)


# --- hand-over from the public's complaints (PUB-2) ---------------------------------

def problem_from_complaint(by, *, campaign, unit, category, description, measures, deadline, at=None) -> Problem:
    """The hand-over of a complaint about work style that the supervision
    office sorts into a rectification problem (duban.portal): a problem of
    the campaign's ledger raised by the public (群众提), with the same checks,
    clock and repeat flag as create_problem."""
    return create_problem(campaign, by=by, at=at, unit=unit, category=category, source=Source.PUBLIC,
                          description=description, measures=measures, deadline=deadline)


def complaint_problem_progress(problem_id) -> dict:
    """What a complaint's page may say about the problem it became: number,
    state, whether it is closed (销号) and when."""
    p = Problem.objects.filter(pk=problem_id).select_related("unit").first()
    if p is None:
        return {"number": "", "state": "", "closed": False, "closed_at": None, "unit": ""}
    return {"number": p.number, "state": p.get_state_display(), "closed": p.state == ProblemState.CLOSED,
            "closed_at": p.closed_at, "unit": p.unit.name}


def campaigns_taking_complaints(user) -> list:
    """[(campaign, [category names])] the user may register a complaint's
    problem into: the campaigns they manage (the office, the task force),
    the latest first."""
    out = []
    for c in Campaign.objects.order_by("-start_date", "-id")[:20]:
        if is_manager(user, c):
            out.append((c, c.category_names()))
    return out
