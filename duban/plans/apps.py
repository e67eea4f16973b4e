from django.apps import AppConfig


class PlansConfig(AppConfig):
    name = "duban.plans"
    verbose_name = "计划管理"
    home_cards = "duban.plans.home.cards"
