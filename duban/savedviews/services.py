"""Saving, listing and deleting a user's saved views. A saved view is a
personal preference, not a business record: it is not journaled."""

from urllib.parse import parse_qsl, urlencode

from django.core.exceptions import ValidationError
from django.db import transaction

from .models import SavedView

MAX_PER_PAGE = 30
# Never kept in a saved view: paging and one-off actions.
DROPPED_KEYS = frozenset({"page", "csrfmiddlewaretoken", "export"})


def clean_query(query: str) -> str:
    """The query string without paging or empty values, in a stable order."""
    pairs = [(k, v) for k, v in parse_qsl(query or "", keep_blank_values=False) if k not in DROPPED_KEYS and v]
    return urlencode(pairs)


def views_for(user, page):
    if not getattr(user, "is_authenticated", False):
        return SavedView.objects.none()
    return SavedView.objects.filter(user=user, page=page).order_by("name", "id")


def save_view(user, page, name, query) -> SavedView:
    """Save (or overwrite) the view `name` of `page` for `user`."""
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": "请填写常用筛选的名称"})
    if len(name) > 60:
        raise ValidationError({"name": "名称不能超过60个字"})
    query = clean_query(query)
    if len(query) > 2000:
        raise ValidationError({"query": "筛选条件过长"})
    with transaction.atomic():
        existing = SavedView.objects.select_for_update().filter(user=user, page=page, name=name).first()
        if existing is not None:
            existing.query = query
            existing.save(update_fields=["query"])
            return existing
        if SavedView.objects.filter(user=user, page=page).count() >= MAX_PER_PAGE:
            raise ValidationError({"name": f"每个列表最多保存{MAX_PER_PAGE}个常用筛选，请先删除不用的"})
        return SavedView.objects.create(user=user, page=page, name=name, query=query)


def delete_view(user, pk) -> bool:
    """Delete one of the user's own saved views; False when there is none."""
    deleted, _ = SavedView.objects.filter(user=user, pk=pk).delete()
    return bool(deleted)
