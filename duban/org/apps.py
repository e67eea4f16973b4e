from django.apps import AppConfig


class OrgConfig(AppConfig):
    name = "duban.org"
    verbose_name = "组织机构"
