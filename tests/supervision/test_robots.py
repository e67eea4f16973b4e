"""OUT-1 for matters: the lead and cooperating units' group robots receive
the assignment and urges, @-mentioning the responsible people; a 特急
matter's messages reach the phone in quiet hours too."""

import pytest

from duban.clocks import sweep
from duban.notify import services as notify
from duban.notify.models import Channel, Message, MessageState
from duban.org import services as org
from duban.supervision import services as sv
from tests.notify.conftest import receiver, robot, sms_gateway  # noqa: F401  (fixtures)

from .conftest import T0, instruction_data, local

pytestmark = pytest.mark.django_db


def test_out1_assignment_reaches_the_lead_and_cooperating_units_robots(county, robot, receiver):  # noqa: F811
    org.update_person(county.edu_user.person, mobile="13900000011")
    robot("wecom", "K-edu")
    robot("dingtalk", "T-fin", unit=county.fin, secret="SECfin")
    m = sv.create_matter(county.supervisor, assign=True, at=T0, **instruction_data(
        county, cooperating=[(county.fin, county.fin_user, "资金保障")]))
    notify.deliver_pending(now=T0)
    edu = receiver.messages(kind="wecom")[0]
    assert edu.text.startswith(f"【督办】{m.number}") and "县教育局为牵头单位" in edu.text
    assert edu.payload["text"]["mentioned_mobile_list"] == ["13900000011"]
    fin = receiver.messages(kind="dingtalk")[0]
    assert "县财政局为配合单位" in fin.text
    assert Message.objects.filter(channel=Channel.WECOM, sender=county.supervisor).exists()
    # An urge by hand reaches the group too.
    sv.urge_matter(m, county.supervisor, channel="phone", note="请加快进度", at=T0)
    notify.deliver_pending(now=T0)
    assert receiver.messages(kind="wecom")[-1].text.startswith(f"【催办】{m.number}")


def test_out1_an_extra_urgent_matters_breach_is_texted_at_night(county, sms_gateway, receiver):  # noqa: F811
    sms_gateway()
    org.update_person(county.edu_user.person, mobile="13900000012")
    m = sv.create_matter(county.supervisor, assign=True, at=T0, **instruction_data(
        county, urgency="extra_urgent", due_at=local(2026, 3, 2, 23, 0)))
    normal = sv.create_matter(county.supervisor, assign=True, at=T0, **instruction_data(
        county, title="一般事项", urgency="normal", due_at=local(2026, 3, 2, 23, 0)))
    notify.deliver_pending(now=T0)  # the 特急 assignment goes by SMS at once
    night = local(2026, 3, 2, 23, 0, 1)
    sweep.tick(night, deliver=False)
    notify.deliver_pending(now=night)
    # The completion clocks' breaches (a 特急 matter's 4-hour sign-for clock,
    # TL-3, has broken by night too).
    m.refresh_from_db()
    normal.refresh_from_db()
    texts = Message.objects.filter(channel=Channel.SMS, source="breach")
    urgent = texts.get(clock_id=m.completion_clock_id)
    # Sent at once, alone or in one digest with the sign-for clock's breach
    # to the same phone.
    sent = urgent.merged_into if urgent.state == MessageState.MERGED else urgent
    assert urgent.urgent and sent.state == MessageState.SENT
    held = texts.get(clock_id=normal.completion_clock_id)
    assert not held.urgent and held.state == MessageState.PENDING and held.next_attempt_at == local(2026, 3, 3, 7)
