"""Who is acting and from where, for the journal.

The request middleware fills this for web requests; management commands and
the worker run as "系统" unless they set an actor themselves.
"""

import contextvars
from contextlib import contextmanager
from dataclasses import dataclass

from django.conf import settings


@dataclass(frozen=True)
class Actor:
    user: object = None  # django.contrib.auth user or None for the system
    ip: str = ""


_current = contextvars.ContextVar("duban_actor", default=Actor())  # noqa: B039 - Actor is frozen


def current_actor() -> Actor:
    return _current.get()


@contextmanager
def acting_as(user=None, ip=""):
    token = _current.set(Actor(user=user, ip=ip))
    try:
        yield
    finally:
        _current.reset(token)


def client_ip(request) -> str:
    """The client's address; behind N trusted proxies, the Nth from the right
    of X-Forwarded-For."""
    proxies = getattr(settings, "AXES_IPWARE_PROXY_COUNT", None) or 0
    if proxies:
        forwarded = [p.strip() for p in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if p.strip()]
        if len(forwarded) >= proxies:
            return forwarded[-proxies]
    return request.META.get("REMOTE_ADDR", "")
