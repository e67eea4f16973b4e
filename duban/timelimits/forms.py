import datetime as dt
import re
import unicodedata

from django import forms

from .services import MAX_YEAR, MIN_YEAR, HolidayRange

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
DATE_ERRORS = {"invalid": "日期格式应为 2027-02-06"}


class YearForm(forms.Form):
    year = forms.IntegerField(
        label="年份", min_value=MIN_YEAR, max_value=MAX_YEAR,
        error_messages={"required": "请填写年份", "invalid": "年份应为四位数字，如 2027",
                        "min_value": f"年份不能早于 {MIN_YEAR}", "max_value": f"年份不能晚于 {MAX_YEAR}"},
    )
    note = forms.CharField(label="依据", max_length=200, required=False,
                           help_text="如：国务院办公厅关于2027年部分节假日安排的通知（国办发明电〔2026〕×号）",
                           error_messages={"max_length": "依据最多200字"})
    adjusted_workdays = forms.CharField(
        label="调休上班日", required=False, widget=forms.Textarea(attrs={"rows": 3}),
        help_text="周六、周日上班的日期，每行一个或用逗号、顿号分隔，如：2027-02-14、2027-02-20",
    )

    def __init__(self, *args, fixed_year=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fixed_year = fixed_year
        if fixed_year is not None:
            self.fields["year"].disabled = True
            self.fields["year"].initial = fixed_year

    def clean_adjusted_workdays(self):
        text = unicodedata.normalize("NFKC", self.cleaned_data.get("adjusted_workdays") or "")
        year = self.fixed_year or self.data.get("year")
        try:
            year = int(year)
        except (TypeError, ValueError):
            year = None
        out, bad = [], []
        for token in re.split(r"[\s,;、，；]+", text):
            if not token:
                continue
            d = parse_loose_date(token, year)
            if d is None:
                bad.append(token)
            else:
                out.append(d)
        if bad:
            raise forms.ValidationError(
                "、".join(f"“{t}”" for t in bad) + " 不是有效日期，请写成 2027-02-14 这样的格式"
            )
        return out


def parse_loose_date(token: str, year: int | None) -> dt.date | None:
    """2027-02-14, 2027/2/14, 2027年2月14日, or 2月14日 / 2-14 in `year`."""
    token = token.strip().rstrip("日号")
    m = re.fullmatch(r"(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})", token)
    if m:
        y, mo, d = int(m[1]), int(m[2]), int(m[3])
    else:
        m = re.fullmatch(r"(\d{1,2})[-/.月](\d{1,2})", token)
        if not m or year is None:
            return None
        y, mo, d = year, int(m[1]), int(m[2])
    try:
        return dt.date(y, mo, d)
    except ValueError:
        return None


class HolidayRangeForm(forms.Form):
    name = forms.CharField(label="节日名称", max_length=30, required=False,
                           error_messages={"max_length": "节日名称最多30字"})
    start = forms.DateField(label="开始日期", required=False, widget=DATE_INPUT, error_messages=DATE_ERRORS)
    end = forms.DateField(label="结束日期", required=False, widget=DATE_INPUT, error_messages=DATE_ERRORS,
                          help_text="只放一天可不填")

    def clean(self):
        data = super().clean()
        name = (data.get("name") or "").strip()
        start, end = data.get("start"), data.get("end")
        if self.errors:
            return data
        if not start and not end:
            data["range"] = None  # an unused row (a prefilled name alone is ignored)
            return data
        if not start:
            self.add_error("start", "请填写开始日期")
            return data
        end = end or start
        if end < start:
            self.add_error("end", "结束日期不能早于开始日期")
            return data
        if not name:
            self.add_error("name", "请填写节日名称")
            return data
        data["range"] = HolidayRange(name, start, end)
        return data


class BaseHolidayFormSet(forms.BaseFormSet):
    def ranges(self) -> list[HolidayRange]:
        return [f.cleaned_data["range"] for f in self.forms if f.cleaned_data.get("range")]


HolidayRangeFormSet = forms.formset_factory(HolidayRangeForm, formset=BaseHolidayFormSet, extra=3,
                                            max_num=40, validate_max=True)


def _year_field(required=False):
    return forms.IntegerField(
        label="年份", min_value=MIN_YEAR, max_value=MAX_YEAR, required=required,
        error_messages={"required": "请填写年份", "invalid": "年份应为四位数字，如 2027",
                        "min_value": f"年份不能早于 {MIN_YEAR}", "max_value": f"年份不能晚于 {MAX_YEAR}"},
        help_text="留空则按通知或文件中写明的年份",
    )


class NoticeForm(forms.Form):
    """Paste the State Council's notice (duban.timelimits.notice)."""

    year = _year_field()
    text = forms.CharField(
        label="通知正文", widget=forms.Textarea(attrs={"rows": 16}),
        error_messages={"required": "请粘贴通知正文"},
        help_text="从中国政府网复制《国务院办公厅关于某年部分节假日安排的通知》全文粘贴于此，"
                  "如：一、元旦：1月1日（周五）至3日（周日）放假，共3天。……",
    )


class ScheduleFileForm(forms.Form):
    """Import an iCalendar (.ics) or JSON file (duban.timelimits.importers)."""

    year = _year_field()
    file = forms.FileField(label="文件", error_messages={"required": "请选择要导入的文件",
                                                       "empty": "上传的文件是空的"},
                           help_text="iCalendar（.ics，全天日程）或 JSON（本系统格式或 holiday-cn 格式）")
