"""Elective workshops: time blocks, workshops and their runs, delegates' choices,
ranked preferences, allocations and the organisers' audit trail."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import time_format
from django.utils.translation import gettext_lazy as _

from delegates.models import Registration
from events.models import AgendaSession, Edition, Room, Speaker
from socex.artifacts import RenderedFile, render_status


def _hhmm(moment) -> str:
    return time_format(timezone.localtime(moment), "H:i")


class WorkshopSettings(models.Model):
    """How an edition's workshops are chosen: live choice or ranked preferences."""

    class Mode(models.TextChoices):
        LIVE = "live", _("Live choice (first come, first served)")
        RANKED = "ranked", _("Ranked preferences, allocated by the organisers")

    edition = models.OneToOneField(
        Edition, on_delete=models.CASCADE, related_name="workshop_settings"
    )
    workshops_per_delegate = models.PositiveSmallIntegerField(
        default=4, help_text=_("How many workshops each delegate attends.")
    )
    mode = models.CharField(max_length=10, choices=Mode.choices, default=Mode.LIVE)

    class Meta:
        verbose_name = _("workshop settings")
        verbose_name_plural = _("workshop settings")
        constraints = [
            models.CheckConstraint(
                condition=Q(workshops_per_delegate__gte=1),
                name="workshop_settings_at_least_one",
                violation_error_message=_("A delegate takes at least one workshop."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.edition}: {self.get_mode_display()}"

    def clean(self) -> None:
        super().clean()
        if not self.edition_id:
            return
        blocks = TimeBlock.objects.filter(edition_id=self.edition_id).count()
        if blocks and self.workshops_per_delegate > blocks:
            raise ValidationError(
                {
                    "workshops_per_delegate": _(
                        "This conference has %(blocks)s workshop blocks and a delegate "
                        "takes at most one workshop per block: choose %(blocks)s or "
                        "fewer."
                    )
                    % {"blocks": blocks}
                }
            )
        previous = (
            WorkshopSettings.objects.filter(pk=self.pk)
            .values("mode", "workshops_per_delegate")
            .first()
        )
        changed = previous and (
            previous["mode"] != self.mode
            or previous["workshops_per_delegate"] != self.workshops_per_delegate
        )
        if (
            changed
            and WorkshopChoice.objects.filter(
                registration__edition_id=self.edition_id
            ).exists()
        ):
            raise ValidationError(
                _(
                    "Delegates already hold workshop places for this conference, so "
                    "the mode and the number of workshops can no longer change."
                )
            )

    @property
    def deadline(self):
        return self.edition.workshop_selection_closes_at


class TimeBlock(models.Model):
    """One "workshop block" agenda session: the runs in it happen at the same time."""

    edition = models.ForeignKey(
        Edition, on_delete=models.CASCADE, related_name="workshop_blocks"
    )
    session = models.OneToOneField(
        AgendaSession, on_delete=models.CASCADE, related_name="workshop_block"
    )
    label = models.CharField(max_length=60, blank=True, help_text=_("e.g. Block A"))

    class Meta:
        ordering = ["session__starts_at", "id"]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        start = timezone.localtime(self.session.starts_at)
        return self.label or f"{start:%a %H:%M}"

    @property
    def starts_at(self):
        return self.session.starts_at

    @property
    def ends_at(self):
        return self.session.ends_at


class Workshop(models.Model):
    edition = models.ForeignKey(
        Edition, on_delete=models.CASCADE, related_name="workshops"
    )
    title = models.CharField(max_length=200)
    summary = models.TextField(blank=True)
    facilitators = models.ManyToManyField(Speaker, related_name="workshops", blank=True)
    # The leaders' speaker item: its accepted version sets title, summary and
    # facilitators (workshops/speaking.py answers events' submission_accepted).
    submission = models.OneToOneField(
        "events.Submission",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="workshop",
    )
    published = models.BooleanField(default=False)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["edition", "order", "title"]
        constraints = [
            models.UniqueConstraint(
                fields=["edition", "title"], name="workshop_title_once_per_edition"
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        url = reverse("workshops_public:edition", kwargs={"slug": self.edition.slug})
        return f"{url}#workshop-{self.pk}"

    @classmethod
    def from_db(cls, db, field_names, values):
        instance = super().from_db(db, field_names, values)
        # As loaded, so a save can tell a new title without a query (changes.py).
        if "title" in instance.__dict__:
            instance._loaded = {"title": instance.title}
        return instance


class WorkshopRun(models.Model):
    """A workshop held in one block, in one room, for at most ``capacity`` people.

    ``seats_taken`` is the counter every service updates under a row lock; the check
    constraint keeps it within capacity even for code that forgets the lock.
    """

    workshop = models.ForeignKey(
        Workshop, on_delete=models.CASCADE, related_name="runs"
    )
    block = models.ForeignKey(TimeBlock, on_delete=models.CASCADE, related_name="runs")
    room = models.ForeignKey(
        Room, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    capacity = models.PositiveIntegerField(
        blank=True, help_text=_("Leave empty to use the room's capacity.")
    )
    over_room_capacity = models.BooleanField(
        _("more places than the room seats"),
        default=False,
        help_text=_(
            "Tick only when the venue has agreed to more people than the room's "
            "stated capacity (e.g. extra chairs); the dashboard lists such runs."
        ),
    )
    seats_taken = models.PositiveIntegerField(default=0, editable=False)
    sequence = models.PositiveIntegerField(
        default=0,
        editable=False,
        help_text=_(
            "Raised on each change of block, room or title of a published run: its "
            "calendar entries' SEQUENCE (with its block's session's)."
        ),
    )

    # What the people concerned are told about when it changes (changes.py).
    TRACKED_FIELDS = ("block_id", "room_id")

    class Meta:
        ordering = ["block__session__starts_at", "workshop__order", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["workshop", "block"], name="workshop_run_once_per_block"
            ),
            # Runs in one block happen at the same time: one room holds one of them.
            # Runs in blocks that overlap in time are refused by clean().
            models.UniqueConstraint(
                fields=["room", "block"],
                condition=Q(room__isnull=False),
                name="workshop_run_room_once_per_block",
                violation_error_message=_(
                    "Another workshop of this block is already in that room: "
                    "choose another room."
                ),
            ),
            models.CheckConstraint(
                condition=Q(seats_taken__lte=F("capacity")),
                name="workshop_run_not_overbooked",
                violation_error_message=_("This workshop is full."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.workshop.title} ({self.block.name})"

    def save(self, *args, **kwargs):
        if self.capacity is None and self.room_id:
            self.capacity = self.room.capacity
        super().save(*args, **kwargs)

    def clean(self) -> None:
        super().clean()
        errors = {}
        workshop = self.workshop if self.workshop_id else None
        if workshop and self.block_id and self.block.edition_id != workshop.edition_id:
            errors["block"] = _(
                "Choose a workshop block of this workshop's conference."
            )
        if workshop and self.room_id:
            venue_id = workshop.edition.venue_id
            if venue_id and self.room.venue_id != venue_id:
                errors["room"] = _("Choose a room at this conference's venue.")
        if self.capacity is None and not self.room_id:
            errors["capacity"] = _(
                "Give a capacity, or choose a room to use its capacity."
            )
        for field, message in self.room_problems().items():
            errors.setdefault(field, message)
        if self.pk and self.block_id:
            before = (
                WorkshopRun.objects.filter(pk=self.pk)
                .values("block_id", "seats_taken")
                .first()
            )
            if before and before["block_id"] != self.block_id and before["seats_taken"]:
                errors["block"] = _(
                    "Delegates hold seats in this run, so it cannot move to another "
                    "block: their other workshops would clash. Move them out first."
                )
        if errors:
            raise ValidationError(errors)

    @classmethod
    def from_db(cls, db, field_names, values):
        instance = super().from_db(db, field_names, values)
        instance._loaded = {
            name: getattr(instance, name)
            for name in cls.TRACKED_FIELDS
            if name in instance.__dict__
        }
        return instance

    def room_problems(self) -> dict[str, str]:
        """The room rules, by field: the capacity within the room's seats (unless
        ``over_room_capacity``), and the room free for the block's time: no other
        run and no agenda session in it then. The one statement of the rules:
        ``clean()`` and the organiser services give these words."""
        if not self.room_id:
            return {}
        problems = {}
        room = self.room
        if (
            self.capacity is not None
            and self.capacity > room.capacity
            and not self.over_room_capacity
        ):
            problems["capacity"] = _(
                "%(room)s seats %(seats)s; this run offers %(capacity)s places. "
                "Lower the capacity, choose a larger room, or tick “%(override)s” "
                "if the venue has agreed to more."
            ) % {
                "room": room.name,
                "seats": room.capacity,
                "capacity": self.capacity,
                "override": self._meta.get_field("over_room_capacity").verbose_name,
            }
        clash = self.room_clash()
        if clash:
            problems["room"] = clash
        return problems

    def room_clash(self) -> str:
        """Why the room is taken at this run's time ("" when it is free): another run
        in it whose block overlaps, or an agenda session in it then."""
        if not (self.room_id and self.block_id):
            return ""
        session = self.block.session
        start, end = session.starts_at, session.ends_at
        other = (
            WorkshopRun.objects.filter(
                room_id=self.room_id,
                block__session__starts_at__lt=end,
                block__session__ends_at__gt=start,
            )
            .exclude(pk=self.pk)
            .select_related("workshop", "block__session")
            .order_by("block__session__starts_at", "pk")
            .first()
        )
        if other is not None:
            return _(
                "%(room)s already holds “%(title)s” from %(start)s to %(end)s: "
                "choose another room."
            ) % {
                "room": self.room.name,
                "title": other.workshop.title,
                "start": _hhmm(other.block.session.starts_at),
                "end": _hhmm(other.block.session.ends_at),
            }
        booked = (
            AgendaSession.objects.filter(
                room_id=self.room_id, starts_at__lt=end, ends_at__gt=start
            )
            .exclude(pk=session.pk)
            .order_by("starts_at", "pk")
            .first()
        )
        if booked is not None:
            return _(
                "%(room)s is booked for “%(title)s” from %(start)s to %(end)s: "
                "choose another room."
            ) % {
                "room": self.room.name,
                "title": booked.title,
                "start": _hhmm(booked.starts_at),
                "end": _hhmm(booked.ends_at),
            }
        return ""

    @property
    def is_over_room_capacity(self) -> bool:
        return bool(self.room_id and (self.capacity or 0) > self.room.capacity)

    @property
    def places_left(self) -> int:
        return max((self.capacity or 0) - self.seats_taken, 0)

    @property
    def is_full(self) -> bool:
        return self.places_left == 0


class WorkshopChoice(models.Model):
    """A registration's seat in one run. ``block`` and ``workshop`` are copied from the
    run so the database can refuse two in one block or the same workshop twice."""

    class Source(models.TextChoices):
        DELEGATE = "delegate", _("Chosen by the delegate")
        ALLOCATION = "allocation", _("Allocated")
        ORGANISER = "organiser", _("Set by an organiser")

    registration = models.ForeignKey(
        Registration, on_delete=models.CASCADE, related_name="workshop_choices"
    )
    run = models.ForeignKey(
        WorkshopRun, on_delete=models.PROTECT, related_name="choices"
    )
    block = models.ForeignKey(TimeBlock, on_delete=models.PROTECT, related_name="+")
    workshop = models.ForeignKey(Workshop, on_delete=models.PROTECT, related_name="+")
    source = models.CharField(
        max_length=12, choices=Source.choices, default=Source.DELEGATE
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["block__session__starts_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["registration", "block"], name="workshop_choice_one_per_block"
            ),
            models.UniqueConstraint(
                fields=["registration", "workshop"],
                name="workshop_choice_workshop_once",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.registration}: {self.run}"


class WorkshopPreference(models.Model):
    """A delegate's rank for one workshop (1 = most wanted), in ranked mode."""

    registration = models.ForeignKey(
        Registration, on_delete=models.CASCADE, related_name="workshop_preferences"
    )
    workshop = models.ForeignKey(
        Workshop, on_delete=models.CASCADE, related_name="preferences"
    )
    rank = models.PositiveSmallIntegerField()

    class Meta:
        ordering = ["registration", "rank"]
        constraints = [
            models.UniqueConstraint(
                fields=["registration", "workshop"], name="preference_workshop_once"
            ),
            models.UniqueConstraint(
                fields=["registration", "rank"], name="preference_rank_once"
            ),
            models.CheckConstraint(
                condition=Q(rank__gte=1), name="preference_rank_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.registration}: {self.rank}. {self.workshop}"


class ChoiceWindow(models.Model):
    """A late-confirmed delegate's window to choose from the places left."""

    registration = models.OneToOneField(
        Registration, on_delete=models.CASCADE, related_name="workshop_window"
    )
    opened_at = models.DateTimeField(default=timezone.now)
    closes_at = models.DateTimeField()

    class Meta:
        ordering = ["-opened_at"]

    def __str__(self) -> str:
        return f"{self.registration} until {self.closes_at:%Y-%m-%d %H:%M}"

    @property
    def is_open(self) -> bool:
        return self.closes_at > timezone.now()


class Allocation(models.Model):
    """One run of the allocator: a draft the organiser reviews, then publishes."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft: review, then publish")
        PUBLISHED = "published", _("Published")
        SUPERSEDED = "superseded", _("Superseded")

    edition = models.ForeignKey(
        Edition, on_delete=models.CASCADE, related_name="workshop_allocations"
    )
    seed = models.PositiveIntegerField()
    status = models.CharField(
        max_length=12, choices=Status.choices, default=Status.DRAFT, db_index=True
    )
    report = models.JSONField(default=dict, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    published_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        permissions = [("allocate", _("Can draft and publish allocations"))]

    def __str__(self) -> str:
        return f"{self.edition}: allocation #{self.pk} (seed {self.seed})"

    def get_absolute_url(self) -> str:
        return reverse("admin:workshops_allocation_change", args=[self.pk])


class AllocationAssignment(models.Model):
    allocation = models.ForeignKey(
        Allocation, on_delete=models.CASCADE, related_name="assignments"
    )
    registration = models.ForeignKey(
        Registration, on_delete=models.CASCADE, related_name="+"
    )
    run = models.ForeignKey(WorkshopRun, on_delete=models.CASCADE, related_name="+")
    rank = models.PositiveSmallIntegerField(
        help_text=_("The rank the delegate gave this workshop (last + 1 if unranked).")
    )

    class Meta:
        ordering = ["allocation", "registration", "run"]
        constraints = [
            models.UniqueConstraint(
                fields=["allocation", "registration", "run"],
                name="allocation_assignment_once",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.registration}: {self.run}"


class WorkshopAuditEntry(models.Model):
    """What an organiser (or the system) changed, by whom and when."""

    class Action(models.TextChoices):
        MOVE = "move", _("Delegate moved")
        CAPACITY = "capacity", _("Capacity changed")
        ALLOCATION_PUBLISHED = "allocation_published", _("Allocation published")
        WINDOW_OPENED = "window_opened", _("Late choice window opened")
        SEATS_RELEASED = "seats_released", _("Seats released")
        SEATS_PASSED = "seats_passed", _("Seats passed to a substitute")

    edition = models.ForeignKey(
        Edition, on_delete=models.CASCADE, related_name="workshop_audit"
    )
    action = models.CharField(max_length=24, choices=Action.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    registration = models.ForeignKey(
        Registration, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    run = models.ForeignKey(
        WorkshopRun, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    detail = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name_plural = _("workshop audit entries")

    def __str__(self) -> str:
        return f"{self.get_action_display()}: {self.detail}"


class SignInSheet(RenderedFile):
    """The printable sign-in sheet of one run, rendered by a Celery task."""

    # The value its waiting rows held before the shape was shared.
    Status = render_status(PENDING=("queued", _("Queued")))

    files_under = "workshops/sheets/"

    run = models.OneToOneField(
        WorkshopRun, on_delete=models.CASCADE, related_name="sign_in_sheet"
    )
    requested_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-requested_at"]

    def __str__(self) -> str:
        return f"Sign-in sheet: {self.run}"


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


class EditionSignInSheets(RenderedFile):
    """One PDF holding the sign-in sheet of every run of an edition (each run on
    its own pages, in time order), rendered by a Celery task."""

    files_under = "workshops/sheets/"

    edition = models.OneToOneField(
        Edition, on_delete=models.CASCADE, related_name="workshop_sign_in_sheets"
    )
    requested_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-requested_at"]
        verbose_name = _("edition's sign-in sheets")
        verbose_name_plural = _("editions' sign-in sheets")

    def __str__(self) -> str:
        return f"Sign-in sheets: {self.edition}"
