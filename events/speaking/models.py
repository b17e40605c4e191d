"""Speaker items (one ``Submission`` per session or workshop a speaker is asked to
give), the versions they submit, invitations, the speakers' deadline and reminders.

The public never reads these: acceptance copies the accepted version into
``AgendaSession`` (and, through ``submission_accepted``, into the workshop), so a
draft cannot reach a public page, a feed or an export.
"""

import datetime as dt

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from socex.storage import private_storage

TITLE_MAX = 120
SUMMARY_MAX = 300
ABSTRACT_MAX = 2500


class SpeakerDeadline(models.Model):
    """The date by which an edition's speakers must have submitted their details."""

    edition = models.OneToOneField(
        "events.Edition", on_delete=models.CASCADE, related_name="speaker_deadline"
    )
    due_on = models.DateField(
        help_text=_(
            "Speakers are reminded before this day (SPEAKER_REMINDER_DAYS) and listed "
            "as overdue after it."
        )
    )

    class Meta:
        verbose_name = _("speakers' deadline")

    def __str__(self) -> str:
        return f"{self.edition}: {self.due_on:%d %B %Y}"


class Submission(models.Model):
    """One item a speaker gives at an edition: an agenda session or a workshop."""

    class Kind(models.TextChoices):
        KEYNOTE = "keynote", _("Keynote")
        PLENARY = "plenary", _("Plenary")
        PANEL = "panel", _("Panel")
        WORKSHOP = "workshop", _("Workshop")

    class State(models.TextChoices):
        INVITED = "invited", _("Invited")
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Submitted")
        CHANGES_REQUESTED = "changes_requested", _("Changes requested")
        RESUBMITTED = "resubmitted", _("Resubmitted")
        ACCEPTED = "accepted", _("Accepted")
        CONFIRMED = "confirmed", _("Confirmed")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    class Format(models.TextChoices):
        TALK = "talk", _("Talk")
        TALK_QA = "talk_qa", _("Talk with questions")
        PANEL = "panel", _("Panel discussion")
        INTERACTIVE = "interactive", _("Interactive session")
        EXERCISE = "exercise", _("Practical exercise")

    edition = models.ForeignKey(
        "events.Edition", on_delete=models.CASCADE, related_name="submissions"
    )
    kind = models.CharField(max_length=10, choices=Kind.choices)
    session = models.ForeignKey(
        "events.AgendaSession",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="submissions",
        help_text=_("The agenda slot (keynotes, plenaries and panels)."),
    )
    working_title = models.CharField(
        max_length=200,
        help_text=_("The organisers' title, shown in public until a first acceptance."),
    )
    state = models.CharField(
        max_length=20, choices=State.choices, default=State.INVITED, db_index=True
    )
    speakers = models.ManyToManyField(
        "events.Speaker",
        through="SubmissionSpeaker",
        related_name="submissions",
        blank=True,
    )
    # The speaker's working copy; the public sees only ``accepted_version``.
    title = models.CharField(max_length=TITLE_MAX, blank=True)
    summary = models.TextField(
        max_length=SUMMARY_MAX,
        blank=True,
        help_text=_("One or two sentences for the agenda."),
    )
    abstract = models.TextField(max_length=ABSTRACT_MAX, blank=True)
    format = models.CharField(max_length=12, choices=Format.choices, blank=True)
    needs_projector = models.BooleanField(_("projector and screen"), default=True)
    microphones = models.PositiveSmallIntegerField(
        _("microphones"), default=1, help_text=_("How many microphones you need.")
    )
    needs_internet = models.BooleanField(_("internet connection"), default=False)
    av_notes = models.TextField(
        _("other audio-visual or technical needs"), max_length=1000, blank=True
    )
    accessibility_notes = models.TextField(
        _("accessibility needs for the session"), max_length=1000, blank=True
    )
    consent_recording = models.BooleanField(
        _("I agree to the session being recorded"), default=False
    )
    consent_slides = models.BooleanField(
        _("I agree to share my slides with the delegates who attended"), default=False
    )
    slides = models.FileField(storage=private_storage, upload_to="slides/", blank=True)
    slides_uploaded_at = models.DateTimeField(null=True, blank=True)
    details_reopened = models.BooleanField(
        default=False,
        help_text=_("An organiser reopened an accepted item for the speaker's edits."),
    )
    copresenters_locked = models.BooleanField(
        _("co-presenters locked"),
        default=False,
        help_text=_("Speakers can no longer invite or remove co-presenters."),
    )
    accepted_version = models.ForeignKey(
        "SubmissionVersion",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    review_comment = models.TextField(blank=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["edition", "kind", "working_title", "id"]
        verbose_name = _("speaker item")
        permissions = [
            ("review_submission", _("Can review speaker items and request changes")),
            ("accept_submission", _("Can accept speaker items")),
            (
                "export_submission",
                _("Can export speakers' AV needs, arrivals, dietary and access needs"),
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind="workshop", session__isnull=True)
                | ~models.Q(kind="workshop"),
                name="submission_workshop_has_no_session",
            ),
        ]

    def __str__(self) -> str:
        return self.title or self.working_title

    def get_absolute_url(self) -> str:
        return reverse("speak:item", kwargs={"pk": self.pk})

    def clean(self) -> None:
        if self.kind == self.Kind.WORKSHOP and self.session_id:
            raise ValidationError(
                {"session": _("A workshop has no agenda slot: leave this empty.")}
            )
        if (
            self.session_id
            and self.edition_id
            and self.session.edition_id != self.edition_id
        ):
            raise ValidationError(
                {"session": _("Choose a session of the same edition.")}
            )

    @property
    def is_workshop(self) -> bool:
        return self.kind == self.Kind.WORKSHOP

    @property
    def details_open(self) -> bool:
        """The speaker may edit the details now."""
        if self.state in (self.State.DRAFT, self.State.CHANGES_REQUESTED):
            return True
        return self.details_reopened and self.state in (
            self.State.ACCEPTED,
            self.State.CONFIRMED,
        )

    @property
    def copresenters_open(self) -> bool:
        return self.details_open and not self.copresenters_locked

    @property
    def was_accepted(self) -> bool:
        return self.accepted_version_id is not None

    def missing(self) -> list[str]:
        """What the speaker still has to provide, in words."""
        gaps = []
        if self.state == self.State.INVITED:
            gaps.append(str(_("the invitation is not yet accepted")))
        for field in ("title", "summary", "abstract", "format"):
            if not getattr(self, field):
                gaps.append(str(self._meta.get_field(field).verbose_name))
        if self.state in (self.State.ACCEPTED,) and not self.details_reopened:
            gaps.append(str(_("confirmation of attendance")))
        return gaps


class SubmissionSpeaker(models.Model):
    """A speaker on an item, with what the venue needs to know about them."""

    submission = models.ForeignKey(
        Submission, on_delete=models.CASCADE, related_name="speaker_links"
    )
    speaker = models.ForeignKey(
        "events.Speaker", on_delete=models.CASCADE, related_name="submission_links"
    )
    is_lead = models.BooleanField(default=False)
    arrival_date = models.DateField(_("arrival day"), null=True, blank=True)
    dietary_needs = models.CharField(max_length=300, blank=True)
    access_needs = models.CharField(max_length=300, blank=True)
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-is_lead", "added_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["submission", "speaker"], name="submission_speaker_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.speaker} on {self.submission}"


# The fields a speaker submits: each version keeps them, and the diff compares them.
VERSIONED_FIELDS = (
    "title",
    "summary",
    "abstract",
    "format",
    "needs_projector",
    "microphones",
    "needs_internet",
    "av_notes",
    "accessibility_notes",
    "consent_recording",
    "consent_slides",
)


class SubmissionVersion(models.Model):
    """The details as the speaker submitted them, once per submission."""

    submission = models.ForeignKey(
        Submission, on_delete=models.CASCADE, related_name="versions"
    )
    number = models.PositiveIntegerField()
    title = models.CharField(max_length=TITLE_MAX)
    summary = models.TextField(blank=True)
    abstract = models.TextField(blank=True)
    format = models.CharField(
        max_length=12, choices=Submission.Format.choices, blank=True
    )
    needs_projector = models.BooleanField(_("projector and screen"), default=True)
    microphones = models.PositiveSmallIntegerField(_("microphones"), default=1)
    needs_internet = models.BooleanField(_("internet connection"), default=False)
    av_notes = models.TextField(_("other AV needs"), blank=True)
    accessibility_notes = models.TextField(_("accessibility needs"), blank=True)
    consent_recording = models.BooleanField(_("consent to recording"), default=False)
    consent_slides = models.BooleanField(_("consent to share slides"), default=False)
    submitted_at = models.DateTimeField(default=timezone.now)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        ordering = ["submission", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["submission", "number"], name="submission_version_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.submission} v{self.number}"


class SubmissionEvent(models.Model):
    """The item's history: who did what, with the organiser's comment."""

    class Action(models.TextChoices):
        CREATED = "created", _("Created")
        INVITED = "invited", _("Invitation sent")
        JOINED = "joined", _("Speaker joined")
        SUBMITTED = "submitted", _("Submitted")
        CHANGES_REQUESTED = "changes_requested", _("Changes requested")
        ACCEPTED = "accepted", _("Accepted")
        REOPENED = "reopened", _("Reopened for edits")
        CONFIRMED = "confirmed", _("Attendance confirmed")
        WITHDRAWN = "withdrawn", _("Withdrawn")
        COPRESENTERS_LOCKED = "copresenters_locked", _("Co-presenters locked")
        COPRESENTERS_UNLOCKED = "copresenters_unlocked", _("Co-presenters unlocked")

    submission = models.ForeignKey(
        Submission, on_delete=models.CASCADE, related_name="events"
    )
    action = models.CharField(max_length=24, choices=Action.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    comment = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.submission}: {self.get_action_display()}"


def invitation_default_expiry() -> dt.datetime:
    return timezone.now() + dt.timedelta(days=settings.SPEAKER_INVITATION_DAYS)


class SubmissionInvitation(models.Model):
    """An invitation to speak on an item, by an organiser or a co-presenter.

    Only a hash of the link's secret is stored: nobody can read a working link from
    the database or the admin.
    """

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        USED = "used", _("Used")
        REVOKED = "revoked", _("Revoked")
        EXPIRED = "expired", _("Expired")

    submission = models.ForeignKey(
        Submission, on_delete=models.CASCADE, related_name="invitations"
    )
    name = models.CharField(max_length=150)
    email = models.EmailField()
    message = models.TextField(_("personal message"), max_length=2000, blank=True)
    is_copresenter = models.BooleanField(default=False)
    speaker = models.ForeignKey(
        "events.Speaker",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text=_(
            "The speaker record this person already has (typed in by organisers): "
            "accepting links it to their account instead of making a new one."
        ),
    )
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    expires_at = models.DateTimeField(default=invitation_default_expiry)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    used_at = models.DateTimeField(null=True, blank=True)
    used_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("speaker invitation")

    def __str__(self) -> str:
        return f"{self.name} <{self.email}> to {self.submission}"

    @property
    def status(self) -> str:
        if self.used_at:
            return self.Status.USED
        if self.revoked_at:
            return self.Status.REVOKED
        if self.expires_at <= timezone.now():
            return self.Status.EXPIRED
        return self.Status.OPEN


class SpeakerReminder(models.Model):
    """One reminder sent: the unique constraint makes a duplicated task send none."""

    speaker = models.ForeignKey(
        "events.Speaker", on_delete=models.CASCADE, related_name="reminders"
    )
    edition = models.ForeignKey(
        "events.Edition", on_delete=models.CASCADE, related_name="+"
    )
    deadline = models.DateField()
    days_before = models.PositiveSmallIntegerField()
    sent_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-sent_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["speaker", "edition", "deadline", "days_before"],
                name="speaker_reminder_once",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.speaker}: {self.days_before} days before {self.deadline}"
