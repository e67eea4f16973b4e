"""Forms of the plan pages: they parse what the browser sends; the rules
are duban.plans.services'."""

from django import forms

from duban.core.forms import BLANK, Choices, Form, date_input, textarea

from .models import InspectionKind, PlanKind


class PlanForm(Form):
    kind = forms.ChoiceField(label="类别", choices=BLANK + PlanKind.choices, required=False)
    year = forms.IntegerField(label="年度", required=False)
    baseline = forms.IntegerField(label="上年实际", required=False, min_value=0,
                                  help_text="留空则按系统中上年已计入的数量")
    quota = forms.IntegerField(label="年度计划数", required=False, min_value=0,
                               help_text="留空则按不超过上年实际确定")
    reason = forms.CharField(label="计划高于上年的理由", required=False, widget=textarea(2))

    def __init__(self, *args, units=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"] = forms.ChoiceField(label="计划单位", required=False,
                                                choices=BLANK + [(str(pk), label) for pk, label, _ in units or []])
        self.order_fields(["unit", "kind", "year", "baseline", "quota", "reason"])


class ExcessForm(Form):
    extra = forms.IntegerField(label="申请超出数量", required=False, min_value=1)
    explanation = forms.CharField(label="书面说明", required=False, widget=textarea(3))


class DecideForm(Form):
    decision = forms.ChoiceField(label="审批", choices=[("approve", "批准"), ("reject", "不批准")])
    note = forms.CharField(label="意见", required=False, max_length=300)


class InspectionForm(Form):
    kind = forms.ChoiceField(label="类别", choices=BLANK + InspectionKind.choices, required=False)
    title = forms.CharField(label="名称", required=False, max_length=200)
    basis = forms.CharField(label="依据", required=False, max_length=200, help_text="如：县政府2026年督查检查考核计划")
    starts_on = forms.DateField(label="开始日期", required=False, widget=date_input())
    ends_on = forms.DateField(label="结束日期", required=False, widget=date_input())

    def __init__(self, *args, units=None, choices=None, **kwargs):
        super().__init__(*args, **kwargs)
        c = choices or Choices()
        self.fields["organizer"] = forms.ChoiceField(label="组织单位", required=False,
                                                     choices=BLANK + [(str(pk), label) for pk, label, _ in units or []])
        self.fields["targets"] = c.units_field("被检查单位")
        self.order_fields(["organizer", "kind", "title", "basis", "starts_on", "ends_on", "targets"])


class CancelForm(Form):
    reason = forms.CharField(label="取消原因", required=False, max_length=200)
