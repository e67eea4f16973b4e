"""Writes for 值班信息报送 (DUTY-1…5, seed 004 §6).

Every function is one transaction with its journal events (and the clock
events duban.clocks journals itself). Checks come in the order: who may act
(PermissionDenied, Chinese message), then state, then input
(ValidationError naming the field, or the day for the roster). Nothing is
half-written. Times are aware datetimes; `at` (default now) is the moment of
the action, so tests and imports can replay a day exactly.

Service API (for pages, the API and the demo loader)
-----------------------------------------------------
Roster
    set_month_roster(unit, year, month, rows, by, *, at=None) -> list[DutyShift]
        rows: [{"date": date | "2026-03-05" | day-of-month int, "officer": user | id,
                "leader": user | id, "note": ""}]; replaces the month.
    on_duty(unit, moment) -> DutyShift | None   (the shift on duty at a moment; a date: the shift of that day)
Incidents and the report chain
    report_incident(by, *, title, kind, level, occurred_at, learned_at, place, reporting_unit,
                    description, involved_units=(), at=None) -> Incident
    record_phone_report(incident, by, *, called_at, caller_name, callee_name, summary,
                        caller_phone="", callee_unit=None, at=None) -> PhoneReport
    create_written_report(incident, by, *, kind, text, figures=None, unit=None, at=None) -> WrittenReport
    revise_report(report, by, *, text=None, figures=None, at=None) -> ReportVersion
    signing_basis(user, report, at=None) -> "带班领导" | "主要领导" | None   (may this user sign?)
    sign_report(report, signer, password, at=None) -> Signature   (signs and sends)
    verify_signature(sig, version=None) -> bool
    content_hash(version) -> str
Bulletin and instructions
    create_bulletin(by, *, title, items, at=None) -> Bulletin
        items: [{"report": WrittenReport | id, "heading": "" (default: incident and kind),
                 "summary": "" (default: the sent text)}]
    update_bulletin(bulletin, by, *, title=None, items=None, at=None) -> Bulletin   (draft only)
    issue_bulletin(bulletin, by, *, at=None) -> Bulletin   (allocates 第N期 of the year)
    record_instruction(item, leader, text, units, by, at=None, *, instructed_at=None, due_at=None,
                       urgency="urgent") -> Instruction
Reads (lists, the duty screen, figures) are in duban.duty.queries; the Word
file in duban.duty.documents.

Clocks (duban.clocks, owner = the incident, owner unit = the reporting unit)
----------------------------------------------------------------------------
Started by `report_incident` from `learned_at` (when the reporting unit
learned of the incident), for every incident whatever its level (the rules
are named for 较大 incidents; an administrator edits the rules' limits):
- "phone"      rule duty_phone_15min: met by the reporting unit's first phone
               report, at its `called_at`;
- "written"    rule duty_written_30min: met by the reporting unit's first
               written report, at the moment it is signed and sent;
- "written_2h" rule duty_final_2h: the hard limit of the same obligation.
               Seed 004 §6 reads "30分钟内书面报告，最迟不超过2小时": the 2 hours
               bound the first written report (not the 终报, which may come
               days later), so the first written report meets both clocks; a
               report at 45 minutes is late on "written" and on time on
               "written_2h".
Only the reporting unit's reports meet these clocks; involved units may
report too (their figures are compared, DUTY-4) but owe no clock.
Lateness is measured in whole minutes, rounded up: see
duban.duty.queries.late_minutes (15:00 after learning on a 15-minute clock is
on time, 15:01 is 1 minute late).

Sign-off (DUTY-3)
-----------------
A written report is sent only when signed (审签) by the leader on duty
(带班领导 of the report's unit's shift on duty at the moment of signing)
or the unit's principal leader (a 单位负责人 of exactly that unit), who
re-enters their password. A refusal (wrong person, wrong password) is
journaled in its own committed transaction ("duty.report.sign_refused",
"duty.report.sign_failed") and then raised. The signature binds the SM3
hash of the version's canonical content (report, version number, kind,
text, figures); an edit after signing makes a new version, puts the report
back to 待审签 and needs a new signature. Clocks met by a first sending stay
met.

Instructions (DUTY-5) — the hand-over to supervision
-----------------------------------------------------
`record_instruction` lets the duty office (值班员, 带班领导 watching the
bulletin's unit) or the 督查室 record a leader's instruction and relay it at
once, at any hour: the hand-over duban.supervision.services.
relay_leader_instruction creates and assigns the matter (source 领导批示;
lead unit = the first unit named, cooperating = the others; each unit's
responsible person is its 联络员, else its 单位负责人) with the 督查室 that
supervises the lead unit as its supervising office, and tells that office,
which adjusts or takes it over in the morning. Two deadlines, deliberately
apart:
- the relay (传达) must reach the units within 1 hour (rule
  county_instruction_relay_1h): a clock "relay" on the Instruction runs from
  `instructed_at` and is met at `at`, the moment the matter is assigned (the
  assignment notifies the units). Recording it 70 minutes after the
  instruction shows "逾期10分钟".
- the matter's completion follows `due_at` when given, else supervision's
  default rule (matter_report_7wd: 7 working days to report back), because
  a 1-hour deadline for *doing* what a leader asked would be breached by
  every matter.
Nothing waits for the 督查室 to be awake: the duty officer's relay is the
assignment, and the relay clock is met by it.
"""

import datetime as dt
import decimal
from calendar import monthrange

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_date

from duban.clocks import services as clocks
from duban.clocks.models import OPEN_STATES as CLOCK_OPEN_STATES
from duban.core import serials
from duban.core.services import (
    as_unit,
    as_user,
    blank,
    fmt_moment,
    local_date,
    parse_moment,
    sync_fields,
    user_name,
)
from duban.core.services import now as _now
from duban.journal import chain
from duban.org.models import Person, Role, RoleAssignment
from duban.org.queries import first_holder
from duban.org.services import deputy_check, has_role
from duban.supervision import services as supervision

from .models import (
    FIGURE_FIELDS,
    Bulletin,
    BulletinItem,
    BulletinState,
    DutyShift,
    Incident,
    IncidentKind,
    IncidentLevel,
    IncidentState,
    Instruction,
    PhoneReport,
    ReportKind,
    ReportState,
    ReportVersion,
    Signature,
    WrittenReport,
    duty_jurisdictions,
)

User = get_user_model()

PHONE, WRITTEN, WRITTEN_HARD, RELAY = "phone", "written", "written_2h", "relay"
CLOCK_RULES = {
    PHONE: ("duty_phone_15min", "电话报告"),
    WRITTEN: ("duty_written_30min", "书面报告"),
    WRITTEN_HARD: ("duty_final_2h", "书面报告（最迟）"),
}
RELAY_RULE = "county_instruction_relay_1h"
BASIS_DUTY_LEADER, BASIS_PRINCIPAL = "带班领导", "主要领导"
UNIT_ACTOR_ROLES = (Role.DUTY_OFFICER, Role.DUTY_LEADER, Role.LIAISON, Role.UNIT_HEAD)
LOSS_STEP = decimal.Decimal("0.01")


def _day(d: dt.date) -> str:
    return f"{d.month}月{d.day}日"


def _unit_of(user):
    person = getattr(user, "person", None) if user is not None else None
    return person.unit if person is not None else None


def _as_moment(value, label):
    return parse_moment(value, *label)


# --- who may act ------------------------------------------------------------

def is_duty_office_for(user, unit) -> bool:
    """The user watches `unit` as the duty office (a duty role with a scope
    covering it)."""
    return unit is not None and any(unit.path.startswith(r.path) for r in duty_jurisdictions(user))


def is_duty_office(user) -> bool:
    return bool(duty_jurisdictions(user))


def _acts_for_unit(user, unit) -> bool:
    if is_duty_office_for(user, unit):
        return True
    own = _unit_of(user)
    return own is not None and own.path.startswith(unit.path) and has_role(user, *UNIT_ACTOR_ROLES)


def may_act_for_unit(user, unit) -> bool:
    """Report, edit the roster and draft reports for `unit`: a 值班员, 带班领导,
    联络员 or 负责人 of the unit (or of an office within it), or the duty
    office covering it; or, while such an A is away, A's B role (ORG-4)."""
    return deputy_check(user, lambda u: _acts_for_unit(u, unit))[0]


def may_report(user) -> bool:
    """Whether `user` may act for some unit (may_act_for_unit): the duty
    office, or an actor of their own unit. Without listing the units."""
    def own_right(u):
        return is_duty_office(u) or (_unit_of(u) is not None and has_role(u, *UNIT_ACTOR_ROLES))

    return deputy_check(user, own_right)[0]


def _require_unit_actor(user, unit, what):
    """None when `user` acts on their own right, the away A in whose place
    they act (journaled as B代A), PermissionDenied otherwise."""
    ok, principal = deputy_check(user, lambda u: _acts_for_unit(u, unit))
    if not ok:
        raise PermissionDenied(f"只有{unit.name}的值班员、联络员、负责人或县总值班室可以{what}")
    return principal


def _require_duty_office(user, what):
    if not is_duty_office(user):
        raise PermissionDenied(f"只有县政府总值班室可以{what}")


# --- the roster ---------------------------------------------------------------

def _roster_day(value, year, month):
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, int) or (isinstance(value, str) and value.strip().isdigit()):
        day = int(value)
        if not 1 <= day <= monthrange(year, month)[1]:
            raise ValidationError(f"{year}年{month}月没有{day}日")
        return dt.date(year, month, day)
    d = parse_date(str(value or "").strip())
    if d is None:
        raise ValidationError("日期格式应为 年-月-日 或当月日数")
    return d


def default_shift_times() -> tuple[dt.time, dt.time]:
    """(start, end) of a duty shift when a roster row names none
    (DUBAN_DUTY_SHIFT_START / _END, default 08:30 to 08:30 the next day)."""
    from django.conf import settings

    return (_shift_time(getattr(settings, "DUBAN_DUTY_SHIFT_START", "08:30"), "DUBAN_DUTY_SHIFT_START"),
            _shift_time(getattr(settings, "DUBAN_DUTY_SHIFT_END", "08:30"), "DUBAN_DUTY_SHIFT_END"))


def _shift_time(value, label) -> dt.time:
    if isinstance(value, dt.time):
        return value.replace(tzinfo=None, second=0, microsecond=0)
    text = str(value or "").strip().replace("：", ":")
    try:
        return dt.time.fromisoformat(text if len(text) > 4 or ":" not in text else text.zfill(5))
    except ValueError:
        raise ValidationError(f"{label}“{value}”不是有效时间，请写成 08:30 这样的格式") from None


def shift_moments(day: dt.date, start: dt.time, end: dt.time) -> tuple[dt.datetime, dt.datetime]:
    """The moments a shift of `day` runs between: an end not after the start
    falls on the next day (a shift over midnight is one shift)."""
    tz = timezone.get_default_timezone()
    starts = dt.datetime.combine(day, start, tz)
    ends = dt.datetime.combine(day, end, tz)
    if ends <= starts:
        ends = dt.datetime.combine(day + dt.timedelta(days=1), end, tz)
    return starts, ends


def _belongs(user, unit, roles, assignments) -> bool:
    """The person belongs to `unit` (or an office within it), or holds one of
    `roles` with a scope that covers the unit."""
    person = getattr(user, "person", None)
    if person is not None and person.unit.path.startswith(unit.path):
        return True
    return any(ra.role in roles and ra.scope_id and unit.path.startswith(ra.scope.path)
               for ra in assignments.get(user.pk, ()))


def set_month_roster(unit, year, month, rows, by, *, at=None) -> list:
    """Replace `unit`'s roster for one month (值班表). Each row names a day,
    the 值班员 (must hold the 值班员 role) and the 带班领导 (must hold 带班领导
    or 单位负责人); both must belong to the unit (or an office in it) or hold
    the role with a scope covering it. A row may give its `start` and `end`
    times ("18:00", "08:00": an end not after the start is the next
    morning); by default default_shift_times(). Shifts may not overlap, also
    across the month's edges. All rows are checked first; errors name the
    day (“3月5日：…”). An empty `rows` clears the month."""
    at = _now(at)
    _require_unit_actor(by, unit, "编排值班表")
    if not (1 <= int(month) <= 12 and 2000 <= int(year) <= 2100):
        raise ValidationError({"month": "年份或月份无效"})
    year, month = int(year), int(month)
    rows = list(rows or ())
    errors = []
    parsed = []
    default_start, default_end = default_shift_times()
    for i, row in enumerate(rows, 1):
        where = f"第{i}行"
        try:
            day = _roster_day(row.get("date"), year, month)
        except ValidationError as e:
            errors.append(f"{where}：{e.messages[0]}")
            continue
        where = _day(day)
        if (day.year, day.month) != (year, month):
            errors.append(f"{where}：不在{year}年{month}月")
            continue
        try:
            officer, leader = as_user(row.get("officer")), as_user(row.get("leader"))
        except ValidationError as e:
            errors.append(f"{where}：{e.messages[0]}")
            continue
        try:
            start = _shift_time(row["start"], "开始时间") if not blank(row.get("start")) else default_start
            end = _shift_time(row["end"], "结束时间") if not blank(row.get("end")) else default_end
        except ValidationError as e:
            errors.append(f"{where}：{e.messages[0]}")
            continue
        parsed.append((where, day, officer, leader, str(row.get("note") or "").strip()[:200],
                       shift_moments(day, start, end)))
    users = {u.pk for _, _, o, ld, _, _ in parsed for u in (o, ld) if u is not None}
    assignments = {}
    for ra in RoleAssignment.objects.filter(user_id__in=users).select_related("scope"):
        assignments.setdefault(ra.user_id, []).append(ra)
    persons = {p.user_id: p for p in Person.objects.filter(user_id__in=users).select_related("unit")}
    seen = set()
    shifts = []
    for where, day, officer, leader, note, (starts, ends) in parsed:
        if day in seen:
            errors.append(f"{where}：重复安排")
            continue
        seen.add(day)
        if officer is None:
            errors.append(f"{where}：请选择值班员")
        if leader is None:
            errors.append(f"{where}：请选择带班领导")
        if officer is None or leader is None:
            continue
        for u in (officer, leader):
            if u.pk in persons:
                u.person = persons[u.pk]
        held_o = {ra.role for ra in assignments.get(officer.pk, ())}
        held_l = {ra.role for ra in assignments.get(leader.pk, ())}
        if not officer.is_active:
            errors.append(f"{where}：值班员{user_name(officer)}的账号已停用")
        elif Role.DUTY_OFFICER not in held_o:
            errors.append(f"{where}：{user_name(officer)}没有“值班员”角色")
        elif not _belongs(officer, unit, (Role.DUTY_OFFICER,), assignments):
            errors.append(f"{where}：值班员{user_name(officer)}不属于{unit.name}")
        if not leader.is_active:
            errors.append(f"{where}：带班领导{user_name(leader)}的账号已停用")
        elif not held_l & {Role.DUTY_LEADER, Role.UNIT_HEAD}:
            errors.append(f"{where}：{user_name(leader)}没有“带班领导”或“单位负责人”角色")
        elif not _belongs(leader, unit, (Role.DUTY_LEADER, Role.UNIT_HEAD), assignments):
            errors.append(f"{where}：带班领导{user_name(leader)}不属于{unit.name}")
        shifts.append(DutyShift(unit=unit, date=day, starts_at=starts, ends_at=ends, officer=officer, leader=leader,
                                note=note, entered_by=by, entered_at=at))
    first, last = dt.date(year, month, 1), dt.date(year, month, monthrange(year, month)[1])
    errors += _overlaps(unit, shifts, first, last)
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        old = DutyShift.objects.select_for_update().filter(unit=unit, date__range=(first, last))
        before = [[s.date, s.officer_id, s.leader_id, s.starts_at, s.ends_at] for s in old.order_by("date")]
        old.delete()
        shifts.sort(key=lambda s: s.date)
        DutyShift.objects.bulk_create(shifts)
        chain.record("duty.roster.set", unit, object_type="duty.roster",
                     object_id=f"{unit.pk}:{year:04d}-{month:02d}",
                     object_repr=f"{unit.name}{year}年{month}月值班表",
                     before={"shifts": before},
                     after={"shifts": [[s.date, s.officer_id, s.leader_id, s.starts_at, s.ends_at] for s in shifts]},
                     actor=by, occurred_at=at)
    return list(DutyShift.objects.filter(unit=unit, date__range=(first, last)).select_related(
        "officer", "leader").order_by("date"))


def _overlaps(unit, shifts, first, last) -> list:
    """Errors for shifts of the month that overlap each other or the
    neighbouring months' shifts (a shift over midnight reaches the next
    day)."""
    if not shifts:
        return []
    errors = []
    neighbours = list(DutyShift.objects.filter(unit=unit).exclude(date__range=(first, last)).filter(
        starts_at__lt=max(s.ends_at for s in shifts), ends_at__gt=min(s.starts_at for s in shifts)))
    ordered = sorted(shifts + neighbours, key=lambda s: s.starts_at)
    for a, b in zip(ordered, ordered[1:], strict=False):
        if b.starts_at < a.ends_at:
            mine = b if b in shifts else a
            other = a if mine is b else b
            errors.append(f"{_day(mine.date)}：与{_day(other.date)}的值班时间重叠"
                          f"（{fmt_moment(other.starts_at)}至{fmt_moment(other.ends_at)}）")
    return errors


def on_duty(unit, moment) -> DutyShift | None:
    """The shift of `unit` on duty at `moment` (a shift over midnight is on
    duty until it ends the next morning). Given a date: the shift that
    starts that day."""
    qs = DutyShift.objects.filter(unit=unit).select_related("officer", "leader", "unit")
    if isinstance(moment, dt.datetime):
        return qs.filter(starts_at__lte=moment, ends_at__gt=moment).order_by("-starts_at").first()
    return qs.filter(date=moment).first()


# --- incidents ----------------------------------------------------------------

INCIDENT_FIELDS = ["title", "kind", "level", "occurred_at", "learned_at", "place", "reporting_unit_id",
                   "description", "state"]


def report_incident(by, *, title, kind, level, occurred_at, learned_at, place, reporting_unit, description,
                    involved_units=(), at=None) -> Incident:
    """Record an incident (DUTY-1) and start its three clocks from
    `learned_at`: phone 15 min, written 30 min, written at the latest 2 h."""
    at = _now(at)
    reporting_unit = as_unit(reporting_unit)
    if reporting_unit is None:
        raise ValidationError({"reporting_unit": "请选择报告单位"})
    deputy = _require_unit_actor(by, reporting_unit, "报告突发事件")
    errors = {}
    title, place, description = (str(x or "").strip() for x in (title, place, description))
    if not title:
        errors["title"] = "事件名称不能为空"
    elif len(title) > 120:
        errors["title"] = "事件名称不能超过120个字"
    if not place:
        errors["place"] = "发生地点不能为空"
    elif len(place) > 200:
        errors["place"] = "发生地点不能超过200个字"
    if not description:
        errors["description"] = "简要情况不能为空"
    if kind not in IncidentKind.values:
        errors["kind"] = "请选择事件类型：" + "、".join(IncidentKind.labels)
    if level not in IncidentLevel.values:
        errors["level"] = "请选择事件等级：" + "、".join(IncidentLevel.labels)
    moments = {}
    for f, lbl, v in (("occurred_at", "发生时间", occurred_at), ("learned_at", "获知时间", learned_at)):
        try:
            moments[f] = _as_moment(v, (f, lbl))
        except ValidationError as e:
            errors.update(e.message_dict)
    if len(moments) == 2:
        if moments["learned_at"] < moments["occurred_at"]:
            errors["learned_at"] = "获知时间不能早于发生时间"
        if moments["learned_at"] > at:
            errors["learned_at"] = "获知时间不能晚于当前时间"
    units, seen = [], {reporting_unit.pk}
    try:
        for u in involved_units or ():
            u = as_unit(u)
            if u is not None and u.pk not in seen:
                seen.add(u.pk)
                units.append(u)
    except ValidationError as e:
        errors["involved_units"] = f"涉及单位：{e.messages[0]}"
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        incident = Incident.objects.create(
            title=title, kind=kind, level=level, occurred_at=moments["occurred_at"],
            learned_at=moments["learned_at"], place=place, reporting_unit=reporting_unit,
            description=description, created_by=by, created_at=at,
        )
        incident.involved_units.set(units)
        chain.record("duty.incident.report", incident, after={
            **chain.snapshot(incident, INCIDENT_FIELDS), "involved_units": [u.pk for u in units]}, actor=by, on_behalf_of=deputy, occurred_at=at)
        for kind_code, (rule, what) in CLOCK_RULES.items():
            clocks.start_clock(incident, kind_code, rule=rule, started_at=incident.learned_at,
                               owner_unit=reporting_unit, label=f"“{title}”{what}"[:200])
    return incident


def _open_clock(incident, kind):
    return clocks.clocks_for(incident, kind).filter(state__in=CLOCK_OPEN_STATES).order_by("id").first()


def record_phone_report(incident, by, *, called_at, caller_name, callee_name, summary, caller_phone="",
                        callee_unit=None, at=None) -> PhoneReport:
    """The reporting unit's phone report (电话报告) to the duty office: the
    first one meets the 15-minute clock at `called_at`."""
    at = _now(at)
    deputy = _require_unit_actor(by, incident.reporting_unit, "记录电话报告")
    errors = {}
    caller_name, callee_name, summary = (str(x or "").strip() for x in (caller_name, callee_name, summary))
    if not caller_name:
        errors["caller_name"] = "报告人不能为空"
    if not callee_name:
        errors["callee_name"] = "接报人不能为空"
    if not summary:
        errors["summary"] = "通话内容不能为空"
    try:
        called_at = _as_moment(called_at, ("called_at", "通话时间"))
        if called_at < incident.learned_at:
            errors["called_at"] = f"通话时间不能早于获知时间（{fmt_moment(incident.learned_at)}）"
        elif called_at > at:
            errors["called_at"] = "通话时间不能晚于当前时间"
    except ValidationError as e:
        errors.update(e.message_dict)
    try:
        callee_unit = as_unit(callee_unit)
    except ValidationError as e:
        errors["callee_unit"] = f"接报单位：{e.messages[0]}"
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        phone = PhoneReport.objects.create(
            incident=incident, unit=incident.reporting_unit, caller_name=caller_name[:60],
            caller_phone=str(caller_phone or "").strip()[:40], callee_name=callee_name[:60],
            callee_unit=callee_unit, called_at=called_at, summary=summary, recorded_by=by, recorded_at=at,
        )
        clock = _open_clock(incident, PHONE)
        if clock is not None:
            clocks.meet(clock, at=called_at)
        chain.record("duty.phone.record", phone, after={
            **chain.snapshot(phone, ["incident_id", "unit_id", "caller_name", "callee_name", "callee_unit_id",
                                     "called_at", "summary"]),
            "phone_clock": clock.state if clock else None}, actor=by, on_behalf_of=deputy, occurred_at=at)
    return phone


# --- written reports, versions, sign-off -------------------------------------

def clean_figures(figures, previous=None) -> dict:
    """The five key figures from a dict (missing keys keep `previous`, None
    or "" means not yet known). People are whole numbers ≥ 0; the loss is in
    万元, ≥ 0, at most two decimals."""
    out = dict(previous or dict.fromkeys(FIGURE_FIELDS))
    figures = figures or {}
    unknown = set(figures) - set(FIGURE_FIELDS)
    errors = {k: f"未知数据项“{k}”" for k in sorted(unknown)}
    for f, (label, _measure) in FIGURE_FIELDS.items():
        if f not in figures:
            continue
        v = figures[f]
        if blank(v):
            out[f] = None
            continue
        if f == "economic_loss":
            try:
                d = decimal.Decimal(str(v).strip())
            except (decimal.InvalidOperation, ValueError):
                errors[f] = f"{label}应为数字（单位：万元）"
                continue
            if not d.is_finite() or d < 0:
                errors[f] = f"{label}不能为负数"
            elif d != d.quantize(LOSS_STEP):
                errors[f] = f"{label}最多保留两位小数（单位：万元）"
            elif d >= decimal.Decimal("1e12"):
                errors[f] = f"{label}数值过大"
            else:
                out[f] = d.quantize(LOSS_STEP)
        else:
            try:
                n = int(str(v).strip())
            except (TypeError, ValueError):
                errors[f] = f"{label}人数应为整数"
                continue
            if n < 0:
                errors[f] = f"{label}人数不能为负数"
            elif n > 2_000_000_000:
                errors[f] = f"{label}人数过大"
            else:
                out[f] = n
    if errors:
        raise ValidationError(errors)
    return out


def version_content(version) -> dict:
    """What a signature binds: the report and version it belongs to, the
    kind, the exact text and the figures."""
    figures = {}
    for f in FIGURE_FIELDS:
        v = getattr(version, f)
        if isinstance(v, decimal.Decimal):
            v = str(v.quantize(LOSS_STEP))
        figures[f] = v
    return {"report": version.report_id, "version": version.number, "kind": version.kind, "text": version.text,
            "figures": figures}


def content_hash(version) -> str:
    """SM3 over the canonical JSON of `version_content` (hex)."""
    return chain.sm3_hex(chain.canonical(version_content(version)))


def _clean_text(text) -> str:
    text = str(text or "").replace("\r\n", "\n").replace("\r", "\n").strip()
    if not text:
        raise ValidationError({"text": "报告正文不能为空"})
    return text


def _new_version(report, by, at, text, figures) -> ReportVersion:
    last = report.versions.order_by("-number").values_list("number", flat=True).first() or 0
    v = ReportVersion(report=report, number=last + 1, kind=report.kind, text=text, edited_by=by, edited_at=at,
                      **figures)
    v.content_hash = content_hash(v)
    v.save(force_insert=True)
    return v


def create_written_report(incident, by, *, kind, text, figures=None, unit=None, at=None) -> WrittenReport:
    """Draft a written report (首报/续报/终报) of `unit` (default: the
    reporting unit; else one of the units involved) with its first version.
    A unit's first report is its 首报; after its 终报 nothing follows. It is
    sent only by `sign_report`. Figures not given are taken over from the
    unit's previous report (a 续报 repeats what is still true); None or ""
    marks a figure as not (or no longer) known."""
    at = _now(at)
    unit = as_unit(unit) or incident.reporting_unit
    allowed = {incident.reporting_unit_id, *incident.involved_units.values_list("pk", flat=True)}
    if unit.pk not in allowed:
        raise ValidationError({"unit": f"{unit.name}不是该事件的报告单位或涉及单位"})
    deputy = _require_unit_actor(by, unit, "起草书面报告")
    if incident.state == IncidentState.CLOSED and unit.pk == incident.reporting_unit_id:
        raise ValidationError("该事件已终报，不能再报告")
    if kind not in ReportKind.values:
        raise ValidationError({"kind": "报告类型应为首报、续报或终报"})
    text = _clean_text(text)
    with transaction.atomic():
        # Lock the incident: two drafts of one unit queue here for their sequence.
        Incident.objects.select_for_update().filter(pk=incident.pk).first()
        earlier = list(WrittenReport.objects.filter(incident=incident, unit=unit).select_related(
            "current_version").order_by("seq"))
        kinds = [r.kind for r in earlier]
        figures = clean_figures(figures, previous=earlier[-1].current_version.figures if earlier else None)
        if not kinds and kind != ReportKind.FIRST:
            raise ValidationError({"kind": f"{unit.name}尚未首报，第一份书面报告应为首报"})
        if kinds and kind == ReportKind.FIRST:
            raise ValidationError({"kind": f"{unit.name}已有首报，请选择续报或终报"})
        if ReportKind.FINAL in kinds:
            raise ValidationError({"kind": f"{unit.name}已有终报，不能再报告"})
        report = WrittenReport.objects.create(incident=incident, unit=unit, kind=kind, seq=len(kinds) + 1,
                                              state=ReportState.DRAFT, created_by=by, created_at=at)
        v = _new_version(report, by, at, text, figures)
        report.current_version = v
        report.save(update_fields=["current_version"])
        chain.record("duty.report.create", report, after={
            "incident": incident.pk, "unit": unit.pk, "kind": kind, "seq": report.seq, "version": v.number,
            "content_hash": v.content_hash, **figures}, actor=by, on_behalf_of=deputy, occurred_at=at)
    return report


def revise_report(report, by, *, text=None, figures=None, at=None) -> ReportVersion:
    """Edit a report: a new version (text and/or figures; what is not given
    stays as it was). A signed report goes back to 待审签: the old signature
    stays bound to the old version and the new one needs its own."""
    at = _now(at)
    deputy = _require_unit_actor(by, report.unit, "修改书面报告")
    original = report
    with transaction.atomic():
        report = WrittenReport.objects.select_for_update(of=("self",)).select_related("current_version").get(pk=report.pk)
        cur = report.current_version
        new_text = cur.text if text is None else _clean_text(text)
        new_figures = clean_figures(figures, previous=cur.figures)
        if new_text == cur.text and new_figures == cur.figures:
            raise ValidationError("内容没有变化")
        before = {"state": report.state, "version": cur.number, "content_hash": cur.content_hash}
        v = _new_version(report, by, at, new_text, new_figures)
        report.current_version = v
        report.state = ReportState.DRAFT
        report.save(update_fields=["current_version", "state"])
        chain.record("duty.report.revise", report, before=before, after={
            "state": report.state, "version": v.number, "content_hash": v.content_hash, **new_figures}, actor=by,
            on_behalf_of=deputy, occurred_at=at)
    sync_fields(original, report)
    return v


def signing_basis(user, report, at=None):
    """"带班领导" when `user` is the leader of the report's unit's shift on duty
    at `at` (roster; a night shift counts until it ends), "主要领导" when they
    are a 单位负责人 of exactly that unit, else None."""
    at = _now(at)
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return None
    if DutyShift.objects.filter(unit_id=report.unit_id, starts_at__lte=at, ends_at__gt=at, leader=user).exists():
        return BASIS_DUTY_LEADER
    own = _unit_of(user)
    if own is not None and own.pk == report.unit_id and has_role(user, Role.UNIT_HEAD):
        return BASIS_PRINCIPAL
    return None


def _refuse(action, report, signer, reason, at):
    """Journal a refused signature in its own transaction, so that it
    stays when the caller's change is refused."""
    with transaction.atomic():
        chain.record(action, report, after={"signer": signer.pk if signer else None, "reason": reason,
                                            "version": report.current_version_id, "at": at}, actor=signer, occurred_at=at)


def sign_report(report, signer, password, at=None) -> Signature:
    """审签 and send (DUTY-3). The signer re-enters their password. On
    success the current version is signed (signer, name, time, meaning 审签,
    SM3 of the content), the report is sent, and a first sending of the
    reporting unit meets the 30-minute and 2-hour clocks at `at`; a 终报 of
    the reporting unit closes the incident."""
    at = _now(at)
    original = report
    report = WrittenReport.objects.select_related("unit", "incident").get(pk=report.pk)
    if report.state == ReportState.SENT:
        raise ValidationError("该版本已审签报送；修改后才需重新审签")
    basis = signing_basis(signer, report, at)
    if basis is None:
        reason = f"{user_name(signer)}不是{report.unit.name}{_day(local_date(at))}的带班领导，也不是该单位主要领导"
        _refuse("duty.report.sign_refused", report, signer, reason, at)
        raise PermissionDenied(f"{reason}，不能审签")
    if not password or not signer.check_password(password):
        _refuse("duty.report.sign_failed", report, signer, "密码错误", at)
        raise ValidationError({"password": "密码不正确，审签未完成"})
    with transaction.atomic():
        report = WrittenReport.objects.select_for_update(of=("self",)).select_related("current_version", "incident").get(
            pk=report.pk)
        if report.state == ReportState.SENT:
            raise ValidationError("该版本已审签报送；修改后才需重新审签")
        v = report.current_version
        if content_hash(v) != v.content_hash:
            raise ValidationError("报告内容与保存时的摘要不符，已拒绝审签，请联系管理员核查")
        sig = Signature.objects.create(report=report, version=v, signer=signer, signer_name=user_name(signer)[:60],
                                       basis=basis, meaning=Signature.MEANING, signed_at=at,
                                       content_hash=v.content_hash)
        report.state, report.sent_version, report.sent_at = ReportState.SENT, v, at
        report.first_sent_at = report.first_sent_at or at
        report.save(update_fields=["state", "sent_version", "sent_at", "first_sent_at"])
        incident = report.incident
        met = {}
        if report.unit_id == incident.reporting_unit_id:
            for kind in (WRITTEN, WRITTEN_HARD):
                clock = _open_clock(incident, kind)
                if clock is not None:
                    met[kind] = clocks.meet(clock, at=at).state
            if report.kind == ReportKind.FINAL and incident.state == IncidentState.OPEN:
                Incident.objects.filter(pk=incident.pk).update(state=IncidentState.CLOSED, closed_at=at)
        chain.record_signed("duty.report.sign", sig, signer=signer, after={
            "report": report.pk, "version": v.number, "signer": signer.pk, "signer_name": sig.signer_name,
            "basis": basis, "meaning": sig.meaning, "signed_at": at, "content_hash": sig.content_hash}, actor=signer, occurred_at=at)
        chain.record("duty.report.send", report, before={"state": ReportState.DRAFT}, after={
            "state": report.state, "version": v.number, "sent_at": at, "clocks": met}, actor=signer, occurred_at=at)
    sync_fields(original, report)
    return sig


def verify_signature(sig, version=None) -> bool:
    """Does the signature still match? Recomputes the SM3 of the version it
    signed (re-read from the database), or of another `version` (e.g. the
    report's current one: False after an edit)."""
    target = ReportVersion.objects.get(pk=(version or sig.version).pk)
    return content_hash(target) == sig.content_hash and target.content_hash == sig.content_hash


# --- the bulletin ---------------------------------------------------------------

def _clean_items(by, items) -> list:
    from duban.org.visibility import visible

    rows = []
    errors = []
    for i, item in enumerate(items or (), 1):
        report = item.get("report")
        if report is not None and not isinstance(report, WrittenReport):
            try:
                report = WrittenReport.objects.get(pk=int(report))
            except (WrittenReport.DoesNotExist, TypeError, ValueError):
                report = None
                errors.append(f"第{i}条：所选报告不存在")
                continue
        if report is not None:
            if not visible(WrittenReport.objects.filter(pk=report.pk), by).exists():
                errors.append(f"第{i}条：所选报告不存在")
                continue
            report = WrittenReport.objects.select_related("incident", "unit", "sent_version").get(pk=report.pk)
            if report.sent_version_id is None:
                errors.append(f"第{i}条：{report}尚未审签报送，不能编入要情")
                continue
        heading = str(item.get("heading") or "").strip()
        summary = str(item.get("summary") or "").replace("\r\n", "\n").strip()
        if report is not None:
            heading = heading or f"{report.unit.name}报告{report.incident.title}（{report.get_kind_display()}）"
            summary = summary or report.sent_version.text
        if not heading:
            errors.append(f"第{i}条：小标题不能为空")
        if not summary:
            errors.append(f"第{i}条：摘要不能为空")
        rows.append(BulletinItem(report=report, heading=heading[:200], summary=summary, sort_order=i))
    if not rows and not errors:
        errors.append("要情至少要有一条内容")
    if errors:
        raise ValidationError(errors)
    return rows


def create_bulletin(by, *, title, items, at=None) -> Bulletin:
    """The duty office compiles a 值班要情 (DUTY-5) from selected sent
    reports, each with an editable summary. Numbered when issued."""
    at = _now(at)
    _require_duty_office(by, "编发值班要情")
    title = str(title or "").strip()
    if not title:
        raise ValidationError({"title": "标题不能为空"})
    if len(title) > 200:
        raise ValidationError({"title": "标题不能超过200个字"})
    rows = _clean_items(by, items)
    unit = _unit_of(by) or duty_jurisdictions(by)[0]
    with transaction.atomic():
        b = Bulletin.objects.create(unit=unit, title=title, compiled_by=by, compiled_at=at)
        for r in rows:
            r.bulletin = b
        BulletinItem.objects.bulk_create(rows)
        chain.record("duty.bulletin.create", b, after={
            "title": title, "items": [[r.report_id, r.heading] for r in rows]}, actor=by, occurred_at=at)
    return b


def update_bulletin(bulletin, by, *, title=None, items=None, at=None) -> Bulletin:
    at = _now(at)
    _require_duty_office(by, "编发值班要情")
    with transaction.atomic():
        b = Bulletin.objects.select_for_update().get(pk=bulletin.pk)
        if b.state != BulletinState.DRAFT:
            raise ValidationError("要情已印发，不能再修改")
        before = {"title": b.title, "items": [[r.report_id, r.heading] for r in b.items.all()]}
        if title is not None:
            title = str(title).strip()
            if not title:
                raise ValidationError({"title": "标题不能为空"})
            b.title = title[:200]
            b.save(update_fields=["title"])
        if items is not None:
            rows = _clean_items(by, items)
            b.items.all().delete()
            for r in rows:
                r.bulletin = b
            BulletinItem.objects.bulk_create(rows)
        chain.record("duty.bulletin.update", b, before=before, after={
            "title": b.title, "items": [[r.report_id, r.heading] for r in b.items.all()]}, actor=by, occurred_at=at)
    return sync_fields(bulletin, b)


def issue_bulletin(bulletin, by, *, at=None) -> Bulletin:
    """印发: allocate the year's next number (第N期, no gaps, locked) and
    mark the bulletin issued."""
    at = _now(at)
    _require_duty_office(by, "印发值班要情")
    with transaction.atomic():
        b = Bulletin.objects.select_for_update().get(pk=bulletin.pk)
        if b.state != BulletinState.DRAFT:
            raise ValidationError(f"要情已印发（{b.number_text}）")
        year = local_date(at).year
        b.year, b.number = year, serials.take("bulletin", year)
        b.state, b.issued_at, b.issued_by = BulletinState.ISSUED, at, by
        b.save(update_fields=["year", "number", "state", "issued_at", "issued_by"])
        chain.record("duty.bulletin.issue", b, before={"state": BulletinState.DRAFT}, after={
            "state": b.state, "year": year, "number": b.number, "issued_at": at}, actor=by, occurred_at=at)
    return sync_fields(bulletin, b)


def may_relay_instruction(user, bulletin) -> bool:
    """Record a leader's instruction on an issued bulletin and relay it
    (TL-3: within 1 hour, also at night): the duty office watching the
    bulletin's unit (值班员, 带班领导), or the 督查室."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    return is_duty_office_for(user, bulletin.unit) or has_role(user, Role.SUPERVISOR)


def responsible_person(unit):
    """The unit's 联络员, else its 单位负责人 (people of exactly this unit)."""
    return first_holder(unit, Role.LIAISON, Role.UNIT_HEAD)


def record_instruction(item, leader, text, units, by, at=None, *, instructed_at=None, due_at=None,
                       urgency="urgent") -> Instruction:
    """A leader's instruction (批示) on an item of an issued bulletin,
    relayed to `units` as a supervised matter (see the module docstring):
    one transaction with the matter, its assignment, the instruction, its
    relay clock (met at `at`) and the journal events."""
    at = _now(at)
    instructed_at = instructed_at or at
    item = BulletinItem.objects.select_related("bulletin__unit").get(pk=item.pk)
    b = item.bulletin
    if not may_relay_instruction(by, b):
        raise PermissionDenied("只有县政府总值班室（值班员、带班领导）或督查室可以录入并传达领导批示")
    errors = {}
    if b.state != BulletinState.ISSUED:
        errors["item"] = "要情尚未印发，不能录入批示"
    if leader is None or not (has_role(leader, Role.LEADER) or getattr(getattr(leader, "person", None),
                                                                      "is_leader", False)):
        errors["leader"] = "请选择作出批示的领导"
    text = str(text or "").strip()
    if not text:
        errors["text"] = "批示内容不能为空"
    if instructed_at > at:
        errors["instructed_at"] = "批示时间不能晚于当前时间"
    unit_list, seen = [], set()
    for u in units or ():
        try:
            u = as_unit(u)
        except ValidationError as e:
            errors["units"] = e.messages[0]
            continue
        if u is None or u.pk in seen:
            continue
        seen.add(u.pk)
        unit_list.append(u)
    if not unit_list and "units" not in errors:
        errors["units"] = "请选择批示涉及的单位（第一个为牵头单位）"
    people = {}
    missing = []
    for u in unit_list:
        people[u.pk] = responsible_person(u)
        if people[u.pk] is None:
            missing.append(u.name)
    if missing:
        errors["units"] = "、".join(missing) + "没有联络员或负责人，无法转办"
    if errors:
        raise ValidationError(errors)
    lead, others = unit_list[0], unit_list[1:]
    ref = f"值班要情{b.year}年{b.number_text}"
    data = dict(
        source_kind="leader_instruction",
        instructing_leader=leader,
        instruction_date=local_date(instructed_at),
        instruction_text=text,
        title=f"落实{user_name(leader)}对“{item.heading}”的批示"[:200],
        content=f"{item.summary}\n\n领导批示：{text}\n（见《值班要情》{b.year}年{b.number_text}）",
        urgency=urgency,
        lead_unit=lead,
        lead_person=people[lead.pk],
        cooperating=[(u, people[u.pk], "") for u in others],
        responsible_leader=leader,
        source_ref=ref[:120],
    )
    if due_at is not None:
        data["due_at"] = due_at
    office = _unit_of(by) if has_role(by, Role.SUPERVISOR) else supervision.supervision_office_for(lead)
    with transaction.atomic():
        matter = supervision.relay_leader_instruction(by, supervising_unit=office, at=at, **data)
        ins = Instruction.objects.create(item=item, leader=leader, text=text, instructed_at=instructed_at,
                                         lead_unit=lead, matter=matter, recorded_by=by, relayed_at=at)
        ins.units.set(unit_list)
        relay = clocks.start_clock(ins, RELAY, rule=RELAY_RULE, started_at=instructed_at,
                                   owner_unit=_unit_of(by), owner_person=by,
                                   label=f"{user_name(leader)}批示传达（{ref}）"[:200], link="")
        relay = clocks.meet(relay, at=at)
        chain.record("duty.instruction.record", ins, after={
            "bulletin": b.pk, "item": item.pk, "leader": leader.pk, "text": text, "instructed_at": instructed_at,
            "units": [u.pk for u in unit_list], "matter": matter.pk, "matter_number": matter.number,
            "relay_clock": relay.state, "relay_late_seconds": relay.late_seconds}, actor=by, occurred_at=at)
    return ins


def duty_clocks(clocks) -> set:
    """Of `clocks`, the ids of the duty office's (incidents, instructions):
    值班 messages are never held back by quiet hours."""
    from django.contrib.contenttypes.models import ContentType

    types = set(ContentType.objects.get_for_models(Incident, Instruction).values())
    type_ids = {t.pk for t in types}
    return {c.pk for c in clocks if c.owner_type_id in type_ids}
