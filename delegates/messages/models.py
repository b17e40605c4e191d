"""Messages to an edition's delegates and the agenda changes waiting for a digest.

Imported by ``delegates.models`` (as the badges models are), so they belong to the
delegates app and its migrations.
"""

import uuid

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from events.models import Edition

__all__ = ["AgendaChange", "Message"]


class Message(models.Model):
    """An email an organiser writes to an audience of one edition.

    Drafted, previewed and test-sent, then sent once: ``message_send`` locks the row,
    writes one outbox row per recipient under ``outbox_group`` and marks it sent in
    the same transaction, so a second submit finds it sent and queues nothing.
    """

    class Audience(models.TextChoices):
        CONFIRMED = "confirmed", _("Confirmed delegates")
        WAITLISTED = "waitlisted", _("Waiting list")
        PENDING = "pending", _("Pending approval")
        CHECKED_IN = "checked_in", _("Checked in")
        SPEAKERS = "speakers", _("Speakers and workshop facilitators")
        WORKSHOP_RUN = "workshop_run", _("Attendees of a workshop run")
        SELECTION = "selection", _("Registrations selected in the list")

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SENT = "sent", _("Sent")

    edition = models.ForeignKey(
        Edition, on_delete=models.PROTECT, related_name="messages"
    )
    audience = models.CharField(max_length=20, choices=Audience.choices)
    # A workshop run lives in the workshops app, above this one: its id and the
    # label its hook gave, not a foreign key.
    run_id = models.PositiveIntegerField(null=True, blank=True)
    audience_label = models.CharField(max_length=250, blank=True)
    registration_ids = models.JSONField(
        default=list,
        blank=True,
        help_text=_("The registrations chosen in the list (audience “selected”)."),
    )
    subject = models.CharField(max_length=200)
    body = models.TextField(
        max_length=20000,
        help_text=_(
            "Plain text. Placeholders: {name}, {reference}, {edition}, {venue}; "
            "a blank line starts a new paragraph."
        ),
    )
    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.DRAFT, db_index=True
    )
    sender = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    outbox_group = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    recipients = models.PositiveIntegerField(default=0)
    test_sent_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("message to delegates")
        verbose_name_plural = _("messages to delegates")
        permissions = [("send_message", _("Can send messages to delegates"))]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(audience="workshop_run")
                | models.Q(run_id__isnull=False),
                name="message_run_audience_has_run",
            ),
        ]

    def __str__(self) -> str:
        return self.subject

    def get_absolute_url(self) -> str:
        return reverse("admin:delegates_message_change", args=[self.pk])

    @property
    def audience_display(self) -> str:
        return self.audience_label or self.get_audience_display()


class AgendaChange(models.Model):
    """A published session's or workshop run's time, room or title changed.

    Written in the transaction of the change; the digest run gathers an edition's
    changes once they have been quiet for ``AGENDA_DIGEST_DELAY`` seconds and tells
    each person they concern in one email (``digest_key``: the first change of the
    gathering, so a duplicated run cannot send twice).
    """

    class Kind(models.TextChoices):
        SESSION = "session", _("Agenda session")
        RUN = "run", _("Workshop run")

    edition = models.ForeignKey(
        Edition, on_delete=models.CASCADE, related_name="agenda_changes"
    )
    kind = models.CharField(max_length=10, choices=Kind.choices)
    # An events.AgendaSession or a workshops.WorkshopRun: the run belongs to a
    # higher app, so both are kept as ids.
    object_id = models.PositiveIntegerField()
    title = models.CharField(max_length=250)
    changes = models.JSONField(
        default=list, help_text=_("[{field, label, old, new}] in the order made.")
    )
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    digested_at = models.DateTimeField(null=True, blank=True, db_index=True)
    digest_key = models.PositiveIntegerField(null=True, blank=True)
    recipients = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("agenda change")

    def __str__(self) -> str:
        return f"{self.title}: {', '.join(c['label'] for c in self.changes)}"
