"""Security settings and middleware: passwords, reauthentication, staff idle timeout,
login rate limits that fail closed, headers, production's refusals and load_demo."""

import io
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core import mail
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.test import override_settings
from django.urls import reverse

from delegates.models import User
from socex.middleware import LAST_SEEN_SESSION_KEY
from tests.factories.accounts import PASSWORD, StaffFactory, UserFactory

ROOT = Path(__file__).resolve().parents[2]
DEAD_CACHE = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": "redis://127.0.0.1:1/0",
    }
}


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Rate-limit counters live in the cache: each test starts from none."""
    cache.clear()
    yield
    cache.clear()


def _production(*args: str, **env: str | None) -> subprocess.CompletedProcess:
    clean = {
        k: v
        for k, v in os.environ.items()
        if k not in {"SECRET_KEY", "ALLOWED_HOSTS", "CACHE_URL", "BEHIND_PROXY"}
    }
    clean.update(
        {
            "DJANGO_SETTINGS_MODULE": "socex.settings.production",
            "SECRET_KEY": "a-long-production-secret-" + "x" * 50,
            "ALLOWED_HOSTS": "testserver",
            "CACHE_URL": "locmemcache://production-test",
        }
    )
    clean.update(env)
    clean = {k: v for k, v in clean.items() if v is not None}  # None: leave it unset
    return subprocess.run(
        [sys.executable, *args],
        cwd=ROOT,
        env=clean,
        capture_output=True,
        text=True,
        timeout=120,
    )


# Passwords ------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    "password", ["Summer2026", "short-pass1", "password1234", "123456789012"]
)
def test_weak_password_is_refused(password):
    user = UserFactory.build(email="jane.doe@police.uk")
    with pytest.raises(ValidationError):
        validate_password(password, user)


@pytest.mark.django_db
def test_password_like_the_email_is_refused():
    user = UserFactory.build(email="janedoe2026@police.uk")
    with pytest.raises(ValidationError):
        validate_password("janedoe2026police", user)


@pytest.mark.django_db
def test_signup_with_summer2026_is_refused_with_a_message(client):
    response = client.post(
        reverse("account_signup"),
        {
            "email": "new@police.uk",
            "password1": "Summer2026",
            "password2": "Summer2026",
        },
    )
    assert response.status_code == 200
    assert "at least 12 characters" in response.content.decode()
    assert not User.objects.filter(email="new@police.uk").exists()


@pytest.mark.django_db
def test_long_uncommon_passphrase_is_accepted():
    validate_password(PASSWORD, UserFactory.build())


# Reauthentication and notifications ----------------------------------------------


@pytest.mark.django_db
def test_changing_email_asks_for_the_password_first(client):
    user = UserFactory()
    client.force_login(user)  # no recent authentication recorded in this session
    response = client.post(
        reverse("account_email"), {"action_add": "", "email": "attacker@evil.example"}
    )
    assert response.status_code == 302
    assert response.url.startswith(reverse("account_reauthenticate"))
    assert not EmailAddress.objects.filter(email="attacker@evil.example").exists()

    wrong = client.post(reverse("account_reauthenticate"), {"password": "nope-nope"})
    assert wrong.status_code == 200
    assert not EmailAddress.objects.filter(email="attacker@evil.example").exists()


@pytest.mark.django_db
def test_changing_password_asks_for_the_current_password(client):
    # allauth's change form is its own reauthentication: the current password.
    user = UserFactory()
    client.force_login(user)
    new = "a-brand-new-passphrase-42"
    response = client.post(
        reverse("account_change_password"),
        {"oldpassword": "not-my-password", "password1": new, "password2": new},
    )
    assert response.status_code == 200
    assert "current password" in response.content.decode().lower()
    user.refresh_from_db()
    assert user.check_password(PASSWORD)


@pytest.mark.django_db
def test_password_change_after_login_emails_the_person(
    client, django_capture_on_commit_callbacks
):
    user = UserFactory()
    client.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})
    new = "a-brand-new-passphrase-42"
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("account_change_password"),
            {"oldpassword": PASSWORD, "password1": new, "password2": new},
        )
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password(new)
    assert [m.to for m in mail.outbox] == [[user.email]]
    assert "password" in mail.outbox[0].subject.lower()


# Staff idle timeout ----------------------------------------------------------------


def _age_session(client, minutes: int) -> None:
    session = client.session
    session[LAST_SEEN_SESSION_KEY] = int(time.time()) - minutes * 60
    session.save()


@pytest.mark.django_db
def test_staff_session_ends_after_the_idle_timeout(client, settings):
    settings.STAFF_IDLE_TIMEOUT_MINUTES = 15
    client.force_login(StaffFactory())
    assert client.get(reverse("admin:index")).status_code == 200
    _age_session(client, 14)
    assert client.get(reverse("admin:index")).status_code == 200
    _age_session(client, 16)
    response = client.get(reverse("admin:index"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))
    assert "_auth_user_id" not in client.session
    follow = client.get(reverse("admin:index"), follow=True)
    assert follow.wsgi_request.user.is_anonymous


@pytest.mark.django_db
def test_delegate_session_has_no_idle_timeout(client, settings):
    settings.STAFF_IDLE_TIMEOUT_MINUTES = 15
    client.force_login(UserFactory())
    _age_session(client, 120)
    assert client.get(reverse("delegates:dashboard")).status_code == 200


# Rate limits fail closed -----------------------------------------------------------


@pytest.mark.django_db
def test_login_is_refused_when_the_rate_limit_cache_is_unreachable(client):
    user = UserFactory()
    with override_settings(CACHES=DEAD_CACHE):
        response = client.post(
            reverse("account_login"), {"login": user.email, "password": PASSWORD}
        )
        assert response.status_code == 503
        assert "Try again shortly" in response.content.decode()
        assert "_auth_user_id" not in client.session
        reset = client.post(reverse("account_reset_password"), {"email": user.email})
        assert reset.status_code == 503
    # The cache is back: the same login goes through.
    response = client.post(
        reverse("account_login"), {"login": user.email, "password": PASSWORD}
    )
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(user.pk)


@pytest.mark.django_db
def test_login_is_refused_when_the_cache_stores_nothing(client):
    user = UserFactory()
    dummy = {"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}
    with override_settings(CACHES=dummy):
        response = client.post(
            reverse("account_login"), {"login": user.email, "password": PASSWORD}
        )
    assert response.status_code == 503
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_pages_without_rate_limits_still_open_when_the_cache_is_down(client):
    with override_settings(CACHES=DEAD_CACHE):
        assert client.get(reverse("account_login")).status_code == 200


# Headers ---------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["events:home", "account_login", "privacy"])
def test_public_pages_send_a_strict_content_security_policy(client, name):
    response = client.get(reverse(name))
    policy = dict(
        part.strip().split(" ", 1)
        for part in response["Content-Security-Policy"].split(";")
    )
    assert policy["default-src"] == "'self'"
    assert policy["script-src"] == "'self'"
    assert policy["style-src"] == "'self'"
    assert policy["frame-ancestors"] == "'none'"
    assert policy["object-src"] == "'none'"
    assert policy["img-src"] == "'self'"  # data: only where the TOTP QR needs it
    assert "unsafe" not in response["Content-Security-Policy"]
    assert response["Cross-Origin-Resource-Policy"] == "same-origin"
    assert "camera=(self)" in response["Permissions-Policy"]
    assert "geolocation=()" in response["Permissions-Policy"]
    assert "microphone=()" in response["Permissions-Policy"]


def test_stylesheets_draw_no_data_images():
    """Bootstrap's inline icons are files, so img-src needs no data: on any page."""
    for path in Path(settings.BASE_DIR, "static").rglob("*.css"):
        assert "data:" not in path.read_text(), path
    icons = Path(settings.BASE_DIR, "static/vendor/bootstrap/icons")
    css = (icons.parent / "bootstrap.min.css").read_text()
    for icon in icons.glob("*.svg"):
        assert f'url("icons/{icon.name}")' in css


# Rendered to PDF by WeasyPrint, never served to a browser.
PDF_TEMPLATES = {
    "workshops/sign_in_sheet.html",
    "workshops/sign_in_sheets.html",
    "speak/av_needs_pdf.html",
}


def _templates_with_inline_code() -> list[str]:
    found = []
    for path in (ROOT / "templates").rglob("*.html"):
        if "emails" in path.parts:
            continue  # mail clients, not browsers under our CSP
        if str(path.relative_to(ROOT / "templates")) in PDF_TEMPLATES:
            continue
        text = path.read_text()
        if "style=" in text or "<style" in text or "<script>" in text:
            found.append(str(path.relative_to(ROOT)))
        if " on" in text and any(
            f" on{e}=" in text for e in ("click", "load", "submit")
        ):
            found.append(str(path.relative_to(ROOT)))
    return found


def test_no_template_carries_inline_script_or_style():
    assert _templates_with_inline_code() == []


PROBE = """
import json
import django
django.setup()
from django.conf import settings
from django.test import Client
response = Client().get("/admin/login/", secure=True)
print(json.dumps({
    "headers": dict(response.headers),
    "proxy_header": getattr(settings, "SECURE_PROXY_SSL_HEADER", None),
    "trusted_proxies": settings.ALLAUTH_TRUSTED_PROXY_COUNT,
    "cookies": {
        name: getattr(settings, name)
        for name in (
            "SESSION_COOKIE_SECURE", "SESSION_COOKIE_HTTPONLY",
            "SESSION_COOKIE_SAMESITE", "CSRF_COOKIE_SECURE",
            "CSRF_COOKIE_HTTPONLY", "CSRF_COOKIE_SAMESITE",
        )
    },
}))
"""


def _probe(**env: str) -> dict:
    result = _production("-c", PROBE, **env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


@pytest.mark.django_db
def test_production_response_carries_the_security_headers_and_cookie_flags(client):
    probe = _probe()
    headers = probe["headers"]
    assert "default-src 'self'" in headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
    assert "unsafe-inline" not in headers["Content-Security-Policy"]
    assert "camera=(self)" in headers["Permissions-Policy"]
    assert headers["Cross-Origin-Resource-Policy"] == "same-origin"
    assert headers["Strict-Transport-Security"] == (
        "max-age=31536000; includeSubDomains; preload"
    )
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["X-Frame-Options"] == "DENY"

    # The cookies themselves, set by a real login with production's cookie settings.
    with override_settings(**probe["cookies"]):
        client.get(reverse("account_login"), secure=True)
        client.post(
            reverse("account_login"),
            {"login": UserFactory().email, "password": PASSWORD},
            secure=True,
        )
    for name in ("sessionid", "csrftoken"):
        cookie = client.cookies[name]
        assert cookie["secure"] is True, name
        assert cookie["httponly"] is True, name
        assert cookie["samesite"] == "Lax", name


def test_production_trusts_forwarded_proto_only_behind_a_proxy():
    assert _probe()["proxy_header"] is None
    probe = _probe(BEHIND_PROXY="True", ALLAUTH_TRUSTED_PROXY_COUNT="1")
    assert probe["proxy_header"] == ["HTTP_X_FORWARDED_PROTO", "https"]
    assert probe["trusted_proxies"] == 1


def test_production_refuses_to_start_without_cache_url():
    result = _production("manage.py", "check", CACHE_URL=None)
    assert result.returncode != 0
    assert "CACHE_URL" in result.stderr


# Demo data -------------------------------------------------------------------------


def test_load_demo_refuses_under_production_settings():
    result = _production("manage.py", "load_demo")
    assert result.returncode != 0
    assert "refuses to run under production settings" in result.stderr
    assert "Demo data loaded" not in result.stdout


@pytest.mark.django_db
def test_load_demo_refuses_when_demo_data_is_not_allowed(settings):
    settings.DEMO_DATA_ALLOWED = False
    with pytest.raises(CommandError, match="production"):
        call_command("load_demo", stdout=io.StringIO())
    assert not User.objects.exists()
