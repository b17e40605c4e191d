"""Reads for "Download my data": everything held about one person, as JSON-ready
dicts. The speaker's side (``delegates.speaking``) and workshops add their sections
through ``signals.personal_data_collect``."""

from allauth.account.models import EmailAddress
from django.db.models import Prefetch, Q
from django.utils import timezone

from delegates.models import (
    Registration,
    RegistrationStatusChange,
    Substitution,
    User,
)
from socex.mail.models import OutboxEmail

from . import signals
from .services import PROFILE_BLANKED

PROFILE_FIELDS = [*PROFILE_BLANKED, "organisation_type", "country", "updated_at"]


def _iso(value) -> str | None:
    return value.isoformat() if value is not None else None


def _who(change: RegistrationStatusChange, user: User) -> str:
    # Organisers' identities are theirs, not the person's: say who, not which one.
    if change.actor_id is None:
        return "the system"
    return "you" if change.actor_id == user.pk else "an organiser"


def _account(user: User) -> dict:
    return {
        "email": user.email,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "date_joined": _iso(user.date_joined),
        "last_login": _iso(user.last_login),
        "email_addresses": [
            {"email": email, "verified": verified, "primary": primary}
            for email, verified, primary in EmailAddress.objects.filter(
                user=user
            ).values_list("email", "verified", "primary")
        ],
    }


def _profile(user: User) -> dict | None:
    profile = getattr(user, "profile", None)
    if profile is None:
        return None
    data = {name: getattr(profile, name) for name in PROFILE_FIELDS}
    data["updated_at"] = _iso(profile.updated_at)
    data["organisation_type_label"] = str(profile.get_organisation_type_display())
    return data


def _registrations(user: User) -> list[dict]:
    registrations = (
        Registration.objects.filter(user=user)
        .select_related("edition", "check_in", "badge")
        .prefetch_related(
            Prefetch(
                "status_changes",
                queryset=RegistrationStatusChange.objects.order_by("created_at", "id"),
            )
        )
        .order_by("created_at", "pk")
    )
    rows = []
    for registration in registrations:
        edition = registration.edition
        check_in = getattr(registration, "check_in", None)
        badge = getattr(registration, "badge", None)
        rows.append(
            {
                "reference": registration.reference,
                "edition": {
                    "title": edition.title,
                    "slug": edition.slug,
                    "start_date": _iso(edition.start_date),
                    "end_date": _iso(edition.end_date),
                },
                "category": registration.category,
                "status": registration.status,
                "created_at": _iso(registration.created_at),
                "consent_terms": registration.consent_terms,
                "consented_at": _iso(registration.consented_at),
                "confirmed_at": _iso(registration.confirmed_at),
                "waitlisted_at": _iso(registration.waitlisted_at),
                "cancelled_at": _iso(registration.cancelled_at),
                "decline_reason": registration.decline_reason,
                "status_history": [
                    {
                        "at": _iso(change.created_at),
                        "from": change.from_status,
                        "to": change.to_status,
                        "by": _who(change, user),
                        "reason": change.reason,
                    }
                    for change in registration.status_changes.all()
                ],
                "check_in": (
                    {"checked_in_at": _iso(check_in.checked_in_at)}
                    if check_in
                    else None
                ),
                "badge": (
                    {"status": badge.status, "rendered_at": _iso(badge.rendered_at)}
                    if badge
                    else None
                ),
            }
        )
    return rows


def _emails(user: User) -> list[dict]:
    """Emails sent to any of the person's addresses: subject, dates and status only.

    Never a body: some carried a secret (a password-reset or verification link)."""
    addresses = {
        user.email,
        *EmailAddress.objects.filter(user=user).values_list("email", flat=True),
    }
    query = Q(pk__in=[])
    for address in sorted(addresses):
        query |= Q(to__iexact=address)
    return [
        {
            "to": to,
            "subject": subject,
            "created_at": _iso(created_at),
            "sent_at": _iso(sent_at),
            "status": status,
        }
        for to, subject, created_at, sent_at, status in OutboxEmail.objects.filter(
            query
        )
        .order_by("created_at", "id")
        .values_list("to", "subject", "created_at", "sent_at", "status")
    ]


def _substitution(substitution: Substitution) -> dict:
    edition = substitution.registration.edition
    return {
        "edition": edition.title,
        "status": substitution.status,
        "pass_workshops": substitution.pass_workshops,
        "created_at": _iso(substitution.created_at),
        "expires_at": _iso(substitution.expires_at),
        "accepted_at": _iso(substitution.accepted_at),
        "decided_at": _iso(substitution.decided_at),
        "reason": substitution.reason,
    }


def _substitutions(user: User) -> dict:
    """Places the person passed to a colleague (with the address they gave) and
    places passed to them. Never the link's secret, nor who else was involved."""
    addresses = {
        user.email,
        *EmailAddress.objects.filter(user=user).values_list("email", flat=True),
    }
    to_them = Q(nominee=user)
    for address in sorted(addresses):
        to_them |= Q(email__iexact=address)
    rows = Substitution.objects.select_related("registration__edition").order_by(
        "created_at", "pk"
    )
    return {
        "passed_on": [
            {**_substitution(row), "colleague_email": row.email}
            for row in rows.filter(registration__user=user)
        ],
        "received": [
            _substitution(row)
            for row in rows.filter(to_them).exclude(registration__user=user)
        ],
    }


def personal_data_export(*, user: User) -> dict:
    """Everything held about ``user``: account, profile, registrations with their
    history, check-ins and badges, substitutions, emails sent to them, and what the
    hooks add: the speaker profile and items (``delegates.speaking``), workshop
    choices, preferences and allocations (workshops)."""
    user = User.objects.select_related("profile").get(pk=user.pk)
    data = {
        "generated_at": _iso(timezone.now()),
        "account": _account(user),
        "profile": _profile(user),
        "registrations": _registrations(user),
        "substitutions": _substitutions(user),
        "emails": _emails(user),
    }
    for _receiver, sections in signals.personal_data_collect.send(
        sender=User, user=user
    ):
        data.update(sections or {})
    return data


def future_registrations(*, user: User) -> list[Registration]:
    """The person's places that deleting the account would cancel."""
    return list(
        Registration.objects.filter(
            user=user,
            status__in=[
                Registration.Status.PENDING,
                Registration.Status.WAITLISTED,
                Registration.Status.CONFIRMED,
            ],
            edition__start_date__gt=timezone.localdate(),
        )
        .select_related("edition")
        .order_by("edition__start_date")
    )
