from django.apps import AppConfig


class NotifyConfig(AppConfig):
    name = "duban.notify"
    verbose_name = "消息提醒"
    home_cards = "duban.notify.home.cards"

    def ready(self):
        from duban.clocks.services import clock_moved

        from .services import on_clock_moved

        clock_moved.connect(on_clock_moved, dispatch_uid="notify.clock_moved")
