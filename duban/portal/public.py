"""The public's pages (PUB-1 … PUB-3, EVAL-5), without login, readable on a
phone: complain and get a tracking code, follow the complaint, rate the
result or a service, the typical cases and the units' satisfaction. They
read only what is meant for the public: the public state and answer, unit
names, published cases, counts -- never the complainant's contact data,
officials' names or internal notes (tested: tests/portal/test_public_pages.py)."""

from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET

from duban.core.context import client_ip

from . import forms, queries, services
from .models import PUBLIC_STATE, CaseKind, DispatchState, Ticket, TicketState
from .views import _unit


@require_GET
def home(request):
    return render(request, "portal/public/home.html", {
        "cases": queries.public_cases()[:5]})


def complain(request):
    form = forms.PublicComplaintForm(request.POST or None, initial={"wants_reply": True})
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        data = {k: d[k] for k in ("kind", "title", "content", "place", "name", "phone", "email", "company",
                                  "is_enterprise", "wants_reply")}
        data["subject_unit"] = _unit(d["subject_unit"])
        try:
            t = services.submit_public(data, ip=client_ip(request))
        except ValidationError as e:
            forms.apply_errors(form, e)
        else:
            # Shown once, on the next page; never put into a URL.
            request.session["portal_received"] = {"number": t.number, "code": t.tracking_code}
            return redirect("public_portal:received")
    return render(request, "portal/public/complain.html", {"form": form})


@require_GET
def received(request):
    info = request.session.pop("portal_received", None)
    if info is None:
        return redirect("public_portal:track")
    return render(request, "portal/public/received.html", info)


def _public_timeline(t: Ticket) -> list:
    """(date, text) steps the complainant may read."""
    steps = [(t.received_at, "已受理")]
    if t.state == TicketState.MERGED and t.repeat_of_id:
        steps.append((t.received_at, "与此前反映的相同问题合并办理"))
        return steps
    for d in t.dispatches.order_by("dispatched_at", "id").select_related("unit"):
        steps.append((d.dispatched_at, f"转{d.unit.name}办理"))
        if d.state == DispatchState.RETURNED:
            steps.append((d.returned_at, "重新分派承办单位"))
    if t.matter_id:
        steps.append((t.received_at, f"列入督办事项，由{t.handling_unit.name if t.handling_unit else '责任单位'}办理"))
    if t.problem_id:
        steps.append((t.received_at, f"列入作风问题整改，由{t.handling_unit.name if t.handling_unit else '责任单位'}整改"))
    if t.closed_at:
        steps.append((t.closed_at, "不予受理" if t.state == TicketState.DISMISSED else "已办结"))
    return steps


def _status(request, t, rate_form=None, status=200):
    shown = t.repeat_of if t.state == TicketState.MERGED and t.repeat_of_id else t
    invitation = getattr(shown if shown is t else t, "invitation", None)
    rating = getattr(invitation, "rating", None) if invitation else None
    may_rate = invitation is not None and rating is None and t.state in (TicketState.CLOSED, TicketState.DISMISSED)
    return render(request, "portal/public/status.html", {
        "t": t, "shown": shown, "state": PUBLIC_STATE.get(shown.state, ""), "steps": _public_timeline(shown),
        "answer": shown.public_answer if shown.state in (TicketState.CLOSED, TicketState.DISMISSED) else "",
        "may_rate": may_rate, "rating": rating, "rate_form": rate_form or forms.RateForm(),
        "code": t.tracking_code,
    }, status=status)


def _ticket_by_code(code):
    return Ticket.objects.select_related("handling_unit", "repeat_of").filter(
        tracking_code=services.clean_code(code)).first()


def track(request):
    """Follow a complaint by its code (POSTed, so it stays out of URLs and logs)."""
    form = forms.TrackForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        t = _ticket_by_code(form.cleaned_data["code"])
        if t is not None:
            return _status(request, t)
        form.add_error("code", "没有找到这个查询码，请核对后再试")
    return render(request, "portal/public/track.html", {"form": form})


def rate_ticket(request):
    if request.method != "POST":
        return redirect("public_portal:track")
    t = _ticket_by_code(request.POST.get("code", ""))
    if t is None:
        raise Http404("没有找到这个查询码")
    form = forms.RateForm(request.POST)
    invitation = getattr(t, "invitation", None)
    if invitation is None:
        return _status(request, t)
    if form.is_valid() and _rated(request, form, invitation):
        t.refresh_from_db()
        return _status(request, t)
    return _status(request, t, rate_form=form)


def _rated(request, form, invitation) -> bool:
    """Submit the rating of a valid form; False with the service's message
    on the form."""
    try:
        services.rate(invitation, level=form.cleaned_data["level"], comment=form.cleaned_data["comment"],
                      ip=client_ip(request))
    except ValidationError as e:
        forms.apply_errors(form, e)
        return False
    return True


def rate(request):
    """Rate a service with the code handed out at the window."""
    # A link or QR code on a receipt may carry the code (?code=…).
    code_form = forms.TrackForm(request.POST or None, initial={"code": request.GET.get("code", "")[:30]})
    form = forms.RateForm(request.POST if "level" in request.POST else None)
    invitation, done = None, False
    if request.method == "POST" and code_form.is_valid():
        invitation = services.invitation_for(code_form.cleaned_data["code"])
        if invitation is None or invitation.ticket_id:
            code_form.add_error("code", "没有找到这个评价码，请核对后再试")
            invitation = None
        elif hasattr(invitation, "rating"):
            done = True
        elif form.is_bound and form.is_valid():
            done = _rated(request, form, invitation)
    return render(request, "portal/public/rate.html", {"code_form": code_form, "form": form,
                                                        "invitation": invitation, "done": done})


@require_GET
def cases(request):
    kind = request.GET.get("kind", "")
    if kind and kind not in CaseKind.values:
        kind = ""
    return render(request, "portal/public/cases.html", {"cases": queries.public_cases(kind)[:100], "kind": kind,
                                                        "kinds": CaseKind.choices})


@require_GET
def case(request, pk):
    c = queries.public_cases().filter(pk=pk).first()
    if c is None:
        raise Http404("未找到该案例")
    return render(request, "portal/public/case.html", {"c": c})


@require_GET
def satisfaction(request):
    return render(request, "portal/public/satisfaction.html", {
        "rows": queries.satisfaction_by_unit(), "services": queries.satisfaction_by_service(),
        "enterprise": queries.enterprise_rates()})
