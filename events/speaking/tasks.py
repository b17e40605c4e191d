import logging

from celery import shared_task

from . import services

logger = logging.getLogger(__name__)


@shared_task(name="events.speaking.tasks.speaker_reminders_send")
def speaker_reminders_send() -> int:
    """Beat: remind speakers whose details are due (each reminder once)."""
    sent = services.speaker_reminders_send()
    logger.info("Sent %s speaker reminders", sent)
    return sent
