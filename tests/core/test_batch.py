"""SUP-1, RECT-3 (issue 20): the imports' batch writes (duban.core.batch)
write what Django's bulk_create and save would: create_rows sets the
keys of the inserted instances, in order, and writes the same values
(defaults, related objects' keys, the batch's repeated values converted
once); update_rows writes the named fields as save would."""

import datetime as dt

import pytest
from django.utils import timezone

from duban.core.batch import create_rows, update_rows
from duban.org.models import Unit, UnitKind

COLUMNS = ["name", "short_name", "code", "kind", "parent_id", "path", "depth", "sort_order", "phone", "is_active"]


def _units(prefix, parent, n=1200):
    # More than one statement's worth of rows (SQLite: 999 parameters a statement).
    return [Unit(name=f"{prefix}{i}", short_name="" if i % 3 else f"简{i}", code=None if i % 2 else f"{prefix}-{i}",
                 kind=UnitKind.DEPARTMENT if i % 4 else UnitKind.TOWN, parent=parent, path=f"{prefix}.{i:05d}.",
                 depth=1, sort_order=i % 7) for i in range(n)]


@pytest.mark.django_db
def test_create_rows_writes_what_bulk_create_writes_and_sets_the_keys():
    root = Unit.objects.create(name="县政府", path="9999.", depth=0)
    ours = create_rows(_units("甲", root))
    Unit.objects.bulk_create(_units("乙", root))
    assert all(u.pk is not None and not u._state.adding for u in ours)
    assert [u.pk for u in ours] == sorted(u.pk for u in ours)
    for u in ours[:5] + ours[-5:]:  # each key is its own row's
        assert Unit.objects.get(pk=u.pk).name == u.name

    def rows(prefix):
        return [tuple(v.replace(prefix, "*") if isinstance(v, str) else v for v in row) for row in
                Unit.objects.filter(name__startswith=prefix).order_by("pk").values_list(*COLUMNS)]

    assert len(rows("甲")) == 1200
    assert rows("甲") == rows("乙")
    assert create_rows([]) == []


@pytest.mark.django_db
def test_repeated_moments_are_written_alike_and_update_rows_writes_the_fields():
    from duban.rectification.models import Campaign

    at = timezone.now().replace(microsecond=123456)
    root = Unit.objects.create(name="县政府", path="9999.", depth=0)
    units = create_rows(_units("丙", root, n=3))
    campaigns = [Campaign(code=f"C{i}", name=f"专项{i}", organizer=units[i % 3], start_date=dt.date(2026, 1, 1),
                          end_date=dt.date(2026, 12, 31), created_at=at) for i in range(4)]
    create_rows(campaigns)
    for i, c in enumerate(campaigns):
        c.name, c.end_date = f"改名{i}", dt.date(2026, 11, 30) if i % 2 else dt.date(2026, 10, 31)
    update_rows(campaigns, ["name", "end_date"])
    got = {c.code: (c.name, c.end_date, c.organizer_id, c.created_at)
           for c in Campaign.objects.filter(code__startswith="C")}
    assert got == {f"C{i}": (f"改名{i}", dt.date(2026, 11, 30) if i % 2 else dt.date(2026, 10, 31),
                             units[i % 3].pk, at) for i in range(4)}
