"""Forms of the channel configuration and the personal preferences. They
parse what the browser sends; the rules are the services'."""

from django import forms

from duban.core.choices import unit_choices
from duban.core.forms import BLANK, Form
from duban.core.services import as_unit

from .models import ChannelLevel, Endpoint, EndpointKind, HttpMethod, MessageFormat, SignAlgorithm


class EndpointForm(Form):
    kind = forms.ChoiceField(label="类型", choices=EndpointKind.choices)
    name = forms.CharField(label="名称", max_length=100)
    unit = forms.ChoiceField(label="所属单位", required=False,
                             help_text="本单位的预警、超期、交办和催办发到这个群；短信网关留空")
    url = forms.CharField(label="地址", max_length=500, widget=forms.TextInput(attrs={"size": 60}))
    secret = forms.CharField(label="密钥", max_length=200, required=False,
                             widget=forms.PasswordInput(render_value=False),
                             help_text="钉钉“加签”、飞书“签名校验”、短信网关的密钥；修改时留空表示不变")
    keyword = forms.CharField(label="关键词", max_length=40, required=False)
    msg_format = forms.ChoiceField(label="消息格式", choices=MessageFormat.choices)
    per_minute = forms.IntegerField(label="每分钟上限", min_value=1, required=False)
    per_second = forms.IntegerField(label="每秒上限", min_value=1, required=False)
    max_bytes = forms.IntegerField(label="消息长度上限", min_value=1, required=False)
    app_key = forms.CharField(label="短信账号（appkey）", max_length=100, required=False)
    http_method = forms.ChoiceField(label="短信请求方式", choices=HttpMethod.choices)
    params_template = forms.CharField(label="短信参数模板", required=False, widget=forms.Textarea(attrs={"rows": 3}))
    sign_template = forms.CharField(label="短信签名原文模板", max_length=300, required=False)
    sign_algorithm = forms.ChoiceField(label="短信签名算法", choices=SignAlgorithm.choices)
    success_field = forms.CharField(label="短信结果字段", max_length=60, required=False)
    success_values = forms.CharField(label="短信成功值", max_length=100, required=False)
    retry_values = forms.CharField(label="短信可重试的结果值", max_length=200, required=False)
    daily_cap = forms.IntegerField(label="每个号码每日上限", min_value=1, required=False)
    duplicate_seconds = forms.IntegerField(label="重复内容间隔（秒）", min_value=0, required=False)
    is_active = forms.BooleanField(label="启用", required=False, initial=True)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].choices = BLANK + [(str(pk), text) for pk, text, _ in unit_choices()]
        for name in ("kind", "msg_format", "http_method", "sign_algorithm"):
            self.fields[name].help_text = self.fields[name].help_text or ""
        for f in Endpoint._meta.fields:
            if f.name in self.fields and f.help_text and not self.fields[f.name].help_text:
                self.fields[f.name].help_text = f.help_text

    def values(self) -> dict:
        data = dict(self.cleaned_data)
        unit = data.pop("unit")
        data["unit"] = as_unit(unit)
        for key in ("per_minute", "max_bytes"):
            if data.get(key) is None:
                data.pop(key)
        return data

    @classmethod
    def initial_of(cls, ep: Endpoint) -> dict:
        initial = {f: getattr(ep, f) for f in cls.base_fields if f not in ("unit", "secret")}
        initial["unit"] = str(ep.unit_id) if ep.unit_id else ""
        return initial


class TestForm(Form):
    mobile = forms.CharField(label="手机号（短信网关）", max_length=20, required=False)
    text = forms.CharField(label="测试内容", max_length=200, required=False,
                           widget=forms.TextInput(attrs={"size": 50}))


class PreferenceForm(Form):
    email_level = forms.ChoiceField(label="电子邮件", choices=ChannelLevel.choices)
    sms_level = forms.ChoiceField(label="短信", choices=ChannelLevel.choices)
    robot_mention = forms.BooleanField(label="单位群机器人的消息中@我", required=False)
    quiet_start = forms.TimeField(label="免打扰开始", widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"))
    quiet_end = forms.TimeField(label="免打扰结束", widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"))
    daily_digest = forms.BooleanField(label="一般和预警消息每日汇总一次（邮件、短信）", required=False)
    digest_time = forms.TimeField(label="汇总时间", widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
