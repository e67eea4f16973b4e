from django.apps import AppConfig


class ClocksConfig(AppConfig):
    name = "duban.clocks"
    verbose_name = "计时器"
