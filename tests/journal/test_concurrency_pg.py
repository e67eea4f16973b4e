"""AUD-1 on PostgreSQL: parallel writers queue on the chain head and never
fork the chain."""

import threading

import pytest
from django.db import close_old_connections, connection, transaction

from duban.journal import chain
from duban.journal.models import Event

pytestmark = pytest.mark.postgres

WRITERS = 8
EACH = 25


def test_aud1_parallel_writers_never_fork_the_chain(transactional_db):
    assert connection.vendor == "postgresql"
    start = threading.Barrier(WRITERS)
    errors = []

    def writer(n):
        try:
            start.wait()
            for i in range(EACH):
                with transaction.atomic():
                    chain.record("test.parallel", object_type="writer", object_id=n, after={"i": i})
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            close_old_connections()
            connection.close()

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(WRITERS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    seqs = list(Event.objects.order_by("seq").values_list("seq", flat=True))
    assert seqs == list(range(1, WRITERS * EACH + 1))
    assert Event.objects.values("prev_hash").distinct().count() == WRITERS * EACH
    assert chain.verify().ok


def test_aud1_postgres_triggers_refuse_update_and_delete(db):
    from django.db import DatabaseError

    with transaction.atomic():
        chain.record("test.one")
    for sql in ("UPDATE journal_event SET action = 'x'", "DELETE FROM journal_event"):
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as c:
            c.execute(sql)
