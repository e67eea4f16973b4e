"""EVAL-5 (国办发〔2019〕51号): five levels, rated once from a link or a code,
by the public and by enterprises; every 差评 is verified, rectified within
a time limit (a row, 5 working days) or explained, and the rater called
back; a mistaken or malicious 差评 can be appealed and excluded, the
decision recorded; satisfaction rates per unit and the enterprises'
closure and satisfaction rates."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from duban.journal.models import Event
from duban.portal import queries
from duban.portal import services as ps
from duban.portal.models import AppealState, BadRatingStep, Dispatch, RaterKind, Rating, Verdict
from duban.timelimits.models import TimeLimitRule

from .conftest import D, T, complaint

pytestmark = [pytest.mark.django_db, pytest.mark.anydate]  # web requests run on the real clock


@pytest.fixture
def closed(county, referred):
    d = Dispatch.objects.get(ticket=referred)
    ps.answer_dispatch(d, county.edu_user, result="已处理", public_answer="经核实已整改。", at=T(3, 5))
    ps.review_answer(d, county.supervisor, accept=True, at=T(3, 5, 11))
    referred.refresh_from_db()
    return referred


def test_eval5_the_complainant_rates_once_from_the_tracking_page(client, closed):
    page = client.post("/p/track/", {"code": closed.tracking_code}).content.decode()
    assert "评价办理结果" in page and "非常不满意" in page and "经核实已整改。" in page
    page = client.post("/p/track/rate/", {"code": closed.tracking_code, "level": "2", "comment": ""}).content.decode()
    assert "请写明原因" in page and not Rating.objects.exists()
    client.post("/p/track/rate/", {"code": closed.tracking_code, "level": "2", "comment": "处理结果敷衍"})
    r = Rating.objects.get()
    assert (r.level, r.ticket, r.unit.name, r.step, r.rater_kind) == (2, closed, "县教育局", BadRatingStep.VERIFY,
                                                                    RaterKind.PUBLIC)
    page = client.post("/p/track/", {"code": closed.tracking_code}).content.decode()
    assert "您的评价：<strong>不满意</strong>" in page and "提交评价" not in page
    with pytest.raises(ValidationError):
        ps.rate(closed.invitation, level=5, at=T(3, 7))


def test_eval5_no_rating_before_the_ticket_is_closed(client, county, referred):
    page = client.post("/p/track/", {"code": referred.tracking_code}).content.decode()
    assert "正在办理" in page and "评价办理结果" not in page
    client.post("/p/track/rate/", {"code": referred.tracking_code, "level": "5"})
    assert not Rating.objects.exists()


def test_eval5_a_bad_rating_is_verified_rectified_within_five_working_days_and_called_back(county, closed):
    r = ps.rate(closed.invitation, level=1, comment="窗口态度依然很差", at=T(3, 6, 9))
    assert TimeLimitRule.objects.get(code="rating_rectify_5wd").limit == "5wd"
    with pytest.raises(PermissionDenied):
        ps.verify_rating(r, county.edu_user, verdict=Verdict.TRUE, note="属实", at=T(3, 6, 10))
    ps.verify_rating(r, county.supervisor, verdict=Verdict.TRUE, note="经调取录像，属实", at=T(3, 6, 10))
    r.refresh_from_db()
    assert r.step == BadRatingStep.RECTIFY and r.clock.due_at.date() == D(3, 13) and r.clock.owner_unit == county.edu
    with pytest.raises(ValidationError):
        ps.call_back(r, county.supervisor, note="x", satisfied=True, at=T(3, 7))  # not yet rectified
    ps.handle_rating(r, county.edu_user, text="对窗口人员批评教育，开展服务礼仪培训", at=T(3, 10))
    ps.call_back(r, county.supervisor, note="电话回访，评价人认可整改", satisfied=True, at=T(3, 11))
    r.refresh_from_db()
    assert r.step == BadRatingStep.DONE and r.callback_satisfied and r.clock.state == "met"
    actions = list(Event.objects.filter(object_type="portal.rating", object_id=str(r.pk)).order_by("seq")
                   .values_list("action", flat=True))
    assert actions == ["portal.rating.create", "portal.rating.verify", "portal.rating.handle", "portal.rating.callback"]


def test_eval5_a_bad_rating_not_true_is_explained(county, closed):
    r = ps.rate(closed.invitation, level=2, comment="不满意", at=T(3, 6, 9))
    ps.verify_rating(r, county.supervisor, verdict=Verdict.FALSE, note="经核实，已按规定办理", at=T(3, 6, 10))
    r.refresh_from_db()
    assert r.step == BadRatingStep.EXPLAIN
    ps.handle_rating(r, county.edu_user, text="向评价人说明办理依据", at=T(3, 9))
    ps.call_back(r, county.supervisor, note="已说明", satisfied=False, at=T(3, 10))
    r.refresh_from_db()
    assert r.step == BadRatingStep.DONE and r.callback_satisfied is False


def test_eval5_an_appeal_upheld_excludes_the_bad_rating_from_the_rates(client, county, closed):
    r = ps.rate(closed.invitation, level=1, comment="恶意差评", at=T(3, 6, 9))
    client.force_login(county.edu_user)
    client.post(f"/portal/ratings/{r.pk}/", {"action": "appeal", "reason": "评价人办理的并非本单位业务，属误评"})
    a = r.appeals.get()
    with pytest.raises(PermissionDenied):
        ps.decide_appeal(a, county.edu_user, uphold=True, note="自己复核", at=T(3, 7))
    with pytest.raises(ValidationError):
        ps.appeal_rating(r, county.edu_user, reason="再申诉一次", at=T(3, 7))
    assert queries.satisfaction_by_unit()[0]["bad"] == 1
    client.force_login(county.supervisor)
    client.post(f"/portal/ratings/{r.pk}/", {"action": "decide_appeal", "uphold": "1",
                                             "decision_note": "经核实评价对象错误，剔除"})
    a.refresh_from_db()
    r.refresh_from_db()
    assert a.state == AppealState.UPHELD and a.decided_by == county.supervisor and r.excluded
    assert queries.satisfaction_by_unit() == []
    assert Event.objects.filter(action="portal.rating.appeal.decide", object_id=str(a.pk)).exists()


def test_eval5_service_codes_rate_once_by_the_public_and_enterprises(client, county):
    [code] = ps.issue_codes(county.supervisor, unit=county.fin, service="惠企资金兑付", count=1,
                            rater_kind=RaterKind.ENTERPRISE, at=T(3, 2))
    assert f'value="{code.code}"' in client.get("/p/rate/", {"code": code.code}).content.decode()  # from a link
    page = client.post("/p/rate/", {"code": code.code.lower()}).content.decode()
    assert "县财政局" in page and "惠企资金兑付" in page
    client.post("/p/rate/", {"code": code.code, "level": "5", "comment": "很快"})
    assert Rating.objects.get().rater_kind == RaterKind.ENTERPRISE
    page = client.post("/p/rate/", {"code": code.code, "level": "4"}).content.decode()
    assert "只能评价一次" in page and Rating.objects.count() == 1
    assert "没有找到这个评价码" in client.post("/p/rate/", {"code": "NOPE"}).content.decode()
    with pytest.raises(PermissionDenied):
        ps.issue_codes(county.fin_user, unit=county.fin, service="x", at=T(3, 2))


def test_eval5_satisfaction_per_unit_and_the_enterprises_rates(county):
    levels = {county.edu: [5, 4, 3, 2], county.fin: [5, 1]}
    for unit, values in levels.items():
        for level, code in zip(values, ps.issue_codes(county.supervisor, unit=unit, service="办事", count=len(values),
                                                      at=T(3, 2)), strict=True):
            ps.rate(code, level=level, comment="差" if level < 3 else "", at=T(3, 3))
    rows = {r["unit"]: r for r in queries.satisfaction_by_unit()}
    assert (rows["县教育局"]["total"], rows["县教育局"]["satisfied"], rows["县教育局"]["rate"]) == (4, 3, "75.0%")
    assert (rows["县财政局"]["bad"], rows["县财政局"]["rate"]) == (1, "50.0%")
    assert queries.unit_satisfaction_rates()[county.edu.pk] == 0.75
    [service] = [r for r in queries.satisfaction_by_service() if r["unit"] == "县财政局"]
    assert (service["service"], service["total"], service["rate"]) == ("办事", 2, "50.0%")
    e1 = ps.submit_public(complaint(is_enterprise=True, company="示范县某某科技有限公司"), at=T(3, 2))
    ps.submit_public(complaint(title="企业第二件", content="企业用电报装迟迟不批，影响开工。", is_enterprise=True,
                               company="某厂"), at=T(3, 2))
    ps.dismiss(e1, county.supervisor, reason="重复", public_answer="已另案办理。", at=T(3, 3))
    rates = queries.enterprise_rates()
    assert (rates["tickets"], rates["closed"], rates["closure_rate"]) == (2, 1, "50.0%")


def test_eval5_another_units_rating_is_404(client, county, closed):
    r = ps.rate(closed.invitation, level=2, comment="不满意", at=T(3, 6))
    client.force_login(county.fin_user)
    assert client.get(f"/portal/ratings/{r.pk}/").status_code == 404
    client.force_login(county.edu_user)
    assert client.get(f"/portal/ratings/{r.pk}/").status_code == 200
