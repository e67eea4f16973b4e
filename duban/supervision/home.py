"""The supervision app's cards on the workbench (core.home): counts per
traffic light of the matters this person works on, and (ORG-4) of the
worklist of each away A whose B role this person is."""

from django.template.defaultfilters import date as date_filter
from django.urls import reverse
from django.utils import timezone

from duban.core.home import HomeCard
from duban.org.models import Role
from duban.org.services import principals_of

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
    out.extend(_standing_in(user))
    return out


def _standing_in(user) -> list:
    """ORG-4: while an A whose B role this person is is away, A's worklist
    (its traffic lights) on B's home page, linking to it."""
    out = []
    for principal in principals_of(user):
        person = principal.person
        name = principal.get_full_name() or principal.username
        until = (f"至{date_filter(timezone.localtime(person.away_to), 'n月j日 H:i')}" if person.away_to
                 else "返回时间未定")
        out.append(HomeCard(f"代{name}办理", f"{reverse('supervision:worklist')}?for={principal.pk}",
                            queries.unit_worklist(principal).counts,
                            lines=[f"{name}（{person.unit.name}）{person.away_reason or '外出'}，{until}。"
                                   "您是其B角，可以办理其全部事项。"],
                            order=13))
    return out
