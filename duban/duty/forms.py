"""Forms of the 值班 pages. They only parse what the browser sends; every rule
is the services' (duban.duty.services), whose ValidationErrors are put back
on the fields they name (duban.core.forms.apply_errors)."""

from django import forms

from duban.core.choices import leader_choices, unit_choices
from duban.core.forms import BLANK, Form, apply_errors, moment_field, moment_input, textarea  # noqa: F401 - for the views

from .models import FIGURE_FIELDS, IncidentKind, IncidentLevel, ReportKind


class IncidentForm(Form):
    title = forms.CharField(label="事件名称", max_length=120, required=False)
    kind = forms.ChoiceField(label="事件类型", choices=BLANK + IncidentKind.choices, required=False)
    level = forms.ChoiceField(label="事件等级", choices=BLANK + IncidentLevel.choices, required=False)
    occurred_at = moment_field("发生时间", required=False)
    learned_at = moment_field("获知时间", required=False)
    place = forms.CharField(label="发生地点", max_length=200, required=False)
    reporting_unit = forms.ChoiceField(label="报告单位", required=False)
    involved_units = forms.MultipleChoiceField(label="涉及单位", required=False,
                                               help_text="可多选（按住 Ctrl 或 ⌘ 点选）")
    description = forms.CharField(label="简要情况", widget=textarea(4), required=False)

    def __init__(self, *args, units=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reporting_unit"].choices = BLANK + [(str(pk), label) for pk, label, _ in units]
        self.fields["involved_units"].choices = [(str(pk), label) for pk, label, _ in unit_choices()]
        self.fields["involved_units"].widget.attrs["size"] = 8
        self.fields["learned_at"].help_text = "报送时限从获知时间起算：电话15分钟、书面30分钟、最迟2小时"

    def service_data(self):
        d = self.cleaned_data
        return {
            "title": d.get("title", ""), "kind": d.get("kind", ""), "level": d.get("level", ""),
            "occurred_at": d.get("occurred_at") or "", "learned_at": d.get("learned_at") or "",
            "place": d.get("place", ""), "reporting_unit": d.get("reporting_unit") or None,
            "involved_units": d.get("involved_units") or [], "description": d.get("description", ""),
        }


class PhoneForm(Form):
    called_at = moment_field("通话时间", required=False)
    caller_name = forms.CharField(label="报告人", max_length=60, required=False)
    caller_phone = forms.CharField(label="报告人电话", max_length=40, required=False)
    callee_name = forms.CharField(label="接报人", max_length=60, required=False)
    callee_unit = forms.ChoiceField(label="接报单位", required=False)
    summary = forms.CharField(label="通话内容", widget=textarea(3), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["callee_unit"].choices = BLANK + [(str(pk), label) for pk, label, _ in unit_choices()]

    def service_data(self):
        d = self.cleaned_data
        return {k: d.get(k) or "" for k in ("called_at", "caller_name", "caller_phone", "callee_name",
                                              "summary")} | {"callee_unit": d.get("callee_unit") or None}


class FiguresMixin:
    def add_figure_fields(self):
        for f, (label, measure) in FIGURE_FIELDS.items():
            if f == "economic_loss":
                field = forms.CharField(label=f"{label}（{measure}）", required=False, max_length=20)
                field.widget.attrs["inputmode"] = "decimal"
            else:
                field = forms.CharField(label=f"{label}（{measure}）", required=False, max_length=12)
                field.widget.attrs["inputmode"] = "numeric"
            self.fields[f] = field

    def figures(self):
        # Strings: services.clean_figures checks them and names the field.
        return {f: (self.cleaned_data.get(f) or "").strip() for f in FIGURE_FIELDS}

    def figure_fields(self):
        return [self[f] for f in FIGURE_FIELDS]


class WrittenForm(FiguresMixin, Form):
    unit = forms.ChoiceField(label="报告单位", required=False)
    kind = forms.ChoiceField(label="报告类型", choices=ReportKind.choices, required=False)
    text = forms.CharField(label="报告正文", widget=textarea(5), required=False)

    def __init__(self, *args, units=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].choices = [(str(pk), name) for pk, name in units]
        self.add_figure_fields()

    def service_data(self):
        d = self.cleaned_data
        return {"unit": d.get("unit") or None, "kind": d.get("kind", ""), "text": d.get("text", ""),
                "figures": self.figures()}


class ReviseForm(FiguresMixin, Form):
    text = forms.CharField(label="报告正文", widget=textarea(5), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.add_figure_fields()

    @classmethod
    def for_version(cls, version, **kwargs):
        initial = {"text": version.text}
        for f in FIGURE_FIELDS:
            v = getattr(version, f)
            initial[f] = "" if v is None else str(v)
        return cls(initial=initial, **kwargs)


class SignForm(Form):
    password = forms.CharField(label="请再次输入您的登录密码", required=False,
                               widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}))


class InstructionForm(Form):
    leader = forms.ChoiceField(label="批示领导", required=False)
    text = forms.CharField(label="批示内容", widget=textarea(3), required=False)
    lead_unit = forms.ChoiceField(label="牵头单位", required=False)
    units = forms.MultipleChoiceField(label="配合单位", required=False, help_text="可多选")
    instructed_at = moment_field("批示时间", required=False)
    due_date = forms.DateField(label="办结期限", required=False,
                               widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
                               help_text="不填则按督办默认时限（7个工作日报告落实情况）")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["leader"].choices = BLANK + [(str(pk), label) for pk, label in leader_choices()]
        units = [(str(pk), label) for pk, label, _ in unit_choices()]
        self.fields["lead_unit"].choices = BLANK + units
        self.fields["units"].choices = units
        self.fields["units"].widget.attrs["size"] = 6
        self.fields["instructed_at"].help_text = "不填则为现在；批示须在1小时内传达到有关单位"
