"""Celery at the edge: the one way any app hands work to a task.

Services import the tasks they schedule at module level and call
``enqueue_on_commit(task, **kwargs)``; tasks are thin wrappers that import services.
"""

import logging

from django.db import transaction

logger = logging.getLogger(__name__)


def enqueue_on_commit(task, **kwargs) -> None:
    """Send ``task`` with ``kwargs`` after the current transaction commits.

    A rolled-back transaction sends nothing. When the broker is unreachable the error
    is logged, not raised: the change has been committed and a periodic sweep picks the
    work up from its persisted row.
    """

    def _send() -> None:
        if task.app.conf.task_always_eager:
            task.apply_async(kwargs=kwargs)
            return
        try:
            task.apply_async(kwargs=kwargs, retry=False)
        except Exception:
            logger.warning(
                "Could not enqueue %s%r; the sweep will retry", task.name, kwargs
            )

    transaction.on_commit(_send)
