"""Broken services for the fault tests: a port nothing listens on, a server that
accepts and never answers, a Redis of our own, and pointing the page cache or the
Celery broker at any of them. Nothing here touches the machine's own Redis."""

import importlib.util
import shutil
import socket
import subprocess
import threading
import time

import pytest
import redis

from tests.factories.accounts import UserFactory
from tests.factories.delegates import ProfileFactory, TrustedDomainFactory
from tests.factories.events import EditionFactory


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def redis_down_url():
    """A Redis URL whose port refuses connections (nothing listens there)."""
    return f"redis://127.0.0.1:{_free_port()}/0"


class HungServer:
    """Accepts connections and never answers: a Redis that hangs."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(128)
        self.port = self.sock.getsockname()[1]
        self.accepted: list[socket.socket] = []
        self._running = True
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def _serve(self) -> None:
        self.sock.settimeout(0.1)
        while self._running:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            self.accepted.append(conn)

    def stop(self) -> None:
        self._running = False
        self._thread.join(timeout=2)
        for conn in self.accepted:
            conn.close()
        self.sock.close()


@pytest.fixture
def redis_hung():
    server = HungServer()
    yield server
    server.stop()


@pytest.fixture
def own_redis():
    """A redis-server of our own on a free port, stopped at the end."""
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.skip("needs redis-server on PATH")
    port = _free_port()
    process = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", ""]
        + ["--appendonly", "no"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    client = redis.Redis(port=port, socket_connect_timeout=0.5)
    deadline = time.monotonic() + 10
    while True:
        try:
            client.ping()
            break
        except redis.ConnectionError:
            if time.monotonic() > deadline:
                process.kill()
                pytest.fail("redis-server did not start")
            time.sleep(0.05)
    client.close()
    yield f"redis://127.0.0.1:{port}/0"
    process.terminate()
    process.wait(timeout=10)


def product_settings(monkeypatch, **environ):
    """``socex/settings/base.py`` evaluated afresh with ``environ`` set: the settings
    the product would run with (the live ``settings`` are not touched)."""
    from socex.settings import base

    for name, value in environ.items():
        monkeypatch.setenv(name, value)
    spec = importlib.util.spec_from_file_location("_settings_probe", base.__file__)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def cache_at(settings, monkeypatch):
    """Point both cache aliases at a Redis URL, configured as the product configures
    CACHE_URL."""

    def point(url: str) -> dict:
        settings.CACHES = product_settings(monkeypatch, CACHE_URL=url).CACHES
        return settings.CACHES

    return point


def _reset_celery_pools(app) -> None:
    # Drop the app's references only: kombu keeps one pool per URL for the process, and
    # closing it would break every later test publishing to the same URL.
    app._after_fork()


@pytest.fixture
def broker_at(settings, monkeypatch):
    """Send tasks through a (broken) broker at a URL instead of running them eagerly,
    with the product's publish settings; restored afterwards."""
    from socex import tasks
    from socex.celery import app

    monkeypatch.setattr(tasks, "_publish_paused_until", 0.0)
    keys = ("task_always_eager", "broker_url")
    saved = {key: app.conf[key] for key in keys}

    def point(url: str) -> None:
        # Celery reads CELERY_BROKER_URL from the environment before its configuration.
        monkeypatch.setenv("CELERY_BROKER_URL", url)
        settings.CELERY_TASK_ALWAYS_EAGER = False
        settings.BROKER_CONFIGURED = True
        _reset_celery_pools(app)
        app.conf.update(task_always_eager=False, broker_url=url)

    yield point
    _reset_celery_pools(app)
    app.conf.update(saved)


@pytest.fixture
def open_edition(db):
    edition = EditionFactory(capacity=3, title="Economic Crime 2027")
    TrustedDomainFactory(edition=edition, domain="police.uk")
    return edition


@pytest.fixture
def delegate(db):
    user = UserFactory(email="sam.patel@police.uk", verified=True)
    ProfileFactory(user=user)
    return user
