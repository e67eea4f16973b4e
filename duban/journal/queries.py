"""Reads of the journal for the auditor's pages and export."""

import datetime as dt

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils import timezone

from .models import Event

FILTERS = {
    "action": "动作",
    "actor": "操作人",
    "object_type": "对象类型",
    "object_id": "对象编号",
    "ip": "来源地址",
    "date_from": "开始日期",
    "date_to": "结束日期",
}


def _date(value, label):
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise ValidationError(f"{label}格式应为 年-月-日，例如 2026-11-22") from None


def filtered_events(params):
    """Events matching the auditor's filters, newest first. Raises
    ValidationError with a Chinese message naming a malformed field."""
    qs = Event.objects.select_related("actor").order_by("-seq")
    p = {k: (params.get(k) or "").strip() for k in FILTERS}
    if p["action"]:
        qs = qs.filter(action__startswith=p["action"])
    if p["actor"]:
        qs = qs.filter(Q(actor__username=p["actor"]) | Q(actor_name__contains=p["actor"]))
    if p["object_type"]:
        qs = qs.filter(object_type=p["object_type"])
    if p["object_id"]:
        qs = qs.filter(object_id=p["object_id"])
    if p["ip"]:
        qs = qs.filter(ip=p["ip"])
    tz = timezone.get_current_timezone()
    if p["date_from"]:
        start = dt.datetime.combine(_date(p["date_from"], FILTERS["date_from"]), dt.time.min, tzinfo=tz)
        qs = qs.filter(recorded_at__gte=start)
    if p["date_to"]:
        end = dt.datetime.combine(_date(p["date_to"], FILTERS["date_to"]) + dt.timedelta(days=1), dt.time.min,
                                  tzinfo=tz)
        qs = qs.filter(recorded_at__lt=end)
    return qs, p


def action_choices():
    """Distinct action prefixes for the filter's suggestions."""
    return list(Event.objects.order_by().values_list("action", flat=True).distinct()[:200])
