"""Jobs the sweep runs now and then beside the clocks (a dashboard's
aggregates, say). Core knows no business app: each app declares
`periodic_jobs` on its AppConfig, dotted paths of functions `(now) -> any`
that decide themselves whether they are due and claim their turn, so that
several sweepers run a job once. The sweep runs them in a thread of their
own (duban.clocks.sweep.run), so a slow job never delays a breach."""

import logging
import threading

from django.apps import apps
from django.db import close_old_connections, connection
from django.utils import timezone
from django.utils.module_loading import import_string

log = logging.getLogger(__name__)


def jobs() -> list:
    out = []
    for config in apps.get_app_configs():
        for path in getattr(config, "periodic_jobs", ()) or ():
            out.append(import_string(path))
    return out


def run_due(now=None) -> int:
    """Run every job once (each decides whether it is due); an error is
    logged and the next job runs. Returns how many ran without error."""
    ok = 0
    for job in jobs():
        try:
            job(now or timezone.now())
            ok += 1
        except Exception:
            log.exception("periodic job %s failed", getattr(job, "__name__", job))
            close_old_connections()
    return ok


def loop(stop: threading.Event, interval=5.0):
    """Run the jobs every `interval` seconds until `stop` is set."""
    try:
        while not stop.is_set():
            run_due()
            stop.wait(interval)
    finally:
        connection.close()
