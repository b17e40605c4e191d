"""400 delegates saving their workshop choices at once, through gunicorn, on PostgreSQL.

Run: ``.venv/bin/python benchmarks/workshop_race.py [--clients 16]`` with
DATABASE_URL pointing at PostgreSQL (default postgres://postgres@127.0.0.1:5432/
socex; the benchmark creates and drops its own database ``bench_ws_<pid>`` there).

Set up like ``registration_burst.py`` so the two compare: gunicorn with 4 sync
workers, persistent database connections (CONN_MAX_AGE=60), ``--clients`` client
threads (16 by default) in a closed loop, each sending its next request when the last
is answered, on a new connection. Requests queue their emails and badge renders to
Redis (BENCH_BROKER_URL, default database 3, emptied afterwards) as production does
with a separate worker; delivering them is not measured.

Builds an edition with eight workshops in four blocks (two runs per block, rooms for
10 % more delegates than there are, so the popular runs fill up), 400 confirmed
delegates and their logged-in sessions (created beforehand). After warming each
worker with a few saves in another edition, every delegate POSTs four choices once,
skewed towards the popular workshops (70 % want run 0 of each block). A refusal
because a run filled meanwhile (HTTP 400 naming the run) is the intended outcome and
counted apart; an error is anything else (a 5xx, another
400, a timeout, a refused connection) or a saved delegate whose seats are missing.
Afterwards every run is checked: choices never above capacity, and the seat counter
equal to the rows; ``overbooked`` counts the runs that fail.

Options: ``--delegates``, ``--clients``, ``--workers``, ``--threads`` (gunicorn; 1 means
sync workers), ``--seed``; ``BENCH_TIMELINE=1`` prints latency per 50 requests.

Prints a table, then ``RESULT choices=<n> overbooked=<runs> errors=<n> rps=<r>
p95_ms=<b>``.
"""

import argparse
import http.client
import os
import queue
import signal
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlencode

import psycopg

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.gunicorn_server import free_port, start_gunicorn  # noqa: E402

BASE_URL = os.environ.get(
    "DATABASE_URL", "postgres://postgres@127.0.0.1:5432/socex"
).rsplit("/", 1)[0]
DB_NAME = f"bench_ws_{os.getpid()}"
BROKER_URL = os.environ.get("BENCH_BROKER_URL", "redis://127.0.0.1:6379/3")
os.environ["DATABASE_URL"] = f"{BASE_URL}/{DB_NAME}"
os.environ["DJANGO_SETTINGS_MODULE"] = "socex.settings.test"
os.environ.setdefault("LOG_LEVEL", "WARNING")
# Persistent database connections, as in production and the registration burst.
os.environ.setdefault("CONN_MAX_AGE", "60")

TITLES = [
    "County lines",
    "Cyber-enabled fraud",
    "Modern slavery",
    "Money laundering",
    "Firearms supply",
    "Organised immigration crime",
    "Covert tactics",
    "Asset recovery",
]


def admin_sql(sql: str) -> None:
    with psycopg.connect(f"{BASE_URL}/postgres", autocommit=True) as conn:
        conn.execute(sql)


def build(delegates: int, seed: int, warmup: int):
    """The race's edition and its delegates' POSTs, and ``warmup`` POSTs for
    another edition (to warm the workers without touching the race's runs)."""
    import random

    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from tests.factories.events import EditionFactory
    from tests.factories.workshops import workshop_grid

    edition = EditionFactory()
    capacity = -(-int(delegates * 1.1) // 2)
    grid = workshop_grid(edition, capacity=capacity)
    # Distinct titles, so the table tells the runs apart.
    for i, run in enumerate(run for block in grid for run in block):
        run.workshop.title = TITLES[i % len(TITLES)]
        run.workshop.save(update_fields=["title"])
    posts = delegate_posts(edition, grid, delegates, random.Random(seed))
    other = EditionFactory()
    warm = delegate_posts(
        other, workshop_grid(other, capacity=warmup), warmup, random.Random(seed)
    )
    return edition, posts, warm


def delegate_posts(edition, grid, delegates: int, rng) -> list[dict]:
    """Confirmed delegates with logged-in sessions, and the POST each will send."""
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore
    from django.utils.crypto import get_random_string

    from tests.factories.delegates import RegistrationFactory

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
    return posts


def post(port: int, item: dict) -> str:
    """One delegate's save, on a new connection: ``saved``, ``refused (full)`` or
    ``error ...``."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        conn.request(
            "POST",
            item["path"],
            body=item["body"],
            headers={
                "Content-Type": "application/x-www-form-urlencoded",
                "Cookie": item["cookie"],
                "Host": "127.0.0.1",
                # A new connection per request: gunicorn hands requests to its
                # workers from one accept queue (as in the registration burst).
                "Connection": "close",
            },
        )
        response = conn.getresponse()
        body = response.read().decode("utf-8", "replace")
    except (OSError, http.client.HTTPException) as exc:
        return f"error {type(exc).__name__}"
    finally:
        conn.close()
    if response.status == 302:
        return "saved"
    if response.status == 400 and "filled up meanwhile" in body:
        return "refused (full)"
    return f"error {response.status}"


def closed_loop(port: int, clients: int, posts: list[dict]) -> tuple[list, float]:
    """Send ``posts`` from ``clients`` threads, each sending its next request when
    the last is answered. Returns [(delegate path, outcome, ms, started at)] and the
    wall time."""
    work: queue.Queue = queue.Queue()
    for item in posts:
        work.put(item)
    results: list[tuple[str, str, float, float]] = []
    lock = threading.Lock()
    began = time.perf_counter()

    def client() -> None:
        while True:
            try:
                item = work.get_nowait()
            except queue.Empty:
                return
            start = time.perf_counter()
            outcome = post(port, item)
            elapsed = (time.perf_counter() - start) * 1000
            with lock:
                results.append((item["path"], outcome, elapsed, start - began))

    threads = [threading.Thread(target=client) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results, time.perf_counter() - began


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--delegates", type=int, default=400)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()

    admin_sql(f'CREATE DATABASE "{DB_NAME}"')
    server = None
    try:
        import django

        django.setup()
        from django.db import connection

        setup_started = time.perf_counter()
        edition, posts, warm = build(args.delegates, args.seed, args.workers * 4)
        setup_seconds = time.perf_counter() - setup_started
        connection.close()

        port = free_port()
        # As in production: the request queues its emails and badge renders to the
        # broker (our own Redis database) and returns; workers deliver later.
        server = start_gunicorn(
            port,
            args.workers,
            args.threads,
            env={
                **os.environ,
                "DJANGO_SETTINGS_MODULE": "socex.settings.local",
                "DEBUG": "False",
                "CELERY_BROKER_URL": BROKER_URL,
            },
            timeout=120,
        )
        # Warm every worker on the real path (view, templates, broker connection)
        # with saves in another edition, as a running site would be.
        closed_loop(port, args.workers, warm)
        results, wall = closed_loop(port, args.clients, posts)

        from django.db.models import Count

        from delegates.models import Registration
        from workshops.models import WorkshopRun

        overbooked = 0
        print(
            f"{'block':<10} {'workshop':<28} {'taken':>6} {'rows':>6} {'capacity':>8}"
        )
        runs = (
            WorkshopRun.objects.filter(workshop__edition=edition)
            .annotate(rows=Count("choices"))
            .select_related("workshop", "block__session")
            .order_by("block__session__starts_at", "pk")
        )
        for run in runs:
            bad = (
                run.rows > run.capacity
                or run.seats_taken > run.capacity
                or run.rows != run.seats_taken
            )
            overbooked += bad
            print(
                f"{run.block.name:<10} {run.workshop.title[:28]:<28} "
                f"{run.seats_taken:>6} {run.rows:>6} {run.capacity:>8}"
                f"{'  OVERBOOKED' if bad else ''}"
            )
        outcomes: dict[str, int] = {}
        for _path, outcome, _ms, _at in results:
            outcomes[outcome] = outcomes.get(outcome, 0) + 1
        # Every saved delegate holds exactly four seats; every refused one none.
        seats = dict(
            Registration.objects.filter(edition=edition)
            .annotate(n=Count("workshop_choices"))
            .values_list("reference", "n")
        )
        wrong = 0
        for path, outcome, _ms, _at in results:
            reference = path.split("/")[2]
            expected = {"saved": 4, "refused (full)": 0}.get(outcome)
            wrong += expected is not None and seats.get(reference) != expected
        latencies = sorted(ms for _p, _o, ms, _at in results)
        p95 = latencies[max(0, int(len(latencies) * 0.95) - 1)]
        if os.environ.get("BENCH_TIMELINE"):
            timeline = sorted((at, ms) for _p, _o, ms, at in results)
            for i in range(0, len(timeline), 50):
                chunk = sorted(ms for _at, ms in timeline[i : i + 50])
                print(
                    f"  t={timeline[i][0]:6.2f}s  p50={chunk[len(chunk) // 2]:7.1f}  "
                    f"max={chunk[-1]:7.1f}"
                )
        print()
        for outcome, count in sorted(outcomes.items()):
            print(f"{outcome:<24} {count:>6}")
        print(f"{'seats not as answered':<24} {wrong:>6}")
        print(
            f"setup {setup_seconds:.1f} s, race {wall:.2f} s, "
            f"p50 {statistics.median(latencies):.0f} ms, p95 {p95:.0f} ms, "
            f"max {latencies[-1]:.0f} ms; gunicorn {args.workers} workers x "
            f"{args.threads} threads, {args.clients} clients (closed loop)"
        )
        errors = wrong + sum(c for o, c in outcomes.items() if o.startswith("error"))
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
