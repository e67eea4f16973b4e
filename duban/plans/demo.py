"""The plan demo (MEET-4): this year's plans of meetings, documents and
inspections for 县政府办公室, every department and every town, and the
inspections of the year so far, built relative to the moment of loading
(any date: the year's end, 29 February, a provisional year).

- Plans: last year's actual counts (entered, the system's first year) as
  the baseline and the quota no higher (no growth), except 县应急管理局,
  whose inspection plan is one higher with a written reason. 县教育局's and
  县财政局's document plans are small, so that the documents demo
  (duban.documents.demo) brings them to 80% and 100%; 县财政局 then asks to
  go beyond its plan (a pending explanation), 县应急管理局 had one approved.
- Inspections: four units visit 城关镇 in the current month (督查过频: over
  the monthly limit), two more within the merge window of each other from
  today on (a merge suggestion); 县应急管理局 uses up its inspection plan
  (安全生产大检查 in three towns, 防汛安全专项督查 earlier in the year).

`load_plans()` runs after the org demo (manage.py load_demo), through
duban.plans.services, and is idempotent.
"""

import datetime as dt
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from duban.core import demo_data
from duban.core.demo import year_moment
from duban.org.models import Unit
from duban.timelimits.periods import day_start

from . import services
from .models import AnnualPlan, ExcessRequest, Inspection, PlanKind

User = get_user_model()

MARK = "（演示）"
# Units with plans chosen for the demo: {unit: {kind: (baseline, quota, reason)}}.
SPECIAL = {
    "县教育局": {PlanKind.DOCUMENT: (6, 6, "")},
    "县财政局": {PlanKind.DOCUMENT: (3, 3, "")},
    "县应急管理局": {PlanKind.INSPECTION: (2, 2, "")},
    demo_data.GOV_OFFICE: {PlanKind.MEETING: (24, 24, ""), PlanKind.DOCUMENT: (40, 40, "")},
    demo_data.GOVERNMENT: {PlanKind.MEETING: (30, 30, ""), PlanKind.DOCUMENT: (60, 60, "")},
}
# (organizer, kind, title, days from the month's first day, length in days, targets)
THIS_MONTH = [
    ("县应急管理局", "check", "安全生产大检查", 0, 2, ["城关镇", "河口镇", "青山镇"]),
    ("县市场监督管理局", "check", "食品安全专项检查", 5, 1, ["城关镇"]),
    ("县生态环境局", "inspection", "生态环境问题整改督查", 9, 1, ["城关镇", "柳林镇"]),
    ("县农业农村局", "assessment", "乡村振兴工作考核", 15, 1, ["城关镇", "白云乡"]),
]
# Earlier in the year (its day: the middle of the year so far).
EARLIER = [("县应急管理局", "inspection", "防汛安全专项督查", 1, ["河口镇", "龙泉镇"])]
# Two visits from today on, close together: the merge suggestion.
UPCOMING = [
    ("县卫生健康局", "check", "医疗卫生机构安全检查", 3, 1, ["城关镇", "石桥镇"]),
    ("县住房和城乡建设局", "inspection", "城镇燃气安全督查", 8, 1, ["城关镇"]),
]
APPROVED_EXCESS = ("县应急管理局", PlanKind.INSPECTION, 1, "汛期前增加一次防汛安全专项检查，市应急管理局统一部署，无法与其他检查合并。")
PENDING_EXCESS = ("县财政局", PlanKind.DOCUMENT, 2, "年中预算调整和直达资金管理须分别发文部署，确需超出年度发文计划2件。")


@dataclass
class PlansDemoResult:
    plans: int = 0
    inspections: int = 0
    notes: list = field(default_factory=list)
    skipped: str = ""

    def summary(self) -> str:
        if self.skipped:
            return f"计划管理演示数据未载入：{self.skipped}"
        if not (self.plans or self.inspections):
            return "计划管理演示数据已存在，未做改动。"
        parts = [f"年度计划 {self.plans} 项", f"督查检查考核备案 {self.inspections} 项", *self.notes]
        return "计划管理演示数据已载入：" + "、".join(parts) + "。"


def _baselines(i: int) -> dict:
    """Last year's counts of the i-th unit: the same every time."""
    return {PlanKind.MEETING: 10 + (i * 7) % 13, PlanKind.DOCUMENT: 18 + (i * 11) % 25,
            PlanKind.INSPECTION: 2 + (i * 3) % 5}


def plan_units(gov) -> list:
    """县政府办公室, the departments and the towns, in tree order, then
    县人民政府 itself (the convener of the county's meetings, which count
    against its plan)."""
    return [*Unit.objects.filter(parent=gov, kind__in=["department", "town"], is_active=True).order_by("path"), gov]


SLUGS = {name: slug for name, slug, _ in demo_data.DEPARTMENTS}


def _liaison(unit_name):
    return _user(f"{SLUGS[unit_name]}_lly")


def _user(username):
    return User.objects.select_related("person__unit").get(username=username)


def load_plans(now=None) -> PlansDemoResult:
    result = PlansDemoResult()
    now = now or timezone.now()
    gov = Unit.objects.filter(name=demo_data.GOVERNMENT, parent=None).first()
    names = ["duchashi", "caizheng_lly", "yingji_lly"]
    if gov is None or User.objects.filter(username__in=names).count() != len(names):
        result.skipped = "示范县的单位或人员不全"
        return result
    boss = _user("duchashi")
    year = timezone.localtime(now).year
    units = plan_units(gov)
    by_name = {u.name: u for u in units}
    set_at = year_moment(now, 0.05)
    with transaction.atomic():
        existing = set(AnnualPlan.objects.filter(year=year).values_list("unit_id", "kind"))
        for i, unit in enumerate(units):
            special = SPECIAL.get(unit.name, {})
            for kind, baseline in _baselines(i).items():
                if (unit.pk, kind) in existing:
                    continue
                baseline, quota, reason = special.get(kind, (baseline, baseline, ""))
                services.set_plan(boss, unit=unit, year=year, kind=kind, baseline=baseline, quota=quota,
                                  reason=reason, at=set_at)
                result.plans += 1
    if Inspection.objects.filter(title__endswith=MARK).exists():
        return result
    with transaction.atomic():
        _excess(by_name, boss, APPROVED_EXCESS, year, year_moment(now, 0.08), approve=True,
                decided_at=year_moment(now, 0.09))
        today = timezone.localtime(now).date()
        first = today.replace(day=1)
        last = (first + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1)
        rows = [(o, k, t, min(first + dt.timedelta(days=d), last), n, targets) for o, k, t, d, n, targets in THIS_MONTH]
        rows += [(o, k, t, today + dt.timedelta(days=d), n, targets) for o, k, t, d, n, targets in UPCOMING]
        middle = timezone.localtime(year_moment(now, 0.5)).date()
        rows += [(o, k, t, middle, n, targets) for o, k, t, n, targets in EARLIER]
        for organizer, kind, title, start, length, targets in rows:
            unit = by_name[organizer]
            by = _liaison(organizer)
            filed = min(now, day_start(start) - dt.timedelta(days=7))
            services.file_inspection(by, organizer=unit, kind=kind, title=title + MARK, starts_on=start,
                                     ends_on=start + dt.timedelta(days=length - 1),
                                     targets=[by_name[t] for t in targets], at=max(filed, set_at))
            result.inspections += 1
        result.notes.append("城关镇本月接受督查检查考核4次（过频）")
        _excess(by_name, None, PENDING_EXCESS, year, year_moment(now, 0.97), approve=False)
    return result


def _excess(by_name, boss, spec, year, at, *, approve, decided_at=None):
    unit_name, kind, extra, explanation = spec
    plan = AnnualPlan.objects.filter(unit=by_name[unit_name], year=year, kind=kind).first()
    if plan is None or ExcessRequest.objects.filter(plan=plan).exists():
        return None
    by = _liaison(unit_name)
    req = services.request_excess(plan, by, extra=extra, explanation=explanation, at=at)
    if approve:
        services.decide_excess(req, boss, approve=True, note="同意，纳入计划备案", at=decided_at)
    return req
