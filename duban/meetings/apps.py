from django.apps import AppConfig


class MeetingsConfig(AppConfig):
    name = "duban.meetings"
    verbose_name = "会议管理"
    home_cards = "duban.meetings.home.cards"
