from django.apps import AppConfig


class DutyConfig(AppConfig):
    name = "duban.duty"
    verbose_name = "值班信息报送"
    home_cards = "duban.duty.home.cards"
    # Figures for the assessment and the dashboards (duban.core.assessing).
    assessment_sources = "duban.duty.assessing.sources"
    record_feed = "duban.duty.feed.feed"  # duban.core.feeds: typed moments for the integrity review

    def ready(self):
        # Every duty clock (an incident's reports, a relayed instruction)
        # is 值班: its SMS goes out in quiet hours too (OUT-1).
        from duban.notify.services import register_urgency

        from .services import duty_clocks

        register_urgency(duty_clocks)
