"""Calls for workshop proposals, the proposals and their reviewers' scores."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from events.models import Edition

from .programme import Workshop


class WorkshopCall(models.Model):
    """An edition's call for workshop proposals, open between two moments.

    Optional: an edition without one takes no proposals."""

    edition = models.OneToOneField(
        Edition, on_delete=models.CASCADE, related_name="workshop_call"
    )
    opens_at = models.DateTimeField()
    closes_at = models.DateTimeField()
    guidance = models.TextField(
        blank=True,
        help_text=_("Shown above the form: what the organisers are looking for."),
    )

    class Meta:
        ordering = ["-closes_at"]
        verbose_name = _("call for workshop proposals")
        verbose_name_plural = _("calls for workshop proposals")
        constraints = [
            models.CheckConstraint(
                condition=Q(closes_at__gt=F("opens_at")),
                name="workshop_call_closes_after_opening",
                violation_error_message=_("The call must close after it opens."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.edition}: call for workshop proposals"

    def clean(self) -> None:
        super().clean()
        if self.opens_at and self.closes_at and self.closes_at <= self.opens_at:
            raise ValidationError(
                {"closes_at": _("The call must close after it opens.")}
            )

    def is_open(self, now=None) -> bool:
        now = now or timezone.now()
        return self.opens_at <= now < self.closes_at


class WorkshopProposal(models.Model):
    """A practitioner's proposal for a workshop, answering an edition's call."""

    class Status(models.TextChoices):
        SUBMITTED = "submitted", _("Submitted")
        ACCEPTED = "accepted", _("Accepted")
        DECLINED = "declined", _("Declined")

    class Format(models.TextChoices):
        INTERACTIVE = "interactive", _("Interactive workshop")
        CASE_STUDY = "case_study", _("Case study and discussion")
        EXERCISE = "exercise", _("Table-top exercise")
        PANEL = "panel", _("Panel and questions")

    call = models.ForeignKey(
        WorkshopCall, on_delete=models.CASCADE, related_name="proposals"
    )
    proposer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="workshop_proposals",
    )
    title = models.CharField(max_length=200)
    summary = models.TextField(
        max_length=2000,
        validators=[MaxLengthValidator(2000)],
        help_text=_("What delegates will do and take away (at most 2,000 characters)."),
    )
    audience = models.CharField(
        max_length=300, help_text=_("Who it is for, e.g. financial investigators.")
    )
    format = models.CharField(max_length=20, choices=Format.choices)
    # [{"name": ..., "email": ...}]: the people leading it with the proposer.
    co_leaders = models.JSONField(default=list, blank=True)
    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.SUBMITTED, db_index=True
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    workshop = models.OneToOneField(
        Workshop,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="proposal",
        help_text=_("The workshop an accepted proposal became."),
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        permissions = [
            ("review_proposal", _("Can score workshop proposals")),
            ("decide_proposal", _("Can accept or decline workshop proposals")),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("workshops:proposal", kwargs={"pk": self.pk})


class ProposalReview(models.Model):
    """One reviewer's score (1 to 5) and comment on a proposal."""

    proposal = models.ForeignKey(
        WorkshopProposal, on_delete=models.CASCADE, related_name="reviews"
    )
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    score = models.PositiveSmallIntegerField()
    comment = models.TextField(
        blank=True, max_length=4000, validators=[MaxLengthValidator(4000)]
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["proposal", "reviewer"], name="proposal_review_once"
            ),
            models.CheckConstraint(
                condition=Q(score__gte=1) & Q(score__lte=5),
                name="proposal_review_score_1_to_5",
                violation_error_message=_("Give a score from 1 to 5."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.proposal}: {self.score}"
