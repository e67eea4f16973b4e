"""The papers of the assessment (OUT-2): the result table of a period
(Excel, duban.core.exports) and the quarterly 差错通报 (Word in the GB/T
9704 layout, duban.core.officialdoc)."""

from collections import defaultdict
from decimal import Decimal

from django.conf import settings
from django.utils import timezone

from duban.core.officialdoc import OfficialDocument, Section, render_docx

from . import queries


def issuer() -> str:
    return getattr(settings, "DUBAN_ASSESSMENT_ISSUER", f"{settings.DUBAN_COUNTY_NAME}人民政府办公室")


def _num(x):
    return float(x) if isinstance(x, Decimal) else x


def result_table(period):
    """(title, columns, rows, widths) of the period's result table: per unit
    type, the units in rank order with every indicator's score."""
    groups = queries.period_table(period)
    cols = queries.columns(period)
    title = f"{period.scope.name}{period.title}考核结果表"
    columns = ["类别", "名次", "单位", *[f"{c.name}（{c.weight}分）" for c in cols], "总分", "满分", "档次", "档次分值"]
    rows = []
    for g in groups:
        for row in g.rows:
            r = row.result
            figs = {c.code: fig for c, fig in row.cells}
            cells = [_num(figs[c.code].score) if figs.get(c.code) is not None else "不适用" for c in cols]
            rows.append([g.label, r.rank, r.unit.name, *cells, _num(r.total), _num(r.max_total), r.tier,
                         _num(r.tier_points)])
    widths = [12, 6, 24, *[12] * len(cols), 8, 8, 8, 10]
    return title, columns, rows, widths


def result_filename(period) -> str:
    return f"{period.scope.name}{period.title}考核结果表.xlsx"


def notice_document(notice, errors) -> OfficialDocument:
    county = settings.DUBAN_COUNTY_NAME
    q = "一二三四"[notice.quarter - 1]
    by_unit = defaultdict(list)
    for e in errors:
        by_unit[e.unit.name].append(e)
    total = sum((e.deduction for e in errors), Decimal(0))
    areas = defaultdict(int)
    for e in errors:
        areas[e.get_area_display()] += 1
    area_text = "、".join(f"{a}方面{n}起" for a, n in areas.items())
    intro = [f"根据《关于进一步改进作风提高县政府系统工作质效若干措施》关于实行差错通报制度的要求，现将{notice.year}年"
             f"第{q}季度各镇（街道）、县政府各部门在会议筹办、文件材料起草、推动落实中出现的差错通报如下。"]
    overview = [f"本季度共登记差错{len(errors)}起，涉及{len(by_unit)}个单位，其中{area_text}，合计扣{total.normalize():f}分。"
                "各单位对差错认定有异议的，已按规定提出并经督查室核实处理，异议成立的差错不再通报。"]
    detail = []
    for unit, rows in by_unit.items():
        parts = "；".join(f"{e.occurred_on.month}月{e.occurred_on.day}日，{e.description.rstrip('。')}（{e.category.name}，"
                         f"扣{e.deduction.normalize():f}分）" for e in rows)
        detail.append(f"{unit}：{parts}。")
    asks = ["各单位要对照通报的问题认真整改，举一反三，严格执行会议、文件、信息报送等工作规范，切实提高工作质效。",
            "差错扣分计入年度目标责任考核，会同县考核办在年度目标责任考核中予以运用。"]
    table = [["单位", "环节", "类别", "日期", "扣分"]]
    for e in errors:
        table.append([e.unit.name, e.get_area_display(), e.category.name, f"{e.occurred_on:%m-%d}",
                      f"{e.deduction.normalize():f}"])
    today = timezone.localdate(notice.issued_at)
    return OfficialDocument(
        issuer_mark=f"{county}人民政府办公室",
        doc_number=notice.number,
        title=notice.title,
        recipients="各镇人民政府、街道办事处，县政府各工作部门",
        sections=[Section("", 1, intro), Section("总体情况", 1, overview), Section("差错情况", 1, detail),
                  Section("有关要求", 1, asks)],
        signer=issuer(), date=today, printed_by=issuer(), printed_date=today, table=table, table_kind="grid")


def notice_docx(notice, errors) -> bytes:
    return render_docx(notice_document(notice, errors))


def notice_filename(notice) -> str:
    return f"差错通报（{notice.year}年第{notice.quarter}季度）.docx"

