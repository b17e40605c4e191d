import logging

from celery import shared_task

from . import services

logger = logging.getLogger(__name__)


@shared_task(name="delegates.tasks.joining_instructions_send")
def joining_instructions_send() -> int:
    """Daily: queue joining instructions for editions starting within a week."""
    queued = services.joining_instructions_queue()
    logger.info("Queued joining instructions for %s registrations", queued)
    return queued
