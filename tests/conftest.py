"""Shared fixtures: a small county built through the services and the
PostgreSQL-only marker. The calendar is the product's own: the official
years of the seed and, after them, the provisional years computed from the
statutory rule -- the same calendar users meet."""

from pathlib import Path

import pytest
from django.db import connection

from duban.org import services as org
from duban.org.models import Role, UnitKind

DEMO_PASSWORD = "Test-pass-2026"

TESTS_DIR = Path(__file__).resolve().parent
# Where every test is time-sensitive (`anydate`): the calendar, the clocks
# and their sweep, the demo built around the moment it loads, and the
# browser against a server on the same clock. .ci/run reruns `-m anydate`
# under libfaketime at the year's end, in a provisional year and on
# 29 February. Modules elsewhere mark themselves (pytestmark).
ANYDATE_PATHS = ("timelimits/", "clocks/", "e2e/", "core/test_demo.py", "supervision/test_demo_matters.py",
                 "rectification/test_demo.py", "supervision/test_provisional_mark.py",
                 "supervision/test_ledger_history.py", "rectification/test_import_history.py")


def pytest_configure(config):
    missing = [p for p in ANYDATE_PATHS if not (TESTS_DIR / p).exists()]
    if missing:
        raise pytest.UsageError(f"tests/conftest.py 的 ANYDATE_PATHS 指向不存在的路径：{'、'.join(missing)}")


def pytest_itemcollected(item):
    try:
        where = item.path.resolve().relative_to(TESTS_DIR).as_posix()
    except ValueError:
        return
    if where.startswith(ANYDATE_PATHS):
        item.add_marker(pytest.mark.anydate)


def pytest_collection_modifyitems(config, items):
    """Tests marked `postgres` prove behaviour of the PostgreSQL server
    (row locks, parallel writers). On SQLite they are deselected, not
    skipped; CI runs the whole suite a second time on PostgreSQL."""
    from django.conf import settings

    engine = settings.DATABASES["default"]["ENGINE"]
    if "postgresql" in engine:
        return
    kept, dropped = [], []
    for item in items:
        (dropped if item.get_closest_marker("postgres") else kept).append(item)
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = kept


class County:
    """Handles to the units and people of a small test county."""


@pytest.fixture
def county(db):
    c = County()
    c.gov = org.create_unit("县人民政府", kind=UnitKind.GOVERNMENT)
    c.office = org.create_unit("县政府办公室", parent=c.gov, kind=UnitKind.DEPARTMENT)
    c.duchashi = org.create_unit("督查室", parent=c.office, kind=UnitKind.OFFICE)
    c.edu = org.create_unit("县教育局", parent=c.gov)
    c.edu_office = org.create_unit("基础教育股", parent=c.edu, kind=UnitKind.OFFICE)
    c.fin = org.create_unit("县财政局", parent=c.gov)
    c.town = org.create_unit("城关镇", parent=c.gov, kind=UnitKind.TOWN)

    def person(username, name, unit, *roles, scope=None, **kw):
        p = org.create_person(username, full_name=name, unit=unit, password=DEMO_PASSWORD, **kw)
        for role in roles:
            org.assign_role(p.user, role, scope=scope)
        return p.user

    c.person = person
    c.edu_user = person("edu", "张教育", c.edu, Role.LIAISON)
    c.edu_head = person("eduhead", "王局长", c.edu, Role.UNIT_HEAD)
    c.fin_user = person("fin", "李财政", c.fin, Role.LIAISON)
    c.town_user = person("town", "赵城关", c.town, Role.LIAISON)
    c.supervisor = person("duchashi", "陈督查", c.duchashi, Role.SUPERVISOR, scope=c.gov)
    c.leader = person("xianzhang", "周县长", c.gov, Role.LEADER, is_leader=True, position="县长")
    c.sysadmin = person("sysadmin", "系统管理员", c.office, Role.SYSTEM_ADMIN)
    c.secadmin = person("secadmin", "安全管理员", c.office, Role.SECURITY_ADMIN)
    c.auditor = person("auditor", "审计管理员", c.office, Role.AUDIT_ADMIN)
    return c


@pytest.fixture
def is_postgres():
    return connection.vendor == "postgresql"


@pytest.fixture(autouse=True)
def calendar_per_test():
    """Every test starts with the calendar read afresh from its own database
    (a calendar cached by an earlier test may hold a year that test entered
    and rolled back). Within a test, the services that change the calendar
    reload it; the periodic check is off (settings_test)."""
    from duban.timelimits import calendar as tl_calendar

    tl_calendar.invalidate()
    yield
    tl_calendar.invalidate()
