"""Time blocks, workshops and their runs (with the room rules), and each
edition's workshop settings."""

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import time_format
from django.utils.translation import gettext_lazy as _

from events.models import AgendaSession, Edition, Room, Speaker


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
            # choices.py imports this module: look the model up by name.
            and self._meta.apps.get_model("workshops", "WorkshopChoice")
            .objects.filter(registration__edition_id=self.edition_id)
            .exists()
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
