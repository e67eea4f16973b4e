"""View-level helpers of the 作风整治 pages: reading the ledger's filters
from a query string, what the current user may do on a campaign or a
problem (to show or hide buttons — the services check again), and the
small decorations the templates need. No writes here."""

from dataclasses import dataclass
from urllib.parse import urlencode

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils import timezone

from duban.clocks.services import light
from duban.org.models import GroupKind, Person, Role, RoleAssignment, Unit, WorkGroup
from duban.org.visibility import scope_for, visible

from . import queries, services
from .models import Problem, ProblemState, Source

PAGE_SIZE = 20

FILTER_KEYS = ("unit", "state", "category", "source", "overdue", "repeated", "public", "q")
STATE_CHOICES = [("open", "未销号（全部）"), *ProblemState.choices]
YES_NO = [("1", "是"), ("0", "否")]


@dataclass
class Filters:
    """The ledger's filters: `values` as typed (for the form and the export
    link), `kwargs` for queries.problems_for."""

    values: dict
    kwargs: dict

    @property
    def query(self) -> str:
        return urlencode({k: v for k, v in self.values.items() if v})


def _int(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def read_filters(campaign, data) -> Filters:
    """The filters of a query string; an unknown value is a ValidationError
    naming the filter (Chinese)."""
    values = {k: (data.get(k) or "").strip() for k in FILTER_KEYS}
    kwargs = {}
    if values["unit"]:
        unit = Unit.objects.filter(pk=_int(values["unit"])).first()
        if unit is None:
            raise ValidationError("筛选条件“单位”无效")
        kwargs["unit"] = unit
    if values["state"]:
        if values["state"] not in dict(STATE_CHOICES):
            raise ValidationError("筛选条件“状态”无效")
        kwargs["state"] = values["state"]
    if values["category"]:
        category = campaign.categories.filter(pk=_int(values["category"])).first()
        if category is None:
            raise ValidationError("筛选条件“问题类别”无效")
        kwargs["category"] = category
    if values["source"]:
        if values["source"] not in Source.values:
            raise ValidationError("筛选条件“问题来源”无效")
        kwargs["source"] = values["source"]
    for key in ("overdue", "public"):
        if values[key] in ("1", "0"):
            kwargs[key] = values[key] == "1"
        elif values[key]:
            raise ValidationError("筛选条件无效")
    if values["repeated"] == "1":
        kwargs["repeated"] = True
    elif values["repeated"] not in ("", "0"):
        raise ValidationError("筛选条件无效")
    if values["q"]:
        kwargs["q"] = values["q"][:100]
    return Filters(values, kwargs)


def query_without(data, *keys) -> str:
    return urlencode([(k, v) for k, v in data.items() if k not in keys and v])


def unit_choices(campaign) -> list:
    """The participating units, in the tree's order: (pk, name)."""
    units = sorted((p.unit for p in campaign.participations.select_related("unit")), key=lambda u: u.path)
    return [(u.pk, u.name) for u in units]


def category_choices(campaign) -> list:
    return list(campaign.categories.order_by("sort_order", "id").values_list("pk", "name"))


def problem_rows(problems, now=None) -> list:
    """The page's problems with `.light` of their current clock and
    `.overdue` (no query: the clocks come with the page's select_related)."""
    now = now or timezone.now()
    rows = list(problems)
    for p in rows:
        clock = p.report_clock if p.long_term and p.report_clock_id else p.deadline_clock
        if not p.is_open:
            p.light = "done"
        elif clock is not None:
            p.light = light(clock, now)
        else:
            p.light = "green"
        p.overdue = queries.is_overdue(p, now)
    return rows


def ledger_queryset(user, campaign, filters: Filters, now=None):
    return queries.problems_for(user, campaign, now=now, **filters.kwargs).select_related(
        "deadline_clock", "report_clock")


# --- who may do what (shown or hidden; the services decide) ----------------------------------

def sees_whole_campaign(user, campaign) -> bool:
    """The task force, the supervision office and whoever oversees the
    organiser (a county leader): the campaign's full figures, exports and
    report."""
    return services.is_manager(user, campaign) or scope_for(user).covers_unit(campaign.organizer)


def may_manage(user, campaign, unit=None) -> bool:
    return services.is_manager(user, campaign, unit)


def import_units(user, campaign) -> list:
    """[(pk, name)] of the units `user` may import a ledger for: every
    participating unit for those who manage the campaign, else their own."""
    if may_manage(user, campaign):
        return unit_choices(campaign)
    return [(u.pk, u.name) for u in own_units(user, campaign)]


def own_units(user, campaign) -> list:
    """The participating units this user acts for (his unit or one above it)."""
    return [u for u in (p.unit for p in campaign.participations.select_related("unit"))
            if services.acts_for_unit(user, u)]


def problem_actions(user, p) -> dict:
    """Which forms the problem page offers to `user`."""
    acts = services.acts_for_unit(user, p.unit)
    manager = services.is_manager(user, p.campaign, p.unit)
    refusal = services.verifier_refusal(user, p) if p.state == ProblemState.SUBMITTED else None
    return {
        "progress": acts and p.is_open,
        "submit": acts and p.state in (ProblemState.RECTIFYING, ProblemState.RERECTIFYING),
        "verify": p.state == ProblemState.SUBMITTED and refusal is None,
        "verify_refusal": refusal if p.state == ProblemState.SUBMITTED and (manager or acts) else None,
        "reopen": manager and p.state == ProblemState.CLOSED,
        "link": manager,
        "publish": services.is_supervisor_for(user, p.unit),
    }


def dashboard_for(user, campaign, now=None):
    """The campaign's dashboard: whole for those who oversee it, otherwise
    over the problems the user may see (only the units that have some)."""
    if sees_whole_campaign(user, campaign):
        return queries.dashboard(campaign, now=now), True
    d = queries.dashboard(campaign, now=now, problems=visible(Problem, user).filter(campaign=campaign))
    d.by_unit = [f for f in d.by_unit if f.found]
    return d, False


def user_names(ids) -> dict:
    from django.contrib.auth import get_user_model

    users = get_user_model().objects.filter(pk__in=set(ids))
    return {u.pk: u.get_full_name() or u.get_username() for u in users}


def spot_check_rows(sc) -> list:
    """A spot check's drawn targets in order, with the names of the
    inspectors (for the result and the replay)."""
    ids = [i for a in sc.result for i in a["inspectors"]]
    names = user_names(ids)
    assignments = {a.order: a for a in sc.assignments.select_related("unit", "problem")}
    rows = []
    for order, a in enumerate(sc.result, start=1):
        sa = assignments.get(order)
        rows.append({"order": order, "target": a["target"], "assignment": sa,
                     "inspectors": [names.get(i, str(i)) for i in a["inspectors"]]})
    return rows


def candidate_names(sc) -> dict:
    """The recorded candidates as names: targets (units or problems) and inspectors."""
    target_ids = [t for t, _ in sc.target_candidates]
    if sc.target_kind == "unit":
        targets = dict(Unit.objects.filter(pk__in=target_ids).values_list("pk", "name"))
    else:
        targets = {pk: f"{number}（{unit}）" for pk, number, unit in Problem.objects.filter(pk__in=target_ids)
                   .values_list("pk", "number", "unit__name")}
    inspectors = user_names(i for i, _ in sc.inspector_candidates)
    return {"targets": [targets.get(t, str(t)) for t in target_ids],
            "inspectors": [inspectors.get(i, str(i)) for i, _ in sc.inspector_candidates]}


def replay_rows(replay, sc) -> list:
    """The recomputed draw beside the recorded one."""
    names = user_names([i for a in replay.recomputed for i in a["inspectors"]]
                       + [i for a in replay.recorded for i in a["inspectors"]])
    cands = candidate_names(sc)
    target_name = dict(zip([t for t, _ in sc.target_candidates], cands["targets"], strict=False))
    rows = []
    for i in range(max(len(replay.recorded), len(replay.recomputed))):
        rec = replay.recorded[i] if i < len(replay.recorded) else None
        again = replay.recomputed[i] if i < len(replay.recomputed) else None

        def text(a):
            if a is None:
                return "—"
            return f"{target_name.get(a['target'], a['target'])}：" + "、".join(
                names.get(x, str(x)) for x in a["inspectors"])

        rows.append({"order": i + 1, "recorded": text(rec), "recomputed": text(again), "same": rec == again})
    return rows


# --- creating a campaign, adding units, registering a problem by hand ---------------------------

UNIT_GROUPS = (("town", "镇（街道）"), ("department", "部门"))


def supervised_roots(user) -> list:
    """The roots of the 督查室 jurisdictions of `user` (as
    services.is_supervisor_for reads them): its roles' scopes, or his own
    unit."""
    if user is None or not user.is_authenticated:
        return []
    own = services._own_unit(user)
    roots = []
    for ra in RoleAssignment.objects.filter(user=user, role=Role.SUPERVISOR).select_related("scope"):
        root = ra.scope or own
        if root is not None and root not in roots:
            roots.append(root)
    return roots


def _units_under(roots):
    if not roots:
        return Unit.objects.none()
    q = Q()
    for r in roots:
        q |= Q(path__startswith=r.path)
    return Unit.objects.filter(q, is_active=True).order_by("path")


def may_create_campaign(user) -> bool:
    """The supervision office: a 督查室 role covering some unit (the
    service checks the chosen organiser again)."""
    return bool(supervised_roots(user))


def organizer_choices(user) -> list:
    """Units `user` may organise a campaign for, his own unit first."""
    units = list(_units_under(supervised_roots(user)))
    own = services._own_unit(user)
    if own is not None and own in units:
        units.remove(own)
        units.insert(0, own)
    return [(u.pk, u.name) for u in units]


def grouped_units(units) -> list:
    """Choices for a list of checkboxes grouped by towns / departments / others."""
    groups = {k: [] for k, _ in UNIT_GROUPS}
    other = []
    for u in units:
        groups.get(u.kind, other).append((u.pk, u.name))
    out = [(label, groups[k]) for k, label in UNIT_GROUPS if groups[k]]
    if other:
        out.append(("其他单位", other))
    return out


def participant_choices(user, campaign=None) -> list:
    """The units a campaign of `user` may take in (grouped), without those
    already taking part."""
    roots = supervised_roots(user)
    if campaign is not None and not roots:
        # a task-force member: the tree the organiser belongs to
        org = campaign.organizer
        roots = list(Unit.objects.filter(path=org.path[:len(org.path) // (org.depth + 1)]))
    units = [u for u in _units_under(roots) if u.kind not in ("government", "task_force", "leading_group")]
    if campaign is not None:
        have = set(campaign.participations.values_list("unit_id", flat=True))
        units = [u for u in units if u.pk not in have]
    return grouped_units(units)


def task_force_choices() -> list:
    return list(WorkGroup.objects.filter(kind=GroupKind.TASK_FORCE).order_by("name").values_list("pk", "name"))


def register_units(user, campaign) -> list:
    """The units `user` may register problems for: every participating unit
    for a manager, else the participating units he acts for."""
    if may_manage(user, campaign):
        return unit_choices(campaign)
    return [(u.pk, u.name) for u in own_units(user, campaign)]


def people_choices(unit_ids) -> list:
    """The active people of these units (and below), grouped by unit, for the
    responsible leader / person selects: (user pk, name)."""
    units = list(Unit.objects.filter(pk__in=unit_ids))
    if not units:
        return []
    q = Q()
    for u in units:
        q |= Q(unit__path__startswith=u.path)
    groups = {}
    for p in Person.objects.filter(q, user__is_active=True).select_related("user", "unit"):
        label = p.display_name + (f"（{p.position}）" if p.position else "")
        groups.setdefault(p.unit.name, []).append((p.user_id, label))
    return list(groups.items())
