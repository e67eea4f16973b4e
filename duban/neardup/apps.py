from django.apps import AppConfig


class NearDupConfig(AppConfig):
    name = "duban.neardup"
    verbose_name = "相似文本索引"
    default_auto_field = "django.db.models.BigAutoField"
