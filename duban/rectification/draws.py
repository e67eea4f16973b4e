"""Reproducible random draws (RECT-5, RECT-4 look-back samples).

A draw is a pure function of its recorded inputs: the seed and the sorted
candidate lists. `random.Random(seed)` with a text seed is seeded through
SHA-512 (Python's version-2 seeding), so the same inputs give the same
result on every machine and Python 3 version, whatever PYTHONHASHSEED.

Spot check, algorithm "v1":
1. targets: `rng.sample(sorted target ids, n_targets)`, in drawn order;
2. for each target in that order, the eligible inspectors are the candidates
   whose organisation differs from the target's (an inspector never checks
   his own unit, nor a 股室 of his own bureau); they are shuffled with `rng`
   and stably sorted by how many targets each already has, and the first
   `n_inspectors` are taken (so the work is spread evenly).
Candidates are recorded as [id, organisation unit id] pairs (see
`organisation_of`): a later reorganisation does not change a recorded draw.
"""

import random
import secrets
from dataclasses import dataclass

from django.core.exceptions import ValidationError

ALGORITHM = "v1"


def new_seed() -> str:
    """A fresh seed, recorded with the draw."""
    return str(secrets.randbits(63))


def _rng(seed) -> random.Random:
    return random.Random(str(seed))


def organisation_of(unit, _cache=None):
    """The unit that counts as "the same unit" for exclusions: the unit's
    ancestor just below the top of the tree (a bureau or a town for any of
    its 股室), or the unit itself when it is at the top."""
    if unit is None:
        return None
    if unit.depth <= 1:
        return unit.pk
    from duban.org.models import PATH_STEP, Unit

    prefix = unit.path[: 2 * (PATH_STEP + 1)]
    if _cache is not None:
        if prefix not in _cache:
            _cache[prefix] = Unit.objects.filter(path=prefix).values_list("pk", flat=True).first()
        return _cache[prefix] or unit.pk
    return Unit.objects.filter(path=prefix).values_list("pk", flat=True).first() or unit.pk


def sample(seed, candidates, n=None) -> list:
    """`n` of the candidate ids (all when n is None), drawn with `seed`, in
    drawn order; the candidates are sorted first."""
    ids = sorted(candidates)
    if n is None or n >= len(ids):
        n = len(ids)
    return _rng(seed).sample(ids, n)


@dataclass(frozen=True)
class Assignment:
    target: int
    inspectors: tuple

    def as_dict(self):
        return {"target": self.target, "inspectors": list(self.inspectors)}


def draw(seed, target_candidates, inspector_candidates, n_targets, n_inspectors) -> list:
    """Draw `n_targets` targets and, for each, `n_inspectors` inspectors.
    Candidates are [id, organisation id] pairs. Raises ValidationError (in
    Chinese) when there are too few candidates."""
    targets = sorted((int(t), o) for t, o in target_candidates)
    inspectors = sorted((int(i), o) for i, o in inspector_candidates)
    if n_targets < 1 or n_inspectors < 1:
        raise ValidationError("抽取的对象数和检查人数都至少为1")
    if len(targets) < n_targets:
        raise ValidationError(f"候选对象只有{len(targets)}个，不够抽取{n_targets}个")
    rng = _rng(seed)
    org_of_target = dict(targets)
    chosen = rng.sample([t for t, _ in targets], n_targets)
    load = {i: 0 for i, _ in inspectors}
    out = []
    for target in chosen:
        eligible = [i for i, org in inspectors if org is None or org != org_of_target[target]]
        if len(eligible) < n_inspectors:
            raise ValidationError(
                f"对象（编号{target}）可用的检查人只有{len(eligible)}人（已排除本单位人员），不够{n_inspectors}人")
        rng.shuffle(eligible)
        eligible.sort(key=lambda i: load[i])
        picked = tuple(sorted(eligible[:n_inspectors]))
        for i in picked:
            load[i] += 1
        out.append(Assignment(target, picked))
    return out


@dataclass
class Replay:
    ok: bool
    recorded: list
    recomputed: list
    message: str


def replay(spot_check) -> Replay:
    """Re-run a recorded spot check's draw and compare."""
    try:
        again = [a.as_dict() for a in draw(spot_check.seed, spot_check.target_candidates,
                                           spot_check.inspector_candidates, spot_check.target_count,
                                           spot_check.inspector_count)]
    except ValidationError as e:
        return Replay(False, spot_check.result, [], "重新抽取失败：" + "；".join(e.messages))
    recorded = [{"target": int(a["target"]), "inspectors": [int(i) for i in a["inspectors"]]}
                for a in spot_check.result]
    if again == recorded:
        return Replay(True, recorded, again, "重新抽取结果与记录一致")
    return Replay(False, recorded, again, "重新抽取结果与记录不一致")
