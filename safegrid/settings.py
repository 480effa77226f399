"""Settings for safegrid, read from the environment.

SQLite under ./data by default; PostgreSQL when DATABASE_URL is set. In production
mode (SAFEGRID_DEBUG unset or 0) every secret must come from the environment.
"""

import os
import sys
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = Path(os.environ.get("SAFEGRID_DATA_DIR", BASE_DIR / "data"))


def env_bool(name, default=False):
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name, default):
    value = os.environ.get(name)
    return int(value) if value not in (None, "") else default


DEBUG = env_bool("SAFEGRID_DEBUG", False)
TESTING = env_bool("SAFEGRID_TESTING", "pytest" in sys.modules)
# `./run demo`: production behaviour (Chinese error pages, no debug pages) with the development
# defaults for secrets, hosts and static files, so the demo still needs nothing set.
DEMO = env_bool("SAFEGRID_DEMO", False)
LOCAL = DEBUG or TESTING or DEMO

SECRET_KEY = os.environ.get("SAFEGRID_SECRET_KEY", "")
if not SECRET_KEY:
    if LOCAL:
        SECRET_KEY = "insecure-development-key-never-use-in-production"
    else:
        raise ImproperlyConfigured(
            "SAFEGRID_SECRET_KEY is not set. In production mode every secret must come "
            "from the environment; set SAFEGRID_DEBUG=1 for a local development run."
        )

ALLOWED_HOSTS = [h for h in os.environ.get("SAFEGRID_ALLOWED_HOSTS", "").split(",") if h]
if LOCAL:
    ALLOWED_HOSTS += ["localhost", "127.0.0.1", "[::1]", "testserver"]
CSRF_TRUSTED_ORIGINS = [
    o for o in os.environ.get("SAFEGRID_CSRF_TRUSTED_ORIGINS", "").split(",") if o
]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "safegrid.core",
    "safegrid.audit",
    "safegrid.accounts",
    "safegrid.regions",
    "safegrid.registry",
    "safegrid.workcal",
    "safegrid.notifications",
    "safegrid.hazards",
    "safegrid.risk",
    "safegrid.tips",
    "safegrid.inspections",
    "safegrid.demo",
    "safegrid.ops",
]

MIDDLEWARE = [
    # First: /healthz, /readyz, /metrics answered before host checks and redirects; request metrics.
    "safegrid.ops.middleware.OpsMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "safegrid.core.middleware.RequestContextMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "safegrid.accounts.middleware.IdleTimeoutMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "safegrid.accounts.middleware.PasswordChangeRequiredMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "safegrid.urls"
WSGI_APPLICATION = "safegrid.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "safegrid" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "safegrid.core.context_processors.platform",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------
DATABASE_URL = os.environ.get("DATABASE_URL", "")
if DATABASE_URL:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60)}
    if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
        # Short OLTP queries: JIT compilation added 40-80 ms to county-wide list queries, and
        # parallel workers competed with the web workers for the CPUs (list p95 180 -> 87 ms, city
        # coverage 1.5 -> 0.8 s on 2 cores). SAFEGRID_PG_JIT=1 / SAFEGRID_PG_PARALLEL=1 leave the
        # server's settings alone (e.g. a database server with many cores of its own).
        pg_options = [] if env_bool("SAFEGRID_PG_JIT", False) else ["-c jit=off"]
        if not env_bool("SAFEGRID_PG_PARALLEL", False):
            pg_options.append("-c max_parallel_workers_per_gather=0")
        if pg_options:
            DATABASES["default"].setdefault("OPTIONS", {})["options"] = " ".join(pg_options)
        DATABASES["default"].setdefault("TEST", {})["NAME"] = os.environ.get(
            "SAFEGRID_TEST_DB_NAME", "test_safegrid"
        )
else:
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES = {
        "default": {
            # Django's SQLite backend, writers queued on a file lock (safegrid/core/sqlite_backend).
            "ENGINE": "safegrid.core.sqlite_backend",
            "NAME": os.environ.get("SAFEGRID_SQLITE_PATH", str(DATA_DIR / "safegrid.sqlite3")),
            "OPTIONS": {
                # IMMEDIATE takes the write lock at BEGIN, so two writers queue on the
                # busy timeout instead of failing with "database is locked" mid-way.
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
                "init_command": (
                    "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
                    "PRAGMA foreign_keys=ON; PRAGMA busy_timeout=20000;"
                ),
            },
            # Tests use a file, not Django's shared-cache in-memory database: with the live
            # server's threads, shared-cache table locks fail at once (SQLITE_LOCKED) instead
            # of waiting on the busy timeout, which made browser journeys flaky.
            "TEST": {"NAME": str(DATA_DIR / "test_safegrid.sqlite3")},
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Users, passwords, sessions (等保三级 practice) ----------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": env_int("SAFEGRID_PASSWORD_MIN_LENGTH", 8)},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "safegrid.accounts.validators.CharacterClassValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
SAFEGRID_LOCKOUT_FAILURES = env_int("SAFEGRID_LOCKOUT_FAILURES", 5)
SAFEGRID_LOCKOUT_MINUTES = env_int("SAFEGRID_LOCKOUT_MINUTES", 15)
SAFEGRID_IDLE_TIMEOUT_MINUTES = env_int("SAFEGRID_IDLE_TIMEOUT_MINUTES", 30)
SESSION_COOKIE_AGE = 12 * 3600  # absolute cap; the idle timeout is enforced by middleware
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = not LOCAL and env_bool("SAFEGRID_SECURE_COOKIES", True)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True

# --- Language and time ---------------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
# English follows once a catalog exists (docs/i18n.md); until then every browser gets Chinese.
LANGUAGES = [("zh-hans", "简体中文")]
LOCALE_PATHS = [BASE_DIR / "safegrid" / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

# --- Static files: front-end libraries come from node_modules (npm ci), never a CDN ---
STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
NODE_MODULES = BASE_DIR / "node_modules"
STATICFILES_DIRS = [BASE_DIR / "safegrid" / "static"] + [
    (f"vendor/{name}", NODE_MODULES / path)
    for name, path in [
        ("bootstrap", "bootstrap/dist"),
        ("bootstrap-icons", "bootstrap-icons/font"),
        ("htmx", "htmx.org/dist"),
        ("leaflet", "leaflet/dist"),
        ("leaflet.markercluster", "leaflet.markercluster/dist"),
        ("echarts", "echarts/dist"),
        ("swagger-ui", "swagger-ui-dist"),
    ]
    if (NODE_MODULES / path).exists()
]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if LOCAL
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
# Development and tests serve static files straight from the finders (no collectstatic).
WHITENOISE_USE_FINDERS = LOCAL
WHITENOISE_AUTOREFRESH = LOCAL
MEDIA_ROOT = Path(os.environ.get("SAFEGRID_MEDIA_ROOT", DATA_DIR / "media"))
MEDIA_URL = "media/"
# Excel/GeoJSON imports (docs/ledger-import.md): request size refused before parsing, row cap.
SAFEGRID_IMPORT_MAX_MB = env_int("SAFEGRID_IMPORT_MAX_MB", 20)
SAFEGRID_IMPORT_MAX_ROWS = env_int("SAFEGRID_IMPORT_MAX_ROWS", 100_000)
SAFEGRID_GRID_TOLERANCE_M2 = float(os.environ.get("SAFEGRID_GRID_TOLERANCE_M2", "1"))
# Safety-code regrade after hazard changes (docs/risk.md): queued, drained after the request once
# the oldest queued enterprise has waited this long; 0 grades right after each change.
SAFEGRID_REGRADE_DELAY_SECONDS = float(os.environ.get("SAFEGRID_REGRADE_DELAY_SECONDS", "0"))

# --- Map ----------------------------------------------------------------------------
# Empty means no basemap: polygons on a blank background (intranets have no internet).
# 天地图 example: https://t{s}.tianditu.gov.cn/vec_w/wmts?...&tk=YOUR_KEY
SAFEGRID_BASEMAP_URL = os.environ.get("SAFEGRID_BASEMAP_URL", "")
SAFEGRID_BASEMAP_ATTRIBUTION = os.environ.get("SAFEGRID_BASEMAP_ATTRIBUTION", "")

# --- API ----------------------------------------------------------------------------
REST_FRAMEWORK = {
    # Token first, so an anonymous call gets 401 with a WWW-Authenticate header.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "safegrid.accounts.authentication.CachedTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "safegrid.core.api.Pagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "safegrid.core.api.exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "safegrid API",
    "DESCRIPTION": "基层安全生产网格化监管平台 API. Errors: {code, field, message}.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # Swagger UI comes from npm (swagger-ui-dist), served as our own static files.
    "SWAGGER_UI_DIST": "/static/vendor/swagger-ui",
    "SWAGGER_UI_FAVICON_HREF": "/static/vendor/swagger-ui/favicon-32x32.png",
    "COMPONENT_SPLIT_REQUEST": True,
}

# --- Logs (docs/operations.md) --------------------------------------------------------
# To standard error (journald under systemd). SAFEGRID_LOG_FORMAT=json writes one JSON object per
# line; every line carries the request id (X-Request-ID, also in the audit trail and nginx's log).
SAFEGRID_LOG_FORMAT = os.environ.get("SAFEGRID_LOG_FORMAT", "plain")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "safegrid.ops.logs.RequestIdFilter"}},
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": "%(asctime)s %(levelname)s %(name)s %(request_id)s %(process)d %(message)s",
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger", "process": "pid"},
        },
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "filters": ["request_id"],
                             "formatter": "json" if SAFEGRID_LOG_FORMAT == "json" else "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("SAFEGRID_LOG_LEVEL", "INFO")},
}

# --- Operations (docs/operations.md) ----------------------------------------------------
# Bearer token that lets a monitoring system read /metrics and the details of /readyz (local callers
# on 127.0.0.1 without a proxy header always may).
SAFEGRID_MONITORING_TOKEN = os.environ.get("SAFEGRID_MONITORING_TOKEN", "")
# Backups (manage.py backup): where, and how many to keep (newest of each day / ISO week / month).
# Put the folder on another disk than the database and copy it off the machine (docs/operations.md).
SAFEGRID_BACKUP_DIR = Path(os.environ.get("SAFEGRID_BACKUP_DIR", DATA_DIR / "backups"))
SAFEGRID_BACKUP_KEEP_DAILY = env_int("SAFEGRID_BACKUP_KEEP_DAILY", 14)
SAFEGRID_BACKUP_KEEP_WEEKLY = env_int("SAFEGRID_BACKUP_KEEP_WEEKLY", 8)
SAFEGRID_BACKUP_KEEP_MONTHLY = env_int("SAFEGRID_BACKUP_KEEP_MONTHLY", 12)
# Data retention (manage.py apply_retention, daily): audit events (0 = keep for ever; at least 183 days,
# 等保), reporter identities and reward payment details after the case closed / the reward was paid
# (PIPL), outside-channel deliveries after they were sent or given up.
SAFEGRID_AUDIT_RETENTION_DAYS = env_int("SAFEGRID_AUDIT_RETENTION_DAYS", 0)
SAFEGRID_TIP_IDENTITY_RETENTION_DAYS = env_int("SAFEGRID_TIP_IDENTITY_RETENTION_DAYS", 730)
SAFEGRID_DELIVERY_RETENTION_DAYS = env_int("SAFEGRID_DELIVERY_RETENTION_DAYS", 180)
# Periodic jobs' windows in minutes, overriding safegrid.ops.periodic.JOBS: "backup=1560,escalate=0".
SAFEGRID_JOB_WINDOWS = {
    name.strip(): int(minutes)
    for name, _, minutes in (
        item.partition("=") for item in os.environ.get("SAFEGRID_JOB_WINDOWS", "").split(",") if item.strip()
    )
}

# --- Cache: rate limits and single-use challenges of public reports (docs/tips.md) ----------
# Local memory counts per process: with several gunicorn workers set SAFEGRID_REDIS_URL (or
# SAFEGRID_CACHE_TABLE for the database cache, after `manage.py createcachetable`).
SAFEGRID_REDIS_URL = os.environ.get("SAFEGRID_REDIS_URL", "")
if SAFEGRID_REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": SAFEGRID_REDIS_URL}}
elif os.environ.get("SAFEGRID_CACHE_TABLE"):
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.db.DatabaseCache",
                          "LOCATION": os.environ["SAFEGRID_CACHE_TABLE"]}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "safegrid"}}

# --- Public reports 举报 (docs/tips.md) -------------------------------------------------
# Fernet keys for reporter identity, newest first: the first encrypts, all decrypt.
SAFEGRID_TIP_KEYS = [k.strip() for k in os.environ.get("SAFEGRID_TIP_KEYS", "").split(",") if k.strip()]
if not SAFEGRID_TIP_KEYS:
    if LOCAL:
        SAFEGRID_TIP_KEYS = ["c2FmZWdyaWQtZGV2ZWxvcG1lbnQtb25seS10aXBrZXk="]  # development only
    else:
        raise ImproperlyConfigured(
            "SAFEGRID_TIP_KEYS is not set. Reporter identities are encrypted with these Fernet keys; "
            "generate one with: python -c 'from cryptography.fernet import Fernet; "
            "print(Fernet.generate_key().decode())'"
        )
SAFEGRID_TIP_RESPONSE_DAYS = env_int("SAFEGRID_TIP_RESPONSE_DAYS", 10)
SAFEGRID_TIP_RESPONSE_WORKING_DAYS = env_bool("SAFEGRID_TIP_RESPONSE_WORKING_DAYS", False)
SAFEGRID_TIP_PHOTO_MAX_COUNT = env_int("SAFEGRID_TIP_PHOTO_MAX_COUNT", 6)
SAFEGRID_TIP_DUPLICATE_RADIUS_M = env_int("SAFEGRID_TIP_DUPLICATE_RADIUS_M", 200)
SAFEGRID_TIP_DUPLICATE_DAYS = env_int("SAFEGRID_TIP_DUPLICATE_DAYS", 30)
SAFEGRID_TIP_DUPLICATE_SIMILARITY = float(os.environ.get("SAFEGRID_TIP_DUPLICATE_SIMILARITY", "0.3"))
# 2018 reward rules for a major hazard or violation: 15 % of the fine, 3,000 to 300,000 yuan.
SAFEGRID_TIP_REWARD_RULE = {
    "rate": os.environ.get("SAFEGRID_TIP_REWARD_RATE", "0.15"),
    "minimum": os.environ.get("SAFEGRID_TIP_REWARD_MIN", "3000"),
    "maximum": os.environ.get("SAFEGRID_TIP_REWARD_MAX", "300000"),
}
# (events, seconds) per window.
SAFEGRID_TIP_RATE_LIMITS = {
    "submit_ip": (env_int("SAFEGRID_TIP_RATE_PER_IP_HOUR", 10), 3600),
    "submit_mobile": (env_int("SAFEGRID_TIP_RATE_PER_MOBILE_DAY", 5), 86400),
    "submit_partner": (env_int("SAFEGRID_TIP_RATE_PER_PARTNER_MINUTE", 600), 60),
    "track_ip": (env_int("SAFEGRID_TIP_RATE_TRACK_PER_IP_HOUR", 60), 3600),
}
# Addresses never rate-limited (the benchmark's loopback client); empty in production.
SAFEGRID_TIP_RATE_EXEMPT_IPS = [
    ip for ip in os.environ.get("SAFEGRID_TIP_RATE_EXEMPT_IPS", "").split(",") if ip
]
# Base of the tracking link in the QR code, e.g. https://aqjb.example.gov.cn (else the request's host).
SAFEGRID_TIP_PUBLIC_URL = os.environ.get("SAFEGRID_TIP_PUBLIC_URL", "").rstrip("/")

SAFEGRID_PLATFORM_NAME = os.environ.get("SAFEGRID_PLATFORM_NAME", "基层安全生产网格化监管平台")
SAFEGRID_AUDIT_PAGE_SIZE = 50
# Enterprises per grid officer above which the coverage report flags an overload (field reports: 200).
SAFEGRID_OFFICER_WORKLOAD_LIMIT = env_int("SAFEGRID_OFFICER_WORKLOAD_LIMIT", 200)

if TESTING:
    # Hashing strength is not under test; PBKDF2 would dominate the suite's time.
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
