"""PUB-2 triage and dispatch: the office sorts a ticket into a matter, a
rectification problem, a referral or a dismissal; a referral's clock runs
5 working days; a misrouted ticket goes back within 2 working days and
returns are capped; extensions are at most 10 working days in all; phone
follow-ups are recorded; a unit of another branch sees nothing (404)."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from duban.journal.models import Event
from duban.notify.models import Message
from duban.portal import services as ps
from duban.portal.models import Dispatch, DispatchState, Outcome, Solved, TicketState
from duban.rectification.models import Source
from duban.supervision import services as sv
from duban.supervision.models import SourceKind
from tests.supervision.conftest import upload

from .conftest import ADDRESS, PHONE, D, T, complaint

pytestmark = [pytest.mark.django_db, pytest.mark.anydate]  # web requests run on the real clock


def test_pub2_referral_starts_a_five_working_day_clock_and_tells_the_unit(county, filed):
    t = ps.refer(filed, county.supervisor, unit=county.edu, reason="属教育局窗口服务问题", at=T(3, 2, 10))
    d = Dispatch.objects.get(ticket=t)
    assert (t.state, t.outcome, t.handling_unit) == (TicketState.DISPATCHED, Outcome.REFERRAL, county.edu)
    # Monday 2 March: five working days end Monday 9 March; a return is possible until Wednesday 4 March.
    assert d.clock.due_at.date() == D(3, 9) and d.return_by.date() == D(3, 4)
    assert d.clock.owner_unit == county.edu and d.clock.link == t.get_absolute_url()
    assert Message.objects.filter(recipient=county.edu_user, subject__startswith="【转办】").exists()
    assert Event.objects.filter(action="portal.ticket.refer", object_id=str(t.pk), actor=county.supervisor).exists()


def test_pub2_the_handling_unit_sees_the_ticket_and_the_contact_other_units_get_404(client, county, referred):
    client.force_login(county.edu_user)
    page = client.get(f"/portal/tickets/{referred.pk}/").content.decode()
    assert PHONE in page and "仅督查室和承办单位可见" in page and "提交答复" in page
    client.force_login(county.fin_user)
    assert client.get(f"/portal/tickets/{referred.pk}/").status_code == 404
    assert client.post(f"/portal/tickets/{referred.pk}/", {"action": "answer"}).status_code == 404
    assert str(referred.number) not in client.get("/portal/?state=all").content.decode()


def test_pub2_a_misrouted_ticket_is_returned_within_two_working_days_and_returns_are_capped(county, referred):
    d = Dispatch.objects.get(ticket=referred)
    ps.return_dispatch(d, county.edu_user, reason="属财政局职责", at=T(3, 3, 9))
    referred.refresh_from_db()
    assert (referred.state, referred.returns, referred.handling_unit) == (TicketState.RETURNED, 1, None)
    d.refresh_from_db()
    assert d.state == DispatchState.RETURNED and d.clock.state == "stopped"
    # Too late: after the window.
    t = ps.refer(referred, county.supervisor, unit=county.fin, reason="退回后改派财政局", at=T(3, 3, 10))
    late = t.dispatches.get(unit=county.fin)
    with pytest.raises(ValidationError) as e:
        ps.return_dispatch(late, county.fin_user, reason="也不是财政局", at=T(3, 9, 9))
    assert "2个工作日内退回" in e.value.messages[0]
    ps.return_dispatch(late, county.fin_user, reason="也不是财政局", at=T(3, 4, 9))
    # The second return was the last one allowed (Limit ticket_max_returns = 2).
    t = ps.refer(t, county.supervisor, unit=county.town, reason="由城关镇办理", at=T(3, 4, 10))
    third = t.dispatches.get(unit=county.town)
    with pytest.raises(ValidationError) as e:
        ps.return_dispatch(third, county.town_user, reason="不归我们", at=T(3, 4, 11))
    assert "达到上限（2次）" in e.value.messages[0]


def test_pub2_extensions_are_at_most_ten_working_days_in_all(county, referred):
    d = Dispatch.objects.get(ticket=referred)
    due = d.clock.due_at
    ext = ps.request_dispatch_extension(d, county.edu_user, days=6, reason="需现场核查", at=T(3, 4))
    with pytest.raises(PermissionDenied):
        ps.decide_dispatch_extension(ext, county.edu_user, approve=True, at=T(3, 4, 11))
    ps.decide_dispatch_extension(ext, county.supervisor, approve=True, at=T(3, 4, 11))
    d.refresh_from_db()
    d.clock.refresh_from_db()
    assert d.clock.due_at.date() == D(3, 17) and d.clock.due_at > due  # six working days after 9 March
    with pytest.raises(ValidationError) as e:
        ps.request_dispatch_extension(d, county.edu_user, days=5, reason="还需时间", at=T(3, 5))
    assert "不能超过10个工作日（已延期6个工作日）" in e.value.message_dict["days"][0]


def test_pub2_the_unit_answers_the_office_accepts_and_the_complainant_may_rate(client, county, referred):
    d = Dispatch.objects.get(ticket=referred)
    with pytest.raises(ValidationError):
        ps.answer_dispatch(d, county.edu_user, result="已核实", public_answer=f"请致电{PHONE}", at=T(3, 5))
    client.force_login(county.edu_user)
    client.post(f"/portal/tickets/{referred.pk}/", {
        "action": "answer", "result": "经查，窗口人员未一次性告知材料，已批评教育并调岗。",
        "public_answer": "经核实，窗口未一次性告知所需材料，已责令整改并对相关人员批评教育。"})
    d.refresh_from_db()
    assert d.state == DispatchState.ANSWERED and d.clock.met_at is not None  # answered now: late for March
    client.force_login(county.supervisor)
    client.post(f"/portal/tickets/{referred.pk}/", {"action": "review", "accept": "1", "note": "", "public_answer": ""})
    referred.refresh_from_db()
    assert referred.state == TicketState.CLOSED and referred.public_answer.startswith("经核实")
    assert referred.invitation.unit == county.edu


def test_pub2_an_answer_sent_back_is_handled_again_on_a_new_clock(county, referred):
    d = Dispatch.objects.get(ticket=referred)
    ps.answer_dispatch(d, county.edu_user, result="已处理", public_answer="已处理。", at=T(3, 5))
    ps.review_answer(d, county.supervisor, accept=False, note="答复过于简单，请写明处理结果", at=T(3, 5, 11))
    referred.refresh_from_db()
    again = referred.dispatches.filter(state=DispatchState.HANDLING).get()
    assert referred.state == TicketState.DISPATCHED and again.pk != d.pk and again.clock.due_at.date() == D(3, 12)
    assert "答复过于简单" in again.reason


def test_pub2_the_office_turns_a_ticket_into_a_matter_and_closes_it_when_the_matter_is_done(county, filed):
    t = ps.triage_matter(filed, county.supervisor, lead_unit=county.edu, lead_person=county.edu_user,
                         urgency="urgent", at=T(3, 2, 10))
    m = t.matter
    assert (t.state, m.source_kind, m.ticket_number, m.lead_unit) == (TicketState.IN_MATTER, SourceKind.COMPLAINT,
                                                                     t.number, county.edu)
    assert m.state == "assigned"
    with pytest.raises(ValidationError) as e:
        ps.close_ticket(t, county.supervisor, public_answer="已办结。", at=T(3, 3))
    assert "尚未办结" in e.value.messages[0]
    sv.acknowledge(m, county.edu_user, at=T(3, 2, 11))
    sv.submit_report(m, county.edu_user, text="正在整改", progress=50, at=T(3, 3))
    sv.request_completion(m, county.edu_user, text="已整改", files=[upload()], at=T(3, 4))
    sv.complete_matter(m, county.supervisor, at=T(3, 5))
    t = ps.close_ticket(t, county.supervisor, public_answer="经督办，窗口服务问题已整改到位。", at=T(3, 5, 10))
    assert t.state == TicketState.CLOSED and t.invitation.unit == county.edu


def test_pub2_a_12345_ticket_becomes_a_matter_from_the_hotline(county):
    [t] = ps.import_hotline(county.supervisor, [("第1条", {
        "hotline_number": "HX1", "received_at": T(3, 2, 8), "title": "噪音", "content": "工地夜间施工噪音扰民。"})],
        at=T(3, 2, 9)).created
    t = ps.triage_matter(t, county.supervisor, lead_unit=county.town, lead_person=county.town_user, at=T(3, 2, 10))
    assert (t.matter.source_kind, t.matter.ticket_number) == (SourceKind.HOTLINE, "HX1")


def test_pub2_a_complaint_about_work_style_becomes_a_problem_raised_by_the_public(camp, filed):
    c = camp
    t = ps.triage_problem(filed, c.supervisor, campaign=c.campaign, unit=c.edu, category="官僚作风",
                          measures="落实一次性告知制度", deadline=D(4, 30), at=T(3, 2, 10))
    p = t.problem
    assert (t.state, p.source, p.unit, p.category.name) == (TicketState.IN_PROBLEM, Source.PUBLIC, c.edu, "官僚作风")
    assert t.title in p.description


def test_pub2_dismissal_with_reasons_and_an_answer_for_the_complainant(county, filed):
    with pytest.raises(ValidationError) as e:
        ps.dismiss(filed, county.supervisor, reason="不属作风问题", public_answer="", at=T(3, 2, 10))
    assert "public_answer" in e.value.message_dict
    t = ps.dismiss(filed, county.supervisor, reason="属民事纠纷", public_answer="您反映的属民事纠纷，建议通过诉讼解决。",
                   at=T(3, 2, 10))
    assert (t.state, t.outcome, t.closed_at) == (TicketState.DISMISSED, Outcome.DISMISSAL, T(3, 2, 10))
    with pytest.raises(ValidationError):
        ps.refer(t, county.supervisor, unit=county.edu, reason="改派", at=T(3, 2, 11))


def test_pub2_triage_is_the_offices(county, filed):
    with pytest.raises(PermissionDenied):
        ps.refer(filed, county.edu_head, unit=county.edu, reason="自己办", at=T(3, 2, 10))
    with pytest.raises(PermissionDenied):
        ps.dismiss(filed, county.leader, reason="x", public_answer="不予受理。", at=T(3, 2, 10))


def test_pub2_phone_follow_ups_record_when_who_and_whether_solved(client, county, referred):
    client.force_login(county.supervisor)
    client.post(f"/portal/tickets/{referred.pk}/", {"action": "follow_up", "contacted_at": "2026-03-06T15:30",
                                                    "method": "phone", "reached": "on", "solved": "solved",
                                                    "note": "投诉人表示已办成"})
    f = referred.follow_ups.get()
    assert (f.by, f.reached, f.solved, f.contacted_at) == (county.supervisor, True, Solved.SOLVED, T(3, 6, 15, 30))
    page = client.get(f"/portal/tickets/{referred.pk}/").content.decode()
    assert "2026-03-06 15:30" in page and "已解决" in page and ADDRESS in page
    with pytest.raises(PermissionDenied):
        ps.record_follow_up(referred, county.fin_user, reached=False, at=T(3, 6))


def test_pub2_office_pages_need_login_and_lists_are_paged_with_few_queries(client, county, django_assert_max_num_queries):
    assert client.get("/portal/").status_code == 302
    for i in range(3):
        ps.submit_public(complaint(title=f"投诉{i}", content=f"第{i}件不同的投诉内容，情况各不相同。{'甲乙丙'[i] * 8}"),
                         at=T(3, 2, 9 + i))
    client.force_login(county.supervisor)
    client.get("/portal/")
    with django_assert_max_num_queries(20):
        page = client.get("/portal/").content.decode()
    for i in range(3, 40):
        ps.submit_public(complaint(title=f"投诉{i}", content=f"第{i}件不同的投诉内容，编号{i * 7919}。"), at=T(3, 3, 9))
    with django_assert_max_num_queries(20):
        page = client.get("/portal/").content.decode()
    assert "第 1 / 2 页" in page


def test_pub2_a_unit_that_returned_a_ticket_still_reads_it_but_no_longer_the_contact(client, county, referred):
    ps.return_dispatch(Dispatch.objects.get(ticket=referred), county.edu_user, reason="属财政局职责", at=T(3, 3))
    ps.refer(referred, county.supervisor, unit=county.fin, reason="改派财政局", at=T(3, 3, 10))
    client.force_login(county.edu_user)
    page = client.get(f"/portal/tickets/{referred.pk}/").content.decode()
    assert referred.number in page and PHONE not in page and "提交答复" not in page
    client.force_login(county.town_user)
    assert client.get(f"/portal/tickets/{referred.pk}/").status_code == 404
