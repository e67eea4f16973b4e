"""The office's and the units' pages of the portal (login required). Thin:
lists and details come through the visibility module (what a user may not
see answers 404), every change is a call of duban.portal.services; a
refusal (PermissionDenied) answers 404 too, a ValidationError is shown on
the form."""


from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone

from duban.core.services import as_moment, as_unit, as_user
from duban.org.models import Unit
from duban.org.visibility import get_visible_or_404, visible
from duban.rectification import services as rectification

from . import forms, queries, services
from .models import (
    AppealState,
    BadRatingStep,
    CaseState,
    DispatchState,
    ExtensionState,
    Rating,
    Ticket,
    TicketState,
    TypicalCase,
)

User = get_user_model()
PAGE = 30


def _unit(value):
    """The unit a form's chooser names (None when blank or unknown: the
    service then names the missing field)."""
    try:
        return as_unit(value)
    except ValidationError:
        return None


def _user(value):
    try:
        return as_user(value)
    except ValidationError:
        return None


def _require_office(user):
    """The intake office, for its own pages; 404 for everyone else (and
    when no 督查室 is set up yet)."""
    try:
        office = services.intake_office()
    except ValidationError:
        raise Http404("页面不存在") from None
    if not services.is_office(user, office):
        raise Http404("页面不存在")
    return office


def _is_office(user) -> bool:
    try:
        return services.is_office(user, services.intake_office())
    except ValidationError:
        return False


def _run(request, form, call, success):
    """Call a service with the form's data; a refusal is 404, bad input goes
    back on the form. True when done."""
    try:
        call()
    except PermissionDenied:
        raise Http404("页面不存在") from None
    except ValidationError as e:
        forms.apply_errors(form, e)
        return False
    messages.success(request, success)
    return True


# --- tickets ----------------------------------------------------------------------------------------

@login_required
def tickets(request):
    state = request.GET.get("state", "open")
    scope = request.GET.get("scope", "")
    q = request.GET.get("q", "").strip()
    qs = queries.tickets_for(request.user, state=state, scope=scope, q=q)
    page = Paginator(qs, PAGE).get_page(request.GET.get("page"))
    office = _is_office(request.user)
    return render(request, "portal/tickets.html", {
        "page": page, "state": state, "scope": scope, "q": q, "states": TicketState.choices, "is_office": office,
        "dispatches": queries.dispatches_of_unit(request.user)[:50],
    })


@login_required
def ticket_new(request):
    _require_office(request.user)
    form = forms.RecordTicketForm(request.POST or None, initial={
        "received_at": timezone.localtime().replace(second=0, microsecond=0), "wants_reply": True})
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        data = {k: d[k] for k in ("kind", "title", "content", "place", "name", "phone", "email", "company",
                                  "is_enterprise", "wants_reply")}
        data["subject_unit"] = _unit(d["subject_unit"])
        holder = {}

        def call():
            holder["t"] = services.record_ticket(request.user, channel=d["channel"], received_at=d["received_at"],
                                                 **data)

        if _run(request, form, call, "已登记"):
            return redirect("portal:ticket", holder["t"].pk)
    return render(request, "portal/ticket_new.html", {"form": form})


@login_required
def ticket_import(request):
    _require_office(request.user)
    form = forms.ImportForm(request.POST or None, request.FILES or None)
    errors, result = [], None
    if request.method == "POST" and form.is_valid():
        try:
            result = services.import_hotline_xlsx(request.user, form.cleaned_data["file"])
        except ValidationError as e:
            errors = e.messages
        else:
            messages.success(request, result.summary())
            return redirect(reverse_tickets("hotline"))
    return render(request, "portal/import.html", {"form": form, "errors": errors})


def reverse_tickets(scope=""):
    from django.urls import reverse

    return reverse("portal:tickets") + (f"?state=all&scope={scope}" if scope else "")


TICKET_ACTIONS = {}


def action(name):
    def wrap(fn):
        TICKET_ACTIONS[name] = fn
        return fn

    return wrap


def _ticket_context(request, t, bound=None):
    user = request.user
    office = services.is_office(user, t.office)
    current = t.dispatches.filter(state__in=[DispatchState.HANDLING, DispatchState.ANSWERED]).order_by("-id").first()
    unit_actor = current is not None and services.is_unit_actor(user, current.unit)
    triage = office and t.state in services.TRIAGE_STATES
    campaigns = rectification.campaigns_taking_complaints(user) if triage else []
    now = timezone.localtime().replace(second=0, microsecond=0)
    made = {
        "matter": lambda data=None: forms.MatterTriageForm(data),
        "problem": lambda data=None: forms.ProblemTriageForm(data, campaigns=campaigns),
        "refer": lambda data=None: forms.ReferForm(data, initial={"unit": str(t.subject_unit_id or "")}),
        "dismiss": lambda data=None: forms.DismissForm(data),
        "merge": lambda data=None: forms.MergeForm(data, initial={
            "into": t.possible_repeat_of.number if t.possible_repeat_of_id else ""}),
        "close": lambda data=None: forms.CloseForm(data),
        "follow_up": lambda data=None: forms.FollowUpForm(data, initial={"contacted_at": now, "reached": True}),
        "return": lambda data=None: forms.ReturnForm(data),
        "extension": lambda data=None: forms.ExtensionForm(data),
        "answer": lambda data=None: forms.AnswerForm(data),
        "review": lambda data=None: forms.ReviewForm(data, initial={
            "public_answer": current.public_answer if current else ""}),
        "decide_extension": lambda data=None: forms.DecideForm(data),
    }
    f = {name: make() for name, make in made.items()}
    if bound is not None:
        f[bound[0]] = bound[1]
    pending_ext = current.extensions.filter(state=ExtensionState.PENDING).first() if current else None
    progress = services.outcome_progress(t)
    return {
        "t": t, "is_office": office, "unit_actor": unit_actor, "current": current, "triage": triage, "forms": f,
        "may_see_contact": office or unit_actor, "contact": getattr(t, "contact", None),
        "dispatches": t.dispatches.select_related("unit", "clock", "dispatched_by", "returned_by", "answered_by")
        .prefetch_related("extensions"),
        "follow_ups": t.follow_ups.select_related("by"), "repeats": t.repeats.order_by("received_at"),
        "pending_ext": pending_ext, "progress": progress, "campaigns": campaigns,
        "may_close": office and t.state in (TicketState.IN_MATTER, TicketState.IN_PROBLEM),
        "may_follow_up": office or services.is_unit_actor(user, t.handling_unit),
        "invitation": getattr(t, "invitation", None),
    }


@login_required
def ticket(request, pk):
    t = get_visible_or_404(Ticket.objects.select_related("office", "handling_unit", "subject_unit", "possible_repeat_of",
                                                         "repeat_of"), request.user, pk=pk)
    if request.method == "POST":
        name = request.POST.get("action", "")
        if name not in TICKET_ACTIONS:
            raise Http404("页面不存在")
        ctx = _ticket_context(request, t)
        form = ctx["forms"][name].__class__(request.POST, **({"campaigns": ctx["campaigns"]}
                                                             if name == "problem" else {}))
        if form.is_valid() and TICKET_ACTIONS[name](request, t, form, ctx):
            return redirect("portal:ticket", t.pk)
        t.refresh_from_db()
        return render(request, "portal/ticket.html", _ticket_context(request, t, bound=(name, form)), status=200)
    return render(request, "portal/ticket.html", _ticket_context(request, t))


@action("matter")
def _matter(request, t, form, ctx):
    d = form.cleaned_data
    return _run(request, form, lambda: services.triage_matter(
        t, request.user, lead_unit=_unit(d["lead_unit"]), lead_person=_user(d["lead_person"]),
        due_at=as_moment(d["due_date"]), urgency=d["urgency"], standard=d["standard"], note=d["note"]),
        "已转为督办事项并交办")


@action("problem")
def _problem(request, t, form, ctx):
    d = form.cleaned_data
    # Only a campaign the reader manages (rectification's hand-over lists them).
    campaign = next((c for c, _ in rectification.campaigns_taking_complaints(request.user)
                     if str(c.pk) == d["campaign"]), None)
    if campaign is None:
        form.add_error("campaign", "请选择专项行动")
        return False
    return _run(request, form, lambda: services.triage_problem(
        t, request.user, campaign=campaign, unit=_unit(d["unit"]), category=d["category"], measures=d["measures"],
        deadline=d["deadline"], note=d["note"]), "已转为作风问题，列入整改台账")


@action("refer")
def _refer(request, t, form, ctx):
    d = form.cleaned_data
    return _run(request, form, lambda: services.refer(t, request.user, unit=_unit(d["unit"]), reason=d["reason"]),
                "已转交承办单位")


@action("dismiss")
def _dismiss(request, t, form, ctx):
    d = form.cleaned_data
    return _run(request, form, lambda: services.dismiss(t, request.user, reason=d["reason"],
                                                        public_answer=d["public_answer"]), "已作不予受理")


@action("merge")
def _merge(request, t, form, ctx):
    into = visible(Ticket, request.user).filter(number=form.cleaned_data["into"].strip()).first()
    if into is None:
        form.add_error("into", "没有这个受理编号")
        return False
    return _run(request, form, lambda: services.merge_repeat(t, request.user, into=into), f"已合并到{into.number}")


@action("close")
def _close(request, t, form, ctx):
    return _run(request, form, lambda: services.close_ticket(t, request.user,
                                                             public_answer=form.cleaned_data["public_answer"]),
                "已办结，投诉人可以评价")


@action("follow_up")
def _follow_up(request, t, form, ctx):
    d = form.cleaned_data
    return _run(request, form, lambda: services.record_follow_up(
        t, request.user, contacted_at=d["contacted_at"], method=d["method"], reached=d["reached"],
        solved=d["solved"], note=d["note"]), "已记录回访")


def _dispatch_of(ctx):
    if ctx["current"] is None:
        raise Http404("页面不存在")
    return ctx["current"]


@action("return")
def _return(request, t, form, ctx):
    return _run(request, form, lambda: services.return_dispatch(_dispatch_of(ctx), request.user,
                                                                reason=form.cleaned_data["reason"]), "已退回督查室")


@action("extension")
def _extension(request, t, form, ctx):
    d = form.cleaned_data
    return _run(request, form, lambda: services.request_dispatch_extension(
        _dispatch_of(ctx), request.user, days=d["days"], reason=d["reason"]), "已提交延期申请")


@action("decide_extension")
def _decide_extension(request, t, form, ctx):
    ext = ctx["pending_ext"]
    if ext is None:
        raise Http404("页面不存在")
    d = form.cleaned_data
    return _run(request, form, lambda: services.decide_dispatch_extension(ext, request.user, approve=d["approve"],
                                                                          note=d["note"]), "已审批")


@action("answer")
def _answer(request, t, form, ctx):
    d = form.cleaned_data
    return _run(request, form, lambda: services.answer_dispatch(_dispatch_of(ctx), request.user, result=d["result"],
                                                                public_answer=d["public_answer"]), "已答复，待督查室审核")


@action("review")
def _review(request, t, form, ctx):
    d = form.cleaned_data
    return _run(request, form, lambda: services.review_answer(
        _dispatch_of(ctx), request.user, accept=d["accept"], note=d["note"],
        public_answer=d["public_answer"] or None), "已审核")


# --- ratings ---------------------------------------------------------------------------------------------

@login_required
def ratings(request):
    step = request.GET.get("step", "open")
    qs = queries.ratings_for(request.user, step=step)
    page = Paginator(qs, PAGE).get_page(request.GET.get("page"))
    return render(request, "portal/ratings.html", {"page": page, "step": step})


RATING_FORMS = {"verify": forms.VerifyForm, "handle": forms.HandleForm, "callback": forms.CallbackForm,
                "appeal": forms.AppealForm, "decide_appeal": forms.AppealDecisionForm}


def _rating_context(request, r, bound=None):
    user = request.user
    office = services.is_office(user, r.unit)
    unit_actor = services.is_unit_actor(user, r.unit)
    f = {name: cls() for name, cls in RATING_FORMS.items()}
    if bound:
        f[bound[0]] = bound[1]
    appeals = list(r.appeals.select_related("appealed_by", "decided_by"))
    pending = next((a for a in appeals if a.state == AppealState.PENDING), None)
    return {"r": r, "is_office": office, "unit_actor": unit_actor, "forms": f, "appeals": appeals,
            "pending_appeal": pending, "steps": BadRatingStep,
            "may_appeal": unit_actor and r.is_bad and not r.excluded and not appeals,
            "clock": r.clock}


@login_required
def rating(request, pk):
    r = get_visible_or_404(Rating.objects.select_related("unit", "ticket", "clock", "verified_by", "handled_by",
                                                         "called_back_by"), request.user, pk=pk)
    if request.method == "POST":
        name = request.POST.get("action", "")
        if name not in RATING_FORMS:
            raise Http404("页面不存在")
        form = RATING_FORMS[name](request.POST)
        ctx = _rating_context(request, r)
        if form.is_valid():
            d = form.cleaned_data
            calls = {
                "verify": lambda: services.verify_rating(r, request.user, verdict=d["verdict"], note=d["note"]),
                "handle": lambda: services.handle_rating(r, request.user, text=d["text"]),
                "callback": lambda: services.call_back(r, request.user, note=d["callback_note"],
                                                       satisfied=d["satisfied"]),
                "appeal": lambda: services.appeal_rating(r, request.user, reason=d["reason"]),
                "decide_appeal": lambda: services.decide_appeal(_pending(ctx), request.user, uphold=d["uphold"],
                                                                note=d["decision_note"]),
            }
            if _run(request, form, calls[name], "已保存"):
                return redirect("portal:rating", r.pk)
        r.refresh_from_db()
        return render(request, "portal/rating.html", _rating_context(request, r, bound=(name, form)))
    return render(request, "portal/rating.html", _rating_context(request, r))


def _pending(ctx):
    if ctx["pending_appeal"] is None:
        raise Http404("页面不存在")
    return ctx["pending_appeal"]


@login_required
def codes(request):
    _require_office(request.user)
    form = forms.CodesForm(request.POST or None, initial={"count": 10})
    issued = []
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            issued = services.issue_codes(request.user, unit=_unit(d["unit"]), service=d["service"], count=d["count"],
                                          rater_kind=d["rater_kind"])
        except PermissionDenied:
            raise Http404("页面不存在") from None
        except ValidationError as e:
            forms.apply_errors(form, e)
    return render(request, "portal/codes.html", {"form": form, "issued": issued})


@login_required
def satisfaction(request):
    return render(request, "portal/satisfaction.html", {
        "rows": queries.satisfaction_by_unit(units=visible_units_for(request.user)),
        "services": queries.satisfaction_by_service(units=visible_units_for(request.user)),
        "enterprise": queries.enterprise_rates(),
    })


def visible_units_for(user):
    """The units whose ratings the user sees (their own unit, jurisdiction)."""
    return Unit.objects.filter(pk__in=visible(Rating, user).values("unit_id"))


# --- typical cases -----------------------------------------------------------------------------------------

@login_required
def cases(request):
    qs = visible(TypicalCase, request.user).select_related("unit", "drafted_by").order_by("-drafted_at", "-id")
    page = Paginator(qs, PAGE).get_page(request.GET.get("page"))
    return render(request, "portal/cases.html", {"page": page, "is_office": _is_office(request.user)})


@login_required
def case_new(request):
    _require_office(request.user)
    form = forms.CaseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        holder = {}

        def call():
            holder["c"] = services.draft_case(request.user, kind=d["kind"], title=d["title"], summary=d["summary"],
                                              unit=_unit(d["unit"]))

        if _run(request, form, call, "已保存草稿"):
            return redirect("portal:case", holder["c"].pk)
    return render(request, "portal/case_form.html", {"form": form, "case": None})


@login_required
def case(request, pk):
    c = get_visible_or_404(TypicalCase.objects.select_related("unit", "drafted_by", "reviewed_by"), request.user,
                           pk=pk)
    office = services.is_office(request.user, c.office)
    form = forms.CaseForm(initial={"kind": c.kind, "title": c.title, "summary": c.summary,
                                   "unit": str(c.unit_id or "")})
    review = forms.CaseReviewForm()
    if request.method == "POST":
        name = request.POST.get("action", "")
        if name == "update":
            form = forms.CaseForm(request.POST)
            if form.is_valid():
                d = form.cleaned_data
                if _run(request, form, lambda: services.update_case(c, request.user, kind=d["kind"], title=d["title"],
                                                                    summary=d["summary"], unit=_unit(d["unit"])),
                        "已保存"):
                    return redirect("portal:case", c.pk)
        elif name == "submit":
            if _run(request, form, lambda: services.submit_case(c, request.user), "已提交审核"):
                return redirect("portal:case", c.pk)
        elif name == "review":
            review = forms.CaseReviewForm(request.POST)
            if review.is_valid():
                d = review.cleaned_data
                if _run(request, review, lambda: services.review_case(c, request.user, approve=d["approve"],
                                                                      note=d["note"]), "已审核"):
                    return redirect("portal:case", c.pk)
        elif name == "withdraw":
            if _run(request, review, lambda: services.withdraw_case(c, request.user, note=request.POST.get("note", "")),
                    "已撤回"):
                return redirect("portal:case", c.pk)
        else:
            raise Http404("页面不存在")
        c.refresh_from_db()
    return render(request, "portal/case_form.html", {
        "form": form, "case": c, "is_office": office, "review": review, "states": CaseState,
        "editable": office and c.state in (CaseState.DRAFT, CaseState.RETURNED),
        "may_review": office and c.state == CaseState.SUBMITTED and c.drafted_by_id != request.user.pk,
    })
