"""The demo campaign DEMO-<year> (issue 5 item 1): phases of seed 000 §三
and ledgers in every state, loaded through the services with their business
moments, idempotently; its year follows the moment of loading (issue 16
item 3)."""

import datetime as dt

import pytest
import time_machine

from duban.core.management.commands.load_demo import load
from duban.journal.chain import verify
from duban.rectification import demo, draws
from duban.rectification import queries as rq
from duban.rectification.models import Campaign, LedgerState, ProblemState, Source
from tests.demo_checks import assert_story_in_the_past

from .conftest import TZ, D, T

pytestmark = pytest.mark.django_db


def test_demo_campaign_has_phases_and_ledgers_in_every_state():
    now = T(11, 20)
    with time_machine.travel(now, tick=False):
        load()
        result = demo.load_campaign()
    assert result.created and "DEMO-2026" in result.summary()
    assert_story_in_the_past(now)
    c = Campaign.objects.get(code="DEMO-2026")
    assert [(p.name, p.start_date, p.end_date) for p in c.phases.order_by("sort_order")] == [
        ("全面自查自纠阶段", D(2, 24), D(3, 10)), ("整改落实阶段", D(3, 10), D(6, 10)),
        ("巩固提升阶段", D(6, 10), D(12, 10))]
    ledger_states = {s.state_text for s in rq.ledger_status(c, now=T(11, 20))}
    assert ledger_states == {"按时报送", "逾期报送", "逾期未报"}
    assert {s.state for s in c.submissions.all()} == set(LedgerState.values)
    states = set(c.problems.values_list("state", flat=True))
    assert states == set(ProblemState.values)
    now = T(11, 20)
    assert rq.problems_for(None, c).count() == 0  # anonymous sees nothing
    assert c.problems.filter(state__in=["rectifying"], due_at__lte=now).exists()  # overdue
    assert c.problems.filter(state="rectifying", due_at__gt=now).exists()
    assert c.problems.filter(long_term=True, entries__kind="periodic").exists()
    assert c.problems.filter(round=2, state=ProblemState.RERECTIFYING).exists()
    assert c.problems.filter(rounds__onsite_checked=True).exists()
    assert c.problems.filter(rounds__verdict="returned").exists()
    assert {Source.SPOT_CHECK, Source.UNANNOUNCED} <= set(c.problems.values_list("source", flat=True))
    assert rq.repeated_problems(campaign=c)
    assert rq.public_problems(c)
    assert all(draws.replay(sc).ok for sc in c.spot_checks.all())
    d = rq.dashboard(c, now=now)
    assert d.total.found == c.problems.count() and d.total.closed >= 1 and d.total.overdue >= 1
    assert verify().ok
    # A second load, even in another year, changes nothing.
    with time_machine.travel(now + dt.timedelta(days=400), tick=False):
        again = demo.load_campaign()
    assert not again.created and "DEMO-2026 已存在" in again.summary()
    assert Campaign.objects.filter(code__startswith="DEMO-").count() == 1


@pytest.mark.parametrize("day, year", [
    ((2026, 12, 4), 2026), ((2026, 12, 31), 2026), ((2027, 1, 1), 2026), ((2027, 2, 7), 2026),
    ((2027, 7, 20), 2026), ((2027, 7, 21), 2027), ((2028, 2, 29), 2027),
])
def test_demo_campaign_year_is_the_last_whose_story_is_past(day, year):
    assert demo.campaign_year(dt.datetime(*day, 23, 0, tzinfo=TZ)) == year
