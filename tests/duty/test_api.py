"""Issue 6 / OUT-4: 值班信息报送 through /api/duty/… with the same services and
visibility as the pages: the whole chain from the incident to the matter,
403 and 422 with Chinese messages, 404 for another unit's user."""

import datetime as dt
import io
import zipfile

import pytest
from django.test import Client
from django.utils import timezone

from duban.api.services import issue_token
from duban.duty import services as duty
from tests.conftest import DEMO_PASSWORD

from .conftest import roster_around_now

pytestmark = [pytest.mark.django_db, pytest.mark.anydate]  # runs on the real clock: CI fakes the date

BASE = "/api/duty"


def as_user(user):
    c = Client()
    c.force_login(user)
    return c


def iso(minutes):
    return (timezone.localtime() + dt.timedelta(minutes=minutes)).replace(microsecond=0).isoformat()


@pytest.fixture
def rostered(dc):
    return roster_around_now(dc)


def incident_body(c, **kw):
    data = {"title": "城关镇化工厂火灾", "kind": "accident", "level": "larger", "occurred_at": iso(-15),
            "learned_at": iso(-5), "place": "城关镇工业园区", "reporting_unit_id": c.town.pk,
            "involved_unit_ids": [c.emergency.pk], "description": "仓库起火。"}
    data.update(kw)
    return data


def test_duty_paths_are_in_the_openapi_schema(client):
    paths = client.get("/api/openapi.json").json()["paths"]
    for path in ("/screen", "/roster/{unit_id}/{year}/{month}", "/incidents", "/incidents/{incident_id}",
                 "/incidents/{incident_id}/phone-reports", "/incidents/{incident_id}/reports",
                 "/reports/{report_id}/revise", "/reports/{report_id}/sign", "/bulletins",
                 "/bulletins/{bulletin_id}", "/bulletins/{bulletin_id}/issue", "/bulletins/{bulletin_id}/docx",
                 "/bulletin-items/{item_id}/instructions"):
        assert BASE + path in paths, path


def test_whole_chain_through_the_api(rostered):
    c = rostered
    town, leader, clerk, sup = (as_user(u) for u in (c.town_duty, c.town_leader, c.duty_clerk, c.supervisor))
    r = town.post(f"{BASE}/incidents", incident_body(c), content_type="application/json")
    assert r.status_code == 201, r.content
    inc = r.json()
    assert [k["kind"] for k in inc["clocks"]] == ["phone", "written", "written_2h"]
    assert 500 < inc["clocks"][0]["seconds_remaining"] <= 600
    pk = inc["id"]
    r = town.post(f"{BASE}/incidents/{pk}/phone-reports", {
        "called_at": iso(0), "caller_name": "冯值班", "callee_name": "孙值班", "callee_unit_id": c.duty_unit.pk,
        "summary": "仓库起火"}, content_type="application/json")
    assert r.status_code == 201 and r.json()["clocks"][0]["status_text"] == "按时"
    r = town.post(f"{BASE}/incidents/{pk}/reports", {"kind": "first", "text": "首报", "figures": {"injuries": 2}},
                  content_type="application/json")
    assert r.status_code == 201, r.content
    rep = r.json()
    assert rep["state"] == "draft" and rep["versions"][0]["figures"]["injuries"] == 2
    # The duty officer may not sign (403); a wrong password is 422.
    r = town.post(f"{BASE}/reports/{rep['id']}/sign", {"password": DEMO_PASSWORD}, content_type="application/json")
    assert r.status_code == 403 and "不能审签" in r.json()["detail"]
    r = leader.post(f"{BASE}/reports/{rep['id']}/sign", {"password": "x"}, content_type="application/json")
    assert r.status_code == 422 and r.json()["errors"]["password"] == ["密码不正确，审签未完成"]
    r = leader.post(f"{BASE}/reports/{rep['id']}/sign", {"password": DEMO_PASSWORD},
                    content_type="application/json")
    assert r.status_code == 200
    sig = r.json()["signatures"][0]
    assert r.json()["state"] == "sent" and sig["signer_name"] == "陈副镇长" and sig["meaning"] == "审签"
    assert sig["basis"] == "带班领导" and sig["valid"] and sig["is_current"]
    # Revise: 需重新审签.
    r = town.post(f"{BASE}/reports/{rep['id']}/revise", {"figures": {"injuries": 3}},
                  content_type="application/json")
    assert r.status_code == 200 and r.json()["needs_resign"] and r.json()["current_version"] == 2
    assert not r.json()["signatures"][0]["is_current"]
    leader.post(f"{BASE}/reports/{rep['id']}/sign", {"password": DEMO_PASSWORD}, content_type="application/json")
    # The involved unit reports a different figure: a conflict.
    em = duty.create_written_report(duty.Incident.objects.get(pk=pk), c.em_user, kind="first", text="应急局",
                                    unit=c.emergency, figures={"injuries": 5})
    duty.sign_report(em, c.em_head, DEMO_PASSWORD)
    d = clerk.get(f"{BASE}/incidents/{pk}").json()
    assert d["conflicts"] == [{"field": "injuries", "values": [
        {"unit": {"id": c.town.pk, "name": "城关镇"}, "value": 3},
        {"unit": {"id": c.emergency.pk, "name": "县应急管理局"}, "value": 5}]}]
    assert [e["figures"]["injuries"] for e in d["figure_history"][0]["entries"]] == [2, 3]
    # The screen.
    s = clerk.get(f"{BASE}/screen").json()
    assert [x["officer"]["name"] for x in s["roster"]] == ["冯值班"]
    # The bulletin: compile (the duty office only), issue, Word.
    r = town.post(f"{BASE}/bulletins", {"title": "要情", "items": [{"report_id": rep["id"]}]},
                  content_type="application/json")
    assert r.status_code == 403
    r = clerk.post(f"{BASE}/bulletins", {"title": "城关镇化工厂火灾情况", "items": [
        {"report_id": rep["id"], "heading": "城关镇化工厂火灾", "summary": "仓库起火，3人受伤。"}]},
        content_type="application/json")
    assert r.status_code == 201, r.content
    b = r.json()
    assert b["state"] == "draft" and b["items"][0]["summary"] == "仓库起火，3人受伤。"
    r = clerk.patch(f"{BASE}/bulletins/{b['id']}", {"title": "城关镇化工厂火灾情况（更新）"},
                    content_type="application/json")
    assert r.json()["title"] == "城关镇化工厂火灾情况（更新）"
    r = clerk.post(f"{BASE}/bulletins/{b['id']}/issue")
    assert r.status_code == 200 and r.json()["number_text"] == "第1期"
    r = clerk.post(f"{BASE}/bulletins/{b['id']}/issue")
    assert r.status_code == 422 and "已印发" in r.json()["detail"]
    r = clerk.get(f"{BASE}/bulletins/{b['id']}/docx")
    assert r.status_code == 200
    assert "城关镇化工厂火灾" in zipfile.ZipFile(io.BytesIO(r.content)).read("word/document.xml").decode()
    # The instruction: the duty office relays it itself (a town's officer may not).
    item = b["items"][0]["id"]
    body = {"leader_id": c.leader.pk, "text": "请城关镇全力救治伤员。", "unit_ids": [c.town.pk, c.emergency.pk]}
    r = town.post(f"{BASE}/bulletin-items/{item}/instructions", body, content_type="application/json")
    assert r.status_code in (403, 404), r.content
    r = clerk.post(f"{BASE}/bulletin-items/{item}/instructions", body, content_type="application/json")
    assert r.status_code == 201, r.content
    assert sup is not None
    ins = r.json()
    assert ins["lead_unit"]["name"] == "城关镇" and ins["matter_number"]
    r = as_user(c.town_user).get(f"/api/supervision/matters/{ins['matter_id']}")
    assert r.status_code == 200 and r.json()["lead_person"]["id"] == c.town_user.pk


def test_validation_errors_name_the_fields(rostered):
    c = rostered
    town = as_user(c.town_duty)
    r = town.post(f"{BASE}/incidents", incident_body(c, title="", place="", learned_at=iso(-30),
                                                     occurred_at=iso(-10)), content_type="application/json")
    assert r.status_code == 422
    errors = r.json()["errors"]
    assert errors["title"] == ["事件名称不能为空"] and errors["learned_at"] == ["获知时间不能早于发生时间"]
    today = timezone.localdate()
    r = town.put(f"{BASE}/roster/{c.town.pk}/{today.year}/{today.month}", {"rows": [
        {"date": 3, "officer_id": c.town_duty.pk}]}, content_type="application/json")
    assert r.status_code == 422 and f"{today.month}月3日：请选择带班领导" in r.json()["detail"]
    r = town.put(f"{BASE}/roster/{c.town.pk}/{today.year}/{today.month}", {"rows": [
        {"date": 3, "officer_id": c.town_duty.pk, "leader_id": c.town_head.pk}]}, content_type="application/json")
    assert r.status_code == 200 and r.json()[0]["leader"]["name"] == "褚镇长"
    r = town.get(f"{BASE}/roster/{c.town.pk}/{today.year}/{today.month}")
    assert [x["date"] for x in r.json()] == [dt.date(today.year, today.month, 3).isoformat()]


def test_another_units_user_gets_404_and_bearer_tokens_work(rostered):
    c = rostered
    inc = duty.report_incident(c.town_duty, title="城关镇火灾", kind="accident", level="general",
                               occurred_at=iso(-15), learned_at=iso(-5), place="城关镇", reporting_unit=c.town,
                               description="起火")
    r = duty.create_written_report(inc, c.town_duty, kind="first", text="首报")
    duty.sign_report(r, c.town_leader, DEMO_PASSWORD)
    b = duty.create_bulletin(c.duty_clerk, title="要情", items=[{"report": r}])
    fin = as_user(c.fin_user)
    assert fin.get(f"{BASE}/incidents/{inc.pk}").status_code == 404
    assert fin.get(f"{BASE}/bulletins/{b.pk}").status_code == 404
    assert fin.get(f"{BASE}/bulletins/{b.pk}/docx").status_code == 404
    assert fin.post(f"{BASE}/reports/{r.pk}/sign", {"password": DEMO_PASSWORD},
                    content_type="application/json").status_code == 404
    assert fin.post(f"{BASE}/incidents/{inc.pk}/phone-reports", {
        "called_at": iso(0), "caller_name": "x", "callee_name": "y", "summary": "z"},
        content_type="application/json").status_code == 404
    assert fin.get(f"{BASE}/incidents").json()["count"] == 0
    assert fin.get(f"{BASE}/bulletins").json() == []
    _, token = issue_token(c.duty_clerk, "值班大屏")
    r = Client().get(f"{BASE}/incidents", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert r.status_code == 200 and r.json()["items"][0]["title"] == "城关镇火灾"
