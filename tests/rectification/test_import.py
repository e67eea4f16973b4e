"""RECT-3: the problem ledger in and out of Excel. Messy ledgers built here
with openpyxl: title row and merged headers, names with spaces and line
breaks, full-width digits, every date spelling, 长期坚持, empty rows, a unit
column; row-precise Chinese errors and nothing written; the command with
--dry-run and its exit status; export → import unchanged."""

import datetime as dt
import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from openpyxl import load_workbook

from duban.journal.models import Event
from duban.rectification import excel
from duban.rectification import services as rs
from duban.rectification.models import Problem

from .conftest import D, T, make_problem, xlsx

pytestmark = pytest.mark.django_db

HEADER = ["序号", "责任\n单位", "问题 类别", "问题来源", "班子/个人", "姓 名", "存在问题", "原因分析", "整改措施",
          "责任领导", None, "责任人", "报告周期", "整改进展"]
# Row 2: group headers merged over several columns, and 整改时限 merged down
# over rows 2–3 (its text sits in row 2 only).
GROUPS = [None, "问题基本情况", None, None, None, None, None, None, None, "整改责任", "整改\n时限", None, None, None]


def messy_file(rows):
    header = list(HEADER)
    return xlsx([["县直各单位“改进作风、狠抓落实”年问题清单台账"], GROUPS, header, *rows],
                merges=["A1:N1", "B2:G2", "K2:K3"])


def row(seq, unit, description, deadline, *, category="慢作为", source="自己找", subject="领导班子", name="",
        cause="原因", measures="措施", leader="刘副局长", person="张教育", cycle="", progress=""):
    return [seq, unit, category, source, subject, name, description, cause, measures, leader, deadline, person,
            cycle, progress]


def good_rows():
    return [
        row(1, "县教育局", "审批拖延一", "2026-06-10"),
        row(2, "县教育局", "审批拖延二", "2026/6/30", category="不作为"),
        [None] * 14,
        row("３", "县教育局", "会议多一", "2026年9月30日", category="文山会海"),
        row(4, " 县财政局 ", "资金拨付慢", "2026年12月10日前", person="李财政", leader="钱专班"),
        row(5, "城关镇", "群众办事难", "6月10日前", source="群众提"),
        row(6, "县财政局", "表格泛滥", "长期坚持", category="文山会海", cycle="每季度", person="李财政"),
        row(7, "城关镇", "过度留痕", "长期", category="文山会海", person="没有账号的人"),
        [None] * 14,
        row(8, "县教育局", "个人作风问题", "２０２６年７月１日", subject="个人", name="王 某"),
        row(9, "县教育局", "日期单元格", dt.datetime(2026, 7, 15), source="巡视巡察反馈", progress="已召开专题会"),
        row(10, "县教育局·基础教育股", "股室问题", "2026．8．1"),
    ]


def test_rect3_messy_ledger_imports_every_row(camp):
    c = camp
    report = excel.import_ledger(c.campaign, messy_file(good_rows()), by=c.supervisor, at=T(3, 5))
    assert report.ok, report.errors
    assert report.header_row == 3 and len(report.created) == 10
    got = {p.description: p for p in Problem.objects.filter(campaign=c.campaign)}
    assert got["审批拖延一"].deadline == D(6, 10) and got["审批拖延一"].unit == c.edu
    assert got["审批拖延二"].deadline == D(6, 30) and got["审批拖延二"].category.name == "不作为"
    assert got["会议多一"].deadline == D(9, 30)
    assert got["资金拨付慢"].deadline == D(12, 10) and got["资金拨付慢"].unit == c.fin
    assert got["群众办事难"].deadline == D(6, 10) and got["群众办事难"].source == "public"
    assert got["表格泛滥"].long_term and got["表格泛滥"].report_cycle == "quarterly"
    assert got["过度留痕"].long_term and got["过度留痕"].report_cycle == "monthly"
    assert got["个人作风问题"].deadline == D(7, 1) and got["个人作风问题"].subject == "person"
    assert got["个人作风问题"].subject_name == "王某"
    assert got["日期单元格"].deadline == D(7, 15) and got["日期单元格"].source == "patrol"
    assert got["日期单元格"].latest_progress == "已召开专题会"
    assert got["股室问题"].unit == c.edu_office and got["股室问题"].deadline == D(8, 1)
    # Names linked to the unit's accounts where they exist, otherwise kept.
    assert got["审批拖延一"].responsible_person == c.edu_user
    assert got["审批拖延一"].responsible_leader == c.edu_leader
    assert got["资金拨付慢"].responsible_person == c.fin_user
    assert got["过度留痕"].responsible_person is None
    assert got["过度留痕"].responsible_person_name == "没有账号的人"
    assert Event.objects.filter(action="rectification.ledger.import").count() == 1


def test_rect3_one_bad_row_imports_nothing_and_names_row_and_column(camp):
    c = camp
    rows = good_rows()
    rows[4] = row(5, "城关真", "群众办事难", "6月10日前")  # misspelt unit, Excel row 8
    before = Event.objects.count()
    report = excel.import_ledger(c.campaign, messy_file(rows), by=c.supervisor, at=T(3, 5))
    assert not report.ok and report.created == []
    assert report.errors == ["第8行“责任单位”列：找不到单位“城关真”，请核对名称"]
    assert Problem.objects.count() == 0 and Event.objects.count() == before


def test_rect3_every_row_is_checked_and_each_error_is_reported(camp):
    c = camp
    rows = [
        row(1, "县教育局", "好的行", "2026-06-10"),
        row(2, "县教育局", "日期错", "明年再说"),
        row(3, "县教育局", "", "2026-06-10", measures=""),
        row(4, "县教育局", "类别错", "2026-06-10", category="懒作为"),
        row(5, "县教育局", "时限已过", "2026-03-01"),  # an old ledger's past deadline: no error
        row(6, "县人民政府", "不参加", "2026-06-10"),
        row(7, "县教育局", "个人无名", "2026-06-10", subject="个人"),
        row(8, "县教育局", "日期不存在", "2026-02-30"),
    ]
    report = excel.import_ledger(c.campaign, messy_file(rows), at=T(3, 5))
    text = "\n".join(report.errors)
    assert "第5行“整改时限”列：“明年再说”不是可识别的日期" in text
    assert "第6行“存在问题”列：请填写问题描述" in text and "第6行“整改措施”列：请填写整改措施" in text
    assert "第7行“问题类别”列：“懒作为”不是本专项行动的问题类别" in text
    assert "第8行" not in text
    assert "第9行“责任单位”列：“县人民政府”不是本专项行动的参加单位" in text
    assert "第10行“姓名”列：问题属于个人时请填写个人姓名" in text
    assert "第11行“整改时限”列：“2026-02-30”不是有效的日期" in text
    assert "第4行" not in text
    assert Problem.objects.count() == 0


def test_rect3_unit_argument_gives_the_unit_and_refuses_other_units(camp):
    c = camp
    header = ["问题类别", "问题描述", "整改措施", "整改时限"]
    f = xlsx([header, ["慢作为", "本单位问题", "措施", "2026-06-10"]])
    report = excel.import_ledger(c.campaign, f, unit=c.edu, by=c.edu_user, at=T(3, 5))
    assert report.ok and report.created[0].unit == c.edu
    f = xlsx([header, ["慢作为", "无单位", "措施", "2026-06-10"]])
    report = excel.import_ledger(c.campaign, f, at=T(3, 5))
    assert report.errors == ["第1行（表头）缺少必填列：“责任单位”"]
    f = xlsx([["责任单位", *header], ["县财政局", "慢作为", "别人的", "措施", "2026-06-10"]])
    report = excel.import_ledger(c.campaign, f, unit=c.edu, by=c.edu_user, at=T(3, 5))
    assert "本次导入的是“县教育局”的台账" in report.errors[0]
    report = excel.import_ledger(c.campaign, xlsx([["随便"], ["什么"]]), at=T(3, 5))
    assert "找不到表头行" in report.errors[0]
    report = excel.import_ledger(c.campaign, io.BytesIO(b"not excel"), at=T(3, 5))
    assert report.errors == ["文件不是有效的 Excel（.xlsx）文件"]


def test_rect3_command_dry_run_reports_and_writes_nothing(camp, tmp_path, capsys):
    path = tmp_path / "ledger.xlsx"
    # The command runs at the real moment: an old ledger's dates may lie
    # before it or after it, it imports either way.
    path.write_bytes(messy_file(good_rows()).getvalue())
    call_command("import_problems", "ZF-2026", str(path), "--dry-run")
    out = capsys.readouterr().out
    assert "将导入 10 个问题" in out and "第4行 县教育局 · 慢作为 · 审批拖延一" in out
    assert "没有账号的人（未关联账号）" in out and "试运行" in out
    assert Problem.objects.count() == 0
    call_command("import_problems", "ZF-2026", str(path))
    assert Problem.objects.count() == 10


def test_rect3_command_with_errors_exits_non_zero_and_writes_nothing(camp, tmp_path, capsys):
    path = tmp_path / "bad.xlsx"
    path.write_bytes(xlsx([["问题类别", "问题描述", "整改措施", "整改时限"],
                           ["慢作为", "问题", "措施", "长期"], ["慢作为", "", "措施", "长期"]]).getvalue())
    with pytest.raises(CommandError) as e:
        call_command("import_problems", "ZF-2026", str(path), "--unit", "县教育局")
    assert e.value.returncode == 1
    err = capsys.readouterr().err
    assert "第3行“问题描述”列：请填写问题描述" in err and "未导入任何问题" in err
    assert Problem.objects.count() == 0
    with pytest.raises(CommandError) as e:
        call_command("import_problems", "ZF-2026", str(path), "--unit", "县教肓局")
    assert "找不到单位" in str(e.value)
    with pytest.raises(CommandError):
        call_command("import_problems", "NOPE", str(path))


def test_rect3_export_then_import_is_unchanged(camp):
    c = camp
    report = excel.import_ledger(c.campaign, messy_file(good_rows()), by=c.supervisor, at=T(3, 5))
    assert report.ok
    data = excel.export_bytes(Problem.objects.filter(campaign=c.campaign).order_by("id"))
    ws = load_workbook(io.BytesIO(data)).active
    assert [cell.value for cell in ws[1]] == excel.HEADERS
    # Into the same campaign: every row is recognised as unchanged.
    again = excel.import_ledger(c.campaign, io.BytesIO(data), at=T(3, 6))
    assert again.ok and again.created == [] and len(again.unchanged) == 10
    assert Problem.objects.filter(campaign=c.campaign).count() == 10
    # Into another campaign with the same units and categories: the same ledger.
    other = rs.create_campaign(code="ZF-2026B", name="复制", start_date=D(2, 24), end_date=D(12, 10),
                               organizer=c.duchashi, units=[c.edu, c.fin, c.town], at=T(3, 1))
    copy = excel.import_ledger(other, io.BytesIO(data), at=T(3, 6))
    assert copy.ok, copy.errors

    def fields(p):
        return (p.unit_id, p.category.name, p.source, p.subject, p.subject_name, p.description, p.cause,
                p.measures, p.responsible_leader_name, p.responsible_person_name, p.deadline, p.long_term,
                p.report_cycle, p.latest_progress, p.responsible_person_id)

    first = [fields(p) for p in Problem.objects.filter(campaign=c.campaign).order_by("id")]
    second = [fields(p) for p in Problem.objects.filter(campaign=other).order_by("id")]
    assert first == second
    # And its export is the same file content, row for row (but for 编号).
    data2 = excel.export_bytes(Problem.objects.filter(campaign=other).order_by("id"))
    rows1 = [r[2:] for r in load_workbook(io.BytesIO(data)).active.iter_rows(values_only=True)]
    rows2 = [r[2:] for r in load_workbook(io.BytesIO(data2)).active.iter_rows(values_only=True)]
    assert rows1 == rows2


def test_rect3_a_changed_exported_row_is_refused(camp):
    c = camp
    p = make_problem(c)
    data = excel.export_bytes(Problem.objects.filter(pk=p.pk))
    wb = load_workbook(io.BytesIO(data))
    wb.active["H2"] = "改过的描述"
    out = io.BytesIO()
    wb.save(out)
    out.seek(0)
    report = excel.import_ledger(c.campaign, out, at=T(3, 6))
    assert report.errors == [f"第2行“编号”列：{p.number}已在系统中且内容不同；修改已登记的问题请在系统中操作"]


def test_rect3_template_has_the_export_layout_and_its_example_row_is_skipped(camp):
    c = camp
    wb = excel.template_workbook(c.campaign)
    ws = wb.active
    assert [str(v.value).rstrip("*") for v in ws[1]] == excel.HEADERS
    out = io.BytesIO()
    wb.save(out)
    out.seek(0)
    report = excel.import_ledger(c.campaign, out, at=T(3, 5))
    assert report.errors == ["没有可导入的行：表头下没有填写问题"]
