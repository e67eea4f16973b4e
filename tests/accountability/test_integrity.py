"""AUD-3: the signs of falsification found from the record, each with its
evidence, dismissible with a reason (journaled); ACC-3 the reverse trace
and its report; ACC-5 the numbered 交办单 with its clock. The claimed
moments are fixed days of 2026; the server's moments are the real clock's,
whatever the date (anydate)."""

import datetime as dt
import io

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from docx import Document

from duban.accountability import documents, services
from duban.accountability.models import AssignmentSheet, Signal, SignalKind, SignalState
from duban.clocks.models import ClockState
from duban.core import photos
from duban.duty import services as duty
from duban.journal.models import Event
from duban.org.models import Role
from duban.supervision import services as sv
from tests.accountability.conftest import SWEPT, T0, completed, overdue_matters
from tests.supervision.conftest import instruction_data, local

pytestmark = pytest.mark.anydate


def _matter(county, unit, person, title, *, at=T0, days=20):
    return sv.create_matter(county.supervisor, assign=True, at=at, **instruction_data(
        county, title=title, lead_unit=unit, lead_person=person, due_at=at + dt.timedelta(days=days),
        urgency="normal"))


def _kinds(found):
    return {f.kind for f in found}


def _scan():
    services.scan(None, now=SWEPT)
    return list(Signal.objects.order_by("kind", "id"))


def test_aud3_backdated_claim_is_a_signal_and_history_before_the_watch_is_not(county):
    m = _matter(county, county.edu, county.edu_user, "校园安全排查")
    # Completion claimed on 4 March 2026, entered now (the server's moment).
    completed(county, m, county.edu_user, claimed=local(2026, 3, 4, 17))
    signals = [s for s in _scan() if s.kind == SignalKind.BACKDATED]
    assert len(signals) == 1 and m.number in signals[0].title and "声称于2026年3月4日 17:00" in signals[0].title
    assert signals[0].unit == county.edu and signals[0].evidence[0]["url"] == m.get_absolute_url()
    # The same history loaded before the watch's start is not judged.
    Signal.objects.all().delete()
    services.set_history_until(county.supervisor, dt.datetime.now(dt.UTC) + dt.timedelta(seconds=1))
    assert not [s for s in _scan() if s.kind == SignalKind.BACKDATED]


def test_aud3_photo_taken_before_the_assignment_or_after_the_claim(county):
    old = SimpleUploadedFile("完工照片.jpg", photos.jpeg_taken(T0 - dt.timedelta(days=90)), content_type="image/jpeg")
    m = _matter(county, county.edu, county.edu_user, "发热门诊改造")
    completed(county, m, county.edu_user, files=[old], claimed=T0 + dt.timedelta(days=3))
    later = SimpleUploadedFile("验收照片.jpg", photos.jpeg_taken(T0 + dt.timedelta(days=9)), content_type="image/jpeg")
    m2 = _matter(county, county.fin, county.fin_user, "国库支付检查")
    completed(county, m2, county.fin_user, files=[later], claimed=T0 + dt.timedelta(days=4))
    fine = SimpleUploadedFile("现场照片.jpg", photos.jpeg_taken(T0 + dt.timedelta(days=1)), content_type="image/jpeg")
    m3 = _matter(county, county.town, county.town_user, "街面整治")
    completed(county, m3, county.town_user, files=[fine], claimed=T0 + dt.timedelta(days=2))
    found = [s for s in _scan() if s.kind == SignalKind.PHOTO_TIME]
    assert sorted(s.unit.name for s in found) == ["县教育局", "县财政局"]
    titles = " ".join(s.title for s in found)
    assert "早于事项交办时间" in titles and "晚于声称完成时间" in titles


def test_aud3_self_closure_by_the_owners_own_organisation(county):
    # 县政府办公室's matter, closed by its own 督查室.
    clerk = county.person("bgs", "何秘书", county.office, Role.LIAISON)
    m = _matter(county, county.office, clerk, "值班电话拨测")
    completed(county, m, clerk)
    other = _matter(county, county.edu, county.edu_user, "教育系统值班检查")
    completed(county, other, county.edu_user)
    found = [s for s in _scan() if s.kind == SignalKind.SELF_CLOSURE]
    assert [s.unit for s in found] == [county.office]
    assert "督查室" in found[0].title and "县政府办公室" in found[0].title


def test_aud3_one_file_for_two_matters(county):
    data = b"%PDF-1.4 the same report"
    a = _matter(county, county.edu, county.edu_user, "甲事项")
    b = _matter(county, county.fin, county.fin_user, "乙事项")
    completed(county, a, county.edu_user, files=[SimpleUploadedFile("报告.pdf", data)])
    completed(county, b, county.fin_user, files=[SimpleUploadedFile("报告（改名）.pdf", data)])
    found = [s for s in _scan() if s.kind == SignalKind.REUSED_FILE]
    assert len(found) == 1 and "2项不同事项" in found[0].title
    assert {e["url"] for e in found[0].evidence} == {a.get_absolute_url(), b.get_absolute_url()}


def test_aud3_typed_phone_time_far_from_the_server_and_judged_on_time(county):
    officer = county.town_user
    learned = dt.datetime.now(dt.UTC) - dt.timedelta(hours=2)
    inc = duty.report_incident(officer, title="道路塌陷", kind="accident", level="larger",
                               occurred_at=learned - dt.timedelta(minutes=5), learned_at=learned, place="城关",
                               reporting_unit=county.town, description="道路塌陷，无人员伤亡。")
    duty.record_phone_report(inc, officer, called_at=learned + dt.timedelta(minutes=5), caller_name="赵城关",
                             callee_name="总值班室", summary="报告塌陷")
    services.scan(None)
    found = list(Signal.objects.filter(kind=SignalKind.TYPED_MOMENT))
    assert len(found) == 1 and found[0].unit == county.town and "通话时间" in found[0].title


def test_aud3_dismissal_needs_a_reason_is_journaled_and_a_unit_never_sees_signals(county, client):
    m = _matter(county, county.edu, county.edu_user, "校园安全排查")
    completed(county, m, county.edu_user, claimed=local(2026, 3, 4, 17))
    s = [x for x in _scan() if x.kind == SignalKind.BACKDATED][0]
    with pytest.raises(ValidationError):
        services.dismiss(s, county.supervisor, reason=" ")
    with pytest.raises(PermissionDenied):
        services.dismiss(s, county.edu_head, reason="无问题")
    services.dismiss(s, county.supervisor, reason="经核实为补录历史台账，已见原始签收单")
    s.refresh_from_db()
    assert s.state == SignalState.DISMISSED
    e = Event.objects.get(action="accountability.signal.dismiss", object_id=str(s.pk))
    assert e.after["reason"].startswith("经核实")
    # Scanning again keeps the dismissal.
    services.scan(None, now=SWEPT)
    s.refresh_from_db()
    assert s.state == SignalState.DISMISSED
    client.force_login(county.edu_head)
    assert client.get("/accountability/signals/").status_code == 404
    client.force_login(county.supervisor)
    page = client.get("/accountability/signals/?state=dismissed")
    assert page.status_code == 200 and "经核实为补录历史台账" in page.content.decode()


def test_acc3_reverse_trace_walks_the_decomposition_and_the_journal(county):
    root = _matter(county, county.edu, county.edu_user, "校舍维修", days=10)
    sv.acknowledge(root, county.edu_user, at=T0 + dt.timedelta(hours=1))
    sub = sv.split_matter(root, county.edu_user, at=T0 + dt.timedelta(hours=2), title="基础教育股排查",
                          content="排查", standard="全覆盖", lead_unit=county.edu_office,
                          lead_person=county.person("jjg", "钱股长", county.edu_office, Role.LIAISON),
                          due_at=T0 + dt.timedelta(days=7))
    sv.urge_matter(sub, county.edu_user, channel="phone", note="请抓紧", at=T0 + dt.timedelta(days=5))
    overdue_matters(county, county.fin, county.fin_user, n=1)  # the sweep at SWEPT
    with pytest.raises(PermissionDenied):
        services.make_trace(county.edu_head, source="supervision.matter", key=str(root.pk), at=SWEPT)
    t = services.make_trace(county.supervisor, source="supervision.matter", key=str(sub.pk), at=SWEPT)
    assert [(x["depth"], x["unit"]) for x in t.levels] == [(0, "县教育局"), (1, "基础教育股")]
    assert all(x["failed"] for x in t.levels)
    assert t.levels[1]["person"] == "钱股长" and t.levels[1]["assigned_by"] == "县教育局"
    whats = [e["what"] for e in t.levels[1]["events"]]
    assert "supervision.urge.create" in [e["action"] for e in t.levels[1]["events"]] and whats
    body = "\n".join(p.text for p in Document(io.BytesIO(documents.render_docx(documents.trace_document(t)))).paragraphs)
    assert "倒查报告" in body and "基础教育股" in body and "钱股长" in body
    not_failed = _matter(county, county.town, county.town_user, "未超期事项", at=SWEPT - dt.timedelta(days=1))
    with pytest.raises(ValidationError):
        services.make_trace(county.supervisor, source="supervision.matter", key=str(not_failed.pk), at=SWEPT)


def test_acc5_a_numbered_sheet_with_its_own_deadline_and_clock(county):
    with pytest.raises(ValidationError) as e:
        services.issue_sheet(county.supervisor, unit=county.town, title="", problems="", requirements="", at=T0)
    assert set(e.value.message_dict) == {"title", "problems", "requirements"}
    with pytest.raises(PermissionDenied):
        services.issue_sheet(county.edu_head, unit=county.town, title="整改不认真", problems="流于形式",
                             requirements="重新整改", at=T0)
    a = services.issue_sheet(county.supervisor, unit=county.town, title="整改不认真", problems="流于形式",
                             requirements="重新整改", at=T0)
    b = services.issue_sheet(county.supervisor, unit=county.edu, title="台账不实", problems="台账与实际不符",
                             requirements="逐项核实", due_at=local(2026, 3, 20, 18), at=T0)
    assert (a.number, b.number) == ("交办〔2026〕1号", "交办〔2026〕2号")
    assert a.clock.rule.code == "acc_sheet_10wd" and a.clock.owner_unit == county.town
    assert b.clock.explicit and b.clock.due_at == local(2026, 3, 20, 18)
    with pytest.raises(PermissionDenied):
        services.reply_sheet(a, county.edu_user, text="整改完毕", at=T0 + dt.timedelta(days=3))
    services.reply_sheet(a, county.town_user, text="已重新整改，逐项销号", at=T0 + dt.timedelta(days=3))
    a.refresh_from_db()
    assert a.clock.state == ClockState.MET
    services.close_sheet(a, county.supervisor, accept=False, note="佐证不足", at=T0 + dt.timedelta(days=4))
    a.refresh_from_db()
    assert a.state == "open" and a.clock.state == ClockState.RUNNING
    body = Document(io.BytesIO(documents.render_docx(documents.sheet_document(a))))
    cells = " ".join(c.text for t in body.tables for r in t.rows for c in r.cells)
    assert "交办〔2026〕1号" in cells and "城关镇" in cells and "流于形式" in cells
    assert AssignmentSheet.objects.count() == 2


def test_aud3_progress_copied_between_units_and_repeated_within_one(county):
    text = "已召开专题会议部署，逐户排查整改对象，建立工作台账，明确责任人和完成时限，目前已完成百分之八十。"
    a = _matter(county, county.edu, county.edu_user, "甲")
    b = _matter(county, county.fin, county.fin_user, "乙")
    for m, user in ((a, county.edu_user), (b, county.fin_user)):
        sv.acknowledge(m, user, at=T0 + dt.timedelta(hours=1))
    sv.submit_report(a, county.edu_user, text=text, at=T0 + dt.timedelta(days=1))
    sv.submit_report(b, county.fin_user, text=text.replace("百分之八十", "百分之八十五"), at=T0 + dt.timedelta(days=2))
    sv.submit_report(a, county.edu_user, text="本周继续推进排查，新发现问题三处，已全部登记并落实到责任人，预计下周完成。",
                     at=T0 + dt.timedelta(days=3))
    sv.submit_report(a, county.edu_user, text="本周继续推进排查，新发现问题三处，已全部登记并落实到责任人，预计下周完成。",
                     at=T0 + dt.timedelta(days=8))
    sv.submit_report(b, county.fin_user, text="已完成", at=T0 + dt.timedelta(days=9))  # too short to judge
    found = [s for s in _scan() if s.kind == SignalKind.COPIED]
    assert sorted((s.unit.name, "其他单位" in s.title) for s in found) == [("县教育局", False), ("县财政局", True)]
    copied = [s for s in found if s.unit == county.fin][0]
    assert "相似度" in copied.title and copied.evidence[1]["url"].startswith(a.get_absolute_url())


def test_aud3_texts_of_the_history_are_originals_but_not_judged(county):
    text = "已召开专题会议部署，逐户排查整改对象，建立工作台账，明确责任人和完成时限，目前已完成百分之八十。"
    a = _matter(county, county.edu, county.edu_user, "甲")
    b = _matter(county, county.fin, county.fin_user, "乙")
    for m, user in ((a, county.edu_user), (b, county.fin_user)):
        sv.acknowledge(m, user, at=T0 + dt.timedelta(hours=1))
    # Loaded as history (before the watch): the original and an old copy of it.
    sv.submit_report(a, county.edu_user, text=text, at=T0 + dt.timedelta(days=1))
    sv.submit_report(b, county.fin_user, text=text.replace("八十", "八十一"), at=T0 + dt.timedelta(days=2))
    services.set_history_until(county.supervisor, T0 + dt.timedelta(days=3))
    # Written after the watch's start: a copy of the history's text is judged.
    sv.submit_report(b, county.fin_user, text=text.replace("八十", "九十"), at=T0 + dt.timedelta(days=4))
    found = [s for s in _scan() if s.kind == SignalKind.COPIED]
    assert len(found) == 1 and found[0].unit == county.fin and "其他单位" in found[0].title
    assert "（2026年3月6日" in found[0].evidence[0]["text"]
    assert any(e["url"].startswith(a.get_absolute_url()) for e in found[0].evidence[1:])
