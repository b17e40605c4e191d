"""Settings for benchmarks/registration_burst.py only: the product's settings plus a
URL conf that adds the baseline view, the edition lock's timing log and a dummy mail
backend for the worker. Never used by the product."""

import os

from socex.settings.local import *  # noqa: F403

DEBUG = False
ROOT_URLCONF = "benchmarks.registration_burst_urls"
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
# The time each transaction holds an edition's lock, appended to this file
# (delegates/services/seats.py); the benchmark sets it for gunicorn only.
LOCK_TIMING_LOG = os.environ.get("SOCEX_MEASURE_LOCK", "")
# The worker delivers every email to a backend that drops it: the SMTP conversation
# is not what this benchmark measures.
EMAIL_BACKEND = "django.core.mail.backends.dummy.EmailBackend"
