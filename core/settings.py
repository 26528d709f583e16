"""Live Gallery settings: one module, every value from the environment.

`.env` is read when present; without it the embedded defaults give a
zero-setup service (SQLite under var/, media under var/media/, the in-memory
channel layer). Every variable is listed with its default in `.env.example`
and in the README's settings table. A malformed value fails at start-up with
ImproperlyConfigured rather than being guessed at.
"""

import os
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

from core import secret_key

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env")

DEBUG = env.bool("DEBUG", default=False)

# Without SECRET_KEY, a checkout (`make run`, manage.py) makes its own key once
# and keeps it in SECRET_KEY_FILE (core.secret_key); the production image sets
# SECRET_KEY_FILE empty, so a deployment without SECRET_KEY does not start.
SECRET_KEY = env.str("SECRET_KEY", default="")
SECRET_KEY_FILE = env.str("SECRET_KEY_FILE", default=str(VAR_DIR / "secret-key"))
if not SECRET_KEY:
    if not SECRET_KEY_FILE:
        raise ImproperlyConfigured(
            "SECRET_KEY must be set: this deployment keeps no key file (SECRET_KEY_FILE is "
            "empty). Generate one with "
            "python3 -c \"import secrets; print(secrets.token_urlsafe(50))\"."
        )
    SECRET_KEY = secret_key.load_or_create(Path(SECRET_KEY_FILE))

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

# Behind nginx (the compose stack) the scheme and host the client used arrive
# in X-Forwarded-* headers; absolute URLs in the API must use them. Off by
# default, because a client talking to daphne directly could forge them.
TRUST_PROXY_HEADERS = env.bool("TRUST_PROXY_HEADERS", default=False)
if TRUST_PROXY_HEADERS:
    USE_X_FORWARDED_HOST = True
    USE_X_FORWARDED_PORT = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

INSTALLED_APPS = [
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "channels",
    "images",
    "realtime",
]

MIDDLEWARE = [
    "core.logs.RequestLogMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "core.i18n.PageLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "core.errors.ServiceUnavailableMiddleware",
]

ROOT_URLCONF = "core.urls"
ASGI_APPLICATION = "core.asgi.application"

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
                "django.template.context_processors.csp",
                "images.context_processors.limits",
            ],
        },
    },
]

# Database: a SQLite file under var/ unless DATABASE_URL names another.
DATABASES = {
    "default": env.db_url("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}"),
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    if DATABASES["default"]["NAME"] not in ("", ":memory:"):
        Path(DATABASES["default"]["NAME"]).parent.mkdir(parents=True, exist_ok=True)
    # IMMEDIATE transactions take the write lock up front, so concurrent
    # uploads queue on `timeout` instead of failing with "database is locked";
    # WAL lets readers (the gallery) proceed while an upload writes.
    # Tests use a file too, not shared-cache memory: threads and a simulated
    # outage behave as they do in production. One per test process, so two
    # runs side by side do not share it.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / f"test-db-{os.getpid()}.sqlite3")}
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Under ASGI every request may run in a different thread, so persistent
    # per-thread connections (CONN_MAX_AGE) pile up; psycopg's pool hands a
    # connection to each request and takes it back (CONN_MAX_AGE must be 0).
    # One test database per test process, as for SQLite above.
    DATABASES["default"]["TEST"] = {"NAME": f"test_{DATABASES['default']['NAME']}_{os.getpid()}"}
    DATABASE_POOL_SIZE = env.int("DATABASE_POOL_SIZE", default=10)
    if DATABASE_POOL_SIZE > 0:
        from core.database import check_pooled_connection

        DATABASES["default"]["CONN_MAX_AGE"] = 0
        DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
            "min_size": min(2, DATABASE_POOL_SIZE),
            "max_size": DATABASE_POOL_SIZE,
            # Test each connection as it is handed out (one empty round trip):
            # after PostgreSQL restarts, the pooled connections are dead, and
            # without this the first requests got them and answered 503.
            "check": check_pooled_connection,
            # How long a request waits for a free connection (or for a down
            # database) before it is answered 503.
            "timeout": env.float("DATABASE_POOL_TIMEOUT", default=5.0),
        }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Channel layer: Redis pub/sub when REDIS_URL is set (several processes share
# events), the in-memory layer otherwise (one process, development only).
# docs/realtime.md explains why the pub/sub layer rather than RedisChannelLayer.
REDIS_URL = env.str("REDIS_URL", default="")
# Names in Redis (channels, cache keys) start with this, so deployments (or
# test runs) sharing one Redis server never hear each other.
REDIS_PREFIX = env.str("REDIS_PREFIX", default="live-gallery")
if REDIS_URL:
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
            "CONFIG": {"hosts": [REDIS_URL], "prefix": REDIS_PREFIX},
        }
    }
else:
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}

# The cache holds upload rate-limit counters, which every replica must share:
# Redis when there is one, this process's memory otherwise.
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": REDIS_PREFIX,
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# Rendered pages and API lists are reused until the gallery changes
# (images.pagecache); that needs the shared cache to tell every process.
PAGE_CACHE = env.bool("PAGE_CACHE", default=bool(REDIS_URL))

MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(VAR_DIR / "media")))
STATIC_ROOT = Path(env.str("STATIC_ROOT", default=str(VAR_DIR / "static")))
STATIC_URL = "static/"
# The app serves its own CSS/JS unless a web server does (compose: nginx).
SERVE_STATIC = env.bool("SERVE_STATIC", default=True)
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    # Image files are named after their row's id, and ids are never reused:
    # a file already at that name can only be a crash's leftover, so it may be
    # overwritten rather than saved under a mangled name.
    "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": MEDIA_ROOT, "allow_overwrite": True},
    },
    # Names with their content's hash once collected (core.staticfiles).
    "staticfiles": {"BACKEND": "core.staticfiles.HashedStaticFilesStorage"},
}
# S3_BUCKET puts originals, previews and every rendition on S3-compatible
# object storage instead (images/storage.py, docs/scaling.md): then no replica
# keeps anything on its own disk. Without access keys, boto3's usual sources
# apply (AWS_* variables, an instance role).
S3_BUCKET = env.str("S3_BUCKET", default="")
if S3_BUCKET:
    STORAGES["default"] = {
        "BACKEND": "images.storage.S3MediaStorage",
        "OPTIONS": {
            "bucket_name": S3_BUCKET,
            "endpoint_url": env.str("S3_ENDPOINT_URL", default="") or None,
            "region_name": env.str("S3_REGION", default="") or "us-east-1",
            "access_key": env.str("S3_ACCESS_KEY_ID", default="") or None,
            "secret_key": env.str("S3_SECRET_ACCESS_KEY", default="") or None,
            "location": env.str("S3_PREFIX", default="").strip("/"),
        },
    }

# Uploads. The body limit is enforced by images.limits before Django reads the
# body; Django spools anything above FILE_UPLOAD_MAX_MEMORY_SIZE to disk.
MAX_UPLOAD_SIZE = env.int("MAX_UPLOAD_SIZE", default=20 * 1024 * 1024)
# Behind nginx with the media on its disk: `/image/<id>/original` answers with
# X-Accel-Redirect to this internal prefix + the file's name, and nginx sends
# the bytes (deploy/nginx). Empty: the app streams them itself.
MEDIA_ACCEL_REDIRECT = env.str("MEDIA_ACCEL_REDIRECT", default="")
# Room in a request body beside the file (multipart envelope, fields, more
# files of one form post); nginx's client_max_body_size adds the same.
UPLOAD_BODY_MARGIN = env.int("UPLOAD_BODY_MARGIN", default=1024 * 1024)
MAX_IMAGE_PIXELS = env.int("MAX_IMAGE_PIXELS", default=50_000_000)
MAX_IMAGE_FRAMES = env.int("MAX_IMAGE_FRAMES", default=1000)
# Decoding: the memory one upload may take (estimated from the header, before
# decoding), how many uploads decode at once per process, and how long one
# waits for its turn before a 503 (images.decoding, docs/security.md).
MAX_DECODE_BYTES = env.int("MAX_DECODE_BYTES", default=384 * 1024 * 1024)
MAX_CONCURRENT_DECODES = env.int("MAX_CONCURRENT_DECODES", default=2)
DECODE_QUEUE_TIMEOUT = env.float("DECODE_QUEUE_TIMEOUT", default=10.0)
STRIP_METADATA = env.bool("STRIP_METADATA", default=True)
# Keep when a photo was taken and with which camera as facts on its row, read
# from the Exif before it is stripped (never GPS: docs/privacy.md).
KEEP_PHOTO_FACTS = env.bool("KEEP_PHOTO_FACTS", default=True)
UPLOAD_RATE_LIMIT = env.str("UPLOAD_RATE_LIMIT", default="")
# A private instance: uploads need an API key (X-API-Key) or a signed-in user.
UPLOADS_REQUIRE_KEY = env.bool("UPLOADS_REQUIRE_KEY", default=False)
# How often each server process deletes expired images (images.expiry); 0: never in this one.
EXPIRY_SWEEP_SECONDS = env.float("EXPIRY_SWEEP_SECONDS", default=60.0)
if EXPIRY_SWEEP_SECONDS < 0:
    raise ImproperlyConfigured("EXPIRY_SWEEP_SECONDS must be 0 (off) or a number of seconds.")
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
FILE_UPLOAD_PERMISSIONS = 0o644
# Uploads being received live here, not in the system's temp folder, so a
# server killed mid-upload leaves them where the next start (core.asgi) and
# `manage.py reconcile_media` find them. Private to one server process.
UPLOAD_TEMP_DIR = Path(env.str("UPLOAD_TEMP_DIR", default=str(VAR_DIR / "tmp")))
UPLOAD_TEMP_DIR.mkdir(parents=True, exist_ok=True)
FILE_UPLOAD_TEMP_DIR = str(UPLOAD_TEMP_DIR)
# Resumable (tus) uploads at /api/uploads/ (images.resumable): an unfinished
# one is removed after UPLOAD_EXPIRY seconds; a PATCH body may be at most
# UPLOAD_CHUNK_SIZE bytes, which bounds what one request costs in memory
# (nginx's body limit for that route is the same number).
UPLOAD_EXPIRY = env.int("UPLOAD_EXPIRY", default=24 * 60 * 60)
UPLOAD_CHUNK_SIZE = env.int("UPLOAD_CHUNK_SIZE", default=4 * 1024 * 1024)
# Widths of the WebP previews made once per image at upload (images.renditions),
# offered to browsers as srcset. Not an environment setting: images stored
# before a change would lack previews of the new widths.
PREVIEW_WIDTHS = (320, 640)
# An animation's moving preview is made at one width only (its cost grows
# with every frame): the smallest, what a 1× screen's tile shows.
ANIMATED_PREVIEW_WIDTH = PREVIEW_WIDTHS[0]
GALLERY_PAGE_SIZE = env.int("GALLERY_PAGE_SIZE", default=24)
API_PAGE_SIZE = env.int("API_PAGE_SIZE", default=50)
for _name in ("MAX_UPLOAD_SIZE", "UPLOAD_BODY_MARGIN", "MAX_IMAGE_PIXELS", "MAX_IMAGE_FRAMES",
              "MAX_DECODE_BYTES", "MAX_CONCURRENT_DECODES", "GALLERY_PAGE_SIZE", "API_PAGE_SIZE",
              "UPLOAD_EXPIRY", "UPLOAD_CHUNK_SIZE"):
    if globals()[_name] <= 0:
        raise ImproperlyConfigured(f"{_name} must be a positive number.")
if DECODE_QUEUE_TIMEOUT < 0:
    raise ImproperlyConfigured("DECODE_QUEUE_TIMEOUT must be 0 (do not wait) or more seconds.")
if GALLERY_PAGE_SIZE > 100:  # the gallery's live re-sync asks the API for one page (max 100)
    raise ImproperlyConfigured("GALLERY_PAGE_SIZE must be at most 100.")

# Security headers. Pages get a strict CSP (no inline script or style); the
# WebSocket is same-origin, which 'self' covers for ws:/wss: in CSP Level 3.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "connect-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.NONE],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=False)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=False)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=False)
SESSION_COOKIE_SECURE = env.bool("SECURE_COOKIES", default=not DEBUG and SECURE_SSL_REDIRECT)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = 60 * 60 * 24 * 365
MESSAGE_STORAGE = "django.contrib.messages.storage.session.SessionStorage"
SESSION_ENGINE = "core.sessions"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en"
# The interface speaks these; LocaleMiddleware picks one from the language
# cookie (the nav bar's switcher) or Accept-Language. docs/ui.md: workflow.
LANGUAGES = [("en", "English"), ("ru", "Русский")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env.str("TIME_ZONE", default="UTC")
USE_I18N = True
USE_TZ = True

LOG_LEVEL = env.str("LOG_LEVEL", default="INFO").upper()
LOG_FORMAT = env.str("LOG_FORMAT", default="console")
if LOG_FORMAT not in ("console", "json"):
    raise ImproperlyConfigured("LOG_FORMAT must be 'console' or 'json'.")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "console": {
            "()": "core.logs.ConsoleFormatter",
            "format": "%(asctime)s %(levelname)s %(name)s %(message)s",
        },
        "json": {"()": "core.logs.JsonFormatter"},
    },
    "handlers": {"stderr": {"class": "logging.StreamHandler", "formatter": LOG_FORMAT}},
    "root": {"handlers": ["stderr"], "level": LOG_LEVEL},
    "loggers": {
        # One line per request comes from core.logs; Django's own request
        # logger would repeat 4xx lines.
        "django.request": {"level": "ERROR"},
        "daphne": {"level": "WARNING"},
    },
}
CSRF_FAILURE_VIEW = "core.errors.csrf_failure"
