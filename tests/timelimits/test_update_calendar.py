"""TL-1: `manage.py update_calendar` loads the years a newer chinesecalendar
knows and the calendar lacks (provisional years), through the services
(journaled, deadlines recomputed), and never overwrites a year already
entered -- it prints the differences instead. The installed package stops
at 2026; a newer one is pretended by extending its data dicts."""

import datetime as dt
import io

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command

from duban.journal.models import Event
from duban.timelimits import services
from duban.timelimits.calendar import get_calendar
from duban.timelimits.models import CalendarDay, CalendarYear
from duban.timelimits.services import HolidayRange

from .conftest import local

pytestmark = pytest.mark.django_db


def _days(a, b, name):
    d, out = dt.date.fromisoformat(a), {}
    while d <= dt.date.fromisoformat(b):
        out[d] = name
        d += dt.timedelta(days=1)
    return out


@pytest.fixture
def package_knows_2027(monkeypatch):
    """chinesecalendar as a version that knows 2027 (test data in its own
    form: date → English name)."""
    from chinese_calendar import constants

    holidays = dict(constants.holidays)
    for a, b, name in [("2027-01-01", "2027-01-03", "New Year's Day"), ("2027-02-06", "2027-02-13", "Spring Festival"),
                       ("2027-04-03", "2027-04-05", "Tomb-sweeping Day"), ("2027-05-01", "2027-05-05", "Labour Day"),
                       ("2027-06-09", "2027-06-09", "Dragon Boat Festival"),
                       ("2027-09-15", "2027-09-15", "Mid-autumn Festival"),
                       ("2027-10-01", "2027-10-07", "National Day")]:
        holidays.update(_days(a, b, name))
    workdays = dict(constants.workdays)
    workdays.update({dt.date(2027, 2, 20): "Spring Festival", dt.date(2027, 5, 8): "Labour Day",
                     dt.date(2027, 9, 26): "National Day", dt.date(2027, 10, 9): "National Day"})
    monkeypatch.setattr(constants, "holidays", holidays)
    monkeypatch.setattr(constants, "workdays", workdays)


def run(*args):
    out = io.StringIO()
    call_command("update_calendar", *args, stdout=out)
    return out.getvalue()


def test_tl1_update_calendar_loads_a_provisional_year_the_package_knows(county, package_knows_2027, committed):
    from duban.clocks import services as clocks
    from tests.probe.models import ProbeRecord

    owner = ProbeRecord.objects.create(title="春节前后报告", owner_unit=county.edu)
    clock = clocks.start_clock(owner, "report", limit="7wd", started_at=local(2027, 2, 1, 10), owner_unit=county.edu,
                               owner_person=county.edu_user, label="春节前后报告落实情况")
    assert clock.provisional and clock.due_at == local(2027, 2, 16, 23, 59, 59)

    out = run()
    assert "数据包 chinesecalendar 1.11.0 含2004年至2027年的节假日安排。" in out
    assert "2027年：已按数据包录入（7段假期，4个调休上班日），原为暂定；检查1项按规则计算的期限，调整1项。" in out
    assert "已录入的年份不会被数据包覆盖，管理员录入的安排尤其如此" in out
    assert "仍为暂定的年份：2028年起" in out

    cy = CalendarYear.objects.get(year=2027)
    assert cy.source == "package" and cy.entered_by is None and cy.note.startswith("chinesecalendar 1.11.0")
    assert CalendarDay.objects.get(date=dt.date(2027, 2, 20)).kind == "adjusted_workday"
    e = Event.objects.get(action="timelimits.calendar.year_entered", object_id="2027")
    assert e.actor is None and e.after["source"] == "package"
    clock.refresh_from_db()
    assert clock.due_at == local(2027, 2, 17, 23, 59, 59) and not clock.provisional
    assert Event.objects.filter(action="clocks.recompute", object_id=str(clock.pk)).exists()

    # Run again: nothing to load, nothing written.
    events = Event.objects.count()
    out = run()
    assert "没有需要录入的年份：数据包所含年份都已在日历中。" in out
    assert Event.objects.count() == events


def test_tl1_update_calendar_never_overwrites_an_administrators_entry(county, package_knows_2027):
    services.enter_year(2027, holidays=[HolidayRange("元旦", dt.date(2027, 1, 1), dt.date(2027, 1, 3)),
                                        HolidayRange("春节", dt.date(2027, 2, 5), dt.date(2027, 2, 13))],
                        adjusted_workdays=[], note="管理员按通知录入", by=county.sysadmin)
    events = Event.objects.count()
    out = run()
    assert "没有需要录入的年份" in out
    assert "2027年（管理员录入）与数据包不同，未覆盖：" in out
    assert "2027年2月5日（星期五）数据包为未列出，日历中为放假" in out
    assert "2027年2月20日（星期六）数据包为上班，日历中为未列出" in out
    cy = CalendarYear.objects.get(year=2027)
    assert (cy.source, cy.note, cy.revision) == ("admin", "管理员按通知录入", 1)
    assert Event.objects.count() == events
    # The service refuses it too.
    with pytest.raises(ValidationError, match="由管理员录入，数据包不会覆盖它"):
        services.enter_year(2027, holidays=[HolidayRange("元旦", dt.date(2027, 1, 1), dt.date(2027, 1, 1))],
                            adjusted_workdays=[], source="package")


def test_tl1_update_calendar_dry_run_writes_nothing(db, package_knows_2027):
    events = Event.objects.count()
    out = run("--dry-run")
    assert "（试运行：不写入任何数据）" in out
    assert "2027年：将按数据包录入（7段假期，4个调休上班日），目前为暂定。" in out
    assert not CalendarYear.objects.filter(year=2027).exists()
    assert Event.objects.count() == events
    assert get_calendar().is_provisional(2027)


def test_tl1_update_calendar_with_the_installed_package_has_nothing_to_load(db):
    out = run()
    assert "含2004年至2026年的节假日安排" in out
    assert "没有需要录入的年份" in out and "仍为暂定的年份：2027年起" in out
    assert "与数据包不同" not in out  # the seed is the package's own data
    assert not CalendarYear.objects.filter(year=2027).exists()
