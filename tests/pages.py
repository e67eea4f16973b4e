"""Helpers of the page and API tests that run on the real clock: a client
signed in as a user, the current minute, a moment as a form's
datetime-local value."""

import datetime as dt

from django.test import Client
from django.utils import timezone

HTMX = {"HTTP_HX_REQUEST": "true"}


def as_user(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def minute(delta_minutes=0) -> dt.datetime:
    """Now (local time) plus `delta_minutes`, to the minute."""
    return (timezone.localtime() + dt.timedelta(minutes=delta_minutes)).replace(second=0, microsecond=0)


def fmt(moment) -> str:
    """A moment as a datetime-local input's value (2026-03-02T09:15)."""
    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M")
