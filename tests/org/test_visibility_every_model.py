"""ORG-3 for every model: whatever declares a VisibilitySpec (found in the
app registry, so the next app's models are covered without anyone
remembering) lists each row once, counts it once and opens it for exactly
those who see it -- also rows that several paths make visible: an incident
with two involved units, a matter whose lead and cooperating units lie in
one subtree, an instruction relayed to a unit and its office, a report of
the duty office's own unit, a B who stands in for A.

Built on the demo county (every model has rows there), plus those rows.
Runs on SQLite and on PostgreSQL (CI runs the suite on both)."""

import datetime as dt

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from duban.accountability.models import AssignmentSheet, Suggestion, Trace
from duban.assessment.models import ErrorNotice, ErrorRecord, Period, Result
from duban.documents.models import Document
from duban.duty import services as duty
from duban.duty.models import Bulletin, BulletinState, Incident
from duban.meetings.models import Meeting
from duban.org.models import Unit
from duban.org.visibility import VisibilitySpec, get_visible_or_404, visible
from duban.plans.models import AnnualPlan, Inspection
from duban.portal.models import Ticket
from duban.rectification.models import Campaign, LedgerSubmission, LookBack, Problem, SpotCheck
from duban.supervision import services as sv
from duban.supervision.models import Matter

User = get_user_model()

# Who looks: the supervision office, a duty officer, a town liaison, a
# county leader, a department liaison, a B standing in for an away A.
VIEWERS = ("duchashi", "zhiban", "chengguan_lly", "xianzhang", "jiaoyu_lly", "caizheng_b")

# Detail pages and API details of the models that have them.
PAGES = {
    Campaign: lambda o: reverse("rectification:campaign", args=[o.pk]),
    LedgerSubmission: lambda o: reverse("rectification:submission", args=[o.pk]),
    LookBack: lambda o: reverse("rectification:look_back", args=[o.pk]),
    SpotCheck: lambda o: reverse("rectification:spot_check", args=[o.pk]),
    Bulletin: lambda o: reverse("duty:bulletin", args=[o.pk]),
}
API = {
    Matter: "/api/supervision/matters/{}",
    Incident: "/api/duty/incidents/{}",
    Bulletin: "/api/duty/bulletins/{}",
    Document: "/api/documents/documents/{}",
    AnnualPlan: "/api/plans/plans/{}",
    Inspection: "/api/plans/inspections/{}",
    Meeting: "/api/meetings/meetings/{}",
    Campaign: "/api/rectification/campaigns/{}",
    Problem: "/api/rectification/problems/{}",
    SpotCheck: "/api/rectification/spot-checks/{}",
    Period: "/api/assessment/periods/{}",
    Result: "/api/assessment/results/{}",
    ErrorRecord: "/api/assessment/errors/{}",
    ErrorNotice: "/api/assessment/notices/{}",
    Ticket: "/api/portal/tickets/{}",
    Suggestion: "/api/accountability/suggestions/{}",
    AssignmentSheet: "/api/accountability/sheets/{}",
    Trace: "/api/accountability/traces/{}",
}


def visible_models():
    return [m for m in apps.get_models() if isinstance(getattr(m, "visibility", None), VisibilitySpec)
            and not m._meta.app_label == "probe"]


def _user(name):
    return User.objects.select_related("person__unit").get(username=name)


def _unit(name):
    return Unit.objects.get(name=name)


@pytest.fixture
def county_with_paths(db):
    call_command("load_demo", "--quiet-logins", stdout=open("/dev/null", "w"))  # noqa: SIM115
    now = timezone.now()
    zhiban, duchashi = _user("zhiban"), _user("duchashi")
    town, emergency = _unit("城关镇"), _unit("县应急管理局")
    office = zhiban.person.unit  # the duty office's own unit reports
    rows = {}
    # An incident the duty office reports, involving two units.
    rows["incident"] = duty.report_incident(
        zhiban, title="城关镇化工园区火灾（多单位）", kind="accident", level="larger",
        occurred_at=now - dt.timedelta(minutes=20), learned_at=now - dt.timedelta(minutes=10),
        place="城关镇工业园区", reporting_unit=office, involved_units=[town, emergency],
        description="园区仓库起火，城关镇和应急管理局赶赴现场。", at=now - dt.timedelta(minutes=5))
    # A matter whose lead and cooperating units lie in one subtree.
    dzb = _user("chengguan_dzb")
    rows["matter"] = sv.create_matter(
        duchashi, assign=True, at=now - dt.timedelta(minutes=4), source_kind="assignment", title="城关镇多路径可见事项",
        content="牵头与配合单位同在城关镇", standard="按期完成", urgency="normal", lead_unit=town,
        lead_person=_user("chengguan_lly"), cooperating=[(dzb.person.unit, dzb, "配合")],
        due_at=now + dt.timedelta(days=10), instructing_leader=_user("xianzhang"),
        instruction_date=timezone.localdate(now))
    # An instruction relayed by the duty office to a unit and its office.
    issued = Bulletin.objects.filter(state=BulletinState.ISSUED).order_by("-id").first()
    if issued is not None and issued.items.exists():
        rows["instruction"] = duty.record_instruction(
            issued.items.first(), _user("xianzhang"), "请城关镇及党政办抓紧落实。", [town, dzb.person.unit], zhiban,
            at=now - dt.timedelta(minutes=2), instructed_at=now - dt.timedelta(minutes=30))
    return rows


def test_org3_every_model_lists_counts_and_opens_each_row_once(county_with_paths):
    models = visible_models()
    assert len(models) >= 15, [m.__name__ for m in models]
    empty = [m.__name__ for m in models if not m._base_manager.exists()]
    assert not empty, f"the demo county has no rows of {empty}: give it some, so that they are tested"
    clients = {}
    for name in VIEWERS:
        user = _user(name)
        c = Client()
        c.force_login(user)
        clients[name] = (user, c)
    for model in models:
        for name, (user, client) in clients.items():
            qs = visible(model, user)
            pks = list(qs.values_list("pk", flat=True))
            assert len(pks) == len(set(pks)), f"{model.__name__}: duplicate rows for {name}"
            assert qs.count() == len(set(pks)), f"{model.__name__}: count differs from rows for {name}"
            seen = set(pks)
            sample = sorted(seen, key=str)[:3]
            hidden = model._base_manager.exclude(pk__in=list(seen)).values_list("pk", flat=True).first()
            for pk in sample:
                assert get_visible_or_404(model, user, pk=pk).pk == pk
            url = PAGES.get(model) or (lambda o: o.get_absolute_url() if hasattr(o, "get_absolute_url") else None)
            for pk, expected in [*((p, 200) for p in sample), *([(hidden, 404)] if hidden is not None else [])]:
                obj = model._base_manager.get(pk=pk)
                page = url(obj)
                if page:
                    r = client.get(page)
                    assert r.status_code == expected, f"{model.__name__} page {page} for {name}: {r.status_code}"
                if model in API:
                    r = client.get(API[model].format(pk))
                    assert r.status_code == expected, f"{model.__name__} API #{pk} for {name}: {r.status_code}"


def test_org3_rows_on_several_paths_are_seen_once_by_those_who_see_them(county_with_paths):
    rows = county_with_paths
    inc, m = rows["incident"], rows["matter"]
    for name in ("zhiban", "duchashi", "chengguan_lly", "xianzhang"):
        user = _user(name)
        assert list(visible(Incident, user).filter(pk=inc.pk).values_list("pk", flat=True)) == [inc.pk]
    for name in ("duchashi", "chengguan_lly", "chengguan_dzb", "xianzhang"):
        user = _user(name)
        assert list(visible(Matter, user).filter(pk=m.pk).values_list("pk", flat=True)) == [m.pk]
    assert not visible(Matter, _user("jiaoyu_lly")).filter(pk=m.pk).exists()
    if "instruction" in rows:
        ins = rows["instruction"]
        for name in ("chengguan_lly", "zhiban", "duchashi"):
            model = type(ins)
            assert list(visible(model, _user(name)).filter(pk=ins.pk).values_list("pk", flat=True)) == [ins.pk]
