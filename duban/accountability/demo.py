"""The demo county's accountability (issue 18 item 7), relative to the
moment of loading, written through duban.accountability.services and read
from the record through duban.core.feeds only:

- `start_watch()`: the demo's year of history was loaded with its past
  dates just before; the integrity review judges claimed moments from
  here on (`Watch`). The business apps' integrity cases
  (duban.supervision.demo_integrity, duban.duty.demo_integrity) are then
  entered as the live system would have entered them.
- `load_accountability(now)`: the rules run over the breaches and propose
  measures; 县交通运输局 states its side and is reminded (提醒 adopted, its
  written explanation due in 5 working days); 县农业农村局's overdue work
  is found to meet all three grounds of fault tolerance and exempted
  (容错免责); 县水务局 has stated its side and waits for a decision. A
  reverse trace of the failed 老旧小区屋面防水改造, a 交办单 to 城关镇, and
  the integrity scan (signals of each kind).

Idempotent: nothing is done when the demo trace exists."""

import datetime as dt
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from duban.core.feeds import feed_named

from . import services
from .models import Outcome, Signal, Suggestion, SuggestionState, Trace, Watch

User = get_user_model()

TRACE_TITLE = "老旧小区屋面防水改造"
NOTE = "演示：此前载入的是带历史日期的演示数据"


@dataclass
class DemoResult:
    created: bool = False
    counts: dict = field(default_factory=dict)

    def summary(self) -> str:
        if not self.created:
            return "问责与监督演示数据已存在，未做改动。"
        c = self.counts
        return (f"问责与监督演示数据已载入：问责建议 {c['suggestions']} 件（采纳 1、容错免责 1）、倒查 1 次、交办单 1 份、"
                f"弄虚作假疑点 {c['signals']} 条。")


def _u(username):
    return User.objects.select_related("person__unit").get(username=username)


def start_watch():
    """From the moment it is called (after the history was loaded, whatever
    moment the loader tells its parts)."""
    if Watch.objects.exists():
        return None
    return services.set_history_until(None, timezone.now(), note=NOTE)


def _suggestion(unit_name):
    return (Suggestion.objects.filter(unit__name=unit_name, state=SuggestionState.PENDING, rule__kind="breaches")
            .order_by("-period_key").first())


def load_accountability(now=None) -> DemoResult:
    now = now or timezone.now()
    if Trace.objects.filter(title__contains=TRACE_TITLE).exists():
        return DemoResult()
    feed = feed_named("supervision.matter")
    if feed is None or not User.objects.filter(username="duchashi").exists():
        return DemoResult()
    office = _u("duchashi")
    with transaction.atomic():
        services.evaluate(now)
        adopted = _suggestion("县交通运输局")
        if adopted is not None:
            services.state_side(adopted, _u("jiaotong_lly"), at=now, text=(
                "三项工作超期属实。其中客运站候车环境整治受施工单位进场推迟影响，我局已督促施工单位加派人手，"
                "并建立周调度制度，确保不再超期。"))
            services.decide(adopted, office, outcome=Outcome.ADOPTED, at=now, reasons=(
                "一个季度内三项工作超期，经核实无客观不可抗因素，申辩所述施工推迟不属于容错情形；"
                "予以提醒，请书面说明整改情况。"), grounds={"ground_no_gain": True, "ground_procedure": True})
        exempted = _suggestion("县农业农村局")
        if exempted is not None:
            services.state_side(exempted, _u("nongye_fzr"), at=now, text=(
                "高标准农田建设验收采用“先建后验、分片验收”的新办法，为全县首次试行，验收标准调整导致时间延后；"
                "秸秆综合利用台账按市里新要求重新设计。均严格按程序报批，没有任何个人利益。"))
            services.decide(exempted, office, outcome=Outcome.EXEMPTED, at=now, reasons=(
                "经核实，超期事项系试行新的分片验收办法、执行上级新要求所致，属于改革探索中的失误；"
                "无谋取私利情形；新办法经局党组会议研究并报县政府同意，履行了决策程序。符合容错情形，予以免责，"
                "请总结经验，完善办法。"),
                grounds={"ground_reform": True, "ground_no_gain": True, "ground_procedure": True})
        waiting = _suggestion("县水务局")
        if waiting is not None:
            services.state_side(waiting, _u("shuiwu_lly"), at=now, text=(
                "三项超期中两项为汛期应急抢险占用人员所致，抢险期间已向督查室口头报告，请予以考虑。"))
        failure = next((f for f in feed.failures(now - dt.timedelta(days=120), now)
                        if TRACE_TITLE in f.ref.label and "-" not in f.ref.label.split(" ")[0]), None)
        if failure is not None:
            services.make_trace(office, source=failure.source, key=failure.key, at=now)
        services.issue_sheet(
            office, unit=_u("chengguan_lly").person.unit, at=now,
            title="老旧小区屋面防水改造入户排查和群众工作整改不认真",
            problems="分解给本镇的入户排查和逐户告知工作超期未完成，催办后仍未报送进展，整改流于形式。",
            requirements="一、立即完成剩余住户的排查和告知；二、明确每户责任人，建立台账逐户销号；三、书面报告超期原因和整改措施。",
            facts=[{"text": f"{failure.ref.label}：{failure.how}", "url": failure.ref.url}] if failure else [])
        services.scan(office, now=now)
    return DemoResult(created=True, counts={"suggestions": Suggestion.objects.count(),
                                            "signals": Signal.objects.count()})
