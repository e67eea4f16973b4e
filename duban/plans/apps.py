from django.apps import AppConfig


class PlansConfig(AppConfig):
    name = "duban.plans"
    verbose_name = "计划管理"
    home_cards = "duban.plans.home.cards"
    # Figures for the assessment and the dashboards (duban.core.assessing).
    assessment_sources = "duban.plans.assessing.sources"
