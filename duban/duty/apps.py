from django.apps import AppConfig


class DutyConfig(AppConfig):
    name = "duban.duty"
    verbose_name = "值班信息报送"
    home_cards = "duban.duty.home.cards"
    # Figures for the assessment and the dashboards (duban.core.assessing).
    assessment_sources = "duban.duty.assessing.sources"
    record_feed = "duban.duty.feed.feed"  # duban.core.feeds: typed moments for the integrity review
