"""Delivery: claim rows (committed) before speaking to the mail server, send them over
one connection with their own Message-IDs, and record each outcome: sent, retry at
``next_attempt_at``, or failed with the server's reply."""

import base64
import smtplib
import time
import uuid
from collections.abc import Sequence
from datetime import timedelta

from django.conf import settings
from django.core.files.storage import default_storage
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import DatabaseError, transaction
from django.db import connection as db_connection
from django.db.models import F, Q, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from socex.storage import private_storage

from .. import crypto
from ..models import OutboxEmail
from .common import MESSAGE_REPLIES, SECRET_REMOVED, _seconds, logger


class BodyGone(Exception):
    """The row's body was removed (sent secret, or past retention): nothing to send."""


class OutboxMessage(EmailMultiAlternatives):
    """An outbox row as the mail backend sends it."""

    def message(self, *args, **kwargs):
        message = super().message(*args, **kwargs)
        if message.is_multipart():
            # A random boundary of our own, set before the message is flattened:
            # otherwise the generator makes one and compiles a regular expression per
            # message to search the whole body for it (a tenth of the build).
            message.set_boundary(f"=_socex_{uuid.uuid4().hex}")
        return message


def _message_for(email: OutboxEmail) -> EmailMultiAlternatives:
    if not email.body_available:
        raise BodyGone("the body of this email is no longer kept")
    body_text, body_html = email.body_text, email.body_html
    if email.secret:
        try:
            body_text, body_html = crypto.decrypt(body_text), crypto.decrypt(body_html)
        except ValueError as exc:  # SECRET_KEY changed without a fallback
            raise BodyGone(str(exc)) from exc
    message = OutboxMessage(
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
