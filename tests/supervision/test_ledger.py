"""OUT-2: the 台账 of any filtered list as an Excel file, and matters imported
from the Excel template — every row validated first, Chinese errors naming
row and column, all or nothing. The files are opened and read back with
openpyxl."""

import datetime as dt
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from openpyxl import Workbook, load_workbook

from duban.clocks.services import clocks_for
from duban.journal.models import Event
from duban.org import services as org
from duban.supervision import services as sv
from duban.supervision.models import Matter
from duban.supervision.transitions import State

from .test_pages import as_user, future, make, upload

pytestmark = pytest.mark.django_db

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
COLUMNS = ("序号", "编号", "事项名称", "来源", "批示领导/会议", "牵头单位", "责任人", "配合单位", "工作标准", "办理时限",
           "状态", "红黄绿灯", "最近反馈", "办结时间")


def read_xlsx(response):
    assert response.status_code == 200
    assert response["Content-Type"] == XLSX
    data = b"".join(response.streaming_content) if response.streaming else response.content
    return load_workbook(io.BytesIO(data))


def rows_of(ws):
    return [tuple(r) for r in ws.iter_rows(values_only=True)]


# --- export ---------------------------------------------------------------------------------


def test_out2_office_ledger_honours_the_filters_and_has_the_offices_columns(client, county):
    edu = make(county, title="校园安全", cooperating=[{"unit": county.fin, "person": county.fin_user}])
    sv.acknowledge(edu, county.edu_user)
    sv.submit_report(edu, county.edu_user, text="已排查32所学校。", progress=40)
    make(county, title="财政拨付", lead_unit=county.fin, lead_person=county.fin_user)
    make(county, title="草稿事项", assign=False)
    c = as_user(client, county.supervisor)
    wb = read_xlsx(c.get("/matters/all/export/", {"unit": county.edu.pk, "state": "in_progress"}))
    rows = rows_of(wb.active)
    assert rows[0] == COLUMNS
    assert len(rows) == 2
    row = dict(zip(COLUMNS, rows[1], strict=True))
    assert row["序号"] == 1 and row["编号"] == edu.number and row["事项名称"] == "校园安全"
    assert row["来源"] == "领导批示" and row["批示领导/会议"].startswith("周县长 2026-03-01")
    assert row["牵头单位"] == "县教育局" and row["责任人"] == "张教育" and row["配合单位"] == "县财政局（李财政）"
    assert row["工作标准"] == edu.standard and row["状态"] == "办理中"
    assert row["红黄绿灯"] in ("绿灯", "黄灯") and row["最近反馈"].endswith("已排查32所学校。")
    assert row["办理时限"].startswith(future(30).date().isoformat())
    # No filter: every matter of the jurisdiction, drafts too, what is due first first.
    rows = rows_of(read_xlsx(c.get("/matters/all/export/")).active)
    assert {r[2] for r in rows[1:]} == {"校园安全", "财政拨付", "草稿事项"}
    assert rows[-1][1] == "（草稿）"
    # The export is on the record.
    e = Event.objects.filter(action="supervision.ledger.export").order_by("-seq").first()
    assert e.after["rows"] == 3 and e.after["sheet"] == "督办事项台账"


def test_out2_ledger_of_the_light_filtered_worklist(client, county, loop):
    late = loop.acknowledged(title="逾期事项")  # due in March 2026: red now
    make(county, title="正常事项")
    c = as_user(client, county.edu_user)
    rows = rows_of(read_xlsx(c.get("/matters/export/", {"light": "red"})).active)
    assert [r[2] for r in rows[1:]] == ["逾期事项"] and rows[1][11] == "红灯" and rows[1][1] == late.number
    rows = rows_of(read_xlsx(c.get("/matters/export/")).active)
    assert {r[2] for r in rows[1:]} == {"逾期事项", "正常事项"}


def test_out2_completed_matter_shows_its_completion_time(client, county, loop):
    m = loop.completed()
    rows = rows_of(read_xlsx(as_user(client, county.supervisor).get("/matters/all/export/")).active)
    row = dict(zip(COLUMNS, rows[1], strict=True))
    assert row["编号"] == m.number and row["状态"] == "已办结" and row["红黄绿灯"] == "已完成"
    assert row["办结时间"].startswith("2026-03-02")


def test_out2_ledger_export_is_refused_beyond_visibility(client, county):
    make(county, title="教育的事")
    c = as_user(client, county.fin_user)
    assert c.get("/matters/all/export/").status_code == 404
    rows = rows_of(read_xlsx(c.get("/matters/export/")).active)
    assert rows == [COLUMNS]


# --- import ---------------------------------------------------------------------------------


def template(client):
    response = client.get("/matters/import/template/")
    assert response.status_code == 200 and response["Content-Type"] == XLSX
    return load_workbook(io.BytesIO(response.content))


def test_out2_import_template_has_header_example_and_instructions(client, county):
    wb = template(as_user(client, county.supervisor))
    assert wb.sheetnames == ["督办事项", "说明", "单位及人员"]
    ws = wb["督办事项"]
    header = [c.value for c in ws[1]]
    assert header[:8] == ["序号", "来源*", "事项名称*", "事项内容*", "工作标准", "紧急程度", "牵头单位*", "责任人*"]
    assert ws["A2"].value == "示例" and ws["B2"].value == "领导批示"
    lists = {str(dv.sqref)[:1]: dv.formula1 for dv in ws.data_validations.dataValidation}
    assert "常务会议" in lists["B"] and "特急" in lists["F"]
    notes = "\n".join(" ".join(str(v) for v in r if v) for r in wb["说明"].iter_rows(values_only=True))
    for expected in ("全部不导入", "常务会议、专题会议、领导批示", "特急、加急、一般", "matter_report_7wd", "每周、每月、每季度"):
        assert expected in notes
    people = rows_of(wb["单位及人员"])
    assert ("县教育局", "张教育", "edu", None) in people and ("县政府办公室·督查室", "陈督查", "duchashi", None) in people


def filled(client, rows):
    """The downloaded template with `rows` (dicts by column name) from row 3."""
    return fill_template(template(client), rows)


def fill_template(wb, rows):
    """The template workbook `wb` with `rows` appended, as an upload."""
    ws = wb["督办事项"]
    header = [str(c.value).rstrip("*") for c in ws[1]]
    for row in rows:
        ws.append([row.get(h, "") for h in header])
    out = io.BytesIO()
    wb.save(out)
    return SimpleUploadedFile("督办事项.xlsx", out.getvalue(), content_type=XLSX)


def good_row(county, **kw):
    row = {"来源": "领导批示", "事项名称": "农村公路养护", "事项内容": "完成县乡道路面修补", "工作标准": "年底前完成",
           "紧急程度": "一般", "牵头单位": "县教育局", "责任人": "张教育", "配合单位": "县财政局", "配合单位责任人": "fin",
           "责任领导": "周县长", "办结期限": future(30).date().isoformat(), "批示领导": "xianzhang",
           "批示日期": "2026-11-01", "批示内容": "请抓紧办理"}
    row.update(kw)
    return row


def test_out2_tl3_import_creates_and_assigns_every_row(client, county):
    c = as_user(client, county.supervisor)
    rows = [good_row(county), good_row(county, 事项名称="城区停车难治理", 来源="12345热线", **{"12345工单编号": "GD-2026-1101"},
                                         批示领导="", 批示日期="", 批示内容="", 紧急程度="特急", 配合单位="",
                                         配合单位责任人="", 办结期限="", 时限规则="")]
    response = c.post("/matters/import/", {"file": filled(c, rows), "assign": "on"})
    assert response.status_code == 200
    page = response.content.decode()
    assert "已导入 2 项督办事项" in page
    first, second = Matter.objects.order_by("id")
    assert first.title == "农村公路养护" and first.state == State.ASSIGNED and first.number
    assert first.instructing_leader == county.leader and first.responsible_leader == county.leader
    assert first.cooperations.get().person == county.fin_user
    assert second.source_kind == "hotline" and second.ticket_number == "GD-2026-1101"
    assert second.urgency == "extra_urgent" and second.deadline_rule == "matter_report_7wd"
    # TL-3: an imported matter is signed for within its urgency's limit, as one assigned by hand.
    assert clocks_for(first, "ack").get().rule.code == "matter_ack_1wd"
    ack = clocks_for(second, "ack").get()
    assert ack.rule.code == "matter_ack_extra_urgent_1h" and ack.due_at - ack.started_at == dt.timedelta(hours=1)
    assert Event.objects.filter(action="supervision.ledger.import").exists()


def test_out2_import_reports_every_bad_row_and_column_and_writes_nothing(client, county):
    c = as_user(client, county.supervisor)
    rows = [
        good_row(county),
        good_row(county, 牵头单位="县水利局"),
        good_row(county, 批示内容="", 紧急程度="很急"),
        good_row(county, 办结期限="明年", 责任人="赵城关"),
    ]
    response = c.post("/matters/import/", {"file": filled(c, rows), "assign": "on"})
    assert response.status_code == 422
    page = response.content.decode()
    # Rows are numbered as in Excel: the header is row 1, the example row 2.
    assert "第4行“牵头单位”列：找不到单位“县水利局”" in page
    assert "第5行“紧急程度”列：紧急程度应为：特急、加急、一般" in page
    assert "第6行“办结期限”列：“明年”不是可识别的日期，请写作 2026-03-10 或 2026年3月10日" in page
    # The services' own checks in the same upload: the instruction's text is
    # required; 赵城关 is found, outside the lead unit, and refused.
    assert "第5行“批示内容”列：来源为“领导批示”时必须填写批示内容" in page
    assert "第6行“责任人”列：责任人赵城关不属于牵头单位“县教育局”" in page
    # A cell already reported is not reported again by the services.
    assert page.count("第4行") == 1
    assert "第3行" not in page
    assert "未导入任何事项" in page
    assert not Matter.objects.exists()
    # Once every row is right, all of them are imported.
    rows[1]["牵头单位"], rows[2]["紧急程度"], rows[2]["批示内容"] = "县教育局", "一般", "请抓紧"
    rows[3]["办结期限"], rows[3]["责任人"] = future(5).date().isoformat(), "张教育"
    page = c.post("/matters/import/", {"file": filled(c, rows), "assign": "on"}).content.decode()
    assert "已导入 4 项督办事项" in page and Matter.objects.filter(state=State.ASSIGNED).count() == 4


def test_out2_import_is_all_or_nothing_even_when_a_write_fails(client, county, monkeypatch):
    c = as_user(client, county.supervisor)
    upload_file = filled(c, [good_row(county), good_row(county, 事项名称="第二项")])
    # The rows pass the checks; the second one's clock then fails to start,
    # in the middle of the batch write.
    from duban.clocks import services as clock_services

    real = clock_services._new_clock
    calls = []

    def failing(spec, *args, **kwargs):
        calls.append(spec.owner.title)
        if spec.owner.title == "第二项":
            from django.core.exceptions import ValidationError

            raise ValidationError({"due_at": "办结期限须晚于当前时间"})
        return real(spec, *args, **kwargs)

    monkeypatch.setattr(clock_services, "_new_clock", failing)
    page = c.post("/matters/import/", {"file": upload_file, "assign": "on"}).content.decode()
    assert "第二项" in calls
    assert "第4行“办结期限”列：办结期限须晚于当前时间" in page
    assert not Matter.objects.exists()


def test_out2_import_resolves_repeated_unit_names_by_their_department(client, county):
    org.create_unit("办公室", parent=county.edu)
    org.create_unit("办公室", parent=county.fin)
    clerk = county.person("edu_bgs", "钱办公", county.edu.children.get(name="办公室"))
    c = as_user(client, county.supervisor)
    rows = [good_row(county, 牵头单位="办公室", 责任人="钱办公", 配合单位="", 配合单位责任人="")]
    page = c.post("/matters/import/", {"file": filled(c, rows), "assign": "on"}).content.decode()
    assert "单位“办公室”不止一个，请写明上级单位" in page and "县教育局·办公室" in page
    rows[0]["牵头单位"] = "县教育局·办公室"
    page = c.post("/matters/import/", {"file": filled(c, rows), "assign": "on"}).content.decode()
    assert "已导入 1 项督办事项" in page
    assert Matter.objects.get().lead_person == clerk


def test_out2_import_refuses_files_that_are_not_the_template(client, county):
    c = as_user(client, county.supervisor)
    page = c.post("/matters/import/", {"file": SimpleUploadedFile("a.xlsx", b"not a workbook")}).content.decode()
    assert "文件不是有效的 Excel（.xlsx）文件" in page
    wb = Workbook()
    wb.active.append(["名称", "内容"])
    wb.active.append(["x", "y"])
    out = io.BytesIO()
    wb.save(out)
    page = c.post("/matters/import/", {"file": SimpleUploadedFile("b.xlsx", out.getvalue())}).content.decode()
    assert "找不到表头行" in page and "“来源”" in page and "请使用下载的导入模板" in page
    # A header row that names some columns but not every required one.
    wb = Workbook()
    wb.active.append(["来源", "事项名称", "事项内容", "责任人"])
    wb.active.append(["领导批示", "x", "y", "张教育"])
    out = io.BytesIO()
    wb.save(out)
    page = c.post("/matters/import/", {"file": SimpleUploadedFile("c.xlsx", out.getvalue())}).content.decode()
    assert "第1行（表头）缺少必填列：“牵头单位”" in page
    page = c.post("/matters/import/", {"file": filled(c, [])}).content.decode()
    assert "没有可导入的行" in page
    assert not Matter.objects.exists()


def test_out2_import_reads_a_ledger_as_clerks_fill_it_in(client, county):
    """A clerk's own sheet: a title row above the header, header names
    with spaces and line breaks or the other names clerks use (责任单位,
    完成时限), no example row, dates written 2026年…日前 or as month and
    day of this year, full-width digits, names with spaces, and 长期 in the
    deadline column (a long-term matter with its report cycle)."""
    year = timezone.localdate().year
    wb = Workbook()
    ws = wb.active
    ws.title = "县政府督办事项台账"
    ws.append(["2026年第四季度县政府督办事项台账"])
    ws.append(["序 号", "来源", "督办事项", "事项\n内容", "工作要求", "责任单位", "具体责任人", "完成时限",
               "批示领导", "批示日期", "批示内容", "报送周期", "报送日"])
    due = future(40).date()
    ws.append([1, "领导批示", "农村饮水安全排查", "全县排查", "全覆盖", "县 教育局", "张 教育",
               f"{due.year}年{due.month}月{due.day}日前", "xianzhang", f"{year}.11.1", "请抓紧", "", ""])
    ws.append([2, "领导批示", "校园周边环境整治", "长期巡查", "常态化", "县教育局", "张教育", "长期",
               "周县长", f"{year}年11月2日", "持续抓好", "每月", "１５"])
    out = io.BytesIO()
    wb.save(out)
    c = as_user(client, county.supervisor)
    assert "已有的台账也可直接上传" in c.get("/matters/import/").content.decode()  # the page says so
    page = c.post("/matters/import/", {"file": SimpleUploadedFile("台账.xlsx", out.getvalue()), "assign": "on"})
    assert "已导入 2 项督办事项" in page.content.decode()
    first, second = Matter.objects.order_by("id")
    assert (first.title, first.content, first.standard) == ("农村饮水安全排查", "全县排查", "全覆盖")
    assert first.lead_unit == county.edu and first.lead_person == county.edu_user
    assert timezone.localtime(first.deadline).date() == due and first.state == State.ASSIGNED
    assert first.instruction_date == dt.date(year, 11, 1) and first.instructing_leader == county.leader
    assert second.is_long_term and second.report_cycle == "monthly" and second.report_day == 15
    assert second.instruction_date == dt.date(year, 11, 2)


def test_out2_import_as_drafts_skips_the_assignment_checks(client, county):
    c = as_user(client, county.supervisor)
    rows = [good_row(county, 责任人="", 配合单位="", 配合单位责任人="")]
    page = c.post("/matters/import/", {"file": filled(c, rows), "assign": "on"}).content.decode()
    assert "第3行“责任人”列：交办前须明确责任人" in page
    page = c.post("/matters/import/", {"file": filled(c, rows)}).content.decode()
    assert "已导入 1 项督办事项" in page
    assert Matter.objects.get().state == State.DRAFT


def test_out2_upload_evidence_is_unrelated_to_import(client, county):
    """The import page accepts only its workbook; evidence goes through reports."""
    c = as_user(client, county.supervisor)
    page = c.post("/matters/import/", {"file": upload()}).content.decode()
    assert "文件不是有效的 Excel（.xlsx）文件" in page
