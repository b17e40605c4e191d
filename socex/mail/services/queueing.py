"""Queueing: an email becomes an outbox row in the caller's transaction and its
delivery is enqueued after commit."""

import base64
import uuid
from collections.abc import Iterable, Sequence

from django.conf import settings
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.utils import timezone

from socex.tasks import enqueue_on_commit

from .. import crypto, tasks
from ..models import OutboxEmail
from .common import _seconds


def attachment_from_bytes(filename: str, content: bytes, mimetype: str) -> dict:
    return {
        "filename": filename,
        "mimetype": mimetype,
        "content_b64": base64.b64encode(content).decode("ascii"),
    }


def attachment_from_storage(
    filename: str, path: str, mimetype: str, *, private: bool = False
) -> dict:
    """An attachment read from storage (private storage with ``private``) when the
    email is sent."""
    attachment = {"filename": filename, "mimetype": mimetype, "storage_path": path}
    if private:
        attachment["storage"] = "private"
    return attachment


def email_render(*, template: str, context: dict) -> tuple[str, str, str]:
    """Render ``emails/<template>.subject.txt``, ``.txt`` and ``.html``."""
    context = {"site_url": settings.SITE_URL, **context}
    subject = render_to_string(f"emails/{template}.subject.txt", context)
    subject = " ".join(subject.split())
    body_text = render_to_string(f"emails/{template}.txt", context)
    body_html = render_to_string(f"emails/{template}.html", context)
    return subject, body_text, body_html


# Queueing ------------------------------------------------------------------------


def email_deliver_after_commit(*, email_id: int) -> None:
    """Hand the outbox row ``email_id`` to the worker once the transaction that
    wrote it commits (the outbox sweep covers a publish that fails)."""
    enqueue_on_commit(tasks.outbox_send, email_id=email_id)


def _enqueue_batches(email_ids: Sequence[int]) -> None:
    size = max(int(settings.OUTBOX_BATCH_SIZE), 1)
    for start in range(0, len(email_ids), size):
        enqueue_on_commit(
            tasks.outbox_send_batch, email_ids=list(email_ids[start : start + size])
        )


def email_queue_message(
    *,
    to: str,
    subject: str,
    body_text: str,
    body_html: str = "",
    attachments: Iterable[dict] = (),
    key: str | None = None,
    template: str = "",
    secret: bool = False,
    group: uuid.UUID | None = None,
) -> OutboxEmail | None:
    """Write one outbox row and deliver it after commit.

    Call it inside the transaction of the change the email reports. With a ``key``
    already used, nothing is queued and ``None`` is returned. With ``secret`` (the
    body holds a link or code that grants access), the body is stored encrypted,
    never shown in the admin and removed once sent; keep the secret out of the subject.
    """
    fields = _message_fields(
        to=to,
        subject=subject,
        body_text=body_text,
        body_html=body_html,
        attachments=attachments,
        template=template,
        secret=secret,
        group=group,
    )
    if key:
        if OutboxEmail.objects.filter(key=key).exists():
            return None
        try:
            # A savepoint only where a concurrent duplicate can collide on the key.
            with transaction.atomic():
                email = OutboxEmail.objects.create(key=key, **fields)
        except IntegrityError:
            return None
    else:
        email = OutboxEmail.objects.create(**fields)
    email_deliver_after_commit(email_id=email.pk)
    return email


def email_message_new(*, pk: int | None = None, **message) -> OutboxEmail:
    """The unsaved outbox row ``email_queue_message`` writes for ``message`` (its
    keyword arguments but ``key``), for a caller that writes it with other rows
    in one statement (``socex.db.insert_select``) and then calls
    ``email_deliver_after_commit``."""
    return OutboxEmail(pk=pk, **_message_fields(**message))


def _message_fields(
    *,
    to: str,
    subject: str,
    body_text: str,
    body_html: str = "",
    attachments: Iterable[dict] = (),
    template: str = "",
    secret: bool = False,
    group: uuid.UUID | None = None,
) -> dict:
    return {
        "template": template,
        "to": to,
        "subject": subject[:250],
        "body_text": crypto.encrypt(body_text) if secret else body_text,
        "body_html": crypto.encrypt(body_html) if secret else body_html,
        "attachments": list(attachments),
        "secret": secret,
        "group": group,
        "next_attempt_at": timezone.now() + _seconds("OUTBOX_QUEUE_GRACE"),
    }


def email_queue_many(
    *, emails: Iterable[dict], group: uuid.UUID | None = None, template: str = ""
) -> list[int]:
    """Write many outbox rows in one statement and deliver them after commit in
    batches of ``OUTBOX_BATCH_SIZE`` (one mail connection each). Returns their ids.

    Each of ``emails`` holds ``to``, ``subject``, ``body_text``, optionally
    ``body_html`` and ``key``. Call it inside the transaction of the change the
    emails report; the caller makes sure no key is already used (a used one raises
    ``IntegrityError`` and nothing is written). Not for secrets.
    """
    grace = timezone.now() + _seconds("OUTBOX_QUEUE_GRACE")
    rows = OutboxEmail.objects.bulk_create(
        [
            OutboxEmail(
                key=email.get("key"),
                template=template,
                to=email["to"],
                subject=email["subject"][:250],
                body_text=email["body_text"],
                body_html=email.get("body_html", ""),
                group=group,
                next_attempt_at=grace,
            )
            for email in emails
        ],
        batch_size=500,
    )
    ids = [row.pk for row in rows]
    _enqueue_batches(ids)
    return ids


def email_queue(
    *,
    to: str,
    template: str,
    context: dict,
    attachments: Iterable[dict] = (),
    key: str | None = None,
    secret: bool = False,
) -> OutboxEmail | None:
    """Render the named email template and queue it (see ``email_queue_message``)."""
    subject, body_text, body_html = email_render(template=template, context=context)
    return email_queue_message(
        to=to,
        subject=subject,
        body_text=body_text,
        body_html=body_html,
        attachments=attachments,
        key=key,
        template=template,
        secret=secret,
    )


# Delivery ------------------------------------------------------------------------
