"""Settings for the test suite: the product's settings plus a probe model
that exercises the visibility module before business records exist."""

import os

os.environ.setdefault("DUBAN_VAR_DIR", os.path.join(os.path.dirname(os.path.dirname(__file__)), "var", "test"))

from duban.settings import *  # noqa: E402,F403
from duban.settings import INSTALLED_APPS, VAR_DIR  # noqa: E402

INSTALLED_APPS = [*INSTALLED_APPS, "tests.probe"]

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EVIDENCE_ROOT = VAR_DIR / "evidence"
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
ROOT_URLCONF = "tests.probe.urls"
DUBAN_LIST_COUNTS_CACHE = 0  # tests that keep counts switch it on themselves
# The calendar is reloaded at the start of every test (tests/conftest.py) and
# whenever a service changes it; the periodic version check, meant for other
# processes, would otherwise fall due at random points of a slow test and
# add its query to the counts that the query-count tests compare.
DUBAN_CALENDAR_RECHECK_SECONDS = 3600

# The second factor is tested where it is the subject (tests/security/test_second_factor.py).
DUBAN_SECOND_FACTOR = False
