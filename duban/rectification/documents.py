"""整改情况报告 (item 8): the campaign's progress as a Word document in the
GB/T 9704 layout, made with duban.core.officialdoc."""

import datetime as dt

from django.conf import settings
from django.utils import timezone

from duban.core.officialdoc import OfficialDocument, Section, chinese_date, docx_response, render_docx

from .models import LedgerState, LookBackVerdict, ProblemState
from .queries import dashboard, ledger_status, repeated_problems


def issuer(campaign) -> str:
    if campaign.task_force_id:
        return campaign.task_force.name
    return getattr(settings, "DUBAN_SUPERVISION_ISSUER", f"{settings.DUBAN_COUNTY_NAME}人民政府督查室")


def report_document(campaign, *, now=None, date: dt.date | None = None, doc_number="") -> OfficialDocument:
    """The 整改情况报告 of a campaign as of `now`: overall figures, the
    ledgers' submission, figures by category, the units with overdue
    problems, look-backs and repeated problems, and a table by unit."""
    now = now or timezone.now()
    date = date or timezone.localtime(now).date()
    d = dashboard(campaign, now=now)
    t = d.total
    ledgers = ledger_status(campaign, now=now)
    on_time = sum(1 for s in ledgers if s.state == LedgerState.SUBMITTED)
    late = sum(1 for s in ledgers if s.state == LedgerState.LATE)
    missing = [s for s in ledgers if s.state == LedgerState.PENDING]
    sections = [Section(paragraphs=[
        f"根据《{campaign.basis or campaign.name + '实施方案'}》安排，现将{campaign.name}截至"
        f"{chinese_date(timezone.localtime(now).date())}的问题整改情况报告如下。"])]
    overview = [
        f"全县{len(d.by_unit)}个参加单位共查找问题{t.found}个，已整改销号{t.closed}个，正在整改{t.rectifying}个，"
        f"其中逾期未完成整改{t.overdue}个，整改销号率{t.closed_rate_text}。",
    ]
    if ledgers:
        text = f"应报送问题清单台账{len(ledgers)}份，按时报送{on_time}份，逾期报送{late}份"
        text += f"，尚未报送{len(missing)}份（{'、'.join(s.unit.name for s in missing)}）。" if missing else "。"
        overview.append(text)
    sections.append(Section("总体情况", 1, overview))
    cats = [f"{f.label}方面{f.found}个（已销号{f.closed}个）" for f in d.by_category if f.found]
    sections.append(Section("问题分类情况", 1, ["按问题类别分：" + "，".join(cats) + "。" if cats else "暂无问题。"]))
    overdue_units = [f for f in d.by_unit if f.overdue]
    paras = []
    if overdue_units:
        paras.append("以下单位存在逾期未完成整改的问题，请抓紧整改："
                     + "、".join(f"{f.label}（{f.overdue}个）" for f in overdue_units) + "。")
    else:
        paras.append("各单位整改均在时限内推进，暂无逾期未整改问题。")
    repeats = repeated_problems(campaign=campaign)
    if repeats:
        paras.append(f"反复出现的问题{len(repeats)}类，需重点跟踪：" + "；".join(
            f"{g.unit.name}“{g.latest.description[:20]}”（反映{g.count}次）" for g in repeats[:5]) + "。")
    items = [i for lb in campaign.look_backs.all() for i in lb.items.all()]
    if items:
        bad = sum(1 for i in items if i.verdict == LookBackVerdict.INEFFECTIVE)
        good = sum(1 for i in items if i.verdict == LookBackVerdict.EFFECTIVE)
        paras.append(f"开展“回头看”复核已销号问题{len(items)}个，成效巩固{good}个，整改不到位转入再整改{bad}个。")
    rerect = campaign.problems.filter(round__gt=1).exclude(state=ProblemState.CLOSED).count()
    if rerect:
        paras.append(f"目前仍在再整改的问题{rerect}个。")
    sections.append(Section("存在的问题", 1, paras))
    sections.append(Section("下一步工作", 1, [
        "坚持问题排查一个、整改一个、销号一个，对逾期未整改问题实行挂牌督办；",
        "通过评估验收、走访核查、明察暗访等方式检验整改成效，对整改不到位的督促“补课”“返工”。"]))
    table = [["单位", "查找问题", "整改中", "已销号", "逾期", "销号率"]]
    for f in [*d.by_unit, t]:
        table.append([f.label, str(f.found), str(f.rectifying), str(f.closed), str(f.overdue), f.closed_rate_text])
    return OfficialDocument(
        issuer_mark=issuer(campaign), doc_number=doc_number, title=f"关于{campaign.name}整改情况的报告",
        recipients=f"{settings.DUBAN_COUNTY_NAME}人民政府", sections=sections, signer=issuer(campaign), date=date,
        table=table, table_kind="grid")


def report_docx(campaign, *, now=None, date=None) -> bytes:
    return render_docx(report_document(campaign, now=now, date=date))


def report_response(campaign, *, now=None):
    return docx_response(f"{campaign.code}整改情况报告.docx", report_docx(campaign, now=now))
