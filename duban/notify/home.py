"""The notify app's card on the workbench (core.home): the supervision
office sees how many messages to its jurisdiction could not be delivered
(OUT-1), so that it can phone instead."""

from django.urls import reverse

from duban.core.home import HomeCard
from duban.org.models import Role

from .services import failures_for


def cards(user, roles) -> list:
    if Role.SUPERVISOR not in roles:
        return []
    failed = failures_for(user).count()
    if not failed:
        return []
    return [HomeCard("未送达的消息", f"{reverse('notify:outbox')}?state=dead",
                     lines=[f"管辖单位有 {failed} 条消息经群机器人、短信或邮件发送失败，请改用电话等方式联系。"],
                     order=60)]
