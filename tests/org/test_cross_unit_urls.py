"""ORG-3, issue 21 item 6: every detail, action and download URL of every app
-- pages and API alike -- answers another unit's user 404, exactly as for an
object that does not exist (no leak of existence). The URLs are found in the
URL configuration and the published API schema, so a new URL fails here
until it is mapped to the model it opens.

Built on the demo county; a town liaison and a department liaison look."""

import re
import uuid

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.test import Client
from django.urls import URLResolver, get_resolver, reverse

from duban.api.services import issue_token
from duban.org.visibility import visible

User = get_user_model()
VIEWERS = ("chengguan_lly", "jiaoyu_lly")
MISSING_INT, MISSING_UUID = 987654321, uuid.UUID(int=987654321)


def M(label):
    return apps.get_model(label)


# Page URL name -> the model its first parameter names.
PAGES = {
    **dict.fromkeys(["supervision:matter", "supervision:edit", "supervision:act", "supervision:notice_docx"],
                    "supervision.Matter"),
    "supervision:urge_docx": "supervision.Urge",
    "supervision:evidence": "supervision.Report",  # a file of a report
    "supervision:delete_view": "savedviews.SavedView",
    **dict.fromkeys(["duty:incident", "duty:phone", "duty:write"], "duty.Incident"),
    **dict.fromkeys(["duty:revise", "duty:sign"], "duty.WrittenReport"),
    **dict.fromkeys(["duty:bulletin", "duty:bulletin_edit", "duty:bulletin_issue", "duty:bulletin_docx"],
                    "duty.Bulletin"),
    "duty:instruct": "duty.BulletinItem",
    **dict.fromkeys(["rectification:campaign", "rectification:add_units", "rectification:dashboard_xlsx",
                     "rectification:report_docx", "rectification:problems", "rectification:new_problem",
                     "rectification:export", "rectification:publish", "rectification:import",
                     "rectification:import_template", "rectification:look_backs", "rectification:spot_checks",
                     "rectification:repeated"], "rectification.Campaign"),
    "rectification:submission": "rectification.LedgerSubmission",
    **dict.fromkeys(["rectification:problem", "rectification:act"], "rectification.Problem"),
    "rectification:look_back": "rectification.LookBack",
    "rectification:record_look_back": "rectification.LookBackItem",
    **dict.fromkeys(["rectification:spot_check", "rectification:record_finding"], "rectification.SpotCheck"),
    "rectification:evidence": "rectification.ProblemEntry",  # a file of a problem's entry
    **dict.fromkeys(["notify:mark_read", "notify:retry"], "notify.Message"),
    "org:reveal": "org.Person",
    "journal:detail": "journal.Event",
    "api_token_revoke": "api.ApiToken",
    "clocks:recomputation": "clocks.Recomputation",
    "import_job": "core.ImportJob",
    **dict.fromkeys(["documents:document", "documents:act"], "documents.Document"),
    **dict.fromkeys(["plans:plan", "plans:request_excess"], "plans.AnnualPlan"),
    "plans:decide_excess": "plans.ExcessRequest",
    **dict.fromkeys(["plans:inspection", "plans:cancel_inspection"], "plans.Inspection"),
    "portal:ticket": "portal.Ticket",
    "portal:rating": "portal.Rating",
    "portal:case": "portal.TypicalCase",
    "notify:endpoint": "notify.Endpoint",  # the channels are the system administrator's
    "org:away": "org.Person",
    **dict.fromkeys(["meetings:meeting", "meetings:decide", "meetings:cancel", "meetings:notice",
                     "meetings:notice_docx", "meetings:room", "meetings:room_live", "meetings:start", "meetings:end",
                     "meetings:minutes", "meetings:minutes_issue", "meetings:hand_over"], "meetings.Meeting"),
    **dict.fromkeys(["meetings:item_start", "meetings:item_end"], "meetings.AgendaItem"),
    **dict.fromkeys(["meetings:leave", "meetings:leave_decide"], "meetings.Attendance"),
    **dict.fromkeys(["accountability:suggestion", "accountability:suggestion_act"], "accountability.Suggestion"),
    **dict.fromkeys(["accountability:sheet", "accountability:sheet_docx", "accountability:sheet_act"],
                    "accountability.AssignmentSheet"),
    **dict.fromkeys(["accountability:trace", "accountability:trace_docx"], "accountability.Trace"),
    "accountability:dismiss": "accountability.Signal",
    **dict.fromkeys(["assessment:period", "assessment:compute", "assessment:publish", "assessment:recheck",
                     "assessment:results_xlsx"], "assessment.Period"),
    **dict.fromkeys(["assessment:result", "assessment:figure"], "assessment.Result"),
    **dict.fromkeys(["assessment:error", "assessment:object_error", "assessment:decide_error"],
                    "assessment.ErrorRecord"),
    **dict.fromkeys(["assessment:notice", "assessment:notice_docx"], "assessment.ErrorNotice"),
    "assessment:decide_achievement": "assessment.Achievement",
    # A person's achievement record and a leader's field-work log, by the person's user id.
    **dict.fromkeys(["assessment:person", "assessment:leader_fieldwork"], "person-by-user"),
}
# Parameters that name no object of a unit, with the reason.
NOT_SCOPED = {
    "org:unit": "单位和小组是全县通讯录，所有登录用户可见",
    "org:group": "同上",
    "timelimits:calendar_year": "年份，不是某单位的对象",
    "timelimits:calendar_edit": "年份，只对管理员开放（另有测试）",
    "public:campaign": "公开页面",
    "assessment:records": "指标来源的代码，清单按查看人的权限筛选",
    "public_portal:case": "公开页面（只显示已发布的典型案例）",
}
EXTRA_ARGS = {"supervision:act": ["acknowledge"], "rectification:act": ["progress"], "org:reveal": ["mobile"],
              "documents:act": ["approve"], "accountability:suggestion_act": ["state"],
              "accountability:sheet_act": ["reply"], "assessment:figure": ["on_time_rate"]}

# API path prefix -> model of its object parameter.
API = [
    (r"^/api/supervision/matters/\{matter_id\}", "supervision.Matter"),
    (r"^/api/supervision/extensions/", "supervision.ExtensionRequest"),
    (r"^/api/supervision/urges/", "supervision.Urge"),
    (r"^/api/supervision/reports/", "supervision.Report"),
    (r"^/api/supervision/views/", "savedviews.SavedView"),
    (r"^/api/duty/incidents/", "duty.Incident"),
    (r"^/api/duty/reports/", "duty.WrittenReport"),
    (r"^/api/duty/bulletins/", "duty.Bulletin"),
    (r"^/api/duty/bulletin-items/", "duty.BulletinItem"),
    (r"^/api/rectification/campaigns/\{campaign_id\}", "rectification.Campaign"),
    (r"^/api/rectification/problems/", "rectification.Problem"),
    (r"^/api/rectification/spot-checks/", "rectification.SpotCheck"),
    (r"^/api/rectification/ledgers/", "rectification.LedgerSubmission"),
    (r"^/api/rectification/look-back-items/", "rectification.LookBackItem"),
    (r"^/api/documents/documents/", "documents.Document"),
    (r"^/api/plans/plans/", "plans.AnnualPlan"),
    (r"^/api/plans/excess/", "plans.ExcessRequest"),
    (r"^/api/plans/inspections/", "plans.Inspection"),
    (r"^/api/portal/tickets/\{ticket_id\}", "portal.Ticket"),
    (r"^/api/meetings/meetings/", "meetings.Meeting"),
    (r"^/api/meetings/agenda-items/", "meetings.AgendaItem"),
    (r"^/api/meetings/attendances/", "meetings.Attendance"),
    (r"^/api/accountability/suggestions/", "accountability.Suggestion"),
    (r"^/api/accountability/sheets/", "accountability.AssignmentSheet"),
    (r"^/api/accountability/traces/", "accountability.Trace"),
    (r"^/api/accountability/signals/", "accountability.Signal"),
    (r"^/api/assessment/periods/", "assessment.Period"),
    (r"^/api/assessment/results/", "assessment.Result"),
    (r"^/api/assessment/errors/", "assessment.ErrorRecord"),
    (r"^/api/assessment/notices/", "assessment.ErrorNotice"),
    (r"^/api/assessment/achievements/", "assessment.Achievement"),
    (r"^/api/assessment/(people|fieldwork)/", "person-by-user"),
]
API_NOT_SCOPED = {"/api/units/{unit_id}": "全县通讯录", "/api/duty/roster/{unit_id}/{year}/{month}": "值班表按单位公开",
                  "/api/rectification/public/{code}": "公开页面"}


def hidden(label, user):
    """An object of `label` that `user` may not open (None when there is none)."""
    if label == "person-by-user":  # a leader of the county, outside the viewer's unit
        return (M("org.Person").objects.filter(is_leader=True, user__isnull=False).exclude(unit=user.person.unit)
                .order_by("pk").first())
    model = M(label)
    own = user.person.unit
    if label == "supervision.Report":
        reports = M(label)._base_manager.exclude(pk__in=visible(model, user).values("pk")).filter(files__isnull=False)
        return reports.first()
    if label == "rectification.ProblemEntry":
        entries = model._base_manager.exclude(pk__in=visible(model, user).values("pk")).filter(evidence__isnull=False)
        return entries.first()
    if getattr(model, "visibility", None) is not None:
        return model._base_manager.exclude(pk__in=visible(model, user).values("pk")).order_by("pk").first()
    if label == "savedviews.SavedView":
        return model.objects.exclude(user=user).first()
    if label == "core.ImportJob":
        return model.objects.exclude(created_by=user).first()
    if label == "notify.Message":
        return model.objects.exclude(recipient=user).first()
    if label == "org.Person":
        return model.objects.exclude(unit=own).exclude(mobile="").first()
    return model.objects.order_by("pk").first()  # the administrators' own records


def object_arg(label, obj):
    if label == "supervision.Report":
        return obj.files.first().pk
    if label == "rectification.ProblemEntry":
        return obj.evidence.first().pk
    if label == "journal.Event":
        return obj.seq
    if label == "person-by-user":
        return obj.user_id
    return obj.pk


def page_routes():
    def walk(patterns, ns=""):
        for p in patterns:
            if isinstance(p, URLResolver):
                yield from walk(p.url_patterns, f"{ns}{p.namespace}:" if p.namespace else ns)
            elif p.pattern.converters and p.name:
                yield f"{ns}{p.name}", list(p.pattern.converters.values())[0]
    return list(walk(get_resolver().url_patterns))


@pytest.fixture
def demo(db):
    call_command("load_demo", "--quiet-logins", stdout=open("/dev/null", "w"))  # noqa: SIM115
    admin = User.objects.get(username="sysadmin")
    issue_token(admin, "跨单位测试")
    M("savedviews.SavedView").objects.create(user=User.objects.get(username="duchashi"), page="supervision.office",
                                             name="红灯", query="light=red")


def same_as_missing(client, method, url, missing_url, **kw):
    """The answer for `url` and for the same URL naming no object, and
    whether they are the same (the page may echo its own address)."""
    r = getattr(client, method)(url, **kw)
    m = getattr(client, method)(missing_url, **kw)

    def body(resp, own):
        data = b"".join(resp.streaming_content) if resp.streaming else resp.content
        data = re.sub(rb'(X-CSRFToken": "|name="csrfmiddlewaretoken" value=")[^"]+', rb"\1", data)  # masked per answer
        return data.replace(own.encode(), b"<URL>")

    return r, (r.status_code, body(r, url)) == (m.status_code, body(m, missing_url))


def test_org3_every_url_answers_another_units_user_as_if_the_object_did_not_exist(demo):
    """One demo county for both walks (it takes a minute to load)."""
    walk_pages()
    walk_api()


def walk_pages():
    # The API is walked below through its schema; the admin is closed to all
    # but the administrators (tests/security/test_admin_separation.py).
    routes = [(name, conv) for name, conv in page_routes() if not name.startswith(("probe", "api:", "admin:"))]
    unmapped = [name for name, _ in routes if name not in PAGES and name not in NOT_SCOPED]
    assert not unmapped, f"map these URLs to the model they open: {unmapped}"
    checked = 0
    for viewer in VIEWERS:
        user = User.objects.select_related("person__unit").get(username=viewer)
        c = Client()
        c.force_login(user)
        for name, conv in routes:
            if name in NOT_SCOPED:
                continue
            obj = hidden(PAGES[name], user)
            if obj is None:
                continue
            extra = EXTRA_ARGS.get(name, [])
            url = reverse(name, args=[object_arg(PAGES[name], obj), *extra])
            missing = reverse(name, args=[MISSING_UUID if "UUID" in type(conv).__name__ else MISSING_INT, *extra])
            r = c.get(url)
            method = "post" if r.status_code == 405 else "get"
            r, same = same_as_missing(c, method, url, missing)
            assert r.status_code == 404 and same, f"{viewer} {method.upper()} {url}: {r.status_code}"
            checked += 1
    assert checked >= 50, checked


def walk_api():
    schema = Client().get("/api/openapi.json").json()
    checked = 0
    for viewer in VIEWERS:
        user = User.objects.select_related("person__unit").get(username=viewer)
        _, raw = issue_token(user, "跨单位测试", scopes=["read", "write"], rate_per_minute=100000)
        c = Client(HTTP_AUTHORIZATION=f"Bearer {raw}")
        for path, ops in schema["paths"].items():
            if "{" not in path or path in API_NOT_SCOPED:
                continue
            label = next((lbl for prefix, lbl in API if re.match(prefix, path)), None)
            assert label, f"map {path} to the model it opens"
            obj = hidden(label, user)
            if obj is None:
                continue
            first = re.search(r"\{(\w+)\}", path).group(0)
            arg = obj.user_id if label == "person-by-user" else obj.pk
            url, missing = path.replace(first, str(arg), 1), path.replace(first, str(MISSING_INT), 1)
            for method in ops:
                kw = {"content_type": "application/json", "data": {}} if method in {"post", "put", "patch"} else {}
                r, same = same_as_missing(c, method, url, missing, **kw)
                assert same, f"{viewer} {method.upper()} {url}: {r.status_code} differs from a missing object"
                assert r.status_code == 404 if method == "get" else r.status_code in (404, 422), \
                    f"{viewer} {method.upper()} {url}: {r.status_code}"
                checked += 1
    assert checked >= 60, checked
