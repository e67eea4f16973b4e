"""AUD-1: an append-only, hash-chained journal whose breaks are named."""

import io

import pytest
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction

from duban.journal import chain
from duban.journal.models import ChainHead, Event
from duban.org import services as org


def write(n, action="test.event"):
    for i in range(n):
        with transaction.atomic():
            chain.record(action, object_type="test.thing", object_id=i, after={"i": i, "名称": "事项"})


def run_verify():
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("verify_journal", "--skip-files", stdout=out, stderr=err)
        code = 0
    except SystemExit as exc:
        code = exc.code
    return code, out.getvalue(), err.getvalue()


def test_aud1_record_refuses_to_run_outside_a_transaction(db):
    with pytest.raises(chain.JournalError):
        chain.record("test.event")


def test_aud1_each_event_links_to_the_previous_hash_with_sm3(db):
    write(3)
    events = list(Event.objects.order_by("seq"))
    assert [e.seq for e in events] == [1, 2, 3]
    assert events[0].prev_hash == chain.GENESIS
    assert events[1].prev_hash == events[0].hash and events[2].prev_hash == events[1].hash
    assert all(len(e.hash) == 64 and chain.compute_hash(e) == e.hash for e in events)
    # SM3 of "abc" (GB/T 32905-2016 test vector) proves the algorithm, not SHA-256.
    assert chain.sm3_hex(b"abc") == "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0"
    head = ChainHead.objects.get(pk=1)
    assert (head.seq, head.hash) == (3, events[2].hash)


def test_aud1_event_rolls_back_with_its_change(county):
    before = Event.objects.count()
    with pytest.raises(RuntimeError), transaction.atomic():
        org.create_unit("临时单位", parent=county.gov)
        raise RuntimeError("change fails")
    assert Event.objects.count() == before
    assert chain.verify().ok


def test_aud1_service_writes_its_event_with_before_and_after(county):
    org.update_unit(county.edu, phone="0000-1234567")
    e = Event.objects.order_by("-seq").first()
    assert e.action == "org.unit.update" and e.object_id == str(county.edu.pk)
    assert e.before["phone"] == "" and e.after["phone"] == "0000-1234567"


@pytest.mark.parametrize("statement", ["UPDATE journal_event SET action = 'x'", "DELETE FROM journal_event"])
def test_aud1_database_triggers_refuse_update_and_delete(db, statement):
    write(2)
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cur:
        cur.execute(statement)
    assert Event.objects.count() == 2


def test_aud1_orm_update_and_delete_are_refused_too(db):
    write(1)
    e = Event.objects.get()
    e.action = "changed"
    with pytest.raises(DatabaseError), transaction.atomic():
        e.save()
    with pytest.raises(DatabaseError), transaction.atomic():
        Event.objects.all().delete()


def test_aud1_verify_journal_reports_intact_chain_count_and_head(db):
    write(5)
    code, out, _ = run_verify()
    head = Event.objects.order_by("-seq").first().hash
    assert code == 0
    assert "共 5 条事件" in out and head in out


def test_aud1_verify_names_the_altered_row(db, tamper):
    write(6)
    tamper("UPDATE journal_event SET after = ? WHERE seq = 4", ['{"i": 999}'])
    code, _, err = run_verify()
    assert code != 0
    assert "第一条异常序号 4" in err and "篡改" in err


def test_aud1_verify_names_a_removed_row(db, tamper):
    write(6)
    tamper("DELETE FROM journal_event WHERE seq = 3")
    code, _, err = run_verify()
    assert code != 0 and "第一条异常序号 3" in err


def test_aud1_verify_names_removed_rows_longer_than_a_batch(db, tamper):
    """A walk reads the events a range of numbers at a time: a run of
    removed rows that empties whole ranges is still a gap in the middle,
    named at its first number, not rows cut off the end."""
    write(12)
    tamper("DELETE FROM journal_event WHERE seq BETWEEN 3 AND 9")
    v = chain.verify(full=True, batch_size=2)
    assert not v.ok and v.first_bad_seq == 3 and "缺失" in v.reason and "下一条为 10" in v.reason, v.reason


def test_aud1_verify_notices_rows_cut_off_the_end(db, tamper):
    write(6)
    tamper("DELETE FROM journal_event WHERE seq >= 5")
    code, _, err = run_verify()
    assert code != 0 and "第一条异常序号 5" in err and "末尾" in err


def test_aud1_verify_names_rows_added_past_the_head(db):
    # A row appended by hand after the last event, consistent in itself, but
    # written without the chain head that every real append moves with it.
    write(4)
    e4 = Event.objects.get(seq=4)
    forged = Event(seq=5, recorded_at=e4.recorded_at, actor=None, actor_name="伪造", ip="", action="forged",
                   object_type="", object_id="", object_repr="", before=None, after=None, prev_hash=e4.hash, form=2)
    forged.hash = chain.compute_hash(forged)
    with transaction.atomic():
        forged.save(force_insert=True)
    code, _, err = run_verify()
    assert code != 0 and "第一条异常序号 5" in err and "链头" in err and "被插入" in err


def test_aud1_verify_names_a_row_whose_form_was_rewritten(db, tamper):
    write(4)
    tamper("UPDATE journal_event SET form = 7 WHERE seq = 2")
    code, _, err = run_verify()
    assert code != 0 and "第一条异常序号 2" in err and "规范形式 7" in err


def test_aud1_verify_holds_no_transaction_while_it_walks(db, monkeypatch):
    # On SQLite a transaction is the database's write lock (IMMEDIATE): a
    # walk inside one would stop every writer for as long as it reads.
    write(3)
    seen = []
    walk = chain._walk

    def spy(*args, **kwargs):
        seen.append(len([b for b in connection.atomic_blocks if not getattr(b, "_from_testcase", False)]))
        return walk(*args, **kwargs)

    monkeypatch.setattr(chain, "_walk", spy)
    assert chain.verify(full=True).ok
    assert seen == [0]


def test_aud1_verify_names_a_row_inserted_out_of_order(db, tamper):
    write(4)
    # Forge a replacement for event 3 whose own hash is consistent but whose
    # fields were rewritten: its successor's link no longer matches.
    e3 = Event.objects.get(seq=3)
    forged = Event(seq=3, recorded_at=e3.recorded_at, actor=None, actor_name="伪造", ip="", action="forged", object_type="",
                   object_id="", object_repr="", before=None, after=None, prev_hash=e3.prev_hash)
    forged.hash = chain.compute_hash(forged)
    tamper("DELETE FROM journal_event WHERE seq = 3")
    with transaction.atomic():
        forged.save(force_insert=True)
    code, _, err = run_verify()
    assert code != 0 and "第一条异常序号 4" in err


def test_aud1_canonical_form_is_stable_for_chinese_and_nested_values(db):
    with transaction.atomic():
        e = chain.record("test.event", after={"b": [1, {"中文": "值"}], "a": None})
    assert chain.compute_hash(Event.objects.get(pk=e.pk)) == e.hash


def test_aud1_record_many_appends_a_linked_batch_under_one_lock(db):
    write(2)
    with transaction.atomic():
        events = chain.record_many([dict(action="test.batch", object_id=i, after={"i": i}) for i in range(5)])
    assert [e.seq for e in events] == [3, 4, 5, 6, 7]
    assert events[0].prev_hash == Event.objects.get(seq=2).hash
    assert chain.verify().ok and ChainHead.objects.get(pk=1).seq == 7
    with pytest.raises(chain.JournalError):
        chain.record_many([dict(action="test.outside")])


def test_org4_on_behalf_of_is_covered_by_form_2_only_when_set(db, tamper):
    """B acting for an away A (ORG-4): the event names A in its own column,
    which canonical form 2 covers when set; an event without it keeps the
    form-2 bytes written before the column existed (no key), and moving
    the act to someone else's name is caught as tampering."""
    import orjson

    a = org.create_person("journal_a", full_name="李甲", unit=org.create_unit("日志测试局")).user
    b = org.create_person("journal_b", full_name="周乙", unit=a.person.unit).user
    with transaction.atomic():
        plain = chain.record("test.plain", object_type="test.thing", object_id=1, actor=b)
        acted = chain.record("test.acted", object_type="test.thing", object_id=2, actor=b, on_behalf_of=a)
    assert plain.form == acted.form == 2
    assert "on_behalf_of_id" not in orjson.loads(chain.event_bytes(plain))
    assert orjson.loads(chain.event_bytes(acted))["on_behalf_of_id"] == a.pk
    assert (acted.on_behalf_of_id, acted.actor_name) == (a.pk, "周乙代李甲")
    assert run_verify()[0] == 0
    tamper("UPDATE journal_event SET on_behalf_of_id = ? WHERE seq = ?", [b.pk, acted.seq])
    code, _, err = run_verify()
    assert code != 0 and f"第一条异常序号 {acted.seq}" in err
