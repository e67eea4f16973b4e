"""OUT-4 for 会议: /api/meetings/… through the same services, visibility and
journal as the pages — a meeting from its plan (refused beyond the limits,
422 naming them) to its decisions becoming matters; 403 for an action the
caller may not take; 404 for another unit's user."""

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from duban.api.services import issue_token
from duban.journal.models import Event
from duban.meetings import services as mt
from duban.org import services as org
from duban.org.models import Role
from tests.pages import as_user

pytestmark = [pytest.mark.django_db, pytest.mark.anydate]  # runs on the real clock: CI fakes the date

BASE = "/api/meetings"


def iso(minutes):
    return (timezone.localtime() + dt.timedelta(minutes=minutes)).replace(second=0, microsecond=0).isoformat()


def body(c, **kw):
    data = {"type": "county_work", "title": "全县安全生产工作会议", "convener_id": c.gov.pk, "chair_id": c.leader.pk,
            "starts_at": iso(20), "planned_minutes": 90, "mode": "video", "attendee_ids": [c.edu_head.pk],
            "attendee_unit_ids": [c.town.pk],
            "agenda": [{"title": "县教育局汇报", "kind": "speech", "speaker_id": c.edu_head.pk, "minutes": 5},
                       {"title": "县长讲话", "kind": "address", "speaker_id": c.leader.pk, "minutes": 40}]}
    data.update(kw)
    return data


def test_meetings_paths_are_in_the_openapi_schema(client):
    paths = client.get("/api/openapi.json").json()["paths"]
    for path in ("/types", "/meetings", "/meetings/{meeting_id}", "/meetings/{meeting_id}/decide",
                 "/meetings/{meeting_id}/cancel", "/meetings/{meeting_id}/notice",
                 "/meetings/{meeting_id}/notice.docx", "/meetings/{meeting_id}/sign-code",
                 "/attendances/{attendance_id}/leave", "/attendances/{attendance_id}/decide", "/sign-in",
                 "/meetings/{meeting_id}/start", "/meetings/{meeting_id}/end", "/agenda-items/{item_id}/start",
                 "/agenda-items/{item_id}/end", "/meetings/{meeting_id}/minutes",
                 "/meetings/{meeting_id}/minutes/issue", "/meetings/{meeting_id}/minutes/hand-over"):
        assert BASE + path in paths, path


def test_meet1_meet2_meet3_whole_meeting_through_the_api(mc):
    c = mc
    clerk, edu, town = as_user(c.clerk), as_user(c.edu_head), as_user(c.town_head)
    types = {t["code"]: t for t in clerk.get(f"{BASE}/types").json()}
    assert types["county_work"]["max_minutes"] == 120 and types["county_work"]["seed_section"] == "种子004 §9"
    r = clerk.post(f"{BASE}/meetings", body(c, planned_minutes=150), content_type="application/json")
    assert r.status_code == 422
    assert r.json()["errors"]["planned_minutes"] == ["全县性工作会议会期一般控制在2小时以内（种子004 §9），本次计划2小时30分钟"]
    r = clerk.post(f"{BASE}/meetings", body(c), content_type="application/json")
    assert r.status_code == 201, r.content
    m = r.json()
    assert m["state"] == "planned" and [a["attendee"]["name"] for a in m["attendances"]] == ["王局长", "沈镇长"]
    pk = m["id"]
    town_att = next(a["id"] for a in m["attendances"] if a["attendee"]["name"] == "沈镇长")
    # Leave with a substitute, approved by the organiser (not by the attendee).
    r = town.post(f"{BASE}/attendances/{town_att}/leave", {"reason": "陪同市领导调研", "substitute_id": c.town_deputy.pk,
                                                           "authorised_by_id": c.town_head.pk},
                  content_type="application/json")
    assert r.status_code == 200 and r.json()["attendances"][1]["leave_state"] == "requested"
    assert town.post(f"{BASE}/attendances/{town_att}/decide", {"approve": True},
                     content_type="application/json").status_code == 403
    r = clerk.post(f"{BASE}/attendances/{town_att}/decide", {"approve": True}, content_type="application/json")
    assert r.json()["attendances"][1]["substitute"]["name"] == "韩副镇长"
    # The code for the screen is the organiser's; attendees sign in with it.
    assert edu.get(f"{BASE}/meetings/{pk}/sign-code").status_code == 403
    code = clerk.get(f"{BASE}/meetings/{pk}/sign-code").json()["code"]
    r = edu.post(f"{BASE}/sign-in", {"code": code}, content_type="application/json")
    assert r.status_code == 200 and r.json()["status_label"] == "出席"
    deputy = as_user(c.town_deputy)
    r = deputy.post(f"{BASE}/sign-in", {"code": mt.sign_code(mt.Meeting.objects.get(pk=pk))},
                    content_type="application/json")
    assert r.json()["status_label"] == "代会"
    # Run it.
    assert clerk.post(f"{BASE}/meetings/{pk}/start").status_code == 200
    item = m["agenda"][0]["id"]
    r = clerk.post(f"{BASE}/agenda-items/{item}/start")
    assert r.json()["agenda"][0]["started_at"] is not None
    r = clerk.post(f"{BASE}/meetings/{pk}/end")
    assert r.json()["state"] == "held" and r.json()["agenda"][0]["ended_at"] is not None
    # Minutes, issue, hand over.
    r = clerk.put(f"{BASE}/meetings/{pk}/minutes", {"summary": "会议部署安全生产工作。", "decisions": [
        {"title": "开展校园安全排查", "content": "全面排查。", "lead_unit_id": c.edu.pk},
        {"title": "开展燃气安全排查", "content": "逐户排查。", "lead_unit_id": c.town.pk,
         "cooperating_unit_ids": [c.fin.pk]}]}, content_type="application/json")
    assert r.status_code == 200 and len(r.json()["minutes"]["decisions"]) == 2
    assert clerk.post(f"{BASE}/meetings/{pk}/minutes/issue").json()["minutes"]["number"].startswith("示范县会纪〔")
    r = clerk.post(f"{BASE}/meetings/{pk}/minutes/hand-over")
    assert r.status_code == 200 and [x["light"] for x in r.json()["matters"]] == ["green", "green"]
    detail = clerk.get(f"{BASE}/meetings/{pk}").json()
    assert all(d["handed_over"] and d["matter"]["number"] for d in detail["minutes"]["decisions"])
    assert Event.objects.filter(action__startswith="meetings.").count() >= 10


def test_org3_another_unit_gets_404_and_token_callers_see_the_same(mc):
    c = mc
    water = org.create_unit("县水务局", parent=c.gov)
    water_user = c.person("water", "罗水务", water, Role.LIAISON)
    m = mt.register_meeting(
        c.clerk, type="county_work", title="全县安全生产工作会议", convener=c.gov, chair=c.leader,
        starts_at=timezone.now() + dt.timedelta(hours=2), planned_minutes=60, mode="video", attendees=[c.edu_head],
        agenda=[{"title": "讲话", "kind": "address", "minutes": 30}])
    att = m.attendances.get()
    client = as_user(water_user)
    assert client.get(f"{BASE}/meetings/{m.pk}").status_code == 404
    assert client.post(f"{BASE}/attendances/{att.pk}/leave", {"reason": "x"},
                       content_type="application/json").status_code == 404
    assert client.get(f"{BASE}/meetings?tab=all").json()["count"] == 0
    _, token = issue_token(c.edu_head, name="测试")
    r = Client().get(f"{BASE}/meetings/{m.pk}", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert r.status_code == 200 and r.json()["title"] == "全县安全生产工作会议"
