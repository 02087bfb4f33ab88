"""Settings of Маршрут: one module, read from the environment, with embedded defaults.

With no environment at all it runs on SQLite (WAL) under ``var/`` in the checkout, which is what
``marshrut demo`` and the tests need. Production sets ``DATABASE_URL``, ``SECRET_KEY``,
``ALLOWED_HOSTS`` and leaves ``DEBUG`` off; ``manage.py check --deploy`` is then clean.
"""

from __future__ import annotations

import sys
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from marshrut.lib.env import envbool, envint, envlist, envstr, kept_secret

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(envstr("MARSHRUT_VAR_DIR", str(BASE_DIR / "var")))
VAR_DIR.mkdir(parents=True, exist_ok=True)
TESTING = "pytest" in sys.modules

DEBUG = envbool("DEBUG", False)

# The embedded default (no DATABASE_URL) is one machine with its database under VAR_DIR: its key
# is generated there once and reused, so the demo and the CLI run with no environment at all.
# A deployment (DATABASE_URL) sets its own key: several servers must share it.
EMBEDDED = not envstr("DATABASE_URL")
SECRET_KEY = envstr("SECRET_KEY")
if not SECRET_KEY:
    if TESTING or (DEBUG and not EMBEDDED):
        SECRET_KEY = "insecure-development-key-only-for-demo-and-tests-do-not-deploy"
    elif EMBEDDED:
        SECRET_KEY = kept_secret(VAR_DIR / "secret_key")
    else:
        raise ImproperlyConfigured(
            "Не задан SECRET_KEY. С DATABASE_URL (рабочая установка) ключ подписи задаётся явно: "
            "50 и более случайных символов, одинаковый на всех серверах, например "
            "SECRET_KEY=\"$(python3 -c 'import secrets; print(secrets.token_urlsafe(50))')\". "
            "Для пробного запуска — DEBUG=1."
        )

ALLOWED_HOSTS = envlist("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = envlist("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "axes",
    "django_htmx",
    "django_tasks",
    "django_tasks_db",
    "ninja",
    "marshrut.lib",
    "marshrut.accounts",
    "marshrut.orgs",
    "marshrut.audit",
    "marshrut.web",
    # Domain apps, one line each, in the order their demo data builds on each other:
    "marshrut.diagnostics",
    "marshrut.plans",
    "marshrut.events",
    "marshrut.surveys",
    "marshrut.support",
    "marshrut.programmes",
    "marshrut.matching",
    "marshrut.networks",
    "marshrut.practices",
    "marshrut.analytics",
    "marshrut.notify",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "marshrut.web.middleware.ContentSecurityPolicyMiddleware",
    # Outside the session middleware, so that a session saved by a request counts as its write.
    "marshrut.lib.replica.PinAfterWriteMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # The region the request works in (URL or session) and its time zone: after the session and user.
    "marshrut.orgs.context.RegionMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "marshrut.urls"
WSGI_APPLICATION = "marshrut.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "marshrut.web.context.navigation",
                "marshrut.orgs.context.region_context",
            ],
            # Number-and-noun agreement is needed on every page: no {% load %} to forget.
            "builtins": ["marshrut.lib.plural"],
        },
    },
]

# Database: SQLite in WAL mode by default, PostgreSQL through DATABASE_URL.
DATABASES = {
    "default": dj_database_url.parse(
        envstr("DATABASE_URL", f"sqlite:///{VAR_DIR / 'marshrut.sqlite3'}"),
        conn_max_age=envint("DB_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Connections are kept per thread as on PostgreSQL (DB_CONN_MAX_AGE): opening the file and
    # running the PRAGMAs on every request cost a third of a cached page's time under wrk.
    DATABASES["default"]["OPTIONS"] = {
        # WAL lets the web process read while the worker writes; IMMEDIATE avoids lock upgrades.
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
        "PRAGMA busy_timeout=5000;",
        "transaction_mode": "IMMEDIATE",
    }
# A PostgreSQL streaming replica for the reads of dashboards, reports and their jobs
# (marshrut/lib/replica.py): used while it answers within REPLICA_CONNECT_TIMEOUT seconds and lags
# at most REPLICA_MAX_LAG_SECONDS, checked every REPLICA_CHECK_SECONDS; otherwise the primary.
REPLICA_MAX_LAG_SECONDS = envint("REPLICA_MAX_LAG_SECONDS", 5)
REPLICA_CHECK_SECONDS = envint("REPLICA_CHECK_SECONDS", 5)
if envstr("DATABASE_REPLICA_URL"):
    if DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
        raise ImproperlyConfigured(
            "DATABASE_REPLICA_URL задан, а основная база (DATABASE_URL) не PostgreSQL: "
            "реплика для чтения бывает только у PostgreSQL."
        )
    DATABASES["replica"] = dj_database_url.parse(
        envstr("DATABASE_REPLICA_URL"),
        conn_max_age=envint("DB_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
    DATABASES["replica"]["OPTIONS"] = {
        **DATABASES["default"].get("OPTIONS", {}),
        "connect_timeout": envint("REPLICA_CONNECT_TIMEOUT", 2),
    }
    # Tests create no database on the replica: it streams the primary's test database.
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
DATABASE_ROUTERS = ["marshrut.lib.replica.ReplicaRouter"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "accounts:login"

# Lock-out after repeated failed logins (per user name and address).
AXES_FAILURE_LIMIT = envint("LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = envint("LOGIN_COOLOFF_MINUTES", 15) / 60
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
# ...and one address across all user names, against password spraying (marshrut/accounts/lockout.py).
AXES_HANDLER = "marshrut.accounts.lockout.AddressAwareHandler"
LOGIN_ADDRESS_FAILURE_LIMIT = envint("LOGIN_ADDRESS_FAILURE_LIMIT", 20)
LOGIN_ADDRESS_WINDOW_MINUTES = envint("LOGIN_ADDRESS_WINDOW_MINUTES", 15)
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False
# How many reverse proxies of ours stand before the server and append to X-Forwarded-For:
# lockout and rate limits then count the visitor's address, not the proxy's (marshrut/lib/client.py).
TRUSTED_PROXIES = envint("TRUSTED_PROXIES", 0)
AXES_CLIENT_IP_CALLABLE = "marshrut.lib.client.client_address"

# The rate limit of public forms counts in the cache, and the dashboards keep their figures there
# (marshrut/lib/cache.py): a file cache is shared by all the web processes of one server
# (docs/deploy.md runs several), where the default would count and compute per process. Several
# servers share Redis (REDIS_URL, e.g. redis://127.0.0.1:6379/0).
REDIS_URL = envstr("REDIS_URL", "")
CACHES: dict[str, dict[str, object]] = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    if TESTING and not REDIS_URL
    else {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
    if REDIS_URL
    else {
        "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
        "LOCATION": str(VAR_DIR / "cache"),
        # The default 300 would cull a region's dashboards (a page per filter) too soon.
        "OPTIONS": {"MAX_ENTRIES": 5000},
    }
}

LANGUAGE_CODE = "ru"
LANGUAGES = [("ru", "Русский"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "marshrut" / "locale"]
TIME_ZONE = envstr("TIME_ZONE", "Asia/Yekaterinburg")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(envstr("STATIC_ROOT", str(BASE_DIR / "staticfiles")))
# Bootstrap and htmx come from the npm registry (package.json) and are served from here:
# regional networks are closed, so nothing is loaded from a CDN.
NODE_MODULES = BASE_DIR / "node_modules"
STATICFILES_DIRS = [
    ("vendor/bootstrap", NODE_MODULES / "bootstrap" / "dist"),
    ("vendor/htmx", NODE_MODULES / "htmx.org" / "dist"),
    # Written at install time by `python -m marshrut.analytics.bundle` from vl-convert.
    ("vendor/vega", BASE_DIR / "build" / "vega"),
]
# In development and tests static files are served from the finders, without collectstatic.
WHITENOISE_USE_FINDERS = DEBUG or TESTING
WHITENOISE_AUTOREFRESH = DEBUG or TESTING
MEDIA_URL = "media/"
MEDIA_ROOT = Path(envstr("MEDIA_ROOT", str(VAR_DIR / "media")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG or TESTING
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

# Uploads: each kind is refused above its limit before it is read (marshrut/lib/uploads.py).
IMPORT_MAX_BYTES = envint("IMPORT_MAX_BYTES", 10 * 1024 * 1024)
EVIDENCE_MAX_BYTES = envint("EVIDENCE_MAX_BYTES", 10 * 1024 * 1024)
CRITERIA_MAX_BYTES = envint("CRITERIA_MAX_BYTES", 1024 * 1024)
# Imports (marshrut/lib/imports.py): a registry or events file up to this size is checked in the
# upload request; a bigger one, and every results file, is checked by the worker.
IMPORT_INLINE_CHECK_BYTES = envint("IMPORT_INLINE_CHECK_BYTES", 2 * 1024 * 1024)
# An XLSX/DOCX/ODS is refused when its members really inflate to more than this («zip bomb»).
UPLOAD_MAX_UNPACKED_BYTES = envint("UPLOAD_MAX_UNPACKED_BYTES", 256 * 1024 * 1024)
# Effectiveness of mechanisms (marshrut/analytics/effectiveness.py): below this many deficits in
# the treated or the comparison group nothing is claimed («недостаточно данных»).
EFFECTIVENESS_MIN_GROUP = envint("EFFECTIVENESS_MIN_GROUP", 10)
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

EMAIL_BACKEND = envstr("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = envstr("EMAIL_HOST", "localhost")
EMAIL_PORT = envint("EMAIL_PORT", 25)
EMAIL_HOST_USER = envstr("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = envstr("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = envbool("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = envbool("EMAIL_USE_SSL", False)
DEFAULT_FROM_EMAIL = envstr("DEFAULT_FROM_EMAIL", "marshrut@localhost")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# Notifications (marshrut/notify, docs/notifications.md): the site's address for links in letters
# and bot messages, the hour digests leave (in the region's zone), how long a sender holds what
# it claimed, and the Telegram bot.
SITE_URL = envstr("SITE_URL", "")
NOTIFY_DIGEST_HOUR = envint("NOTIFY_DIGEST_HOUR", 7)
NOTIFY_LEASE_SECONDS = envint("NOTIFY_LEASE_SECONDS", 300)
TELEGRAM_BOT_TOKEN = envstr("TELEGRAM_BOT_TOKEN")
TELEGRAM_API_BASE = envstr("TELEGRAM_API_BASE", "https://api.telegram.org")
TELEGRAM_WEBHOOK_SECRET = envstr("TELEGRAM_WEBHOOK_SECRET")
# A 429 asking to wait this long or less is waited out in place; longer, the run stops the channel.
TELEGRAM_MAX_WAIT = envint("TELEGRAM_MAX_WAIT", 5)

TASKS = {
    "default": {
        "BACKEND": "django_tasks_db.DatabaseBackend",
        "QUEUES": ["default"],
    }
}
# Background jobs (marshrut/lib/jobs.py): a worker beats every JOB_BEAT_SECONDS; one on another
# server silent for JOB_LEASE_SECONDS counts as dead and its jobs are failed or run again; a
# queued job nobody took for JOB_QUEUE_HINT_SECONDS makes its page say that no worker runs.
JOB_BEAT_SECONDS = envint("JOB_BEAT_SECONDS", 5)
JOB_LEASE_SECONDS = envint("JOB_LEASE_SECONDS", 120)
JOB_QUEUE_HINT_SECONDS = envint("JOB_QUEUE_HINT_SECONDS", 15)

SESSION_COOKIE_AGE = envint("SESSION_COOKIE_AGE", 8 * 3600)
# Sessions are written through to the database and read from the cache: one query less per page.
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
# Scripts and style sheets only from our own server, no inline script. style="" attributes are
# allowed (style-src-attr): the templates size progress bars and columns with them, and an
# attribute runs no script; Bootstrap's CSS draws its icons from data: images.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; style-src-attr 'unsafe-inline'; "
    "img-src 'self' data:; font-src 'self'; connect-src 'self'; object-src 'none'; "
    "frame-ancestors 'none'; base-uri 'self'; form-action 'self'"
)
if not DEBUG:
    # Production: cookies only over HTTPS, HSTS, redirect to HTTPS (a proxy may terminate TLS).
    SESSION_COOKIE_SECURE = envbool("SESSION_COOKIE_SECURE", True)
    CSRF_COOKIE_SECURE = envbool("CSRF_COOKIE_SECURE", True)
    SECURE_SSL_REDIRECT = envbool("SECURE_SSL_REDIRECT", not TESTING)
    SECURE_HSTS_SECONDS = envint("SECURE_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = envbool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
    SECURE_HSTS_PRELOAD = envbool("SECURE_HSTS_PRELOAD", True)
    if envbool("BEHIND_TLS_PROXY", False):
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    # A 403 or 404 is one line: the visitor's mistake needs no traceback (marshrut/lib/logs.py).
    "filters": {"short_client_errors": {"()": "marshrut.lib.logs.ShortClientErrors"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "filters": ["short_client_errors"]}},
    "root": {"handlers": ["console"], "level": envstr("LOG_LEVEL", "WARNING")},
}

NINJA_PAGINATION_PER_PAGE = 100

# The REST API (docs/api.md): page sizes of its lists and the requests a user (or, before login,
# an address) may make; API_RATE_LIMIT empty switches the limit off.
API_PAGE_SIZE = envint("API_PAGE_SIZE", 100)
API_MAX_PAGE_SIZE = envint("API_MAX_PAGE_SIZE", 500)
API_RATE_LIMIT = envstr("API_RATE_LIMIT", "600/min")
