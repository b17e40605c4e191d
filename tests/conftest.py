"""Shared fixtures: service markers that skip (or fail under REQUIRE_*), a real Celery
worker against Redis, Chromium through Playwright, and staff second factors."""

import os
import shutil
import tempfile
from pathlib import Path

import pytest
from django.http import HttpRequest
from django.test import Client

# Playwright's sync API runs an event loop in the test thread; Django's ORM calls made
# by the test itself are still synchronous and safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


def _skip_or_fail(variable: str, reason: str) -> None:
    if os.environ.get(variable) == "1":
        pytest.fail(f"{reason} ({variable}=1, so this may not be skipped)")
    pytest.skip(reason)


def _redis_url() -> str:
    from django.conf import settings

    if settings.BROKER_CONFIGURED:
        return settings.CELERY_BROKER_URL
    return os.environ.get("REDIS_URL", "")


def _redis_reachable() -> bool:
    url = _redis_url()
    if not url.startswith("redis"):
        return False
    import redis

    try:
        return bool(redis.Redis.from_url(url, socket_connect_timeout=1).ping())
    except redis.RedisError:
        return False


@pytest.fixture(autouse=True)
def _required_services(request):
    if request.node.get_closest_marker("postgres"):
        from django.db import connection

        if connection.vendor != "postgresql":
            _skip_or_fail(
                "REQUIRE_POSTGRES",
                "needs PostgreSQL: set DATABASE_URL=postgres://... to run it",
            )
    if request.node.get_closest_marker("redis") and not _redis_reachable():
        _skip_or_fail(
            "REQUIRE_REDIS",
            "needs Redis: set CELERY_BROKER_URL=redis://127.0.0.1:6379/0 to run it",
        )
    if request.node.get_closest_marker("browser") and not Path(CHROMIUM).exists():
        _skip_or_fail("REQUIRE_BROWSER", f"needs Chromium at {CHROMIUM}")


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path_factory):
    """Files written by a test (badges, sheets, uploads) go to throwaway folders."""
    settings.MEDIA_ROOT = str(tmp_path_factory.mktemp("media"))
    settings.PRIVATE_MEDIA_ROOT = str(tmp_path_factory.mktemp("private"))


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    if not Path(CHROMIUM).exists():
        _skip_or_fail("REQUIRE_BROWSER", f"needs Chromium at {CHROMIUM}")
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "headless": True,
        "args": CHROMIUM_ARGS,
    }


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {**browser_context_args, "locale": "en-GB", "timezone_id": "Europe/London"}


@pytest.fixture
def celery_redis_worker(transactional_db, settings):
    """A real Celery worker (threads, in-process) consuming from Redis.

    Tasks are sent through the broker for the duration of the test instead of running
    eagerly. Each test gets its own queue so leftovers from other runs never interfere.
    """
    from celery.contrib.testing.worker import start_worker

    from socex.celery import app

    url = _redis_url()
    queue = f"test-{os.getpid()}-{os.urandom(4).hex()}"
    saved = {
        key: app.conf[key]
        for key in ("task_always_eager", "broker_url", "task_default_queue")
    }
    settings.CELERY_TASK_ALWAYS_EAGER = False
    app.conf.update(task_always_eager=False, broker_url=url, task_default_queue=queue)
    app.connection_for_write().ensure_connection(max_retries=1)
    try:
        with start_worker(
            app,
            pool="threads",
            concurrency=2,
            perform_ping_check=False,
            queues=[queue],
            shutdown_timeout=10,
        ) as worker:
            yield worker
    finally:
        app.conf.update(saved)


@pytest.fixture
def scratch_dir():
    path = Path(tempfile.mkdtemp(prefix="socex-test-"))
    yield path
    shutil.rmtree(path, ignore_errors=True)


def _is_staff(user) -> bool:
    return bool(user is not None and (user.is_staff or user.is_superuser))


def staff_authenticator(user):
    """The user's TOTP authenticator, enrolled with a fresh secret if they have none
    (as a staff member does on their first visit)."""
    from allauth.mfa.models import Authenticator
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

    existing = Authenticator.objects.filter(
        user_id=user.pk, type=Authenticator.Type.TOTP
    ).first()
    return existing or TOTP.activate(user, generate_totp_secret()).instance


def complete_mfa(client: Client, user) -> None:
    """Record in the client's session that `user` passed their second factor, as
    allauth does when a code is entered at login."""
    from allauth.mfa.base.internal.flows import post_authentication

    authenticator = staff_authenticator(user)
    request = HttpRequest()
    request.session = client.session
    post_authentication(request, authenticator)
    request.session.save()


@pytest.fixture(autouse=True)
def _staff_second_factor(request, monkeypatch):
    """Staff must use a second factor (socex.middleware.StaffMFAMiddleware). So that
    tests about other things can sign staff in as before, this fixture stands in for
    the person typing their code:
    - `client.force_login(staff)`, `client.login(...)` and `admin_client` give the
      staff user an authenticator and an MFA-completed session;
    - a staff login through the form (browser journeys) passes allauth's MFA step as
      if the right code had been entered, recording the same MFA authentication.
    Tests of MFA itself opt out with `@pytest.mark.real_mfa`.
    """
    if request.node.get_closest_marker("real_mfa"):
        return
    from allauth.mfa.base.internal.flows import post_authentication
    from allauth.mfa.stages import AuthenticateStage

    force_login = Client.force_login
    login = Client.login

    def force_login_with_mfa(self, user, backend=None):
        force_login(self, user, backend)
        if _is_staff(user):
            complete_mfa(self, user)

    def login_with_mfa(self, **credentials):
        logged_in = login(self, **credentials)
        user = self.session.get("_auth_user_id") and _session_user(self)
        if logged_in and _is_staff(user):
            complete_mfa(self, user)
        return logged_in

    handle = AuthenticateStage.handle

    def handle_with_code_entered(stage):
        user = stage.login.user
        if _is_staff(user):
            post_authentication(stage.request, staff_authenticator(user))
            return None, True
        return handle(stage)

    monkeypatch.setattr(Client, "force_login", force_login_with_mfa)
    monkeypatch.setattr(Client, "login", login_with_mfa)
    monkeypatch.setattr(AuthenticateStage, "handle", handle_with_code_entered)


def _session_user(client: Client):
    from django.contrib.auth import get_user_model

    return get_user_model().objects.filter(pk=client.session["_auth_user_id"]).first()
