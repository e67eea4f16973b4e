"""SUP-4: the supervision pages — worklists with lights and counts, the
office's filtered list with saved views, a leader's list, the matter page
with its timeline, clocks, reports, evidence and sub-task tree, the action
panel over htmx, creating matters and a meeting's decisions; every page
refuses (404) a user of another unit; list pages cost the same number of
queries however many rows they show."""

import datetime as dt
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from duban.journal import chain
from duban.savedviews.models import SavedView
from duban.supervision import services as sv
from duban.supervision.models import ExtensionRequest, Matter, Report, Urge
from duban.supervision.transitions import State

from .conftest import instruction_data

pytestmark = [pytest.mark.django_db, pytest.mark.anydate]  # runs on the real clock: CI fakes the date

HTMX = {"HTTP_HX_REQUEST": "true"}


def future(days, hour=18):
    d = timezone.localtime() + dt.timedelta(days=days)
    return d.replace(hour=hour, minute=0, second=0, microsecond=0)


def make(county, assign=True, **kw):
    kw.setdefault("due_at", future(30))
    return sv.create_matter(county.supervisor, assign=assign, **instruction_data(county, **kw))


def upload(name="整改照片.pdf", content=b"%PDF-1.4 evidence"):
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def as_user(client, user):
    client.force_login(user)
    return client


def text(response):
    return response.content.decode()


# --- lists ---------------------------------------------------------------------------------


def test_sup4_unit_worklist_shows_what_is_due_first_with_lights_and_counts(client, county):
    late = make(county, title="第二件事", due_at=future(40))
    soon = make(county, title="第一件事", due_at=future(3))
    other = make(county, title="财政的事", lead_unit=county.fin, lead_person=county.fin_user)
    for m in (late, soon):
        sv.acknowledge(m, county.edu_user)
    page = text(as_user(client, county.edu_user).get("/matters/"))
    assert "我的待办" in page
    # Signed for, each is lit by its completion deadline: what is due first comes first.
    assert page.index(soon.number) < page.index(late.number)
    assert other.title not in page
    counts = dict(re.findall(r'data-light="(\w+)">\s*<span[^>]*></span>[^<]*<strong>(\d+)</strong>', page))
    assert sum(int(n) for n in counts.values()) == 2
    assert 'data-label="灯"' in page and "table class=\"list stack\"" in page


def test_sup4_worklist_filters_by_light(client, county):
    make(county, title="绿灯事项")
    c = as_user(client, county.edu_user)
    page = text(c.get("/matters/", {"light": "red"}))
    assert "绿灯事项" not in page and "没有符合条件的督办事项" in page
    lit = Matter.objects.get(title="绿灯事项")
    from duban.clocks.services import light

    current = light(lit.current_clock)
    assert "绿灯事项" in text(c.get("/matters/", {"light": current}))


def test_sup4_office_list_counts_cancelled_matters_apart_not_under_a_colour(client, county):
    m = make(county, title="撤销的事")
    sv.cancel_matter(m, county.supervisor, reason="上级已另行部署")
    c = as_user(client, county.supervisor)
    page = text(c.get("/matters/all/"))
    counts = dict(re.findall(r'data-light="(\w+)">\s*<span[^>]*></span>[^<]*<strong>(\d+)</strong>', page))
    assert counts == {"red": "0", "yellow": "0", "green": "0", "done": "0", "stopped": "1"}
    assert "已撤销<strong>1</strong>" in page
    stopped = text(c.get("/matters/all/", {"light": "stopped"}))
    assert "撤销的事" in stopped
    # The row's dot is named as the row names it (not the clock's 已终止).
    assert re.search(r'<span class="light stopped" role="img" aria-label="已撤销" title="已撤销，到期：[^"]+"></span>\s*已撤销',
                     stopped)
    assert "撤销的事" not in text(c.get("/matters/all/", {"light": "green"}))


def test_sup4_bad_filter_is_explained_in_chinese(client, county):
    page = text(as_user(client, county.supervisor).get("/matters/all/", {"date_from": "2026/13/40"}))
    assert "交办日期起格式应为" in page


def test_sup4_office_list_filters_and_is_refused_to_units(client, county):
    make(county, title="教育的事")
    make(county, title="财政的事", lead_unit=county.fin, lead_person=county.fin_user, urgency="extra_urgent")
    c = as_user(client, county.supervisor)
    page = text(c.get("/matters/all/"))
    assert "教育的事" in page and "财政的事" in page
    page = text(c.get("/matters/all/", {"unit": county.fin.pk}))
    assert "财政的事" in page and "教育的事" not in page
    page = text(c.get("/matters/all/", {"urgency": "extra_urgent", "source": "leader_instruction"}))
    assert "财政的事" in page and "教育的事" not in page
    page = text(c.get("/matters/all/", {"state": "completed"}))
    assert "没有符合条件的督办事项" in page
    # A liaison has no jurisdiction: the page does not exist for them.
    assert as_user(client, county.edu_user).get("/matters/all/").status_code == 404


def test_sup4_saved_views_are_named_query_strings_per_user(client, county):
    c = as_user(client, county.supervisor)
    response = c.post("/matters/views/save/", {"page": "supervision.office", "name": "财政特急",
                                               "query": f"unit={county.fin.pk}&urgency=extra_urgent&page=3"})
    assert response.status_code == 302
    view = SavedView.objects.get(user=county.supervisor, name="财政特急")
    assert view.query == f"unit={county.fin.pk}&urgency=extra_urgent"
    assert response["Location"].endswith("?" + view.query)
    page = text(c.get("/matters/all/"))
    assert "财政特急" in page and f'href="?{view.query.replace("&", "&amp;")}"' in page
    # Saving the same name again overwrites it.
    c.post("/matters/views/save/", {"page": "supervision.office", "name": "财政特急", "query": "urgency=urgent"})
    assert SavedView.objects.get(pk=view.pk).query == "urgency=urgent"
    # Another user cannot delete it.
    other = as_user(client, county.leader)
    assert other.post(f"/matters/views/{view.pk}/delete/", {"page": "supervision.office"}).status_code == 404
    c = as_user(client, county.supervisor)
    assert c.post(f"/matters/views/{view.pk}/delete/", {"page": "supervision.office"}).status_code == 302
    assert not SavedView.objects.filter(pk=view.pk).exists()
    # A name is required.
    c.post("/matters/views/save/", {"page": "supervision.office", "name": " ", "query": ""})
    assert not SavedView.objects.exists()


def test_sup4_leader_sees_what_they_instructed(client, county):
    make(county, title="县长批示的事")
    make(county, title="交办文件的事", source_kind="higher_deployment", document_number="市政办〔2026〕5号",
         instructing_leader=None, instruction_date=None, instruction_text="", responsible_leader=None)
    page = text(as_user(client, county.leader).get("/matters/leader/"))
    assert "我批示的事项" in page and "县长批示的事" in page and "交办文件的事" not in page


@pytest.mark.parametrize("url", ["/matters/", "/matters/all/", "/matters/leader/"])
def test_sup4_list_query_count_does_not_grow_with_rows(client, county, url):
    user = county.leader if "leader" in url else county.supervisor if "all" in url else county.edu_user

    def count():
        c = as_user(client, user)
        with CaptureQueriesContext(connection) as ctx:
            assert c.get(url).status_code == 200
        return len(ctx.captured_queries)

    m = make(county, title="事项0")
    sv.urge_matter(m, county.supervisor, channel="phone")
    few = count()
    for i in range(1, 12):
        x = make(county, title=f"事项{i}", cooperating=[{"unit": county.fin, "person": county.fin_user}])
        sv.acknowledge(x, county.edu_user)
    many = count()
    assert many == few, f"{url}: {few} queries with 1 row, {many} with 12"


def test_sup4_list_rows_name_their_cooperating_units(client, county):
    """A row names its cooperating units in their order, and a cooperating
    unit's own worklist marks its part (配合)."""
    make(county, title="两家配合的事", cooperating=[{"unit": county.fin, "person": county.fin_user},
                                                  {"unit": county.town, "person": county.town_user}])
    make(county, title="独办的事")
    office = text(as_user(client, county.supervisor).get("/matters/all/"))
    cells = re.findall(r'<td data-label="配合单位">(.*?)</td>', office, re.S)
    assert sorted(re.sub(r"<[^>]+>", "", c).strip() for c in cells) == ["—", "县财政局、城关镇"]
    mine = text(as_user(client, county.fin_user).get("/matters/"))
    assert re.search(r'<td data-label="配合单位">县财政局 <span class="tag mine">配合</span>、城关镇</td>', mine)


def test_sup4_the_office_lists_unit_filter_offers_its_jurisdiction_only(client, county):
    from duban.org import services as org

    org.create_unit("邻县人民政府")
    page = text(as_user(client, county.supervisor).get("/matters/all/"))
    options = re.findall(r'<option value="\d+"[^>]*>([^<]+)</option>', page)
    assert any("县教育局" in o for o in options) and any("城关镇" in o for o in options)
    assert not any("邻县" in o for o in options)


def test_sup4_lists_are_paginated(client, county):
    for i in range(22):
        make(county, title=f"分页事项{i:02d}")
    c = as_user(client, county.edu_user)
    first = text(c.get("/matters/"))
    assert "第 1 / 2 页" in first and first.count('data-label="事项名称"') == 20
    second = text(c.get("/matters/", {"page": 2}))
    assert second.count('data-label="事项名称"') == 2


# --- the matter page ------------------------------------------------------------------------


def test_sup4_matter_page_shows_header_clocks_reports_tree_and_timeline(client, county):
    m = make(county, cooperating=[{"unit": county.fin, "person": county.fin_user, "duty": "保障经费"}])
    sv.acknowledge(m, county.edu_user)
    sv.submit_report(m, county.edu_user, text="已完成排查部署。", progress=40, files=[upload("部署通知.pdf")])
    child = sv.split_matter(m, county.edu_user, title="城关镇学校排查", content="排查镇属学校",
                            standard="全覆盖", lead_unit=county.town, lead_person=county.town_user,
                            due_at=future(20))
    page = text(as_user(client, county.supervisor).get(f"/matters/{m.pk}/"))
    for expected in (m.number, m.title, "领导批示", "周县长", "请教育局牵头抓好", "排查全覆盖", "县教育局",
                     "张教育", "县财政局", "保障经费", "计时", "签收", "办结", "已完成排查部署。", "部署通知.pdf",
                     child.number, "城关镇学校排查", "时间线", "交办", "签收", "报送反馈", "分解子任务",
                     "陈督查", "下载督办通知单"):
        assert expected in page, expected
    assert "class=\"light" in page


def test_sup4_matter_page_is_404_for_another_unit(client, county):
    m = make(county)
    c = as_user(client, county.fin_user)
    assert c.get(f"/matters/{m.pk}/").status_code == 404
    assert c.get(f"/matters/{m.pk}/notice.docx").status_code == 404
    assert c.post(f"/matters/{m.pk}/act/acknowledge/", **HTMX).status_code == 404
    assert m.title not in text(c.get("/matters/"))
    assert c.get("/matters/999999/").status_code == 404


def test_sup4_evidence_download_checks_visibility(client, county):
    m = make(county)
    sv.acknowledge(m, county.edu_user)
    r = sv.submit_report(m, county.edu_user, text="进展", files=[upload("证明.pdf", b"%PDF-1.4 proof")])
    f = r.files.get()
    response = as_user(client, county.edu_user).get(f"/matters/files/{f.pk}/")
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"%PDF-1.4 proof"
    assert "attachment" in response["Content-Disposition"]
    assert as_user(client, county.fin_user).get(f"/matters/files/{f.pk}/").status_code == 404


def test_sup4_action_panel_offers_only_what_the_user_may_do_now(client, county):
    m = make(county)
    liaison = text(as_user(client, county.edu_user).get(f"/matters/{m.pk}/"))
    assert f"/matters/{m.pk}/act/acknowledge/" in liaison
    assert f"/matters/{m.pk}/act/complete/" not in liaison and "/act/cancel/" not in liaison
    office = text(as_user(client, county.supervisor).get(f"/matters/{m.pk}/"))
    assert f"/matters/{m.pk}/act/acknowledge/" not in office
    assert f"/matters/{m.pk}/act/cancel/" in office and f"/matters/{m.pk}/act/urge/" in office


def test_sup4_htmx_action_returns_the_refreshed_page_with_a_chinese_message(client, county):
    m = make(county)
    c = as_user(client, county.edu_user)
    response = c.post(f"/matters/{m.pk}/act/acknowledge/", **HTMX)
    assert response.status_code == 200
    body = text(response)
    assert body.startswith('<div id="matter-body">') and "已签收" in body and "<html" not in body
    m.refresh_from_db()
    assert m.state == State.ACKNOWLEDGED
    # Without htmx: a redirect back to the page, the message shown there.
    m2 = make(county)
    response = c.post(f"/matters/{m2.pk}/act/acknowledge/")
    assert response.status_code == 302 and response["Location"] == f"/matters/{m2.pk}/"
    assert "已签收" in text(c.get(response["Location"]))


def test_sup4_service_errors_are_shown_next_to_the_form(client, county):
    m = make(county)
    sv.acknowledge(m, county.edu_user)
    c = as_user(client, county.edu_user)
    response = c.post(f"/matters/{m.pk}/act/report/", {"text": ""}, **HTMX)
    assert response.status_code == 200
    assert response["HX-Retarget"] == "#act-report" and response["HX-Reswap"] == "outerHTML"
    assert "反馈内容不能为空" in text(response)
    # An illegal step names the state and the action.
    sv.submit_report(m, county.edu_user, text="进展")
    response = c.post(f"/matters/{m.pk}/act/request_completion/", {"text": "完成了"}, **HTMX)
    assert "办结申请须附至少一份佐证材料" in text(response)
    response = c.post(f"/matters/{m.pk}/act/acknowledge/", **HTMX)
    assert "不能签收" in text(response)
    # Without htmx: the whole page with the form and its error.
    response = c.post(f"/matters/{m.pk}/act/report/", {"text": ""})
    assert response.status_code == 422 and "反馈内容不能为空" in text(response)


def test_sup4_permission_denied_answers_404(client, county):
    m = make(county)
    # 王局长 can see his unit's matter, but only the supervision office cancels.
    c = as_user(client, county.edu_head)
    assert c.get(f"/matters/{m.pk}/").status_code == 200
    assert c.post(f"/matters/{m.pk}/act/cancel/", {"reason": "不想办"}, **HTMX).status_code == 404
    assert Matter.objects.get(pk=m.pk).state == State.ASSIGNED
    assert c.post(f"/matters/{m.pk}/act/nonsense/", **HTMX).status_code == 404


def test_sup4_whole_loop_through_the_pages(client, county):
    """Report with files, request completion, return, request again, complete, archive."""
    m = make(county)
    lly = as_user(client, county.edu_user)
    assert "已签收" in text(lly.post(f"/matters/{m.pk}/act/acknowledge/", **HTMX))
    body = text(lly.post(f"/matters/{m.pk}/act/report/",
                         {"text": "排查过半。", "progress": "50", "files": [upload("a.pdf"), upload("b.pdf")]},
                         **HTMX))
    assert "已报送进展反馈" in body and "a.pdf" in body and "b.pdf" in body
    body = text(lly.post(f"/matters/{m.pk}/act/split/", {
        "title": "城关镇排查", "content": "镇属学校", "standard": "全覆盖", "lead_unit": county.town.pk,
        "lead_person": county.town_user.pk, "due_date": future(10).date().isoformat()}, **HTMX))
    child = Matter.objects.get(parent=m)
    assert f"已分解子任务 {child.number}" in body and "城关镇排查" in body
    # The town does its part; the unit that split it completes it.
    town = as_user(client, county.town_user)
    town.post(f"/matters/{child.pk}/act/acknowledge/", **HTMX)
    town.post(f"/matters/{child.pk}/act/report/", {"text": "已排查"}, **HTMX)
    town.post(f"/matters/{child.pk}/act/request_completion/", {"text": "完成", "files": [upload()]}, **HTMX)
    lly = as_user(client, county.edu_user)
    assert "已审核办结" in text(lly.post(f"/matters/{child.pk}/act/complete/", {"comment": "同意"}, **HTMX))
    body = text(lly.post(f"/matters/{m.pk}/act/request_completion/",
                         {"text": "全部整改。", "files": [upload("整改报告.pdf")]}, **HTMX))
    assert "已提交办结申请" in body and "办结待审" in body
    office = as_user(client, county.supervisor)
    body = text(office.post(f"/matters/{m.pk}/act/return/", {"reason": "缺少食堂整改照片"}, **HTMX))
    assert "已退回重办" in body and "缺少食堂整改照片" in body
    lly = as_user(client, county.edu_user)
    lly.post(f"/matters/{m.pk}/act/request_completion/", {"text": "补充照片", "files": [upload("照片.pdf")]},
             **HTMX)
    office = as_user(client, county.supervisor)
    assert "已审核办结" in text(office.post(f"/matters/{m.pk}/act/complete/", {"comment": "同意办结"}, **HTMX))
    assert "已归档" in text(office.post(f"/matters/{m.pk}/act/archive/", **HTMX))
    m.refresh_from_db()
    assert m.state == State.ARCHIVED and m.return_count == 1
    page = text(office.get(f"/matters/{m.pk}/"))
    for label in ("申请办结", "退回重办", "审核办结", "归档", "分解子任务"):
        assert label in page
    assert chain.verify().ok


def test_sup4_extension_request_and_decision_through_the_panel(client, county):
    m = make(county, due_at=future(10))
    sv.acknowledge(m, county.edu_user)
    c = as_user(client, county.edu_user)
    body = text(c.post(f"/matters/{m.pk}/act/request_extension/",
                       {"reason": "需协调上级资金", "proposed_due": future(20).date().isoformat()}, **HTMX))
    assert "已提交延期申请" in body
    ext = ExtensionRequest.objects.get(matter=m)
    office = as_user(client, county.supervisor)
    page = text(office.get(f"/matters/{m.pk}/"))
    assert f"act-decide_extension-{ext.pk}" in page and "需协调上级资金" in page
    body = text(office.post(f"/matters/{m.pk}/act/decide_extension/",
                            {"extension": ext.pk, "decision": "reject", "reason": ""}, **HTMX))
    assert "不予延期须填写理由" in body
    body = text(office.post(f"/matters/{m.pk}/act/decide_extension/",
                            {"extension": ext.pk, "decision": "approve", "reason": "同意"}, **HTMX))
    assert "已批准延期" in body
    ext.refresh_from_db()
    assert ext.state == "approved"


def test_sup4_urge_by_hand_and_review_a_report(client, county):
    m = make(county)
    sv.acknowledge(m, county.edu_user)
    sv.submit_report(m, county.edu_user, text="阶段进展")
    office = as_user(client, county.supervisor)
    body = text(office.post(f"/matters/{m.pk}/act/urge/",
                            {"urged_unit": county.edu.pk, "channel": "phone", "note": "请加快进度"}, **HTMX))
    assert "已催办（电话）" in body and "请加快进度" in body
    urge = Urge.objects.get(matter=m)
    assert f"/matters/urges/{urge.pk}/sheet.docx" in body
    report = Report.objects.get(matter=m)
    body = text(office.post(f"/matters/{m.pk}/act/review_report/",
                            {"report": report.pk, "decision": "return", "comment": "请补充数据"}, **HTMX))
    assert "已退回该反馈" in body
    report.refresh_from_db()
    assert report.review_state == "returned"


def test_sup4_suspend_resume_cancel_need_reasons(client, county):
    m = make(county)
    office = as_user(client, county.supervisor)
    assert "暂停须填写理由" in text(office.post(f"/matters/{m.pk}/act/suspend/", {"reason": ""}, **HTMX))
    assert "已暂停" in text(office.post(f"/matters/{m.pk}/act/suspend/", {"reason": "等待政策"}, **HTMX))
    assert "已恢复办理" in text(office.post(f"/matters/{m.pk}/act/resume/", {"reason": ""}, **HTMX))
    assert "已撤销" in text(office.post(f"/matters/{m.pk}/act/cancel/", {"reason": "上级另有部署"}, **HTMX))
    assert Matter.objects.get(pk=m.pk).state == State.CANCELLED


# --- creating ----------------------------------------------------------------------------------


def _form(county, **kw):
    data = {
        "source_kind": "leader_instruction", "instructing_leader": county.leader.pk,
        "instruction_date": "2026-11-01", "instruction_text": "请抓紧落实。", "title": "新建的事项",
        "content": "具体内容", "standard": "按期完成", "urgency": "urgent", "lead_unit": county.edu.pk,
        "lead_person": county.edu_user.pk, "responsible_leader": county.leader.pk,
        "due_date": future(15).date().isoformat(), "deadline_rule": "",
        "coop-TOTAL_FORMS": "3", "coop-INITIAL_FORMS": "0", "coop-MIN_NUM_FORMS": "0", "coop-MAX_NUM_FORMS": "20",
        "coop-0-unit": county.fin.pk, "coop-0-person": county.fin_user.pk, "coop-0-duty": "资金保障",
    }
    data.update(kw)
    return data


def test_sup1_office_creates_and_assigns_a_matter_through_the_form(client, county):
    c = as_user(client, county.supervisor)
    page = text(c.get("/matters/new/"))
    assert "新建督办事项" in page and 'data-kinds="leader_instruction assignment"' in page
    response = c.post("/matters/new/", _form(county, assign="1"))
    assert response.status_code == 302
    m = Matter.objects.get(title="新建的事项")
    assert m.state == State.ASSIGNED and m.number and m.cooperations.get().unit == county.fin
    assert m.instructing_leader == county.leader and m.urgency == "urgent"
    assert "已创建并交办" in text(c.get(response["Location"]))


def test_sup1_form_shows_the_services_errors_on_their_fields(client, county):
    c = as_user(client, county.supervisor)
    response = c.post("/matters/new/", _form(county, instruction_text="", lead_person="", assign="1"))
    assert response.status_code == 422
    page = text(response)
    assert "来源为“领导批示”时必须填写批示内容" in page
    assert not Matter.objects.exists()
    # A draft may lack the responsible person; assigning it may not.
    response = c.post("/matters/new/", _form(county, lead_person="", draft="1"))
    assert response.status_code == 302
    m = Matter.objects.get()
    assert m.state == State.DRAFT
    response = c.post(f"/matters/{m.pk}/act/assign/", **HTMX)
    assert "交办前须明确责任人" in text(response)
    # The draft is edited through the same form, then assigned.
    assert c.get(f"/matters/{m.pk}/edit/").status_code == 200
    response = c.post(f"/matters/{m.pk}/edit/", _form(county, assign="1"))
    assert response.status_code == 302
    m.refresh_from_db()
    assert m.state == State.ASSIGNED and m.lead_person == county.edu_user


def test_sup1_only_the_office_creates(client, county):
    c = as_user(client, county.edu_user)
    assert c.get("/matters/new/").status_code == 404
    assert c.post("/matters/new/", _form(county, assign="1")).status_code == 404
    assert c.get("/matters/meeting/").status_code == 404
    assert c.get("/matters/import/").status_code == 404


def _meeting(county, rows):
    data = {"kind": "standing_meeting", "name": "县政府第12次常务会议", "date": "2026-11-20",
            "minutes_number": "〔2026〕12号", "assign": "on",
            "d-TOTAL_FORMS": "5", "d-INITIAL_FORMS": "0", "d-MIN_NUM_FORMS": "0", "d-MAX_NUM_FORMS": "50"}
    for i, row in rows.items():
        for k, v in row.items():
            data[f"d-{i}-{k}"] = v
    for i in range(5):
        data.setdefault(f"d-{i}-urgency", "normal")
    return data


def test_meet3_several_decisions_of_one_meeting_on_one_screen(client, county):
    c = as_user(client, county.supervisor)
    assert "录入会议议定事项" in text(c.get("/matters/meeting/"))
    row = {"title": "老旧小区改造", "content": "年底前完成", "lead_unit": county.edu.pk,
           "lead_person": county.edu_user.pk}
    bad = _meeting(county, {0: row, 2: {"title": "缺责任人", "content": "内容", "lead_unit": county.fin.pk}})
    response = c.post("/matters/meeting/", bad)
    assert response.status_code == 422
    page = text(response)
    # The row is named as on the screen (the third row), not as the second filled one.
    assert "第3行" in page and "交办前须明确责任人" in page
    assert not Matter.objects.exists()
    good = _meeting(county, {0: row, 2: {"title": "财政资金拨付", "content": "内容", "lead_unit": county.fin.pk,
                                         "lead_person": county.fin_user.pk}})
    response = c.post("/matters/meeting/", good)
    assert response.status_code == 302
    matters = Matter.objects.order_by("id")
    assert [m.title for m in matters] == ["老旧小区改造", "财政资金拨付"]
    assert all(m.state == State.ASSIGNED and m.meeting_name == "县政府第12次常务会议" for m in matters)
    assert all(m.deadline_rule == "matter_report_7wd" for m in matters)


def test_sup4_a_message_shows_once_after_a_plain_post(client, county):
    m = make(county)
    c = as_user(client, county.edu_user)
    response = c.post(f"/matters/{m.pk}/act/acknowledge/")
    assert text(c.get(response["Location"])).count("已签收</li>") == 1
