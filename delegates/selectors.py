"""Reads shared by the delegates views, admin, emails and other apps."""

import datetime as dt
from collections import Counter
from typing import NamedTuple

from allauth.account.models import EmailAddress
from django.db.models import (
    Count,
    Exists,
    F,
    IntegerField,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Window,
)
from django.db.models.functions import Coalesce, Lower, RowNumber
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from events.ics import session_location, session_uid
from events.models import AgendaSession, Edition, SessionSpeaker
from socex.db import compiled_query, model_columns, model_from_row

from . import signals
from .models import EditionSeats, Profile, Registration, TrustedDomain, User

Status = Registration.Status
Category = Registration.Category

# A profile must hold these before its owner can register.
PROFILE_REQUIRED_FIELDS = (
    "first_name",
    "last_name",
    "job_title",
    "organisation",
    "organisation_type",
    "country",
)


def moment(value: dt.datetime) -> str:
    """A date and time as the site says it: "Tuesday 1 September 2026 at 09:00 (UK
    time)", so a delegate on the day itself knows the hour too."""
    local = timezone.localtime(value)
    return str(
        _("%(date)s at %(time)s (UK time)")
        % {"date": date_format(local, "l j F Y"), "time": local.strftime("%H:%M")}
    )


def registration_closed_reason(
    *, edition: Edition, now: dt.datetime | None = None
) -> str:
    """Why a delegate cannot register for ``edition`` now, or "" when they can."""
    now = now or timezone.now()
    if edition.start_date <= timezone.localdate(now):
        return str(_("This event has already taken place: registration is closed."))
    if edition.status != Edition.Status.PUBLISHED:
        return str(_("Registration is not open for this event."))
    if edition.registration_opens_at and now < edition.registration_opens_at:
        return str(
            _("Registration for this event opens on %(when)s.")
            % {"when": moment(edition.registration_opens_at)}
        )
    if edition.registration_closes_at and now >= edition.registration_closes_at:
        return str(
            _(
                "Registration for this event closed on %(when)s. Please contact the "
                "organisers if you still need a place."
            )
            % {"when": moment(edition.registration_closes_at)}
        )
    return ""


def editions_availability(*, editions) -> dict[int, dict]:
    """By edition id: whether its delegate places are all taken (``full``) and how
    many delegates wait (``waiting``), one query for any number of editions (the
    register buttons of a list). A hint read without the lock: ``registration_create``
    decides under it."""
    capacity = {edition.pk: edition.capacity for edition in editions}
    rows = (
        Registration.objects.filter(edition_id__in=capacity, category=Category.DELEGATE)
        .values("edition_id")
        .annotate(
            confirmed=Count("id", filter=Q(status=Status.CONFIRMED)),
            waiting=Count("id", filter=Q(status=Status.WAITLISTED)),
        )
        .order_by()
    )
    counts = {row["edition_id"]: row for row in rows} if capacity else {}
    result = {}
    for edition_id, places in capacity.items():
        row = counts.get(edition_id, {"confirmed": 0, "waiting": 0})
        result[edition_id] = {
            "full": row["confirmed"] >= places or row["waiting"] > 0,
            "waiting": row["waiting"],
        }
    return result


def edition_availability(*, edition: Edition) -> dict:
    """``editions_availability`` for one edition."""
    return editions_availability(editions=[edition])[edition.pk]


def edition_over_reason(*, edition: Edition, now: dt.datetime | None = None) -> str:
    """Why organisers can no longer add registrations to ``edition`` (archived or
    ended), or "" when they can (drafts included)."""
    now = now or timezone.now()
    if edition.status == Edition.Status.ARCHIVED:
        return str(
            _("%(edition)s is archived: registrations can no longer be added.")
            % {"edition": edition.title}
        )
    if edition.end_date < timezone.localdate(now):
        return str(
            _("%(edition)s has already ended: registrations can no longer be added.")
            % {"edition": edition.title}
        )
    return ""


def user_speaks_at(*, edition: Edition, user: User) -> bool:
    """The user is linked to a speaker on one of the edition's sessions."""
    return _speaker_links(edition_id=edition.pk).filter(speaker__user=user).exists()


def _speaker_links(*, edition_id: int) -> QuerySet[SessionSpeaker]:
    return SessionSpeaker.objects.filter(session__edition_id=edition_id)


def _speaks_at_published(user: User) -> Exists:
    return Exists(
        SessionSpeaker.objects.filter(
            speaker__user=user, session__edition__status=Edition.Status.PUBLISHED
        )
    )


def profile_and_speaking(*, user: User) -> tuple[Profile | None, bool]:
    """The user's profile and whether they speak at a published edition, in one
    query (the dashboard then loads the sessions only for speakers)."""
    row = (
        User.objects.filter(pk=user.pk)
        .select_related("profile")
        .annotate(speaks=_speaks_at_published(user))
        .first()
    )
    if row is None:
        return None, False
    return getattr(row, "profile", None), row.speaks


def speaker_sessions(*, user: User) -> list[AgendaSession]:
    """The sessions of published editions where the user speaks, in time order,
    with edition and room (one query)."""
    if not user.is_authenticated:
        return []
    return list(
        AgendaSession.objects.filter(
            speakers__user=user, edition__status=Edition.Status.PUBLISHED
        )
        .select_related("edition__series", "room")
        .order_by("starts_at", "id")
        .distinct()
    )


def profile_for(*, user: User) -> Profile | None:
    return Profile.objects.filter(user=user).first()


def profile_complete(profile: Profile | None) -> bool:
    return profile is not None and all(
        str(getattr(profile, name)).strip() for name in PROFILE_REQUIRED_FIELDS
    )


def trust_domains(domain: str) -> list[str]:
    """The trusted-domain entries that would trust ``domain``: itself and each
    domain it is a subdomain of (``a.police.uk``: ``a.police.uk``, ``police.uk``,
    ``uk``), lower case."""
    labels = domain.lower().strip().rstrip(".").split(".")
    return [".".join(labels[i:]) for i in range(len(labels)) if labels[i]]


def domain_is_trusted(*, domain: str, trusted: list[str]) -> bool:
    """``domain`` equals one of ``trusted`` or is a subdomain of one."""
    wanted = set(trust_domains(domain))
    return any(entry.lower().strip().strip(".") in wanted for entry in trusted)


def _address_domains(user: User) -> list[str]:
    email = user.email or ""
    return trust_domains(email.rsplit("@", 1)[1]) if "@" in email else []


def _verified_address(*, address: str) -> QuerySet[EmailAddress]:
    """The verified rows of ``address`` (in lower case), whatever their case."""
    return EmailAddress.objects.alias(lowered=Lower("email")).filter(
        lowered=address, verified=True
    )


def _trusted_entries(*, edition_id: int, domains: list[str]) -> QuerySet:
    """The edition's trusted-domain rows among ``domains`` (``trust_domains``;
    entries are kept in lower case, ``TrustedDomain.save``)."""
    return TrustedDomain.objects.filter(edition_id=edition_id, domain__in=domains)


def user_is_trusted(*, edition: Edition, user: User) -> bool:
    """The user's own address is verified and on one of the edition's trusted
    domains (no domain: nobody is trusted, whatever the address)."""
    domains = _address_domains(user)
    if not domains:
        return False
    return (
        _verified_address(address=user.email.lower())
        .filter(user=user)
        .filter(Exists(_trusted_entries(edition_id=edition.pk, domains=domains)))
        .exists()
    )


class RegistrationFacts(NamedTuple):
    """What registering a user for an edition depends on, as last committed (read
    without a lock, ``registration_facts``)."""

    profile: Profile | None
    speaks: bool  # ``user_speaks_at``
    trusted: bool  # ``user_is_trusted``
    registration_id: int | None  # their registration for the edition, if any
    seats: tuple[int, int] | None  # the seats row's (confirmed, capacity), if any


@compiled_query(
    # An address at a domain two to four labels deep (police.uk .. a.b.police.uk).
    warm=[
        {"edition_id": 0, "user_id": 0, "email": "", "domains": ["."] * depth}
        for depth in (2, 3, 4)
    ]
)
def _registration_facts(*, edition_id, user_id, email, domains):
    seats = EditionSeats.objects.filter(edition_id=edition_id)
    return (
        User.objects.filter(pk=user_id)
        .order_by()
        .values(*model_columns(Profile, "profile__"))
        .annotate(
            speaks=Exists(
                _speaker_links(edition_id=edition_id).filter(
                    speaker__user=OuterRef("pk")
                )
            ),
            trusted=Exists(_verified_address(address=email).filter(user=OuterRef("pk")))
            & Exists(_trusted_entries(edition_id=edition_id, domains=domains)),
            registration_id=Subquery(
                Registration.objects.filter(edition_id=edition_id, user=OuterRef("pk"))
                .order_by("pk")
                .values("pk")[:1]
            ),
            seats_confirmed=Subquery(seats.values("confirmed")),
            seats_capacity=Subquery(seats.values("capacity")),
        )
    )


def registration_facts(*, edition: Edition, user: User) -> RegistrationFacts:
    """The user's profile, whether they speak at ``edition``, are trusted there and
    are registered already, and its seats row, in one query compiled once per
    process: the reads before a registration's lock."""
    domains = _address_domains(user)
    (row,) = _registration_facts(
        edition_id=edition.pk,
        user_id=user.pk,
        email=(user.email or "").lower(),
        # No domain trusts an address without one: "." is no entry (stored
        # entries have no leading or trailing dot).
        domains=domains or ["."],
    )
    profile = model_from_row(Profile, row, "profile__")
    seats = None
    if row["seats_confirmed"] is not None:
        seats = (row["seats_confirmed"], row["seats_capacity"])
    return RegistrationFacts(
        profile=profile,
        speaks=row["speaks"],
        trusted=bool(domains) and row["trusted"],
        registration_id=row["registration_id"],
        seats=seats,
    )


def waitlist_queue(*, edition: Edition | int) -> QuerySet[Registration]:
    """Waitlisted delegates in the order they joined the list (``edition``: one,
    or its id)."""
    return Registration.objects.filter(
        edition=edition, category=Category.DELEGATE, status=Status.WAITLISTED
    ).order_by("waitlisted_at", "id")


def waitlist_with_positions(*, edition: Edition) -> QuerySet[Registration]:
    """The edition's waiting list in queue order, each row with ``position`` (1 for
    the next in line) computed by the database (``ROW_NUMBER()`` over the queue)
    and the person's profile: one query however long the list."""
    return (
        waitlist_queue(edition=edition)
        .select_related("user__profile")
        .annotate(
            position=Window(
                RowNumber(), order_by=[F("waitlisted_at").asc(), F("id").asc()]
            )
        )
    )


def waitlist_editions() -> list[Edition]:
    """Editions with a waiting list, soonest first, each with ``waiting`` (how
    many) and ``longest`` (when the first in line joined): one query."""
    waiting = Q(
        registrations__status=Status.WAITLISTED,
        registrations__category=Category.DELEGATE,
    )
    return list(
        Edition.objects.annotate(
            waiting=Count("registrations", filter=waiting),
            longest=Min("registrations__waitlisted_at", filter=waiting),
        )
        .filter(waiting__gt=0)
        .order_by("start_date", "pk")
    )


def _ahead_in_queue() -> QuerySet[Registration]:
    return Registration.objects.filter(
        edition=OuterRef("edition"),
        category=Category.DELEGATE,
        status=Status.WAITLISTED,
    ).filter(
        Q(waitlisted_at__lt=OuterRef("waitlisted_at"))
        | Q(waitlisted_at=OuterRef("waitlisted_at"), id__lt=OuterRef("id"))
    )


def with_waitlist_position(queryset: QuerySet[Registration]) -> QuerySet[Registration]:
    """Annotate ``ahead`` (waitlisted delegates before each row) in the same query."""
    ahead = (
        _ahead_in_queue()
        .order_by()
        .values("edition")
        .annotate(n=Count("id"))
        .values("n")
    )
    return queryset.annotate(
        ahead=Coalesce(Subquery(ahead, output_field=IntegerField()), 0)
    )


def waitlist_position(*, registration: Registration) -> int | None:
    """1 for the next in line; None when the registration is not waitlisted."""
    if registration.status != Status.WAITLISTED:
        return None
    ahead = getattr(registration, "ahead", None)
    if ahead is None:
        ahead = (
            waitlist_queue(edition=registration.edition)
            .filter(
                Q(waitlisted_at__lt=registration.waitlisted_at)
                | Q(waitlisted_at=registration.waitlisted_at, id__lt=registration.id)
            )
            .count()
        )
    return ahead + 1


def dashboard_registrations(*, user: User) -> list[Registration]:
    """The user's registrations with ``waitlist_position``: upcoming events first,
    soonest first, then past ones, most recent first."""
    registrations = list(
        with_waitlist_position(
            Registration.objects.filter(user=user).select_related(
                "edition__series", "edition__venue", "user__profile"
            )
        ).order_by("edition__start_date", "id")
    )
    today = timezone.localdate()
    upcoming = [r for r in registrations if r.edition.end_date >= today]
    past = [r for r in registrations if r.edition.end_date < today]
    past.reverse()
    for registration in registrations:
        registration.waitlist_position = waitlist_position(registration=registration)
    return upcoming + past


def registration_agenda_items(*, registration: Registration) -> list[dict]:
    """The delegate's personal agenda: plenary sessions plus items other apps add.

    Workshop blocks are left to the workshops app, which answers
    ``collect_agenda_items`` with the delegate's own workshops.
    """
    edition = registration.edition
    items = [
        {
            "starts_at": session.starts_at,
            "ends_at": session.ends_at,
            "title": session.title,
            "location": session_location(session, edition),
            "description": session.description,
            "uid": session_uid(session),
            "sequence": session.sequence,
        }
        for session in AgendaSession.objects.filter(edition=edition)
        .exclude(kind=AgendaSession.Kind.WORKSHOP_BLOCK)
        .select_related("room")
    ]
    for _receiver, response in signals.collect_agenda_items.send(
        sender=Registration, registration=registration
    ):
        items.extend(response or [])
    return sorted(items, key=lambda item: item["starts_at"])


def dashboard_panels(*, request, registrations: list[Registration]) -> dict[int, list]:
    """The panels other apps add to each registration's card on My SOCEX, by
    registration id (``collect_dashboard_panels``, asked once for all of them)."""
    panels: dict[int, list] = {registration.pk: [] for registration in registrations}
    if not registrations:
        return panels
    for _receiver, response in signals.collect_dashboard_panels.send(
        sender=Registration, request=request, registrations=registrations
    ):
        for registration_id, html in (response or {}).items():
            if registration_id in panels:
                panels[registration_id].append(html)
    return panels


NO_REQUIREMENT = {"", "none", "n/a", "na", "no", "nil", "-", "nothing"}


def catering_summary(*, edition: Edition) -> dict:
    """Confirmed attendees' dietary counts and accessibility needs, for the venue."""
    confirmed = (
        Registration.objects.filter(edition=edition, status=Status.CONFIRMED)
        .select_related("user__profile")
        .order_by("user__profile__last_name", "user__profile__first_name", "id")
    )
    dietary: Counter[str] = Counter()
    accessibility = []
    total = 0
    for registration in confirmed:
        total += 1
        profile = getattr(registration.user, "profile", None)
        need = " ".join((profile.dietary_requirements if profile else "").split())
        if need.lower().strip(".") in NO_REQUIREMENT:
            need = ""
        dietary[need.capitalize()] += 1
        if profile and profile.accessibility_requirements.strip():
            accessibility.append(
                {
                    "name": profile.full_name,
                    "reference": registration.reference,
                    "category": registration.get_category_display(),
                    "needs": profile.accessibility_requirements.strip(),
                }
            )
    no_requirement = dietary.pop("", 0)
    return {
        "total": total,
        "no_dietary_requirement": no_requirement,
        "dietary": sorted(dietary.items(), key=lambda item: (-item[1], item[0])),
        "accessibility": accessibility,
    }


EXPORT_COLUMNS = [
    ("reference", "Reference"),
    ("edition", "Edition"),
    ("status", "Status"),
    ("category", "Category"),
    ("title_rank", "Title or rank"),
    ("first_name", "First name"),
    ("last_name", "Last name"),
    ("post_nominals", "Post-nominals"),
    ("name_on_badge", "Name on badge"),
    ("email", "Email"),
    ("job_title", "Job title"),
    ("organisation", "Organisation"),
    ("organisation_type", "Organisation type"),
    ("country", "Country"),
    ("phone", "Phone"),
    ("dietary_requirements", "Dietary requirements"),
    ("accessibility_requirements", "Accessibility requirements"),
    ("workshops", "Workshops"),
    ("created_at", "Registered at"),
]


def registration_workshops(*, registrations: list[Registration]) -> dict[int, str]:
    """What each registration holds in the apps above (its workshops, one line),
    by registration id: ``collect_registration_workshops``, asked once."""
    texts: dict[int, list[str]] = {}
    if not registrations:
        return {}
    for _receiver, response in signals.collect_registration_workshops.send(
        sender=Registration, registrations=registrations
    ):
        for registration_id, text in (response or {}).items():
            texts.setdefault(registration_id, []).append(text)
    return {pk: "; ".join(parts) for pk, parts in texts.items()}


def export_rows(*, queryset: QuerySet[Registration]) -> list[list[str]]:
    """One row of strings per registration, in EXPORT_COLUMNS order."""
    rows = []
    registrations = list(
        queryset.select_related("edition", "user__profile").order_by(
            "edition_id", "number"
        )
    )
    workshops = registration_workshops(registrations=registrations)
    for registration in registrations:
        profile = getattr(registration.user, "profile", None)

        def field(name, profile=profile):
            return str(getattr(profile, name, "") or "") if profile else ""

        rows.append(
            [
                registration.reference,
                registration.edition.title,
                registration.get_status_display(),
                registration.get_category_display(),
                field("title_rank"),
                field("first_name"),
                field("last_name"),
                field("post_nominals"),
                profile.name_on_badge if profile else "",
                registration.user.email,
                field("job_title"),
                field("organisation"),
                profile.get_organisation_type_display() if profile else "",
                field("country"),
                field("phone"),
                field("dietary_requirements"),
                field("accessibility_requirements"),
                workshops.get(registration.pk, ""),
                registration.created_at.strftime("%Y-%m-%d %H:%M"),
            ]
        )
    return rows
