"""Forms of the supervision pages. They only parse what the browser sends;
every rule (required particulars, DOC-2, deadlines under the parent's…) is
the services' (duban.supervision.services), whose ValidationErrors are put
back on the fields they name (`apply_errors`)."""

from django import forms

from duban.core import forms as core_forms
from duban.core.choices import rule_choices
from duban.core.forms import BLANK, Choices, Form, MultipleFileField, date_input, textarea

from .models import MANUAL_CHANNELS, MEETING_KINDS, ReportCycle, ReportKind, SourceKind, Urgency

# Service field names that the forms call differently.
FIELD_ALIASES = {"due_at": "due_date"}


def apply_errors(form, error, extra_fields=()):
    """core.forms.apply_errors with the supervision forms' field names."""
    core_forms.apply_errors(form, error, extra_fields, aliases=FIELD_ALIASES)


# --- creating a matter ------------------------------------------------------------------

# Which particulars each source shows (services.REQUIRED_PARTICULARS says
# which of them are required).
PARTICULARS = {
    "meeting_name": ("standing_meeting", "special_meeting"),
    "meeting_date": ("standing_meeting", "special_meeting"),
    "minutes_number": ("standing_meeting", "special_meeting"),
    "instructing_leader": ("leader_instruction", "assignment"),
    "instruction_date": ("leader_instruction", "assignment"),
    "instruction_text": ("leader_instruction", "assignment"),
    "document_number": ("assignment", "higher_deployment"),
    "ticket_number": ("hotline", "complaint"),
    "finding": ("inspection",),
}


class MatterForm(Form):
    source_kind = forms.ChoiceField(label="来源", choices=BLANK + SourceKind.choices, required=False)
    meeting_name = forms.CharField(label="会议名称", required=False, max_length=200)
    meeting_date = forms.DateField(label="会议日期", required=False, widget=date_input())
    minutes_number = forms.CharField(label="纪要编号", required=False, max_length=80)
    instruction_date = forms.DateField(label="批示（交办）日期", required=False, widget=date_input())
    instruction_text = forms.CharField(label="批示（交办）内容", required=False, widget=textarea())
    document_number = forms.CharField(label="文号", required=False, max_length=80)
    ticket_number = forms.CharField(label="12345工单编号", required=False, max_length=80)
    finding = forms.CharField(label="督查发现的问题", required=False, widget=textarea())

    title = forms.CharField(label="事项名称", required=False, max_length=200)
    content = forms.CharField(label="事项内容", required=False, widget=textarea(4))
    standard = forms.CharField(label="工作标准", required=False, widget=textarea())
    urgency = forms.ChoiceField(label="紧急程度", choices=Urgency.choices, initial=Urgency.NORMAL)

    due_date = forms.DateField(label="办结期限", required=False, widget=date_input())
    deadline_rule = forms.ChoiceField(label="或按时限规则", required=False)
    is_long_term = forms.BooleanField(label="长期事项（定期报送进展）", required=False)
    report_cycle = forms.ChoiceField(label="报送周期", required=False, choices=BLANK + ReportCycle.choices)
    report_day = forms.IntegerField(label="报送日", required=False, min_value=1, max_value=31)

    def __init__(self, *args, choices=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.extra_errors = {}
        c = choices or Choices()
        self.fields["instructing_leader"] = c.leader_field("批示（交办）领导")
        self.fields["lead_unit"] = c.unit_field("牵头单位")
        self.fields["lead_person"] = c.person_field("责任人")
        self.fields["responsible_leader"] = c.leader_field("责任领导")
        self.fields["deadline_rule"].choices = [("", "（未设期限时按7个工作日报告落实情况）")] + rule_choices()
        for name, kinds in PARTICULARS.items():
            self.fields[name].widget.attrs["data-kinds"] = " ".join(kinds)

    def particular_fields(self):
        return [(self[name], " ".join(kinds)) for name, kinds in PARTICULARS.items()]

    def service_data(self, cooperating) -> dict:
        d = self.cleaned_data
        data = {k: d.get(k) for k in ("source_kind", "meeting_name", "meeting_date", "minutes_number",
                                      "instruction_date", "instruction_text", "document_number",
                                      "ticket_number", "finding", "title", "content", "standard", "urgency",
                                      "is_long_term", "deadline_rule")}
        for name in ("instructing_leader", "lead_unit", "lead_person", "responsible_leader"):
            data[name] = d.get(name) or None
        # Particulars of other sources are not recorded.
        kind = d.get("source_kind")
        for name, kinds in PARTICULARS.items():
            if kind and kind not in kinds:
                data[name] = None if name in ("instructing_leader", "meeting_date", "instruction_date") else ""
        data["due_at"] = d.get("due_date")
        if data["is_long_term"]:
            data["report_cycle"] = d.get("report_cycle") or ""
            data["report_day"] = d.get("report_day")
        data["cooperating"] = cooperating
        return data


class CoopForm(Form):
    def __init__(self, *args, choices=None, **kwargs):
        super().__init__(*args, **kwargs)
        c = choices or Choices()
        self.fields["unit"] = c.unit_field("配合单位")
        self.fields["person"] = c.person_field("责任人")
        self.fields["duty"] = forms.CharField(label="配合任务", required=False, max_length=300)


CoopFormSet = forms.formset_factory(CoopForm, extra=3, max_num=20)


def coop_rows(formset) -> list:
    return [{"unit": f.cleaned_data.get("unit"), "person": f.cleaned_data.get("person") or None,
             "duty": f.cleaned_data.get("duty", "")}
            for f in formset.forms if f.is_valid() and f.cleaned_data.get("unit")]


def initial_from_matter(m) -> tuple:
    initial = {f: getattr(m, f) for f in ("source_kind", "meeting_name", "meeting_date", "minutes_number",
                                          "instruction_date", "instruction_text", "document_number",
                                          "ticket_number", "finding", "title", "content", "standard", "urgency",
                                          "deadline_rule", "is_long_term", "report_cycle", "report_day")}
    for f in ("instructing_leader", "lead_unit", "lead_person", "responsible_leader"):
        initial[f] = str(getattr(m, f + "_id") or "")
    if m.due_at:
        from django.utils import timezone

        initial["due_date"] = timezone.localtime(m.due_at).date()
    coops = [{"unit": str(c.unit_id), "person": str(c.person_id or ""), "duty": c.duty} for c in m.cooperations.all()]
    return initial, coops


# --- meeting decisions (议定事项) -----------------------------------------------------------

class MeetingForm(Form):
    kind = forms.ChoiceField(label="会议类型", choices=[(k.value, k.label) for k in SourceKind if k in MEETING_KINDS])
    name = forms.CharField(label="会议名称", required=False, max_length=200)
    date = forms.DateField(label="会议日期", required=False, widget=date_input())
    minutes_number = forms.CharField(label="纪要编号", required=False, max_length=80)
    assign = forms.BooleanField(label="录入后立即交办", required=False, initial=True)


class DecisionForm(Form):
    title = forms.CharField(label="事项名称", required=False, max_length=200)
    content = forms.CharField(label="事项内容", required=False, widget=textarea(2))
    standard = forms.CharField(label="工作标准", required=False, widget=textarea(2))
    urgency = forms.ChoiceField(label="紧急程度", choices=Urgency.choices, initial=Urgency.NORMAL)
    due_date = forms.DateField(label="办结期限", required=False, widget=date_input())

    def __init__(self, *args, choices=None, **kwargs):
        super().__init__(*args, **kwargs)
        c = choices or Choices()
        self.fields["lead_unit"] = c.unit_field("牵头单位")
        self.fields["lead_person"] = c.person_field("责任人")
        self.fields["responsible_leader"] = c.leader_field("责任领导")

    def is_blank(self) -> bool:
        d = getattr(self, "cleaned_data", {}) or {}
        return not any(d.get(k) for k in ("title", "content", "standard", "lead_unit", "lead_person", "due_date"))

    def service_data(self) -> dict:
        d = self.cleaned_data
        return {
            "title": d.get("title", ""), "content": d.get("content", ""), "standard": d.get("standard", ""),
            "urgency": d.get("urgency") or Urgency.NORMAL, "lead_unit": d.get("lead_unit") or None,
            "lead_person": d.get("lead_person") or None, "responsible_leader": d.get("responsible_leader") or None,
            "due_at": d.get("due_date"),
        }


DecisionFormSet = forms.formset_factory(DecisionForm, extra=5, max_num=50)


# --- actions on a matter ------------------------------------------------------------------

class ActionForm(Form):
    """Base of the action panel's forms: `matter` and `user` at hand."""

    multipart = False

    def __init__(self, *args, matter=None, user=None, choices=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.matter, self.user, self.choices = matter, user, choices
        self.extra_errors = {}


class EmptyForm(ActionForm):
    pass


class ReportForm(ActionForm):
    multipart = True
    text = forms.CharField(label="进展情况", required=False, widget=textarea(4))
    progress = forms.IntegerField(label="进度（%）", required=False, min_value=0, max_value=100)
    kind = forms.ChoiceField(label="类型", required=False, choices=[(ReportKind.PROGRESS.value, "进展反馈"),
                                                                  (ReportKind.PERIODIC.value, "定期报告")])
    files = MultipleFileField(label="佐证材料", required=False)


class CompletionForm(ActionForm):
    multipart = True
    text = forms.CharField(label="办理情况", required=False, widget=textarea(4))
    files = MultipleFileField(label="佐证材料（至少一份）", required=False)


class CommentForm(ActionForm):
    comment = forms.CharField(label="审核意见", required=False, widget=textarea(2))


class ReasonForm(ActionForm):
    reason = forms.CharField(label="理由", required=False, widget=textarea(2))


class SplitForm(ActionForm):
    title = forms.CharField(label="子任务名称", required=False, max_length=200)
    content = forms.CharField(label="任务内容", required=False, widget=textarea(2))
    standard = forms.CharField(label="工作标准", required=False, widget=textarea(2))
    due_date = forms.DateField(label="办结期限", required=False, widget=date_input())

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        c = self.choices or Choices()
        self.fields["lead_unit"] = c.unit_field("承办单位")
        self.fields["lead_person"] = c.person_field("责任人")
        self.order_fields(["title", "content", "standard", "lead_unit", "lead_person", "due_date"])

    def service_data(self) -> dict:
        d = self.cleaned_data
        data = {k: d.get(k, "") for k in ("title", "content", "standard")}
        data["lead_unit"] = d.get("lead_unit") or None
        data["lead_person"] = d.get("lead_person") or None
        data["due_at"] = d.get("due_date")
        return data


class ExtensionForm(ActionForm):
    reason = forms.CharField(label="延期理由", required=False, widget=textarea(2))
    proposed_due = forms.DateField(label="申请延至", required=False, widget=date_input())


class DecideExtensionForm(ActionForm):
    extension = forms.IntegerField(widget=forms.HiddenInput)
    decision = forms.ChoiceField(label="审批", choices=[("approve", "同意延期"), ("reject", "不同意")],
                                 widget=forms.RadioSelect, initial="approve")
    new_due = forms.DateField(label="批准期限（默认为申请日期）", required=False, widget=date_input())
    reason = forms.CharField(label="审批意见", required=False, widget=textarea(2))


class AdjustDeadlineForm(ActionForm):
    due_at = forms.DateField(label="新的办结期限", required=False, widget=date_input())
    reason = forms.CharField(label="调整理由", required=False, widget=textarea(2))


class UrgeForm(ActionForm):
    channel = forms.ChoiceField(label="催办渠道", choices=[(c.value, c.label) for c in MANUAL_CHANNELS])
    note = forms.CharField(label="催办内容", required=False, widget=textarea(2))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        m = self.matter
        units = []
        if m is not None:
            if m.lead_unit_id:
                units.append((str(m.lead_unit_id), f"{m.lead_unit.name}（牵头）"))
            units += [(str(c.unit_id), f"{c.unit.name}（配合）") for c in m.cooperations.all()]
        self.fields["urged_unit"] = forms.ChoiceField(label="被催办单位", choices=units, required=False)
        self.order_fields(["urged_unit", "channel", "note"])


class ReviewReportForm(ActionForm):
    report = forms.IntegerField(widget=forms.HiddenInput)
    decision = forms.ChoiceField(label="审阅", choices=[("accept", "认可"), ("return", "退回（须填意见）")],
                                 widget=forms.RadioSelect, initial="accept")
    comment = forms.CharField(label="意见", required=False, widget=textarea(2))


# --- import -----------------------------------------------------------------------------

class ImportForm(Form):
    file = forms.FileField(label="填好的模板（.xlsx）")
    assign = forms.BooleanField(label="导入后立即交办", required=False, initial=True)
