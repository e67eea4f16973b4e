"""Forms of the meeting pages. They only parse what the browser sends; every
rule (the limits, who may act, DOC-2) is the services'
(duban.meetings.services), whose ValidationErrors are put back on the
fields they name (duban.core.forms.apply_errors)."""

from django import forms

from duban.core.choices import unit_label
from duban.core.forms import BLANK, Choices, Form, apply_errors, date_input, moment_field, textarea  # noqa: F401

from .models import ItemKind, MeetingType, Mode


class MeetingForm(Form):
    type = forms.ChoiceField(label="会议类型", required=False)
    title = forms.CharField(label="会议名称", max_length=200, required=False)
    convener = forms.ChoiceField(label="召集单位", required=False, help_text="会议计入该单位的年度会议计划")
    starts_at = moment_field("开始时间", required=False)
    planned_minutes = forms.IntegerField(label="计划会期（分钟）", required=False, min_value=1, max_value=1440)
    mode = forms.ChoiceField(label="会议形式", choices=Mode.choices, initial=Mode.VIDEO, required=False)
    venue = forms.CharField(label="会场", max_length=200, required=False, help_text="现场会议必填；视频会议可填主会场")
    combined_with = forms.ChoiceField(label="与已登记的会议合并套开", required=False)
    combined_title = forms.CharField(label="或：合并套开的会议名称", max_length=200, required=False,
                                     help_text="合并召开或套开时填写其一；会期标准随之调整")
    over_limit_reason = forms.CharField(label="超出标准的理由", required=False, widget=textarea(3),
                                        help_text="超出会议类型标准时必填，并报会议管控办公室审批")

    def __init__(self, *args, choices=None, conveners=(), combinable=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.extra_errors = {}
        c = choices or Choices()
        types = MeetingType.objects.filter(is_active=True).order_by("sort_order", "id")
        self.fields["type"].choices = BLANK + [
            (t.code, f"{t.name}（会期{_len(t.max_minutes)}以内，发言{t.speech_minutes}分钟）") for t in types]
        self.fields["convener"].choices = [(str(u.pk), unit_label(u)) for u in conveners]
        self.fields["chair"] = c.person_field("主持人")
        self.fields["attendees"] = c.people_field("参会人员")
        self.fields["attendee_units"] = c.units_field("参会单位")
        self.fields["attendee_units"].help_text = "可多选：邀请所选单位的负责人（无负责人时为联络员）"
        self.fields["combined_with"].choices = BLANK + [(str(m.pk), f"{m.title}（{_day(m.starts_at)}）")
                                                        for m in combinable]

    def service_data(self) -> dict:
        d = self.cleaned_data
        return {
            "type": d.get("type") or None, "title": d.get("title", ""), "convener": d.get("convener") or None,
            "chair": d.get("chair") or None, "starts_at": d.get("starts_at") or "",
            "planned_minutes": d.get("planned_minutes") or 0, "mode": d.get("mode") or "",
            "venue": d.get("venue", ""), "combined_with": d.get("combined_with") or None,
            "combined_title": d.get("combined_title", ""), "attendees": d.get("attendees") or [],
            "attendee_units": d.get("attendee_units") or [], "over_limit_reason": d.get("over_limit_reason", ""),
        }


def _len(minutes):
    from .services import fmt_minutes

    return fmt_minutes(minutes)


def _day(moment):
    from django.utils import timezone

    local = timezone.localtime(moment)
    return f"{local.month}月{local.day}日 {local:%H:%M}"


class AgendaForm(Form):
    title = forms.CharField(label="议程", max_length=200, required=False)
    kind = forms.ChoiceField(label="类别", choices=ItemKind.choices, initial=ItemKind.SPEECH, required=False)
    minutes = forms.IntegerField(label="计划用时（分钟）", required=False, min_value=1, max_value=600)

    def __init__(self, *args, choices=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["speaker"] = (choices or Choices()).person_field("发言人")

    def is_blank(self) -> bool:
        d = getattr(self, "cleaned_data", {}) or {}
        return not (d.get("title") or d.get("minutes") or d.get("speaker"))

    def row(self) -> dict:
        d = self.cleaned_data
        return {"title": d.get("title", ""), "kind": d.get("kind") or ItemKind.SPEECH,
                "speaker": d.get("speaker") or None, "minutes": d.get("minutes") or 0}


AgendaFormSet = forms.formset_factory(AgendaForm, extra=6, max_num=40)


class LeaveForm(Form):
    reason = forms.CharField(label="请假事由", required=False, widget=textarea(2))

    def __init__(self, *args, choices=None, **kwargs):
        super().__init__(*args, **kwargs)
        c = choices or Choices()
        self.fields["substitute"] = c.person_field("代会人（需代会时选择）")
        self.fields["authorised_by"] = c.person_field("代会授权人")
        self.fields["authorised_by"].help_text = "参会人本人或其单位负责人"


class DecideForm(Form):
    comment = forms.CharField(label="意见", required=False, max_length=500, help_text="不批准时必填")


class CancelForm(Form):
    reason = forms.CharField(label="取消原因", required=False, max_length=500)


class SignInForm(Form):
    code = forms.CharField(label="签到码", max_length=12, required=False,
                           widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code",
                                                         "pattern": "[0-9]*", "size": 8}),
                           help_text="输入会场屏幕上显示的6位数字，签到码每分钟更换")


class MinutesForm(Form):
    summary = forms.CharField(label="会议主要内容", required=False, widget=textarea(6))


class DecisionForm(Form):
    title = forms.CharField(label="议定事项", max_length=200, required=False)
    content = forms.CharField(label="具体要求", required=False, widget=textarea(2))
    due_date = forms.DateField(label="办结期限", required=False, widget=date_input(),
                               help_text="不填则7个工作日内报告落实情况")

    def __init__(self, *args, choices=None, **kwargs):
        super().__init__(*args, **kwargs)
        c = choices or Choices()
        self.fields["lead_unit"] = c.unit_field("牵头单位")
        self.fields["lead_person"] = c.person_field("责任人")
        self.fields["lead_person"].help_text = "不选则为牵头单位的联络员"
        self.fields["cooperating_units"] = c.units_field("配合单位")
        self.fields["responsible_leader"] = c.leader_field("责任领导")

    def is_blank(self) -> bool:
        d = getattr(self, "cleaned_data", {}) or {}
        return not any(d.get(k) for k in ("title", "content", "lead_unit", "lead_person", "due_date"))

    def row(self) -> dict:
        d = self.cleaned_data
        return {"title": d.get("title", ""), "content": d.get("content", ""), "lead_unit": d.get("lead_unit") or None,
                "lead_person": d.get("lead_person") or None, "cooperating_units": d.get("cooperating_units") or [],
                "responsible_leader": d.get("responsible_leader") or None, "due_at": d.get("due_date")}


DecisionFormSet = forms.formset_factory(DecisionForm, extra=3, max_num=50)
