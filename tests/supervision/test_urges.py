"""SUP-3: urging (催办) — by hand, recorded with who, whom and channel, with a
message to the urged person; automatically from clock warnings and
breaches, exactly once per flip; each urge can be numbered for a 催办单."""

import pytest
import time_machine
from django.core.exceptions import ValidationError

from duban.clocks import sweep
from duban.clocks.models import ClockFlip
from duban.journal.models import Event
from duban.notify.models import Message
from duban.org import services as org
from duban.supervision import services as sv
from duban.supervision.models import Urge, UrgeKind

from .conftest import local

pytestmark = [pytest.mark.django_db, pytest.mark.anydate]  # runs on the real clock: CI fakes the date


def test_sup3_manual_urge_is_recorded_journaled_and_messaged(county, loop):
    m = loop.in_progress()
    u = sv.urge_matter(m, county.supervisor, channel="phone", note="请本周内报送整改台账", at=loop.tick())
    assert (u.kind, u.channel, u.urged_by, u.urged_unit, u.urged_person) == (
        UrgeKind.MANUAL, "phone", county.supervisor, county.edu, county.edu_user)
    e = Event.objects.get(action="supervision.urge.create", object_id=str(u.pk))
    assert e.after["channel"] == "phone" and e.after["urged_person"] == county.edu_user.pk
    msg = Message.objects.get(recipient=county.edu_user, subject=f"【催办】{m.number} {m.title}")
    assert "陈督查通过电话催办" in msg.body and "请本周内报送整改台账" in msg.body


def test_sup3_urging_a_cooperating_unit_reaches_its_responsible_person_and_b_role(county, loop):
    m = loop.in_progress(cooperating=[{"unit": county.fin, "person": county.fin_user}])
    backup = county.person("finb", "周财务", county.fin)
    person = county.fin_user.person
    org.set_backup(person, backup)
    org.set_away(person, local(2026, 3, 1), local(2026, 3, 31), "出差")
    u = sv.urge_matter(m, county.supervisor, channel="sms", urged_unit=county.fin, at=loop.tick())
    assert u.urged_person == county.fin_user
    assert set(Message.objects.filter(subject__startswith="【催办】").values_list("recipient__username", flat=True)) \
        == {"fin", "finb"}


def test_sup3_urge_checks_channel_and_whom(county, loop):
    m = loop.in_progress()
    with pytest.raises(ValidationError, match="催办渠道应为"):
        sv.urge_matter(m, county.supervisor, channel="auto", at=loop.tick())
    with pytest.raises(ValidationError, match="不是该事项的牵头或配合单位"):
        sv.urge_matter(m, county.supervisor, channel="phone", urged_unit=county.fin, at=loop.tick())
    with pytest.raises(ValidationError, match="不属于“县教育局”"):
        sv.urge_matter(m, county.supervisor, channel="phone", urged_person=county.fin_user, at=loop.tick())


def test_sup3_automatic_urges_from_warning_and_breach_exactly_once(county, loop):
    m = loop.in_progress(due_at=local(2026, 3, 5, 18, 0))
    sweep.tick(now=local(2026, 3, 5, 10), deliver=False)
    sweep.tick(now=local(2026, 3, 5, 10), deliver=False)
    auto = Urge.objects.filter(matter=m, kind=UrgeKind.AUTO)
    assert [u.flip.kind for u in auto] == ["warning"]
    sweep.tick(now=local(2026, 3, 6, 9), deliver=False)
    sweep.tick(now=local(2026, 3, 6, 9), deliver=False)
    urges = list(auto.order_by("id"))
    assert [u.flip.kind for u in urges] == ["warning", "breach"]
    u = urges[1]
    assert (u.channel, u.urged_by, u.urged_unit, u.urged_person) == ("auto", None, county.edu, county.edu_user)
    assert "已于2026年3月5日 18:00到期" in u.note
    assert Event.objects.filter(action="supervision.urge.auto").count() == 2
    # Handling the same flips again changes nothing.
    flips = list(ClockFlip.objects.select_related("clock"))
    from django.db import transaction

    with transaction.atomic():
        assert sv.handle_clock_flips(flips) == []
    assert Urge.objects.filter(matter=m, kind=UrgeKind.AUTO).count() == 2


def test_sup3_no_automatic_urge_for_a_matter_that_is_no_longer_the_units_turn(county, loop):
    m = loop.in_progress(due_at=local(2026, 3, 5, 18, 0))
    sweep.tick(now=local(2026, 3, 6, 9), deliver=False)  # breached while in progress: urged
    sv.suspend_matter(m, county.supervisor, reason="暂停", at=local(2026, 3, 6, 10))
    n = Urge.objects.count()
    sweep.tick(now=local(2026, 3, 20), deliver=False)
    assert Urge.objects.count() == n


def test_sup3_an_urge_gets_a_numbered_urging_sheet_once(county, loop):
    m = loop.in_progress()
    a = sv.urge_matter(m, county.supervisor, channel="written", at=loop.tick())
    b = sv.urge_matter(m, county.supervisor, channel="written", at=loop.tick())
    assert sv.allocate_urge_number(a, county.supervisor, at=loop.tick()) == "督催〔2026〕1号"
    assert sv.allocate_urge_number(a, county.supervisor, at=loop.tick()) == "督催〔2026〕1号"
    # The model's shortcut takes no moment: it numbers by today's year, so today is frozen in 2026.
    with time_machine.travel(loop.tick(), tick=False):
        assert b.allocate_document_number(county.supervisor) == "督催〔2026〕2号"
    a.refresh_from_db()
    assert a.document_number == "督催〔2026〕1号"
    assert Event.objects.filter(action="supervision.urge.number").count() == 2
