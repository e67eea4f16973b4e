"""Saving, listing and deleting a user's saved views. Every write is
journaled like any other (issue 21 item 4: no write goes past the journal)."""

from urllib.parse import parse_qsl, urlencode

from django.core.exceptions import ValidationError
from django.db import transaction

from duban.journal import chain

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
            before = {"query": existing.query}
            existing.query = query
            existing.save(update_fields=["query"])
            chain.record("savedviews.update", existing, before=before, after=_snapshot(existing), actor=user)
            return existing
        if SavedView.objects.filter(user=user, page=page).count() >= MAX_PER_PAGE:
            raise ValidationError({"name": f"每个列表最多保存{MAX_PER_PAGE}个常用筛选，请先删除不用的"})
        view = SavedView.objects.create(user=user, page=page, name=name, query=query)
        chain.record("savedviews.create", view, after=_snapshot(view), actor=user)
        return view


def _snapshot(view) -> dict:
    return {"page": view.page, "name": view.name, "query": view.query}


@transaction.atomic
def delete_view(user, pk, *, by=None) -> bool:
    """Delete one of the user's own saved views; False when there is none."""
    view = SavedView.objects.select_for_update().filter(user=user, pk=pk).first()
    if view is None:
        return False
    chain.record("savedviews.delete", view, before=_snapshot(view), actor=by or user)
    view.delete()
    return True
