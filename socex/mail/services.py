"""The email outbox: every email the platform sends is queued and delivered here.

``email_queue`` writes a row inside the caller's transaction and enqueues delivery after
commit; ``outbox_deliver`` sends a row at most once, under a row lock.
"""

import base64
import logging
from collections.abc import Iterable
from datetime import timedelta

from django.conf import settings
from django.core.files.storage import default_storage
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.utils import timezone

from socex.storage import private_storage
from socex.tasks import enqueue_on_commit

from . import tasks
from .models import OutboxEmail

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = getattr(settings, "OUTBOX_MAX_ATTEMPTS", 5)
# How long a queued row may wait for its on-commit task before the sweep re-queues it.
GRACE = timedelta(minutes=2)


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


def email_queue_message(
    *,
    to: str,
    subject: str,
    body_text: str,
    body_html: str = "",
    attachments: Iterable[dict] = (),
    key: str | None = None,
    template: str = "",
) -> OutboxEmail | None:
    """Write one outbox row and deliver it after commit.

    Call it inside the transaction of the change the email reports. With a ``key``
    already used, nothing is queued and ``None`` is returned.
    """
    fields = {
        "template": template,
        "to": to,
        "subject": subject[:250],
        "body_text": body_text,
        "body_html": body_html,
        "attachments": list(attachments),
        "next_attempt_at": timezone.now() + GRACE,
    }
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
    enqueue_on_commit(tasks.outbox_send, email_id=email.pk)
    return email


def email_queue(
    *,
    to: str,
    template: str,
    context: dict,
    attachments: Iterable[dict] = (),
    key: str | None = None,
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
    )


def _message_for(email: OutboxEmail) -> EmailMultiAlternatives:
    message = EmailMultiAlternatives(
        subject=email.subject,
        body=email.body_text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[email.to],
        headers={"X-SOCEX-Outbox-Id": str(email.pk)},
    )
    if email.body_html:
        message.attach_alternative(email.body_html, "text/html")
    for attachment in email.attachments:
        if "storage_path" in attachment:
            storage = (
                private_storage()
                if attachment.get("storage") == "private"
                else default_storage
            )
            with storage.open(attachment["storage_path"], "rb") as fh:
                content = fh.read()
        else:
            content = base64.b64decode(attachment["content_b64"])
        message.attach(attachment["filename"], content, attachment["mimetype"])
    return message


def backoff(attempts: int) -> int:
    """Seconds before the next attempt: 30 s, 1 min, 2 min, ... at most an hour."""
    return min(30 * 2 ** max(attempts - 1, 0), 3600)


def outbox_deliver(*, email_id: int) -> str:
    """Send one queued email, at most once.

    The row stays locked while the message is handed to the mail server, so a duplicate
    task waits and then finds it sent. Returns ``sent``, ``skipped``, ``retry`` or
    ``failed``; a failure is recorded on the row.
    """
    with transaction.atomic():
        email = OutboxEmail.objects.select_for_update().filter(pk=email_id).first()
        if email is None or email.status != OutboxEmail.Status.QUEUED:
            return "skipped"
        now = timezone.now()
        email.attempts += 1
        email.last_attempt_at = now
        try:
            _message_for(email).send()
        except Exception as exc:
            email.last_error = f"{type(exc).__name__}: {exc}"[:2000]
            if email.attempts >= MAX_ATTEMPTS:
                email.status = OutboxEmail.Status.FAILED
                outcome = "failed"
            else:
                email.next_attempt_at = now + timedelta(seconds=backoff(email.attempts))
                email.next_attempt_at += GRACE
                outcome = "retry"
            logger.warning(
                "Email %s attempt %s failed: %s", email.pk, email.attempts, exc
            )
        else:
            email.status = OutboxEmail.Status.SENT
            email.sent_at = now
            email.last_error = ""
            outcome = "sent"
        email.save()
        return outcome


@transaction.atomic
def outbox_resend(*, email: OutboxEmail) -> OutboxEmail:
    """Queue a failed (or sent) email again, as a fresh series of attempts."""
    email = OutboxEmail.objects.select_for_update().get(pk=email.pk)
    email.status = OutboxEmail.Status.QUEUED
    email.attempts = 0
    email.last_error = ""
    email.next_attempt_at = timezone.now() + GRACE
    email.save()
    enqueue_on_commit(tasks.outbox_send, email_id=email.pk)
    return email


def outbox_sweep(*, limit: int = 500) -> int:
    """Re-queue queued emails whose task never ran or is due for another attempt.

    Covers a broker that was down at commit. Returns how many were re-queued.
    """
    now = timezone.now()
    with transaction.atomic():
        ids = list(
            OutboxEmail.objects.filter(
                status=OutboxEmail.Status.QUEUED, next_attempt_at__lte=now
            )
            .order_by("next_attempt_at")
            .values_list("pk", flat=True)[:limit]
        )
        OutboxEmail.objects.filter(pk__in=ids).update(next_attempt_at=now + GRACE)
        for email_id in ids:
            enqueue_on_commit(tasks.outbox_send, email_id=email_id)
    return len(ids)
