from django.apps import AppConfig


class NotifyConfig(AppConfig):
    name = "duban.notify"
    verbose_name = "消息提醒"
