"""Settings, all from the environment.

SQLite (WAL) under var/ by default; PostgreSQL when DATABASE_URL is set
(postgres://user:pass@host:port/name or postgresql:///name?host=/socket/dir).
"""

from __future__ import annotations

import datetime as dt
import importlib.util
import os
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlparse

from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from shuniu.core import rates
from shuniu.core.generics import allow_admin_subscripting
from shuniu.core.logging import logging_config

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("SHUNIU_VAR_DIR", BASE_DIR / "var"))
VAR_DIR.mkdir(parents=True, exist_ok=True)


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    if not value:
        return default
    try:
        return int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {value!r}") from None


def env_rate(name: str, default: str) -> str:
    """A rate limit ("N/min", ..., or "off"); a malformed one stops the start, naming the
    setting, instead of failing the requests that count."""
    try:
        return rates.checked(name, os.environ.get(name, "").strip() or default)
    except ValueError as error:
        raise ImproperlyConfigured(str(error)) from None


def database_from_url(url: str) -> dict[str, Any]:
    parsed = urlparse(url)
    if parsed.scheme in {"postgres", "postgresql"}:
        query = parse_qs(parsed.query)
        host = query.get("host", [parsed.hostname or ""])[0]
        return {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": unquote(parsed.path.lstrip("/")) or "shuniu",
            "USER": unquote(parsed.username or ""),
            "PASSWORD": unquote(parsed.password or ""),
            "HOST": host,
            "PORT": str(parsed.port or query.get("port", [""])[0]),
            "CONN_MAX_AGE": 60,
            "TEST": {"NAME": "test_" + (unquote(parsed.path.lstrip("/")) or "shuniu")},
        }
    if parsed.scheme == "sqlite":
        path = unquote(parsed.path) or str(VAR_DIR / "shuniu.sqlite3")
        return sqlite_database(Path(path))
    raise ValueError(f"DATABASE_URL: unsupported scheme {parsed.scheme!r}")


def sqlite_database(path: Path) -> dict[str, Any]:
    return {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": str(path),
        # Kept open across the requests of a worker: opening a SQLite file costs little, but
        # closing the last connection checkpoints the WAL into the database file and removes
        # it, and the next write (a rate-limit count: every API request) makes it again with
        # a sync. Per request that was ~15 ms of a 1 ms cached response (issue 10).
        "CONN_MAX_AGE": 60,
        "CONN_HEALTH_CHECKS": True,
        "OPTIONS": {
            # WAL lets readers run while one writer writes; IMMEDIATE avoids
            # "database is locked" on read-then-write transactions.
            "transaction_mode": "IMMEDIATE",
            # The wait for another writer on the command line; web and API requests wait
            # SHUNIU_DB_REQUEST_TIMEOUT at most (shuniu.core.busy), then answer 503.
            "timeout": 20,
            # journal_size_limit: the WAL file is cut back to 64 MiB at each checkpoint, so a
            # large import does not leave a WAL file the size of everything it wrote.
            "init_command": (
                "PRAGMA journal_mode=WAL;PRAGMA synchronous=NORMAL;PRAGMA foreign_keys=ON;"
                "PRAGMA journal_size_limit=67108864;"
            ),
        },
    }


DEBUG = env_bool("SHUNIU_DEBUG", False)
SECRET_KEY = os.environ.get("SHUNIU_SECRET_KEY") or "dev-insecure-key-change-me-" + "x" * 24
ALLOWED_HOSTS = [
    h.strip()
    for h in os.environ.get("SHUNIU_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver").split(",")
    if h.strip()
]

# SHUNIU_PRODUCTION=1 turns on what `manage.py check --deploy` asks for (see the security
# section below) and refuses to start without a real secret key and the served host names.
PRODUCTION = env_bool("SHUNIU_PRODUCTION", False)
if PRODUCTION:
    _missing = [
        name
        for name in ("SHUNIU_SECRET_KEY", "SHUNIU_ALLOWED_HOSTS")
        if not os.environ.get(name, "").strip()
    ]
    if _missing:
        raise ImproperlyConfigured(
            "SHUNIU_PRODUCTION=1 needs " + " and ".join(_missing) + " in the environment"
        )
    if DEBUG:
        raise ImproperlyConfigured("SHUNIU_DEBUG must be off when SHUNIU_PRODUCTION=1")
    if len(SECRET_KEY) < 50 or len(set(SECRET_KEY)) < 5:
        raise ImproperlyConfigured(
            "SHUNIU_SECRET_KEY must be at least 50 random characters, e.g. the output of "
            "python3 -c 'import secrets; print(secrets.token_urlsafe(50))'"
        )
    # The ID-number key must not hang on SECRET_KEY (docs/keys.md).
    from shuniu.workforce.identity import DataKeyError, decode_data_key

    if not os.environ.get("SHUNIU_DATA_KEY", "").strip():
        raise ImproperlyConfigured(
            "SHUNIU_PRODUCTION=1 needs SHUNIU_DATA_KEY (urlsafe base64 of 32 random bytes, "
            "from: shuniu keys generate; see docs/keys.md)"
        )
    try:
        decode_data_key(os.environ["SHUNIU_DATA_KEY"])
    except DataKeyError as exc:
        raise ImproperlyConfigured(f"SHUNIU_DATA_KEY {exc}") from None

# Key for ID numbers (urlsafe base64 of >= 32 random bytes, `shuniu keys generate`): HKDF
# derives the encryption key and the matching-hash key from it. Previous keys (comma list)
# still decrypt and match until `shuniu keys rotate` has moved every row (docs/keys.md).
SHUNIU_DATA_KEY = os.environ.get("SHUNIU_DATA_KEY", "").strip()
SHUNIU_DATA_KEYS_PREVIOUS = os.environ.get("SHUNIU_DATA_KEYS_PREVIOUS", "")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "template_partials",
    "axes",
    "csp",
    "shuniu.core",
    "shuniu.accounts",
    "shuniu.divisions",
    "shuniu.registry",
    "shuniu.workforce",
    "shuniu.targets",
    "shuniu.procurement",
    "shuniu.stats",
    "shuniu.interop",
    "shuniu.demo",
    "shuniu.web",
]

# Apps that serve only HTTP requests: the admin (whose autodiscovery imports every app's
# admin module, and with them the services, forms and the ID-number cryptography), sessions,
# messages, static files, template tags, login lockout and CSP. A command that only reads
# and prints uses none of them: shuniu.cli sets SHUNIU_LEAN_START for such commands, and
# they start without these apps (issue 10: `shuniu stats` is mostly start-up).
WEB_ONLY_APPS = (
    "django.contrib.admin",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "template_partials",
    "axes",
    "csp",
)
if env_bool("SHUNIU_LEAN_START", False):
    INSTALLED_APPS = [app for app in INSTALLED_APPS if app not in WEB_ONLY_APPS]
else:
    # Before any admin module is imported (the admin's autodiscovery, at setup). A lean start
    # has no admin, and importing the admin's classes to patch them is most of what its
    # settings would cost.
    allow_admin_subscripting()

MIDDLEWARE = [
    # First, so that every response and every log line of a request carry its id.
    "shuniu.core.middleware.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # Static files (whitenoise) before sessions and the rest: they need none of it.
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # /healthz and /readyz, before the host check and sessions (shuniu.core.health).
    "shuniu.core.health.ProbeMiddleware",
    # Where the request's reads go (the read replica, when there is one), before anything
    # reads; it may serve a safe request again from the primary if the replica failed it.
    "shuniu.core.replica.ReplicaMiddleware",
    # Anonymous GET/HEAD under /api/ without a cookie or an Authorization header goes on to a
    # shorter chain of the entries below, without sessions, CSRF and messages (the user is
    # AnonymousUser) and with the CSP header from a policy built once: shuniu.core.lean.
    "shuniu.core.lean.LeanApiMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # Django's, without the lookup of a language in the path (no i18n_patterns here).
    "shuniu.core.lean.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # A database busy with another writer answers 503 + Retry-After, not 500.
    "shuniu.core.busy.BusyMiddleware",
    "csp.middleware.CSPMiddleware",
    # Last of the real ones, as django-axes requires: it turns a locked-out login into the
    # lockout page.
    "axes.middleware.AxesMiddleware",
    # Passes everything on; hands the lean path's chain (above) the view's handling.
    "shuniu.core.lean.LeanApiEnd",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

# django-ninja's templates and static files (the API's docs page) by their folder, not as an
# installed app: importing the package imports pydantic, the whole API machinery and Django's
# test client, which every command would then pay for on start (issue 10; docs/decisions.md).
_ninja_spec = importlib.util.find_spec("ninja")
if _ninja_spec is None or not _ninja_spec.submodule_search_locations:
    raise ImproperlyConfigured("django-ninja is not installed")
_NINJA_DIR = Path(next(iter(_ninja_spec.submodule_search_locations)))
STATICFILES_DIRS = [_NINJA_DIR / "static"]

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [_NINJA_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    }
]

if os.environ.get("DATABASE_URL"):
    DATABASES = {"default": database_from_url(os.environ["DATABASE_URL"])}
else:
    DATABASES = {"default": sqlite_database(VAR_DIR / "shuniu.sqlite3")}

# A streaming replica of the PostgreSQL primary (docs/deploy.md, "Read replicas"): safe reads
# of requests that have not written, and of the read-only commands, go there
# (shuniu.core.replica); writes, transactions and the client that just wrote stay on the primary.
if os.environ.get("DATABASE_REPLICA_URL", "").strip():
    if DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
        raise ImproperlyConfigured("DATABASE_REPLICA_URL needs DATABASE_URL on PostgreSQL")
    _replica = database_from_url(os.environ["DATABASE_REPLICA_URL"].strip())
    if _replica["ENGINE"] != "django.db.backends.postgresql":
        raise ImproperlyConfigured("DATABASE_REPLICA_URL must be a postgresql:// address")
    # A kept connection that died with the replica is noticed before a request uses it; a
    # replica that does not answer costs at most this many seconds before the primary serves.
    _replica["CONN_HEALTH_CHECKS"] = True
    _replica["OPTIONS"] = {"connect_timeout": 2}
    # Tests: no test database is created on the read-only standby; the alias points at the
    # primary's test database (the routing tests point it at the real standby themselves).
    _replica["TEST"] = {"MIRROR": "default"}
    DATABASES["replica"] = _replica
# Seconds a client stays on the primary after a request of its own wrote (read-your-own-writes).
SHUNIU_REPLICA_PIN_SECONDS = env_int("SHUNIU_REPLICA_PIN_SECONDS", 10)
if SHUNIU_REPLICA_PIN_SECONDS < 0:
    raise ImproperlyConfigured("SHUNIU_REPLICA_PIN_SECONDS must be 0 or more")

# SQLite has one writer at a time for the whole file, and a long import holds that lock for
# minutes. What every request may write (rate-limit counters, sessions, the cache) therefore
# lives in a second file beside it, with its own connection and its own lock; its tables are
# made on first use (shuniu.core.sidedb). PostgreSQL locks rows: there they stay in the one
# database. See docs/decisions.md, "Availability".
SIDE_DATABASE = "side"
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    _main = Path(DATABASES["default"]["NAME"])
    DATABASES[SIDE_DATABASE] = sqlite_database(
        _main.with_name(f"{_main.stem}.side{_main.suffix or '.sqlite3'}")
    )
DATABASE_ROUTERS = ["shuniu.core.sidedb.SideDatabaseRouter", "shuniu.core.replica.ReplicaRouter"]

# How long a web or API request waits for a database another process is writing (SQLite's
# busy timeout, PostgreSQL's lock_timeout) before it answers 503 with Retry-After; the
# command line keeps the long wait above. Seconds.
# float() also takes "inf" and "nan", which no busy timeout can be set from (each request
# would then quietly wait the command line's 20 s), and a negative number PostgreSQL refuses.
try:
    SHUNIU_DB_REQUEST_TIMEOUT = float(os.environ.get("SHUNIU_DB_REQUEST_TIMEOUT", "") or 3)
    if not 0 <= SHUNIU_DB_REQUEST_TIMEOUT < 86400:
        raise ValueError
except ValueError:
    raise ImproperlyConfigured(
        "SHUNIU_DB_REQUEST_TIMEOUT must be a number of seconds, from 0 to less than a day"
    ) from None
SHUNIU_BUSY_RETRY_AFTER = env_int("SHUNIU_BUSY_RETRY_AFTER", 10)

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

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

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "src" / "shuniu" / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
# Files uploaded for import wait here between the dry run and the confirmation, which another
# worker (or, with several machines, another machine) may serve: it must be one directory for
# every process of the installation (docs/deploy.md, several machines).
SHUNIU_UPLOAD_DIR = Path(os.environ.get("SHUNIU_UPLOAD_DIR", "").strip() or VAR_DIR / "uploads")

# Static files are served by the application itself (whitenoise). In production from
# STATIC_ROOT as `collectstatic` (run by `shuniu serve`) leaves it: names carry a hash of the
# content, so they are cached for ten years, and each has gzip (and brotli, when the package is
# installed) siblings. Elsewhere straight from the apps' static/ folders, with no collectstatic
# and no manifest, so tests and `runserver` work from a fresh checkout.
if PRODUCTION:
    STORAGES = {
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
        "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
    }
else:
    WHITENOISE_USE_FINDERS = True
    WHITENOISE_AUTOREFRESH = True

# --- Security ---------------------------------------------------------------------------

AUTHENTICATION_BACKENDS = [
    # django-axes first: a locked-out username+address is refused before its password is tried.
    "shuniu.core.auth_backends.LockoutBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "web:login"
LOGIN_REDIRECT_URL = "web:overview"
LOGOUT_REDIRECT_URL = "web:overview"

# Lockout: after AXES_FAILURE_LIMIT failed logins for one username from one address, that
# pair is refused for the cool-off time (each further attempt restarts it). Kept in the
# database (axes' default handler), so it holds across processes.
AXES_FAILURE_LIMIT = env_int("SHUNIU_LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = dt.timedelta(minutes=env_int("SHUNIU_LOCKOUT_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "shuniu.web.views.accounts.locked_out"
AXES_CLIENT_IP_CALLABLE = "shuniu.core.ratelimit.client_ip"

# Reverse proxies in front of the app that append to X-Forwarded-For; 0 trusts no header and
# uses the connection's address (a client could otherwise claim any address).
SHUNIU_NUM_PROXIES = env_int("SHUNIU_NUM_PROXIES", 0)
NINJA_NUM_PROXIES = SHUNIU_NUM_PROXIES

# Rate limits ("N/s|min|hour|day", or "off"), counted in the database (shuniu.core.ratelimit)
# so that they hold across processes: login form posts per client address, and API requests
# per address (anonymous) or per user (session or bearer token).
SHUNIU_LOGIN_RATE = env_rate("SHUNIU_LOGIN_RATE", "30/min")
SHUNIU_API_ANON_RATE = env_rate("SHUNIU_API_ANON_RATE", "120/min")
SHUNIU_API_USER_RATE = env_rate("SHUNIU_API_USER_RATE", "600/min")

# No in-process state across requests (design rule): whatever uses Django's cache shares it
# through the database. The table is created by migration core.0002_security_tables (and on
# SQLite in the side database, by shuniu.core.sidedb, which the router sends it to).
_CACHE_MAX_ENTRIES = env_int("SHUNIU_CACHE_MAX_ENTRIES", 20000)
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": "shuniu_cache",
        # Every set counts the rows and culls a third above this: room for the statistics
        # of every region, date and language asked for between two writes.
        "OPTIONS": {"MAX_ENTRIES": _CACHE_MAX_ENTRIES},
    }
}
# Statistics are cached under the data version every write moves (shuniu.stats.cache), so an
# entry is never served after a write; this only bounds how long an unread one is kept.
# 0 turns the cache off.
SHUNIU_STATS_CACHE_SECONDS = env_int("SHUNIU_STATS_CACHE_SECONDS", 24 * 3600)
if SHUNIU_STATS_CACHE_SECONDS < 0 or _CACHE_MAX_ENTRIES < 1:
    raise ImproperlyConfigured(
        "SHUNIU_STATS_CACHE_SECONDS must be 0 (off) or more; SHUNIU_CACHE_MAX_ENTRIES 1 or more"
    )

# Sessions end after this much inactivity; every request moves the expiry forward. That is a
# write per request: on SQLite it goes to the side database (above), so logged-in pages read
# on while an import holds the main database.
SESSION_COOKIE_AGE = 60 * env_int("SHUNIU_SESSION_IDLE_MINUTES", 30)
SESSION_SAVE_EVERY_REQUEST = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = False
CSRF_COOKIE_SAMESITE = "Lax"
CSRF_FAILURE_VIEW = "shuniu.web.views.accounts.csrf_failure"
CSRF_TRUSTED_ORIGINS = [
    o.strip() for o in os.environ.get("SHUNIU_CSRF_TRUSTED_ORIGINS", "").split(",") if o.strip()
]
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"

# Content-Security-Policy (django-csp 4): only our own files run or style the page; no inline
# script or style anywhere (data reaches scripts through json_script), nothing from the internet.
CSP_DIRECTIVES: dict[str, list[str] | bool] = {
    "default-src": [SELF],
    "script-src": [SELF],
    "style-src": [SELF],
    "img-src": [SELF, "data:"],
    "font-src": [SELF],
    "connect-src": [SELF],
    "object-src": [NONE],
    "base-uri": [NONE],
    "frame-ancestors": [NONE],
    "form-action": [SELF],
}
CONTENT_SECURITY_POLICY = {"DIRECTIVES": CSP_DIRECTIVES}

# Load balancers probe these over plain HTTP (shuniu.core.health).
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]

if PRODUCTION:
    SECURE_SSL_REDIRECT = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env_int("SHUNIU_HSTS_SECONDS", 60 * 60 * 24 * 365)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    if env_bool("SHUNIU_BEHIND_TLS_PROXY", False):
        # Only when a proxy that terminates TLS sets this header and strips a client's own.
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    CSP_DIRECTIVES["upgrade-insecure-requests"] = True

# Every line on stderr with the request id (`-` outside requests), as text or, with
# SHUNIU_LOG_FORMAT=json, one JSON object per line; `shuniu serve` gives gunicorn the same.
try:
    LOGGING = logging_config(
        fmt=os.environ.get("SHUNIU_LOG_FORMAT", "text").strip().lower() or "text",
        level=os.environ.get("SHUNIU_LOG_LEVEL", "WARNING").strip().upper() or "WARNING",
    )
except ValueError as exc:
    raise ImproperlyConfigured(str(exc)) from None

SHUNIU_SITE_NAME = _("Shuniu")

# The Chromium that prints the sector report to PDF: a path or a name on PATH; empty:
# `chromium` or `chromium-browser` on PATH (shuniu.interop.report_pdf).
SHUNIU_CHROMIUM = os.environ.get("SHUNIU_CHROMIUM", "").strip()
