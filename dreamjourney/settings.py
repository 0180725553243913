"""DreamJourney settings: one module, every value from the environment (12-factor).

An optional ``.env`` file beside ``manage.py`` is read first. Defaults give the
embedded set-up: SQLite under ``var/``, media on the local disk, the demo video
provider, tasks in the database.
"""

from __future__ import annotations

from pathlib import Path

import environ
from django.core.management.utils import get_random_secret_key
from django.utils.csp import CSP

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
    "dreamjourney.apps.AdminConfig",  # Django's admin with our site (dreamjourney/admin.py)
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    # Full-text search fields and lookups; inert on SQLite (dreams/search.py falls back).
    "django.contrib.postgres",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_tasks_db",
    "axes",  # sign-in lockouts (common/authentication.py)
    "dreams",
    "videos",
    "notifications",  # messages to an account: in the app and by email (below dreams)
]

MIDDLEWARE = [
    "common.uploads.RequestSizeLimitMiddleware",  # 413 before a byte of an oversized body
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",  # static files under gunicorn too
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Answers to a signed-in caller without a policy of their own: private (common/http_cache.py).
    "common.http_cache.PrivateByDefaultMiddleware",
    # Anonymous gallery pages from the shared cache, before routing and DRF (dreams/caching.py).
    "dreams.caching.GalleryFastLaneMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "dreams.storage.replay.EmergencyReplayMiddleware",
    "axes.middleware.AxesMiddleware",  # last: turns a lockout into our 429 page
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
                "django.template.context_processors.csp",  # {{ csp_nonce }} for inline scripts
                # {{ unread_notifications }}: one COUNT, only when a page shows it (the header)
                "notifications.context_processors.unread_notifications",
            ],
            # {% url 'name' %} without arguments: reversed once per process, not per render.
            "builtins": ["common.templatetags.cached_url"],
        },
    },
]

DATABASES = {
    "default": environ.Env.db_url_config(
        env.str("DATABASE_URL", default="") or f"sqlite:///{VAR_DIR / 'dreamjourney.sqlite3'}"
    ),
}
DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=0))
# A kept connection is checked (SELECT 1) when a request first uses it: one the database
# dropped (a restart, a failover) is replaced, not failed into the emergency tier.
DATABASES["default"].setdefault("CONN_HEALTH_CHECKS", env.bool("CONN_HEALTH_CHECKS", default=True))
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Fail fast when the database is unreachable, so the emergency tier can take over.
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault(
        "connect_timeout", env.int("DB_CONNECT_TIMEOUT", default=3)
    )
    # Django's backend, except that a connection used in the last CONN_HEALTH_CHECK_GRACE
    # seconds is not checked again (common/postgresql/base.py: a round trip per request).
    DATABASES["default"]["ENGINE"] = "common.postgresql"
    DATABASES["default"].setdefault(
        "CONN_HEALTH_CHECK_GRACE", env.float("CONN_HEALTH_CHECK_GRACE", default=1.0)
    )
    # The hot reads (common.prepared) run as prepared statements, planned once per
    # connection. False behind a pooler that cannot keep them (PgBouncer < 1.21 in
    # transaction mode); nothing else changes.
    DATABASES["default"].setdefault(
        "PREPARED_STATEMENTS", env.bool("DB_PREPARED_STATEMENTS", default=True)
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
# Signed cookies that logout can end on the server (common/sessions.py).
SESSION_ENGINE = "common.sessions"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=60 * 60 * 24 * 30)
AUTHENTICATION_BACKENDS = [
    "common.authentication.LockoutBackend",  # first: refuses locked-out sign-ins (axes)
    "common.authentication.ResilientModelBackend",
]
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


def _s3_origin() -> str:
    """Where presigned video URLs point: the endpoint's origin, else AWS's bucket host."""
    endpoint = env.str("S3_ENDPOINT_URL", default="")
    if endpoint:
        parts = endpoint.split("/")
        return "/".join(parts[:3])
    return f"https://{S3_BUCKET}.s3.amazonaws.com"


STORAGES = {
    "default": _default_storage,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440  # JSON bodies; video uploads stream to disk
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
FILE_UPLOAD_HANDLERS = [
    "common.uploads.LimitedUploadHandler",  # stops a body at REQUEST_MAX_BYTES (413)
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]

# --- Background tasks: application code only uses django.tasks.
TASKS_BACKEND = env.str("TASKS_BACKEND", default="django_tasks_db.DatabaseBackend")
TASKS = {"default": {"BACKEND": TASKS_BACKEND, "QUEUES": ["default"]}}
# Tasks one `manage.py task_worker` process runs at once (threads): a video job's steps
# mostly wait on the provider, the download or the sandbox, so one process keeps many going.
TASK_WORKER_THREADS = env.int("TASK_WORKER_THREADS", default=4)
REDIS_URL = env.str("REDIS_URL", default="redis://127.0.0.1:6379/0")
RQ_QUEUES = {"default": {"URL": REDIS_URL, "DEFAULT_TIMEOUT": 600}}
if TASKS_BACKEND == "django_tasks_rq.RQBackend":
    INSTALLED_APPS += ["django_rq"]

CACHES = {
    "default": env.cache("CACHE_URL", default="locmemcache://dreamjourney"),
}
if CACHES["default"]["BACKEND"] == "django.core.cache.backends.redis.RedisCache":
    # django-environ 0.14 lower-cases ?key_prefix=, ?timeout=, ?version= for this backend,
    # where Django never reads them: processes sharing one Redis database keep apart by it.
    for _option in ("key_prefix", "timeout", "version"):
        if _option in CACHES["default"]:
            CACHES["default"][_option.upper()] = CACHES["default"].pop(_option)
    # The same backend, with one Redis client per pool instead of one per call.
    CACHES["default"]["BACKEND"] = "common.redis_cache.RedisCache"
    # A Redis that stops answering must cost a request a second, not hang it (callers
    # such as the gallery fall back to the database).
    CACHES["default"].setdefault("OPTIONS", {}).update(
        {"socket_connect_timeout": 1, "socket_timeout": 1}
    )
# The gallery's rendered pages live this long in the shared cache (0: never cached). A
# change to what it shows reaches every process at once (dreams/caching.py); this bounds
# memory, and staleness should Redis miss a version bump. Only a cache all processes
# share is used (CACHE_URL: Redis); with the per-process default the gallery is uncached.
GALLERY_CACHE_SECONDS = env.int("GALLERY_CACHE_SECONDS", default=60)
# Cache-Control of answers that are the same for every anonymous caller (the gallery, a
# gallery dream): how long shared caches may keep them, and serve them stale while one
# request refreshes. Short: a moderator's decision reaches them within the sum.
PUBLIC_MAX_AGE = env.int("PUBLIC_MAX_AGE", default=10)
PUBLIC_STALE_SECONDS = env.int("PUBLIC_STALE_SECONDS", default=20)

# --- Video generation and storage.
RUNWAYML_API_SECRET = env.str("RUNWAYML_API_SECRET", default="")
RUNWAYML_BASE_URL = env.str("RUNWAYML_BASE_URL", default="https://api.dev.runwayml.com")
# The text-to-video models offered (videos.catalog; empty: all of them) and the default,
# which must be among them (checked at startup: ImproperlyConfigured).
RUNWAYML_MODELS = env.list("RUNWAYML_MODELS", default=[])
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
# Content Credentials (C2PA) signed into every generated video (videos.credentials). Empty
# certificate and key: a self-signed development chain is made once in C2PA_DEV_DIR.
C2PA_SIGNING_CERT = env.str("C2PA_SIGNING_CERT", default="")  # PEM chain, end-entity first
C2PA_SIGNING_KEY = env.str("C2PA_SIGNING_KEY", default="")  # PEM private key
C2PA_SIGNING_ALG = env.str("C2PA_SIGNING_ALG", default="es256")
C2PA_TSA_URL = env.str("C2PA_TSA_URL", default="")  # RFC 3161 timestamp authority, if any
C2PA_TRUST_ANCHORS = env.str("C2PA_TRUST_ANCHORS", default="")  # PEM roots trusted when reading
C2PA_DEV_DIR = env.path("C2PA_DEV_DIR", default=VAR_DIR / "c2pa")
# Staged uploads, demo renders and temp folders older than this were left by a dead process.
VIDEO_LEFTOVER_MAX_AGE_SECONDS = env.int("VIDEO_LEFTOVER_MAX_AGE_SECONDS", default=3 * 60 * 60)
VIDEO_SWEEP_INTERVAL_SECONDS = env.int("VIDEO_SWEEP_INTERVAL_SECONDS", default=60 * 60)
VIDEO_MAX_BYTES = env.int("VIDEO_MAX_BYTES", default=500 * 1024 * 1024)
# What a stored video may declare, checked from its headers before any frame is decoded
# (videos.media.MediaLimits): over the pixel or duration cap is `too_large`; a faster
# frame rate, more streams (video, audio and data together) or another codec is
# `not_a_video`. Codecs are FFmpeg codec names; our demo renderer and RunwayML write h264.
VIDEO_MAX_PIXELS = env.int("VIDEO_MAX_PIXELS", default=3840 * 2160)
VIDEO_MAX_FPS = env.float("VIDEO_MAX_FPS", default=120.0)
VIDEO_MAX_DURATION_SECONDS = env.float("VIDEO_MAX_DURATION_SECONDS", default=120.0)
VIDEO_MAX_STREAMS = env.int("VIDEO_MAX_STREAMS", default=8)  # phones add metadata tracks
VIDEO_ALLOWED_CODECS = env.list(
    "VIDEO_ALLOWED_CODECS", default=["h264", "hevc", "vp8", "vp9", "av1", "mpeg4"]
)
# Probe and thumbnail run in a child process (videos.sandbox) with this much address
# space and this many seconds of CPU and wall time; a file that needs more is `too_large`.
VIDEO_PROBE_MEMORY_MB = env.int("VIDEO_PROBE_MEMORY_MB", default=1024)
VIDEO_PROBE_SECONDS = env.float("VIDEO_PROBE_SECONDS", default=30.0)
# Renditions (videos.renditions): after a video is stored, the worker makes a web rendition
# (H.264 High, faststart, long side capped, CRF with a bitrate ceiling, AAC), a ~2 s silent
# preview loop and a poster, in the same sandbox as the probe, with these limits.
VIDEO_RENDITIONS = env.bool("VIDEO_RENDITIONS", default=True)
VIDEO_RENDITION_MAX_SIDE = env.int("VIDEO_RENDITION_MAX_SIDE", default=1280)
VIDEO_RENDITION_CRF = env.int("VIDEO_RENDITION_CRF", default=23)
VIDEO_RENDITION_MAXRATE = env.int("VIDEO_RENDITION_MAXRATE", default=2_500_000)  # bits/s
VIDEO_RENDITION_BUFSIZE = env.int("VIDEO_RENDITION_BUFSIZE", default=5_000_000)  # bits
VIDEO_RENDITION_PRESET = env.str("VIDEO_RENDITION_PRESET", default="veryfast")  # x264's
VIDEO_RENDITION_MEMORY_MB = env.int("VIDEO_RENDITION_MEMORY_MB", default=1536)
VIDEO_RENDITION_SECONDS = env.float("VIDEO_RENDITION_SECONDS", default=300.0)
# Who streams video bytes on the filesystem storage: "" (Django), "x-accel-redirect" (nginx)
# or "x-sendfile" (Apache, lighttpd). Django still decides who may see a file, then answers
# with the header and no body; the front proxy maps VIDEO_SENDFILE_PREFIX to MEDIA_ROOT
# (deploy/nginx.conf, README "Behind nginx").
VIDEO_SENDFILE = env.str("VIDEO_SENDFILE", default="")
VIDEO_SENDFILE_PREFIX = env.str("VIDEO_SENDFILE_PREFIX", default="/protected-media/")
# Any request body: the largest video plus room for the form around it; more is a 413.
REQUEST_MAX_BYTES = env.int("REQUEST_MAX_BYTES", default=VIDEO_MAX_BYTES + 1024 * 1024)
VIDEO_INGEST_ALLOW_HTTP = env.bool("VIDEO_INGEST_ALLOW_HTTP", default=False)
VIDEO_INGEST_ALLOWED_HOSTS = env.list("VIDEO_INGEST_ALLOWED_HOSTS", default=[])
# Private addresses let through the SSRF guard: for tests with a loopback file server only.
VIDEO_INGEST_ALLOWED_ADDRESSES = env.list("VIDEO_INGEST_ALLOWED_ADDRESSES", default=[])
DREAMS_PREMODERATION = env.bool("DREAMS_PREMODERATION", default=True)
# Visitors' reports (dreams/reports.py): open reports from this many different networks hide
# a public dream from the gallery until a moderator resolves them (0: reports never hide a
# dream by themselves).
REPORTS_HIDE_THRESHOLD = env.int("REPORTS_HIDE_THRESHOLD", default=3)

# --- Journal export and import (dreams/archive): an account's whole journal as one ZIP.
# A journal with more video bytes or more dreams than these is packed by the task worker
# and offered as a download that expires; a smaller one streams at once.
EXPORT_INLINE_MAX_BYTES = env.int("EXPORT_INLINE_MAX_BYTES", default=100 * 1024 * 1024)
EXPORT_INLINE_MAX_DREAMS = env.int("EXPORT_INLINE_MAX_DREAMS", default=1000)
EXPORT_EXPIRY_SECONDS = env.int("EXPORT_EXPIRY_SECONDS", default=48 * 60 * 60)
# What one import may be: its upload (REQUEST_MAX_BYTES bounds it too), its files, their
# bytes once unpacked, how densely one may be compressed (a zip bomb is thousands of times
# denser than a video), and how many new videos it brings (each is probed in the request).
IMPORT_MAX_BYTES = env.int("IMPORT_MAX_BYTES", default=REQUEST_MAX_BYTES)
IMPORT_MAX_MEMBERS = env.int("IMPORT_MAX_MEMBERS", default=5000)
IMPORT_MAX_UNPACKED_BYTES = env.int("IMPORT_MAX_UNPACKED_BYTES", default=2 * IMPORT_MAX_BYTES)
IMPORT_MAX_RATIO = env.int("IMPORT_MAX_RATIO", default=100)
IMPORT_MAX_VIDEOS = env.int("IMPORT_MAX_VIDEOS", default=100)

# --- Dream analysis. The local analyzer reads every dream in the request that saves it;
# with ANALYSIS_PROVIDER=openai a background task (dreams/tasks.py) then asks an
# OpenAI-compatible chat-completions API (OpenAI, Ollama, vLLM, LM Studio) at
# ANALYSIS_BASE_URL, and keeps the local reading when that fails (dreams/analysis/llm.py).
ANALYSIS_PROVIDER = env.str("ANALYSIS_PROVIDER", default="local")  # local | openai
ANALYSIS_BASE_URL = env.str("ANALYSIS_BASE_URL", default="https://api.openai.com")
ANALYSIS_MODEL = env.str("ANALYSIS_MODEL", default="gpt-4o-mini")
ANALYSIS_API_KEY = env.str("ANALYSIS_API_KEY", default="")  # none for a local server
# Seconds to read the answer (connecting: at most 5 more); the dream sent is cut to this
# many characters, the answer refused past this many bytes; retryable failures (429, 5xx,
# timeouts) are tried this many times in all, with backoff, before the local reading stays.
ANALYSIS_TIMEOUT_SECONDS = env.float("ANALYSIS_TIMEOUT_SECONDS", default=20.0)
ANALYSIS_MAX_INPUT_CHARS = env.int("ANALYSIS_MAX_INPUT_CHARS", default=8000)
ANALYSIS_MAX_RESPONSE_BYTES = env.int("ANALYSIS_MAX_RESPONSE_BYTES", default=64 * 1024)
ANALYSIS_MAX_ATTEMPTS = env.int("ANALYSIS_MAX_ATTEMPTS", default=3)

# --- Emergency tier: dreams written while the database is unreachable.
EMERGENCY_JOURNAL_PATH = env.path("EMERGENCY_JOURNAL_PATH", default=VAR_DIR / "emergency.sqlite3")
EMERGENCY_AUTO_REPLAY = env.bool("EMERGENCY_AUTO_REPLAY", default=True)
EMERGENCY_REPLAY_INTERVAL = env.float("EMERGENCY_REPLAY_INTERVAL", default=2.0)
# What the journal may hold while it waits (an outage must not let one client fill the disk).
EMERGENCY_MAX_RECORDS = env.int("EMERGENCY_MAX_RECORDS", default=5000)
EMERGENCY_MAX_BYTES = env.int("EMERGENCY_MAX_BYTES", default=100 * 1024 * 1024)
EMERGENCY_MAX_RECORDS_PER_OWNER = env.int("EMERGENCY_MAX_RECORDS_PER_OWNER", default=50)
EMERGENCY_MAX_BYTES_PER_OWNER = env.int("EMERGENCY_MAX_BYTES_PER_OWNER", default=2 * 1024 * 1024)

# --- Email: password-reset links, sent by the task worker (dreams/services/account.py).
# EMAIL_URL, read by django-environ: consolemail:// prints mails (make run); production sets
# smtp://user:pass@host:25, smtp+tls://… (STARTTLS, port 587) or smtp+ssl://… (465).
# Django 6.1 configures sending with MAILERS (the EMAIL_HOST… settings are deprecated).
_email = env.email_url("EMAIL_URL", default="consolemail://")
_mailer_options: dict = {}
if _email["EMAIL_BACKEND"] == "django.core.mail.backends.smtp.EmailBackend":
    _mailer_options = {
        "host": _email["EMAIL_HOST"] or "localhost",
        "port": _email["EMAIL_PORT"],  # None: 25, or 587 / 465 with TLS / SSL
        "username": _email["EMAIL_HOST_USER"],
        "password": _email["EMAIL_HOST_PASSWORD"],
        "use_tls": bool(_email.get("EMAIL_USE_TLS")),
        "use_ssl": bool(_email.get("EMAIL_USE_SSL")),
        "timeout": 15,  # seconds: a mail server that hangs must not hold a worker
    }
elif _email["EMAIL_BACKEND"] == "django.core.mail.backends.filebased.EmailBackend":
    _mailer_options = {"file_path": _email["EMAIL_FILE_PATH"]}
MAILERS = {"default": {"BACKEND": _email["EMAIL_BACKEND"], "OPTIONS": _mailer_options}}
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="DreamJourney <noreply@localhost>")
# Where the site is reached, for links in mails the task worker sends (no request to ask):
# notification emails (notifications/emails.py).
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")
# Notification emails per account (past it they are only in the app): no inbox is buried.
NOTIFICATION_EMAIL_RATE = env.str("NOTIFICATION_EMAIL_RATE", default="20/hour")

# --- REST API.
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "common.authentication.ResilientTokenAuthentication",
        "common.csrf.HeaderFirstSessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"],
    # DRF's JSONRenderer output, written by orjson (common/renderers.py).
    "DEFAULT_RENDERER_CLASSES": ["common.renderers.OrjsonRenderer"],
    "DEFAULT_PARSER_CLASSES": [
        "common.parsers.SafeJSONParser",
        "rest_framework.parsers.MultiPartParser",
        "rest_framework.parsers.FormParser",
    ],
    "DEFAULT_SCHEMA_CLASS": "common.schema.DreamJourneyAutoSchema",
    # Per client (account, else address) and, as anon_<scope>, for all anonymous callers.
    "DEFAULT_THROTTLE_RATES": {
        "video_generation": env.str("VIDEO_GENERATION_RATE", default="30/hour"),
        "anon_video_generation": env.str("ANON_VIDEO_GENERATION_RATE", default="200/hour"),
        "video_store": env.str("VIDEO_STORE_RATE", default="30/hour"),
        "anon_video_store": env.str("ANON_VIDEO_STORE_RATE", default="200/hour"),
        "dream_write": env.str("DREAM_WRITE_RATE", default="120/hour"),
        "anon_dream_write": env.str("ANON_DREAM_WRITE_RATE", default="1000/hour"),
        "auth": env.str("AUTH_RATE", default="30/minute"),
        "journal_export": env.str("JOURNAL_EXPORT_RATE", default="10/hour"),
        "journal_import": env.str("JOURNAL_IMPORT_RATE", default="10/hour"),
        # Reports of public dreams, per account or client address (no anonymous pool: one
        # visitor must not use up everyone's reports).
        "dream_report": env.str("DREAM_REPORT_RATE", default="10/hour"),
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

# --- Sign-in protection (common/authentication.py, common/clients.py, common/sessions.py).
# Trusted reverse proxies in front of the app. 0: the client is the socket address and
# X-Forwarded-For is ignored (anyone can write it); n: the n-th address from the right of
# X-Forwarded-For. The same number for DRF's throttles, the lockouts and the sign-up quota.
NUM_PROXIES = env.int("NUM_PROXIES", default=0)
REST_FRAMEWORK["NUM_PROXIES"] = NUM_PROXIES
# django-axes: after AXES_FAILURE_LIMIT failures from one address, or on one username from
# anywhere, sign-in is refused (429) for AXES_COOLOFF_MINUTES, counted again from each refused
# try. A success forgets that username's failures from that address only. Counted in the
# database, so every process sees them.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_MINUTES = env.int("AXES_COOLOFF_MINUTES", default=15)
AXES_COOLOFF_TIME = AXES_COOLOFF_MINUTES / 60  # hours, as axes reads a float
AXES_LOCKOUT_PARAMETERS = ["ip_address", "username"]
AXES_RESET_ON_SUCCESS = True
AXES_HANDLER = "common.authentication.LockoutHandler"
AXES_CLIENT_IP_CALLABLE = "common.clients.client_address"
AXES_USERNAME_CALLABLE = "common.authentication.lockout_username"
AXES_LOCKOUT_CALLABLE = "common.authentication.lockout_response"
AXES_DISABLE_ACCESS_LOG = True  # failures are what lockouts need; no log of every login
AXES_VERBOSE = False  # no banner on every manage.py run; failures are still logged
# Only read if AXES_CLIENT_IP_CALLABLE is removed and django-ipware installed: the same rule.
AXES_IPWARE_PROXY_COUNT = NUM_PROXIES or None
AXES_IPWARE_PROXY_ORDER = "right-most"
AXES_IPWARE_META_PRECEDENCE_ORDER = (
    ("HTTP_X_FORWARDED_FOR", "REMOTE_ADDR") if NUM_PROXIES else ("REMOTE_ADDR",)
)
# New accounts per client address (page and API together).
SIGNUP_RATE = env.str("SIGNUP_RATE", default="5/hour")
# Gallery searches by symbol, per client address (dreams/gallery.py).
GALLERY_SEARCH_RATE = env.str("GALLERY_SEARCH_RATE", default="60/minute")
# Password-reset requests per client address (past it: 429), and reset mails per recipient
# whoever asks (past it nothing is sent, and the page says the same): no inbox can be buried.
PASSWORD_RESET_RATE = env.str("PASSWORD_RESET_RATE", default="5/hour")
PASSWORD_RESET_EMAIL_RATE = env.str("PASSWORD_RESET_EMAIL_RATE", default="3/hour")
# How long a known user or token is remembered to stand in while the database is down.
AUTH_OUTAGE_REMEMBER_SECONDS = env.int("AUTH_OUTAGE_REMEMBER_SECONDS", default=600)
# How long "this session was not revoked" is believed before the database is asked again
# (revocations reach a shared cache at once; a per-process cache learns them this late).
SESSION_REVOCATION_RECHECK_SECONDS = env.int("SESSION_REVOCATION_RECHECK_SECONDS", default=300)

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
# Content-Security-Policy on every response: scripts only from us (or carrying the
# request's nonce), no plugins, no framing. Styles may be inline (the admin, Swagger UI
# and a few style attributes use them); CSS cannot run script in the browsers we support.
# Video may come from object storage (presigned redirects), so its origin is allowed too.
_MEDIA_ORIGINS = [CSP.SELF, "blob:"]
if S3_BUCKET:
    _MEDIA_ORIGINS.append(env.str("S3_PUBLIC_ORIGIN", default="") or _s3_origin())
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF, CSP.UNSAFE_INLINE],
    "img-src": [*_MEDIA_ORIGINS, "data:"],
    "media-src": _MEDIA_ORIGINS,
    "connect-src": [CSP.SELF],
    "font-src": [CSP.SELF, "data:"],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}
X_FRAME_OPTIONS = "DENY"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}
