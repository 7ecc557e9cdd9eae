"""Django settings for netbill.

Production reads everything from the environment (see README, "Configuration"):
DATABASE_URL, CELERY_BROKER_URL, SECRET_KEY, FIELD_ENCRYPTION_KEY, ALLOWED_HOSTS.
`make run` sets NETBILL_DEV=1, which allows the development defaults below.
"""

import os
import sys
import tempfile
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("NETBILL_VAR_DIR", BASE_DIR / "var"))
# The default SQLite database and broker live here: a fresh clone must be able to open them.
VAR_DIR.mkdir(parents=True, exist_ok=True)


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


TESTING = "pytest" in sys.modules or env_bool("NETBILL_TESTING")
DEV = env_bool("NETBILL_DEV")
DEBUG = env_bool("DEBUG", default=DEV)

# Development and test runs get fixed, clearly insecure keys; production must set them.
_DEV_SECRET = "dev-insecure-netbill-secret-key-never-use-in-production"  # noqa: S105
SECRET_KEY = os.environ.get("SECRET_KEY") or (_DEV_SECRET if (DEV or TESTING or DEBUG) else "")
if not SECRET_KEY:
    raise ImproperlyConfigured("SECRET_KEY must be set in production.")
# Fernet key (urlsafe base64 of 32 bytes) for router, gateway and SMS credentials.
_DEV_FERNET = "bmV0YmlsbC1kZXYtZmllbGQta2V5LTAwMDAwMDAwMDA="
FIELD_ENCRYPTION_KEY = os.environ.get("FIELD_ENCRYPTION_KEY") or (
    _DEV_FERNET if (DEV or TESTING or DEBUG) else ""
)
if not FIELD_ENCRYPTION_KEY:
    raise ImproperlyConfigured("FIELD_ENCRYPTION_KEY must be set in production.")

# The key of the recharge-card PIN hashes (HMAC-SHA256). Unset, it is derived from
# SECRET_KEY, so rotating SECRET_KEY would make unsold cards unredeemable: set it.
CARD_PIN_PEPPER = os.environ.get("CARD_PIN_PEPPER") or None

ALLOWED_HOSTS = [
    h.strip()
    for h in os.environ.get("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver").split(",")
    if h.strip()
]
CSRF_TRUSTED_ORIGINS = [
    o.strip() for o in os.environ.get("CSRF_TRUSTED_ORIGINS", "").split(",") if o.strip()
]

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_scopes",
    "django_celery_beat",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_filters",
    "django_tables2",
    "django_htmx",
    "axes",
    "hijack",
    "netbill.core",
    "netbill.tenancy",
    "netbill.accounts",
    "netbill.network",
    "netbill.catalog",
    "netbill.radius",
    "netbill.customers",
    "netbill.accounting",
    "netbill.billing",
    "netbill.payments",
    "netbill.portal",
    "netbill.monitoring",
    "netbill.reports",
    "netbill.api",
    "netbill.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "netbill.accounts.middleware.ApiKeyMiddleware",
    "hijack.middleware.HijackUserMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "axes.middleware.AxesMiddleware",
    # Last: everything below runs inside the tenant scope of the authenticated user.
    "netbill.core.middleware.TenantScopeMiddleware",
]

ROOT_URLCONF = "netbill.urls"
WSGI_APPLICATION = "netbill.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "netbill" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "netbill.core.context_processors.panel",
            ],
        },
    }
]

# Database: PostgreSQL from DATABASE_URL; an SQLite file for `make run` and `make test`
# on a machine without PostgreSQL.
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'netbill.sqlite3'}",
        conn_max_age=int(os.environ.get("DB_CONN_MAX_AGE", "0")),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"].setdefault("OPTIONS", {})
    # Web, worker and beat share the file in `make run`: wait for locks instead of failing.
    DATABASES["default"]["OPTIONS"].update({"timeout": 20, "transaction_mode": "IMMEDIATE"})
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "netbill.accounts.backends.UsernameOrMobileBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
if TESTING and not env_bool("NETBILL_TEST_ARGON2"):
    # Fixture users are many; argon2 is exercised by its own test (override_settings).
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher", *PASSWORD_HASHERS]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 8},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "reports:dashboard"
LOGOUT_REDIRECT_URL = "accounts:login"

# django-axes: lock a username (from one address) out after repeated failures.
AXES_FAILURE_LIMIT = int(os.environ.get("AXES_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = 0.5  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
# One failure counter per account, whether typed as username (any case) or mobile number.
AXES_USERNAME_CALLABLE = "netbill.accounts.backends.lockout_username"
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_VERBOSE = False

# django-hijack powers "Get Access"; our own rule decides who may enter whose panel.
HIJACK_PERMISSION_CHECK = "netbill.accounts.impersonation.may_get_access"
HIJACK_INSERT_BEFORE = None  # the panel's own top bar shows "Back to Group Admin"

LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("bn", _("Bengali"))]
LOCALE_PATHS = [BASE_DIR / "netbill" / "locale"]
TIME_ZONE = "UTC"  # stored in UTC; each tenant has its own zone for display and billing dates
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "netbill" / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(
    os.environ.get("MEDIA_ROOT")
    # Tests keep their uploads and job files out of the developer's var/.
    or (Path(tempfile.gettempdir()) / "netbill-test-media" if TESTING else VAR_DIR / "media")
)
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG or TESTING
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", default=not (DEBUG or TESTING or DEV))
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE

# The cache carries the live progress of background jobs between the worker and the web
# processes: Redis in production (NETBILL_CACHE_URL=redis://…), a file cache under
# VAR_DIR for `make run` (one machine), process memory in tests (tasks run eagerly).
NETBILL_CACHE_URL = os.environ.get("NETBILL_CACHE_URL", "")
if NETBILL_CACHE_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": NETBILL_CACHE_URL,
        }
    }
elif TESTING:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(VAR_DIR / "cache"),
        }
    }

# Celery: Redis or RabbitMQ in production; kombu's SQLAlchemy transport on an SQLite file
# for `make run` (no broker server to install).
# An empty CELERY_BROKER_URL (as CI matrices set it) means the default, like DATABASE_URL.
CELERY_BROKER_URL = (
    os.environ.get("CELERY_BROKER_URL") or f"sqla+sqlite:///{VAR_DIR / 'celery-broker.sqlite3'}"
)
# Tests run tasks inline (the broker round-trip has its own test on the real broker).
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", default=TESTING)
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TIMEZONE = "UTC"
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "netbill.accounts.api.authentication.ApiKeyAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "COERCE_DECIMAL_TO_STRING": True,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "netbill API",
    "DESCRIPTION": "The netbill REST API: every resource the panel has, with the same "
    "permissions and tenant scoping.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    # Two fields named "kind" with different choices (bill kinds, bill-run kinds).
    "ENUM_NAME_OVERRIDES": {
        "BillRunKindEnum": "netbill.billing.choices.BillRunKindChoices",
        "BillKindEnum": "netbill.billing.choices.BillKindChoices",
    },
}

DJANGO_TABLES2_TEMPLATE = "django_tables2/bootstrap5-responsive.html"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        "axes": {"level": "WARNING"},
        # 403 and 404 are answers, not incidents; keep tracebacks for real errors.
        "django.request": {"level": "ERROR"},
    },
}

# Platform: where a router reaches our RADIUS, tunnel ranges, etc. arrive with later issues.
NETBILL_DEFAULT_CURRENCY = "BDT"
NETBILL_DEFAULT_TIME_ZONE = "Asia/Dhaka"
NETBILL_DEFAULT_PHONE_REGION = "BD"

# Network (issue 3). Where routers reach our RADIUS server (Configure for RADIUS pushes it).
NETBILL_RADIUS_ADDRESS = os.environ.get("NETBILL_RADIUS_ADDRESS", "127.0.0.1")
# RADIUS (issue 4): the Acct-Interim-Interval every package group sends (seconds); a
# session without an update for 3 intervals is closed as stale. The walled-garden group's
# rate and address list. CoA/Disconnect: seconds to wait for the NAS, and retries.
NETBILL_RADIUS_INTERIM_INTERVAL = int(os.environ.get("NETBILL_RADIUS_INTERIM_INTERVAL", "300"))
NETBILL_RADIUS_STALE_INTERVALS = 3
NETBILL_SUSPENDED_RATE_LIMIT = "256k/256k"
NETBILL_SUSPENDED_ADDRESS_LIST = "suspended"
# Tests that change a customer with an open session on a loopback NAS and no fake NAS
# listening would otherwise wait out the full timeout.
NETBILL_COA_TIMEOUT = float(os.environ.get("NETBILL_COA_TIMEOUT", "0.3" if TESTING else "3"))
NETBILL_COA_RETRIES = int(os.environ.get("NETBILL_COA_RETRIES", "0" if TESTING else "1"))
# Imports (issue 5): the largest spreadsheet or CSV accepted, in bytes.
NETBILL_IMPORT_MAX_BYTES = int(os.environ.get("NETBILL_IMPORT_MAX_BYTES", str(10 * 1024 * 1024)))
# The platform's WireGuard server for routers behind NAT: one server for every ISP.
NETBILL_VPN_TUNNEL_RANGE = os.environ.get("NETBILL_VPN_TUNNEL_RANGE", "10.255.0.0/16")
NETBILL_VPN_SERVER_ENDPOINT = os.environ.get(
    "NETBILL_VPN_SERVER_ENDPOINT", "vpn.netbill.example:51820"
)
NETBILL_VPN_SERVER_LISTEN_PORT = int(os.environ.get("NETBILL_VPN_SERVER_LISTEN_PORT", "51820"))
# The server's WireGuard private key (base64). Development and tests use a fixed one.
NETBILL_VPN_SERVER_PRIVATE_KEY = os.environ.get("NETBILL_VPN_SERVER_PRIVATE_KEY") or (
    "oLm0Yh3B9mKzJq3x3pE1n6Q0kq5bq4yq0zZsWq1hQ2s=" if (DEV or TESTING or DEBUG) else ""
)
# RouterOS API timeouts (seconds): an unreachable router answers within 5 s.
NETBILL_ROUTEROS_CONNECT_TIMEOUT = float(os.environ.get("NETBILL_ROUTEROS_CONNECT_TIMEOUT", "4"))
NETBILL_ROUTEROS_READ_TIMEOUT = float(os.environ.get("NETBILL_ROUTEROS_READ_TIMEOUT", "4"))
