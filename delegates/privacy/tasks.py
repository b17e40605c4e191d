import logging

from celery import shared_task

from . import retention

logger = logging.getLogger(__name__)


@shared_task(name="delegates.privacy.tasks.privacy_retention")
def privacy_retention() -> dict:
    """Daily: delete and anonymise what the ``PRIVACY_*`` periods say is due."""
    results = retention.retention_apply()
    return {step.kind: removed for step, removed in results}
