"""AUD-1, AUD-2 (issue 21 item 4): every write journaled (saved views, read
marks, the admin's group and account edits through the services), evidence
re-hashed on download and refused when replaced, decisions signed with the
signer's key over the record's SM3 hash and checked by verify_journal."""

import datetime as dt
import io
import os

import pytest
from django.core.management import call_command
from django.test import Client

from duban.journal import chain, evidence, signatures
from duban.journal.models import Event
from duban.notify.models import Channel, Message
from duban.org import services as org
from duban.savedviews import services as saved
from duban.supervision import services as sv
from tests.supervision.conftest import Loop

pytestmark = pytest.mark.django_db


def actions():
    return list(Event.objects.order_by("seq").values_list("action", flat=True))


def test_aud1_saved_views_and_read_marks_are_journaled(county):
    v = saved.save_view(county.edu_user, "supervision.unit", "红灯", "light=red&page=3")
    saved.save_view(county.edu_user, "supervision.unit", "红灯", "light=yellow")
    assert saved.delete_view(county.edu_user, v.pk)
    assert actions()[-3:] == ["savedviews.create", "savedviews.update", "savedviews.delete"]
    assert Event.objects.get(action="savedviews.update").before == {"query": "light=red"}
    m1 = Message.objects.create(recipient=county.edu_user, channel=Channel.INAPP, subject="催办", body="请办理", dedupe_key="t1",
                                created_at=dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC))
    Message.objects.create(recipient=county.edu_user, channel=Channel.INAPP, subject="提醒", body="即将到期", dedupe_key="t2",
                           created_at=dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC))
    from duban.notify import services as notify

    notify.mark_read(county.edu_user, m1.pk)
    notify.mark_read(county.edu_user, m1.pk)  # already read: nothing new
    assert notify.mark_all_read(county.edu_user) == 1
    assert actions()[-2:] == ["notify.message.read", "notify.message.read_all"]
    assert Event.objects.get(action="notify.message.read").actor == county.edu_user


def test_aud1_admin_edits_go_through_the_services(county):
    admin = Client()
    admin.force_login(county.sysadmin)
    group = org.create_group("改进作风工作专班", "task_force")
    r = admin.post(f"/admin/org/workgroup/{group.pk}/change/", {
        "name": "改进作风狠抓落实工作专班", "kind": "task_force", "purpose": "统筹督查", "basis": "",
        "memberships-TOTAL_FORMS": "1", "memberships-INITIAL_FORMS": "0", "memberships-MIN_NUM_FORMS": "0",
        "memberships-MAX_NUM_FORMS": "1000", "memberships-0-user": county.edu_user.pk,
        "memberships-0-group_role": "成员", "memberships-0-duty": "", "memberships-0-sort_order": "0"})
    assert r.status_code == 302, r.content.decode()[:2000]
    update = Event.objects.get(action="org.group.update")
    assert update.actor == county.sysadmin and update.after["name"] == "改进作风狠抓落实工作专班"
    assert Event.objects.filter(action="org.group.member.add").exists()
    r = admin.post(f"/admin/auth/user/{county.fin_user.pk}/change/", {
        "first_name": "李财政", "email": "li@example.gov.cn", "is_active": "on"})
    assert r.status_code == 302
    e = Event.objects.get(action="org.user.update")
    assert e.actor == county.sysadmin and e.after["email"] == "li@example.gov.cn" and e.before["email"] == ""
    assert chain.verify().ok


def test_aud2_a_replaced_evidence_file_is_refused_on_download(county):
    loop = Loop(county)
    m = loop.completion_requested()
    ev = m.reports.filter(files__isnull=False).first().files.first()
    c = Client()
    c.force_login(county.supervisor)
    r = c.get(f"/matters/files/{ev.pk}/")
    assert r.status_code == 200 and b"".join(r.streaming_content) == b"%PDF-1.4 evidence"
    path = evidence.path_of(ev)
    os.chmod(path, 0o640)
    path.write_bytes(b"%PDF-1.4 forged")
    r = c.get(f"/matters/files/{ev.pk}/")
    assert r.status_code == 409 and "已被替换" in r.content.decode() and "拒绝下载" in r.content.decode()
    assert Event.objects.filter(action="evidence.download_refused", object_id=str(ev.pk)).exists()


def test_aud1_decisions_are_signed_and_verify_journal_checks_them(county, capsys):
    loop = Loop(county)
    m = loop.acknowledged()
    ext = sv.request_extension(m, county.edu_user, reason="需协调用地", proposed_due=loop.t + dt.timedelta(days=30),
                               at=loop.tick())
    sv.decide_extension(ext, county.supervisor, approve=True, reason="同意", at=loop.tick())
    done = loop.completed()
    signed = list(Event.objects.filter(after__has_key="signature").order_by("seq"))
    assert [e.action for e in signed] == ["supervision.extension.approve", "supervision.matter.complete"]
    for e in signed:
        sig = e.after["signature"]
        assert sig["alg"] == "HMAC-SM3" and sig["signer"] == county.supervisor.pk and signatures.check(e) == ""
    assert signed[1].object_id == str(done.pk)
    # A changed record, or another user's key, no longer matches.
    forged = Event(**{f.attname: getattr(signed[1], f.attname) for f in Event._meta.concrete_fields})
    forged.after = {**forged.after, "result": "met_early"}
    assert "SM3" in signatures.check(forged)
    forged.after = signed[1].after
    forged.actor_id = county.edu_user.pk
    assert signatures.check(forged) == "签名人与操作人不符"
    out = io.StringIO()
    call_command("verify_journal", stdout=out)
    assert "签名完好：共 2 个" in out.getvalue()
