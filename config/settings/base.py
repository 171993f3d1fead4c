"""Settings shared by every environment. Everything that varies comes from the environment."""

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = Path(os.environ.get("FORMARCHE_VAR_DIR", BASE_DIR / "var"))


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on", "oui"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
DEBUG = False
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "simple_history",
    "axes",
    "django_tasks_db",
    "formarche.ui",
    "formarche.accounts",
    "formarche.organisations",
    "formarche.jobs",
    "formarche.orders",
    "formarche.trainees",
    "formarche.attendance",
    # closing before billing: its demo closes the seed order, then billing's demo validates the
    # CRE final (demo modules run in this order; closing's demo needs no billing data).
    "formarche.closing",
    "formarche.billing",
    "formarche.imports",
    "formarche.api",
    "formarche.bpf",
    "formarche.documents",
    "formarche.signing",
    "formarche.audit",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # Read your own writes (issue #15): remembers the primary's WAL position after a write.
    "formarche.utils.dbrouter.ReadYourWritesMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "formarche.accounts.middleware.MembershipMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Brute-force protection (docs/adr/0009-rate-limits-and-postgresql.md): the login lockout (axes,
    # last as its documentation asks) and the cache-backed limits of the public pages.
    "formarche.audit.ratelimit.RateLimitMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

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
                "formarche.accounts.context_processors.membership",
                "formarche.ui.menu.main_menu",
            ],
        },
    },
]

# --- replica (issue #15) ---
# Database: SQLite file under var/ unless DATABASE_URL is set (PostgreSQL in production).
# DATABASE_REPLICA_URL adds the `replica` alias: a streaming replica that only the heavy read-only
# reports read (formarche/utils/dbrouter.py, docs/adr/0013-read-replica-and-pooling.md).
# DATABASE_POOLER=pgbouncer: DATABASE_URL goes through PgBouncer in transaction mode, so no
# server-side cursor (a cursor lives in a session, which transaction mode does not keep); migrations
# then run on DATABASE_DIRECT_URL (`DATABASE_URL="$DATABASE_DIRECT_URL" formarche manage migrate`).
DATABASE_URL = os.environ.get("DATABASE_URL", "")
DATABASE_REPLICA_URL = os.environ.get("DATABASE_REPLICA_URL", "")
DATABASE_POOLER = os.environ.get("DATABASE_POOLER", "").strip().lower()
if DATABASE_URL:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60)}
    if DATABASE_POOLER == "pgbouncer":
        DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = True
else:
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": VAR_DIR / "formarche.sqlite3",
            "OPTIONS": {
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
            },
        }
    }
if DATABASE_REPLICA_URL:
    DATABASES["replica"] = dj_database_url.parse(DATABASE_REPLICA_URL, conn_max_age=60)
    # A replica that does not answer must not hold a page: 2 s, then the primary serves the report.
    DATABASES["replica"].setdefault("OPTIONS", {})["connect_timeout"] = 2
DATABASE_ROUTERS = ["formarche.utils.dbrouter.ReplicaRouter"]
# Reports go to the replica only while this is on and the alias exists (tests turn it on per test).
DATABASE_REPLICA_READS = env_bool("DATABASE_REPLICA_READS", True)
# Past this replay lag (seconds), the reports read the primary again (a log line says so).
DATABASE_REPLICA_MAX_LAG = float(os.environ.get("DATABASE_REPLICA_MAX_LAG", "30"))
# --- end replica ---

# --- perfpages (issue #16) ---
# Persistent connections on every engine (PostgreSQL already gets conn_max_age=60 from its URL
# above): a SQLite connection per request re-opened the file and re-ran its PRAGMAs each time.
# No CONN_HEALTH_CHECKS: it would cost a round trip per request; a connection lost mid-request
# already gives the French 500 page (docs/ARCHITECTURE.md, « Pannes »).
DATABASES["default"].setdefault("CONN_MAX_AGE", 60)

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# attendance_enrolment_hours carries the hours in INCLUDE on PostgreSQL (issue #8, attendance
# migration 0003); SQLite builds it as a plain index on enrolment_id, which is what we want there.
# Django warns about it (models.W040) on every migrate against SQLite: the warning is expected.
SILENCED_SYSTEM_CHECKS = ["models.W040"]

AUTH_USER_MODEL = "accounts.User"
# django-axes first: it refuses a locked (address, e-mail) pair before the password is even checked.
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
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "ui:home"
LOGOUT_REDIRECT_URL = "accounts:login"

LANGUAGE_CODE = "fr-fr"
LANGUAGES = [("fr", "Français")]
TIME_ZONE = "Europe/Paris"
USE_I18N = True
USE_TZ = True
USE_THOUSAND_SEPARATOR = False

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "staticfiles"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
MEDIA_URL = "/media/"
MEDIA_ROOT = VAR_DIR / "media"

# --- storage (issue #15) ---
# Every stored file (invoice PDFs, signed invoices, titres de reversement, import files, documents
# et justificatifs) goes through STORAGES["default"]. Embedded default: the disk, under
# var/media (served by no URL: every download goes through its view, after the tenancy check).
# With S3_BUCKET: django-storages' S3 backend against any S3-compatible server, private objects
# only (docs/adr/0012-object-storage.md).
S3_BUCKET = os.environ.get("S3_BUCKET", "")
S3_ENDPOINT_URL = os.environ.get("S3_ENDPOINT_URL", "")
S3_ACCESS_KEY_ID = os.environ.get("S3_ACCESS_KEY_ID", "")
S3_SECRET_ACCESS_KEY = os.environ.get("S3_SECRET_ACCESS_KEY", "")
S3_REGION = os.environ.get("S3_REGION", "")


def s3_storage_options(
    *, bucket: str, endpoint_url: str = "", access_key: str = "", secret_key: str = "", region: str = ""
) -> dict:
    """The OPTIONS of django-storages' S3Storage for formarche: private objects, never overwritten.

    No ACL is sent (the object gets the bucket's private default; a bucket with ACLs disabled
    accepts it); ``url()`` gives only a signed URL valid 5 minutes — the views stream the files
    and never show one. Short timeouts and two attempts: an unreachable server is a French
    refusal in seconds, not a hung request.
    """
    from botocore.config import Config

    return {
        "bucket_name": bucket,
        "endpoint_url": endpoint_url or None,
        "access_key": access_key or None,
        "secret_key": secret_key or None,
        "region_name": region or None,
        "default_acl": None,
        "querystring_auth": True,
        "querystring_expire": 300,
        "file_overwrite": False,
        # client_config replaces django-storages' own (its addressing_style and signature_version
        # options are then ignored, so they are set here). Path-style (https://host/bucket/key) with
        # an endpoint: what S3-compatible servers (MinIO, Garage, Ceph, moto) accept without
        # wildcard DNS.
        "client_config": Config(
            s3={"addressing_style": "path" if endpoint_url else "auto"},
            signature_version="s3v4",
            connect_timeout=5,
            read_timeout=30,
            retries={"max_attempts": 2, "mode": "standard"},
        ),
    }


if S3_BUCKET:
    FORMARCHE_FILE_STORAGE = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": s3_storage_options(
            bucket=S3_BUCKET,
            endpoint_url=S3_ENDPOINT_URL,
            access_key=S3_ACCESS_KEY_ID,
            secret_key=S3_SECRET_ACCESS_KEY,
            region=S3_REGION,
        ),
    }
else:
    FORMARCHE_FILE_STORAGE = {"BACKEND": "django.core.files.storage.FileSystemStorage"}
STORAGES = {
    "default": FORMARCHE_FILE_STORAGE,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# --- end of storage ---

DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "formarche <ne-pas-repondre@formarche.local>")
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend")

SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False  # htmx reads the token from the page, not the cookie
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

# Uploads: checked before they are stored (see each service); a global ceiling here.
DATA_UPLOAD_MAX_MEMORY_SIZE = 20 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "formarche.audit.api_auth.ThrottledTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    # Throttles count in the shared cache. The anonymous rate also bounds wrong tokens: DRF checks
    # throttles after authentication, so ThrottledTokenAuthentication counts failed tokens itself.
    # DRF's anonymous and user throttles, open when the cache is down (formarche/audit/throttles.py).
    "DEFAULT_THROTTLE_CLASSES": [
        "formarche.audit.throttles.AnonThrottle",
        "formarche.audit.throttles.UserThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": os.environ.get("FORMARCHE_API_ANON_RATE", "60/minute"),
        "user": os.environ.get("FORMARCHE_API_USER_RATE", "1200/minute"),
        "bad_token": os.environ.get("FORMARCHE_API_BAD_TOKEN_RATE", "20/minute"),
    },
    "NUM_PROXIES": int(os.environ.get("FORMARCHE_TRUSTED_PROXY_COUNT", "0")) or None,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 100,
    "COERCE_DECIMAL_TO_STRING": True,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "formarche API",
    "DESCRIPTION": "API de formarche : commandes, actions, stagiaires, inscriptions, heures.",
    "VERSION": "0.1.0",
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
}
# --- api ---
# Issue #19 (ADR 0022): formarche's own API tokens replace DRF's authtoken (hashed, scoped,
# expiring); the authentication class keeps its name (formarche.audit.api_auth), its base changed.
INSTALLED_APPS = [app for app in INSTALLED_APPS if app != "rest_framework.authtoken"]
REST_FRAMEWORK["DEFAULT_THROTTLE_CLASSES"] = [
    *REST_FRAMEWORK["DEFAULT_THROTTLE_CLASSES"],
    "formarche.audit.throttles.TokenThrottle",
]
REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]["api_token"] = os.environ.get(
    "FORMARCHE_API_TOKEN_RATE", "600/minute"
)
SPECTACULAR_SETTINGS["DESCRIPTION"] = (
    "API de formarche : actions, stagiaires, inscriptions, heures, périodes et relevés, factures "
    "(PDF et XML Factur-X), paiements et décisions de la Région, documents, BPF. Authentification : "
    "en-tête « Authorization: Token fmk_… » (jeton créé par un responsable, page Gestion organisme → "
    "Jetons d'API) ; chaque jeton porte des portées <domaine>:read ou <domaine>:write. Les messages "
    "d'erreur sont en français ; un refus ne modifie rien."
)
SPECTACULAR_SETTINGS["VERSION"] = "0.2.0"
SPECTACULAR_SETTINGS["COMPONENT_SPLIT_REQUEST"] = True
SPECTACULAR_SETTINGS["ENUM_NAME_OVERRIDES"] = {
    "OrderStatusEnum": "formarche.orders.models.OrderStatus",
    "PeriodStatusEnum": "formarche.billing.models.periods.PeriodStatus",
    "InvoiceStatusEnum": "formarche.billing.models.invoices.InvoiceStatus",
    "AttendanceKindEnum": "formarche.attendance.models.AttendanceKind",
    "PaymentKindEnum": "formarche.billing.models.payments.PaymentKind",
    "StatementKindEnum": [("CRE", "CRE"), ("CRE final", "CRE final")],
}
# --- end api ---

# --- cluster (issue #15) ---
# Shared cache and sessions: Redis when REDIS_URL is set (redis://host:6379/0; FORMARCHE_CACHE_URL is
# the former name, still read), which every server of a multi-server install must share: the rate
# limits, the API throttles, the cached figures and the sessions live in it. Otherwise a per-process
# memory cache and database sessions, right for a single server only (the embedded default).
# Sessions: "cached_db" (docs/adr/0014-cache-sessions-and-proxy.md): read from Redis, written to the
# database too, so a Redis restart or flush logs nobody out and never loses a write; while Redis is
# down, formarche.accounts.sessions reads and writes them in the database alone. Short socket
# timeouts: a dead Redis costs a request one second at most, never a hung worker.
REDIS_URL = os.environ.get("REDIS_URL") or os.environ.get("FORMARCHE_CACHE_URL", "")
CACHE_URL = REDIS_URL  # the former setting name
if REDIS_URL.startswith(("redis://", "rediss://", "unix://")):
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
    SESSION_ENGINE = "formarche.accounts.sessions"
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# Cached figures (formarche/attendance/figures.py) expire after this many seconds at most, even if an
# invalidation was lost while Redis was unreachable.
FORMARCHE_FIGURE_CACHE_SECONDS = int(os.environ.get("FORMARCHE_FIGURE_CACHE_SECONDS", "300"))
# --- end cluster ---

# Client address: REMOTE_ADDR, or — behind N trusted reverse proxies (HAProxy) — the address the
# N-th proxy from the right saw in X-Forwarded-For. Never trust the header without a proxy.
FORMARCHE_TRUSTED_PROXY_COUNT = int(os.environ.get("FORMARCHE_TRUSTED_PROXY_COUNT", "0"))

# Login lockout (django-axes, database handler: every server sees the same attempts). One e-mail
# from one address may type FORMARCHE_LOGIN_ATTEMPTS wrong passwords; the next one is refused and
# the pair stays locked for FORMARCHE_LOGIN_COOLOFF_MINUTES (each new try during the lockout restarts
# it); the same account from another address still logs in.
# Unlock: platform admins in the Django admin (« Tentatives d'accès »), OF and Région managers for
# their own members (formarche/audit, « Débloquer »).
AXES_FAILURE_LIMIT = int(os.environ.get("FORMARCHE_LOGIN_ATTEMPTS", "5")) + 1
AXES_COOLOFF_TIME = timedelta(minutes=int(os.environ.get("FORMARCHE_LOGIN_COOLOFF_MINUTES", "15")))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_USERNAME_CALLABLE = "formarche.audit.lockout.attempted_email"
AXES_CLIENT_IP_CALLABLE = "formarche.audit.clientip.client_ip"
AXES_LOCKOUT_CALLABLE = "formarche.audit.lockout.lockout_response"
AXES_VERBOSE = False

# Cache-backed limits per client address (formarche/audit/ratelimit.py): URL name → methods, rate
# "N/s|m|h|d". Past the limit: 429 and a French page.
FORMARCHE_PUBLIC_TOKEN_RATE = os.environ.get("FORMARCHE_PUBLIC_TOKEN_RATE", "30/m")
FORMARCHE_RATE_LIMITS = {
    "signing:public_sign": {"methods": ("GET", "POST"), "rate": FORMARCHE_PUBLIC_TOKEN_RATE},
    "closing:followup_public": {"methods": ("GET", "POST"), "rate": FORMARCHE_PUBLIC_TOKEN_RATE},
    "accounts:password_reset_confirm": {"methods": ("GET", "POST"), "rate": FORMARCHE_PUBLIC_TOKEN_RATE},
    "accounts:password_reset": {
        "methods": ("POST",),
        "rate": os.environ.get("FORMARCHE_PASSWORD_RESET_RATE", "5/h"),
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
}

# Demo world: refused when DEBUG is off (see formarche/accounts/demo.py).
DEMO_PASSWORD = "demo-formarche"


# --- tasks (issue #15) ---
# Long jobs (imports over the inline threshold, bulk PDFs, BPF exports, e-mails) go through
# django-tasks; ``FORMARCHE_TASKS`` chooses how they run (docs/adr/0011-task-workers.md):
#   thread    — in a thread of the web process (embedded default and dev: no worker to run);
#   database  — django-tasks-db: queued in the database, run by `formarche worker` processes
#               (the production default);
#   immediate — at once, in the caller (tests).
TASK_BACKENDS = {
    "thread": "formarche.jobs.backends.ThreadBackend",
    "database": "django_tasks_db.DatabaseBackend",
    "immediate": "django_tasks.backends.immediate.ImmediateBackend",
}


def tasks_setting(default: str) -> tuple[str, dict]:
    """``(mode, TASKS)`` from ``FORMARCHE_TASKS`` (or ``default``); an unknown mode is refused."""
    mode = os.environ.get("FORMARCHE_TASKS", "").strip().lower() or default
    if mode not in TASK_BACKENDS:
        from django.core.exceptions import ImproperlyConfigured

        raise ImproperlyConfigured(
            f"FORMARCHE_TASKS vaut « {mode} » : valeurs possibles thread, database ou immediate."
        )
    return mode, {"default": {"BACKEND": TASK_BACKENDS[mode], "QUEUES": ["default", "mails"]}}


FORMARCHE_TASKS, TASKS = tasks_setting("thread")
# A running job whose worker has not renewed its lease for this long is taken over by a live
# worker (attempt + 1, at most 3); the worker renews it every third of this time.
FORMARCHE_JOB_LEASE_SECONDS = int(os.environ.get("FORMARCHE_JOB_LEASE_SECONDS", "60"))

# --- outc ---
# The site's public address: every link of an e-mail is built from it (formarche/accounts/site.py).
# Empty here means http://127.0.0.1:8000 (dev and demo); production sets it in https, which
# `manage.py check --deploy` verifies (formarche/accounts/checks.py, docs/adr/0024).
FORMARCHE_SITE_URL = os.environ.get("FORMARCHE_SITE_URL", "")
# --- end outc ---

# --- outc ---
# The interchange app (export and import from « Gestion organisme », issue #19.5): its job kinds,
# its templates and its section of the organisation page are registered from its AppConfig.
INSTALLED_APPS += ["formarche.interchange"]
# --- end outc ---
