from django.apps import AppConfig


class AssessmentConfig(AppConfig):
    name = "duban.assessment"
    verbose_name = "考核评价"
    home_cards = "duban.assessment.home.cards"
    # The error notices' deductions as a formula source (duban.core.assessing).
    assessment_sources = "duban.assessment.assessing.sources"
    # The dashboards' tallies are refreshed by the sweep (duban.core.periodic).
    periodic_jobs = ("duban.assessment.tallies.refresh_if_due",)
