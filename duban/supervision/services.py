"""Writes for supervised matters (SUP-1…5, DOC-2, MEET-3).

Every function here is one transaction with one journal event for the
business change ("supervision.matter.assign", …), plus the events of the
clock writes it implies (duban.clocks.services journals its own). Each
checks, in this order, who may act (PermissionDenied, Chinese message: the
caller shows 403 — or 404 when the user cannot see the matter at all, which
callers establish first with `get_visible_or_404`), then whether the state
machine allows the step (transitions.check: a ValidationError naming the
current state and the attempted action), then the input (ValidationError
naming the field). Nothing is half-written.

Clocks of a matter (duban.clocks, owner = the matter):
- "ack" 签收: rule matter_ack_1wd from assignment, met on acknowledgement;
- "completion" 办结: the explicit deadline, or a rule (matter_report_7wd when
  none is given); met when the supervision office accepts the completion, as
  of the moment the unit requested it (the unit delivered then);
- "report" 定期报告 (long-term matters): one clock per reporting period, met
  by the periodic report; a breach starts the next period's clock, so every
  silent period is its own breach (军令式交账, SUP-5).
While a matter waits for review (办结待审) or is suspended, its running
clocks are paused; while an extension request waits, its completion clock
is paused. A return (退回重办) and an extension's rejection restore the
deadline as it stood (no credit for the waiting time); a suspension's pause
moves the deadlines on by its length (`_sync_clocks`). A cancellation stops
every clock still owed (duban.clocks.services.stop): a cancelled matter has
no red, yellow or green light, and a closed matter's current clock is met
or stopped (tested).

Progress (SUP-2): a matter without sub-tasks shows the figure its lead unit
last reported; a matter with sub-tasks shows the unweighted mean of its
non-cancelled sub-tasks' progress (completed = 100), recomputed up to the
top matter on every change below. A sub-task's completion never changes its
parent's state.
"""


from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from duban.clocks import services as clocks
from duban.clocks.models import OPEN_STATES as CLOCK_OPEN_STATES
from duban.clocks.models import Clock, ClockState, FlipKind
from duban.core import serials
from duban.core.arrangements import arrangement_problems
from duban.core.batch import ItemFailed, create_rows, insert_rows, update_rows
from duban.core.services import as_date as _as_date
from duban.core.services import as_moment, as_unit, as_user, blank, fmt_moment, sync_fields, user_name
from duban.core.services import now as _now
from duban.journal import chain, evidence
from duban.journal.models import EvidenceFile
from duban.notify import services as notify
from duban.org.models import Role, RoleAssignment
from duban.org.services import deputy_check, has_role
from duban.org.visibility import scope_for, visible, visible_ids
from duban.timelimits.models import TimeLimitRule
from duban.timelimits.periods import day_start, next_period_due
from duban.timelimits.services import get_rule

from . import transitions
from .models import (
    MANUAL_CHANNELS,
    MEETING_KINDS,
    ExtensionRequest,
    ExtensionState,
    Matter,
    MatterCooperation,
    Report,
    ReportCycle,
    ReportKind,
    Result,
    ReviewState,
    SourceKind,
    Urge,
    UrgeChannel,
    UrgeKind,
    Urgency,
)
from .transitions import CLOSED_STATES, OPEN_STATES, Action, State

User = get_user_model()

DEFAULT_RULE = "matter_report_7wd"
ACK_RULE = "matter_ack_1wd"
# The acknowledgement limit follows the urgency (TL-3): 特急 within 1 hour,
# 加急 within 4 hours, otherwise 1 working day; each a rule row.
ACK_RULES = {Urgency.EXTRA_URGENT: "matter_ack_extra_urgent_1h", Urgency.URGENT: "matter_ack_urgent_4h"}


def ack_rule(urgency) -> str:
    return ACK_RULES.get(urgency, ACK_RULE)
ACK, COMPLETION, REPORT = "ack", "completion", "report"


def max_depth() -> int:
    """How many levels a matter may be split into below the top matter."""
    return int(getattr(settings, "DUBAN_SUPERVISION_MAX_DEPTH", 3))


def matter_number_format() -> str:
    return getattr(settings, "DUBAN_MATTER_NUMBER_FORMAT", "督办〔{year}〕{serial}号")


def urge_number_format() -> str:
    return getattr(settings, "DUBAN_URGE_NUMBER_FORMAT", "督催〔{year}〕{serial}号")


# --- input ----------------------------------------------------------------

LABELS = {
    "source_kind": "来源",
    "title": "事项名称",
    "content": "事项内容",
    "standard": "工作标准",
    "urgency": "紧急程度",
    "lead_unit": "牵头单位",
    "lead_person": "责任人",
    "cooperating": "配合单位",
    "responsible_leader": "责任领导",
    "due_at": "办结期限",
    "deadline_rule": "时限规则",
    "is_long_term": "长期事项",
    "report_cycle": "报送周期",
    "report_day": "报送日",
    "meeting_name": "会议名称",
    "meeting_date": "会议日期",
    "minutes_number": "纪要编号",
    "instructing_leader": "批示领导",
    "instruction_date": "批示日期",
    "instruction_text": "批示内容",
    "document_number": "文号",
    "ticket_number": "12345工单编号",
    "finding": "督查发现的问题",
    "source_ref": "来源记录",
}
# Labels that read differently for one source.
KIND_LABELS = {
    SourceKind.ASSIGNMENT: {"instructing_leader": "交办领导", "instruction_date": "交办日期",
                            "instruction_text": "交办内容", "document_number": "交办文号"},
    SourceKind.HIGHER_DEPLOYMENT: {"document_number": "上级文件文号"},
    SourceKind.COMPLAINT: {"ticket_number": "投诉编号"},
}
# Particulars each source must record (SUP-1). A meeting's minutes number is
# optional: decisions are assigned at once (MEET-3), the minutes come later.
REQUIRED_PARTICULARS = {
    SourceKind.STANDING_MEETING: ("meeting_name", "meeting_date"),
    SourceKind.SPECIAL_MEETING: ("meeting_name", "meeting_date"),
    SourceKind.LEADER_INSTRUCTION: ("instructing_leader", "instruction_date", "instruction_text"),
    SourceKind.ASSIGNMENT: ("instruction_date",),  # and a leader or a document number
    SourceKind.HIGHER_DEPLOYMENT: ("document_number",),
    SourceKind.HOTLINE: ("ticket_number",),
    SourceKind.COMPLAINT: ("ticket_number",),
    SourceKind.INSPECTION: ("finding",),
}
SOURCE_FIELDS = ("source_kind", "meeting_name", "meeting_date", "minutes_number", "instructing_leader",
                 "instruction_date", "instruction_text", "document_number", "ticket_number", "finding",
                 "source_ref")
INPUT_FIELDS = frozenset(SOURCE_FIELDS) | {
    "title", "content", "standard", "urgency", "lead_unit", "lead_person", "cooperating", "responsible_leader",
    "due_at", "deadline_rule", "is_long_term", "report_cycle", "report_day",
}
TEXT_LIMITS = {"title": 200, "meeting_name": 200, "minutes_number": 80, "document_number": 80,
               "ticket_number": 80, "source_ref": 120}


def label(field, kind=None) -> str:
    return KIND_LABELS.get(kind, {}).get(field) or LABELS.get(field, field)


def _in_unit(user, unit) -> bool:
    person = getattr(user, "person", None)
    return person is not None and person.unit.path.startswith(unit.path)


def _coop_rows(value):
    """[(unit, person, duty)] from dicts {"unit", "person", "duty"} or tuples."""
    rows = []
    for item in value or ():
        if isinstance(item, dict):
            unit, person, duty = item.get("unit"), item.get("person"), item.get("duty", "")
        elif isinstance(item, list | tuple):
            unit, person, duty = (list(item) + [None, None, ""])[:3]
        else:
            unit, person, duty = item, None, ""
        rows.append((unit, person, duty or ""))
    return rows


def clean_matter_data(data: dict, *, at=None, subtask=False, history=False) -> dict:
    """Validate a matter's fields (SUP-1): the source's required particulars,
    title and content, units and people, the time node. Returns the values
    for the model plus "cooperating": [(unit, person, duty)]. Raises one
    ValidationError with a Chinese message per bad field, naming it. Units
    and people may be given as instances or ids, dates as ISO text. With
    `history` (an imported ledger's matter, `import_matter`) a deadline
    already past is no error."""
    at = _now(at)
    unknown = set(data) - INPUT_FIELDS
    if unknown:
        raise ValidationError({k: f"未知字段“{k}”" for k in sorted(unknown)})
    errors: dict[str, list] = {}

    def err(field, message):
        errors.setdefault(field, []).append(message)

    out = {}
    kind = data.get("source_kind") or ""
    if kind not in SourceKind.values:
        err("source_kind", "请选择来源：" + "、".join(SourceKind.labels))
    out["source_kind"] = kind
    for f in ("title", "content", "standard", "meeting_name", "minutes_number", "instruction_text",
              "document_number", "ticket_number", "finding", "source_ref"):
        v = data.get(f)
        v = "" if v is None else str(v).strip()
        if f in TEXT_LIMITS and len(v) > TEXT_LIMITS[f]:
            err(f, f"{label(f, kind)}不能超过{TEXT_LIMITS[f]}个字")
        out[f] = v
    if not out["title"]:
        err("title", "事项名称不能为空")
    if not out["content"]:
        err("content", "事项内容不能为空")
    if subtask and not out["standard"]:
        err("standard", "子任务须明确工作标准")
    for f in ("meeting_date", "instruction_date"):
        try:
            out[f] = _as_date(data.get(f))
        except ValidationError as e:
            err(f, f"{label(f, kind)}：{e.messages[0]}")
            out[f] = None
    for f in ("instructing_leader", "responsible_leader", "lead_person"):
        try:
            out[f] = as_user(data.get(f))
        except ValidationError as e:
            err(f, f"{label(f, kind)}：{e.messages[0]}")
            out[f] = None
    try:
        out["lead_unit"] = as_unit(data.get("lead_unit"))
    except ValidationError as e:
        err("lead_unit", f"牵头单位：{e.messages[0]}")
        out["lead_unit"] = None

    # The source's particulars.
    if kind in REQUIRED_PARTICULARS:
        kind_label = SourceKind(kind).label
        for f in REQUIRED_PARTICULARS[kind]:
            if blank(out.get(f)) and f not in errors:
                err(f, f"来源为“{kind_label}”时必须填写{label(f, kind)}")
        if kind == SourceKind.ASSIGNMENT and out["instructing_leader"] is None and not out["document_number"]:
            err("instructing_leader", "来源为“交办”时必须填写交办领导或交办文号")

    urgency = data.get("urgency") or Urgency.NORMAL
    if urgency not in Urgency.values:
        err("urgency", "紧急程度应为：特急、加急、一般")
    out["urgency"] = urgency

    lead_unit, lead_person = out["lead_unit"], out["lead_person"]
    if lead_unit is not None and lead_person is not None and not _in_unit(lead_person, lead_unit):
        err("lead_person", f"责任人{user_name(lead_person)}不属于牵头单位“{lead_unit.name}”")

    coops, seen = [], set()
    for i, (u, p, duty) in enumerate(_coop_rows(data.get("cooperating")), 1):
        try:
            unit = as_unit(u)
            person = as_user(p)
        except ValidationError as e:
            err("cooperating", f"配合单位第{i}项：{e.messages[0]}")
            continue
        if unit is None:
            err("cooperating", f"配合单位第{i}项：请选择单位")
            continue
        if lead_unit is not None and unit.pk == lead_unit.pk:
            err("cooperating", f"“{unit.name}”已是牵头单位，不能同时作为配合单位")
        elif unit.pk in seen:
            err("cooperating", f"配合单位“{unit.name}”重复")
        elif person is not None and not _in_unit(person, unit):
            err("cooperating", f"责任人{user_name(person)}不属于配合单位“{unit.name}”")
        seen.add(unit.pk)
        coops.append((unit, person, str(duty).strip()[:300]))
    out["cooperating"] = coops

    # The time node: an explicit deadline, a rule, or (long-term) a cycle.
    long_term = bool(data.get("is_long_term"))
    if subtask and long_term:
        err("is_long_term", "子任务不能设为长期事项")
    out["is_long_term"] = long_term
    try:
        due_at = as_moment(data.get("due_at"))
    except ValidationError as e:
        err("due_at", f"办结期限：{e.messages[0]}")
        due_at = None
    if due_at is not None and due_at <= at and not history:
        err("due_at", f"办结期限（{fmt_moment(due_at)}）须晚于当前时间")
    rule = (data.get("deadline_rule") or "").strip()
    if due_at is not None and rule:
        err("deadline_rule", "已设定办结期限时不能再选时限规则")
    if due_at is None and not rule and not long_term:
        rule = DEFAULT_RULE
    if rule:
        try:
            get_rule(rule, active_only=True)
        except TimeLimitRule.DoesNotExist as e:
            err("deadline_rule", str(e))
    out["due_at"], out["deadline_rule"] = due_at, rule
    cycle = data.get("report_cycle") or ""
    day = data.get("report_day")
    if long_term:
        if cycle not in ReportCycle.values:
            err("report_cycle", "长期事项须选择报送周期：每周、每月或每季度")
        try:
            day = int(day) if not blank(day) else None
        except (TypeError, ValueError):
            day = None
        top = 7 if cycle == ReportCycle.WEEKLY else 31
        if day is None or not 1 <= day <= top:
            err("report_day", "报送日应为 1（周一）至 7（周日）" if cycle == ReportCycle.WEEKLY
                else "报送日应为每月（季度为季末月）的 1 至 31 日")
        out["report_cycle"], out["report_day"] = cycle, day
    else:
        out["report_cycle"], out["report_day"] = "", None
    if errors:
        raise ValidationError(errors)
    return out


def doc2_problems(*, lead_unit, lead_person, due_at, deadline_rule, is_long_term, report_cycle, report_day,
                  cooperating) -> dict:
    """DOC-2: every work arrangement names its time node, responsible unit
    and responsible person (duban.core.arrangements, the rule documents
    share). {field: message} of what is missing."""
    return arrangement_problems(
        unit=lead_unit, person=lead_person,
        has_time_node=bool(due_at or deadline_rule or (is_long_term and report_cycle and report_day)),
        fields={"unit": "lead_unit", "person": "lead_person", "time_node": "due_at", "helpers": "cooperating"},
        unit_text="责任单位（牵头单位）", time_text="时间节点（办结期限、时限规则或定期报送周期）",
        helpers=[(u.name, person) for u, person, _ in cooperating])


def _doc2_of_matter(m: Matter) -> dict:
    coops = [(c.unit, c.person, c.duty) for c in m.cooperations.select_related("unit", "person")]
    return doc2_problems(lead_unit=m.lead_unit, lead_person=m.lead_person, due_at=m.due_at,
                         deadline_rule=m.deadline_rule, is_long_term=m.is_long_term, report_cycle=m.report_cycle,
                         report_day=m.report_day, cooperating=coops)


# --- who may act ----------------------------------------------------------

def _unit_id_of(user):
    person = getattr(user, "person", None)
    return person.unit_id if person is not None else None


def is_supervisor(user) -> bool:
    return has_role(user, Role.SUPERVISOR) and _unit_id_of(user) is not None


def is_supervision_office(user, matter) -> bool:
    """督查室 staff whose jurisdiction covers the matter's supervising or lead unit."""
    if not has_role(user, Role.SUPERVISOR):
        return False
    juris = scope_for(user).jurisdictions
    units = [u for u in (matter.supervising_unit, matter.lead_unit) if u is not None]
    return any(u.path.startswith(j.path) for u in units for j in juris)


def is_unit_actor(user, unit_id) -> bool:
    """The liaison (联络员) or head (负责人) of exactly this unit."""
    return unit_id is not None and _unit_id_of(user) == unit_id and has_role(user, Role.LIAISON, Role.UNIT_HEAD)


def is_lead_actor(user, matter) -> bool:
    return user.pk == matter.lead_person_id or is_unit_actor(user, matter.lead_unit_id)


def cooperation_of(user, matter):
    for c in matter.cooperations.all():
        if c.person_id == user.pk or is_unit_actor(user, c.unit_id):
            return c
    return None


def can_review(user, matter) -> bool:
    """Accept or return completions and reports, decide extensions, archive:
    the supervision office; for a sub-task also the unit that split it (一级抓
    一级), never the sub-task's own lead unit."""
    if is_supervision_office(user, matter):
        return True
    return (matter.parent_id is not None and is_unit_actor(user, matter.assigning_unit_id)
            and _unit_id_of(user) != matter.lead_unit_id)


def can_urge(user, matter) -> bool:
    return can_review(user, matter) or user.pk in (matter.instructing_leader_id, matter.responsible_leader_id)


_OFFICE = (is_supervision_office, "只有督查室可以{}")
_LEAD = (is_lead_actor, "只有牵头单位的联络员、负责人或责任人可以{}")
_REVIEW = (can_review, "只有督查室（子任务还有分解单位）可以{}")
PERMISSIONS = {
    Action.UPDATE: _OFFICE,
    Action.ASSIGN: _OFFICE,
    Action.ACKNOWLEDGE: _LEAD,
    Action.START: _LEAD,
    Action.REPORT: (lambda u, m: is_lead_actor(u, m) or cooperation_of(u, m) is not None,
                    "只有牵头单位、配合单位的联络员、负责人或责任人可以{}"),
    Action.REQUEST_COMPLETION: _LEAD,
    Action.COMPLETE: _REVIEW,
    Action.RETURN: _REVIEW,
    Action.ARCHIVE: _REVIEW,
    Action.SUSPEND: _OFFICE,
    Action.RESUME: _OFFICE,
    Action.CANCEL: _OFFICE,
    Action.SPLIT: (lambda u, m: is_lead_actor(u, m) or is_supervision_office(u, m),
                   "只有牵头单位的联络员、负责人、责任人或督查室可以{}"),
    Action.REQUEST_EXTENSION: _LEAD,
    Action.DECIDE_EXTENSION: _REVIEW,
    Action.URGE: (can_urge, "只有督查室、分解单位或批示（责任）领导可以{}"),
    Action.REVIEW_REPORT: _REVIEW,
    Action.ADJUST_DEADLINE: _OFFICE,
}


def _allowed(user, matter, action) -> bool:
    test, _ = PERMISSIONS[action]
    return bool(getattr(user, "is_authenticated", False) and user.is_active and test(user, matter))


def may(user, matter, action) -> bool:
    """Whether `user` may take `action` on `matter`: on their own right or,
    while an A whose B role they are is away, in A's place (ORG-4)."""
    return deputy_check(user, lambda u: _allowed(u, matter, action))[0]


def _require(user, matter, action):
    """None when `user` may act on their own right; the away A in whose
    place they act (the journal records B代A); PermissionDenied otherwise."""
    ok, principal = deputy_check(user, lambda u: _allowed(u, matter, action))
    if not ok:
        _, message = PERMISSIONS[action]
        raise PermissionDenied(message.format(Action(action).label))
    return principal


def acting_for(user, matter, action):
    """The away A in whose place `user` would take `action` (None: on their
    own right or not at all), for pages to say "代A办理"."""
    return deputy_check(user, lambda u: _allowed(u, matter, action))[1]


def available_actions(user, matter) -> list:
    """The actions `user` may take on `matter` now (state and permission),
    for pages to offer: [Action]."""
    out = []
    for action in transitions.allowed_actions(matter.state):
        if action == Action.DECIDE_EXTENSION and not matter.extensions.filter(
                state=ExtensionState.PENDING).exists():
            continue
        if may(user, matter, action):
            out.append(action)
    return out


def _require_supervisor(user, what="创建督办事项"):
    if not is_supervisor(user):
        raise PermissionDenied(f"只有督查室可以{what}")


# --- helpers --------------------------------------------------------------

MATTER_FIELDS = [
    "number", "source_kind", "meeting_name", "meeting_date", "minutes_number", "instructing_leader_id",
    "instruction_date", "instruction_text", "document_number", "ticket_number", "finding", "source_ref",
    "title", "content", "standard", "urgency", "lead_unit_id", "lead_person_id", "responsible_leader_id",
    "supervising_unit_id", "assigning_unit_id", "parent_id", "due_at", "deadline_rule", "is_long_term",
    "report_cycle", "report_day", "state",
]


def _snapshot(m: Matter) -> dict:
    data = chain.snapshot(m, MATTER_FIELDS)
    data["cooperating"] = [
        {"unit": c.unit_id, "person": c.person_id, "duty": c.duty} for c in m.cooperations.order_by("sort_order", "id")
    ]
    return data


def _locked(matter) -> Matter:
    pk = matter.pk if isinstance(matter, Matter) else matter
    return Matter.objects.select_for_update().get(pk=pk)


def _clocks(m):
    return clocks.clocks_for(m)


def _clock_label(m, what) -> str:
    title = m.title if len(m.title) <= 40 else m.title[:40] + "…"
    return f"{m.number}“{title}”{what}"


def _start_period(m, *, started_at, after, at=None):
    """The next period's report clock; `at`: the moment of the action that
    sets it up (a report, the sweep), when the period begins later."""
    due = next_period_due(m.report_cycle, m.report_day, after)
    local = timezone.localtime(due)
    return clocks.start_clock(m, REPORT, due_at=due, started_at=started_at, owner_unit=m.lead_unit,
                              owner_person=m.lead_person,
                              label=_clock_label(m, f"定期报告（{local.month}月{local.day}日前）"), at=at)


def _start_clocks(m, at, received_at=None):
    """The clocks of a matter assigned at `at`. An imported matter
    (`received_at`: the import) is signed for and reports periodically from
    its import on, when it reaches the unit's worklist; its completion clock
    runs from the assignment the ledger gives, due at the ledger's deadline
    even when that has passed (red at once, the sweep dates the breach at
    the deadline): from the deadline's day when it lies before `at`."""
    received = received_at or at
    common = dict(owner_unit=m.lead_unit, owner_person=m.lead_person)
    clocks.start_clock(m, ACK, rule=ack_rule(m.urgency), label=_clock_label(m, "签收"), started_at=received, **common)
    completion = None
    if m.due_at is not None:
        start = at if at < m.due_at else day_start(timezone.localtime(m.due_at).date())
        completion = clocks.start_clock(m, COMPLETION, due_at=m.due_at, label=_clock_label(m, "办结"),
                                        started_at=start, **common)
    elif m.deadline_rule:
        completion = clocks.start_clock(m, COMPLETION, rule=m.deadline_rule, label=_clock_label(m, "办结"),
                                        started_at=at, **common)
    if m.is_long_term:
        _start_period(m, started_at=received, after=received)
    m.completion_clock = completion


def _refresh_current(m):
    """Point `current_clock` at the open clock due first (or, when none is
    open, the completion clock): the lists sort and colour by it. An open
    matter also keeps that clock's due moment as its sort key
    (`open_due_at`), its warning moment (`open_warn_at`) and, while that
    clock is paused, its frozen light (`open_frozen_light`); a draft or
    closed matter has none of them. Called after every change of the
    matter's state or clocks."""
    clock = _clocks(m).filter(state__in=CLOCK_OPEN_STATES).order_by("due_at", "id").first()
    if clock is not None:
        target = clock.pk
    else:
        target = m.completion_clock_id or _clocks(m).order_by("-id").values_list("id", flat=True).first()
    due = warn = frozen = None
    if m.state in OPEN_STATES and clock is not None:
        due, warn = clock.due_at, clock.warn_at
        if clock.state == ClockState.PAUSED and clock.paused_at is not None:
            frozen = clocks.light(clock)
    keys = (target, due, warn, frozen)
    if keys != (m.current_clock_id, m.open_due_at, m.open_warn_at, m.open_frozen_light):
        m.current_clock_id, m.open_due_at, m.open_warn_at, m.open_frozen_light = keys
        Matter.objects.filter(pk=m.pk).update(current_clock_id=target, open_due_at=due, open_warn_at=warn,
                                              open_frozen_light=frozen)


def on_clock_moved(sender, clock, **kwargs):
    """Receiver of duban.clocks.services.clock_moved (a calendar or rule
    change moved an open deadline): the matter whose clock it is keeps its
    current clock and sort key. Runs in the caller's transaction."""
    if clock.owner_type_id != ContentType.objects.get_for_model(Matter).pk:
        return
    m = Matter.objects.select_for_update().filter(pk=int(clock.owner_id)).first()
    if m is not None:
        _refresh_current(m)


def _hold_reason(m, clock, extension_pending):
    if m.state == State.SUSPENDED:
        return "事项暂停"
    if m.state == State.COMPLETION_REQUESTED:
        return "办结待审"
    if clock.kind == COMPLETION and extension_pending:
        return "延期申请待批"
    return None


def _sync_clocks(m, at):
    """Pause the running clocks that the matter's state holds, resume the
    paused ones it no longer holds (the pause moves their deadlines on)."""
    pending = m.extensions.filter(state=ExtensionState.PENDING).exists()
    for clock in _clocks(m).filter(state__in=[ClockState.RUNNING, ClockState.PAUSED]).order_by("id"):
        hold = _hold_reason(m, clock, pending)
        if hold and clock.state == ClockState.RUNNING:
            clocks.pause(clock, hold, at=at)
        elif not hold and clock.state == ClockState.PAUSED:
            clocks.resume(clock, at=at)


def _reset_deadline(clock, due, reason, by, at):
    """Set a clock's deadline (explicit from now on) and end its current
    pause without credit: the waiting time does not move the deadline."""
    clocks.change_deadline(clock, due, reason, by, at=at)
    if clock.state == ClockState.PAUSED:
        clocks.resume(clock, at=at)


def _effective_progress(m) -> int:
    if m.state in (State.COMPLETED, State.ARCHIVED):
        return 100
    kids = list(Matter.objects.filter(parent_id=m.pk).exclude(state=State.CANCELLED)
                .values_list("state", "progress"))
    if not kids:
        return m.reported_progress
    values = [100 if s in (State.COMPLETED, State.ARCHIVED) else p for s, p in kids]
    return round(sum(values) / len(values))


def _rollup(m):
    """Recompute the progress of `m` and of every matter above it."""
    node = m
    while node is not None:
        value = _effective_progress(node)
        if value != node.progress:
            Matter.objects.filter(pk=node.pk).update(progress=value)
            node.progress = value
        node = Matter.objects.filter(pk=node.parent_id).first() if node.parent_id else None


def _percent(value):
    if blank(value):
        return None
    try:
        value = int(value)
    except (TypeError, ValueError):
        raise ValidationError({"progress": "进度应为 0 至 100 的整数"}) from None
    if not 0 <= value <= 100:
        raise ValidationError({"progress": "进度应为 0 至 100 的整数"})
    return value


def _store_files(files, by, unit, at=None) -> list:
    stored = []
    for f in files or ():
        stored.append(f if isinstance(f, EvidenceFile) else evidence.store(f, owner_unit=unit, uploaded_by=by,
                                                                            at=at))
    return stored


def _notify_people(m, at, *, occasion, subject, body, by=None, level="green"):
    """Tell the lead and cooperating units' responsible people (and their B
    roles while away) and the units' group robots, @-mentioning them."""
    people = {}
    if m.lead_person_id:
        people[m.lead_person_id] = (m.lead_person, "牵头")
    coops = list(m.cooperations.select_related("person", "unit"))
    for c in coops:
        if c.person_id and c.person_id not in people:
            people[c.person_id] = (c.person, "配合")
    urgent = m.urgency == Urgency.EXTRA_URGENT
    key = f"supervision:{m.pk}:{occasion}"
    for user, role in people.values():
        notify.notify_user(user, subject, f"{body}\n您单位为{role}单位。", key=key, link=m.get_absolute_url(),
                           at=at, level=level, urgent=urgent, sender=by, unit=m.lead_unit)
    units = [(m.lead_unit, [m.lead_person] if m.lead_person_id else [], "牵头")]
    units += [(c.unit, [c.person] if c.person_id else [], "配合") for c in coops]
    for unit, persons, role in units:
        notify.notify_unit(unit, subject, f"{body}\n{unit.name}为{role}单位。", key=key, link=m.get_absolute_url(),
                           at=at, people=persons, level=level, urgent=urgent, sender=by)


def _notify_assignment(m, at, by=None):
    ack = _clocks(m).filter(kind=ACK).order_by("-id").first()
    body = f"{m.number}“{m.title}”已交办（{m.get_urgency_display()}）。"
    if ack is not None:
        body += f"请于{fmt_moment(ack.due_at)}前签收。"
    if m.deadline:
        body += f"办结期限：{fmt_moment(m.deadline)}。"
    if m.is_long_term:
        body += f"长期事项，{m.get_report_cycle_display()}定期报送进展。"
    _notify_people(m, at, occasion="assign", subject=f"【督办】{m.number} {m.title}", body=body, by=by)


# --- creating ---------------------------------------------------------------

def _write_cooperations(m, rows):
    MatterCooperation.objects.filter(matter=m).delete()
    MatterCooperation.objects.bulk_create([
        MatterCooperation(matter=m, unit=unit, person=person, duty=duty, sort_order=i)
        for i, (unit, person, duty) in enumerate(rows)
    ])


def _insert(clean, *, by, at, parent=None, supervising_unit=None) -> Matter:
    values = dict(clean)
    coops = values.pop("cooperating")
    if parent is not None:
        supervising_unit_id = parent.supervising_unit_id
    else:
        supervising_unit_id = supervising_unit.pk if supervising_unit is not None else by.person.unit_id
    m = Matter(**values, parent=parent, created_by=by, created_at=at, state=State.DRAFT,
               supervising_unit_id=supervising_unit_id)
    m.save(force_insert=True)
    m.root_id = parent.root_id if parent else m.pk
    m.depth = parent.depth + 1 if parent else 0
    m.tree_path = (parent.tree_path if parent else "") + f"{m.pk:010d}."
    m.save(update_fields=["root", "depth", "tree_path"])
    _write_cooperations(m, coops)
    return m


def create_matter(by, *, assign=False, at=None, **data) -> Matter:
    """A supervision-office user records a matter from its source (SUP-1):
    a draft, or with `assign=True` assigned at once. Fields: see
    `clean_matter_data` (INPUT_FIELDS); without `due_at` the deadline
    follows `deadline_rule`, by default matter_report_7wd."""
    at = _now(at)
    _require_supervisor(by)
    clean = clean_matter_data(data, at=at)
    with transaction.atomic():
        m = _insert(clean, by=by, at=at)
        chain.record("supervision.matter.create", m, after=_snapshot(m), actor=by, occurred_at=at)
        if assign:
            m = assign_matter(m, by, at=at)
    return m


def update_draft(matter, by, *, at=None, **changes) -> Matter:
    """Change a draft's fields (the same fields and checks as creating)."""
    at = _now(at)
    with transaction.atomic():
        m = _locked(matter)
        deputy = _require(by, m, Action.UPDATE)
        transitions.check(m.state, Action.UPDATE)
        current = {f: getattr(m, f) for f in INPUT_FIELDS - {"cooperating"}}
        current["cooperating"] = [(c.unit, c.person, c.duty) for c in m.cooperations.select_related("unit", "person")]
        # A new deadline replaces the rule and the other way round.
        if changes.get("due_at") and "deadline_rule" not in changes:
            current["deadline_rule"] = ""
        if changes.get("deadline_rule") and "due_at" not in changes:
            current["due_at"] = None
        clean = clean_matter_data({**current, **changes}, at=at)
        before = _snapshot(m)
        coops = clean.pop("cooperating")
        for key, value in clean.items():
            setattr(m, key, value)
        m.save()
        _write_cooperations(m, coops)
        chain.record("supervision.matter.update", m, before=before, after=_snapshot(m), actor=by, on_behalf_of=deputy, occurred_at=at)
    return sync_fields(matter, m)


def create_matters_from_meeting(meeting_info: dict, decisions: list, by, *, assign=True, at=None,
                                handed_over=False) -> list:
    """MEET-3: the decisions (议定事项) of one meeting become matters in one
    step, all or nothing. `meeting_info`: {"kind": "standing_meeting" |
    "special_meeting", "name", "date", "minutes_number", "source_ref"};
    each decision: the fields of `create_matter` (title, content, standard,
    urgency, lead_unit, lead_person, cooperating, responsible_leader,
    due_at…); without `due_at` it inherits the 7-working-day rule. Every
    row is validated first; errors name the row (“第2行：…”).

    Recorded by the 督查室 (its unit supervises the matters), or handed over
    by the meetings app (`handed_over=True`, duban.meetings.services.
    hand_over_decisions) for the office that organised the meeting, which
    has checked that `by` does: when `by` is not a 督查室, each matter is
    supervised by the 督查室 that supervises its lead unit
    (`supervision_office_for`), is assigned at once and that office is told,
    as for the duty office's relay; `by` gets no further rights on it."""
    at = _now(at)
    office_handover = handed_over and assign and not is_supervisor(by)
    if not office_handover:
        _require_supervisor(by, "录入会议议定事项")
    info = meeting_info or {}
    kind = info.get("kind") or SourceKind.STANDING_MEETING
    errors = []
    if kind not in MEETING_KINDS:
        errors.append(ValidationError("会议类型应为常务会议或专题会议", code="meeting"))
    if not decisions:
        errors.append(ValidationError("议定事项不能为空", code="meeting"))
    source = {
        "source_kind": kind, "meeting_name": info.get("name", ""), "meeting_date": info.get("date"),
        "minutes_number": info.get("minutes_number", ""), "source_ref": info.get("source_ref", ""),
    }
    cleaned = []
    for i, row in enumerate(decisions or (), 1):
        title = str(row.get("title") or "").strip() if isinstance(row, dict) else ""
        try:
            if not isinstance(row, dict):
                raise ValidationError("应为一项议定事项的各字段")
            row = dict(row)
            for f in SOURCE_FIELDS:
                row.pop(f, None)
            clean = clean_matter_data({**source, **row}, at=at)
            if office_handover:
                clean["_office"] = supervision_office_for(clean["lead_unit"])
                if clean["lead_unit"] is not None and clean["_office"] is None:
                    raise ValidationError({"lead_unit": f"没有管辖“{clean['lead_unit'].name}”的督查室，无法转为督办事项"})
            if assign:
                problems = doc2_problems(**{k: clean[k] for k in (
                    "lead_unit", "lead_person", "due_at", "deadline_rule", "is_long_term", "report_cycle",
                    "report_day")}, cooperating=clean["cooperating"])
                if problems:
                    raise ValidationError(problems)
            cleaned.append(clean)
        except ValidationError as e:
            where = f"第{i}行" + (f"（{title[:20]}）" if title else "")
            messages = ([m for msgs in e.message_dict.values() for m in msgs] if hasattr(e, "error_dict")
                        else e.messages)
            errors += [ValidationError(f"{where}：{msg}", code="row", params={"row": i}) for msg in messages]
    if errors:
        raise ValidationError(errors)
    out = []
    with transaction.atomic():
        for clean in cleaned:
            office = clean.pop("_office", None)
            m = _insert(clean, by=by, at=at, supervising_unit=office)
            after = _snapshot(m)
            if office_handover:
                after["handed_over_by_meeting_office"] = True
            chain.record("supervision.matter.create", m, after=after, actor=by, occurred_at=at)
            if office_handover:
                m = _assign(_locked(m), by, at)
                _notify_supervision_office(m, by, at, what=f"已将“{info.get('name', '')}”的议定事项交办")
            elif assign:
                m = assign_matter(m, by, at=at)
            out.append(m)
    return out


def supervision_office_for(unit):
    """The 督查室 that supervises `unit`: the unit of the 督查室 staff whose
    jurisdiction is the nearest one above it (the deepest scope covering it;
    ties: the longest-serving assignment). None when nobody supervises it."""
    if unit is None:
        return None
    best = None
    for ra in (RoleAssignment.objects.filter(role=Role.SUPERVISOR, user__is_active=True,
                                             user__person__isnull=False)
               .select_related("scope", "user__person__unit").order_by("id")):
        juris = ra.scope or ra.user.person.unit
        if juris is None or not unit.path.startswith(juris.path):
            continue
        if best is None or len(juris.path) > len(best[0].path):
            best = (juris, ra.user.person.unit)
    return best[1] if best else None


def openable_matter_ids(user, ids) -> set:
    """Hand-over to other apps' pages: which of the matters `ids` the user
    may open, so that a page links a matter only for them (ORG-3)."""
    return visible_ids(Matter, user, ids)


def matter_lights(ids, user, now=None) -> dict:
    """Hand-over to other apps' pages: {matter id: {"id", "number", "title",
    "state", "state_label", "light", "due_at", "url"}} of the matters `ids`
    that `user` may see (ORG-3; the others are left out), each with its
    traffic light now (SUP-4; None for a draft). One query whatever the
    count."""
    ids = {i for i in ids if i is not None}
    if not ids:
        return {}
    now = _now(now)
    out = {}
    for m in visible(Matter, user).filter(pk__in=ids).select_related("current_clock", "completion_clock"):
        clock = m.current_clock or m.completion_clock
        out[m.pk] = {"id": m.pk, "number": m.number, "title": m.title, "state": m.state,
                     "state_label": m.get_state_display(), "light": clocks.light(clock, now) if clock else None,
                     "due_at": m.deadline, "url": m.get_absolute_url()}
    return out


def relay_leader_instruction(by, *, supervising_unit, at=None, **data) -> Matter:
    """The duty office's hand-over of a county leader's instruction (DUTY-5;
    TL-3: relayed to the towns and departments within 1 hour, seed 004 §4):
    at any hour a 值班员 or 带班领导 relays it to the units as an assigned
    matter, without waiting for the supervision office to be awake. The
    matter's supervising office is the 督查室 `supervising_unit`, which is
    told at once and adjusts or takes it over like any of its matters (the
    duty office gets no further rights on it). The caller
    (duban.duty.services.record_instruction) has checked that `by` is the
    duty office for the instruction. Same checks, number, clocks and
    messages to the units as create_matter(assign=True)."""
    at = _now(at)
    if supervising_unit is None:
        raise ValidationError({"lead_unit": "没有管辖该单位的督查室，无法转为督办事项"})
    clean = clean_matter_data(data, at=at)
    with transaction.atomic():
        m = _insert(clean, by=by, at=at, supervising_unit=supervising_unit)
        chain.record("supervision.matter.create", m, after={**_snapshot(m), "relayed_by_duty_office": True},
                     actor=by, occurred_at=at)
        m = _assign(_locked(m), by, at)
        _notify_supervision_office(m, by, at)
    return m


def _notify_supervision_office(m, by, at, what=None):
    """Tell the supervising 督查室's staff about a matter another office
    assigned for them: the duty office's relay in their absence (default),
    or a meeting's organiser office handing over its decisions (`what`)."""
    staff = (User.objects.filter(is_active=True, person__unit_id=m.supervising_unit_id,
                                 role_assignments__role=Role.SUPERVISOR).distinct().order_by("id"))
    who = f"{user_name(by)}（值班）已将领导批示传达" if what is None else f"{user_name(by)}{what}"
    body = (f"{fmt_moment(at)}，{who}至{m.lead_unit.name}"
            + (f"等{1 + m.cooperations.count()}个单位" if m.cooperations.exists() else "")
            + f"，形成督办事项{m.number}“{m.title}”。请核定期限、跟踪督办；如需调整，可在事项页面办理。")
    subject = "【值班转办】" if what is None else "【会议议定事项】"
    for user in staff:
        notify.notify_user(user, f"{subject}{m.number} {m.title}", body, key=f"supervision:{m.pk}:relayed",
                           link=m.get_absolute_url(), at=at)


# --- hand-over from the public's complaints (PUB-2) ---------------------------------

def matter_from_complaint(by, *, ticket_number, hotline=False, title, content, lead_unit, lead_person,
                          standard="", urgency=Urgency.NORMAL, due_at=None, cooperating=(), source_ref="",
                          at=None) -> Matter:
    """The hand-over of a complaint or a 12345 work order that the
    supervision office sorts into a supervised matter (duban.portal): the
    matter records the ticket's number as its source (12345热线 or 群众投诉)
    and is assigned at once, with the same checks, number, clocks and
    messages as create_matter(assign=True). Without a deadline the 7
    working days' rule applies."""
    data = dict(source_kind=SourceKind.HOTLINE if hotline else SourceKind.COMPLAINT, ticket_number=ticket_number,
                title=title, content=content, standard=standard or "查实情况、解决问题，按期答复群众",
                urgency=urgency, lead_unit=lead_unit, lead_person=lead_person, cooperating=list(cooperating),
                source_ref=source_ref)
    if due_at is not None:
        data["due_at"] = due_at
    return create_matter(by, assign=True, at=at, **data)


def complaint_matter_progress(matter_id) -> dict:
    """What a complaint's page may say about the matter it became: its
    number and state, whether it is completed (办结 accepted), when it
    closed. Read through this function, not the matter's fields."""
    m = Matter.objects.filter(pk=matter_id).only("number", "state", "closed_at", "lead_unit__name").select_related(
        "lead_unit").first()
    if m is None:
        return {"number": "", "state": "", "completed": False, "closed": False, "closed_at": None, "unit": ""}
    return {"number": m.number, "state": m.get_state_display(), "completed": m.state in (State.COMPLETED,
                                                                                           State.ARCHIVED),
            "closed": m.state in CLOSED_STATES, "closed_at": m.closed_at, "unit": m.lead_unit.name}


# --- the closed loop ----------------------------------------------------------

def assign_matter(matter, by, *, at=None) -> Matter:
    """draft → assigned: DOC-2 check, the year's number (督办〔2026〕12号),
    the ack, completion and (long-term) report clocks, messages to the
    responsible people. The 督办通知单 is made from the assigned matter."""
    at = _now(at)
    with transaction.atomic():
        m = _locked(matter)
        deputy = _require(by, m, Action.ASSIGN)
        _assign(m, by, at, deputy=deputy)
    return sync_fields(matter, m)


def _assign(m, by, at, received_at=None, deputy=None):
    """Assign the locked draft `m` (the caller checked who may). An imported
    matter (`received_at`, see `import_matter`) may be past its deadline."""
    new_state = transitions.check(m.state, Action.ASSIGN)
    problems = _doc2_of_matter(m)
    if problems:
        raise ValidationError(problems)
    if m.due_at is not None and m.due_at <= at and received_at is None:
        raise ValidationError({"due_at": f"办结期限（{fmt_moment(m.due_at)}）已过，请先修改期限"})
    year = timezone.localtime(at).year
    m.year, m.serial = year, serials.take("matter", year)
    m.number = matter_number_format().format(year=year, serial=m.serial)
    m.state, m.assigned_at = new_state, at
    _start_clocks(m, at, received_at=received_at)
    m.save()
    _refresh_current(m)
    chain.record("supervision.matter.assign", m, before={"state": State.DRAFT}, after={
        "state": m.state, "number": m.number, "deadline": m.deadline, "lead_unit": m.lead_unit_id,
        "lead_person": m.lead_person_id, **({"imported": True} if received_at is not None else {}),
    }, actor=by, on_behalf_of=deputy, occurred_at=at)
    _notify_assignment(m, received_at or at, by=by)
    return m


def history_problems(clean, *, assigned_on, at) -> dict:
    """{field: message} of an imported matter's past (`clean` from
    clean_matter_data): its 交办日期 lies not after today, its 办结期限 not
    before that day."""
    problems = {}
    if assigned_on is None:
        return problems
    day = f"{assigned_on.year}年{assigned_on.month}月{assigned_on.day}日"
    if assigned_on > timezone.localtime(at).date():
        problems["assigned_on"] = f"交办日期{day}晚于今天"
    elif clean.get("due_at") is not None and clean["due_at"] <= day_start(assigned_on):
        problems["due_at"] = f"办结期限（{fmt_moment(clean['due_at'])}）早于交办日期{day}"
    return problems


def import_matter(by, *, at=None, assigned_on=None, **data) -> Matter:
    """A row of an imported 督办事项 ledger (duban.supervision.ledger),
    created and assigned at once. `at` is the import moment; `assigned_on`
    the day of the assignment the ledger gives (交办日期; its first moment,
    default `at`): the matter's
    creation and assignment and their journal events are dated there, and
    its completion clock runs from it, due at the ledger's deadline even
    when that has passed (red at once; the sweep dates the breach at the
    deadline). The lead unit signs for it, and reports periodically, from
    the import on. Same checks (but for the past deadline), number and
    messages as create_matter(assign=True)."""
    at = _now(at)
    assigned_at = day_start(assigned_on) if assigned_on is not None else at
    _require_supervisor(by)
    clean = clean_matter_data(data, at=at, history=True)
    problems = history_problems(clean, assigned_on=assigned_on, at=at)
    if problems:
        raise ValidationError(problems)
    with transaction.atomic():
        m = _insert(clean, by=by, at=assigned_at)
        chain.record("supervision.matter.create", m, after={**_snapshot(m), "imported": True}, actor=by,
                     occurred_at=assigned_at)
        m = _locked(m)
        deputy = _require(by, m, Action.ASSIGN)
        m = _assign(m, by, assigned_at, received_at=at, deputy=deputy)
    return m


def import_matters(by, rows, *, at=None, assign=True, progress=None) -> list:
    """Many rows of an imported 督办事项 ledger at once (duban.supervision.ledger):
    the same matters, numbers, clocks, journal events and messages as
    `import_matter` (or, with `assign=False`, `create_matter` drafts) row by
    row, written per batch. `rows`: [(clean, assigned_on)], `clean` from
    clean_matter_data (with `history=assign`) and checked by the caller
    (DOC-2, history_problems). The numbers are taken in one step per year,
    the rows inserted in bulk, the clocks computed in memory and inserted in
    bulk (clocks.start_clocks), the events chained in one pass and the
    messages merged per recipient ("23项督办事项已交办给您"). `progress(done)`
    is told the rows written. In one transaction: all or nothing; a row that
    cannot be written raises duban.core.batch.ItemFailed with its index."""
    at = _now(at)
    _require_supervisor(by)
    if not rows:
        return []
    with transaction.atomic():
        supervising_unit_id = by.person.unit_id
        matters, coop_rows = [], []
        for clean, assigned_on in rows:
            values = dict(clean)
            coops = values.pop("cooperating")
            created = day_start(assigned_on) if (assign and assigned_on is not None) else at
            matters.append(Matter(**values, parent=None, created_by=by, created_at=created, state=State.DRAFT,
                                  supervising_unit_id=supervising_unit_id, depth=0))
            coop_rows.append(coops)
        create_rows(matters)
        cooperations = []
        for m, coops in zip(matters, coop_rows, strict=True):
            m.root_id, m.tree_path = m.pk, f"{m.pk:010d}."
            cooperations += [MatterCooperation(matter=m, unit=unit, person=person, duty=duty, sort_order=i)
                             for i, (unit, person, duty) in enumerate(coops)]
        insert_rows(cooperations)
        events = []
        for m, coops in zip(matters, coop_rows, strict=True):
            after = chain.snapshot(m, MATTER_FIELDS)
            after["cooperating"] = [{"unit": u.pk, "person": p.pk if p else None, "duty": d} for u, p, d in coops]
            events.append([{"action": "supervision.matter.create", "obj": m, "actor": by, "occurred_at": m.created_at,
                            "after": {**after, "imported": True} if assign else after}])
        fields = ["root", "tree_path"]
        if assign:
            fields += _bulk_assign(matters, coop_rows, events, by=by, at=at)
        update_rows(matters, fields)
        chain.record_many([e for mine in events for e in mine])
        if progress is not None:
            progress(len(matters))
    return matters


def _bulk_assign(matters, coop_rows, events, *, by, at) -> list:
    """Assign freshly inserted drafts as `_assign(m, by, created_at,
    received_at=at)` does one by one: numbers, clocks, the current clock,
    the journal events (appended to each matter's list in `events`) and the
    messages, merged per recipient. Returns the fields to write."""
    new_state = transitions.check(State.DRAFT, Action.ASSIGN)
    years = {}
    for m in matters:
        years.setdefault(timezone.localtime(m.created_at).year, []).append(m)
    for year, group in years.items():
        first = serials.take_many("matter", year, len(group))
        for i, m in enumerate(group):
            m.year, m.serial = year, first + i
            m.number = matter_number_format().format(year=year, serial=m.serial)
    specs, owners, links = [], [], {}
    for m in matters:
        assigned = m.created_at
        m.state, m.assigned_at = new_state, assigned
        links[m.pk] = link = m.get_absolute_url()  # once per matter: its clocks' link and its messages'
        common = dict(owner=m, owner_unit=m.lead_unit, owner_person=m.lead_person, link=link)
        specs.append(clocks.ClockSpec(kind=ACK, rule=ack_rule(m.urgency), label=_clock_label(m, "签收"), started_at=at,
                                      **common))
        owners.append((m, ACK))
        if m.due_at is not None:
            start = assigned if assigned < m.due_at else day_start(timezone.localtime(m.due_at).date())
            specs.append(clocks.ClockSpec(kind=COMPLETION, due_at=m.due_at, label=_clock_label(m, "办结"),
                                          started_at=start, **common))
            owners.append((m, COMPLETION))
        elif m.deadline_rule:
            specs.append(clocks.ClockSpec(kind=COMPLETION, rule=m.deadline_rule, label=_clock_label(m, "办结"),
                                          started_at=assigned, **common))
            owners.append((m, COMPLETION))
        if m.is_long_term:
            due = next_period_due(m.report_cycle, m.report_day, at)
            local = timezone.localtime(due)
            specs.append(clocks.ClockSpec(kind=REPORT, due_at=due, started_at=at,
                                          label=_clock_label(m, f"定期报告（{local.month}月{local.day}日前）"),
                                          **common))
            owners.append((m, REPORT))
    try:
        made, clock_events = clocks.start_clocks(specs, journal=False)
    except ItemFailed as failed:
        raise ItemFailed(matters.index(owners[failed.index][0]), failed.error) from None
    mine = {}
    for (m, kind), clock, entries in zip(owners, made, clock_events, strict=True):
        mine.setdefault(m.pk, {"clocks": [], "events": []})
        mine[m.pk]["clocks"].append((kind, clock))
        mine[m.pk]["events"] += entries
    index = {m.pk: i for i, m in enumerate(matters)}
    notices = []
    for m, coops in zip(matters, coop_rows, strict=True):
        own = mine[m.pk]
        m.completion_clock = next((c for k, c in own["clocks"] if k == COMPLETION), None)
        current = min((c for _, c in own["clocks"]), key=lambda c: (c.due_at, c.pk))
        m.current_clock = current
        m.open_due_at, m.open_warn_at, m.open_frozen_light = current.due_at, current.warn_at, None
        events[index[m.pk]] += own["events"]
        events[index[m.pk]].append({
            "action": "supervision.matter.assign", "obj": m, "actor": by, "occurred_at": m.assigned_at,
            "before": {"state": State.DRAFT}, "after": {
                "state": m.state, "number": m.number, "deadline": m.deadline, "lead_unit": m.lead_unit_id,
                "lead_person": m.lead_person_id, "imported": True}})
        ack = next(c for k, c in own["clocks"] if k == ACK)
        body = f"{m.number}“{m.title}”已交办（{m.get_urgency_display()}）。请于{fmt_moment(ack.due_at)}前签收。"
        if m.deadline:
            body += f"办结期限：{fmt_moment(m.deadline)}。"
        if m.is_long_term:
            body += f"长期事项，{m.get_report_cycle_display()}定期报送进展。"
        people = {}
        if m.lead_person_id:
            people[m.lead_person_id] = (m.lead_person, "牵头")
        for _unit, person, _duty in coops:
            if person is not None and person.pk not in people:
                people[person.pk] = (person, "配合")
        for user, role in people.values():
            notices.append((user, f"【督办】{m.number} {m.title}", f"{body}\n您单位为{role}单位。", links[m.pk]))
    notify.notify_merged(notices, key=f"supervision:import:{matters[0].pk}:assign",
                         summary=lambda n: f"【督办】{n}项督办事项已交办给您", at=at)
    return ["year", "serial", "number", "state", "assigned_at", "completion_clock", "current_clock", "open_due_at",
            "open_warn_at", "open_frozen_light"]


def acknowledge(matter, by, *, at=None) -> Matter:
    """签收 by the lead unit: meets the ack clock (met, or met late)."""
    at = _now(at)
    with transaction.atomic():
        m = _locked(matter)
        deputy = _require(by, m, Action.ACKNOWLEDGE)
        new_state = transitions.check(m.state, Action.ACKNOWLEDGE)
        ack = _clocks(m).filter(kind=ACK, state__in=CLOCK_OPEN_STATES).first()
        if ack is not None:
            clocks.meet(ack, at=at)
        m.state, m.acknowledged_at, m.acknowledged_by = new_state, at, by
        m.save(update_fields=["state", "acknowledged_at", "acknowledged_by"])
        _refresh_current(m)
        chain.record("supervision.matter.acknowledge", m, before={"state": State.ASSIGNED}, after={
            "state": m.state, "ack_clock": ack.state if ack else None,
        }, actor=by, on_behalf_of=deputy, occurred_at=at)
    return sync_fields(matter, m)


def start_work(matter, by, *, at=None) -> Matter:
    """acknowledged → in progress, explicitly (a first report does it too)."""
    at = _now(at)
    with transaction.atomic():
        m = _locked(matter)
        deputy = _require(by, m, Action.START)
        before = m.state
        m.state = transitions.check(m.state, Action.START)
        m.started_at = m.started_at or at
        m.save(update_fields=["state", "started_at"])
        chain.record("supervision.matter.start", m, before={"state": before}, after={"state": m.state}, actor=by, on_behalf_of=deputy, occurred_at=at)
    return sync_fields(matter, m)


def submit_report(matter, by, *, text, files=(), kind=ReportKind.PROGRESS, progress=None, at=None) -> Report:
    """A progress report (反馈) or, for a long-term matter, a periodic report,
    with evidence files (uploads or EvidenceFile rows). The first report
    moves an acknowledged matter into progress. A periodic report meets
    every report clock whose period has begun (late ones as met late) and
    starts the next period's clock. Cooperating units may send progress
    reports; only the lead unit's figure sets the matter's progress."""
    at = _now(at)
    if kind not in (ReportKind.PROGRESS, ReportKind.PERIODIC):
        raise ValidationError({"kind": "反馈类型应为进展反馈或定期报告（办结请用“申请办结”）"})
    text = (text or "").strip()
    progress = _percent(progress)
    with transaction.atomic():
        m = _locked(matter)
        # A B role reporting in an away A's place reports for A's unit.
        who = acting_for(by, m, Action.REPORT) or by
        lead = is_lead_actor(who, m)
        if kind == ReportKind.PERIODIC and not lead:
            raise PermissionDenied("只有牵头单位可以报送定期报告")
        deputy = _require(by, m, Action.REPORT)
        new_state = transitions.check(m.state, Action.REPORT)
        if not text:
            raise ValidationError({"text": "反馈内容不能为空"})
        period = []
        if kind == ReportKind.PERIODIC:
            if not m.is_long_term:
                raise ValidationError({"kind": "该事项不是长期事项，无需定期报告"})
            open_ = list(_clocks(m).filter(kind=REPORT, state__in=CLOCK_OPEN_STATES).order_by("due_at", "id"))
            period = [c for c in open_ if c.started_at <= at]
            if not period:
                nxt = f"，下一期自{fmt_moment(open_[0].started_at)}起报送" if open_ else ""
                raise ValidationError({"kind": f"本期定期报告已报送{nxt}"})
        unit = m.lead_unit if lead else cooperation_of(who, m).unit
        unit_id = unit.pk if unit else None
        before = {"state": m.state, "progress": m.progress}
        stored = _store_files(files, by, unit, at)
        r = Report.objects.create(matter=m, kind=kind, text=text, progress=progress, unit_id=unit_id,
                                  submitted_by=by, submitted_at=at,
                                  period_due_at=max((c.due_at for c in period), default=None))
        r.files.set(stored)
        for c in period:
            clocks.meet(c, at=at)
        if period and not _clocks(m).filter(kind=REPORT, state=ClockState.RUNNING).exists():
            last = max(c.due_at for c in period)
            _start_period(m, started_at=last, after=last, at=at)
        m.state = new_state
        m.started_at = m.started_at or at
        if progress is not None and lead:
            m.reported_progress = progress
        m.save(update_fields=["state", "started_at", "reported_progress"])
        _rollup(m)
        _refresh_current(m)
        chain.record("supervision.report.submit", r, before=before, after={
            "matter": m.pk, "kind": kind, "state": m.state, "progress": progress, "matter_progress": m.progress,
            "unit": unit_id, "files": [{"id": str(f.pk), "name": f.original_name, "sm3": f.sm3} for f in stored],
            "periods_met": [c.pk for c in period],
        }, actor=by, on_behalf_of=deputy, occurred_at=at)
    return r


def request_completion(matter, by, *, text, files, at=None) -> Report:
    """办结申请 by the lead unit, with text and at least one evidence file.
    Refused while sub-tasks are open or an extension request waits. The
    clocks pause while the supervision office reviews."""
    at = _now(at)
    text = (text or "").strip()
    with transaction.atomic():
        m = _locked(matter)
        deputy = _require(by, m, Action.REQUEST_COMPLETION)
        new_state = transitions.check(m.state, Action.REQUEST_COMPLETION)
        if not text:
            raise ValidationError({"text": "办结申请须填写办理情况"})
        if not files:
            raise ValidationError({"files": "办结申请须附至少一份佐证材料"})
        open_children = Matter.objects.filter(parent_id=m.pk).exclude(state__in=CLOSED_STATES).count()
        if open_children:
            raise ValidationError(f"尚有{open_children}项子任务未办结，不能申请办结")
        if m.extensions.filter(state=ExtensionState.PENDING).exists():
            raise ValidationError("延期申请尚待审批，请审批后再申请办结")
        stored = _store_files(files, by, m.lead_unit, at)
        r = Report.objects.create(matter=m, kind=ReportKind.COMPLETION, text=text, unit_id=m.lead_unit_id,
                                  submitted_by=by, submitted_at=at)
        r.files.set(stored)
        before = m.state
        m.state, m.completion_requested_at = new_state, at
        m.save(update_fields=["state", "completion_requested_at"])
        _sync_clocks(m, at)
        _refresh_current(m)
        chain.record("supervision.matter.request_completion", m, before={"state": before}, after={
            "state": m.state, "report": r.pk,
            "files": [{"id": str(f.pk), "name": f.original_name, "sm3": f.sm3} for f in stored],
        }, actor=by, on_behalf_of=deputy, occurred_at=at)
    return r


def _pending_completion_report(m):
    return m.reports.filter(kind=ReportKind.COMPLETION, review_state=ReviewState.PENDING).order_by("-id").first()


def complete_matter(matter, by, *, comment="", at=None) -> Matter:
    """办结审核: the supervision office (for a sub-task also the unit that
    split it) accepts the completion. Every open clock is met as of the
    moment the unit requested completion: met, or met late (SUP-3)."""
    at = _now(at)
    with transaction.atomic():
        m = _locked(matter)
        deputy = _require(by, m, Action.COMPLETE)
        new_state = transitions.check(m.state, Action.COMPLETE)
        delivered = m.completion_requested_at or at
        for c in _clocks(m).filter(state__in=CLOCK_OPEN_STATES).order_by("id"):
            clocks.meet(c, at=delivered)
        completion = Clock.objects.filter(pk=m.completion_clock_id).first()
        m.result = Result.MET_LATE if completion and completion.state == ClockState.MET_LATE else Result.MET
        r = _pending_completion_report(m)
        if r is not None:
            r.review_state, r.review_comment, r.reviewed_by, r.reviewed_at = ReviewState.ACCEPTED, comment, by, at
            r.save(update_fields=["review_state", "review_comment", "reviewed_by", "reviewed_at"])
        m.state, m.completed_at, m.closed_at = new_state, at, at
        m.reported_progress = m.progress = 100
        m.save(update_fields=["state", "completed_at", "closed_at", "result", "reported_progress", "progress"])
        _rollup(m)
        _refresh_current(m)
        chain.record_signed("supervision.matter.complete", m, signer=by,
                            before={"state": State.COMPLETION_REQUESTED}, after={
            "state": m.state, "result": m.result, "delivered_at": delivered, "comment": comment,
            "late_seconds": completion.late_seconds if completion else None,
        }, actor=by, on_behalf_of=deputy, occurred_at=at)
    return sync_fields(matter, m)


def return_matter(matter, by, *, reason, at=None) -> Matter:
    """退回重办: back to in progress with reasons. The deadline stays as it
    was (the review time is not credited): past it, the clock breaches."""
    at = _now(at)
    reason = (reason or "").strip()
    with transaction.atomic():
        m = _locked(matter)
        deputy = _require(by, m, Action.RETURN)
        new_state = transitions.check(m.state, Action.RETURN)
        if not reason:
            raise ValidationError({"reason": "退回重办须填写理由"})
        r = _pending_completion_report(m)
        if r is not None:
            r.review_state, r.review_comment, r.reviewed_by, r.reviewed_at = ReviewState.RETURNED, reason, by, at
            r.save(update_fields=["review_state", "review_comment", "reviewed_by", "reviewed_at"])
        m.state = new_state
        m.return_count += 1
        m.completion_requested_at = None
        m.save(update_fields=["state", "return_count", "completion_requested_at"])
        for c in _clocks(m).filter(state=ClockState.PAUSED).order_by("id"):
            _reset_deadline(c, c.due_at, "退回重办，仍按原期限考核", by, at)
        _sync_clocks(m, at)
        _refresh_current(m)
        chain.record("supervision.matter.return", m, before={"state": State.COMPLETION_REQUESTED}, after={
            "state": m.state, "reason": reason, "report": r.pk if r else None, "return_count": m.return_count,
        }, actor=by, on_behalf_of=deputy, occurred_at=at)
    return sync_fields(matter, m)


def archive_matter(matter, by, *, at=None) -> Matter:
    at = _now(at)
    with transaction.atomic():
        m = _locked(matter)
        deputy = _require(by, m, Action.ARCHIVE)
        m.state = transitions.check(m.state, Action.ARCHIVE)
        m.archived_at = at
        m.save(update_fields=["state", "archived_at"])
        chain.record("supervision.matter.archive", m, before={"state": State.COMPLETED}, after={"state": m.state},
                     actor=by, on_behalf_of=deputy, occurred_at=at)
    return sync_fields(matter, m)


def suspend_matter(matter, by, *, reason, at=None) -> Matter:
    """暂停 by the supervision office, with reasons: the clocks pause."""
    at = _now(at)
    reason = (reason or "").strip()
    with transaction.atomic():
        m = _locked(matter)
        deputy = _require(by, m, Action.SUSPEND)
        new_state = transitions.check(m.state, Action.SUSPEND)
        if not reason:
            raise ValidationError({"reason": "暂停须填写理由"})
        before = m.state
        m.suspended_from, m.state, m.state_reason = before, new_state, reason[:500]
        m.save(update_fields=["suspended_from", "state", "state_reason"])
        _sync_clocks(m, at)
        _refresh_current(m)
        chain.record("supervision.matter.suspend", m, before={"state": before},
                     after={"state": m.state, "reason": reason}, actor=by, on_behalf_of=deputy, occurred_at=at)
    return sync_fields(matter, m)


def resume_matter(matter, by, *, reason="", at=None) -> Matter:
    """恢复: back to the state before the suspension; the pause moves the
    deadlines on by its length."""
    at = _now(at)
    with transaction.atomic():
        m = _locked(matter)
        deputy = _require(by, m, Action.RESUME)
        m.state = transitions.check(m.state, Action.RESUME, prior=m.suspended_from)
        m.suspended_from, m.state_reason = "", ""
        m.save(update_fields=["state", "suspended_from", "state_reason"])
        _sync_clocks(m, at)
        _refresh_current(m)
        chain.record("supervision.matter.resume", m, before={"state": State.SUSPENDED},
                     after={"state": m.state, "reason": (reason or "").strip(), "deadline": m.deadline}, actor=by, on_behalf_of=deputy, occurred_at=at)
    return sync_fields(matter, m)


def _cancel_one(m, by, reason, at, cascade_from=None, deputy=None):
    before = m.state
    withdrawn = list(m.extensions.filter(state=ExtensionState.PENDING).values_list("pk", flat=True))
    m.extensions.filter(state=ExtensionState.PENDING).update(
        state=ExtensionState.WITHDRAWN, decided_at=at, decision_reason="事项撤销，申请自动撤回")
    m.state, m.cancelled_at, m.closed_at, m.state_reason = State.CANCELLED, at, at, reason[:500]
    m.save(update_fields=["state", "cancelled_at", "closed_at", "state_reason"])
    # Nothing is owed any more: every clock still open stops (a breach
    # before now stays recorded on its clock).
    for clock in _clocks(m).filter(state__in=CLOCK_OPEN_STATES).order_by("id"):
        clocks.stop(clock, "事项撤销", at=at)
    _refresh_current(m)
    chain.record("supervision.matter.cancel", m, before={"state": before}, after={
        "state": m.state, "reason": reason, "cascade_from": cascade_from, "extensions_withdrawn": withdrawn,
    }, actor=by, on_behalf_of=deputy, occurred_at=at)
    for child in Matter.objects.select_for_update().filter(parent_id=m.pk).exclude(state__in=CLOSED_STATES):
        _cancel_one(child, by, reason, at, cascade_from=m.pk, deputy=deputy)


def cancel_matter(matter, by, *, reason, at=None) -> Matter:
    """撤销 by the supervision office, with reasons: the clocks stop
    (duban.clocks.services.stop), a pending extension request is withdrawn,
    open sub-tasks are cancelled with it."""
    at = _now(at)
    reason = (reason or "").strip()
    with transaction.atomic():
        m = _locked(matter)
        deputy = _require(by, m, Action.CANCEL)
        transitions.check(m.state, Action.CANCEL)
        if not reason:
            raise ValidationError({"reason": "撤销须填写理由"})
        _cancel_one(m, by, reason, at, deputy=deputy)
        if m.parent_id:
            _rollup(Matter.objects.get(pk=m.parent_id))
    return sync_fields(matter, m)


# --- decomposition (SUP-2) ------------------------------------------------------

SPLIT_FIELDS = frozenset({"title", "content", "standard", "urgency", "lead_unit", "lead_person", "cooperating",
                          "responsible_leader", "due_at", "deadline_rule"})


def split_matter(parent, by, *, at=None, **data) -> Matter:
    """A lead unit (or the supervision office) splits its part: a sub-task
    for another unit (an office, a town…), assigned at once, with its own
    responsible person, standard and deadline, never later than the
    parent's. The sub-task copies the parent's source."""
    at = _now(at)
    unknown = set(data) - SPLIT_FIELDS
    if unknown:
        raise ValidationError({k: f"子任务没有字段“{k}”" for k in sorted(unknown)})
    with transaction.atomic():
        p = _locked(parent)
        deputy = _require(by, p, Action.SPLIT)
        transitions.check(p.state, Action.SPLIT)
        if p.depth + 1 > max_depth():
            raise ValidationError(f"事项最多分解{max_depth()}级，本事项已是第{p.depth}级子任务")
        source = {f: getattr(p, f) for f in SOURCE_FIELDS}
        data.setdefault("urgency", p.urgency)
        data.setdefault("responsible_leader", p.responsible_leader)
        clean = clean_matter_data({**source, **data}, at=at, subtask=True)
        problems = doc2_problems(**{k: clean[k] for k in (
            "lead_unit", "lead_person", "due_at", "deadline_rule", "is_long_term", "report_cycle", "report_day")},
            cooperating=clean["cooperating"])
        if clean["lead_unit"] is not None and clean["lead_unit"].pk == p.lead_unit_id:
            problems["lead_unit"] = "子任务须交由其他单位或科室办理，不能交给上级事项的牵头单位本身"
        if problems:
            raise ValidationError(problems)
        parent_due = p.deadline
        if parent_due is not None and clean["due_at"] is not None and clean["due_at"] > parent_due:
            raise ValidationError({"due_at": f"子任务期限不能晚于上级事项期限 {fmt_moment(parent_due)}"})
        child = _insert(clean, by=by, at=at, parent=p)
        seq = (Matter.objects.filter(parent_id=p.pk).aggregate(n=Max("sub_seq"))["n"] or 0) + 1
        child.assigning_unit_id = p.lead_unit_id
        child.sub_seq = seq
        child.number = f"{p.number}-{seq}"
        child.state, child.assigned_at = State.ASSIGNED, at
        _start_clocks(child, at)
        if parent_due is not None and child.deadline is not None and child.deadline > parent_due:
            raise ValidationError({"due_at": f"子任务期限（{fmt_moment(child.deadline)}）不能晚于上级事项期限 "
                                             f"{fmt_moment(parent_due)}"})
        child.save()
        _refresh_current(child)
        _rollup(p)
        chain.record("supervision.matter.split", child, after={
            **_snapshot(child), "parent": p.pk, "root": child.root_id, "depth": child.depth,
            "deadline": child.deadline,
        }, actor=by, on_behalf_of=deputy, occurred_at=at)
        _notify_assignment(child, at, by=by)
    return child


# --- extensions ----------------------------------------------------------------

def request_extension(matter, by, *, reason, proposed_due, at=None) -> ExtensionRequest:
    """延期申请 by the lead unit: only before the completion deadline (after
    it the matter is judged on the original deadline), one at a time. The
    completion clock pauses while the request waits."""
    at = _now(at)
    reason = (reason or "").strip()
    with transaction.atomic():
        m = _locked(matter)
        deputy = _require(by, m, Action.REQUEST_EXTENSION)
        transitions.check(m.state, Action.REQUEST_EXTENSION)
        clock = Clock.objects.filter(pk=m.completion_clock_id).first()
        if clock is None:
            raise ValidationError("该事项没有办结期限，无需延期")
        if clock.state == ClockState.BREACHED or clock.due_at <= at:
            raise ValidationError("已超过办理时限，按原期限考核", code="past_deadline")
        if m.extensions.filter(state=ExtensionState.PENDING).exists():
            raise ValidationError("已有一份延期申请待审批")
        if not reason:
            raise ValidationError({"reason": "请填写延期理由"})
        try:
            proposed = as_moment(proposed_due)
        except ValidationError as e:
            raise ValidationError({"proposed_due": f"申请延至：{e.messages[0]}"}) from None
        if proposed is None or proposed <= clock.due_at:
            raise ValidationError({"proposed_due": f"申请延至的期限须晚于现期限 {fmt_moment(clock.due_at)}"})
        _check_under_parent(m, proposed, "申请延至的期限")
        ext = ExtensionRequest.objects.create(matter=m, reason=reason, proposed_due=proposed, old_due=clock.due_at,
                                              requested_by=by, requested_at=at)
        _sync_clocks(m, at)
        _refresh_current(m)
        chain.record("supervision.extension.request", ext, after={
            "matter": m.pk, "reason": reason, "old_due": clock.due_at, "proposed_due": proposed,
        }, actor=by, on_behalf_of=deputy, occurred_at=at)
    return ext


def _check_under_parent(m, moment, what):
    if m.parent_id:
        parent_due = Matter.objects.select_related("completion_clock").get(pk=m.parent_id).deadline
        if parent_due is not None and moment > parent_due:
            raise ValidationError({"proposed_due": f"{what}不能晚于上级事项期限 {fmt_moment(parent_due)}"})


def adjust_deadline(matter, by, *, due_at, reason, at=None) -> Matter:
    """The supervision office sets a matter's deadline itself (核定期限: a
    matter the duty office relayed at night on the default rule, a deadline
    to correct), with a reason. The deadline is explicit from then on (no
    rule or calendar change moves it); the units are told. Journaled with
    the old and the new deadline."""
    at = _now(at)
    reason = (reason or "").strip()
    with transaction.atomic():
        m = _locked(matter)
        deputy = _require(by, m, Action.ADJUST_DEADLINE)
        transitions.check(m.state, Action.ADJUST_DEADLINE)
        errors = {}
        if not reason:
            errors["reason"] = "调整期限须填写理由"
        try:
            target = as_moment(due_at)
        except ValidationError as e:
            errors["due_at"] = f"新期限：{e.messages[0]}"
            target = None
        if target is None and "due_at" not in errors:
            errors["due_at"] = "请填写新的办结期限"
        if target is not None and target <= at:
            errors["due_at"] = f"新期限 {fmt_moment(target)} 已过，请填写今后的日期"
        if m.completion_clock_id is None:
            errors["due_at"] = "该事项为长期事项，没有办结期限，按报送周期定期报送"
        if errors:
            raise ValidationError(errors)
        try:
            _check_under_parent(m, target, "新期限")
        except ValidationError as e:
            raise ValidationError({"due_at": e.messages[0]}) from None
        clock = Clock.objects.get(pk=m.completion_clock_id)
        old_due = clock.due_at
        _reset_deadline(clock, target, f"督查室调整期限：{reason}"[:200], by, at)
        _sync_clocks(m, at)
        _refresh_current(m)
        clock.refresh_from_db()
        chain.record("supervision.matter.adjust_deadline", m, before={"due_at": old_due},
                     after={"due_at": clock.due_at, "reason": reason}, actor=by, on_behalf_of=deputy, occurred_at=at)
        _notify_people(m, at, occasion=f"deadline:{clock.due_at.isoformat()}",
                       subject=f"【期限调整】{m.number} {m.title}",
                       body=f"督查室已将办结期限由{fmt_moment(old_due)}调整为{fmt_moment(clock.due_at)}。理由：{reason}",
                       by=by)
    return sync_fields(matter, m)


def decide_extension(extension, by, *, approve, reason="", new_due=None, at=None) -> ExtensionRequest:
    """The supervision office decides: approval sets the completion clock's
    deadline (the proposed date, or `new_due`), rejection keeps the original
    one; either way the waiting time is not credited. Journaled with the
    old and new dates."""
    at = _now(at)
    reason = (reason or "").strip()
    with transaction.atomic():
        ext = ExtensionRequest.objects.select_for_update().get(pk=extension.pk)
        m = _locked(ext.matter_id)
        deputy = _require(by, m, Action.DECIDE_EXTENSION)
        transitions.check(m.state, Action.DECIDE_EXTENSION)
        if ext.state != ExtensionState.PENDING:
            raise ValidationError(f"该延期申请{ext.get_state_display()}，不能再审批")
        clock = Clock.objects.get(pk=m.completion_clock_id)
        old_due = clock.due_at
        if approve:
            try:
                target = as_moment(new_due) or ext.proposed_due
            except ValidationError as e:
                raise ValidationError({"new_due": f"批准期限：{e.messages[0]}"}) from None
            if target <= old_due:
                raise ValidationError({"new_due": f"批准的期限须晚于原期限 {fmt_moment(old_due)}"})
            _check_under_parent(m, target, "批准的期限")
            reason = reason or "同意延期"
            ext.state, ext.new_due = ExtensionState.APPROVED, target
        else:
            if not reason:
                raise ValidationError({"reason": "不予延期须填写理由"})
            target = old_due
            ext.state = ExtensionState.REJECTED
        ext.decided_by, ext.decided_at, ext.decision_reason = by, at, reason
        ext.save(update_fields=["state", "new_due", "decided_by", "decided_at", "decision_reason"])
        _reset_deadline(clock, target, f"延期申请{'批准' if approve else '未批准'}：{reason}"[:200], by, at)
        _sync_clocks(m, at)
        _refresh_current(m)
        clock.refresh_from_db()
        chain.record_signed("supervision.extension.approve" if approve else "supervision.extension.reject", ext,
                            signer=by, before={"state": ExtensionState.PENDING, "due_at": old_due},
                            after={"state": ext.state, "due_at": clock.due_at, "reason": reason, "matter": m.pk},
                            actor=by, on_behalf_of=deputy, occurred_at=at)
    return sync_fields(extension, ext)


# --- urging --------------------------------------------------------------------

def urge_matter(matter, by, *, channel, note="", urged_unit=None, urged_person=None, at=None) -> Urge:
    """催办 by hand: who (by), whom (a lead or cooperating unit and its
    person; by default the lead unit's responsible person), the channel
    (电话, 短信, 系统消息, 当面, 书面催办单) and a note. The urged person gets a
    message in the app (and by e-mail)."""
    at = _now(at)
    note = (note or "").strip()
    if channel not in MANUAL_CHANNELS:
        raise ValidationError({"channel": "催办渠道应为：" + "、".join(c.label for c in MANUAL_CHANNELS)})
    with transaction.atomic():
        m = _locked(matter)
        deputy = _require(by, m, Action.URGE)
        transitions.check(m.state, Action.URGE)
        try:
            unit = as_unit(urged_unit) or m.lead_unit
            person = as_user(urged_person)
        except ValidationError as e:
            raise ValidationError({"urged_person": e.messages[0]}) from None
        coops = {c.unit_id: c for c in m.cooperations.select_related("person")}
        if unit.pk != m.lead_unit_id and unit.pk not in coops:
            raise ValidationError({"urged_unit": f"“{unit.name}”不是该事项的牵头或配合单位"})
        if person is None:
            person = m.lead_person if unit.pk == m.lead_unit_id else coops[unit.pk].person
        if person is None:
            raise ValidationError({"urged_person": "请指定被催办人"})
        if not _in_unit(person, unit):
            raise ValidationError({"urged_person": f"{user_name(person)}不属于“{unit.name}”"})
        u = Urge.objects.create(matter=m, kind=UrgeKind.MANUAL, channel=channel, urged_by=by, urged_unit=unit,
                                urged_person=person, note=note, urged_at=at, clock_id=m.current_clock_id)
        body = f"{user_name(by)}通过{u.get_channel_display()}催办：{m.number}“{m.title}”。"
        if m.deadline:
            body += f"办结期限：{fmt_moment(m.deadline)}。"
        if note:
            body += f"\n{note}"
        urgent = m.urgency == Urgency.EXTRA_URGENT
        sent = notify.notify_user(person, f"【催办】{m.number} {m.title}", body, key=f"supervision:urge:{u.pk}",
                                  link=m.get_absolute_url(), at=at, level="yellow", urgent=urgent, sender=by,
                                  unit=unit)
        sent += notify.notify_unit(unit, f"【催办】{m.number} {m.title}", body, key=f"supervision:urge:{u.pk}",
                                   link=m.get_absolute_url(), at=at, people=[person], level="yellow",
                                   urgent=urgent, sender=by)
        chain.record("supervision.urge.create", u, after={
            "matter": m.pk, "channel": channel, "urged_unit": unit.pk, "urged_person": person.pk, "note": note,
            "messages": sent,
        }, actor=by, on_behalf_of=deputy, occurred_at=at)
    return u


def allocate_urge_number(urge, by=None, *, at=None) -> str:
    """Give an urge its 催办单 number (督催〔2026〕3号; idempotent)."""
    at = _now(at)
    with transaction.atomic():
        u = Urge.objects.select_for_update().get(pk=urge.pk)
        if u.document_number:
            return sync_fields(urge, u).document_number
        deputy = _require(by, u.matter, Action.URGE) if by is not None else None
        year = timezone.localtime(at).year
        u.document_year, u.document_serial = year, serials.take("urge", year)
        u.document_number = urge_number_format().format(year=year, serial=u.document_serial)
        u.save(update_fields=["document_year", "document_serial", "document_number"])
        chain.record("supervision.urge.number", u, after={"document_number": u.document_number,
                                                          "matter": u.matter_id}, actor=by, on_behalf_of=deputy, occurred_at=at)
    return sync_fields(urge, u).document_number


def handle_clock_flips(flips, now=None) -> list:
    """Automatic urges (channel 系统自动, by the system) from the warnings and
    breaches of matters' clocks, exactly once per flip (Urge.flip is unique).
    The flip's own messages already reach the people concerned. A breached
    periodic report clock starts the next period's clock, so that silence
    is a breach again next period (SUP-5). Runs in the caller's transaction."""
    now = _now(now)
    ct = ContentType.objects.get_for_model(Matter)
    flips = [f for f in flips if f.clock.owner_type_id == ct.pk]
    if not flips:
        return []
    done = set(Urge.objects.filter(flip_id__in=[f.pk for f in flips]).values_list("flip_id", flat=True))
    matters = Matter.objects.in_bulk([int(f.clock.owner_id) for f in flips])
    urges = []
    for f in flips:
        m = matters.get(int(f.clock.owner_id))
        if m is None or f.pk in done:
            continue
        if (f.kind == FlipKind.BREACH and f.clock.kind == REPORT and m.is_long_term
                and m.state in (State.ACKNOWLEDGED, State.IN_PROGRESS, State.ASSIGNED)
                and not _clocks(m).filter(kind=REPORT, state=ClockState.RUNNING).exists()):
            _start_period(m, started_at=f.clock.due_at, after=f.clock.due_at, at=now)
            _refresh_current(m)
        if not transitions.allowed(m.state, Action.URGE):
            continue
        if f.kind == FlipKind.WARNING:
            note = f"{f.clock.label}将于{fmt_moment(f.clock.due_at)}到期，系统自动催办。"
        else:
            note = f"{f.clock.label}已于{fmt_moment(f.moment)}到期，尚未完成，系统自动催办。"
        u = Urge.objects.create(matter=m, kind=UrgeKind.AUTO, channel=UrgeChannel.AUTO, urged_by=None,
                                urged_unit_id=f.clock.owner_unit_id, urged_person_id=f.clock.owner_person_id,
                                note=note, urged_at=now, clock=f.clock, flip=f)
        chain.record("supervision.urge.auto", u, after={
            "matter": m.pk, "flip": f.pk, "flip_kind": f.kind, "clock": f.clock_id, "clock_kind": f.clock.kind,
            "moment": f.moment,
        }, occurred_at=now)
        urges.append(u)
    return urges


def extra_urgent_clocks(clocks) -> set:
    """Of `clocks`, the ids of those of 特急 matters: their SMS goes out in
    quiet hours too (registered with duban.notify in SupervisionConfig)."""
    ct = ContentType.objects.get_for_model(Matter)
    ids = {c.owner_id for c in clocks if c.owner_type_id == ct.pk}
    if not ids:
        return set()
    urgent = set(Matter.objects.filter(pk__in=[int(i) for i in ids if str(i).isdigit()],
                                       urgency=Urgency.EXTRA_URGENT).values_list("pk", flat=True))
    return {c.pk for c in clocks if c.owner_type_id == ct.pk and str(c.owner_id).isdigit()
            and int(c.owner_id) in urgent}


def on_flips_processed(sender, flips, now=None, **kwargs):
    """Receiver of duban.notify.services.flips_processed."""
    handle_clock_flips(flips, now)


# --- reviewing reports ------------------------------------------------------------

def review_report(report, by, *, accept, comment="", at=None) -> Report:
    """A supervisor accepts a progress or periodic report, or returns it with
    comments (the unit then reports again)."""
    at = _now(at)
    comment = (comment or "").strip()
    with transaction.atomic():
        r = Report.objects.select_for_update().get(pk=report.pk)
        m = _locked(r.matter_id)
        deputy = _require(by, m, Action.REVIEW_REPORT)
        transitions.check(m.state, Action.REVIEW_REPORT)
        if r.kind == ReportKind.COMPLETION:
            raise ValidationError("办结申请请通过“审核办结”或“退回重办”处理")
        if r.review_state != ReviewState.PENDING:
            raise ValidationError(f"该反馈{r.get_review_state_display()}，不能再审阅")
        if not accept and not comment:
            raise ValidationError({"comment": "退回反馈须填写意见"})
        r.review_state = ReviewState.ACCEPTED if accept else ReviewState.RETURNED
        r.review_comment, r.reviewed_by, r.reviewed_at = comment, by, at
        r.save(update_fields=["review_state", "review_comment", "reviewed_by", "reviewed_at"])
        chain.record("supervision.report.accept" if accept else "supervision.report.return", r,
                     before={"review_state": ReviewState.PENDING},
                     after={"review_state": r.review_state, "comment": comment, "matter": m.pk}, actor=by, on_behalf_of=deputy, occurred_at=at)
    return sync_fields(report, r)
