"""OUT-1 on PostgreSQL: delivery workers running at once never send the
same message twice."""

import pytest
from django.contrib.auth import get_user_model

from duban.clocks import sweep
from duban.notify import services as notify
from duban.notify.models import Channel, Message, MessageState
from tests.clocks.test_sweep_pg import in_parallel, make_due

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
User = get_user_model()


def test_out1_two_delivery_workers_never_send_a_message_twice(county, smtp_server):
    """Three workers deliver 120 e-mails written at one moment (60 breaches,
    to the owner and the unit head): each is delivered exactly once, alone
    or in one digest of its recipient's messages (a worker merges what it
    claimed for one mailbox)."""
    User.objects.filter(pk=county.edu_user.pk).update(email="edu@example.gov.cn")
    User.objects.filter(pk=county.edu_head.pk).update(email="head@example.gov.cn")
    make_due(county, 60)
    sweep.tick(deliver=False)
    originals = Message.objects.filter(channel=Channel.EMAIL, state=MessageState.PENDING)
    ids = list(originals.values_list("pk", flat=True))
    assert len(ids) == 120
    sent = in_parallel(3, lambda: notify.deliver_pending(limit=500))
    assert sum(sent) == 120
    rows = Message.objects.filter(pk__in=ids)
    assert set(rows.values_list("state", flat=True)) <= {MessageState.SENT, MessageState.MERGED}
    digests = Message.objects.filter(channel=Channel.EMAIL, source="digest")
    assert not rows.filter(state=MessageState.MERGED).exclude(merged_into__in=digests.filter(
        state=MessageState.SENT)).exclude(merged_into__in=rows.filter(state=MessageState.SENT)).exists()
    assert len(smtp_server.envelopes) == Message.objects.filter(channel=Channel.EMAIL,
                                                               state=MessageState.SENT).count()
    # Each original is in exactly one of the mails sent: alone, or listed in one digest.
    carried = [m.merged_into_id for m in rows.filter(state=MessageState.MERGED)]
    assert len(carried) + rows.filter(state=MessageState.SENT).count() == 120


def test_out1_three_workers_together_never_exceed_a_robots_twenty_a_minute(county, receiver, robot):
    """The rate ledger lives in the database: three workers sending one
    message each at a time for the same 钉钉 robot send twenty in the
    minute, never the twenty-first that would block the robot."""
    from django.utils import timezone

    robot("dingtalk", "T-pg", unit=county.town, secret="SECpg")
    now = timezone.now()
    for i in range(30):
        notify.notify_unit(county.town, f"【督办】第{i}件", "请办理。", key=f"pg:{i}", at=now)

    def worker():
        sent = 0
        for _ in range(30):
            sent += notify.deliver_pending(now=now, limit=1)
        return sent

    in_parallel(3, worker)
    got = receiver.messages(kind="dingtalk")
    assert len(got) == 20 and all(r.ok for r in got)
    assert Message.objects.filter(channel="dingtalk", state=MessageState.SENT).count() == 20
    assert Message.objects.filter(channel="dingtalk", state=MessageState.PENDING).count() == 10
