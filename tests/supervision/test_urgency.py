"""TL-3, SUP-1: a matter's urgency sets its acknowledgement clock. 特急 is
signed for within 1 hour (seed 004 §4's limit for 特急 documents), 加急
within 4 hours, 一般 within 1 working day; each limit is a rule row an
administrator can change."""

import datetime as dt

import pytest

from duban.clocks.services import clocks_for
from duban.timelimits import services as tl
from duban.timelimits.models import TimeLimitRule

from .conftest import local

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(("urgency", "rule", "due"), [
    ("extra_urgent", "matter_ack_extra_urgent_1h", local(2026, 3, 2, 10, 20)),  # assigned at 09:20
    ("urgent", "matter_ack_urgent_4h", local(2026, 3, 2, 13, 20)),
    # 1 working day from Monday 09:20: the end of Tuesday.
    ("normal", "matter_ack_1wd", local(2026, 3, 3, 23, 59, 59)),
])
def test_tl3_urgency_sets_the_acknowledgement_clock(county, loop, urgency, rule, due):
    m = loop.assigned(urgency=urgency)
    ack = clocks_for(m, "ack").get()
    assert ack.rule.code == rule
    assert ack.due_at == due


def test_tl3_the_extra_urgent_limit_is_a_row_the_administrator_edits(county, loop):
    r = TimeLimitRule.objects.get(code="matter_ack_extra_urgent_1h")
    assert r.limit == "1h" and r.seed_section == "种子004 §4"
    r.limit = "2h"
    tl.save_rule(r, by=county.supervisor)
    m = loop.assigned(urgency="extra_urgent")
    ack = clocks_for(m, "ack").get()
    assert ack.due_at - ack.started_at == dt.timedelta(hours=2)
