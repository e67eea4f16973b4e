"""Issue 5 over /api/rectification/: the same services and visibility as the
pages — 404 for what a user may not see, 403 for what he may not do, 422
with the Chinese reasons for bad input; the public read needs no login."""

import datetime as dt

import pytest
from django.utils import timezone

from duban.rectification import services as rs
from duban.rectification.models import Problem, ProblemState

from .conftest import T, make_problem, upload, xlsx

pytestmark = [pytest.mark.django_db, pytest.mark.anydate]  # runs on the real clock: CI fakes the date

BASE = "/api/rectification"


def soon(days=30):
    return (timezone.localdate() + dt.timedelta(days=days)).isoformat()


def login(client, user):
    client.force_login(user)
    return client


def test_api_campaigns_problems_and_visibility(client, camp):
    c = camp
    mine = make_problem(c)
    theirs = make_problem(c, unit=c.fin, description="财政的问题", by=c.fin_user)
    login(client, c.edu_user)
    r = client.get(f"{BASE}/campaigns")
    assert r.status_code == 200 and r.json()[0]["code"] == "ZF-2026"
    items = client.get(f"{BASE}/campaigns/{c.campaign.pk}/problems").json()["items"]
    assert [i["number"] for i in items] == [mine.number]
    assert client.get(f"{BASE}/problems/{theirs.pk}").status_code == 404
    d = client.get(f"{BASE}/problems/{mine.pk}").json()
    assert d["rounds"][0]["number"] == 1 and "submit" in d["actions"] and "verify" not in d["actions"]
    login(client, c.supervisor)
    r = client.get(f"{BASE}/campaigns/{c.campaign.pk}/problems", {"unit": c.fin.pk})
    assert [i["number"] for i in r.json()["items"]] == [theirs.number]
    assert client.get(f"{BASE}/campaigns/{c.campaign.pk}/dashboard").json()["total"]["found"] == 2
    ledgers = client.get(f"{BASE}/campaigns/{c.campaign.pk}/ledgers").json()
    assert {row["state_text"] for row in ledgers} == {"逾期未报"}


def test_api_result_verify_rules_and_publish(client, camp):
    c = camp
    p = make_problem(c, responsible_person_name="张教育")
    login(client, c.edu_user)
    r = client.post(f"{BASE}/problems/{p.pk}/result", {"text": "已整改"})
    assert r.status_code == 422 and "佐证材料" in r.json()["detail"]
    r = client.post(f"{BASE}/problems/{p.pk}/result", {"text": "已整改", "files": [upload()]})
    assert r.status_code == 200 and r.json()["state"] == ProblemState.SUBMITTED
    r = client.post(f"{BASE}/problems/{p.pk}/verify", {"passed": True}, content_type="application/json")
    assert r.status_code == 403
    login(client, c.tf_fin)
    r = client.post(f"{BASE}/problems/{p.pk}/verify", {"passed": True, "note": "同意销号"},
                    content_type="application/json")
    assert r.status_code == 200 and r.json()["state"] == ProblemState.CLOSED
    r = client.post(f"{BASE}/publish", {"problem_ids": [p.pk]}, content_type="application/json")
    assert r.status_code == 403
    login(client, c.supervisor)
    r = client.post(f"{BASE}/publish", {"problem_ids": [p.pk]}, content_type="application/json")
    assert r.status_code == 200 and r.json()["changed"] == 1
    client.logout()
    r = client.get(f"{BASE}/public/{c.campaign.code}")
    assert r.status_code == 200
    row = r.json()["problems"][0]
    assert row["closed"] and "张教育" not in str(r.json())


def test_api_import_dry_run_errors_and_import(client, camp):
    c = camp
    login(client, c.edu_user)
    head = ["问题类别", "问题描述", "整改措施", "整改时限"]
    bad = xlsx([head, ["慢作为", "审批慢", "限时办结", soon()], ["慢作为", "", "无描述", soon()]])
    r = client.post(f"{BASE}/campaigns/{c.campaign.pk}/import", {"file": bad, "unit_id": c.edu.pk})
    assert r.status_code == 422 and "第3行" in r.json()["detail"]
    good = xlsx([head, ["慢作为", "审批慢", "限时办结", soon()]])
    r = client.post(f"{BASE}/campaigns/{c.campaign.pk}/import", {"file": good, "unit_id": c.edu.pk,
                                                                 "dry_run": True})
    assert r.status_code == 200 and r.json()["dry_run"] and not Problem.objects.exists()
    good.seek(0)
    r = client.post(f"{BASE}/campaigns/{c.campaign.pk}/import", {"file": good, "unit_id": c.edu.pk})
    assert r.status_code == 200 and len(r.json()["created"]) == 1


def test_api_spot_check_replay_and_look_back(client, camp):
    c = camp
    p = make_problem(c)
    rs.submit_result(p, c.edu_user, "已整改", files=[upload()], at=T(5, 20))
    rs.verify_result(p, c.tf_fin, passed=True, at=T(5, 25))
    login(client, c.edu_user)
    r = client.post(f"{BASE}/campaigns/{c.campaign.pk}/spot-checks",
                    {"title": "抽查", "target_count": 1, "inspector_count": 1}, content_type="application/json")
    assert r.status_code == 403
    login(client, c.supervisor)
    r = client.post(f"{BASE}/campaigns/{c.campaign.pk}/spot-checks",
                    {"title": "抽查", "target_count": 2, "inspector_count": 1, "seed": "7"},
                    content_type="application/json")
    assert r.status_code == 201 and r.json()["seed"] == "7"
    r = client.get(f"{BASE}/spot-checks/{r.json()['id']}/replay")
    assert r.json()["ok"] is True
    r = client.post(f"{BASE}/campaigns/{c.campaign.pk}/look-backs", {"sample_size": 1, "seed": "1"},
                    content_type="application/json")
    assert r.status_code == 201
    item = r.json()["items"][0]["id"]
    r = client.post(f"{BASE}/look-back-items/{item}", {"effective": False, "note": "反弹", "new_deadline": soon()},
                    content_type="application/json")
    assert r.status_code == 200 and r.json()["verdict"] == "ineffective"
