from django.apps import AppConfig


class DutyConfig(AppConfig):
    name = "duban.duty"
    verbose_name = "值班信息报送"
    home_cards = "duban.duty.home.cards"
    record_feed = "duban.duty.feed.feed"  # duban.core.feeds: typed moments for the integrity review
