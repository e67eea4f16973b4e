"""Saved views (常用筛选): a user's named filters of a list page, kept as the
page's query string. Any list can offer them: it names itself with a page
key (e.g. "supervision.office") and calls duban.savedviews.services."""

from django.conf import settings
from django.db import models


class SavedView(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="用户", on_delete=models.CASCADE,
                             related_name="saved_views")
    page = models.CharField("页面", max_length=60, help_text="列表页面的代码，如 supervision.office")
    name = models.CharField("名称", max_length=60)
    query = models.CharField("筛选条件", max_length=2000, blank=True, help_text="列表页面的查询字符串")
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    class Meta:
        verbose_name = "常用筛选"
        verbose_name_plural = "常用筛选"
        ordering = ["page", "name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["user", "page", "name"], name="savedviews_once_per_name"),
        ]
        indexes = [models.Index(fields=["user", "page"], name="savedviews_user_page")]

    def __str__(self):
        return self.name
