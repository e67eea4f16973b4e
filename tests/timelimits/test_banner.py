"""TL-1: the banner about provisional years, for the supervision office and
the three administrators, from 1 November and whenever the current year is
provisional; it tells how many open rule-computed deadlines are provisional
and how the notice is entered. The date is frozen (time_machine)."""

import datetime as dt

import pytest
import time_machine
from django.test import RequestFactory
from django.urls import reverse

from duban.org.services import has_role
from duban.timelimits import services
from duban.timelimits.context_processors import BANNER_ROLES, calendar_banner
from duban.timelimits.services import HolidayRange

from .conftest import SHANGHAI, local

pytestmark = pytest.mark.django_db

LIST = reverse("timelimits:calendar_list")


@pytest.fixture(autouse=True)
def passwords_do_not_expire(settings):
    """The accounts are made at the real date, the pages are read at a
    frozen one that may lie more than a password's lifetime away."""
    settings.PASSWORD_MAX_AGE_DAYS = 36500


def frozen(y, m, d):
    return time_machine.travel(dt.datetime(y, m, d, 9, 30, tzinfo=SHANGHAI), tick=False)


def page_for(client, user):
    client.force_login(user)
    return client.get(LIST).content.decode()


@pytest.fixture
def deadlines(county):
    """Two provisional deadlines (rule-computed, reaching 2027) and three
    that are not: explicit, clock time, official year."""
    from duban.clocks import services as clocks
    from tests.probe.models import ProbeRecord

    owner = ProbeRecord.objects.create(title="年底事项", owner_unit=county.edu)
    common = dict(owner_unit=county.edu, owner_person=county.edu_user)
    clocks.start_clock(owner, "a", rule="matter_report_7wd", started_at=local(2026, 12, 28, 10), **common)
    clocks.start_clock(owner, "b", limit="1mo", started_at=local(2026, 12, 20, 10), **common)
    clocks.start_clock(owner, "c", due_at=local(2027, 1, 20, 18), started_at=local(2026, 12, 28), **common)
    clocks.start_clock(owner, "d", limit="2h", started_at=local(2027, 1, 5, 10), **common)
    clocks.start_clock(owner, "e", limit="7wd", started_at=local(2026, 10, 9, 10), **common)


@pytest.mark.parametrize(("y", "m", "d", "years"), [
    (2026, 10, 31, None),
    (2026, 11, 1, "2027年"),
    (2026, 12, 31, "2027年"),
    (2027, 3, 1, "2027年"),  # the current year is provisional itself
    (2027, 11, 1, "2027年、2028年"),
])
def test_tl1_banner_from_november_first_and_in_a_provisional_year(client, county, deadlines, y, m, d, years):
    with frozen(y, m, d):
        page = page_for(client, county.sysadmin)
    if years is None:
        assert "calendar-banner" not in page
        return
    assert "calendar-banner" in page
    assert f"{years}节假日安排尚未录入，相关期限按《全国年节及纪念日放假办法》（2024年修订）暂定计算" in page
    assert "目前有<strong>2</strong>项未完成的按规则计算的期限为暂定" in page
    assert reverse("timelimits:calendar_paste") + "?year=2027" in page


@pytest.mark.parametrize("who", ["supervisor", "secadmin", "auditor"])
def test_tl1_banner_for_the_office_and_the_other_administrators_asks_the_sysadmin(client, county, deadlines, who):
    with frozen(2026, 11, 1):
        page = page_for(client, getattr(county, who))
    assert "calendar-banner" in page and "2027年节假日安排尚未录入" in page
    assert "请系统管理员录入正式安排" in page
    assert reverse("timelimits:calendar_paste") not in page


@pytest.mark.parametrize("who", ["edu_user", "edu_head", "leader"])
def test_tl1_others_see_no_banner(client, county, who):
    with frozen(2026, 12, 1):
        assert "calendar-banner" not in page_for(client, getattr(county, who))


def test_tl1_banner_disappears_once_the_year_is_entered(client, county):
    with frozen(2026, 11, 22):
        services.enter_year(2027, holidays=[HolidayRange("元旦", dt.date(2027, 1, 1), dt.date(2027, 1, 3))],
                            adjusted_workdays=[], by=county.sysadmin)
        assert "calendar-banner" not in page_for(client, county.sysadmin)
    with frozen(2027, 11, 2):  # then 2028 is next
        assert "2028年节假日安排尚未录入" in page_for(client, county.supervisor)


def test_tl1_banner_costs_two_small_queries_for_its_roles_and_none_for_others(county, deadlines,
                                                                              django_assert_num_queries):
    rf = RequestFactory()
    for user in (county.supervisor, county.edu_user):
        has_role(user, *BANNER_ROLES)  # roles are read once per request anyway
    with frozen(2026, 11, 5):
        request = rf.get("/")
        request.user = county.supervisor
        with django_assert_num_queries(2):  # the official years; one COUNT of the provisional deadlines
            banner = calendar_banner(request)["calendar_banner"]
        assert banner["count"] == 2 and banner["years"] == [2027] and banner["url"] == ""
        request.user = county.edu_user
        with django_assert_num_queries(0):
            assert calendar_banner(request) == {}
    with frozen(2026, 10, 5):
        request.user = county.supervisor
        with django_assert_num_queries(1):  # no banner: no count
            assert calendar_banner(request) == {}
