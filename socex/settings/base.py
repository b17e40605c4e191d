"""Settings shared by every environment, read from the environment with django-environ.

Every knob is documented in README.md. Unset, the embedded default applies: SQLite under
``var/``, Celery tasks run eagerly in-process, and emails are written as files to
``var/mail/``.
"""

from pathlib import Path

import environ
from csp.constants import NONE, SELF
from django.contrib.messages import constants as messages
from django.templatetags.static import static

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = BASE_DIR / "var"
VAR_DIR.mkdir(exist_ok=True)

env = environ.Env()
if (BASE_DIR / ".env").is_file():
    env.read_env(str(BASE_DIR / ".env"))

DEBUG = env.bool("DEBUG", default=False)
SECRET_KEY = env("SECRET_KEY", default="insecure-local-development-key-change-me")


# Addresses meaning "every interface": compared against HOST, never bound here.
ALL_INTERFACES = ("0.0.0.0", "::", "[::]")  # nosec B104  a comparison, not a bind


def default_site_url(*, host: str = "", port: str = "") -> str:
    """Where emails link when ``SITE_URL`` is unset: the address ``make run`` serves
    (its ``HOST`` and ``PORT``), so a site run on another port links there. A server
    listening on every interface is reached locally at 127.0.0.1."""
    host = host.strip() or "127.0.0.1"
    if host in ALL_INTERFACES:
        host = "127.0.0.1"
    if ":" in host and not host.startswith("["):
        host = f"[{host}]"  # an IPv6 address
    return f"http://{host}:{port.strip() or '8000'}"


# HOST and PORT: where `make run` serves (Makefile); they only shape the defaults.
RUN_HOST = env("HOST", default="")
ALLOWED_HOSTS = env.list(
    "ALLOWED_HOSTS",
    default=["localhost", "127.0.0.1", "[::1]"]
    + ([RUN_HOST] if RUN_HOST and RUN_HOST not in ALL_INTERFACES else []),
)
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
SITE_URL = env(
    "SITE_URL", default=default_site_url(host=RUN_HOST, port=env("PORT", default=""))
).rstrip("/")

INSTALLED_APPS = [
    # The organisers' admin theme: before django.contrib.admin, whose templates it
    # overrides (socex/admin_base.py, socex/admin_nav.py, UNFOLD below).
    "unfold",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.sites",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "allauth.usersessions",
    "csp",
    "crispy_forms",
    "crispy_bootstrap5",
    "socex",
    "socex.mail",
    "socex.roles",
    "events",
    "delegates",
    "delegates.privacy",
    "workshops",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "socex.middleware.SecurityHeadersMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "socex.usersessions.UserSessionsMiddleware",  # allauth's, throttled
    "socex.middleware.LoginCacheGuardMiddleware",
    "socex.middleware.StaffIdleTimeoutMiddleware",
    "socex.middleware.StaffMFAMiddleware",
    "socex.middleware.AdminForgedIdMiddleware",
    "socex.middleware.DatabaseUnavailableMiddleware",
]

ROOT_URLCONF = "socex.urls"
WSGI_APPLICATION = "socex.wsgi.application"
ASGI_APPLICATION = "socex.asgi.application"

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
    "default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}"),
}
DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=0))
# A persistent connection is checked before a request reuses it, so after a database
# restart only the requests in flight fail (with the 503 page), not the next ones.
DATABASES["default"].setdefault("CONN_HEALTH_CHECKS", True)
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Wait for a writer rather than fail at once when the dev server and a task overlap.
    DATABASES["default"].setdefault("OPTIONS", {})["timeout"] = 20
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Values sent apart from the SQL, and a statement run this many times on a
    # connection prepared there, so PostgreSQL plans it once: planning was half of
    # its CPU in a registration burst. Off (0) behind a pooler that cannot keep
    # prepared statements (PgBouncer before 1.21 in transaction mode).
    _prepare_threshold = env.int("DATABASE_PREPARE_THRESHOLD", default=5)
    if _prepare_threshold > 0:
        DATABASES["default"].setdefault("OPTIONS", {}).update(
            server_side_binding=True, prepare_threshold=_prepare_threshold
        )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Django's database sessions, with cookie values Django never issues treated as no
# session rather than sent to the database (socex/sessions.py).
SESSION_ENGINE = "socex.sessions"

AUTH_USER_MODEL = "delegates.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": (
            "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"
        )
    },
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "delegates:dashboard"

SITE_ID = 1
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_CONFIRM_EMAIL_ON_GET = True
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_EMAIL_SUBJECT_PREFIX = "SOCEX: "
ACCOUNT_ADAPTER = "delegates.adapters.AccountAdapter"
ACCOUNT_DEFAULT_HTTP_PROTOCOL = env("ACCOUNT_DEFAULT_HTTP_PROTOCOL", default="http")
# Changing email, password or second factor asks for the password (or a code) again.
ACCOUNT_REAUTHENTICATION_REQUIRED = True
ACCOUNT_REAUTHENTICATION_TIMEOUT = 300
# The person is emailed when their password, email address or second factor changes.
ACCOUNT_EMAIL_NOTIFICATIONS = True
# allauth's rate limits (defaults kept: 5 failed logins per address per 5 minutes, 10
# per minute per IP) count in the `default` cache; socex.middleware refuses a login
# when that cache cannot count. Behind N proxies of ours, the Nth X-Forwarded-For hop
# from the right is the client; 0 trusts none (every client is the proxy's address).
ALLAUTH_TRUSTED_PROXY_COUNT = env.int("ALLAUTH_TRUSTED_PROXY_COUNT", default=0)

# Second factor (allauth.mfa): TOTP with recovery codes; required for staff by
# socex.middleware.StaffMFAMiddleware, optional for everyone else.
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "SOCEX"
MFA_ADAPTER = "socex.accounts.MFAAdapter"
# Staff sessions end after this long without a request (socex.middleware).
STAFF_IDLE_TIMEOUT_MINUTES = env.int("STAFF_IDLE_TIMEOUT_MINUTES", default=30)
# The sessions signed in (allauth.usersessions, listed on My SOCEX > Account): each
# signed-in session is recorded with its browser, IP address and when it was last
# seen, so a person can spot one that is not theirs and log out every other session.
# allauth records a session at login; socex.usersessions.UserSessionsMiddleware then
# updates its IP, browser and last seen at most once every this many seconds
# (allauth's own middleware writes on every request). Rows of ended or expired
# sessions are removed as the list is read.
USERSESSIONS_TRACK_ACTIVITY = True
USERSESSIONS_TRACK_EVERY_SECONDS = 60
# Demo data (manage.py load_demo) is for local machines only; production says no.
DEMO_DATA_ALLOWED = True

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = True
# The site's own wording for third-party strings (allauth's "Sign In" is "Log in").
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = env.path("STATIC_ROOT", default=str(VAR_DIR / "static"))
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = env.path("MEDIA_ROOT", default=str(VAR_DIR / "media"))
# Badges, print runs and sign-in sheets: never served at MEDIA_URL (socex/storage.py).
PRIVATE_MEDIA_ROOT = env.path("PRIVATE_MEDIA_ROOT", default=str(VAR_DIR / "private"))
# Uploaded images (speaker photos, partner logos): checked by socex/images.py.
IMAGE_UPLOAD_MAX_BYTES = env.int("IMAGE_UPLOAD_MAX_BYTES", default=5 * 1024 * 1024)
IMAGE_UPLOAD_MAX_SIDE = env.int("IMAGE_UPLOAD_MAX_SIDE", default=4000)
# Speakers (events/speaking/): invitation links expire after this many days; reminders
# go this many days before an edition's speakers' deadline; slides are PDFs up to this.
SPEAKER_INVITATION_DAYS = env.int("SPEAKER_INVITATION_DAYS", default=21)
SPEAKER_REMINDER_DAYS = tuple(
    env.list("SPEAKER_REMINDER_DAYS", cast=int, default=[14, 7, 2])
)
SLIDES_MAX_BYTES = env.int("SLIDES_MAX_BYTES", default=25 * 1024 * 1024)
# Where a speaker's withdrawal is reported (the programme team's mailbox).
SPEAKER_TEAM_EMAIL = env("SPEAKER_TEAM_EMAIL", default="programme@socex.example")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# CACHE_URL, e.g. redis://127.0.0.1:6379/1; unset, a per-process memory cache. Two
# aliases share that one store and differ in what a Redis failure does:
# - "default" (Django, allauth's login rate limits): the error is raised, so a login
#   refuses while the limits cannot be counted (fails closed);
# - "pages" (the anonymous page cache, events/cache.py): socex.cache.DegradingRedisCache
#   answers a miss and stops asking Redis for a few seconds, so the public pages render
#   from the database (fails open; nothing in it is secret or needed).
# Short socket timeouts bound what a hung Redis costs a request (CACHE_TIMEOUT, s).
CACHE_URL = env("CACHE_URL", default="locmemcache://socex")
CACHES = {"default": env.cache_url_config(CACHE_URL)}
if CACHES["default"]["BACKEND"] == "django.core.cache.backends.redis.RedisCache":
    _cache_timeout = env.float("CACHE_TIMEOUT", default=0.25)
    CACHES["default"]["OPTIONS"] = {
        "socket_connect_timeout": _cache_timeout,
        "socket_timeout": _cache_timeout,
        **CACHES["default"].get("OPTIONS", {}),
    }
    CACHES["pages"] = {
        **CACHES["default"],
        "BACKEND": "socex.cache.DegradingRedisCache",
        "OPTIONS": {**CACHES["default"]["OPTIONS"], "breaker_seconds": 5},
    }
else:
    # A memory cache cannot fail: the alias names the same store.
    CACHES["pages"] = dict(CACHES["default"])

# Headers. Every page, the admin included, runs on files from our own origin: no
# inline script or style anywhere (django-csp 4). img-src allows data: because
# Bootstrap's stylesheet draws its form icons (check marks, select arrows, close
# buttons) as data: SVGs; images in a page cannot run script, so this opens nothing.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        # data: only on the TOTP set-up page (socex.middleware.DATA_IMAGE_VIEWS);
        # Bootstrap's inline icons are files in static/vendor/bootstrap/icons/.
        "img-src": [SELF],
        "font-src": [SELF],
        "connect-src": [SELF],
        "media-src": [SELF],
        "object-src": [NONE],
        "base-uri": [NONE],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}
# Deny every powerful feature but the camera, which the check-in scanner uses.
PERMISSIONS_POLICY = (
    "accelerometer=(), autoplay=(), browsing-topics=(), camera=(self), "
    "display-capture=(), encrypted-media=(), fullscreen=(), geolocation=(), "
    "gyroscope=(), hid=(), magnetometer=(), microphone=(), "
    "midi=(), payment=(), picture-in-picture=(), publickey-credentials-get=(), "
    "screen-wake-lock=(), serial=(), usb=(), xr-spatial-tracking=()"
)
CROSS_ORIGIN_RESOURCE_POLICY = "same-origin"
SECURE_REFERRER_POLICY = "same-origin"

# The admin on django-unfold (docs/architecture.md, "The organisers' admin"): the
# sidebar follows the organisers' tasks, each link shown to the roles that may open
# it; the home page is the current editions' dashboard. Every asset is a static file.
UNFOLD = {
    "SITE_TITLE": "SOCEX admin",
    "SITE_HEADER": "SOCEX organisers",
    "SITE_SYMBOL": "event",
    "SHOW_HISTORY": False,
    "SHOW_VIEW_ON_SITE": True,
    "STYLES": [lambda request: static("css/admin.css")],
    "COLORS": "socex.admin_nav.no_inline_colours",
    "DASHBOARD_CALLBACK": "delegates.dashboard.views.admin_index_context",
    "SIDEBAR": {
        "show_search": False,
        "show_all_applications": "socex.admin_nav.show_all_applications",
        "navigation": "socex.admin_nav.navigation",
    },
}

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"
MESSAGE_TAGS = {messages.ERROR: "danger"}

# Email: EMAIL_URL (e.g. smtp://user:pass@host:587/?tls=True) picks the backend.
# Unset, messages are written as files under var/mail/ so a local user can open them.
# Every message goes through the outbox in socex.mail; this is how the outbox delivers.
EMAIL_URL = env("EMAIL_URL", default="")
if EMAIL_URL:
    vars().update(env.email_url("EMAIL_URL"))
else:
    EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    EMAIL_FILE_PATH = str(VAR_DIR / "mail")
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=20)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="SOCEX <events@socex.example>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Email outbox (socex.mail) -------------------------------------------------------
# Every window is in seconds and may be shortened (tests, benchmarks). Transient
# failures (connection errors, timeouts, SMTP 4xx) retry with a doubling delay from
# OUTBOX_RETRY_FIRST_DELAY up to OUTBOX_RETRY_MAX_DELAY until OUTBOX_RETRY_WINDOW has
# passed since the first attempt; SMTP 5xx replies to the message fail at once.
OUTBOX_RETRY_WINDOW = env.float("OUTBOX_RETRY_WINDOW", default=24 * 60 * 60.0)
OUTBOX_RETRY_FIRST_DELAY = env.float("OUTBOX_RETRY_FIRST_DELAY", default=60.0)
OUTBOX_RETRY_MAX_DELAY = env.float("OUTBOX_RETRY_MAX_DELAY", default=60 * 60.0)
# A claim older than this belongs to a dead worker and is sent again (same Message-ID).
# Keep it above CELERY_TASK_TIME_LIMIT: no live task holds a claim longer.
OUTBOX_CLAIM_STALE_AFTER = env.float("OUTBOX_CLAIM_STALE_AFTER", default=10 * 60.0)
# How long the sweep leaves a fresh or re-queued row to its own task.
OUTBOX_QUEUE_GRACE = env.float("OUTBOX_QUEUE_GRACE", default=120.0)
# Unsent for longer than this: shown to organisers as delayed.
OUTBOX_DELAYED_AFTER = env.float("OUTBOX_DELAYED_AFTER", default=15 * 60.0)
# An email due this long and still not tried means no worker is taking the work (one
# stopped, or stuck after a broker restart): /healthz/detail reports "outbox" false.
# Past the sweep's interval and grace, short of OUTBOX_DELAYED_AFTER.
OUTBOX_STALLED_AFTER = env.float("OUTBOX_STALLED_AFTER", default=10 * 60.0)
# Rows sent over one SMTP connection per task.
OUTBOX_BATCH_SIZE = env.int("OUTBOX_BATCH_SIZE", default=100)
# Accepted rows marked sent per UPDATE (1: after every message). A worker dying
# mid-batch re-sends at most this many, each with its own Message-ID.
OUTBOX_RECORD_SENT_EVERY = env.int("OUTBOX_RECORD_SENT_EVERY", default=10)
# Pauses before re-trying to record an accepted send when the database connection broke.
OUTBOX_RECORD_RETRY_DELAYS = [0.5, 2.0, 5.0]
# Bodies (and attachments) of every email are removed this long after creation; the
# row's recipient, subject, status and dates stay for counts.
OUTBOX_BODY_RETENTION_DAYS = env.int("OUTBOX_BODY_RETENTION_DAYS", default=30)
OUTBOX_MESSAGE_ID_DOMAIN = env(
    "OUTBOX_MESSAGE_ID_DOMAIN",
    default=DEFAULT_FROM_EMAIL.rsplit("@", 1)[-1].strip(" >") or "socex.invalid",
)
# --- end of the email outbox block ---------------------------------------------------

# Celery: with no broker configured, tasks run eagerly in-process (embedded default).
BROKER_CONFIGURED = bool(env("CELERY_BROKER_URL", default=env("REDIS_URL", default="")))
CELERY_TASK_ALWAYS_EAGER = not BROKER_CONFIGURED
# Eager tasks still pass through a producer: give them an in-memory one, never a guess.
CELERY_BROKER_URL = env(
    "CELERY_BROKER_URL", default=env("REDIS_URL", default="memory://localhost/")
)
CELERY_TASK_EAGER_PROPAGATES = False
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_TIME_LIMIT = 300
CELERY_TASK_SOFT_TIME_LIMIT = 240
# Work of a dead worker goes back to the queue: a task is acknowledged after it ran,
# and rejected (re-queued) when its process dies. When the whole worker dies, Redis
# hands its unacknowledged messages out again after visibility_timeout: longer than
# a message can be held (a wait for a free process plus the run, each at most the
# hard time limit), so a slow task is never run twice. No countdown may exceed it.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Publishing must not hang a request when the broker is down or hung: fail fast (one
# immediate reconnect, short socket timeouts), and after a failure socex.tasks skips
# publishing for TASK_PUBLISH_PAUSE seconds; the sweeps re-queue what did not go. The
# socket timeout only bounds synchronous commands (a publish, an ack): a worker's BRPOP
# waits through its event loop, so it is safe for workers too.
CELERY_TASK_PUBLISH_RETRY = False
CELERY_BROKER_CONNECTION_TIMEOUT = env.float("BROKER_TIMEOUT", default=1.0)
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "socket_connect_timeout": env.float("BROKER_TIMEOUT", default=1.0) / 2,
    "socket_timeout": env.float("BROKER_TIMEOUT", default=1.0),
    "max_retries": 1,
    "interval_start": 0,  # kombu's default sleeps 2 s before that one retry
    "visibility_timeout": 4 * CELERY_TASK_TIME_LIMIT,
}
TASK_PUBLISH_PAUSE = env.float("TASK_PUBLISH_PAUSE", default=5.0)
# In gunicorn's workers (socex/gunicorn.py), a request's light tasks (publish_together:
# an email's delivery, a badge's render) go to a thread of its process after commit;
# those its requests commit within this many seconds leave as one message
# (socex.tasks.PublishBatcher). 0: each request publishes its own.
TASK_PUBLISH_LINGER = env.float("TASK_PUBLISH_LINGER", default=0.1)
# Each worker also consumes its own queue, where its watchdog (socex/watchdog.py)
# sends a probe every WORKER_WATCHDOG_EVERY seconds while it holds no task; a worker
# whose consumer misses WORKER_WATCHDOG_MISSES in a row (each given
# WORKER_WATCHDOG_TIMEOUT) has stopped taking work and shuts down to be restarted.
CELERY_WORKER_DIRECT = True
WORKER_WATCHDOG_EVERY = env.float("WORKER_WATCHDOG_EVERY", default=60.0)
WORKER_WATCHDOG_TIMEOUT = env.float("WORKER_WATCHDOG_TIMEOUT", default=30.0)
WORKER_WATCHDOG_MISSES = env.int("WORKER_WATCHDOG_MISSES", default=2)
CELERY_BEAT_SCHEDULE = {
    "outbox-sweep": {
        "task": "socex.mail.tasks.outbox_sweep",
        "schedule": 120.0,
    },
    "joining-instructions": {
        "task": "delegates.tasks.joining_instructions_send",
        "schedule": 6 * 60 * 60.0,
    },
    "outbox-purge-bodies": {
        "task": "socex.mail.tasks.outbox_purge_bodies",
        "schedule": 6 * 60 * 60.0,
    },
    "badge-sweep": {
        "task": "delegates.badges.tasks.badge_sweep",
        "schedule": 60.0,
    },
    "badge-print-job-sweep": {
        "task": "delegates.badges.tasks.badge_print_job_sweep",
        "schedule": 60.0,
    },
    "agenda-digests": {
        "task": "delegates.tasks.agenda_digests_send",
        "schedule": 60.0,
    },
    "privacy-retention": {
        "task": "delegates.privacy.tasks.privacy_retention",
        "schedule": 24 * 60 * 60.0,
    },
    "speaker-reminders": {
        "task": "events.speaking.tasks.speaker_reminders_send",
        "schedule": 6 * 60 * 60.0,
    },
}
# Agenda changes (seconds): the people a changed session or run concerns are told
# once the edition's changes have been quiet this long, or after the second at most.
AGENDA_DIGEST_DELAY = env.float("AGENDA_DIGEST_DELAY", default=5 * 60.0)
AGENDA_DIGEST_MAX_WAIT = env.float("AGENDA_DIGEST_MAX_WAIT", default=30 * 60.0)
# Badges per chunk of a bulk print (a Celery task each; rounded down to fours).
BADGE_PRINT_CHUNK_SIZE = env.int("BADGE_PRINT_CHUNK_SIZE", default=48)
# Badge fonts fontconfig does not know, file by file ("Noto Sans Bold": path,
# "Noto Sans CJK SC": "path.ttc#2"); delegates/badges/fonts.py.
BADGE_FONTS: dict[str, str] = {}
# Badges (seconds): the sweep re-sends a badge left pending or rendering this long,
# a failed one after the second, and resumes a print job without progress for the
# third (a chunk of 48 badges renders in a few seconds).
BADGE_STALE_AFTER = env.int("BADGE_STALE_AFTER", default=120)
BADGE_FAILED_RETRY_AFTER = env.int("BADGE_FAILED_RETRY_AFTER", default=600)
BADGE_JOB_STALE_AFTER = env.int("BADGE_JOB_STALE_AFTER", default=180)

# Privacy: how long personal data is kept (UK GDPR storage limitation). The privacy
# notice (templates/pages/privacy.html) is rendered from these numbers, and the
# daily retention run (`manage.py privacy_retention [--dry-run]`) applies them.
# - Badge PDFs and badge print runs: deleted this many days after an edition ends.
PRIVACY_BADGE_FILES_DAYS_AFTER_EVENT = env.int(
    "PRIVACY_BADGE_FILES_DAYS_AFTER_EVENT", default=7
)
# - Workshop sign-in sheets: deleted this many days after an edition ends.
PRIVACY_SIGN_IN_SHEETS_DAYS_AFTER_EVENT = env.int(
    "PRIVACY_SIGN_IN_SHEETS_DAYS_AFTER_EVENT", default=30
)
# - People with no registration for an edition that ended within this many years
#   (and no sign-in in that time) are anonymised; their registrations stay as counts.
PRIVACY_REGISTRATION_YEARS = env.int("PRIVACY_REGISTRATION_YEARS", default=2)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}
    },
    "filters": {"redact_secrets": {"()": "socex.log_filters.RedactSecretsFilter"}},
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "plain",
            "filters": ["redact_secrets"],
        }
    },
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # WeasyPrint reports each parsing step at INFO: noise on every command.
        "weasyprint.progress": {"level": "WARNING"},
        # fontTools logs each step of a subset (a CJK name on a badge) at INFO.
        "fontTools": {"level": "WARNING"},
    },
}
