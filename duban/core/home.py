"""The workbench's cards (工作台). Core knows no business app: each app that
has something to show declares `home_cards` on its AppConfig, the dotted
path of a function `(user, roles) -> [HomeCard]`, and the workbench shows
what every installed app contributes, in `order`."""

from dataclasses import dataclass, field

from django.apps import apps
from django.utils.module_loading import import_string


@dataclass
class HomeCard:
    title: str
    url: str = ""
    counts: dict | None = None  # light counts (red, yellow, green, total, done): shown with filter links
    lines: list = field(default_factory=list)  # sentences under the title
    links: list = field(default_factory=list)  # [(text, url)]
    order: int = 50


def cards_for(user, roles) -> list:
    cards = []
    for config in apps.get_app_configs():
        path = getattr(config, "home_cards", None)
        if path:
            cards.extend(import_string(path)(user, roles))
    return sorted(cards, key=lambda c: c.order)
