from django.apps import AppConfig


class SavedViewsConfig(AppConfig):
    name = "duban.savedviews"
    verbose_name = "常用筛选"
