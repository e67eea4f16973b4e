"""The meetings app's card on the workbench (core.home)."""

from django.urls import reverse

from duban.core.home import HomeCard

from . import queries, services


def cards(user, roles) -> list:
    c = queries.home_counts(user)
    if not any(c.values()) and not services.may_register(user):
        return []
    lines = []
    if c["attending"]:
        lines.append(f"您有{c['attending']}个会议待参加，会前1小时起可凭会场签到码签到。")
    if c["organising"]:
        lines.append(f"本单位承办的会议{c['organising']}个待召开。")
    if c["leave"]:
        lines.append(f"{c['leave']}项请假或代会申请待您审批。")
    if c["approval"]:
        lines.append(f"{c['approval']}个超出标准的会议计划待您审批。")
    if not lines:
        lines.append("近期没有待参加或待承办的会议。")
    links = [("会议", reverse("meetings:list")), ("签到", reverse("meetings:sign_in"))]
    if services.may_register(user):
        links.insert(1, ("登记会议", reverse("meetings:new")))
    if c["approval"]:
        links.append(("待我审批", reverse("meetings:list") + "?tab=approval"))
    return [HomeCard("会议", reverse("meetings:list"), lines=lines, links=links, order=35)]
