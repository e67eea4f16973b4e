"""AUD-1 at scale: numbered canonical forms (old chains verify unchanged)
and signed checkpoints, so that the nightly run walks only new events."""

import io

import pytest
from django.core.management import call_command
from django.db import transaction

from duban.journal import chain
from duban.journal.models import ChainHead, Checkpoint, Event

from .test_chain import write

pytestmark = pytest.mark.django_db


def verify_command(*args):
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("verify_journal", "--skip-files", *args, stdout=out, stderr=err)
        code = 0
    except SystemExit as exc:
        code = exc.code
    return code, out.getvalue(), err.getvalue()


def write_form1(n):
    """Events as the journal wrote them before forms were numbered (form 1,
    empty column), appended behind the application's back."""
    with transaction.atomic():
        head = ChainHead.objects.select_for_update().get(pk=1)
        seq, prev = head.seq, head.hash
        for i in range(n):
            seq += 1
            e = chain._build("old.event", object_type="test.thing", object_id=i,
                             after={"i": i, "名称": "旧事件", "when": "2026-03-01", "n": [1.5, None, True]})
            e.seq, e.prev_hash, e.form = seq, prev, None
            e.hash = prev = chain.sm3_hex(chain.canonical(chain.event_fields(e)))
            e.save(force_insert=True)
        ChainHead.objects.filter(pk=1).update(seq=seq, hash=prev)


def test_aud1_form1_events_still_verify_beside_form2_events():
    write_form1(3)
    write(3)
    forms = list(Event.objects.order_by("seq").values_list("form", flat=True))
    assert forms == [None, None, None, 2, 2, 2]
    result = chain.verify(full=True)
    assert result.ok and result.count == 6 and result.walked == 6
    # Form 2 is orjson with sorted keys over the stored values.
    e = Event.objects.get(seq=4)
    assert chain.event_bytes(e).startswith(b'{"action":"test.event","actor_id":null,"actor_name":')
    assert chain.compute_hash(e) == e.hash


def test_aud1_altered_form1_and_form2_rows_are_named(tamper):
    write_form1(2)
    write(2)
    tamper("UPDATE journal_event SET actor_name = ? WHERE seq = 2", ["他人"])
    result = chain.verify(full=True)
    assert result.first_bad_seq == 2 and "篡改" in result.reason


def test_aud1_checkpoints_let_the_nightly_run_walk_only_new_events(tamper):
    write(7)
    first = chain.verify(every=3)
    assert first.ok and first.walked == 7 and first.checkpoint is None
    assert list(Checkpoint.objects.order_by("seq").values_list("seq", flat=True)) == [3, 6]
    write(2)
    code, out, _ = verify_command()
    assert code == 0
    assert "共 9 条事件" in out and "自检查点（序号 6）之后校验 3 条" in out and "每秒" in out
    # A change before the checkpoint escapes the nightly run; --full finds it.
    tamper("UPDATE journal_event SET after = ? WHERE seq = 2", ['{"i": 999}'])
    assert chain.verify().ok
    code, _, err = verify_command("--full")
    assert code != 0 and "第一条异常序号 2" in err


def test_aud1_a_checkpoint_without_a_valid_signature_or_hash_is_not_trusted(tamper):
    write(6)
    chain.verify(every=2)
    # A checkpoint forged past a rewritten event: its signature does not hold.
    tamper("UPDATE journal_event SET after = ? WHERE seq = 5", ['{"i": 999}'])
    Checkpoint.objects.filter(seq=6).update(signature="0" * 64)
    result = chain.verify()
    assert result.checkpoint == 4 and result.first_bad_seq == 5
    # A checkpoint whose hash was changed no longer matches its signature either.
    Checkpoint.objects.filter(seq=4).update(hash="f" * 64)
    assert chain.verify().checkpoint == 2
