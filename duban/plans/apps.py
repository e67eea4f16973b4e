from django.apps import AppConfig


class PlansConfig(AppConfig):
    name = "duban.plans"
    verbose_name = "计划管理"
