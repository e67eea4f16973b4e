"""Forms of the 作风整治 pages. They only parse what the browser sends; the
rules are the services' (duban.rectification.services), whose
ValidationErrors are put back on the fields they name (`apply_errors`)."""

from django import forms

from duban.supervision.forms import MultipleFileField, apply_errors, date_input, textarea  # noqa: F401

from .models import SpotCheckKind, TargetKind


class Form(forms.Form):
    """Labels sit above their fields: no colon after them."""

    multipart = False

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)


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
