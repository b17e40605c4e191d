"""Reads shared by badge rendering, bulk printing and check-in."""

import datetime as dt
from collections.abc import Iterable

from django.db.models import Case, Count, Q, QuerySet, When
from django.db.models.functions import Coalesce, Lower
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from events.models import Edition

from ..models import Registration
from ..signals import collect_badge_workshops
from .models import CheckIn


def badge_workshops(*, registrations: Iterable[Registration]) -> dict[int, list]:
    """Each registration's workshop rows for its badge, by registration id, in time
    order, from the apps answering ``collect_badge_workshops`` (asked once for all
    of them; see ``delegates.signals`` for a row's keys)."""
    registrations = list(registrations)
    rows: dict[int, list] = {registration.pk: [] for registration in registrations}
    if not registrations:
        return rows
    for _receiver, response in collect_badge_workshops.send(
        sender=Registration, registrations=registrations
    ):
        for registration_id, found in (response or {}).items():
            if registration_id in rows:
                rows[registration_id].extend(found)
    for found in rows.values():
        found.sort(key=_starts)
    return rows


def _starts(row: dict) -> str:
    starts = row.get("starts_at")
    return starts.isoformat() if starts else ""


def badge_registrations(
    *, ids: Iterable[int] | None = None, edition: Edition | None = None
) -> QuerySet:
    """Registrations with everything a badge prints, sorted by surname."""
    queryset = Registration.objects.select_related(
        "user__profile",
        "edition__series",
        "edition__venue",
        "edition__badge_settings",
        "badge",
    )
    if ids is not None:
        queryset = queryset.filter(pk__in=list(ids))
    if edition is not None:
        queryset = queryset.filter(edition=edition)
    return queryset.order_by(
        Lower(Coalesce("user__profile__last_name", "user__last_name")),
        Lower(Coalesce("user__profile__first_name", "user__first_name")),
        "pk",
    )


def checkin_registration(*, key: str) -> Registration | None:
    """The registration whose badge carries ``key``, with what the door shows."""
    return (
        Registration.objects.select_related(
            "user__profile", "edition", "check_in__operator"
        )
        .filter(badge__key=key)
        .first()
    )


def checkin_window(*, edition: Edition) -> tuple[dt.date, dt.date]:
    """The first and last days the door is open: the day before the edition starts
    (early arrivals, badge collection) to its last day."""
    return edition.start_date - dt.timedelta(days=1), edition.end_date


def checkin_closed_reason(
    *, edition: Edition, today: dt.date | None = None
) -> str | None:
    """Why nobody may be checked in at ``edition`` today, or None when the door is
    open. Only a published edition, inside its check-in window, opens its door."""
    if edition.status != Edition.Status.PUBLISHED:
        return _("Check-in is only open for published events.")
    today = today or timezone.localdate()
    opens, closes = checkin_window(edition=edition)
    if today < opens:
        return _(
            "Check-in for %(edition)s opens on %(date)s, the day before it starts."
        ) % {"edition": edition, "date": date_format(opens, "j F Y")}
    if today > closes:
        return _("Check-in for %(edition)s closed on %(date)s, its last day.") % {
            "edition": edition,
            "date": date_format(closes, "j F Y"),
        }
    return None


def checkin_counts(*, edition: Edition) -> dict:
    """Confirmed registrations and how many of them have checked in."""
    return Registration.objects.filter(
        edition=edition, status=Registration.Status.CONFIRMED
    ).aggregate(
        confirmed=Count("pk"),
        checked_in=Count("pk", filter=Q(check_in__isnull=False)),
    )


def recent_checkins(*, edition: Edition, limit: int = 10) -> QuerySet:
    return CheckIn.objects.filter(registration__edition=edition).select_related(
        "registration__user__profile", "operator"
    )[:limit]


def attendance(*, edition: Edition) -> QuerySet:
    """Every confirmed registration (and anyone checked in), for the CSV."""
    return (
        Registration.objects.filter(edition=edition)
        .filter(Q(status=Registration.Status.CONFIRMED) | Q(check_in__isnull=False))
        .select_related("user__profile", "check_in__operator")
        .order_by(Lower(Coalesce("user__profile__last_name", "user__last_name")), "pk")
    )


CHECKIN_SEARCH_LIMIT = 20


def checkin_search(*, edition: Edition, query: str) -> list[Registration]:
    """Registrations of ``edition`` whose name (on the profile or the badge),
    organisation or reference matches every word of ``query``, for someone at the
    desk without their badge; confirmed first, by surname, at most
    ``CHECKIN_SEARCH_LIMIT``, with their check-in (one query)."""
    words = query.split()[:5]
    if not words:
        return []
    rows = Registration.objects.filter(edition=edition).exclude(
        status__in=[Registration.Status.CANCELLED, Registration.Status.SUBSTITUTED]
    )
    for word in words:
        rows = rows.filter(
            Q(user__profile__first_name__icontains=word)
            | Q(user__profile__last_name__icontains=word)
            | Q(user__profile__badge_name__icontains=word)
            | Q(user__profile__organisation__icontains=word)
            | Q(reference__iexact=word)
        )
    return list(
        rows.select_related("user__profile", "check_in")
        .annotate(
            unconfirmed=Case(
                When(status=Registration.Status.CONFIRMED, then=0), default=1
            )
        )
        .order_by(
            "unconfirmed",
            Lower("user__profile__last_name"),
            Lower("user__profile__first_name"),
            "pk",
        )[:CHECKIN_SEARCH_LIMIT]
    )


def checkin_editions(*, today: dt.date) -> list[Edition]:
    """Published editions coming up or ended in the last month: those not yet over
    first, soonest first, then the ones just ended (for the attendance list)."""
    return list(
        Edition.objects.select_related("series", "venue")
        .filter(
            status=Edition.Status.PUBLISHED,
            end_date__gte=today - dt.timedelta(days=30),
        )
        .annotate(over=Case(When(end_date__lt=today, then=1), default=0))
        .order_by("over", "start_date", "pk")
    )
