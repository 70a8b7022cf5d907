"""Gantian settings: one module, driven by environment variables.

The defaults are the embedded mode (SQLite in the project folder, Celery tasks run in-process),
so nothing but Python is needed to try the app. Production sets DATABASE_URL, CELERY_BROKER_URL,
SECRET_KEY, DEBUG=false and ALLOWED_HOSTS.
"""

from datetime import timedelta
from decimal import Decimal
from pathlib import Path

from celery.schedules import crontab
from django.utils.csp import CSP
from django.utils.translation import gettext_lazy as _
from environs import Env

BASE_DIR = Path(__file__).resolve().parent.parent

env = Env()
env.read_env(BASE_DIR / ".env", recurse=False)

DEBUG = env.bool("DEBUG", True)

if DEBUG:
    SECRET_KEY = env.str("SECRET_KEY", "django-insecure-gantian-development-only-key-0123456789")
else:
    # No default: a production deployment must bring its own secret.
    SECRET_KEY = env.str("SECRET_KEY")

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", [])

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
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "rules.apps.AutodiscoverRulesConfig",
    "simple_history",
    "import_export",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "collective",
    "land",
    "books",
    "dividends",
    "association",
    "membership",
    "assets",
    "desk",
    "portal",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "collective.middleware.SecondFactorRequiredMiddleware",
    "collective.middleware.PasswordChangeRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Last, as django-axes asks, so it sees the outcome of every login attempt.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

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
                "desk.context_processors.notifications",
            ],
            "builtins": ["collective.templatetags.money"],
        },
    }
]

DATABASES = {
    "default": env.dj_db_url("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", 0)
DATABASES["default"]["ATOMIC_REQUESTS"] = False

# One cache for every web process: the API's throttles count a key's requests across all of them,
# and sessions are read from it before the database. Production runs several processes, so it must
# set CACHE_URL (Redis); the embedded mode keeps the one process's memory.
CACHE_URL = env.str("CACHE_URL", "") if DEBUG else env.str("CACHE_URL")
if CACHE_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": CACHE_URL}}
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "collective.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "rules.permissions.ObjectPermissionBackend",
    "collective.auth_backends.PasswordBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
PASSWORD_HASHERS = env.list(
    "PASSWORD_HASHERS",
    [
        "django.contrib.auth.hashers.PBKDF2PasswordHasher",
        "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    ],
)
# The second factor (django-otp): the issuer shown in the authenticator app beside the user name.
OTP_TOTP_ISSUER = env.str("OTP_TOTP_ISSUER", "Gantian")
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Lock a user name on one address after repeated failures: a single farmer mistyping cannot
# lock out everyone who shares the village office's terminal. Wider limits on a user name from any
# address and on an address for any user name stop password spraying (collective/login_limits.py).
AXES_HANDLER = "collective.login_limits.LoginLimitHandler"
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", 5)
AXES_USERNAME_FAILURE_LIMIT = env.int("AXES_USERNAME_FAILURE_LIMIT", 10)
AXES_IP_FAILURE_LIMIT = env.int("AXES_IP_FAILURE_LIMIT", 30)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_IPWARE_PROXY_COUNT = env.int("AXES_PROXY_COUNT", 0)

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
# Front-end libraries come from the npm registry (package.json) and are served by the app:
# a village office may have no internet, so nothing is loaded from a CDN.
STATICFILES_DIRS = [
    BASE_DIR / "static",
    ("vendor/htmx", BASE_DIR / "node_modules" / "htmx.org" / "dist"),
    ("vendor/pico", BASE_DIR / "node_modules" / "@picocss" / "pico" / "css"),
    ("vendor/echarts", BASE_DIR / "node_modules" / "echarts" / "dist"),
    ("vendor/leaflet", BASE_DIR / "node_modules" / "leaflet" / "dist"),
]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = DEBUG
MEDIA_ROOT = env.path("MEDIA_ROOT", BASE_DIR / "media")
MEDIA_URL = "media/"

# Personal data (resident ID and bank account numbers) is encrypted at rest with this key and
# looked up through a keyed hash. Production must set both; losing them loses the data.
if DEBUG:
    PII_ENCRYPTION_KEY = env.str("PII_ENCRYPTION_KEY", "3q2-7wuxhdQnXhN1bz2lLzI2ZB1vJ8oR0cQwV6P4mYk=")
    PII_HASH_KEY = env.str("PII_HASH_KEY", "gantian-development-hash-key")
else:
    PII_ENCRYPTION_KEY = env.str("PII_ENCRYPTION_KEY")
    PII_HASH_KEY = env.str("PII_HASH_KEY")

# Backups (manage.py backup / restore, and daily on beat): archives are encrypted with this Fernet key,
# kept apart from the backups. Without it the commands refuse to run. docs/operations.md.
BACKUP_ENCRYPTION_KEY = env.str("BACKUP_ENCRYPTION_KEY", "")
BACKUP_DIR = env.path("BACKUP_DIR", BASE_DIR / "backups")
BACKUP_KEEP_DAYS = env.int("BACKUP_KEEP_DAYS", 14)

# Security. Behind a proxy that terminates TLS and sets X-Forwarded-Proto.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", not DEBUG)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", 0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = not DEBUG
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", 60 * 60 * 8)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
# Content-Security-Policy, enforced on every response: scripts, styles, fonts and images come from
# the app itself and nowhere else, and nothing inline runs (no <script> blocks, no on* handlers, no
# style attributes; page data goes through json_script). data: images are Pico's icons and the
# second-factor QR code.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}
X_FRAME_OPTIONS = "DENY"

# Celery. Without a broker, tasks run in-process (the embedded mode).
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", "")
CELERY_RESULT_BACKEND = env.str("CELERY_RESULT_BACKEND", "") or None
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", not CELERY_BROKER_URL)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = 30 * 60
CELERY_TASK_SOFT_TIME_LIMIT = 25 * 60
# Redis redelivers a task not acknowledged within this time: keep it above the longest task.
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", 60 * 60)}
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULE = {
    # Every 5 minutes (https://crontab.guru/#*/5_*_*_*_*): shows on /health/ that beat and a worker run.
    "heartbeat": {"task": "collective.record_heartbeat", "schedule": 300.0, "args": ["beat"]},
    # Daily at 01:30 (https://crontab.guru/#30_1_*_*_*): contract statuses, expiring contracts, overdue rent,
    # then the DAILY_REMINDERS below (the contracts ledger's) in the same job.
    "land-reminders": {"task": "land.mark_reminders", "schedule": crontab(hour=1, minute=30)},
    # Daily at 02:30 (https://crontab.guru/#30_2_*_*_*): an encrypted backup, older ones pruned (docs/operations.md).
    "backup": {"task": "collective.backup", "schedule": crontab(hour=2, minute=30)},
    # Every 5 minutes: a distribution run that stopped moving (a lost message) gets its pending step again.
    "resume-stalled-runs": {"task": "dividends.resume_stalled_runs", "schedule": 300.0},
}

# Other apps' reminders run by land's daily job after its own (dotted paths of `f(*, today) -> dict`);
# land cannot import the apps above it, so they are named here.
DAILY_REMINDERS = ["assets.services.mark_contract_reminders"]
# Parcel boundaries (assets): an overlap with a neighbour up to this many m² is a digitising sliver, and the
# area measured from a boundary may differ from the declared mu by at most this percentage.
ASSETS_BOUNDARY_OVERLAP_TOLERANCE_M2 = env.decimal("ASSETS_BOUNDARY_OVERLAP_TOLERANCE_M2", Decimal(1))
ASSETS_BOUNDARY_AREA_TOLERANCE_PERCENT = env.decimal("ASSETS_BOUNDARY_AREA_TOLERANCE_PERCENT", Decimal(5))

# The yearly distribution (dividends). County rules bound every policy (DESIGN.md §3, step 5);
# a county with other rules sets these. Distributing from a loss or from borrowed money is refused
# by the computation itself (docs/distribution.md).
DIVIDENDS_MIN_RESERVE_AND_WELFARE_RATE = env.decimal("DIVIDENDS_MIN_RESERVE_AND_WELFARE_RATE", Decimal("0.30"))
DIVIDENDS_MAX_MEMBER_DIVIDEND_RATE = env.decimal("DIVIDENDS_MAX_MEMBER_DIVIDEND_RATE", Decimal("0.60"))
DIVIDENDS_MIN_NOTICE_DAYS = env.int("DIVIDENDS_MIN_NOTICE_DAYS", 7)
# Holders per chunk task: a chunk takes seconds, and a million households make a flat group of ~50 tasks.
DIVIDENDS_CHUNK_HOUSEHOLDS = env.int("DIVIDENDS_CHUNK_HOUSEHOLDS", 20000)
# A computing run whose steps have not moved for this long says it is waiting for a worker.
DIVIDENDS_WORKER_WAIT_SECONDS = env.int("DIVIDENDS_WORKER_WAIT_SECONDS", 30)
# /health/ is not ok when the worker or beat has not recorded a heartbeat for this long (the beat
# schedules one every 5 minutes, and a worker records it; not checked in the embedded mode).
HEARTBEAT_MAX_AGE_SECONDS = env.int("HEARTBEAT_MAX_AGE_SECONDS", 15 * 60)

REST_FRAMEWORK = {
    # The API key first: a request without credentials then gets 401 with an `Api-Key` challenge.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "collective.authentication.ApiKeyAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "collective.api.AutoSchema",
    "DEFAULT_THROTTLE_CLASSES": ["collective.authentication.ApiKeyRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {
        "api_key": env.str("API_KEY_THROTTLE_RATE", "600/minute"),
        "api_session": env.str("API_SESSION_THROTTLE_RATE", "600/minute"),
    },
}
# The annual report flags an association whose collective income of the year is below this line
# as a weak village (集体经济薄弱村). ¥100,000 by default.
REPORTS_WEAK_VILLAGE_THRESHOLD_FEN = env.int("REPORTS_WEAK_VILLAGE_THRESHOLD_FEN", 10_000_000)
SPECTACULAR_SETTINGS = {
    # Translated: the schema and its documentation page speak the reader's language (Chinese by default).
    "TITLE": _("Gantian API"),
    "DESCRIPTION": _(
        "Read-only reporting API of the Gantian rural collective economy. Send `Authorization: Api-Key <key>` "
        "(keys are made by a township official) or use the site's log-in. Every list has a CSV form "
        "(`?format=csv`). Money is a yuan string with two decimals and integer fen beside it; areas are mu. "
        "Formulas, scopes and how to recompute a distribution run: docs/api.md."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    "ENUM_NAME_OVERRIDES": {"PoolKindEnum": "dividends.models.Pool.Kind"},
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", "INFO")},
    "loggers": {
        "axes": {"level": "WARNING"},
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
    },
}
