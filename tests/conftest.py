"""Shared fixtures: service markers that skip (or fail under REQUIRE_*), a real Celery
worker against Redis, and Chromium through Playwright."""

import os
import shutil
import tempfile
from pathlib import Path

import pytest

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
