"""督办通知单 and 催办单 as Word files in the GB/T 9704 layout (OUT-2), made
with duban.core.officialdoc from an assigned matter and from an urge.

Numbers: a matter's notice is numbered from its year and serial (示范县督〔2026〕12号;
a sub-task's adds its place under the top matter: 示范县督〔2026〕12号-1), an
urge's sheet from the 催办单 series (示范县督催〔2026〕3号). The prefixes and
the issuing office follow the county's name and can be set in settings
(DUBAN_SUPERVISION_DOC_PREFIX, DUBAN_URGE_DOC_PREFIX, DUBAN_SUPERVISION_ISSUER)."""

import datetime as dt

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from duban.core.crypto import mask
from duban.core.officialdoc import OfficialDocument, Section, format_doc_number, render_docx
from duban.core.services import fmt_moment
from duban.timelimits.calendar import CalendarMissing, provisional_note
from duban.timelimits.limits import compute_due

from . import services
from .models import Matter, ReportKind, Urge, Urgency
from .pages import clock_note, deadline_note
from .transitions import Action, State


def issuer() -> str:
    return getattr(settings, "DUBAN_SUPERVISION_ISSUER", f"{settings.DUBAN_COUNTY_NAME}人民政府督查室")


def notice_prefix() -> str:
    return getattr(settings, "DUBAN_SUPERVISION_DOC_PREFIX", f"{settings.DUBAN_COUNTY_NAME}督")


def urge_prefix() -> str:
    return getattr(settings, "DUBAN_URGE_DOC_PREFIX", f"{settings.DUBAN_COUNTY_NAME}督催")


# A 催办单 is answered by the end of the next working day.
REPLY_LIMIT = "1wd"


def _name(user) -> str:
    if user is None:
        return ""
    return user.get_full_name() or user.get_username()


def _person(user) -> str:
    """张三（县教育局办公室副主任）, with the position when known."""
    if user is None:
        return "—"
    person = getattr(user, "person", None)
    position = getattr(person, "position", "") if person is not None else ""
    return f"{_name(user)}（{position}）" if position else _name(user)


def _phone(user) -> str:
    person = getattr(user, "person", None) if user is not None else None
    if person is None:
        return ""
    # A document leaves the platform: the mobile number goes masked (issue 21).
    return "，".join(x for x in (person.office_phone, mask(person.mobile)) if x)


def _local_date(moment) -> dt.date:
    return timezone.localtime(moment).date() if moment else timezone.localdate()


def notice_number(m: Matter) -> str:
    """示范县督〔2026〕12号, or for a sub-task 示范县督〔2026〕12号-1."""
    if m.serial and m.year:
        return format_doc_number(notice_prefix(), m.year, m.serial)
    root = Matter.objects.filter(pk=m.root_id).only("number", "year", "serial").first() if m.root_id else None
    if root is not None and root.serial and root.year:
        suffix = m.number[len(root.number):] if m.number.startswith(root.number) else ""
        return format_doc_number(notice_prefix(), root.year, root.serial) + suffix
    return m.number


def source_text(m: Matter) -> str:
    """The source with its particulars in one line, as a clerk writes it."""
    kind = m.get_source_kind_display()
    bits = []
    if m.meeting_name:
        bits.append(m.meeting_name)
    if m.meeting_date:
        bits.append(f"{m.meeting_date.year}年{m.meeting_date.month}月{m.meeting_date.day}日")
    if m.minutes_number:
        bits.append(f"纪要{m.minutes_number}")
    if m.instructing_leader_id:
        bits.append(_person(m.instructing_leader))
    if m.instruction_date:
        d = m.instruction_date
        bits.append(f"{d.year}年{d.month}月{d.day}日")
    if m.document_number:
        bits.append(m.document_number)
    if m.ticket_number:
        bits.append(f"工单{m.ticket_number}")
    return kind + (f"（{'，'.join(bits)}）" if bits else "")


def deadline_text(m: Matter) -> str:
    """办理时限: the deadline, with the provisional line (TL-1) below it
    when it was counted on a year whose holiday notice is not entered yet."""
    if m.deadline:
        text = fmt_moment(m.deadline) + "前办结"
        note = deadline_note(m)
        if note:
            text += "\n" + note
    elif m.is_long_term:
        text = "长期事项"
    else:
        text = "自收到之日起7个工作日内报告落实情况"
    if m.is_long_term and m.report_cycle:
        text += f"；{report_cycle_text(m)}"
    return text


def report_cycle_text(m: Matter) -> str:
    day = m.report_day
    if m.report_cycle == "weekly":
        names = "一二三四五六日"
        when = f"每周{names[day - 1]}" if day and 1 <= day <= 7 else "每周"
    elif m.report_cycle == "monthly":
        when = f"每月{day}日" if day else "每月"
    else:
        when = f"每季度末月{day}日" if day else "每季度"
    return f"{when}前报送阶段性进展"


def _ack_clock(m: Matter):
    from .queries import matter_clocks

    return next((c for c in matter_clocks(m) if c.kind == "ack"), None)


def report_requirements(m: Matter) -> str:
    lines = []
    ack = _ack_clock(m)
    if ack:
        lines.append(f"1. 请于{fmt_moment(ack.due_at)}{clock_note(ack)}前在督办平台签收。")
    else:
        lines.append("1. 请收到后及时在督办平台签收。")
    if m.is_long_term and m.report_cycle:
        lines.append(f"2. 本事项为长期事项，请{report_cycle_text(m)}，逾期未报按超期处理。")
    else:
        lines.append("2. 办理中及时报送进展情况，重要节点随时报告。")
    lines.append("3. 办结后提交办结申请，写明办理情况并附佐证材料，经审核后办结；确需延期的，须在期限届满前申请。")
    return "\n".join(lines)


def notice_document(m: Matter) -> OfficialDocument:
    """The 督办通知单 of an assigned matter (or sub-task)."""
    office = issuer() if not m.parent_id else (m.assigning_unit.name if m.assigning_unit_id else issuer())
    recipients = [m.lead_unit.name] if m.lead_unit_id else []
    coops = list(m.cooperations.all())
    recipients += [c.unit.name for c in coops]
    intro = (f"现将“{m.title}”列为督办事项，请{'牵头单位会同配合单位' if coops else '你单位'}按照工作标准和办理时限"
             f"抓好落实，按要求报送办理情况。具体事项如下：")
    table = [
        ["督办编号", m.number],
        ["事项名称", m.title],
        ["事项来源", source_text(m)],
    ]
    if m.instruction_text:
        table.append(["批示（交办）内容", m.instruction_text])
    if m.finding:
        table.append(["督查发现的问题", m.finding])
    table += [
        ["事项内容", m.content],
        ["工作标准", m.standard or "按事项内容全面落实到位"],
        ["紧急程度", m.get_urgency_display()],
        ["牵头单位", m.lead_unit.name if m.lead_unit_id else "—"],
        ["责任人", _person(m.lead_person)],
    ]
    if coops:
        table.append(["配合单位及责任人", "\n".join(
            f"{c.unit.name}：{_person(c.person)}" + (f"，{c.duty}" if c.duty else "") for c in coops)])
    if m.responsible_leader_id:
        table.append(["责任领导", _person(m.responsible_leader)])
    table += [
        ["办理时限", deadline_text(m)],
        ["报送要求", report_requirements(m)],
    ]
    contact = m.created_by
    phone = _phone(contact)
    table.append(["联系人", f"{office} {_name(contact)}" + (f"，电话：{phone}" if phone else "")])
    day = _local_date(m.assigned_at)
    return OfficialDocument(
        issuer_mark=office,
        doc_number=notice_number(m),
        title="督办通知单",
        recipients="、".join(recipients),
        sections=[Section(paragraphs=[intro])],
        table=table,
        table_kind="kv",
        signer=office,
        date=day,
        printed_by=office,
        printed_date=day,
        urgency=m.get_urgency_display() if m.urgency != Urgency.NORMAL else "",
    )


def notice_docx(m: Matter) -> bytes:
    return render_docx(notice_document(m))


# --- 催办单 ---------------------------------------------------------------------------------

CLOCK_WHAT = {"ack": "签收时限", "completion": "办结期限", "report": "定期报告时限"}


def duration_text(seconds: float) -> str:
    seconds = int(abs(seconds))
    days, rest = divmod(seconds, 86400)
    hours = rest // 3600
    if days and hours:
        return f"{days}天{hours}小时"
    if days:
        return f"{days}天"
    if hours:
        return f"{hours}小时"
    return f"{max(rest // 60, 1)}分钟"


def timing_text(urge, m: Matter) -> str:
    """How late, or how close: “办结期限为…，已超期3天2小时”."""
    clock = urge.clock
    if clock is not None:
        what, due, note = CLOCK_WHAT.get(clock.kind, "期限"), clock.due_at, clock_note(clock)
    elif m.deadline:
        what, due, note = "办结期限", m.deadline, deadline_note(m)
    else:
        return "未设定办结期限"
    left = (due - urge.urged_at).total_seconds()
    if left < 0:
        return f"{what}为{fmt_moment(due)}{note}，催办时已超期{duration_text(left)}"
    return f"{what}为{fmt_moment(due)}{note}，催办时距到期还有{duration_text(left)}"


def owed_text(urge, m: Matter) -> str:
    """What the unit still owes."""
    kind = urge.clock.kind if urge.clock is not None else ""
    if kind == "ack" or m.state == State.ASSIGNED:
        return "签收督办事项，明确责任人，抓紧组织办理"
    if kind == "report":
        return "报送本期定期报告（阶段性进展情况及佐证材料）"
    has_report = m.reports.filter(kind__in=[ReportKind.PROGRESS, ReportKind.PERIODIC]).exists()
    if not has_report:
        return "报送办理进展情况；办结后提交办结申请并附佐证材料"
    return "加快办理进度，按期办结并提交办结申请（附佐证材料）"


def reply_deadline(urge) -> tuple:
    """(the reply's deadline, its provisional note or ""): the end of the
    next working day after the urge."""
    try:
        due = compute_due(urge.urged_at, REPLY_LIMIT)
    except CalendarMissing:  # a year outside what the calendar computes
        local = timezone.localtime(urge.urged_at) + dt.timedelta(days=1)
        return local.replace(hour=23, minute=59, second=59, microsecond=0), ""
    return due.at, provisional_note(due.provisional_years)


def urge_number(urge) -> str:
    if urge.document_year and urge.document_serial:
        return format_doc_number(urge_prefix(), urge.document_year, urge.document_serial)
    return urge.document_number


def urge_document(urge, m: Matter) -> OfficialDocument:
    office = issuer() if not m.parent_id else (m.assigning_unit.name if m.assigning_unit_id else issuer())
    unit = urge.urged_unit or m.lead_unit
    role = "牵头" if unit is not None and unit.pk == m.lead_unit_id else "配合"
    reply_by, reply_note = reply_deadline(urge)
    intro = (f"你单位{role}办理的督办事项“{m.title}”（{m.number}），{timing_text(urge, m)}。"
             f"请高度重视，抓紧办理，并于{fmt_moment(reply_by)}{reply_note}前将办理情况书面反馈{office}。")
    table = [
        ["督办编号", m.number],
        ["事项名称", m.title],
        ["被催办单位", unit.name if unit else "—"],
        ["被催办人", _person(urge.urged_person)],
        ["办理时限", deadline_text(m)],
        ["当前状态", m.get_state_display() + (f"，进度{m.progress}%" if m.progress else "")],
        ["时限情况", timing_text(urge, m)],
        ["应办事项", owed_text(urge, m)],
        ["反馈时限", fmt_moment(reply_by) + "前" + (f"\n{reply_note}" if reply_note else "")],
        ["催办方式", f"{urge.get_kind_display()}（{urge.get_channel_display()}）"],
        ["催办人", _name(urge.urged_by) or "系统自动"],
    ]
    if urge.note:
        table.append(["催办内容", urge.note])
    day = _local_date(urge.urged_at)
    return OfficialDocument(
        issuer_mark=office,
        doc_number=urge_number(urge),
        title="催办单",
        recipients=unit.name if unit else "",
        sections=[Section(paragraphs=[intro])],
        table=table,
        table_kind="kv",
        signer=office,
        date=day,
        printed_by=office,
        printed_date=day,
        urgency=m.get_urgency_display() if m.urgency != Urgency.NORMAL else "",
    )


def urge_docx(urge, m: Matter) -> bytes:
    return render_docx(urge_document(urge, m))


# --- downloads (the pages and the API) ------------------------------------------------------------

def has_notice(m: Matter) -> bool:
    """Whether the matter has its 督办通知单: once assigned (a draft has no
    number)."""
    return bool(m.number) and m.state != State.DRAFT


def notice_file(m: Matter) -> tuple:
    """(file name, bytes) of the 督办通知单 of a matter the caller may see;
    ValidationError before it is assigned."""
    if not has_notice(m):
        raise ValidationError("事项交办后方可生成督办通知单")
    return f"督办通知单-{m.number}.docx", notice_docx(m)


def urge_file(user, urge, m: Matter) -> tuple:
    """(file name, bytes) of the 催办单 of an urge of a matter the caller may
    see. The first download gives it its number (journaled), by someone who
    may urge the matter; before that, anyone else is refused
    (PermissionDenied)."""
    if not urge.document_number:
        if not services.may(user, m, Action.URGE):
            raise PermissionDenied("催办单尚未编号，只有可以催办该事项的人员可以生成")
        services.allocate_urge_number(urge, by=user)
    urge = Urge.objects.select_related("urged_by", "urged_unit", "urged_person", "clock").get(pk=urge.pk)
    return f"催办单-{urge.document_number}.docx", urge_docx(urge, m)
