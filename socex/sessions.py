"""The database session store, refusing session keys Django never makes.

Django takes any cookie value of 8 characters or more as a session key and looks it up.
A quoted cookie can carry a NUL byte (``sessionid="abcdefgh\\000x"``), which PostgreSQL
refuses in a query, so the request answered 500 before any view ran. Django makes keys
of 32 lowercase letters and digits; any other value is no session, as an unknown key is.
"""

from django.contrib.sessions.backends.base import VALID_KEY_CHARS
from django.contrib.sessions.backends.db import SessionStore as DatabaseSessionStore

_KEY_CHARACTERS = frozenset(VALID_KEY_CHARS)
# Session.session_key holds at most 40 characters.
_KEY_MAX_LENGTH = 40


class SessionStore(DatabaseSessionStore):
    def _validate_session_key(self, key):
        return (
            bool(key)
            and 8 <= len(key) <= _KEY_MAX_LENGTH
            and set(key) <= _KEY_CHARACTERS
        )
