"""Forms of the portal. They parse what the browser sends; every rule is the
services' (duban.portal.services), whose ValidationErrors are put back on
the fields they name."""

from django import forms

from duban.core.forms import (  # noqa: F401 - apply_errors re-exported for the views
    BLANK,
    Choices,
    Form,
    apply_errors,
    date_input,
    moment_field,
    textarea,
)

from .models import CaseKind, IntakeChannel, RaterKind, RatingLevel, Solved, TicketKind, Verdict


def unit_select(label="单位", required=True):
    return forms.ChoiceField(label=label, required=required, choices=BLANK)


def with_units(form, *names):
    units = Choices().units
    for name in names:
        form.fields[name].choices = BLANK + [(str(pk), text) for pk, text, _ in units]


class PublicComplaintForm(Form):
    kind = forms.ChoiceField(label="类别", choices=[(TicketKind.COMPLAINT, "投诉"), (TicketKind.CLUE, "反映问题线索")])
    # Checked by the service, whose messages say what is missing.
    title = forms.CharField(label="标题", max_length=200, required=False, help_text="一句话说明反映什么")
    content = forms.CharField(label="具体情况", widget=textarea(6), required=False,
                              help_text="什么时间、什么地方、什么单位或窗口、什么事；请不要填写他人的个人信息")
    subject_unit = unit_select("反映的单位（不清楚可不选）", required=False)
    place = forms.CharField(label="地点", max_length=200, required=False)
    name = forms.CharField(label="您的姓名（可不填）", max_length=60, required=False)
    phone = forms.CharField(label="联系电话", max_length=30, required=False)
    email = forms.CharField(label="电子邮箱", max_length=120, required=False)
    is_enterprise = forms.BooleanField(label="我代表企业反映", required=False)
    company = forms.CharField(label="企业名称", max_length=120, required=False)
    wants_reply = forms.BooleanField(label="需要答复", required=False, initial=True)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        with_units(self, "subject_unit")


class RecordTicketForm(PublicComplaintForm):
    channel = forms.ChoiceField(label="来源", choices=[(IntakeChannel.PHONE, "投诉电话"), (IntakeChannel.MAILBOX, "投诉信箱")])
    kind = forms.ChoiceField(label="类别", choices=TicketKind.choices)
    received_at = moment_field("收到时间")


class TrackForm(Form):
    code = forms.CharField(label="查询码", max_length=30)


class RateForm(Form):
    level = forms.TypedChoiceField(label="您的评价", choices=RatingLevel.choices, coerce=int, widget=forms.RadioSelect)
    comment = forms.CharField(label="评价意见", required=False, widget=textarea(3),
                              help_text="选择“不满意”“非常不满意”时请写明原因")


class ImportForm(Form):
    file = forms.FileField(label="12345工单 Excel 文件（.xlsx）")


class MatterTriageForm(Form):
    lead_unit = unit_select("牵头单位")
    lead_person = forms.ChoiceField(label="责任人", choices=BLANK)
    due_date = forms.DateField(label="办结期限（不填则7个工作日）", required=False, widget=date_input())
    urgency = forms.ChoiceField(label="紧急程度", choices=[("normal", "一般"), ("urgent", "加急"),
                                                       ("extra_urgent", "特急")])
    standard = forms.CharField(label="工作标准", required=False, widget=textarea(2))
    note = forms.CharField(label="分拣说明（内部）", required=False, widget=textarea(2))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        with_units(self, "lead_unit")
        self.fields["lead_person"].choices = BLANK + [
            (unit, [(str(pk), text) for pk, text, _ in people]) for unit, people in Choices().people]


class ProblemTriageForm(Form):
    campaign = forms.ChoiceField(label="专项行动", choices=BLANK)
    unit = unit_select("责任单位")
    category = forms.CharField(label="问题类别", max_length=40)
    measures = forms.CharField(label="整改要求", widget=textarea(2))
    deadline = forms.DateField(label="整改时限", widget=date_input())
    note = forms.CharField(label="分拣说明（内部）", required=False, widget=textarea(2))

    def __init__(self, *args, campaigns=(), **kwargs):
        super().__init__(*args, **kwargs)
        with_units(self, "unit")
        self.fields["campaign"].choices = BLANK + [(str(c.pk), c.name) for c, _ in campaigns]
        cats = sorted({name for _, names in campaigns for name in names})
        self.fields["category"].help_text = "可选：" + "、".join(cats) if cats else ""


class ReferForm(Form):
    unit = unit_select("承办单位")
    reason = forms.CharField(label="转办理由", widget=textarea(2))


class DismissForm(Form):
    reason = forms.CharField(label="不予受理的理由（内部）", widget=textarea(2))
    public_answer = forms.CharField(label="给投诉人的答复", widget=textarea(3))


class MergeForm(Form):
    into = forms.CharField(label="合并到（受理编号）", max_length=40)


class CloseForm(Form):
    public_answer = forms.CharField(label="给投诉人的答复", widget=textarea(3))


class FollowUpForm(Form):
    contacted_at = moment_field("联系时间")
    method = forms.ChoiceField(label="方式", choices=[("phone", "电话"), ("visit", "上门"), ("sms", "短信")])
    reached = forms.BooleanField(label="联系上", required=False, initial=True)
    solved = forms.ChoiceField(label="问题是否解决", choices=Solved.choices)
    note = forms.CharField(label="情况", required=False, widget=textarea(2))


class ReturnForm(Form):
    reason = forms.CharField(label="退回理由（为何不属于本单位职责、应由哪个单位办理）", widget=textarea(2))


class ExtensionForm(Form):
    days = forms.IntegerField(label="延长工作日", min_value=1, max_value=30)
    reason = forms.CharField(label="延期理由", widget=textarea(2))


class DecideForm(Form):
    approve = forms.TypedChoiceField(label="决定", choices=[("1", "同意"), ("0", "不同意")], coerce=lambda v: v == "1")
    note = forms.CharField(label="意见", required=False, widget=textarea(2))


class AnswerForm(Form):
    result = forms.CharField(label="办理情况（内部）", widget=textarea(3))
    public_answer = forms.CharField(label="给投诉人的答复（将在查询页显示）", widget=textarea(3))


class ReviewForm(Form):
    accept = forms.TypedChoiceField(label="审核", choices=[("1", "通过，办结"), ("0", "退回重办")],
                                    coerce=lambda v: v == "1")
    public_answer = forms.CharField(label="给投诉人的答复（可修改）", required=False, widget=textarea(3))
    note = forms.CharField(label="审核意见", required=False, widget=textarea(2))


class VerifyForm(Form):
    verdict = forms.ChoiceField(label="核实结论", choices=Verdict.choices)
    note = forms.CharField(label="核实情况", widget=textarea(2))


class HandleForm(Form):
    text = forms.CharField(label="整改情况或情况说明", widget=textarea(3))


class CallbackForm(Form):
    callback_note = forms.CharField(label="回访情况", widget=textarea(2))
    satisfied = forms.BooleanField(label="评价人对处理结果满意", required=False)


class AppealForm(Form):
    reason = forms.CharField(label="申诉理由", widget=textarea(3))


class AppealDecisionForm(Form):
    uphold = forms.TypedChoiceField(label="复核结论", choices=[("1", "申诉成立，剔除差评"), ("0", "申诉不成立，保留差评")],
                                    coerce=lambda v: v == "1")
    decision_note = forms.CharField(label="复核意见", widget=textarea(2))


class CodesForm(Form):
    unit = unit_select("被评价单位")
    service = forms.CharField(label="服务事项", max_length=120)
    count = forms.IntegerField(label="数量", min_value=1, max_value=500, initial=10)
    rater_kind = forms.ChoiceField(label="评价人", choices=RaterKind.choices)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        with_units(self, "unit")


class CaseForm(Form):
    kind = forms.ChoiceField(label="类型", choices=CaseKind.choices)
    title = forms.CharField(label="标题", max_length=200)
    summary = forms.CharField(label="公开内容", widget=textarea(8), help_text="将公开发布，不得包含个人信息")
    unit = unit_select("涉及单位", required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        with_units(self, "unit")


class CaseReviewForm(Form):
    approve = forms.TypedChoiceField(label="审核", choices=[("1", "通过，发布"), ("0", "退回修改")],
                                     coerce=lambda v: v == "1")
    note = forms.CharField(label="审核意见", required=False, widget=textarea(2))
