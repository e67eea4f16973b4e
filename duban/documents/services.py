"""Writes for documents (DOC-1, DOC-2, TL-3). Every function is one
transaction with one journal event for the business change
("documents.document.register", …), plus the clock writes it implies
(duban.clocks journals its own) and the plan hand-overs (duban.plans).
Each checks who may act (PermissionDenied), then the state (ValidationError
naming the state), then the input (ValidationError naming the field).

Clocks of a document (owner = the document; rules of seed 004 §4):
- "approve" 批办: a received 特急 document, urgent_document_1h from its
  receipt, met when it is approved for handling;
- "supporting_review" / "supporting_issue" 配套文件送审 / 出台: a received
  document that requires a supporting document, owed by the named unit and
  person: the higher document's own limits when it states them, else
  supporting_document_review_2mo / _issue_3mo from receipt; met when an
  issued document implementing it is first submitted for review, resp.
  issued;
- "meeting_issue" 会后印发: an issued document drafted after a standing
  meeting, meeting_document_issue_5wd from the meeting; met at issue;
- "revision" 修改送审: a leader's revision comments on a submitted draft,
  revision_resubmit_1wd (major: major_revision_resubmit_3wd) from the
  comments; met when the draft is resubmitted.
"""

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from duban.clocks import services as clocks
from duban.clocks.models import OPEN_STATES as CLOCK_OPEN_STATES
from duban.core import numbers
from duban.core.arrangements import arrangement_problems, missing_parts
from duban.core.choices import Urgency
from duban.core.services import as_date, as_moment, as_unit, as_user, blank, sync_fields
from duban.core.services import now as _now
from duban.journal import chain
from duban.org.models import Role
from duban.org.services import has_role
from duban.org.visibility import can_see, scope_for
from duban.plans import services as plans
from duban.plans.models import PlanKind

from .models import Direction, DocState, Document, DocumentTask, Layout, LengthLimit

URGENT_RULE = "urgent_document_1h"
REVIEW_RULE = "supporting_document_review_2mo"
ISSUE_RULE = "supporting_document_issue_3mo"
MEETING_RULE = "meeting_document_issue_5wd"
REVISION_RULE = "revision_resubmit_1wd"
MAJOR_REVISION_RULE = "major_revision_resubmit_3wd"
APPROVE, SUPPORT_REVIEW, SUPPORT_ISSUE, MEETING_ISSUE, REVISION = (
    "approve", "supporting_review", "supporting_issue", "meeting_issue", "revision")
CLOCK_LABELS = {APPROVE: "特急文件批办（1小时）", SUPPORT_REVIEW: "配套文件送审", SUPPORT_ISSUE: "配套文件出台",
                MEETING_ISSUE: "常务会议审定文件印发（5个工作日）", REVISION: "按修改意见修改送审"}

# Length limits (LengthLimit rows), with the numbers of 《整治形式主义为基层减负
# 若干规定》 (2024) when a row is missing.
GENERAL_LIMIT, SPECIAL_LIMIT = "document_general_chars", "document_special_chars"
LIMIT_DEFAULTS = {GENERAL_LIMIT: 5000, SPECIAL_LIMIT: 4000}
FORWARDING = "以文件落实文件"
OVER_LENGTH = "超篇幅"
MAX_TASKS = 50


# --- length ---------------------------------------------------------------------

def count_chars(text: str) -> int:
    """A document's length as offices count it: every character of the
    text, punctuation included, blanks and line breaks not."""
    return sum(1 for c in text or "" if not c.isspace())


def length_limit(is_special: bool) -> int:
    code = SPECIAL_LIMIT if is_special else GENERAL_LIMIT
    return numbers.number(LengthLimit, code, LIMIT_DEFAULTS[code])


def over_length(doc) -> bool:
    return doc.char_count is not None and doc.char_count > length_limit(doc.is_special)


def _length_problem(char_count, is_special, reason) -> str:
    limit = length_limit(is_special)
    if char_count is not None and char_count > limit and not (reason or "").strip():
        kind = "专项文件" if is_special else "文件"
        return f"正文{char_count}字，超过{kind}{limit}字的篇幅要求，须说明理由"
    return ""


# --- who may act ----------------------------------------------------------------

def may_act_for(user, unit) -> bool:
    """Register and handle the documents of `unit`: its liaison, head or
    督查室 staff (or an office's within it), or the controlling office."""
    return plans.may_act_for(user, unit)


def may_approve(user, doc) -> bool:
    """批办: whoever acts for the receiving unit, or a leader over it."""
    if may_act_for(user, doc.unit):
        return True
    return has_role(user, Role.LEADER) and scope_for(user).covers_unit(doc.unit)


def may_comment(user, doc) -> bool:
    """Record a leader's revision comments: a leader over the unit, its
    head, or the controlling office."""
    if plans.is_controlling_office(user, doc.unit):
        return True
    if has_role(user, Role.LEADER) and scope_for(user).covers_unit(doc.unit):
        return True
    own = getattr(getattr(user, "person", None), "unit", None)
    return own is not None and own.path.startswith(doc.unit.path) and has_role(user, Role.UNIT_HEAD)


def may_flag(user, doc) -> bool:
    return plans.is_controlling_office(user, doc.unit)


def available_actions(user, doc) -> set:
    out = set()
    if doc.direction == Direction.RECEIVED:
        if doc.state == DocState.REGISTERED and may_approve(user, doc):
            out.add("approve")
        return out
    if may_act_for(user, doc.unit):
        if doc.state in (DocState.DRAFT, DocState.REVISING):
            out.add("submit")
        if doc.state in (DocState.DRAFT, DocState.SUBMITTED):
            out.add("issue")
    if doc.state == DocState.SUBMITTED and may_comment(user, doc):
        out.add("revise")
    if may_flag(user, doc):
        out.add("unflag" if doc.only_forwards else "flag")
    return out


def _require(cond, message):
    if not cond:
        raise PermissionDenied(message)


def _state(doc, *states, action):
    if doc.state not in states:
        raise ValidationError(f"该文件当前为“{doc.get_state_display()}”，不能{action}")


# --- clocks -----------------------------------------------------------------------

def _label(doc, what) -> str:
    title = doc.title if len(doc.title) <= 30 else doc.title[:30] + "…"
    return f"{(doc.number + ' ') if doc.number else ''}“{title}”{what}"


def _open(doc, kind):
    return clocks.clocks_for(doc, kind).filter(state__in=CLOCK_OPEN_STATES).order_by("id").first()


def _meet(doc, kind, at):
    c = _open(doc, kind)
    if c is not None:
        clocks.meet(c, at=at)


def _refresh_current(doc):
    """Point the document at its open clock due first (the lists' light
    and order), or its last clock when none is open."""
    qs = clocks.clocks_for(doc)
    clock = qs.filter(state__in=CLOCK_OPEN_STATES).order_by("due_at", "id").first()
    target = clock.pk if clock else qs.order_by("-id").values_list("id", flat=True).first()
    due = clock.due_at if clock else None
    if (target, due) != (doc.current_clock_id, doc.open_due_at):
        doc.current_clock_id, doc.open_due_at = target, due
        Document.objects.filter(pk=doc.pk).update(current_clock_id=target, open_due_at=due)


def on_clock_moved(sender, clock, **kwargs):
    """Receiver of duban.clocks.services.clock_moved: a calendar or rule
    change moved one of a document's deadlines."""
    if clock.owner_type_id != ContentType.objects.get_for_model(Document).pk:
        return
    doc = Document.objects.select_for_update().filter(pk=int(clock.owner_id)).first()
    if doc is not None:
        _refresh_current(doc)


def _start_supporting(doc, at):
    common = dict(owner_unit=doc.supporting_unit, owner_person=doc.supporting_person, started_at=doc.received_at,
                  at=at)
    for kind, due, rule, what in ((SUPPORT_REVIEW, doc.supporting_review_due, REVIEW_RULE, "配套文件送审"),
                                  (SUPPORT_ISSUE, doc.supporting_issue_due, ISSUE_RULE, "配套文件出台")):
        if due is not None:
            clocks.start_clock(doc, kind, due_at=due, label=_label(doc, what), **common)
        else:
            clocks.start_clock(doc, kind, rule=rule, label=_label(doc, what), **common)


# --- input ------------------------------------------------------------------------

SNAPSHOT = ["direction", "state", "number", "issuer_name", "unit_id", "title", "urgency", "layout", "is_special",
            "char_count", "length_reason", "implements_id", "implements_text", "received_at", "needs_supporting",
            "supporting_unit_id", "supporting_person_id", "supporting_review_due", "supporting_issue_due",
            "meeting_name", "meeting_at", "assigns_work", "only_forwards", "forwarding_note"]
LIMITS = {"number": 60, "issuer_name": 100, "title": 200, "implements_text": 200, "meeting_name": 120}


def _snapshot(doc) -> dict:
    data = chain.snapshot(doc, SNAPSHOT)
    data["tasks"] = [{"content": t.content, "unit": t.unit_id, "person": t.person_id, "due_on": t.due_on}
                     for t in doc.tasks.order_by("seq")]
    return data


class _Errors(dict):
    def add(self, field, message):
        self.setdefault(field, []).append(message)


def _text(data, out, errors, *fields):
    for f in fields:
        v = str(data.get(f) or "").strip()
        if f in LIMITS and len(v) > LIMITS[f]:
            errors.add(f, f"不能超过{LIMITS[f]}个字")
        out[f] = v


def _in_unit(person, unit) -> bool:
    p = getattr(person, "person", None)
    return p is not None and p.unit.path.startswith(unit.path)


def _common(data, out, errors, user, at):
    _text(data, out, errors, "title", "number", "implements_text")
    if not out["title"]:
        errors.add("title", "请填写文件标题")
    urgency = data.get("urgency") or Urgency.NORMAL
    if urgency not in Urgency.values:
        errors.add("urgency", "紧急程度应为：特急、加急、一般")
    out["urgency"] = urgency
    try:
        out["unit"] = as_unit(data.get("unit"))
    except ValidationError as e:
        errors.add("unit", e.messages[0])
        out["unit"] = None
    implements = data.get("implements")
    out["implements"] = None
    if not blank(implements):
        doc = implements if isinstance(implements, Document) else None
        if doc is None:
            try:
                doc = Document.objects.filter(pk=int(implements), direction=Direction.RECEIVED).first()
            except (TypeError, ValueError):
                doc = None
        if doc is None or doc.direction != Direction.RECEIVED or not can_see(user, doc):
            errors.add("implements", "所选上级文件不存在（须为已登记的收文）")
        else:
            out["implements"] = doc


def clean_received(data: dict, user, *, at) -> dict:
    errors, out = _Errors(), {}
    _common(data, out, errors, user, at)
    _text(data, out, errors, "issuer_name")
    if not out["number"]:
        errors.add("number", "请填写来文文号")
    if not out["issuer_name"]:
        errors.add("issuer_name", "请填写来文机关")
    if out["unit"] is None and "unit" not in errors:
        errors.add("unit", "请选择收文单位")
    try:
        out["received_at"] = as_moment(data.get("received_at")) or at
    except ValidationError as e:
        errors.add("received_at", f"收文时间：{e.messages[0]}")
        out["received_at"] = at
    if out["received_at"] > at:
        errors.add("received_at", "收文时间不能晚于现在")
    needs = bool(data.get("needs_supporting"))
    out["needs_supporting"] = needs
    for f in ("supporting_unit", "supporting_person", "supporting_review_due", "supporting_issue_due"):
        out[f] = None
    if needs:
        try:
            out["supporting_unit"] = as_unit(data.get("supporting_unit"))
            out["supporting_person"] = as_user(data.get("supporting_person"))
        except ValidationError as e:
            errors.add("supporting_unit", e.messages[0])
        for f, label in (("supporting_review_due", "送审期限"), ("supporting_issue_due", "出台期限")):
            try:
                out[f] = as_moment(data.get(f))
            except ValidationError as e:
                errors.add(f, f"{label}：{e.messages[0]}")
            if out[f] is not None and out[f] <= out["received_at"]:
                errors.add(f, f"{label}须晚于收文时间")
        review, issue = out["supporting_review_due"], out["supporting_issue_due"]
        if review and issue and review > issue:
            errors.add("supporting_review_due", "送审期限不能晚于出台期限")
        # DOC-2: the supporting document is work assigned; its time node is
        # the higher document's or, when it states none, the rule's.
        if "supporting_unit" not in errors:
            for f, msg in arrangement_problems(
                    unit=out["supporting_unit"], person=out["supporting_person"], has_time_node=True,
                    before="要求制定配套文件的，登记时", unit_text="配套文件的责任单位",
                    fields={"unit": "supporting_unit", "person": "supporting_person"}).items():
                errors.add(f, msg)
        unit, person = out["supporting_unit"], out["supporting_person"]
        if unit is not None and person is not None and not _in_unit(person, unit):
            errors.add("supporting_person", f"责任人{person.get_full_name() or person.username}不属于“{unit.name}”")
    if errors:
        raise ValidationError(dict(errors))
    return out


def _tasks(data, errors) -> list:
    rows = []
    for i, row in enumerate(data.get("tasks") or (), 1):
        if not isinstance(row, dict):
            errors.add("tasks", f"第{i}项工作安排格式不正确")
            continue
        content = str(row.get("content") or "").strip()
        if not content and all(blank(row.get(k)) for k in ("unit", "person", "due_on")):
            continue  # an empty row of the form
        where = f"第{len(rows) + 1}项工作安排" + (f"“{content[:20]}”" if content else "")
        try:
            unit, person, due_on = as_unit(row.get("unit")), as_user(row.get("person")), as_date(row.get("due_on"))
        except ValidationError as e:
            errors.add("tasks", f"{where}：{e.messages[0]}")
            continue
        if not content:
            errors.add("tasks", f"{where}：请填写工作内容")
        if len(content) > 300:
            errors.add("tasks", f"{where}：工作内容不能超过300个字")
        problems = arrangement_problems(unit=unit, person=person, has_time_node=due_on is not None)
        if problems:
            errors.add("tasks", f"{where}缺少{missing_parts(problems)}")
        elif not _in_unit(person, unit):
            errors.add("tasks", f"{where}：责任人{person.get_full_name() or person.username}不属于“{unit.name}”")
        rows.append((content[:300], unit, person, due_on))
    if len(rows) > MAX_TASKS:
        errors.add("tasks", f"工作安排不能超过{MAX_TASKS}项")
    return rows


def clean_issued(data: dict, user, *, at) -> dict:
    errors, out = _Errors(), {}
    _common(data, out, errors, user, at)
    if out["unit"] is None and "unit" not in errors:
        errors.add("unit", "请选择发文单位")
    layout = data.get("layout") or Layout.RED_HEAD
    if layout not in Layout.values:
        errors.add("layout", "版式应为：" + "、".join(Layout.labels))
    out["layout"] = layout
    out["is_special"] = bool(data.get("is_special"))
    out["length_reason"] = str(data.get("length_reason") or "").strip()
    text = data.get("text") or ""
    if text.strip():
        out["char_count"] = count_chars(text)
    else:
        try:
            out["char_count"] = None if blank(data.get("char_count")) else int(data.get("char_count"))
            if out["char_count"] is not None and out["char_count"] <= 0:
                raise ValueError
        except (TypeError, ValueError):
            errors.add("char_count", "篇幅应为正整数（字数）")
            out["char_count"] = None
        if out["char_count"] is None and "char_count" not in errors:
            errors.add("char_count", "请粘贴正文或填写篇幅字数：篇幅按字数计算")
    problem = _length_problem(out["char_count"], out["is_special"], out["length_reason"])
    if problem:
        errors.add("length_reason", problem)
    _text(data, out, errors, "meeting_name")
    try:
        out["meeting_at"] = as_moment(data.get("meeting_at"))
    except ValidationError as e:
        errors.add("meeting_at", f"会议审定时间：{e.messages[0]}")
        out["meeting_at"] = None
    if out["meeting_at"] is not None:
        if out["meeting_at"] > at:
            errors.add("meeting_at", "会议审定时间不能晚于现在")
        if not out["meeting_name"]:
            errors.add("meeting_name", "请填写审定文件的会议（如县政府第12次常务会议）")
    elif out["meeting_name"]:
        errors.add("meeting_at", "请填写会议审定时间：会后5个工作日内须完成修改、送审和印发")
    tasks = _tasks(data, errors)
    out["assigns_work"] = bool(data.get("assigns_work")) or bool(tasks)
    if out["assigns_work"] and not tasks and "tasks" not in errors:
        errors.add("tasks", "布置工作的文件须列明工作安排，每项明确时间节点、责任单位和责任人")
    out["tasks"] = tasks
    if errors:
        raise ValidationError(dict(errors))
    return out


# --- received documents ------------------------------------------------------------

def register_received(by, *, at=None, **data) -> Document:
    """收文登记 (DOC-1): a 特急 document starts its 1-hour approval clock, a
    document requiring a supporting one the supporting unit's clocks."""
    at = _now(at)
    clean = clean_received(data, by, at=at)
    _require(may_act_for(by, clean["unit"]), f"只有{clean['unit'].name}的联络员、负责人或督查室可以登记其收文")
    with transaction.atomic():
        doc = Document.objects.create(direction=Direction.RECEIVED, state=DocState.REGISTERED, registered_by=by,
                                      registered_at=at, **clean)
        chain.record("documents.document.register", doc, after=_snapshot(doc), actor=by, occurred_at=at)
        if doc.urgency == Urgency.EXTRA_URGENT:
            clocks.start_clock(doc, APPROVE, rule=URGENT_RULE, started_at=doc.received_at, owner_unit=doc.unit,
                               label=_label(doc, "批办"), at=at)
        if doc.needs_supporting:
            _start_supporting(doc, at)
        _refresh_current(doc)
    return doc


def approve(doc, by, *, note="", at=None) -> Document:
    """批办: the receiving unit's leaders decide who handles it; meets the
    1-hour clock of a 特急 document (on time or late)."""
    at = _now(at)
    with transaction.atomic():
        d = Document.objects.select_for_update(of=("self",)).select_related("unit").get(pk=doc.pk)
        _require(may_approve(by, d), f"只有{d.unit.name}的负责人、联络员或分管领导可以批办")
        _state(d, DocState.REGISTERED, action="批办")
        d.state, d.approved_by, d.approved_at, d.approval_note = DocState.APPROVED, by, at, (note or "").strip()
        d.save(update_fields=["state", "approved_by", "approved_at", "approval_note"])
        _meet(d, APPROVE, at)
        _refresh_current(d)
        chain.record("documents.document.approve", d, before={"state": DocState.REGISTERED},
                     after={"state": d.state, "note": d.approval_note}, actor=by, occurred_at=at)
    return sync_fields(doc, d)


# --- issued documents ----------------------------------------------------------------

def register_issued(by, *, at=None, **data) -> Document:
    """发文登记 (draft): length and DOC-2 checked; a document drafted after a
    standing meeting starts its 5-working-day clock from the meeting."""
    at = _now(at)
    clean = clean_issued(data, by, at=at)
    _require(may_act_for(by, clean["unit"]), f"只有{clean['unit'].name}的联络员、负责人或督查室可以登记其发文")
    tasks = clean.pop("tasks")
    with transaction.atomic():
        doc = Document.objects.create(direction=Direction.ISSUED, state=DocState.DRAFT, registered_by=by,
                                      registered_at=at, issuer_name=clean["unit"].name, **clean)
        DocumentTask.objects.bulk_create([
            DocumentTask(document=doc, seq=i, content=c, unit=u, person=p, due_on=d)
            for i, (c, u, p, d) in enumerate(tasks, 1)])
        chain.record("documents.document.register", doc, after=_snapshot(doc), actor=by, occurred_at=at)
        if doc.meeting_at is not None:
            clocks.start_clock(doc, MEETING_ISSUE, rule=MEETING_RULE, started_at=doc.meeting_at, owner_unit=doc.unit,
                               owner_person=by, label=_label(doc, "会后印发"), at=at)
        _refresh_current(doc)
    return doc


def _parent_clock(doc, kind, at):
    """Meet the supporting-document clock `kind` of the received document
    `doc` implements (the first implementation delivers it)."""
    if doc.implements_id is not None:
        _meet(doc.implements, kind, at)
        _refresh_current(doc.implements)


def submit(doc, by, *, text=None, char_count=None, length_reason=None, at=None) -> Document:
    """送审 (or 修改后送审): the revised length may come with it (checked
    again); meets the revision clock, and on the first submission the
    higher document's supporting-review clock."""
    at = _now(at)
    with transaction.atomic():
        d = Document.objects.select_for_update(of=("self",)).select_related("unit").get(pk=doc.pk)
        _require(may_act_for(by, d.unit), f"只有{d.unit.name}的联络员、负责人或督查室可以送审")
        _state(d, DocState.DRAFT, DocState.REVISING, action="送审")
        before = _snapshot(d)
        if text and text.strip():
            d.char_count = count_chars(text)
        elif not blank(char_count):
            try:
                d.char_count = int(char_count)
            except (TypeError, ValueError):
                raise ValidationError({"char_count": "篇幅应为正整数（字数）"}) from None
        if length_reason is not None:
            d.length_reason = length_reason.strip()
        problem = _length_problem(d.char_count, d.is_special, d.length_reason)
        if problem:
            raise ValidationError({"length_reason": problem})
        first = d.submitted_at is None
        d.state = DocState.SUBMITTED
        if first:
            d.submitted_at = at
        d.save()
        _meet(d, REVISION, at)
        if first:
            _parent_clock(d, SUPPORT_REVIEW, at)
        _refresh_current(d)
        chain.record("documents.document.submit", d, before=before, after=_snapshot(d), actor=by, occurred_at=at)
    return sync_fields(doc, d)


def request_revision(doc, by, *, comments, major=False, at=None) -> Document:
    """A leader's revision comments on a submitted draft: back within 1
    working day, 3 for a major revision (TL-3, seed 004 §4)."""
    at = _now(at)
    comments = (comments or "").strip()
    with transaction.atomic():
        d = Document.objects.select_for_update(of=("self",)).select_related("unit").get(pk=doc.pk)
        _require(may_comment(by, d), "只有分管领导、单位负责人或督查室可以提出修改意见")
        _state(d, DocState.SUBMITTED, action="提出修改意见")
        if not comments:
            raise ValidationError({"comments": "请填写修改意见"})
        d.state, d.revision_note = DocState.REVISING, comments
        d.save(update_fields=["state", "revision_note"])
        rule = MAJOR_REVISION_RULE if major else REVISION_RULE
        clocks.start_clock(d, REVISION, rule=rule, started_at=at, owner_unit=d.unit, owner_person=d.registered_by,
                           label=_label(d, "重大修改送审" if major else "修改送审"), at=at)
        _refresh_current(d)
        chain.record("documents.document.revise", d, before={"state": DocState.SUBMITTED},
                     after={"state": d.state, "comments": comments, "major": bool(major)}, actor=by, occurred_at=at)
    return sync_fields(doc, d)


def _flags(doc) -> list:
    out = []
    if doc.only_forwards:
        out.append(FORWARDING)
    if over_length(doc):
        out.append(OVER_LENGTH)
    return out


def issue(doc, by, *, number="", at=None) -> Document:
    """印发: the document counts against its unit's annual plan of
    documents (refused beyond it without an approved explanation), meets
    its meeting clock and the higher document's supporting-document
    clocks. A red-headed document needs its number."""
    at = _now(at)
    number = (number or "").strip()
    with transaction.atomic():
        d = Document.objects.select_for_update(of=("self",)).select_related("unit").get(pk=doc.pk)
        _require(may_act_for(by, d.unit), f"只有{d.unit.name}的联络员、负责人或督查室可以登记印发")
        if d.state == DocState.REVISING:
            raise ValidationError("领导提出了修改意见，须修改后重新送审，不能直接印发")
        _state(d, DocState.DRAFT, DocState.SUBMITTED, action="印发")
        number = number or d.number
        if d.layout == Layout.RED_HEAD and not number:
            raise ValidationError({"number": "红头文件印发须填写文号"})
        if len(number) > 60:
            raise ValidationError({"number": "文号不能超过60个字"})
        problem = _length_problem(d.char_count, d.is_special, d.length_reason)
        if problem:
            raise ValidationError({"length_reason": problem})
        plans.require_plan_room(d.unit, PlanKind.DOCUMENT, at, obj=d)
        before = {"state": d.state, "number": d.number}
        d.state, d.number, d.issued_at, d.issued_by = DocState.ISSUED, number, at, by
        d.save(update_fields=["state", "number", "issued_at", "issued_by"])
        _meet(d, MEETING_ISSUE, at)
        if d.implements_id is not None:
            _meet(d.implements, SUPPORT_REVIEW, at)
            _parent_clock(d, SUPPORT_ISSUE, at)
        _refresh_current(d)
        chain.record("documents.document.issue", d, before=before, after={"state": d.state, "number": number},
                     actor=by, occurred_at=at)
        plans.count_against_plan(d, unit=d.unit, kind=PlanKind.DOCUMENT, when=at, title=f"{number} {d.title}".strip(),
                                 by=by, at=at, flags=_flags(d))
    return sync_fields(doc, d)


def flag_forwarding(doc, by, *, note, at=None) -> Document:
    """以文件落实文件: the controlling office marks an issued document that
    only forwards a higher one without local measures; it counts against
    its unit (the plan's statistics)."""
    at = _now(at)
    note = (note or "").strip()
    with transaction.atomic():
        d = Document.objects.select_for_update(of=("self",)).select_related("unit").get(pk=doc.pk)
        _require(may_flag(by, d), f"只有管辖{d.unit.name}的督查室可以标记以文件落实文件")
        if d.direction != Direction.ISSUED:
            raise ValidationError("只有本级发文可以标记为以文件落实文件")
        if d.only_forwards:
            raise ValidationError("该文件已标记为以文件落实文件")
        if not note:
            raise ValidationError({"note": "请写明理由：如仅照转上级文件、没有结合本地实际的具体措施"})
        d.only_forwards, d.forwarding_note, d.flagged_by, d.flagged_at = True, note[:300], by, at
        d.save(update_fields=["only_forwards", "forwarding_note", "flagged_by", "flagged_at"])
        chain.record("documents.document.flag", d, before={"only_forwards": False},
                     after={"only_forwards": True, "note": d.forwarding_note}, actor=by, occurred_at=at)
        plans.set_usage_flags(d, _flags(d), by=by, at=at)
    return sync_fields(doc, d)


def unflag_forwarding(doc, by, *, reason, at=None) -> Document:
    at = _now(at)
    reason = (reason or "").strip()
    with transaction.atomic():
        d = Document.objects.select_for_update(of=("self",)).select_related("unit").get(pk=doc.pk)
        _require(may_flag(by, d), f"只有管辖{d.unit.name}的督查室可以取消标记")
        if not d.only_forwards:
            raise ValidationError("该文件没有被标记为以文件落实文件")
        if not reason:
            raise ValidationError({"note": "请写明取消标记的理由"})
        d.only_forwards = False
        d.save(update_fields=["only_forwards"])
        chain.record("documents.document.unflag", d, before={"only_forwards": True},
                     after={"only_forwards": False, "reason": reason[:300]}, actor=by, occurred_at=at)
        plans.set_usage_flags(d, _flags(d), by=by, at=at)
    return sync_fields(doc, d)
