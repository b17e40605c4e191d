"""Messages to delegates: draft, test-send, send once, resend the failed.

Sending writes one outbox row per recipient, linked by the message's
``outbox_group``, in the transaction that marks the message sent; the outbox
delivers them after commit in batches over one mail connection each.
"""

from collections.abc import Sequence

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from events.models import Edition
from socex.mail.services import email_queue_many, email_queue_message
from socex.mail.services import outbox_retry_failed as _outbox_retry_failed

from ..models import User
from . import selectors
from .models import Message

TEMPLATE = "delegate_message"


def _placeholders_validate(*, subject: str, body: str) -> None:
    errors = {}
    for field, text in (("subject", subject), ("body", body)):
        unknown = selectors.unknown_placeholders(text)
        if unknown:
            errors[field] = _(
                "%(unknown)s is not a placeholder. Use {name}, {reference}, "
                "{edition} or {venue}, or remove the braces."
            ) % {"unknown": ", ".join(unknown)}
    if errors:
        raise ValidationError(errors)


def _audience_validate(message: Message) -> list[selectors.Recipient]:
    """The recipients; refuses a run of another edition and an empty audience."""
    if message.audience == Message.Audience.WORKSHOP_RUN:
        runs = {
            run["run_id"]: run
            for run in selectors.run_audiences(editions=[message.edition])
        }
        if message.run_id not in runs:
            raise ValidationError(
                {
                    "run_id": _("Choose a workshop run of %(edition)s.")
                    % {"edition": message.edition}
                }
            )
        message.audience_label = _("Attendees of %(run)s") % {
            "run": runs[message.run_id]["label"]
        }
    else:
        message.run_id = None
        message.audience_label = ""
    if message.audience != Message.Audience.SELECTION:
        message.registration_ids = []
    recipients = selectors.message_recipients(message=message)
    if not recipients:
        raise ValidationError(
            {
                "audience": _(
                    "No one is in “%(audience)s” for %(edition)s yet, so there is "
                    "no one to write to. Choose another audience."
                )
                % {"audience": message.audience_display, "edition": message.edition}
            }
        )
    return recipients


def _editable(message: Message) -> None:
    if message.status != Message.Status.DRAFT:
        raise ValidationError(
            _("This message has been sent and can no longer be changed.")
        )


@transaction.atomic
def message_create(
    *,
    edition: Edition,
    audience: str,
    subject: str,
    body: str,
    sender: User,
    run_id: int | None = None,
    registration_ids: Sequence[int] = (),
) -> Message:
    """Save a draft to an audience of ``edition``. Refused with a message naming it:
    an unknown placeholder, a workshop run of another edition, an audience with no
    one in it. Sends nothing."""
    message = Message(
        edition=edition,
        audience=audience,
        subject=subject,
        body=body,
        sender=sender,
        run_id=run_id,
        registration_ids=sorted(set(registration_ids)),
    )
    _placeholders_validate(subject=subject, body=body)
    message.full_clean(exclude=["audience_label", "registration_ids"])
    _audience_validate(message)
    message.save()
    return message


@transaction.atomic
def message_update(
    *,
    message: Message,
    subject: str,
    body: str,
    audience: str,
    run_id: int | None = None,
    registration_ids: Sequence[int] | None = None,
) -> Message:
    """Change a draft (the same checks as ``message_create``). A sent message is
    refused."""
    message = Message.objects.select_for_update().get(pk=message.pk)
    _editable(message)
    message.subject, message.body = subject, body
    message.audience, message.run_id = audience, run_id
    if registration_ids is not None:
        message.registration_ids = sorted(set(registration_ids))
    _placeholders_validate(subject=subject, body=body)
    message.full_clean(exclude=["audience_label", "registration_ids"])
    _audience_validate(message)
    message.save()
    return message


def message_preview(
    *, message: Message, recipient: selectors.Recipient | None = None
) -> tuple[selectors.Recipient | None, str, str, str]:
    """``(recipient, subject, text, html)`` as the first recipient (or the one
    given) will receive it. Reads only."""
    if recipient is None:
        recipients = selectors.message_recipients(message=message)
        recipient = recipients[0] if recipients else None
    if recipient is None:
        return None, message.subject, message.body, ""
    draft = selectors.message_draft(message=message)
    return (recipient, *draft.for_recipient(recipient))


@transaction.atomic
def message_test_send(*, message: Message, user: User) -> None:
    """Queue the message, as its first recipient will see it, to ``user`` alone
    (subject marked [Test]). Not counted with the message's emails."""
    _editable(message)
    recipient, subject, text, html = message_preview(message=message)
    if recipient is None:
        raise ValidationError(
            _("No one is in this audience any more: choose another one first.")
        )
    email_queue_message(
        to=user.email,
        subject=_("[Test] %(subject)s") % {"subject": subject},
        body_text=text,
        body_html=html,
        template=TEMPLATE,
    )
    Message.objects.filter(pk=message.pk).update(test_sent_at=timezone.now())


@transaction.atomic
def message_send(*, message: Message, actor: User) -> int:
    """Send a draft: one outbox row per recipient (linked by ``outbox_group``,
    one idempotency key each), written with the message's change to sent in one
    transaction, delivered by the outbox after commit. Returns how many.

    The message row is locked first, so two submits (a double click, two tabs) send
    once: the second finds it sent and is refused with when and to how many.
    """
    message = (
        Message.objects.select_for_update(of=("self",))
        .select_related("edition__venue")
        .get(pk=message.pk)
    )
    if message.status == Message.Status.SENT:
        raise ValidationError(
            _(
                "This message was already sent on %(when)s to %(count)s people; it "
                "was not sent again."
            )
            % {
                "when": date_format(timezone.localtime(message.sent_at), "j F Y, H:i"),
                "count": message.recipients,
            },
            code="already_sent",
        )
    recipients = _audience_validate(message)
    draft = selectors.message_draft(message=message)
    emails = []
    for recipient in recipients:
        subject, text, html = draft.for_recipient(recipient)
        emails.append(
            {
                "to": recipient.email,
                "subject": subject,
                "body_text": text,
                "body_html": html,
                "key": selectors.recipient_key(message, recipient),
            }
        )
    email_queue_many(emails=emails, group=message.outbox_group, template=TEMPLATE)
    message.status = Message.Status.SENT
    message.sent_at = timezone.now()
    message.recipients = len(emails)
    message.sender = actor
    message.save()
    return len(emails)


def message_resend_failed(*, message: Message) -> tuple[int, int]:
    """Queue this message's failed emails again; ``(queued, refused)`` as
    ``outbox_retry_failed`` counts them."""
    if not Message.objects.filter(pk=message.pk, status=Message.Status.SENT).exists():
        raise ValidationError(_("This message has not been sent yet."))
    return _outbox_retry_failed(group=message.outbox_group)
