"""Turning warnings, breaches and reminders into messages, and delivering
them (OUT-1, first part).

Routing: a clock's warning, breach or reminder goes to its owner person and,
while that person is marked away, to their B role (ORG-4,
`duban.org.services.recipients_for`). A breach also goes to the head(s) of
the clock's owner unit (users holding 单位负责人 whose own unit it is), and
to their B roles while they are away. A clock without an owner person warns
its unit head(s) instead.

Channels: in-app (delivered when written) and e-mail (when the user has an
address). Each message's dedupe key names the clock, the kind, the moment,
the recipient and the channel: the same moment never yields a message twice.
"""

import datetime as dt
import logging

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.db.models import F
from django.dispatch import Signal
from django.utils import timezone

from duban.clocks.models import Clock, ClockFlip, FlipKind
from duban.core.batch import insert_rows
from duban.journal import chain
from duban.org.models import Role
from duban.org.services import recipients_for

from .models import Channel, Message, MessageState, Source

log = logging.getLogger(__name__)
User = get_user_model()

# Sent inside the transaction that turns a batch of ClockFlip rows into
# messages, with `flips` (a list of ClockFlip, clocks selected) and `now`:
# business apps act on their own clocks' warnings and breaches here (e.g.
# supervision's automatic urges). A receiver that raises rolls the batch
# back, and it is tried again on the next round, so each flip is handled
# exactly once.
flips_processed = Signal()


def max_attempts() -> int:
    return int(getattr(settings, "DUBAN_NOTIFY_MAX_ATTEMPTS", 6))


def backoff_base() -> float:
    return float(getattr(settings, "DUBAN_NOTIFY_BACKOFF_SECONDS", 60))


def claim_lease() -> float:
    """How long a claimed message stays claimed before another worker may
    take it over (a worker that died while sending)."""
    return float(getattr(settings, "DUBAN_NOTIFY_CLAIM_SECONDS", 300))


def backoff(attempts: int) -> dt.timedelta:
    """Wait before the next attempt after `attempts` failures: 1, 2, 4, 8 …
    times the base (one minute by default)."""
    return dt.timedelta(seconds=backoff_base() * 2 ** max(0, attempts - 1))


def _local(moment):
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M")


# --- routing --------------------------------------------------------------

def unit_heads(unit, cache=None):
    """Active users holding 单位负责人 whose own unit is `unit`."""
    if unit is None:
        return []
    if cache is not None and unit.pk in cache:
        return cache[unit.pk]
    heads = list(
        User.objects.filter(
            is_active=True, role_assignments__role=Role.UNIT_HEAD, person__unit=unit
        ).select_related("person", "person__backup").order_by("id")
    )
    if cache is not None:
        cache[unit.pk] = heads
    return heads


def route(clock: Clock, kind: str, at=None, heads_cache=None) -> list:
    """[(user, note)] for a clock's warning ("warning"), breach ("breach") or
    reminder ("reminder") at `at`; `note` says why a non-owner receives it."""
    at = at or timezone.now()
    primary = []
    if clock.owner_person_id:
        primary.append((clock.owner_person, ""))
    if kind == FlipKind.BREACH or not primary:
        unit_name = clock.owner_unit.name if clock.owner_unit_id else ""
        primary += [(u, f"您是{unit_name}负责人") for u in unit_heads(clock.owner_unit, heads_cache)]
    out, seen = [], set()
    for user, note in primary:
        for r in recipients_for(user, at):
            if r.pk in seen or not r.is_active:
                continue
            seen.add(r.pk)
            if r.pk != user.pk:
                name = user.get_full_name() or user.username
                out.append((r, f"您是{name}的B角，{name}外出期间由您代为接收"))
            else:
                out.append((r, note))
    return out


def _compose(clock, kind, note, text=""):
    due = _local(clock.due_at)
    if kind == Source.WARNING:
        subject = f"【临期预警】{clock.label}"
        body = f"{clock.label}将于{due}到期，请抓紧办理。"
    elif kind == Source.BREACH:
        subject = f"【超期】{clock.label}"
        body = f"{clock.label}已于{due}到期，尚未办结。"
    else:
        subject = f"【提醒】{clock.label}"
        body = f"{clock.label}的期限为{due}。" + (text or "")
    if clock.owner_unit_id:
        body += f"\n责任单位：{clock.owner_unit.name}"
    if clock.owner_person_id:
        body += f"\n责任人：{clock.owner_person.get_full_name() or clock.owner_person.username}"
    if note:
        body += f"\n（{note}）"
    return subject[:200], body


def _message_rows(clock, kind, moment, recipients, now, flip=None, text=""):
    stamp = moment.astimezone(dt.UTC).isoformat(timespec="microseconds")
    rows = []
    for user, note in recipients:
        subject, body = _compose(clock, kind, note, text)
        common = dict(recipient=user, subject=subject, body=body, link=clock.link, source=kind, flip=flip,
                      clock=clock, created_at=now)
        rows.append(Message(channel=Channel.INAPP, state=MessageState.SENT, sent_at=now,
                            dedupe_key=f"{clock.pk}:{kind}:{stamp}:{user.pk}:{Channel.INAPP}", **common))
        if user.email:
            rows.append(Message(channel=Channel.EMAIL, address=user.email, state=MessageState.PENDING,
                                next_attempt_at=now,
                                dedupe_key=f"{clock.pk}:{kind}:{stamp}:{user.pk}:{Channel.EMAIL}", **common))
    return rows


def _insert(rows) -> int:
    """Insert messages whose dedupe key is new; returns how many."""
    if not rows:
        return 0
    keys = [m.dedupe_key for m in rows]
    existing = set(Message.objects.filter(dedupe_key__in=keys).values_list("dedupe_key", flat=True))
    fresh, seen = [], set(existing)
    for m in rows:
        if m.dedupe_key not in seen:
            seen.add(m.dedupe_key)
            fresh.append(m)
    Message.objects.bulk_create(fresh, ignore_conflicts=True)
    return len(fresh)


def messages_for_flip(flip: ClockFlip, now=None, heads_cache=None) -> int:
    """Write the messages for one flip (existing dedupe keys are skipped).
    Returns how many rows were new."""
    now = now or timezone.now()
    clock = flip.clock
    recipients = route(clock, flip.kind, now, heads_cache)
    return _insert(_message_rows(clock, flip.kind, flip.moment, recipients, now, flip=flip))


def process_flips(batch=200, max_batches=20, now=None) -> int:
    """Turn unprocessed ClockFlip rows into messages, a batch per
    transaction: the batch is claimed (PostgreSQL: FOR UPDATE SKIP LOCKED;
    SQLite: the IMMEDIATE transaction's write lock) and marked processed by
    a guarded UPDATE (`processed_at IS NULL` → now) in the transaction that
    writes its messages, so two workers never both handle a flip; the unique
    dedupe key is the second guard. Returns how many messages were written."""
    written = 0
    for _ in range(max_batches):
        ids = list(ClockFlip.objects.filter(processed_at__isnull=True).order_by("id").values_list("id", flat=True)[:batch])
        try:
            written += _process_batch(ids, now)
        except Exception:
            log.exception("flips %s…: messages not written; trying one by one", ids[:3])
            for flip_id in ids:
                try:
                    written += _process_batch([flip_id], now)
                except Exception:
                    log.exception("flip %s: messages not written; will retry", flip_id)
        if len(ids) < batch:
            break
    return written


def _process_batch(ids, now=None) -> int:
    if not ids:
        return 0
    now = now or timezone.now()
    with transaction.atomic():
        mine = list(
            ClockFlip.objects.select_for_update(skip_locked=True)
            .filter(id__in=ids, processed_at__isnull=True)
            .values_list("id", flat=True)
        )
        if not mine:
            return 0
        claimed = ClockFlip.objects.filter(id__in=mine, processed_at__isnull=True).update(processed_at=now)
        if claimed != len(mine):
            raise RuntimeError(f"claimed {claimed} of {len(mine)} locked flips")
        flips = ClockFlip.objects.filter(id__in=mine).order_by("id").select_related(
            "clock", "clock__owner_unit", "clock__owner_person", "clock__owner_person__person",
            "clock__owner_person__person__backup",
        )
        flips = list(flips)
        heads = {}
        rows = []
        for flip in flips:
            rows += _message_rows(flip.clock, flip.kind, flip.moment, route(flip.clock, flip.kind, now, heads),
                                  now, flip=flip)
        written = _insert(rows)
        flips_processed.send(sender=ClockFlip, flips=flips, now=now)
        return written


@transaction.atomic
def remind(clock: Clock, *, text="", at=None, by=None) -> int:
    """A reminder about `clock` now (for example an urge, 催办), to the same
    people as a warning. Returns how many messages were written."""
    at = at or timezone.now()
    clock = Clock.objects.select_related("owner_unit", "owner_person").get(pk=clock.pk)
    n = _insert(_message_rows(clock, Source.REMINDER, at, route(clock, Source.REMINDER, at), at, text=text))
    chain.record("notify.remind", clock, after={"at": at, "text": text[:200], "messages": n}, actor=by, occurred_at=at)
    return n


def on_clock_moved(sender, clock, old_due_at=None, reason="", at=None, **kwargs) -> int:
    """Receiver of duban.clocks.services.clock_moved: a calendar or rule
    change moved a deadline (TL-1). Its owner (and their B role while away)
    is told the old and the new moment and why, in the transaction that
    moved it. Returns how many messages were written."""
    if old_due_at is None or old_due_at == clock.due_at:
        return 0
    at = at or timezone.now()
    clock = Clock.objects.select_related("owner_unit", "owner_person").get(pk=clock.pk)
    stamp = clock.due_at.astimezone(dt.UTC).isoformat(timespec="microseconds")
    later = clock.due_at > old_due_at
    subject = f"【期限校正】{clock.label}"[:200]
    body = (f"{clock.label}的期限由{_local(old_due_at)}{'延后' if later else '提前'}至{_local(clock.due_at)}。"
            f"\n原因：{reason}")
    if clock.owner_unit_id:
        body += f"\n责任单位：{clock.owner_unit.name}"
    rows = []
    for user, note in route(clock, Source.REMINDER, at):
        text = body + (f"\n（{note}）" if note else "")
        common = dict(recipient=user, subject=subject, body=text, link=clock.link, source=Source.REMINDER,
                      clock=clock, created_at=at)
        rows.append(Message(channel=Channel.INAPP, state=MessageState.SENT, sent_at=at,
                            dedupe_key=f"{clock.pk}:moved:{stamp}:{user.pk}:{Channel.INAPP}", **common))
        if user.email:
            rows.append(Message(channel=Channel.EMAIL, address=user.email, state=MessageState.PENDING,
                                next_attempt_at=at, dedupe_key=f"{clock.pk}:moved:{stamp}:{user.pk}:{Channel.EMAIL}",
                                **common))
    return _insert(rows)


def notify_user(user, subject, body, *, key, link="", at=None) -> int:
    """A message to one person outside the clock flow (for example an urge,
    催办, or a newly assigned matter), and to their B role while they are
    away (ORG-4): in-app, and by e-mail when they have an address. `key`
    names the occasion; with recipient and channel it is the dedupe key, so
    one occasion never yields a message twice. Runs in the caller's
    transaction, which journals the occasion. Returns how many rows were new."""
    at = at or timezone.now()
    return _insert(_personal_rows(user, subject, body, link=link, key=key, at=at))


def _personal_rows(user, subject, body, *, link, key, at) -> list:
    """The messages of one notice to `user` and, while away, their B role:
    in-app, and by e-mail when they have an address; `key` with recipient
    and channel is each row's dedupe key."""
    name = user.get_full_name() or user.username
    rows = []
    for r in recipients_for(user, at):
        if not r.is_active:
            continue
        note = "" if r.pk == user.pk else f"\n（您是{name}的B角，{name}外出期间由您代为接收）"
        common = dict(recipient=r, subject=subject[:200], body=body + note, link=link, source=Source.REMINDER,
                      created_at=at)
        rows.append(Message(channel=Channel.INAPP, state=MessageState.SENT, sent_at=at,
                            dedupe_key=f"{key}:{r.pk}:{Channel.INAPP}"[:200], **common))
        if r.email:
            rows.append(Message(channel=Channel.EMAIL, address=r.email, state=MessageState.PENDING,
                                next_attempt_at=at, dedupe_key=f"{key}:{r.pk}:{Channel.EMAIL}"[:200], **common))
    return rows


def notify_merged(notices, *, key, summary, at=None) -> int:
    """Many notices of one occasion (a batch import), merged per recipient:
    who gets one notice gets it as `notify_user` would send it; who gets
    several gets one message whose subject is `summary(n)` (e.g. "23项督办
    事项已交办给您") and whose body lists them all. `notices`: [(user,
    subject, body, link)]; `key` names the occasion (the dedupe key, with
    the recipient and channel). In the caller's transaction; the recipients'
    B roles (ORG-4) are looked up once per person. Returns how many rows
    were new."""
    at = at or timezone.now()
    per_user, users = {}, {}
    for user, subject, body, link in notices:
        per_user.setdefault(user.pk, []).append((subject, body, link))
        users[user.pk] = user
    rows = []
    for pk, items in per_user.items():
        user = users[pk]
        if len(items) == 1:
            subject, body, link = items[0]
        else:
            subject = summary(len(items))
            body = "\n\n".join(f"{i}. {s}\n{b}" for i, (s, b, _) in enumerate(items, 1))
            link = ""
        rows += _personal_rows(user, subject, body, link=link, key=f"{key}:{pk}", at=at)
    # The occasion's keys are new (one import, one key); inserted without
    # per-row compilation.
    existing = set()
    keys = [m.dedupe_key for m in rows]
    for i in range(0, len(keys), 900):
        existing |= set(Message.objects.filter(dedupe_key__in=keys[i:i + 900]).values_list("dedupe_key", flat=True))
    fresh = [m for m in rows if m.dedupe_key not in existing]
    insert_rows(fresh)
    return len(fresh)


# --- delivery -------------------------------------------------------------

def _claim(now, limit):
    rows = list(
        Message.objects.filter(next_attempt_at__lte=now)
        .order_by("next_attempt_at", "id")
        .values_list("id", "next_attempt_at")[:limit]
    )
    claimed = []
    lease_until = now + dt.timedelta(seconds=claim_lease())
    for mid, when in rows:
        # Compare-and-swap on the moment we read: of two workers, only the
        # first changes the row.
        won = Message.objects.filter(id=mid, next_attempt_at=when).update(
            state=MessageState.SENDING, attempts=F("attempts") + 1, next_attempt_at=lease_until
        )
        if won == 1:
            claimed.append(mid)
    return claimed


def _email(m: Message, connection):
    body = m.body
    if m.link:
        body += "\n\n" + getattr(settings, "DUBAN_BASE_URL", "").rstrip("/") + m.link
    EmailMessage(m.subject, body, settings.DEFAULT_FROM_EMAIL, [m.address], connection=connection).send()


def deliver_pending(now=None, limit=100) -> int:
    """Send e-mail messages whose next attempt is due. Returns how many were
    sent. Failures are retried after 1, 2, 4, 8 … minutes; after
    DUBAN_NOTIFY_MAX_ATTEMPTS attempts the message is dead (see /notify/outbox/)."""
    now = now or timezone.now()
    claimed = _claim(now, limit)
    if not claimed:
        return 0
    sent = 0
    connection = get_connection(fail_silently=False, timeout=getattr(settings, "EMAIL_TIMEOUT", None) or 10)
    try:
        for m in Message.objects.filter(id__in=claimed).order_by("id"):
            try:
                if m.channel != Channel.EMAIL or not m.address:
                    raise ValueError("无可用的发送渠道或地址")
                _email(m, connection)
            except Exception as e:  # any transport error: record and retry later
                _failed(m, e, now)
            else:
                Message.objects.filter(id=m.id, state=MessageState.SENDING).update(
                    state=MessageState.SENT, sent_at=timezone.now(), next_attempt_at=None, last_error=""
                )
                sent += 1
    finally:
        try:
            connection.close()
        except Exception:  # closing a broken connection
            log.debug("closing the mail connection failed", exc_info=True)
    return sent


def _failed(m: Message, error, now):
    text = f"{type(error).__name__}: {error}"[:2000]
    log.warning("message %s attempt %s failed: %s", m.id, m.attempts, text)
    if m.attempts >= max_attempts():
        changes = dict(state=MessageState.DEAD, next_attempt_at=None)
    else:
        changes = dict(state=MessageState.FAILED, next_attempt_at=now + backoff(m.attempts))
    Message.objects.filter(id=m.id, state=MessageState.SENDING).update(last_error=text, **changes)


@transaction.atomic
def retry(message: Message, *, by=None) -> Message:
    """An administrator sends a failed or dead message again now."""
    m = Message.objects.select_for_update().get(pk=message.pk)
    if m.channel != Channel.EMAIL or m.state not in (MessageState.FAILED, MessageState.DEAD):
        raise ValueError("只能重发发送失败的邮件")
    before = {"state": m.state, "attempts": m.attempts}
    m.state, m.attempts, m.next_attempt_at = MessageState.PENDING, 0, timezone.now()
    m.save(update_fields=["state", "attempts", "next_attempt_at"])
    chain.record("notify.message.retry", m, before=before, after={"state": m.state}, actor=by)
    return m


# --- the inbox ------------------------------------------------------------

def inbox(user):
    return Message.objects.filter(recipient=user, channel=Channel.INAPP)


def unread_count(user) -> int:
    return inbox(user).filter(read_at__isnull=True).count()


@transaction.atomic
def mark_read(user, message_id) -> Message | None:
    """Mark one of the user's own in-app messages read (others': None),
    journaled (notify.message.read): that a person saw a reminder is part of
    the record."""
    now = timezone.now()
    if inbox(user).filter(pk=message_id, read_at__isnull=True).update(read_at=now):
        message = inbox(user).get(pk=message_id)
        chain.record("notify.message.read", message, after={"read_at": now}, actor=user)
        return message
    return inbox(user).filter(pk=message_id).first()


@transaction.atomic
def mark_all_read(user) -> int:
    now = timezone.now()
    unread = list(inbox(user).filter(read_at__isnull=True).values_list("pk", flat=True))
    if not unread:
        return 0
    count = Message.objects.filter(pk__in=unread, read_at__isnull=True).update(read_at=now)
    chain.record("notify.message.read_all", object_type="auth.user", object_id=user.pk,
                 object_repr=user.get_username(), after={"read_at": now, "count": count, "messages": unread},
                 actor=user)
    return count
