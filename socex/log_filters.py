"""Logging filters: the secrets that ride in emailed links stay out of the logs.

Django logs every 4xx and 5xx answer with its path (``django.request``: "Bad
Request: /my/substitution/<token>/"), and a substitution link answered 400 (the terms
box left unticked) is still a live link. Attached to the console handler, so it
covers every logger; the token is replaced before the line is written.
"""

import logging
import re

# The URL prefixes whose next path segment is a secret (events.speaking.urls and
# delegates.urls "substitution"; allauth's password reset and email confirmation).
SECRET_PATH = re.compile(
    r"(/(?:speak/invitations|my/substitution|accounts/password/reset/key"
    r"|accounts/confirm-email)/)[^/\s?#\"']+"
)
REDACTED = r"\1[redacted]"


def redact(text: str) -> str:
    return SECRET_PATH.sub(REDACTED, text)


class RedactSecretsFilter(logging.Filter):
    """Rewrites a record's message with the secrets of links replaced."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a malformed record is left for logging to report
            return True
        redacted = redact(message)
        if redacted != message:
            record.msg, record.args = redacted, ()
        return True
