"""DreamJourney settings: one module, every value from the environment (12-factor).

An optional ``.env`` file beside ``manage.py`` is read first. Defaults give the
embedded set-up: SQLite under ``var/``, media on the local disk, the demo video
provider, tasks in the database.
"""

from __future__ import annotations

from pathlib import Path

import environ
from django.core.management.utils import get_random_secret_key

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DEBUG", default=False)
SECRET_KEY = env.str("SECRET_KEY", default="")
if not SECRET_KEY:
    # One random key per installation, kept beside the database: a fresh checkout works
    # with no set-up, and no key is ever shared. Several machines must set SECRET_KEY.
    _key_file = VAR_DIR / "secret_key"
    if not _key_file.exists():
        VAR_DIR.mkdir(parents=True, exist_ok=True)
        _key_file.write_text(get_random_secret_key())
        _key_file.chmod(0o600)
    SECRET_KEY = _key_file.read_text().strip()
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_tasks_db",
    "dreams",
    "videos",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",  # static files under gunicorn too
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "dreams.storage.replay.EmergencyReplayMiddleware",
]

ROOT_URLCONF = "dreamjourney.urls"
WSGI_APPLICATION = "dreamjourney.wsgi.application"
ASGI_APPLICATION = "dreamjourney.asgi.application"

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
            ],
        },
    },
]

DATABASES = {
    "default": environ.Env.db_url_config(
        env.str("DATABASE_URL", default="") or f"sqlite:///{VAR_DIR / 'dreamjourney.sqlite3'}"
    ),
}
DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=0))
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Fail fast when the database is unreachable, so the emergency tier can take over.
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault(
        "connect_timeout", env.int("DB_CONNECT_TIMEOUT", default=3)
    )
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    Path(DATABASES["default"]["NAME"]).parent.mkdir(parents=True, exist_ok=True)
    # A file (not :memory:) so end-to-end tests can share the test database with a worker.
    DATABASES["default"].setdefault("TEST", {"NAME": str(VAR_DIR / "test.sqlite3")})
    # WAL + a busy timeout let the web server and the task worker share the file.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            # Take the write lock when a transaction starts: a read-then-write (the job
            # cap) cannot fail to upgrade its lock under concurrent requests.
            "transaction_mode": "IMMEDIATE",
        }
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Sessions live in signed cookies: demo mode and logins keep working while the
# database is unreachable (see dreams/storage/). They hold only small ids.
SESSION_ENGINE = "django.contrib.sessions.backends.signed_cookies"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=60 * 60 * 24 * 30)
AUTHENTICATION_BACKENDS = ["common.authentication.ResilientModelBackend"]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "journal"
LOGOUT_REDIRECT_URL = "home"

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = env.path("STATIC_ROOT", default=VAR_DIR / "static")
Path(STATIC_ROOT).mkdir(parents=True, exist_ok=True)  # filled by collectstatic
# Without collectstatic (one-machine set-up), WhiteNoise serves straight from static/.
WHITENOISE_USE_FINDERS = True
MEDIA_URL = "/media/"
MEDIA_ROOT = env.path("MEDIA_ROOT", default=VAR_DIR / "media")

# --- File storage: local disk by default, S3-compatible object storage by env.
S3_BUCKET = env.str("S3_BUCKET", default="")
if S3_BUCKET:
    _default_storage = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": S3_BUCKET,
            "endpoint_url": env.str("S3_ENDPOINT_URL", default="") or None,
            "access_key": env.str("S3_ACCESS_KEY_ID", default="") or None,
            "secret_key": env.str("S3_SECRET_ACCESS_KEY", default="") or None,
            "region_name": env.str("S3_REGION", default="us-east-1"),
            "default_acl": "private",
            "querystring_auth": True,
            "querystring_expire": env.int("S3_PRESIGN_SECONDS", default=600),
            "file_overwrite": False,
        },
    }
else:
    _default_storage = {"BACKEND": "django.core.files.storage.FileSystemStorage"}
STORAGES = {
    "default": _default_storage,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440  # JSON bodies; video uploads stream to disk
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440

# --- Background tasks: application code only uses django.tasks.
TASKS_BACKEND = env.str("TASKS_BACKEND", default="django_tasks_db.DatabaseBackend")
TASKS = {"default": {"BACKEND": TASKS_BACKEND, "QUEUES": ["default"]}}
REDIS_URL = env.str("REDIS_URL", default="redis://127.0.0.1:6379/0")
RQ_QUEUES = {"default": {"URL": REDIS_URL, "DEFAULT_TIMEOUT": 600}}
if TASKS_BACKEND == "django_tasks_rq.RQBackend":
    INSTALLED_APPS += ["django_rq"]

CACHES = {
    "default": env.cache("CACHE_URL", default="locmemcache://dreamjourney"),
}

# --- Video generation and storage.
RUNWAYML_API_SECRET = env.str("RUNWAYML_API_SECRET", default="")
RUNWAYML_BASE_URL = env.str("RUNWAYML_BASE_URL", default="https://api.dev.runwayml.com")
RUNWAYML_MODEL = env.str("RUNWAYML_MODEL", default="gen4.5")
VIDEO_PROVIDER = env.str("VIDEO_PROVIDER", default="auto")  # auto | runway | demo
VIDEO_FALLBACK_TO_DEMO = env.bool("VIDEO_FALLBACK_TO_DEMO", default=True)
VIDEO_POLL_SECONDS = env.float("VIDEO_POLL_SECONDS", default=5.0)
VIDEO_MAX_ATTEMPTS = env.int("VIDEO_MAX_ATTEMPTS", default=6)
VIDEO_JOB_TIMEOUT_SECONDS = env.int("VIDEO_JOB_TIMEOUT_SECONDS", default=30 * 60)
VIDEO_JOB_STALE_SECONDS = env.int("VIDEO_JOB_STALE_SECONDS", default=5 * 60)
VIDEO_MAX_JOBS_IN_FLIGHT = env.int("VIDEO_MAX_JOBS_IN_FLIGHT", default=3)
VIDEO_DEMO_MAX_WIDTH = env.int("VIDEO_DEMO_MAX_WIDTH", default=640)
VIDEO_DEMO_WORKDIR = env.path("VIDEO_DEMO_WORKDIR", default=VAR_DIR / "demo-renders")
VIDEO_MAX_BYTES = env.int("VIDEO_MAX_BYTES", default=500 * 1024 * 1024)
VIDEO_INGEST_ALLOW_HTTP = env.bool("VIDEO_INGEST_ALLOW_HTTP", default=False)
VIDEO_INGEST_ALLOWED_HOSTS = env.list("VIDEO_INGEST_ALLOWED_HOSTS", default=[])
# Private addresses let through the SSRF guard: for tests with a loopback file server only.
VIDEO_INGEST_ALLOWED_ADDRESSES = env.list("VIDEO_INGEST_ALLOWED_ADDRESSES", default=[])
DREAMS_PREMODERATION = env.bool("DREAMS_PREMODERATION", default=True)

# --- Emergency tier: dreams written while the database is unreachable.
EMERGENCY_JOURNAL_PATH = env.path("EMERGENCY_JOURNAL_PATH", default=VAR_DIR / "emergency.sqlite3")
EMERGENCY_AUTO_REPLAY = env.bool("EMERGENCY_AUTO_REPLAY", default=True)
EMERGENCY_REPLAY_INTERVAL = env.float("EMERGENCY_REPLAY_INTERVAL", default=2.0)

# --- REST API.
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "common.authentication.ResilientTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": [
        "common.parsers.SafeJSONParser",
        "rest_framework.parsers.MultiPartParser",
        "rest_framework.parsers.FormParser",
    ],
    "DEFAULT_SCHEMA_CLASS": "common.schema.DreamJourneyAutoSchema",
    "DEFAULT_THROTTLE_RATES": {
        "video_generation": env.str("VIDEO_GENERATION_RATE", default="30/hour"),
        "auth": env.str("AUTH_RATE", default="30/minute"),
    },
    "EXCEPTION_HANDLER": "common.api.exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "DreamJourney API",
    "DESCRIPTION": "Journal dreams, generate a video for each, keep it forever.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
}

# --- Security (production values come from env; `check --deploy` passes with them).
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=False)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=False)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=False)
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=False)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=False)
if env.bool("BEHIND_TLS_PROXY", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}
