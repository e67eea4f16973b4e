"""The document app's card on the workbench (core.home): the lights of the
deadlines of the documents this person sees."""

from django.urls import reverse

from duban.core.home import HomeCard
from duban.org.models import Role

from . import queries


def cards(user, roles) -> list:
    if not roles & {Role.LIAISON, Role.UNIT_HEAD, Role.SUPERVISOR, Role.LEADER}:
        return []
    counts = queries.light_counts(user)
    return [HomeCard("公文办理时限", reverse("documents:received"), counts=counts,
                     links=[("收文", reverse("documents:received")), ("发文", reverse("documents:issued")),
                            ("登记收文", reverse("documents:new_received"))], order=20)]
