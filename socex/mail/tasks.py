import logging

from celery import shared_task

from . import services

logger = logging.getLogger(__name__)


@shared_task(
    name="socex.mail.tasks.outbox_send", bind=True, max_retries=None, acks_late=True
)
def outbox_send(self, *, email_id: int) -> str:
    """Deliver one outbox email; retry with backoff while attempts remain."""
    outcome = services.outbox_deliver(email_id=email_id)
    if outcome == "retry" and self.request.is_eager:
        # No broker to schedule a later attempt: use the remaining attempts now.
        while outcome == "retry":
            outcome = services.outbox_deliver(email_id=email_id)
    elif outcome == "retry":
        attempts = (
            services.OutboxEmail.objects.filter(pk=email_id)
            .values_list("attempts", flat=True)
            .first()
        )
        raise self.retry(countdown=services.backoff(attempts or 1))
    return outcome


@shared_task(name="socex.mail.tasks.outbox_sweep")
def outbox_sweep() -> int:
    """Periodic: re-queue emails left unsent (e.g. the broker was down at commit)."""
    return services.outbox_sweep()
