"""Sammen settings, driven by environment variables.

With none set, the embedded default: SQLite in var/, the in-memory channel layer,
console e-mail and DEBUG on. With DATABASE_URL and REDIS_URL: PostgreSQL, the
channels-redis layer and Celery on Redis. See the configuration table in README.md.
"""

from __future__ import annotations

import os
from email.utils import parseaddr
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import dj_database_url
from celery.schedules import crontab
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("SAMMEN_VAR_DIR", BASE_DIR / "var"))


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name)
    if not value:
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


def env_number(name: str, default: float, *, whole: bool = True, minimum: float = 0) -> Any:
    """A number from the environment, or a message naming the variable."""
    raw = os.environ.get(name, "").strip()
    if not raw:
        return int(default) if whole else float(default)
    try:
        value = int(raw) if whole else float(raw)
    except ValueError:
        value = None
    if value is None or value < minimum:
        kind = "a whole number" if whole else "a number"
        raise ImproperlyConfigured(f"{name} must be {kind} of at least {minimum:g}, not {raw!r}.")
    return value


DEBUG = env_bool("DEBUG", True)

_DEV_SECRET = "django-insecure-sammen-embedded-default-only-never-use-in-production"  # noqa: S105
SECRET_KEY = os.environ.get("SECRET_KEY") or (_DEV_SECRET if DEBUG else "")
if not SECRET_KEY:
    raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])
# A refused form in the site's layout, in Danish (templates/403_csrf.html).
CSRF_FAILURE_VIEW = "sammen.views.csrf_failure"

INSTALLED_APPS = [
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "servestatic.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "channels",
    "django_celery_beat",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "anymail",
    "sammen",
    "accounts",
    "groups",
    "posts",
    "directory",
    "scheduler",
    "moderation",
    "notifications",
    "insights",
    "pages",
    "demo",
    "privacy",
]

MIDDLEWARE = [
    # One JSON line per request, timed around everything below (sammen.requestlog).
    "sammen.requestlog.RequestLogMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # Content-Security-Policy on every response (CONTENT_SECURITY_POLICY below).
    "csp.middleware.CSPMiddleware",
    # Static files are answered here, before GZip: ServeStatic serves its own
    # pre-compressed files. (Had they streamed asynchronously, Django's
    # GZipMiddleware would gzip each chunk as a separate gzip member, which
    # Chromium cuts off after the first 8 KiB.) ServeStatic's own middleware is
    # async-only; this one also serves in sync mode (sammen/staticfiles.py).
    "sammen.staticfiles.StaticFilesMiddleware",
    # Feed pages are long HTML; Django masks CSRF tokens per response (BREACH).
    "django.middleware.gzip.GZipMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    # Team roles must have a second factor when MFA_REQUIRED_FOR_TEAM is on.
    "pages.two_factor.TeamNeedsTwoFactorMiddleware",
    # Camera, microphone, geolocation, payment and the like: off for every page.
    "django_permissions_policy.PermissionsPolicyMiddleware",
    # Cache-Control: private, no-store on every page a logged-in person gets.
    "sammen.middleware.PrivatePagesMiddleware",
    # Innermost and sync-only on purpose: under ASGI, Django then runs every
    # middleware above in one thread (one hop in, one out), where a chain that
    # turns async part-way hops to a thread and back for each of their hooks.
    # (It only reads the language cookie; nothing above it translates.)
    "sammen.middleware.DanishFirstLocaleMiddleware",
]

ROOT_URLCONF = "sammen.urls"
ASGI_APPLICATION = "sammen.asgi.application"
WSGI_APPLICATION = None

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
                "django.template.context_processors.i18n",
                "sammen.context_processors.site",
                "posts.context_processors.reactions",
                "notifications.context_processors.bell",
                # After Django's own csrf processor, which it replaces.
                "sammen.csrf.context_processor",
            ],
            # {{ value|when:"datetime" }} everywhere (sammen/dates.py).
            "builtins": ["sammen.templatetags.sammen_dates"],
        },
    },
]

# --- Database ---------------------------------------------------------------
VAR_DIR.mkdir(parents=True, exist_ok=True)
DATABASE_URL = os.environ.get("DATABASE_URL", "")
# Under ASGI (sammen/asgi.py sets SAMMEN_DB_POOL=1) every request runs in a new
# thread, and Django's connections are per thread: each request opened its own
# connection and left it open (41 for 40 requests before this). The web server
# takes connections from a psycopg pool instead, as Django's documentation
# advises for ASGI. Celery workers and commands keep one connection each.
DB_POOL = os.environ.get("SAMMEN_DB_POOL", "0") == "1"
DB_POOL_MAX_SIZE = env_number("DB_POOL_MAX_SIZE", 10, minimum=1)
if DATABASE_URL:
    # Health checks: a connection PostgreSQL ended (a restart, a failover) is
    # noticed before a request uses it, and a new one made; without them the
    # first request of every process after a restart failed. With the pool
    # Django has psycopg check each connection as it is taken out.
    DATABASES = {
        "default": dj_database_url.parse(
            DATABASE_URL, conn_max_age=0 if DB_POOL else 60, conn_health_checks=True
        )
    }
    if DB_POOL and DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
        DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
            "min_size": 2,
            "max_size": DB_POOL_MAX_SIZE,
            "timeout": 10,
        }
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(VAR_DIR / "sammen.sqlite3"),
            # WAL lets the in-process scheduler and web requests read while one writes.
            "OPTIONS": {
                "timeout": 20,
                "transaction_mode": "IMMEDIATE",
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            },
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Redis: channel layer, Celery broker, cache ------------------------------
REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    # CHANNEL_LAYER_BACKEND=pubsub (default, RedisPubSubChannelLayer: one Redis
    # publish per group, fanned out in each process) or core (RedisChannelLayer).
    # bench/realtime.py measured pubsub at 0.22 ms of CPU per delivery against
    # 0.32 ms for core (docs/performance.md).
    # Redis pub/sub channels belong to the whole server, not to its numbered
    # databases: the prefix keeps installations (and test runs) that share a
    # Redis server on different databases from hearing each other's events.
    CHANNEL_LAYER_PREFIX = os.environ.get(
        "CHANNEL_LAYER_PREFIX",
        "sammen" + (urlsplit(REDIS_URL).path.strip("/") or "0"),
    )
    if os.environ.get("CHANNEL_LAYER_BACKEND", "pubsub").strip().lower() == "core":
        CHANNEL_LAYERS = {
            "default": {
                "BACKEND": "channels_redis.core.RedisChannelLayer",
                # redis-py's 5 s read timeout equals channels-redis' 5 s BZPOPMIN:
                # a slightly late event loop then timed out and closed the socket.
                "CONFIG": {
                    "hosts": [{"address": REDIS_URL, "socket_timeout": 30}],
                    "prefix": CHANNEL_LAYER_PREFIX,
                    "capacity": 1500,
                    "expiry": 10,
                },
            }
        }
    else:
        # channels-redis' pub/sub layer that sends every consumer
        # "sammen.resync" after a lost Redis connection (sammen/layers.py).
        CHANNEL_LAYERS = {
            "default": {
                "BACKEND": "sammen.layers.ResyncingPubSubChannelLayer",
                "CONFIG": {
                    "hosts": [{"address": REDIS_URL, "socket_timeout": 30}],
                    "prefix": CHANNEL_LAYER_PREFIX,
                },
            }
        }
    CACHES = {
        "default": {
            "BACKEND": "sammen.cache.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "sammen",
            # A Redis that does not answer costs a page at most this long per
            # second (sammen/cache.py serves without it meanwhile).
            "OPTIONS": {
                "pool_class": "sammen.cache.SharedConnectionPool",
                "socket_connect_timeout": 0.5,
                "socket_timeout": 1,
            },
        }
    }
    CELERY_BROKER_URL = REDIS_URL
    CELERY_RESULT_BACKEND = REDIS_URL
    CELERY_RESULT_EXPIRES = 3600
    CELERY_TASK_ALWAYS_EAGER = False
else:
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "sammen",
        }
    }
    # Without a broker, tasks run in the calling process (after commit, as always).
    CELERY_BROKER_URL = "memory://"
    CELERY_TASK_ALWAYS_EAGER = True

CELERY_TIMEZONE = "Europe/Copenhagen"
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"

# --- The weekly plan's publisher ------------------------------------------------
# One periodic task publishes what is due (scheduler.publishing.publish_due). With a
# broker, Celery beat sends it; without one (the embedded default) a thread in the
# server process runs the same code. Ticks that wait longer than one interval in a
# queue are dropped (expires): the next tick publishes the same rows anyway.
SCHEDULER_POLL_SECONDS = env_number("SCHEDULER_POLL_SECONDS", 5, whole=False, minimum=0.5)
SCHEDULER_IN_PROCESS = env_bool("SCHEDULER_IN_PROCESS", not REDIS_URL)
# How many extra publish tasks a tick sends when it finds a backlog (one per
# other worker process is enough).
SCHEDULER_BACKLOG_HELPERS = env_number("SCHEDULER_BACKLOG_HELPERS", 3)
# How many due rows one publishing transaction takes (scheduler.publishing): a
# backlog is published in bulk, this many posts at a time.
SCHEDULER_BATCH_SIZE = env_number("SCHEDULER_BATCH_SIZE", 100, minimum=1)
# How often the periodic task looks for e-mails that are due (seconds).
NOTIFY_EMAIL_SWEEP_SECONDS = env_number("NOTIFY_EMAIL_SWEEP_SECONDS", 30, whole=False, minimum=1)
# Live pages that missed an event's signal (a process killed between its commit
# and its send) catch up within this many seconds (posts.services.live_sync).
LIVE_SYNC_SECONDS = env_number("LIVE_SYNC_SECONDS", 5, whole=False, minimum=1)
CELERY_BEAT_SCHEDULE = {
    "posts-live-sync": {
        "task": "posts.live_sync",
        "schedule": LIVE_SYNC_SECONDS,
        "options": {"expires": LIVE_SYNC_SECONDS},
    },
    "scheduler-publish-due": {
        "task": "scheduler.publish_due",
        "schedule": SCHEDULER_POLL_SECONDS,
        "options": {"expires": SCHEDULER_POLL_SECONDS},
    },
    # Read notifications older than NOTIFICATIONS_KEEP_READ_DAYS go, once a night.
    "notifications-prune": {
        "task": "notifications.prune",
        "schedule": crontab(hour=3, minute=30),
        "options": {"expires": 3600},
    },
    # Immediate e-mails whose delay window has passed, and digests that are due.
    "notifications-mail-due": {
        "task": "notifications.mail_due",
        "schedule": NOTIFY_EMAIL_SWEEP_SECONDS,
        "options": {"expires": 60},
    },
    "notifications-digests-due": {
        "task": "notifications.digests_due",
        "schedule": crontab(minute="*/5"),
        "options": {"expires": 300},
    },
    # Ugens tal: Monday from NOTIFY_DIGEST_HOUR, once per week and recipient
    # (insights.reports); the other ticks only pick up rows whose task was lost.
    "insights-weekly-reports-due": {
        "task": "insights.weekly_reports_due",
        "schedule": crontab(minute="*/15"),
        "options": {"expires": 900},
    },
    "insights-prune": {
        "task": "insights.prune",
        "schedule": crontab(hour=3, minute=40),
        "options": {"expires": 3600},
    },
    # The directory's freshness: ask contacts to confirm entries that are due,
    # hide those that did not answer in time (directory.freshness, once per period).
    "directory-freshness-due": {
        "task": "directory.freshness_due",
        "schedule": crontab(minute=20),
        "options": {"expires": 3600},
    },
    # The directory's search statistics keep their counts but forget the
    # visitor hashes of past months (directory.services.search_stats_prune).
    "directory-search-stats-prune": {
        "task": "directory.search_stats_prune",
        "schedule": crontab(hour=3, minute=50, day_of_month=1),
        "options": {"expires": 3600},
    },
}
# --- Privacy (issue 16: privacy/) -------------------------------------------------
# Deletions that are due, and stale runs (a killed worker), every minute; the
# retention rules and expired exports once a night.
CELERY_BEAT_SCHEDULE["privacy-deletions-due"] = {
    "task": "privacy.deletions_due",
    "schedule": 60.0,
    "options": {"expires": 60},
}
CELERY_BEAT_SCHEDULE["privacy-retention"] = {
    "task": "privacy.retention",
    "schedule": crontab(hour=3, minute=50),
    "options": {"expires": 3600},
}
# Days between "Slet min konto" and the deletion; logging in before cancels it.
# 0 deletes at once.
ACCOUNT_DELETION_GRACE_DAYS = env_number("ACCOUNT_DELETION_GRACE_DAYS", 14)
# A deletion run (or an export being built) whose heartbeat is older than this
# was killed: it is taken up again.
PRIVACY_DELETION_STALE_SECONDS = env_number("PRIVACY_DELETION_STALE_SECONDS", 600, minimum=10)
# An export ("Hent mine data") may be downloaded this many days; one a day.
PRIVACY_EXPORT_DAYS = env_number("PRIVACY_EXPORT_DAYS", 7, minimum=1)
# Retention (privacy/retention.py, nightly): join-request answers this many
# days after the decision; decided moderation cases after this many months (the
# log entry stays, without personal data); the login history this many days.
# Read notifications: NOTIFICATIONS_KEEP_READ_DAYS (below).
RETENTION_JOIN_ANSWERS_DAYS = env_number("RETENTION_JOIN_ANSWERS_DAYS", 30, minimum=1)
RETENTION_CASES_MONTHS = env_number("RETENTION_CASES_MONTHS", 12, minimum=1)
RETENTION_LOGIN_HISTORY_DAYS = env_number("RETENTION_LOGIN_HISTORY_DAYS", 365, minimum=1)
# Accounts unused this many months are warned, and deleted (anonymised) this many
# days after the warning unless the person logs in. 0: off (the default).
RETENTION_INACTIVE_MONTHS = env_number("RETENTION_INACTIVE_MONTHS", 0)
RETENTION_INACTIVE_WARNING_DAYS = env_number("RETENTION_INACTIVE_WARNING_DAYS", 30, minimum=1)

# Every directory entry is re-confirmed this often (months), and hidden this
# many days after the reminder if nobody answered.
DIRECTORY_CONFIRM_MONTHS = env_number("DIRECTORY_CONFIRM_MONTHS", 6, minimum=1)
DIRECTORY_CONFIRM_GRACE_DAYS = env_number("DIRECTORY_CONFIRM_GRACE_DAYS", 30, minimum=1)
# How long a read notification is kept (days).
NOTIFICATIONS_KEEP_READ_DAYS = env_number("NOTIFICATIONS_KEEP_READ_DAYS", 90, minimum=1)

# --- Notification e-mail (notifications/mail.py, docs/architecture.md) ---------
# An immediate e-mail (a reply, a mention, a join decision) waits this long and
# is skipped if the person read it in the app meanwhile; 0 sends at once.
NOTIFY_EMAIL_DELAY_SECONDS = env_number("NOTIFY_EMAIL_DELAY_SECONDS", 600)
# At most this many immediate e-mails per person an hour and a day; the rest
# waits for the digest.
NOTIFY_EMAIL_PER_HOUR = env_number("NOTIFY_EMAIL_PER_HOUR", 1)
NOTIFY_EMAIL_PER_DAY = env_number("NOTIFY_EMAIL_PER_DAY", 3)
# The digest goes out at this local hour (Europe/Copenhagen); weekly on the
# person's weekday (this one until they choose: 0 = Monday).
NOTIFY_DIGEST_HOUR = env_number("NOTIFY_DIGEST_HOUR", 7)
NOTIFY_DIGEST_WEEKDAY = env_number("NOTIFY_DIGEST_WEEKDAY", 0)
# Digests are sent in batches of this many people per task; a batch whose task
# was lost (a killed worker) is handed out again after this many seconds.
NOTIFY_DIGEST_BATCH = env_number("NOTIFY_DIGEST_BATCH", 200, minimum=1)
NOTIFY_DIGEST_STALE_SECONDS = env_number("NOTIFY_DIGEST_STALE_SECONDS", 600, minimum=1)
# A mailbox for the mailto: half of List-Unsubscribe (an inbound address of the
# e-mail provider, handled by anymail's inbound webhook). Empty: https only.
NOTIFY_UNSUBSCRIBE_MAILTO = os.environ.get("NOTIFY_UNSUBSCRIBE_MAILTO", "")
# How long an unsubscribe link works (days).
NOTIFY_UNSUBSCRIBE_DAYS = env_number("NOTIFY_UNSUBSCRIBE_DAYS", 365, minimum=1)
# Asked by sammen.mail.address_stopped before optional mail (reports): the
# notifications app records the provider's bounces and complaints.
MAIL_ADDRESS_STOPPED = "notifications.mailing.address_stopped"

# --- Auth (django-allauth) ---------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"
ACCOUNT_LOGOUT_REDIRECT_URL = "home"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_SIGNUP_FORM_CLASS = "accounts.forms.SignupExtraForm"
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[Sammen] "
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "http" if DEBUG else "https"
ACCOUNT_ADAPTER = "accounts.adapter.AccountAdapter"
ACCOUNT_USER_DISPLAY = "accounts.models.display_name_of"
# allauth's rate limits stay on with their defaults (ACCOUNT_RATE_LIMITS not disabled).
# "Hent mine data" and "Slet min konto" ask for the password again (allauth's
# reauthentication flow) unless it was given in the last five minutes.
ACCOUNT_REAUTHENTICATION_TIMEOUT = 300
# Two-factor authentication (allauth.mfa): an authenticator app (TOTP), security
# keys and passkeys (WebAuthn), and recovery codes; optional for members.
MFA_SUPPORTED_TYPES = ["totp", "webauthn", "recovery_codes"]
# Passkeys serve as a second factor; logging in with a passkey alone is left
# off: a second login button confuses the people with little IT experience
# whom the login page is for.
MFA_PASSKEY_LOGIN_ENABLED = False
MFA_TOTP_ISSUER = os.environ.get("SITE_NAME", "Sammen")
# Danish where allauth's forms fall short (accounts.mfa_forms).
MFA_FORMS = {
    "authenticate": "accounts.mfa_forms.CodeAuthenticateForm",
    "add_webauthn": "accounts.mfa_forms.AddSecurityKeyForm",
    "edit_webauthn": "accounts.mfa_forms.EditSecurityKeyForm",
}
# WebAuthn needs a secure origin; http://localhost of `make run` is one.
MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN = DEBUG
# Administrators, moderators, staff, directory editors and coordinators must use
# it (pages.two_factor): on unless the environment says otherwise; the embedded
# default (DEBUG) leaves it off so the demo accounts log straight in.
MFA_REQUIRED_FOR_TEAM = env_bool("MFA_REQUIRED_FOR_TEAM", not DEBUG)

# --- E-mail -----------------------------------------------------------------
EMAIL_BACKEND = os.environ.get(
    "EMAIL_BACKEND",
    "django.core.mail.backends.console.EmailBackend"
    if not os.environ.get("EMAIL_HOST")
    else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = env_number("EMAIL_PORT", 25, minimum=1)
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "Sammen <noreply@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# An e-mail provider instead of SMTP (docs/operations.md): EMAIL_BACKEND names
# the provider's anymail backend (e.g. anymail.backends.postmark.EmailBackend)
# and every ANYMAIL_* variable of the environment is passed on (ANYMAIL_POSTMARK_
# SERVER_TOKEN=… becomes ANYMAIL["POSTMARK_SERVER_TOKEN"]). Bounce, complaint
# and inbound webhooks are served at /anymail/<provider>/… only when
# ANYMAIL_WEBHOOK_SECRET ("user:password", basic auth) is set.
ANYMAIL = {
    key.removeprefix("ANYMAIL_"): value
    for key, value in os.environ.items()
    if key.startswith("ANYMAIL_") and value
}

# --- Web push (notifications/push.py) ------------------------------------------
# VAPID identifies this server to the browsers' push services. The private key is
# a P-256 key: PEM (line breaks may be written "\n") or the raw 32 bytes in
# base64url. Unset, a key is made once in WEBPUSH_VAPID_KEY_FILE and reused (the
# embedded default). Every process of a deployment must use the same key, and a
# new key silently ends every subscription made with the old one.
WEBPUSH_VAPID_PRIVATE_KEY = os.environ.get("WEBPUSH_VAPID_PRIVATE_KEY", "")
WEBPUSH_VAPID_KEY_FILE = Path(
    os.environ.get("WEBPUSH_VAPID_KEY_FILE", VAR_DIR / "vapid_private.pem")
)
# The applicationServerKey browsers subscribe with (base64url, uncompressed point).
# Optional: it is derived from the private key; when set, it must belong to it.
WEBPUSH_VAPID_PUBLIC_KEY = os.environ.get("WEBPUSH_VAPID_PUBLIC_KEY", "")
# Whom a push service can contact about this server: mailto: or https: (RFC 8292).
WEBPUSH_SUBJECT = os.environ.get("WEBPUSH_SUBJECT") or f"mailto:{parseaddr(DEFAULT_FROM_EMAIL)[1]}"
# Hosts whose plain-http (or local) push endpoints are accepted: only the tests'
# local push receiver (127.0.0.1). Every other endpoint must be https on the
# public internet, since this server posts to whatever endpoint a browser names.
WEBPUSH_INSECURE_HOSTS = env_list("WEBPUSH_INSECURE_HOSTS", [])

# --- Adapters: a lower app asks, a higher app answers (docs/architecture.md) ----
# posts asks whether a new post or comment must wait for a moderator.
POSTS_HOLD_POLICY = "moderation.holds.ModerationHoldPolicy"

# --- Language and time -------------------------------------------------------
LANGUAGE_CODE = "da"
LANGUAGES = [("da", _("Dansk")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/Copenhagen"
USE_I18N = True
USE_TZ = True

# --- Static and media --------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]
# Served by ServeStatic in every mode, under Daphne too (ASGI).
SERVESTATIC_USE_FINDERS = DEBUG
SERVESTATIC_AUTOREFRESH = DEBUG
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", VAR_DIR / "media"))
# Files of closed groups (post photos, planned photos): outside MEDIA_ROOT, with
# no URL of their own; only permission-checked views stream them (sammen/storage.py).
PRIVATE_MEDIA_ROOT = Path(os.environ.get("PRIVATE_MEDIA_ROOT", VAR_DIR / "private"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "private": {
        "BACKEND": "sammen.storage.PrivateFileStorage",
    },
    "staticfiles": {
        # Minified, fingerprinted, pre-compressed (sammen/staticstorage.py).
        "BACKEND": "sammen.staticstorage.MinifiedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
# Uploads larger than this are refused before they are read into memory.
DATA_UPLOAD_MAX_MEMORY_SIZE = 12 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
SAMMEN_MAX_IMAGE_BYTES = 10 * 1024 * 1024
SAMMEN_MAX_IMAGE_PIXELS = 40_000_000

# --- Security ----------------------------------------------------------------
# Writes a member can repeat, per person ("user") and per IP address ("ip"), as
# "count/period" (s, m, h, d; "10/10m" is ten in ten minutes). The IP limit is
# wider: a library, a care home or a municipality's network shares one address.
SAMMEN_RATE_LIMITS: dict[str, dict[str, str]] = {
    "post": {"user": "10/10m", "ip": "60/10m"},
    "comment": {"user": "30/10m", "ip": "180/10m"},  # comments and replies
    "reaction": {"user": "120/10m", "ip": "600/10m"},
    "join": {"user": "10/h", "ip": "60/h"},
    "upload": {"user": "60/h", "ip": "300/h"},  # photos, each one counted
    # "Tal med en fællesskabskoordinator": anyone may ask, so per address.
    "coordinator": {"user": "5/h", "ip": "10/h"},
    # Directory entries submitted or edited by their organisers.
    "submit": {"user": "10/h", "ip": "30/h"},
    # WHO-5 check-ins (each one is also at least 14 days after the last).
    "who5": {"user": "5/h", "ip": "60/h"},
    # "Hent mine data" orders (besides one export a day).
    "export": {"user": "5/h", "ip": "30/h"},
}
# Behind a proxy the client's address is in a header the proxy sets (nginx:
# proxy_set_header X-Real-IP $remote_addr;), e.g. RATE_LIMIT_IP_HEADER=HTTP_X_REAL_IP.
RATELIMIT_IP_META_KEY = os.environ.get("RATE_LIMIT_IP_HEADER") or None
# A cache that does not answer lifts the limits for that moment (sammen/ratelimit.py).
RATELIMIT_FAIL_OPEN = True
# IPv6 clients are counted per /64, as one household or network.
RATELIMIT_IPV6_MASK = 64
SESSION_COOKIE_HTTPONLY = True
# Sessions stay in the database (the source of truth, and what logging out
# everywhere deletes) and are read through the cache: one query less per page.
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
SESSION_COOKIE_AGE = 60 * 60 * 24 * 30
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
# No page of Sammen uses these browser features; an injected script or frame
# cannot either. (Photo uploads use a file input, which needs no camera grant.)
PERMISSIONS_POLICY: dict[str, list[str]] = {
    feature: []
    for feature in (
        "accelerometer",
        "autoplay",
        "camera",
        "display-capture",
        "geolocation",
        "gyroscope",
        "magnetometer",
        "microphone",
        "midi",
        "payment",
        "usb",
        "interest-cohort",
        "browsing-topics",
    )
}
# Content-Security-Policy (django-csp) on every response. Every script and
# style is one of our own static files: no inline script or style attribute in
# any page, so no 'unsafe-inline', no 'unsafe-eval' and no nonce is needed
# (whole-page cached pages could not carry a per-response nonce anyway).
# htmx's own indicator <style> is switched off in base.html's htmx-config.
# connect-src 'self' covers our WebSockets (ws:/wss: on the same host, CSP 3).
CONTENT_SECURITY_POLICY: dict[str, Any] = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:", "blob:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "manifest-src": [SELF],
        "worker-src": [SELF],
        "object-src": [NONE],
        "base-uri": [NONE],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
    }
}
if not DEBUG:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env_number("SECURE_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True

SITE_NAME = os.environ.get("SITE_NAME", "Sammen")
# Used for absolute links in e-mails sent outside a request (Celery, services).
SITE_URL = os.environ.get("SITE_URL", "http://localhost:8000" if DEBUG else "")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"line": {"format": "%(message)s"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler"},
        # The request log is already one JSON object per line.
        "requests": {"class": "logging.StreamHandler", "formatter": "line"},
    },
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        "daphne": {"level": "WARNING"},
        "sammen.requests": {"handlers": ["requests"], "level": "INFO", "propagate": False},
    },
}
# One JSON line per request (sammen.requestlog); REQUEST_LOG=0 turns it off.
REQUEST_LOG = env_bool("REQUEST_LOG", True)
