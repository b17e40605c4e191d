"""Celery at the edge: the one way any app hands work to a task.

Services import the tasks they schedule at module level and call
``enqueue_on_commit(task, **kwargs)``; tasks are thin wrappers that import services.
"""

import logging
import threading
import time
from contextlib import contextmanager

from celery import current_app, shared_task
from django.conf import settings
from django.db import transaction

logger = logging.getLogger(__name__)

# After a failed publish this process stops trying until then (time.monotonic()): with
# a hung broker every attempt costs a socket timeout, and a registration publishes
# more than one task.
_publish_paused_until = 0.0


# The tasks a ``tasks_together`` block collects, per thread.
_together = threading.local()


def enqueue_on_commit(task, **kwargs) -> None:
    """Send ``task`` with ``kwargs`` after the current transaction commits.

    A rolled-back transaction sends nothing. When the broker is unreachable the error
    is logged, not raised: the change has been committed and a periodic sweep picks the
    work up from its persisted row. After a failure, publishing pauses for
    ``TASK_PUBLISH_PAUSE`` seconds: a hung broker costs one timeout, not one per task.
    Inside ``tasks_together`` the task joins that block's message.
    """
    collected = getattr(_together, "tasks", None)
    if collected is not None:
        collected.append((task, kwargs))
        return
    transaction.on_commit(lambda: _publish([(task, kwargs)]))


@contextmanager
def tasks_together():
    """The tasks enqueued in this block leave, after commit, as one message
    (``run_tasks``, which runs them in order in one worker): a request that hands
    several jobs to the worker pays for one publish. For a block that opens no
    savepoint (its tasks are committed or rolled back together)."""
    outer = getattr(_together, "tasks", None)
    if outer is not None:  # nested: the outer block sends them
        yield
        return
    _together.tasks = collected = []
    try:
        yield
    finally:
        _together.tasks = None
    if collected:
        transaction.on_commit(lambda: _publish(collected))


def _publish(jobs: list) -> None:
    global _publish_paused_until
    app = jobs[0][0].app
    if app.conf.task_always_eager:
        for task, kwargs in jobs:
            task.apply_async(kwargs=kwargs)
        return
    if len(jobs) == 1:
        task, kwargs = jobs[0]
    else:
        task = run_tasks
        kwargs = {"tasks": [[job.name, job_kwargs] for job, job_kwargs in jobs]}
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


@shared_task(name="socex.run_tasks", acks_late=True, ignore_result=True)
def run_tasks(*, tasks: list) -> None:
    """Tasks published together (``tasks_together``), each run here in order as
    its own task would run it: each works from its persisted row, idempotently,
    so a redelivered message repeats nothing; one that fails is logged and the
    next still runs (its sweep retries it)."""
    for name, kwargs in tasks:
        try:
            current_app.tasks[name](**kwargs)
        except Exception:
            logger.exception("Task %s%r failed (run together)", name, kwargs)


@shared_task(name="socex.worker_probe", ignore_result=True, acks_late=False)
def worker_probe() -> None:
    """The watchdog's probe (``socex.watchdog``): that the worker received it is
    the point; it does nothing."""
