from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "duban.core"
    verbose_name = "工作台"

    def ready(self):
        from . import textguard

        textguard.connect()
