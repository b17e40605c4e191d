"""Encryption of secret email bodies while they wait to be sent.

A password-reset or verification email is stored encrypted from the moment it is
queued until it is sent (then its body is removed), so reading the database, a backup
or the admin's filters never yields a working link. The key is derived from
``SECRET_KEY`` (and ``SECRET_KEY_FALLBACKS`` for decryption): whoever holds that key
can already forge allauth's reset tokens, so this adds no new secret to keep.
"""

import base64
import hashlib

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings

PREFIX = "fernet:"


def _fernet(secret_key: str) -> Fernet:
    digest = hashlib.sha256(b"socex.mail.secret-body\0" + secret_key.encode()).digest()
    return Fernet(base64.urlsafe_b64encode(digest))


def _keys() -> MultiFernet:
    keys = [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]
    return MultiFernet([_fernet(key) for key in keys])


def encrypt(text: str) -> str:
    if not text:
        return ""
    return PREFIX + _keys().encrypt(text.encode()).decode("ascii")


def decrypt(stored: str) -> str:
    """The plain text of ``stored``; raises ``ValueError`` if it cannot be read."""
    if not stored:
        return ""
    if not stored.startswith(PREFIX):
        raise ValueError("not an encrypted body")
    try:
        return _keys().decrypt(stored[len(PREFIX) :].encode("ascii")).decode()
    except InvalidToken as exc:
        raise ValueError("the body cannot be decrypted with the current keys") from exc
