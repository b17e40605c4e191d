"""Celery at the edge: the one way any app hands work to a task.

Services import the tasks they schedule at module level and call
``enqueue_on_commit(task, **kwargs)``; tasks are thin wrappers that import services.
"""

import logging
import time

from celery import shared_task
from django.conf import settings
from django.db import transaction

logger = logging.getLogger(__name__)

# After a failed publish this process stops trying until then (time.monotonic()): with
# a hung broker every attempt costs a socket timeout, and a registration publishes
# more than one task.
_publish_paused_until = 0.0


def enqueue_on_commit(task, **kwargs) -> None:
    """Send ``task`` with ``kwargs`` after the current transaction commits.

    A rolled-back transaction sends nothing. When the broker is unreachable the error
    is logged, not raised: the change has been committed and a periodic sweep picks the
    work up from its persisted row. After a failure, publishing pauses for
    ``TASK_PUBLISH_PAUSE`` seconds: a hung broker costs one timeout, not one per task.
    """

    def _send() -> None:
        global _publish_paused_until
        if task.app.conf.task_always_eager:
            task.apply_async(kwargs=kwargs)
            return
        if time.monotonic() < _publish_paused_until:
            logger.info("Broker paused: %s%r left to the sweep", task.name, kwargs)
            return
        try:
            task.apply_async(kwargs=kwargs, retry=False)
        except Exception:
            _publish_paused_until = time.monotonic() + settings.TASK_PUBLISH_PAUSE
            logger.warning(
                "Could not enqueue %s%r; the sweep will retry", task.name, kwargs
            )

    transaction.on_commit(_send)


@shared_task(name="socex.worker_probe", ignore_result=True, acks_late=False)
def worker_probe() -> None:
    """The watchdog's probe (``socex.watchdog``): that the worker received it is
    the point; it does nothing."""
