"""The demo county's year of supervised matters (issue 4, item 7): every
state and light, sub-tasks, extensions, urges and periodic reports, all
through the services, journaled with their business moments, idempotent
(issue 16 item 3: on every date, without patching the clock).

Loading the year takes several seconds, so one test loads it and checks it
from every side (at the moment the demo used to fail: 2026-12-04, in the
month when deadlines reach into the provisional year 2027); the loads on
other dates are in tests/core/test_demo.py; the others are quick checks of
the helpers."""

import datetime as dt
import struct
import zipfile
import zlib
import zoneinfo
from io import BytesIO

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.core.management import call_command

from duban.clocks.models import ClockState
from duban.core.management.commands.load_demo import load
from duban.journal import chain, evidence
from duban.journal.models import Event, EvidenceFile
from duban.supervision import demo, pages, queries
from duban.supervision.models import (
    ExtensionRequest,
    ExtensionState,
    Matter,
    Report,
    ReportKind,
    Result,
    ReviewState,
    SourceKind,
    Urge,
    UrgeChannel,
    UrgeKind,
)
from duban.supervision.transitions import State
from tests.demo_checks import assert_story_in_the_past

User = get_user_model()
SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
# A fixed moment of loading (a Friday morning of December, when the loader
# used to fail), frozen for the whole test so that nothing depends on the
# day the suite runs.
NOW = dt.datetime(2026, 12, 4, 10, 0, tzinfo=SHANGHAI)

pytestmark = pytest.mark.django_db


def user(username):
    return User.objects.select_related("person").get(username=username)


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield NOW


def test_the_demo_year(capsys, frozen):
    load()
    result = demo.load_matters()
    assert not result.skipped
    assert result.lights["red"] and result.lights["yellow"] and result.lights["green"]
    matters = demo.demo_matters()

    # Size and sources.
    assert 60 <= matters.count() <= 100
    # Matters from the public's complaints come through the portal's
    # hand-over (duban.portal.demo), not from this ledger of the year.
    assert set(matters.values_list("source_kind", flat=True)) == set(SourceKind.values) - {SourceKind.COMPLAINT}
    assert matters.filter(source_kind=SourceKind.STANDING_MEETING, meeting_name="县人民政府第12次常务会议",
                          minutes_number="示政常纪〔2026〕12号").count() >= 3
    assert matters.filter(source_kind=SourceKind.LEADER_INSTRUCTION, instructing_leader__username="xianzhang").exists()
    assert matters.filter(source_kind=SourceKind.HIGHER_DEPLOYMENT, document_number="市府办发〔2026〕15号").exists()
    assert matters.filter(source_kind=SourceKind.HOTLINE, ticket_number__startswith="GD").count() >= 4
    assert matters.filter(deadline_rule="matter_report_7wd").exclude(state=State.DRAFT).exists()
    first = matters.exclude(assigned_at=None).order_by("assigned_at").first()
    assert first.assigned_at.astimezone(SHANGHAI).date() < dt.date(NOW.year, 1, 1)  # a year back: 督办〔2025〕…
    assert first.number.startswith(f"督办〔{NOW.year - 1}〕")
    # Texts name the years of the story: the year of assignment, or the next.
    assert matters.filter(title="推进2026年城镇老旧小区改造").exists()
    assert matters.filter(title="征集2027年县政府民生实事项目", instruction_text__contains="2027年").exists()
    assert all(m.assigned_at <= NOW for m in matters.exclude(assigned_at=None))

    # Every state; done on time and late; returned once.
    states = set(matters.values_list("state", flat=True))
    assert states == set(State.values)
    assert matters.filter(result=Result.MET).exists() and matters.filter(result=Result.MET_LATE).exists()
    assert matters.filter(return_count=1, state=State.IN_PROGRESS).exists()
    assert matters.filter(return_count=1, state__in=[State.COMPLETED, State.ARCHIVED]).exists()
    assert Report.objects.filter(matter__in=matters, review_state=ReviewState.RETURNED,
                                 kind=ReportKind.PROGRESS).exists()

    # Assigned and not acknowledged, the acknowledgement clock breached.
    assigned = queries.supervision_list(user("duchashi"), {"state": "assigned", "light": "red"}, now=NOW).rows
    assert assigned.exists()
    assert Urge.objects.filter(matter__in=matters, kind=UrgeKind.AUTO, clock__kind="ack", flip__kind="breach",
                               matter__state__in=[State.COMPLETED, State.ARCHIVED]).exists()  # acknowledged late

    # Sub-tasks, two levels deep for some.
    subtasks = matters.filter(parent__isnull=False)
    assert subtasks.count() >= 10
    assert subtasks.filter(depth=2).count() >= 2
    assert subtasks.filter(lead_unit__name="城关镇").exists()

    # Extensions: pending, approved, rejected.
    extensions = ExtensionRequest.objects.filter(matter__in=matters)
    for state in (ExtensionState.PENDING, ExtensionState.APPROVED, ExtensionState.REJECTED):
        assert extensions.filter(state=state).exists(), state

    # Urges: by hand (phone, a numbered written one) and automatic from breaches.
    urges = Urge.objects.filter(matter__in=matters)
    assert urges.filter(kind=UrgeKind.MANUAL, channel=UrgeChannel.PHONE).exists()
    assert urges.filter(kind=UrgeKind.MANUAL, channel=UrgeChannel.WRITTEN).exclude(document_number="").exists()
    assert urges.filter(kind=UrgeKind.AUTO, flip__kind="breach").count() >= 5
    assert urges.filter(kind=UrgeKind.AUTO, urged_at__lt=NOW - dt.timedelta(days=60)).exists()  # swept in the past

    # The long-term matter: monthly reports, one period missed (met late).
    safety = matters.get(is_long_term=True, report_cycle="monthly")
    periods = list(queries.matter_clocks(safety, now=NOW).filter(kind="report"))
    assert len([c for c in periods if c.state == ClockState.MET_LATE]) == 1
    assert len([c for c in periods if c.state == ClockState.MET]) >= 8
    assert Urge.objects.filter(matter=safety, kind=UrgeKind.AUTO, flip__kind="breach").count() == 1
    assert safety.reports.filter(kind=ReportKind.PERIODIC).count() >= 9

    # Evidence files: real PNG, Word and Excel files, stored and verified.
    files = EvidenceFile.objects.all()
    names = set(files.values_list("original_name", flat=True))
    assert any(n.endswith(".png") for n in names) and any(n.endswith(".docx") for n in names)
    assert any(n.endswith(".xlsx") for n in names)
    docx = files.filter(original_name__endswith=".docx").first()
    with evidence.open_file(docx) as f, zipfile.ZipFile(BytesIO(f.read())) as z:
        assert "示范县" in z.read("word/document.xml").decode()
    png = files.filter(original_name__endswith=".png").first()
    with evidence.open_file(png) as f:
        assert f.read(8) == b"\x89PNG\r\n\x1a\n"
    assert evidence.verify_files().ok

    # The demo logins have work: every light on the two liaisons' lists.
    for username in ("jiaoyu_lly", "chengguan_lly"):
        counts = queries.unit_worklist(user(username), now=NOW).counts
        assert counts["red"] and counts["yellow"] and counts["green"], (username, counts)
    office = queries.supervision_list(user("duchashi"), now=NOW)
    assert office.counts["red"] and office.counts["yellow"] and office.counts["green"] and office.counts["done"]
    assert office.rows.filter(state=State.COMPLETION_REQUESTED).count() >= 3
    assert office.rows.filter(extensions__state=ExtensionState.PENDING).count() >= 3
    assert office.unfiltered.count() == matters.count()
    assert queries.leader_list(user("xianzhang"), now=NOW).rows.filter(instructing_leader__username="xianzhang").count() >= 3

    # Journaled: every matter has its creation event; the chain verifies.
    created = Event.objects.filter(action__in=["supervision.matter.create", "supervision.matter.split"]).count()
    assert created == matters.count()
    # The events tell the story's moments (the server recorded them now).
    assert Event.objects.filter(action="supervision.matter.assign",
                                occurred_at__lt=dt.datetime(2026, 1, 1, tzinfo=SHANGHAI)).exists()
    assert not Event.objects.exclude(recorded_at=NOW).exists()
    assert_story_in_the_past(NOW)
    # So do the evidence files (handed in with their report; the file's
    # uploaded_at is the server's moment of arrival) and the automatic urges.
    report_file = Report.objects.filter(matter__in=matters).exclude(files=None).order_by("submitted_at").first()
    stored = Event.objects.get(action="evidence.store", object_id=str(report_file.files.first().pk))
    assert stored.occurred_at == report_file.submitted_at < NOW - dt.timedelta(days=200)
    assert urges.filter(kind=UrgeKind.AUTO, urged_at__lt=NOW - dt.timedelta(days=200)).exists()
    assert chain.verify().ok
    call_command("verify_journal")

    # The matter page's timeline: the business moments, in their order.
    done = matters.filter(state=State.ARCHIVED, parent=None).order_by("assigned_at").first()
    rows = pages.timeline_rows(done)
    moments = [r["at"] for r in rows]
    assert moments == sorted(moments)
    assert moments[0] == done.created_at == done.assigned_at < NOW - dt.timedelta(days=30)
    assert moments[-1] == done.archived_at < NOW
    for m in matters:
        moments = [r["at"] for r in pages.timeline_rows(m)]
        assert moments == sorted(moments), m.title

    # A second run creates nothing new, through the loader or the command
    # (run once first, so that any other demo data it loads is there too).
    assert demo.load_matters().skipped
    capsys.readouterr()
    call_command("load_demo", quiet_logins=True)
    assert "督办事项演示数据已存在，未做改动。" in capsys.readouterr().out
    events = Event.objects.count()
    counts = (Matter.objects.count(), Report.objects.count(), Urge.objects.count(), EvidenceFile.objects.count())
    call_command("load_demo", quiet_logins=True)
    assert "督办事项演示数据已存在，未做改动。" in capsys.readouterr().out
    assert Event.objects.count() == events
    assert (Matter.objects.count(), Report.objects.count(), Urge.objects.count(),
            EvidenceFile.objects.count()) == counts


def test_the_matters_need_the_org_demo():
    with pytest.raises(demo.DemoError, match="示范县"):
        demo.load_matters(now=NOW)
    assert not Matter.objects.exists()


def test_no_matters_flag(capsys):
    call_command("load_demo", quiet_logins=True, no_matters=True)
    assert "督办事项演示数据" not in capsys.readouterr().out
    assert not Matter.objects.exists()


def test_generated_png_is_valid():
    data = demo._png(7)
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    length = struct.unpack(">I", data[33:37])[0]
    raw = zlib.decompress(data[41:41 + length])
    assert len(raw) == height * (1 + 3 * width)
    assert demo._png(7) == data  # deterministic


def test_yellow_deadline_is_12_to_24_hours_away():
    for hour in range(24):
        now = dt.datetime(2026, 11, 20, hour, 17, tzinfo=SHANGHAI)
        year = demo._Year.__new__(demo._Year)  # only the clock, not the county
        year.now, year.tz = now, SHANGHAI
        due = year.yellow_due()
        assert dt.timedelta(hours=12) <= due - now < dt.timedelta(hours=24), (now, due)


def test_spread():
    assert demo._spread(10, 2, 3) == [9, 6, 3]
    assert demo._spread(10, 2, 3, include_low=True) == [9, 6, 2]
    assert demo._spread(5, 3, 4) == [4]
    assert demo._spread(5, 4, 2) == []
