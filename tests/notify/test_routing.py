"""OUT-1 and ORG-4: warnings and breaches become messages for the owner,
their B role while they are away, and (for a breach) the unit head; never
twice for the same moment."""

import datetime as dt

import pytest
from django.contrib.auth import get_user_model

from duban.clocks import sweep
from duban.clocks.models import ClockFlip, FlipKind
from duban.notify import services as notify
from duban.notify.models import Channel, Message, MessageState, Source
from duban.org import services as org

from .conftest import local

pytestmark = pytest.mark.django_db
User = get_user_model()

WARN = local(2026, 3, 2, 9, 40)    # a 1h clock started 9:00 warns at 9:40
DUE = local(2026, 3, 2, 10, 0)


def recipients(kind=None):
    qs = Message.objects.filter(channel=Channel.INAPP)
    if kind:
        qs = qs.filter(source=kind)
    return sorted(qs.values_list("recipient__username", flat=True))


def run_sweep(now):
    sweep.sweep_breaches(now)
    sweep.sweep_warnings(now)
    return notify.process_flips()


def test_out1_warning_goes_to_the_owner_person(make_clock, county):
    make_clock()
    run_sweep(WARN)
    assert recipients(Source.WARNING) == ["edu"]
    m = Message.objects.get(channel=Channel.INAPP)
    assert m.state == MessageState.SENT and m.read_at is None
    assert m.subject.startswith("【临期预警】") and "2026-03-02 10:00" in m.body


def test_org4_owner_away_backup_also_receives_and_not_once_back(make_clock, county):
    person = county.edu_user.person
    org.set_backup(person, county.fin_user)
    org.set_away(person, local(2026, 3, 1), local(2026, 3, 3), "外出学习")
    make_clock()
    # Routing is decided at the moment the flip is turned into messages.
    assert sweep.sweep_warnings(WARN) == 1
    flip = ClockFlip.objects.get()
    notify.messages_for_flip(flip, now=WARN)
    assert recipients(Source.WARNING) == ["edu", "fin"]
    backup_msg = Message.objects.get(recipient=county.fin_user)
    assert "B角" in backup_msg.body and "张教育" in backup_msg.body

    # Back at work: the breach goes to the owner (and the unit head), not to B.
    Message.objects.all().delete()
    sweep.sweep_breaches(DUE)
    breach = ClockFlip.objects.get(kind=FlipKind.BREACH)
    notify.messages_for_flip(breach, now=local(2026, 3, 3, 9))
    assert recipients(Source.BREACH) == ["edu", "eduhead"]


def test_out1_breach_also_goes_to_the_unit_head(make_clock, county):
    make_clock()
    run_sweep(WARN)
    run_sweep(DUE)
    assert recipients(Source.WARNING) == ["edu"]
    assert recipients(Source.BREACH) == ["edu", "eduhead"]
    head_msg = Message.objects.get(recipient=county.edu_head)
    assert head_msg.subject.startswith("【超期】") and "县教育局负责人" in head_msg.body
    # Other units' heads are not told.
    other_head = county.person("finhead", "钱局长", county.fin, "unit_head")
    assert not Message.objects.filter(recipient=other_head).exists()


def test_org4_away_unit_head_is_covered_by_their_backup(make_clock, county):
    head = county.edu_head.person
    org.set_backup(head, county.leader)
    org.set_away(head, local(2026, 3, 1), None, "住院")
    make_clock()
    run_sweep(DUE)
    assert recipients(Source.BREACH) == ["edu", "eduhead", "xianzhang"]


def test_out1_clock_without_owner_person_warns_the_unit_head(make_clock, county):
    make_clock(owner_person=None)
    run_sweep(WARN)
    assert recipients(Source.WARNING) == ["eduhead"]


def test_out1_email_only_for_users_with_an_address(make_clock, county):
    User.objects.filter(pk=county.edu_user.pk).update(email="edu@example.gov.cn")
    make_clock()
    run_sweep(DUE)
    emails = Message.objects.filter(channel=Channel.EMAIL)
    assert [(m.recipient_id, m.address, m.state) for m in emails] == [
        (county.edu_user.pk, "edu@example.gov.cn", MessageState.PENDING)
    ]
    assert emails[0].next_attempt_at is not None


def test_out1_no_message_twice_for_the_same_moment(make_clock, county):
    User.objects.filter(pk=county.edu_user.pk).update(email="edu@example.gov.cn")
    make_clock()
    first = run_sweep(DUE)
    total = Message.objects.count()
    assert first == total == 3  # owner in-app + e-mail, unit head in-app
    # The loop runs again; the flip is processed again by hand; the sweep
    # finds nothing new.
    assert run_sweep(DUE + dt.timedelta(seconds=1)) == 0
    flip = ClockFlip.objects.get()
    assert notify.messages_for_flip(flip) == 0
    ClockFlip.objects.filter(pk=flip.pk).update(processed_at=None)
    assert notify.process_flips() == 0
    assert Message.objects.count() == total


def test_out1_reminder_before_the_deadline_reaches_owner_and_backup(make_clock, county):
    org.set_backup(county.edu_user.person, county.fin_user)
    org.set_away(county.edu_user.person, local(2026, 3, 1), None)
    clock = make_clock()
    assert notify.remind(clock, text="请于今日报送。", at=local(2026, 3, 2, 9, 30), by=county.supervisor) == 2
    assert recipients(Source.REMINDER) == ["edu", "fin"]
    assert "请于今日报送" in Message.objects.filter(source=Source.REMINDER).first().body


def test_tl4_tick_flips_and_writes_messages_in_one_call(make_clock, county):
    make_clock()
    result = sweep.tick(DUE, deliver=False)
    assert (result.breaches, result.warnings, result.messages) == (1, 0, 2)


def test_out1_flips_processed_signal_fires_once_per_flip_inside_the_batch(make_clock, county):
    from duban.notify.services import flips_processed

    seen = []

    def receiver(sender, flips, now, **kwargs):
        seen.extend((f.clock_id, f.kind) for f in flips)

    clock = make_clock()
    flips_processed.connect(receiver, dispatch_uid="test-flips-processed")
    try:
        run_sweep(WARN)
        run_sweep(DUE)
        run_sweep(DUE)
    finally:
        flips_processed.disconnect(dispatch_uid="test-flips-processed")
    assert seen == [(clock.pk, FlipKind.WARNING), (clock.pk, FlipKind.BREACH)]
