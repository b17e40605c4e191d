"""Thin tasks: ids in, a service call, the outcome out. Names are pinned: queued
messages and the beat schedule refer to them."""

import logging

from celery import shared_task

from . import services

logger = logging.getLogger(__name__)


@shared_task(name="socex.mail.tasks.outbox_send_batch", acks_late=True)
def outbox_send_batch(*, email_ids: list[int]) -> dict[str, int]:
    """Deliver outbox rows over one connection; retries are scheduled on the rows
    (``next_attempt_at``) and picked up by the sweep, never as Celery countdowns."""
    outcomes = services.outbox_deliver_batch(email_ids=email_ids)
    summary: dict[str, int] = {}
    for outcome in outcomes.values():
        summary[outcome] = summary.get(outcome, 0) + 1
    return summary


# Light, from one row the outbox sweep covers: a web worker's publisher may send it
# with others (socex.tasks.PublishBatcher).
@shared_task(name="socex.mail.tasks.outbox_send", acks_late=True, publish_together=True)
def outbox_send(*, email_id: int) -> str:
    """Deliver one outbox row (kept for messages queued before batches existed)."""
    return services.outbox_deliver(email_id=email_id)


@shared_task(name="socex.mail.tasks.outbox_sweep")
def outbox_sweep() -> int:
    """Periodic: queue retries that are due, rows the broker lost, stale claims."""
    return services.outbox_sweep()


@shared_task(name="socex.mail.tasks.outbox_purge_bodies")
def outbox_purge_bodies() -> int:
    """Periodic: remove bodies past ``OUTBOX_BODY_RETENTION_DAYS``."""
    return services.outbox_purge_bodies()
