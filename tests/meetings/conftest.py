"""The test county with a meeting office: 县政府办公室 organises the
meetings 县人民政府 convenes and controls the county's meetings (its
主任 approves plans beyond the limits), at fixed moments of March 2026."""

import datetime as dt
import zoneinfo

import pytest

from duban.meetings import services as mt
from duban.meetings.models import ControlOffice
from duban.org.models import Role

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")


def local(y, m, d, hh=0, mm=0, ss=0):
    return dt.datetime(y, m, d, hh, mm, ss, tzinfo=SHANGHAI)


# Monday 2 March 2026, 09:00: the meeting starts; it was registered the Friday before.
T0 = local(2026, 3, 2, 9, 0)
REGISTERED = local(2026, 2, 27, 10, 0)


def after(minutes=0, seconds=0):
    return T0 + dt.timedelta(minutes=minutes, seconds=seconds)


@pytest.fixture
def mc(county):
    """`county` plus the office's 秘书科 liaison (organiser) and 主任 (the
    control office's head), the heads of 县财政局 and 城关镇, and the
    control office row."""
    c = county
    c.clerk = c.person("zfb", "秦秘书", c.office, Role.LIAISON, position="秘书科科长")
    c.office_head = c.person("zfbhead", "魏主任", c.office, Role.UNIT_HEAD, position="县政府办公室主任")
    c.fin_head = c.person("finhead", "蒋局长", c.fin, Role.UNIT_HEAD, position="局长")
    c.town_head = c.person("townhead", "沈镇长", c.town, Role.UNIT_HEAD, position="镇长")
    c.town_deputy = c.person("towndep", "韩副镇长", c.town, position="副镇长")
    ControlOffice.objects.create(unit=c.office, jurisdiction=c.gov, seed_section="种子000 §二(四)")
    return c


def plan(c, **kw):
    """A county-wide work meeting within its limits: 90 minutes by video,
    two speeches of 5 minutes and the county head's address."""
    data = dict(
        type="county_work", title="全县安全生产工作会议", convener=c.gov, chair=c.leader, starts_at=T0,
        planned_minutes=90, mode="video", venue="县政府三楼会议室",
        attendees=[c.edu_head, c.fin_head], attendee_units=[c.town],
        agenda=[
            {"title": "县教育局汇报校园安全工作", "kind": "speech", "speaker": c.edu_head, "minutes": 5},
            {"title": "城关镇汇报安全生产工作", "kind": "speech", "speaker": c.town_head, "minutes": 5},
            {"title": "县长讲话", "kind": "address", "speaker": c.leader, "minutes": 30},
        ],
    )
    data.update(kw)
    return data


@pytest.fixture
def planned(mc):
    mc.meeting = mt.register_meeting(mc.clerk, at=REGISTERED, **plan(mc))
    return mc
