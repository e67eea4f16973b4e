"""The demo county's channels (issue 19): a group robot for every
department (企业微信), town (钉钉) and for 县政府办公室 and 县委督办督查局
(飞书), and the SMS gateway, all pointed at the local test receiver that
`make run` starts (`manage.py robot_receiver`, settings
DUBAN_DEMO_RECEIVER_URL), so that a newcomer sees the messages arrive on
its page. Written through duban.notify.services (journaled), once."""

import hashlib
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction

from duban.core import demo_data
from duban.org.models import Unit

from . import services
from .models import Endpoint, EndpointKind

User = get_user_model()
SMS_NAME = "政务短信平台（演示）"


def demo_secret(key: str) -> str:
    """A demo robot's signing secret: derived from its key, the same on
    every machine (it is a demo; real robots get theirs from the vendor)."""
    return "SEC" + hashlib.sha256(f"duban-demo-robot:{key}".encode()).hexdigest()[:40]


def receiver_url() -> str:
    return getattr(settings, "DUBAN_DEMO_RECEIVER_URL", "http://127.0.0.1:8025").rstrip("/")


def plan() -> list:
    """(unit name, parent name or None, kind, key, robot name) of the demo robots."""
    gov = demo_data.GOVERNMENT
    rows = [(demo_data.GOV_OFFICE, gov, EndpointKind.FEISHU, "demo-zfb", "县政府办公室工作群（飞书）"),
            (demo_data.DUBAN_BUREAU, None, EndpointKind.FEISHU, "demo-dbdcj", "县委督办督查局工作群（飞书）")]
    rows += [(name, gov, EndpointKind.WECOM, f"demo-{slug}", f"{name}工作群（企业微信）")
             for name, slug, _ in demo_data.DEPARTMENTS]
    rows += [(name, gov, EndpointKind.DINGTALK, f"demo-{slug}", f"{name}工作群（钉钉）") for name, slug in demo_data.TOWNS]
    return rows


PATHS = {EndpointKind.WECOM: "/cgi-bin/webhook/send?key={}", EndpointKind.DINGTALK: "/robot/send?access_token={}",
         EndpointKind.FEISHU: "/open-apis/bot/v2/hook/{}"}


@dataclass
class ChannelsDemoResult:
    created: int = 0
    existing: int = 0

    def summary(self) -> str:
        if not self.created:
            return f"消息渠道演示数据已存在，未做改动（{self.existing} 个）。"
        return (f"消息渠道演示数据已载入：群机器人和短信网关 {self.created} 个，均发往本机演示接收端 {receiver_url()}"
                "（make run 一并启动，打开即可看到收到的消息）。")


def load_channels(now=None) -> ChannelsDemoResult:
    admin = User.objects.filter(username="sysadmin").first()
    result = ChannelsDemoResult(existing=Endpoint.objects.count())
    if admin is None or Endpoint.objects.filter(name=SMS_NAME).exists():
        return result
    base = receiver_url()
    with transaction.atomic():
        for unit_name, parent_name, kind, key, name in plan():
            unit = Unit.objects.filter(name=unit_name, parent__name=parent_name).first() if parent_name else \
                Unit.objects.filter(name=unit_name, parent=None).first()
            if unit is None or Endpoint.objects.filter(name=name).exists():
                continue
            secret = demo_secret(key) if kind in (EndpointKind.DINGTALK, EndpointKind.FEISHU) else ""
            services.create_endpoint(admin, kind=kind, name=name, unit=unit, url=base + PATHS[kind].format(key),
                                     secret=secret, keyword="督办", at=now)
            result.created += 1
        services.create_endpoint(
            admin, kind=EndpointKind.SMS, name=SMS_NAME, url=base + "/sms/send", app_key="duban-demo",
            secret="demo-sms-secret", sign_algorithm="md5", sign_template="{app_key}{mobile}{timestamp}{secret}",
            daily_cap=10, duplicate_seconds=30, keyword="示范县督办", at=now)
        result.created += 1
    return result
