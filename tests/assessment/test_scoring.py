"""EVAL-2: the arithmetic of the assessment (duban.assessment.scoring), apart
from the database. Property tests: the figures, scores, ranks and tiers do
not depend on the order of the records or of the units, and neither does
the hash of the input set; then the rules by example -- like with like,
lead and cooperating weights, workload, a unit without a base, tiers with
ties."""

import random
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from duban.assessment import scoring
from duban.assessment.scoring import EntryIn, IndicatorIn, TierIn, UnitIn

D = Decimal
TIERS = [TierIn("好", 20, D(100)), TierIn("较好", 50, D(92)), TierIn("一般", 85, D(80)), TierIn("较差", 100, D(60))]
WEIGHTS = {"lead": D(1), "coop": D("0.5")}
BOTH = frozenset({"department", "town"})
INDICATORS = [
    IndicatorIn("rate", "按期办结率", "s.rate", "rate", "higher", D(40), BOTH),
    IndicatorIn("late", "超期事项", "s.late", "count", "lower", D(30), BOTH, normalise=True),
    IndicatorIn("minutes", "迟报", "s.min", "sum", "lower", D(20), frozenset({"town"})),
    IndicatorIn("errors", "差错扣分", "s.err", "sum", "lower", D(10), BOTH),
]
UNITS = [UnitIn(i, "department" if i <= 6 else "town") for i in range(1, 11)]


def entry(unit, code, n, value, base, role):
    return EntryIn(unit, f"{code}:{n}", D(value), D(base), role, unit)


entries_st = st.lists(st.tuples(
    st.integers(1, 10), st.sampled_from([i.code for i in INDICATORS]), st.integers(0, 3),
    st.integers(0, 2), st.sampled_from(["lead", "coop"])), max_size=60)
workload_st = st.lists(st.tuples(st.integers(1, 10), st.sampled_from(["lead", "coop"])), max_size=30)


def build(raw, work):
    entries = {i.code: [] for i in INDICATORS}
    for n, (unit, code, value, base, role) in enumerate(raw):
        entries[code].append(entry(unit, code, n, value, max(base, 1) if code == "rate" else 0, role))
    workload = [entry(unit, "w", n, 1, 0, role) for n, (unit, role) in enumerate(work)]
    return entries, workload


def run(entries, workload, units=UNITS):
    return scoring.compute(units, INDICATORS, entries, workload, WEIGHTS, TIERS)


def shuffled(entries, workload, seed):
    rng = random.Random(seed)
    e2 = {k: rng.sample(v, len(v)) for k, v in entries.items()}
    return e2, rng.sample(workload, len(workload)), rng.sample(UNITS, len(UNITS))


@settings(max_examples=150, deadline=None)
@given(entries_st, workload_st, st.integers(0, 10_000))
def test_eval2_scores_do_not_depend_on_the_order_of_the_records(raw, work, seed):
    entries, workload = build(raw, work)
    a = run(entries, workload)
    e2, w2, u2 = shuffled(entries, workload, seed)
    b = run(e2, w2, u2)
    assert a.figures == b.figures
    assert a.results == b.results
    assert sorted(r.rank for r in a.results.values() if r.group == "town") == \
        sorted(r.rank for r in b.results.values() if r.group == "town")


@settings(max_examples=100, deadline=None)
@given(entries_st, workload_st, st.integers(0, 10_000))
def test_eval2_the_input_hash_does_not_depend_on_the_order_either(raw, work, seed):
    entries, workload = build(raw, work)
    period = {"scope": 1, "kind": "quarter", "year": 2026, "number": 1}
    h1 = scoring.input_hash(scoring.input_set(period, UNITS, INDICATORS, entries, workload, WEIGHTS, TIERS))
    e2, w2, u2 = shuffled(entries, workload, seed)
    h2 = scoring.input_hash(scoring.input_set(period, u2, list(reversed(INDICATORS)), e2, w2, WEIGHTS, TIERS))
    assert h1 == h2 and len(h1) == 64
    # …and any change of a record changes it.
    if raw:
        first = next(k for k, v in entries.items() if v)
        changed = dict(entries)
        e = changed[first][0]
        changed[first] = [EntryIn(e.unit_id, e.ref, e.value + 1, e.base, e.role, e.source_unit_id),
                          *changed[first][1:]]
        h3 = scoring.input_hash(scoring.input_set(period, UNITS, INDICATORS, changed, workload, WEIGHTS, TIERS))
        assert h3 != h1


def test_eval2_like_with_like_best_full_worst_nothing_others_in_proportion():
    units = [UnitIn(1, "department"), UnitIn(2, "department"), UnitIn(3, "department"), UnitIn(9, "town")]
    ind = [IndicatorIn("rate", "按期办结率", "s", "rate", "higher", D(40), BOTH)]
    e = {"rate": [entry(1, "r", 1, 1, 1, "lead"), entry(2, "r", 2, 1, 2, "lead"), entry(3, "r", 3, 0, 1, "lead"),
                  entry(9, "r", 4, 0, 1, "lead")]}
    out = scoring.compute(units, ind, e, [], WEIGHTS, TIERS)
    scores = {u: out.figures[(u, "rate")].score for u in (1, 2, 3, 9)}
    assert scores[1] == D("40.00") and scores[3] == D("0.00") and scores[2] == D("20.00")
    # the town is compared only with towns: alone, it earns the full weight
    assert scores[9] == D("40.00") and out.results[9].rank == 1 and out.results[9].group_size == 1
    assert [out.results[u].rank for u in (1, 2, 3)] == [1, 2, 3]
    assert "40×（50%−0%）÷（100%−0%）" in out.figures[(2, "rate")].note


def test_eval2_lead_and_cooperating_units_weigh_differently():
    units = [UnitIn(1, "department"), UnitIn(2, "department")]
    ind = [IndicatorIn("rate", "按期办结率", "s", "rate", "higher", D(10), BOTH)]
    # unit 1 leads a late matter; unit 2 cooperates on it and leads an on-time one
    e = {"rate": [entry(1, "r", 1, 0, 1, "lead"), entry(2, "r", 1, 0, 1, "coop"), entry(2, "r", 2, 1, 1, "lead")]}
    out = scoring.compute(units, ind, e, [], WEIGHTS, TIERS)
    f2 = out.figures[(2, "rate")]
    assert (f2.value, f2.base) == (D(1), D("1.5"))  # 1×1 + 0.5×0 over 1 + 0.5
    assert f2.raw == D("66.6667")


def test_eval2_counts_normalised_by_workload_do_not_punish_volume():
    units = [UnitIn(1, "department"), UnitIn(2, "department")]
    ind = [IndicatorIn("late", "超期事项", "s", "count", "lower", D(10), BOTH, normalise=True)]
    # unit 1: 4 late of 40 matters; unit 2: 2 late of 10 matters
    e = {"late": [entry(1, "l", n, 1, 0, "lead") for n in range(4)] + [entry(2, "l", 9 + n, 1, 0, "lead")
                                                                      for n in range(2)]}
    work = [entry(1, "w", n, 1, 0, "lead") for n in range(40)] + [entry(2, "w", 50 + n, 1, 0, "lead") for n in range(10)]
    out = scoring.compute(units, ind, e, work, WEIGHTS, TIERS)
    # at the group's mean workload (25): unit 1 → 2.5, unit 2 → 5
    assert out.figures[(1, "late")].raw == D("2.5") and out.figures[(2, "late")].raw == D(5)
    assert out.results[1].rank == 1 and out.figures[(1, "late")].score == D(10)
    assert "按工作量折算" in out.figures[(1, "late")].note


def test_eval2_a_unit_without_base_gets_the_mean_score_of_its_group():
    units = [UnitIn(i, "town") for i in (1, 2, 3)]
    ind = [IndicatorIn("rate", "整改销号率", "s", "rate", "higher", D(12), BOTH)]
    e = {"rate": [entry(1, "r", 1, 1, 1, "lead"), entry(2, "r", 2, 0, 1, "lead")]}
    out = scoring.compute(units, ind, e, [], WEIGHTS, TIERS)
    f3 = out.figures[(3, "rate")]
    assert f3.raw is None and f3.score == D("6.00") and "同类单位平均" in f3.note


def test_eval2_tiers_by_share_of_ranks_ties_share_rank_and_tier():
    units = [UnitIn(i, "department") for i in range(1, 11)]
    ind = [IndicatorIn("errors", "差错扣分", "s", "sum", "lower", D(100), BOTH)]
    # units 1 and 2 without errors (tie), then 1 … 8 points for units 3 … 10
    e = {"errors": [entry(u, "e", u, u - 2, 0, "lead") for u in range(3, 11)]}
    out = scoring.compute(units, ind, e, [], WEIGHTS, TIERS)
    ranks = {u: out.results[u].rank for u in range(1, 11)}
    assert ranks[1] == ranks[2] == 1 and ranks[3] == 3 and ranks[10] == 10
    tiers = {u: out.results[u].tier for u in range(1, 11)}
    assert tiers[1] == tiers[2] == "好"  # rank 1 of 10: 10% ≤ 20%
    assert tiers[3] == "较好" and tiers[5] == "较好" and tiers[6] == "一般" and tiers[9] == "较差"
    # the tiers' points widen downward: gaps 8, 12, 20
    points = [t.points for t in TIERS]
    gaps = [a - b for a, b in zip(points, points[1:], strict=False)]
    assert gaps == sorted(gaps)
