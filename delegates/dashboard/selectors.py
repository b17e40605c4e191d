"""The figures of an edition's dashboard, in a fixed number of queries whatever the
number of delegates (each figure is an aggregate; nothing is counted in Python row
by row but the print runs' selections)."""

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Count, Min, Q
from django.db.models.functions import TruncDate, TruncHour
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from events.models import Edition
from events.selectors import SpeakerDetailsMissing, speaker_details_missing

from ..badges.models import Badge, BadgePrintJob, CheckIn
from ..models import Profile, Registration
from ..signals import collect_edition_dashboard

Status = Registration.Status
NO_PROFILE = _("No profile yet")


@dataclass
class EditionCounts:
    """The numbers on an edition's card: one query."""

    edition: Edition
    confirmed: int = 0
    pending: int = 0
    waitlisted: int = 0
    cancelled: int = 0
    declined: int = 0
    substituted: int = 0  # places passed to a colleague (the colleague is confirmed)
    oldest_pending_at: dt.datetime | None = None

    @property
    def capacity(self) -> int:
        return self.edition.capacity

    @property
    def places_left(self) -> int:
        return max(self.capacity - self.confirmed, 0)

    @property
    def fill_percent(self) -> int:
        return round(100 * self.confirmed / self.capacity) if self.capacity else 0


@dataclass
class EditionDashboard:
    counts: EditionCounts
    speakers: SpeakerDetailsMissing
    badges_ready: int
    badges_printed: int
    checked_in: int
    registrations_by_day: list[tuple[dt.date, dict[str, int]]]
    organisation_types: list[tuple[str, int]]
    checkins_by_hour: list[tuple[dt.datetime, int]]
    workshop_runs: list[dict] = field(default_factory=list)

    @property
    def edition(self) -> Edition:
        return self.counts.edition


def _counts_annotations() -> dict:
    return {
        status: Count("registrations", filter=Q(registrations__status=status))
        for status in Status.values
    } | {
        "oldest_pending_at": Min(
            "registrations__created_at",
            filter=Q(registrations__status=Status.PENDING),
        )
    }


def _counts(edition: Edition) -> EditionCounts:
    return EditionCounts(
        edition=edition,
        **{status: getattr(edition, status) for status in Status.values},
        oldest_pending_at=edition.oldest_pending_at,
    )


def editions_current(*, today: dt.date | None = None) -> list[EditionCounts]:
    """Editions not over yet (and not archived), soonest first, with their counts:
    one query however many editions and delegates."""
    today = today or timezone.localdate()
    editions = (
        Edition.objects.filter(end_date__gte=today)
        .exclude(status=Edition.Status.ARCHIVED)
        .select_related("series", "venue")
        .annotate(**_counts_annotations())
        .order_by("start_date", "pk")
    )
    return [_counts(edition) for edition in editions]


def edition_counts(*, edition_id: int) -> EditionCounts | None:
    edition = (
        Edition.objects.filter(pk=edition_id)
        .select_related("series", "venue")
        .annotate(**_counts_annotations())
        .first()
    )
    return _counts(edition) if edition else None


def _badges_printed(edition: Edition) -> int:
    """Confirmed delegates whose badge was in a finished print run."""
    printed: set[int] = set()
    for selection in BadgePrintJob.objects.filter(
        edition=edition, status=BadgePrintJob.Status.READY
    ).values_list("selection", flat=True):
        printed.update(pk for pk in selection if isinstance(pk, int))
    if not printed:
        return 0
    return Registration.objects.filter(
        edition=edition, status=Status.CONFIRMED, pk__in=printed
    ).count()


def edition_dashboard(*, counts: EditionCounts) -> EditionDashboard:
    """Everything on an edition's dashboard page (``counts`` from
    :func:`edition_counts`), in a fixed number of queries."""
    edition = counts.edition
    registrations = Registration.objects.filter(edition=edition)
    by_day: dict[dt.date, dict[str, int]] = {}
    for row in (
        registrations.annotate(day=TruncDate("created_at"))
        .values("day", "status")
        .annotate(n=Count("id"))
        .order_by("day")
    ):
        by_day.setdefault(row["day"], {})[row["status"]] = row["n"]
    labels = dict(Profile.OrganisationType.choices)
    organisation_types = sorted(
        (
            (labels.get(row["user__profile__organisation_type"], NO_PROFILE), row["n"])
            for row in registrations.filter(status=Status.CONFIRMED)
            .values("user__profile__organisation_type")
            .annotate(n=Count("id"))
        ),
        key=lambda pair: (-pair[1], str(pair[0])),
    )
    checkins_by_hour = [
        (row["hour"], row["n"])
        for row in CheckIn.objects.filter(registration__edition=edition)
        .annotate(hour=TruncHour("checked_in_at"))
        .values("hour")
        .annotate(n=Count("id"))
        .order_by("hour")
    ]
    answers: dict = {}
    for _receiver, response in collect_edition_dashboard.send(
        sender=Edition, edition=edition
    ):
        answers.update(response or {})
    return EditionDashboard(
        counts=counts,
        speakers=speaker_details_missing(edition),
        badges_ready=Badge.objects.filter(
            registration__edition=edition,
            registration__status=Status.CONFIRMED,
            status=Badge.Status.READY,
        ).count(),
        badges_printed=_badges_printed(edition),
        checked_in=sum(n for _hour, n in checkins_by_hour),
        registrations_by_day=sorted(by_day.items()),
        organisation_types=organisation_types,
        checkins_by_hour=checkins_by_hour,
        workshop_runs=answers.get("workshop_runs", []),
    )
