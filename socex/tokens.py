"""Secrets for emailed single-use links (speaker invitations, substitutions): the link
carries the token, the database keeps only its SHA-256, so nobody who can read the
database or the admin can follow the link. Matched in URLs by the ``token`` converter
(``socex/converters.py``)."""

import hashlib
import secrets


def link_token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def link_token_new() -> tuple[str, str]:
    """A fresh token for a link, and the hash to store."""
    token = secrets.token_urlsafe(32)
    return token, link_token_hash(token)
