"""Turning warnings, breaches, reminders and assignments into messages, and
delivering them (OUT-1, ORG-4).

Routing: a clock's warning, breach or reminder goes to its owner person and,
while that person is marked away, to their B role (ORG-4,
`duban.org.services.recipients_for`). A breach also goes to the head(s) of
the clock's owner unit (users holding 单位负责人 whose own unit it is), and
to their B roles while they are away. A clock without an owner person warns
its unit head(s) instead. The unit's group robots (an `Endpoint` with that
unit; an office without one of its own uses its department's) get one
message per event, @-mentioning the responsible people's mobiles -- and, while
A is away, B's.

Channels per person (`Preference`, defaults without a row): in-app always;
e-mail when they have an address (every level by default); SMS to their
mobile (breaches and urgent messages by default), never 22:00–07:00 unless
the message is urgent (值班, 特急: `urgent_clocks`); green and yellow
messages by e-mail and SMS once a day as a digest if they ask for it.

Delivery (`deliver_pending`): the due messages are claimed by compare-and-swap
(safe with several workers); messages for the same target (a person's
mailbox or phone, a robot) due at the same time are merged into one digest
-- fifty yellow lights at 08:30 are one message, not fifty -- and exact
duplicates are dropped. Before each request, admission (`_admit`) locks
the endpoint row and counts the endpoint's attempts of the last minute
(and second) and, for SMS, the number's attempts of the day and the same
text in the last 30 s, all in the database, so the limits hold across
workers. Every attempt is an `Attempt` row with the channel's answer;
failures are retried with backoff on the channel's own retryable codes
(busy, rate limited, unreachable) and otherwise given up at once; a
message given up is told to its sender and shown on the outbox page to the
supervision office of its unit.
"""

import datetime as dt
import hashlib
import logging

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F, Q
from django.dispatch import Signal
from django.utils import timezone

from duban.clocks.models import Clock, ClockFlip, FlipKind
from duban.core.batch import insert_rows
from duban.core.services import user_name
from duban.journal import chain
from duban.org.models import Person, Role, UnitKind
from duban.org.services import has_role, recipients_for

from . import channels
from .channels import email as email_channel
from .channels import sms as sms_channel
from .models import (
    EXTERNAL_CHANNELS,
    KIND_DEFAULTS,
    LEVEL_ORDER,
    REQUEST_OUTCOMES,
    ROBOT_KINDS,
    Attempt,
    AttemptOutcome,
    Channel,
    ChannelLevel,
    Endpoint,
    EndpointKind,
    Level,
    Message,
    MessageState,
    Preference,
    Source,
)

log = logging.getLogger(__name__)
User = get_user_model()

# Sent inside the transaction that turns a batch of ClockFlip rows into
# messages, with `flips` (a list of ClockFlip, clocks selected) and `now`:
# business apps act on their own clocks' warnings and breaches here (e.g.
# supervision's automatic urges). A receiver that raises rolls the batch
# back, and it is tried again on the next round, so each flip is handled
# exactly once.
flips_processed = Signal()

# Functions (clocks) -> set of clock ids whose messages are urgent (值班,
# 特急): SMS goes out in quiet hours too. Business apps register theirs in
# their AppConfig.ready (notify does not know matters or incidents).
_urgency_checks = []


def register_urgency(check):
    if check not in _urgency_checks:
        _urgency_checks.append(check)


def urgent_clocks(clocks) -> set:
    out = set()
    for check in _urgency_checks:
        try:
            out |= set(check(clocks))
        except Exception:  # a broken check must not stop the messages
            log.exception("urgency check %s failed", check)
    return out


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


LEVEL_OF_SOURCE = {Source.WARNING: Level.YELLOW, Source.BREACH: Level.RED, Source.REMINDER: Level.YELLOW}


# --- preferences -------------------------------------------------------------

PREFERENCE_FIELDS = ["email_level", "sms_level", "robot_mention", "quiet_start", "quiet_end", "daily_digest",
                     "digest_time"]


def default_preference(user) -> Preference:
    return Preference(user=user, updated_at=timezone.now())


def preferences_for(users) -> dict:
    """{user id: Preference} for the users, defaults where none is stored,
    each with the person's current `mobile` (two queries)."""
    ids = {u.pk for u in users if u is not None}
    stored = {p.user_id: p for p in Preference.objects.filter(user_id__in=ids)} if ids else {}
    mobiles = dict(Person.objects.filter(user_id__in=ids).values_list("user_id", "mobile")) if ids else {}
    out = {}
    for u in users:
        if u is None:
            continue
        pref = stored.get(u.pk) or default_preference(u)
        pref.mobile = (mobiles.get(u.pk) or "").strip()
        out[u.pk] = pref
    return out


def preference_for(user) -> Preference:
    return preferences_for([user])[user.pk]


@transaction.atomic
def set_preferences(user, *, by=None, at=None, **values) -> Preference:
    """A person changes their own channels, quiet hours and digest."""
    at = at or timezone.now()
    unknown = set(values) - set(PREFERENCE_FIELDS)
    if unknown:
        raise ValidationError({f: "该项不能修改" for f in unknown})
    pref = Preference.objects.select_for_update().filter(user=user).first()
    before = chain.snapshot(pref, PREFERENCE_FIELDS) if pref else None
    pref = pref or default_preference(user)
    for key, value in values.items():
        setattr(pref, key, value)
    for key in ("email_level", "sms_level"):
        if getattr(pref, key) not in ChannelLevel.values:
            raise ValidationError({key: "请选择接收哪些消息"})
    if pref.quiet_start is None or pref.quiet_end is None or pref.digest_time is None:
        raise ValidationError({"quiet_start": "请填写免打扰时段和汇总时间"})
    pref.updated_at = at
    pref.save()
    chain.record("notify.preference", pref, before=before, after=chain.snapshot(pref, PREFERENCE_FIELDS),
                 actor=by or user, occurred_at=at)
    return pref


def _wants(pref_level: str, level: str, urgent: bool) -> bool:
    if pref_level == ChannelLevel.OFF:
        return False
    effective = Level.RED if urgent else level
    return LEVEL_ORDER[effective] >= LEVEL_ORDER[pref_level]


def in_quiet_hours(pref, moment) -> bool:
    t = timezone.localtime(moment).time()
    start, end = pref.quiet_start, pref.quiet_end
    if start == end:
        return False
    if start < end:
        return start <= t < end
    return t >= start or t < end


def _next_local(moment, at_time: dt.time) -> dt.datetime:
    """The first moment at local time `at_time` not before `moment`."""
    local = timezone.localtime(moment)
    candidate = local.replace(hour=at_time.hour, minute=at_time.minute, second=0, microsecond=0)
    if candidate < local:
        candidate = timezone.make_aware(dt.datetime.combine(local.date() + dt.timedelta(days=1), at_time))
    return candidate


def planned_moment(pref, channel, level, urgent, now) -> dt.datetime:
    """When a personal message should go out: now, or at the person's daily
    digest (green and yellow, if they chose it), and never by SMS in their
    quiet hours unless urgent (值班, 特急)."""
    moment = now
    if channel in (Channel.EMAIL, Channel.SMS) and pref.daily_digest and not urgent and level != Level.RED:
        moment = _next_local(now, pref.digest_time)
    if channel == Channel.SMS and not urgent and in_quiet_hours(pref, moment):
        moment = _next_local(moment, pref.quiet_end)
    return moment


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
                out.append((r, backup_note(user)))
            else:
                out.append((r, note))
    return out


def backup_note(user) -> str:
    name = user_name(user)
    return f"您是{name}的B角，{name}外出期间由您代为接收"


def away_notes(people, at) -> list:
    """"A外出期间由B角B代为接收" for each of `people` away with a B role now."""
    notes = []
    for p in people:
        for r in recipients_for(p, at):
            if r.pk != p.pk and r.is_active:
                notes.append(f"{user_name(p)}外出期间由B角{user_name(r)}代为接收")
    return notes


def robots_for(unit, cache=None) -> list:
    """The active group robots of `unit`; an office (科室) without one of
    its own uses its parent's."""
    if unit is None:
        return []
    if cache is not None and unit.pk in cache:
        return cache[unit.pk]
    robots = list(Endpoint.objects.filter(unit=unit, is_active=True, kind__in=ROBOT_KINDS).order_by("id"))
    if not robots and unit.kind == UnitKind.OFFICE and unit.parent_id:
        robots = list(Endpoint.objects.filter(unit_id=unit.parent_id, is_active=True, kind__in=ROBOT_KINDS)
                      .order_by("id"))
    if cache is not None:
        cache[unit.pk] = robots
    return robots


def mentions_for(users, prefs=None) -> list:
    """[{"name", "mobile"}] of the people a robot message @s: those with a
    mobile who did not opt out."""
    prefs = prefs if prefs is not None else preferences_for(users)
    out, seen = [], set()
    for u in users:
        pref = prefs.get(u.pk) or preference_for(u)
        mobile = pref.mobile
        if mobile and mobile not in seen and pref.robot_mention:
            seen.add(mobile)
            out.append({"name": user_name(u), "mobile": mobile})
    return out


# --- writing messages ---------------------------------------------------------------

_NO_GATEWAY = object()


def _personal_rows(user, *, key, subject, body, now, level, urgent, pref, gateway=_NO_GATEWAY, **common):
    """In-app, e-mail and SMS rows for one person, as their preference says.
    `gateway`: the SMS gateway when the caller has read it already."""
    common = dict(recipient=user, subject=subject[:200], body=body, level=level, urgent=urgent, created_at=now,
                  **common)
    rows = [Message(channel=Channel.INAPP, state=MessageState.SENT, sent_at=now,
                    dedupe_key=f"{key}:{user.pk}:{Channel.INAPP}"[:200], **common)]
    if user.email and _wants(pref.email_level, level, urgent):
        rows.append(Message(channel=Channel.EMAIL, address=user.email, state=MessageState.PENDING,
                            next_attempt_at=planned_moment(pref, Channel.EMAIL, level, urgent, now),
                            dedupe_key=f"{key}:{user.pk}:{Channel.EMAIL}"[:200], **common))
    mobile = getattr(pref, "mobile", "")
    if mobile and _wants(pref.sms_level, level, urgent):
        gateway = sms_gateway() if gateway is _NO_GATEWAY else gateway
        if gateway is not None:
            rows.append(Message(channel=Channel.SMS, endpoint=gateway, address=mobile, state=MessageState.PENDING,
                                next_attempt_at=planned_moment(pref, Channel.SMS, level, urgent, now),
                                dedupe_key=f"{key}:{user.pk}:{Channel.SMS}"[:200], **common))
    return rows


def _robot_rows(unit, *, key, subject, body, now, level, urgent, mentions, robots_cache=None, **common):
    return [
        Message(channel=robot.kind, endpoint=robot, unit=unit, subject=subject[:200], body=body, level=level,
                urgent=urgent, mentions=mentions, state=MessageState.PENDING, next_attempt_at=now, created_at=now,
                dedupe_key=f"{key}:ep{robot.pk}"[:200], **common)
        for robot in robots_for(unit, robots_cache)
    ]


def sms_gateway():
    """The SMS gateway in use (the first active one), or None."""
    return Endpoint.objects.filter(kind=EndpointKind.SMS, is_active=True).order_by("id").first()


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


def _message_rows(clock, kind, moment, recipients, now, flip=None, text="", urgent=False, sender=None,
                  caches=None):
    caches = caches if caches is not None else {}
    stamp = moment.astimezone(dt.UTC).isoformat(timespec="microseconds")
    level = LEVEL_OF_SOURCE.get(kind, Level.GREEN)
    prefs = preferences_for([u for u, _ in recipients])
    key = f"{clock.pk}:{kind}:{stamp}"
    common = dict(link=clock.link, source=kind, flip=flip, clock=clock, unit=clock.owner_unit, sender=sender)
    if "gateway" not in caches:
        caches["gateway"] = sms_gateway()
    rows = []
    for user, note in recipients:
        subject, body = _compose(clock, kind, note, text)
        rows += _personal_rows(user, key=key, subject=subject, body=body, now=now, level=level, urgent=urgent,
                               pref=prefs[user.pk], gateway=caches["gateway"], **common)
    if clock.owner_unit_id:
        subject, body = _compose(clock, kind, "", text)
        notes = away_notes([u for u, note in recipients if "B角" not in note], now)
        if notes:
            body += "\n" + "；".join(notes)
        rows += _robot_rows(clock.owner_unit, key=key, subject=subject, body=body, now=now, level=level,
                            urgent=urgent, mentions=mentions_for([u for u, _ in recipients], prefs),
                            robots_cache=caches.setdefault("robots", {}),
                            **{k: v for k, v in common.items() if k != "unit"})
    return rows


def _existing_keys(keys) -> set:
    """Which of the dedupe `keys` are taken (asked in chunks: a large
    import's keys exceed a statement's parameters)."""
    existing = set()
    for i in range(0, len(keys), 900):
        existing |= set(Message.objects.filter(dedupe_key__in=keys[i:i + 900]).values_list("dedupe_key", flat=True))
    return existing


def _insert(rows) -> int:
    """Insert messages whose dedupe key is new; returns how many."""
    if not rows:
        return 0
    existing = _existing_keys([m.dedupe_key for m in rows])
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
    urgent = clock.pk in urgent_clocks([clock])
    return _insert(_message_rows(clock, flip.kind, flip.moment, recipients, now, flip=flip, urgent=urgent))


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
        urgent = urgent_clocks([f.clock for f in flips])
        heads, caches = {}, {}
        rows = []
        for flip in flips:
            rows += _message_rows(flip.clock, flip.kind, flip.moment, route(flip.clock, flip.kind, now, heads),
                                  now, flip=flip, urgent=flip.clock_id in urgent, caches=caches)
        written = _insert(rows)
        flips_processed.send(sender=ClockFlip, flips=flips, now=now)
        return written


@transaction.atomic
def remind(clock: Clock, *, text="", at=None, by=None) -> int:
    """A reminder about `clock` now (for example an urge, 催办), to the same
    people as a warning and to the unit's group robot. Returns how many
    messages were written."""
    at = at or timezone.now()
    clock = Clock.objects.select_related("owner_unit", "owner_person").get(pk=clock.pk)
    urgent = clock.pk in urgent_clocks([clock])
    n = _insert(_message_rows(clock, Source.REMINDER, at, route(clock, Source.REMINDER, at), at, text=text,
                              urgent=urgent, sender=by))
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
    recipients = route(clock, Source.REMINDER, at)
    prefs = preferences_for([u for u, _ in recipients])
    rows = []
    for user, note in recipients:
        rows += _personal_rows(user, key=f"{clock.pk}:moved:{stamp}", subject=subject,
                               body=body + (f"\n（{note}）" if note else ""), now=at, level=Level.GREEN,
                               urgent=False, pref=prefs[user.pk], link=clock.link, source=Source.REMINDER,
                               clock=clock, unit=clock.owner_unit)
    return _insert(rows)


def notify_user(user, subject, body, *, key, link="", at=None, level=Level.GREEN, urgent=False, sender=None,
                unit=None) -> int:
    """A message to one person outside the clock flow (for example an urge,
    催办, or a newly assigned matter), and to their B role while they are
    away (ORG-4): in-app, and by e-mail and SMS as their preferences say.
    `key` names the occasion; with recipient and channel it is the dedupe
    key, so one occasion never yields a message twice. `unit`: the unit the
    occasion concerns (whose supervision office sees a failed delivery).
    Runs in the caller's transaction, which journals the occasion. Returns
    how many rows were new."""
    at = at or timezone.now()
    return _insert(_notice_rows(user, subject, body, key=key, link=link, at=at, level=level, urgent=urgent,
                                sender=sender, unit=unit))


def _notice_rows(user, subject, body, *, key, link, at, level=Level.GREEN, urgent=False, sender=None, unit=None,
                 prefs=None, gateway=_NO_GATEWAY) -> list:
    """The messages of one notice to `user` and, while away, their B role
    (ORG-4), on the channels their preferences name; `key` with recipient
    and channel is each row's dedupe key. `prefs`, `gateway`: already read
    by a caller that writes many notices."""
    people = [r for r in recipients_for(user, at) if r.is_active]
    prefs = prefs if prefs is not None else preferences_for(people)
    unit = unit or _unit_of(user)
    rows = []
    for r in people:
        note = "" if r.pk == user.pk else f"\n（{backup_note(user)}）"
        rows += _personal_rows(r, key=key, subject=subject, body=body + note, now=at, level=level, urgent=urgent,
                               pref=prefs.get(r.pk) or preference_for(r), gateway=gateway, link=link,
                               source=Source.REMINDER, sender=sender, unit=unit)
    return rows


def notify_merged(notices, *, key, summary, at=None) -> int:
    """Many notices of one occasion (a batch import), merged per recipient:
    who gets one notice gets it as `notify_user` would send it; who gets
    several gets one message whose subject is `summary(n)` (e.g. "23项督办
    事项已交办给您") and whose body lists them all. `notices`: [(user,
    subject, body, link)]; `key` names the occasion (the dedupe key, with
    the recipient and channel). In the caller's transaction; the recipients'
    B roles (ORG-4) are looked up once per person, their preferences and the
    SMS gateway once for all. Returns how many rows were new."""
    at = at or timezone.now()
    per_user, users = {}, {}
    for user, subject, body, link in notices:
        per_user.setdefault(user.pk, []).append((subject, body, link))
        users[user.pk] = user
    prefs = preferences_for(list(users.values()))
    gateway = sms_gateway()
    rows = []
    for pk, items in per_user.items():
        user = users[pk]
        if len(items) == 1:
            subject, body, link = items[0]
        else:
            subject = summary(len(items))
            body = "\n\n".join(f"{i}. {s}\n{b}" for i, (s, b, _) in enumerate(items, 1))
            link = ""
        rows += _notice_rows(user, subject, body, link=link, key=f"{key}:{pk}", at=at, prefs=prefs,
                             gateway=gateway)
    # The occasion's keys are new (one import, one key); inserted without
    # per-row compilation.
    existing = _existing_keys([m.dedupe_key for m in rows])
    fresh = [m for m in rows if m.dedupe_key not in existing]
    insert_rows(fresh)
    return len(fresh)


def notify_unit(unit, subject, body, *, key, link="", at=None, people=(), level=Level.GREEN, urgent=False,
                sender=None) -> int:
    """A message about `unit`'s work to its group robot(s), @-mentioning
    `people` and, while one of them is away, their B role (ORG-4). One per
    occasion (`key`) and robot. Returns how many rows were new."""
    if unit is None:
        return 0
    at = at or timezone.now()
    mentioned = []
    for p in people:
        for r in recipients_for(p, at):
            if r.is_active and r.pk not in {m.pk for m in mentioned}:
                mentioned.append(r)
    notes = away_notes(people, at)
    text = body + ("\n" + "；".join(notes) if notes else "")
    return _insert(_robot_rows(unit, key=key, subject=subject, body=text, now=at, level=level, urgent=urgent,
                               mentions=mentions_for(mentioned), link=link, source=Source.REMINDER, sender=sender))


def _unit_of(user):
    person = getattr(user, "person", None) if hasattr(user, "person") else None
    return person.unit if person is not None else None


# --- channel configuration (administrators) ------------------------------------------

ENDPOINT_FIELDS = ["kind", "name", "unit_id", "url", "keyword", "msg_format", "per_minute", "per_second",
                   "max_bytes", "app_key", "http_method", "params_template", "sign_template", "sign_algorithm",
                   "success_field", "success_values", "retry_values", "daily_cap", "duplicate_seconds", "is_active"]
EDITABLE = set(ENDPOINT_FIELDS) - {"unit_id"} | {"unit", "secret"}


def may_configure(user) -> bool:
    return has_role(user, Role.SYSTEM_ADMIN)


def _endpoint_snapshot(ep) -> dict:
    data = chain.snapshot(ep, ENDPOINT_FIELDS)
    data["secret"] = "已设置" if ep.secret else ""  # never the secret itself
    return data


def _clean_endpoint(ep):
    errors = {}
    if ep.kind not in EndpointKind.values:
        errors["kind"] = "请选择渠道类型"
    if not (ep.name or "").strip():
        errors["name"] = "名称不能为空"
    elif Endpoint.objects.filter(name=ep.name.strip()).exclude(pk=ep.pk).exists():
        errors["name"] = f"已有名为“{ep.name.strip()}”的渠道"
    if not (ep.url or "").startswith(("http://", "https://")):
        errors["url"] = "地址应以 http:// 或 https:// 开头"
    if not ep.per_minute:
        errors["per_minute"] = "每分钟上限至少为 1"
    if not ep.max_bytes:
        errors["max_bytes"] = "消息长度上限至少为 1"
    if ep.kind in ROBOT_KINDS:
        limits = KIND_DEFAULTS[ep.kind]
        if ep.per_minute and ep.per_minute > limits["per_minute"]:
            errors["per_minute"] = (f"{EndpointKind(ep.kind).label}每分钟最多 {limits['per_minute']} 条"
                                    + ("，超过后机器人将被暂停 10 分钟" if ep.kind == EndpointKind.DINGTALK else ""))
        if limits["per_second"] and (ep.per_second is None or ep.per_second > limits["per_second"]):
            errors["per_second"] = f"{EndpointKind(ep.kind).label}每秒最多 {limits['per_second']} 条"
        if ep.kind == EndpointKind.DINGTALK and not ep.secret:
            errors["secret"] = "钉钉机器人请开启“加签”并填写密钥（SEC 开头）"
    if ep.kind == EndpointKind.SMS:
        ep.unit = None
        try:
            params = sms_channel.parse_template(ep.params_template)
        except ValueError as e:
            errors["params_template"] = f"参数模板不是有效的 JSON 对象：{e}"
        else:
            text = str(params)
            if "{mobile}" not in text or "{content}" not in text:
                errors["params_template"] = "参数模板必须包含 {mobile} 和 {content}"
            bad = sms_channel.unknown_placeholders(ep.params_template)
            if bad:
                errors["params_template"] = "参数模板中有未知的占位符：" + "、".join("{" + b + "}" for b in bad)
        bad = sms_channel.unknown_placeholders(ep.sign_template, sms_channel.SIGN_NAMES)
        if bad:
            errors["sign_template"] = "签名原文模板中有未知的占位符：" + "、".join("{" + b + "}" for b in bad)
        if ep.sign_algorithm != "none" and not ep.sign_template:
            errors["sign_template"] = "选择了签名算法，请填写签名原文模板"
        if not ep.daily_cap:
            errors["daily_cap"] = "请填写每个号码每日上限"
        if ep.duplicate_seconds is None:
            errors["duplicate_seconds"] = "请填写重复内容间隔"
    if errors:
        raise ValidationError(errors)


def _require_admin(by):
    if not may_configure(by):
        raise PermissionDenied("只有系统管理员可以配置消息渠道")


def endpoint_defaults(kind) -> dict:
    values = dict(KIND_DEFAULTS.get(kind, KIND_DEFAULTS[EndpointKind.WECOM]))
    if kind == EndpointKind.SMS:
        values.update(daily_cap=10, duplicate_seconds=30, success_field="code", success_values="0",
                      params_template='{"account": "{app_key}", "mobile": "{mobile}", "content": "{content}", '
                                      '"timestamp": "{timestamp}", "sign": "{sign}"}')
    return values


def create_endpoint(by, *, at=None, **values) -> Endpoint:
    """An administrator adds a robot or the SMS gateway. Limits default to
    the channel's published ones."""
    at = at or timezone.now()
    _require_admin(by)
    unknown = set(values) - EDITABLE
    if unknown:
        raise ValidationError({f: "未知字段" for f in unknown})
    kind = values.get("kind")
    data = {**endpoint_defaults(kind), **{k: v for k, v in values.items() if v is not None or k in (
        "per_second", "daily_cap", "duplicate_seconds")}}
    if kind in ROBOT_KINDS and "per_second" not in values:
        data["per_second"] = KIND_DEFAULTS[kind]["per_second"]
    ep = Endpoint(created_at=at, updated_at=at, **data)
    ep.name = (ep.name or "").strip()
    _clean_endpoint(ep)
    with transaction.atomic():
        ep.save()
        chain.record("notify.endpoint.create", ep, after=_endpoint_snapshot(ep), actor=by, occurred_at=at)
    return ep


def update_endpoint(endpoint, by, *, at=None, **values) -> Endpoint:
    at = at or timezone.now()
    _require_admin(by)
    unknown = set(values) - EDITABLE
    if unknown:
        raise ValidationError({f: "未知字段" for f in unknown})
    with transaction.atomic():
        ep = Endpoint.objects.select_for_update().get(pk=endpoint.pk)
        before = _endpoint_snapshot(ep)
        for key, value in values.items():
            if key == "secret" and not value:
                continue  # an empty secret field keeps the stored secret
            setattr(ep, key, value)
        ep.name = (ep.name or "").strip()
        _clean_endpoint(ep)
        ep.updated_at = at
        ep.save()
        chain.record("notify.endpoint.update", ep, before=before, after=_endpoint_snapshot(ep), actor=by,
                     occurred_at=at)
    return ep


TEST_TEXT = "这是一条测试消息：督办平台的消息渠道配置正确时，您会在群里或手机上看到它。"


def send_test(endpoint, by, *, mobile="", text="", at=None) -> Attempt:
    """The "send a test message" button: one message through the channel
    now, within its limits, recorded with the channel's answer (shown to the
    administrator) and journaled."""
    at = at or timezone.now()
    _require_admin(by)
    ep = Endpoint.objects.get(pk=endpoint.pk)
    if ep.kind == EndpointKind.SMS:
        mobile = (mobile or "").strip()
        if not mobile.isdigit() or len(mobile) != 11:
            raise ValidationError({"mobile": "请填写接收测试短信的 11 位手机号"})
    out = channels.Outgoing(subject="【督办平台测试消息】", body=text or TEST_TEXT, address=mobile)
    admitted = _admit_request(ep, out, at, by=by, is_test=True)
    if isinstance(admitted, str):
        raise ValidationError({"endpoint": admitted})
    answer = channels.send(ep, out)
    attempt = _finish_attempt(admitted, answer)
    with transaction.atomic():
        if answer.block:
            Endpoint.objects.filter(pk=ep.pk).update(blocked_until=at + dt.timedelta(seconds=answer.block))
        chain.record("notify.endpoint.test", ep, after={"ok": answer.ok, "answer": answer.summary[:300]}, actor=by,
                     occurred_at=at)
    return attempt


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


def _target(m: Message) -> tuple:
    if m.endpoint_id and m.channel != Channel.SMS:
        return (m.channel, "ep", m.endpoint_id)
    return (m.channel, m.recipient_id or "", m.address)


def deliver_pending(now=None, limit=500) -> int:
    """Send the messages whose (next) attempt is due: e-mail, SMS and the
    group robots. Messages for one target are merged into one digest first.
    Returns how many messages went out."""
    now = now or timezone.now()
    claimed = _claim(now, limit)
    if not claimed:
        return 0
    groups = {}
    for m in Message.objects.filter(id__in=claimed).select_related("endpoint", "recipient").order_by("id"):
        groups.setdefault(_target(m), []).append(m)
    sent = 0
    conn = None
    try:
        for group in groups.values():
            m = _merge(group, now)
            if m is None:
                continue
            if m.channel == Channel.EMAIL and conn is None:
                conn = email_channel.connection()
            if _deliver(m, now, conn):
                # The messages it carried: a digest stands for those merged into it.
                merged = Message.objects.filter(merged_into=m).count()
                sent += merged if m.source == Source.DIGEST else 1 + merged
    finally:
        if conn is not None:
            try:
                conn.close()
            except Exception:  # closing a broken connection
                log.debug("closing the mail connection failed", exc_info=True)
    return sent


def _merge(group: list, now) -> Message | None:
    """One message for a group of claimed messages to one target: the
    message itself, or a digest of them (exact duplicates counted once)."""
    distinct, dupes = [], []
    seen = {}
    for m in group:
        fingerprint = (m.subject, m.body)
        if fingerprint in seen:
            dupes.append((m, seen[fingerprint]))
        else:
            seen[fingerprint] = m
            distinct.append(m)
    if len(distinct) == 1:
        keep = distinct[0]
        for m, original in dupes:
            _mark_merged([m.pk], original, "与同一时间的相同消息重复，只发一次")
        return keep
    digest = _digest_of(distinct, now)
    _mark_merged([m.pk for m in group], digest, f"与同一时间的{len(distinct)}条消息合并为一条汇总发送")
    return digest


def _mark_merged(ids, into, note):
    Message.objects.filter(id__in=ids, state=MessageState.SENDING).update(
        state=MessageState.MERGED, merged_into=into, next_attempt_at=None, last_error=note)


DIGEST_ITEMS = 30


def _digest_of(messages: list, now) -> Message:
    first = messages[0]
    level = max((m.level for m in messages), key=lambda lv: LEVEL_ORDER.get(lv, 0))
    counts = {}
    for m in messages:
        label = {Source.BREACH: "超期", Source.WARNING: "临期预警"}.get(m.source, "提醒")
        counts[label] = counts.get(label, 0) + 1
    summary = "、".join(f"{k}{v}条" for k, v in counts.items())
    lines = [f"{i}. {m.subject}" for i, m in enumerate(messages[:DIGEST_ITEMS], 1)]
    if len(messages) > DIGEST_ITEMS:
        lines.append(f"……另有{len(messages) - DIGEST_ITEMS}条，请登录平台查看")
    mentions, seen = [], set()
    for m in messages:
        for x in m.mentions or []:
            if x.get("mobile") not in seen:
                seen.add(x.get("mobile"))
                mentions.append(x)
    senders = {m.sender_id for m in messages}
    units = {m.unit_id for m in messages}
    digest = Message.objects.create(
        recipient=first.recipient, channel=first.channel, endpoint=first.endpoint, address=first.address,
        unit_id=units.pop() if len(units) == 1 else None, sender_id=senders.pop() if len(senders) == 1 else None,
        subject=f"【督办消息汇总】共{len(messages)}条：{summary}"[:200], body="\n".join(lines), link="/notify/inbox/",
        source=Source.DIGEST, level=level, urgent=any(m.urgent for m in messages), mentions=mentions,
        dedupe_key=f"digest:{first.pk}:{now.astimezone(dt.UTC).isoformat(timespec='microseconds')}"[:200],
        state=MessageState.SENDING, attempts=1, next_attempt_at=now + dt.timedelta(seconds=claim_lease()),
        created_at=now,
    )
    return digest


def _outgoing(m: Message) -> channels.Outgoing:
    return channels.Outgoing(subject=m.subject, body=m.body, link=m.link, mentions=list(m.mentions or []),
                             address=m.address)


def content_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _counted(qs):
    return qs.filter(outcome__in=REQUEST_OUTCOMES)


def _admit_request(ep: Endpoint, out, now, *, message=None, by=None, is_test=False, urgent=False, pref=None):
    """Under a lock of the endpoint row (PostgreSQL: FOR UPDATE; SQLite: the
    IMMEDIATE transaction's write lock), decide whether a request may go
    now, and if so record it as a pending Attempt -- the rate ledger every
    worker counts. Returns the Attempt, a ("wait", moment, reason) tuple or
    a reason (str) why the message is not sent at all."""
    with transaction.atomic():
        ep = Endpoint.objects.select_for_update().get(pk=ep.pk)
        if not ep.is_active:
            return "渠道已停用"
        if ep.blocked_until and ep.blocked_until > now:
            return ("wait", ep.blocked_until, f"{ep.name}被对方暂停发送至{_local(ep.blocked_until)}")
        windows = [(dt.timedelta(seconds=60), ep.per_minute, "每分钟")]
        if ep.per_second:
            windows.append((dt.timedelta(seconds=1), ep.per_second, "每秒"))
        for span, cap, label in windows:
            recent = _counted(Attempt.objects.filter(endpoint=ep, started_at__gt=now - span))
            n = recent.count()
            if n >= cap:
                oldest = list(recent.order_by("-started_at").values_list("started_at", flat=True)[cap - 1:cap])
                free = (oldest[0] if oldest else now) + span + dt.timedelta(milliseconds=10)
                return ("wait", max(free, now + dt.timedelta(milliseconds=50)),
                        f"{ep.name}{label}最多{cap}条，稍后发送")
        digest = ""
        if ep.kind == EndpointKind.SMS:
            text = sms_channel.text_of(out, ep)
            digest = content_hash(text)
            if pref is not None and not urgent and in_quiet_hours(pref, now):
                until = _next_local(now, pref.quiet_end)
                return ("wait", until, f"免打扰时段，{_local(until)}发送")
            if ep.duplicate_seconds and _counted(Attempt.objects.filter(
                    channel=Channel.SMS, address=out.address, content_hash=digest,
                    started_at__gt=now - dt.timedelta(seconds=ep.duplicate_seconds))).exclude(
                    outcome=AttemptOutcome.FAILED).exists():
                return f"{ep.duplicate_seconds}秒内已向该号码发送相同内容，不再重复发送"
            if ep.daily_cap and not is_test:
                midnight = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
                today = _counted(Attempt.objects.filter(channel=Channel.SMS, address=out.address,
                                                        started_at__gte=midnight, is_test=False)).exclude(
                    outcome=AttemptOutcome.FAILED).count()
                if today >= ep.daily_cap:
                    return f"该号码今日短信已达上限（{ep.daily_cap}条），未发送；站内消息已送达"
        address = out.address if ep.kind == EndpointKind.SMS else ep.name
        return Attempt.objects.create(message=message, endpoint=ep, channel=ep.kind, address=address,
                                      content_hash=digest, started_at=now, is_test=is_test, by=by)


def _finish_attempt(attempt: Attempt, answer) -> Attempt:
    attempt.finished_at = timezone.now()
    if attempt.finished_at < attempt.started_at:  # an injected moment ahead of the real clock
        attempt.finished_at = attempt.started_at
    attempt.outcome = AttemptOutcome.OK if answer.ok else AttemptOutcome.FAILED
    attempt.code = answer.code[:60]
    attempt.http_status = answer.http_status
    attempt.answer = (answer.text or "")[:4000]
    attempt.save(update_fields=["finished_at", "outcome", "code", "http_status", "answer"])
    return attempt


def _release(m: Message, until, reason):
    """Give a claimed message back for later, not counting this round as an
    attempt (it made no request)."""
    Message.objects.filter(id=m.id, state=MessageState.SENDING).update(
        state=MessageState.PENDING if m.attempts <= 1 else MessageState.FAILED,
        attempts=F("attempts") - 1, next_attempt_at=until, last_error=reason)


def _skip(m: Message, reason, now):
    Message.objects.filter(id=m.id, state=MessageState.SENDING).update(
        state=MessageState.SKIPPED, next_attempt_at=None, last_error=reason)
    Attempt.objects.create(message=m, endpoint=m.endpoint, channel=m.channel, address=m.address,
                           started_at=now, finished_at=now, outcome=AttemptOutcome.SKIPPED, answer=reason)


def _deliver(m: Message, now, conn=None) -> bool:
    """One request for one claimed message; True when the channel took it."""
    out = _outgoing(m)
    if m.channel == Channel.EMAIL:
        if not m.address:
            _skip(m, "没有电子邮件地址", now)
            return False
        attempt = Attempt.objects.create(message=m, channel=m.channel, address=m.address, started_at=now)
        answer = email_channel.send(out, conn)
    elif m.channel in EXTERNAL_CHANNELS and m.endpoint_id:
        pref = preference_for(m.recipient) if m.recipient_id and m.channel == Channel.SMS else None
        admitted = _admit_request(m.endpoint, out, now, message=m, urgent=m.urgent, pref=pref)
        if isinstance(admitted, tuple):
            _release(m, admitted[1], admitted[2])
            return False
        if isinstance(admitted, str):
            _skip(m, admitted, now)
            return False
        attempt = admitted
        answer = channels.send(m.endpoint, out)
    else:
        _skip(m, "无可用的发送渠道或地址", now)
        return False
    _finish_attempt(attempt, answer)
    if answer.ok:
        Message.objects.filter(id=m.id, state=MessageState.SENDING).update(
            state=MessageState.SENT, sent_at=timezone.now(), next_attempt_at=None, last_error="")
        return True
    if answer.block and m.endpoint_id:
        Endpoint.objects.filter(pk=m.endpoint_id).update(blocked_until=now + dt.timedelta(seconds=answer.block))
    _failed(m, answer, now)
    return False


def _failed(m: Message, answer, now):
    """After a failed attempt: again later (with backoff, at least as long as
    the channel asked) when the channel's answer says it is worth it and
    attempts are left; otherwise given up and told to the sender."""
    text = answer.summary[:2000] if hasattr(answer, "summary") else f"{type(answer).__name__}: {answer}"[:2000]
    log.warning("message %s attempt %s failed: %s", m.id, m.attempts, text)
    retry = getattr(answer, "retry", True)
    if retry and m.attempts < max_attempts():
        wait = max(backoff(m.attempts), dt.timedelta(seconds=getattr(answer, "wait", 0) or 0))
        changes = dict(state=MessageState.FAILED, next_attempt_at=now + wait)
    else:
        changes = dict(state=MessageState.DEAD, next_attempt_at=None)
    changed = Message.objects.filter(id=m.id, state=MessageState.SENDING).update(last_error=text, **changes)
    if changed and changes["state"] == MessageState.DEAD:
        _tell_sender(m, text, now)


def _tell_sender(m: Message, reason, now):
    """A message given up: its sender (or the senders of the messages it
    merged) learns it in the app."""
    senders = {m.sender_id} | set(Message.objects.filter(merged_into=m).values_list("sender_id", flat=True))
    senders.discard(None)
    for user in User.objects.filter(pk__in=senders, is_active=True):
        Message.objects.get_or_create(
            dedupe_key=f"failure:{m.pk}:{user.pk}",
            defaults=dict(recipient=user, channel=Channel.INAPP, state=MessageState.SENT, sent_at=now,
                          subject=f"【未送达】{m.subject}"[:200],
                          body=(f"您发出的消息（{m.get_channel_display()}，发给{m.target_name}）未能送达：{reason}"
                                "\n请改用电话等方式联系，或请系统管理员检查渠道配置。"),
                          link="/notify/outbox/?state=dead", source=Source.FAILURE, level=Level.RED,
                          unit=m.unit, created_at=now))


@transaction.atomic
def retry(message: Message, *, by=None) -> Message:
    """Send a failed or dead message again now."""
    m = Message.objects.select_for_update().get(pk=message.pk)
    if m.channel not in EXTERNAL_CHANNELS or m.state not in (MessageState.FAILED, MessageState.DEAD):
        raise ValueError("只能重发发送失败的消息")
    before = {"state": m.state, "attempts": m.attempts}
    m.state, m.attempts, m.next_attempt_at = MessageState.PENDING, 0, timezone.now()
    m.save(update_fields=["state", "attempts", "next_attempt_at"])
    chain.record("notify.message.retry", m, before=before, after={"state": m.state}, actor=by)
    return m


# --- who sees the outbox ----------------------------------------------------------------

def outbox_for(user):
    """The external messages `user` may see on the outbox page: the system
    administrator all of them; the supervision office those about units in
    its jurisdiction; everyone the ones they sent."""
    from duban.org.visibility import scope_for, subtree_ids

    qs = Message.objects.filter(channel__in=EXTERNAL_CHANNELS)
    if has_role(user, Role.SYSTEM_ADMIN):
        return qs
    q = Q(sender=user)
    if has_role(user, Role.SUPERVISOR):
        roots = list(scope_for(user).jurisdictions)
        if roots:
            q |= Q(unit_id__in=subtree_ids(roots))
    return qs.filter(q)


def failures_for(user):
    return outbox_for(user).filter(state=MessageState.DEAD)


def may_see_outbox(user) -> bool:
    return has_role(user, Role.SYSTEM_ADMIN, Role.SUPERVISOR)


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
