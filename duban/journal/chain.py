"""Writing to and verifying the hash chain.

Each event's hash is SM3 over a canonical JSON serialisation of its fields and
the previous event's hash. `record()` must be called inside the transaction
of the change it describes, so that the change and its event commit or roll
back together.
"""

import datetime as dt
import decimal
import json
import uuid
from dataclasses import dataclass

from cryptography.hazmat.primitives import hashes
from django.db import connection, transaction
from django.db.models import Model
from django.utils import timezone

from duban.core.context import current_actor

from .models import ChainHead, Event

GENESIS = "0" * 64


class JournalError(RuntimeError):
    pass


def sm3_hex(data: bytes) -> str:
    h = hashes.Hash(hashes.SM3())
    h.update(data)
    return h.finalize().hex()


def _plain(value):
    """Turn values into JSON-native ones in one fixed way."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        items = [_plain(v) for v in value]
        return sorted(items, key=repr) if isinstance(value, set | frozenset) else items
    if isinstance(value, dt.datetime):
        if timezone.is_aware(value):
            value = value.astimezone(dt.UTC)
        return value.isoformat(timespec="microseconds")
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


def canonical(fields: dict) -> bytes:
    return json.dumps(_plain(fields), ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8")


def event_fields(e: Event) -> dict:
    """The fields that the hash covers, as stored. `occurred_at` joins them
    only when set, so that the events written before it existed keep their
    hashes; so does `on_behalf_of_id` (ORG-4: B acting for an away A)."""
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


def compute_hash(e: Event) -> str:
    return sm3_hex(canonical(event_fields(e)))


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
           actor=None, ip=None, occurred_at=None, on_behalf_of=None) -> Event:
    ctx = current_actor()
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
    return Event(
        recorded_at=timezone.now(),
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
        event.hash = prev = compute_hash(event)
    if len(events) == 1:
        events[0].save(force_insert=True)
    else:
        Event.objects.bulk_create(events, batch_size=500)
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


def record_many(entries) -> list[Event]:
    """Append several events at once (each entry: the keyword arguments of
    `record`, with `action` among them), locking the chain head once and
    inserting in one statement. For bulk changes such as the sweep's flips."""
    _require_transaction()
    events = [_build(**entry) for entry in entries]
    return _append(events) if events else []


def snapshot(obj, fields=None) -> dict:
    """The named (or all concrete) field values of a model instance, for
    `before`/`after`."""
    names = fields or [f.attname for f in obj._meta.concrete_fields]
    return {name: _plain(getattr(obj, name)) for name in names}


@dataclass
class Verification:
    count: int
    head_hash: str
    first_bad_seq: int | None = None
    reason: str = ""

    @property
    def ok(self):
        return self.first_bad_seq is None


def verify(batch_size=2000) -> Verification:
    """Re-walk the chain from the first event and name the first broken link:
    an altered row (its hash no longer matches its fields), a removed or
    inserted row (a gap in the sequence or a link to the wrong predecessor),
    or rows cut off the end (the chain head points past the last row)."""
    expected_seq = 1
    prev = GENESIS
    count = 0
    last_seq = 0
    qs = Event.objects.order_by("seq")
    with transaction.atomic():
        for e in qs.iterator(chunk_size=batch_size):
            count += 1
            if e.seq != expected_seq:
                return Verification(count, prev, expected_seq, f"序号 {expected_seq} 缺失（下一条为 {e.seq}）")
            if e.prev_hash != prev:
                return Verification(count, prev, e.seq, f"序号 {e.seq} 的前一哈希与上一条不符（被插入或被替换）")
            if compute_hash(e) != e.hash:
                return Verification(count, prev, e.seq, f"序号 {e.seq} 的内容与其哈希不符（被篡改）")
            prev = e.hash
            last_seq = e.seq
            expected_seq += 1
        head = ChainHead.objects.filter(pk=1).first()
    if head is not None and (head.seq != last_seq or head.hash != prev):
        return Verification(count, prev, last_seq + 1, f"链头记录到序号 {head.seq}，日志只到 {last_seq}（末尾被删除）")
    return Verification(count, prev)
