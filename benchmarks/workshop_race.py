"""400 delegates saving their workshop choices at once, through gunicorn, on PostgreSQL.

Run: ``.venv/bin/python benchmarks/workshop_race.py [--delegates 400]`` with
DATABASE_URL pointing at PostgreSQL (default postgres://postgres@127.0.0.1:5432/
socex_ws; the benchmark creates and drops its own database ``bench_ws_<pid>`` there).

Requests queue their emails and badge renders to Redis (BENCH_BROKER_URL, default
database 3, emptied afterwards) as production does with a separate worker.

Builds an edition with eight workshops in four blocks (two runs per block, rooms for
10 % more delegates than there are, so the popular runs fill up), 400 confirmed
delegates and their logged-in sessions (created beforehand), starts gunicorn on
127.0.0.1, then every delegate POSTs four choices at the same moment, skewed towards
the popular workshops. A refusal because a run filled meanwhile (HTTP 400 naming the
run) is the intended outcome, not an error; an error is a 5xx, a timeout or a refused
connection. Afterwards every run is checked: choices never above capacity, and the
seat counter equal to the rows.

Prints a table, then ``RESULT choices=<n> overbooked=<runs> errors=<n> rps=<r>
p95_ms=<b>``.
"""

import argparse
import http.client
import os
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlencode

import psycopg

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
BASE_URL = os.environ.get(
    "DATABASE_URL", "postgres://postgres@127.0.0.1:5432/socex_ws"
).rsplit("/", 1)[0]
DB_NAME = f"bench_ws_{os.getpid()}"
BROKER_URL = os.environ.get("BENCH_BROKER_URL", "redis://127.0.0.1:6379/3")
os.environ["DATABASE_URL"] = f"{BASE_URL}/{DB_NAME}"
os.environ["DJANGO_SETTINGS_MODULE"] = "socex.settings.test"
os.environ.setdefault("LOG_LEVEL", "WARNING")


def admin_sql(sql: str) -> None:
    with psycopg.connect(f"{BASE_URL}/postgres", autocommit=True) as conn:
        conn.execute(sql)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def build(delegates: int, seed: int):
    import random

    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore
    from django.core.management import call_command
    from django.utils.crypto import get_random_string

    call_command("migrate", verbosity=0)
    from tests.factories.delegates import RegistrationFactory
    from tests.factories.events import EditionFactory
    from tests.factories.workshops import workshop_grid

    edition = EditionFactory()
    capacity = -(-int(delegates * 1.1) // 2)
    grid = workshop_grid(edition, capacity=capacity)
    rng = random.Random(seed)
    posts = []
    for _ in range(delegates):
        registration = RegistrationFactory(edition=edition)
        session = SessionStore()
        session[SESSION_KEY] = str(registration.user.pk)
        session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
        session[HASH_SESSION_KEY] = registration.user.get_session_auth_hash()
        session.create()
        csrf = get_random_string(32)
        # Popular first runs: 70 % of delegates want run 0 of each block.
        data = {
            f"block-{block[0].block_id}": block[0 if rng.random() < 0.7 else 1].pk
            for block in grid
        }
        data["csrfmiddlewaretoken"] = csrf
        posts.append(
            {
                "path": f"/workshops/{registration.reference}/choose/",
                "body": urlencode(data),
                "cookie": f"sessionid={session.session_key}; csrftoken={csrf}",
            }
        )
    return edition, posts


def post(port: int, item: dict, start: threading.Event) -> tuple[str, float]:
    start.wait()
    began = time.perf_counter()
    try:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        conn.request(
            "POST",
            item["path"],
            body=item["body"],
            headers={
                "Content-Type": "application/x-www-form-urlencoded",
                "Cookie": item["cookie"],
                "Host": "127.0.0.1",
            },
        )
        response = conn.getresponse()
        body = response.read().decode("utf-8", "replace")
        conn.close()
    except OSError as exc:
        return f"error {type(exc).__name__}", (time.perf_counter() - began) * 1000
    elapsed = (time.perf_counter() - began) * 1000
    if response.status == 302:
        return "saved", elapsed
    if response.status == 400 and "filled up meanwhile" in body:
        return "refused (full)", elapsed
    return f"error {response.status}", elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--delegates", type=int, default=400)
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--clients", type=int, default=100)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()

    admin_sql(f'CREATE DATABASE "{DB_NAME}"')
    server = None
    try:
        import django

        django.setup()
        from django.db import connection

        setup_started = time.perf_counter()
        edition, posts = build(args.delegates, args.seed)
        setup_seconds = time.perf_counter() - setup_started
        connection.close()

        port = free_port()
        # As in production: the request queues its emails and badge renders to the
        # broker (our own Redis database) and returns; workers deliver later.
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "socex.settings.local",
            "DEBUG": "False",
            "CELERY_BROKER_URL": BROKER_URL,
        }
        server = subprocess.Popen(
            [
                str(ROOT / ".venv/bin/gunicorn"),
                "socex.wsgi:application",
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                str(args.workers),
                "--threads",
                str(args.threads),
                "--worker-class",
                "gthread",
                "--log-level",
                "warning",
                "--timeout",
                "120",
            ],
            cwd=ROOT,
            env=env,
            start_new_session=True,
        )
        deadline = time.time() + 30
        while time.time() < deadline:
            try:
                http.client.HTTPConnection("127.0.0.1", port, timeout=2).request(
                    "GET", "/healthz"
                )
                break
            except OSError:
                time.sleep(0.2)
        # Warm every worker (imports, first connection) before the race.
        for _ in range(args.workers * 4):
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            conn.request("GET", "/healthz")
            conn.getresponse().read()
            conn.close()

        start = threading.Event()
        with ThreadPoolExecutor(max_workers=args.clients) as pool:
            futures = [pool.submit(post, port, item, start) for item in posts]
            time.sleep(0.5)
            began = time.perf_counter()
            start.set()
            results = [f.result() for f in futures]
            wall = time.perf_counter() - began

        from django.db.models import Count

        from workshops.models import WorkshopChoice, WorkshopRun

        overbooked = 0
        print(f"{'run':<45} {'taken':>6} {'rows':>6} {'capacity':>8}")
        runs = (
            WorkshopRun.objects.filter(workshop__edition=edition)
            .annotate(rows=Count("choices"))
            .select_related("workshop", "block__session")
        )
        for run in runs:
            bad = run.rows > run.capacity or run.rows != run.seats_taken
            overbooked += bad
            print(
                f"{str(run)[:45]:<45} {run.seats_taken:>6} {run.rows:>6} "
                f"{run.capacity:>8}{'  OVERBOOKED' if bad else ''}"
            )
        outcomes: dict[str, int] = {}
        for outcome, _ms in results:
            outcomes[outcome] = outcomes.get(outcome, 0) + 1
        latencies = sorted(ms for _o, ms in results)
        p95 = latencies[max(0, int(len(latencies) * 0.95) - 1)]
        saved_delegates = (
            WorkshopChoice.objects.filter(run__workshop__edition=edition)
            .values("registration")
            .distinct()
            .count()
        )
        print()
        for outcome, count in sorted(outcomes.items()):
            print(f"{outcome:<20} {count:>6}")
        print(f"{'delegates seated':<20} {saved_delegates:>6}")
        print(
            f"setup {setup_seconds:.1f} s, race {wall:.2f} s, "
            f"median {statistics.median(latencies):.0f} ms, "
            f"gunicorn {args.workers} workers x {args.threads} threads, "
            f"{args.clients} client threads"
        )
        errors = sum(c for o, c in outcomes.items() if o.startswith("error"))
        connection.close()
        print(
            f"RESULT choices={len(results)} overbooked={overbooked} errors={errors} "
            f"rps={len(results) / wall:.1f} p95_ms={p95:.0f}"
        )
    finally:
        if server is not None:
            os.killpg(server.pid, signal.SIGTERM)
            try:
                server.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(server.pid, signal.SIGKILL)
        try:
            from django.db import connections

            connections.close_all()
        except Exception:
            pass
        admin_sql(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)')
        try:
            import redis

            redis.Redis.from_url(BROKER_URL).flushdb()  # the queued, undelivered work
        except Exception:
            pass


if __name__ == "__main__":
    main()
