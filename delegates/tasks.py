import logging

from celery import shared_task

from . import services
from .messages import digest

logger = logging.getLogger(__name__)


@shared_task(name="delegates.tasks.joining_instructions_send")
def joining_instructions_send() -> int:
    """Daily: queue joining instructions for editions starting within a week."""
    queued = services.joining_instructions_queue()
    logger.info("Queued joining instructions for %s registrations", queued)
    return queued


@shared_task(name="delegates.tasks.agenda_digests_send")
def agenda_digests_send() -> int:
    """Every minute: one email per person about the agenda changes that are due."""
    return digest.agenda_digests_send()
