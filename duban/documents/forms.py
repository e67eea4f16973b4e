"""Forms of the document pages. They only parse what the browser sends;
the rules (length, DOC-2, who may act) are duban.documents.services', whose
ValidationErrors go back on the fields they name (core.forms.apply_errors)."""

from django import forms

from duban.core.choices import Urgency
from duban.core.forms import BLANK, Choices, Form, date_input, moment_field, textarea

from .models import Layout

TASK_ROWS = 3


class ReceivedForm(Form):
    number = forms.CharField(label="来文文号", required=False, max_length=60)
    issuer_name = forms.CharField(label="来文机关", required=False, max_length=100)
    title = forms.CharField(label="标题", required=False, max_length=200)
    urgency = forms.ChoiceField(label="紧急程度", choices=Urgency.choices, initial=Urgency.NORMAL)
    implements_text = forms.CharField(label="落实的上级文件", required=False, max_length=200,
                                      help_text="如：省政府办公厅〔2026〕3号")
    needs_supporting = forms.BooleanField(label="要求制定配套文件", required=False)
    supporting_review_due = forms.DateField(label="配套文件送审期限（上级规定的）", required=False, widget=date_input(),
                                            help_text="上级没有明确时限的留空：2个月内送审")
    supporting_issue_due = forms.DateField(label="配套文件出台期限（上级规定的）", required=False, widget=date_input(),
                                           help_text="上级没有明确时限的留空：3个月内制定出台")

    def __init__(self, *args, choices=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.extra_errors = {}
        c = choices or Choices()
        self.fields["unit"] = c.unit_field("收文单位")
        self.fields["received_at"] = moment_field("收文时间")
        self.fields["supporting_unit"] = c.unit_field("配套文件责任单位")
        self.fields["supporting_person"] = c.person_field("配套文件责任人")
        self.order_fields(["number", "issuer_name", "title", "urgency", "unit", "received_at", "implements_text",
                           "needs_supporting", "supporting_unit", "supporting_person", "supporting_review_due",
                           "supporting_issue_due"])

    def service_data(self) -> dict:
        d = self.cleaned_data
        data = {k: d.get(k) for k in ("number", "issuer_name", "title", "urgency", "implements_text",
                                      "needs_supporting", "received_at")}
        data["unit"] = d.get("unit") or None
        if data["needs_supporting"]:
            data["supporting_unit"] = d.get("supporting_unit") or None
            data["supporting_person"] = d.get("supporting_person") or None
            data["supporting_review_due"] = d.get("supporting_review_due")
            data["supporting_issue_due"] = d.get("supporting_issue_due")
        return data


class IssuedForm(Form):
    title = forms.CharField(label="标题", required=False, max_length=200)
    urgency = forms.ChoiceField(label="紧急程度", choices=Urgency.choices, initial=Urgency.NORMAL)
    layout = forms.ChoiceField(label="版式", choices=Layout.choices, initial=Layout.RED_HEAD,
                               help_text="便函、白头文件与红头文件一样计入年度发文计划")
    is_special = forms.BooleanField(label="专项文件", required=False)
    text = forms.CharField(label="正文（粘贴后自动计算字数）", required=False, widget=textarea(6))
    char_count = forms.IntegerField(label="或填写篇幅字数", required=False, min_value=1)
    length_reason = forms.CharField(label="篇幅超限理由", required=False, widget=textarea(2))
    implements = forms.ChoiceField(label="落实的上级文件（已登记的收文）", required=False)
    implements_text = forms.CharField(label="或填写上级文件", required=False, max_length=200)
    meeting_name = forms.CharField(label="审定会议（常务会议审定的代拟文件）", required=False, max_length=120)
    assigns_work = forms.BooleanField(label="本文件布置工作", required=False)

    def __init__(self, *args, choices=None, received=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.extra_errors = {}
        c = choices or Choices()
        self.fields["unit"] = c.unit_field("发文单位")
        self.fields["implements"].choices = BLANK + [(str(d.pk), f"{d.number} {d.title}") for d in received]
        self.fields["meeting_at"] = moment_field("会议审定时间", required=False)
        for i in range(1, TASK_ROWS + 1):
            self.fields[f"task{i}_content"] = forms.CharField(label="工作内容", required=False, max_length=300)
            self.fields[f"task{i}_unit"] = c.unit_field("责任单位")
            self.fields[f"task{i}_person"] = c.person_field("责任人")
            self.fields[f"task{i}_due"] = forms.DateField(label="时间节点", required=False, widget=date_input())
        self.order_fields(["title", "unit", "urgency", "layout", "is_special", "text", "char_count",
                           "length_reason", "implements", "implements_text", "meeting_name", "meeting_at",
                           "assigns_work"])

    def main_fields(self):
        return [f for f in self.visible_fields() if not f.name.startswith("task")]

    def task_rows(self):
        return [[self[f"task{i}_{k}"] for k in ("content", "unit", "person", "due")] for i in range(1, TASK_ROWS + 1)]

    def service_data(self) -> dict:
        d = self.cleaned_data
        data = {k: d.get(k) for k in ("title", "urgency", "layout", "is_special", "text", "char_count",
                                      "length_reason", "implements_text", "meeting_name", "meeting_at",
                                      "assigns_work")}
        data["unit"] = d.get("unit") or None
        data["implements"] = d.get("implements") or None
        data["tasks"] = [{"content": d.get(f"task{i}_content"), "unit": d.get(f"task{i}_unit") or None,
                          "person": d.get(f"task{i}_person") or None, "due_on": d.get(f"task{i}_due")}
                         for i in range(1, TASK_ROWS + 1)]
        return data


class ApproveForm(Form):
    note = forms.CharField(label="批办意见", required=False, widget=textarea(2))


class SubmitForm(Form):
    text = forms.CharField(label="修改后的正文（可选，粘贴后重新计算字数）", required=False, widget=textarea(4))
    char_count = forms.IntegerField(label="或修改后的篇幅字数", required=False, min_value=1)
    length_reason = forms.CharField(label="篇幅超限理由", required=False, widget=textarea(2))


class RevisionForm(Form):
    comments = forms.CharField(label="修改意见", required=False, widget=textarea(3))
    major = forms.BooleanField(label="需作重大修改（3个工作日内送审）", required=False)


class IssueForm(Form):
    number = forms.CharField(label="文号", required=False, max_length=60, help_text="红头文件须填写，如 县教发〔2026〕5号")


class FlagForm(Form):
    note = forms.CharField(label="理由", required=False, widget=textarea(2))
