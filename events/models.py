import datetime as dt

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format, time_format
from django.utils.translation import gettext_lazy as _

from events.storage import PHOTOS_UNDER, speaker_photo_storage
from socex.images import ImageUploadField

from . import signals

MONTHS = [
    (1, _("January")),
    (2, _("February")),
    (3, _("March")),
    (4, _("April")),
    (5, _("May")),
    (6, _("June")),
    (7, _("July")),
    (8, _("August")),
    (9, _("September")),
    (10, _("October")),
    (11, _("November")),
    (12, _("December")),
]


class Series(models.Model):
    """A series: the Strategic Conference or the Economic Crime Conference."""

    name = models.CharField(max_length=120, unique=True)
    short_name = models.CharField(max_length=60, help_text=_("e.g. Strategic SOCEX"))
    slug = models.SlugField(max_length=80, unique=True)
    code = models.CharField(
        max_length=6,
        unique=True,
        # References appear in URLs (socex/converters.py): ASCII letters and digits.
        validators=[
            RegexValidator(
                r"^[A-Za-z0-9]+\Z",
                _("Use letters A to Z and digits only, e.g. ECC."),
            )
        ],
        help_text=_("Short code used in registration references, e.g. SC or ECC."),
    )
    usual_month = models.PositiveSmallIntegerField(choices=MONTHS)
    audience = models.CharField(max_length=200)
    description = models.TextField()

    class Meta:
        ordering = ["usual_month", "name"]
        verbose_name_plural = _("series")

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("events:series", kwargs={"slug": self.slug})


class Venue(models.Model):
    name = models.CharField(max_length=150)
    slug = models.SlugField(max_length=160, unique=True)
    address = models.TextField()
    town = models.CharField(max_length=100)
    postcode = models.CharField(max_length=12)
    map_url = models.URLField(blank=True)
    travel_notes = models.TextField(blank=True)
    parking_notes = models.TextField(blank=True)
    accessibility_notes = models.TextField(blank=True)
    accommodation_notes = models.TextField(blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name}, {self.town}"

    def get_absolute_url(self) -> str:
        return reverse("events:venue", kwargs={"slug": self.slug})

    @property
    def one_line_address(self) -> str:
        """The address on one line (for plain-text emails and calendar entries)."""
        return ", ".join(
            line.strip() for line in self.address.splitlines() if line.strip()
        )


class Room(models.Model):
    venue = models.ForeignKey(Venue, on_delete=models.CASCADE, related_name="rooms")
    name = models.CharField(max_length=100)
    capacity = models.PositiveIntegerField()

    class Meta:
        ordering = ["venue", "name"]
        constraints = [
            models.UniqueConstraint(fields=["venue", "name"], name="room_unique_name"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.venue.name})"


class Edition(models.Model):
    """One year's conference of a series, at one venue."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PUBLISHED = "published", _("Published")
        ARCHIVED = "archived", _("Archived")

    series = models.ForeignKey(
        Series, on_delete=models.PROTECT, related_name="editions"
    )
    ordinal = models.PositiveSmallIntegerField(help_text=_("5 for the 5th conference"))
    year = models.PositiveSmallIntegerField()
    title = models.CharField(max_length=200)
    slug = models.SlugField(max_length=100, unique=True)
    start_date = models.DateField()
    end_date = models.DateField()
    venue = models.ForeignKey(
        Venue, on_delete=models.PROTECT, related_name="editions", null=True, blank=True
    )
    capacity = models.PositiveIntegerField(help_text=_("Delegate places"))
    registration_opens_at = models.DateTimeField(null=True, blank=True)
    registration_closes_at = models.DateTimeField(null=True, blank=True)
    workshop_selection_closes_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.DRAFT, db_index=True
    )
    aim = models.TextField(blank=True)
    welcome_message = models.TextField(blank=True)
    welcome_author = models.CharField(max_length=150, blank=True)
    welcome_author_role = models.CharField(max_length=150, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-start_date"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__gte=F("start_date")),
                name="edition_end_not_before_start",
                violation_error_message=_(
                    "The end date cannot be before the start date."
                ),
            ),
            models.UniqueConstraint(
                fields=["series", "year"], name="edition_one_per_series_year"
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("events:edition", kwargs={"slug": self.slug})

    def clean(self) -> None:
        errors: dict[str, str] = {}
        if self.start_date and self.end_date and self.end_date < self.start_date:
            errors["end_date"] = _(
                "The end date cannot be before the start date: pick a day on or "
                "after the first day of the conference."
            )
        if self.start_date and self.year and self.year != self.start_date.year:
            errors["year"] = _("The year must be the year of the start date.")
        opens, closes = self.registration_opens_at, self.registration_closes_at
        if opens and closes and closes <= opens:
            errors["registration_closes_at"] = _(
                "Registration must close after it opens."
            )
        selection = self.workshop_selection_closes_at
        if (
            selection
            and self.end_date
            and timezone.localdate(selection) > self.end_date
        ):
            errors["workshop_selection_closes_at"] = _(
                "Workshop selection must close before the conference ends."
            )
        if errors:
            raise ValidationError(errors)

    @property
    def is_public(self) -> bool:
        return self.status != self.Status.DRAFT

    @property
    def is_past(self) -> bool:
        return self.end_date < timezone.localdate()

    @property
    def days(self) -> list[dt.date]:
        count = (self.end_date - self.start_date).days + 1
        return [self.start_date + dt.timedelta(days=n) for n in range(count)]

    def local_bounds(self) -> tuple[dt.datetime, dt.datetime]:
        """The first and last instant of the edition's days, in the site's zone."""
        start = timezone.make_aware(dt.datetime.combine(self.start_date, dt.time.min))
        end = timezone.make_aware(
            dt.datetime.combine(self.end_date + dt.timedelta(days=1), dt.time.min)
        )
        return start, end


class Speaker(models.Model):
    display_name = models.CharField(max_length=150)
    slug = models.SlugField(max_length=160, unique=True)
    post_nominals = models.CharField(max_length=50, blank=True, help_text=_("e.g. QPM"))
    role = models.CharField(max_length=150, blank=True)
    organisation = models.CharField(max_length=150, blank=True)
    bio = models.TextField(blank=True)
    # Private, served by events.views.speaker_photo: never for an unnamed speaker.
    photo = ImageUploadField(
        upload_to=PHOTOS_UNDER, storage=speaker_photo_storage, blank=True
    )
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="speaker",
    )
    may_be_named = models.BooleanField(
        default=True,
        help_text=_(
            "Untick for a speaker who may not be named publicly: the site shows "
            "“Speaker to be confirmed”."
        ),
    )

    class Meta:
        ordering = ["display_name"]

    def __str__(self) -> str:
        return self.display_name

    def get_absolute_url(self) -> str:
        return reverse("events:speaker", kwargs={"slug": self.slug})

    @property
    def public_name(self) -> str:
        """The name the public site shows: never the name of an unnamed speaker."""
        if not self.may_be_named:
            return str(_("Speaker to be confirmed"))
        if self.post_nominals:
            return f"{self.display_name} {self.post_nominals}"
        return self.display_name


class AgendaSession(models.Model):
    class Kind(models.TextChoices):
        KEYNOTE = "keynote", _("Keynote")
        PLENARY = "plenary", _("Plenary")
        PANEL = "panel", _("Panel")
        WORKSHOP_BLOCK = "workshop_block", _("Workshop block")
        BREAK = "break", _("Break")
        NETWORKING = "networking", _("Networking")
        DINNER = "dinner", _("Dinner")

    edition = models.ForeignKey(
        Edition, on_delete=models.CASCADE, related_name="sessions"
    )
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    room = models.ForeignKey(
        Room, on_delete=models.PROTECT, null=True, blank=True, related_name="sessions"
    )
    kind = models.CharField(max_length=20, choices=Kind.choices)
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    speakers = models.ManyToManyField(
        Speaker, through="SessionSpeaker", related_name="sessions", blank=True
    )
    sequence = models.PositiveIntegerField(
        default=0,
        editable=False,
        help_text=_(
            "Raised on each change of time, room or title of a published session: "
            "the calendar entries' SEQUENCE."
        ),
    )

    # What the people concerned are told about when it changes (events/changes.py).
    TRACKED_FIELDS = ("starts_at", "ends_at", "room_id", "title")

    class Meta:
        ordering = ["starts_at", "room__name", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")),
                name="session_ends_after_start",
                violation_error_message=_("A session must end after it starts."),
            ),
        ]
        # On PostgreSQL, migration 0002 adds the exclusion constraint
        # "session_room_no_overlap" (btree_gist): no two sessions overlap in a room.

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return f"{self.edition.get_absolute_url()}agenda/#session-{self.pk}"

    def clean(self) -> None:
        errors: dict[str, list] = {}
        if self.starts_at and self.ends_at and self.ends_at <= self.starts_at:
            errors.setdefault("ends_at", []).append(
                _("A session must end after it starts.")
            )
        edition = self.edition if self.edition_id else None
        if edition and self.starts_at and self.ends_at:
            first, last = edition.local_bounds()
            if self.starts_at < first or self.ends_at > last:
                errors.setdefault("starts_at", []).append(
                    _(
                        "The session must fall within the conference days "
                        "(%(start)s to %(end)s)."
                    )
                    % {
                        "start": date_format(edition.start_date, "j F Y"),
                        "end": date_format(edition.end_date, "j F Y"),
                    }
                )
        if (
            edition
            and self.room_id
            and edition.venue_id
            and self.room.venue_id != edition.venue_id
        ):
            errors.setdefault("room", []).append(
                _("Choose a room at the edition's venue, %(venue)s.")
                % {"venue": edition.venue.name}
            )
        clash = self.overlapping_session()
        if clash is not None:
            errors.setdefault("room", []).append(
                _(
                    "%(room)s is already booked for “%(title)s” from %(start)s to "
                    "%(end)s: choose another room or time."
                )
                % {
                    "room": self.room.name,
                    "title": clash.title,
                    "start": time_format(timezone.localtime(clash.starts_at), "H:i"),
                    "end": time_format(timezone.localtime(clash.ends_at), "H:i"),
                }
            )
        booking = None if clash else self.other_room_booking()
        if booking is not None:
            errors.setdefault("room", []).append(
                _(
                    "%(room)s is already booked for “%(title)s” from %(start)s to "
                    "%(end)s: choose another room or time."
                )
                % {
                    "room": self.room.name,
                    "title": booking["title"],
                    "start": time_format(
                        timezone.localtime(booking["starts_at"]), "H:i"
                    ),
                    "end": time_format(timezone.localtime(booking["ends_at"]), "H:i"),
                }
            )
        if errors:
            raise ValidationError(errors)

    @classmethod
    def from_db(cls, db, field_names, values):
        instance = super().from_db(db, field_names, values)
        # The values as loaded, so a save can tell what changed without a query.
        instance._loaded = {
            name: getattr(instance, name)
            for name in cls.TRACKED_FIELDS
            if name in instance.__dict__
        }
        return instance

    def other_room_booking(self) -> dict | None:
        """What the higher apps hold in this session's room at its time (a workshop
        run), asked through ``signals.collect_room_bookings``; None when free."""
        if not (self.room_id and self.starts_at and self.ends_at):
            return None
        bookings = []
        for _receiver, response in signals.collect_room_bookings.send(
            sender=AgendaSession,
            room_id=self.room_id,
            starts_at=self.starts_at,
            ends_at=self.ends_at,
            session=self,
        ):
            bookings.extend(response or [])
        return min(bookings, key=lambda b: b["starts_at"]) if bookings else None

    def overlaps(self, other: "AgendaSession") -> bool:
        """The room rule: two sessions may not share a room at the same time (back to
        back is fine). ``overlapping_session`` asks the database the same question;
        on PostgreSQL the exclusion constraint "session_room_no_overlap" enforces it.
        """
        return bool(
            self.room_id
            and self.room_id == other.room_id
            and self.starts_at
            and self.ends_at
            and other.starts_at
            and other.ends_at
            and self.starts_at < other.ends_at
            and other.starts_at < self.ends_at
        )

    def overlapping_session(self) -> "AgendaSession | None":
        """Another saved session in the same room whose time overlaps this one's."""
        if not (self.room_id and self.starts_at and self.ends_at):
            return None
        return (
            AgendaSession.objects.filter(
                room_id=self.room_id,
                starts_at__lt=self.ends_at,
                ends_at__gt=self.starts_at,
            )
            .exclude(pk=self.pk)
            .order_by("starts_at")
            .first()
        )

    @classmethod
    def check_no_overlap_among(cls, sessions: "list[AgendaSession]") -> None:
        """The room rule across sessions entered together (one admin form), which
        ``clean()`` cannot see because none of them is saved yet."""
        for index, session in enumerate(sessions):
            for earlier in sessions[:index]:
                if session.overlaps(earlier):
                    raise ValidationError(
                        _(
                            "“%(a)s” and “%(b)s” overlap in %(room)s: change the "
                            "room or the time of one of them."
                        )
                        % {
                            "a": earlier.title,
                            "b": session.title,
                            "room": session.room.name,
                        },
                        code="room_overlap",
                    )

    @property
    def local_date(self) -> dt.date:
        return timezone.localtime(self.starts_at).date()


class SessionSpeaker(models.Model):
    session = models.ForeignKey(AgendaSession, on_delete=models.CASCADE)
    speaker = models.ForeignKey(Speaker, on_delete=models.CASCADE)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["order", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["session", "speaker"], name="session_speaker_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.speaker} at {self.session}"


class Partner(models.Model):
    name = models.CharField(max_length=150, unique=True)
    logo = ImageUploadField(upload_to="partners/", blank=True)
    website = models.URLField(blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class EditionPartner(models.Model):
    """A partner shown "In association with" an edition, in the organiser's order."""

    edition = models.ForeignKey(
        Edition, on_delete=models.CASCADE, related_name="partners"
    )
    partner = models.ForeignKey(Partner, on_delete=models.PROTECT, related_name="+")
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["order", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["edition", "partner"], name="edition_partner_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.partner} ({self.edition})"


class PublicPagesVersion(models.Model):
    """A counter bumped, inside the same transaction, by every change to events data.

    The public pages cache their rendered programme under this number, so a change
    committed by any process invalidates every cached copy at once.
    """

    number = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = _("public pages version")

    def __str__(self) -> str:
        return str(self.number)


# Speaker items live in their own module; importing them here makes them models of
# the events app.
from events.speaking.models import (  # noqa: E402, F401
    SpeakerDeadline,
    SpeakerReminder,
    Submission,
    SubmissionEvent,
    SubmissionInvitation,
    SubmissionSpeaker,
    SubmissionVersion,
)
