"""Settings for benchmarks/faults.py only: production settings with every retry, sweep
and redelivery window shortened, so each fault plays out in seconds. Never used by
the product. The connection knobs (DATABASE_URL, CELERY_BROKER_URL, CACHE_URL,
EMAIL_URL, SECRET_KEY, ALLOWED_HOSTS) come from the environment faults.py sets.
"""

from socex.settings.production import *  # noqa: F403
from socex.settings.production import (
    CELERY_BEAT_SCHEDULE,
    CELERY_BROKER_TRANSPORT_OPTIONS,
)

# Plain HTTP on 127.0.0.1, and no collectstatic run: the clients never fetch assets.
SECURE_SSL_REDIRECT = False
SECURE_HSTS_SECONDS = 0
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# The outbox (socex/settings/base.py explains each window), in seconds.
OUTBOX_RETRY_WINDOW = 600.0  # 24 h in production: far longer than any experiment
OUTBOX_RETRY_FIRST_DELAY = 0.5
OUTBOX_RETRY_MAX_DELAY = 2.0
OUTBOX_CLAIM_STALE_AFTER = 12.0  # above the longest batch the sink lets through
OUTBOX_QUEUE_GRACE = 3.0
OUTBOX_DELAYED_AFTER = 30.0
OUTBOX_RECORD_RETRY_DELAYS = [0.2, 0.5, 1.0]

# gunicorn's workers hold the tasks their requests commit this long before publishing
# (0.1 s in production): a worker killed mid-burst (web_worker_killed) dies with
# some, which only the sweeps can send.
TASK_PUBLISH_LINGER = 2.0

# Bulk prints in many chunks (the smallest, four badges: a sheet's), so a killed worker
# leaves some done and some not, however fast the machine renders.
BADGE_PRINT_CHUNK_SIZE = 4
# The badge sweeps' windows (seconds): a badge left pending or rendering, a failed one,
# a print job without progress.
BADGE_STALE_AFTER = 10
BADGE_FAILED_RETRY_AFTER = 20
BADGE_JOB_STALE_AFTER = 10

# Messages a dead worker had taken come back after visibility_timeout (Redis
# transport). kombu looks for them every 10th unacked_restore_interval: every 10 s
# here, rather than every 100 s.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    **CELERY_BROKER_TRANSPORT_OPTIONS,
    "visibility_timeout": 20,
    "unacked_restore_interval": 1,
}
# The product's sweeps, seconds apart (the daily and six-hourly mailings and purges
# are left out).
SWEEP_EVERY = {
    "outbox-sweep": 1.0,
    "badge-sweep": 5.0,
    "badge-print-job-sweep": 2.0,
}
CELERY_BEAT_SCHEDULE = {
    name: {**entry, "schedule": SWEEP_EVERY[name]}
    for name, entry in CELERY_BEAT_SCHEDULE.items()
    if name in SWEEP_EVERY
}

# The worker's watchdog (socex/watchdog.py): a probe every 5 s while idle, a stuck
# consumer shut down after two probes missed (3 s each), for the benchmark's
# supervisor to start it again.
WORKER_WATCHDOG_EVERY = 5.0
WORKER_WATCHDOG_TIMEOUT = 3.0
WORKER_WATCHDOG_MISSES = 2
