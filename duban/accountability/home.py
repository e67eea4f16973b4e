"""The accountability card on the workbench (core.home): for the supervision
office and leaders, the suggestions waiting for a decision, the open
signals and the 交办单 awaiting a reply; for a unit, what concerns it."""

from django.urls import reverse

from duban.core.home import HomeCard
from duban.org.models import Role

from . import queries


def cards(user, roles) -> list:
    if not roles & {Role.SUPERVISOR, Role.LEADER, Role.LIAISON, Role.UNIT_HEAD}:
        return []
    c = queries.card_counts(user, office=bool(roles & {Role.SUPERVISOR, Role.LEADER}))
    if not any(c.values()) and not roles & {Role.SUPERVISOR}:
        return []
    lines = [f"待决定的问责建议 {c['pending']} 件", f"待反馈的交办单 {c['sheets']} 份"]
    links = [("问责建议", reverse("accountability:suggestions")), ("交办单", reverse("accountability:sheets"))]
    if roles & {Role.SUPERVISOR, Role.LEADER}:
        lines.append(f"待核查的弄虚作假疑点 {c['signals']} 条")
        links += [("疑点核查", reverse("accountability:signals")), ("倒查", reverse("accountability:traces"))]
    return [HomeCard("问责与监督", reverse("accountability:suggestions"), lines=lines, links=links, order=60)]
