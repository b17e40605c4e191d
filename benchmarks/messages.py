"""Messages to delegates: 400 recipients queued by the message service and delivered
by a real Celery worker to a local SMTP sink, against Django's SMTP backend sending
400 plain messages to the same sink over one connection.

Run: ``.venv/bin/python benchmarks/messages.py [--recipients 400]`` with DATABASE_URL
pointing at PostgreSQL (default postgres://postgres@127.0.0.1:5432/socex_bench,
created and migrated if missing) and Redis (CELERY_BROKER_URL, default
redis://127.0.0.1:6379/2). ``--port`` puts the sink on a given port (default: any
free one).

1. Starts an SMTP sink in this process (aiosmtpd when installed, else a small
   threaded one) that records each message's ``X-SOCEX-Outbox-Id``.
2. Starts a Celery worker (prefork, ``--concurrency`` processes) on a queue of its
   own, delivering to the sink (``EMAIL_URL``), and waits until it answers.
3. Creates an edition with ``--recipients`` confirmed delegates and an organiser.
   A warm-up message to 5 of them goes through the worker first (imports and
   connections are not measured).
4. Measured: ``message_send`` for the whole edition (``queued_s``: rendering, one
   outbox row per recipient, the commit and the batches' publication), then the time
   from its commit until the sink holds every recipient's email and every row is
   ``sent`` (``delivered_s``); ``per_s`` = recipients / delivered_s.
5. Baseline: Django's SMTP backend sends ``--recipients`` plain messages to the same
   sink over one connection, from a process of its own as the worker's are
   (``baseline_per_s``; the process's start is not timed).

Steps 4 and 5 are repeated ``--rounds`` times (default 3; the machine may be shared):
a table shows each round, then ``RESULT recipients=<n> queued_s=<a> delivered_s=<b>
per_s=<c> duplicates=<d> lost=<l> baseline_per_s=<e> ratio=<c/e>`` with the medians
of the rounds (duplicates and lost summed over them). Duplicates: emails of a message
the sink received more than once; lost: recipients whose email never came.
"""

import argparse
import contextlib
import email.parser
import os
import signal
import socket
import socketserver
import statistics
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.builders import series_and_venue  # noqa: E402
from benchmarks.gunicorn_server import free_port, tool  # noqa: E402

os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/socex_bench")
os.environ.setdefault("CELERY_BROKER_URL", "redis://127.0.0.1:6379/2")
os.environ["DJANGO_SETTINGS_MODULE"] = "benchmarks.messages_settings"
os.environ.setdefault("LOG_LEVEL", "WARNING")
os.environ["DEBUG"] = "0"
# Persistent database connections for the worker, as in production.
os.environ.setdefault("CONN_MAX_AGE", "60")
# A queue of this run's own: no other worker on the broker takes its tasks.
QUEUE = f"bench-messages-{uuid.uuid4().hex[:8]}"
os.environ["BENCH_MESSAGES_QUEUE"] = QUEUE

TIMEOUT = 120.0


# The SMTP sink ---------------------------------------------------------------------


class Received:
    """What the sink got: the outbox id of each message (0 for the baseline's)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.ids: list[int] = []
        self.times: list[float] = []

    def add(self, data: bytes) -> None:
        headers = email.parser.BytesHeaderParser().parsebytes(data)
        outbox_id = int(headers.get("X-SOCEX-Outbox-Id", "0") or 0)
        with self.lock:
            self.ids.append(outbox_id)
            self.times.append(time.monotonic())

    def count(self) -> int:
        with self.lock:
            return len(self.ids)

    def snapshot(self) -> list[int]:
        with self.lock:
            return list(self.ids)


class ThreadedSink(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, port: int, received: Received) -> None:
        super().__init__(("127.0.0.1", port), ThreadedHandler)
        self.received = received


class ThreadedHandler(socketserver.StreamRequestHandler):
    """Just enough ESMTP for Django's backend."""

    timeout = 60

    def reply(self, line: bytes) -> None:
        self.wfile.write(line + b"\r\n")
        self.wfile.flush()

    def handle(self) -> None:
        self.reply(b"220 bench-sink ESMTP")
        while line := self.rfile.readline():
            verb = line[:4].upper()
            if verb == b"EHLO":
                self.reply(b"250-bench-sink")
                self.reply(b"250 8BITMIME")
            elif verb == b"DATA":
                self.reply(b"354 End data with <CR><LF>.<CR><LF>")
                lines = []
                while (chunk := self.rfile.readline()) and chunk not in (
                    b".\r\n",
                    b".\n",
                ):
                    lines.append(chunk[1:] if chunk.startswith(b"..") else chunk)
                self.server.received.add(b"".join(lines))
                self.reply(b"250 OK queued")
            elif verb == b"QUIT":
                self.reply(b"221 Bye")
                return
            else:
                self.reply(b"250 OK")


def start_sink(port: int, received: Received):
    """aiosmtpd when installed, else the threaded sink; returns (name, stop)."""
    try:
        from aiosmtpd.controller import Controller
    except ImportError:
        sink = ThreadedSink(port, received)
        threading.Thread(target=sink.serve_forever, daemon=True).start()
        return "threaded sink", sink.shutdown

    class Handler:
        async def handle_DATA(self, server, session, envelope):
            received.add(envelope.original_content or envelope.content)
            return "250 OK queued"

    controller = Controller(Handler(), hostname="127.0.0.1", port=port)
    controller.start()
    return "aiosmtpd", controller.stop


# The stack -------------------------------------------------------------------------


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


def start_worker(concurrency: int) -> subprocess.Popen:
    return subprocess.Popen(
        [
            tool("celery"),
            "--app",
            "socex",
            "worker",
            "--pool",
            "prefork",
            "--concurrency",
            str(concurrency),
            "--queues",
            QUEUE,
            "--hostname",
            f"{QUEUE}@{socket.gethostname()}",
            "--loglevel",
            "WARNING",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
        ],
        cwd=ROOT,
        env=dict(os.environ),
        start_new_session=True,
    )


def wait_for_worker(worker: subprocess.Popen) -> None:
    from socex.celery import app

    name = f"{QUEUE}@{socket.gethostname()}"
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if worker.poll() is not None:
            sys.exit("the Celery worker exited")
        if any(name in reply for reply in app.control.ping(timeout=1.0)):
            return
    sys.exit("the Celery worker did not answer")


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.terminate()
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)


def setup(recipients: int):
    """Migrate; an edition with ``recipients`` confirmed delegates. Returns
    (edition, organiser)."""
    import django

    django.setup()
    from django.core.management import call_command
    from django.utils import timezone

    from delegates.models import EditionSeats, Profile, Registration, User
    from events.models import Edition

    call_command("migrate", verbosity=0)
    run = uuid.uuid4().hex[:8]
    series, venue = series_and_venue(
        "bench-messages",
        name="Benchmark Messages Conference",
        short_name="Bench messages",
        code="BM",
        venue_name="Crowne Plaza",
        address="Bridgefoot",
        town="Stratford-upon-Avon",
        postcode="CV37 6YR",
    )
    year = 2200 + Edition.objects.filter(series=series).count()
    day = timezone.localdate().replace(year=year)
    edition = Edition.objects.create(
        series=series,
        ordinal=year - 2199,
        year=year,
        title=f"Economic Crime bench {run}",
        slug=f"bench-messages-{run}",
        start_date=day,
        end_date=day,
        venue=venue,
        capacity=recipients,
        status=Edition.Status.PUBLISHED,
    )
    users = User.objects.bulk_create(
        User(email=f"officer{n}.{run}@police.uk") for n in range(recipients)
    )
    Profile.objects.bulk_create(
        Profile(
            user=user,
            first_name="Sam",
            last_name=f"Officer {n}",
            job_title="Detective Inspector",
            organisation="West Midlands Police",
            organisation_type=Profile.OrganisationType.UK_POLICE,
        )
        for n, user in enumerate(users)
    )
    now = timezone.now()
    Registration.objects.bulk_create(
        Registration(
            edition=edition,
            user=user,
            status=Registration.Status.CONFIRMED,
            number=n + 1,
            reference=f"BM{run[:4]}-{n + 1:04d}",
            consent_terms=True,
            consented_at=now,
            confirmed_at=now,
        )
        for n, user in enumerate(users)
    )
    EditionSeats.objects.update_or_create(
        edition=edition,
        defaults={
            "capacity": recipients,
            "confirmed": recipients,
            "last_number": recipients,
        },
    )
    organiser = User.objects.create(
        email=f"organiser.{run}@socex.example", is_staff=True
    )
    return edition, organiser


BODY = (
    "Dear {name},\n\nThe venue for {edition} has changed to {venue}. Your "
    "reference stays {reference}: bring it with photo identification.\n\n"
    "Parking is in the east car park; the registration desk opens at 08:00."
)


def draft(edition, organiser, registration_ids=()):
    from delegates.messages import services
    from delegates.messages.models import Message

    return services.message_create(
        edition=edition,
        sender=organiser,
        audience=Message.Audience.SELECTION
        if registration_ids
        else Message.Audience.CONFIRMED,
        registration_ids=registration_ids,
        subject="{edition}: the venue has changed",
        body=BODY,
    )


def wait_delivered(message, received: Received, expected: int) -> float:
    """Seconds until the sink holds ``expected`` of the message's emails and every
    row of it is sent."""
    from socex.mail.models import OutboxEmail

    rows = OutboxEmail.objects.filter(group=message.outbox_group)
    ids = set(rows.values_list("pk", flat=True))
    start = time.monotonic()
    while time.monotonic() - start < TIMEOUT:
        # The sink first (no query while the worker is busy), then the rows.
        got = sum(1 for i in received.snapshot() if i in ids)
        if (
            got >= expected
            and not rows.exclude(status=OutboxEmail.Status.SENT).exists()
        ):
            return time.monotonic() - start
        time.sleep(0.005)
    return time.monotonic() - start


def baseline(port: int, n: int) -> float:
    """Messages per second: Django's SMTP backend, plain messages, one connection,
    sent from a process of its own (as the worker is one) to this process's sink."""
    output = subprocess.run(
        [sys.executable, __file__, "--baseline-to", str(port), "--recipients", str(n)],
        cwd=ROOT,
        env=dict(os.environ),
        capture_output=True,
        text=True,
        check=True,
        timeout=TIMEOUT,
    ).stdout
    return float(output.split()[-1])


def baseline_send(port: int, n: int) -> float:
    """In the baseline's process: send and time ``n`` plain messages."""
    import django

    django.setup()
    from django.core.mail import EmailMessage, get_connection

    connection = get_connection(
        "django.core.mail.backends.smtp.EmailBackend", host="127.0.0.1", port=port
    )
    messages = [
        EmailMessage(
            subject=f"Baseline {i}",
            body=BODY,
            from_email="SOCEX <events@socex.example>",
            to=[f"officer{i}@police.uk"],
        )
        for i in range(n)
    ]
    start = time.monotonic()
    connection.open()
    sent = connection.send_messages(messages)
    connection.close()
    elapsed = time.monotonic() - start
    assert sent == n
    return n / elapsed


def measure(edition, organiser, received: Received, expected: int) -> dict:
    """One round: the message to the whole edition, queued and delivered."""
    from django.db import close_old_connections

    from delegates.messages import services
    from socex.mail.models import OutboxEmail

    message = draft(edition, organiser)
    close_old_connections()
    start = time.monotonic()
    count = services.message_send(message=message, actor=organiser)
    committed = time.monotonic()
    delivered_s = wait_delivered(message, received, count)
    ids = set(
        OutboxEmail.objects.filter(group=message.outbox_group).values_list(
            "pk", flat=True
        )
    )
    with received.lock:
        arrivals = sorted(
            at - committed
            for outbox_id, at in zip(received.ids, received.times, strict=True)
            if outbox_id in ids
        )
    copies = Counter(i for i in received.snapshot() if i in ids)
    return {
        "count": count,
        "queued_s": committed - start,
        "delivered_s": delivered_s,
        "per_s": count / delivered_s,
        "first_s": arrivals[0] if arrivals else float("nan"),
        "duplicates": sum(1 for n in copies.values() if n > 1),
        "lost": len(ids - set(copies)) + (expected - len(ids)),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--recipients", type=int, default=400)
    parser.add_argument("--concurrency", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--baseline-to", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.baseline_to:
        print(baseline_send(args.baseline_to, args.recipients))
        return

    ensure_database(os.environ["DATABASE_URL"])
    port = args.port or free_port()
    os.environ["EMAIL_URL"] = f"smtp://127.0.0.1:{port}"
    received = Received()
    sink_name, sink_stop = start_sink(port, received)
    edition, organiser = setup(args.recipients)
    worker = start_worker(args.concurrency)
    rounds = []
    try:
        from delegates.messages import services
        from delegates.models import Registration

        wait_for_worker(worker)
        warm = list(
            Registration.objects.filter(edition=edition)
            .order_by("pk")
            .values_list("pk", flat=True)[:5]
        )
        warmup = draft(edition, organiser, warm)
        services.message_send(message=warmup, actor=organiser)
        wait_delivered(warmup, received, len(warm))
        for _ in range(args.rounds):
            result = measure(edition, organiser, received, args.recipients)
            result["baseline_per_s"] = baseline(port, args.recipients)
            rounds.append(result)
    finally:
        stop(worker)
        sink_stop()

    print(f"sink: {sink_name}; worker: prefork x{args.concurrency}")
    print(
        f"{'round':<7}{'queued_s':>10}{'first_s':>9}{'delivered_s':>13}{'per_s':>8}"
        f"{'baseline/s':>12}{'ratio':>7}{'dup':>5}{'lost':>6}"
    )
    for n, r in enumerate(rounds, 1):
        print(
            f"{n:<7}{r['queued_s']:>10.3f}{r['first_s']:>9.3f}{r['delivered_s']:>13.3f}"
            f"{r['per_s']:>8.0f}{r['baseline_per_s']:>12.0f}"
            f"{r['per_s'] / r['baseline_per_s']:>7.2f}{r['duplicates']:>5}"
            f"{r['lost']:>6}"
        )

    def median(key: str) -> float:
        return statistics.median(r[key] for r in rounds)

    per_s, baseline_per_s = median("per_s"), median("baseline_per_s")
    print(
        f"RESULT recipients={rounds[0]['count']} queued_s={median('queued_s'):.3f} "
        f"delivered_s={median('delivered_s'):.3f} per_s={per_s:.1f} "
        f"duplicates={sum(r['duplicates'] for r in rounds)} "
        f"lost={sum(r['lost'] for r in rounds)} baseline_per_s={baseline_per_s:.1f} "
        f"ratio={per_s / baseline_per_s:.2f}"
    )


if __name__ == "__main__":
    main()
