"""The demo county (issue 2, item 7): loaded through the services, journaled,
idempotent, with a demo login for every role; and the whole demo loads on
every date (issue 16 item 3)."""

import datetime as dt
import re
import zoneinfo

import pytest
import time_machine
from django.contrib.auth import authenticate, get_user_model
from django.core.management import call_command
from django.test import RequestFactory

from duban.core import demo_data
from duban.core.management.commands.load_demo import format_demo_logins, load
from duban.journal import chain
from duban.journal.models import Event
from duban.org.models import (
    ADMIN_ROLES,
    GroupKind,
    GroupMembership,
    Person,
    Role,
    RoleAssignment,
    Unit,
    UnitKind,
    WorkGroup,
)
from duban.org.services import recipients_for
from duban.supervision import queries
from tests.demo_checks import assert_story_in_the_past

User = get_user_model()

pytestmark = pytest.mark.django_db


def counts():
    return {
        "units": Unit.objects.count(),
        "people": Person.objects.count(),
        "users": User.objects.count(),
        "roles": RoleAssignment.objects.count(),
        "groups": WorkGroup.objects.count(),
        "members": GroupMembership.objects.count(),
        "backups": Person.objects.exclude(backup=None).count(),
    }


@pytest.fixture
def demo(db):
    load()
    return demo_data.build_plan()


def test_plan_is_deterministic():
    a, b = demo_data.build_plan(), demo_data.build_plan()
    assert [(p.username, p.full_name, p.mobile, p.office_phone) for p in a.people] == [
        (p.username, p.full_name, p.mobile, p.office_phone) for p in b.people
    ]
    assert len({p.username for p in a.people}) == len(a.people)
    assert len({p.full_name for p in a.people}) == len(a.people)


def test_every_row_is_journaled_and_the_chain_verifies(demo):
    c = counts()
    actions = Event.objects.values_list("action", flat=True)
    assert actions.filter(action="org.unit.create").count() == c["units"]
    assert actions.filter(action="org.person.create").count() == c["people"]
    assert actions.filter(action="org.role.grant").count() == c["roles"]
    assert actions.filter(action="org.group.member.add").count() == c["members"]
    assert chain.verify().ok


def test_required_units_exist(demo):
    gov = Unit.objects.get(parent=None, name="县人民政府")
    assert gov.kind == UnitKind.GOVERNMENT
    office = Unit.objects.get(parent=gov, name="县政府办公室")
    assert Unit.objects.get(parent=office, name="督查室").kind == UnitKind.OFFICE
    for name in demo_data.REQUIRED_DEPARTMENTS:
        dept = Unit.objects.get(parent=gov, name=name)
        assert dept.kind == UnitKind.DEPARTMENT
        assert 2 <= dept.children.count() <= 3, name
    towns = Unit.objects.filter(parent=gov, kind=UnitKind.TOWN)
    assert towns.filter(name="城关镇").exists()
    assert towns.count() >= 9
    for town in towns:
        assert town.children.filter(name="党政办公室").exists()
    assert Unit.objects.filter(name="县委督办督查局").exists()
    assert Unit.objects.get(parent=gov, kind=UnitKind.TASK_FORCE).name == demo_data.TASK_FORCE


def test_about_150_people_with_realistic_details(demo):
    people = Person.objects.select_related("user")
    assert 150 <= people.count() <= 175
    for p in people:
        assert 2 <= len(p.user.first_name) <= 4
        assert p.position
        assert p.mobile.startswith("1") and len(p.mobile) == 11
        assert p.office_phone.startswith(demo_data.AREA_CODE + "-8")


def test_every_unit_has_head_and_liaison_with_a_backup(demo):
    for unit in Unit.objects.all():
        heads = RoleAssignment.objects.filter(role=Role.UNIT_HEAD, user__person__unit=unit)
        liaisons = RoleAssignment.objects.filter(role=Role.LIAISON, user__person__unit=unit)
        assert heads.exists(), unit.name
        assert liaisons.exists(), unit.name
        for ra in liaisons:
            backup = ra.user.person.backup
            assert backup is not None and backup != ra.user, unit.name
            # The B role works in the same unit, or for a small office in its department.
            assert backup.person.unit in (unit, unit.parent), unit.name


def test_county_leaders_and_the_task_force(demo):
    gov = Unit.objects.get(parent=None, name="县人民政府")
    leaders = Person.objects.filter(unit=gov, is_leader=True)
    positions = sorted(leaders.values_list("position", flat=True))
    assert "县长" in positions and "常务副县长" in positions
    assert 2 <= positions.count("副县长") <= 3
    for p in leaders:
        assert RoleAssignment.objects.get(user=p.user, role=Role.LEADER).scope == gov
    for ra in RoleAssignment.objects.filter(role=Role.SUPERVISOR):
        assert ra.scope == gov

    group = WorkGroup.objects.get(name=demo_data.TASK_FORCE)
    assert group.kind == GroupKind.TASK_FORCE
    assert group.unit.kind == UnitKind.TASK_FORCE
    lead = group.memberships.get(group_role="组长")
    assert lead.user.person.position == "常务副县长"
    deputies = {m.user.person.position for m in group.memberships.filter(group_role="副组长")}
    assert deputies == {"县政府办公室主任", "局长"}
    assert group.memberships.get(group_role="副组长", user__person__unit__name="县委督办督查局")
    members = group.memberships.filter(group_role="成员")
    assert members.count() >= 5
    assert all(m.duty for m in group.memberships.all())


def test_demo_logins_cover_every_role_and_work():
    load()
    logins = set(demo_data.DEMO_USERNAMES)
    held = set(RoleAssignment.objects.filter(user__username__in=logins).values_list("role", flat=True))
    assert held == set(Role.values)
    rf = RequestFactory()
    for username in logins:
        user = authenticate(rf.post("/accounts/login/"), username=username, password=demo_data.DEMO_PASSWORD)
        assert user is not None and user.username == username
    # Nobody else has a usable password.
    others = User.objects.exclude(username__in=logins)
    assert others.exists()
    assert not any(u.has_usable_password() for u in others)


def test_three_administrators_are_three_people(demo):
    admins = RoleAssignment.objects.filter(role__in=list(ADMIN_ROLES))
    assert admins.count() == 3
    assert len(set(admins.values_list("user_id", flat=True))) == 3
    assert {ra.user.username for ra in admins} == {"sysadmin", "secadmin", "auditor"}


def test_away_liaison_routes_to_backup(demo):
    username = demo_data.AWAY[0]
    user = User.objects.get(username=username)
    assert user.person.is_away()
    assert recipients_for(user) == [user, user.person.backup]


def test_login_table_lists_demo_logins_and_password(demo):
    table = format_demo_logins()
    assert demo_data.DEMO_PASSWORD in table
    for username in demo_data.DEMO_USERNAMES:
        assert username in table
    edu = demo.person("jiaoyu_lly")
    line = next(line for line in table.splitlines() if line.startswith("jiaoyu_lly "))
    assert edu.full_name in line and "县教育局" in line and "单位联络员" in line


# ---------------------------------------------------------------- every date --

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
# The year's end, the first day of a provisional year (2027, no official
# schedule), the eve of its Spring Festival and a Sunday inside it, 29
# February of a later provisional year. (2026-12-04, the day the loader
# used to fail, is the date of tests/supervision/test_demo_matters.py.)
DATES = [
    dt.datetime(2026, 12, 31, 16, 0, tzinfo=SHANGHAI),
    dt.datetime(2027, 1, 1, 9, 0, tzinfo=SHANGHAI),
    dt.datetime(2027, 2, 3, 10, 0, tzinfo=SHANGHAI),
    dt.datetime(2027, 2, 7, 10, 0, tzinfo=SHANGHAI),
    dt.datetime(2028, 2, 29, 10, 0, tzinfo=SHANGHAI),
]


@pytest.mark.pinned_clock
@pytest.mark.parametrize("now", DATES, ids=[f"{d:%Y-%m-%d}" for d in DATES])
def test_tl1_aud1_load_demo_on_every_date(now, capsys):
    """`load_demo` on a fresh database at any moment: every part loads, the
    open matters show red, yellow and green at that moment, nothing of the
    story lies after it, every event was recorded at or after the moment
    it tells, and the journal verifies. A second run changes nothing."""
    from duban.duty.models import Incident
    from duban.rectification.demo import demo_campaign

    with time_machine.travel(now, tick=False):
        call_command("load_demo", quiet_logins=True)
        out = capsys.readouterr().out
        first, events = counts(), Event.objects.count()
        call_command("load_demo")
        again = capsys.readouterr().out
        call_command("verify_journal")
    assert "日志完好" in capsys.readouterr().out
    assert counts() == first and Event.objects.count() == events  # nothing written the second time
    assert again.count("未做改动") == 13 and "演示账号（示范县）" in again
    assert first["people"] == len(demo_data.build_plan().people)
    lights = re.search(r"在办事项红灯 (\d+) 项、黄灯 (\d+) 项、绿灯 (\d+) 项", out)
    assert lights and all(int(n) > 0 for n in lights.groups()), out
    office = queries.supervision_list(User.objects.get(username="duchashi"), now=now)
    assert office.counts["red"] and office.counts["yellow"] and office.counts["green"]
    assert_story_in_the_past(now)

    campaign = demo_campaign()
    assert f"作风整治演示专项行动 {campaign.code} 已载入" in out
    assert campaign.end_date < now.date()  # the campaign of the year whose story is past
    incident = Incident.objects.get(title__endswith="（演示）")
    signed = incident.written_reports.filter(signatures__isnull=False).distinct()
    assert signed.count() == 4
    # The town's duty leader of that day signs, whatever month it was in.
    assert set(signed.filter(unit__name="城关镇").values_list("signatures__basis", flat=True)) == {"带班领导"}
    assert "值班演示数据已载入" in out
    assert "消息渠道演示数据已载入" in out and "投诉和12345工单演示数据已载入" in out
    assert "会议演示数据已载入：会议 13 个（已召开 9 个），议定事项转为督办事项 6 项。" in out
    assert_plans_and_documents(now, out)
    assert_assessment(now, out)
    assert_accountability(out)


def assert_accountability(out):
    """ACC-2…ACC-5, AUD-3 (issue 18 item 7): two decided suggestions, one
    adopted and one exempted under 容错 with its three grounds, a reverse
    trace of a failed matter down its levels, a 交办单 on its clock, and
    signals of every kind."""
    from duban.accountability.models import AssignmentSheet, Decision, Outcome, Signal, SignalKind, Trace

    assert "问责与监督演示数据已载入" in out, out
    decisions = {d.outcome: d for d in Decision.objects.all()}
    assert set(decisions) == {Outcome.ADOPTED, Outcome.EXEMPTED}
    assert decisions[Outcome.ADOPTED].reply_clock_id is not None
    exempted = decisions[Outcome.EXEMPTED]
    assert exempted.measure is None and all(held for _, held in exempted.grounds)
    trace = Trace.objects.get()
    assert len(trace.levels) >= 3 and {x["unit"] for x in trace.levels} >= {"城关镇", "党政办公室"}
    sheet = AssignmentSheet.objects.get()
    assert sheet.unit.name == "城关镇" and sheet.clock_id is not None
    kinds = set(Signal.objects.values_list("kind", flat=True))
    assert kinds == set(SignalKind.values), kinds


def assert_plans_and_documents(now, out):
    """MEET-4, DOC-1: at the moment of loading, plans near and at their
    limits, a unit inspected too often with a merge suggestion, documents
    late (red or met late) and one flagged 以文件落实文件."""
    from duban.clocks.models import Clock
    from duban.documents import queries as doc_queries
    from duban.documents.models import Document
    from duban.plans import queries as plan_queries

    assert "计划管理演示数据已载入" in out and "公文演示数据已载入" in out
    office = User.objects.get(username="duchashi")
    local = now.astimezone(SHANGHAI)
    _, rows = plan_queries.plan_overview(office, local.year, per_page=100)
    status = {(r.unit.name, c.kind): c.status for r in rows for c in r.cells}
    assert status[("县教育局", "document")] == "near" and status[("县财政局", "document")] == "full"
    assert status[("县应急管理局", "inspection")] == "full"
    freq = plan_queries.frequency(office, local.year, local.month)
    assert [r.unit.name for r in freq.rows if r.too_often] == ["城关镇"]
    assert any(s.unit.name == "城关镇" for s in plan_queries.merge_suggestions(office, local.date()))
    assert doc_queries.light_counts(office, now=now).get("red", 0) >= 2
    late = Clock.objects.filter(owner_type__model="document", state="met_late").count()
    assert late >= 2  # the 特急 approval 15 minutes late, the meeting's document issued late
    assert Document.objects.filter(only_forwards=True).count() == 1


def assert_assessment(now, out):
    """EVAL-1…4, OUT-3: the last quarter closed and published with the
    rankings of departments and towns, its 差错通报 issued (one objection
    upheld, one revoking its error), an objection of this quarter waiting,
    leaders' field-work days with one behind the pace, and the tallies of
    the dashboards computed."""
    from duban.assessment import queries as aq
    from duban.assessment.models import DashboardTally, ErrorNotice, ErrorRecord, Period, Result

    assert "考核评价演示数据已载入" in out
    published = Period.objects.get(state="published")
    assert published.ends_on < now.astimezone(SHANGHAI).date() and published.input_hash
    groups = set(Result.objects.filter(period=published).values_list("group", flat=True))
    assert groups == {"department", "town"}
    notice = ErrorNotice.objects.get()
    assert notice.errors.count() == 5  # six recorded, one revoked on objection
    assert set(ErrorRecord.objects.exclude(objection="").values_list("state", flat=True)) >= {"revoked", "objected"}
    office = User.objects.get(username="duchashi")
    today = now.astimezone(SHANGHAI).date()
    rows = aq.field_progress(office, today.year, today)
    logged = {p.person.user.username: p for p in rows if p.days}
    if today.timetuple().tm_yday > 45:  # early in the year nobody can be behind beyond the tolerance yet
        assert logged["fuxianzhang3"].behind_days and not logged["xianzhang"].behind_days
    assert DashboardTally.objects.filter(metric="supervision.lights").exists()
