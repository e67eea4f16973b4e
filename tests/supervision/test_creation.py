"""SUP-1 / DOC-2 / MEET-3: creating matters from their sources, refusing
assignments without time node, responsible unit and responsible person, and
turning a meeting's decisions into matters all or nothing."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from duban.clocks.services import clocks_for
from duban.core.models import SerialCounter
from duban.journal.models import Event
from duban.notify.models import Message
from duban.supervision import services as sv
from duban.supervision.models import Matter, SourceKind
from duban.supervision.transitions import State

from .conftest import T0, instruction_data, later, local

pytestmark = pytest.mark.django_db

PARTICULARS = {
    SourceKind.STANDING_MEETING: dict(meeting_name="县政府第12次常务会议", meeting_date=dt.date(2026, 2, 27),
                                      minutes_number="县政府常务会议纪要〔2026〕12号"),
    SourceKind.SPECIAL_MEETING: dict(meeting_name="校园安全专题会议", meeting_date=dt.date(2026, 2, 27)),
    SourceKind.LEADER_INSTRUCTION: dict(instruction_date=dt.date(2026, 3, 1), instruction_text="请抓紧落实。"),
    SourceKind.ASSIGNMENT: dict(instruction_date=dt.date(2026, 3, 1), document_number="县政办交〔2026〕3号"),
    SourceKind.HIGHER_DEPLOYMENT: dict(document_number="市政办发〔2026〕8号"),
    SourceKind.HOTLINE: dict(ticket_number="12345-20260301-0042"),
    SourceKind.COMPLAINT: dict(ticket_number="诉〔2026〕7号"),
    SourceKind.INSPECTION: dict(finding="城关镇中心小学消防通道被占用。"),
}


def source_data(county, kind, **kw):
    data = instruction_data(county, source_kind=kind, instructing_leader=None, instruction_date=None,
                            instruction_text="")
    if kind == SourceKind.LEADER_INSTRUCTION:
        data["instructing_leader"] = county.leader
    data.update(PARTICULARS[kind])
    data.update(kw)
    return data


@pytest.mark.parametrize("kind", SourceKind.values)
def test_sup1_matter_from_each_source_records_its_particulars(county, kind):
    m = sv.create_matter(county.supervisor, at=T0, **source_data(county, kind))
    assert m.state == State.DRAFT and m.source_kind == kind
    for field, value in PARTICULARS[kind].items():
        assert getattr(m, field) == value
    assert m.supervising_unit == county.duchashi and m.created_by == county.supervisor
    assert m.root_id == m.pk and m.depth == 0
    e = Event.objects.get(action="supervision.matter.create", object_id=str(m.pk))
    assert e.after["source_kind"] == kind and e.actor_id == county.supervisor.pk


MISSING = [
    (SourceKind.STANDING_MEETING, "meeting_name", "会议名称"),
    (SourceKind.STANDING_MEETING, "meeting_date", "会议日期"),
    (SourceKind.SPECIAL_MEETING, "meeting_name", "会议名称"),
    (SourceKind.LEADER_INSTRUCTION, "instructing_leader", "批示领导"),
    (SourceKind.LEADER_INSTRUCTION, "instruction_date", "批示日期"),
    (SourceKind.LEADER_INSTRUCTION, "instruction_text", "批示内容"),
    (SourceKind.ASSIGNMENT, "instruction_date", "交办日期"),
    (SourceKind.HIGHER_DEPLOYMENT, "document_number", "上级文件文号"),
    (SourceKind.HOTLINE, "ticket_number", "12345工单编号"),
    (SourceKind.INSPECTION, "finding", "督查发现的问题"),
]


@pytest.mark.parametrize(("kind", "field", "label"), MISSING)
def test_sup1_missing_particulars_are_refused_naming_the_field(county, kind, field, label):
    with pytest.raises(ValidationError) as e:
        sv.create_matter(county.supervisor, at=T0, **source_data(county, kind, **{field: None}))
    kind_label = SourceKind(kind).label
    assert e.value.message_dict[field] == [f"来源为“{kind_label}”时必须填写{label}"]
    assert not Matter.objects.exists()


def test_sup1_assignment_needs_a_leader_or_a_document_number(county):
    data = source_data(county, SourceKind.ASSIGNMENT, document_number="")
    with pytest.raises(ValidationError, match="交办领导或交办文号"):
        sv.create_matter(county.supervisor, at=T0, **data)
    data["instructing_leader"] = county.leader
    assert sv.create_matter(county.supervisor, at=T0, **data).source_kind == SourceKind.ASSIGNMENT


def test_sup1_title_content_urgency_and_people_are_checked(county):
    with pytest.raises(ValidationError) as e:
        sv.create_matter(county.supervisor, at=T0, **instruction_data(
            county, title="", content="", urgency="很急", lead_person=county.fin_user))
    errors = e.value.message_dict
    assert errors["title"] == ["事项名称不能为空"] and errors["content"] == ["事项内容不能为空"]
    assert errors["urgency"] == ["紧急程度应为：特急、加急、一般"]
    assert errors["lead_person"] == ["责任人李财政不属于牵头单位“县教育局”"]


def test_sup1_only_the_supervision_office_creates_matters(county):
    for user in (county.edu_user, county.edu_head, county.leader, county.sysadmin):
        with pytest.raises(PermissionDenied):
            sv.create_matter(user, at=T0, **instruction_data(county))


def test_sup1_explicit_deadline_must_lie_ahead(county):
    with pytest.raises(ValidationError, match="办结期限（2026年3月1日 18:00）须晚于当前时间"):
        sv.create_matter(county.supervisor, at=T0, **instruction_data(county, due_at=local(2026, 3, 1, 18)))


def test_sup1_cooperating_units_each_with_their_responsible_person(county):
    m = sv.create_matter(county.supervisor, at=T0, **instruction_data(county, cooperating=[
        {"unit": county.fin, "person": county.fin_user, "duty": "保障整改资金"},
        {"unit": county.town.pk, "person": county.town_user.pk},
    ]))
    coops = list(m.cooperations.order_by("sort_order"))
    assert [(c.unit, c.person, c.duty) for c in coops] == [
        (county.fin, county.fin_user, "保障整改资金"), (county.town, county.town_user, "")]
    with pytest.raises(ValidationError, match="已是牵头单位"):
        sv.create_matter(county.supervisor, at=T0, **instruction_data(county, cooperating=[{"unit": county.edu}]))
    with pytest.raises(ValidationError, match="不属于配合单位“县财政局”"):
        sv.create_matter(county.supervisor, at=T0, **instruction_data(
            county, cooperating=[{"unit": county.fin, "person": county.town_user}]))


def test_sup1_without_a_deadline_the_seven_working_day_rule_applies(county):
    m = sv.create_matter(county.supervisor, at=T0, **instruction_data(county, due_at=None))
    assert m.deadline_rule == "matter_report_7wd"
    m = sv.assign_matter(m, county.supervisor, at=T0)
    done = clocks_for(m, "completion").get()
    assert done.rule.code == "matter_report_7wd" and not done.explicit
    # 7 working days after Monday 2 March 2026: the end of Wednesday 11 March.
    assert done.due_at == local(2026, 3, 11, 23, 59, 59) and m.deadline == done.due_at


def test_sup1_serial_numbers_run_per_year_and_are_taken_at_assignment(county, loop):
    a, b = loop.draft(), loop.draft()
    b = sv.assign_matter(b, county.supervisor, at=later(hours=1))
    a = sv.assign_matter(a, county.supervisor, at=later(hours=2))
    assert (b.number, a.number) == ("督办〔2026〕1号", "督办〔2026〕2号")
    assert (a.year, a.serial) == (2026, 2)
    c = sv.create_matter(county.supervisor, at=local(2025, 12, 1), **instruction_data(
        county, due_at=local(2025, 12, 20)))
    c = sv.assign_matter(c, county.supervisor, at=local(2025, 12, 1, 10))
    assert c.number == "督办〔2025〕1号"
    assert SerialCounter.objects.get(series="matter", year=2026).last == 2


def test_sup1_assignment_messages_the_responsible_people(county, loop):
    m = loop.assigned(cooperating=[{"unit": county.fin, "person": county.fin_user}])
    subjects = set(Message.objects.filter(recipient__in=[county.edu_user, county.fin_user], channel="inapp")
                   .values_list("recipient__username", "subject"))
    assert subjects == {("edu", f"【督办】{m.number} {m.title}"), ("fin", f"【督办】{m.number} {m.title}")}


def test_doc2_assignment_without_responsible_unit_and_person_is_refused(county):
    m = sv.create_matter(county.supervisor, at=T0, **instruction_data(county, lead_unit=None, lead_person=None))
    with pytest.raises(ValidationError) as e:
        sv.assign_matter(m, county.supervisor, at=T0)
    assert e.value.message_dict == {
        "lead_unit": ["交办前须明确责任单位（牵头单位）"],
        "lead_person": ["交办前须明确责任人"],
    }
    m.refresh_from_db()
    assert m.state == State.DRAFT and m.number == "" and not SerialCounter.objects.exists()
    assert not clocks_for(m).exists()


def test_doc2_cooperating_unit_without_responsible_person_is_refused(county):
    m = sv.create_matter(county.supervisor, at=T0, **instruction_data(county, cooperating=[{"unit": county.fin}]))
    with pytest.raises(ValidationError, match="交办前须明确配合单位的责任人：“县财政局”"):
        sv.assign_matter(m, county.supervisor, at=T0)


def test_doc2_long_term_matter_needs_its_report_cycle(county):
    with pytest.raises(ValidationError) as e:
        sv.create_matter(county.supervisor, at=T0, **instruction_data(county, due_at=None, is_long_term=True))
    assert "长期事项须选择报送周期" in e.value.message_dict["report_cycle"][0]
    assert "报送日" in e.value.message_dict["report_day"][0]


def test_doc2_without_any_time_node_is_refused(county):
    m = sv.create_matter(county.supervisor, at=T0, **instruction_data(county, due_at=None))
    Matter.objects.filter(pk=m.pk).update(deadline_rule="")  # e.g. a row imported without one
    with pytest.raises(ValidationError) as e:
        sv.assign_matter(m, county.supervisor, at=T0)
    assert e.value.message_dict["due_at"] == ["交办前须明确时间节点（办结期限、时限规则或定期报送周期）"]


def test_sup1_a_draft_can_be_edited_and_the_edit_is_journaled(county, loop):
    m = loop.draft()
    m = sv.update_draft(m, county.supervisor, title="校园安全专项整治", due_at=None, at=loop.tick())
    assert m.title == "校园安全专项整治" and m.due_at is None and m.deadline_rule == "matter_report_7wd"
    e = Event.objects.get(action="supervision.matter.update", object_id=str(m.pk))
    assert e.before["title"] == "校园安全隐患排查整治" and e.after["title"] == "校园安全专项整治"


MEETING = {"kind": "standing_meeting", "name": "县政府第12次常务会议", "date": "2026-02-27",
           "minutes_number": "县政府常务会议纪要〔2026〕12号", "source_ref": "meetings.meeting#12"}


def decisions(county):
    return [
        {"title": "推进老旧小区改造", "content": "年内完成12个小区改造", "lead_unit": county.town,
         "lead_person": county.town_user},
        {"title": "落实教师待遇保障资金", "content": "按时足额拨付", "lead_unit": county.fin,
         "lead_person": county.fin_user, "cooperating": [{"unit": county.edu, "person": county.edu_user}],
         "due_at": local(2026, 3, 20, 18)},
        {"title": "校园周边交通整治", "content": "上下学时段交通疏导", "lead_unit": county.edu,
         "lead_person": county.edu_user, "urgency": "extra_urgent"},
    ]


def test_meet3_meeting_decisions_become_assigned_matters_in_one_step(county):
    matters = sv.create_matters_from_meeting(MEETING, decisions(county), county.supervisor, at=T0)
    assert [m.number for m in matters] == ["督办〔2026〕1号", "督办〔2026〕2号", "督办〔2026〕3号"]
    for m in matters:
        assert m.state == State.ASSIGNED and m.source_kind == "standing_meeting"
        assert (m.meeting_name, m.meeting_date) == ("县政府第12次常务会议", dt.date(2026, 2, 27))
        assert m.source_ref == "meetings.meeting#12"
    # Without a deadline: the 7-working-day rule (MEET-3, TL-3).
    assert matters[0].deadline_rule == "matter_report_7wd"
    assert matters[0].deadline == local(2026, 3, 11, 23, 59, 59)
    assert matters[1].deadline == local(2026, 3, 20, 18)


def test_meet3_meeting_decisions_are_all_or_nothing_with_row_errors(county):
    rows = decisions(county)
    rows[1]["lead_unit"] = None
    rows[1]["lead_person"] = None
    rows[2]["title"] = ""
    events = Event.objects.count()
    with pytest.raises(ValidationError) as e:
        sv.create_matters_from_meeting(MEETING, rows, county.supervisor, at=T0)
    assert e.value.messages == [
        "第2行（落实教师待遇保障资金）：交办前须明确责任单位（牵头单位）",
        "第2行（落实教师待遇保障资金）：交办前须明确责任人",
        "第3行：事项名称不能为空",
    ]
    assert [err.params["row"] for err in e.value.error_list] == [2, 2, 3]
    assert not Matter.objects.exists() and not SerialCounter.objects.exists()
    assert Event.objects.count() == events


def test_meet3_a_meetings_organiser_office_hands_decisions_over(county):
    """The meetings app hands over the decisions of a meeting whose
    organising office is not a 督查室 (handed_over=True): the matters are
    assigned at once, supervised by the 督查室 over their lead unit, which
    is told; without the hand-over flag such a user is refused."""
    from duban.org.models import Role

    clerk = county.person("zfb", "秦秘书", county.office, Role.LIAISON)
    with pytest.raises(PermissionDenied):
        sv.create_matters_from_meeting(MEETING, decisions(county), clerk, at=T0)
    matters = sv.create_matters_from_meeting(MEETING, decisions(county), clerk, at=T0, handed_over=True)
    assert [m.state for m in matters] == [State.ASSIGNED] * 3
    assert {m.supervising_unit for m in matters} == {county.duchashi}
    assert {m.created_by for m in matters} == {clerk}
    assert matters[0].deadline == local(2026, 3, 11, 23, 59, 59)
    told = Message.objects.filter(recipient=county.supervisor, subject__startswith="【会议议定事项】")
    assert told.count() == 3
    assert "秦秘书已将“县政府第12次常务会议”的议定事项交办至城关镇" in told.order_by("id").first().body
    create = Event.objects.filter(action="supervision.matter.create").first()
    assert create.after["handed_over_by_meeting_office"] is True
    # The organiser gets no rights on the matters: the 督查室 reviews them.
    assert not sv.may(clerk, matters[0], "cancel")
    # A 督查室 handing over keeps its own unit as the supervising office.
    again = sv.create_matters_from_meeting(MEETING, decisions(county)[:1], county.supervisor, at=T0,
                                           handed_over=True)
    assert again[0].supervising_unit == county.duchashi


def test_meet3_matter_lights_for_other_apps_pages_hide_what_the_reader_may_not_open(county):
    matters = sv.create_matters_from_meeting(MEETING, decisions(county), county.supervisor, at=T0)
    ids = [m.pk for m in matters]
    everything = sv.matter_lights(ids, county.supervisor, now=T0)
    assert sorted(everything) == sorted(ids)
    assert {x["light"] for x in everything.values()} == {"green"}
    assert everything[ids[0]]["number"] == "督办〔2026〕1号" and everything[ids[0]]["url"].endswith(f"/{ids[0]}/")
    # 县教育局 leads the third and cooperates on the second; it sees those two only.
    assert sorted(sv.matter_lights(ids, county.edu_user, now=T0)) == ids[1:]
    later = sv.matter_lights(ids, county.supervisor, now=local(2026, 3, 12, 9))
    assert later[ids[0]]["light"] == "red"
    assert sv.matter_lights([], county.supervisor) == {} and sv.matter_lights([None], county.supervisor) == {}


def test_meet3_meeting_needs_name_date_and_a_meeting_kind(county):
    with pytest.raises(ValidationError) as e:
        sv.create_matters_from_meeting({"kind": "hotline", "name": ""}, [], county.supervisor, at=T0)
    assert e.value.messages[:2] == ["会议类型应为常务会议或专题会议", "议定事项不能为空"]
    with pytest.raises(ValidationError, match="第1行.*会议名称"):
        sv.create_matters_from_meeting({"name": "", "date": "2026-02-27"}, decisions(county)[:1],
                                       county.supervisor, at=T0)
