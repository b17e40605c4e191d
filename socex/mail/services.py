"""The email outbox: every email the platform sends is queued and delivered here.

``email_queue`` writes a row inside the caller's transaction and enqueues its delivery
after commit; the sweep, the retry of failed emails and bulk senders deliver rows in
batches over one SMTP connection (``outbox_deliver_batch``).

Delivery is at least once with one Message-ID per row: a row is claimed
(``sending``, committed) before the mail server is spoken to and marked ``sent``
after it accepts, so a worker that dies in between leaves a claim that
is sent again only after ``OUTBOX_CLAIM_STALE_AFTER``, with the same Message-ID.
Transient failures are retried on the row (``next_attempt_at``, honoured by the
sweep) for ``OUTBOX_RETRY_WINDOW``; a 5xx reply to the message fails it at once.

Emails that carry a secret (``secret=True``: password reset, verification, login
codes, invitations) are stored encrypted until sent and their body is removed then;
see ``socex.mail.crypto``.
"""

import base64
import logging
import smtplib
import time
import uuid
from collections.abc import Iterable, Sequence
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import DatabaseError, IntegrityError, transaction
from django.db import connection as db_connection
from django.db.models import F, Q, Value
from django.db.models.functions import Coalesce
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _

from socex.storage import private_storage
from socex.tasks import enqueue_on_commit

from . import crypto, tasks
from .models import OutboxEmail

logger = logging.getLogger(__name__)

# What a secret email's body becomes once it is sent (stored text, not translated).
SECRET_REMOVED = (
    "[Not kept: this email carried a one-time link or code. "
    "The person can ask for a new one.]"
)
RETENTION_REMOVED = "[Removed under the outbox retention period.]"

# SMTP replies about this message (the connection stays usable); anything else
# (refused connection, timeout, disconnect, TLS, login) is about the server.
MESSAGE_REPLIES = (
    smtplib.SMTPRecipientsRefused,
    smtplib.SMTPSenderRefused,
    smtplib.SMTPDataError,
)


def _seconds(name: str) -> timedelta:
    return timedelta(seconds=float(getattr(settings, name)))


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


def _deliver_after_commit(email_id: int) -> None:
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
) -> OutboxEmail | None:
    """Write one outbox row and deliver it after commit.

    Call it inside the transaction of the change the email reports. With a ``key``
    already used, nothing is queued and ``None`` is returned. With ``secret`` (the
    body holds a link or code that grants access), the body is stored encrypted,
    never shown in the admin and removed once sent; keep the secret out of the subject.
    """
    fields = {
        "template": template,
        "to": to,
        "subject": subject[:250],
        "body_text": crypto.encrypt(body_text) if secret else body_text,
        "body_html": crypto.encrypt(body_html) if secret else body_html,
        "attachments": list(attachments),
        "secret": secret,
        "next_attempt_at": timezone.now() + _seconds("OUTBOX_QUEUE_GRACE"),
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
    _deliver_after_commit(email.pk)
    return email


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


class BodyGone(Exception):
    """The row's body was removed (sent secret, or past retention): nothing to send."""


def _message_for(email: OutboxEmail) -> EmailMultiAlternatives:
    if not email.body_available:
        raise BodyGone("the body of this email is no longer kept")
    body_text, body_html = email.body_text, email.body_html
    if email.secret:
        try:
            body_text, body_html = crypto.decrypt(body_text), crypto.decrypt(body_html)
        except ValueError as exc:  # SECRET_KEY changed without a fallback
            raise BodyGone(str(exc)) from exc
    message = EmailMultiAlternatives(
        subject=email.subject,
        body=body_text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[email.to],
        headers={
            "Message-ID": email.message_id,
            "X-SOCEX-Outbox-Id": str(email.pk),
        },
    )
    if body_html:
        message.attach_alternative(body_html, "text/html")
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


def backoff(attempts: int) -> float:
    """Seconds before attempt ``attempts + 1``: doubling from the first delay."""
    first = float(settings.OUTBOX_RETRY_FIRST_DELAY)
    cap = float(settings.OUTBOX_RETRY_MAX_DELAY)
    return min(first * 2 ** max(attempts - 1, 0), cap)


def _reply_text(message) -> str:
    if isinstance(message, bytes):
        return message.decode("utf-8", "replace")
    return str(message)


def classify_failure(exc: BaseException) -> tuple[bool, str]:
    """``(permanent, reply)`` for a failed send: a 5xx reply to the message itself
    is permanent; everything else (4xx, connection, timeout, login) is transient."""
    if isinstance(exc, BodyGone):
        return True, str(exc)
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        replies = list(exc.recipients.items())
        permanent = bool(replies) and all(code >= 500 for _a, (code, _m) in replies)
        text = "; ".join(
            f"{code} {_reply_text(msg)}" for _a, (code, msg) in replies
        ) or str(exc)
        return permanent, f"Recipient refused: {text}"
    if isinstance(exc, smtplib.SMTPResponseException):
        permanent = isinstance(exc, MESSAGE_REPLIES) and exc.smtp_code >= 500
        return permanent, (
            f"{type(exc).__name__}: {exc.smtp_code} {_reply_text(exc.smtp_error)}"
        )
    return False, f"{type(exc).__name__}: {exc}"


def _claim(email_ids: Sequence[int]) -> list[OutboxEmail]:
    """Claim the deliverable rows among ``email_ids`` and commit the claim.

    Deliverable: queued, or ``sending`` under a claim older than
    ``OUTBOX_CLAIM_STALE_AFTER`` (its worker died). Rows another worker is claiming
    right now are skipped, not waited for. Call it outside a transaction.
    """
    ids = sorted(set(email_ids))
    if not ids:
        return []
    now = timezone.now()
    token = uuid.uuid4()
    stale = now - _seconds("OUTBOX_CLAIM_STALE_AFTER")
    claimable = Q(status=OutboxEmail.Status.QUEUED) | Q(
        status=OutboxEmail.Status.SENDING, claimed_at__lte=stale
    )
    with transaction.atomic():
        locked = list(
            OutboxEmail.objects.select_for_update(skip_locked=True)
            .filter(claimable, pk__in=ids)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        if not locked:
            return []
        OutboxEmail.objects.filter(pk__in=locked).update(
            status=OutboxEmail.Status.SENDING,
            claim=token,
            claimed_at=now,
            attempts=F("attempts") + 1,
            last_attempt_at=now,
            first_attempt_at=Coalesce("first_attempt_at", Value(now)),
        )
    return list(OutboxEmail.objects.filter(claim=token).order_by("pk"))


def _write_outcome(email: OutboxEmail, pks: Sequence[int] = (), **fields) -> None:
    """Record the outcome of ``email``'s claim (or of the rows ``pks`` under the same
    claim), reconnecting if the database connection broke meanwhile: the mail server
    may already have accepted the message."""
    delays = list(settings.OUTBOX_RECORD_RETRY_DELAYS)
    rows = OutboxEmail.objects.filter(pk__in=pks or [email.pk], claim=email.claim)
    while True:
        try:
            updated = rows.update(claim=None, claimed_at=None, **fields)
        except DatabaseError:
            if not delays or db_connection.in_atomic_block:
                raise
            logger.warning(
                "Could not record the outcome of email %s; reconnecting", email.pk
            )
            db_connection.close()
            time.sleep(delays.pop(0))
            continue
        if not updated:
            logger.warning("Email %s: its claim was taken over meanwhile", email.pk)
        return


def _removed_body(email: OutboxEmail, *, placeholder: str, now) -> dict:
    return {
        "body_text": placeholder,
        "body_html": "",
        "attachments": [
            {"filename": a.get("filename", ""), "mimetype": a.get("mimetype", "")}
            for a in email.attachments
        ],
        "body_removed_at": now,
    }


def _record_sent(emails: Sequence[OutboxEmail]) -> None:
    """Mark accepted rows ``sent``; secret ones lose their body at the same time."""
    if not emails:
        return
    now = timezone.now()
    fields = {"status": OutboxEmail.Status.SENT, "sent_at": now, "last_error": ""}
    plain = [e.pk for e in emails if not e.secret]
    if plain:
        _write_outcome(emails[0], pks=plain, **fields)
    for email in emails:
        if email.secret:
            removed = _removed_body(email, placeholder=SECRET_REMOVED, now=now)
            _write_outcome(email, **fields, **removed)


def _record_failure(email: OutboxEmail, exc: BaseException) -> str:
    permanent, reply = classify_failure(exc)
    now = timezone.now()
    delay = timedelta(seconds=backoff(email.attempts))
    window_ends = (email.first_attempt_at or now) + _seconds("OUTBOX_RETRY_WINDOW")
    fields: dict = {"last_error": reply[:2000]}
    if permanent:
        fields["status"] = OutboxEmail.Status.FAILED
        if email.secret and email.body_available:
            # Refused for good: a retry cannot help, so the link is not kept.
            fields.update(_removed_body(email, placeholder=SECRET_REMOVED, now=now))
        outcome = "failed"
    elif now + delay > window_ends:
        fields["status"] = OutboxEmail.Status.FAILED
        fields["last_error"] = (f"Gave up after {email.attempts} attempts: {reply}")[
            :2000
        ]
        outcome = "failed"
    else:
        fields["status"] = OutboxEmail.Status.QUEUED
        fields["next_attempt_at"] = now + delay
        outcome = "retry"
    # The reply and the row's id only: never the body, which may hold a link.
    logger.warning(
        "Email %s attempt %s %s: %s",
        email.pk,
        email.attempts,
        "failed for good" if outcome == "failed" else "will be retried",
        reply,
    )
    _write_outcome(email, **fields)
    return outcome


def _close_quietly(connection) -> None:
    try:
        connection.close()
    except Exception:  # a broken connection may fail to say goodbye
        logger.debug("Closing the mail connection failed", exc_info=True)


def outbox_deliver_batch(*, email_ids: Sequence[int]) -> dict[int, str]:
    """Send the deliverable rows among ``email_ids`` over one mail connection.

    Each row keeps its own claim and outcome: ``sent``, ``retry`` (queued again for
    its next attempt), ``failed`` or ``skipped`` (not deliverable: already sent, being
    sent, gone). A reply refusing one message does not stop the others; a broken
    connection is opened again once if messages went through on it, otherwise the
    rest of the batch is retried later.
    """
    outcomes = dict.fromkeys(email_ids, "skipped")
    claimed = _claim(email_ids)
    if not claimed:
        return outcomes
    connection = get_connection()
    is_open = False
    sent_on_connection = 0
    # Accepted rows are marked sent in groups of OUTBOX_RECORD_SENT_EVERY, one
    # UPDATE each: a worker dying in between leaves at most that many claims, sent
    # again after the stale timeout with their own Message-IDs.
    accepted: list[OutboxEmail] = []
    every = max(int(settings.OUTBOX_RECORD_SENT_EVERY), 1)

    def fail(email: OutboxEmail, exc: Exception) -> None:
        _record_sent(accepted)
        accepted.clear()
        outcomes[email.pk] = _record_failure(email, exc)

    try:
        for index, email in enumerate(claimed):
            try:
                message = _message_for(email)
            except Exception as exc:
                fail(email, exc)
                continue
            if not is_open:
                try:
                    connection.open()
                except Exception as exc:
                    for rest in claimed[index:]:
                        fail(rest, exc)
                    break
                is_open, sent_on_connection = True, 0
            try:
                connection.send_messages([message])
            except Exception as exc:
                fail(email, exc)
                if isinstance(exc, MESSAGE_REPLIES):
                    continue
                _close_quietly(connection)
                is_open = False
                if not sent_on_connection:
                    for rest in claimed[index + 1 :]:
                        fail(rest, exc)
                    break
                continue
            sent_on_connection += 1
            outcomes[email.pk] = "sent"
            accepted.append(email)
            if email.secret or len(accepted) >= every:
                _record_sent(accepted)
                accepted.clear()
        _record_sent(accepted)
    finally:
        if is_open:
            _close_quietly(connection)
    return outcomes


def outbox_deliver(*, email_id: int) -> str:
    """Send one outbox row at most once per claim (see ``outbox_deliver_batch``)."""
    return outbox_deliver_batch(email_ids=[email_id])[email_id]


# Organisers' actions and periodic work --------------------------------------------


@transaction.atomic
def outbox_resend(*, email: OutboxEmail) -> OutboxEmail:
    """Send an email again.

    A failed row is queued again as a fresh series of attempts, keeping its
    Message-ID (the server may have taken an earlier attempt). A sent row is copied
    into a new row with a new Message-ID, since the recipient's mail system would
    drop a second message carrying the first one's. Refused with a ``ValidationError``
    when the body is no longer kept or the email is still on its way.
    """
    email = OutboxEmail.objects.select_for_update().get(pk=email.pk)
    if not email.body_available:
        if email.secret:
            raise ValidationError(
                _(
                    "“%(subject)s” to %(to)s carried a one-time link or code and its "
                    "text is not kept. Ask the person to request a new one."
                )
                % {"subject": email.subject, "to": email.to}
            )
        raise ValidationError(
            _("“%(subject)s” to %(to)s is past its retention period: its text is gone.")
            % {"subject": email.subject, "to": email.to}
        )
    if email.status == OutboxEmail.Status.FAILED:
        email.status = OutboxEmail.Status.QUEUED
        email.attempts = 0
        email.first_attempt_at = None
        email.next_attempt_at = timezone.now() + _seconds("OUTBOX_QUEUE_GRACE")
        email.save()
        _deliver_after_commit(email.pk)
        return email
    if email.status == OutboxEmail.Status.SENT:
        copy = OutboxEmail.objects.create(
            template=email.template,
            to=email.to,
            subject=email.subject,
            body_text=email.body_text,
            body_html=email.body_html,
            attachments=email.attachments,
            secret=email.secret,
            next_attempt_at=timezone.now() + _seconds("OUTBOX_QUEUE_GRACE"),
        )
        _deliver_after_commit(copy.pk)
        return copy
    raise ValidationError(
        _("“%(subject)s” to %(to)s is already on its way.")
        % {"subject": email.subject, "to": email.to}
    )


@transaction.atomic
def outbox_retry_failed() -> tuple[int, int]:
    """Queue every failed email again; returns ``(queued, refused)``.

    Refused: failed emails whose body is gone (a one-time link, or past retention);
    they stay failed and the person asks for a new link.
    """
    rows = list(
        OutboxEmail.objects.select_for_update()
        .filter(status=OutboxEmail.Status.FAILED)
        .order_by("pk")
        .values_list("pk", "body_removed_at")
    )
    ids = [pk for pk, removed in rows if removed is None]
    OutboxEmail.objects.filter(pk__in=ids).update(
        status=OutboxEmail.Status.QUEUED,
        attempts=0,
        first_attempt_at=None,
        next_attempt_at=timezone.now() + _seconds("OUTBOX_QUEUE_GRACE"),
    )
    _enqueue_batches(ids)
    return len(ids), len(rows) - len(ids)


def outbox_sweep(*, limit: int = 500) -> int:
    """Queue again the emails that are due: retries whose time has come, rows whose
    own task never ran (the broker was down at commit) and claims left by a dead
    worker. Returns how many were queued, in batches of ``OUTBOX_BATCH_SIZE``."""
    now = timezone.now()
    stale = now - _seconds("OUTBOX_CLAIM_STALE_AFTER")
    with transaction.atomic():
        ids = list(
            OutboxEmail.objects.select_for_update(skip_locked=True)
            .filter(
                Q(status=OutboxEmail.Status.QUEUED)
                | Q(status=OutboxEmail.Status.SENDING, claimed_at__lte=stale),
                next_attempt_at__lte=now,
            )
            .order_by("next_attempt_at", "pk")
            .values_list("pk", flat=True)[:limit]
        )
        # A lease: the next sweep leaves them to the tasks queued now.
        OutboxEmail.objects.filter(pk__in=ids).update(
            next_attempt_at=now + _seconds("OUTBOX_QUEUE_GRACE")
        )
        _enqueue_batches(ids)
    return len(ids)


def outbox_purge_bodies(*, now=None) -> int:
    """Remove the body and attachments of finished emails older than
    ``OUTBOX_BODY_RETENTION_DAYS``, keeping recipient, subject, status and dates.
    Returns how many rows were purged."""
    now = now or timezone.now()
    cutoff = now - timedelta(days=int(settings.OUTBOX_BODY_RETENTION_DAYS))
    return OutboxEmail.objects.filter(
        created_at__lte=cutoff,
        body_removed_at__isnull=True,
        status__in=[OutboxEmail.Status.SENT, OutboxEmail.Status.FAILED],
    ).update(
        body_text=RETENTION_REMOVED, body_html="", attachments=[], body_removed_at=now
    )
