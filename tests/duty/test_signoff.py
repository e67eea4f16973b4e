"""DUTY-3: only the leader on duty or the principal leader signs; the
password is re-entered; the signature binds one exact version."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from duban.clocks.models import ClockState
from duban.clocks.services import clocks_for
from duban.duty import services as duty
from duban.duty.models import ReportState, ReportVersion, Signature
from duban.journal.models import Event
from tests.conftest import DEMO_PASSWORD

from .conftest import after, local, send, written


@pytest.fixture
def report(dc, incident):
    return written(dc, incident, after(minutes=10), deaths=0, injuries=2)


def test_duty3_leader_on_duty_signs_and_sends(dc, report):
    sig = duty.sign_report(report, dc.town_leader, DEMO_PASSWORD, at=after(minutes=20))
    report.refresh_from_db()
    assert report.state == ReportState.SENT
    assert report.sent_at == report.first_sent_at == after(minutes=20)
    assert (sig.signer, sig.signer_name, sig.meaning, sig.basis) == (dc.town_leader, "陈副镇长", "审签", "带班领导")
    assert sig.signed_at == after(minutes=20)
    assert sig.version == report.current_version == report.sent_version
    assert sig.content_hash == duty.content_hash(report.current_version)
    assert len(sig.content_hash) == 64
    assert duty.verify_signature(sig)
    assert Event.objects.filter(action="duty.report.sign", object_id=str(sig.pk)).exists()


def test_duty3_principal_leader_signs(dc, report):
    sig = duty.sign_report(report, dc.town_head, DEMO_PASSWORD, at=after(minutes=20))
    assert sig.basis == "主要领导"


@pytest.mark.parametrize("who", ["town_duty", "town_user", "fin_user", "em_head", "duty_chief", "leader"])
def test_duty3_sign_off_by_the_wrong_person_is_refused(dc, report, who):
    with pytest.raises(PermissionDenied) as e:
        duty.sign_report(report, getattr(dc, who), DEMO_PASSWORD, at=after(minutes=20))
    assert "不能审签" in str(e.value)
    report.refresh_from_db()
    assert report.state == ReportState.DRAFT
    assert not Signature.objects.exists()
    assert clocks_for(report.incident, "written").get().state == ClockState.RUNNING
    assert Event.objects.filter(action="duty.report.sign_refused", object_id=str(report.pk)).count() == 1


def test_duty3_leader_not_rostered_that_day_is_refused(dc, incident):
    # April has no roster for the town: 陈副镇长 is not on duty then.
    r = written(dc, incident, after(minutes=10))
    with pytest.raises(PermissionDenied):
        duty.sign_report(r, dc.town_leader, DEMO_PASSWORD, at=local(2026, 4, 1, 9))
    assert duty.signing_basis(dc.town_leader, r, at=local(2026, 4, 1, 9)) is None
    assert duty.signing_basis(dc.town_head, r, at=local(2026, 4, 1, 9)) == "主要领导"


def test_duty3_wrong_password_is_refused_and_journaled(dc, report):
    with pytest.raises(ValidationError) as e:
        duty.sign_report(report, dc.town_leader, "wrong-password", at=after(minutes=20))
    assert "密码不正确" in e.value.message_dict["password"][0]
    report.refresh_from_db()
    assert report.state == ReportState.DRAFT
    assert not Signature.objects.exists()
    failed = Event.objects.get(action="duty.report.sign_failed", object_id=str(report.pk))
    assert failed.actor == dc.town_leader
    assert failed.after["reason"] == "密码错误"
    assert clocks_for(report.incident, "written").get().state == ClockState.RUNNING
    # The right password afterwards works.
    duty.sign_report(report, dc.town_leader, DEMO_PASSWORD, at=after(minutes=21))


def test_duty3_edit_after_signing_needs_a_new_signature(dc, report):
    first = send(dc, report, after(minutes=20))
    v1 = report.versions.get(number=1)
    with pytest.raises(ValidationError):
        send(dc, report, after(minutes=21))  # nothing new to sign
    v2 = duty.revise_report(report, dc.town_duty, figures={"injuries": 3}, at=after(minutes=40))
    report.refresh_from_db()
    assert report.state == ReportState.DRAFT
    assert report.current_version == v2 and report.sent_version == v1
    assert v2.number == 2 and v2.text == v1.text and v2.injuries == 3 and v2.deaths == 0
    # The old signature still matches what it signed, and not the new version.
    assert duty.verify_signature(first)
    assert not duty.verify_signature(first, version=v2)
    assert first.content_hash != v2.content_hash
    second = send(dc, report, after(minutes=50))
    report.refresh_from_db()
    assert second.version == v2 and report.sent_version == v2
    assert report.first_sent_at == after(minutes=20) and report.sent_at == after(minutes=50)
    assert duty.verify_signature(second)
    # The clocks stay met at the first sending.
    assert clocks_for(report.incident, "written").get().met_at == after(minutes=20)


def test_duty3_tampered_version_no_longer_matches(dc, report):
    sig = send(dc, report, after(minutes=20))
    ReportVersion.objects.filter(pk=sig.version_id).update(text="篡改后的内容")
    assert not duty.verify_signature(sig)


def test_duty3_revision_without_change_is_refused(dc, report):
    with pytest.raises(ValidationError):
        duty.revise_report(report, dc.town_duty, figures={"injuries": 2}, at=after(minutes=12))


def test_duty3_content_hash_covers_text_figures_and_kind(dc, report):
    v = report.current_version
    h = duty.content_hash(v)
    v.text += "。"
    assert duty.content_hash(v) != h
    v.refresh_from_db()
    v.economic_loss = v.economic_loss or 0
    assert duty.content_hash(v) != h
    v.refresh_from_db()
    v.kind = "final"
    assert duty.content_hash(v) != h
