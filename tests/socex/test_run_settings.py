"""`make run PORT= HOST=` serves where asked, and emails link there unless SITE_URL
is set: the Makefile's variables and the settings' SITE_URL default."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from socex.settings.base import default_site_url

ROOT = Path(__file__).resolve().parents[2]
PRINT_SITE_URL = "from django.conf import settings; print(settings.SITE_URL)"


@pytest.mark.parametrize(
    ("host", "port", "expected"),
    [
        ("", "", "http://127.0.0.1:8000"),
        ("", "8123", "http://127.0.0.1:8123"),
        ("0.0.0.0", "8123", "http://127.0.0.1:8123"),
        ("socex.local", "9000", "http://socex.local:9000"),
        ("::1", "8123", "http://[::1]:8123"),
    ],
)
def test_default_site_url_follows_host_and_port(host, port, expected):
    assert default_site_url(host=host, port=port) == expected


def _clean_environ(**environ) -> dict:
    env = {
        key: value
        for key, value in os.environ.items()
        # Under ``make test`` the nested make would inherit MAKELEVEL and print
        # "make[1]: Entering directory" lines around its commands.
        if key not in ("SITE_URL", "HOST", "PORT", "MAKEFLAGS", "MFLAGS", "MAKELEVEL")
    }
    return {**env, **environ}


def _site_url(**environ) -> str:
    """SITE_URL as a fresh process with these variables computes it."""
    env = _clean_environ(**environ, DJANGO_SETTINGS_MODULE="socex.settings.local")
    result = subprocess.run(
        [sys.executable, "-c", PRINT_SITE_URL],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout.strip()


def test_site_url_follows_port_unless_set():
    assert _site_url(PORT="8123") == "http://127.0.0.1:8123"
    assert _site_url(PORT="8123", SITE_URL="https://socex.example/") == (
        "https://socex.example"
    )


@pytest.mark.skipif(shutil.which("make") is None, reason="needs make")
def test_make_run_serves_on_the_port_and_host_asked():
    result = subprocess.run(
        ["make", "--no-print-directory", "-n", "run", "PORT=8123", "HOST=0.0.0.0"],
        cwd=ROOT,
        env=_clean_environ(),
        capture_output=True,
        text=True,
        check=True,
    )
    lines = result.stdout.splitlines()
    assert lines[-1].endswith("manage.py runserver 0.0.0.0:8123")
    assert lines[-1].startswith("HOST=0.0.0.0 PORT=8123 ")  # so SITE_URL follows
    assert "var/mail/" in result.stdout  # says where the emails land
    assert "DPkg::Lock::Timeout=300" in result.stdout  # waits for the apt lock
    assert "apt-get install -y" in result.stdout  # and says what to run if not


@pytest.mark.skipif(shutil.which("make") is None, reason="needs make")
def test_make_run_defaults_to_port_8000():
    result = subprocess.run(
        ["make", "--no-print-directory", "-n", "run"],
        cwd=ROOT,
        env=_clean_environ(),
        capture_output=True,
        text=True,
        check=True,
    )
    assert result.stdout.splitlines()[-1].endswith("runserver 127.0.0.1:8000")
