from django.apps import AppConfig


class AccountabilityConfig(AppConfig):
    name = "duban.accountability"
    verbose_name = "问责与监督"
    home_cards = "duban.accountability.home.cards"
