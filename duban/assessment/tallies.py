"""The dashboards' precomputed aggregates (OUT-3), kept current by the
sweep.

`refresh()` asks every TallySource of the registry (duban.core.assessing)
for its rows, rolls each row up the unit tree (a row names the leaf units
involved -- a matter's lead and cooperating units --; it counts once for
each of them and for each unit above them, however many of the involved
units lie in that unit's subtree), and writes the difference to
DashboardTally in one short transaction: rows that changed are updated,
new ones inserted, vanished ones deleted. The computation reads outside
that transaction, so the database is locked only for the writes.

`refresh_if_due()` is a periodic job of the sweep (duban.core.periodic):
every `dashboard_refresh_seconds` (AssessmentSetting, default 60) when the
journal has moved since the last refresh (every business change is
journaled, the sweep's warnings and breaches too), and at least every ten
intervals in any case. Several sweepers take turns: one claims the
refresh with a guarded update of TallyRefresh.claimed_at.

The dashboards read only DashboardTally (duban.assessment.dashboard): a
handful of rows by index, whatever the size of the province.
"""

import datetime as dt
import time
from collections import defaultdict
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from duban.core import assessing
from duban.core.services import now as _now
from duban.journal.models import ChainHead
from duban.org.models import PATH_STEP, Unit

from .models import DashboardTally, TallyRefresh

STALE_CLAIM = dt.timedelta(minutes=10)


@dataclass
class Refreshed:
    rows: int
    changed: int
    seconds: float
    at: dt.datetime


def _ancestors():
    """{unit id: (its id and its ancestors' ids)} for every unit."""
    rows = list(Unit.objects.values_list("pk", "path"))
    by_path = {path: pk for pk, path in rows}
    step = PATH_STEP + 1
    return {pk: tuple(by_path[path[:k]] for k in range(step, len(path) + 1, step) if path[:k] in by_path)
            for pk, path in rows}


def compute(now=None) -> dict:
    """{(metric, unit_id, person_id, bucket, key): [value, bucket_label, key_label]}"""
    now = _now(now)
    up = _ancestors()
    out = {}
    for metric, source in sorted(assessing.sources("tally").items()):
        acc = defaultdict(lambda: [0, "", ""])
        for t in source.compute(now):
            if t.bucket.startswith("leader:"):
                targets = [(None, int(t.bucket.split(":", 1)[1]))]
            else:
                units = set()
                for uid in t.unit_ids:
                    units.update(up.get(uid, ()))
                targets = [(u, None) for u in units]
            for unit_id, person_id in targets:
                cell = acc[(metric, unit_id, person_id, t.bucket, t.key)]
                cell[0] += t.value
                cell[1], cell[2] = t.bucket_label, t.key_label
        out.update(acc)
    return out


FIELDS = ("id", "metric", "unit_id", "person_id", "bucket", "key", "value", "bucket_label", "key_label")


def refresh(now=None) -> Refreshed:
    """Recompute every tally and write the difference."""
    now = _now(now)
    started = time.perf_counter()
    head = ChainHead.objects.filter(pk=1).values_list("seq", flat=True).first() or 0
    fresh = compute(now)
    existing = {}
    for row in DashboardTally.objects.values_list(*FIELDS).iterator(chunk_size=5000):
        existing[row[1:6]] = row
    gone = [row[0] for key, row in existing.items() if key not in fresh]
    changed, created = [], []
    for key, (value, bucket_label, key_label) in fresh.items():
        row = existing.get(key)
        if row is None:
            created.append(DashboardTally(metric=key[0], unit_id=key[1], person_id=key[2], bucket=key[3], key=key[4],
                                          value=value, bucket_label=bucket_label[:200], key_label=key_label[:100]))
        elif row[6:] != (value, bucket_label[:200], key_label[:100]):
            changed.append(DashboardTally(id=row[0], value=value, bucket_label=bucket_label[:200],
                                          key_label=key_label[:100]))
    with transaction.atomic():
        for i in range(0, len(gone), 500):
            DashboardTally.objects.filter(pk__in=gone[i:i + 500]).delete()
        DashboardTally.objects.bulk_update(changed, ["value", "bucket_label", "key_label"], batch_size=500)
        DashboardTally.objects.bulk_create(created, batch_size=1000)
        seconds = time.perf_counter() - started
        n = len(gone) + len(changed) + len(created)
        state = TallyRefresh.objects.select_for_update().filter(pk=1).first()
        values = dict(refreshed_at=now, journal_seq=head, seconds=seconds, rows=len(fresh), changed=n)
        if state is None:
            TallyRefresh.objects.create(pk=1, **values)
        else:
            TallyRefresh.objects.filter(pk=1).update(**values)
    return Refreshed(len(fresh), n, seconds, now)


def refresh_if_due(now=None) -> Refreshed | None:
    """The sweep's periodic job: refresh when due (see the module's
    docstring) and when no other sweeper is refreshing."""
    from .services import REFRESH_SECONDS, setting

    now = _now(now)
    interval = dt.timedelta(seconds=max(setting(REFRESH_SECONDS), 1))
    state = TallyRefresh.objects.filter(pk=1).first()
    if state is None:
        TallyRefresh.objects.get_or_create(pk=1)
        state = TallyRefresh.objects.get(pk=1)
    if state.refreshed_at is not None:
        elapsed = now - state.refreshed_at
        head = ChainHead.objects.filter(pk=1).values_list("seq", flat=True).first() or 0
        if elapsed < interval or (head == state.journal_seq and elapsed < 10 * interval):
            return None
    if state.claimed_at is not None and now - state.claimed_at < STALE_CLAIM and (
            state.refreshed_at is None or state.claimed_at > state.refreshed_at):
        return None  # another sweeper is at it
    if not TallyRefresh.objects.filter(pk=1, claimed_at=state.claimed_at).update(claimed_at=now):
        return None
    return refresh(now)


def last_refresh():
    return TallyRefresh.objects.filter(pk=1).first()


def local(moment):
    return timezone.localtime(moment) if moment else None
