"""The delegate's emails about a registration: status news, resends, joining
instructions. Queued through the outbox, so they leave only after commit."""

import datetime as dt

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from events.models import Edition
from socex.mail.services import attachment_from_bytes, email_queue

from .. import ics, selectors
from ..models import Registration

Status = Registration.Status

# The email each new status sends; promotions from the waiting list get their own.
STATUS_EMAILS = {
    Status.PENDING: "registration_received",
    Status.CONFIRMED: "registration_confirmed",
    Status.WAITLISTED: "registration_waitlisted",
    Status.DECLINED: "registration_declined",
    Status.CANCELLED: "registration_cancelled",
}


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
