"""Celery at the edge: the one way any app hands work to a task.

Services import the tasks they schedule at module level and call
``enqueue_on_commit(task, **kwargs)``; tasks are thin wrappers that import services.

A web server's worker process may publish through a ``PublishBatcher`` (gunicorn's
``post_worker_init`` starts one when ``TASK_PUBLISH_LINGER`` is above 0): a request
then hands its light tasks to a thread of its process after commit and answers at
once; the thread sends what the process's requests committed within the linger as
one message. A light task is one declared with ``publish_together=True``: short,
working from one persisted row that a sweep covers (an email's delivery, a badge's
render), so a process that dies holding some leaves them to the sweeps, as a failed
publish does. Every other task is published by the request, as without a batcher:
merged with others, heavy work (a batch of emails, a PDF) would run in series.
"""

import atexit
import logging
import os
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
    app = jobs[0][0].app
    if app.conf.task_always_eager:
        for task, kwargs in jobs:
            task.apply_async(kwargs=kwargs)
        return
    batcher = _batcher
    if (
        batcher is not None
        and all(getattr(task, "publish_together", False) for task, _kwargs in jobs)
        and batcher.take(jobs)
    ):
        return
    _send(jobs)


def _send(jobs: list) -> None:
    """Publish ``jobs`` [(task, kwargs)] now, as one message: a single task as
    itself, several as ``run_tasks``. Never raises (see ``enqueue_on_commit``)."""
    global _publish_paused_until
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


class PublishBatcher:
    """One thread of this process that publishes the light tasks its requests
    commit (``publish_together``): those committed within ``linger`` seconds of
    the first waiting leave as one message (at most ``size`` tasks each), in the
    order they were committed.

    ``take`` never blocks on the broker (a hung one holds the thread, not a
    request); it refuses (the caller publishes itself) once the batcher is
    stopped, its thread has died, or in a process it was not started in (a
    fork). ``stop`` sends what is waiting and ends the thread. Tasks waiting when
    the process is killed are lost to the broker, not to the sweeps: each works
    from a persisted row a sweep covers.
    """

    def __init__(self, *, linger: float, size: int = 50, most: int = 10_000):
        self.linger = linger
        self.size = size
        self.most = most  # waiting beyond this many, the sweeps take the rest
        self._pid = os.getpid()
        self._waiting: list = []
        self._first_at = 0.0
        self._stopping = False
        self._ready = threading.Condition()
        self._thread = threading.Thread(
            target=self._run, name="socex-publish", daemon=True
        )
        self._thread.start()

    def take(self, jobs: list) -> bool:
        if os.getpid() != self._pid or not self._thread.is_alive():
            return False
        with self._ready:
            if self._stopping:
                return False
            if len(self._waiting) >= self.most:
                logger.warning(
                    "%d tasks already wait to be published: %r left to the sweep",
                    len(self._waiting),
                    [task.name for task, _kwargs in jobs],
                )
                return True
            if not self._waiting:
                self._first_at = time.monotonic()
            self._waiting.extend(jobs)
            self._ready.notify()
        return True

    def _next_batch(self) -> list:
        """The next message's tasks, once their linger is over (or on stop); an
        empty list when stopped with nothing left."""
        with self._ready:
            while True:
                if self._waiting:
                    left = self._first_at + self.linger - time.monotonic()
                    if self._stopping or left <= 0 or len(self._waiting) >= self.size:
                        batch = self._waiting[: self.size]
                        del self._waiting[: self.size]
                        return batch
                    self._ready.wait(left)
                elif self._stopping:
                    return []
                else:
                    self._ready.wait()

    def _run(self) -> None:
        while batch := self._next_batch():
            try:
                _send(batch)
            except Exception:  # _send logs its own failures; keep going
                logger.exception("Publishing %d tasks failed", len(batch))

    def stop(self, timeout: float = 5.0) -> None:
        """Send what is waiting (the thread, within ``timeout`` s; then this
        caller) and end the thread."""
        if os.getpid() != self._pid:
            return
        with self._ready:
            self._stopping = True
            self._ready.notify()
        self._thread.join(timeout)
        with self._ready:
            left, self._waiting = self._waiting, []
        for start in range(0, len(left), self.size):
            _send(left[start : start + self.size])


# This process's batcher, if one was started (publish_batching_start).
_batcher: PublishBatcher | None = None


def publish_batching_start(*, linger: float) -> PublishBatcher:
    """Publish this process's light tasks through a ``PublishBatcher`` from now on
    (until ``publish_batching_stop``, also run at exit). For a process that
    serves requests and was forked already: the thread does not survive a fork."""
    global _batcher
    publish_batching_stop()
    _batcher = PublishBatcher(linger=linger)
    atexit.unregister(publish_batching_stop)
    atexit.register(publish_batching_stop)
    return _batcher


def publish_batching_stop() -> None:
    """Send what the batcher holds and publish directly again."""
    global _batcher
    batcher, _batcher = _batcher, None
    if batcher is not None:
        batcher.stop()


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
