"""View-level helpers of the 值班 pages (and the API): choices of units and
people, the roster grid, what the incident page shows per report, the
bulletin's candidate reports. Reads only; every write is a call of
duban.duty.services, every read of business rows goes through
duban.org.visibility."""

import calendar
import datetime as dt
import re

from django.db.models import Q

from duban.core.choices import person_label, unit_label
from duban.core.forms import parse_month, shift_month  # noqa: F401 - the roster's month
from duban.org.models import Person, Role, RoleAssignment, Unit
from duban.org.services import has_role
from duban.org.visibility import visible

from . import queries, services
from .models import BulletinItem, IncidentState, Instruction, ReportState, WrittenReport

WEEKDAYS = "一二三四五六日"
CLOCK_LABELS = {"phone": "电话报告（15分钟）", "written": "书面报告（30分钟）", "written_2h": "书面报告（最迟2小时）"}


def actable_units(user) -> list:
    """[(pk, label, path)] of the units `user` may report for and roster
    (services.may_act_for_unit), in tree order."""
    units = Unit.objects.filter(is_active=True).select_related("parent").order_by("path")
    return [(u.pk, ("　" * max(u.depth - 1, 0)) + unit_label(u), u.path) for u in units
            if services.may_act_for_unit(user, u)]


def default_unit_id(user, choices):
    """The user's own unit when they may act for it, else the first choice."""
    own = getattr(getattr(user, "person", None), "unit_id", None)
    ids = [pk for pk, _, _ in choices]
    if own in ids:
        return own
    person = getattr(user, "person", None)
    if person is not None:
        # An office's people act for the unit above them (城关镇·党政办公室 → 城关镇).
        for pk, _, path in choices:
            if person.unit.path.startswith(path) and pk != own:
                return pk
    return ids[0] if ids else None


def may_sign_here(user) -> bool:
    return has_role(user, Role.DUTY_LEADER, Role.UNIT_HEAD)


def is_instruction_recorder(user, bulletin) -> bool:
    """Who may record and relay a leader's instruction on `bulletin`
    (duban.duty.services.may_relay_instruction)."""
    return services.may_relay_instruction(user, bulletin)


# --- the roster ---------------------------------------------------------------

def roster_candidates(unit):
    """(officers, leaders): [(user pk, label)] of who set_month_roster accepts
    for `unit`: people of the unit (or an office in it) holding 值班员, resp.
    带班领导 or 单位负责人, and holders of those roles whose scope covers it."""
    ancestors = unit.ancestor_paths()
    people = (Person.objects.filter(user__is_active=True).filter(
        Q(unit__path__startswith=unit.path)
        | Q(user__role_assignments__scope__path__in=ancestors,
            user__role_assignments__role__in=[Role.DUTY_OFFICER, Role.DUTY_LEADER, Role.UNIT_HEAD]))
        .select_related("user", "unit").distinct().order_by("unit__path", "sort_order", "id"))
    people = list(people)
    roles = {}
    for ra in RoleAssignment.objects.filter(user_id__in=[p.user_id for p in people]).select_related("scope"):
        roles.setdefault(ra.user_id, []).append(ra)

    def fits(p, wanted):
        for ra in roles.get(p.user_id, ()):
            if ra.role not in wanted:
                continue
            if p.unit.path.startswith(unit.path) or (ra.scope_id and unit.path.startswith(ra.scope.path)):
                return True
        return False

    officers = [(p.user_id, person_label(p)) for p in people if fits(p, {Role.DUTY_OFFICER})]
    leaders = [(p.user_id, person_label(p)) for p in people if fits(p, {Role.DUTY_LEADER, Role.UNIT_HEAD})]
    return officers, leaders


def month_days(year, month):
    """[(date, "3月5日 周四", is_weekend)] of the month."""
    days = []
    for d in range(1, calendar.monthrange(year, month)[1] + 1):
        day = dt.date(year, month, d)
        days.append((day, f"{month}月{d}日 周{WEEKDAYS[day.weekday()]}", day.weekday() >= 5))
    return days


DAY_PREFIX = re.compile(r"^(\d{1,2})月(\d{1,2})日：")


def errors_by_day(messages):
    """{day of month: [message]} for roster errors that name their day."""
    out = {}
    for m in messages:
        hit = DAY_PREFIX.match(m)
        if hit:
            out.setdefault(int(hit.group(2)), []).append(m)
    return out


# --- the incident page ----------------------------------------------------------

class ReportRow:
    """One written report as the incident page shows it."""

    def __init__(self, report, user, now):
        self.report = report
        self.versions = list(report.versions.all())
        self.signatures = list(report.signatures.all())
        self.current = report.current_version
        self.sent = report.state == ReportState.SENT
        # Signed before but edited since: the old signature binds the old version.
        self.needs_resign = not self.sent and bool(self.signatures)
        self.basis = services.signing_basis(user, report, now) if not self.sent else None
        self.may_edit = services.may_act_for_unit(user, report.unit)
        for sig in self.signatures:
            sig.valid = services.verify_signature(sig)
            sig.is_current = sig.version_id == report.current_version_id
        self.on_duty = services.on_duty(report.unit, now)


def report_rows(detail, user, now):
    """The reporting unit's reports first (首报 → 终报), then the involved units'."""
    first = detail.incident.reporting_unit_id
    reports = sorted(detail.reports, key=lambda r: (r.unit_id != first, r.unit.path, r.seq))
    return [ReportRow(r, user, now) for r in reports]


def writable_units(detail, user):
    """[(pk, name)] of the incident's units for which `user` may draft a
    report (the reporting unit only while the incident is open)."""
    inc = detail.incident
    units = [*([inc.reporting_unit] if inc.state == IncidentState.OPEN else []), *inc.involved_units.all()]
    return [(u.pk, u.name) for u in units if services.may_act_for_unit(user, u)]


def figure_rows(history, conflicts):
    """The latest figures per unit, each cell marked when it conflicts."""
    from .models import FIGURE_FIELDS

    rows = []
    for h in history:
        e = h.latest
        cells = [(f, e.figures[f], f in conflicts and any(u.pk == h.unit.pk for u, _ in conflicts[f]))
                 for f in FIGURE_FIELDS]
        rows.append({"unit": h.unit, "entry": e, "cells": cells})
    return rows


def conflict_rows(conflicts):
    from .models import FIGURE_FIELDS

    return [{"label": FIGURE_FIELDS[f][0], "measure": FIGURE_FIELDS[f][1],
             "given": [(u.name, v) for u, v in given]} for f, given in conflicts.items()]


def history_rows(history):
    from .models import FIGURE_FIELDS

    out = []
    for h in history:
        entries = [{"e": e, "cells": [(e.figures[f], f in e.changed) for f in FIGURE_FIELDS]} for e in h.entries]
        out.append({"unit": h.unit, "entries": entries})
    return out


def figure_headers():
    from .models import FIGURE_FIELDS

    return [f"{label}（{measure}）" for label, measure in FIGURE_FIELDS.values()]


# --- the bulletin -----------------------------------------------------------------

def sent_reports(user, limit=60):
    """Recently sent reports `user` may see, newest first (candidates for a bulletin)."""
    return list(visible(WrittenReport, user).filter(sent_version__isnull=False)
                .select_related("incident", "unit", "sent_version").order_by("-sent_at", "-id")[:limit])


def default_heading(report):
    return f"{report.unit.name}报告{report.incident.title}（{report.get_kind_display()}）"


def bulletin_candidates(user, bulletin=None, posted=None):
    """Rows of the compile form: the bulletin's items first (checked), then
    the other sent reports (unchecked). `posted`: {report pk: (checked,
    heading, summary)} to show what was sent back."""
    rows, seen = [], set()
    if bulletin is not None:
        for item in bulletin.items.select_related("report__incident", "report__unit").order_by("sort_order", "id"):
            if item.report_id is None:
                continue
            seen.add(item.report_id)
            rows.append({"report": item.report, "checked": True, "heading": item.heading,
                         "summary": item.summary})
    for r in sent_reports(user):
        if r.pk in seen:
            continue
        rows.append({"report": r, "checked": False, "heading": default_heading(r), "summary": r.sent_version.text})
    if posted:
        for row in rows:
            got = posted.get(row["report"].pk)
            if got is not None:
                row["checked"], row["heading"], row["summary"] = got
        rows.sort(key=lambda row: not row["checked"])
    return rows


def bulletin_items(bulletin, user):
    """The items with their instructions (visible ones) and matter links."""
    items = list(BulletinItem.objects.filter(bulletin=bulletin).select_related("report__incident", "report__unit")
                 .order_by("sort_order", "id"))
    instructions = {}
    for ins in (visible(Instruction, user).filter(item__bulletin=bulletin)
                .select_related("leader", "lead_unit", "matter", "recorded_by").prefetch_related("units")):
        instructions.setdefault(ins.item_id, []).append(ins)
    relays = relay_clocks([ins for group in instructions.values() for ins in group])
    for group in instructions.values():
        for ins in group:
            ins.relay_text = relay_text(relays.get(ins.pk))
    for item in items:
        item.instruction_list = instructions.get(item.pk, [])
    return items


def relay_clocks(instructions) -> dict:
    """{instruction pk: its relay clock}, in one query."""
    if not instructions:
        return {}
    from django.contrib.contenttypes.models import ContentType

    from duban.clocks.models import Clock

    ct = ContentType.objects.get_for_model(Instruction)
    rows = Clock.objects.filter(owner_type=ct, owner_id__in=[str(i.pk) for i in instructions], kind=services.RELAY)
    return {int(c.owner_id): c for c in rows}


def relay_text(clock) -> str:
    """"1小时内传达：按时（用时20分钟）" or "…：逾期10分钟"."""
    if clock is None or clock.met_at is None:
        return ""
    used = max(0, round((clock.met_at - clock.started_at).total_seconds() / 60))
    late = queries.late_minutes(clock.due_at, clock.met_at)
    limit = "1小时" if clock.limit == "1h" else clock.limit
    return f"{limit}内传达：" + (f"逾期{late}分钟" if late else f"按时（用时{used}分钟）")
