"""Forms of the 作风整治 pages. They only parse what the browser sends; the
rules are the services' (duban.rectification.services), whose
ValidationErrors are put back on the fields they name (`apply_errors`)."""

from django import forms

from duban.core.forms import Form, MultipleFileField, apply_errors, date_input, textarea  # noqa: F401 - apply_errors for the views

from .models import CategorySet, PhaseKind, ReportCycle, Source, SpotCheckKind, Subject, TargetKind


class ImportForm(Form):
    multipart = True
    file = forms.FileField(label="填好的问题清单台账（.xlsx）")
    unit = forms.TypedChoiceField(label="台账所属单位", coerce=int, required=False,
                                  help_text="文件没有“责任单位”列时，各行都属于此单位")

    def __init__(self, *args, units=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].choices = [("", "按文件中的“责任单位”列"), *units]


class LedgerForm(Form):
    multipart = True
    situation_report = forms.CharField(label="情况报告", widget=textarea(8), required=False)
    files = MultipleFileField(label="附件（情况报告、台账扫描件等）", required=False)


class ProgressForm(Form):
    multipart = True
    text = forms.CharField(label="整改进展", widget=textarea(3), required=False)
    files = MultipleFileField(label="佐证材料", required=False)


class ResultForm(Form):
    multipart = True
    text = forms.CharField(label="整改结果", widget=textarea(4), required=False)
    files = MultipleFileField(label="佐证材料（至少一份）", required=False)


class VerifyForm(Form):
    multipart = True
    passed = forms.TypedChoiceField(label="核验结论", choices=[("1", "核验通过，予以销号"), ("0", "退回整改")],
                                    coerce=lambda v: v == "1", widget=forms.RadioSelect, initial="1")
    note = forms.CharField(label="核验意见", widget=textarea(2), required=False, help_text="退回整改须写明理由")
    onsite_check = forms.BooleanField(label="进行了实地核查", required=False)
    onsite_note = forms.CharField(label="实地核查情况", widget=textarea(2), required=False)
    files = MultipleFileField(label="核验材料", required=False)


class ReopenForm(Form):
    reason = forms.CharField(label="重新打开的原因", widget=textarea(2), required=False)
    deadline = forms.DateField(label="再整改时限", widget=date_input(), required=False)
    long_term = forms.BooleanField(label="长期坚持", required=False)


class LinkForm(Form):
    other = forms.CharField(label="重复问题的编号", max_length=60, help_text="同一单位此前提出的问题，如 DEMO-2026-0012")
    reason = forms.CharField(label="说明", widget=textarea(2), required=False)


class LookBackForm(Form):
    title = forms.CharField(label="名称", max_length=200, required=False, help_text="留空则为“专项行动名称回头看”")
    sample_size = forms.IntegerField(label="抽取数量", min_value=1, required=False, help_text="留空为全部已销号问题")
    seed = forms.CharField(label="随机种子", max_length=64, required=False, help_text="留空由系统生成并记录")


class LookBackItemForm(Form):
    effective = forms.TypedChoiceField(label="结论", choices=[("1", "成效巩固"), ("0", "整改不到位，再整改")],
                                       coerce=lambda v: v == "1", widget=forms.RadioSelect, initial="1")
    note = forms.CharField(label="核查情况", widget=textarea(2), required=False)
    new_deadline = forms.DateField(label="再整改时限", widget=date_input(), required=False)


class SpotCheckForm(Form):
    title = forms.CharField(label="名称", max_length=200, required=False)
    kind = forms.ChoiceField(label="方式", choices=SpotCheckKind.choices, initial=SpotCheckKind.SPOT_CHECK)
    target_kind = forms.ChoiceField(label="抽查对象", choices=TargetKind.choices, initial=TargetKind.UNIT)
    target_count = forms.IntegerField(label="抽取对象数", min_value=1, initial=3)
    inspector_count = forms.IntegerField(label="每个对象的检查人数", min_value=1, initial=2)
    seed = forms.CharField(label="随机种子", max_length=64, required=False, help_text="留空由系统生成并记录")
    note = forms.CharField(label="说明", widget=textarea(2), required=False)


class FindingForm(Form):
    unit = forms.TypedChoiceField(label="责任单位", coerce=int)
    category = forms.TypedChoiceField(label="问题类别", coerce=int)
    description = forms.CharField(label="问题描述", widget=textarea(3), required=False)
    measures = forms.CharField(label="整改要求", widget=textarea(2), required=False)
    deadline = forms.DateField(label="整改时限", widget=date_input(), required=False)

    def __init__(self, *args, units=(), categories=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].choices = [("", "—"), *units]
        self.fields["category"].choices = [("", "—"), *categories]


# --- creating a campaign ---------------------------------------------------------------------------

class CampaignForm(Form):
    code = forms.CharField(label="代码", max_length=40, required=False, help_text="字母、数字、短横线，如 ZF-2027；问题编号以它开头")
    name = forms.CharField(label="名称", max_length=200, required=False, help_text="如：改进作风、狠抓落实年")
    basis = forms.CharField(label="依据（实施方案）", max_length=200, required=False)
    start_date = forms.DateField(label="开始日期", widget=date_input(), error_messages={
        "required": "请填写开始日期", "invalid": "开始日期应为日期，如 2027-02-24"})
    end_date = forms.DateField(label="结束日期", widget=date_input(), error_messages={
        "required": "请填写结束日期", "invalid": "结束日期应为日期，如 2027-12-10"})
    organizer = forms.TypedChoiceField(label="组织单位", coerce=int, error_messages={
        "required": "请选择组织单位", "invalid_choice": "请从列表中选择组织单位"})
    task_force = forms.TypedChoiceField(label="工作专班", coerce=int, required=False, empty_value=None)
    category_set = forms.ChoiceField(label="问题类别", choices=CategorySet.choices, widget=forms.RadioSelect,
                                     initial=CategorySet.SIX_RECTIFICATIONS)
    categories = forms.CharField(label="自定义问题类别", widget=textarea(4), required=False,
                                 help_text="选“自定义”时填写，每行一个类别")
    units = forms.TypedMultipleChoiceField(label="参加单位", coerce=int, required=False,
                                           widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args, organizers=(), task_forces=(), units=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organizer"].choices = list(organizers)
        self.fields["task_force"].choices = [("", "—（不设）"), *task_forces]
        self.fields["units"].choices = list(units)
        self.extra_errors = {}

    def category_list(self):
        """The custom list (one a line), or None for a named set."""
        d = self.cleaned_data
        if d.get("category_set") != CategorySet.CUSTOM:
            return None
        return [line.strip() for line in (d.get("categories") or "").splitlines() if line.strip()]


class PhaseForm(Form):
    kind = forms.ChoiceField(choices=PhaseKind.choices, initial=PhaseKind.OTHER, widget=forms.HiddenInput,
                             required=False)
    name = forms.CharField(label="阶段名称", max_length=100, required=False)
    start_date = forms.DateField(label="开始日期", widget=date_input(), required=False,
                                 error_messages={"invalid": "阶段开始日期应为日期，如 2027-02-24"})
    end_date = forms.DateField(label="结束日期", widget=date_input(), required=False,
                               error_messages={"invalid": "阶段结束日期应为日期，如 2027-03-10"})
    duty = forms.CharField(label="工作任务", widget=textarea(2), required=False)
    requires_ledger = forms.BooleanField(label="阶段末须报送情况报告和问题清单台账", required=False)

    def is_blank(self) -> bool:
        d = getattr(self, "cleaned_data", {}) or {}
        return not any(d.get(k) for k in ("name", "start_date", "end_date", "duty"))

    def service_data(self) -> dict:
        d = self.cleaned_data
        return {"kind": d.get("kind") or PhaseKind.OTHER, "name": d.get("name", ""),
                "start_date": d.get("start_date"), "end_date": d.get("end_date"), "duty": d.get("duty", ""),
                "requires_ledger": bool(d.get("requires_ledger"))}


PhaseFormSet = forms.formset_factory(PhaseForm, extra=2, max_num=12)


class AddUnitsForm(Form):
    units = forms.TypedMultipleChoiceField(label="增加参加单位", coerce=int, widget=forms.CheckboxSelectMultiple,
                                           error_messages={"required": "请勾选要增加的参加单位"})

    def __init__(self, *args, units=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["units"].choices = list(units)


# --- registering a problem by hand -----------------------------------------------------------------

class ProblemForm(Form):
    unit = forms.TypedChoiceField(label="责任单位", coerce=int, error_messages={
        "required": "请选择责任单位", "invalid_choice": "请从列表中选择责任单位"})
    category = forms.TypedChoiceField(label="问题类别", coerce=int, required=False, empty_value=None)
    source = forms.ChoiceField(label="问题来源", initial=Source.SELF,
                               choices=[c for c in Source.choices if c[0] != Source.SPOT_CHECK])
    subject = forms.ChoiceField(label="问题主体", choices=Subject.choices, initial=Subject.TEAM,
                                widget=forms.RadioSelect)
    subject_name = forms.CharField(label="个人姓名", max_length=60, required=False, help_text="问题属于个人时填写")
    description = forms.CharField(label="问题描述", widget=textarea(3), required=False)
    cause = forms.CharField(label="原因分析", widget=textarea(2), required=False)
    measures = forms.CharField(label="整改措施", widget=textarea(3), required=False)
    responsible_leader = forms.TypedChoiceField(label="责任领导", coerce=int, required=False, empty_value=None)
    responsible_leader_name = forms.CharField(label="责任领导（其他人员姓名）", max_length=60, required=False,
                                              help_text="列表中没有时填写姓名")
    responsible_person = forms.TypedChoiceField(label="责任人", coerce=int, required=False, empty_value=None)
    responsible_person_name = forms.CharField(label="责任人（其他人员姓名）", max_length=60, required=False,
                                              help_text="列表中没有时填写姓名")
    deadline = forms.DateField(label="整改时限", widget=date_input(), required=False,
                               error_messages={"invalid": "整改时限应为日期，如 2027-06-30"})
    long_term = forms.BooleanField(label="长期坚持（不设具体时限，定期报告）", required=False)
    report_cycle = forms.ChoiceField(label="报告周期", choices=[("", "—"), *ReportCycle.choices], required=False,
                                     help_text="长期坚持的问题按此周期报告进展，默认每月")

    def __init__(self, *args, units=(), categories=(), people=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].choices = [("", "—"), *units] if len(units) != 1 else list(units)
        self.fields["category"].choices = [("", "—"), *categories]
        for f in ("responsible_leader", "responsible_person"):
            self.fields[f].choices = [("", "—（填写姓名或不填）"), *people]
