import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from django.urls import reverse

ROOT = Path(__file__).resolve().parents[2]


def _manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    clean = {
        k: v
        for k, v in os.environ.items()
        if k not in {"SECRET_KEY", "ALLOWED_HOSTS", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    }
    clean.update(env)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=clean,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_deploy_production_has_no_warnings():
    result = _manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DJANGO_SETTINGS_MODULE="socex.settings.production",
        SECRET_KEY="a-long-production-secret-" + "x" * 50,
        ALLOWED_HOSTS="socex.example",
        CACHE_URL="redis://127.0.0.1:6379/1",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_production_refuses_to_start_without_secret_key():
    result = _manage(
        "check",
        DJANGO_SETTINGS_MODULE="socex.settings.production",
        ALLOWED_HOSTS="socex.example",
    )
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


@pytest.mark.django_db
def test_home_page_introduces_both_series(client):
    response = client.get(reverse("events:home"))
    assert response.status_code == 200
    content = response.content.decode()
    assert "<title>SOCEX — Serious and Organised Crime Exchange</title>" in content
    assert "Strategic Conference" in content
    assert "Economic Crime Conference" in content
    assert "/static/vendor/bootstrap/bootstrap.min.css" in content
    assert "cdn" not in content.lower()


@pytest.mark.django_db
def test_healthz_reports_database_up(client, settings):
    settings.BROKER_CONFIGURED = False
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "checks": {"database": True}}


@pytest.mark.django_db
def test_healthz_detail_reports_broker_unreachable(client, settings, monkeypatch):
    # Issue 14.3: a broker outage must not pull the web node (the liveness check stays
    # 200); the detail view reports it.
    # Celery reads CELERY_BROKER_URL from the environment before its configuration.
    settings.BROKER_CONFIGURED = True
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"
    monkeypatch.setenv("CELERY_BROKER_URL", "redis://127.0.0.1:1/0")
    assert client.get("/healthz").status_code == 200
    response = client.get("/healthz/detail")
    assert response.status_code == 200
    body = json.loads(response.content)
    assert body["checks"] == {
        "database": True,
        "cache": True,
        "broker": False,
        "outbox": True,
    }


def test_docker_compose_describes_the_production_stack():
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    services = compose["services"]
    assert set(services) == {"web", "worker", "beat", "db", "redis", "mailpit"}
    for name in ("web", "worker", "beat"):
        service = services[name]
        assert service["build"] == "."
        env = service["environment"]
        assert env["DATABASE_URL"].startswith("postgres://")
        assert env["CELERY_BROKER_URL"].startswith("redis://redis:")
        assert env["DJANGO_SETTINGS_MODULE"] == "socex.settings.production"
        assert {"db", "redis"} <= set(service["depends_on"])
        # A worker whose watchdog shuts it down is started again.
        assert service["restart"] == "unless-stopped"
    assert "gunicorn" in services["web"]["command"]
    assert services["worker"]["command"].startswith("celery -A socex worker")
    assert services["beat"]["command"].startswith("celery -A socex beat")
    assert services["db"]["image"] == "postgres:15"
    assert "pgdata:/var/lib/postgresql/data" in services["db"]["volumes"]
    assert services["redis"]["image"].startswith("redis:7")
    assert services["mailpit"]["image"].startswith("axllent/mailpit")
    assert services["web"]["environment"]["EMAIL_URL"] == "smtp://mailpit:1025"
    for volume in ("media:/app/var/media", "private:/app/var/private"):
        assert volume in services["web"]["volumes"]
        assert volume in services["worker"]["volumes"]
    assert services["worker"]["environment"]["PRIVATE_MEDIA_ROOT"] == "/app/var/private"
    assert services["web"]["environment"]["CACHE_URL"].startswith("redis://redis:")
    assert set(compose["volumes"]) == {"pgdata", "media", "private"}
    dockerfile = (ROOT / "Dockerfile").read_text()
    for package in ("libpango-1.0-0", "libpangoft2-1.0-0", "libharfbuzz-subset0"):
        assert package in dockerfile


@pytest.mark.django_db
def test_load_demo_is_idempotent_and_creates_the_three_accounts():
    from django.core.management import call_command

    from delegates.models import User

    call_command("load_demo", stdout=io.StringIO())
    first = User.objects.count()
    call_command("load_demo", stdout=io.StringIO())
    assert User.objects.count() == first
    organiser = User.objects.get(email="organiser@socex.example")
    assert organiser.is_staff
    assert User.objects.filter(email="delegate@police.uk").exists()
    assert User.objects.filter(email="speaker@nca.gov.uk").exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("url", "heading"),
    [("/privacy/", "Privacy notice"), ("/terms/", "Terms of attendance")],
)
def test_privacy_and_terms_pages_are_linked_from_every_page(client, url, heading):
    response = client.get(url)
    assert response.status_code == 200
    assert f"<h1>{heading}</h1>" in response.content.decode()
    home = client.get(reverse("events:home")).content.decode()
    assert f'href="{url}"' in home


def test_favicon_ico_points_at_the_site_icon(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 301
    assert response["Location"] == "/static/img/favicon.svg"
