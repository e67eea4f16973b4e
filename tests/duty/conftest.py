"""The test county with a duty office and a town that reports, at fixed
moments of March 2026."""

import calendar
import datetime as dt
import zoneinfo

import pytest
from django.utils import timezone

from duban.duty import services as duty
from duban.org import services as org
from duban.org.models import Role

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")


def local(y, m, d, hh=0, mm=0, ss=0):
    return dt.datetime(y, m, d, hh, mm, ss, tzinfo=SHANGHAI)


# Monday 2 March 2026, 09:00: the town learns of the incident.
T0 = local(2026, 3, 2, 9, 0)


def after(minutes=0, seconds=0, hours=0):
    return T0 + dt.timedelta(hours=hours, minutes=minutes, seconds=seconds)


@pytest.fixture
def dc(county):
    """`county` plus: 县政府总值班室 with a duty clerk and a duty leader
    (duty roles scoped to the whole county), 县应急管理局, and in 城关镇 a duty
    officer, a leader on duty (rostered for March) and the principal leader."""
    c = county
    c.duty_unit = org.create_unit("县政府总值班室", parent=c.office, kind="office")
    c.emergency = org.create_unit("县应急管理局", parent=c.gov)
    c.duty_clerk = c.person("zhiban", "孙值班", c.duty_unit, Role.DUTY_OFFICER, scope=c.gov)
    c.duty_chief = c.person("zhibanld", "钱带班", c.office, Role.DUTY_LEADER, scope=c.gov)
    c.em_user = c.person("yingji", "吴应急", c.emergency, Role.LIAISON, Role.DUTY_OFFICER)
    c.em_head = c.person("yingjihead", "郑局长", c.emergency, Role.UNIT_HEAD)
    c.town_duty = c.person("townduty", "冯值班", c.town, Role.DUTY_OFFICER)
    c.town_leader = c.person("townleader", "陈副镇长", c.town, Role.DUTY_LEADER)
    c.town_head = c.person("townhead", "褚镇长", c.town, Role.UNIT_HEAD)
    duty.set_month_roster(c.town, 2026, 3, [
        {"date": day, "officer": c.town_duty, "leader": c.town_leader} for day in range(1, 32)
    ], c.town_duty, at=local(2026, 2, 25, 10))
    return c


def roster_around_now(c):
    """Roster the town for the current month and the last day of the one
    before, so that the shift on duty now has its leader whatever the day:
    24-hour shifts from 08:30, so before 08:30 on the 1st last month's
    shift is on duty."""
    today = timezone.localdate()
    days = calendar.monthrange(today.year, today.month)[1]
    duty.set_month_roster(c.town, today.year, today.month, [
        {"date": d, "officer": c.town_duty, "leader": c.town_leader} for d in range(1, days + 1)], c.town_duty)
    eve = today.replace(day=1) - dt.timedelta(days=1)
    duty.set_month_roster(c.town, eve.year, eve.month, [
        {"date": eve.day, "officer": c.town_duty, "leader": c.town_leader}], c.town_duty)
    return c


def incident_data(c, **kw):
    data = dict(
        title="城关镇化工厂火灾",
        kind="accident",
        level="larger",
        occurred_at=after(minutes=-10),
        learned_at=T0,
        place="城关镇工业园区",
        reporting_unit=c.town,
        involved_units=[c.emergency],
        description="园区一化工厂仓库起火，消防已到场处置。",
    )
    data.update(kw)
    return data


@pytest.fixture
def incident(dc):
    return duty.report_incident(dc.town_duty, at=after(minutes=2), **incident_data(dc))


def phone(c, incident, at, **kw):
    data = dict(called_at=at, caller_name="冯值班", callee_name="孙值班", callee_unit=c.duty_unit,
                summary="化工厂仓库起火，暂无人员伤亡报告。")
    data.update(kw)
    return duty.record_phone_report(incident, c.town_duty, at=at, **data)


def written(c, incident, at, *, kind="first", unit=None, by=None, text="首报：化工厂仓库起火。", **figures):
    return duty.create_written_report(incident, by or c.town_duty, kind=kind, text=text, unit=unit,
                                      figures=figures or None, at=at)


def send(c, report, at, signer=None):
    from tests.conftest import DEMO_PASSWORD

    return duty.sign_report(report, signer or c.town_leader, DEMO_PASSWORD, at=at)


@pytest.fixture
def item(dc, incident):
    """The item of an issued 值班要情 on the incident's first report."""
    r = written(dc, incident, after(minutes=10), text="首报：化工厂仓库起火，2人受伤。", injuries=2)
    send(dc, r, after(minutes=20))
    b = duty.create_bulletin(dc.duty_clerk, title="城关镇化工厂火灾情况", at=after(hours=1),
                             items=[{"report": r, "heading": "城关镇化工厂火灾"}])
    duty.issue_bulletin(b, dc.duty_clerk, at=after(hours=1, minutes=10))
    return b.items.get()
