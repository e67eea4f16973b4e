"""Writing to and verifying the hash chain.

Each event's hash is SM3 over a canonical JSON serialisation of its fields and
the previous event's hash. `record()` must be called inside the transaction
of the change it describes, so that the change and its event commit or roll
back together.

Canonical forms are numbered and every event names its own (`Event.form`),
so that a cheaper form never means a silent rehash of old events:
- form 1 (the events written before forms were numbered; the column is
  empty): Python's json with sorted keys over the fields turned into JSON
  values by `_plain`;
- form 2 (every new event): orjson with sorted keys over the same fields,
  the moments written as UTC ISO text with microseconds and the form
  number itself among the fields; `on_behalf_of_id` (ORG-4: B acting for
  an away A) joins them only when set, so that the form-2 events written
  before the column existed keep their hashes. What is stored is already JSON, so
  verification parses the stored text and serialises it again in C, without
  `_plain` or model instances.

Verification leaves signed checkpoints (`Checkpoint`) every
DUBAN_JOURNAL_CHECKPOINT_EVERY events; the nightly run starts from the
newest one that still holds, `verify(full=True)` from the first event.
"""

import datetime as dt
import decimal
import hashlib
import hmac
import json
import time
import uuid
from dataclasses import dataclass

import orjson
from cryptography.hazmat.primitives import hashes
from django.conf import settings
from django.db import connection, transaction
from django.db.models import Model
from django.utils import timezone

from duban.core.batch import builder, insert_rows
from duban.core.context import current_actor

from .models import ChainHead, Checkpoint, Event

GENESIS = "0" * 64
FORM = 2  # the canonical form of new events


class JournalError(RuntimeError):
    pass


def _sm3_cryptography(data: bytes) -> str:
    h = hashes.Hash(hashes.SM3())
    h.update(data)
    return h.finalize().hex()


_SM3_BLANK = hashlib.new("sm3") if "sm3" in hashlib.algorithms_available else None


def _sm3_hashlib(data: bytes) -> str:
    # Copying a fresh hash object costs a third less than hashlib.new(),
    # which looks the algorithm up by name on every call.
    h = _SM3_BLANK.copy()
    h.update(data)
    return h.hexdigest()


# The same SM3 either way; hashlib's (OpenSSL's, when it offers SM3) costs
# less per call, which counts when verification walks millions of events.
sm3_hex = _sm3_hashlib if _SM3_BLANK is not None else _sm3_cryptography


_NATIVE = frozenset({str, int, bool, float, type(None)})


def _plain(value):
    """Turn values into JSON-native ones in one fixed way."""
    if type(value) in _NATIVE:
        return value
    # Native members are taken as they are without a call (a batch's
    # snapshots are mostly text and numbers).
    if isinstance(value, dict):
        return {str(k): v if type(v) in _NATIVE else _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        items = [v if type(v) in _NATIVE else _plain(v) for v in value]
        return sorted(items, key=repr) if isinstance(value, set | frozenset) else items
    if isinstance(value, dt.datetime):
        return _moment_plain(value)
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal | uuid.UUID):
        return str(value)
    if isinstance(value, dt.timedelta):
        return value.total_seconds()
    if isinstance(value, Model):
        return value.pk if not isinstance(value.pk, uuid.UUID) else str(value.pk)
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)


# A batch's events repeat their moments (an import's moment, a deadline's
# end): each written out once. Keyed with the time zone and the fold, which
# equal datetimes may differ in.
_MOMENTS: dict = {}


def _moment_plain(value: dt.datetime) -> str:
    key = (value, value.tzinfo, value.fold)
    text = _MOMENTS.get(key)
    if text is None:
        if len(_MOMENTS) > 10_000:
            _MOMENTS.clear()
        moment = value.astimezone(dt.UTC) if timezone.is_aware(value) else value
        text = _MOMENTS[key] = moment.isoformat(timespec="microseconds")
    return text


def canonical(fields: dict) -> bytes:
    """Form 1."""
    return json.dumps(_plain(fields), ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8")


def _moment_text(value):
    """A moment as form 1 wrote it: UTC, ISO 8601 with microseconds. Takes
    an aware datetime, a naive one in UTC (as SQLite returns it), or the
    text SQLite keeps ("2026-12-07 08:00:00[.123456]", UTC)."""
    if value is None:
        return None
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return value.astimezone(dt.UTC).isoformat(timespec="microseconds")


def _moment2(value):
    """A moment as form 2 hands it to orjson: a datetime in UTC (naive ones
    are UTC already: SQLite returns them so); orjson writes RFC 3339 with
    +00:00, microseconds when there are any."""
    if value is None:
        return None
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    offset = value.utcoffset()
    if offset:
        value = value.astimezone(dt.UTC)
    return value


_ORJSON = orjson.OPT_SORT_KEYS | orjson.OPT_NAIVE_UTC


def _canonical2(seq, at, occurred_at, actor_id, actor_name, ip, action, object_type, object_id, object_repr,
                before, after, prev_hash, on_behalf_of_id=None) -> bytes:
    fields = {
        "form": 2, "seq": seq, "at": _moment2(at), "occurred_at": _moment2(occurred_at),
        "actor_id": actor_id, "actor_name": actor_name, "ip": ip, "action": action, "object_type": object_type,
        "object_id": object_id, "object_repr": object_repr, "before": before, "after": after,
        "prev_hash": prev_hash,
    }
    if on_behalf_of_id is not None:
        fields["on_behalf_of_id"] = on_behalf_of_id
    return orjson.dumps(fields, option=_ORJSON)


def event_fields(e: Event) -> dict:
    """The fields that the hash covers in form 1, as stored. `occurred_at`
    joins them only when set, so that the events written before it existed
    keep their hashes; so does `on_behalf_of_id` (ORG-4: B acting for an
    away A)."""
    fields = {
        "seq": e.seq,
        "at": e.recorded_at,
        "actor_id": e.actor_id,
        "actor_name": e.actor_name,
        "ip": e.ip,
        "action": e.action,
        "object_type": e.object_type,
        "object_id": e.object_id,
        "object_repr": e.object_repr,
        "before": e.before,
        "after": e.after,
        "prev_hash": e.prev_hash,
    }
    if e.occurred_at is not None:
        fields["occurred_at"] = e.occurred_at
    if e.on_behalf_of_id is not None:
        fields["on_behalf_of_id"] = e.on_behalf_of_id
    return fields


def event_bytes(e: Event) -> bytes:
    """The canonical bytes of an event in its own form."""
    if (e.form or 1) == 1:
        return canonical(event_fields(e))
    if e.form != 2:
        raise JournalError(f"unknown canonical form {e.form}")
    return _canonical2(e.seq, e.recorded_at, e.occurred_at, e.actor_id, e.actor_name, e.ip, e.action,
                       e.object_type, e.object_id, e.object_repr, e.before, e.after, e.prev_hash,
                       e.on_behalf_of_id)


def compute_hash(e: Event) -> str:
    return sm3_hex(event_bytes(e))


def _actor_name(user, ip):
    if user is None:
        # A request without a signed-in user (e.g. a failed login) versus
        # the system itself (commands, the worker, the sweep).
        return "匿名用户" if ip else "系统"
    return user.get_full_name() or user.get_username()


@dataclass(frozen=True)
class Target:
    object_type: str
    object_id: str
    object_repr: str


def _target(obj, object_type, object_id, object_repr):
    if obj is not None:
        object_type = object_type or f"{obj._meta.app_label}.{obj._meta.model_name}"
        object_id = object_id if object_id is not None else obj.pk
        object_repr = object_repr if object_repr is not None else str(obj)
    return Target(object_type or "", "" if object_id is None else str(object_id), (object_repr or "")[:200])


def _in_own_transaction() -> bool:
    # Test cases wrap each test in atomic blocks of their own; those do not
    # count as the caller's transaction.
    return any(not getattr(block, "_from_testcase", False) for block in connection.atomic_blocks)


def _locked_head() -> ChainHead:
    # Lock the chain head: concurrent writers queue here, so each one links to
    # the event committed just before it. On SQLite the IMMEDIATE transaction
    # already holds the database's write lock.
    head = ChainHead.objects.select_for_update().filter(pk=1).first()
    if head is None:
        # The head row is created by migration; it can only be missing after
        # a test database flush. Rebuild it from the last event.
        last = Event.objects.order_by("-seq").first()
        ChainHead.objects.get_or_create(
            pk=1, defaults={"seq": last.seq if last else 0, "hash": last.hash if last else GENESIS}
        )
        head = ChainHead.objects.select_for_update().get(pk=1)
    return head


def _build(action, obj=None, *, before=None, after=None, object_type=None, object_id=None, object_repr=None,
           actor=None, ip=None, occurred_at=None, on_behalf_of=None, ctx=None, make=None, now=None) -> Event:
    ctx = ctx or current_actor()
    if actor is None:
        actor = ctx.user
    if ip is None:
        ip = ctx.ip
    user = actor if getattr(actor, "pk", None) else None
    target = _target(obj, object_type, object_id, object_repr)
    if occurred_at is not None and (occurred_at.tzinfo is None or occurred_at.utcoffset() is None):
        raise ValueError("occurred_at must be an aware datetime")
    principal = on_behalf_of if getattr(on_behalf_of, "pk", None) else None
    name = _actor_name(user, ip)
    if principal is not None:
        name = f"{name}代{principal.get_full_name() or principal.get_username()}"[:150]
    return (make or builder(Event))(
        recorded_at=now or timezone.now(),
        occurred_at=occurred_at,
        actor=user,
        actor_name=name,
        on_behalf_of=principal,
        ip=ip or "",
        action=action,
        object_type=target.object_type,
        object_id=target.object_id,
        object_repr=target.object_repr,
        before=_plain(before) if before is not None else None,
        after=_plain(after) if after is not None else None,
    )


def _require_transaction():
    if not _in_own_transaction():
        raise JournalError("journal.record() must run inside transaction.atomic() with the change it records")


def _append(events: list[Event]) -> list[Event]:
    head = _locked_head()
    seq, prev = head.seq, head.hash
    for event in events:
        seq += 1
        event.seq, event.prev_hash = seq, prev
        event.form = FORM
        try:
            event.hash = compute_hash(event)
        except (orjson.JSONEncodeError, TypeError):
            # A value form 2 cannot write (an integer beyond 64 bits): form 1.
            event.form = None
            event.hash = compute_hash(event)
        prev = event.hash
    if len(events) == 1:
        events[0].save(force_insert=True)
    else:
        insert_rows(events)
    ChainHead.objects.filter(pk=1).update(seq=seq, hash=prev)
    return events


def record(action, obj=None, *, before=None, after=None, object_type=None, object_id=None, object_repr=None,
           actor=None, ip=None, occurred_at=None, on_behalf_of=None) -> Event:
    """Append one event to the chain, in the caller's transaction.

    The actor and address default to the current request's (see
    duban.core.context). `occurred_at` is the business moment the service
    was told (when the thing happened); the server's moment `recorded_at`
    is always now and cannot be supplied. `on_behalf_of`: the away A in
    whose place the actor, A's B role, acted (ORG-4); the event reads
    "B代A". Raises JournalError outside a
    transaction: an event written apart from its change could survive a
    rolled-back change.
    """
    _require_transaction()
    event = _build(action, obj, before=before, after=after, object_type=object_type, object_id=object_id,
                   object_repr=object_repr, actor=actor, ip=ip, occurred_at=occurred_at, on_behalf_of=on_behalf_of)
    return _append([event])[0]


def record_signed(action, obj=None, *, signer, after, **kwargs) -> Event:
    """`record`, with the signer's signature over the record (action,
    object and `after`) added to `after` as "signature" (see
    duban.journal.signatures). Without a signer (an import), unsigned."""
    if signer is None or not getattr(signer, "pk", None):
        return record(action, obj, after=after, **kwargs)
    from . import signatures

    fields = _plain(after)
    target = _target(obj, kwargs.get("object_type"), kwargs.get("object_id"), kwargs.get("object_repr"))
    fields["signature"] = signatures.sign(
        signer, signatures.record_of(action, target.object_type, target.object_id, fields))
    kwargs.setdefault("actor", signer)
    return record(action, obj, after=fields, **kwargs)


def record_many(entries) -> list[Event]:
    """Append several events at once (each entry: the keyword arguments of
    `record`, with `action` among them), locking the chain head once and
    inserting in one statement. For bulk changes such as the sweep's flips.
    The events of a batch share one `recorded_at`: they are written
    together."""
    _require_transaction()
    # The same for the whole batch, read once; the batch is written at one
    # moment, its `recorded_at`.
    ctx, make, now = current_actor(), builder(Event), timezone.now()
    events = [_build(**entry, ctx=ctx, make=make, now=now) for entry in entries]
    return _append(events) if events else []


def snapshot(obj, fields=None) -> dict:
    """The named (or all concrete) field values of a model instance, for
    `before`/`after`."""
    names = fields or [f.attname for f in obj._meta.concrete_fields]
    out = {}
    for name in names:
        value = getattr(obj, name)
        out[name] = value if type(value) in _NATIVE else _plain(value)
    return out


@dataclass
class Verification:
    count: int
    head_hash: str
    first_bad_seq: int | None = None
    reason: str = ""
    walked: int = 0  # events re-hashed by this run
    from_seq: int = 1  # the first of them
    seconds: float = 0.0
    checkpoint: int | None = None  # the checkpoint the run started from

    @property
    def ok(self):
        return self.first_bad_seq is None

    @property
    def rate(self) -> float:
        return self.walked / self.seconds if self.seconds > 0 else 0.0


def _checkpoint_key() -> bytes:
    h = hashes.Hash(hashes.SM3())
    h.update(b"duban.journal.checkpoint\x00" + settings.SECRET_KEY.encode("utf-8"))
    return h.finalize()


def checkpoint_signature(seq: int, hash_: str) -> str:
    from cryptography.hazmat.primitives import hmac as chmac

    mac = chmac.HMAC(_checkpoint_key(), hashes.SM3())
    mac.update(f"{seq}:{hash_}".encode("ascii"))
    return mac.finalize().hex()


def _trusted_checkpoint():
    """The newest checkpoint whose signature holds and whose event still has
    the hash it vouched for, or None."""
    for cp in Checkpoint.objects.order_by("-seq")[:20]:
        if not hmac.compare_digest(cp.signature, checkpoint_signature(cp.seq, cp.hash)):
            continue
        if Event.objects.filter(seq=cp.seq, hash=cp.hash).exists():
            return cp
    return None


_COLUMNS = ("seq, at, occurred_at, actor_id, actor_name, ip, action, object_type, object_id, object_repr, "
            "before, after, prev_hash, hash, form, on_behalf_of_id")


def _json(value):
    if value is None or not isinstance(value, str | bytes | memoryview):
        return value
    try:
        return orjson.loads(value)
    except orjson.JSONDecodeError:
        return json.loads(value)


def _form1_hash(row) -> str:
    """The hash of a form-1 row read raw from the table."""
    (seq, at, occurred_at, actor_id, actor_name, ip, action, object_type, object_id, object_repr, before, after,
     prev_hash, _hash, form, on_behalf_of_id) = row
    e = Event(seq=seq, recorded_at=_moment_text(at), occurred_at=_moment_text(occurred_at), actor_id=actor_id,
              actor_name=actor_name, ip=ip, action=action, object_type=object_type, object_id=object_id,
              object_repr=object_repr, before=_json(before), after=_json(after), prev_hash=prev_hash, form=form,
              on_behalf_of_id=on_behalf_of_id)
    return sm3_hex(event_bytes(e))


def _select_columns() -> str:
    """The columns a walk reads. The two moments are read as text (on SQLite
    the text they are stored as, on PostgreSQL their UTC text): Python's
    fromisoformat reads it several times faster than the drivers' own
    conversions, and walking millions of events spends its time on exactly
    such per-row costs."""
    if connection.vendor == "sqlite":
        return _COLUMNS.replace("seq, at, occurred_at,", "seq, CAST(at AS TEXT), CAST(occurred_at AS TEXT),", 1)
    if connection.vendor == "postgresql":
        # The driver turns each timestamptz into a datetime in Python code;
        # the server writes the UTC text at no cost to this process: the
        # plain cast, in the ISO style `_walk` sets (to_char cost the server
        # several times as much, and on a machine whose cores the server
        # shares with the walkers that is the walk's time).
        text = "({0} AT TIME ZONE 'UTC')::text"
        return _COLUMNS.replace("seq, at, occurred_at,", f"seq, {text.format('at')}, {text.format('occurred_at')},", 1)
    return _COLUMNS


def _walk(lo, hi, prev, *, every, batch_size=5000, progress=None) -> dict:
    """Walk the events with lo <= seq < hi (hi None: to the end) on this
    process's connection, each re-hashed and linked to the one before; the
    first one to `prev` (None: its link is returned as first_prev, for the
    caller to check). Stops at the first broken link.

    Form-2 rows are re-serialised here, in the loop, rather than through
    `_canonical2`: the same dictionary and the same orjson call, without a
    function call and a tuple unpacking per row (a walk's time is per-row
    overhead, around the SM3 itself)."""
    table = connection.ops.quote_name(Event._meta.db_table)
    # Each batch is the range of the next `batch_size` numbers, not "from
    # here on, LIMIT n": PostgreSQL's driver prepares a statement run often
    # and its generic plan of an open range with a LIMIT parameter read and
    # sorted every row to the end at each batch (a walk took time in the
    # square of the events). A gap shows as a batch not starting where
    # expected; an empty batch is looked past (`_next_seq`) before the walk
    # ends.
    sql = f"SELECT {_select_columns()} FROM {table} WHERE seq >= %s AND seq < %s ORDER BY seq"
    out = {"walked": 0, "first_prev": None, "bad": None, "reason": "", "marks": []}
    expected = lo
    dumps, loads, option, moment, sm3 = orjson.dumps, orjson.loads, _ORJSON, _moment2, sm3_hex
    text, fromiso = str, dt.datetime.fromisoformat
    marks = out["marks"]
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            cur.execute("SET DateStyle TO ISO")  # the moments' text as _select_columns reads it
        while True:
            upper = expected + batch_size if hi is None else min(expected + batch_size, hi)
            if upper <= expected:
                break
            cur.execute(sql, [expected, upper])
            rows = cur.fetchall()
            if not rows:
                following = _next_seq(cur, table, expected, hi)
                if following is None:
                    break
                out.update(bad=expected, reason=f"序号 {expected} 缺失（下一条为 {following}）")
                break
            for row in rows:
                (seq, at, occurred_at, actor_id, actor_name, ip, action, object_type, object_id, object_repr,
                 before, after, prev_hash, stored, form, on_behalf_of_id) = row
                if seq != expected:
                    out.update(bad=expected, reason=f"序号 {expected} 缺失（下一条为 {seq}）")
                    break
                if prev is None:
                    out["first_prev"] = prev_hash
                elif prev_hash != prev:
                    out.update(bad=seq, reason=f"序号 {seq} 的前一哈希与上一条不符（被插入或被替换）")
                    break
                if form == 2:
                    try:
                        before = None if before is None else loads(before)
                        after = None if after is None else loads(after)
                    except (orjson.JSONDecodeError, TypeError):  # text only Python's json reads; parsed values
                        before, after = _json(row[10]), _json(row[11])
                    fields = {
                        "form": 2, "seq": seq, "at": fromiso(at) if at.__class__ is text else moment(at),
                        "occurred_at": fromiso(occurred_at) if occurred_at.__class__ is text else moment(occurred_at),
                        "actor_id": actor_id, "actor_name": actor_name, "ip": ip, "action": action,
                        "object_type": object_type, "object_id": object_id, "object_repr": object_repr,
                        "before": before, "after": after, "prev_hash": prev_hash,
                    }
                    if on_behalf_of_id is not None:
                        fields["on_behalf_of_id"] = on_behalf_of_id
                    digest = sm3(dumps(fields, option=option))
                elif form is None or form == 1:
                    digest = _form1_hash(row)
                else:
                    out.update(bad=seq, reason=f"序号 {seq} 的规范形式 {form} 无法识别（被篡改）")
                    break
                if digest != stored:
                    out.update(bad=seq, reason=f"序号 {seq} 的内容与其哈希不符（被篡改）")
                    break
                prev = stored
                expected += 1
                if seq % every == 0:
                    marks.append((seq, stored))
            out["walked"] = expected - lo
            if out["bad"] is not None:
                break
            if progress is not None:
                progress(out["walked"])
    out["last_seq"], out["last_hash"] = expected - 1, prev
    return out


def _next_seq(cur, table, lo, hi):
    """The first event numbered lo or more (below hi), or None."""
    bound = "" if hi is None else " AND seq < %s"
    cur.execute(f"SELECT MIN(seq) FROM {table} WHERE seq >= %s{bound}", [lo] if hi is None else [lo, hi])
    return cur.fetchone()[0]


def _walk_part(args) -> dict:
    """One worker process's part of a parallel walk (a fresh connection)."""
    lo, hi, every, batch_size = args
    connection.close()
    return _walk(lo, hi, None, every=every, batch_size=batch_size)


def verify(batch_size=5000, *, full=False, every=None, progress=None, workers=1) -> Verification:
    """Re-walk the chain and name the first broken link: an altered row (its
    hash no longer matches its fields), a removed or inserted row (a gap in
    the sequence or a link to the wrong predecessor), or rows cut off the
    end (the chain head points past the last row).

    From the newest trusted checkpoint on (`full`: from the first event).
    Every `every` intact events (DUBAN_JOURNAL_CHECKPOINT_EVERY) a signed
    checkpoint is left for the next run. `progress(done)` is called after
    each batch. Rows are read raw, in batches by sequence number. With
    `workers` > 1 the range up to the chain head is cut into that many parts
    walked by as many processes (each event's hash depends only on its own
    row), and the parts' ends are linked here.

    The walk reads outside a transaction: on SQLite a transaction takes the
    database's write lock (IMMEDIATE), which would stop every writer for
    the length of a walk and let parallel walkers run only one at a time.
    It needs no snapshot: events are only ever appended, the head is read
    first and the walk stops at it, so events committed meanwhile are left
    for the next run; rows past the head that no head covers are caught at
    the end by reading the last event's number before the head again."""
    every = every or getattr(settings, "DUBAN_JOURNAL_CHECKPOINT_EVERY", 100_000)
    started = time.perf_counter()
    cp = None if full else _trusted_checkpoint()
    first = cp.seq + 1 if cp else 1
    prev = cp.hash if cp else GENESIS

    def result(last_seq, head_hash, walked, bad=None, reason=""):
        return Verification(last_seq, head_hash, bad, reason, walked=walked, from_seq=first,
                            seconds=time.perf_counter() - started, checkpoint=cp.seq if cp else None)

    head = ChainHead.objects.filter(pk=1).first()
    end = head.seq if head is not None else None
    if workers > 1 and end is not None and end - first + 1 >= workers * batch_size:
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        step = -(-(end - first + 1) // workers)
        parts = [(lo, min(lo + step, end + 1), every, batch_size) for lo in range(first, end + 1, step)]
        connections_close_all()
        with ProcessPoolExecutor(len(parts), mp_context=multiprocessing.get_context("fork")) as pool:
            walks = list(pool.map(_walk_part, parts))
        walked, marks, last_seq = 0, [], first - 1
        for (lo, hi, _, _), w in zip(parts, walks, strict=True):
            if w["walked"] and w["first_prev"] != prev:
                return result(lo - 1, prev, walked, lo, f"序号 {lo} 的前一哈希与上一条不符（被插入或被替换）")
            walked += w["walked"]
            marks += w["marks"]
            if w["walked"]:
                prev, last_seq = w["last_hash"], w["last_seq"]
            if w["bad"] is not None:
                return result(last_seq, prev, walked, w["bad"], w["reason"])
            if last_seq != hi - 1:
                break
    else:
        w = _walk(first, None if end is None else end + 1, prev, every=every, batch_size=batch_size,
                  progress=progress)
        walked, marks, last_seq = w["walked"], w["marks"], w["last_seq"]
        if w["walked"]:
            prev = w["last_hash"]
        if w["bad"] is not None:
            return result(last_seq, prev, walked, w["bad"], w["reason"])
    if head is not None and (head.seq != last_seq or head.hash != prev):
        return result(last_seq, prev, walked, last_seq + 1,
                      f"链头记录到序号 {head.seq}，日志只到 {last_seq}（末尾被删除）")
    if head is not None:
        # Every committed event is covered by the head committed with it, and
        # the head only moves forward: a row numbered past the head read
        # after it was written without the chain (inserted by hand).
        newest = Event.objects.order_by("-seq").values_list("seq", flat=True).first()
        now_head = ChainHead.objects.filter(pk=1).values_list("seq", flat=True).first()
        if newest is not None and now_head is not None and newest > now_head:
            return result(last_seq, prev, walked, now_head + 1,
                          f"序号 {now_head + 1} 起的事件在链头（序号 {now_head}）之后，未经日志写入（被插入）")
    if marks:
        now = timezone.now()
        with transaction.atomic():
            have = set(Checkpoint.objects.filter(seq__in=[s for s, _ in marks]).values_list("seq", flat=True))
            Checkpoint.objects.bulk_create([
                Checkpoint(seq=s, hash=h, created_at=now, signature=checkpoint_signature(s, h))
                for s, h in marks if s not in have])
    return result(last_seq, prev, walked)


def connections_close_all():
    """Close this process's connections before forking walkers: a child
    must not share its parent's socket or SQLite handle."""
    from django.db import connections

    connections.close_all()
