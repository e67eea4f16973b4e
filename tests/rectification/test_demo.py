"""The demo campaign DEMO-2026 (issue 5 item 1): phases of seed 000 §三 and
ledgers in every state, loaded through the services, idempotently."""

import pytest

from duban.core.management.commands.load_demo import load
from duban.journal.chain import verify
from duban.rectification import demo, draws
from duban.rectification import queries as rq
from duban.rectification.models import Campaign, LedgerState, ProblemState, Source

from .conftest import D, T

pytestmark = pytest.mark.django_db


def test_demo_campaign_has_phases_and_ledgers_in_every_state():
    load()
    result = demo.load_campaign()
    assert result.created and "DEMO-2026" in result.summary()
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
    again = demo.load_campaign()
    assert not again.created and Campaign.objects.filter(code="DEMO-2026").count() == 1
