"""Django settings for Pacer.

Everything a deployment changes comes from environment variables prefixed ``PACER_``;
the defaults give the embedded set-up (SQLite in WAL mode plus a local Delta Lake
warehouse under ``PACER_DATA_DIR``).
"""

import os
from pathlib import Path

import dj_database_url

from pacer.core.secrets import secret_key
from pacer.ops.logs import logging_config

BASE_DIR = Path(__file__).resolve().parent
DATA_DIR = Path(os.environ.get("PACER_DATA_DIR", Path.cwd() / "var")).resolve()
WAREHOUSE_DIR = Path(os.environ.get("PACER_WAREHOUSE_DIR", DATA_DIR / "warehouse"))

DEBUG = os.environ.get("PACER_DEBUG", "0") == "1"
ALLOWED_HOSTS = os.environ.get("PACER_ALLOWED_HOSTS", "localhost,127.0.0.1,[::1],testserver").split(
    ","
)
SECRET_KEY = secret_key(os.environ.get("PACER_SECRET_KEY"), DATA_DIR, debug=DEBUG)

# Behind HTTPS (PACER_HTTPS=1, typically a TLS-terminating proxy that sets
# X-Forwarded-Proto): secure cookies, HSTS, redirect plain HTTP. The embedded demo serves
# plain HTTP on localhost, so it stays off there.
HTTPS = os.environ.get("PACER_HTTPS", "0") == "1"
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = HTTPS
SECURE_SSL_REDIRECT = HTTPS
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if HTTPS else None
SECURE_HSTS_SECONDS = 31_536_000 if HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = SECURE_HSTS_PRELOAD = HTTPS
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = CSRF_COOKIE_SAMESITE = "Lax"
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
# Content-Security-Policy of every page (pacer.core.middleware.SecurityHeaders): scripts
# and styles from this site only (inline styles allowed for the charts' sizing), no
# framing, forms post here only.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; connect-src 'self'; font-src 'self'; object-src 'none'; "
    "base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)
# Failed sign-ins allowed per user name, and per client address, in LOGIN_WINDOW_SECONDS.
LOGIN_FAILURES_PER_USERNAME = 5
LOGIN_FAILURES_PER_ADDRESS = 20
LOGIN_WINDOW_SECONDS = 15 * 60

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    # ninja's templates and static files: /api/docs serves Swagger UI from them (the
    # package ships them; without this it loads them from a CDN)
    "ninja",
    "django_tasks",
    "django_tasks_db",
    "pacer.core",
    "pacer.people",
    "pacer.ingest",
    "pacer.planning",
    "pacer.warehouse",
    "pacer.metrics",
    "pacer.experiments",
    "pacer.leads",
    "pacer.messaging",
    "pacer.segments",
    "pacer.teams",
    "pacer.privacy",
    "pacer.ops",
    "pacer.work",
    "pacer.content",
    "pacer.demo",
    "pacer.web",
]

MIDDLEWARE = [
    "pacer.ops.middleware.RequestContextMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "pacer.core.middleware.SecurityHeaders",
    "pacer.core.middleware.WorkspaceMiddleware",
    "pacer.web.address.PageAddressMiddleware",
    "pacer.web.error_labels.ErrorLabelMiddleware",
]

ROOT_URLCONF = "pacer.urls"
ASGI_APPLICATION = "pacer.asgi.application"

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
                "pacer.web.context.workspace_nav",
                "pacer.web.context.address",
            ]
        },
    }
]


# WAL lets readers run beside the one writer; synchronous=FULL makes every commit durable
# before we acknowledge it; IMMEDIATE takes the write lock at BEGIN so concurrent writers
# queue instead of failing on lock upgrade. Also for a sqlite:// PACER_DATABASE_URL.
SQLITE_OPTIONS = {
    "init_command": (
        "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; "
        "PRAGMA busy_timeout=30000; PRAGMA cache_size=-65536;"
    ),
    "transaction_mode": "IMMEDIATE",
    "timeout": 30,
}


def _database() -> dict:
    url = os.environ.get("PACER_DATABASE_URL")
    if url:
        config = dj_database_url.parse(url, conn_max_age=60)
        if config["ENGINE"] == "django.db.backends.sqlite3":
            config["OPTIONS"] = SQLITE_OPTIONS
        config.setdefault("TEST", {})
        return config
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    return {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": DATA_DIR / "pacer.sqlite3",
        "OPTIONS": SQLITE_OPTIONS,
        # A file, not memory, so that processes a test starts (worker, sync) share it.
        "TEST": {"NAME": DATA_DIR / "test.sqlite3"},
    }


DATABASES = {"default": _database()}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

TASKS = {
    "default": {
        "BACKEND": "django_tasks_db.DatabaseBackend",
        "QUEUES": ["default", "warehouse"],
    }
}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "/login/"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/login/"

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = False
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = DATA_DIR / "static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True

DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# Segment's documented limits: 32 KB per event, 500 KB per batch request.
INGEST_MAX_EVENT_BYTES = 32 * 1024
INGEST_MAX_BATCH_BYTES = 500 * 1024
# The worker looks for newly accepted events this often, and processes them once no batch
# has arrived for QUIET seconds or the oldest has waited MAX_LAG (pacer.ingest.processing).
INGEST_PROCESS_POLL_SECONDS = float(os.environ.get("PACER_INGEST_PROCESS_POLL_SECONDS", "0.2"))
INGEST_PROCESS_QUIET_SECONDS = 0.5
INGEST_PROCESS_MAX_LAG_SECONDS = float(os.environ.get("PACER_INGEST_PROCESS_MAX_LAG_SECONDS", "3"))
# Events per processing transaction: bigger chunks reload fewer contacts (less work per
# event) but hold the write lock longer, delaying the API's appends meanwhile.
INGEST_PROCESS_CHUNK = int(os.environ.get("PACER_INGEST_PROCESS_CHUNK", "20000"))

# How often the worker hands new change-feed batches to their subscribers.
FEED_POLL_SECONDS = float(os.environ.get("PACER_FEED_POLL_SECONDS", "0.5"))

# Email (lead auto-replies, reminders, escalations): SMTP when PACER_SMTP_HOST is set;
# otherwise each message is written to a file under $PACER_DATA_DIR/outbox, so nothing
# is lost on an install without a mail server.
DEFAULT_FROM_EMAIL = os.environ.get("PACER_EMAIL_FROM", "pacer@localhost")
if os.environ.get("PACER_SMTP_HOST"):
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_HOST = os.environ["PACER_SMTP_HOST"]
    EMAIL_PORT = int(os.environ.get("PACER_SMTP_PORT", "25"))
    EMAIL_HOST_USER = os.environ.get("PACER_SMTP_USER", "")
    EMAIL_HOST_PASSWORD = os.environ.get("PACER_SMTP_PASSWORD", "")
    EMAIL_USE_TLS = os.environ.get("PACER_SMTP_TLS", "0") == "1"
    EMAIL_TIMEOUT = 10
else:
    EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    EMAIL_FILE_PATH = DATA_DIR / "outbox"
# The address people reach this install at, for links in emails (unsubscribe, tracking).
BASE_URL = os.environ.get("PACER_BASE_URL", "http://localhost:8000").rstrip("/")
# How often the worker delivers queued messages, and how many one run claims.
MESSAGING_SECONDS = float(os.environ.get("PACER_MESSAGING_SECONDS", "1"))
MESSAGING_BATCH = 500
# How long a worker's claim on messages lasts before another may take them (its crash).
MESSAGING_LEASE_SECONDS = float(os.environ.get("PACER_MESSAGING_LEASE_SECONDS", "300"))
# Outbound HTTP (webhooks, SMS providers) reaches public addresses only
# (pacer.core.outbound); these networks (comma-separated CIDRs) may be reached on purpose.
OUTBOUND_ALLOWED_NETWORKS = [
    cidr for cidr in os.environ.get("PACER_OUTBOUND_ALLOW", "").split(",") if cidr.strip()
]
# How often the worker fires due lead timers and hands notices to SMTP.
LEAD_TIMER_SECONDS = float(os.environ.get("PACER_LEAD_TIMER_SECONDS", "2"))
# How often the staff lead inbox refreshes itself (new leads, deadlines, reminders).
LEAD_INBOX_REFRESH_SECONDS = 15
# Hosted lead forms: submissions allowed per client address in the window.
LEAD_FORM_SUBMISSIONS_PER_ADDRESS = 10
LEAD_FORM_WINDOW_SECONDS = 10 * 60
# ... and per form from everyone together, unless the form sets its own ceiling.
LEAD_FORM_SUBMISSIONS_PER_FORM = 200
# An away member's leads are handed over by a task, this many leads per run (then the
# next run is queued), so one long time off never holds a worker for long.
LEAD_HANDOVER_BATCH = int(os.environ.get("PACER_LEAD_HANDOVER_BATCH", "100"))
# SMS to staff (reminders): an HTTP provider when PACER_SMS_URL is set (public addresses
# only), else one JSON file per message in the outbox folder.
LEAD_SMS_URL = os.environ.get("PACER_SMS_URL", "")
LEAD_SMS_TOKEN = os.environ.get("PACER_SMS_TOKEN", "")
LEAD_SMS_OUTBOX = Path(os.environ.get("PACER_SMS_OUTBOX", DATA_DIR / "sms-outbox"))

# How often the worker pushes new operational rows into the warehouse.
WAREHOUSE_SYNC_SECONDS = int(os.environ.get("PACER_WAREHOUSE_SYNC_SECONDS", "30"))
# Rows per warehouse append commit (and per read of a snapshot table).
WAREHOUSE_SYNC_CHUNK = int(os.environ.get("PACER_WAREHOUSE_SYNC_CHUNK", "50000"))

# Erased people's identifiers are kept as HMACs under this key (pacer.privacy): set once
# (PACER_PRIVACY_HASH_KEY) or generated once per installation, apart from SECRET_KEY;
# changing it makes earlier suppressions unmatchable.
PRIVACY_HASH_KEY = secret_key(
    os.environ.get("PACER_PRIVACY_HASH_KEY"), DATA_DIR, debug=DEBUG, file="privacy_hash_key"
)
# /metrics wants this bearer token; unset, it answers direct localhost requests only.
METRICS_TOKEN = os.environ.get("PACER_METRICS_TOKEN", "")

# JSON lines on stderr (PACER_LOG_FORMAT=text for plain lines), see pacer.ops.logs.
LOGGING = logging_config(
    os.environ.get("PACER_LOG_LEVEL", "WARNING"), os.environ.get("PACER_LOG_FORMAT", "json")
)
