"""The dashboards (OUT-3) of the supervision office and of a leader: read
only from the precomputed tallies (duban.assessment.tallies) and the last
published assessment, for the units of the viewer's jurisdictions and the
units directly under them. A few indexed reads whatever the size of the
province (bench/bench_dashboard.py measures them against the bare
aggregate queries over the records).

Every chart carries the address of the list behind each bar or slice
(duban.core.charts.linked): the 督办总表 with the same filters, the
campaign's ledger, or this app's list of the late duty reports; every
chart's numbers are also in a table with the same links.
"""

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode

from duban.core import assessing, charts
from duban.core.services import now as _now
from duban.org.models import Unit
from duban.org.visibility import scope_for, visible

from .models import DashboardTally, Period, PeriodState, Result
from .tallies import last_refresh

LIGHTS = [("red", "红灯（超期）"), ("yellow", "黄灯（临期）"), ("green", "绿灯"), ("done", "已完成"), ("stopped", "已撤销")]
TREND_LIGHTS = ["done", "green", "yellow", "red"]
TREND_COLOURS = {"done": "#27ae60", "green": "#7dcea0", "yellow": "#d68910", "red": "#c0392b"}
STATE_COLOURS = {"rectifying": "#1f5fa8", "rerectifying": "#c0392b", "submitted": "#d68910", "closed": "#27ae60"}
METRICS = ("supervision.lights", "supervision.monthly", "supervision.sources", "rectification.states",
           "rectification.categories", "duty.lateness")
TOP_UNITS = 15


def roots_of(user) -> list:
    """The viewer's jurisdictions (督查室, 领导), without nested duplicates."""
    units = sorted(scope_for(user).jurisdictions, key=lambda u: len(u.path))
    kept = []
    for u in units:
        if not any(u.path.startswith(k.path) for k in kept):
            kept.append(u)
    return kept


@dataclass
class Chart:
    id: str
    title: str
    option: dict
    headers: list
    rows: list  # [[(text, link), ...]]
    tall: bool = False
    empty: str = ""


@dataclass
class Board:
    roots: list
    charts: list = field(default_factory=list)
    mine: list = field(default_factory=list)  # [(label, n, link)]
    campaigns: list = field(default_factory=list)  # [(id, name)]
    campaign: str = ""
    period: Period | None = None
    refreshed_at: dt.datetime | None = None


def _months(today, n=12) -> list:
    out = []
    y, m = today.year, today.month
    for _ in range(n):
        out.append(f"{y:04d}-{m:02d}")
        y, m = (y, m - 1) if m > 1 else (y - 1, 12)
    return out[::-1]


def _link(source, unit_id, bucket, key, metric):
    if source is None:
        return ""
    if source.link is not None:
        return source.link(unit_id, bucket, key, metric)
    return ""


def records_link(code, unit_id, start, end) -> str:
    q = {"from": start.isoformat(), "to": end.isoformat()}
    if unit_id:
        q["unit"] = unit_id
    return reverse("assessment:records", args=[code]) + "?" + urlencode(q)


def board(user, *, campaign="", now=None) -> Board:
    now = _now(now)
    today = timezone.localdate(now)
    roots = roots_of(user)
    out = Board(roots)
    if not roots:
        return out
    refreshed = last_refresh()
    out.refreshed_at = refreshed.refreshed_at if refreshed else None
    children = list(Unit.objects.filter(parent__in=roots, is_active=True).order_by("path"))
    names = {u.pk: (u.short_name or u.name) for u in [*roots, *children]}
    root_ids = [r.pk for r in roots]
    one_root = root_ids[0] if len(root_ids) == 1 else None
    rows = list(visible(DashboardTally, user).filter(metric__in=METRICS, unit_id__in=[*root_ids, *names])
                .values_list("metric", "unit_id", "bucket", "key", "value", "bucket_label", "key_label"))
    at_root = defaultdict(int)  # (metric, bucket, key) -> value over the roots
    by_child = defaultdict(int)  # (metric, unit, bucket, key) -> value
    labels = {}
    for metric, unit_id, bucket, key, value, bucket_label, key_label in rows:
        labels[(metric, "b", bucket)] = bucket_label
        labels[(metric, "k", key)] = key_label
        if unit_id in root_ids:
            at_root[(metric, bucket, key)] += value
        else:
            by_child[(metric, unit_id, bucket, key)] += value
    sources = assessing.sources("tally")
    child_ids = [u.pk for u in children]

    # 1. overdue by unit
    src = sources.get("supervision.lights")
    scored = [(uid, by_child[("supervision.lights", uid, "", "red")], by_child[("supervision.lights", uid, "", "yellow")])
              for uid in child_ids]
    scored = [s for s in scored if s[1] or s[2]]
    scored.sort(key=lambda s: (-s[1], -s[2], s[0]))
    top = scored[:TOP_UNITS]
    out.charts.append(Chart(
        "chart-overdue", "各单位超期（红灯）与临期（黄灯）事项",
        charts.category_chart("各单位超期与临期事项（件）", [names[u] for u, _, _ in top], [
            charts.series("超期（红灯）", charts.linked([r for _, r, _ in top],
                                                   [_link(src, u, "", "red", "supervision.lights") for u, _, _ in top]),
                          stack="lights", itemStyle={"color": "#c0392b"}),
            charts.series("临期（黄灯）", charts.linked([y for _, _, y in top],
                                                   [_link(src, u, "", "yellow", "supervision.lights") for u, _, _ in top]),
                          stack="lights", itemStyle={"color": "#d68910"})], horizontal=True, y_name="件"),
        ["单位", "超期（红灯）", "临期（黄灯）"],
        [[(names[u], ""), (r, _link(src, u, "", "red", "supervision.lights")),
          (y, _link(src, u, "", "yellow", "supervision.lights"))] for u, r, y in scored],
        tall=True, empty="目前没有超期或临期的督办事项"))

    # 2. the monthly trend
    src = sources.get("supervision.monthly")
    months = _months(today)
    series = []
    for light in TREND_LIGHTS:
        values = [at_root[("supervision.monthly", m, light)] for m in months]
        series.append(charts.series(dict(LIGHTS)[light], charts.linked(
            values, [_link(src, one_root, m, light, "supervision.monthly") for m in months]), stack="month",
            itemStyle={"color": TREND_COLOURS[light]}))
    month_labels = [f"{int(m[5:])}月" for m in months]
    out.charts.append(Chart(
        "chart-trend", "近12个月交办的督办事项及其办理情况",
        charts.category_chart("近12个月交办事项（按当前红黄绿灯）", month_labels, series, y_name="件"),
        ["月份", *[dict(LIGHTS)[k] for k in TREND_LIGHTS]],
        [[(f"{m[:4]}年{int(m[5:])}月", ""),
          *[(at_root[("supervision.monthly", m, k)], _link(src, one_root, m, k, "supervision.monthly"))
            for k in TREND_LIGHTS]] for m in months]))

    # 3. the mix of sources this year
    src = sources.get("supervision.sources")
    year = str(today.year)
    mix = sorted(((labels.get(("supervision.sources", "k", k), k), v, _link(src, one_root, year, k, "supervision.sources"))
                  for (metric, b, k), v in at_root.items() if metric == "supervision.sources" and b == year and v),
                 key=lambda x: -x[1])
    out.charts.append(Chart(
        "chart-sources", f"{today.year}年督办事项来源构成", charts.pie_chart(f"{today.year}年督办事项来源", mix),
        ["来源", "件数"], [[(n, ""), (v, u)] for n, v, u in mix], empty="本年尚无交办的督办事项"))

    # 4. rectification: the campaign, its progress by unit and its categories
    buckets = {b for (metric, b, _k) in at_root if metric == "rectification.states"}
    out.campaigns = sorted(((b, labels.get(("rectification.states", "b", b), b)) for b in buckets),
                           key=lambda c: -int(c[0]) if c[0].isdigit() else 0)
    chosen = campaign if campaign in buckets else (out.campaigns[0][0] if out.campaigns else "")
    out.campaign = chosen
    src = sources.get("rectification.states")
    states = [k for k in STATE_COLOURS if any(by_child[("rectification.states", u, chosen, k)] for u in child_ids)]
    units = [u for u in child_ids if any(by_child[("rectification.states", u, chosen, k)] for k in STATE_COLOURS)]
    out.charts.append(Chart(
        "chart-rectification", "问题整改进度（按单位）",
        charts.category_chart("问题整改进度（个）", [names[u] for u in units], [
            charts.series(labels.get(("rectification.states", "k", k), k), charts.linked(
                [by_child[("rectification.states", u, chosen, k)] for u in units],
                [_link(src, u, chosen, k, "rectification.states") for u in units]), stack="state",
                itemStyle={"color": STATE_COLOURS[k]}) for k in states], horizontal=True, y_name="个"),
        ["单位", *[labels.get(("rectification.states", "k", k), k) for k in states]],
        [[(names[u], ""), *[(by_child[("rectification.states", u, chosen, k)],
                             _link(src, u, chosen, k, "rectification.states")) for k in states]] for u in units],
        tall=True, empty="暂无作风整治问题"))
    src = sources.get("rectification.categories")
    cats = sorted(((labels.get(("rectification.categories", "k", k), k), v,
                    _link(src, one_root, chosen, k, "rectification.categories"))
                   for (metric, b, k), v in at_root.items() if metric == "rectification.categories" and b == chosen and v),
                  key=lambda x: -x[1])
    out.charts.append(Chart(
        "chart-categories", "问题类别构成", charts.pie_chart("问题类别构成", cats),
        ["类别", "问题数"], [[(n, ""), (v, u)] for n, v, u in cats], empty="暂无作风整治问题"))

    # 5. duty lateness over twelve months, by unit
    src = sources.get("duty.lateness")
    start = dt.date(int(months[0][:4]), int(months[0][5:]), 1)
    late = defaultdict(lambda: defaultdict(int))
    kinds = {}
    for (metric, uid, b, k), v in by_child.items():
        if metric == "duty.lateness" and b in months:
            late[uid][k] += v
            kinds[k] = labels.get(("duty.lateness", "k", k), k)
    order = sorted(late, key=lambda u: -sum(late[u].values()))[:TOP_UNITS]
    code = src.records if src else ""
    out.charts.append(Chart(
        "chart-duty", "近12个月值班信息迟报（分钟）",
        charts.category_chart("值班信息迟报（分钟）", [names[u] for u in order], [
            charts.series(kinds[k], charts.linked([late[u][k] for u in order],
                                                  [records_link(code, u, start, today) if code else "" for u in order]),
                          stack="duty") for k in sorted(kinds)], horizontal=True, y_name="分钟"),
        ["单位", *[kinds[k] for k in sorted(kinds)]],
        [[(names[u], records_link(code, u, start, today) if code else ""), *[(late[u][k], "") for k in sorted(kinds)]]
         for u in order], empty="近12个月没有迟报"))

    # 6. the ranking of the last published assessment
    period = (visible(Period, user).filter(state=PeriodState.PUBLISHED, scope__in=roots)
              .order_by("-ends_on", "-id").first())
    out.period = period
    if period is not None:
        results = list(Result.objects.filter(period=period).select_related("unit").order_by("group", "rank", "unit__path"))
        groups = defaultdict(list)
        for r in results:
            groups[r.group].append(r)
        for group, rs in sorted(groups.items()):
            label = rs[0].get_group_display()
            out.charts.append(Chart(
                f"chart-rank-{group}", f"{period.title}考核排名（{label}）",
                charts.category_chart(f"{period.title}考核总分（{label}）", [r.unit.short_name or r.unit.name for r in rs],
                                      [charts.series("总分", charts.linked([float(r.total) for r in rs],
                                                                         [r.get_absolute_url() for r in rs]))],
                                      horizontal=True, y_name="分"),
                ["名次", "单位", "总分", "档次"],
                [[(r.rank, ""), (r.unit.name, r.get_absolute_url()), (r.total, r.get_absolute_url()), (r.tier, "")]
                 for r in rs], tall=len(rs) > 10))

    # the leader's own matters
    mine = dict(((k, v) for k, v in visible(DashboardTally, user).filter(
        metric="supervision.lights", person=user, unit__isnull=True).values_list("key", "value")))
    src = sources.get("supervision.lights")
    out.mine = [(label, mine.get(k, 0), _link(src, None, f"leader:{user.pk}", k, "supervision.lights"))
                for k, label in LIGHTS[:3]]
    return out
