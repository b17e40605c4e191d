"""Settings for benchmarks/messages.py only: the product's settings with the run's
own Celery queue (``BENCH_MESSAGES_QUEUE``), so no other worker on the broker takes
its tasks. Mail goes to the benchmark's sink through ``EMAIL_URL``. Never used by the
product."""

import os

from socex.settings.local import *  # noqa: F403

DEBUG = False
CELERY_TASK_DEFAULT_QUEUE = os.environ["BENCH_MESSAGES_QUEUE"]
