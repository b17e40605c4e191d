"""Reads about the outbox used by more than one page."""

from datetime import timedelta

from django.conf import settings
from django.db.models import Count, Q
from django.db.models.functions import Coalesce
from django.utils import timezone

from .models import OutboxEmail


def outbox_problem_counts() -> dict[str, int]:
    """How many emails failed, and how many are still unsent after
    ``OUTBOX_DELAYED_AFTER`` (retrying through a mail-server outage): one query."""
    cutoff = timezone.now() - timedelta(seconds=float(settings.OUTBOX_DELAYED_AFTER))
    return OutboxEmail.objects.annotate(
        since=Coalesce("first_attempt_at", "created_at")
    ).aggregate(
        failed=Count("pk", filter=Q(status=OutboxEmail.Status.FAILED)),
        delayed=Count(
            "pk",
            filter=Q(
                status__in=[OutboxEmail.Status.QUEUED, OutboxEmail.Status.SENDING],
                since__lte=cutoff,
            ),
        ),
    )


def outbox_stalled() -> bool:
    """Whether an email has been due for ``OUTBOX_STALLED_AFTER`` and still not
    tried: no worker is taking the outbox's work. A mail-server outage does not
    count (its rows wait for a later ``next_attempt_at``). One indexed query."""
    cutoff = timezone.now() - timedelta(seconds=float(settings.OUTBOX_STALLED_AFTER))
    return OutboxEmail.objects.filter(
        status=OutboxEmail.Status.QUEUED, next_attempt_at__lte=cutoff
    ).exists()
