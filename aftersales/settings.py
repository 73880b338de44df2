"""Settings for the after-sales case management project.

Everything that differs between machines comes from the environment, read once here (12-factor).
Two ways to run, one code path:

* PostgreSQL + Redis: set ``DATABASE_URL`` and ``REDIS_URL`` (or ``CELERY_BROKER_URL``).
* The embedded default for a first look: leave both unset and the project uses SQLite in
  ``DATA_DIR`` and kombu's filesystem transport as the Celery broker, so a real worker and beat
  run without any server.

With ``DEBUG`` off (production) the variables in ``REQUIRED_IN_PRODUCTION`` must be set; a missing
one stops the start with a message that names it.
"""

from __future__ import annotations

import ipaddress
import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from csp.constants import NONCE, NONE, SELF, UNSAFE_INLINE
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from core import crypto as secret_crypto

BASE_DIR = Path(__file__).resolve().parent.parent

TRUE_WORDS = {"1", "true", "yes", "on"}
FALSE_WORDS = {"0", "false", "no", "off", ""}


def env_str(name: str, default: str | None = None) -> str | None:
    value = os.environ.get(name)
    return default if value is None else value


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    word = value.strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise ImproperlyConfigured(f"{name}={value!r} is not a yes/no value: use 1 or 0.")


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    try:
        return int(value)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name}={value!r} is not a whole number.") from exc


def env_list(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name)
    if value is None:
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


DEBUG = env_bool("DEBUG", False)

# In production these must come from the environment; the error names the first one missing.
REQUIRED_IN_PRODUCTION = ("SECRET_KEY", "ALLOWED_HOSTS", "DATABASE_URL", "SECRET_ENCRYPTION_KEYS")
if not DEBUG:
    missing = [name for name in REQUIRED_IN_PRODUCTION if not os.environ.get(name)]
    if not (os.environ.get("CELERY_BROKER_URL") or os.environ.get("REDIS_URL")):
        missing.append("REDIS_URL (or CELERY_BROKER_URL)")
    if missing:
        raise ImproperlyConfigured(
            "Missing required environment variable(s) for production (DEBUG is off): "
            + ", ".join(missing)
            + ". Set them in the environment, or set DEBUG=1 for a local development run."
            + (
                " Make a SECRET_ENCRYPTION_KEYS key with: " + secret_crypto.make_key_command()
                if "SECRET_ENCRYPTION_KEYS" in missing
                else ""
            )
        )

# Secrets at rest (core.crypto): comma-separated Fernet keys; the first encrypts, all decrypt.
# Rotation: put a new key first, run `manage.py rotate_secrets`, then drop the old key. With DEBUG
# on and none set, a development key is derived from SECRET_KEY. A malformed key stops the start.
SECRET_ENCRYPTION_KEYS = secret_crypto.validate_keys(env_list("SECRET_ENCRYPTION_KEYS", []))

SECRET_KEY = env_str("SECRET_KEY") or "django-insecure-development-only-key-do-not-use-in-production"
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

DATA_DIR = Path(env_str("DATA_DIR") or BASE_DIR / "data")

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
    "drf_spectacular_sidecar",
    "django_fsm",
    "solo",
    "axes",
    "csp",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "core",
    "cases",
    "channels_app",
    "feedback",
    "analytics",
    "privacy",
    "accounts",
    # Demo and benchmark data (seed_demo, seed_demo_channels, seed_bench); after the apps it fills.
    "devdata",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "aftersales.middleware.DatabaseUnavailableMiddleware",
    # Caps the event streams a server process holds open (core.streams).
    "core.streams.StreamCapMiddleware",
    # Last, as django-axes asks: it turns a lock-out raised during a login into its response.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "aftersales.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.template.context_processors.tz",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "csp.context_processors.nonce",
            ],
        },
    },
]

WSGI_APPLICATION = "aftersales.wsgi.application"
ASGI_APPLICATION = "aftersales.asgi.application"

# --- Database -----------------------------------------------------------------------------------
DATABASE_URL = env_str("DATABASE_URL")
EMBEDDED = not DATABASE_URL
if DATABASE_URL:
    DATABASES = {
        "default": dj_database_url.parse(
            DATABASE_URL, conn_max_age=env_int("DB_CONN_MAX_AGE", 60), conn_health_checks=True
        )
    }
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": DATA_DIR / "aftersales.sqlite3",  # type: ignore[typeddict-item]  # Django takes a Path too
            "OPTIONS": {"timeout": 20, "transaction_mode": "IMMEDIATE"},
        }
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# django-axes first: it refuses a locked-out login before the password is even checked. It needs
# the request (every login form passes it; the tests sign in with force_login).
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

PASSWORD_MIN_LENGTH = env_int("PASSWORD_MIN_LENGTH", 12)
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": PASSWORD_MIN_LENGTH},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# --- Languages and time -------------------------------------------------------------------------
LANGUAGE_CODE = env_str("LANGUAGE_CODE") or "en"
LANGUAGES = [("en", _("English")), ("zh-hans", _("Simplified Chinese"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env_str("TIME_ZONE") or "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

# --- Static files -------------------------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = Path(env_str("STATIC_ROOT") or BASE_DIR / "staticfiles")
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "media/"
MEDIA_ROOT = Path(env_str("MEDIA_ROOT") or DATA_DIR / "media")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# --- Cache and Celery ---------------------------------------------------------------------------
REDIS_URL = env_str("REDIS_URL")
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL") or REDIS_URL or "filesystem://"
CELERY_BROKER_TRANSPORT_OPTIONS: dict = {}
if CELERY_BROKER_URL.startswith("filesystem://"):
    BROKER_DIR = DATA_DIR / "broker"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(BROKER_DIR / "queue"),
        "data_folder_out": str(BROKER_DIR / "queue"),
        "control_folder": str(BROKER_DIR / "control"),
        "store_processed": False,
    }
elif CELERY_BROKER_URL.startswith(("redis://", "rediss://")):
    # A task whose worker died unacknowledged (acks_late) goes to another worker after this many
    # seconds (Redis' default is an hour). It must stay above the longest retry countdown of a task
    # (analytics.tasks.send_report backs off to at most 10 minutes).
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": env_int("CELERY_VISIBILITY_TIMEOUT", 900)}
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULE_FILENAME = str(DATA_DIR / "celerybeat-schedule")
# The SLA sweep (cases.sla.sweep): how often beat runs it, in seconds (the clocks live in the database,
# so this is the detection lag, not a timer).
SLA_SWEEP_SECONDS = env_int("SLA_SWEEP_SECONDS", 20)
# Analytics: how often beat folds changed cases into the KPI rollups, in seconds.
ANALYTICS_REFRESH_SECONDS = env_int("ANALYTICS_REFRESH_SECONDS", 30)
# ... and how long a computed KPI report is kept in the cache (dropped early when the rollups change).
ANALYTICS_CACHE_SECONDS = env_int("ANALYTICS_CACHE_SECONDS", 30)
CELERY_BEAT_SCHEDULE = {
    "heartbeat": {"task": "aftersales.tasks.heartbeat", "schedule": 30.0},
    "sla-sweep": {"task": "cases.tasks.sweep", "schedule": SLA_SWEEP_SECONDS, "options": {"expires": 60}},
    "send-notifications": {"task": "cases.tasks.send_notifications", "schedule": 30.0, "options": {"expires": 60}},
    # Channels: poll the IMAP inboxes; send or retry outbound messages and the shop's webhooks.
    "poll-inboxes": {
        "task": "channels_app.tasks.poll_inboxes",
        "schedule": float(env_int("MAIL_POLL_SECONDS", 60)),
        "options": {"expires": 60},
    },
    "deliver-messages": {
        "task": "channels_app.tasks.deliver_due_messages",
        "schedule": 30.0,
        "options": {"expires": 60},
    },
    "expire-survey-invitations": {
        "task": "feedback.tasks.expire_invitations",
        "schedule": 3600.0,
        "options": {"expires": 600},
    },
    "deliver-webhooks": {
        "task": "channels_app.tasks.deliver_due_webhooks",
        "schedule": 30.0,
        "options": {"expires": 60},
    },
    # Analytics: fold changed cases into the KPI rollups (the dashboard is at most this old, plus
    # the refresh's own time), and rebuild them from the raw rows every night as a safety net.
    "refresh-rollups": {
        "task": "analytics.tasks.refresh_rollups",
        "schedule": float(ANALYTICS_REFRESH_SECONDS),
        "options": {"expires": 60},
    },
    "rebuild-rollups": {
        "task": "analytics.tasks.rebuild_rollups",
        "schedule": crontab(hour=3, minute=30),
        "options": {"expires": 3600},
    },
    # The KPI report emails (analytics.reports, sent once per period even if beat fires twice):
    # Monday 08:00 for the week before, the 1st at 08:00 for the month before, in CELERY_TIMEZONE.
    "kpi-report-weekly": {
        "task": "analytics.tasks.send_report",
        "schedule": crontab(hour=8, minute=0, day_of_week="mon"),
        "args": ("weekly",),
        "options": {"expires": 6 * 3600},
    },
    "kpi-report-monthly": {
        "task": "analytics.tasks.send_report",
        "schedule": crontab(hour=8, minute=0, day_of_month="1"),
        "args": ("monthly",),
        "options": {"expires": 6 * 3600},
    },
    # Privacy: delete the attachments of cases that ended more than ATTACHMENT_RETENTION_DAYS ago.
    "purge-attachments": {
        "task": "privacy.tasks.purge_attachments",
        "schedule": crontab(hour=4, minute=15),
        "options": {"expires": 6 * 3600},
    },
    # ... and the audit log's rows older than AUDIT_LOG_RETENTION_DAYS (in batches; erasures stay).
    "purge-audit-log": {
        "task": "privacy.tasks.purge_audit_log",
        "schedule": crontab(hour=4, minute=45),
        "options": {"expires": 6 * 3600},
    },
}
# Days an ended (closed, rejected, cancelled) case keeps its attachments; 0 keeps them forever.
ATTACHMENT_RETENTION_DAYS = env_int("ATTACHMENT_RETENTION_DAYS", 365)
# Days the personal-data audit log keeps a row (the erasure rows stay for ever); 0 keeps them all.
AUDIT_LOG_RETENTION_DAYS = env_int("AUDIT_LOG_RETENTION_DAYS", 365)
# Views of one case (or customer) by one user from one address within these minutes are one audit
# row, not one per page load; 0 writes a row for every view.
AUDIT_VIEW_WINDOW_MINUTES = env_int("AUDIT_VIEW_WINDOW_MINUTES", 60)

if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(DATA_DIR / "cache"),
        }
    }

# --- Email --------------------------------------------------------------------------------------
EMAIL_BACKEND = env_str("EMAIL_BACKEND") or (
    "django.core.mail.backends.console.EmailBackend"
    if DEBUG or not env_str("EMAIL_HOST")
    else "django.core.mail.backends.smtp.EmailBackend"
)
EMAIL_HOST = env_str("EMAIL_HOST") or "localhost"
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER") or ""
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD") or ""
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL") or "service@example.com"
SERVER_EMAIL = env_str("SERVER_EMAIL") or DEFAULT_FROM_EMAIL

# --- Security -----------------------------------------------------------------------------------
# Secure by default whenever DEBUG is off; each can be relaxed from the environment (for example
# behind a proxy that terminates TLS, or for a plain-HTTP trial with docker compose).
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# The reverse proxies in front of the app (addresses or CIDR networks, comma-separated): only their
# X-Forwarded-For is believed, walked right to left, to find the client's address for rate limits,
# the audit log and axes (core.client_ip). Empty (the default): the client is REMOTE_ADDR.
TRUSTED_PROXIES = env_list("TRUSTED_PROXIES", [])
for _proxy in TRUSTED_PROXIES:
    try:
        ipaddress.ip_network(_proxy, strict=False)
    except ValueError as exc:
        raise ImproperlyConfigured(
            f"TRUSTED_PROXIES: {_proxy!r} is not an IP address or CIDR network. Give addresses or "
            "networks, comma-separated (e.g. 10.0.0.0/8,127.0.0.1)."
        ) from exc
# Long-lived streams (the chat's server-sent events) under gunicorn's threaded workers
# (aftersales/gunicorn_conf.py, WEB_THREADS threads per process): each open stream holds a thread,
# so a process serves at most STREAMS_PER_PROCESS of them (and always leaves STREAMS_SPARE_THREADS
# threads for other requests), a client at most STREAMS_PER_CLIENT per process; beyond that a stream
# is answered at once with 503 / 429 and Retry-After, and the widget polls (core.streams).
WEB_THREADS = env_int("WEB_THREADS", 8)
STREAMS_SPARE_THREADS = env_int("STREAMS_SPARE_THREADS", 2)
STREAMS_PER_PROCESS = env_int("STREAMS_PER_PROCESS", max(WEB_THREADS - STREAMS_SPARE_THREADS, 0))
STREAMS_PER_CLIENT = env_int("STREAMS_PER_CLIENT", 3)
STREAMS_RETRY_AFTER = env_int("STREAMS_RETRY_AFTER", 30)
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", not DEBUG)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", not DEBUG)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", not DEBUG)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", not DEBUG)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
# Lax: the cookies go with a top-level link from an email (the survey, the portal) but not with a
# cross-site POST, image or frame. The CSRF cookie stays readable by scripts (Django's default;
# HttpOnly on it protects nothing, the token is in every form anyway).
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 12 * 3600)

# Login throttling (django-axes): after AXES_FAILURE_LIMIT wrong passwords (or two-factor codes) for
# one username from one client address, that username is locked from that address for
# AXES_COOLOFF_MINUTES (each new try while locked starts the wait again); a right password from
# there is refused too, from another address it is not. An admin lifts a lock early in the admin
# ("Access attempts": delete the rows) or with ``manage.py axes_reset_username NAME``.
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_MINUTES = env_int("AXES_COOLOFF_MINUTES", 15)
AXES_COOLOFF_TIME = timedelta(minutes=AXES_COOLOFF_MINUTES)
# By username and address together: a stranger who knows a username cannot lock its owner out
# from elsewhere (locking by username alone let anyone do that), and one agent's typos do not lock
# the colleagues behind the same office address. The address is the client's (core.client_ip,
# behind TRUSTED_PROXIES), not the proxy's, or everyone would share one lock. Spraying one password
# over many usernames or addresses meets the password rules (12+ characters, not a common one).
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_CLIENT_IP_CALLABLE = "core.client_ip.client_ip"
SILENCED_SYSTEM_CHECKS: list[str] = []  # none (a silenced check needs its reason written here)
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "accounts.views.locked_out"
AXES_HTTP_RESPONSE_CODE = 429
# Masked in the POST data axes stores with each failed attempt (the password always is).
AXES_SENSITIVE_PARAMETERS = ["username", "ip_address", "otp_token"]
# The address logged with each attempt is core.client_ip's: X-Forwarded-For only from a trusted proxy.

# Two-factor sign-in (django-otp, TOTP): optional; a staff member who enrols an authenticator app
# on the workbench's "Two-factor sign-in" page then needs its 6-digit code at every login.
OTP_TOTP_ISSUER = env_str("OTP_TOTP_ISSUER") or "After-sales workbench"
OTP_TOTP_TOLERANCE = 1  # one 30-second step either side, for clocks a little off
# django-otp's own throttle is per device: wrong codes from anywhere made the owner wait too (1 s,
# doubling without end). Off; accounts.services.check_code makes the same wait per client address.
OTP_TOTP_THROTTLE_FACTOR = 0
# The admin never shows a device's key or its QR code (the key is a secret: it makes the codes).
OTP_ADMIN_HIDE_SENSITIVE_DATA = True

# Content-Security-Policy (django-csp) on every page: scripts only from our own static files (or a
# tag carrying the response's nonce), no inline script or on*= handler, no eval, no plugin, no
# framing. Styles allow inline ones: htmx, the chat widget (in its shadow root), Django's admin
# and Swagger UI write <style> elements and style attributes, and a style cannot run code.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF, UNSAFE_INLINE],
        "img-src": [SELF, "data:", "blob:"],
        "font-src": [SELF, "data:"],
        "connect-src": [SELF],
        "worker-src": [SELF, "blob:"],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
        **({"report-uri": [env_str("CSP_REPORT_URI")]} if env_str("CSP_REPORT_URI") else {}),
    },
}

# --- API ----------------------------------------------------------------------------------------
REST_FRAMEWORK = {
    # Token first: a request without credentials gets 401 with "WWW-Authenticate: Token".
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "core.api.exception_handler",
    # No global pagination: each list names its own (the case list pages by keyset, 25 a page).
}
SPECTACULAR_SETTINGS = {
    "TITLE": "After-sales case management API",
    "DESCRIPTION": "Orders in from the shop; cases, their state machine and the return policy.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    # Swagger UI and Redoc served from our own static files: no CDN at run time.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # One enum per choice set, named after it, however many fields use it.
    "ENUM_NAME_OVERRIDES": {
        "CaseStatusEnum": "cases.models.CaseStatus",
        "OrderStatusEnum": "cases.models.OrderStatus",
        "InspectionGradeEnum": "cases.models.InspectionGrade",
        "CaseKindEnum": "cases.models.CaseKind",
        "ClockKindEnum": "cases.models.ClockKind",
        "NotificationKindEnum": "cases.models.NotificationKind",
    },
}

# --- Product settings (managers change the policy data in admin; these are engineering knobs) ---
CASE_NUMBER_PREFIX = env_str("CASE_NUMBER_PREFIX") or "RMA"
CASE_REOPEN_WINDOW_DAYS = env_int("CASE_REOPEN_WINDOW_DAYS", 15)
POLICY_REGION = env_str("POLICY_REGION") or "CN"
# The self-service portal: where returns go (printed on the slip), and how codes go out by SMS
# (a dotted path to a callable(phone, text); the default prints them, for development).
DEFAULT_RETURN_ADDRESS = "退货仓 Returns Centre\n上海市青浦区华新镇 1 号\n200000 Shanghai, China"
RETURN_ADDRESS = (env_str("RETURN_ADDRESS") or "").replace("\\n", "\n") or DEFAULT_RETURN_ADDRESS
# When on, agents see only the cases of their teams (plus theirs and those no team owns yet);
# managers and admins (permission view_all_teams) see all.
DESK_TEAMS_RESTRICT = env_bool("DESK_TEAMS_RESTRICT", False)
LOGIN_URL = "desk:login"
# The workbench's login form (the admin's is set in accounts/admin.py): password, then the TOTP
# code for staff who enrolled.
DESK_LOGIN_FORM = "accounts.forms.LoginForm"
LOGIN_REDIRECT_URL = "desk:queue"
# The public address of the site, for links in emails to customers.
SITE_URL = env_str("SITE_URL") or "http://127.0.0.1:8000"
# "off": no text messages (the portal asks for the email instead); the console backend prints the
# codes, so with DEBUG off it stops the start (core.checks), and production's default is off.
PORTAL_SMS_BACKEND = env_str("PORTAL_SMS_BACKEND") or ("channels_app.portal.console_sms" if DEBUG else "off")
# Channels (channels_app): size caps of inbound mail, how long a customer's open case takes in a
# message that names no case, and the timeout of outgoing HTTP calls (social replies, webhooks).
MAIL_MAX_MESSAGE_BYTES = env_int("MAIL_MAX_MESSAGE_BYTES", 25 * 1024 * 1024)
MAIL_MAX_ATTACHMENT_BYTES = env_int("MAIL_MAX_ATTACHMENT_BYTES", 10 * 1024 * 1024)
CHANNELS_JOIN_OPEN_CASE_DAYS = env_int("CHANNELS_JOIN_OPEN_CASE_DAYS", 30)
CHANNELS_HTTP_TIMEOUT = env_int("CHANNELS_HTTP_TIMEOUT", 10)
# Outgoing URLs (shop webhooks, social replies) must be https and resolve to public addresses only;
# an in-house shop on a private network (or plain http) needs this on (core.outgoing).
OUTGOING_ALLOW_PRIVATE_NETWORKS = env_bool("OUTGOING_ALLOW_PRIVATE_NETWORKS", False)
# Phone numbers written without a country code are read in this region (ISO 3166 code; core.phones).
PHONE_DEFAULT_REGION = (env_str("PHONE_DEFAULT_REGION") or "CN").upper()
DATA_UPLOAD_MAX_MEMORY_SIZE = MAIL_MAX_MESSAGE_BYTES + 1024 * 1024  # a raw email is posted whole

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL") or "INFO"},
}

# In DEBUG, serve static files straight from the apps (no collectstatic needed for a first look).
WHITENOISE_USE_FINDERS = DEBUG
WHITENOISE_AUTOREFRESH = DEBUG

if EMBEDDED or CELERY_BROKER_URL.startswith("filesystem://"):
    # The embedded default keeps its database, broker queue and cache in DATA_DIR.
    for folder in (DATA_DIR, DATA_DIR / "broker" / "queue", DATA_DIR / "broker" / "control"):
        folder.mkdir(parents=True, exist_ok=True)
