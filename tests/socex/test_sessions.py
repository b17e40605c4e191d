"""Session cookies: a value Django never issued is no session, not a server error."""

import pytest
from django.contrib.sessions.backends.db import SessionStore as DjangoSessionStore
from django.urls import reverse

from socex.sessions import SessionStore
from tests.factories.accounts import UserFactory

pytestmark = pytest.mark.django_db


@pytest.mark.postgres
def test_session_cookie_with_nul_byte_is_no_session(client):
    # Sent as sessionid="abcdefgh\000ijkl": the quoted cookie decodes to a NUL byte,
    # which PostgreSQL refuses in the session lookup.
    client.cookies["sessionid"] = "abcdefgh\x00ijkl"

    response = client.get(reverse("delegates:dashboard"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


@pytest.mark.parametrize(
    "key", ["abcdefgh\x00ijkl", "ABCDEFGHIJKL", "a" * 41, "é" * 32]
)
def test_session_store_key_not_made_by_django_is_no_key(key):
    assert SessionStore(session_key=key).session_key is None


def test_session_store_key_made_by_django_is_kept():
    session = DjangoSessionStore()
    session.create()

    assert SessionStore(session_key=session.session_key).session_key == (
        session.session_key
    )


def test_session_cookie_made_by_django_keeps_its_user_signed_in(client):
    user = UserFactory()
    client.force_login(user)

    response = client.get(reverse("delegates:dashboard"))

    assert response.status_code == 200
    assert response.wsgi_request.user == user
