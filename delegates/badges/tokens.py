"""Check-in tokens: a random key plus an HMAC of it, never a database id.

A token looks like ``K7Q2M4XW3NB5ZD6P-Y4TQ2HUJ7R3C5WNA``: 16 base32 characters of
random key, a dash, then 16 of ``salted_hmac`` over the key (Django's signing
primitive, keyed by SECRET_KEY). Upper-case base32 and a dash fit the QR code's
compact alphanumeric mode, so the code stays small (25 × 25 modules). A token whose
signature does not match is refused before the database is asked.
"""

import base64
import re
import secrets

from django.utils.crypto import constant_time_compare, salted_hmac

SALT = "socex.badges.checkin"
KEY_CHARS = 16
_CLEAN = re.compile(r"[\s\-_.:/]+")


class BadToken(ValueError):
    pass


def _b32(raw: bytes) -> str:
    return base64.b32encode(raw).decode("ascii").rstrip("=")


def new_key() -> str:
    """A fresh random key (80 bits)."""
    return _b32(secrets.token_bytes(10))


def _signature(key: str) -> str:
    return _b32(salted_hmac(SALT, key, algorithm="sha256").digest()[:10])


def token_for(key: str) -> str:
    return f"{key}-{_signature(key)}"


def key_from_token(token: str) -> str:
    """The key inside a token typed, scanned or pasted; ``BadToken`` if not ours.

    Spaces, dashes and letter case are forgiven so a token typed by hand works too.
    """
    cleaned = _CLEAN.sub("", token or "").upper()
    if len(cleaned) != 2 * KEY_CHARS or not cleaned.isalnum():
        raise BadToken("malformed")
    key, signature = cleaned[:KEY_CHARS], cleaned[KEY_CHARS:]
    if not constant_time_compare(signature, _signature(key)):
        raise BadToken("bad signature")
    return key
