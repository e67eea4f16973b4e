"""Helpers for the accountability tests: matters of the test county that
miss their deadlines in March 2026 (an official year), breached by the
sweep at a fixed moment, so that the rules have a record to read."""

import datetime as dt

import pytest

from duban.clocks import sweep
from duban.supervision import services as sv
from tests.supervision.conftest import instruction_data, local, upload

# Monday 2 March 2026.
T0 = local(2026, 3, 2, 9, 0)
# After every deadline below (all in March 2026), still in the first quarter.
SWEPT = local(2026, 3, 30, 9, 0)


def overdue_matters(county, unit, person, n=3, *, start=T0, title="整改任务"):
    """`n` matters of `unit` assigned at `start`, signed for, due on
    successive days of the following week, none delivered; swept at SWEPT
    (their completion clocks breached)."""
    made = []
    for i in range(n):
        due = start + dt.timedelta(days=7 + i, hours=9)
        m = sv.create_matter(county.supervisor, assign=True, at=start, **instruction_data(
            county, title=f"{title}{i + 1}", lead_unit=unit, lead_person=person, due_at=due, urgency="normal"))
        made.append(sv.acknowledge(m, person, at=start + dt.timedelta(hours=1)))
    sweep.tick(SWEPT, deliver=False)
    return made


def completed(county, m, by, *, files=None, claimed=None, reviewer=None, reviewed=None):
    """Acknowledge, start, request completion (at `claimed`) and complete (at
    `reviewed`) a matter."""
    t = claimed or m.assigned_at + dt.timedelta(days=2)
    sv.acknowledge(m, by, at=m.assigned_at + dt.timedelta(hours=1))
    sv.start_work(m, by, at=m.assigned_at + dt.timedelta(hours=2))
    sv.request_completion(m, by, text="已按要求完成，佐证材料附后。", files=files or [upload()], at=t)
    sv.complete_matter(m, reviewer or county.supervisor, at=reviewed or t + dt.timedelta(hours=2))
    m.refresh_from_db()
    return m


@pytest.fixture
def edu_breaches(county):
    return overdue_matters(county, county.edu, county.edu_user)
