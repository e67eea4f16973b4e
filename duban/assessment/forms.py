"""Forms of the assessment pages: they parse what the browser sends; the
rules are duban.assessment.services'."""

from django import forms

from duban.core.forms import BLANK, Form, date_input, textarea

from .models import AchievementKind, Decision, ErrorCategory, PeriodKind


class PeriodForm(Form):
    kind = forms.ChoiceField(label="周期", choices=PeriodKind.choices)
    year = forms.IntegerField(label="年度", required=False)
    number = forms.IntegerField(label="序号", required=False, help_text="月份（1–12）、季度（1–4）；年度填 1")


class ErrorForm(Form):
    occurred_on = forms.DateField(label="发生日期", required=False, widget=date_input(),
                                  error_messages={"invalid": "发生日期格式应为 年-月-日"})
    description = forms.CharField(label="差错情况", required=False, widget=textarea(3))

    def __init__(self, *args, units=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"] = forms.ChoiceField(label="单位", required=False,
                                                choices=BLANK + [(str(pk), label) for pk, label, _ in units or []])
        cats = ErrorCategory.objects.filter(is_active=True).order_by("sort_order", "code")
        self.fields["category"] = forms.ChoiceField(
            label="差错类别", required=False,
            choices=BLANK + [(str(c.pk), f"{c.get_area_display()}·{c.name}（扣{c.deduction}分）") for c in cats])
        self.order_fields(["unit", "category", "occurred_on", "description"])


class ObjectionForm(Form):
    reason = forms.CharField(label="异议理由", required=False, widget=textarea(3),
                             help_text="每条差错只能提出一次异议，由督查室处理")


class DecisionForm(Form):
    decision = forms.ChoiceField(label="处理结果", choices=BLANK + Decision.choices, required=False)
    reason = forms.CharField(label="处理理由", required=False, widget=textarea(2))


class NoticeForm(Form):
    year = forms.IntegerField(label="年度", required=False)
    quarter = forms.ChoiceField(label="季度", choices=[("1", "第一季度"), ("2", "第二季度"), ("3", "第三季度"),
                                                     ("4", "第四季度")])


class AchievementForm(Form):
    kind = forms.ChoiceField(label="类别", choices=BLANK + AchievementKind.choices, required=False)
    title = forms.CharField(label="标题", required=False, max_length=200)
    description = forms.CharField(label="具体内容", required=False, widget=textarea(3))
    occurred_on = forms.DateField(label="日期", required=False, widget=date_input(),
                                  error_messages={"invalid": "日期格式应为 年-月-日"})


class ConfirmForm(Form):
    decision = forms.ChoiceField(label="确认", choices=[("confirm", "确认"), ("reject", "不予确认")])
    note = forms.CharField(label="意见", required=False, max_length=300)


class FieldDayForm(Form):
    date = forms.DateField(label="日期", required=False, widget=date_input(),
                           error_messages={"invalid": "日期格式应为 年-月-日"})
    place = forms.CharField(label="地点", required=False, max_length=200)
    purpose = forms.CharField(label="事由", required=False, max_length=300)
    problems_found = forms.CharField(label="发现的问题", required=False, widget=textarea(2))
    matters = forms.CharField(label="由此立项的督办事项", required=False, max_length=500,
                              help_text="督办事项编号，多个以顿号分隔")


class ResearchForm(Form):
    title = forms.CharField(label="题目", required=False, max_length=200)
    summary = forms.CharField(label="主要内容", required=False, widget=textarea(3))
    submitted_on = forms.DateField(label="完成日期", required=False, widget=date_input(),
                                   error_messages={"invalid": "完成日期格式应为 年-月-日"})
