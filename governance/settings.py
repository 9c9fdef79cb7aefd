"""Settings for the social-governance center, read from the environment (12-factor).

Every variable is listed in `.env.example`. With nothing set the project runs on SQLite under
`var/` and a filesystem Celery broker that needs no server; `DATABASE_URL` and `REDIS_URL`
switch to PostgreSQL and Redis. Bad values raise `ImproperlyConfigured` with a one-line
explanation, which `manage.py` prints without a stack trace.
"""

from __future__ import annotations

import ipaddress
import sys
from pathlib import Path

from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured

from governance.config import Env
from governance.settings_api import api_settings
from governance.settings_channels import channel_settings

BASE_DIR = Path(__file__).resolve().parent.parent

env = Env()

DEBUG = env.bool("DEBUG", default=False)
SECRET_KEY = env.str("SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY 未设置：生产环境必须设置 SECRET_KEY（开发时可设 DEBUG=1 使用内置开发密钥）。"
        )
    SECRET_KEY = "dev-only-insecure-key-do-not-use-in-production"  # noqa: S105

# Personal data at rest (governance/crypto.py): Fernet keys for ID numbers and phones (comma-separated,
# the first encrypts, all decrypt: rotation) and the separate HMAC key of their blind index. Both are
# required unless DEBUG is on; the development keys below are refused in production.
_DEV_PII_ENCRYPTION_KEY = "ZGV2LW9ubHktcGlpLWtleS1ub3QtZm9yLXByb2R1Y3Q="  # noqa: S105 - dev only
_DEV_PII_INDEX_KEY = "dev-only-pii-index-key-not-for-production"  # noqa: S105 - dev only
PII_ENCRYPTION_KEYS = env.list("PII_ENCRYPTION_KEYS", default=[])
PII_INDEX_KEY = env.str("PII_INDEX_KEY", default="")
if not DEBUG and (not PII_ENCRYPTION_KEYS or _DEV_PII_ENCRYPTION_KEY in PII_ENCRYPTION_KEYS
                  or not PII_INDEX_KEY or PII_INDEX_KEY == _DEV_PII_INDEX_KEY):
    raise ImproperlyConfigured(
        "PII_ENCRYPTION_KEYS / PII_INDEX_KEY 未设置或为开发密钥：生产环境必须设置个人信息加密密钥和索引密钥"
        "（生成：python -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())'）。")
PII_ENCRYPTION_KEYS = PII_ENCRYPTION_KEYS or [_DEV_PII_ENCRYPTION_KEY]
PII_INDEX_KEY = PII_INDEX_KEY or _DEV_PII_INDEX_KEY
for _key in PII_ENCRYPTION_KEYS:
    try:
        from cryptography.fernet import Fernet as _Fernet

        _Fernet(_key.encode())
    except ValueError:
        raise ImproperlyConfigured("PII_ENCRYPTION_KEYS 中有无效的密钥：每个应为 32 字节的 URL 安全 base64（Fernet 密钥）。") from None

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

VAR_DIR = Path(env.str("VAR_DIR", default="") or BASE_DIR / "var")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "knox",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "guardian",
    "axes",
    "csp",
    "governance.apps.GovernanceConfig",
    "intake.apps.IntakeConfig",
    "dispatch.apps.DispatchConfig",
    "grid.apps.GridConfig",
    "review.apps.ReviewConfig",
    # After review: a matter's page shows review's panels (letters, ladder) before the command's.
    "command.apps.CommandConfig",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "governance.middleware.BadInputMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "governance.middleware.ChineseByDefaultMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Personal data is never kept by a browser's or a proxy's cache; Permissions-Policy on every page.
    "governance.middleware.PrivateByDefaultMiddleware",
    # An API write with an Idempotency-Key header is done once; a retry gets the first answer.
    "governance.idempotency.IdempotencyKeyMiddleware",
    # After a write, this browser's next reads stay on the primary for a few seconds (a replica lags).
    "governance.replica.ReplicaPinMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "dispatch.middleware.QueuedNotificationsMiddleware",
    "dispatch.middleware.DutyOncePerReadMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # A page's NotFoundError (missing, or not yours) is its 404: the one way, no view catches it.
    "governance.middleware.NotFoundMiddleware",
    # Last, as django-axes requires: turns a locked-out login into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "governance.urls"
WSGI_APPLICATION = "governance.wsgi.application"

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
                "governance.context_processors.shell",
                "dispatch.context_processors.shell",
            ],
        },
    },
]

DATABASES = {"default": env.database(default_sqlite=VAR_DIR / "db.sqlite3")}
# Reports, the dashboard, the assessment, the radar and exports read from a streaming replica when one
# is given (governance/replica.py: what stays on the primary, and the circuit breaker).
_replica = env.replica_database(DATABASES["default"])
if _replica is not None:
    DATABASES["replica"] = _replica
DATABASE_ROUTERS = ["governance.replica.ReplicaRouter"]
REPLICA_MAX_LAG_SECONDS = env.float("REPLICA_MAX_LAG_SECONDS", 30.0)
REPLICA_CHECK_SECONDS = env.float("REPLICA_CHECK_SECONDS", 10.0)
REPLICA_PIN_SECONDS = env.int("REPLICA_PIN_SECONDS", 10)
# Behind PgBouncer in transaction mode a connection's server changes between transactions: no
# server-side cursors (Django's documented requirement), and no connection kept by Django itself.
if env.bool("DATABASE_PGBOUNCER", default=False):
    for _database in DATABASES.values():
        _database["DISABLE_SERVER_SIDE_CURSORS"] = True
# Persistent connections only where the number of threads is bounded (gunicorn's workers x threads,
# Celery's pool). `runserver` starts a thread per request and a thread never closes the connection
# it kept: with CONN_MAX_AGE it leaks one connection per thread until PostgreSQL refuses clients.
if sys.argv[1:2] == ["runserver"]:
    for _database in DATABASES.values():
        _database["CONN_MAX_AGE"] = 0

AUTHENTICATION_BACKENDS = [
    # First: refuses a locked-out account or address before any password is checked.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    "guardian.backends.ObjectPermissionBackend",
]
ANONYMOUS_USER_NAME = None  # guardian: no anonymous user row; anonymous visitors see nothing

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = VAR_DIR / "staticfiles"
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default="") or VAR_DIR / "media")
STORAGES = {
    # Photos are stored upright and without their EXIF (GPS, phone, time): governance/storage.py.
    "default": {"BACKEND": "governance.storage.MediaStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = DEBUG

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Transport and browser security (production values: docker-compose.yml) -------------------
SESSION_COOKIE_SECURE = env.bool("SECURE_COOKIES", default=False)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=False)
# The load balancer's health probe speaks plain HTTP inside the network.
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^livez$"]
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = SECURE_HSTS_SECONDS > 0
# Preloading is for a site that will keep HTTPS on every subdomain for good: on with a year of HSTS.
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=SECURE_HSTS_SECONDS >= 31536000)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Behind nginx terminating TLS: SECURE_PROXY_SSL_HEADER=1 trusts its X-Forwarded-Proto (only then).
if env.bool("SECURE_PROXY_SSL_HEADER", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# Content-Security-Policy (django-csp): no inline script or style anywhere; every script is a
# static file. Attachments get their own stricter policy (intake.views.attachments).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

# The admin's address; set ADMIN_URL to something not guessable in production (`admin/` by default).
ADMIN_URL = env.str("ADMIN_URL", default="admin/").strip("/") + "/"
if ADMIN_URL == "/" or not ADMIN_URL.replace("/", "").replace("-", "").replace("_", "").isalnum():
    raise ImproperlyConfigured(f"ADMIN_URL={ADMIN_URL!r} 无效：请用字母、数字、- 和 _ 组成的路径，如 manage-7f3k/。")

# --- Login lockout (django-axes, governance/lockout.py) -------------------------------------
# LOGIN_FAILURE_LIMIT wrong passwords for one account from one address lock that account at that
# address; LOGIN_ADDRESS_FAILURE_LIMIT failures from one address (any usernames: password spraying)
# lock the address. Both for LOGIN_LOCKOUT_MINUTES; an administrator unlocks in the admin (登录失败记录:
# delete the attempts) or with `manage.py axes_reset_username USER` / `axes_reset_ip IP`.
AXES_FAILURE_LIMIT = env.int("LOGIN_FAILURE_LIMIT", default=5)
LOGIN_ADDRESS_FAILURE_LIMIT = env.int("LOGIN_ADDRESS_FAILURE_LIMIT", default=50)
AXES_COOLOFF_TIME = env.int("LOGIN_LOCKOUT_MINUTES", default=30) / 60  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_HANDLER = "governance.lockout.LockoutHandler"
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "governance/locked_out.html"
AXES_HTTP_RESPONSE_CODE = 429
AXES_VERBOSE = False
# The client's address: X-Forwarded-For is believed only from these proxies (addresses or networks,
# e.g. 127.0.0.1 for nginx on the same host); from anyone else the connection's own address counts.
TRUSTED_PROXIES = env.list("TRUSTED_PROXIES", default=[])
for _proxy in TRUSTED_PROXIES:
    try:
        ipaddress.ip_network(_proxy, strict=False)
    except ValueError:
        raise ImproperlyConfigured(f"TRUSTED_PROXIES 中的 {_proxy!r} 不是 IP 地址或网段（如 127.0.0.1 或 172.16.0.0/12）。") from None
AXES_CLIENT_IP_CALLABLE = "governance.lockout.client_address"

# --- Celery -------------------------------------------------------------------------------
REDIS_URL = env.str("REDIS_URL", default="")
# Reference data cached across requests (governance.cache): shared by every process with Redis;
# per process without it (one runserver process in development).
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "KEY_PREFIX": "gov"}}
if REDIS_URL:
    env.check_url("REDIS_URL", REDIS_URL, schemes={"redis", "rediss"})
    # Throttle counters and reference data shared by every process; read around while Redis is down
    # (governance.cache_backend: a miss, not a 500, with a circuit breaker of CACHE_CIRCUIT_SECONDS).
    CACHES = {"default": {"BACKEND": "governance.cache_backend.ResilientRedisCache", "LOCATION": REDIS_URL,
                          "KEY_PREFIX": "gov",
                          "OPTIONS": {"CIRCUIT_SECONDS": env.int("CACHE_CIRCUIT_SECONDS", default=5)}}}
    CELERY_BROKER_URL = REDIS_URL
    CELERY_BROKER_TRANSPORT_OPTIONS: dict = {
        "visibility_timeout": 3600,
        # Broker priorities within a queue (0 first): a summons call-up overtakes the sweep's bulk.
        "priority_steps": list(range(10)),
        "queue_order_strategy": "priority",
        # A web request publishing while Redis is down gives up in seconds (the outbox keeps the rows).
        "socket_connect_timeout": 2,
        "socket_timeout": 5,
    }
else:
    BROKER_DIR = VAR_DIR / "broker"
    CELERY_BROKER_URL = "filesystem://"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(BROKER_DIR / "out"),
        "data_folder_out": str(BROKER_DIR / "out"),
        "processed_folder": str(BROKER_DIR / "processed"),
        "control_folder": str(BROKER_DIR / "control"),
        "store_processed": False,
    }
    for _folder in ("out", "processed", "control"):
        (BROKER_DIR / _folder).mkdir(parents=True, exist_ok=True)
# Beat keeps its schedule file under var/: create it on a fresh clone (REDIS_URL alone creates nothing).
VAR_DIR.mkdir(parents=True, exist_ok=True)
CELERY_TASK_IGNORE_RESULT = True
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
# Four queues, each with its own worker (Procfile, docker-compose.yml): the deadline sweep never
# waits behind e-mail/SMS deliveries, deliveries never wait behind the rest, and summons messages
# (published to `urgent` by dispatch.services.notifications) never wait behind other deliveries.
CELERY_TASK_DEFAULT_QUEUE = "default"
CELERY_TASK_ROUTES = {
    "dispatch.tasks.deadline_sweep": {"queue": "sweep"},
    "dispatch.tasks.notification_deliver": {"queue": "deliveries"},
    "dispatch.tasks.notification_deliver_batch": {"queue": "deliveries"},
    "dispatch.tasks.notification_publish_rows": {"queue": "deliveries"},
    # on the urgent worker: republishing to a queue whose worker is down would only pile up messages
    "dispatch.tasks.notifications_requeue_urgent": {"queue": "urgent"},
}
BROKER_QUEUES = ["sweep", "urgent", "deliveries", "default"]
# Prefetch one message per worker thread: a sweep or a delivery batch takes seconds, and a message
# reserved by a busy thread would wait behind it (and, with priorities, could not be overtaken).
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# acks_late is set per task where redelivery helps (delivery batches, see dispatch/tasks.py); the
# sweep acknowledges on receipt: it is idempotent and beat sends the next one within 15 s.
CELERY_TASK_ACKS_LATE = False
# Keep reconnecting to the broker forever (with Celery's growing interval, at most 30 s apart);
# the web app keeps serving meanwhile (publishes fail fast and the outbox keeps the messages).
CELERY_BROKER_CONNECTION_RETRY = True
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_CONNECTION_MAX_RETRIES = None
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 2, "interval_start": 0, "interval_step": 0.5, "interval_max": 1}
CELERY_BEAT_SCHEDULE = {
    "heartbeat": {"task": "governance.tasks.heartbeat", "schedule": 60.0, "options": {"expires": 120}},
    "submissions-prune": {"task": "governance.tasks.submissions_prune", "schedule": crontab(hour=3, minute=10),
                          "options": {"expires": 3000}},
    "jobs-recover": {"task": "governance.tasks.jobs_recover", "schedule": 30.0, "options": {"expires": 25}},
    "backup-nightly": {"task": "governance.tasks.backup_nightly", "schedule": crontab(hour=2, minute=30),
                       "options": {"expires": 3000}},
    "notifications-requeue": {"task": "dispatch.tasks.notifications_requeue", "schedule": 60.0,
                              "options": {"expires": 55}},
    "notifications-requeue-urgent": {"task": "dispatch.tasks.notifications_requeue_urgent", "schedule": 10.0,
                                     "options": {"expires": 9}},
    # Every 15 s: a deadline is detected within 15 s plus the sweep's run time (the promise is 30 s).
    "deadline-sweep": {"task": "dispatch.tasks.deadline_sweep", "schedule": 15.0, "options": {"expires": 14}},
    "review-summaries": {"task": "review.tasks.summaries_refresh", "schedule": 600.0, "options": {"expires": 540}},
    # The open matters per grid (the grid tree and pages read them; a page never counts them itself).
    "grid-open-counts": {"task": "grid.tasks.open_counts_refresh", "schedule": 60.0, "options": {"expires": 55}},
    "deadline-audit": {"task": "dispatch.tasks.deadline_audit", "schedule": 60.0, "options": {"expires": 55}},
    "radar-run": {"task": "command.tasks.radar_run", "schedule": 3600.0, "options": {"expires": 3000}},
    # Nightly: verify every matter's timeline hash chain (intake/chain.py) for the status page.
    "timeline-verify": {"task": "intake.tasks.timeline_verify", "schedule": crontab(hour=3, minute=40),
                        "options": {"expires": 3000}},
    "daily-report": {"task": "command.tasks.daily_report_generate",
                     "schedule": crontab(hour=7, minute=30), "options": {"expires": 3000}},
    # The standing meetings' next occurrences (their reminders run on the deadline engine).
    "cadences-plan": {"task": "command.tasks.cadences_plan", "schedule": 3600.0, "options": {"expires": 3000}},
    # The month's 研判专报 drafted on the 1st for the month before.
    "analysis-monthly": {"task": "command.tasks.analysis_monthly", "schedule": crontab(day_of_month=1, hour=6, minute=0),
                         "options": {"expires": 3000}},
}
# seed_demo: how many matters of history (the last four months) the demo district gets; 0 for none.
DEMO_HISTORY_MATTERS = env.int("DEMO_HISTORY_MATTERS", default=1200)
# Long jobs (report exports, summaries, radar) beat at least this often; a lease older than this was
# held by a dead worker and is taken over (jobs-recover), at most JOB_MAX_ATTEMPTS runs per request.
JOB_LEASE_SECONDS = env.int("JOB_LEASE_SECONDS", default=120)
JOB_MAX_ATTEMPTS = env.int("JOB_MAX_ATTEMPTS", default=2)
# Backups (manage.py backup / restore, nightly at 02:30): where, how many kept, and after how many
# hours without a new one the status page warns.
BACKUP_DIR = env.str("BACKUP_DIR", default=str(VAR_DIR / "backups"))
BACKUP_KEEP = env.int("BACKUP_KEEP", default=7)
BACKUP_STALE_HOURS = env.int("BACKUP_STALE_HOURS", default=26)
# Health: how old beat's heartbeat (it publishes one every minute) may be before the status page calls
# it stopped; each worker process beats for its queues every WORKER_HEARTBEAT_SECONDS from a thread of
# its own, and a queue whose worker has not beaten for WORKER_HEARTBEAT_STALE_SECONDS shows stopped.
HEARTBEAT_STALE_SECONDS = env.int("HEARTBEAT_STALE_SECONDS", default=180)
WORKER_HEARTBEAT_SECONDS = env.int("WORKER_HEARTBEAT_SECONDS", default=15)
WORKER_HEARTBEAT_STALE_SECONDS = env.int("WORKER_HEARTBEAT_STALE_SECONDS", default=60)

# --- Working calendar -----------------------------------------------------------------------
# The hours of a working day, for "add N working hours" (Fujian civil service hours by default).
WORKING_HOURS = env.working_hours("WORKING_HOURS", default="08:30-12:00,14:30-17:30")

# --- Email, SMS, voice, WeCom, DingTalk (governance/settings_channels.py) --------------------------
globals().update(channel_settings(env))

# --- REST API (governance/settings_api.py) ---------------------------------------------------------
globals().update(api_settings(env))

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
}

# The demo district's local code (it has no national division code of its own).
DEFAULT_DISTRICT_CODE = env.str("DEFAULT_DISTRICT_CODE", default="QZTS")

# Largest attachment accepted at the window or through the APIs (bytes).
ATTACHMENT_MAX_BYTES = env.int("ATTACHMENT_MAX_BYTES", default=20 * 1024 * 1024)
# Attachments are served only by `intake:attachment` after a permission check. With nginx in front,
# set this to an `internal` location aliased to MEDIA_ROOT (e.g. /protected-media/) and the view
# answers with X-Accel-Redirect instead of streaming the file itself.
ATTACHMENT_X_ACCEL_PREFIX = env.str("ATTACHMENT_X_ACCEL_PREFIX", default="")

# Last: every variable has been read, so a name close to one of them is a typo (REDIS_ULR).
# PORT is read by the Makefile and Procfile.
env.reject_misspelled(also_known={"PORT"})
