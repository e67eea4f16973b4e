"""The arithmetic of an assessment (EVAL-2), apart from the database: from
the units, the indicator definitions, the entries of the formula sources
(already rolled up to the assessed units) and the weights, the figures,
scores, totals, ranks and tiers. Pure and exact: decimal arithmetic, sums
and comparisons that do not depend on the order of the records (a property
test shuffles them), and the canonical input set whose SM3 hash a published
period keeps.

How a unit's score on an indicator is made:
1. Its entries are summed, each weighed by the unit's role in the record:
   牵头 (lead) by the lead weight, 配合 (cooperating) by the cooperating
   weight (defaults 1.0 and 0.5): value = Σ weight·value, base = Σ weight·base.
2. The indicator value: a rate is value / base × 100 (a unit without base
   has no value this period); a count or a sum is the value, normalised by
   workload when the indicator asks: value × (the group's mean workload /
   the unit's workload), so that a unit with many matters is compared at
   the volume of an average unit.
3. Units are compared within their type (towns with towns, departments
   with departments): in each group the best value earns the full weight,
   the worst nothing, the others in proportion; when all are equal, all
   earn the full weight. A unit without a value gets its group's mean score.
4. The total is the sum of the scores; the rank counts the units of the
   group with a higher total (equal totals share a rank); the tier is the
   first whose share of ranks (累计名次比例) covers rank / group size.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from duban.journal.chain import canonical, sm3_hex

ZERO, HUNDRED = Decimal(0), Decimal(100)
Q2, Q4 = Decimal("0.01"), Decimal("0.0001")


@dataclass(frozen=True)
class UnitIn:
    id: int
    kind: str
    name: str = ""


@dataclass(frozen=True)
class IndicatorIn:
    code: str
    name: str
    source: str
    measure: str  # rate / count / sum
    direction: str  # higher / lower
    weight: Decimal
    kinds: frozenset
    normalise: bool = False
    unit_label: str = ""


@dataclass(frozen=True)
class TierIn:
    name: str
    share_pct: int
    points: Decimal


@dataclass(frozen=True)
class EntryIn:
    """An entry of a formula source, rolled up to the assessed unit `unit_id`."""

    unit_id: int
    ref: str
    value: Decimal
    base: Decimal
    role: str
    source_unit_id: int = 0


@dataclass
class FigureOut:
    value: Decimal
    base: Decimal
    workload: Decimal
    raw: Decimal | None
    score: Decimal
    note: str


@dataclass
class ResultOut:
    unit_id: int
    group: str
    total: Decimal
    max_total: Decimal
    rank: int = 0
    group_size: int = 0
    tier: str = ""
    tier_points: Decimal = ZERO


@dataclass
class Outcome:
    figures: dict = field(default_factory=dict)  # (unit_id, code) -> FigureOut
    results: dict = field(default_factory=dict)  # unit_id -> ResultOut
    bounds: dict = field(default_factory=dict)  # (group, code) -> (best, worst)


def q2(x: Decimal) -> Decimal:
    return x.quantize(Q2, rounding=ROUND_HALF_UP)


def q4(x: Decimal) -> Decimal:
    return x.quantize(Q4, rounding=ROUND_HALF_UP)


def sums(entries, weights) -> dict:
    """{unit_id: (Σ weight·value, Σ weight·base)}"""
    out = defaultdict(lambda: [ZERO, ZERO])
    for e in entries:
        w = weights.get(e.role, Decimal(1))
        acc = out[e.unit_id]
        acc[0] += w * e.value
        acc[1] += w * e.base
    return {k: (v[0], v[1]) for k, v in out.items()}


def _fmt(x: Decimal, ind: IndicatorIn) -> str:
    if x is None:
        return "无"
    text = f"{q2(x).normalize():f}"
    return f"{text}%" if ind.measure == "rate" else f"{text}{ind.unit_label}"


def compute(units, indicators, entries, workload_entries, weights, tiers) -> Outcome:
    """`units`: [UnitIn]; `indicators`: [IndicatorIn] (those with a source);
    `entries`: {indicator code: [EntryIn]}; `workload_entries`: [EntryIn];
    `weights`: {"lead": Decimal, "coop": Decimal}; `tiers`: [TierIn]."""
    out = Outcome()
    groups = defaultdict(list)
    for u in units:
        groups[u.kind].append(u.id)
    work = sums(workload_entries, weights)
    for kind, ids in groups.items():
        ids = sorted(ids)
        mean_work = (sum((work.get(i, (ZERO, ZERO))[0] for i in ids), ZERO) / len(ids)) if ids else ZERO
        applying = [ind for ind in indicators if kind in ind.kinds]
        totals = dict.fromkeys(ids, ZERO)
        max_total = sum((ind.weight for ind in applying), ZERO)
        for ind in applying:
            acc = sums(entries.get(ind.code, ()), weights)
            raws = {}
            for i in ids:
                value, base = acc.get(i, (ZERO, ZERO))
                own_work = work.get(i, (ZERO, ZERO))[0]
                if ind.measure == "rate":
                    raw = (value / base * HUNDRED) if base > 0 else None
                elif ind.normalise and own_work > 0 and mean_work > 0:
                    raw = value * mean_work / own_work
                else:
                    raw = value
                raws[i] = (value, base, own_work, None if raw is None else q4(raw))
            defined = [r[3] for r in raws.values() if r[3] is not None]
            if defined:
                best = max(defined) if ind.direction == "higher" else min(defined)
                worst = min(defined) if ind.direction == "higher" else max(defined)
            else:
                best = worst = None
            out.bounds[(kind, ind.code)] = (best, worst)
            scores = {}
            for i, (_, _, _, raw) in raws.items():
                if raw is None:
                    continue
                if best == worst:
                    scores[i] = ind.weight
                else:
                    scores[i] = ind.weight * (raw - worst) / (best - worst)
            mean = (sum(scores.values(), ZERO) / len(scores)) if scores else ind.weight
            for i, (value, base, own_work, raw) in raws.items():
                if raw is None:
                    score = mean
                    note = ("本期无基数，按同类单位平均得分计" if defined else "同类单位本期均无基数，按满分计")
                elif best == worst:
                    score = scores[i]
                    note = f"同类单位指标值相同（{_fmt(raw, ind)}），得满分"
                else:
                    score = scores[i]
                    note = (f"{ind.weight.normalize():f}×（{_fmt(raw, ind)}−{_fmt(worst, ind)}）÷"
                            f"（{_fmt(best, ind)}−{_fmt(worst, ind)}）")
                if ind.normalise and ind.measure != "rate" and own_work > 0 and mean_work > 0 and raw is not None:
                    note = (f"按工作量折算：{_fmt(value, ind)}×同类平均工作量{q2(mean_work).normalize():f}"
                            f"÷本单位工作量{q2(own_work).normalize():f}；") + note
                score = q2(score)
                totals[i] += score
                out.figures[(i, ind.code)] = FigureOut(q4(value), q4(base), q4(own_work), raw, score, note[:300])
        ranked = sorted(ids, key=lambda i: (-totals[i], i))
        for i in ranked:
            rank = 1 + sum(1 for j in ids if totals[j] > totals[i])
            tier = _tier(tiers, rank, len(ids))
            out.results[i] = ResultOut(i, kind, totals[i], max_total, rank, len(ids),
                                       tier.name if tier else "", tier.points if tier else ZERO)
    return out


def _tier(tiers, rank, size):
    ordered = sorted(tiers, key=lambda t: t.share_pct)
    for t in ordered:
        if Decimal(rank) * HUNDRED <= Decimal(t.share_pct) * size:
            return t
    return ordered[-1] if ordered else None


# --- the input set and its hash ---------------------------------------------------------

def _num(x: Decimal) -> str:
    return f"{q4(Decimal(x)):f}"


def input_set(period: dict, units, indicators, entries, workload_entries, weights, tiers) -> dict:
    """The canonical input of a computation: everything the figures depend
    on, in a fixed order whatever order the records came in."""
    def rows(code, items):
        return sorted([code, e.unit_id, e.source_unit_id, e.ref, e.role, _num(e.value), _num(e.base)] for e in items)

    records = []
    for ind in indicators:
        records += rows(ind.code, entries.get(ind.code, ()))
    records += rows("workload", workload_entries)
    return {
        "period": period,
        "units": sorted([u.id, u.kind] for u in units),
        "indicators": sorted([i.code, i.source, i.measure, i.direction, _num(i.weight), sorted(i.kinds),
                              i.normalise] for i in indicators),
        "weights": {k: _num(v) for k, v in sorted(weights.items())},
        "tiers": sorted([t.name, t.share_pct, _num(t.points)] for t in tiers),
        "records": sorted(records),
    }


def input_hash(data: dict) -> str:
    return sm3_hex(canonical(data))
