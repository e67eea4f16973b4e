"""View-level helpers of the plan pages: the units a user may act for and
the charts of the statistics page (duban.core.charts). Reads only."""

from duban.core import charts
from duban.core.choices import unit_choices

from . import services
from .models import PlanKind

MONTHS = [f"{m}月" for m in range(1, 13)]


def actable_units(user, *, controlling=False) -> list:
    """[(pk, label, path)] of the units `user` may act for (plans: only as
    the controlling office)."""
    check = services.is_controlling_office if controlling else services.may_act_for
    return [row for row, unit in _units_with_rows() if check(user, unit)]


def _units_with_rows():
    from duban.org.models import Unit

    rows = unit_choices()
    units = Unit.objects.in_bulk([pk for pk, _, _ in rows])
    return [(row, units[row[0]]) for row in rows]


def monthly_chart(stats, kind) -> dict:
    this, last = stats.monthly[PlanKind(kind)]
    label = PlanKind(kind).label
    return charts.category_chart(
        f"{stats.year}年各月{label}数量（与上年同期比较）", MONTHS,
        [charts.series(f"{stats.year}年", this), charts.series(f"{stats.year - 1}年", last)], y_name="数量")


def unit_chart(stats, kind) -> dict:
    kind = PlanKind(kind)
    rows = [r for r in stats.rows if r.cells[kind].last or r.cells[kind].plan or r.cells[kind].used]
    names = [r.unit.short_name or r.unit.name for r in rows]
    return charts.category_chart(
        f"{stats.year}年各单位{kind.label}：上年实际、年度计划与本年累计", names,
        [charts.series("上年实际", [r.cells[kind].last for r in rows]),
         charts.series("年度计划", [r.cells[kind].plan for r in rows]),
         charts.series("本年累计", [r.cells[kind].used for r in rows])],
        horizontal=True, y_name="数量")
