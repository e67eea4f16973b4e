"""Writes of the public's complaints, 12345 work orders, ratings and typical
cases (PUB-1 … PUB-3, EVAL-5). Each function is one transaction with its
journal event and the clock writes it implies.

- Intake: a public page without login (`submit_public`), the office's own
  record of a call or a letter (`record_ticket`), the 12345 import (Excel
  or API, `import_hotline`) with the hotline's ticket numbers; every ticket
  gets a number (诉〔2026〕12号) and a tracking code for the complainant. The
  complainant's contact data goes to `ComplainantContact` and never into
  the journal.
- Triage by the supervision office (`triage_matter`, `triage_problem`,
  `refer`, `dismiss`, `merge_repeat`): into a supervised matter or a
  rectification problem through those apps' hand-over functions
  (duban.supervision.services.matter_from_complaint,
  duban.rectification.services.problem_from_complaint), a referral to a
  unit with its clock (rule ticket_handle_5wd), or a dismissal with reasons.
- The unit: returns a misrouted ticket within rule ticket_return_2wd of the
  dispatch (returns capped by Limit ticket_max_returns), asks for an
  extension (at most rule ticket_extension_max_10wd in all), answers.
- Ratings: once per closed ticket (from the tracking page) or per service
  code; each 差评 is verified, rectified or explained within rule
  rating_rectify_5wd, and called back; the unit may appeal and the office
  decides.
- Typical cases: drafted, reviewed by another person of the office, published.
"""

import datetime as dt
import re
import secrets

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from duban.clocks import services as clocks
from duban.clocks.models import OPEN_STATES as CLOCK_OPEN_STATES
from duban.core import serials
from duban.core.services import fmt_moment, sync_fields
from duban.core.services import now as _now
from duban.journal import chain
from duban.notify import services as notify
from duban.org.models import Role, RoleAssignment, Unit
from duban.org.services import deputy_check, has_role
from duban.org.visibility import scope_for
from duban.rectification import services as rectification
from duban.supervision import services as supervision
from duban.timelimits.limits import compute_due_at, parse_limit
from duban.timelimits.services import get_rule

from . import duplicates
from .models import (
    BAD_LEVELS,
    Appeal,
    AppealState,
    BadRatingStep,
    CaseKind,
    CaseState,
    ComplainantContact,
    Dispatch,
    DispatchExtension,
    DispatchState,
    ExtensionState,
    FollowUp,
    IntakeChannel,
    Limit,
    Outcome,
    RaterKind,
    Rating,
    RatingInvitation,
    RatingLevel,
    Solved,
    Ticket,
    TicketKind,
    TicketState,
    TypicalCase,
    Verdict,
)

User = get_user_model()

HANDLE_RULE = "ticket_handle_5wd"
RETURN_RULE = "ticket_return_2wd"
EXTENSION_RULE = "ticket_extension_max_10wd"
RATING_RULE = "rating_rectify_5wd"
MAX_RETURNS = "ticket_max_returns"
CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I
PHONE = re.compile(r"^[0-9+\-() ]{7,20}$")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
ID_NUMBER = re.compile(r"^[0-9]{17}[0-9X]$")
# What may not appear on a public page: mobiles, landlines, ID card numbers.
PERSONAL = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)|(?<!\d)0\d{2,3}-?\d{7,8}(?!\d)|(?<!\d)\d{17}[\dXx](?!\d)")


def limit_value(code: str, default: int) -> int:
    row = Limit.objects.filter(code=code).first()
    return row.value if row is not None else default


def _err(field, message):
    return ValidationError({field: [message]})


def new_code(length=12) -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(length))


def clean_code(code: str) -> str:
    return re.sub(r"[\s\-]", "", (code or "")).upper()


def contains_personal_data(text: str) -> bool:
    return bool(PERSONAL.search(text or ""))


# --- who may act --------------------------------------------------------------------------------

def _own_unit(user):
    person = getattr(user, "person", None) if hasattr(user, "person") else None
    return person.unit if person is not None else None


def _office_own(user, unit) -> bool:
    """A 督查室 person whose jurisdiction covers `unit` (or whose own unit it is)."""
    if unit is None or not has_role(user, Role.SUPERVISOR):
        return False
    own = _own_unit(user)
    if own is not None and own.pk == unit.pk:
        return True
    return any(unit.path.startswith(j.path) for j in scope_for(user).jurisdictions)


def office_check(user, unit) -> tuple:
    """(may, principal) for the supervision office's steps on `unit`'s work."""
    return deputy_check(user, lambda u: _office_own(u, unit))


def is_office(user, unit) -> bool:
    return office_check(user, unit)[0]


def _unit_own(user, unit) -> bool:
    own = _own_unit(user)
    return (unit is not None and own is not None and own.path.startswith(unit.path)
            and has_role(user, Role.LIAISON, Role.UNIT_HEAD))


def unit_check(user, unit) -> tuple:
    """(may, principal) for a unit's own steps: its liaison or head (or of an
    office within it), or their B role while they are away."""
    return deputy_check(user, lambda u: _unit_own(u, unit))


def is_unit_actor(user, unit) -> bool:
    return unit_check(user, unit)[0]


def _require(check, message):
    ok, principal = check
    if not ok:
        raise PermissionDenied(message)
    return principal


def intake_office():
    """The supervision office that receives the public's complaints: the
    unit of the 督查室 whose jurisdiction is a top unit (the county)."""
    for ra in (RoleAssignment.objects.filter(role=Role.SUPERVISOR, user__is_active=True, user__person__isnull=False)
               .select_related("scope", "user__person__unit").order_by("id")):
        juris = ra.scope or ra.user.person.unit
        if juris is not None and juris.parent_id is None:
            return ra.user.person.unit
    ra = (RoleAssignment.objects.filter(role=Role.SUPERVISOR, user__person__isnull=False)
          .select_related("user__person__unit").order_by("id").first())
    if ra is None:
        raise ValidationError("尚未设置督查室，暂不能受理投诉")
    return ra.user.person.unit


def office_staff(unit):
    return list(User.objects.filter(is_active=True, person__unit=unit, role_assignments__role=Role.SUPERVISOR)
                .distinct().order_by("id"))


def unit_people(unit):
    """The liaisons and heads of `unit`: whom a dispatch is addressed to."""
    return list(User.objects.filter(is_active=True, person__unit=unit,
                                    role_assignments__role__in=[Role.LIAISON, Role.UNIT_HEAD])
                .distinct().order_by("id"))


def _tell(users, subject, body, *, key, link, at, by=None, unit=None, level="green"):
    for u in users:
        notify.notify_user(u, subject, body, key=key, link=link, at=at, sender=by, unit=unit, level=level)


# --- intake -------------------------------------------------------------------------------------

TICKET_FIELDS = ["number", "channel", "kind", "hotline_number", "title", "subject_unit_id", "place", "is_enterprise",
                 "received_at", "office_id", "state", "outcome", "handling_unit_id", "matter_id", "problem_id",
                 "closed_at", "repeat_of_id", "repeat_count", "returns"]
CONTACT_FIELDS = ("name", "phone", "id_number", "email", "address", "company", "wants_reply")


def _snapshot(t: Ticket) -> dict:
    """The ticket for the journal: never the contact data, only whether
    there is any."""
    data = chain.snapshot(t, TICKET_FIELDS)
    data["contact_recorded"] = ComplainantContact.objects.filter(ticket=t).exists()
    return data


def clean_ticket(data: dict, *, public=False) -> dict:
    """Check a ticket's fields; ValidationError naming each bad field."""
    errors = {}

    def fail(field, message):
        errors.setdefault(field, []).append(message)

    out = {}
    for f, limit in (("title", 200), ("content", 5000), ("place", 200), ("name", 60), ("phone", 30),
                     ("id_number", 18), ("email", 120), ("address", 200), ("company", 120), ("hotline_number", 40)):
        value = str(data.get(f) or "").strip()
        if len(value) > limit:
            fail(f, f"不能超过{limit}个字")
        out[f] = value
    out["id_number"] = out["id_number"].upper()
    if out["id_number"] and not ID_NUMBER.match(out["id_number"]):
        fail("id_number", "身份证号应为18位（最后一位可以是X）")
    if not out["title"]:
        fail("title", "请填写标题（一句话说明反映什么）")
    if len(out["content"]) < 10:
        fail("content", "请把情况写清楚（至少10个字）：什么时间、什么地方、什么事")
    kind = data.get("kind") or TicketKind.COMPLAINT
    if kind not in TicketKind.values:
        fail("kind", "请选择类别：" + "、".join(TicketKind.labels))
    out["kind"] = kind
    if out["phone"] and not PHONE.match(out["phone"]):
        fail("phone", "联系电话格式不对")
    if out["email"] and not EMAIL.match(out["email"]):
        fail("email", "电子邮箱格式不对")
    out["wants_reply"] = bool(data.get("wants_reply", True))
    if public and out["wants_reply"] and not (out["phone"] or out["email"]):
        fail("phone", "需要答复时请留下联系电话或电子邮箱（只有督查室和承办单位能看到）")
    out["is_enterprise"] = bool(data.get("is_enterprise"))
    if out["is_enterprise"] and not out["company"] and public:
        fail("company", "企业反映问题请填写企业名称")
    unit = data.get("subject_unit")
    if unit not in (None, ""):
        if not isinstance(unit, Unit):
            unit = Unit.objects.filter(pk=int(unit) if str(unit).isdigit() else None, is_active=True).first()
            if unit is None:
                fail("subject_unit", "所选单位不存在")
    out["subject_unit"] = unit or None
    if errors:
        raise ValidationError(errors)
    return out


def _create_ticket(clean, *, channel, at, received_at=None, by=None, hotline_number=None, ip="") -> Ticket:
    received_at = received_at or at
    year = timezone.localtime(at).year
    office = intake_office()
    code = new_code()
    while Ticket.objects.filter(tracking_code=code).exists():
        code = new_code()
    t = Ticket(
        number=f"诉〔{year}〕{serials.take('ticket', year)}号", tracking_code=code, channel=channel,
        kind=clean["kind"], hotline_number=hotline_number or None, title=clean["title"], content=clean["content"],
        subject_unit=clean["subject_unit"], place=clean["place"], is_enterprise=clean["is_enterprise"],
        received_at=received_at, office=office, created_by=by, created_at=at,
        normalized=duplicates.normalized(clean["title"], clean["content"]),
    )
    t.save()
    ComplainantContact.objects.create(ticket=t, **{f: clean[f] for f in CONTACT_FIELDS})
    earlier = duplicates.find_repeat(t, Ticket.objects.all())
    duplicates.index(t)
    if earlier is not None:
        t.possible_repeat_of = earlier
        t.save(update_fields=["possible_repeat_of"])
    chain.record("portal.ticket.receive", t, after={**_snapshot(t), "possible_repeat_of": t.possible_repeat_of_id},
                 actor=by, ip=ip or None, occurred_at=received_at)
    _tell(office_staff(office), f"【投诉受理】{t.number} {t.title}",
          f"{t.get_channel_display()}收到{t.get_kind_display()}：{t.title}。请及时分拣。"
          + (f"\n疑似与{earlier.number}重复。" if earlier else ""),
          key=f"portal:{t.pk}:received", link=t.get_absolute_url(), at=at, unit=office)
    return t


def submit_public(data: dict, *, at=None, ip="") -> Ticket:
    """A member of the public files a complaint or clue on the public page,
    without an account. Returns the ticket (its tracking code is shown once)."""
    at = _now(at)
    clean = clean_ticket(data, public=True)
    with transaction.atomic():
        return _create_ticket(clean, channel=IntakeChannel.WEB, at=at, ip=ip or "0.0.0.0")


def record_ticket(by, *, channel, received_at=None, at=None, **data) -> Ticket:
    """The office records a complaint received by phone or letter."""
    at = _now(at)
    if channel not in (IntakeChannel.PHONE, IntakeChannel.MAILBOX, IntakeChannel.WEB):
        raise _err("channel", "请选择来源：投诉电话或投诉信箱")
    _require(office_check(by, intake_office()), "只有督查室可以登记投诉")
    clean = clean_ticket(data)
    with transaction.atomic():
        return _create_ticket(clean, channel=channel, at=at, received_at=received_at, by=by)


# --- 12345 import -------------------------------------------------------------------------------

HOTLINE_ALIASES = {
    "工单编号": "hotline_number", "工单号": "hotline_number", "12345工单编号": "hotline_number", "编号": "hotline_number",
    "受理时间": "received_at", "来电时间": "received_at", "登记时间": "received_at",
    "诉求标题": "title", "标题": "title", "事项标题": "title", "工单标题": "title",
    "诉求内容": "content", "内容": "content", "来电内容": "content", "问题描述": "content",
    "诉求人": "name", "来电人": "name", "姓名": "name", "联系人": "name",
    "联系电话": "phone", "电话": "phone", "来电号码": "phone",
    "身份证号": "id_number", "身份证号码": "id_number", "证件号码": "id_number",
    "诉求地址": "place", "地址": "place", "事发地点": "place", "地点": "place",
    "诉求类型": "kind", "类型": "kind", "工单类型": "kind",
    "企业诉求": "is_enterprise", "是否企业诉求": "is_enterprise", "企业名称": "company",
    "反映单位": "subject_unit", "涉及单位": "subject_unit", "建议承办单位": "subject_unit",
}
KIND_WORDS = {"投诉": TicketKind.COMPLAINT, "举报": TicketKind.CLUE, "线索": TicketKind.CLUE,
              "求助": TicketKind.REQUEST, "咨询": TicketKind.REQUEST, "建议": TicketKind.REQUEST,
              "诉求": TicketKind.REQUEST, "意见": TicketKind.REQUEST}


class ImportResult:
    def __init__(self):
        self.created, self.skipped = [], []

    def summary(self) -> str:
        text = f"导入12345工单 {len(self.created)} 件"
        if self.skipped:
            text += f"，已导入过的 {len(self.skipped)} 件未重复导入（{'、'.join(self.skipped[:5])}）"
        return text


def _moment(value):
    from duban.core.xlsx_import import cell_text, halfwidth, parse_date

    if value in (None, ""):
        return None
    if isinstance(value, dt.datetime):
        return value if timezone.is_aware(value) else timezone.make_aware(value)
    text = halfwidth(cell_text(value)).replace("/", "-").replace("年", "-").replace("月", "-").replace("日", " ")
    text = re.sub(r"\s+", " ", text).strip()
    for fmt in ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M"):
        try:
            return timezone.make_aware(dt.datetime.strptime(text, fmt))
        except ValueError:
            continue
    d = parse_date(value)
    return timezone.make_aware(dt.datetime.combine(d, dt.time(9, 0))) if d else None


def _hotline_row(row: dict, at) -> dict:
    from duban.core.xlsx_import import cell_text, halfwidth, name_key

    errors = []
    number = halfwidth(cell_text(row.get("hotline_number")))
    if not number:
        errors.append("缺少工单编号")
    try:
        received_at = _moment(row.get("received_at"))
    except ValueError as e:
        errors.append(f"受理时间：{e}")
        received_at = None
    if received_at is None and not errors:
        errors.append("缺少受理时间")
    elif received_at is not None and received_at > at:
        errors.append(f"受理时间{fmt_moment(received_at)}晚于现在")
    kind_text = halfwidth(cell_text(row.get("kind")))
    kind = KIND_WORDS.get(kind_text, TicketKind.REQUEST) if kind_text else TicketKind.REQUEST
    unit_name = name_key(row.get("subject_unit"))
    unit = None
    if unit_name:
        unit = Unit.objects.filter(name=unit_name, is_active=True).first() or \
            Unit.objects.filter(short_name=unit_name, is_active=True).first()
        if unit is None:
            errors.append(f"单位“{unit_name}”不存在")
    enterprise = halfwidth(cell_text(row.get("is_enterprise"))) in ("是", "企业", "Y", "y", "yes", "1", "True", "true")
    data = {"title": cell_text(row.get("title")) or cell_text(row.get("content"))[:40],
            "content": cell_text(row.get("content")), "name": cell_text(row.get("name")),
            "phone": halfwidth(cell_text(row.get("phone"))), "id_number": halfwidth(cell_text(row.get("id_number"))),
            "place": cell_text(row.get("place")),
            "company": cell_text(row.get("company")), "kind": kind, "subject_unit": unit,
            "is_enterprise": enterprise, "wants_reply": True}
    try:
        clean = clean_ticket(data)
    except ValidationError as e:
        labels = {"title": "标题", "content": "诉求内容", "phone": "联系电话", "id_number": "身份证号",
                  "email": "电子邮箱", "kind": "类型",
                  "subject_unit": "单位", "place": "地址", "name": "诉求人", "company": "企业名称"}
        for f, msgs in e.message_dict.items():
            errors += [f"{labels.get(f, f)}：{m}" for m in msgs]
        clean = None
    if errors:
        raise ValidationError(errors)
    return {"clean": clean, "number": number, "received_at": received_at}


def import_hotline(by, rows, *, at=None) -> ImportResult:
    """12345 work orders (rows of {field: value}, see HOTLINE_ALIASES): every
    row is checked first, errors name the row (“第3行：…”), and nothing is
    written unless all are good. A ticket number imported before is left
    as it is (reported, not an error)."""
    at = _now(at)
    _require(office_check(by, intake_office()), "只有督查室可以导入12345工单")
    errors, checked, seen = [], [], set()
    for where, row in rows:
        try:
            item = _hotline_row(row, at)
        except ValidationError as e:
            errors += [f"{where}：{m}" for m in e.messages]
            continue
        if item["number"] in seen:
            errors.append(f"{where}：工单编号{item['number']}在本次导入中重复")
            continue
        seen.add(item["number"])
        checked.append(item)
    if errors:
        raise ValidationError(errors)
    if not checked:
        raise ValidationError("没有可导入的工单")
    result = ImportResult()
    existing = set(Ticket.objects.filter(hotline_number__in=[i["number"] for i in checked])
                   .values_list("hotline_number", flat=True))
    with transaction.atomic():
        for item in checked:
            if item["number"] in existing:
                result.skipped.append(item["number"])
                continue
            result.created.append(_create_ticket(item["clean"], channel=IntakeChannel.HOTLINE, at=at, by=by,
                                                 received_at=item["received_at"], hotline_number=item["number"]))
        chain.record("portal.hotline.import", object_type="portal.import", object_id=timezone.localtime(at)
                     .strftime("%Y%m%d%H%M%S"), after={"created": [t.pk for t in result.created],
                                                       "skipped": result.skipped}, actor=by, occurred_at=at)
    return result


def import_hotline_xlsx(by, fileobj, *, at=None) -> ImportResult:
    from duban.core.xlsx_import import SheetError, read_sheet

    try:
        sheet = read_sheet(fileobj, HOTLINE_ALIASES, required=("hotline_number", "received_at", "content"))
    except SheetError as e:
        raise ValidationError(str(e)) from None
    return import_hotline(by, [(f"第{n}行", row) for n, row in sheet.rows], at=at)


# --- triage (the supervision office) ----------------------------------------------------------------

TRIAGE_STATES = (TicketState.RECEIVED, TicketState.RETURNED)


def _locked(ticket) -> Ticket:
    return Ticket.objects.select_for_update().get(pk=ticket.pk)


def _require_triage(t, by):
    deputy = _require(office_check(by, t.office), "只有督查室可以分拣投诉和工单")
    if t.state not in TRIAGE_STATES:
        raise ValidationError(f"{t.number}当前为“{t.get_state_display()}”，不能再分拣")
    return deputy


def triage_matter(ticket, by, *, lead_unit, lead_person, due_at=None, urgency="normal", standard="", note="",
                  at=None) -> Ticket:
    """The office turns the ticket into a supervised matter (the hand-over
    duban.supervision.services.matter_from_complaint), assigned at once."""
    at = _now(at)
    with transaction.atomic():
        t = _locked(ticket)
        deputy = _require_triage(t, by)
        before = _snapshot(t)
        matter = supervision.matter_from_complaint(
            by, ticket_number=t.hotline_number or t.number, hotline=t.channel == IntakeChannel.HOTLINE,
            title=t.title, content=t.content, lead_unit=lead_unit, lead_person=lead_person, standard=standard,
            urgency=urgency, due_at=due_at, source_ref=t.number, at=at)
        t.state, t.outcome, t.outcome_reason = TicketState.IN_MATTER, Outcome.MATTER, (note or "").strip()
        t.matter, t.handling_unit = matter, matter.lead_unit
        t.save()
        chain.record("portal.ticket.triage", t, before=before, after={**_snapshot(t), "matter": matter.number},
                     actor=by, on_behalf_of=deputy, occurred_at=at)
    return sync_fields(ticket, t)


def triage_problem(ticket, by, *, campaign, unit, category, measures, deadline, note="", at=None) -> Ticket:
    """The office turns a complaint about work style into a problem of a
    campaign's ledger (duban.rectification.services.problem_from_complaint)."""
    at = _now(at)
    with transaction.atomic():
        t = _locked(ticket)
        deputy = _require_triage(t, by)
        before = _snapshot(t)
        problem = rectification.problem_from_complaint(
            by, campaign=campaign, unit=unit, category=category, description=f"{t.title}：{t.content}"[:2000],
            measures=measures, deadline=deadline, at=at)
        t.state, t.outcome, t.outcome_reason = TicketState.IN_PROBLEM, Outcome.PROBLEM, (note or "").strip()
        t.problem, t.handling_unit = problem, unit
        t.save()
        chain.record("portal.ticket.triage", t, before=before, after={**_snapshot(t), "problem": problem.number},
                     actor=by, on_behalf_of=deputy, occurred_at=at)
    return sync_fields(ticket, t)


def _dispatch(t, by, unit, reason, at) -> Dispatch:
    handle = get_rule(HANDLE_RULE, active_only=True)
    window = get_rule(RETURN_RULE, active_only=True)
    d = Dispatch.objects.create(ticket=t, unit=unit, reason=reason, dispatched_at=at, dispatched_by=by,
                                return_by=window.compute_due_at(at))
    d.clock = clocks.start_clock(d, "handle", rule=handle, started_at=at, owner_unit=unit,
                                 label=f"{t.number}“{t.title}”办理"[:200], link=t.get_absolute_url())
    d.save(update_fields=["clock"])
    body = (f"{t.number}“{t.title}”已转{unit.name}办理，请于{fmt_moment(d.clock.due_at)}前办结答复。"
            f"如非本单位职责，请于{fmt_moment(d.return_by)}前说明理由退回。")
    if reason:
        body += f"\n转办说明：{reason}"
    subject = f"【转办】{t.number} {t.title}"
    _tell(unit_people(unit), subject, body, key=f"portal:dispatch:{d.pk}", link=t.get_absolute_url(), at=at, by=by,
          unit=unit)
    notify.notify_unit(unit, subject, body, key=f"portal:dispatch:{d.pk}", link=t.get_absolute_url(), at=at,
                       people=unit_people(unit)[:2], sender=by)
    return d


def refer(ticket, by, *, unit, reason, at=None) -> Ticket:
    """The office refers the ticket to the unit responsible (转办), with the
    reason; the unit's clock starts (rule ticket_handle_5wd)."""
    at = _now(at)
    reason = (reason or "").strip()
    if unit is None:
        raise _err("unit", "请选择承办单位")
    if not reason:
        raise _err("reason", "请填写转办理由")
    with transaction.atomic():
        t = _locked(ticket)
        deputy = _require_triage(t, by)
        before = _snapshot(t)
        d = _dispatch(t, by, unit, reason, at)
        t.state, t.outcome, t.outcome_reason, t.handling_unit = TicketState.DISPATCHED, Outcome.REFERRAL, reason, unit
        t.save()
        chain.record("portal.ticket.refer", t, before=before, after={
            **_snapshot(t), "dispatch": d.pk, "due_at": d.clock.due_at, "return_by": d.return_by,
        }, actor=by, on_behalf_of=deputy, occurred_at=at)
    return sync_fields(ticket, t)


def _invite(t, unit, service, at, by=None) -> RatingInvitation:
    code = new_code()
    while RatingInvitation.objects.filter(code=code).exists():
        code = new_code()
    return RatingInvitation.objects.create(
        code=code, unit=unit, service=service, ticket=t, created_at=at, created_by=by,
        rater_kind=RaterKind.ENTERPRISE if t.is_enterprise else RaterKind.PUBLIC)


def _close(t, by, answer, at, unit, state=TicketState.CLOSED):
    t.state, t.public_answer, t.closed_at = state, answer, at
    t.save()
    _invite(t, unit, "投诉处理" if t.channel != IntakeChannel.HOTLINE else "12345工单办理", at, by)


def dismiss(ticket, by, *, reason, public_answer, at=None) -> Ticket:
    """Not taken up (不予受理), with the internal reason and the answer the
    complainant reads."""
    at = _now(at)
    reason, public_answer = (reason or "").strip(), (public_answer or "").strip()
    if not reason:
        raise _err("reason", "请填写不予受理的理由")
    if not public_answer:
        raise _err("public_answer", "请填写给投诉人的答复")
    if contains_personal_data(public_answer):
        raise _err("public_answer", "答复将在查询页显示，不能包含电话、身份证号等个人信息")
    with transaction.atomic():
        t = _locked(ticket)
        deputy = _require_triage(t, by)
        before = _snapshot(t)
        t.outcome, t.outcome_reason = Outcome.DISMISSAL, reason
        _close(t, by, public_answer, at, t.office, state=TicketState.DISMISSED)
        chain.record("portal.ticket.dismiss", t, before=before, after={**_snapshot(t), "reason": reason},
                     actor=by, on_behalf_of=deputy, occurred_at=at)
    return sync_fields(ticket, t)


def merge_repeat(ticket, by, *, into, at=None) -> Ticket:
    """A repeat of an earlier ticket is merged into it and counted there
    (RECT-6); its complainant follows the first ticket's progress."""
    at = _now(at)
    if into is None:
        raise _err("into", "请选择合并到的投诉或工单")
    with transaction.atomic():
        t = _locked(ticket)
        deputy = _require_triage(t, by)
        root = Ticket.objects.select_for_update().get(pk=into.pk)
        while root.repeat_of_id:
            root = Ticket.objects.select_for_update().get(pk=root.repeat_of_id)
        if root.pk == t.pk:
            raise _err("into", "不能合并到自身")
        before = _snapshot(t)
        t.state, t.repeat_of = TicketState.MERGED, root
        t.save(update_fields=["state", "repeat_of"])
        Ticket.objects.filter(pk=root.pk).update(repeat_count=F("repeat_count") + t.repeat_count)
        root.refresh_from_db(fields=["repeat_count"])
        chain.record("portal.ticket.merge", t, before=before, after={**_snapshot(t), "into": root.number,
                                                                     "repeat_count": root.repeat_count},
                     actor=by, on_behalf_of=deputy, occurred_at=at)
    return sync_fields(ticket, t)


def outcome_progress(t: Ticket) -> dict | None:
    """The state of the matter or problem a ticket became, read through the
    owning app's hand-over function."""
    if t.matter_id:
        return supervision.complaint_matter_progress(t.matter_id)
    if t.problem_id:
        return rectification.complaint_problem_progress(t.problem_id)
    return None


def close_ticket(ticket, by, *, public_answer, at=None) -> Ticket:
    """The office closes a ticket that became a matter or a problem once
    that is done (the matter completed, the problem closed), with the
    answer the complainant reads."""
    at = _now(at)
    public_answer = (public_answer or "").strip()
    if not public_answer:
        raise _err("public_answer", "请填写给投诉人的答复")
    if contains_personal_data(public_answer):
        raise _err("public_answer", "答复将在查询页显示，不能包含电话、身份证号等个人信息")
    with transaction.atomic():
        t = _locked(ticket)
        deputy = _require(office_check(by, t.office), "只有督查室可以办结投诉和工单")
        if t.state not in (TicketState.IN_MATTER, TicketState.IN_PROBLEM):
            raise ValidationError(f"{t.number}当前为“{t.get_state_display()}”，不能在此办结")
        progress = outcome_progress(t) or {}
        done = progress.get("completed") if t.matter_id else progress.get("closed")
        if not done:
            raise ValidationError(f"{progress.get('number', '')}尚未{'办结' if t.matter_id else '销号'}"
                                  f"（{progress.get('state', '')}），不能办结投诉")
        before = _snapshot(t)
        _close(t, by, public_answer, at, t.handling_unit or t.office)
        chain.record("portal.ticket.close", t, before=before, after=_snapshot(t), actor=by, on_behalf_of=deputy,
                     occurred_at=at)
    return sync_fields(ticket, t)


# --- the unit -----------------------------------------------------------------------------------------

def _locked_dispatch(dispatch) -> Dispatch:
    return Dispatch.objects.select_for_update(of=("self",)).select_related("ticket", "unit", "clock").get(pk=dispatch.pk)


def _current(d: Dispatch, what):
    if d.state != DispatchState.HANDLING:
        raise ValidationError(f"该转办当前为“{d.get_state_display()}”，不能{what}")


def return_dispatch(dispatch, by, *, reason, at=None) -> Dispatch:
    """The unit returns a misrouted ticket with its reason, within rule
    ticket_return_2wd of the dispatch; a ticket returned Limit
    ticket_max_returns times cannot be returned again."""
    at = _now(at)
    reason = (reason or "").strip()
    with transaction.atomic():
        d = _locked_dispatch(dispatch)
        deputy = _require(unit_check(by, d.unit), f"只有{d.unit.name}的联络员或负责人可以退回")
        _current(d, "退回")
        if not reason:
            raise _err("reason", "请说明退回理由（为何不属于本单位职责、应由哪个单位办理）")
        if at > d.return_by:
            raise ValidationError(f"错转工单须在转办后{_rule_text(RETURN_RULE)}内退回（截至{fmt_moment(d.return_by)}），"
                                  "现已超过，请先办理，或与督查室协调")
        t = Ticket.objects.select_for_update().get(pk=d.ticket_id)
        cap = limit_value(MAX_RETURNS, 2)
        if t.returns >= cap:
            raise ValidationError(f"{t.number}已被退回{t.returns}次，达到上限（{cap}次），不能再退回；"
                                  "请先办理，由督查室协调")
        before = _snapshot(t)
        d.state, d.returned_at, d.returned_by, d.return_reason = DispatchState.RETURNED, at, by, reason
        d.save()
        if d.clock and d.clock.state in CLOCK_OPEN_STATES:
            clocks.stop(d.clock, "错转退回", at=at)
        t.state, t.handling_unit, t.returns = TicketState.RETURNED, None, t.returns + 1
        t.save()
        chain.record("portal.dispatch.return", d, before=before, after={
            "ticket": t.pk, "reason": reason, "returns": t.returns}, actor=by, on_behalf_of=deputy, occurred_at=at)
        _tell(office_staff(t.office), f"【工单退回】{t.number} {t.title}",
              f"{d.unit.name}退回：{reason}\n请重新分派（已退回{t.returns}次，上限{cap}次）。",
              key=f"portal:return:{d.pk}", link=t.get_absolute_url(), at=at, by=by, unit=t.office, level="yellow")
    return d


def _rule_text(code) -> str:
    return parse_limit(get_rule(code).limit).label


def max_extension_days() -> int:
    lim = parse_limit(get_rule(EXTENSION_RULE).limit)
    return int(lim.amount)


def request_dispatch_extension(dispatch, by, *, days, reason, at=None) -> DispatchExtension:
    """The unit asks for more working days, with a reason: all approved and
    pending extensions together at most rule ticket_extension_max_10wd."""
    at = _now(at)
    reason = (reason or "").strip()
    with transaction.atomic():
        d = _locked_dispatch(dispatch)
        deputy = _require(unit_check(by, d.unit), f"只有{d.unit.name}的联络员或负责人可以申请延期")
        _current(d, "申请延期")
        try:
            days = int(days)
        except (TypeError, ValueError):
            raise _err("days", "请填写延长的工作日数") from None
        if days < 1:
            raise _err("days", "延长的工作日数至少为1")
        if not reason:
            raise _err("reason", "请填写延期理由")
        if d.extensions.filter(state=ExtensionState.PENDING).exists():
            raise ValidationError("已有延期申请待审批")
        used = sum(d.extensions.filter(state=ExtensionState.APPROVED).values_list("days", flat=True))
        cap = max_extension_days()
        if used + days > cap:
            raise _err("days", f"延期合计不能超过{cap}个工作日（已延期{used}个工作日）")
        ext = DispatchExtension.objects.create(dispatch=d, days=days, reason=reason, requested_at=at,
                                               requested_by=by)
        chain.record("portal.dispatch.extension.request", ext, after={"dispatch": d.pk, "days": days,
                                                                      "reason": reason},
                     actor=by, on_behalf_of=deputy, occurred_at=at)
        t = d.ticket
        _tell(office_staff(t.office), f"【延期申请】{t.number} {t.title}",
              f"{d.unit.name}申请延期{days}个工作日：{reason}", key=f"portal:ext:{ext.pk}",
              link=t.get_absolute_url(), at=at, by=by, unit=t.office)
    return ext


def decide_dispatch_extension(extension, by, *, approve, note="", at=None) -> DispatchExtension:
    at = _now(at)
    note = (note or "").strip()
    with transaction.atomic():
        ext = DispatchExtension.objects.select_for_update().get(pk=extension.pk)
        d = _locked_dispatch(ext.dispatch)
        deputy = _require(office_check(by, d.ticket.office), "只有督查室可以审批延期")
        if ext.state != ExtensionState.PENDING:
            raise ValidationError(f"该延期申请{ext.get_state_display()}")
        if not approve and not note:
            raise _err("note", "不予延期须填写理由")
        ext.state = ExtensionState.APPROVED if approve else ExtensionState.REJECTED
        ext.decided_at, ext.decided_by, ext.decision_note = at, by, note or "同意延期"
        ext.save()
        after = {"dispatch": d.pk, "state": ext.state}
        if approve and d.clock is not None:
            old = d.clock.due_at
            new_due = compute_due_at(old, f"{ext.days}wd")
            clocks.change_deadline(d.clock, new_due, f"延期{ext.days}个工作日：{ext.reason}"[:200], by=by, at=at)
            after.update(old_due=old, new_due=new_due)
        chain.record("portal.dispatch.extension.decide", ext, after=after, actor=by, on_behalf_of=deputy,
                     occurred_at=at)
    return ext


def answer_dispatch(dispatch, by, *, result, public_answer, at=None) -> Dispatch:
    """The unit reports what it found and did, and the answer for the
    complainant; the office reviews it."""
    at = _now(at)
    result, public_answer = (result or "").strip(), (public_answer or "").strip()
    with transaction.atomic():
        d = _locked_dispatch(dispatch)
        deputy = _require(unit_check(by, d.unit), f"只有{d.unit.name}的联络员或负责人可以答复")
        _current(d, "答复")
        errors = {}
        if not result:
            errors["result"] = ["请填写办理情况"]
        if not public_answer:
            errors["public_answer"] = ["请填写给投诉人的答复"]
        elif contains_personal_data(public_answer):
            errors["public_answer"] = ["答复将在查询页显示，不能包含电话、身份证号等个人信息"]
        if errors:
            raise ValidationError(errors)
        d.state, d.answered_at, d.answered_by = DispatchState.ANSWERED, at, by
        d.result, d.public_answer = result, public_answer
        d.save()
        if d.clock and d.clock.state in CLOCK_OPEN_STATES:
            clocks.meet(d.clock, at=at)
        t = Ticket.objects.select_for_update().get(pk=d.ticket_id)
        t.state = TicketState.ANSWERED
        t.save(update_fields=["state"])
        chain.record("portal.dispatch.answer", d, after={"ticket": t.pk, "state": d.state}, actor=by,
                     on_behalf_of=deputy, occurred_at=at)
        _tell(office_staff(t.office), f"【办理答复】{t.number} {t.title}", f"{d.unit.name}已答复，请审核。",
              key=f"portal:answer:{d.pk}", link=t.get_absolute_url(), at=at, by=by, unit=t.office)
    return d


def review_answer(dispatch, by, *, accept, note="", public_answer=None, at=None) -> Dispatch:
    """The office accepts the unit's answer (the ticket closes, the
    complainant may rate it) or sends it back: the unit handles it again on
    a new clock."""
    at = _now(at)
    note = (note or "").strip()
    with transaction.atomic():
        d = _locked_dispatch(dispatch)
        t = Ticket.objects.select_for_update().get(pk=d.ticket_id)
        deputy = _require(office_check(by, t.office), "只有督查室可以审核答复")
        if d.state != DispatchState.ANSWERED:
            raise ValidationError(f"该转办当前为“{d.get_state_display()}”，没有待审核的答复")
        before = _snapshot(t)
        if accept:
            answer = (public_answer if public_answer is not None else d.public_answer).strip()
            if not answer:
                raise _err("public_answer", "请填写给投诉人的答复")
            if contains_personal_data(answer):
                raise _err("public_answer", "答复将在查询页显示，不能包含电话、身份证号等个人信息")
            d.state, d.review_note = DispatchState.ACCEPTED, note
            d.save()
            _close(t, by, answer, at, d.unit)
        else:
            if not note:
                raise _err("note", "退回重办须填写意见")
            d.state, d.review_note = DispatchState.REJECTED, note
            d.save()
            _dispatch(t, by, d.unit, f"答复未通过审核，重新办理：{note}", at)
            t.state = TicketState.DISPATCHED
            t.save(update_fields=["state"])
        chain.record("portal.dispatch.review", d, before=before, after={**_snapshot(t), "accept": bool(accept),
                                                                        "note": note},
                     actor=by, on_behalf_of=deputy, occurred_at=at)
    return d


def record_follow_up(ticket, by, *, contacted_at=None, method="phone", reached=True, solved=Solved.UNKNOWN,
                     note="", at=None) -> FollowUp:
    """A contact with the complainant (by phone, …): when, by whom, whether
    they were reached and whether the problem was solved."""
    at = _now(at)
    contacted_at = contacted_at or at
    if solved not in Solved.values:
        raise _err("solved", "请选择问题是否解决")
    if contacted_at > at + dt.timedelta(minutes=5):
        raise _err("contacted_at", "联系时间不能晚于现在")
    with transaction.atomic():
        t = Ticket.objects.select_for_update().get(pk=ticket.pk)
        ok, deputy = office_check(by, t.office)
        if not ok:
            ok, deputy = unit_check(by, t.handling_unit)
        if not ok:
            raise PermissionDenied("只有督查室或承办单位可以记录回访")
        f = FollowUp.objects.create(ticket=t, contacted_at=contacted_at, by=by, method=method, reached=bool(reached),
                                    solved=solved if reached else Solved.UNKNOWN, note=(note or "").strip(),
                                    recorded_at=at)
        chain.record("portal.ticket.follow_up", f, after={"ticket": t.pk, "reached": f.reached, "solved": f.solved,
                                                          "method": method},
                     actor=by, on_behalf_of=deputy, occurred_at=contacted_at)
    return f


# --- ratings (EVAL-5) --------------------------------------------------------------------------------

def issue_codes(by, *, unit, service, count=1, rater_kind=RaterKind.PUBLIC, at=None) -> list:
    """Rating codes for a service of a unit (printed on receipts, handed out
    at the window): each rates once."""
    at = _now(at)
    service = (service or "").strip()
    if unit is None:
        raise _err("unit", "请选择单位")
    _require(office_check(by, unit), "只有督查室可以生成评价码")
    if not service:
        raise _err("service", "请填写服务事项")
    if not 1 <= int(count) <= 500:
        raise _err("count", "一次生成1至500个评价码")
    if rater_kind not in RaterKind.values:
        raise _err("rater_kind", "请选择评价人类型")
    out = []
    with transaction.atomic():
        for _ in range(int(count)):
            code = new_code(10)
            while RatingInvitation.objects.filter(code=code).exists():
                code = new_code(10)
            out.append(RatingInvitation.objects.create(code=code, unit=unit, service=service, rater_kind=rater_kind,
                                                       created_at=at, created_by=by))
        chain.record("portal.rating.codes", object_type="org.unit", object_id=unit.pk, object_repr=unit.name,
                     after={"service": service, "count": len(out), "rater_kind": rater_kind}, actor=by,
                     occurred_at=at)
    return out


def invitation_for(code: str):
    return RatingInvitation.objects.select_related("unit", "ticket").filter(code=clean_code(code)).first()


def rate(invitation, *, level, comment="", at=None, ip="") -> Rating:
    """A rating from a link or a code, without an account: once per
    invitation. A 差评 waits for the office's verification."""
    at = _now(at)
    try:
        level = int(level)
    except (TypeError, ValueError):
        raise _err("level", "请选择评价") from None
    if level not in RatingLevel.values:
        raise _err("level", "请选择评价：" + "、".join(RatingLevel.labels))
    comment = (comment or "").strip()
    if len(comment) > 1000:
        raise _err("comment", "评价意见不能超过1000个字")
    if level in BAD_LEVELS and not comment:
        raise _err("comment", "选择“不满意”或“非常不满意”时，请写明原因，便于核实整改")
    with transaction.atomic():
        inv = RatingInvitation.objects.select_for_update().get(pk=invitation.pk)
        if Rating.objects.filter(invitation=inv).exists():
            raise ValidationError("已经评价过，每项服务只能评价一次")
        if inv.ticket_id and inv.ticket.state not in (TicketState.CLOSED, TicketState.DISMISSED):
            raise ValidationError("办结后才能评价")
        r = Rating.objects.create(invitation=inv, unit=inv.unit, service=inv.service, ticket=inv.ticket,
                                  rater_kind=inv.rater_kind, level=level, comment=comment, rated_at=at,
                                  step=BadRatingStep.VERIFY if level in BAD_LEVELS else "")
        chain.record("portal.rating.create", r, after={"unit": r.unit_id, "service": r.service, "level": level,
                                                       "ticket": r.ticket_id, "bad": r.is_bad},
                     ip=ip or "0.0.0.0", occurred_at=at)
        if r.is_bad:
            office = r.ticket.office if r.ticket_id else intake_office()
            subject = f"【差评】{r.unit.name} · {r.service}"
            body = f"收到“{r.get_level_display()}”评价：{comment[:200]}\n请核实，属实的限期整改，并回访评价人。"
            _tell(office_staff(office), subject, body, key=f"portal:bad:{r.pk}", link=r.get_absolute_url(), at=at,
                  unit=r.unit, level="yellow")
            _tell(unit_people(r.unit), subject, body, key=f"portal:bad:{r.pk}", link=r.get_absolute_url(), at=at,
                  unit=r.unit, level="yellow")
    return r


def _locked_rating(rating) -> Rating:
    return Rating.objects.select_for_update(of=("self",)).select_related("unit", "ticket").get(pk=rating.pk)


def _rating_office(r):
    return r.ticket.office if r.ticket_id else intake_office()


def _step(r, *steps):
    if r.excluded:
        raise ValidationError("该差评已经申诉复核剔除")
    if r.step not in steps:
        raise ValidationError(f"该评价当前{r.get_step_display() or '无需处理'}，不能进行此操作")


def verify_rating(rating, by, *, verdict, note, at=None) -> Rating:
    """The office verifies a 差评: true, and the unit rectifies; not true,
    and the unit explains. Either within rule rating_rectify_5wd."""
    at = _now(at)
    note = (note or "").strip()
    with transaction.atomic():
        r = _locked_rating(rating)
        deputy = _require(office_check(by, r.unit), "只有督查室可以核实差评")
        _step(r, BadRatingStep.VERIFY)
        if verdict not in Verdict.values:
            raise _err("verdict", "请选择核实结论：属实或不属实")
        if not note:
            raise _err("note", "请填写核实情况")
        r.verdict, r.verify_note, r.verified_at, r.verified_by = verdict, note, at, by
        r.step = BadRatingStep.RECTIFY if verdict == Verdict.TRUE else BadRatingStep.EXPLAIN
        what = "整改" if verdict == Verdict.TRUE else "说明"
        r.clock = clocks.start_clock(r, r.step, rule=get_rule(RATING_RULE, active_only=True), started_at=at,
                                     owner_unit=r.unit, label=f"差评{what}：{r.unit.name} · {r.service}"[:200],
                                     link=r.get_absolute_url())
        r.save()
        chain.record("portal.rating.verify", r, after={"verdict": verdict, "step": r.step, "due_at": r.clock.due_at},
                     actor=by, on_behalf_of=deputy, occurred_at=at)
        subject = f"【差评{what}】{r.unit.name} · {r.service}"
        body = f"差评经核实{r.get_verdict_display()}：{note}\n请于{fmt_moment(r.clock.due_at)}前{what}。"
        _tell(unit_people(r.unit), subject, body, key=f"portal:verify:{r.pk}", link=r.get_absolute_url(), at=at,
              by=by, unit=r.unit, level="yellow")
        notify.notify_unit(r.unit, subject, body, key=f"portal:verify:{r.pk}", link=r.get_absolute_url(), at=at,
                           people=unit_people(r.unit)[:2], level="yellow", sender=by)
    return r


def handle_rating(rating, by, *, text, at=None) -> Rating:
    """The unit rectifies (true 差评) or explains (not true), meeting the
    clock; the office then calls the rater back."""
    at = _now(at)
    text = (text or "").strip()
    with transaction.atomic():
        r = _locked_rating(rating)
        ok, deputy = unit_check(by, r.unit)
        if not ok:
            ok, deputy = office_check(by, r.unit)
        if not ok:
            raise PermissionDenied(f"只有{r.unit.name}的联络员、负责人或督查室可以报送整改情况")
        _step(r, BadRatingStep.RECTIFY, BadRatingStep.EXPLAIN)
        if not text:
            raise _err("text", "请填写整改情况" if r.step == BadRatingStep.RECTIFY else "请填写情况说明")
        r.handling_text, r.handled_at, r.handled_by, r.step = text, at, by, BadRatingStep.CALLBACK
        r.save()
        if r.clock_id:
            clock = clocks.clocks_for(r).filter(pk=r.clock_id, state__in=CLOCK_OPEN_STATES).first()
            if clock is not None:
                clocks.meet(clock, at=at)
        chain.record("portal.rating.handle", r, after={"step": r.step}, actor=by, on_behalf_of=deputy,
                     occurred_at=at)
    return r


def call_back(rating, by, *, note, satisfied, at=None) -> Rating:
    """The office calls the rater back: what they said, satisfied or not.
    The 差评's handling ends here."""
    at = _now(at)
    note = (note or "").strip()
    with transaction.atomic():
        r = _locked_rating(rating)
        deputy = _require(office_check(by, r.unit), "只有督查室可以回访")
        _step(r, BadRatingStep.CALLBACK)
        if not note:
            raise _err("callback_note", "请填写回访情况")
        r.callback_note, r.called_back_at, r.called_back_by = note, at, by
        r.callback_satisfied, r.step = bool(satisfied), BadRatingStep.DONE
        r.save()
        chain.record("portal.rating.callback", r, after={"satisfied": r.callback_satisfied}, actor=by,
                     on_behalf_of=deputy, occurred_at=at)
    return r


def appeal_rating(rating, by, *, reason, at=None) -> Appeal:
    """The rated unit appeals a mistaken or malicious 差评 (申诉复核)."""
    at = _now(at)
    reason = (reason or "").strip()
    with transaction.atomic():
        r = _locked_rating(rating)
        deputy = _require(unit_check(by, r.unit), f"只有{r.unit.name}的联络员或负责人可以申诉")
        if not r.is_bad:
            raise ValidationError("只有差评可以申诉")
        if r.excluded:
            raise ValidationError("该差评已剔除")
        if r.appeals.exists():
            raise ValidationError("该差评已申诉过，每条差评只能申诉一次")
        if not reason:
            raise _err("reason", "请写明申诉理由（误评或恶意差评的依据）")
        a = Appeal.objects.create(rating=r, reason=reason, appealed_at=at, appealed_by=by)
        chain.record("portal.rating.appeal", a, after={"rating": r.pk, "reason": reason}, actor=by,
                     on_behalf_of=deputy, occurred_at=at)
        _tell(office_staff(_rating_office(r)), f"【差评申诉】{r.unit.name} · {r.service}", f"申诉理由：{reason}",
              key=f"portal:appeal:{a.pk}", link=r.get_absolute_url(), at=at, by=by, unit=r.unit)
    return a


def decide_appeal(appeal, by, *, uphold, note, at=None) -> Appeal:
    """The office decides an appeal: upheld, the 差评 is excluded from the
    rates (its handling stops); rejected, it stays. Recorded either way."""
    at = _now(at)
    note = (note or "").strip()
    with transaction.atomic():
        a = Appeal.objects.select_for_update().get(pk=appeal.pk)
        r = _locked_rating(a.rating)
        deputy = _require(office_check(by, r.unit), "只有督查室可以复核申诉")
        if a.state != AppealState.PENDING:
            raise ValidationError(f"该申诉{a.get_state_display()}")
        if a.appealed_by_id == by.pk:
            raise PermissionDenied("申诉人不能复核自己的申诉")
        if not note:
            raise _err("decision_note", "请填写复核意见")
        a.state = AppealState.UPHELD if uphold else AppealState.REJECTED
        a.decided_at, a.decided_by, a.decision_note = at, by, note
        a.save()
        if uphold:
            r.excluded = True
            if r.clock_id:
                clock = clocks.clocks_for(r).filter(pk=r.clock_id, state__in=CLOCK_OPEN_STATES).first()
                if clock is not None:
                    clocks.stop(clock, "申诉成立，差评剔除", at=at)
            if r.step:
                r.step = BadRatingStep.DONE
            r.save()
        chain.record("portal.rating.appeal.decide", a, after={"rating": r.pk, "state": a.state, "note": note,
                                                              "excluded": r.excluded},
                     actor=by, on_behalf_of=deputy, occurred_at=at)
    return a


# --- typical cases (PUB-3) ------------------------------------------------------------------------------

CASE_FIELDS = ["kind", "title", "summary", "unit_id", "state"]


def _clean_case(kind, title, summary):
    errors = {}
    if kind not in CaseKind.values:
        errors["kind"] = ["请选择正面典型或反面案例"]
    if not (title or "").strip():
        errors["title"] = ["请填写标题"]
    if len((summary or "").strip()) < 20:
        errors["summary"] = ["请写明案例内容（至少20个字）"]
    elif contains_personal_data(summary) or contains_personal_data(title):
        errors["summary"] = ["案例将公开发布，不能包含电话、身份证号等个人信息"]
    if errors:
        raise ValidationError(errors)


def draft_case(by, *, kind, title, summary, unit=None, at=None) -> TypicalCase:
    at = _now(at)
    office = _own_unit(by)
    _require(office_check(by, office), "只有督查室可以编写典型案例")
    _clean_case(kind, title, summary)
    with transaction.atomic():
        c = TypicalCase.objects.create(kind=kind, title=title.strip(), summary=summary.strip(), unit=unit,
                                       office=office, drafted_by=by, drafted_at=at)
        chain.record("portal.case.draft", c, after=chain.snapshot(c, CASE_FIELDS), actor=by, occurred_at=at)
    return c


def update_case(case, by, *, kind, title, summary, unit=None, at=None) -> TypicalCase:
    at = _now(at)
    with transaction.atomic():
        c = TypicalCase.objects.select_for_update().get(pk=case.pk)
        _require(office_check(by, c.office), "只有督查室可以修改典型案例")
        if c.state not in (CaseState.DRAFT, CaseState.RETURNED):
            raise ValidationError(f"案例{c.get_state_display()}，不能修改")
        _clean_case(kind, title, summary)
        before = chain.snapshot(c, CASE_FIELDS)
        c.kind, c.title, c.summary, c.unit = kind, title.strip(), summary.strip(), unit
        c.save()
        chain.record("portal.case.update", c, before=before, after=chain.snapshot(c, CASE_FIELDS), actor=by,
                     occurred_at=at)
    return c


def submit_case(case, by, *, at=None) -> TypicalCase:
    at = _now(at)
    with transaction.atomic():
        c = TypicalCase.objects.select_for_update().get(pk=case.pk)
        _require(office_check(by, c.office), "只有督查室可以提交审核")
        if c.state not in (CaseState.DRAFT, CaseState.RETURNED):
            raise ValidationError(f"案例{c.get_state_display()}，不能提交审核")
        c.state, c.submitted_at = CaseState.SUBMITTED, at
        c.save()
        chain.record("portal.case.submit", c, after={"state": c.state}, actor=by, occurred_at=at)
    return c


def review_case(case, by, *, approve, note="", at=None) -> TypicalCase:
    """Another person of the office reviews: approved, the case is published
    (PUB-3); returned, it goes back to its author with the note."""
    at = _now(at)
    note = (note or "").strip()
    with transaction.atomic():
        c = TypicalCase.objects.select_for_update().get(pk=case.pk)
        deputy = _require(office_check(by, c.office), "只有督查室可以审核典型案例")
        if c.state != CaseState.SUBMITTED:
            raise ValidationError(f"案例{c.get_state_display()}，没有待审核的内容")
        if c.drafted_by_id == by.pk:
            raise PermissionDenied("编写人不能审核自己编写的案例")
        if not approve and not note:
            raise _err("note", "退回修改须填写审核意见")
        _clean_case(c.kind, c.title, c.summary)
        c.reviewed_by, c.reviewed_at, c.review_note = by, at, note
        c.state = CaseState.PUBLISHED if approve else CaseState.RETURNED
        c.published_at = at if approve else None
        c.save()
        chain.record("portal.case.review", c, after={"state": c.state, "note": note}, actor=by,
                     on_behalf_of=deputy, occurred_at=at)
    return c


def withdraw_case(case, by, *, note, at=None) -> TypicalCase:
    at = _now(at)
    note = (note or "").strip()
    with transaction.atomic():
        c = TypicalCase.objects.select_for_update().get(pk=case.pk)
        _require(office_check(by, c.office), "只有督查室可以撤回典型案例")
        if c.state != CaseState.PUBLISHED:
            raise ValidationError("只能撤回已发布的案例")
        if not note:
            raise _err("note", "请填写撤回理由")
        c.state, c.review_note = CaseState.WITHDRAWN, note
        c.save()
        chain.record("portal.case.withdraw", c, after={"state": c.state, "note": note}, actor=by, occurred_at=at)
    return c
