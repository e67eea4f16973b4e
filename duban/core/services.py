"""Small helpers every business app's services share: the moment of an
action, a person's display name, reading a unit or a person from a form's
or an API's value, and refreshing a caller's instance after a locked
update. They hold no business rule; the rules are each app's."""

import datetime as dt
import re

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

from duban.org.models import Unit
from duban.timelimits.periods import day_end

User = get_user_model()


def now(at=None) -> dt.datetime:
    """The moment of an action: the one the caller was told (an import's
    date, a duty officer's "learned at", a test's frozen moment), else the
    server's."""
    return at or timezone.now()


def user_name(user) -> str:
    """A person's name as documents and messages print it; "系统" for none."""
    return (user.get_full_name() or user.get_username()) if user is not None else "系统"


def local_date(moment) -> dt.date:
    return timezone.localtime(moment).date()


def fmt_moment(moment) -> str:
    """2026年12月10日 23:59 (local time)."""
    local = timezone.localtime(moment)
    return f"{local.year}年{local.month}月{local.day}日 {local:%H:%M}"


def fmt_date(d) -> str:
    """2026年12月10日; "" for none."""
    return f"{d.year}年{d.month}月{d.day}日" if d else ""


def parse_moment(value, field, label):
    """An aware moment from a datetime (naive: local time) or ISO text
    (“2026-03-02T09:15”, “2026-03-02 09:15”); otherwise a ValidationError on
    `field` naming its `label` and the format."""
    if isinstance(value, dt.datetime):
        return value if timezone.is_aware(value) else timezone.make_aware(value)
    if isinstance(value, str) and value.strip():
        from django.utils.dateparse import parse_datetime

        parsed = parse_datetime(value.strip())
        if parsed is not None:
            return parsed if timezone.is_aware(parsed) else timezone.make_aware(parsed)
    raise ValidationError({field: f"{label}格式应为 年-月-日 时:分，例如 2026-03-02 09:15"})


def blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def as_date(value):
    """A date from a date, a datetime (its local day) or ISO text; None for
    blank; a ValidationError naming the format otherwise."""
    if blank(value):
        return None
    if isinstance(value, dt.datetime):
        return timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    if isinstance(value, dt.date):
        return value
    d = parse_date(str(value).strip()) if isinstance(value, str) else None
    if d is None:
        raise ValidationError("日期格式应为 年-月-日，例如 2026-11-22")
    return d


def as_moment(value):
    """An aware datetime from a datetime (naive = Beijing time), an ISO
    string, or a date (= the end of that day)."""
    if blank(value):
        return None
    if isinstance(value, str):
        text = value.strip()
        # A bare date is the end of that day (Python's fromisoformat, under
        # parse_datetime, would read it as its midnight).
        parsed = None if re.fullmatch(r"\d{4}-\d{1,2}-\d{1,2}", text) else parse_datetime(text)
        if parsed is None:
            d = parse_date(text)
            if d is None:
                raise ValidationError("时间格式应为 年-月-日 时:分，例如 2026-12-10 18:00")
            return day_end(d)
        value = parsed
    if isinstance(value, dt.datetime):
        return value if timezone.is_aware(value) else timezone.make_aware(value)
    if isinstance(value, dt.date):
        return day_end(value)
    raise ValidationError("时间格式应为 年-月-日 时:分，例如 2026-12-10 18:00")


def as_unit(value):
    """A Unit from a Unit or its id (a form's or an API's value); None for
    blank; a ValidationError for an id that names no unit."""
    if blank(value):
        return None
    if isinstance(value, Unit):
        return value
    try:
        return Unit.objects.get(pk=int(value))
    except (Unit.DoesNotExist, TypeError, ValueError):
        raise ValidationError("所选单位不存在") from None


def as_user(value):
    """An active user from a user or its id; None for blank; a
    ValidationError for an unknown id or a disabled account."""
    if blank(value):
        return None
    if isinstance(value, User):
        user = value
    else:
        try:
            user = User.objects.select_related("person__unit").get(pk=int(value))
        except (User.DoesNotExist, TypeError, ValueError):
            raise ValidationError("所选人员不存在") from None
    if not user.is_active:
        raise ValidationError(f"{user_name(user)}的账号已停用")
    return user


def sync_fields(target, source):
    """Copy the stored fields of `source` (a row re-read under lock and
    changed) onto the caller's instance `target` of the same model, so that
    the caller does not go on showing the state before the change. Returns
    `source`."""
    if target is not source and isinstance(target, type(source)):
        for f in type(source)._meta.concrete_fields:
            setattr(target, f.attname, getattr(source, f.attname))
    return source
