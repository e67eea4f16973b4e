"""Helpers the demo loaders share (manage.py load_demo and each app's
demo.py): they hold no business rule."""

import datetime as dt

from django.utils import timezone

from duban.timelimits.periods import day_start

from . import demo_data


def record_password_set(user):
    """Let the security app record the demo password as set now, if it
    offers that (password history and expiry)."""
    try:
        from duban.security.services import record_password_set as record
    except ImportError:
        return
    record(user, initial=True)


def give_demo_password(user) -> bool:
    """The demo password for a generated person who has none yet (an app's
    demo needs them to sign in or to re-enter it); False when they had one."""
    if user.has_usable_password():
        return False
    user.set_password(demo_data.DEMO_PASSWORD)
    user.save(update_fields=["password"])
    record_password_set(user)
    return True


def year_moment(now, fraction: float) -> dt.datetime:
    """A moment of this year before `now`: `fraction` of the way from the
    first moment of the year to now (so that the demo's records of this
    year fall in this year on any date, also on 1 January)."""
    start = day_start(dt.date(timezone.localtime(now).year, 1, 1))
    return start + (now - start) * fraction
