"""Pages of 会议 (MEET-1…3): the list, registering a meeting (refused, naming
the limit, when it goes beyond its type's without a reason), the meeting
page (plan and its approval, notice as Word, attendance with leave and
substitutes, the record of how it ran with its overruns, minutes and
decisions with their matters' lights), the meeting-room screen (agenda,
the speaker's countdown, the meeting's remaining time, the sign-in code
that changes every minute), signing in from a phone, and the minutes form.

Thin like duban.duty.views: reads from duban.meetings.queries (404 when not
visible), writes through duban.meetings.services. A refusal of an action on
the meeting page comes back as a message naming what was wrong; the two
long forms show their errors next to the fields."""

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from duban.core.forms import Choices
from duban.core.officialdoc import docx_response
from duban.org.visibility import get_visible_or_404, visible

from . import documents, forms, queries, services
from .models import AgendaItem, Attendance, Meeting, MeetingState, Minutes, MinutesState

PASSIVE_HEADERS = '{"X-Duban-Passive": "1"}'


def _messages_of(e) -> list:
    if isinstance(e, ValidationError):
        if hasattr(e, "error_dict"):
            return [m for msgs in e.message_dict.values() for m in msgs]
        return list(e.messages)
    return [str(e) or "无权执行此操作"]


def _tabs(request, current):
    tabs = [("list", "会议", reverse("meetings:list"))]
    if services.may_register(request.user):
        tabs.append(("new", "登记会议", reverse("meetings:new")))
    if queries._approvable_roots(request.user):
        tabs.append(("approval", "待我审批", reverse("meetings:list") + "?tab=approval"))
    tabs.append(("sign_in", "签到", reverse("meetings:sign_in")))
    return [{"url": url, "label": label, "current": key == current} for key, label, url in tabs]


@login_required
@require_GET
def meeting_list(request):
    tab = request.GET.get("tab") or "upcoming"
    tab = tab if tab in queries.TABS else "upcoming"
    page = queries.meeting_page(request.user, tab=tab, page=request.GET.get("page") or 1)
    return render(request, "meetings/list.html", {
        "tabs": _tabs(request, "approval" if tab == "approval" else "list"), "tab": tab, "page": page,
        "meetings": page.object_list, "query": f"tab={tab}", "tab_choices": list(queries.TABS.items()),
        "now": timezone.now()})


# --- registering ------------------------------------------------------------------------

def _combinable(user):
    now = timezone.now()
    return list(visible(Meeting, user).filter(state__in=[MeetingState.PENDING, MeetingState.PLANNED],
                                               starts_at__gte=now).order_by("starts_at", "id")[:50])


@login_required
def meeting_new(request):
    if not services.may_register(request.user):
        raise Http404("页面不存在")
    choices = Choices()
    conveners = services.convener_choices(request.user)
    kwargs = {"choices": choices, "conveners": conveners, "combinable": _combinable(request.user)}
    if request.method == "POST":
        form = forms.MeetingForm(request.POST, **kwargs)
        agenda = forms.AgendaFormSet(request.POST, prefix="agenda", form_kwargs={"choices": choices})
        if form.is_valid() and agenda.is_valid():
            rows = [f.row() for f in agenda.forms if not f.is_blank()]
            try:
                meeting = services.register_meeting(request.user, agenda=rows, **form.service_data())
            except PermissionDenied as e:
                form.add_error(None, str(e))
            except ValidationError as e:
                forms.apply_errors(form, e, extra_fields=("agenda",))
            else:
                if meeting.state == MeetingState.PENDING:
                    messages.success(request, "已登记。会议计划超出标准，已报会议管控办公室审批，批准后计入年度会议计划")
                else:
                    messages.success(request, f"已登记“{meeting.title}”，已计入{meeting.convener.name}年度会议计划")
                return redirect(meeting.get_absolute_url())
        status = 422
    else:
        start = (timezone.localtime() + dt.timedelta(days=1)).replace(hour=9, minute=0, second=0,
                                                                            microsecond=0)
        form = forms.MeetingForm(initial={"starts_at": start, "convener": str(conveners[0].pk) if conveners else "",
                                          "mode": "video"}, **kwargs)
        agenda = forms.AgendaFormSet(prefix="agenda", form_kwargs={"choices": choices})
        status = 200
    return render(request, "meetings/new.html", {"tabs": _tabs(request, "new"), "form": form, "agenda": agenda},
                  status=status)


# --- the meeting page -------------------------------------------------------------------

@login_required
@require_GET
def meeting(request, pk):
    detail = queries.meeting_detail(request.user, pk)
    m = detail.meeting
    choices = Choices() if detail.my_rows else None
    for row in detail.my_rows:
        row.form = forms.LeaveForm(choices=choices, auto_id=f"id_leave{row.att.pk}_%s")
    return render(request, "meetings/meeting.html", {
        "tabs": _tabs(request, "list"), "d": detail, "m": m, "now": timezone.now(),
        "may_leave": m.state in (MeetingState.PLANNED, MeetingState.PENDING),
        "decide_form": forms.DecideForm(auto_id="id_decide_%s"), "cancel_form": forms.CancelForm(),
    })


def _run(request, call, ok) -> bool:
    """Run a service call; its refusal comes back as messages naming what
    was wrong, its success as `ok` (if any)."""
    try:
        call()
    except (PermissionDenied, ValidationError) as e:
        for text in _messages_of(e):
            messages.error(request, text)
        return False
    if ok:
        messages.success(request, ok)
    return True


def _act(request, call, ok, back):
    """An action of the meeting page: run it, then back to the page."""
    _run(request, call, ok)
    return redirect(back)


def _visible_meeting(request, pk):
    return get_visible_or_404(Meeting.objects.select_related("type", "convener", "organiser", "registered_by"),
                              request.user, pk=pk)


@login_required
@require_POST
def decide_plan(request, pk):
    m = _visible_meeting(request, pk)
    approve = request.POST.get("approve") == "1"
    return _act(request, lambda: services.decide_plan(m, request.user, approve=approve,
                                                      comment=request.POST.get("comment", "")),
                "已批准，会议计入年度会议计划" if approve else "已退回（未批准）", m.get_absolute_url())


@login_required
@require_POST
def cancel(request, pk):
    m = _visible_meeting(request, pk)
    return _act(request, lambda: services.cancel_meeting(m, request.user, reason=request.POST.get("reason", "")),
                "已取消会议，不再计入年度会议计划", m.get_absolute_url())


@login_required
@require_POST
def issue_notice(request, pk):
    m = _visible_meeting(request, pk)
    return _act(request, lambda: services.issue_notice(m, request.user),
                "已印发会议通知并通知参会人员，可下载Word文件", m.get_absolute_url())


@login_required
@require_GET
def notice_docx(request, pk):
    m = get_visible_or_404(Meeting.objects.select_related("type", "organiser", "chair__person",
                                                          "registered_by__person", "combined_with"),
                           request.user, pk=pk)
    return docx_response(documents.notice_filename(m), documents.notice_docx(m))


def _visible_attendance(request, pk):
    return get_visible_or_404(Attendance.objects.select_related("meeting"), request.user, pk=pk)


@login_required
@require_POST
def request_leave(request, pk):
    att = _visible_attendance(request, pk)
    post = request.POST
    back = att.meeting.get_absolute_url() + f"#att-{att.pk}"
    substitute = post.get("substitute") or None
    return _act(request, lambda: services.request_leave(
        att, request.user, reason=post.get("reason", ""), substitute=substitute,
        authorised_by=post.get("authorised_by") or None),
        "已提交代会申请，等待会务人员审批" if substitute else "已提交请假申请，等待会务人员审批", back)


@login_required
@require_POST
def decide_leave(request, pk):
    att = _visible_attendance(request, pk)
    approve = request.POST.get("approve") == "1"
    back = att.meeting.get_absolute_url() + f"#att-{att.pk}"
    return _act(request, lambda: services.decide_leave(att, request.user, approve=approve,
                                                       comment=request.POST.get("comment", "")),
                "已批准" if approve else "已退回（未批准）", back)


# --- the meeting room -------------------------------------------------------------------

def _room_context(request, pk):
    r = queries.room(request.user, pk)
    return {"r": r, "m": r.meeting, "passive_headers": PASSIVE_HEADERS,
            "sign_in_url": request.build_absolute_uri(reverse("meetings:sign_in"))}


@login_required
@require_GET
def room(request, pk):
    return render(request, "meetings/room.html", _room_context(request, pk))


@login_required
@require_GET
def room_live(request, pk):
    """The room's body, polled (passive) every 10 s and when the sign-in
    code expires."""
    return render(request, "meetings/_room_body.html", _room_context(request, pk))


def _room_act(request, pk, call, ok):
    """An action of the meeting room: htmx gets the refreshed screen."""
    _run(request, call, ok)
    if request.htmx:
        ctx = _room_context(request, pk)
        ctx["partial"] = True
        return render(request, "meetings/_room_body.html", ctx)
    return redirect("meetings:room", pk)


@login_required
@require_POST
def start_meeting(request, pk):
    m = _visible_meeting(request, pk)
    return _room_act(request, pk, lambda: services.start_meeting(m, request.user), "会议开始")


@login_required
@require_POST
def end_meeting(request, pk):
    m = _visible_meeting(request, pk)
    return _room_act(request, pk, lambda: services.end_meeting(m, request.user), "散会，已记录实际用时")


def _visible_item(request, pk):
    return get_visible_or_404(AgendaItem.objects.select_related("meeting"), request.user, pk=pk)


@login_required
@require_POST
def start_item(request, pk):
    item = _visible_item(request, pk)
    return _room_act(request, item.meeting_id, lambda: services.start_item(item, request.user), "")


@login_required
@require_POST
def end_item(request, pk):
    item = _visible_item(request, pk)
    return _room_act(request, item.meeting_id, lambda: services.end_item(item, request.user), "")


# --- signing in from a phone ----------------------------------------------------------

@login_required
def sign_in(request):
    form = forms.SignInForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            att = services.sign_in(request.user, form.cleaned_data.get("code", ""))
        except (PermissionDenied, ValidationError) as e:
            if isinstance(e, ValidationError):
                forms.apply_errors(form, e)
            else:
                form.add_error(None, str(e))
            status = 422
        else:
            status_label = services.attendance_status(att, att.meeting)[1]
            messages.success(request, f"签到成功：{att.meeting.title}，"
                                      f"{timezone.localtime(att.signed_in_at):%H:%M}（{status_label}）")
            return redirect("meetings:sign_in")
    return render(request, "meetings/sign_in.html", {"tabs": _tabs(request, "sign_in"), "form": form},
                  status=status)


# --- minutes --------------------------------------------------------------------------

def _decision_initial(minutes) -> list:
    if minutes is None:
        return []
    out = []
    for d in minutes.decisions.prefetch_related("cooperating_units").order_by("seq"):
        out.append({"title": d.title, "content": d.content, "lead_unit": str(d.lead_unit_id),
                    "lead_person": str(d.lead_person_id), "responsible_leader": str(d.responsible_leader_id or ""),
                    "cooperating_units": [str(u.pk) for u in d.cooperating_units.all()],
                    "due_date": timezone.localtime(d.due_at).date() if d.due_at else None})
    return out


@login_required
def minutes(request, pk):
    m = _visible_meeting(request, pk)
    if not services.is_organiser(request.user, m):
        raise Http404("页面不存在")
    existing = Minutes.objects.filter(meeting=m).first()
    if existing is not None and existing.state != MinutesState.DRAFT:
        messages.error(request, f"纪要已印发（{existing.number}），不能修改")
        return redirect(m.get_absolute_url() + "#minutes")
    choices = Choices()
    status = 200
    if request.method == "POST":
        form = forms.MinutesForm(request.POST)
        rows = forms.DecisionFormSet(request.POST, prefix="decisions", form_kwargs={"choices": choices})
        if form.is_valid() and rows.is_valid():
            decisions = [f.row() for f in rows.forms if not f.is_blank()]
            try:
                services.write_minutes(m, request.user, summary=form.cleaned_data.get("summary", ""),
                                       decisions=decisions)
            except PermissionDenied as e:
                form.add_error(None, str(e))
            except ValidationError as e:
                form.extra_errors = {}
                forms.apply_errors(form, e, extra_fields=("decisions",))
            else:
                messages.success(request, "已保存会议纪要，核对后可印发")
                return redirect(m.get_absolute_url() + "#minutes")
        status = 422
    else:
        initial = _decision_initial(existing)
        form = forms.MinutesForm(initial={"summary": existing.summary if existing else ""})
        rows = forms.DecisionFormSet(prefix="decisions", initial=initial, form_kwargs={"choices": choices})
    return render(request, "meetings/minutes.html", {"tabs": _tabs(request, "list"), "m": m, "form": form,
                                                     "rows": rows}, status=status)


def _visible_minutes(request, pk):
    return get_visible_or_404(Minutes.objects.select_related("meeting"), request.user, meeting_id=pk)


@login_required
@require_POST
def issue_minutes(request, pk):
    mn = _visible_minutes(request, pk)
    return _act(request, lambda: services.issue_minutes(mn, request.user), "已印发会议纪要",
                mn.meeting.get_absolute_url() + "#minutes")


@login_required
@require_POST
def hand_over(request, pk):
    mn = _visible_minutes(request, pk)
    result = {}

    def call():
        result["matters"] = services.hand_over_decisions(mn, request.user)

    if _run(request, call, ""):
        numbers = "、".join(x.number for x in result["matters"])
        messages.success(request, f"议定事项已转为督办事项并交办：{numbers}")
    return redirect(mn.meeting.get_absolute_url() + "#minutes")
