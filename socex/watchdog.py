"""A worker that has stopped taking work shuts down, for its supervisor to restart it.

After a broker restart, Celery's consumer can stay connected but never take another
task (celery/celery#8030, #8091; seen once in benchmarks/faults.py after Redis was
killed): nothing then sends the outbox's emails until someone restarts the worker.
So each worker's main process runs a thread that, every ``WORKER_WATCHDOG_EVERY``
seconds while the worker holds no task, sends a no-op task to the worker's own
queue (``worker_direct``) and waits ``WORKER_WATCHDOG_TIMEOUT`` for the consumer to
receive it. A worker that misses ``WORKER_WATCHDOG_MISSES`` probes in a row is stuck:
it logs that and shuts down warmly (SIGTERM; its tasks are acknowledged late, so any
in hand go back to the queue), and compose starts it again (``restart``). A busy
worker is never probed (with a prefetch of one it takes nothing new while its
processes work), and a broker that is down fails the publish: neither is counted.
``WORKER_WATCHDOG_EVERY`` 0 turns the watchdog off.
"""

import logging
import os
import signal
import threading
import uuid
from collections.abc import Callable

from celery.signals import task_received, worker_ready, worker_shutting_down
from celery.utils.nodenames import worker_direct
from celery.worker import state
from django.conf import settings

logger = logging.getLogger(__name__)


class Watchdog:
    """The probe loop, its clock and its actions given (for tests)."""

    def __init__(
        self,
        *,
        probe: Callable[[str], None],
        busy: Callable[[], bool],
        shut_down: Callable[[], None],
        every: float,
        timeout: float,
        misses: int,
    ) -> None:
        self.probe, self.busy, self.shut_down = probe, busy, shut_down
        self.every, self.timeout, self.misses = every, timeout, misses
        self.stopping = threading.Event()
        self._received = threading.Condition()
        self._seen: set[str] = set()

    def received(self, task_id: str) -> None:
        """The consumer received ``task_id`` (``task_received``, any task)."""
        with self._received:
            self._seen.add(task_id)
            self._received.notify_all()

    def check(self) -> bool | None:
        """One probe: True when it was received, False when not within the
        timeout, None when none was made (busy, or the broker refused it)."""
        if self.busy():
            return None
        task_id = f"watchdog-{uuid.uuid4().hex}"
        try:
            self.probe(task_id)
        except Exception:  # the broker is down: the consumer is not to blame
            logger.warning("Worker watchdog: could not send its probe", exc_info=True)
            return None
        with self._received:
            seen = self._received.wait_for(
                lambda: task_id in self._seen, timeout=self.timeout
            )
            self._seen.discard(task_id)
        return seen

    def run(self) -> None:
        missed = 0
        while not self.stopping.wait(self.every):
            outcome = self.check()
            if outcome is None:
                continue
            missed = 0 if outcome else missed + 1
            if missed >= self.misses:
                logger.critical(
                    "Worker watchdog: the consumer received none of %s probes sent "
                    "to this worker's own queue while it held no task; shutting "
                    "down for the supervisor to start it again",
                    missed,
                )
                self.shut_down()
                return


_watchdog: Watchdog | None = None


def _shut_down() -> None:
    """Warm shutdown (SIGTERM); a worker still alive after the task time limit
    exits hard."""
    os.kill(os.getpid(), signal.SIGTERM)
    timer = threading.Timer(settings.CELERY_TASK_TIME_LIMIT + 30, os._exit, [1])
    timer.daemon = True
    timer.start()


@worker_ready.connect(dispatch_uid="socex.watchdog_start")
def watchdog_start(sender, **kwargs) -> None:
    """Start the watchdog in the worker's main process (``worker_ready``)."""
    global _watchdog
    every = float(getattr(settings, "WORKER_WATCHDOG_EVERY", 0) or 0)
    if every <= 0:
        return
    from . import tasks  # noqa: PLC0415  (the worker has loaded the tasks by now)

    queue = worker_direct(sender.hostname)
    _watchdog = Watchdog(
        probe=lambda task_id: tasks.worker_probe.apply_async(
            task_id=task_id, queue=queue, expires=settings.WORKER_WATCHDOG_TIMEOUT
        ),
        busy=lambda: bool(state.active_requests or state.reserved_requests),
        shut_down=_shut_down,
        every=every,
        timeout=float(settings.WORKER_WATCHDOG_TIMEOUT),
        misses=int(settings.WORKER_WATCHDOG_MISSES),
    )
    threading.Thread(target=_watchdog.run, name="socex-watchdog", daemon=True).start()


@task_received.connect(dispatch_uid="socex.watchdog_received")
def watchdog_received(sender, request, **kwargs) -> None:
    if _watchdog is not None:
        _watchdog.received(request.id)


@worker_shutting_down.connect(dispatch_uid="socex.watchdog_stop")
def watchdog_stop(sender, **kwargs) -> None:
    if _watchdog is not None:
        _watchdog.stopping.set()
