"""Every change to a delegate's profile or registration happens here.

Capacity rule: any change that may confirm or free a delegate place first locks the
edition row, then its ``EditionSeats`` row (always in that order, so two transactions
never deadlock), re-reads the state under the lock, and keeps ``EditionSeats.confirmed``
in step; the seats row's check constraint is the database's last word on overbooking.
Each status change writes a ``RegistrationStatusChange``, sends
``registration_status_changed`` and queues the delegate's email, all in the same
transaction.
"""

import datetime as dt

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from events.models import Edition
from socex.mail.services import attachment_from_bytes, email_queue

from . import ics, selectors, signals
from .models import (
    EditionSeats,
    Profile,
    Registration,
    RegistrationStatusChange,
    TrustedDomain,
    User,
)

Status = Registration.Status
Category = Registration.Category

PROFILE_FIELDS = (
    "title_rank",
    "first_name",
    "last_name",
    "post_nominals",
    "badge_name",
    "job_title",
    "organisation",
    "organisation_type",
    "country",
    "phone",
    "dietary_requirements",
    "accessibility_requirements",
)

# The email each new status sends; promotions from the waiting list get their own.
STATUS_EMAILS = {
    Status.PENDING: "registration_received",
    Status.CONFIRMED: "registration_confirmed",
    Status.WAITLISTED: "registration_waitlisted",
    Status.DECLINED: "registration_declined",
    Status.CANCELLED: "registration_cancelled",
}


# Profiles ----------------------------------------------------------------------------


@transaction.atomic
def profile_save(*, user: User, **fields) -> Profile:
    """Create or update the user's profile from ``fields`` (see PROFILE_FIELDS)."""
    unknown = set(fields) - set(PROFILE_FIELDS)
    if unknown:
        raise ValueError(f"Unknown profile fields: {sorted(unknown)}")
    profile = Profile.objects.select_for_update().filter(user=user).first()
    if profile is None:
        profile = Profile(user=user)
    for name, value in fields.items():
        if isinstance(value, str):
            value = value.strip()
        setattr(profile, name, value)
    profile.full_clean()
    profile.save()
    return profile


# Locks and checks ---------------------------------------------------------------


def _lock_edition(edition_id: int) -> tuple[Edition, EditionSeats]:
    """Lock the edition, then its seats row (created on first use); sync capacity.

    Two statements on purpose: a row joined into the locking query would be read
    from the snapshot taken before the lock was granted, i.e. possibly stale.
    """
    edition = (
        Edition.objects.select_for_update(no_key=True, of=("self",))
        .select_related("series", "venue")
        .get(pk=edition_id)
    )
    seats = EditionSeats.objects.select_for_update().filter(edition=edition).first()
    if seats is None:
        # Count what is there (e.g. rows loaded in bulk) so the counter starts true.
        confirmed = Registration.objects.filter(
            edition=edition, category=Category.DELEGATE, status=Status.CONFIRMED
        ).count()
        last = Registration.objects.filter(edition=edition).aggregate(n=Max("number"))
        seats = EditionSeats.objects.create(
            edition=edition,
            capacity=max(edition.capacity, confirmed),
            confirmed=confirmed,
            last_number=last["n"] or 0,
        )
    # A capacity lowered below the confirmed count admits nobody until places free
    # up; the confirmed delegates keep their places.
    capacity = max(edition.capacity, seats.confirmed)
    seats.capacity_synced = seats.capacity != capacity
    if seats.capacity_synced:
        seats.capacity = capacity
        seats.save(update_fields=["capacity"])
    seats.places = max(edition.capacity - seats.confirmed, 0)
    return edition, seats


def _lock_registration(
    registration: Registration,
) -> tuple[Registration, Edition, EditionSeats]:
    edition, seats = _lock_edition(registration.edition_id)
    locked = (
        Registration.objects.select_for_update(of=("self",))
        .select_related("user")
        .get(pk=registration.pk)
    )
    locked.edition = edition
    return locked, edition, seats


def _check_open(*, edition: Edition, now: dt.datetime) -> None:
    reason = selectors.registration_closed_reason(edition=edition, now=now)
    if reason:
        raise ValidationError(reason)


def _check_not_over(*, edition: Edition, now: dt.datetime) -> None:
    """Organisers may add people to drafts, but not to an edition that is over."""
    reason = selectors.edition_over_reason(edition=edition, now=now)
    if reason:
        raise ValidationError({"edition": reason})


def _reference(edition: Edition, number: int) -> str:
    return f"{edition.series.code}{edition.year % 100:02d}-{number:04d}"


# Status changes -----------------------------------------------------------------


def _email_context(registration: Registration, **extra) -> dict:
    edition = registration.edition
    return {
        "registration": registration,
        "edition": edition,
        "venue": edition.venue,
        "user": registration.user,
        "profile": getattr(registration.user, "profile", None),
        "dashboard_url": settings.SITE_URL + reverse("delegates:dashboard"),
        "edition_url": settings.SITE_URL + edition.get_absolute_url(),
        **extra,
    }


def _event_attachment(registration: Registration) -> dict:
    edition = registration.edition
    return attachment_from_bytes(
        f"{edition.slug}.ics",
        ics.edition_calendar(edition=edition, registration=registration),
        "text/calendar",
    )


def _queue_status_email(
    registration: Registration, *, template: str, key: str | None, reason: str = ""
) -> None:
    attachments = []
    if template in ("registration_confirmed", "registration_promoted"):
        attachments.append(_event_attachment(registration))
    position = None
    if registration.status == Status.WAITLISTED:
        position = selectors.waitlist_position(registration=registration)
    email_queue(
        to=registration.user.email,
        template=template,
        context=_email_context(registration, reason=reason, position=position),
        attachments=attachments,
        key=key,
    )


def _transition(
    registration: Registration,
    seats: EditionSeats,
    *,
    to_status: str,
    actor: User | None,
    reason: str = "",
    from_status: str | None = None,
    template: str | None = None,
    save_seats: bool = False,
) -> Registration:
    """Move a locked (or new) registration to ``to_status``: seats counter, history,
    signal and email."""
    if from_status is None:
        from_status = registration.status
    now = timezone.now()
    if registration.category == Category.DELEGATE:
        if from_status == Status.CONFIRMED and to_status != Status.CONFIRMED:
            seats.confirmed -= 1
            seats.places += 1
            save_seats = True
        elif to_status == Status.CONFIRMED and from_status != Status.CONFIRMED:
            seats.confirmed += 1
            seats.places -= 1
            save_seats = True
    if save_seats:
        seats.save(update_fields=["confirmed", "last_number"])
    registration.status = to_status
    if to_status == Status.CONFIRMED:
        registration.confirmed_at = now
    elif to_status == Status.WAITLISTED:
        registration.waitlisted_at = now
    elif to_status == Status.CANCELLED:
        registration.cancelled_at = now
    if to_status == Status.DECLINED:
        registration.decline_reason = reason
    registration.save()
    RegistrationStatusChange.objects.create(
        registration=registration,
        from_status=from_status,
        to_status=to_status,
        actor=actor,
        reason=reason,
    )
    signals.registration_status_changed.send(
        sender=Registration,
        registration=registration,
        from_status=from_status,
        to_status=to_status,
    )
    # Each change queues its own email, so no idempotency key is needed.
    _queue_status_email(
        registration,
        template=template or STATUS_EMAILS[to_status],
        key=None,
        reason=reason,
    )
    return registration


def _promote(
    edition: Edition,
    seats: EditionSeats,
    *,
    actor: User | None = None,
    exclude: Registration | None = None,
) -> list[Registration]:
    """Confirm waitlisted delegates, first in line first, while places remain."""
    if seats.places <= 0:
        return []
    queue = selectors.waitlist_queue(edition=edition).select_related("user__profile")
    if exclude is not None:
        queue = queue.exclude(pk=exclude.pk)
    promoted = []
    for registration in queue.select_for_update(of=("self",))[: seats.places]:
        registration.edition = edition
        promoted.append(
            _transition(
                registration,
                seats,
                to_status=Status.CONFIRMED,
                actor=actor,
                reason=str(_("A place became available.")),
                template="registration_promoted",
            )
        )
    return promoted


def registration_create(
    *,
    edition: Edition,
    user: User,
    consent_terms: bool,
    category: str = Category.DELEGATE,
    actor: User | None = None,
) -> Registration:
    """Register ``user`` for ``edition`` and email them the outcome.

    A delegate whose verified address is on a trusted domain is confirmed while places
    remain and waitlisted when full; other delegates wait for approval. Speakers,
    partners and staff are added by organisers (``actor``), confirmed, and take no
    delegate place. Everything that needs no lock is checked before taking it, so the
    serialised part of a registration burst stays short.
    """
    try:
        return _registration_create(
            edition=edition,
            user=user,
            consent_terms=consent_terms,
            category=category,
            actor=actor,
        )
    except IntegrityError as error:
        # Two submissions of the same person at once: the unique constraint decides.
        if Registration.objects.filter(edition=edition, user=user).exists():
            raise ValidationError(_already_registered(edition, user)) from error
        raise


def _already_registered(edition: Edition, user: User) -> str:
    return _("%(email)s is already registered for %(edition)s.") % {
        "email": user.email,
        "edition": edition.title,
    }


@transaction.atomic
def _registration_create(
    *,
    edition: Edition,
    user: User,
    consent_terms: bool,
    category: str,
    actor: User | None,
) -> Registration:
    now = timezone.now()
    if category not in Category.values:
        raise ValidationError({"category": _("Choose a valid category.")})
    by_organiser = actor is not None and actor.is_staff and actor.pk != user.pk
    reason = ""
    if category == Category.DELEGATE and selectors.user_speaks_at(
        edition=edition, user=user
    ):
        # Speakers take no delegate place and need no vetting.
        category = Category.SPEAKER
        reason = str(_("Speaker at this edition."))
    elif category != Category.DELEGATE and not by_organiser:
        raise ValidationError(
            _("Only organisers can add speakers, partners and staff.")
        )
    if not consent_terms:
        raise ValidationError(
            {
                "consent_terms": _(
                    "Please accept the terms and the privacy notice to register."
                )
            }
        )
    profile = selectors.profile_for(user=user)
    if not selectors.profile_complete(profile):
        raise ValidationError(_("Please complete your profile before registering."))
    if by_organiser:
        _check_not_over(edition=edition, now=now)
    else:
        _check_open(edition=edition, now=now)
    existing = Registration.objects.filter(edition=edition, user=user).first()
    if existing is not None and existing.status != Status.CANCELLED:
        raise ValidationError(_already_registered(edition, user))
    trusted = category == Category.DELEGATE and selectors.user_is_trusted(
        edition=edition, user=user
    )

    edition, seats = _lock_edition(edition.pk)
    if by_organiser:
        _check_not_over(edition=edition, now=now)  # again, on the locked row
    else:
        _check_open(edition=edition, now=now)  # again, on the locked row
    if category == Category.DELEGATE and seats.capacity_synced and seats.places > 0:
        # Capacity rose without the signal (e.g. a bulk update): serve the waiting
        # list before anyone new.
        _promote(edition, seats, actor=None)
    if category != Category.DELEGATE:
        to_status = Status.CONFIRMED
    elif trusted:
        to_status = Status.CONFIRMED if seats.places > 0 else Status.WAITLISTED
    else:
        to_status = Status.PENDING
    if existing is not None:
        return _registration_renew(
            existing,
            edition,
            seats,
            category=category,
            to_status=to_status,
            actor=actor or user,
            reason=reason,
            now=now,
        )
    seats.last_number += 1
    user.profile = profile
    registration = Registration(
        edition=edition,
        user=user,
        category=category,
        number=seats.last_number,
        reference=_reference(edition, seats.last_number),
        consent_terms=True,
        consented_at=now,
    )
    return _transition(
        registration,
        seats,
        to_status=to_status,
        actor=actor or user,
        reason=reason,
        from_status="",
        save_seats=True,
    )


def _registration_renew(
    registration: Registration,
    edition: Edition,
    seats: EditionSeats,
    *,
    category: str,
    to_status: str,
    actor: User,
    reason: str,
    now: dt.datetime,
) -> Registration:
    """Register again on the row of a cancelled registration (one per edition and
    user): same reference, placed as a new registration would be (the waiting list
    is joined at the back)."""
    locked = (
        Registration.objects.select_for_update(of=("self",))
        .select_related("user__profile")
        .get(pk=registration.pk)
    )
    if locked.status != Status.CANCELLED:
        raise ValidationError(_already_registered(edition, locked.user))
    locked.edition = edition
    locked.category = category
    locked.consent_terms = True
    locked.consented_at = now
    locked.decline_reason = ""
    return _transition(
        locked,
        seats,
        to_status=to_status,
        actor=actor,
        reason=reason or str(_("Registered again after cancelling.")),
    )


def _require(registration: Registration, allowed: tuple[str, ...], message) -> None:
    if registration.status not in allowed:
        raise ValidationError(
            message % {"status": registration.get_status_display().lower()}
        )


@transaction.atomic
def registration_approve(*, registration: Registration, actor: User) -> Registration:
    """Approve a pending (or declined) delegate: confirmed if a place remains, else
    waitlisted."""
    registration, edition, seats = _lock_registration(registration)
    _require(
        registration,
        (Status.PENDING, Status.DECLINED),
        _(
            "Only pending or declined registrations can be approved; this one is "
            "%(status)s."
        ),
    )
    if registration.category != Category.DELEGATE or seats.places > 0:
        to_status = Status.CONFIRMED
    else:
        to_status = Status.WAITLISTED
    return _transition(registration, seats, to_status=to_status, actor=actor)


@transaction.atomic
def registration_decline(
    *, registration: Registration, actor: User, reason: str
) -> Registration:
    """Decline with a reason the delegate will read; a freed place goes to the next
    in line."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(
            {"reason": _("Give the reason: the delegate will read it in the email.")}
        )
    registration, edition, seats = _lock_registration(registration)
    _require(
        registration,
        (Status.PENDING, Status.WAITLISTED, Status.CONFIRMED),
        _("A %(status)s registration cannot be declined."),
    )
    _transition(
        registration, seats, to_status=Status.DECLINED, actor=actor, reason=reason
    )
    _promote(edition, seats)
    return registration


@transaction.atomic
def registration_waitlist(*, registration: Registration, actor: User) -> Registration:
    """Move a pending or confirmed delegate to the end of the waiting list."""
    registration, edition, seats = _lock_registration(registration)
    if registration.category != Category.DELEGATE:
        raise ValidationError(_("Only delegates can be put on the waiting list."))
    _require(
        registration,
        (Status.PENDING, Status.CONFIRMED),
        _(
            "Only pending or confirmed registrations can be moved to the waiting "
            "list; this one is %(status)s."
        ),
    )
    _transition(registration, seats, to_status=Status.WAITLISTED, actor=actor)
    _promote(edition, seats, exclude=registration)
    return registration


@transaction.atomic
def registration_cancel(
    *, registration: Registration, actor: User, reason: str = ""
) -> Registration:
    """Cancel a registration until the event starts; the next in line is promoted."""
    registration, edition, seats = _lock_registration(registration)
    _require(
        registration,
        (Status.PENDING, Status.WAITLISTED, Status.CONFIRMED),
        _("This registration is already %(status)s."),
    )
    if edition.start_date <= timezone.localdate():
        raise ValidationError(
            _("The event has started, so the registration can no longer be cancelled.")
        )
    _transition(
        registration, seats, to_status=Status.CANCELLED, actor=actor, reason=reason
    )
    _promote(edition, seats)
    return registration


@transaction.atomic
def edition_capacity_apply(*, edition: Edition) -> list[Registration]:
    """React to a saved change of ``edition.capacity``: refuse a capacity below the
    confirmed delegates (rolling back the caller's save), else fill new places from
    the waiting list in order."""
    locked, seats = _lock_edition(edition.pk)
    if locked.capacity < seats.confirmed:
        raise ValidationError(
            _(
                "%(edition)s already has %(confirmed)d confirmed delegates, so its "
                "capacity cannot be %(capacity)d. Cancel or decline registrations "
                "first, or choose a capacity of at least %(confirmed)d."
            )
            % {
                "edition": locked.title,
                "confirmed": seats.confirmed,
                "capacity": locked.capacity,
            }
        )
    return _promote(locked, seats)


@transaction.atomic
def trusted_domains_copy(*, source: Edition, target: Edition) -> int:
    """Give ``target`` the trusted email domains of ``source`` (those it lacks);
    returns how many were added."""
    have = set(
        TrustedDomain.objects.filter(edition=target).values_list("domain", flat=True)
    )
    added = TrustedDomain.objects.bulk_create(
        [
            TrustedDomain(edition=target, domain=domain)
            for domain in TrustedDomain.objects.filter(edition=source)
            .order_by("domain")
            .values_list("domain", flat=True)
            if domain not in have
        ]
    )
    return len(added)


@transaction.atomic
def waitlist_promote(*, edition: Edition, actor: User | None = None) -> list:
    """Fill free places from the waiting list, in order; returns those promoted."""
    edition, seats = _lock_edition(edition.pk)
    return _promote(edition, seats, actor=actor)


@transaction.atomic
def registration_confirmation_resend(*, registration: Registration) -> None:
    """Queue the confirmation email (with its calendar file) again."""
    registration = Registration.objects.select_related(
        "edition__series", "edition__venue", "user__profile"
    ).get(pk=registration.pk)
    if registration.status != Status.CONFIRMED:
        raise ValidationError(
            _("%(reference)s is not confirmed, so there is no confirmation to resend.")
            % {"reference": registration.reference}
        )
    _queue_status_email(registration, template="registration_confirmed", key=None)


@transaction.atomic
def joining_instructions_queue(*, today: dt.date | None = None) -> int:
    """Queue joining instructions to everyone confirmed for an edition starting
    within a week; each registration receives them once. Returns how many queued."""
    today = today or timezone.localdate()
    registrations = (
        Registration.objects.filter(
            status=Status.CONFIRMED,
            edition__status=Edition.Status.PUBLISHED,
            edition__start_date__gt=today,
            edition__start_date__lte=today + dt.timedelta(days=7),
        )
        .select_related("edition__series", "edition__venue", "user__profile")
        .order_by("id")
    )
    queued = 0
    for registration in registrations:
        email = email_queue(
            to=registration.user.email,
            template="registration_joining",
            context=_email_context(registration),
            key=f"registration-joining-{registration.pk}",
        )
        queued += email is not None
    return queued
