"""What the outbox modules share: the placeholders of removed bodies, the SMTP
replies that concern one message, and reading a window setting."""

import logging
import smtplib
from datetime import timedelta

from django.conf import settings

logger = logging.getLogger("socex.mail.services")

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
