"""PUB-1 … PUB-3, EVAL-5: every public page works without login, reads on a
phone, and carries no personal or internal field -- not the complainant's
name, phone, e-mail, address or company, not an official's name or
account, not an internal note (triage reasons, the unit's internal
result, return reasons, verification, callback, appeal and review notes).

The test visits every URL of duban.portal.public_urls (and the published
problem lists of duban.rectification.public_urls) with tickets in every
state behind them, and fails when a public page is added without being
visited here."""

import pytest
from django.urls import reverse

from duban.portal import public_urls
from duban.portal import services as ps
from duban.portal.models import CaseKind, Dispatch, Verdict
from duban.rectification import public_urls as rect_public_urls
from duban.rectification import services as rs

from .conftest import ADDRESS, EMAIL, NAME, PHONE, D, T, complaint

pytestmark = [pytest.mark.django_db, pytest.mark.anydate]  # web requests run on the real clock

COMPANY = "示范县保密科技有限公司"
INTERNAL = ["内部分拣意见", "内部办理情况", "内部退回理由", "内部核实情况", "内部整改情况", "内部回访情况",
            "内部申诉理由", "内部复核意见", "内部审核意见", "内部回访记录", "内部延期理由"]


@pytest.fixture
def everything(camp):
    """Tickets in every state, a handled 差评 and an appeal, a published case
    and a published rectification problem, all with sentinel personal and
    internal strings."""
    c = camp
    sup, edu = c.supervisor, c.edu_user

    def file(title, **kw):
        return ps.submit_public(complaint(title=title, content=f"{title}：具体情况说明，时间地点清楚。", company=COMPANY,
                                          is_enterprise=True, **kw), at=T(3, 2, 9))

    out = {"received": file("刚受理的投诉")}
    dispatched = ps.refer(file("转办中的投诉"), sup, unit=c.edu, reason="内部分拣意见", at=T(3, 2, 10))
    d = Dispatch.objects.get(ticket=dispatched)
    ps.request_dispatch_extension(d, edu, days=2, reason="内部延期理由", at=T(3, 3))
    out["dispatched"] = dispatched
    returned = ps.refer(file("被退回的投诉"), sup, unit=c.fin, reason="内部分拣意见", at=T(3, 2, 10))
    ps.return_dispatch(Dispatch.objects.get(ticket=returned), c.fin_user, reason="内部退回理由", at=T(3, 3))
    out["returned"] = returned
    closed = ps.refer(file("已办结的投诉"), sup, unit=c.edu, reason="内部分拣意见", at=T(3, 2, 10))
    cd = Dispatch.objects.get(ticket=closed)
    ps.answer_dispatch(cd, edu, result="内部办理情况", public_answer="经核实已整改到位。", at=T(3, 4))
    ps.review_answer(cd, sup, accept=True, note="内部审核意见", at=T(3, 4, 11))
    ps.record_follow_up(closed, sup, reached=True, solved="solved", note="内部回访记录", at=T(3, 5))
    closed.refresh_from_db()
    out["closed"] = closed
    bad = ps.rate(closed.invitation, level=1, comment="办理结果不满意，态度差", at=T(3, 6))
    ps.verify_rating(bad, sup, verdict=Verdict.TRUE, note="内部核实情况", at=T(3, 6, 10))
    ps.handle_rating(bad, edu, text="内部整改情况", at=T(3, 9))
    ps.call_back(bad, sup, note="内部回访情况", satisfied=True, at=T(3, 10))
    [code] = ps.issue_codes(sup, unit=c.edu, service="教师资格认定", count=1, at=T(3, 2))
    appealed = ps.rate(code, level=2, comment="等待时间长", at=T(3, 3))
    appeal = ps.appeal_rating(appealed, edu, reason="内部申诉理由", at=T(3, 4))
    ps.decide_appeal(appeal, sup, uphold=False, note="内部复核意见", at=T(3, 5))
    out["matter"] = ps.triage_matter(file("转督办的投诉"), sup, lead_unit=c.edu, lead_person=edu,
                                     note="内部分拣意见", at=T(3, 2, 10))
    out["problem"] = ps.triage_problem(file("转整改的投诉"), sup, campaign=c.campaign, unit=c.edu, category="官僚作风",
                                       measures="落实一次性告知", deadline=D(4, 30), note="内部分拣意见", at=T(3, 2, 10))
    out["dismissed"] = ps.dismiss(file("不予受理的投诉"), sup, reason="内部分拣意见",
                                  public_answer="您反映的事项不属于作风问题受理范围。", at=T(3, 2, 10))
    first = file("重复反映的投诉")
    again = ps.submit_public(complaint(title="重复反映的投诉", content="重复反映的投诉：具体情况说明，时间地点清楚。"),
                             at=T(3, 3))
    out["merged"] = ps.merge_repeat(again, sup, into=first, at=T(3, 3, 10))
    reviewer = c.person("dcs2", "林督查", c.duchashi, "supervisor", scope=c.gov)
    case = ps.draft_case(sup, kind=CaseKind.NEGATIVE, title="窗口推诿扯皮被通报",
                         summary="某窗口对群众办事推诿扯皮，经查属实，责令整改并在全县通报。", unit=c.edu, at=T(3, 2))
    ps.submit_case(case, sup, at=T(3, 2))
    ps.review_case(case, reviewer, approve=True, note="内部审核意见", at=T(3, 3))
    out["case"] = case
    out["code"] = ps.issue_codes(sup, unit=c.fin, service="惠企政策兑现", count=1, at=T(3, 2))[0]
    p = rs.create_problem(c.campaign, by=edu, at=T(3, 2), unit=c.edu, category="慢作为", description="资助资金发放慢",
                          measures="压缩审核环节", deadline=D(6, 10), responsible_person_name="张教育")
    rs.publish([p], sup, at=T(3, 3))
    out["camp"] = c
    return out


def forbidden(c):
    names = [NAME, PHONE, EMAIL, ADDRESS, COMPANY, c.supervisor.get_full_name(), c.edu_user.get_full_name(),
             c.fin_user.get_full_name(), "林督查", "duchashi"]
    return names + INTERNAL


def pages(client, data):
    """(url name, HTML) of every public page, with data behind it."""
    camp = data["camp"]
    out = [(name, client.get(reverse(f"public_portal:{name}")).content.decode())
           for name in ("home", "complain", "track", "rate", "cases", "satisfaction")]
    out.append(("case", client.get(reverse("public_portal:case", args=[data["case"].pk])).content.decode()))
    for state in ("received", "dispatched", "returned", "closed", "matter", "problem", "dismissed", "merged"):
        out.append(("track", client.post(reverse("public_portal:track"),
                                         {"code": data[state].tracking_code}).content.decode()))
    out.append(("rate_ticket", client.post(reverse("public_portal:rate_ticket"), {
        "code": data["closed"].tracking_code, "level": "5"}).content.decode()))
    out.append(("rate", client.post(reverse("public_portal:rate"), {"code": data["code"].code}).content.decode()))
    client.post(reverse("public_portal:complain"), {"kind": "complaint", "title": "新投诉",
                                                    "content": "再投诉一件事情，情况如下所述。", "phone": "13700000000",
                                                    "wants_reply": "on"})
    out.append(("received", client.get(reverse("public_portal:received")).content.decode()))
    out.append(("campaigns", client.get(reverse("public:campaigns")).content.decode()))
    out.append(("campaign", client.get(reverse("public:campaign", args=[camp.campaign.code])).content.decode()))
    return out


def test_pub1_every_public_page_carries_no_personal_or_internal_field(client, everything):
    """One build of the data (it is large) for every check of the public pages."""
    visited = pages(client, everything)
    portal_names = {p.name for p in public_urls.urlpatterns}
    rect_names = {p.name for p in rect_public_urls.urlpatterns}
    assert portal_names | rect_names <= {name for name, _ in visited}, "a public page is not visited by this test"
    for name, html in visited:
        assert 'name="viewport"' in html, name  # readable on a phone
        assert "/accounts/login" not in html and "退出" not in html, name
        for s in forbidden(everything["camp"]):
            assert s not in html, f"{name}: {s}"

    # What the public is owed is there.
    d = everything
    closed = client.post("/p/track/", {"code": d["closed"].tracking_code}).content.decode()
    assert "已办结" in closed and "经核实已整改到位。" in closed and "转县教育局办理" in closed
    dismissed = client.post("/p/track/", {"code": d["dismissed"].tracking_code}).content.decode()
    assert "不予受理" in dismissed and "不属于作风问题受理范围" in dismissed
    assert "已列入督办" in client.post("/p/track/", {"code": d["matter"].tracking_code}).content.decode()
    sat = client.get("/p/satisfaction/").content.decode()
    assert "县教育局" in sat and "企业诉求" in sat
    assert "窗口推诿扯皮被通报" in client.get("/p/cases/").content.decode()

    # No login for the public pages; the office's pages ask for one.
    assert client.get("/p/").status_code == 200
    assert client.get("/portal/").status_code == 302
    assert client.get(f"/portal/tickets/{d['closed'].pk}/").status_code == 302
