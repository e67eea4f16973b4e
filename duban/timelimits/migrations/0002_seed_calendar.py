"""Seed the official calendar for 2004–2026 from the `chinesecalendar`
package (data of the State Council's yearly holiday notices).

Self-contained on purpose: a migration must give the same rows whatever the
application code later becomes. Every day of every year gets a row.
"""

import datetime as dt

from django.db import migrations

FIRST_YEAR, LAST_YEAR = 2004, 2026

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


def seed(apps, schema_editor):
    from chinese_calendar.constants import holidays, workdays

    CalendarYear = apps.get_model("timelimits", "CalendarYear")
    CalendarDay = apps.get_model("timelimits", "CalendarDay")
    now = dt.datetime.now(dt.UTC)
    CalendarYear.objects.bulk_create([
        CalendarYear(year=y, source="package", entered_at=now, updated_at=now, revision=1,
                     note="chinesecalendar 1.11.0（国务院办公厅历年部分节假日安排的通知）")
        for y in range(FIRST_YEAR, LAST_YEAR + 1)
    ])
    rows = []
    d = dt.date(FIRST_YEAR, 1, 1)
    end = dt.date(LAST_YEAR, 12, 31)
    one = dt.timedelta(days=1)
    while d <= end:
        if d in holidays:
            kind, is_workday, name = "holiday", False, NAMES.get(holidays[d], holidays[d])
        elif d in workdays:
            kind, is_workday, name = "adjusted_workday", True, NAMES.get(workdays[d], workdays[d])
        elif d.weekday() < 5:
            kind, is_workday, name = "workday", True, ""
        else:
            kind, is_workday, name = "rest", False, ""
        rows.append(CalendarDay(date=d, year=d.year, kind=kind, is_workday=is_workday, name=name))
        d += one
    CalendarDay.objects.bulk_create(rows, batch_size=2000)


def unseed(apps, schema_editor):
    apps.get_model("timelimits", "CalendarDay").objects.filter(year__gte=FIRST_YEAR, year__lte=LAST_YEAR).delete()
    apps.get_model("timelimits", "CalendarYear").objects.filter(
        year__gte=FIRST_YEAR, year__lte=LAST_YEAR, source="package").delete()


class Migration(migrations.Migration):
    dependencies = [("timelimits", "0001_initial")]
    operations = [migrations.RunPython(seed, unseed)]
