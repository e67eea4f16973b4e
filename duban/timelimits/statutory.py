"""Provisional years (TL-1): the statutory holidays of a year whose State
Council notice has not been published (or entered) yet.

The rule is 《全国年节及纪念日放假办法》 as revised in 2024 (in force from
2025): 13 days a year --
    元旦 1 (1月1日); 春节 4 (农历除夕、正月初一至初三); 清明节 1;
    劳动节 2 (5月1日、2日); 端午节 1; 中秋节 1; 国庆节 3 (10月1日至3日).
A statutory day that falls on a Saturday or Sunday, or on the same date as
another statutory day, gets its 补假 on the next working day after it.

The dates of the lunar festivals and of 清明 are not typed here: they come
from the `holidays` package (its China calendar with observed days turned
off), which computes the lunisolar calendar and the solar term. Only the
补假 rule is applied here, because the package gives one 补假 where two
statutory days share a date (中秋节 on 10月3日, as in 2028).

A provisional year has no adjusted working days (调休上班): those exist
only by the notice. Everything computed from such a year carries the mark
暂定 until an administrator enters the notice (services.enter_year), which
recomputes the rule-computed deadlines of that year.
"""

import datetime as dt
from functools import lru_cache

RULE_NAME = "《全国年节及纪念日放假办法》（2024年修订）"
RULE_SINCE = 2025  # the first year the 2024 revision governs
LAST_YEAR = 2099  # the last year whose lunar dates the computation supports

# The package's names (zh_CN) -> the calendar's names.
_NAMES = {
    "元旦": "元旦",
    "农历除夕": "春节",
    "春节": "春节",
    "清明节": "清明节",
    "劳动节": "劳动节",
    "端午节": "端午节",
    "中秋节": "中秋节",
    "国庆节": "国庆节",
}
STATUTORY_COUNT = 13


class UnsupportedYear(ValueError):
    pass


def supports(year: int) -> bool:
    return RULE_SINCE <= year <= LAST_YEAR


@lru_cache(maxsize=256)
def statutory_days(year: int) -> tuple[tuple[dt.date, str], ...]:
    """The 13 statutory days of `year` as (date, name), in date order; a date
    that carries two festivals appears twice."""
    if not supports(year):
        raise UnsupportedYear(year)
    import holidays

    cn = holidays.China(years=year, observed=False, language="zh_CN")
    out = []
    for d in sorted(cn):
        if d.year != year:
            continue
        for raw in cn.get_list(d):
            # Days a published notice adds (调休 rest days, extensions) are
            # not statutory: they are not part of the rule.
            name = _NAMES.get(raw.strip())
            if name is not None and (d, name) not in out:
                out.append((d, name))
    if len(out) != STATUTORY_COUNT:
        raise ValueError(f"{year}: {len(out)} statutory days instead of {STATUTORY_COUNT}")
    return tuple(out)


# How a date or run that carries two festivals is named (国庆节、中秋节).
_ORDER = ("元旦", "春节", "清明节", "劳动节", "端午节", "国庆节", "中秋节")


def _joined(names) -> str:
    return "、".join(sorted(set(names), key=_ORDER.index))


@lru_cache(maxsize=256)
def provisional_days_off(year: int) -> tuple[tuple[dt.date, str], ...]:
    """Every non-working day of `year` that the rule names, as (date, name):
    the statutory days (weekend ones included) and their 补假, in date
    order. Weekends the rule does not name are not listed."""
    instances = statutory_days(year)
    statutory_dates = {d for d, _ in instances}
    off: dict[dt.date, list] = {}
    owed = []
    for d, name in instances:
        if d in off or d.weekday() >= 5:
            # On a weekend, or a second festival on a date already off.
            owed.append((d, name))
        off.setdefault(d, []).append(name)
    for d, name in owed:
        x = d + dt.timedelta(days=1)
        while x.weekday() >= 5 or x in off or x in statutory_dates:
            x += dt.timedelta(days=1)
        off[x] = [name]
    return tuple((d, _joined(names)) for d, names in sorted(off.items()))


def provisional_ranges(year: int) -> list[tuple[str, dt.date, dt.date]]:
    """The year's holidays as an administrator would enter them, as (name,
    first day, last day): one run per block of days off, weekends inside it
    included, named by its festivals (国庆节、中秋节 when they meet)."""
    runs = []
    for d, name in provisional_days_off(year):
        if runs and _only_weekend_between(runs[-1][2], d):
            runs[-1] = (runs[-1][0] + [name], runs[-1][1], d)
        else:
            runs.append(([name], d, d))
    return [(_joined(n for names in r[0] for n in names.split("、")), r[1], r[2]) for r in runs]


def _only_weekend_between(a: dt.date, b: dt.date) -> bool:
    x = a + dt.timedelta(days=1)
    while x < b:
        if x.weekday() < 5:
            return False
        x += dt.timedelta(days=1)
    return True


def provisional_day_rows(year: int) -> list[tuple[dt.date, str, bool, str]]:
    """Every day of `year` as (date, kind, is_workday, name): the calendar's
    rows for a provisional year."""
    named = dict(provisional_days_off(year))
    rows = []
    d = dt.date(year, 1, 1)
    one = dt.timedelta(days=1)
    while d.year == year:
        if d in named:
            rows.append((d, "holiday", False, named[d]))
        elif d.weekday() < 5:
            rows.append((d, "workday", True, ""))
        else:
            rows.append((d, "rest", False, ""))
        d += one
    return rows
