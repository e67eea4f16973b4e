import datetime as dt

from django import template

register = template.Library()


@register.filter
def minutes(value):
    """A timedelta as whole minutes (rounded up), for messages like
    “锁定 15 分钟”."""
    if not isinstance(value, dt.timedelta):
        return ""
    seconds = int(value.total_seconds())
    return max(1, -(-seconds // 60))
