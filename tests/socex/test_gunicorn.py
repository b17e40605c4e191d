"""socex/gunicorn.py: the app loaded before forking and warmed, used everywhere."""

import importlib
from pathlib import Path

import pytest
import yaml
from django.db import connection

from socex import gunicorn

ROOT = Path(__file__).resolve().parent.parent.parent


def test_gunicorn_config_preloads_and_reads_workers_from_environment(monkeypatch):
    monkeypatch.setenv("GUNICORN_WORKERS", "5")
    monkeypatch.setenv("GUNICORN_THREADS", "4")
    config = importlib.reload(gunicorn)
    try:
        assert config.preload_app is True
        assert config.workers == 5
        assert config.threads == 4
        assert config.worker_class == "gthread"
    finally:
        monkeypatch.delenv("GUNICORN_WORKERS")
        monkeypatch.delenv("GUNICORN_THREADS")
        importlib.reload(gunicorn)


@pytest.mark.postgres  # SQLite's in-memory test database is never closed
@pytest.mark.django_db(transaction=True)
def test_warm_up_renders_the_hot_pages_and_leaves_no_connection(caplog):
    from tests.factories.events import EditionFactory

    EditionFactory(title="Economic Crime 2027")

    with caplog.at_level("INFO", logger="socex.gunicorn"):
        gunicorn.warm_up()

    assert connection.connection is None  # never shared with forked workers
    assert not [r for r in caplog.records if r.levelname == "WARNING"]
    assert any("warm-up took" in r.getMessage() for r in caplog.records)
    # The registration's reads compiled before forking: every warm shape there.
    from delegates.selectors import _registration_facts
    from events.selectors import _edition_row

    assert len(_registration_facts._shapes) >= 3
    assert _edition_row._shapes


def test_compose_dockerfile_and_benchmarks_use_the_gunicorn_config():
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    assert "--config python:socex.gunicorn" in compose["services"]["web"]["command"]
    assert '"python:socex.gunicorn"' in (ROOT / "Dockerfile").read_text()
    launcher = (ROOT / "benchmarks/gunicorn_server.py").read_text()
    assert '"python:socex.gunicorn"' in launcher
    assert ".venv" not in launcher


def test_access_and_error_lines_keep_emailed_links_secrets_out(tmp_path):
    """An invitation link's token never reaches gunicorn's access or error log: not in
    the request line, the path, nor the referer of the page it led to."""
    import datetime
    from types import SimpleNamespace

    from gunicorn.config import Config

    access, errors = tmp_path / "access.log", tmp_path / "error.log"
    cfg = Config()
    cfg.set("accesslog", str(access))
    cfg.set("errorlog", str(errors))
    log = gunicorn.SecretsRedactingLogger(cfg)
    secret = "Zq81-secret-token_value"
    environ = {
        "REQUEST_METHOD": "GET",
        "RAW_URI": f"/speak/invitations/{secret}/?next=/",
        "PATH_INFO": f"/speak/invitations/{secret}/",
        "QUERY_STRING": "next=/",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
        "HTTP_REFERER": f"https://socex.example/my/substitution/{secret}/",
    }
    response = SimpleNamespace(status="200 OK", sent=12, headers=[])
    request = SimpleNamespace(headers=[("REFERER", environ["HTTP_REFERER"])])

    log.access(response, request, environ, datetime.timedelta(milliseconds=5))
    log.error("Error handling request %s", f"/accounts/password/reset/key/{secret}/")
    for handler in log.access_log.handlers + log.error_log.handlers:
        handler.flush()

    written = access.read_text() + errors.read_text()
    assert "/speak/invitations/[redacted]/" in written
    assert "/my/substitution/[redacted]/" in written
    assert "/accounts/password/reset/key/[redacted]/" in written
    assert secret not in written
    assert gunicorn.logger_class is gunicorn.SecretsRedactingLogger
