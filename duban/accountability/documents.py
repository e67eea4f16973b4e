"""The papers of 问责 in GB/T 9704 layout (duban.core.officialdoc): the
倒查报告 of a trace (ACC-3) and the 交办单 (ACC-5)."""

import datetime as dt

from django.conf import settings
from django.utils import timezone

from duban.core.officialdoc import OfficialDocument, Section, docx_response, render_docx
from duban.core.services import fmt_moment


def _issuer():
    return f"{settings.DUBAN_COUNTY_NAME}人民政府督查室"


def _moment(text):
    return fmt_moment(dt.datetime.fromisoformat(text)) if text else "未设定"


def trace_document(trace, today=None) -> OfficialDocument:
    today = today or timezone.localdate()
    levels = trace.levels
    failed = [x for x in levels if x["failed"]]
    intro = Section(paragraphs=[
        f"{trace.title}（责任单位：{trace.unit.name}）{trace.failure}。按照“对工作不落实、重点工作难推进的，倒查各单位"
        f"责任”的要求，督查室于{fmt_moment(trace.created_at)}依据平台留痕（分解记录和审计日志），逐级倒查如下。",
        f"本事项共分解{len(levels)}级（含本级）次，其中{len(failed)}项超期或逾期完成。"])
    sections = [intro]
    for x in levels:
        indent = "下级" * x["depth"]
        head = f"{x['number'] or ''}{x['title'].removeprefix(x['number'] or '').strip()}"
        level = "本级" if x["depth"] == 0 else f"第{x['depth']}级子任务"
        paras = [f"层级：{level}；交办单位：{x['assigned_by'] or '—'}；"
                 f"责任单位：{x['unit'] or '—'}；责任人：{x['person'] or '—'}{('（' + x['position'] + '）') if x['position'] else ''}。",
                 f"办结期限：{_moment(x['due_at'])}；状态：{x['state']}；时限结果：{x['result'] or '—'}"
                 + ("（超期）。" if x["failed"] else "。")]
        for e in x["events"]:
            detail = f"：{e['detail']}" if e["detail"] else ""
            paras.append(f"{_moment(e['at'])}，{e['actor']}，{e['what']}{detail}（日志第{e['seq']}条）。")
        if not x["events"]:
            paras.append("平台中没有该级的办理记录。")
        sections.append(Section(heading=f"{indent}{head}"[:80], level=2, paragraphs=paras))
    sections.append(Section(heading="倒查结论", level=1, paragraphs=[
        "以上情况据平台留痕整理，供认定责任参考；责任认定和问责须经集体研究、当事人陈述申辩，并按容错纠错机制"
        "（三个区分开来）审慎作出。"]))
    table = [["层级", "责任单位", "责任人", "期限", "结果"]]
    for x in levels:
        table.append([str(x["depth"]), x["unit"] or "—", x["person"] or "—",
                      _moment(x["due_at"]) if x["due_at"] else "—", x["result"] or x["state"]])
    return OfficialDocument(
        issuer_mark=_issuer(), doc_number="", title=f"关于{trace.title[:40]}的\n倒查报告",
        recipients=f"{settings.DUBAN_COUNTY_NAME}人民政府", sections=sections, signer=_issuer(), date=today,
        table=table, table_kind="grid")


def trace_response(trace):
    return docx_response(f"倒查报告-{trace.pk}.docx", render_docx(trace_document(trace)))


def sheet_document(sheet) -> OfficialDocument:
    rows = [["编号", sheet.number, "承办单位", sheet.unit.name],
            ["交办时间", fmt_moment(sheet.issued_at), "反馈期限", fmt_moment(sheet.due_at) if sheet.due_at else "—"],
            ["事由", sheet.title], ["整改不认真的表现", sheet.problems], ["整改要求", sheet.requirements]]
    if sheet.reply_text:
        rows.append(["整改情况", sheet.reply_text])
    return OfficialDocument(
        issuer_mark=_issuer(), doc_number=sheet.number, title="整改交办单", recipients=sheet.unit.name,
        sections=[Section(paragraphs=[
            f"你单位在整改中存在整改不认真的问题。根据交办单制度，现将有关问题交办你单位，请认真整改，并于"
            f"{fmt_moment(sheet.due_at) if sheet.due_at else '规定期限'}前将整改情况书面反馈督查室。逾期未反馈或整改仍不"
            "认真的，将视情况进行提醒、函询、诫勉。"])],
        signer=_issuer(), date=timezone.localtime(sheet.issued_at).date(), table=rows, table_kind="kv")


def sheet_response(sheet):
    return docx_response(f"交办单-{sheet.number}.docx", render_docx(sheet_document(sheet)))

