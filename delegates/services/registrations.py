"""A registration's life: register (or register again), approve, decline, move to
the waiting list, cancel. Each status change goes through ``transitions._transition``,
whose docstring lists every effect, in this app and in the apps above it."""

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from events.models import Edition

from .. import selectors, signals
from ..models import EditionSeats, Registration, User
from .admission import reference_of, registration_admit
from .emails import EmailDrafts
from .seats import _lock_edition, _lock_registration, _places_now, _take_place
from .transitions import _promote, _transition

Status = Registration.Status
Category = Registration.Category


def _check_open(*, edition: Edition, now: dt.datetime) -> None:
    reason = selectors.registration_closed_reason(edition=edition, now=now)
    if reason:
        raise ValidationError(reason)


def _check_not_over(*, edition: Edition, now: dt.datetime) -> None:
    """Organisers may add people to drafts, but not to an edition that is over."""
    reason = selectors.edition_over_reason(edition=edition, now=now)
    if reason:
        raise ValidationError({"edition": reason})


RENEWED = _("Registered again after cancelling.")


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
    delegate place; an organiser is refused in words about the person, not "your".
    Everything that needs no lock is checked, and the email of each status it may end
    in rendered, before taking it, so the serialised part of a registration burst
    stays short: a new registration locks only the edition's seats row, with the
    one statement that hands it a number and a place and writes its rows
    (``admission.registration_admit``);
    registering again, or an edition whose capacity changed without its signal,
    locks the edition first (``seats._lock_edition``). The new status has the
    effects listed in ``transitions._transition`` (badge, workshop window, emails).
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


def _consent_missing(by_organiser: bool) -> str:
    if by_organiser:
        return _("Confirm the person has agreed to the terms.")
    return _("Please accept the terms and the privacy notice to register.")


def _profile_incomplete(user: User, by_organiser: bool) -> str:
    if by_organiser:
        return _("%(user)s has no complete profile yet: add one first.") % {
            "user": user
        }
    return _("Please complete your profile before registering.")


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
    # Every read before the lock, in one query.
    facts = selectors.registration_facts(edition=edition, user=user)
    if category == Category.DELEGATE and facts.speaks:
        # Speakers take no delegate place and need no vetting.
        category = Category.SPEAKER
        reason = str(_("Speaker at this edition."))
    elif category != Category.DELEGATE and not by_organiser:
        raise ValidationError(
            _("Only organisers can add speakers, partners and staff.")
        )
    if not consent_terms:
        raise ValidationError({"consent_terms": _consent_missing(by_organiser)})
    profile = facts.profile
    if not selectors.profile_complete(profile):
        raise ValidationError(_profile_incomplete(user, by_organiser))
    if by_organiser:
        _check_not_over(edition=edition, now=now)
    else:
        _check_open(edition=edition, now=now)
    existing = None
    if facts.registration_id is not None:
        # (Gone meanwhile: as if never registered; the unique key decides a race.)
        existing = Registration.objects.filter(pk=facts.registration_id).first()
    if existing is not None and existing.status != Status.CANCELLED:
        raise ValidationError(_already_registered(edition, user))
    trusted = category == Category.DELEGATE and facts.trusted
    seats_now = _places_now(edition, row=facts.seats)
    if category != Category.DELEGATE:
        outcomes = [Status.CONFIRMED]
    elif not trusted:
        outcomes = [Status.PENDING]
    elif not seats_now.out_of_step and seats_now.places == 0:
        # Full: a place freed meanwhile goes to those waiting (promoted under the
        # edition lock), so a newcomer waits too; were nobody waiting, its
        # confirmation would be rendered under the lock, and logged.
        outcomes = [Status.WAITLISTED]
    elif seats_now.out_of_step or seats_now.places <= LIKELY_FULL_WITHIN:
        outcomes = [Status.CONFIRMED, Status.WAITLISTED]
    else:
        # Far from full, a trusted delegate is confirmed (were the places gone
        # meanwhile, the waiting-list email is rendered under the lock, and logged).
        outcomes = [Status.CONFIRMED]
    user.profile = profile
    if existing is not None:
        existing.edition, existing.user = edition, user
        reason = reason or str(RENEWED)
    drafts = EmailDrafts().add_statuses(
        existing or Registration(edition=edition, user=user, category=category),
        statuses=outcomes,
        reason=reason,
    )
    prepared: dict = {}
    signals.registration_change_prepare.send(
        sender=Registration, edition=edition, prepared=prepared
    )
    if existing is None and seats_now.exists and not seats_now.out_of_step:
        if connection.vendor == "postgresql":
            # The lock, the number, the place and every row in one round trip.
            registration = registration_admit(
                edition=edition,
                user=user,
                category=category,
                statuses={
                    seated: _new_status(category, trusted=trusted, seated=seated)
                    for seated in ((True, False) if trusted else (False,))
                },
                actor=actor or user,
                reason=reason,
                now=now,
                drafts=drafts,
                prepared=prepared,
            )
            if registration is not None:
                return registration
        else:
            taken = _take_place(edition.pk, seat=trusted)
            if taken is not None:
                return _registration_insert(
                    edition,
                    user,
                    number=taken[0],
                    category=category,
                    to_status=_new_status(category, trusted=trusted, seated=taken[1]),
                    actor=actor or user,
                    reason=reason,
                    now=now,
                    drafts=drafts,
                    prepared=prepared,
                )
    if category == Category.DELEGATE and seats_now.out_of_step:
        drafts.add_promotions(edition, places=seats_now.places)

    edition, seats = _lock_edition(edition.pk)
    if by_organiser:
        _check_not_over(edition=edition, now=now)  # again, on the locked row
    else:
        _check_open(edition=edition, now=now)  # again, on the locked row
    if category == Category.DELEGATE and seats.capacity_synced and seats.places > 0:
        # Capacity rose without the signal (e.g. a bulk update): serve the waiting
        # list before anyone new.
        _promote(edition, seats, actor=None, drafts=drafts)
    to_status = _new_status(category, trusted=trusted, seated=seats.places > 0)
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
            drafts=drafts,
            prepared=prepared,
        )
    seats.last_number += 1
    if to_status == Status.CONFIRMED and category == Category.DELEGATE:
        seats.confirmed += 1
        seats.places -= 1
    seats.save(update_fields=["confirmed", "last_number"])
    return _registration_insert(
        edition,
        user,
        number=seats.last_number,
        category=category,
        to_status=to_status,
        actor=actor or user,
        reason=reason,
        now=now,
        drafts=drafts,
        prepared=prepared,
    )


# Free places under which a trusted delegate's waiting-list email is drafted too:
# the registrations in flight may take the rest first.
LIKELY_FULL_WITHIN = 50


def _new_status(category: str, *, trusted: bool, seated: bool) -> str:
    if category != Category.DELEGATE:
        return Status.CONFIRMED
    if not trusted:
        return Status.PENDING
    return Status.CONFIRMED if seated else Status.WAITLISTED


def _registration_insert(
    edition: Edition,
    user: User,
    *,
    number: int,
    category: str,
    to_status: str,
    actor: User,
    reason: str,
    now: dt.datetime,
    drafts: EmailDrafts,
    prepared: dict,
) -> Registration:
    """The new registration with ``number``, its seat already counted, under the
    seats lock: the writes of ``_transition`` only."""
    registration = Registration(
        edition=edition,
        user=user,
        category=category,
        number=number,
        reference=reference_of(edition, number),
        consent_terms=True,
        consented_at=now,
    )
    return _transition(
        registration,
        None,
        to_status=to_status,
        actor=actor,
        reason=reason,
        from_status="",
        drafts=drafts,
        prepared=prepared,
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
    drafts: EmailDrafts,
    prepared: dict,
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
        reason=reason,
        drafts=drafts,
        prepared=prepared,
    )


def _drafts(registration: Registration, *, statuses, reason: str = "", promote=False):
    """Before the lock: the emails of ``statuses`` for ``registration`` and, with
    ``promote``, the promotions the places it may free would bring (as committed now;
    the lock decides)."""
    registration = Registration.objects.select_related(
        "edition__series", "edition__venue", "user__profile"
    ).get(pk=registration.pk)
    drafts = EmailDrafts().add_statuses(registration, statuses=statuses, reason=reason)
    if promote:
        places = _places_now(registration.edition).places
        frees = (
            registration.category == Category.DELEGATE
            and registration.status == Status.CONFIRMED
        )
        drafts.add_promotions(
            registration.edition, places=places + frees, exclude=registration
        )
    return drafts


def _require(registration: Registration, allowed: tuple[str, ...], message) -> None:
    if registration.status not in allowed:
        raise ValidationError(
            message % {"status": registration.get_status_display().lower()}
        )


@transaction.atomic
def registration_approve(*, registration: Registration, actor: User) -> Registration:
    """Approve a pending (or declined) delegate: confirmed if a place remains, else
    waitlisted. Effects: those of ``transitions._transition`` (a confirmation is
    emailed with its calendar file and gets a badge)."""
    drafts = _drafts(registration, statuses=[Status.CONFIRMED, Status.WAITLISTED])
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
    return _transition(
        registration, seats, to_status=to_status, actor=actor, drafts=drafts
    )


def decline_reason_clean(*, reason: str) -> str:
    """The reason stripped, or a ValidationError: the delegate reads it."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Give the reason for declining.")})
    return reason


@transaction.atomic
def registration_decline(
    *, registration: Registration, actor: User, reason: str
) -> Registration:
    """Decline with a reason the delegate will read; a freed place goes to the next
    in line. Effects: those of ``transitions._transition`` (workshop seats
    released, the decline email with the reason, promotions)."""
    reason = decline_reason_clean(reason=reason)
    drafts = _drafts(
        registration, statuses=[Status.DECLINED], reason=reason, promote=True
    )
    registration, edition, seats = _lock_registration(registration)
    _require(
        registration,
        (Status.PENDING, Status.WAITLISTED, Status.CONFIRMED),
        _("A %(status)s registration cannot be declined."),
    )
    _transition(
        registration,
        seats,
        to_status=Status.DECLINED,
        actor=actor,
        reason=reason,
        drafts=drafts,
    )
    _promote(edition, seats, drafts=drafts)
    return registration


@transaction.atomic
def registration_waitlist(*, registration: Registration, actor: User) -> Registration:
    """Move a pending or confirmed delegate to the end of the waiting list; a freed
    place goes to the next in line. Effects: those of ``transitions._transition``."""
    drafts = _drafts(registration, statuses=[Status.WAITLISTED], promote=True)
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
    _transition(
        registration, seats, to_status=Status.WAITLISTED, actor=actor, drafts=drafts
    )
    _promote(edition, seats, exclude=registration, drafts=drafts)
    return registration


@transaction.atomic
def registration_cancel(
    *, registration: Registration, actor: User, reason: str = ""
) -> Registration:
    """Cancel a registration until the event starts; the next in line is promoted.

    Effects (see ``transitions._transition``): the delegate place is freed and the
    cancellation emailed; workshops releases the seats the registration held (and
    its late-choice window); the promoted delegate is confirmed, emailed, and gets
    a badge and, after the choice deadline, a late-choice window.
    """
    drafts = _drafts(
        registration, statuses=[Status.CANCELLED], reason=reason, promote=True
    )
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
        registration,
        seats,
        to_status=Status.CANCELLED,
        actor=actor,
        reason=reason,
        drafts=drafts,
    )
    _promote(edition, seats, drafts=drafts)
    return registration
