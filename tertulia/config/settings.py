"""Settings, read from the environment so one build serves development, tests and production.

Environment variables:
  DATABASE_URL   PostgreSQL URL; SQLite in var/ when unset.
  TERTULIA_DB_POOL_MAX     PostgreSQL connections each server or worker process keeps at most
                 (default 10; 0: no pool, a connection per request, e.g. behind PgBouncer).
  TERTULIA_DB_POOL_MIN     connections each process keeps open while idle (default 1).
  TERTULIA_DB_POOL_TIMEOUT seconds a request waits for a free connection (default 10).
  TERTULIA_CONCURRENT_REQUESTS  HTTP requests each server process works on at once (default 2;
                 0: no limit); the others wait their turn (core/concurrency.py).
  REDIS_URL      Redis for the channel layer and the cache; in-process when unset.
  TERTULIA_REDIS_PREFIX    prefix of every key Tertulia writes to Redis (default "tertulia"), for
                 several installations on one Redis.
  SECRET_KEY     required when DEBUG is off.
  DEBUG          "1" for development.
  ALLOWED_HOSTS  comma-separated host names.
  TERTULIA_VAR   folder for the SQLite database and other local files (default ./var).
  TERTULIA_URL   the address members reach the dashboard at, for links in e-mails; when unset,
                 links in account e-mails follow the request's address (notification e-mails,
                 sent by the worker without a request, then link to http://127.0.0.1:8000).
                 An https:// address is also trusted as the origin of forms (a proxy that ends
                 TLS forwards plain http), and cookies are then sent over https only.
  EMAIL_URL      smtp://user:password@host:port (smtp+tls:// for STARTTLS, smtps:// for TLS);
                 when unset, e-mails are written to var/outbox/ instead of being sent.
  EMAIL_FROM     the sender of notification e-mails.
  TERTULIA_GEOIP_DATABASE  a City database in MaxMind's format (DB-IP City Lite, GeoLite2 City,
                 GeoIP2 City) for visitors' locations; default: the DB-IP City Lite file that
                 installs with the project.
  TERTULIA_PROXY_HEADER    the header a trusted reverse proxy writes the client's address to
                 (e.g. X-Forwarded-For); unset: the socket's peer is the client.
  TERTULIA_PROXY_HOPS      how many trusted proxies append to that header (default 1).
  TERTULIA_DEMO_IP         use this address for visitors who come from loopback or private
                 addresses (to see locations on a development machine).
  TERTULIA_RATE_<NAME>     one of the RATE_LIMITS below, as "events" or "events/seconds"
                 (e.g. TERTULIA_RATE_LOGIN_PER_ACCOUNT=5/3600).
"""

import os
import secrets
import warnings
from pathlib import Path
from urllib.parse import unquote, urlsplit

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP
from django.utils.translation import gettext_lazy as _

PACKAGE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("TERTULIA_VAR", Path.cwd() / "var")).resolve()
VAR_DIR.mkdir(parents=True, exist_ok=True)

DEBUG = os.environ.get("DEBUG", "") == "1"


def _local_secret_key() -> str:
    """A key made once per installation and kept in var/, so `make run` needs no set-up."""
    key_file = VAR_DIR / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_urlsafe(50))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


SECRET_KEY = os.environ.get("SECRET_KEY") or _local_secret_key()

ALLOWED_HOSTS = [h for h in os.environ.get("ALLOWED_HOSTS", "localhost,127.0.0.1").split(",") if h]

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "django_htmx",
    "django_tasks_db",
    "channels",
    # Lowest layer first: each app imports only apps above it in this list (docs/ARCHITECTURE.md).
    "tertulia.core",
    "tertulia.accounts",
    "tertulia.team",
    "tertulia.realtime",
    "tertulia.visitors",
    "tertulia.flows",
    "tertulia.notifications",
    "tertulia.conversations",
    "tertulia.privacy",
    "tertulia.bulk",
    "tertulia.widget",
    "tertulia.inbox",
    "tertulia.demo",
    "tertulia.api",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "tertulia.core.compression.StaticFilesMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Last: synchronous only, so every middleware above runs synchronously too, on the
    # request's thread. Where an async-capable one sat below it, Django ran that one in the
    # event loop and each of its hooks with a hop to the thread and back (9 crossings a
    # request instead of 6, about 1.4 ms of CPU; tests/core/test_concurrency.py).
    "tertulia.accounts.middleware.MemberPreferencesMiddleware",
]

ROOT_URLCONF = "tertulia.config.urls"
ASGI_APPLICATION = "tertulia.config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [PACKAGE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.csp",
                "tertulia.core.context_processors.limits",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "tertulia.accounts.context_processors.membership",
                "tertulia.realtime.context_processors.dashboard_events",
            ],
        },
    },
]

DATABASE_URL = os.environ.get("DATABASE_URL", "")


def _pool_options(environ) -> dict | None:
    """psycopg's connection pool, one per process, from TERTULIA_DB_POOL_* (None: no pool).
    Connections return to it when a request or a socket's database call ends, so none is opened
    per request; a request finding all in use waits up to the timeout."""
    values = {}
    for name, default, low in (("MAX", "10", 0), ("MIN", "1", 0), ("TIMEOUT", "10", 1)):
        variable = f"TERTULIA_DB_POOL_{name}"
        raw = environ.get(variable, "").strip() or default
        try:
            values[name] = int(raw)
        except ValueError:
            values[name] = low - 1
        if values[name] < low:
            raise ImproperlyConfigured(f"{variable}={raw!r}: write a whole number, {low} or more.")
    if values["MAX"] == 0:
        return None
    return {
        "min_size": min(values["MIN"], values["MAX"]),
        "max_size": values["MAX"],
        "timeout": values["TIMEOUT"],
        "max_idle": 300,  # an idle connection above min_size closes after 5 minutes
        "max_lifetime": 3600,  # each connection is replaced after an hour
    }


if DATABASE_URL:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=0)}
    _postgres = DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"
    if _postgres and (pool := _pool_options(os.environ)) is not None:
        DATABASES["default"].setdefault("OPTIONS", {})["pool"] = pool
        # The pool checks a connection as it hands it out (an empty query), so one PostgreSQL
        # closed meanwhile (a restart, a failover) is replaced instead of failing a request.
        DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
        # Pooled connections last: the statements written for every message (core/rows.py)
        # are prepared on the second use. The ORM's queries bind on the client: never prepared.
        DATABASES["default"]["OPTIONS"]["prepare_threshold"] = 2
    # One test database per test process, so suites run side by side do not share it.
    DATABASES["default"]["TEST"] = {"NAME": f"test_{DATABASES['default']['NAME']}_{os.getpid()}"}
else:
    DATABASES = {
        "default": {
            # Django's SQLite backend, keeping the planner's statistics fresh (core/sqlite/).
            "ENGINE": "tertulia.core.sqlite",
            "NAME": VAR_DIR / "tertulia.sqlite3",
            # A request's thread is kept for the next one (core/concurrency.py), and so is its
            # connection, for a minute: opening and closing one cost about 1.2 ms a request.
            "CONN_MAX_AGE": 60,
            "OPTIONS": {
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
                "init_command": (
                    "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
                    "PRAGMA cache_size=-64000; PRAGMA mmap_size=268435456;"
                ),
            },
            # A file, so servers the tests start in other threads see the same database.
            # One per test process, so suites run side by side do not share it.
            "TEST": {"NAME": str(VAR_DIR / f"test-{os.getpid()}.sqlite3")},
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

_concurrent = os.environ.get("TERTULIA_CONCURRENT_REQUESTS", "").strip() or "2"
if not _concurrent.isdigit():
    raise ImproperlyConfigured(
        f"TERTULIA_CONCURRENT_REQUESTS={_concurrent!r}: write a whole number, 0 (no limit) or more."
    )
CONCURRENT_REQUESTS = int(_concurrent)

REDIS_URL = os.environ.get("REDIS_URL", "")
REDIS_PREFIX = os.environ.get("TERTULIA_REDIS_PREFIX", "").strip() or "tertulia"
if REDIS_URL:
    # channels_redis' layer with timeouts that outlast its blocking reads, a dropped connection
    # replaced at once, and sends that never fail a request (core/channel_layer.py).
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "tertulia.core.channel_layer.RedisChannelLayer",
            "CONFIG": {"hosts": [REDIS_URL], "prefix": f"{REDIS_PREFIX}:layer"},
        }
    }
    CACHES = {
        "default": {
            "BACKEND": "tertulia.core.cache.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": f"{REDIS_PREFIX}:cache",
        }
    }
else:
    CHANNEL_LAYERS = {"default": {"BACKEND": "tertulia.core.memory_layer.InMemoryChannelLayer"}}
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

# Where visitors are: see the variables above.
GEOIP_DATABASE = os.environ.get("TERTULIA_GEOIP_DATABASE", "")
PROXY_HEADER = os.environ.get("TERTULIA_PROXY_HEADER", "")
PROXY_HOPS = int(os.environ.get("TERTULIA_PROXY_HOPS", "1"))
DEMO_IP = os.environ.get("TERTULIA_DEMO_IP", "")

TERTULIA_URL = os.environ.get("TERTULIA_URL", "").strip()
if TERTULIA_URL.startswith("https://"):
    # Behind a reverse proxy that ends TLS, requests arrive over http while browsers send
    # "Origin: https://...": that origin is ours (otherwise every form would fail the CSRF
    # check), and cookies travel over https only.
    _site = urlsplit(TERTULIA_URL)
    CSRF_TRUSTED_ORIGINS = [f"{_site.scheme}://{_site.netloc}"]
    SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = True
DEFAULT_FROM_EMAIL = os.environ.get("EMAIL_FROM", "Tertulia <tertulia@localhost>")
EMAIL_URL = os.environ.get("EMAIL_URL", "")
if EMAIL_URL:
    _email = urlsplit(EMAIL_URL)
    MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {
                "host": _email.hostname or "localhost",
                "port": _email.port or (465 if _email.scheme == "smtps" else 25),
                "username": unquote(_email.username or ""),
                "password": unquote(_email.password or ""),
                "use_tls": _email.scheme == "smtp+tls",
                "use_ssl": _email.scheme == "smtps",
                "timeout": 10,
            },
        }
    }
else:
    MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.filebased.EmailBackend",
            "OPTIONS": {"file_path": str(VAR_DIR / "outbox")},
        }
    }


def _rate_limits(defaults: dict, environ) -> dict:
    """`defaults`, each overridden by TERTULIA_RATE_<NAME> when set: "10" (events, in the same
    window) or "10/900" (events per seconds)."""
    limits = dict(defaults)
    for name, (_events, seconds) in defaults.items():
        variable = f"TERTULIA_RATE_{name.upper()}"
        raw = environ.get(variable, "").strip()
        if not raw:
            continue
        events, slash, window = raw.partition("/")
        try:
            limits[name] = (int(events), int(window) if slash else seconds)
        except ValueError:
            limits[name] = (0, 0)
        if min(limits[name]) < 1:
            raise ImproperlyConfigured(
                f"{variable}={raw!r}: write a number of events, or events/seconds (like 10/900)."
            )
    return limits


# Rate limits, (events, seconds) each (core/ratelimit.py counts them); over a limit, HTTP answers
# 429 with Retry-After.
RATE_LIMITS = _rate_limits(
    {
        "login_per_account": (10, 15 * 60),  # failed logins per account and IP address
        "login_per_ip": (30, 15 * 60),  # failed logins per IP address, whatever the accounts
        "new_visitors_per_ip": (30, 60),  # new widget visitors per bot and IP address
        "messages_per_visitor": (60, 60),  # widget messages per visitor
        "messages_per_ip": (300, 60),  # widget messages per IP address, whatever the visitors
        "typing_per_visitor": (30, 60),  # typing signals per visitor (over it: dropped, or 429)
        "pages_per_visitor": (30, 60),  # page changes a visitor reports (over it: dropped)
        "password_reset_per_ip": (5, 15 * 60),  # "Forgot your password?" requests per IP address
        "password_reset_per_address": (3, 60 * 60),  # reset e-mails sent to one address
        "follow_up_emails_per_visitor": (6, 60 * 60),  # agents' replies e-mailed to a visitor
        "api_per_token": (600, 60),  # requests to /api/v1/ per API token
    },
    os.environ,
)

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = ["tertulia.accounts.backends.AccountBackend"]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "visitors:list"
LOGOUT_REDIRECT_URL = "accounts:login"
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator",
        "OPTIONS": {"user_attributes": ("email", "name")},
    },
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# How long a "Forgot your password?" link works (accounts/links.py).
PASSWORD_RESET_TIMEOUT = 60 * 60

# Database sessions that never look up a cookie which cannot be a session key.
SESSION_ENGINE = "tertulia.core.sessions"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "connect-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
    "form-action": [CSP.SELF],
}

LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("es", _("Spanish"))]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)
STATICFILES_DIRS = [PACKAGE_DIR / "static"]
# `tertulia collectstatic` copies the files to STATIC_ROOT, each also under a name with a hash of
# its content, with gzip and Brotli copies; WhiteNoise serves them by Accept-Encoding, the hashed
# names cached for a year (core/compression.py), the plain ones (addresses written in code) for a
# minute. With DEBUG, pages name the plain files and they are served from the package as they are.
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = DEBUG
WHITENOISE_AUTOREFRESH = DEBUG

MESSAGE_STORAGE = "django.contrib.messages.storage.session.SessionStorage"

# WhiteNoise hands Django a sync file iterator, which Django reads whole under ASGI: harmless for
# static files of a few kilobytes. Our own large responses (exports) stream asynchronously.
warnings.filterwarnings(
    "ignore", message="StreamingHttpResponse must consume synchronous iterators"
)

# Expected refusals (4xx) are one line each, without the traceback of the exception behind them
# (core/logging.py). A logger's filters see only its own records, not its children's: the console's
# filter covers the other django.security.* loggers.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"refusals": {"()": "tertulia.core.logging.RefusalsWithoutTraceback"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "filters": ["refusals"]}},
    "root": {"handlers": ["console"], "level": "WARNING"},
    "loggers": {
        name: {"filters": ["refusals"]}
        for name in ("django.request", "django.security", "django.security.DisallowedHost")
    },
}
