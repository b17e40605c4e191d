"""The registration burst: 600 delegates registering at once for 400 places.

Run: ``.venv/bin/python benchmarks/registration_burst.py [--clients 16]`` with
DATABASE_URL pointing at PostgreSQL (default
postgres://postgres@127.0.0.1:5432/socex_bench, created and migrated if missing)
and Redis on 127.0.0.1 (CELERY_BROKER_URL, default redis://127.0.0.1:6379/2).

1. Creates a published edition open for registration, capacity 400, trusting
   police.uk, and 600 delegates with verified police.uk addresses, complete profiles
   and logged-in sessions (bulk, one shared password hash: hashing is not measured).
2. Starts a real Celery worker (prefork, ``--worker-concurrency`` processes) on the
   same machine and broker, so the work a registration hands to tasks (badges, the
   QR code, delivering emails to Django's dummy backend) is paid for during the
   burst, with the CPU weight docker-compose.yml gives the worker service
   (``cpu_shares``), and gunicorn on 127.0.0.1 with the product's WSGI app and its
   number of sync workers (``socex/gunicorn.py``: GUNICORN_WORKERS, 3, as in
   docker-compose.yml), persistent database connections and ``SOCEX_MEASURE_LOCK``
   set: the application then logs how long each transaction held an edition's lock
   (``LOCK_TIMING_LOG``, from the lock's grant to the commit).
3. Baseline: after one untimed request per session (a session as its login leaves
   it: the sign-in recorded), the same clients POST to a minimal view (benchmark URL
   conf only) that writes one row, through the same middleware, once per session;
   ``--floor-runs`` times (3), the median run being the floor (each lasts about a
   second, a fifth of the burst, so one run is at the mercy of a shared host).
4. Burst: ``--clients`` concurrent clients in a closed loop (each sends its next
   request when the last is answered) POST the registration form, one per delegate.
5. Waits (up to ``--drain-timeout`` s) until the worker has sent every
   registration's email and rendered every confirmed delegate's badge.

Options: ``--clients``, ``--workers``, ``--threads`` (gunicorn),
``--worker-concurrency`` and ``--worker-cpu-shares`` (Celery); ``BENCH_TIMELINE=1``
prints latency per 50 requests over time.

Prints a table, then ``RESULT registrations=600 confirmed=<n> waitlisted=<n>
overbooked=0 errors=<n> rps=<r> p50_ms=<a> p95_ms=<b> baseline_rps=<c> ratio=<r/c>
first50_p95_ms=<f> rest_p95_ms=<g> lock_ms=<median> lock_p95_ms=<p95>
emails_ready_s=<s> emails_sent_s=<s> badges_ready_s=<s> cpu_ms=<c>
baseline_cpu_ms=<d>``: the first 50 registrations against the rest; the edition
lock's hold time; seconds from the start of the burst until every registration's
email was ready to send (its outbox row committed, body and calendar rendered), sent
by the worker, and every badge rendered; the CPU time gunicorn's and PostgreSQL's
processes spent per registration and per floor request (read from /proc: less noisy
than a rate on a shared machine; a line above splits it by process group).
"""

import argparse
import http.client
import os
import queue
import re
import secrets
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urlencode, urlparse

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.builders import series_and_venue  # noqa: E402
from benchmarks.gunicorn_server import free_port, start_gunicorn, tool  # noqa: E402
from benchmarks.signed_in import signed_in_delegates  # noqa: E402
from socex import gunicorn as gunicorn_config  # noqa: E402  (the product's workers)

os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/socex_bench")
os.environ.setdefault("CELERY_BROKER_URL", "redis://127.0.0.1:6379/2")
os.environ["DJANGO_SETTINGS_MODULE"] = "benchmarks.registration_burst_settings"
os.environ.setdefault("LOG_LEVEL", "WARNING")
# Persistent database connections, as in production: a new PostgreSQL backend per
# request would cost more CPU than the registration itself on 2 cores.
os.environ.setdefault("CONN_MAX_AGE", "60")
os.environ["DEBUG"] = "0"

CAPACITY = 400
DELEGATES = 600
HOST = "bench.police.uk"
CSRF = "b" * 32  # an unmasked CSRF secret: cookie and form field carry the same


def ensure_database(url: str) -> None:
    import psycopg

    parsed = urlparse(url)
    if not parsed.scheme.startswith("postgres"):
        sys.exit("DATABASE_URL must point at PostgreSQL for this benchmark.")
    name = parsed.path.lstrip("/")
    admin = parsed._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as conn:
        exists = conn.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [name]
        ).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{name}"')


def setup(run: str):
    """Migrate, then create the edition, delegates and sessions. Returns (slug,
    [session keys])."""
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    from delegates.models import TrustedDomain
    from events.models import Edition

    call_command("migrate", verbosity=0)
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TABLE IF NOT EXISTS bench_baseline_write "
            "(id bigserial PRIMARY KEY, user_id bigint, written_at timestamptz)"
        )
    series, venue = series_and_venue(
        "bench-series", name="Benchmark Conference", short_name="Bench", code="BN"
    )
    year = 2100 + Edition.objects.filter(series=series).count()
    today = timezone.localdate()
    edition = Edition.objects.create(
        series=series,
        ordinal=year - 2099,
        year=year,
        title=f"Burst {run}",
        slug=f"burst-{run}",
        start_date=today.replace(year=today.year + 1),
        end_date=today.replace(year=today.year + 1),
        venue=venue,
        capacity=CAPACITY,
        status=Edition.Status.PUBLISHED,
        registration_opens_at=timezone.now() - timezone.timedelta(days=1),
    )
    TrustedDomain.objects.create(edition=edition, domain="police.uk")
    signed_in = signed_in_delegates(
        [f"d{n:04d}.{run}@{HOST}" for n in range(DELEGATES)],
        first_name="Bench",
        last_name="Delegate",
        organisation="Bench Police",
    )
    keys = [key for _user, key in signed_in]
    connection.close()
    return edition.slug, keys


def post(conn, path: str, session_key: str, body: dict) -> int:
    data = urlencode({**body, "csrfmiddlewaretoken": CSRF})
    conn.request(
        "POST",
        path,
        body=data,
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "Cookie": f"sessionid={session_key}; csrftoken={CSRF}",
            "Host": "127.0.0.1",
            # A new connection per request: gunicorn then hands requests to workers
            # from one accept queue, instead of pinning each client to a worker.
            "Connection": "close",
        },
    )
    response = conn.getresponse()
    response.read()
    return response.status


def closed_loop(port: int, clients: int, jobs: list, expected: int) -> dict:
    """Run ``jobs`` [(path, session key, body)] from ``clients`` threads, each
    sending its next request when the last is answered."""
    work: queue.Queue = queue.Queue()
    for job in jobs:
        work.put(job)
    latencies: list[float] = []
    timeline: list[tuple[float, float]] = []
    errors: list[str] = []
    lock = threading.Lock()

    began = time.perf_counter()

    def client():
        while True:
            try:
                path, key, body = work.get_nowait()
            except queue.Empty:
                break
            start = time.perf_counter()
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            try:
                status = post(conn, path, key, body)
            except (OSError, http.client.HTTPException) as exc:
                status = repr(exc)
            finally:
                conn.close()
            elapsed = (time.perf_counter() - start) * 1000
            with lock:
                latencies.append(elapsed)
                timeline.append((start - began, elapsed))
                if status != expected:
                    errors.append(str(status))

    threads = [threading.Thread(target=client) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - began
    latencies.sort()
    timeline.sort()
    if os.environ.get("BENCH_TIMELINE"):
        for i in range(0, len(timeline), 50):
            chunk = sorted(latency for _at, latency in timeline[i : i + 50])
            print(
                f"  t={timeline[i][0]:6.2f}s  p50={chunk[len(chunk) // 2]:7.1f}  "
                f"max={chunk[-1]:7.1f}"
            )
    # The first 50 requests (by start time) against the rest: a fresh gunicorn worker
    # that had to import and compile on first use shows here (issue 14.7).
    first = sorted(latency for _at, latency in timeline[:50])
    rest = sorted(latency for _at, latency in timeline[50:]) or first
    return {
        "first50_p95": first[max(int(len(first) * 0.95) - 1, 0)],
        "rest_p95": rest[max(int(len(rest) * 0.95) - 1, 0)],
        "requests": len(latencies),
        "errors": len(errors),
        "error_samples": sorted(set(errors))[:5],
        "rps": len(latencies) / wall,
        "p50": statistics.median(latencies),
        "p95": latencies[int(len(latencies) * 0.95) - 1],
        "max": latencies[-1],
        "wall": wall,
    }


def count(slug: str) -> dict:
    from django.db import connection

    from delegates.models import EditionSeats, Registration

    registrations = Registration.objects.filter(edition__slug=slug)
    result = {
        status: registrations.filter(status=status).count()
        for status in ("confirmed", "waitlisted", "pending")
    }
    result["seats"] = EditionSeats.objects.get(edition__slug=slug).confirmed
    connection.close()
    return result


# The kernel's CPU weight of each nice value from 0 to 19 (sched_prio_to_weight): a
# session's autogroup at nice n gets WEIGHTS[n] against 1024 for a session at 0.
WEIGHTS = [1024, 820, 655, 526, 423, 335, 272, 215, 172, 137, 110, 87, 70, 56, 45, 36]
WEIGHTS += [29, 23, 18, 15]


def compose_cpu_shares(service: str) -> int:
    """``cpu_shares`` of ``service`` in the product's docker-compose.yml (1024, the
    default, when it sets none)."""
    text = (ROOT / "docker-compose.yml").read_text()
    block = re.search(rf"^  {service}:\n((?:    .*\n|\n)*)", text, re.M)
    shares = block and re.search(r"^    cpu_shares: *(\d+)", block.group(1), re.M)
    return int(shares.group(1)) if shares else 1024


def nice_for_shares(shares: int) -> int:
    """The autogroup nice value whose weight is nearest to ``shares``."""
    return min(range(len(WEIGHTS)), key=lambda n: abs(WEIGHTS[n] - shares))


def start_worker(concurrency: int, cpu_shares: int) -> subprocess.Popen:
    """A Celery worker on the benchmark's broker and database, in its own session.

    Each session (gunicorn's, the worker's, PostgreSQL's) is a scheduling group of
    its own (the kernel's autogroups), as each compose service is a cgroup: the
    worker's session gets ``cpu_shares`` against gunicorn's 1024, through its
    autogroup's nice value, as docker-compose.yml gives the worker service.
    """
    env = {k: v for k, v in os.environ.items() if k != "SOCEX_MEASURE_LOCK"}
    nice = nice_for_shares(cpu_shares)
    autogroups = Path("/proc/sys/kernel/sched_autogroup_enabled")
    grouped = autogroups.exists() and autogroups.read_text().strip() == "1"
    command = [
        # Without autogroups, each process has a weight of its own.
        *(["nice", "-n", str(nice)] if nice and not grouped else []),
        tool("celery"),
        "--app",
        "socex",
        "worker",
        "--pool",
        "prefork",
        "--concurrency",
        str(concurrency),
        "--loglevel",
        "WARNING",
        "--without-gossip",
        "--without-mingle",
        "--without-heartbeat",
    ]
    worker = subprocess.Popen(command, cwd=ROOT, env=env, start_new_session=True)
    if nice and grouped:
        # Before the pool forks: its processes stay in this session's group.
        Path(f"/proc/{worker.pid}/autogroup").write_text(str(nice))
    return worker


def wait_for_worker(worker: subprocess.Popen, timeout: float = 60) -> None:
    from socex.celery import app

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if worker.poll() is not None:
            sys.exit("the Celery worker exited")
        if app.control.ping(timeout=1.0):
            return
    sys.exit("the Celery worker did not answer")


def stop(process: subprocess.Popen) -> None:
    """SIGTERM to the process (gunicorn and Celery then stop their children
    gracefully), SIGKILL to its whole session after 30 s."""
    if process.poll() is None:
        process.terminate()
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=30)


def purge_queue() -> None:
    """Drop tasks a previous, interrupted run may have left on this broker."""
    from socex.celery import app

    app.control.purge()


def drain(run: str, began: float, timeout: float) -> dict:
    """Wait until the worker has sent every registration's email and rendered every
    confirmed delegate's badge; seconds from ``began`` (wall clock) until each."""
    from django.db import connection
    from django.db.models import Max

    from delegates.badges.models import Badge
    from delegates.models import Registration
    from socex.mail.models import OutboxEmail

    registrations = Registration.objects.filter(user__email__endswith=f".{run}@{HOST}")
    emails = OutboxEmail.objects.filter(
        to__endswith=f".{run}@{HOST}", template__startswith="registration_"
    )
    badges = Badge.objects.filter(
        registration__in=registrations.filter(status=Registration.Status.CONFIRMED)
    )
    expected = registrations.count()
    confirmed = registrations.filter(status=Registration.Status.CONFIRMED).count()
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        sent = emails.filter(status=OutboxEmail.Status.SENT).count()
        ready = badges.filter(status=Badge.Status.READY).count()
        if sent >= expected and ready >= confirmed:
            break
        time.sleep(0.5)
    queued = emails.aggregate(at=Max("created_at"))["at"]
    sent_at = emails.aggregate(at=Max("sent_at"))["at"]
    rendered_at = badges.aggregate(at=Max("rendered_at"))["at"]
    result = {
        "emails": emails.count(),
        "expected": expected,
        "sent": emails.filter(status=OutboxEmail.Status.SENT).count(),
        "badges": badges.filter(status=Badge.Status.READY).count(),
        "confirmed": confirmed,
    }
    complete = result["sent"] >= expected and result["badges"] >= confirmed
    for name, at in (
        ("emails_ready_s", queued),
        ("emails_sent_s", sent_at),
        ("badges_ready_s", rendered_at),
    ):
        result[name] = at.timestamp() - began if at and complete else float("nan")
    if result["emails"] < expected:
        result["emails_ready_s"] = float("nan")
    connection.close()
    return result


def lock_times(path: Path) -> dict:
    held = sorted(float(line) for line in path.read_text().split())
    if not held:
        return {"count": 0, "median": float("nan"), "p95": float("nan")}
    return {
        "count": len(held),
        "median": statistics.median(held),
        "p95": held[max(int(len(held) * 0.95) - 1, 0)],
    }


def cpu_by_group(sessions: dict) -> dict:
    """CPU seconds (user + system) used so far by the processes of each named
    session (its leader's pid), by PostgreSQL's and by the rest of the machine."""
    tick = os.sysconf("SC_CLK_TCK")
    totals = dict.fromkeys([*sessions, "postgres", "other"], 0.0)
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        name = stat[stat.index("(") + 1 : stat.rindex(")")]
        fields = stat[stat.rindex(")") + 2 :].split()
        sid, used = int(fields[3]), (int(fields[11]) + int(fields[12])) / tick
        group = next((g for g, s in sessions.items() if s == sid), None)
        if group is None:
            group = "postgres" if name.startswith("postgres") else "other"
        totals[group] += used
    return totals


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--workers", type=int, default=gunicorn_config.workers)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--worker-concurrency", type=int, default=1)
    parser.add_argument(
        "--worker-cpu-shares", type=int, default=compose_cpu_shares("worker")
    )
    parser.add_argument("--drain-timeout", type=float, default=600)
    parser.add_argument("--floor-runs", type=int, default=3)
    args = parser.parse_args()

    ensure_database(os.environ["DATABASE_URL"])
    run = secrets.token_hex(3)
    print(f"Preparing {DELEGATES} delegates and sessions (run {run})...", flush=True)
    slug, keys = setup(run)
    purge_queue()
    lock_log = Path(tempfile.mkstemp(prefix="socex-lock-", suffix=".log")[1])
    worker = start_worker(args.worker_concurrency, args.worker_cpu_shares)
    server = None
    try:
        wait_for_worker(worker)
        port = free_port()
        server = start_gunicorn(
            port,
            args.workers,
            args.threads,
            env={**os.environ, "SOCEX_MEASURE_LOCK": str(lock_log)},
        )
        # Warm-up, untimed: one request per session, as the login that made it would
        # have left it (its sign-in recorded, socex/usersessions.py). Otherwise the
        # floor's requests, which come first, pay that recording and the burst's
        # do not: the floor measured half as fast as a one-row write is.
        warm = [("/bench/baseline-write/", key, {}) for key in keys]
        closed_loop(port, 4, warm, 200)
        sessions = {
            "gunicorn": server.pid,
            "worker": worker.pid,
            "client": os.getsid(0),
        }
        cpu = [cpu_by_group(sessions)]
        # The floor's run lasts a second, a fifth of the burst's: the median of a
        # few, so one slow or fast second of a shared host does not decide it.
        floors = sorted(
            (
                closed_loop(
                    port,
                    args.clients,
                    [("/bench/baseline-write/", key, {}) for key in keys],
                    200,
                )
                for _run in range(args.floor_runs)
            ),
            key=lambda run: run["rps"],
        )
        baseline = floors[len(floors) // 2]
        cpu.append(cpu_by_group(sessions))
        began = time.time()
        burst = closed_loop(
            port,
            args.clients,
            [(f"/my/register/{slug}/", key, {"consent_terms": "on"}) for key in keys],
            302,
        )
        cpu.append(cpu_by_group(sessions))
        stop(server)
        server = None
        print("Waiting for the worker to send the emails and render the badges...")
        drained = drain(run, began, args.drain_timeout)
    finally:
        if server is not None:
            stop(server)
        stop(worker)
    held = lock_times(lock_log)
    lock_log.unlink()

    outcome = count(slug)
    overbooked = max(outcome["confirmed"] - CAPACITY, outcome["seats"] - CAPACITY, 0)
    print()
    print(
        f"{'run':<14}{'requests':>9}{'errors':>8}{'rps':>9}{'p50 ms':>9}"
        f"{'p95 ms':>9}{'max ms':>9}"
    )
    for name, row in (("baseline", baseline), ("registration", burst)):
        print(
            f"{name:<14}{row['requests']:>9}{row['errors']:>8}{row['rps']:>9.1f}"
            f"{row['p50']:>9.1f}{row['p95']:>9.1f}{row['max']:>9.1f}"
        )
    # CPU ms per request of each group, in each run: where a registration's cost is.
    requests = [sum(run["requests"] for run in floors), burst["requests"]]
    per_request = [
        {
            group: (cpu[i + 1][group] - cpu[i][group]) * 1000 / requests[i]
            for group in cpu[i]
        }
        for i in range(2)
    ]
    print(
        "CPU ms per request (baseline / registration): "
        + ", ".join(
            f"{group} {per_request[0][group]:.2f} / {per_request[1][group]:.2f}"
            for group in per_request[0]
        )
    )
    cpu_ms = [row["gunicorn"] + row["postgres"] for row in per_request]
    print("floor runs (rps):", ", ".join(f"{run['rps']:.1f}" for run in floors))
    if burst["error_samples"] or baseline["error_samples"]:
        print("error samples:", burst["error_samples"], baseline["error_samples"])
    print(
        f"clients={args.clients} gunicorn workers={args.workers} "
        f"threads={args.threads} celery concurrency={args.worker_concurrency} "
        f"worker cpu_shares={args.worker_cpu_shares} "
        f"capacity={CAPACITY} outcome={outcome}"
    )
    print(
        f"edition lock held: {held['count']} times, median {held['median']:.2f} ms, "
        f"p95 {held['p95']:.2f} ms; emails {drained['sent']}/{drained['expected']} "
        f"sent, badges {drained['badges']}/{drained['confirmed']} ready"
    )
    print(
        f"RESULT registrations={burst['requests']} confirmed={outcome['confirmed']} "
        f"waitlisted={outcome['waitlisted']} overbooked={overbooked} "
        f"errors={burst['errors']} rps={burst['rps']:.1f} p50_ms={burst['p50']:.1f} "
        f"p95_ms={burst['p95']:.1f} baseline_rps={baseline['rps']:.1f} "
        f"ratio={burst['rps'] / baseline['rps']:.2f} "
        f"first50_p95_ms={burst['first50_p95']:.1f} "
        f"rest_p95_ms={burst['rest_p95']:.1f} "
        f"lock_ms={held['median']:.2f} lock_p95_ms={held['p95']:.2f} "
        f"emails_ready_s={drained['emails_ready_s']:.1f} "
        f"emails_sent_s={drained['emails_sent_s']:.1f} "
        f"badges_ready_s={drained['badges_ready_s']:.1f} "
        f"cpu_ms={cpu_ms[1]:.2f} baseline_cpu_ms={cpu_ms[0]:.2f}"
    )


if __name__ == "__main__":
    main()
