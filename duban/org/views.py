import datetime as dt

from django import forms
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.html import format_html
from django.views.decorators.http import require_POST

from duban.core import forms as core_forms

from . import queries, services
from .models import Person, WorkGroup
from .visibility import visible_units

User = get_user_model()


@login_required
def tree(request):
    groups = WorkGroup.objects.select_related("unit").order_by("kind", "name")
    return render(request, "org/tree.html", {"tree": queries.unit_tree(request.user), "groups": groups})


@login_required
def unit_detail(request, pk):
    unit = get_object_or_404(visible_units(request.user).select_related("parent"), pk=pk)
    paths = services.reveal_paths(request.user)
    unit_open = paths is None or any(unit.path.startswith(p) for p in paths)
    return render(
        request,
        "org/unit.html",
        {
            "unit": unit,
            "ancestors": unit.ancestors(),
            "children": unit.children.filter(is_active=True).order_by("sort_order", "path"),
            "people": [(p, unit_open or p.user_id == request.user.pk) for p in queries.people_of(unit)],
            "groups": queries.groups_of(unit),
            "may_mark_away": services.may_mark_away(request.user, Person(unit=unit)),
        },
    )


@login_required
def group_detail(request, pk):
    # Groups are part of the county's directory, like units.
    group = get_object_or_404(WorkGroup.objects.select_related("unit", "parent_group"), pk=pk)
    return render(request, "org/group.html", {"group": group, "members": queries.group_members(group)})


class AwayForm(core_forms.Form):
    backup = forms.ChoiceField(label="B角（外出期间代为接收消息、办理事项）")
    away_from = core_forms.moment_field("外出开始")
    away_to = core_forms.moment_field("外出结束（可不填）", required=False)
    away_reason = forms.CharField(label="外出事由", max_length=100)

    def __init__(self, *args, person, **kwargs):
        super().__init__(*args, **kwargs)
        # The B role comes from the person's unit or the unit above it.
        units = [person.unit.pk] + ([person.unit.parent_id] if person.unit.parent_id else [])
        people = (Person.objects.filter(unit_id__in=units, user__is_active=True).exclude(pk=person.pk)
                  .select_related("user", "unit").order_by("unit__path", "sort_order", "id"))
        choices = [(str(p.user_id), f"{p.display_name}（{p.unit.name}{'，' + p.position if p.position else ''}）")
                   for p in people]
        if person.backup_id and str(person.backup_id) not in {c for c, _ in choices}:
            choices.insert(0, (str(person.backup_id), person.backup.get_full_name() or person.backup.username))
        self.fields["backup"].choices = choices


@login_required
def away(request, pk):
    """A unit head marks a person of their unit away (or back) from the app
    (ORG-4); the system administrator anyone."""
    person = get_object_or_404(Person.objects.select_related("user", "unit", "backup"), pk=pk,
                               user__is_active=True)
    if not services.may_mark_away(request.user, person):
        raise Http404("页面不存在")
    now = timezone.now()
    if request.method == "POST" and request.POST.get("action") == "end":
        try:
            services.end_away(person, request.user, at=now)
        except (ValidationError, PermissionDenied) as e:
            messages.error(request, "；".join(getattr(e, "messages", [str(e)])))
        else:
            messages.success(request, f"{person.display_name}已结束外出，消息和待办恢复由本人接收")
        return redirect("org:unit", person.unit_id)
    if request.method == "POST":
        form = AwayForm(request.POST, person=person)
        if form.is_valid():
            d = form.cleaned_data
            try:
                services.mark_away(person, request.user, away_from=d["away_from"], away_to=d["away_to"],
                                   reason=d["away_reason"], backup=User.objects.filter(pk=int(d["backup"])).first(),
                                   at=now)
            except PermissionDenied:
                raise Http404("页面不存在") from None
            except ValidationError as e:
                for field, msgs in e.message_dict.items():
                    for msg in msgs:
                        form.add_error(field if field in form.fields else None, msg)
            else:
                messages.success(request, f"已登记{person.display_name}外出，外出期间由B角接收消息并代为办理")
                return redirect("org:unit", person.unit_id)
    else:
        form = AwayForm(person=person, initial={
            "backup": str(person.backup_id or ""), "away_from": timezone.localtime(now).replace(second=0, microsecond=0),
            "away_to": timezone.localtime(now + dt.timedelta(days=3)).replace(hour=18, minute=0, second=0,
                                                                              microsecond=0),
        })
    return render(request, "org/away.html", {"person": person, "form": form, "is_away": person.is_away(now)})
@login_required
@require_POST
def reveal(request, pk, field):
    """A person's number in full, for someone who may see it (journaled);
    404 for a person outside the user's view, as for any other object."""
    person = get_object_or_404(Person.objects.select_related("unit", "user").filter(
        unit__in=visible_units(request.user)), pk=pk)
    if field not in services.PERSONAL_FIELDS:
        raise Http404("页面不存在")
    try:
        value = services.reveal(request.user, person, field)
    except PermissionDenied as e:
        raise Http404("页面不存在") from e
    return HttpResponse(format_html('<span class="revealed">{}</span>', value or "—"))
