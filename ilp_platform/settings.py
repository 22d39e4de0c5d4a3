"""Settings for the ILP platform, read from environment variables.

ILP_ENV selects the profile:
- ``development`` (default): embedded default, SQLite + filesystem broker under ILP_DATA_DIR.
- ``production``: requires SECRET_KEY, ALLOWED_HOSTS, DATABASE_URL, REDIS_URL; secure cookies.
- ``test``: used by the test suite; like development with fast password hashing.
- ``build``: collectstatic in a container image build; nothing else.
Every value is validated here; a bad one stops start-up naming the variable.
"""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path
from typing import Any, TypedDict

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from ilp_platform.env import env_bool, env_choice, env_int, env_list, env_str, env_url

BASE_DIR = Path(__file__).resolve().parent.parent

ILP_ENV = env_choice("ILP_ENV", ("development", "production", "test", "build"), "development")
PRODUCTION = ILP_ENV == "production"

DATA_DIR = Path(env_str("ILP_DATA_DIR", str(BASE_DIR / ".data"))).resolve()
# Where numba keeps the compiled near-repeat kernel (read when numba is first imported, after
# the settings): under the data directory, which the platform may write, unless set.
os.environ.setdefault("NUMBA_CACHE_DIR", str(DATA_DIR / "numba-cache"))

if PRODUCTION:
    SECRET_KEY = env_str("SECRET_KEY", required=True)
    if len(SECRET_KEY) < 50 or len(set(SECRET_KEY)) < 5 or SECRET_KEY.startswith("django-insecure"):
        raise ImproperlyConfigured(
            "SECRET_KEY is too weak for production: use at least 50 random characters"
        )
    ALLOWED_HOSTS = env_list("ALLOWED_HOSTS")
    if not ALLOWED_HOSTS:
        raise ImproperlyConfigured("ALLOWED_HOSTS must be set in production (comma-separated)")
    DEBUG = False
else:
    # Development and test only: a fixed key is fine because nothing real is signed with it.
    SECRET_KEY = env_str("SECRET_KEY", "django-insecure-development-key-not-for-production-use")
    ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "testserver", "[::1]"])
    DEBUG = env_bool("DEBUG", False)

CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "guardian",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "csp",
    "ilp_platform.core",
    "ilp_platform.web",
    "ilp_platform.accounts",
    "ilp_platform.filestore",
    "audit",
    "oversight",
    "intelligence",
    "analysis",
    "tasking",
    "operations",
    "notifications",
    "sharing",
    "exchange",
    "subjectrequests",
    "dataprotection",
    "training",
]
# models.W040: SQLite has no covering indexes; it builds them without their INCLUDE columns
# (an index answers the same queries there, only reading the rows as well). On PostgreSQL they
# let access checks run from the index alone.
SILENCED_SYSTEM_CHECKS = ["models.W040"]

MIDDLEWARE = [
    "ilp_platform.web.middleware.HealthCheckMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    # After authentication: a signed-in person's own language over the browser's.
    "ilp_platform.accounts.middleware.UserLanguageMiddleware",
    "ilp_platform.web.middleware.RequestContextMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # After messages: both end or hold a session with a message for the person.
    "ilp_platform.accounts.middleware.SessionLifetimeMiddleware",
    "ilp_platform.accounts.middleware.TwoFactorMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, so it sees the lockout flag the authentication backend set during the view.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "ilp_platform.urls"
WSGI_APPLICATION = "ilp_platform.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "ilp_platform.web.context_processors.navigation",
                "training.context_processors.training_installation",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------
DATABASE_URL = env_url("DATABASE_URL", ("postgres", "postgresql", "sqlite"), required=PRODUCTION)
DATABASES: dict[str, Any]
if ILP_ENV == "build":
    DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}}
elif DATABASE_URL:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60)}
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
else:
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": DATA_DIR / "ilp.sqlite3",
            # WAL lets the web server read while the worker writes.
            "OPTIONS": {
                "timeout": 30,
                "transaction_mode": "IMMEDIATE",
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            },
            # A file, not memory, so a real worker process can share the test database.
            "TEST": {"NAME": str(DATA_DIR / "test.sqlite3")},
        }
    }
if DATABASES["default"]["ENGINE"].endswith("postgresql"):
    DATABASES["default"].setdefault("TEST", {})["NAME"] = env_str("TEST_DATABASE_NAME", "test_ilp")
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Auth -----------------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    # First: refuses a locked-out username+IP before any password is checked.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    "guardian.backends.ObjectPermissionBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
if ILP_ENV == "test":
    # Argon2 is deliberately slow; the suite creates many users.
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher", *PASSWORD_HASHERS]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "core:home"
LOGOUT_REDIRECT_URL = "accounts:login"
GUARDIAN_RAISE_403 = False
ANONYMOUS_USER_NAME = None  # no guardian anonymous user: anonymous sees nothing

# Sessions end after SESSION_IDLE_MINUTES without a request and SESSION_MAX_HOURS after login,
# whichever comes first (ilp_platform.accounts.middleware.SessionLifetimeMiddleware, which logs
# the person out with a message and records why). The cookie lives as long as the longest
# possible session, so the expiry is explained instead of silently dropping the cookie.
SESSION_IDLE_MINUTES = env_int("SESSION_IDLE_MINUTES", 30, minimum=1)
SESSION_MAX_HOURS = env_int("SESSION_MAX_HOURS", 12, minimum=1)
SESSION_ENGINE = "django.contrib.sessions.backends.db"
SESSION_COOKIE_AGE = SESSION_MAX_HOURS * 3600
SESSION_SAVE_EVERY_REQUEST = False  # the middleware saves the last-seen time once a minute
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"

# Two-factor authentication (TOTP, django-otp). Roles in TWO_FACTOR_ROLES must enrol when
# TWO_FACTOR_ENFORCED is on (default: on in production, off in development and test so the demo
# logs in with a password alone); anyone may enrol, and an enrolled person is always asked for
# a code after the password.
TWO_FACTOR_ENFORCED = env_bool("TWO_FACTOR_ENFORCED", PRODUCTION)
TWO_FACTOR_ROLES = env_list("TWO_FACTOR_ROLES", ["manager", "oversight", "administrator"])
OTP_TOTP_ISSUER = env_str("DEPLOYMENT_NAME", "ILP platform")
OTP_ADMIN_HIDE_SENSITIVE_DATA = True
# The most sensitive actions (audit log export, erasure, compartment grants) need the password
# (and the code when enrolled) confirmed within this many minutes.
REAUTH_MINUTES = env_int("REAUTH_MINUTES", 5, minimum=1)

# Brute force (django-axes): a username+IP pair is locked after AXES_FAILURE_LIMIT failed
# logins, for an escalating cool-off (see "Authentication hardening" below).
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5, minimum=1)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_COOLOFF_TIME = None
# Attempts while locked are refused and audited, not counted as new failures.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_RESET_ON_SUCCESS = True
AXES_ENABLE_ADMIN = False  # ilp_platform.accounts.admin registers an audited unlock instead
AXES_DISABLE_ACCESS_LOG = True  # the audit trail records every login already
AXES_CLIENT_IP_CALLABLE = "ilp_platform.web.middleware.client_ip"
AXES_LOCKOUT_CALLABLE = "ilp_platform.accounts.views.locked_out"
AXES_VERBOSE = False

# --- Internationalisation ---------------------------------------------------------------------
LANGUAGE_CODE = "en"
# The OSCE's six official languages, each named in itself (the switcher shows them so).
LANGUAGES = [
    ("en", "English"),
    ("fr", "Français"),
    ("de", "Deutsch"),
    ("it", "Italiano"),
    ("ru", "Русский"),
    ("es", "Español"),
]
LOCALE_PATHS = [BASE_DIR / "locale"]
# Each language's own day-first date shape and number separators on pages, in forms and PDFs;
# ISO 8601 in CSV files and the API (ilp_platform/formats/<lang>/formats.py; docs/dates.md).
FORMAT_MODULE_PATH = ["ilp_platform.formats"]
TIME_ZONE = env_str("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

# --- Static and uploaded files ------------------------------------------------------------------
STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(BASE_DIR / "staticfiles")))
# Files the web and the worker share (uploaded imports) go through storages["default"], so
# they may run on different hosts: STORAGE_BACKEND=filesystem (under ILP_DATA_DIR, the
# embedded default; production only with STORAGE_FILESYSTEM_SINGLE_HOST=true), database
# (the production default) or s3 (S3_BUCKET, S3_ENDPOINT_URL...). See ilp_platform/filestore.
from ilp_platform.filestore import config as filestore_config  # noqa: E402

STORAGE_BACKEND, _SHARED_FILES = filestore_config.default_storage(
    production=PRODUCTION, data_dir=DATA_DIR
)
STORAGES = {
    "default": _SHARED_FILES,
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION or ILP_ENV == "build"
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
# Uploads live outside the web root and are never served directly (filesystem: here).
MEDIA_ROOT = DATA_DIR / "uploads"
# Outside production, serve static files straight from the source folders (no collectstatic).
WHITENOISE_USE_FINDERS = not PRODUCTION
WHITENOISE_AUTOREFRESH = ILP_ENV in ("development", "test")
MEDIA_URL = "/media-not-served/"
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
# Packages a partner's server may push to the exchange inbox per address (no account: DRF's
# throttle, counted in the cache).
EXCHANGE_PUSH_RATE = env_str("EXCHANGE_PUSH_RATE", "60/hour")

# --- REST API -------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # Token first, so a request without credentials answers 401 with WWW-Authenticate.
        "ilp_platform.accounts.authentication.TwoFactorTokenAuthentication",
        "ilp_platform.web.authentication.AuditedSessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "ilp_platform.web.pagination.DefaultCursorPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": ["ilp_platform.web.filters.RestrictedFilterBackend"],
    # drf-spectacular's schema, plus the error responses each operation can give.
    "DEFAULT_SCHEMA_CLASS": "ilp_platform.web.schema.ErrorDocumentingAutoSchema",
    "EXCEPTION_HANDLER": "ilp_platform.web.api.exception_handler",
    # The browsable API renders forms with every choice a field offers: handy in development,
    # off in production, where the API answers JSON only.
    "DEFAULT_RENDERER_CLASSES": [
        "rest_framework.renderers.JSONRenderer",
        *([] if PRODUCTION else ["rest_framework.renderers.BrowsableAPIRenderer"]),
    ],
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "ILP platform API",
    "DESCRIPTION": (
        "Intelligence-led policing platform. Consulting intelligence content requires the "
        "X-Justification header (428 without it); records outside your compartments answer "
        "404. Errors: 400 with a JSON object naming each bad field or query parameter and why "
        "(an unknown value of a parameter with listed values names the accepted ones), 401/403 "
        "for missing authentication or role, 409 when the record's state forbids a change, "
        "503 when the audit trail cannot be written. Lists are cursor-paginated (`results`, "
        "`next`). A query parameter sent with an empty value (`?kind=`) is the same as one "
        "left out: no filter, the default page size, the default format."
    ),
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "SCHEMA_PATH_PREFIX": "/api/v1",
    # Several fields are called ``kind``: name the entity kinds' enum after what it lists.
    "ENUM_NAME_OVERRIDES": {
        "EntityKindEnum": "intelligence.choices.EntityKind",
        "SubjectRequestKindEnum": "subjectrequests.choices.RequestKind",
        "SubjectHitKindEnum": "subjectrequests.choices.HitKind",
        "SubjectHitDecisionEnum": "subjectrequests.choices.Decision",
    },
}

# --- Celery -----------------------------------------------------------------------------------
REDIS_URL = env_url("REDIS_URL", ("redis", "rediss"), required=PRODUCTION)
BROKER_DIR = DATA_DIR / "broker"
CELERY_BROKER_TRANSPORT_OPTIONS: dict[str, Any]
if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
else:
    # Embedded default: kombu's filesystem transport, a real worker with no broker server.
    CELERY_BROKER_URL = "filesystem://"
    if ILP_ENV != "build":
        for folder in ("queue", "processed", "control"):
            (BROKER_DIR / folder).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(BROKER_DIR / "queue"),
        "data_folder_out": str(BROKER_DIR / "queue"),
        "processed_folder": str(BROKER_DIR / "processed"),
        "control_folder": str(BROKER_DIR / "control"),
        "store_processed": False,
    }
# The test suite runs tasks in-process unless a test asks for the real worker.
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", ILP_ENV == "test")
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_IGNORE_RESULT = True  # results live on the job row in the database
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = "UTC"
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BEAT_SCHEDULE_FILENAME = str(DATA_DIR / "celerybeat-schedule")
CELERY_BEAT_SCHEDULE = {
    "verify-audit-chain": {
        "task": "audit.tasks.verify_audit_chain",
        "schedule": timedelta(minutes=env_int("AUDIT_VERIFY_MINUTES", 60, minimum=1)),
    },
    "detect-audit-anomalies": {
        "task": "audit.tasks.detect_anomalies",
        "schedule": timedelta(hours=6),
    },
    # Delete uploaded import files that were never loaded, once they expire.
    "expire-import-files": {
        "task": "intelligence.tasks.expire_import_files",
        "schedule": timedelta(hours=1),
    },
    # Re-enqueue job rows a broker outage or a dead worker left behind.
    "sweep-background-jobs": {
        "task": "ilp_platform.core.tasks.sweep_jobs",
        "schedule": timedelta(seconds=env_int("JOB_SWEEP_SECONDS", 60, minimum=5)),
    },
}

# --- Authentication hardening: lockout cool-off, notices, two-factor enrolment codes ----------
# A locked username+IP pair waits out a cool-off that grows with each lockout in a row: the
# n-th waits the n-th entry of LOCKOUT_COOLOFF_MINUTES (the last entry repeats), and a pair
# without a lockout for LOCKOUT_RESET_HOURS starts again at the first. django-axes keeps
# counting failures (AXES_COOLOFF_TIME stays None); the handler below adds the cool-off.
from ilp_platform.accounts.config import env_minutes_ladder  # noqa: E402

AXES_HANDLER = "ilp_platform.accounts.axes_handler.EscalatingLockoutHandler"
LOCKOUT_COOLOFF_MINUTES = env_minutes_ladder("LOCKOUT_COOLOFF_MINUTES", [1, 5, 15, 60])
LOCKOUT_RESET_HOURS = env_int("LOCKOUT_RESET_HOURS", 24, minimum=1)
# Administrators see current lockouts on their home page and in the admin; with EMAIL_HOST set
# they are also e-mailed (at most every 15 minutes; counts only, no usernames).
EMAIL_HOST = env_str("EMAIL_HOST", "")
EMAIL_PORT = env_int("EMAIL_PORT", 25, minimum=1)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "ilp-platform@localhost")
# A content-free e-mail ("you have a new notification") beside each in-app notification.
NOTIFY_BY_EMAIL = env_bool("NOTIFY_BY_EMAIL", False)
# Roles that must use two-factor authentication (when enforced) enrol an authenticator only with
# a one-time code an administrator issues; it expires after this many hours and is withdrawn
# after this many wrong entries.
TWO_FACTOR_ENROLMENT_CODE_HOURS = env_int("TWO_FACTOR_ENROLMENT_CODE_HOURS", 72, minimum=1)
TWO_FACTOR_ENROLMENT_CODE_ATTEMPTS = env_int("TWO_FACTOR_ENROLMENT_CODE_ATTEMPTS", 5, minimum=1)
# Records the end of cool-offs and the expiry of enrolment codes as they happen.
CELERY_BEAT_SCHEDULE["expire-authentication-holds"] = {
    "task": "ilp_platform.accounts.tasks.expire_authentication_holds",
    "schedule": timedelta(minutes=1),
}

# --- Caches -----------------------------------------------------------------------------------
if REDIS_URL:
    CACHES = {
        "default": {
            # The broker's database: clearing the cache deletes the cache's keys only, never
            # the tasks waiting in the queue (ilp_platform/core/cache.py).
            "BACKEND": "ilp_platform.core.cache.BrokerSafeRedisCache",
            "LOCATION": REDIS_URL,
            # Parallel test processes (pytest-xdist) share one Redis: each keeps its own keys.
            "KEY_PREFIX": os.environ.get("PYTEST_XDIST_WORKER", "") if ILP_ENV == "test" else "",
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}


# --- Platform configuration -------------------------------------------------------------------
class IlpSettings(TypedDict):
    """The platform's own settings (``settings.ILP``), typed for every reader."""

    JUSTIFICATION_TTL: timedelta
    AUDIT_RETENTION_DAYS: int
    AUDIT_VERIFY_MINUTES: int
    WORKING_HOURS: tuple[int, int]
    DEPLOYMENT_NAME: str
    JOB_REQUEUE_SECONDS: int
    JOB_STALE_SECONDS: int
    MAP_TILE_URL: str
    MAP_TILE_ATTRIBUTION: str
    IMPORT_MAX_BYTES: int
    IMPORT_FILE_HOURS: int
    EVALUATION_TARGET_HOURS: int


ILP: IlpSettings = {
    # How long a stated justification stays in force in the browser.
    "JUSTIFICATION_TTL": timedelta(minutes=env_int("JUSTIFICATION_TTL_MINUTES", 60, minimum=1)),
    "AUDIT_RETENTION_DAYS": env_int("AUDIT_RETENTION_DAYS", 3 * 365, minimum=1),
    "AUDIT_VERIFY_MINUTES": env_int("AUDIT_VERIFY_MINUTES", 60, minimum=1),
    "WORKING_HOURS": (env_int("WORKING_HOUR_START", 7), env_int("WORKING_HOUR_END", 19)),
    "DEPLOYMENT_NAME": env_str("DEPLOYMENT_NAME", "ILP platform"),
    # A job still queued this long after it was sent is sent again by the sweep.
    "JOB_REQUEUE_SECONDS": env_int("JOB_REQUEUE_SECONDS", 120, minimum=5),
    # A running job with no progress for this long is taken to have lost its worker.
    "JOB_STALE_SECONDS": env_int("JOB_STALE_SECONDS", 900, minimum=10),
    # Map tiles only when a tile server on the local network is configured (offline default).
    "MAP_TILE_URL": env_str("MAP_TILE_URL", ""),
    "MAP_TILE_ATTRIBUTION": env_str("MAP_TILE_ATTRIBUTION", ""),
    # Incident imports: the largest file accepted, and how long an unloaded upload is kept.
    "IMPORT_MAX_BYTES": env_int("IMPORT_MAX_MB", 2048, minimum=1) * 1024 * 1024,
    "IMPORT_FILE_HOURS": env_int("IMPORT_FILE_HOURS", 72, minimum=1),
    # A submitted report should be evaluated within this many hours; the evaluation queue marks
    # the ones waiting longer as overdue.
    "EVALUATION_TARGET_HOURS": env_int("EVALUATION_TARGET_HOURS", 72, minimum=1),
}

# Data-subject requests: the answer is due this long after receipt ("1 month", "30 days");
# read and checked at start-up by subjectrequests.deadlines.
SUBJECT_REQUEST_DEADLINE = env_str("SUBJECT_REQUEST_DEADLINE", "1 month")

# Aggregate figures drawn from the units below (sharing.aggregates): a count below this is
# shown as "fewer than N", never as the number.
AGGREGATE_SUPPRESSION_THRESHOLD = env_int("AGGREGATE_SUPPRESSION_THRESHOLD", 5, minimum=1)

# Purpose checks: flag a person whose free-text justifications (no operation, requirement or
# tasking named) exceed this share of a day's consultations (checked when the check runs).
ANOMALY_FREE_TEXT_SHARE = env_str("ANOMALY_FREE_TEXT_SHARE", "0.5")

# Partner exchange: overrides of the mapping between grading schemes, a JSON object merged over
# the defaults of exchange/grading_map.py (read when a package is built).
ILP_EXCHANGE_GRADING_MAP = env_str("ILP_EXCHANGE_GRADING_MAP", "")

# --- Audit checkpoints and value digests (see audit/checkpoints.py, audit/personal_data.py) ---
from audit import config as audit_config  # noqa: E402

# Every successful verification appends the chain head here (append-only, self-chained).
AUDIT_CHECKPOINT_FILE = audit_config.checkpoint_file(env_str("AUDIT_CHECKPOINT_FILE", ""), DATA_DIR)
# Each checkpoint is also sent to syslog (RFC 5424) when set: host:port (UDP) or a socket path.
AUDIT_SYSLOG_ADDRESS = audit_config.syslog_address(env_str("AUDIT_SYSLOG_ADDRESS", ""))
# Keys the digests that stand for personal values in audit events (default: from SECRET_KEY).
AUDIT_VALUE_KEY = audit_config.value_key(env_str("AUDIT_VALUE_KEY", ""), SECRET_KEY)

# --- Security -------------------------------------------------------------------------------
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"


def _tile_origin(url: str) -> str:
    """The origin of the configured map tile server, for img-src ('' when none is set).

    Leaflet's ``{s}`` subdomain placeholder becomes a CSP host wildcard.
    """
    if not url:
        return ""
    scheme, _, rest = url.partition("://")
    host = rest.split("/", 1)[0].replace("{s}", "*")
    if scheme not in ("http", "https") or not host or "{" in host:
        raise ImproperlyConfigured(
            f"MAP_TILE_URL={url!r} must be an http(s) URL such as https://tiles.example/{{z}}/{{x}}/{{y}}.png"
        )
    return f"{scheme}://{host}"


# Content-Security-Policy (django-csp): no inline script or style anywhere, no plugins, no
# framing, forms post only here. Pages pass data to scripts with json_script, and Swagger UI
# loads its start-up script from a URL (SpectacularSwaggerSplitView), so no nonce is needed.
_TILE_ORIGIN = _tile_origin(ILP["MAP_TILE_URL"])
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:", *([_TILE_ORIGIN] if _TILE_ORIGIN else [])],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "frame-ancestors": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
    }
}
if PRODUCTION:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000, minimum=0)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    if env_bool("ILP_BEHIND_TLS_PROXY", False):
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # WeasyPrint reports every CSS rule it skips; only real errors matter in the log.
        "weasyprint": {"level": "ERROR"},
        "fontTools": {"level": "WARNING"},
    },
}
