"""The assessment demo (EVAL-1…4, OUT-3), relative to the moment of loading
(any date), through duban.assessment.services; idempotent (the previous
quarter's period marks it). It runs after the other demos, whose records
(matters, problems, incidents, documents) it assesses.

- 差错 (EVAL-1): six errors of the previous quarter in departments and
  towns; 县教育局 objects to its 迟报 and the office upholds it, 城关镇
  objects to its 文字错误 and the office revokes it (it no longer counts);
  the quarter's 差错通报 is issued. 县卫生健康局 objects to an error of this
  quarter: the objection waits for the office.
- 考核 (EVAL-2): the previous quarter is computed from the records and
  published (frozen, its input hash journaled): the rankings of the
  departments and the towns, every figure down to its records; this
  quarter is computed as a trial (试算).
- 干事档案 (EVAL-3): entries of 县教育局 and 城关镇 people, confirmed by
  their heads, one waiting.
- 一线工作 (EVAL-4): the county leaders' field-work days of this year
  (one behind the pace), with problems found and matters created, and
  research reports.
- 驾驶舱 (OUT-3): the tallies are computed once at the end (the sweep
  keeps them current afterwards).
"""

import datetime as dt
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from duban.core import demo_data
from duban.journal.models import Event
from duban.org.models import Unit
from duban.timelimits.periods import day_start

from . import queries, services, tallies
from .models import ErrorCategory, Period, PeriodKind

User = get_user_model()

# (unit, category code, days after the quarter's start, what happened, objection, decision)
PAST_ERRORS = [
    ("县教育局", "late_report", 8, "校园安全隐患排查情况要求当日下班前报送，次日上午10时才报送。",
     "当日系统故障，已电话报告督查室，次日补报书面材料。", ("upheld", "系统运行记录显示当日无故障，电话报告未见记录，维持差错认定。")),
    ("城关镇", "typo", 15, "报送的防汛工作总结中乡镇名称和数据多处错误。",
     "数据系县水务局提供口径，本镇已按更正后的口径重新报送。", ("revoked", "经核实，错误源自县水务局提供的数据口径，撤销对城关镇的差错认定。")),
    ("县财政局", "skip_level", 22, "未经县政府同意，直接向市财政局报送涉及全县的专项资金调整方案。", "", None),
    ("河口镇", "meeting_notice", 30, "全县乡村振兴推进会的会议通知漏发两个村，导致两村负责人未能参会。", "", None),
    ("县交通运输局", "format", 38, "代拟的县政府文件格式不规范，发文字号、成文日期位置错误，被退回重拟。", "", None),
    ("县自然资源局", "follow_lax", 45, "县政府常务会议议定的耕地保护专项整治，连续两次调度无实质进展。", "", None),
]
CURRENT_ERROR = ("县卫生健康局", "late_report", "突发公共卫生事件信息书面报告超过30分钟时限报送。",
                 "书面报告已在首报后25分钟内通过政务外网报送，系统登记时间晚于实际报送时间。")

# (username, what, title, description, days ago, confirmer)
ACHIEVEMENTS = [
    ("jiaoyu_lly", "innovation", "推行“课后服务菜单制”",
     "梳理全县中小学课后服务项目，建立学生自选的服务菜单，覆盖率提高到98%。", 40, "jiaoyu_fzr"),
    ("jiaoyu_lly", "highlight", "校园周边交通安全整治经验在全市交流",
     "牵头会同公安、交通部门完成12所学校周边交通设施改造，相关做法在全市推广。", 12, None),
    ("chengguan_lly", "key_task", "完成老旧小区改造入户动员",
     "组织网格员入户动员，按期完成3个老旧小区改造签约，无一起信访。", 25, "chengguan_fzr"),
]

# (leader, places/purposes, share of the pace they keep, research report)
FIELD = [
    ("xianzhang", [("城关镇", "调研老旧小区改造推进情况"), ("河口镇", "检查防汛准备和地质灾害隐患点"),
                   ("县行政审批服务局", "现场办公解决企业开办难题")], 1.1,
     ("关于优化县域营商环境的调研报告", "围绕企业开办、项目审批和惠企政策兑现开展调研，提出十项改进措施。")),
    ("changwu", [("青山镇", "督导重点项目征地拆迁"), ("县工业园区", "协调园区企业用电用气问题")], 1.0,
     ("关于重点项目建设中要素保障问题的调研", "分析重点项目用地、资金和用能保障的堵点，提出分类解决办法。")),
    ("fuxianzhang1", [("白云乡", "调研乡村学校师资配备"), ("县人民医院", "检查医疗服务改进情况")], 1.0, None),
    ("fuxianzhang2", [("东城街道", "检查城区道路改造施工安全")], 1.0, None),
    ("fuxianzhang3", [("柳林镇", "调研农业产业结构调整")], 0.4, None),
]


@dataclass
class AssessmentDemoResult:
    counts: dict = field(default_factory=dict)
    skipped: str = ""

    def summary(self) -> str:
        if self.skipped:
            return f"考核评价演示数据未载入：{self.skipped}"
        if not self.counts:
            return "考核评价演示数据已存在，未做改动。"
        c = self.counts
        return (f"考核评价演示数据已载入：已发布{c['period']}考核排名、差错{c['errors']}条（含异议3条）和差错通报、"
                f"干事档案{c['achievements']}条、领导干部一线工作{c['days']}天和调研报告{c['reports']}篇；驾驶舱已统计。")


def quarter_of(d: dt.date) -> tuple:
    return d.year, (d.month - 1) // 3 + 1


def previous_quarter(d: dt.date) -> tuple:
    year, q = quarter_of(d)
    return (year, q - 1) if q > 1 else (year - 1, 4)


def _users(*names) -> dict | None:
    found = {u.username: u for u in User.objects.filter(username__in=names).select_related("person__unit")}
    return found if len(found) == len(names) else None


def _at(d: dt.date, hour=10) -> dt.datetime:
    return day_start(d) + dt.timedelta(hours=hour)


def load_assessment(now=None) -> AssessmentDemoResult:
    result = AssessmentDemoResult()
    now = now or timezone.now()
    today = timezone.localdate(now)
    gov = Unit.objects.filter(name=demo_data.GOVERNMENT, parent=None).first()
    names = {"duchashi", "jiaoyu_lly", "jiaoyu_fzr", "chengguan_lly", "chengguan_fzr", "weijian_lly",
             *[f[0] for f in FIELD], *[a[0] for a in ACHIEVEMENTS]}
    u = _users(*names)
    if gov is None or u is None:
        result.skipped = "示范县的单位或人员不全"
        return result
    year, q = previous_quarter(today)
    if Period.objects.filter(scope=gov, kind=PeriodKind.QUARTER, year=year, number=q).exists():
        return result
    units = {x.name: x for x in Unit.objects.filter(parent=gov)}
    liaisons = {x.person.unit_id: x for x in User.objects.filter(username__endswith="_lly").select_related("person")
                if hasattr(x, "person")}
    office = u["duchashi"]
    start, end = services.quarter_bounds(year, q)
    # A few days after the quarter's end, or just after it when it ended moments ago.
    issue_at = max(min(now - dt.timedelta(minutes=30), _at(end + dt.timedelta(days=3), 9)),
                   day_start(end + dt.timedelta(days=1)) + dt.timedelta(minutes=1))
    counts = {"errors": 0, "achievements": 0, "days": 0, "reports": 0}
    with transaction.atomic():
        # --- errors and the notice of the previous quarter ---
        cats = {c.code: c for c in ErrorCategory.objects.all()}
        for unit_name, code, offset, text, objection, decision in PAST_ERRORS:
            day = start + dt.timedelta(days=offset)
            unit = units[unit_name]
            e = services.record_error(office, unit=unit, category=cats[code], occurred_on=day, description=text,
                                      at=_at(day + dt.timedelta(days=1)))
            counts["errors"] += 1
            if objection:
                services.object_to_error(e, liaisons[unit.pk], reason=objection, at=_at(day + dt.timedelta(days=2)))
                services.decide_objection(e, office, decision=decision[0], reason=decision[1],
                                          at=_at(day + dt.timedelta(days=4), 15))
        services.issue_notice(office, year=year, quarter=q, scope=gov, at=issue_at)
        unit_name, code, text, objection = CURRENT_ERROR
        cur_start, _ = services.quarter_bounds(*quarter_of(today))
        recorded = min(now - dt.timedelta(minutes=20), _at(max(cur_start, today - dt.timedelta(days=3))))
        day = timezone.localdate(recorded)
        e = services.record_error(office, unit=units[unit_name], category=cats[code], occurred_on=day,
                                  description=text, at=recorded)
        services.object_to_error(e, u["weijian_lly"], reason=objection,
                                 at=min(now - dt.timedelta(minutes=10), recorded + dt.timedelta(hours=2)))
        counts["errors"] += 1

        # --- achievement records ---
        for username, kind, title, description, ago, confirmer in ACHIEVEMENTS:
            day = today - dt.timedelta(days=ago)
            a = services.enter_achievement(u[username], person=u[username], kind=kind, title=title,
                                           description=description, occurred_on=day,
                                           at=min(now - dt.timedelta(hours=2), _at(day, 17)))
            if confirmer:
                services.decide_achievement(a, u[confirmer], confirm=True, note="情况属实",
                                            at=min(now - dt.timedelta(hours=1), _at(day + dt.timedelta(days=2))))
            counts["achievements"] += 1

        # --- field work of this year ---
        first = dt.date(today.year, 1, 1)
        elapsed = (today - first).days
        # Matters created from field work: numbers of assigned matters, as the journal recorded them.
        matters = [r.split(" ", 1)[0] for r in Event.objects.filter(action="supervision.matter.assign")
                   .order_by("seq").values_list("object_repr", flat=True)[:20] if r]
        target = services.setting(services.FIELD_DAYS)
        # The leader who keeps less than the pace is behind it beyond the tolerance (once the year is
        # far enough on for that to be possible), with at least one day logged.
        behind = queries.pace(today.year, today, target) - services.setting(services.PACE_TOLERANCE) - 1
        for i, (username, places, share, report) in enumerate(FIELD):
            n = min(elapsed, round(target * (elapsed + 1) / 366 * share))
            if share < 1:
                n = min(elapsed, max(1, min(n, behind)))
            step = max(1, elapsed // max(n, 1)) if n else 1
            for k in range(n):
                day = first + dt.timedelta(days=min(elapsed - 1, k * step + i % max(step, 1)))
                place, purpose = places[k % len(places)]
                found = "现场发现问题2个，已交有关部门办理。" if k % 5 == 0 else ""
                linked = matters[(i + k) % len(matters)] if found and matters else ""
                services.log_field_day(u[username], date=day, place=place, purpose=purpose, problems_found=found,
                                       matters=linked, at=min(now - dt.timedelta(minutes=5), _at(day, 18)))
                counts["days"] += 1
            if report and elapsed > 30:
                day = first + dt.timedelta(days=elapsed // 2)
                services.record_research_report(u[username], title=report[0], summary=report[1], submitted_on=day,
                                                at=_at(day, 17))
                counts["reports"] += 1

        # --- the assessment: the previous quarter published, this one tried ---
        p = services.create_period(office, kind=PeriodKind.QUARTER, year=year, number=q, scope=gov, at=issue_at)
        services.publish_period(p, office, at=min(now, issue_at + dt.timedelta(minutes=5)))
        cy, cq = quarter_of(today)
        current = services.create_period(office, kind=PeriodKind.QUARTER, year=cy, number=cq, scope=gov,
                                         at=now - dt.timedelta(minutes=2))
        services.compute_period(current, office, at=now - dt.timedelta(minutes=1))
        counts["period"] = p.title
    tallies.refresh(now)
    result.counts = counts
    return result
