"""Substitution: a confirmed delegate (or an organiser for them) passes the place to a
colleague.

The colleague is emailed a single-use link (only its SHA-256 is stored; the email is
encrypted in the outbox while it waits), follows it, signs in or up with the address
it was sent to, completes the profile and accepts. They are vetted like any new
registration: a verified address on a trusted domain passes the place at once,
otherwise an organiser approves. The place then passes in one transaction under the
edition lock: the old registration becomes ``substituted`` and the colleague's is
confirmed, so ``EditionSeats.confirmed`` ends where it was and nobody moves on the
waiting list.
"""

import datetime as dt

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from events.models import Edition
from socex.mail.services import email_queue
from socex.tokens import link_token_hash, link_token_new

from .. import selectors, signals
from ..models import Registration, Substitution, User
from .admission import reference_of
from .emails import EmailDrafts, _email_context
from .seats import _lock_edition
from .transitions import _transition

Status = Registration.Status
Category = Registration.Category
SubStatus = Substitution.Status

LINK_VALID_FOR = dt.timedelta(days=7)
# Nominations a delegate may make for one place (each emails an address they
# choose): enough for a few refusals, not a way to make SOCEX email anyone.
DELEGATE_NOMINATIONS_MAX = 5
SUBSTITUTED_EMAIL = "registration_substituted"
INVITATION_EMAIL = "substitution_invitation"
AWAITING_EMAIL = "substitution_awaiting"
DECLINED_EMAIL = "substitution_declined"


def substitution_for_token(*, token: str) -> Substitution | None:
    """The substitution a link's token names, or None (only the hash is stored)."""
    return (
        Substitution.objects.select_related(
            "registration__edition__series",
            "registration__edition__venue",
            "registration__user__profile",
        )
        .filter(token_hash=link_token_hash(token))
        .first()
    )


def _event_started(edition: Edition) -> bool:
    return edition.start_date <= timezone.localdate()


def _started_message(edition: Edition) -> str:
    return _(
        "%(edition)s has started, so the place can no longer pass to a colleague."
    ) % {"edition": edition.title}


def link_problem(*, substitution: Substitution) -> str:
    """Why the link can no longer be used ("" when it can): used, withdrawn,
    declined, expired, or the event has started."""
    if substitution.status == SubStatus.CANCELLED:
        return str(_("This invitation was withdrawn, so the link no longer works."))
    if substitution.status != SubStatus.NOMINATED:
        return str(_("This link has already been used."))
    if substitution.expires_at <= timezone.now():
        return str(
            _(
                "This link has expired. Ask your colleague to nominate you again "
                "from My SOCEX."
            )
        )
    if _event_started(substitution.registration.edition):
        return str(_started_message(substitution.registration.edition))
    return ""


def _active_registration(edition: Edition, email: str) -> Registration | None:
    """The registration of the account with ``email`` at ``edition`` that holds or
    asks for a place (anything but cancelled or passed on)."""
    return (
        Registration.objects.filter(edition=edition, user__email__iexact=email)
        .exclude(status__in=[Status.CANCELLED, Status.SUBSTITUTED])
        .first()
    )


def _check_place_can_pass(registration: Registration, email: str) -> None:
    """The rules a nomination and its completion share, in the delegate's words."""
    edition = registration.edition
    if registration.category != Category.DELEGATE:
        raise ValidationError(_("Only a delegate's place can pass to a colleague."))
    if registration.status != Status.CONFIRMED:
        raise ValidationError(
            _(
                "Only a confirmed place can pass to a colleague; this registration "
                "is %(status)s."
            )
            % {"status": registration.get_status_display().lower()}
        )
    if _event_started(edition):
        raise ValidationError(_started_message(edition))
    if email.lower() == registration.user.email.lower():
        raise ValidationError(
            {"email": _("Enter your colleague's address, not the delegate's own.")}
        )
    existing = _active_registration(edition, email)
    if existing is not None:
        raise ValidationError(
            {
                "email": _(
                    "%(email)s is already registered for %(edition)s "
                    "(%(status)s): nominate another colleague."
                )
                % {
                    "email": email,
                    "edition": edition.title,
                    "status": existing.get_status_display().lower(),
                }
            }
        )


def _clean_email(email: str) -> str:
    email = (email or "").strip()
    try:
        validate_email(email)
    except ValidationError:
        raise ValidationError(
            {"email": _("Enter an email address such as sam.patel@police.uk.")}
        ) from None
    local, domain = email.rsplit("@", 1)
    return f"{local}@{domain.lower()}"


def _lock_substitution(substitution: Substitution) -> Substitution:
    return Substitution.objects.select_for_update(of=("self",)).get(pk=substitution.pk)


def _link_url(token: str) -> str:
    return settings.SITE_URL + reverse("delegates:substitution", args=[token])


def _delegate_email(
    substitution: Substitution, registration: Registration, *, template: str, **extra
) -> None:
    email_queue(
        to=registration.user.email,
        template=template,
        context=_email_context(registration, substitution=substitution, **extra),
    )


@transaction.atomic
def substitution_nominate(
    *,
    registration: Registration,
    email: str,
    pass_workshops: bool,
    actor: User,
) -> Substitution:
    """Nominate the colleague at ``email`` to take ``registration``'s place.

    Refused unless the place is a confirmed delegate's, the event has not started,
    the address is not the delegate's own nor registered for the edition, no
    other nomination is pending, and (the delegate nominating) fewer than
    ``DELEGATE_NOMINATIONS_MAX`` were made before. Effects: the colleague is
    emailed a single-use link (valid a week, never past the event's start; stored
    hashed, the email encrypted in the outbox). Nothing else changes until the
    colleague accepts.
    """
    email = _clean_email(email)
    registration = (
        Registration.objects.select_for_update(of=("self",))
        .select_related("edition__series", "edition__venue", "user__profile")
        .get(pk=registration.pk)
    )
    _check_place_can_pass(registration, email)
    if registration.substitutions.filter(status__in=Substitution.PENDING).exists():
        raise ValidationError(
            _(
                "A colleague is already nominated for this place: withdraw that "
                "nomination first."
            )
        )
    by_delegate = actor.pk == registration.user_id
    if (
        by_delegate
        and registration.substitutions.filter(nominated_by=actor).count()
        >= DELEGATE_NOMINATIONS_MAX
    ):
        raise ValidationError(
            _(
                "You have nominated %(n)s colleagues for this place, the most you "
                "can: ask the organisers to pass it on for you."
            )
            % {"n": DELEGATE_NOMINATIONS_MAX}
        )
    token, hashed = link_token_new()
    start = timezone.make_aware(
        dt.datetime.combine(registration.edition.start_date, dt.time.min)
    )
    substitution = Substitution(
        registration=registration,
        email=email,
        pass_workshops=pass_workshops,
        token_hash=hashed,
        expires_at=min(timezone.now() + LINK_VALID_FOR, start),
        nominated_by=actor,
    )
    try:
        with transaction.atomic():
            substitution.save()
    except IntegrityError as error:  # a second nomination at the same moment
        raise ValidationError(
            _("A colleague is already nominated for this place.")
        ) from error
    email_queue(
        to=email,
        template=INVITATION_EMAIL,
        context=_email_context(
            registration,
            substitution=substitution,
            link=_link_url(token),
            by_organiser=actor.pk != registration.user_id,
        ),
        secret=True,
    )
    return substitution


@transaction.atomic
def substitution_cancel(*, substitution: Substitution, actor: User) -> Substitution:
    """Withdraw a pending nomination (the delegate keeps the place); the link then
    says it was withdrawn. No email."""
    locked = _lock_substitution(substitution)
    if not locked.is_pending:
        raise ValidationError(
            _("This nomination is already %(status)s.")
            % {"status": locked.get_status_display().lower()}
        )
    locked.status = SubStatus.CANCELLED
    locked.decided_by = actor
    locked.decided_at = timezone.now()
    locked.save(update_fields=["status", "decided_by", "decided_at"])
    return locked


@transaction.atomic
def substitution_accept(
    *, substitution: Substitution, user: User, consent_terms: bool
) -> Substitution:
    """The colleague accepts, signed in as ``user`` with the nominated address.

    Vetted like a new registration: with a verified address on one of the
    edition's trusted domains the place passes now (``_substitution_complete``);
    otherwise it awaits an organiser's approval and the colleague is emailed so.
    The link is used either way.
    """
    # Before the lock: the emails of the place passing, when it will pass now.
    drafts = None
    if user.email.lower() == substitution.email.lower() and selectors.user_is_trusted(
        edition=substitution.registration.edition, user=user
    ):
        drafts = _completion_drafts(substitution.registration_id, user)
    # The edition first, as every status change locks it before the registration's
    # rows (a cancellation then withdraws this nomination): no deadlock.
    edition, seats = _lock_edition(substitution.registration.edition_id)
    locked = _lock_substitution(substitution)
    locked.registration = substitution.registration
    problem = link_problem(substitution=locked)
    if problem:
        raise ValidationError(problem)
    if user.email.lower() != locked.email.lower():
        raise ValidationError(
            _(
                "This invitation is for %(email)s, and you are signed in as "
                "%(user)s: sign out, then sign in or sign up with %(email)s."
            )
            % {"email": locked.email, "user": user.email}
        )
    if not consent_terms:
        raise ValidationError(
            {
                "consent_terms": _(
                    "Please accept the terms and the privacy notice to take the place."
                )
            }
        )
    if not selectors.profile_complete(selectors.profile_for(user=user)):
        raise ValidationError(_("Please complete your profile before accepting."))
    if selectors.user_speaks_at(edition=edition, user=user):
        raise ValidationError(
            _(
                "You speak at %(edition)s, so you have a place already: your "
                "colleague should nominate someone else."
            )
            % {"edition": edition.title}
        )
    _check_place_can_pass(locked.registration, user.email)
    locked.nominee = user
    locked.accepted_at = timezone.now()
    if selectors.user_is_trusted(edition=edition, user=user):
        return _substitution_complete(locked, edition, seats, actor=user, drafts=drafts)
    locked.status = SubStatus.AWAITING_APPROVAL
    locked.save(update_fields=["nominee", "accepted_at", "status"])
    email_queue(
        to=user.email,
        template=AWAITING_EMAIL,
        context=_email_context(
            locked.registration,
            substitution=locked,
            nominee_profile=selectors.profile_for(user=user),
        ),
    )
    return locked


@transaction.atomic
def substitution_approve(*, substitution: Substitution, actor: User) -> Substitution:
    """An organiser approves the colleague who accepted: the place passes
    (``_substitution_complete``)."""
    registration_id = (
        Substitution.objects.filter(pk=substitution.pk)
        .values_list("registration_id", flat=True)
        .get()
    )
    edition_id = (
        Registration.objects.filter(pk=registration_id)
        .values_list("edition_id", flat=True)
        .get()
    )
    nominee = (
        Substitution.objects.select_related("nominee").get(pk=substitution.pk).nominee
    )
    drafts = (
        _completion_drafts(registration_id, nominee) if nominee is not None else None
    )
    edition, seats = _lock_edition(edition_id)  # first, as in substitution_accept
    locked = _lock_substitution(substitution)
    if locked.status != SubStatus.AWAITING_APPROVAL:
        raise ValidationError(
            _("Only an accepted nomination can be approved; this one is %(status)s.")
            % {"status": locked.get_status_display().lower()}
        )
    return _substitution_complete(locked, edition, seats, actor=actor, drafts=drafts)


@transaction.atomic
def substitution_decline(
    *, substitution: Substitution, actor: User, reason: str
) -> Substitution:
    """An organiser declines the colleague who accepted, with a reason both read;
    the delegate keeps the place. Both are emailed."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Give the reason for declining.")})
    locked = _lock_substitution(substitution)
    if locked.status != SubStatus.AWAITING_APPROVAL:
        raise ValidationError(
            _("Only an accepted nomination can be declined; this one is %(status)s.")
            % {"status": locked.get_status_display().lower()}
        )
    locked.status = SubStatus.DECLINED
    locked.reason = reason
    locked.decided_by = actor
    locked.decided_at = timezone.now()
    locked.save(update_fields=["status", "reason", "decided_by", "decided_at"])
    registration = Registration.objects.select_related(
        "edition__series", "edition__venue", "user__profile"
    ).get(pk=locked.registration_id)
    for to in (locked.email, registration.user.email):
        email_queue(
            to=to,
            template=DECLINED_EMAIL,
            context=_email_context(
                registration,
                substitution=locked,
                reason=reason,
                to_delegate=to == registration.user.email,
            ),
        )
    return locked


def _reasons(old: Registration, user: User) -> tuple[str, str]:
    """What the two registrations' histories (and emails) say: the old one to whom
    it passed, the new one whose place it took."""
    profile = getattr(user, "profile", None)
    name = profile.full_name if profile else user.email
    return (
        str(
            _("Place passed to %(name)s (%(email)s).")
            % {"name": name, "email": user.email}
        ),
        str(_("Took the place of %(reference)s.") % {"reference": old.reference}),
    )


def _completion_drafts(registration_id: int, user: User) -> EmailDrafts:
    """Before the lock: the delegate's and the colleague's emails of the place
    passing (see ``EmailDrafts``), so the locked part only fills them in."""
    old = Registration.objects.select_related(
        "edition__series", "edition__venue", "user__profile"
    ).get(pk=registration_id)
    user.profile = selectors.profile_for(user=user)
    old_reason, new_reason = _reasons(old, user)
    new = Registration.objects.filter(edition=old.edition, user=user).first()
    if new is None:
        new = Registration(edition=old.edition, user=user, category=Category.DELEGATE)
    new.edition, new.user = old.edition, user
    return (
        EmailDrafts()
        .add(old, templates=[SUBSTITUTED_EMAIL], reason=old_reason)
        .add_statuses(new, statuses=[Status.CONFIRMED], reason=new_reason)
    )


def _substitution_complete(
    substitution: Substitution,
    edition: Edition,
    seats,
    *,
    actor: User,
    drafts: EmailDrafts | None = None,
) -> Substitution:
    """Pass the place, in the caller's transaction, which has locked the edition and
    its seats row, then ``substitution``. Locks the old registration (the order
    every status change takes) and checks again that the place can pass. Effects:
    - the old registration becomes ``substituted`` (its history says to whom; the
      delegate is emailed, ``registration_substituted``);
    - the colleague's registration is confirmed (a new one, or their cancelled one
      again), with the ``transitions._transition`` effects: the confirmation email
      with its calendar file, the badge rendered through the usual path, a late
      choice window when the choice deadline has passed;
    - ``EditionSeats.confirmed`` ends where it was and nobody is promoted;
    - ``signals.registration_substituted``: ``workshops.receivers`` moves the
      workshop places to the colleague or releases them, as the delegate chose.
    """
    old = substitution.registration
    old = (
        Registration.objects.select_for_update(of=("self",))
        .select_related("user__profile")
        .get(pk=old.pk)
    )
    old.edition = edition
    user = substitution.nominee
    _check_place_can_pass(old, user.email)
    now = timezone.now()
    user.profile = selectors.profile_for(user=user)
    old_reason, reason = _reasons(old, user)
    old.cancelled_at = now
    _transition(
        old,
        seats,
        to_status=Status.SUBSTITUTED,
        actor=actor,
        reason=old_reason,
        template=SUBSTITUTED_EMAIL,
        drafts=drafts,
    )
    existing = (
        Registration.objects.select_for_update(of=("self",))
        .filter(edition=edition, user=user)
        .first()
    )
    if existing is not None:
        # Their cancelled (or passed-on) registration, the only kind the checks
        # leave, takes the place: one registration per person and edition.
        existing.edition, existing.user = edition, user
        existing.category = Category.DELEGATE
        existing.consent_terms, existing.consented_at = True, now
        existing.decline_reason = ""
        new = _transition(
            existing,
            seats,
            to_status=Status.CONFIRMED,
            actor=actor,
            reason=reason,
            drafts=drafts,
        )
    else:
        seats.last_number += 1
        new = _transition(
            Registration(
                edition=edition,
                user=user,
                category=Category.DELEGATE,
                number=seats.last_number,
                reference=reference_of(edition, seats.last_number),
                consent_terms=True,
                consented_at=now,
            ),
            seats,
            to_status=Status.CONFIRMED,
            actor=actor,
            reason=reason,
            from_status="",
            save_seats=True,
            drafts=drafts,
        )
    signals.registration_substituted.send(
        sender=Registration,
        registration=old,
        new_registration=new,
        pass_workshops=substitution.pass_workshops,
        actor=actor,
    )
    substitution.status = SubStatus.COMPLETED
    substitution.new_registration = new
    substitution.decided_by = actor
    substitution.decided_at = now
    substitution.save()
    return substitution
