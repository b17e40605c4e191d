"""Privacy services: the audit record, anonymising a person and erasing an account.

Everything that removes a person's data goes through ``person_anonymise``: the
retention run, "Delete my account" and the organisers' admin action alike.
"""

import ipaddress
import logging

from allauth.account.adapter import get_adapter
from allauth.account.models import EmailAddress
from django.apps import apps
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from delegates import services as delegates_services
from delegates.models import (
    Badge,
    BadgePrintJob,
    Profile,
    Registration,
    RegistrationStatusChange,
    Substitution,
    User,
)
from events.models import Edition, Speaker, SubmissionInvitation, SubmissionSpeaker
from socex.mail.models import OutboxEmail

from . import signals
from .files import private_files_delete_on_commit
from .models import PersonalDataAccess

logger = logging.getLogger(__name__)

Kind = PersonalDataAccess.Kind
Status = Registration.Status

# Erased accounts get an address at a reserved domain (RFC 2606): it never delivers.
ERASED_DOMAIN = "erased.invalid"
# What an erased person's emails say instead of their body (as the outbox's purge).
ERASED_BODY = "[Removed: the recipient's personal data was erased.]"
# What a profile keeps for the counts in reports; the rest is blanked.
PROFILE_BLANKED = {
    "title_rank": "",
    "first_name": "",
    "last_name": "",
    "post_nominals": "",
    "badge_name": "",
    "job_title": "",
    "organisation": "",
    "phone": "",
    "dietary_requirements": "",
    "accessibility_requirements": "",
}


def erased_email(user_id: int) -> str:
    """The unique placeholder that replaces an erased person's address."""
    return f"erased-{user_id}@{ERASED_DOMAIN}"


def is_erased(user: AbstractBaseUser) -> bool:
    return user.email.endswith(f"@{ERASED_DOMAIN}")


def client_ip(request: HttpRequest) -> str | None:
    """The client's address as allauth sees it (its trusted-proxy setting applies),
    or None when it cannot be told."""
    try:
        value = get_adapter().get_client_ip(request)
    except PermissionDenied:
        return None
    try:
        return str(ipaddress.ip_address(value))
    except ValueError:
        return None


# The audit record ---------------------------------------------------------------


@transaction.atomic
def personal_data_access_record(
    *,
    kind: str,
    request: HttpRequest | None = None,
    actor: AbstractBaseUser | None = None,
    edition: Edition | None = None,
    subject: AbstractBaseUser | None = None,
    rows: int = 0,
    detail: str = "",
    ip_address: str | None = None,
) -> PersonalDataAccess:
    """Record that personal data was viewed, exported or erased.

    ``request`` gives the actor and the IP address when they are not passed. Writes
    one ``PersonalDataAccess`` row and logs it; nothing else.
    """
    if request is not None:
        if actor is None and request.user.is_authenticated:
            actor = request.user
        if ip_address is None:
            ip_address = client_ip(request)
    record = PersonalDataAccess(
        kind=kind,
        actor=actor,
        actor_email=actor.email if actor is not None else "",
        edition=edition,
        subject=subject,
        rows=max(int(rows or 0), 0),
        detail=(detail or "")[:250],
        ip_address=ip_address,
    )
    record.full_clean()
    record.save()
    logger.info(
        "Personal data %s by %s: %s rows (edition %s)",
        kind,
        record.actor_email or "the system",
        record.rows,
        edition.pk if edition else "-",
    )
    return record


def registrations_access_record(
    *, request: HttpRequest, kind: str, registrations: QuerySet[Registration]
) -> PersonalDataAccess:
    """Record an export or bulk view of ``registrations`` (one call in the view):
    the rows counted, the edition named when they are all of one."""
    edition_ids = list(
        registrations.order_by().values_list("edition_id", flat=True).distinct()[:2]
    )
    edition = (
        Edition.objects.filter(pk=edition_ids[0]).first()
        if len(edition_ids) == 1
        else None
    )
    return personal_data_access_record(
        request=request, kind=kind, edition=edition, rows=registrations.count()
    )


# Anonymising a person -----------------------------------------------------------


def _personal_files_discard(user: User, registration_ids: list[int]) -> int:
    """Clear the badge and print-run files naming the person (deleted after commit)
    and ask higher apps to drop theirs (``personal_data_erase``)."""
    names = []
    badges = Badge.objects.filter(registration_id__in=registration_ids).exclude(file="")
    names += list(badges.values_list("file", flat=True))
    badges.update(file="")
    ids = set(registration_ids)
    edition_ids = Registration.objects.filter(pk__in=ids).values("edition_id")
    for job in BadgePrintJob.objects.filter(edition_id__in=edition_ids).exclude(
        file=""
    ):
        if ids & set(job.selection):
            names.append(job.file.name)
            BadgePrintJob.objects.filter(pk=job.pk).update(file="")
    removed = private_files_delete_on_commit(names)
    for _receiver, count in signals.personal_data_erase.send(
        sender=User, user=user, registration_ids=registration_ids
    ):
        removed += count or 0
    return removed


@transaction.atomic
def person_anonymise(*, user: User) -> User:
    """Blank everything that names or reaches ``user``; keep what reports count.

    Side effects: the profile's names, badge name, job, organisation, phone, diet and
    access needs are blanked (organisation type and country stay); the account gets
    the placeholder address ``erased-<id>@erased.invalid``, loses its names, staff
    rights, groups and password (so every session ends) and is deactivated; its
    allauth addresses (and MFA authenticators) are deleted; decline and status-change
    reasons of its registrations are blanked; badge and print-run files naming the
    person are deleted after commit and ``personal_data_erase`` lets workshops drop
    its sign-in sheets; emails to the person lose body and attachments and those not
    sent yet are never sent; a speaker record is unlinked; a substitution naming
    them as the colleague loses their address (and the passed-on registration's
    history their name). Registrations (status,
    edition, category), check-ins and workshop places stay, for the counts. Saved
    with ``update()``, so no signal re-renders a badge. Idempotent.
    """
    user = User.objects.select_for_update().get(pk=user.pk)
    addresses = {user.email.lower()}
    addresses |= {
        email.lower()
        for email in EmailAddress.objects.filter(user=user).values_list(
            "email", flat=True
        )
    }
    registration_ids = list(
        Registration.objects.filter(user=user).values_list("pk", flat=True)
    )
    _personal_files_discard(user, registration_ids)

    placeholder = erased_email(user.pk)
    Profile.objects.filter(user=user).update(
        **PROFILE_BLANKED, updated_at=timezone.now()
    )
    Registration.objects.filter(pk__in=registration_ids).update(decline_reason="")
    RegistrationStatusChange.objects.filter(
        registration_id__in=registration_ids
    ).update(reason="")
    # Substitutions naming the person as the colleague: the address goes, and so
    # does the name the passed-on registration's history gave them.
    named = Substitution.objects.filter(
        Q(nominee=user) | Q(pk__in=_substitutions_to(addresses))
    )
    RegistrationStatusChange.objects.filter(
        registration__substitutions__in=named, to_status=Status.SUBSTITUTED
    ).update(reason="")
    named.update(email=placeholder, reason="")
    outbox = OutboxEmail.objects.filter(_any_address(addresses))
    outbox.filter(status=OutboxEmail.Status.QUEUED).update(
        status=OutboxEmail.Status.FAILED,
        last_error="Not sent: the recipient's personal data was erased.",
    )
    outbox.update(
        to=placeholder,
        body_text=ERASED_BODY,
        body_html="",
        attachments=[],
        body_removed_at=timezone.now(),
    )
    Speaker.objects.filter(user=user).update(user=None)
    # The person's own downloads name them; organisers' records stay attributable.
    PersonalDataAccess.objects.filter(actor=user, subject=user).update(
        actor_email=placeholder
    )
    EmailAddress.objects.filter(user=user).delete()
    if apps.is_installed("allauth.mfa"):
        # Its models exist only when MFA is installed.
        from allauth.mfa.models import Authenticator  # noqa: PLC0415

        Authenticator.objects.filter(user=user).delete()

    user.email = placeholder
    user.first_name = ""
    user.last_name = ""
    user.is_active = False
    user.is_staff = False
    user.is_superuser = False
    user.set_unusable_password()
    user.save(
        update_fields=[
            "email",
            "first_name",
            "last_name",
            "is_active",
            "is_staff",
            "is_superuser",
            "password",
        ]
    )
    user.groups.clear()
    user.user_permissions.clear()
    return user


def _substitutions_to(addresses: set[str]):
    query = Q(pk__in=[])
    for address in addresses:
        query |= Q(email__iexact=address)
    return Substitution.objects.filter(query).values("pk")


def _any_address(addresses: set[str]) -> Q:
    """Outbox rows hold the address as typed: match each whatever its case."""
    query = Q(pk__in=[])
    for address in sorted(addresses):
        query |= Q(to__iexact=address)
    return query


# A speaker's public profile ------------------------------------------------------

# What an erased speaker is called in the admin; the public sees "Speaker to be
# confirmed" (``may_be_named`` is cleared).
ERASED_SPEAKER = _("Erased speaker")


def _speaker_profile_erase(user: User, addresses: set[str]) -> bool:
    """Take a person who asked to be erased off the public programme.

    Their ``Speaker`` loses name, post-nominals, role, organisation, bio and photo
    (the file is deleted after commit), may no longer be named (the public sees
    "Speaker to be confirmed"), and gets a slug that does not spell their name; their
    travel, dietary and access needs on each item are blanked; invitations sent to
    their addresses lose name, address and message. The items, their accepted texts
    and slides stay: they are the edition's programme, which organisers edit. Saved
    with ``save()`` so the cached public pages are invalidated. Returns whether the
    person had a speaker record.
    """
    speaker = Speaker.objects.select_for_update().filter(user=user).first()
    if speaker is not None:
        photo = speaker.photo.name
        speaker.display_name = str(ERASED_SPEAKER)
        speaker.slug = f"erased-speaker-{speaker.pk}"
        speaker.post_nominals = speaker.role = speaker.organisation = ""
        speaker.bio = ""
        speaker.photo = ""
        speaker.may_be_named = False
        speaker.save()
        private_files_delete_on_commit([photo])
        SubmissionSpeaker.objects.filter(speaker=speaker).update(
            arrival_date=None, dietary_needs="", access_needs=""
        )
    invitations = Q(used_by=user)
    for address in addresses:
        invitations |= Q(email__iexact=address)
    SubmissionInvitation.objects.filter(invitations).update(
        name="", email=erased_email(user.pk), message=""
    )
    return speaker is not None


# Erasing an account -------------------------------------------------------------


@transaction.atomic
def account_erase(
    *,
    user: User,
    actor: User,
    request: HttpRequest | None = None,
) -> User:
    """Erase ``user``'s account, at their request or an organiser's (``actor``).

    Side effects: their pending, waitlisted and confirmed registrations for editions
    not started yet are cancelled through ``registration_cancel`` (a freed place goes
    to the next on the waiting list, who is emailed; workshops frees the workshop
    seats through ``registration_status_changed``); a speaker's public profile is
    blanked and may no longer be named (``_speaker_profile_erase``; the retention
    run, which is not the person's request, only unlinks it); then
    ``person_anonymise``; then an ``erase`` audit record. Raises ValidationError
    when already erased.
    """
    user = User.objects.select_for_update().get(pk=user.pk)
    if is_erased(user):
        raise ValidationError(
            _("%(user)s has already been erased.") % {"user": user.email}
        )
    by_self = actor.pk == user.pk
    registrations = list(
        Registration.objects.filter(user=user).select_related("edition").order_by("pk")
    )
    # Before the cancellations free the workshop seats, while workshops can still
    # tell which sign-in sheets name the person.
    _personal_files_discard(user, [registration.pk for registration in registrations])
    reason = (
        _("Account deleted at the person's request.")
        if by_self
        else _("Personal data erased by an organiser.")
    )
    today = timezone.localdate()
    cancelled = 0
    for registration in registrations:
        if (
            registration.status in (Status.PENDING, Status.WAITLISTED, Status.CONFIRMED)
            and registration.edition.start_date > today
        ):
            delegates_services.registration_cancel(
                registration=registration, actor=actor, reason=str(reason)
            )
            cancelled += 1
    addresses = {
        user.email.lower(),
        *(
            e.lower()
            for e in EmailAddress.objects.filter(user=user).values_list(
                "email", flat=True
            )
        ),
    }
    was_speaker = _speaker_profile_erase(user, addresses)
    user = person_anonymise(user=user)
    personal_data_access_record(
        kind=Kind.ERASE,
        request=request,
        actor=user if by_self else actor,
        subject=user,
        rows=len(registrations),
        detail=(
            f"{cancelled} future registration(s) cancelled; "
            f"{'speaker profile blanked; ' if was_speaker else ''}"
            f"{'by the person' if by_self else 'by an organiser'}"
        ),
    )
    return user
