"""The supervision app's cards on the workbench (core.home): counts per
traffic light of the matters this person works on."""

from django.urls import reverse

from duban.core.home import HomeCard
from duban.org.models import Role

from . import queries


def cards(user, roles) -> list:
    out = []
    if roles & {Role.LIAISON, Role.UNIT_HEAD}:
        out.append(HomeCard("本单位待办", reverse("supervision:worklist"), queries.unit_worklist(user).counts,
                            order=10))
    if Role.SUPERVISOR in roles:
        out.append(HomeCard("督办总表", reverse("supervision:office"), queries.supervision_list(user).counts,
                            order=11))
    if Role.LEADER in roles:
        out.append(HomeCard("我批示的事项", reverse("supervision:leader"), queries.leader_list(user).counts,
                            order=12))
    return out
