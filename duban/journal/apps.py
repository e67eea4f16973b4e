from django.apps import AppConfig


class JournalConfig(AppConfig):
    name = "duban.journal"
    verbose_name = "审计日志"
