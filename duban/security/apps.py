from django.apps import AppConfig


class SecurityConfig(AppConfig):
    name = "duban.security"
    verbose_name = "安全策略"

    def ready(self):
        from . import signals  # noqa: F401
