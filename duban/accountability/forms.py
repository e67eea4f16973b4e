"""Forms of the accountability pages. They only parse what the browser
sends; the rules are the services'."""

from django import forms

from duban.core.forms import BLANK, Form, MultipleFileField, date_input, textarea

from .models import GROUNDS, Measure, Outcome


class StatementForm(Form):
    multipart = True
    text = forms.CharField(label="陈述申辩", widget=textarea(5), required=False)
    files = MultipleFileField(label="材料", required=False)


class DecisionForm(Form):
    outcome = forms.ChoiceField(label="决定", choices=Outcome.choices, widget=forms.RadioSelect,
                                error_messages={"required": "请选择决定"})
    measure = forms.ChoiceField(label="改为措施", required=False)
    reasons = forms.CharField(label="理由", widget=textarea(4), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["measure"].choices = BLANK + [(m.code, m.name) for m in Measure.objects.filter(is_active=True)
                                                                   .order_by("rung")]
        for name, label in GROUNDS:
            self.fields[name] = forms.BooleanField(label=label, required=False)

    def grounds(self) -> dict:
        return {name: self.cleaned_data.get(name, False) for name, _ in GROUNDS}


class ReplyForm(Form):
    text = forms.CharField(label="答复内容", widget=textarea(5), required=False)


class SheetForm(Form):
    title = forms.CharField(label="事由", max_length=200, required=False)
    problems = forms.CharField(label="整改不认真的表现", widget=textarea(4), required=False)
    requirements = forms.CharField(label="整改要求", widget=textarea(4), required=False)
    due_date = forms.DateField(label="反馈期限（留空按10个工作日）", required=False, widget=date_input(),
                               error_messages={"invalid": "反馈期限格式应为 年-月-日"})

    def __init__(self, *args, choices=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"] = choices.unit_field("承办单位", required=False)
        self.order_fields(["unit", "title", "problems", "requirements", "due_date"])


class SheetReplyForm(Form):
    multipart = True
    text = forms.CharField(label="整改情况", widget=textarea(5), required=False)
    files = MultipleFileField(label="佐证材料", required=False)


class SheetCloseForm(Form):
    accept = forms.ChoiceField(label="审核结论", choices=[("1", "通过，办结"), ("0", "退回，再次整改")],
                               widget=forms.RadioSelect, error_messages={"required": "请选择审核结论"})
    note = forms.CharField(label="审核意见", widget=textarea(3), required=False)


class DismissForm(Form):
    reason = forms.CharField(label="排除理由", widget=textarea(2), required=False)
