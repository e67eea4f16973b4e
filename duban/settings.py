"""Settings for Duban.

Every value comes from an environment variable with a safe default, so that
`make run` works on a fresh machine and a deployment only sets variables.
See README.md ("配置") for the list.
"""

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def env(name, default=None):
    return os.environ.get(name, default)


def env_bool(name, default=False):
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name, default):
    value = os.environ.get(name)
    return int(value) if value not in (None, "") else default


# Production mode turns on every HTTPS and cookie hardening that
# `manage.py check --deploy` asks for. The local demo (`make run`) serves
# plain HTTP on 127.0.0.1 and leaves it off.
PRODUCTION = env_bool("DUBAN_PRODUCTION", False)
DEBUG = env_bool("DUBAN_DEBUG", False)

VAR_DIR = Path(env("DUBAN_VAR_DIR", str(BASE_DIR / "var")))

def installation_secret(variable, file_name, make, what):
    """A secret from the environment. Production requires it; a development
    installation gets a random one of its own, kept beside its database --
    never one written in the source."""
    value = env(variable)
    if value:
        return value
    if PRODUCTION:
        raise ImproperlyConfigured(f"生产模式必须设置环境变量 {variable}（{what}）")
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    path = VAR_DIR / file_name
    if not path.exists():
        path.write_text(make())
        path.chmod(0o600)
    return path.read_text().strip()


def _random_django_key():
    from django.core.management.utils import get_random_secret_key

    return get_random_secret_key()


SECRET_KEY = installation_secret("DUBAN_SECRET_KEY", "secret_key", _random_django_key, "签名密钥")
# SM4 keys for personal data at rest (duban.core.crypto): "id:32 hex digits",
# comma-separated, the first encrypting.
DUBAN_SM4_KEYS = installation_secret("DUBAN_SM4_KEYS", "sm4_keys", lambda: f"dev1:{os.urandom(16).hex()}",
                                     "个人信息加密密钥")

ALLOWED_HOSTS = [h.strip() for h in env("DUBAN_ALLOWED_HOSTS", "127.0.0.1,localhost").split(",") if h.strip()]
CSRF_TRUSTED_ORIGINS = [o.strip() for o in env("DUBAN_CSRF_TRUSTED_ORIGINS", "").split(",") if o.strip()]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_htmx",
    "axes",
    "django_tasks",
    "django_tasks_db",
    "ninja",  # the API docs' Swagger UI from its own static files, not a CDN
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "duban.core",
    "duban.neardup",
    "duban.org",
    "duban.journal",
    "duban.security",
    "duban.timelimits",
    "duban.clocks",
    "duban.notify",
    "duban.supervision",
    "duban.rectification",
    "duban.duty",
    "duban.portal",
    "duban.meetings",
    "duban.plans",
    "duban.documents",
    "duban.assessment",
    "duban.savedviews",
    "duban.accountability",
    "duban.api",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "duban.core.middleware.RequestContextMiddleware",
    # Before the security middlewares, which leave messages for the user.
    "django.contrib.messages.middleware.MessageMiddleware",
    "duban.security.middleware.IdleTimeoutMiddleware",
    "duban.security.middleware.SecondFactorMiddleware",
    "duban.security.middleware.PasswordExpiryMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "duban.api.middleware.RefuseNulMiddleware",
    # AxesMiddleware must be last.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "duban.urls"
WSGI_APPLICATION = "duban.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "duban" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "duban.core.context_processors.shell",
                "duban.timelimits.context_processors.calendar_banner",
                "duban.notify.context_processors.unread",
            ],
        },
    },
]

# Database: embedded SQLite (WAL, immediate transactions) unless DATABASE_URL
# names another server, e.g. postgres://duban:secret@db:5432/duban.
DATABASE_URL = env("DATABASE_URL")
if DATABASE_URL:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=env_int("DUBAN_DB_CONN_MAX_AGE", 60))}
    if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
        # No JIT compilation: the lists' queries are short, but PostgreSQL
        # prices their visibility subqueries high enough to spend 40 ms to
        # 1 s compiling each one (bench/bench_lists.py at a province's size).
        _options = DATABASES["default"].setdefault("OPTIONS", {})
        _options["options"] = (_options.get("options", "") + " -c jit=off").strip()
else:
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": env("DUBAN_SQLITE_PATH", str(VAR_DIR / "duban.sqlite3")),
            "OPTIONS": {
                # Writers take the lock at BEGIN, so two writers never
                # deadlock on a read-then-write upgrade.
                "transaction_mode": "IMMEDIATE",
                "timeout": 30,
                "init_command": (
                    "PRAGMA journal_mode=WAL;"
                    "PRAGMA synchronous=NORMAL;"
                    "PRAGMA foreign_keys=ON;"
                    "PRAGMA busy_timeout=30000;"
                ),
            },
        }
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

# Password policy (等保 2.0): length, three of four character classes,
# no reuse of the last N, expiry after N days.
PASSWORD_MIN_LENGTH = env_int("DUBAN_PASSWORD_MIN_LENGTH", 8)
PASSWORD_HISTORY_COUNT = env_int("DUBAN_PASSWORD_HISTORY", 5)
PASSWORD_MAX_AGE_DAYS = env_int("DUBAN_PASSWORD_MAX_AGE_DAYS", 90)
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    # Length, history and expiry follow the security policy in force
    # (duban.security.policy): these settings are its defaults.
    {"NAME": "duban.security.passwords.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "duban.security.passwords.CharacterClassValidator"},
    {"NAME": "duban.security.passwords.HistoryValidator"},
]

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Sessions live on the server (database); the idle timeout ends them there.
SESSION_ENGINE = "django.contrib.sessions.backends.db"
SESSION_IDLE_TIMEOUT = env_int("DUBAN_SESSION_IDLE_SECONDS", 30 * 60)
# A backstop only: IdleTimeoutMiddleware ends idle sessions (journaled, with a
# message), so the session row must outlive the idle timeout.
SESSION_COOKIE_AGE = max(env_int("DUBAN_SESSION_MAX_SECONDS", 12 * 3600), SESSION_IDLE_TIMEOUT)
SESSION_SAVE_EVERY_REQUEST = True
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True

# Login lockout per username (django-axes).
# The security administrator can change both at run time
# (duban.security.policy); these are the defaults.
LOCKOUT_FAILURES = env_int("DUBAN_LOCKOUT_FAILURES", 5)
LOCKOUT_MINUTES = env_int("DUBAN_LOCKOUT_MINUTES", 15)
AXES_FAILURE_LIMIT = "duban.security.policy.axes_failure_limit"
AXES_COOLOFF_TIME = "duban.security.policy.axes_cooloff_time"
# Per username only, deliberately: offices reach us through one NAT address,
# so counting failures per IP would lock a whole bureau out after a few typos.
# The username count cannot be dodged by rotating address, user agent or
# cookies. Hence axes.W006 ("no ip_address") is silenced below.
AXES_LOCKOUT_PARAMETERS = ["username"]
# A lockout lasts the cool-off time from the failure that caused it; attempts
# during the lockout are refused (and journaled) without extending it.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_CLIENT_IP_CALLABLE = "duban.security.policy.axes_client_ip"
SILENCED_SYSTEM_CHECKS = ["axes.W006"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "security/locked_out.html"
AXES_VERBOSE = False
AXES_IPWARE_PROXY_COUNT = env_int("DUBAN_PROXY_COUNT", 0) or None

# The second factor (duban.security.otp): TOTP for the three administrators,
# the 督查室 and the duty leaders, everyone when the policy says so. Off only
# for a trial installation.
DUBAN_SECOND_FACTOR = env_bool("DUBAN_SECOND_FACTOR", True)
OTP_TOTP_ISSUER = env("DUBAN_COUNTY_NAME", "示范县") + "督办平台"

# API tokens (duban.api): lifetime when none is given, requests per minute.
DUBAN_API_TOKEN_DAYS = env_int("DUBAN_API_TOKEN_DAYS", 365)
DUBAN_API_TOKEN_RATE = env_int("DUBAN_API_TOKEN_RATE", 120)

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文")]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = Path(env("DUBAN_STATIC_ROOT", str(VAR_DIR / "static")))
STATICFILES_DIRS = [BASE_DIR / "duban" / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if PRODUCTION
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = not PRODUCTION
if not PRODUCTION:
    STATIC_ROOT.mkdir(parents=True, exist_ok=True)

# Evidence files: generated names, outside every served directory.
# Counts of a list that took long to make (a province's office list) are
# kept this many seconds (0: always counted afresh); duban.supervision.queries.
DUBAN_LIST_COUNTS_CACHE = env_int("DUBAN_LIST_COUNTS_CACHE_SECONDS", 60)
# Verification leaves a signed checkpoint every this many events; the nightly
# run walks only the events after the newest one (verify_journal --full: all).
DUBAN_JOURNAL_CHECKPOINT_EVERY = env_int("DUBAN_JOURNAL_CHECKPOINT_EVERY", 100_000)
# The most rows one Excel import takes (problem ledgers and matters alike).
DUBAN_IMPORT_MAX_ROWS = env_int("DUBAN_IMPORT_MAX_ROWS", 20_000)
# An import of more rows than this runs in the background worker, with a progress bar.
DUBAN_IMPORT_BACKGROUND_ROWS = env_int("DUBAN_IMPORT_BACKGROUND_ROWS", 1000)

EVIDENCE_ROOT = Path(env("DUBAN_EVIDENCE_ROOT", str(VAR_DIR / "evidence")))
EVIDENCE_MAX_BYTES = env_int("DUBAN_EVIDENCE_MAX_MB", 50) * 1024 * 1024
# Uploads are checked by content (duban.core.uploads): a ZIP-based document
# may not expand past this size or hold more entries; a spreadsheet to import
# may not have more rows or columns (duban.core.xlsx_import).
DUBAN_UPLOAD_MAX_UNZIPPED_BYTES = env_int("DUBAN_UPLOAD_MAX_UNZIPPED_MB", 200) * 1024 * 1024
DUBAN_UPLOAD_MAX_ZIP_ENTRIES = env_int("DUBAN_UPLOAD_MAX_ZIP_ENTRIES", 5000)
DUBAN_IMPORT_MAX_ROWS = env_int("DUBAN_IMPORT_MAX_ROWS", 20000)
DUBAN_IMPORT_MAX_COLUMNS = env_int("DUBAN_IMPORT_MAX_COLUMNS", 100)

# Background work: the Django Tasks API with its queue in the same database.
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
# Long-running management commands that `manage.py run_all` starts beside the
# web server and `db_worker`, each as an argv list, e.g. ["sweep"].
DUBAN_BACKGROUND_COMMANDS = [["sweep"]]

# Time limits (TL-1..4): when a working day ends, how often another process
# re-reads the calendar, where a short limit's warning falls, how often the
# sweep looks for clocks that have passed their moments.
DUBAN_WORKDAY_END = env("DUBAN_WORKDAY_END", "23:59:59")
DUBAN_CALENDAR_RECHECK_SECONDS = float(env("DUBAN_CALENDAR_RECHECK_SECONDS", "2"))
DUBAN_SHORT_WARN_FRACTION = float(env("DUBAN_SHORT_WARN_FRACTION", "0.67"))
DUBAN_SWEEP_INTERVAL = float(env("DUBAN_SWEEP_INTERVAL", "1"))

# The duty roster (DUTY-3): when a duty shift starts and ends by default
# (a roster row may give its own times). An end not after the start is the
# next morning: 08:30-08:30 is the usual 24-hour duty, 18:00-08:00 a night.
DUBAN_DUTY_SHIFT_START = env("DUBAN_DUTY_SHIFT_START", "08:30")
DUBAN_DUTY_SHIFT_END = env("DUBAN_DUTY_SHIFT_END", "08:30")

# Outbox delivery (OUT-1): retries with exponential backoff, then "dead".
DUBAN_NOTIFY_MAX_ATTEMPTS = env_int("DUBAN_NOTIFY_MAX_ATTEMPTS", 6)
DUBAN_NOTIFY_BACKOFF_SECONDS = env_int("DUBAN_NOTIFY_BACKOFF_SECONDS", 60)
DUBAN_NOTIFY_CLAIM_SECONDS = env_int("DUBAN_NOTIFY_CLAIM_SECONDS", 300)
# The address people use to reach the site, for links in e-mails.
DUBAN_BASE_URL = env("DUBAN_BASE_URL", "")
# How long a robot or SMS gateway may take to answer (seconds).
DUBAN_NOTIFY_HTTP_TIMEOUT = float(env("DUBAN_NOTIFY_HTTP_TIMEOUT", "10"))
# The demo's local stand-in for the work-chat robots and the SMS gateway
# (`manage.py robot_receiver`, started by `make run`): where it listens and
# where the demo's channels point.
DUBAN_DEMO_RECEIVER_BIND = env("DUBAN_DEMO_RECEIVER_BIND", "127.0.0.1:8025")
DUBAN_DEMO_RECEIVER_URL = env("DUBAN_DEMO_RECEIVER_URL", "http://" + DUBAN_DEMO_RECEIVER_BIND)

EMAIL_BACKEND = env("DUBAN_EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend")
EMAIL_HOST = env("DUBAN_EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("DUBAN_EMAIL_PORT", 25)
EMAIL_HOST_USER = env("DUBAN_EMAIL_USER", "")
EMAIL_HOST_PASSWORD = env("DUBAN_EMAIL_PASSWORD", "")
EMAIL_USE_TLS = env_bool("DUBAN_EMAIL_TLS", False)
DEFAULT_FROM_EMAIL = env("DUBAN_EMAIL_FROM", "duban@localhost")

# Content security policy: everything from our own origin, nothing from a CDN.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
        "base-uri": ["'self'"],
    }
}

X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"

if PRODUCTION:
    SECURE_SSL_REDIRECT = env_bool("DUBAN_SSL_REDIRECT", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = env_int("DUBAN_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("DUBAN_LOG_LEVEL", "WARNING")},
}

# The county this installation serves (shown in the header and documents).
DUBAN_COUNTY_NAME = env("DUBAN_COUNTY_NAME", "示范县")
