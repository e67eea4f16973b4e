"""会议通知 as a Word file in the GB/T 9704 layout (MEET-2, OUT-2), made with
duban.core.officialdoc: the organising office as 发文机关标志 (示范县政府办公室),
the notice number (示范县会通〔2026〕3号, DUBAN_MEETING_NOTICE_PREFIX) or
“（待印发）”, the title 关于召开…的通知, the attendees' units as 主送, then
time, place and form, the agenda with each item's planned minutes, the rules
of attendance (sign-in by the code on the meeting screen, leave and
substitutes through the platform, the speech limit of the type), the
contact, and the attendees as a table.

    data = notice_docx(meeting)        # bytes
    docx_response(notice_filename(meeting), data)
"""

from django.conf import settings
from django.utils import timezone

from duban.core.choices import unit_label
from duban.core.officialdoc import OfficialDocument, Section, render_docx
from duban.core.services import user_name

from .models import Meeting, Mode
from .services import fmt_minutes, meeting_units

WEEKDAYS = "一二三四五六日"


def issuer_name(unit) -> str:
    """县政府办公室 → 示范县政府办公室; 城关镇 → 示范县城关镇."""
    county = settings.DUBAN_COUNTY_NAME
    name = unit.name
    if name.startswith("县") and county.endswith("县"):
        return county + name[1:]
    return county + name


def _when(meeting) -> str:
    local = timezone.localtime(meeting.starts_at)
    return (f"{local.year}年{local.month}月{local.day}日（星期{WEEKDAYS[local.weekday()]}）{local:%H:%M}，"
            f"会期{fmt_minutes(meeting.planned_minutes)}。")


def _where(meeting) -> str:
    if meeting.mode == Mode.VIDEO:
        return "视频会议。各单位在本单位视频会议室参会" + (f"，主会场设在{meeting.venue}" if meeting.venue else "") + "。"
    text = f"{meeting.venue}。"
    if meeting.mode == Mode.BOTH:
        text += "同时召开视频会议，不到主会场的单位在本单位视频会议室参会。"
    return text


def _person(user) -> str:
    person = getattr(user, "person", None)
    position = person.position if person is not None else ""
    return f"{user_name(user)}（{position}）" if position else user_name(user)


def notice_document(meeting: Meeting) -> OfficialDocument:
    items = list(meeting.items.select_related("speaker__person").order_by("seq"))
    atts = list(meeting.attendances.select_related("attendee__person", "unit__parent").order_by("sort_order", "id"))
    agenda = [f"{it.seq}. {it.title}" + (f"（{_person(it.speaker)}，{it.planned_minutes}分钟）" if it.speaker
                                         else f"（{it.planned_minutes}分钟）") for it in items]
    t = meeting.type
    where = "全县性会议" if t.county_wide else "本次会议"
    rules = [
        "参会人员请提前15分钟到会，会前1小时起用手机登录平台，输入会场屏幕上显示的签到码签到（签到码每分钟更换）。",
        "因重要工作确需请假的，须在平台上履行请假手续；需代会的，明确其他班子成员代会并注明授权人，经会务人员同意。"
        "代会人员应做足准备，提前了解议题相关情况。",
        f"{where}发言时间一般控制在{t.speech_minutes}分钟以内，请发言单位精简发言内容。",
    ]
    registrar = meeting.registered_by
    person = getattr(registrar, "person", None)
    phone = "，".join(x for x in (person.office_phone, person.mobile) if x) if person is not None else ""
    sections = [
        Section("会议时间", 1, [_when(meeting)]),
        Section("会议地点和形式", 1, [_where(meeting)]),
        Section("会议议程", 1, [f"会议由{_person(meeting.chair)}主持。", *agenda]),
        Section("参会人员", 1, [f"共{len(atts)}人，名单见文末表格。"]),
        Section("有关要求", 1, rules),
        Section("", 1, [f"联系人：{user_name(registrar)}" + (f"，联系电话：{phone}" if phone else "") + "。"]),
    ]
    if meeting.is_combined:
        other = meeting.combined_with.title if meeting.combined_with_id else meeting.combined_title
        sections[0].paragraphs.append(f"本次会议与“{other}”合并套开。")
    day = timezone.localtime(meeting.notice_issued_at or timezone.now()).date()
    issuer = issuer_name(meeting.organiser)
    table = [["序号", "单位", "姓名", "职务"]]
    for i, a in enumerate(atts, 1):
        p = getattr(a.attendee, "person", None)
        table.append([str(i), unit_label(a.unit), user_name(a.attendee), p.position if p is not None else ""])
    return OfficialDocument(
        issuer_mark=issuer,
        doc_number=meeting.notice_number or "（待印发）",
        title=f"关于召开{meeting.title}的通知",
        recipients="、".join(u.name for u in meeting_units(meeting)),
        sections=sections,
        signer=issuer,
        date=day,
        printed_by=issuer,
        printed_date=day,
        table=table,
        table_kind="grid",
    )


def notice_docx(meeting: Meeting) -> bytes:
    return render_docx(notice_document(meeting))


def notice_filename(meeting: Meeting) -> str:
    if meeting.notice_number:
        return f"会议通知{meeting.notice_number}.docx"
    return f"会议通知（待印发）{meeting.pk}.docx"
