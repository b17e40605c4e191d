"""Shared by the load benchmarks: a free port and gunicorn serving the product.

gunicorn is the one installed beside the interpreter running the benchmark (whatever
virtualenv that is, not one under the checkout), and it runs with the product's own
configuration, ``socex/gunicorn.py`` (app loaded before forking, workers warmed).
"""

import http.client
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def tool(name: str) -> str:
    """The console script ``name`` installed beside ``sys.executable``."""
    path = Path(sys.executable).parent / name
    if not path.exists():
        sys.exit(f"{name} is not installed beside {sys.executable}")
    return str(path)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_gunicorn(
    port: int, workers: int, threads: int, *, env: dict | None = None, timeout: int = 60
) -> subprocess.Popen:
    """Start gunicorn on 127.0.0.1:``port`` and wait until /healthz answers 200."""
    command = [
        tool("gunicorn"),
        "--config",
        "python:socex.gunicorn",
        "socex.wsgi:application",
        "--bind",
        f"127.0.0.1:{port}",
        "--chdir",
        str(ROOT),
        "--workers",
        str(workers),
        # Sync workers accept a connection only when free, so waiting requests
        # queue fairly in the kernel's backlog rather than behind one busy worker.
        *(
            ["--worker-class", "sync"]
            if threads == 1
            else ["--worker-class", "gthread", "--threads", str(threads)]
        ),
        "--log-level",
        "warning",
        "--timeout",
        str(timeout),
    ]
    server = subprocess.Popen(
        command, cwd=ROOT, env=env or os.environ.copy(), start_new_session=True
    )
    deadline = time.time() + 60  # the master warms the app before forking
    while time.time() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                return server
        except OSError:
            time.sleep(0.2)
    server.kill()
    sys.exit("gunicorn did not start")
