"""Settings, read from the environment so one build serves development, tests and production.

Environment variables:
  DATABASE_URL   PostgreSQL URL; SQLite in var/ when unset.
  REDIS_URL      Redis for the channel layer and the cache; in-process when unset.
  SECRET_KEY     required when DEBUG is off.
  DEBUG          "1" for development.
  ALLOWED_HOSTS  comma-separated host names.
  TERTULIA_VAR   folder for the SQLite database and other local files (default ./var).
  TERTULIA_URL   the address members reach the dashboard at, for links in e-mails.
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
"""

import os
import secrets
import warnings
from pathlib import Path
from urllib.parse import unquote, urlsplit

import dj_database_url
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
    "tertulia.realtime",
    "tertulia.visitors",
    "tertulia.flows",
    "tertulia.notifications",
    "tertulia.conversations",
    "tertulia.privacy",
    "tertulia.widget",
    "tertulia.inbox",
    "tertulia.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "tertulia.accounts.middleware.MemberPreferencesMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
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
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "tertulia.accounts.context_processors.membership",
            ],
        },
    },
]

DATABASE_URL = os.environ.get("DATABASE_URL", "")
if DATABASE_URL:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=0)}
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": VAR_DIR / "tertulia.sqlite3",
            "OPTIONS": {
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
                "init_command": (
                    "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
                    "PRAGMA cache_size=-64000; PRAGMA mmap_size=268435456;"
                ),
            },
            # A file, so servers the tests start in other threads see the same database.
            "TEST": {"NAME": str(VAR_DIR / "test.sqlite3")},
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {"hosts": [REDIS_URL]},
        }
    }
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
    }
else:
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

# Where visitors are: see the variables above.
GEOIP_DATABASE = os.environ.get("TERTULIA_GEOIP_DATABASE", "")
PROXY_HEADER = os.environ.get("TERTULIA_PROXY_HEADER", "")
PROXY_HOPS = int(os.environ.get("TERTULIA_PROXY_HOPS", "1"))
DEMO_IP = os.environ.get("TERTULIA_DEMO_IP", "")

TERTULIA_URL = os.environ.get("TERTULIA_URL", "http://127.0.0.1:8000")
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

# The widget: new visitors per bot and IP, and messages per visitor, each per minute.
WIDGET_NEW_VISITORS_PER_MINUTE = 30
WIDGET_MESSAGES_PER_MINUTE = 60

AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "visitors:list"
LOGOUT_REDIRECT_URL = "accounts:login"
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
# Login throttling: tries per account and IP within the window.
LOGIN_MAX_ATTEMPTS = 10
LOGIN_WINDOW_SECONDS = 15 * 60

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
# Served by WhiteNoise straight from the package, so no collectstatic step is needed.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

MESSAGE_STORAGE = "django.contrib.messages.storage.session.SessionStorage"

# WhiteNoise hands Django a sync file iterator, which Django reads whole under ASGI: harmless for
# static files of a few kilobytes. Our own large responses (exports) stream asynchronously.
warnings.filterwarnings(
    "ignore", message="StreamingHttpResponse must consume synchronous iterators"
)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
}
