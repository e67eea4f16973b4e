from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils import timezone

from duban.journal.models import Event
from duban.org.models import Person, Role, RoleAssignment, Unit
from duban.org.services import roles_of
from duban.org.visibility import scope_for

from .home import cards_for


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
    ctx["cards"] = cards_for(user, roles)
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


@login_required
def import_job(request, pk):
    """A background import's page: its progress bar while it runs (the
    page asks again every second), its result when it is done. Only whoever
    started it sees it."""
    from django.http import Http404

    from .models import ImportJob

    job = ImportJob.objects.filter(pk=pk, created_by=request.user).defer("data").first()
    if job is None:
        raise Http404("页面不存在")
    template = "core/_import_job.html" if getattr(request, "htmx", False) else "core/import_job.html"
    return render(request, template, {"job": job})
