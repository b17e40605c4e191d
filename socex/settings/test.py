"""Test settings: fast hashing, eager Celery whatever the broker, locmem email."""

from .base import *  # noqa: F403
from .base import MEDIA_ROOT  # noqa: F401

DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
# Tasks run eagerly in tests; only tests marked `redis` start a real worker.
CELERY_TASK_ALWAYS_EAGER = True
CELERY_TASK_EAGER_PROPAGATES = True
# No watchdog in a worker a test runs in its own process: it would signal pytest.
WORKER_WATCHDOG_EVERY = 0
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_AUTOREFRESH = True

# Email outbox: short windows so fault tests never wait (socex.mail).
OUTBOX_RETRY_FIRST_DELAY = 0.05
OUTBOX_RETRY_MAX_DELAY = 0.2
OUTBOX_RECORD_RETRY_DELAYS = [0.05, 0.1]
