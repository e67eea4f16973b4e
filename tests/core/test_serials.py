"""SUP-1, SUP-3, DUTY: document numbers (督办 numbers, 催办单 numbers,
值班信息 issues) come from one shared counter per series and year, taken
under a row lock inside the writer's transaction; the counts kept before
by the supervision and duty modules move to it (migrations supervision
0009, duty 0002) and back."""

import pytest
from django.db import connection, transaction
from django.db.migrations.executor import MigrationExecutor

from duban.core import serials
from duban.core.models import SerialCounter


@pytest.mark.django_db
def test_numbers_follow_each_other_per_series_and_year():
    with transaction.atomic():
        assert [serials.take("matter", 2026) for _ in range(3)] == [1, 2, 3]
        assert serials.take("urge", 2026) == 1
        assert serials.take("matter", 2027) == 1
    assert SerialCounter.objects.get(series="matter", year=2026).last == 3


@pytest.mark.django_db
def test_a_number_of_a_write_that_fails_is_given_again():
    with transaction.atomic():
        serials.take("bulletin", 2026)
    with pytest.raises(RuntimeError, match="写入失败"), transaction.atomic():
        assert serials.take("bulletin", 2026) == 2
        raise RuntimeError("写入失败")
    with transaction.atomic():
        assert serials.take("bulletin", 2026) == 2


@pytest.mark.django_db(transaction=True)
def test_a_number_is_taken_only_inside_a_transaction():
    with pytest.raises(RuntimeError, match="transaction"):
        serials.take("matter", 2026)


# Before the move: the shared counter does not exist yet.
BEFORE = [("core", None), ("supervision", "0008_frozen_state_index"), ("duty", "0001_initial")]
OLD = BEFORE[1:]


@pytest.mark.django_db(transaction=True)
def test_the_counts_kept_before_move_to_the_shared_counter_and_back():
    executor = MigrationExecutor(connection)
    leaves = executor.loader.graph.leaf_nodes()
    try:
        executor.migrate(BEFORE)
        assert "core_serialcounter" not in connection.introspection.table_names()
        old = executor.loader.project_state(OLD).apps
        old.get_model("supervision", "SerialCounter").objects.create(series="matter", year=2026, last=41)
        old.get_model("supervision", "SerialCounter").objects.create(series="urge", year=2026, last=7)
        old.get_model("duty", "DutySerial").objects.create(series="bulletin", year=2026, last=12)

        executor = MigrationExecutor(connection)
        executor.migrate(leaves)
        assert set(SerialCounter.objects.values_list("series", "year", "last")) == {
            ("matter", 2026, 41), ("urge", 2026, 7), ("bulletin", 2026, 12)}
        with transaction.atomic():
            assert serials.take("matter", 2026) == 42  # numbering goes on

        executor = MigrationExecutor(connection)
        executor.migrate(OLD)
        back = executor.loader.project_state(OLD).apps
        assert set(back.get_model("supervision", "SerialCounter").objects.values_list("series", "last")) == {
            ("matter", 42), ("urge", 7)}
        assert list(back.get_model("duty", "DutySerial").objects.values_list("series", "last")) == [("bulletin", 12)]
        assert not SerialCounter.objects.exists()  # (core 0001 stays: nothing depends on it any more)
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(leaves)
