"""Issue 4 item 6 / OUT-4 / ORG-3: every action through /api/supervision/…,
with the same services and visibility: another unit's user gets 404."""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from duban.api.services import issue_token
from duban.journal import chain
from duban.supervision.models import Matter
from duban.supervision.transitions import State

pytestmark = [pytest.mark.django_db, pytest.mark.anydate]  # runs on the real clock: CI fakes the date

BASE = "/api/supervision"


def ahead(days):
    """The day `days` days after today (China time): deadlines stay in the
    future whenever the suite runs."""
    return timezone.localdate() + dt.timedelta(days=days)


def moment(day, hh=18):
    return f"{day.isoformat()}T{hh:02d}:00:00+08:00"


def as_user(user):
    c = Client()
    c.force_login(user)
    return c


def body(county, **kw):
    data = {
        "source_kind": "leader_instruction", "instructing_leader_id": county.leader.pk,
        "instruction_date": "2026-11-20", "instruction_text": "请抓紧落实。",
        "title": "冬季校园供暖安全检查", "content": "检查全县学校供暖设施。", "standard": "全覆盖，零事故",
        "urgency": "urgent", "lead_unit_id": county.edu.pk, "lead_person_id": county.edu_user.pk,
        "cooperating": [{"unit_id": county.fin.pk, "person_id": county.fin_user.pk, "duty": "保障经费"}],
        "responsible_leader_id": county.leader.pk, "due_at": moment(ahead(18)),
    }
    data.update(kw)
    return data


def pdf(name="整改报告.pdf"):
    return SimpleUploadedFile(name, b"%PDF-1.4 report", content_type="application/pdf")


def test_out4_supervision_paths_are_in_the_openapi_schema(client):
    paths = client.get("/api/openapi.json").json()["paths"]
    for path in ("/matters", "/matters/{matter_id}", "/matters/{matter_id}/assign",
                 "/matters/{matter_id}/acknowledge", "/matters/{matter_id}/reports",
                 "/matters/{matter_id}/request-completion", "/matters/{matter_id}/complete",
                 "/matters/{matter_id}/return", "/matters/{matter_id}/archive", "/matters/{matter_id}/suspend",
                 "/matters/{matter_id}/resume", "/matters/{matter_id}/cancel", "/matters/{matter_id}/split",
                 "/matters/{matter_id}/extensions", "/extensions/{extension_id}/decide",
                 "/matters/{matter_id}/urges", "/urges/{urge_id}/number", "/reports/{report_id}/review",
                 "/matters/{matter_id}/timeline", "/matters/{matter_id}/subtree", "/meeting-decisions",
                 "/ledger", "/matters/{matter_id}/notice.docx", "/urges/{urge_id}/docx", "/import/template",
                 "/import", "/views", "/views/{view_id}"):
        assert BASE + path in paths, path


def test_sup3_whole_loop_through_the_api(county):
    sup, edu = as_user(county.supervisor), as_user(county.edu_user)
    r = sup.post(f"{BASE}/matters", body(county), content_type="application/json")
    assert r.status_code == 201, r.content
    m = r.json()
    assert m["state"] == "draft" and m["cooperating"][0]["person"]["name"] == "李财政"
    pk = m["id"]
    r = sup.post(f"{BASE}/matters/{pk}/assign")
    assert r.status_code == 200 and r.json()["number"].startswith(f"督办〔{timezone.localdate().year}〕")
    assert {c["kind"] for c in r.json()["clocks"]} == {"ack", "completion"}
    r = edu.post(f"{BASE}/matters/{pk}/acknowledge")
    assert r.json()["state"] == "acknowledged" and "report" in r.json()["actions"]
    r = edu.post(f"{BASE}/matters/{pk}/reports", {"text": "已完成一半学校检查", "progress": "50",
                                                   "files": [pdf("检查表.pdf"), pdf("照片.pdf")]})
    assert r.status_code == 201, r.content
    assert [f["name"] for f in r.json()["files"]] == ["检查表.pdf", "照片.pdf"]
    report_id = r.json()["id"]
    r = sup.post(f"{BASE}/reports/{report_id}/review", {"accept": False, "comment": "请附检查记录"},
                 content_type="application/json")
    assert r.json()["review_state"] == "returned"
    r = edu.post(f"{BASE}/matters/{pk}/request-completion", {"text": "全部检查完毕"})
    assert r.status_code == 422 and "佐证材料" in r.json()["detail"]
    r = edu.post(f"{BASE}/matters/{pk}/request-completion", {"text": "全部检查完毕", "files": [pdf()]})
    assert r.status_code == 201
    r = sup.post(f"{BASE}/matters/{pk}/return", {"reason": "缺少整改照片"}, content_type="application/json")
    assert r.json()["state"] == "in_progress" and r.json()["return_count"] == 1
    edu.post(f"{BASE}/matters/{pk}/request-completion", {"text": "补充照片", "files": [pdf("照片2.pdf")]})
    r = sup.post(f"{BASE}/matters/{pk}/complete", {"comment": "同意"}, content_type="application/json")
    assert r.json()["state"] == "completed" and r.json()["result"] == "met" and r.json()["light"] == "done"
    r = sup.post(f"{BASE}/matters/{pk}/archive")
    assert r.json()["state"] == "archived"
    timeline = sup.get(f"{BASE}/matters/{pk}/timeline").json()
    assert [e["action"] for e in timeline if e["action"].startswith("supervision.matter.")] == [
        "supervision.matter.create", "supervision.matter.assign", "supervision.matter.acknowledge",
        "supervision.matter.request_completion", "supervision.matter.return",
        "supervision.matter.request_completion", "supervision.matter.complete", "supervision.matter.archive"]
    assert chain.verify().ok


def test_org3_another_units_user_gets_404_everywhere(county):
    sup = as_user(county.supervisor)
    pk = sup.post(f"{BASE}/matters", body(county, cooperating=[], lead_unit_id=county.fin.pk,
                                          lead_person_id=county.fin_user.pk, assign=True),
                  content_type="application/json").json()["id"]
    edu = as_user(county.edu_user)
    assert edu.get(f"{BASE}/matters/{pk}").status_code == 404
    assert edu.get(f"{BASE}/matters/{pk}/timeline").status_code == 404
    assert edu.get(f"{BASE}/matters/{pk}/subtree").status_code == 404
    assert edu.post(f"{BASE}/matters/{pk}/acknowledge").status_code == 404
    assert edu.post(f"{BASE}/matters/{pk}/reports", {"text": "x"}).status_code == 404
    assert edu.post(f"{BASE}/matters/{pk}/cancel", {"reason": "x"},
                    content_type="application/json").status_code == 404
    assert edu.get(f"{BASE}/matters", {"view": "all"}).json()["count"] == 0
    assert edu.get(f"{BASE}/matters/999999").status_code == 404
    assert as_user(county.fin_user).get(f"{BASE}/matters/{pk}").status_code == 200
    assert Client().get(f"{BASE}/matters/{pk}").status_code == 401


def test_sup3_refusals_map_to_403_and_422_with_chinese_messages(county):
    sup, edu = as_user(county.supervisor), as_user(county.edu_user)
    pk = sup.post(f"{BASE}/matters", body(county, assign=True), content_type="application/json").json()["id"]
    r = edu.post(f"{BASE}/matters/{pk}/cancel", {"reason": "x"}, content_type="application/json")
    assert r.status_code == 403 and r.json()["detail"] == "只有督查室可以撤销"
    r = sup.post(f"{BASE}/matters/{pk}/complete", {}, content_type="application/json")
    assert r.status_code == 422 and r.json()["detail"] == "事项当前状态为“已交办”，不能审核办结"
    r = sup.post(f"{BASE}/matters", body(county, source_kind="hotline", ticket_number=""),
                 content_type="application/json")
    assert r.status_code == 422
    assert r.json()["errors"]["ticket_number"] == ["来源为“12345热线”时必须填写12345工单编号"]
    r = sup.post(f"{BASE}/matters", body(county, lead_unit_id=None, lead_person_id=None, assign=True),
                 content_type="application/json")
    assert r.status_code == 422 and "交办前须明确责任单位" in r.json()["detail"]
    assert not Matter.objects.filter(lead_unit__isnull=True).exists()


def test_sup4_list_with_filters_pagination_and_counts(county):
    sup = as_user(county.supervisor)
    for i in range(3):
        sup.post(f"{BASE}/matters", body(county, title=f"事项{i}", assign=True), content_type="application/json")
    sup.post(f"{BASE}/matters", body(county, title="草稿"), content_type="application/json")
    page = sup.get(f"{BASE}/matters", {"view": "supervision", "page_size": 2}).json()
    assert page["count"] == 4 and len(page["items"]) == 2 and page["counts"]["total"] == 3
    assert sup.get(f"{BASE}/matters", {"view": "supervision", "page": 2, "page_size": 2}).json()["items"]
    assert sup.get(f"{BASE}/matters", {"view": "supervision", "state": "draft"}).json()["count"] == 1
    mine = as_user(county.edu_user).get(f"{BASE}/matters", {"view": "unit"}).json()
    assert mine["count"] == 3 and all(item["light"] for item in mine["items"])
    coop = as_user(county.fin_user).get(f"{BASE}/matters", {"view": "unit"}).json()
    assert coop["count"] == 3
    assert as_user(county.edu_user).get(f"{BASE}/matters", {"view": "supervision"}).status_code == 403
    assert sup.get(f"{BASE}/matters", {"view": "nope"}).status_code == 422
    assert sup.get(f"{BASE}/matters", {"light": "purple"}).status_code == 422


def test_meet3_meeting_decisions_through_the_api(county):
    sup = as_user(county.supervisor)
    payload = {"kind": "special_meeting", "name": "校园安全专题会", "date": "2026-11-20", "decisions": [
        {"title": "排查校舍", "content": "排查全部校舍", "lead_unit_id": county.edu.pk,
         "lead_person_id": county.edu_user.pk},
        {"title": "拨付资金", "content": "拨付维修资金", "lead_unit_id": county.fin.pk},
    ]}
    r = sup.post(f"{BASE}/meeting-decisions", payload, content_type="application/json")
    assert r.status_code == 422 and r.json()["detail"] == "第2行（拨付资金）：交办前须明确责任人"
    payload["decisions"][1]["lead_person_id"] = county.fin_user.pk
    r = sup.post(f"{BASE}/meeting-decisions", payload, content_type="application/json")
    assert r.status_code == 201 and [m["state"] for m in r.json()] == ["assigned", "assigned"]


def test_sup2_split_extension_urge_and_subtree_through_the_api(county):
    due = ahead(18)
    sup, edu, town = as_user(county.supervisor), as_user(county.edu_user), as_user(county.town_user)
    pk = sup.post(f"{BASE}/matters", body(county, cooperating=[], assign=True),
                  content_type="application/json").json()["id"]
    edu.post(f"{BASE}/matters/{pk}/acknowledge")
    split = {"title": "城关镇学校检查", "content": "检查镇属学校", "standard": "全覆盖", "lead_unit_id": county.town.pk,
             "lead_person_id": county.town_user.pk, "due_at": moment(ahead(19), 12)}
    r = edu.post(f"{BASE}/matters/{pk}/split", split, content_type="application/json")
    assert r.status_code == 422
    assert r.json()["errors"]["due_at"] == [f"子任务期限不能晚于上级事项期限 {due.year}年{due.month}月{due.day}日 18:00"]
    split["due_at"] = moment(ahead(13))
    r = edu.post(f"{BASE}/matters/{pk}/split", split, content_type="application/json")
    assert r.status_code == 201
    child = r.json()
    assert child["parent_id"] == pk and child["state"] == "assigned"
    # The town sees its sub-task, not the matter above it; edu sees both.
    assert town.get(f"{BASE}/matters/{child['id']}").status_code == 200
    assert town.get(f"{BASE}/matters/{pk}").status_code == 404
    tree = edu.get(f"{BASE}/matters/{pk}/subtree").json()
    assert [n["matter"]["id"] for n in tree["children"]] == [child["id"]]
    town.post(f"{BASE}/matters/{child['id']}/acknowledge")
    r = town.post(f"{BASE}/matters/{child['id']}/extensions",
                  {"reason": "学校分散", "proposed_due": moment(ahead(16))}, content_type="application/json")
    assert r.status_code == 201
    ext = r.json()["id"]
    r = edu.post(f"{BASE}/extensions/{ext}/decide", {"approve": True}, content_type="application/json")
    assert r.status_code == 200 and r.json()["state"] == "approved"
    assert edu.get(f"{BASE}/matters/{child['id']}").json()["deadline"].startswith(f"{ahead(16).isoformat()}T10:00:00")
    r = sup.post(f"{BASE}/matters/{child['id']}/urges", {"channel": "phone", "note": "加快进度"},
                 content_type="application/json")
    assert r.status_code == 201 and r.json()["urged_person"]["name"] == "赵城关"
    r = sup.post(f"{BASE}/urges/{r.json()['id']}/number")
    assert r.json()["document_number"].startswith(f"督催〔{timezone.localdate().year}〕")
    r = sup.post(f"{BASE}/matters/{pk}/suspend", {"reason": "暂缓"}, content_type="application/json")
    assert r.json()["state"] == State.SUSPENDED
    r = sup.post(f"{BASE}/matters/{pk}/resume", {}, content_type="application/json")
    assert r.json()["state"] == State.ACKNOWLEDGED
    r = sup.post(f"{BASE}/matters/{pk}/cancel", {"reason": "上级另有部署"}, content_type="application/json")
    assert r.json()["state"] == State.CANCELLED
    assert edu.get(f"{BASE}/matters/{child['id']}").json()["state"] == State.CANCELLED


def test_out4_token_caller_uses_the_same_rules(county):
    _, raw = issue_token(county.edu_user, "对接测试", scopes=["read", "write"])
    c = Client(HTTP_AUTHORIZATION=f"Bearer {raw}")
    r = c.post(f"{BASE}/matters", body(county), content_type="application/json")
    assert r.status_code == 403 and r.json()["detail"] == "只有督查室可以创建督办事项"


# --- documents and ledgers (item 5 through the API) ----------------------------------------------

def _xlsx(response):
    import io

    from openpyxl import load_workbook

    assert response.status_code == 200, response.content[:300]
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    data = b"".join(response.streaming_content) if response.streaming else response.content
    return load_workbook(io.BytesIO(data))


def _docx_text(response):
    import io

    from docx import Document

    assert response.status_code == 200, response.content[:300]
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    doc = Document(io.BytesIO(response.content))
    cells = [c.text for t in doc.tables for r in t.rows for c in r.cells]
    return "\n".join([p.text for p in doc.paragraphs] + cells)


def test_out2_ledger_through_the_api_follows_the_views_filters_and_visibility(county):
    sup, edu, fin = as_user(county.supervisor), as_user(county.edu_user), as_user(county.fin_user)
    sup.post(f"{BASE}/matters", body(county, title="教育局牵头的事", cooperating=[], assign=True),
             content_type="application/json")
    sup.post(f"{BASE}/matters", body(county, title="财政局牵头的事", cooperating=[], lead_unit_id=county.fin.pk,
                                     lead_person_id=county.fin_user.pk, assign=True), content_type="application/json")
    sup.post(f"{BASE}/matters", body(county, title="还是草稿"), content_type="application/json")

    ws = _xlsx(sup.get(f"{BASE}/ledger", {"view": "supervision", "state": "assigned"})).active
    rows = list(ws.iter_rows(values_only=True))
    assert ws.title == "督办事项台账" and rows[0][:3] == ("序号", "编号", "事项名称")
    assert sorted(r[2] for r in rows[1:]) == ["教育局牵头的事", "财政局牵头的事"]
    # A unit's ledger holds its own matters only, and the office's is refused to it.
    ws = _xlsx(edu.get(f"{BASE}/ledger", {"view": "unit"})).active
    assert ws.title == "本单位待办台账" and [r[2] for r in ws.iter_rows(min_row=2, values_only=True)] == ["教育局牵头的事"]
    assert "财政局牵头的事" not in str(list(_xlsx(edu.get(f"{BASE}/ledger")).active.values))
    r = fin.get(f"{BASE}/ledger", {"view": "supervision"})
    assert r.status_code == 403
    r = sup.get(f"{BASE}/ledger", {"view": "supervision", "state": "nonsense"})
    assert r.status_code == 422 and "state" in r.json()["errors"]
    r = sup.get(f"{BASE}/ledger", {"view": "everything"})
    assert r.status_code == 422 and "view" in r.json()["errors"]
    # Each export is journaled with who, which list and its filters.
    events = chain.Event.objects.filter(action="supervision.ledger.export").order_by("seq")
    assert [(e.actor, e.after["sheet"]) for e in events] == [
        (county.supervisor, "督办事项台账"), (county.edu_user, "本单位待办台账"), (county.edu_user, "督办事项台账")]
    assert [e.after["rows"] for e in events][:2] == [2, 1]
    assert events[0].after["filters"] == {"view": "supervision", "state": "assigned"}


def test_out2_notice_and_urge_documents_through_the_api(county):
    sup, edu, town = as_user(county.supervisor), as_user(county.edu_user), as_user(county.town_user)
    draft = sup.post(f"{BASE}/matters", body(county, cooperating=[]), content_type="application/json").json()
    r = sup.get(f"{BASE}/matters/{draft['id']}/notice.docx")
    assert r.status_code == 422 and r.json()["detail"] == "事项交办后方可生成督办通知单"
    m = sup.post(f"{BASE}/matters/{draft['id']}/assign").json()
    text = _docx_text(edu.get(f"{BASE}/matters/{m['id']}/notice.docx"))
    assert "督办通知单" in text and m["number"] in text and "冬季校园供暖安全检查" in text
    assert town.get(f"{BASE}/matters/{m['id']}/notice.docx").status_code == 404

    urge = sup.post(f"{BASE}/matters/{m['id']}/urges", {"channel": "phone", "note": "请加快进度"},
                    content_type="application/json").json()
    # Not numbered yet: the urged unit may not give it a number; the office may.
    r = edu.get(f"{BASE}/urges/{urge['id']}/docx")
    assert r.status_code == 403 and "只有可以催办该事项的人员" in r.json()["detail"]
    text = _docx_text(sup.get(f"{BASE}/urges/{urge['id']}/docx"))
    number = Matter.objects.get(pk=m["id"]).urges.get().document_number
    assert "催办单" in text and number and number in text
    assert number in _docx_text(edu.get(f"{BASE}/urges/{urge['id']}/docx"))  # numbered: the unit reads it
    assert town.get(f"{BASE}/urges/{urge['id']}/docx").status_code == 404


def _filled_template(client, rows):
    """The template downloaded through the API, with `rows` from row 3."""
    from .test_ledger import fill_template

    return fill_template(_xlsx(client.get(f"{BASE}/import/template")), rows)


def test_out2_import_through_the_api_is_all_or_nothing_and_for_the_office_only(county):
    sup, edu = as_user(county.supervisor), as_user(county.edu_user)
    row = {"来源": "领导批示", "事项名称": "农村公路养护", "事项内容": "完成县乡道路面修补", "牵头单位": "县教育局",
           "责任人": "张教育", "办结期限": ahead(30).isoformat(), "批示领导": "xianzhang", "批示日期": "2026-11-01",
           "批示内容": "请抓紧办理"}
    bad = dict(row, 事项名称="第二项", 牵头单位="县水利局")
    r = sup.post(f"{BASE}/import", {"file": _filled_template(sup, [row, bad])})
    assert r.status_code == 422 and r.json()["errors"]["file"] == ["第4行“牵头单位”列：找不到单位“县水利局”"]
    assert not Matter.objects.exists()
    r = sup.post(f"{BASE}/import", {"file": _filled_template(sup, [row, dict(bad, 牵头单位="县教育局")])})
    assert r.status_code == 201, r.content
    out = r.json()
    assert out["rows"] == 2 and out["assigned"] is True
    assert [(i["title"], i["state"]) for i in out["items"]] == [("农村公路养护", "assigned"), ("第二项", "assigned")]
    r = sup.post(f"{BASE}/import", {"file": _filled_template(sup, [row]), "assign": "false"})
    assert r.status_code == 201 and r.json()["items"][0]["state"] == "draft"
    # Another unit's user: neither the template nor the import.
    assert edu.get(f"{BASE}/import/template").status_code == 403
    r = edu.post(f"{BASE}/import", {"file": _filled_template(sup, [row])})
    assert r.status_code == 403 and r.json()["detail"] == "只有督查室可以批量导入督办事项"
    assert Matter.objects.count() == 3


def test_sup4_saved_views_through_the_api_are_each_users_own(county):
    sup, edu = as_user(county.supervisor), as_user(county.edu_user)
    r = sup.post(f"{BASE}/views", {"view": "supervision", "name": "逾期的", "query": "light=red&page=3&q="},
                 content_type="application/json")
    assert r.status_code == 201 and r.json()["query"] == "light=red"  # no paging, no empty values
    vid = r.json()["id"]
    # The same name again overwrites; a name is required; the view must be a list's.
    r = sup.post(f"{BASE}/views", {"view": "supervision", "name": "逾期的", "query": "light=yellow"},
                 content_type="application/json")
    assert r.status_code == 201 and r.json()["id"] == vid
    r = sup.post(f"{BASE}/views", {"view": "supervision", "name": " ", "query": ""}, content_type="application/json")
    assert r.status_code == 422 and r.json()["errors"]["name"] == ["请填写常用筛选的名称"]
    assert sup.get(f"{BASE}/views", {"view": "elsewhere"}).status_code == 422
    assert [(v["name"], v["query"]) for v in sup.get(f"{BASE}/views", {"view": "supervision"}).json()] == [
        ("逾期的", "light=yellow")]
    # The query serves the list as it is, and the page offers the same view.
    assert sup.get(f"{BASE}/matters?view=supervision&light=yellow").status_code == 200
    assert "逾期的" in sup.get("/matters/all/").content.decode()
    # Another user neither sees nor deletes it.
    assert edu.get(f"{BASE}/views", {"view": "supervision"}).json() == []
    assert edu.delete(f"{BASE}/views/{vid}").status_code == 404
    assert sup.delete(f"{BASE}/views/{vid}").status_code == 204
    assert sup.get(f"{BASE}/views", {"view": "supervision"}).json() == []
