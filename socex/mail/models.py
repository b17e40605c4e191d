import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


def new_message_id() -> str:
    """A globally unique RFC 5322 Message-ID, fixed for the life of an outbox row."""
    domain = getattr(settings, "OUTBOX_MESSAGE_ID_DOMAIN", "") or "socex.invalid"
    return f"<{uuid.uuid4().hex}@{domain}>"


class OutboxEmail(models.Model):
    """One email to one recipient, written in the transaction of the change it reports.

    A Celery task delivers it after commit. Delivery claims the row (``sending``,
    committed) before talking to the mail server and marks it ``sent`` after; every
    attempt carries the row's own Message-ID, so a re-send after a lost commit is
    recognisable as the same message.
    """

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")

    key = models.CharField(
        max_length=200,
        unique=True,
        null=True,
        blank=True,
        help_text=_("Idempotency key: the same key never queues a second email."),
    )
    message_id = models.CharField(
        max_length=250,
        unique=True,
        default=new_message_id,
        editable=False,
        help_text=_("The Message-ID header, the same on every attempt."),
    )
    template = models.CharField(max_length=100, blank=True)
    group = models.UUIDField(
        null=True,
        blank=True,
        db_index=True,
        editable=False,
        help_text=_(
            "The mailing this email belongs to (one per recipient of a message to "
            "delegates): its owner counts sent, pending and failed by it."
        ),
    )
    to = models.EmailField()
    subject = models.CharField(max_length=250)
    body_text = models.TextField()
    body_html = models.TextField(blank=True)
    attachments = models.JSONField(default=list, blank=True)
    secret = models.BooleanField(
        default=False,
        help_text=_(
            "Carries a one-time link or code: the body is stored encrypted, never "
            "shown, and removed once the email is sent."
        ),
    )
    body_removed_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.QUEUED
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    next_attempt_at = models.DateTimeField(db_index=True)
    first_attempt_at = models.DateTimeField(null=True, blank=True)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    claim = models.UUIDField(null=True, blank=True, editable=False)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("outbox email")
        verbose_name_plural = _("outbox emails")
        # The sweeps and the dashboard read by status: a plain index (a CharField's
        # db_index adds a LIKE index too, one more write per email, never read).
        indexes = [models.Index(fields=["status"], name="mail_outbox_status_idx")]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(status="sending") | models.Q(claim__isnull=False),
                name="mail_outboxemail_sending_has_claim",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.subject} → {self.to}"

    @property
    def body_available(self) -> bool:
        return self.body_removed_at is None
