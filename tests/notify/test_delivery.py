"""OUT-1: e-mail through a real SMTP server, retries with backoff, the
administrators' view of failed deliveries, and no message sent twice."""

import datetime as dt
from email import message_from_bytes
from email.header import decode_header, make_header

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from duban.clocks import sweep
from duban.notify import services as notify
from duban.notify.models import Channel, Message, MessageState

pytestmark = [pytest.mark.django_db, pytest.mark.anydate]  # runs on the real clock: CI fakes the date
User = get_user_model()


@pytest.fixture
def breached(make_clock, county):
    """A breached clock whose owner has an e-mail address; its messages
    written and waiting for delivery."""
    User.objects.filter(pk=county.edu_user.pk).update(email="zhang.jiaoyu@example.gov.cn")
    start = timezone.now() - dt.timedelta(hours=2)
    clock = make_clock(started_at=start)
    sweep.tick(timezone.now(), deliver=False)
    return clock


def email_messages():
    return Message.objects.filter(channel=Channel.EMAIL)


def test_out1_email_is_received_by_a_real_smtp_server(breached, smtp_server):
    assert notify.deliver_pending() == 1
    assert len(smtp_server.envelopes) == 1
    env = smtp_server.envelopes[0]
    assert env.rcpt_tos == ["zhang.jiaoyu@example.gov.cn"]
    parsed = message_from_bytes(env.content)
    subject = str(make_header(decode_header(parsed["Subject"])))
    assert subject == "【超期】“整治文山会海”报告落实情况"
    body = parsed.get_payload(decode=True).decode(parsed.get_content_charset())
    assert "已于" in body and "尚未办结" in body
    m = email_messages().get()
    assert (m.state, m.attempts, m.next_attempt_at) == (MessageState.SENT, 1, None)
    assert m.sent_at is not None
    # Nothing is sent a second time.
    assert notify.deliver_pending() == 0
    assert notify.deliver_pending(now=timezone.now() + dt.timedelta(days=1)) == 0
    assert len(smtp_server.envelopes) == 1


def test_out1_a_claimed_message_is_not_claimed_by_a_second_worker(breached):
    now = timezone.now()
    first = notify._claim(now, 10)
    second = notify._claim(now, 10)
    assert len(first) == 1 and second == []
    assert email_messages().get().state == MessageState.SENDING
    # A worker that died while sending: after the lease, another takes over.
    later = now + dt.timedelta(seconds=notify.claim_lease() + 1)
    assert notify._claim(later, 10) == first


def test_out1_failing_smtp_is_retried_with_backoff_then_dead(breached, dead_smtp, settings):
    settings.DUBAN_NOTIFY_MAX_ATTEMPTS = 3
    t0 = timezone.now()
    assert notify.deliver_pending(now=t0) == 0
    m = email_messages().get()
    assert (m.state, m.attempts) == (MessageState.FAILED, 1)
    assert m.next_attempt_at == t0 + dt.timedelta(minutes=1)
    assert "Connection" in m.last_error or "拒绝" in m.last_error or "refused" in m.last_error

    # Not due yet: nothing happens.
    notify.deliver_pending(now=t0 + dt.timedelta(seconds=30))
    assert email_messages().get().attempts == 1

    t1 = t0 + dt.timedelta(minutes=1)
    notify.deliver_pending(now=t1)
    m = email_messages().get()
    assert (m.state, m.attempts, m.next_attempt_at) == (MessageState.FAILED, 2, t1 + dt.timedelta(minutes=2))

    t2 = t1 + dt.timedelta(minutes=2)
    notify.deliver_pending(now=t2)
    m = email_messages().get()
    assert (m.state, m.attempts, m.next_attempt_at) == (MessageState.DEAD, 3, None)
    assert notify.deliver_pending(now=t2 + dt.timedelta(days=1)) == 0


def test_out1_backoff_doubles():
    assert [notify.backoff(n).total_seconds() for n in (1, 2, 3, 4)] == [60, 120, 240, 480]


def test_out1_failed_deliveries_are_visible_to_the_system_administrator(breached, dead_smtp, client, county):
    notify.deliver_pending()
    client.force_login(county.sysadmin)
    page = client.get("/notify/outbox/").content.decode()
    assert "发送失败（将重试）" in page and "zhang.jiaoyu@example.gov.cn" in page
    assert "ConnectionRefusedError" in page
    assert "立即重发" in page
    only_dead = client.get("/notify/outbox/", {"state": "dead"}).content.decode()
    assert "zhang.jiaoyu@example.gov.cn" not in only_dead

    # Retry now: back in the queue with a fresh count, journaled.
    m = email_messages().get()
    response = client.post(f"/notify/outbox/{m.pk}/retry/")
    assert response.status_code == 302
    m.refresh_from_db()
    assert (m.state, m.attempts) == (MessageState.PENDING, 0)
    from duban.journal.models import Event

    assert Event.objects.filter(action="notify.message.retry", actor=county.sysadmin).exists()


@pytest.mark.parametrize("who", ["edu_user", "edu_head", "fin_user", "secadmin", "auditor", "leader"])
def test_out1_others_see_only_what_they_sent_in_the_outbox(breached, dead_smtp, client, county, who):
    """The outbox lists one's own sent messages: others' failures stay
    hidden, and retrying them answers 404."""
    notify.deliver_pending()
    m = email_messages().get()
    client.force_login(getattr(county, who))
    page = client.get("/notify/outbox/", {"state": "failed"}).content.decode()
    assert "zhang.jiaoyu@example.gov.cn" not in page and "ConnectionRefusedError" not in page
    assert client.post(f"/notify/outbox/{m.pk}/retry/").status_code == 404


def test_out1_supervision_office_sees_failures_of_its_jurisdiction(breached, dead_smtp, client, county):
    """A failed delivery about a unit is shown to the supervision office
    that supervises it (and only to that one)."""
    notify.deliver_pending()
    client.force_login(county.supervisor)
    page = client.get("/notify/outbox/").content.decode()
    assert "zhang.jiaoyu@example.gov.cn" in page and "ConnectionRefusedError" in page
    other = county.person("other_dcs", "外县督查", county.town, "supervisor", scope=county.town)
    client.force_login(other)
    assert "zhang.jiaoyu@example.gov.cn" not in client.get("/notify/outbox/").content.decode()


def test_out1_outbox_needs_login(client, db):
    response = client.get("/notify/outbox/")
    assert response.status_code == 302 and "/accounts/" in response["Location"]


def test_out1_outbox_is_paginated_with_constant_queries(client, county, django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    now = timezone.now()

    def put(start, n, recipient):
        Message.objects.bulk_create([
            Message(recipient=recipient, channel=Channel.EMAIL, address="a@example.gov.cn", subject=f"第{i}条",
                    body="-", source="breach", dedupe_key=f"test:{i}", state=MessageState.DEAD, attempts=6,
                    last_error="SMTPException: boom", created_at=now)
            for i in range(start, start + n)
        ])

    put(0, 2, county.edu_user)
    client.force_login(county.sysadmin)
    client.get("/notify/outbox/")
    with CaptureQueriesContext(connection) as few:
        client.get("/notify/outbox/")
    put(2, 118, county.fin_user)
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = client.get("/notify/outbox/").content.decode()
    assert page.count("SMTPException: boom") == 50 and "第 1 / 3 页" in page
