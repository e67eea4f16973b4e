from django.apps import AppConfig


class TimelimitsConfig(AppConfig):
    name = "duban.timelimits"
    verbose_name = "时限与工作日历"
