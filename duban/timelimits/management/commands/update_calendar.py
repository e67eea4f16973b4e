"""python manage.py update_calendar [--dry-run]

Loads the years whose official schedule the installed `chinesecalendar`
package knows and the calendar lacks (provisional years, 暂定), as source
"package", through services.enter_year: journaled, and the rule-computed
deadlines of those years recomputed. Prints what it did. A year already in
the calendar is never overwritten -- an administrator's entry least of all:
where the package says otherwise, the differences are printed instead.
"""

import datetime as dt

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from duban.timelimits import package, services, statutory
from duban.timelimits.calendar import WEEKDAYS_ZH, get_calendar
from duban.timelimits.models import CalendarSource, CalendarYear


def _day(d: dt.date) -> str:
    return f"{d.year}年{d.month}月{d.day}日（{WEEKDAYS_ZH[d.weekday()]}）"


def _status(is_work) -> str:
    return "未列出" if is_work is None else ("上班" if is_work else "放假")


def differences(theirs: services.Schedule, ours: services.Schedule) -> list[str]:
    """The days the two schedules name differently (放假 / 上班 / 未列出)."""
    a, b = package.day_status(theirs), package.day_status(ours)
    out = []
    for d in sorted(set(a) | set(b)):
        if a.get(d) != b.get(d):
            out.append(f"{_day(d)}数据包为{_status(a.get(d))}，日历中为{_status(b.get(d))}")
    return out


class Command(BaseCommand):
    help = "按已安装的 chinesecalendar 数据包录入日历中尚缺（暂定）的年份；不覆盖已录入的年份"

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="只列出将要录入的年份和差异，不写入")

    def handle(self, *args, dry_run=False, **options):
        known = package.schedules()
        if not known:
            raise CommandError("已安装的 chinesecalendar 数据包中没有任何年份的节假日安排")
        out = self.stdout
        out.write(f"数据包 chinesecalendar {package.version()} 含{min(known)}年至{max(known)}年的节假日安排。")
        if dry_run:
            out.write("（试运行：不写入任何数据）")
        entered = {cy.year: cy for cy in CalendarYear.objects.all()}
        missing = [y for y in known if y not in entered]
        failed = []
        for year in missing:
            s = known[year]
            what = f"{len(s.holidays)}段假期，{len(s.adjusted_workdays)}个调休上班日"
            was = "暂定" if get_calendar().is_provisional(year) else "未录入"
            if dry_run:
                out.write(f"{year}年：将按数据包录入（{what}），目前为{was}。")
                continue
            try:
                cy = services.enter_year(year, holidays=s.holidays, adjusted_workdays=s.adjusted_workdays,
                                         note=s.note, by=None, source=CalendarSource.PACKAGE)
            except ValidationError as e:
                failed.append(year)
                out.write(f"{year}年：未能录入：{'；'.join(e.messages)}")
                continue
            line = f"{year}年：已按数据包录入（{what}），原为{was}"
            for answer in getattr(cy, "announced", None) or []:
                if hasattr(answer, "summary"):
                    line += f"；{answer.summary()}"
            out.write(line + "。")
        if not missing:
            out.write("没有需要录入的年份：数据包所含年份都已在日历中。")
        self._report_differences(known, entered)
        out.write("已录入的年份不会被数据包覆盖，管理员录入的安排尤其如此；如需采用数据包的安排，"
                  "请在工作日历页面修改该年度。")
        cal = get_calendar()
        still = [y for y in range(statutory.RULE_SINCE, statutory.LAST_YEAR + 1) if cal.is_provisional(y)]
        if still and not dry_run:
            out.write(f"仍为暂定的年份：{still[0]}年起（按{statutory.RULE_NAME}计算，不含调休）。")
        if failed:
            raise CommandError("、".join(f"{y}年" for y in failed) + "未能录入")

    def _report_differences(self, known, entered):
        for year in sorted(set(known) & set(entered)):
            ranges, adjusted = services.derive_schedule(year)
            diffs = differences(known[year], services.Schedule(year, ranges, adjusted))
            if not diffs:
                continue
            cy = entered[year]
            who = "管理员录入" if cy.source == CalendarSource.ADMIN else cy.get_source_display()
            self.stdout.write(f"{year}年（{who}）与数据包不同，未覆盖：" + "；".join(diffs[:20])
                              + (f"；等共{len(diffs)}处" if len(diffs) > 20 else "") + "。")
