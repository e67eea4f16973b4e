"""The years that the installed `chinesecalendar` package knows (TL-1): its
`chinese_calendar.constants.holidays` and `workdays` dicts (date → English
name), read as one schedule per notice year. Used by the update_calendar
command; the seed migration (0002) reads the same dicts on its own, as a
migration must.
"""

import datetime as dt
from importlib import metadata

from .services import Schedule, notice_year, ranges_from_days

NAMES = {
    "New Year's Day": "元旦",
    "Spring Festival": "春节",
    "Tomb-sweeping Day": "清明节",
    "Labour Day": "劳动节",
    "Dragon Boat Festival": "端午节",
    "National Day": "国庆节",
    "Mid-autumn Festival": "中秋节",
    "Anti-Fascist 70th Day": "中国人民抗日战争暨世界反法西斯战争胜利70周年纪念日",
}
# A notice year is known when the package has its Spring Festival and its
# National Day (not only late-December 元旦 days of the year before).
_REQUIRED = ("春节", "国庆节")


def version() -> str:
    try:
        return metadata.version("chinesecalendar")
    except metadata.PackageNotFoundError:
        return ""


def note() -> str:
    return f"chinesecalendar {version()}（国务院办公厅历年部分节假日安排的通知）"


def schedules() -> dict[int, Schedule]:
    """Notice year → Schedule, for every year the package knows."""
    from chinese_calendar import constants

    off: dict[int, list] = {}
    adjusted: dict[int, list] = {}
    for d, raw in constants.holidays.items():
        name = NAMES.get(raw, raw)
        off.setdefault(notice_year(d, name=name), []).append((d, name))
    for d in constants.workdays:
        adjusted.setdefault(notice_year(d, adjusted=True), []).append(d)
    out = {}
    for year, days in off.items():
        names = {n for d, n in days if d.year == year}
        if not all(n in names for n in _REQUIRED):
            continue
        out[year] = Schedule(year, ranges_from_days(days), sorted(adjusted.get(year, [])), note(), "package")
    return dict(sorted(out.items()))


def day_status(schedule: Schedule) -> dict[dt.date, bool]:
    """The days a schedule names → is it a working day (adjusted: True)."""
    status = {}
    for r in schedule.holidays:
        d = r.start
        while d <= r.end:
            status[d] = False
            d += dt.timedelta(days=1)
    for d in schedule.adjusted_workdays:
        status[d] = True
    return status
