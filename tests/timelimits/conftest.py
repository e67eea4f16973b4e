import datetime as dt
import zoneinfo

import pytest

from duban.timelimits import calendar as tl_calendar

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")


def local(y, m, d, hh=0, mm=0, ss=0):
    return dt.datetime(y, m, d, hh, mm, ss, tzinfo=SHANGHAI)


@pytest.fixture(autouse=True)
def fresh_calendar(request):
    """Each test starts from the database's calendar and leaves no cached
    calendar behind (a test that enters a year rolls its rows back)."""
    tl_calendar.invalidate()
    yield
    tl_calendar.invalidate()


@pytest.fixture
def cal(db):
    return tl_calendar.get_calendar()


@pytest.fixture
def committed(monkeypatch, django_capture_on_commit_callbacks):
    """services.enter_year as it runs outside a test's transaction: its
    after-commit work (the announcement, the clocks' recomputation and
    report) is done before it returns, so that the view or command that
    called it can show the report."""
    from duban.timelimits import services

    real = services.enter_year

    def enter_year(*args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return real(*args, **kwargs)

    monkeypatch.setattr(services, "enter_year", enter_year)


def preview_token(page: str) -> str:
    """The signed schedule of a preview page."""
    import re

    m = re.search(r'name="token" value="([^"]+)"', page)
    assert m, "no preview on the page"
    return m[1]


def confirm(client, preview_response, **extra):
    """Confirm what a preview page shows, as the administrator's click does."""
    from django.urls import reverse

    assert preview_response.status_code == 200, preview_response.content.decode()[:2000]
    page = preview_response.content.decode()
    return client.post(reverse("timelimits:calendar_confirm"), {"token": preview_token(page), **extra})
