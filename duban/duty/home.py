"""The duty app's card on the workbench (core.home)."""

from django.urls import reverse

from duban.core.home import HomeCard
from duban.org.models import Role


def cards(user, roles) -> list:
    if not roles & {Role.DUTY_OFFICER, Role.DUTY_LEADER}:
        return []
    if Role.DUTY_LEADER in roles:
        line = "您是带班领导，负责对外报送信息的审签。"
    else:
        line = "您是值班员，负责突发事件信息的接收与报送（电话15分钟、书面30分钟、最迟2小时）。"
    return [HomeCard("值班", reverse("duty:screen"), lines=[line], links=[("进入值班工作台", reverse("duty:screen"))],
                     order=30)]
