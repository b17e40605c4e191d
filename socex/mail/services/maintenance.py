"""Maintenance: resending one email, retrying every failed one, the sweep of due and
stale rows, and purging bodies after the retention period."""

import uuid
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from ..models import OutboxEmail
from .common import RETENTION_REMOVED, _seconds
from .queueing import _enqueue_batches, email_deliver_after_commit


@transaction.atomic
def outbox_resend(*, email: OutboxEmail) -> OutboxEmail:
    """Send an email again.

    A failed row is queued again as a fresh series of attempts, keeping its
    Message-ID (the server may have taken an earlier attempt). A sent row is copied
    into a new row with a new Message-ID, since the recipient's mail system would
    drop a second message carrying the first one's. Refused with a ``ValidationError``
    when the body is no longer kept or the email is still on its way.
    """
    email = OutboxEmail.objects.select_for_update().get(pk=email.pk)
    if not email.body_available:
        if email.secret:
            raise ValidationError(
                _(
                    "“%(subject)s” to %(to)s carried a one-time link or code and its "
                    "text is not kept. Ask the person to request a new one."
                )
                % {"subject": email.subject, "to": email.to}
            )
        raise ValidationError(
            _("“%(subject)s” to %(to)s is past its retention period: its text is gone.")
            % {"subject": email.subject, "to": email.to}
        )
    if email.status == OutboxEmail.Status.FAILED:
        email.status = OutboxEmail.Status.QUEUED
        email.attempts = 0
        email.first_attempt_at = None
        email.next_attempt_at = timezone.now() + _seconds("OUTBOX_QUEUE_GRACE")
        email.save()
        email_deliver_after_commit(email_id=email.pk)
        return email
    if email.status == OutboxEmail.Status.SENT:
        copy = OutboxEmail.objects.create(
            template=email.template,
            to=email.to,
            subject=email.subject,
            body_text=email.body_text,
            body_html=email.body_html,
            attachments=email.attachments,
            secret=email.secret,
            next_attempt_at=timezone.now() + _seconds("OUTBOX_QUEUE_GRACE"),
        )
        email_deliver_after_commit(email_id=copy.pk)
        return copy
    raise ValidationError(
        _("“%(subject)s” to %(to)s is already on its way.")
        % {"subject": email.subject, "to": email.to}
    )


@transaction.atomic
def outbox_retry_failed(*, group: uuid.UUID | None = None) -> tuple[int, int]:
    """Queue every failed email again (of one ``group`` only, when given); returns
    ``(queued, refused)``.

    Refused: failed emails whose body is gone (a one-time link, or past retention);
    they stay failed and the person asks for a new link.
    """
    failed = OutboxEmail.objects.filter(status=OutboxEmail.Status.FAILED)
    if group is not None:
        failed = failed.filter(group=group)
    rows = list(
        failed.select_for_update().order_by("pk").values_list("pk", "body_removed_at")
    )
    ids = [pk for pk, removed in rows if removed is None]
    OutboxEmail.objects.filter(pk__in=ids).update(
        status=OutboxEmail.Status.QUEUED,
        attempts=0,
        first_attempt_at=None,
        next_attempt_at=timezone.now() + _seconds("OUTBOX_QUEUE_GRACE"),
    )
    _enqueue_batches(ids)
    return len(ids), len(rows) - len(ids)


def outbox_sweep(*, limit: int = 500) -> int:
    """Queue again the emails that are due: retries whose time has come, rows whose
    own task never ran (the broker was down at commit) and claims left by a dead
    worker. Returns how many were queued, in batches of ``OUTBOX_BATCH_SIZE``."""
    now = timezone.now()
    stale = now - _seconds("OUTBOX_CLAIM_STALE_AFTER")
    with transaction.atomic():
        ids = list(
            OutboxEmail.objects.select_for_update(skip_locked=True)
            .filter(
                Q(status=OutboxEmail.Status.QUEUED)
                | Q(status=OutboxEmail.Status.SENDING, claimed_at__lte=stale),
                next_attempt_at__lte=now,
            )
            .order_by("next_attempt_at", "pk")
            .values_list("pk", flat=True)[:limit]
        )
        # A lease: the next sweep leaves them to the tasks queued now.
        OutboxEmail.objects.filter(pk__in=ids).update(
            next_attempt_at=now + _seconds("OUTBOX_QUEUE_GRACE")
        )
        _enqueue_batches(ids)
    return len(ids)


def outbox_purge_bodies(*, now=None) -> int:
    """Remove the body and attachments of finished emails older than
    ``OUTBOX_BODY_RETENTION_DAYS``, keeping recipient, subject, status and dates.
    Returns how many rows were purged."""
    now = now or timezone.now()
    cutoff = now - timedelta(days=int(settings.OUTBOX_BODY_RETENTION_DAYS))
    return OutboxEmail.objects.filter(
        created_at__lte=cutoff,
        body_removed_at__isnull=True,
        status__in=[OutboxEmail.Status.SENT, OutboxEmail.Status.FAILED],
    ).update(
        body_text=RETENTION_REMOVED, body_html="", attachments=[], body_removed_at=now
    )
