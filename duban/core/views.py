from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils import timezone

from duban.journal.models import Event
from duban.org.models import Person, Role, RoleAssignment, Unit
from duban.org.services import principals_of, roles_of
from duban.org.visibility import scope_for


def _matter_cards(user, roles):
    """Counts per traffic light of the supervised matters this person works
    on: their unit's worklist, the office's jurisdiction, what they
    instructed. The supervision app is the one that knows how to count."""
    from duban.supervision import queries

    cards = []
    if user_has_unit_work(roles):
        cards.append(("本单位待办", "supervision:worklist", queries.unit_worklist(user).counts))
    if Role.SUPERVISOR in roles:
        cards.append(("督办总表", "supervision:office", queries.supervision_list(user).counts))
    if Role.LEADER in roles:
        cards.append(("我批示的事项", "supervision:leader", queries.leader_list(user).counts))
    return cards


def _standing_in(user):
    """ORG-4: while an A whose B role this person is is away, A's worklist
    (its traffic lights) on B's home page, linking to it."""
    from duban.supervision import queries

    return [{"principal": p, "counts": queries.unit_worklist(p).counts} for p in principals_of(user)]


def user_has_unit_work(roles):
    return bool(roles & {Role.LIAISON, Role.UNIT_HEAD})


@login_required
def home(request):
    """The workbench (工作台): what this person's roles give them to do."""
    user = request.user
    roles = roles_of(user)
    person = Person.objects.filter(user=user).select_related("unit", "backup").first()
    scope = scope_for(user)
    ctx = {
        "person": person,
        "roles": [Role(r) for r in Role.values if r in roles],
        "jurisdictions": scope.jurisdictions,
        "backing_up": Person.objects.filter(backup=user).select_related("user", "unit"),
        "is": {r: (r in roles) for r in Role.values},
    }
    ctx["matters"] = _matter_cards(user, roles)
    ctx["standing_in"] = _standing_in(user)
    if Role.SUPERVISOR in roles:
        from duban.notify.services import failures_for

        ctx["failed_deliveries"] = failures_for(user).count()
    if Role.AUDIT_ADMIN in roles:
        today = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)
        ctx["journal_today"] = Event.objects.filter(recorded_at__gte=today).count()
        ctx["journal_failed_logins"] = Event.objects.filter(recorded_at__gte=today, action="auth.login_failed").count()
    if Role.SYSTEM_ADMIN in roles:
        ctx["unit_count"] = Unit.objects.filter(is_active=True).count()
        ctx["person_count"] = Person.objects.filter(user__is_active=True).count()
    if Role.SECURITY_ADMIN in roles:
        ctx["role_count"] = RoleAssignment.objects.count()
    return render(request, "core/home.html", ctx)
