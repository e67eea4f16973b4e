"""SUP-1, RECT-3 (issue 20): the imports' batch writes (duban.core.batch)
write what Django's bulk_create and save would: create_rows sets the
keys of the inserted instances, in order, and writes the same values
(defaults, related objects' keys, the batch's repeated values converted
once); update_rows writes the named fields as save would; builder makes
the instances the model's constructor makes; draw_keys gives the keys the
inserts would take; gc_paused holds the collector off until the last batch
ends."""

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


@pytest.mark.django_db
def test_builder_makes_the_instance_the_constructor_makes():
    from duban.core.batch import builder
    from duban.rectification.models import Campaign

    root = Unit.objects.create(name="县政府", path="9999.", depth=0)
    at = timezone.now()
    values = {"code": "B1", "name": "专项", "organizer": root, "start_date": dt.date(2026, 1, 1),
              "end_date": dt.date(2026, 12, 31), "created_at": at}
    ours, django = builder(Campaign)(**values), Campaign(**values)
    for f in Campaign._meta.concrete_fields:  # every field, the unnamed at their defaults
        assert getattr(ours, f.attname) == getattr(django, f.attname), f.name
    assert ours.organizer is root and ours.organizer_id == root.pk and ours._state.adding
    by_id = builder(Unit)(name="乡镇", parent_id=root.pk, path="9999.0001.", depth=1)
    assert by_id.parent_id == root.pk and by_id.parent == root  # a key named by its column, read when asked
    with pytest.raises(TypeError):
        builder(Unit)(nmae="拼错")


@pytest.mark.django_db(transaction=True)
def test_drawn_keys_are_the_next_ones_and_the_rows_go_in_with_them():
    from django.db import transaction

    from duban.core.batch import draw_keys, insert_rows

    with transaction.atomic():
        root = Unit.objects.create(name="县政府", path="9999.", depth=0)
        units = _units("丁", root, n=5)
        assert draw_keys(units)
        keys = [u.pk for u in units]
        assert keys == sorted(keys) and keys[0] > root.pk and len(set(keys)) == 5
        insert_rows(units)
        assert all(not u._state.adding for u in units)
        assert [Unit.objects.get(pk=k).name for k in keys] == [u.name for u in units]
        later = Unit.objects.create(name="后来的", parent=root, path="9999.9999.", depth=1)
        assert later.pk > keys[-1]  # the next insert takes a key past the drawn ones


def test_the_collector_is_held_off_until_the_last_batch_ends():
    import gc

    from duban.core.batch import gc_paused

    assert gc.isenabled()
    with gc_paused():
        assert not gc.isenabled()
        with gc_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()
    assert gc.isenabled()
    gc.disable()  # one who turned it off keeps it off
    try:
        with gc_paused():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()
