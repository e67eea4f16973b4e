"""DOC-1, DOC-2, TL-3 on the pages and through the API: registering in the
browser's forms, refusals naming what is missing, the document page with
its clocks and actions, the lists paginated with a constant number of
queries, and a user of another unit refused (404, not a leak)."""

import datetime as dt
import zoneinfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from duban.documents import services as docs
from duban.documents.models import Direction, Document

pytestmark = [pytest.mark.django_db, pytest.mark.anydate]  # the forms act now, on the real clock
TZ = zoneinfo.ZoneInfo("Asia/Shanghai")


def local_input(moment):
    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M")


def _received(county, i=0, **kw):
    now = timezone.now()
    data = dict(number=f"市政办发〔2026〕{i}号", issuer_name="市人民政府办公室", title=f"上级文件{i}",
                unit=county.edu, urgency="extra_urgent", received_at=now - dt.timedelta(minutes=5))
    data.update(kw)
    return docs.register_received(county.edu_user, at=now, **data)


def test_doc1_register_an_extra_urgent_received_document_in_the_form(client, county):
    client.force_login(county.edu_user)
    now = timezone.now()
    r = client.post("/documents/received/new/", {
        "number": "市政办明电〔2026〕3号", "issuer_name": "市人民政府办公室", "title": "关于防范强降雨的紧急通知",
        "urgency": "extra_urgent", "unit": str(county.edu.pk), "received_at": local_input(now)})
    assert r.status_code == 302
    d = Document.objects.get(title="关于防范强降雨的紧急通知")
    page = client.get(r["Location"]).content.decode()
    assert "特急文件批办" in page and "上级特急文件批办" in page and "批办" in page
    r = client.post(f"/documents/{d.pk}/approve/", {"note": "请学校安全股办理"})
    assert r.status_code == 302
    d.refresh_from_db()
    assert d.state == "approved"


def test_doc2_a_document_assigning_work_without_a_person_is_refused_naming_it(client, county):
    client.force_login(county.edu_user)
    r = client.post("/documents/issued/new/", {
        "title": "关于开展校园安全检查的通知", "unit": str(county.edu.pk), "urgency": "normal", "layout": "red_head",
        "char_count": "1200", "task1_content": "各校开展自查", "task1_unit": str(county.edu.pk),
        "task1_due": "2027-03-01"})
    assert r.status_code == 422
    assert "第1项工作安排“各校开展自查”缺少责任人" in r.content.decode()
    assert not Document.objects.exists()
    r = client.post("/documents/issued/new/", {
        "title": "关于开展校园安全检查的通知", "unit": str(county.edu.pk), "urgency": "normal", "layout": "red_head",
        "char_count": "6000"})
    assert r.status_code == 422 and "正文6000字，超过文件5000字的篇幅要求，须说明理由" in r.content.decode()


def test_doc1_issue_and_flag_on_the_document_page(client, county):
    client.force_login(county.edu_user)
    d = docs.register_issued(county.edu_user, unit=county.edu, title="关于转发市文件的通知", char_count=500)
    page = client.get(f"/documents/{d.pk}/").content.decode()
    assert "登记印发" in page and "标记为以文件落实文件" not in page
    r = client.post(f"/documents/{d.pk}/issue/", {"number": ""})
    assert r.status_code == 422 and "红头文件印发须填写文号" in r.content.decode()
    assert client.post(f"/documents/{d.pk}/issue/", {"number": "县教发〔2026〕1号"}).status_code == 302
    assert client.post(f"/documents/{d.pk}/flag/", {"note": "照转"}).status_code == 403  # seen, not theirs to flag
    client.force_login(county.supervisor)
    assert client.post(f"/documents/{d.pk}/flag/", {"note": "照转市文件，无本地措施"}).status_code == 302
    d.refresh_from_db()
    assert d.only_forwards
    listing = client.get("/documents/issued/?flagged=1").content.decode()
    assert "关于转发市文件的通知" in listing and "以文件落实文件" in listing


def test_doc1_another_unit_gets_404_on_page_action_and_api(client, county):
    d = _received(county)
    client.force_login(county.fin_user)
    assert client.get(f"/documents/{d.pk}/").status_code == 404
    assert client.post(f"/documents/{d.pk}/approve/", {"note": "x"}).status_code == 404
    assert client.get(f"/api/documents/documents/{d.pk}").status_code == 404
    assert client.post(f"/api/documents/documents/{d.pk}/approve", {"note": "x"},
                       content_type="application/json").status_code == 404
    assert "上级文件0" not in client.get("/documents/").content.decode()
    r = client.post("/documents/received/new/", {"number": "x", "issuer_name": "x", "title": "越权登记",
                                                 "urgency": "normal", "unit": str(county.edu.pk),
                                                 "received_at": local_input(timezone.now())})
    assert r.status_code == 422 and "只有县教育局的联络员、负责人或督查室可以登记其收文" in r.content.decode()


def test_doc1_lists_are_paginated_with_constant_queries(client, county):
    _received(county, 0)
    client.force_login(county.supervisor)
    client.get("/documents/")
    with CaptureQueriesContext(connection) as few:
        client.get("/documents/")
    for i in range(1, 26):
        _received(county, i)
    with CaptureQueriesContext(connection) as many:
        page = client.get("/documents/").content.decode()
    assert len(many.captured_queries) <= len(few.captured_queries)
    assert "第 1 / 2 页" in page and page.count('class="row-title"') == 20


def test_doc1_doc2_api_registers_and_refuses_naming_what_is_missing(client, county):
    client.force_login(county.edu_user)
    r = client.post("/api/documents/issued", {
        "title": "关于做好学生资助工作的通知", "unit_id": county.edu.pk, "char_count": 800,
        "tasks": [{"content": "摸底建档", "unit_id": county.edu.pk}]}, content_type="application/json")
    assert r.status_code == 422
    assert r.json()["errors"]["tasks"] == ["第1项工作安排“摸底建档”缺少时间节点、责任人"]
    r = client.post("/api/documents/received", {
        "number": "市政办发〔2026〕9号", "issuer_name": "市人民政府办公室", "title": "关于推进配套改革的意见",
        "unit_id": county.edu.pk, "needs_supporting": True, "supporting_unit_id": county.edu.pk,
        "supporting_person_id": county.edu_user.pk}, content_type="application/json")
    assert r.status_code == 201
    body = r.json()
    assert [c["rule"] for c in body["clocks"]] == ["supporting_document_review_2mo", "supporting_document_issue_3mo"]
    listing = client.get("/api/documents/documents?direction=received").json()
    assert listing["count"] == 1 and listing["items"][0]["light"] == "green"
    assert client.get("/api/documents/length-limits").json()[0]["value"] == 5000
    assert Document.objects.filter(direction=Direction.RECEIVED).count() == 1
