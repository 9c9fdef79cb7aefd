"""Settings for the social-governance center, read from the environment (12-factor).

Every variable is listed in `.env.example`. With nothing set the project runs on SQLite under
`var/` and a filesystem Celery broker that needs no server; `DATABASE_URL` and `REDIS_URL`
switch to PostgreSQL and Redis. Bad values raise `ImproperlyConfigured` with a one-line
explanation, which `manage.py` prints without a stack trace.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import sys
from pathlib import Path

from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured

from governance.config import Env, check_sms_gateway, check_voice_gateway

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

VAR_DIR = env.path("VAR_DIR", default=BASE_DIR / "var")

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
MEDIA_ROOT = env.path("MEDIA_ROOT", default=VAR_DIR / "media")
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
    "deadline-audit": {"task": "dispatch.tasks.deadline_audit", "schedule": 60.0, "options": {"expires": 55}},
    "radar-run": {"task": "review.tasks.radar_run", "schedule": 3600.0, "options": {"expires": 3000}},
    # Nightly: verify every matter's timeline hash chain (intake/chain.py) for the status page.
    "timeline-verify": {"task": "intake.tasks.timeline_verify", "schedule": crontab(hour=3, minute=40),
                        "options": {"expires": 3000}},
    "daily-report": {"task": "review.tasks.daily_report_generate",
                     "schedule": crontab(hour=7, minute=30), "options": {"expires": 3000}},
    # The standing meetings' next occurrences (their reminders run on the deadline engine).
    "cadences-plan": {"task": "review.tasks.cadences_plan", "schedule": 3600.0, "options": {"expires": 3000}},
    # The month's 研判专报 drafted on the 1st for the month before.
    "analysis-monthly": {"task": "review.tasks.analysis_monthly", "schedule": crontab(day_of_month=1, hour=6, minute=0),
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

# --- Email / SMS ---------------------------------------------------------------------------
EMAIL_BACKEND = env.str("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = env.str("EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("EMAIL_PORT", default=25)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="center@localhost")
# An urgent message (a summons call-up or escalation) keeps retrying, never abandoned, this long
# after it was made (longer than any report-in deadline); the status page shows it red meanwhile.
URGENT_RETRY_MINUTES = env.int("URGENT_RETRY_MINUTES", default=30)
# Quiet hours: an ordinary message outside the app (SMS, WeCom, DingTalk, e-mail) made after the office
# day or on a day off waits until the office opens (WORKING_HOURS, the working calendar); urgent kinds
# (summons, wartime, escalations, urgent reports, the minutes-scale clocks) go at once. Off: all at once.
NOTIFICATION_QUIET_HOURS = env.bool("NOTIFICATION_QUIET_HOURS", default=True)
# The gateways' limits per recipient (dispatch.services.gateway_limits): a message that would exceed one
# waits until the window has room. `count/unit`, units s, min, hour, day; empty: no limit. Defaults are
# the vendors' documented ones (WeCom drops what exceeds its limits without an error); SMS has none by
# default: each vendor's console sets its own (Aliyun counts per template), set SMS_RATE_LIMITS to it.
NOTIFICATION_RATE_LIMITS = {
    "sms": env.rate_limits("SMS_RATE_LIMITS", default=""),
    "wecom": env.rate_limits("WECOM_RATE_LIMITS", default="30/min,1000/hour"),
    "dingtalk": env.rate_limits("DINGTALK_RATE_LIMITS", default="500/day"),
    "wecom_bot": env.rate_limits("WECOM_GROUP_RATE_LIMITS", default="20/min"),
    "ding_bot": env.rate_limits("DINGTALK_GROUP_RATE_LIMITS", default="20/min"),
    "voice": env.rate_limits("VOICE_RATE_LIMITS", default="1/min"),
}
SMS_BACKEND = env.str("SMS_BACKEND", default="dispatch.sms.ConsoleSMSBackend")
# The address people open from a message (WeCom/DingTalk links, SMS templates with a link).
SITE_URL = env.web_address("SITE_URL")
# Real gateways (README, "Notifications"): the AccessKey (Aliyun) or SecretId/SecretKey (Tencent),
# the approved signature, Tencent's SmsSdkAppId, and the approved template codes.
SMS_KEY_ID = env.str("SMS_KEY_ID", default="")
SMS_KEY_SECRET = env.str("SMS_KEY_SECRET", default="")
SMS_SIGN_NAME = env.str("SMS_SIGN_NAME", default="社会治理中心")
SMS_APP_ID = env.str("SMS_APP_ID", default="")
SMS_REGION = env.str("SMS_REGION", default="")
# Another gateway address (a proxy, a private-cloud endpoint; the tests' fake gateway).
SMS_ENDPOINT = env.web_address("SMS_ENDPOINT")
SMS_TIMEOUT_SECONDS = env.int("SMS_TIMEOUT_SECONDS", default=10)
# Template parameters are clipped to this many characters (Aliyun refuses variables over 35).
SMS_PARAM_MAX_CHARS = env.int("SMS_PARAM_MAX_CHARS", default=35)
# Templates to register with the gateway (texts in the README), each with its parameters in order.
SMS_TEMPLATES = {
    "summons": {"code": env.str("SMS_TEMPLATE_SUMMONS", default=""), "params": ["title", "detail"]},
    "escalation": {"code": env.str("SMS_TEMPLATE_ESCALATION", default=""), "params": ["title", "detail"]},
    "notice": {"code": env.str("SMS_TEMPLATE_NOTICE", default=""), "params": ["title", "detail"]},
}
# Kind (or family `x.*`) -> template; every other kind uses `notice`.
SMS_KIND_TEMPLATES = {
    "summons.requested": "summons",
    "summons.approved": "summons",
    "summons.overdue": "escalation",
    "assignment.escalated": "escalation",
    "assignment.ack_overdue": "escalation",
    "assignment.overdue": "escalation",
    "consultation.action_escalated": "escalation",
    "letter.escalated": "escalation",
    "keyperson.follow_up_escalated": "escalation",
    "escalation": "escalation",
    "mode.*": "summons",
}
check_sms_gateway(SMS_BACKEND, {
    "SMS_KEY_ID": SMS_KEY_ID, "SMS_KEY_SECRET": SMS_KEY_SECRET, "SMS_APP_ID": SMS_APP_ID,
    **{f"SMS_TEMPLATE_{name.upper()}": spec["code"] for name, spec in SMS_TEMPLATES.items()}})
# Voice calls (dispatch.voice): a summons escalation nobody has seen this many minutes after it went
# out calls the leader in charge and the commander on duty; pressing 1 acknowledges. Empty: no calls.
VOICE_BACKEND = env.str("VOICE_BACKEND", default="")
VOICE_KEY_ID = env.str("VOICE_KEY_ID", default=SMS_KEY_ID)
VOICE_KEY_SECRET = env.str("VOICE_KEY_SECRET", default=SMS_KEY_SECRET)
VOICE_ENDPOINT = env.web_address("VOICE_ENDPOINT")
VOICE_SHOW_NUMBER = env.str("VOICE_SHOW_NUMBER", default="")
VOICE_TEMPLATE_ESCALATION = env.str("VOICE_TEMPLATE_ESCALATION", default="")
VOICE_TEMPLATE_CONFIRMED = env.str("VOICE_TEMPLATE_CONFIRMED", default="")
VOICE_TEMPLATE_PARAMS = ["title", "detail"]
VOICE_PARAM_MAX_CHARS = env.int("VOICE_PARAM_MAX_CHARS", default=35)
VOICE_PLAY_TIMES = env.int("VOICE_PLAY_TIMES", default=2)
VOICE_CALL_AFTER_MINUTES = env.float("VOICE_CALL_AFTER_MINUTES", default=5)
check_voice_gateway(VOICE_BACKEND, {
    "VOICE_KEY_ID": VOICE_KEY_ID, "VOICE_KEY_SECRET": VOICE_KEY_SECRET, "VOICE_SHOW_NUMBER": VOICE_SHOW_NUMBER,
    "VOICE_TEMPLATE_ESCALATION": VOICE_TEMPLATE_ESCALATION, "VOICE_TEMPLATE_CONFIRMED": VOICE_TEMPLATE_CONFIRMED},
    play_times=VOICE_PLAY_TIMES, after_minutes=VOICE_CALL_AFTER_MINUTES)
# WeCom (企业微信) app messages: the corp id, the app's AgentId and Secret (README, "Notifications").
WECOM_CORP_ID = env.str("WECOM_CORP_ID", default="")
WECOM_AGENT_ID = env.str("WECOM_AGENT_ID", default="")
WECOM_SECRET = env.str("WECOM_SECRET", default="")
WECOM_ENDPOINT = env.web_address("WECOM_ENDPOINT")
# DingTalk (钉钉 / 政务钉钉) work notifications: the app's AppKey, AppSecret and AgentId.
DINGTALK_APP_KEY = env.str("DINGTALK_APP_KEY", default="")
DINGTALK_APP_SECRET = env.str("DINGTALK_APP_SECRET", default="")
DINGTALK_AGENT_ID = env.str("DINGTALK_AGENT_ID", default="")
DINGTALK_ENDPOINT = env.web_address("DINGTALK_ENDPOINT")
for _name, _value in (("WECOM_AGENT_ID", WECOM_AGENT_ID), ("DINGTALK_AGENT_ID", DINGTALK_AGENT_ID)):
    if _value and not _value.isdigit():
        raise ImproperlyConfigured(f"{_name}={_value!r} 应为数字（应用的 AgentId）。")
# A call-up message's confirmation link is valid this long (minutes) after it was sent.
ACK_LINK_MINUTES = env.int("ACK_LINK_MINUTES", default=120)
# Delivery receipts (状态报告) of SMS and voice calls are taken at /dispatch/receipts/sms/<vendor>/<token>/
# and /dispatch/receipts/voice/<vendor>/<token>/ only when this is set.
SMS_RECEIPT_TOKEN = env.str("SMS_RECEIPT_TOKEN", default="")

# --- REST API ------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        # django-rest-knox tokens: only a SHA-512 digest is stored, and they expire.
        "governance.authentication.TokenAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "governance.api.StrictPageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "governance.api.exception_handler",
    # Per user (session or token) and per address for the anonymous; Open311 per platform key.
    # Too many calls answer 429 with Retry-After.
    "DEFAULT_THROTTLE_CLASSES": [
        "rest_framework.throttling.AnonRateThrottle",
        "rest_framework.throttling.UserRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": env.str("API_THROTTLE_ANON", default="60/minute"),
        "user": env.str("API_THROTTLE_USER", default="300/minute"),
        "open311": env.str("API_THROTTLE_OPEN311", default="120/minute"),
    },
}
# API tokens (`Authorization: Token <key>`, from `manage.py drf_create_token USER`): valid for
# API_TOKEN_TTL_DAYS days, stored hashed; revoke with `drf_create_token USER --revoke`.
REST_KNOX = {
    "TOKEN_TTL": dt.timedelta(days=env.int("API_TOKEN_TTL_DAYS", default=30)),
    "AUTH_HEADER_PREFIX": "Token",
    "AUTO_REFRESH": False,
}

SPECTACULAR_SETTINGS = {
    "TITLE": "社会治理中心 API",
    "DESCRIPTION": "事项受理、调度派单、督办考核接口",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # Not a public API: the schema and the docs page only for signed-in users (issue 24 item 7).
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    # Every operation documents every status it can answer (400/403/404/405/406/409/413/415/429).
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "governance.api.document_error_statuses",
    ],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # One stable enum name per choice set shared by several endpoints.
    "ENUM_NAME_OVERRIDES": {
        "CaseStatusEnum": "intake.choices.CaseStatus",
        "IntakeChannelEnum": "intake.choices.Channel",
        "HandlingModeEnum": "intake.choices.HandlingMode",
        "ComplexityEnum": "intake.choices.Complexity",
        "PartyKindEnum": "intake.choices.PartyKind",
        "AssignmentStatusEnum": "dispatch.choices.AssignmentStatus",
        "SummonsStatusEnum": "dispatch.choices.SummonsStatus",
        "ModeKindEnum": "intake.choices.OperatingMode",
        "ShiftKindEnum": "dispatch.choices.ShiftKind",
        "NotificationChannelEnum": "dispatch.choices.NotificationChannel",
        "DeliveryStatusEnum": "dispatch.choices.DeliveryStatus",
        "KeyPersonRiskEnum": "grid.choices.KeyPersonRisk",
        "RiskLevelEnum": "intake.choices.RiskLevel",
        "SignMethodEnum": "dispatch.choices.SignMethod",
    },
}

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
