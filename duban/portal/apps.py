from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "duban.portal"
    verbose_name = "公众监督（投诉、12345工单、好差评、典型案例）"
