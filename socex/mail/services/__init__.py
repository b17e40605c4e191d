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

from .common import MESSAGE_REPLIES, RETENTION_REMOVED, SECRET_REMOVED
from .delivery import (
    BodyGone,
    backoff,
    classify_failure,
    outbox_deliver,
    outbox_deliver_batch,
)
from .maintenance import (
    outbox_purge_bodies,
    outbox_resend,
    outbox_retry_failed,
    outbox_sweep,
)
from .queueing import (
    attachment_from_bytes,
    attachment_from_storage,
    email_deliver_after_commit,
    email_message_new,
    email_queue,
    email_queue_many,
    email_queue_message,
    email_render,
)

__all__ = [
    "MESSAGE_REPLIES",
    "RETENTION_REMOVED",
    "SECRET_REMOVED",
    "attachment_from_bytes",
    "attachment_from_storage",
    "email_deliver_after_commit",
    "email_message_new",
    "email_queue",
    "email_queue_many",
    "email_queue_message",
    "email_render",
    "BodyGone",
    "backoff",
    "classify_failure",
    "outbox_deliver",
    "outbox_deliver_batch",
    "outbox_purge_bodies",
    "outbox_resend",
    "outbox_retry_failed",
    "outbox_sweep",
]
