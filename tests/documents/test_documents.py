"""DOC-1, DOC-2, TL-3: received and issued documents on their legal clocks
(seed 004 §4, §8), their length in characters against the editable limits,
the 以文件落实文件 flag counted against the unit, and the DOC-2 check shared
with matters (duban.core.arrangements)."""

import datetime as dt
import zoneinfo

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from duban.clocks.models import ClockState
from duban.clocks.services import clocks_for
from duban.core.numbers import save_number
from duban.documents import services as docs
from duban.documents.models import DocState, LengthLimit
from duban.journal.models import Event
from duban.plans import services as plans
from duban.plans.models import PlanUsage

pytestmark = pytest.mark.django_db
TZ = zoneinfo.ZoneInfo("Asia/Shanghai")


def local(*args):
    return dt.datetime(*args, tzinfo=TZ)


# Monday 2 March 2026, 09:00 (an official working week).
T0 = local(2026, 3, 2, 9, 0)


def received(county, **kw):
    data = dict(number="市政办发〔2026〕8号", issuer_name="市人民政府办公室", title="关于做好春季森林防火工作的通知",
                unit=county.edu, urgency="normal", received_at=T0)
    data.update(kw)
    return docs.register_received(county.edu_user, at=T0, **data)


def issued(county, by=None, **kw):
    at = kw.pop("at", T0)
    data = dict(title="关于开展校园安全隐患排查的通知", unit=county.edu, char_count=1800)
    data.update(kw)
    return docs.register_issued(by or county.edu_user, at=at, **data)


def test_tl3_extra_urgent_document_is_approved_within_one_hour(county):
    d = received(county, urgency="extra_urgent")
    clock = clocks_for(d, docs.APPROVE).get()
    assert clock.due_at == T0 + dt.timedelta(hours=1) and clock.rule.code == "urgent_document_1h"
    assert d.current_clock_id == clock.pk and d.open_due_at == clock.due_at
    d = docs.approve(d, county.edu_head, note="请安全股牵头办理", at=T0 + dt.timedelta(minutes=75))
    clock.refresh_from_db()
    assert d.state == DocState.APPROVED and clock.state == ClockState.MET_LATE and clock.late_seconds == 15 * 60
    assert Event.objects.filter(action="documents.document.approve", object_id=str(d.pk)).exists()


def test_doc1_a_normal_received_document_has_no_clock(county):
    d = received(county)
    assert not clocks_for(d).exists() and d.current_clock_id is None


def test_tl3_supporting_document_two_months_to_review_three_to_issue(county):
    d = received(county, needs_supporting=True, supporting_unit=county.edu, supporting_person=county.edu_user)
    review, issue = clocks_for(d, docs.SUPPORT_REVIEW).get(), clocks_for(d, docs.SUPPORT_ISSUE).get()
    assert review.rule.code == "supporting_document_review_2mo" and issue.rule.code == "supporting_document_issue_3mo"
    # 2 May falls in 劳动节 (1-5 May 2026): rolled on to the next working day.
    assert review.due_at.astimezone(TZ).date() == dt.date(2026, 5, 6)
    assert issue.due_at.astimezone(TZ).date() == dt.date(2026, 6, 2)
    assert review.owner_unit == county.edu and review.owner_person == county.edu_user
    # The supporting document: submitted in April, issued in May.
    s = issued(county, title="县教育局贯彻落实森林防火工作的实施方案", implements=d.pk)
    docs.submit(s, county.edu_user, at=local(2026, 4, 20, 10))
    review.refresh_from_db()
    assert review.state == ClockState.MET and clocks_for(d, docs.SUPPORT_ISSUE).get().state == ClockState.RUNNING
    docs.issue(s, county.edu_user, number="县教发〔2026〕5号", at=local(2026, 5, 20, 10))
    issue.refresh_from_db()
    assert issue.state == ClockState.MET
    d.refresh_from_db()
    assert d.open_due_at is None


def test_tl3_supporting_document_limits_stated_by_the_higher_document_win(county):
    d = received(county, needs_supporting=True, supporting_unit=county.edu, supporting_person=county.edu_user,
                 supporting_review_due=local(2026, 3, 20, 18), supporting_issue_due=local(2026, 3, 31, 18))
    assert clocks_for(d, docs.SUPPORT_REVIEW).get().due_at == local(2026, 3, 20, 18)
    assert clocks_for(d, docs.SUPPORT_ISSUE).get().explicit


def test_doc2_supporting_document_without_unit_and_person_is_refused(county):
    with pytest.raises(ValidationError) as e:
        received(county, needs_supporting=True)
    assert e.value.message_dict == {"supporting_unit": ["要求制定配套文件的，登记时须明确配套文件的责任单位"],
                                    "supporting_person": ["要求制定配套文件的，登记时须明确责任人"]}


def test_tl3_document_after_standing_meeting_issued_within_five_working_days(county):
    meeting = local(2026, 4, 30, 15)  # Thursday before 劳动节 (1-5 May)
    d = issued(county, meeting_name="县政府第8次常务会议", meeting_at=meeting, at=local(2026, 4, 30, 17))
    clock = clocks_for(d, docs.MEETING_ISSUE).get()
    assert clock.rule.code == "meeting_document_issue_5wd"
    # 30 Apr → working days 6, 7, 8, 9 (Saturday, 调休), 11 May.
    assert clock.due_at.astimezone(TZ).date() == dt.date(2026, 5, 11)
    docs.issue(d, county.edu_user, number="县教发〔2026〕9号", at=local(2026, 5, 12, 9))
    clock.refresh_from_db()
    assert clock.state == ClockState.MET_LATE


def test_tl3_revision_comments_back_within_one_working_day_or_three_for_major(county):
    d = issued(county)
    docs.submit(d, county.edu_user, at=local(2026, 3, 3, 9))
    d = docs.request_revision(d, county.leader, comments="第三部分措施要具体", at=local(2026, 3, 6, 10))  # Friday
    minor = clocks_for(d, docs.REVISION).get()
    assert minor.rule.code == "revision_resubmit_1wd" and minor.due_at.astimezone(TZ).date() == dt.date(2026, 3, 9)
    with pytest.raises(ValidationError, match="须修改后重新送审"):
        docs.issue(d, county.edu_user, number="县教发〔2026〕1号", at=local(2026, 3, 6, 11))
    d = docs.submit(d, county.edu_user, text="修改后的正文。" * 10, at=local(2026, 3, 9, 9))
    minor.refresh_from_db()
    assert minor.state == ClockState.MET and d.char_count == 70
    d = docs.request_revision(d, county.leader, comments="结构调整", major=True, at=local(2026, 3, 9, 15))
    major = clocks_for(d, docs.REVISION).order_by("-id").first()
    assert major.rule.code == "major_revision_resubmit_3wd" and major.due_at.astimezone(TZ).date() == dt.date(2026, 3, 12)


def test_doc1_length_is_counted_in_characters_and_over_the_limit_needs_a_reason(county):
    assert docs.count_chars("一、总体要求\n  认真 落实。") == 11
    with pytest.raises(ValidationError) as e:
        issued(county, char_count=5001)
    assert e.value.message_dict["length_reason"] == ["正文5001字，超过文件5000字的篇幅要求，须说明理由"]
    with pytest.raises(ValidationError, match="超过专项文件4000字"):
        issued(county, char_count=4500, is_special=True)
    d = issued(county, char_count=4500, is_special=True, length_reason="涉及十个部门的职责分工，无法再压缩")
    assert d.char_count == 4500
    assert issued(county, text="字" * 5000).char_count == 5000


def test_doc1_length_limits_are_rows_an_administrator_edits(county):
    limit = LengthLimit.objects.get(code="document_general_chars")
    assert (limit.value, limit.seed_section) == (5000, "《整治形式主义为基层减负若干规定》（2024年）")
    limit.value = 3000
    save_number(limit, by=county.sysadmin)
    with pytest.raises(ValidationError, match="超过文件3000字"):
        issued(county, char_count=3500)
    ev = Event.objects.get(action="documents.lengthlimit.update")
    assert (ev.before["value"], ev.after["value"]) == (5000, 3000)


def test_doc2_document_assigning_work_without_time_node_unit_person_is_refused_naming_them(county):
    with pytest.raises(ValidationError) as e:
        issued(county, tasks=[{"content": "各学校开展隐患自查", "unit": county.edu_office},
                              {"content": "汇总上报", "unit": county.edu, "person": county.edu_user,
                               "due_on": "2026-03-20"},
                              {"content": "督导检查"}])
    assert e.value.message_dict["tasks"] == [
        "第1项工作安排“各学校开展隐患自查”缺少时间节点、责任人",
        "第3项工作安排“督导检查”缺少时间节点、责任单位、责任人",
    ]
    with pytest.raises(ValidationError, match="布置工作的文件须列明工作安排"):
        issued(county, assigns_work=True)
    d = issued(county, tasks=[{"content": "汇总上报", "unit": county.edu, "person": county.edu_user,
                               "due_on": "2026-03-20"}])
    assert d.assigns_work and d.tasks.get().due_on == dt.date(2026, 3, 20)


def test_doc2_the_rule_is_written_once_and_matters_use_it():
    from duban.core.arrangements import arrangement_problems
    from duban.supervision.services import doc2_problems

    assert doc2_problems(lead_unit=None, lead_person=None, due_at=None, deadline_rule="", is_long_term=False,
                         report_cycle="", report_day=None, cooperating=[]) == {
        "lead_unit": "交办前须明确责任单位（牵头单位）", "lead_person": "交办前须明确责任人",
        "due_at": "交办前须明确时间节点（办结期限、时限规则或定期报送周期）"}
    assert arrangement_problems(unit=None, person=None, has_time_node=False) == {
        "unit": "交办前须明确责任单位", "person": "交办前须明确责任人", "time_node": "交办前须明确时间节点"}


def test_doc1_flag_only_forwards_counts_against_the_unit(county):
    d = issued(county, layout="white_head")
    with pytest.raises(PermissionDenied):
        docs.flag_forwarding(d, county.edu_user, note="照转", at=T0)
    docs.issue(d, county.edu_user, at=local(2026, 3, 3, 9))  # a white-letterhead document: no number needed
    d = docs.flag_forwarding(d, county.supervisor, note="照转市文件，无本地措施", at=local(2026, 3, 4, 9))
    usage = PlanUsage.objects.get(source_type="documents.document", source_id=str(d.pk))
    assert d.only_forwards and usage.flags == [docs.FORWARDING] and usage.unit == county.edu
    d = docs.unflag_forwarding(d, county.supervisor, reason="已补充措施", at=local(2026, 3, 5, 9))
    usage.refresh_from_db()
    assert not d.only_forwards and usage.flags == []


def test_meet4_an_issued_document_counts_by_content_not_letterhead(county):
    plans.set_plan(county.supervisor, unit=county.edu, year=2026, kind="document", quota=2, baseline=2, at=T0)
    for layout, n in (("note", "县教函〔2026〕1号"), ("white_head", "")):
        docs.issue(issued(county, layout=layout), county.edu_user, number=n, at=local(2026, 3, 3, 9))
    assert plans.used(county.edu, 2026, "document") == 2
    with pytest.raises(ValidationError, match="计划2项，已计入2项。超出计划须先提交书面说明"):
        docs.issue(issued(county), county.edu_user, number="县教发〔2026〕3号", at=local(2026, 3, 3, 10))


def test_doc1_another_unit_cannot_register_or_handle_a_units_documents(county):
    with pytest.raises(PermissionDenied):
        received(county, unit=county.fin)
    d = received(county, urgency="extra_urgent")
    with pytest.raises(PermissionDenied):
        docs.approve(d, county.fin_user, at=T0)
    with pytest.raises(PermissionDenied):
        docs.submit(issued(county), county.fin_user, at=T0)
