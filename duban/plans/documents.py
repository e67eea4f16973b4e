"""The papers of plan management (OUT-2, MEET-4): the annual 精文减会
statistics table (Excel, duban.core.exports) and the 精文减会工作简报 (Word
in the GB/T 9704 layout, duban.core.officialdoc), both from
queries.statistics."""

from django.conf import settings

from duban.core.officialdoc import OfficialDocument, Section, render_docx

from .models import PlanKind

KINDS = list(PlanKind)


def issuer() -> str:
    return getattr(settings, "DUBAN_PLANS_ISSUER", f"{settings.DUBAN_COUNTY_NAME}人民政府办公室")


def _pct(cell) -> str:
    if cell.change_pct is None:
        return "—" if not cell.used else "新增"
    return f"{cell.change_pct:+d}%"


def statistics_table(stats):
    """(title, columns, rows, widths) of the annual table: per unit and
    kind last year, the plan, this year and the change; the documents
    flagged 以文件落实文件 and over the length; records over the plan."""
    title = f"{stats.year}年度精文减会统计表"
    columns = ["单位"]
    for kind in KINDS:
        columns += [f"{kind.label}·上年实际", f"{kind.label}·年度计划", f"{kind.label}·本年累计", f"{kind.label}·比上年"]
    columns += ["以文件落实文件", "超篇幅文件", "超出计划"]

    def line(name, row):
        out = [name]
        for kind in KINDS:
            c = row.cells[kind]
            out += [c.last, c.plan if c.plan is not None else "未定", c.used, _pct(c)]
        return out + [row.forwarding, row.over_length, row.over_plan]

    rows = [line(r.unit.name, r) for r in stats.rows]
    rows.append(line("合计", stats.totals))
    widths = [22] + [11] * (4 * len(KINDS)) + [14, 12, 10]
    return title, columns, rows, widths


def briefing_document(stats, freq, suggestions, today) -> OfficialDocument:
    county = settings.DUBAN_COUNTY_NAME
    t = stats.totals
    overview = []
    for kind in KINDS:
        c = t.cells[kind]
        trend = ("与上年持平" if c.change == 0 else
                 f"比上年{'增加' if c.change > 0 else '减少'}{abs(c.change)}项"
                 + (f"（{abs(c.change_pct)}%）" if c.change_pct is not None else ""))
        overview.append(f"全县{kind.label}年度计划{c.plan}项，截至{today.month}月{today.day}日已计入{c.used}项，"
                        f"上年实际{c.last}项，{trend}。")
    near = []
    for r in stats.rows:
        for kind in KINDS:
            c = r.cells[kind]
            if c.plan and c.used >= c.plan:
                near.append(f"{r.unit.name}{kind.label}已计入{c.used}项，达到或超出年度计划{c.plan}项。")
    if not near:
        near = ["各单位会议、发文、督查检查考核均在年度计划之内。"]
    flagged = [f"{r.unit.name}{r.forwarding}件" for r in stats.rows if r.forwarding]
    docs = [f"本年以文件落实文件{t.forwarding}件" + (f"（{'、'.join(flagged)}）" if flagged else "")
            + f"，篇幅超过规定字数的文件{t.over_length}件，均已说明理由。"]
    often = [row for row in freq.rows if row.too_often]
    inspect = [f"{freq.year}年{freq.month}月，"
               + (("、".join(f"{row.unit.name}（本月{row.month}次、本季度{row.quarter}次）" for row in often)
                   + "接受督查检查考核过频。") if often else "未发现接受督查检查考核过频的单位。")]
    for s in suggestions[:10]:
        names = "、".join(f"{i.organizer.name}“{i.title}”" for i in s.inspections)
        inspect.append(f"建议合并：{names}均计划于{s.inspections[0].starts_on:%m月%d日}起{s.span_days + 1}天内到"
                       f"{s.unit.name}，请统筹合并开展。")
    table = [["单位"] + [k.label for k in KINDS]]
    for r in stats.rows:
        table.append([r.unit.name] + [f"{r.cells[k].used}/{r.cells[k].plan if r.cells[k].plan is not None else '—'}"
                                      for k in KINDS])
    return OfficialDocument(
        issuer_mark="精文减会工作简报",
        doc_number=f"{stats.year}年第{today.month}期",
        title=f"{county}{stats.year}年精文减会工作情况",
        sections=[
            Section("总体情况", 1, overview),
            Section("计划执行", 1, near),
            Section("文件精简", 1, docs),
            Section("督查检查考核", 1, inspect),
            Section("", 1, ["附表为各单位本年累计与年度计划（已计入/计划）。"]),
        ],
        signer=issuer(), date=today, printed_by=issuer(), printed_date=today,
        table=table, table_kind="grid")


def briefing_docx(stats, freq, suggestions, today) -> bytes:
    return render_docx(briefing_document(stats, freq, suggestions, today))


def briefing_filename(year) -> str:
    return f"精文减会工作简报（{year}年）.docx"
