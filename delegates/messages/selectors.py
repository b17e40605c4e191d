"""Reads for messages to delegates: who an audience is, the workshop runs one can
write to, what a message looks like for one recipient, and its delivery counts (from
the outbox rows linked by its ``outbox_group``)."""

import hashlib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Count, IntegerField, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.template.defaultfilters import linebreaks_filter
from django.template.loader import render_to_string
from django.utils.html import escape

from events.models import Edition, SessionSpeaker
from socex.mail.models import OutboxEmail

from .. import signals
from ..models import Registration, User
from .models import Message

PLACEHOLDERS = ("name", "reference", "edition", "venue")
PLACEHOLDER_RE = re.compile(r"\{([^{}]*)\}")
STATUS_AUDIENCES = {
    Message.Audience.CONFIRMED: Registration.Status.CONFIRMED,
    Message.Audience.WAITLISTED: Registration.Status.WAITLISTED,
    Message.Audience.PENDING: Registration.Status.PENDING,
}
# Placeholders stand in for the body inside the rendered layout, filled per person.
BODY_SLOT = "\x00socex-message-body\x00"


@dataclass(frozen=True)
class Recipient:
    email: str
    name: str
    reference: str = ""
    registration_id: int | None = None


def unknown_placeholders(text: str) -> list[str]:
    """The ``{...}`` in ``text`` that are not a placeholder, in order, once each."""
    found = []
    for match in PLACEHOLDER_RE.finditer(text or ""):
        if match.group(1) not in PLACEHOLDERS and match.group(0) not in found:
            found.append(match.group(0))
    return found


def fill(text: str, values: dict[str, str]) -> str:
    """Replace each placeholder in one pass (a value holding ``{name}`` stays so)."""
    return PLACEHOLDER_RE.sub(lambda m: values.get(m.group(1), m.group(0)), text or "")


def hook_answer(edition: Edition, audience: str, run_id: int | None) -> dict[str, set]:
    answer = {"registration_ids": set(), "speaker_user_ids": set()}
    for _receiver, response in signals.collect_message_recipients.send(
        sender=Message, edition=edition, audience=audience, run_id=run_id
    ):
        for key, ids in (response or {}).items():
            answer.setdefault(key, set()).update(ids)
    return answer


def registration_recipients(queryset: QuerySet[Registration]) -> list[Recipient]:
    rows = queryset.filter(user__is_active=True).select_related("user__profile")
    recipients = []
    for registration in rows.order_by("pk"):
        profile = getattr(registration.user, "profile", None)
        recipients.append(
            Recipient(
                email=registration.user.email,
                name=(profile.full_name if profile else "") or registration.user.email,
                reference=registration.reference,
                registration_id=registration.pk,
            )
        )
    return recipients


def user_recipients(*, edition: Edition, user_ids: Iterable[int]) -> list[Recipient]:
    """People by account (speakers), with their registration for the edition if any."""
    users = User.objects.filter(pk__in=set(user_ids), is_active=True).select_related(
        "profile", "speaker"
    )
    registered = {
        user_id: (pk, reference)
        for user_id, pk, reference in Registration.objects.filter(
            edition=edition, user__in=users
        ).values_list("user_id", "pk", "reference")
    }
    recipients = []
    for user in users.order_by("pk"):
        profile = getattr(user, "profile", None)
        speaker = getattr(user, "speaker", None)
        name = (profile.full_name if profile else "") or (
            speaker.display_name if speaker else ""
        )
        recipients.append(
            Recipient(
                email=user.email,
                name=name or user.email,
                reference=registered.get(user.pk, (None, ""))[1],
                registration_id=registered.get(user.pk, (None, ""))[0],
            )
        )
    return recipients


def session_speaker_user_ids(*, session_ids: Iterable[int]) -> set[int]:
    return set(
        SessionSpeaker.objects.filter(
            session_id__in=list(session_ids), speaker__user__isnull=False
        ).values_list("speaker__user_id", flat=True)
    )


def unique_recipients(recipients: Iterable[Recipient]) -> list[Recipient]:
    """One per email address (the first wins: a registration before an account)."""
    seen: dict[str, Recipient] = {}
    for recipient in recipients:
        seen.setdefault(recipient.email.lower(), recipient)
    return list(seen.values())


def audience_recipients(
    *,
    edition: Edition,
    audience: str,
    run_id: int | None = None,
    registration_ids: Sequence[int] = (),
) -> list[Recipient]:
    """Everyone an audience of ``edition`` reaches, once per email address."""
    registrations = Registration.objects.filter(edition=edition)
    if audience in STATUS_AUDIENCES:
        found = registration_recipients(
            registrations.filter(status=STATUS_AUDIENCES[audience])
        )
    elif audience == Message.Audience.CHECKED_IN:
        found = registration_recipients(registrations.filter(check_in__isnull=False))
    elif audience == Message.Audience.SELECTION:
        found = registration_recipients(registrations.filter(pk__in=registration_ids))
    elif audience == Message.Audience.WORKSHOP_RUN:
        ids = hook_answer(edition, audience, run_id)["registration_ids"]
        found = registration_recipients(
            registrations.filter(pk__in=ids, status=Registration.Status.CONFIRMED)
        )
    elif audience == Message.Audience.SPEAKERS:
        session_ids = edition.sessions.values_list("pk", flat=True)
        user_ids = session_speaker_user_ids(session_ids=session_ids)
        user_ids |= hook_answer(edition, audience, None)["speaker_user_ids"]
        found = user_recipients(edition=edition, user_ids=user_ids)
    else:
        found = []
    return unique_recipients(found)


def message_recipients(*, message: Message) -> list[Recipient]:
    return audience_recipients(
        edition=message.edition,
        audience=message.audience,
        run_id=message.run_id,
        registration_ids=message.registration_ids,
    )


def run_audiences(*, editions: Sequence[Edition]) -> list[dict]:
    """The workshop runs of ``editions`` one can write to (``edition_id``,
    ``run_id``, ``label``), as the workshops app answers."""
    runs: list[dict] = []
    if not editions:
        return runs
    for _receiver, response in signals.collect_message_audiences.send(
        sender=Message, editions=list(editions)
    ):
        runs.extend(response or [])
    return runs


def placeholder_values(*, recipient: Recipient, edition: Edition) -> dict[str, str]:
    venue = edition.venue
    return {
        "name": recipient.name,
        "reference": recipient.reference,
        "edition": edition.title,
        "venue": f"{venue.name}, {venue.town}" if venue else "",
    }


@dataclass(frozen=True)
class Draft:
    """A message rendered once in the branded layout, filled per recipient."""

    subject: str
    text: str
    html: str
    body_text: str
    body_html: str
    edition: Edition

    def for_recipient(self, recipient: Recipient) -> tuple[str, str, str]:
        values = placeholder_values(recipient=recipient, edition=self.edition)
        escaped = {key: escape(value) for key, value in values.items()}
        subject = " ".join(fill(self.subject, values).split())
        text = self.text.replace(BODY_SLOT, fill(self.body_text, values))
        html = self.html.replace(BODY_SLOT, fill(self.body_html, escaped))
        return subject, text, html


def message_draft(*, message: Message) -> Draft:
    edition = message.edition
    context = {
        "site_url": settings.SITE_URL,
        "edition": edition,
        "body": BODY_SLOT,
        "subject": message.subject,
    }
    return Draft(
        subject=message.subject,
        text=render_to_string("emails/delegate_message.txt", context),
        html=render_to_string("emails/delegate_message.html", context),
        body_text=message.body,
        # Escaped and split into paragraphs once; placeholders have nothing to escape.
        body_html=linebreaks_filter(message.body, autoescape=True),
        edition=edition,
    )


def recipient_key(message: Message, recipient: Recipient) -> str:
    """The outbox idempotency key of ``message`` to ``recipient``."""
    digest = hashlib.sha256(recipient.email.lower().encode()).hexdigest()[:24]
    return f"delegates.message:{message.pk}:{digest}"


def _count(status_filter: Q):
    rows = (
        OutboxEmail.objects.filter(status_filter, group=OuterRef("outbox_group"))
        .order_by()
        .values("group")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(rows, output_field=IntegerField()), 0)


def with_counts(queryset: QuerySet[Message]) -> QuerySet[Message]:
    """Messages annotated ``sent_count``, ``pending_count`` and ``failed_count`` from
    their outbox rows, in the same query whatever the number of messages."""
    Status = OutboxEmail.Status
    return queryset.annotate(
        sent_count=_count(Q(status=Status.SENT)),
        pending_count=_count(Q(status__in=[Status.QUEUED, Status.SENDING])),
        failed_count=_count(Q(status=Status.FAILED)),
    )
