"""Faults replayed on a real stack: no registration lost, no email lost or doubled.

Run: ``.venv/bin/python benchmarks/faults.py`` (as root: the database experiment's
PostgreSQL cluster runs as ``postgres`` through ``runuser``). Needs ``redis-server``
on PATH and PostgreSQL 15 under /usr/lib/postgresql/15/bin; takes a few minutes.

It never touches the machine's own PostgreSQL or Redis. It starts, in a temporary
directory, and stops at the end (even on error):

- its own PostgreSQL cluster (``initdb`` as ``postgres``) on a free port;
- its own Redis on a free port (no persistence: a restart loses every queued task,
  as a crashed broker does), used as the Celery broker and, as in
  docker-compose.yml, the cache;
- an SMTP sink of its own (a threaded SMTP server in this script) that records each
  message's ``Message-ID`` and ``X-SOCEX-Outbox-Id`` headers and, on demand, closes
  connections, answers ``451`` or holds a message without answering;
- gunicorn serving the product (benchmarks/gunicorn_server.py), a real Celery worker
  (``python -m celery -A socex worker`` beside this interpreter) and Celery beat,
  with ``benchmarks.faults_settings``: production settings with every retry, sweep,
  redelivery and watchdog window shortened to seconds. A worker that exits on its
  own is started again, as compose's restart policy does (``worker_restarts``).

Experiments (each checked at the end, after the sweeps have had their chance):

1. ``broker_stopped``: Redis stopped (SIGTERM) a third into a registration burst
   mixed with public page views and health checks, restarted after it (down 4 s at
   least): registrations go through; the emails made while it was down and the
   badges the broker lost are delivered by the sweeps once it is back.
2. ``broker_killed``: the same with SIGKILL.
3. ``smtp_refusing``: the mail server closes connections, then answers 451, until
   every email has been refused more than 5 times (the old give-up point), then
   accepts: every email delivered once. Then one email answered 550 fails at once,
   is shown on the admin index with the retry offered, and the organiser's click
   sends it.
4. ``duplicate_task``: the same ``outbox_send`` sent three times per row while the
   first is sending, and again once sent: one message per row.
5. ``web_worker_killed``: a gunicorn worker SIGKILLed a third into a burst, with the
   tasks of its last registrations still in its publisher thread
   (``TASK_PUBLISH_LINGER``, 2 s here): the sweeps send and render what they were for;
   only the request it was serving may fail, and its person's second click works.
   ``worker_killed_send``: the worker SIGKILLed while the mail server holds the 5th
   message of a sweep's batch (four accepted before it, not yet recorded); a new
   worker and the sweep send what is left, the same Message-ID for each row.
   ``worker_killed_print``: the worker SIGKILLed while a bulk badge print renders
   its chunks; a new worker; the job must finish by itself (Redis hands the dead
   worker's messages out again). ``worker_killed_print_broker_lost``: the same with
   Redis killed too, so those messages are gone and only the sweep can resume it.
6. ``database_restarted``: ``pg_ctl restart -m fast`` a third into a burst and the
   database stopped for 3 s two thirds into it; clients try again on an error page,
   as a person would: nothing lost or half-written; server errors count only
   outside the two outage windows.
7. ``malformed``: garbage POSTs, bad references, NUL bytes, bad cookies, oversized
   bodies, a bad Host, mixed into a burst: each answered 4xx (allauth's forms show
   their errors at 200; a cookie that is no session, and the admin's login, are
   sent to allauth's sign-in), never 5xx.

Options: ``--only NAME ...`` runs some experiments (``worker_killed_print`` prints
the badges of a small burst of its own when run without ``broker_stopped``);
``FAULTS_KEEP=1`` keeps the temporary directory (logs/ holds gunicorn's, the
worker's, beat's and Redis's output).

Counted: ``registrations_lost`` (a client was sent to the dashboard but no row, or a
row half-written: no audit entry, no email, a confirmation without a badge, a seat
counter out of step), ``overbooked`` (confirmed above capacity), ``emails_lost`` (a
row neither accepted by the sink nor shown to organisers as failed with the retry
offered, checked on the admin index), ``duplicates`` (a second message for one row
with another Message-ID) and, beside it, ``redeliveries`` (extra copies of a row the
sink received with the row's own Message-ID, which a mail system can drop),
``stuck_jobs`` (print jobs not done at the end), ``server_errors`` (5xx or a broken
connection outside a database outage window).

Prints a table per experiment and, last, ``RESULT experiments=<n>
registrations_lost=<n> overbooked=<n> emails_lost=<n> duplicates=<n> stuck_jobs=<n>
server_errors=<n> redeliveries=<n> worker_restarts=<n>``.
"""

import argparse
import contextlib
import email.parser
import http.client
import os
import queue
import secrets
import shutil
import signal
import socket
import socketserver
import subprocess
import sys
import tempfile
import threading
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.builders import series_and_venue  # noqa: E402
from benchmarks.gunicorn_server import free_port, start_gunicorn  # noqa: E402

PG_BIN = Path("/usr/lib/postgresql/15/bin")
CSRF = "f" * 32  # an unmasked CSRF secret: cookie and form field carry the same
CLIENTS = 6
DELEGATES = 60
CAPACITY = 20
SETTLE_SECONDS = 120
# Print-job statuses as stored (their names in the model changed over time).
JOB_RUNNING, JOB_DONE, JOB_FAILED = "running", "done", "failed"


# The SMTP sink ------------------------------------------------------------------------


@dataclass
class Copy:
    outbox_id: int
    message_id: str
    accepted: bool  # answered 250; False: held and cut off without an answer
    at: float = field(default_factory=time.monotonic)


class SmtpSink(socketserver.ThreadingTCPServer):
    """Just enough SMTP for Django's backend. ``mode``: ``accept``, ``close`` (close
    each connection before the greeting) or ``refuse`` (451 to every message).
    ``hold_at(n)``: the n-th message from now is recorded, then left unanswered until
    ``release()``, when its connection is closed."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self):
        super().__init__(("127.0.0.1", 0), SmtpHandler)
        self.port = self.server_address[1]
        self.mode = "accept"
        self.delay = 0.0
        self.copies: list[Copy] = []
        self.refusals = 0
        self.reject_to: set[str] = set()  # answered 550 (a permanent refusal)
        self.lock = threading.Lock()
        self._hold_countdown = 0
        self.held = threading.Event()
        self.released = threading.Event()

    def hold_at(self, n: int) -> None:
        self.held.clear()
        self.released.clear()
        self._hold_countdown = n

    def release(self) -> None:
        self.released.set()

    def received(self, data: bytes) -> str:
        headers = email.parser.BytesHeaderParser().parsebytes(data)
        outbox_id = int(headers.get("X-SOCEX-Outbox-Id", "0") or 0)
        message_id = str(headers.get("Message-ID", "")).strip()
        with self.lock:
            if str(headers.get("To", "")).strip() in self.reject_to:
                return "reject"
            if self.mode == "refuse":
                self.refusals += 1
                return "refuse"
            hold = False
            if self._hold_countdown:
                self._hold_countdown -= 1
                hold = self._hold_countdown == 0
            self.copies.append(Copy(outbox_id, message_id, accepted=not hold))
        if hold:
            self.held.set()
            return "hold"
        if self.delay:
            time.sleep(self.delay)
        return "accept"

    def by_row(self) -> dict[int, list[Copy]]:
        rows: dict[int, list[Copy]] = {}
        with self.lock:
            for copy in self.copies:
                rows.setdefault(copy.outbox_id, []).append(copy)
        return rows


class SmtpHandler(socketserver.StreamRequestHandler):
    timeout = 30

    def reply(self, line: str) -> None:
        self.wfile.write(line.encode() + b"\r\n")
        self.wfile.flush()

    def handle(self) -> None:
        sink: SmtpSink = self.server
        if sink.mode == "close":
            return
        self.reply("220 faults-sink ESMTP")
        while True:
            line = self.rfile.readline()
            if not line:
                return
            verb = line[:4].upper()
            if verb == b"EHLO":
                self.reply("250-faults-sink")
                self.reply("250 8BITMIME")
            elif verb in (b"HELO", b"MAIL", b"RCPT", b"RSET", b"NOOP"):
                self.reply("250 OK")
            elif verb == b"DATA":
                self.reply("354 End data with <CR><LF>.<CR><LF>")
                lines = []
                while True:
                    chunk = self.rfile.readline()
                    if not chunk or chunk in (b".\r\n", b".\n"):
                        break
                    lines.append(chunk[1:] if chunk.startswith(b"..") else chunk)
                outcome = sink.received(b"".join(lines))
                if outcome == "hold":
                    sink.released.wait(30)
                    return  # cut off without an answer
                if outcome == "refuse":
                    self.reply("451 4.3.0 Try again later")
                elif outcome == "reject":
                    self.reply("550 5.1.1 No such mailbox")
                else:
                    self.reply("250 OK queued")
            elif verb == b"QUIT":
                self.reply("221 Bye")
                return
            else:
                self.reply("500 Unknown command")


# The stack: PostgreSQL, Redis, gunicorn, worker, beat ---------------------------------


def _wait(predicate, seconds: float, what: str, every: float = 0.2) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if predicate():
                return
        except Exception:  # not up yet
            pass
        time.sleep(every)
    raise RuntimeError(f"{what} did not come up within {seconds:.0f} s")


class Stack:
    """Every process this benchmark starts, and how to break each one."""

    def __init__(self) -> None:
        self.tmp = Path(tempfile.mkdtemp(prefix="socex-faults-"))
        self.tmp.chmod(0o755)  # the postgres user must reach its data directory
        self.logs = self.tmp / "logs"
        self.logs.mkdir()
        self.pg_dir = self.tmp / "pg"
        self.pg_port = free_port()
        self.redis_port = free_port()
        self.web_port = free_port()
        self.redis_proc: subprocess.Popen | None = None
        self.web: subprocess.Popen | None = None
        self.worker: subprocess.Popen | None = None
        self.beat: subprocess.Popen | None = None
        self.workers_started = 0
        # The worker is restarted when it exits on its own (``supervise``).
        self.worker_lock = threading.RLock()
        self.worker_restarts = 0
        self.stopping = threading.Event()
        self.pg_running = False
        self.sink = SmtpSink()
        threading.Thread(target=self.sink.serve_forever, daemon=True).start()
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "benchmarks.faults_settings",
            "DATABASE_URL": (
                f"postgres://postgres@127.0.0.1:{self.pg_port}/socex_faults"
            ),
            "CELERY_BROKER_URL": f"redis://127.0.0.1:{self.redis_port}/0",
            "CACHE_URL": f"redis://127.0.0.1:{self.redis_port}/1",
            "EMAIL_URL": f"smtp://127.0.0.1:{self.sink.port}",
            "EMAIL_TIMEOUT": "10",
            "SECRET_KEY": f"faults-benchmark-{secrets.token_hex(16)}",
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "MEDIA_ROOT": str(self.tmp / "media"),
            "PRIVATE_MEDIA_ROOT": str(self.tmp / "private"),
            "STATIC_ROOT": str(self.tmp / "static"),
            "CONN_MAX_AGE": "60",
            "LOG_LEVEL": "ERROR",
            "DEBUG": "0",
            "PYTHONUNBUFFERED": "1",
        }

    # PostgreSQL
    def _as_postgres(self, *command, **kwargs) -> subprocess.CompletedProcess:
        return subprocess.run(
            ["runuser", "-u", "postgres", "--", *map(str, command)],
            check=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            **kwargs,
        )

    def pg_ctl(self, *args: str) -> None:
        self._as_postgres(
            PG_BIN / "pg_ctl", "-D", self.pg_dir / "data", "-w", "-t", "60", *args
        )

    def pg_start(self) -> None:
        self.pg_dir.mkdir()
        shutil.chown(self.pg_dir, "postgres", "postgres")
        self._as_postgres(
            PG_BIN / "initdb",
            "-D",
            self.pg_dir / "data",
            "-A",
            "trust",
            "-U",
            "postgres",
            "-E",
            "UTF8",
            "--locale=C",
            "--no-sync",
        )
        options = (
            f"-p {self.pg_port} -k {self.pg_dir} -c listen_addresses=127.0.0.1 "
            "-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        )
        self.pg_options = options
        self.pg_up()
        import psycopg  # noqa: PLC0415  only once the cluster is up

        with psycopg.connect(
            f"postgresql://postgres@127.0.0.1:{self.pg_port}/postgres", autocommit=True
        ) as conn:
            conn.execute("CREATE DATABASE socex_faults")

    def pg_up(self) -> None:
        log = str(self.pg_dir / "server.log")
        self.pg_ctl("-o", self.pg_options, "-l", log, "start")
        self.pg_running = True

    def pg_restart(self) -> None:
        self.pg_ctl("-m", "fast", "restart")

    def pg_down(self) -> None:
        self.pg_ctl("-m", "fast", "stop")
        self.pg_running = False

    # Redis
    def redis_start(self) -> None:
        self.redis_proc = subprocess.Popen(
            [
                shutil.which("redis-server") or "redis-server",
                "--port",
                str(self.redis_port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--daemonize",
                "no",
                "--dir",
                str(self.tmp),
            ],
            stdout=open(self.logs / "redis.log", "ab"),  # noqa: SIM115
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        _wait(lambda: self.redis().ping(), 10, "redis")

    def redis(self):
        import redis  # noqa: PLC0415  only the driver talks to Redis directly

        return redis.Redis(port=self.redis_port, socket_timeout=2)

    def redis_stop(self, sig: int) -> None:
        self.redis_proc.send_signal(sig)
        self.redis_proc.wait(timeout=15)
        self.redis_proc = None

    # Celery
    def _celery(self, *args: str, log: str) -> subprocess.Popen:
        return subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "socex", *args],
            cwd=ROOT,
            env=self.env,
            stdout=open(self.logs / log, "ab"),  # noqa: SIM115
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def worker_start(self) -> None:
        with self.worker_lock:
            self._worker_start()

    def _worker_start(self) -> None:
        self.workers_started += 1
        name = f"faults{self.workers_started}@{socket.gethostname()}"
        self.worker = self._celery(
            "worker",
            "--loglevel",
            "WARNING",
            "--concurrency",
            "2",
            "--hostname",
            name,
            "--without-gossip",
            "--without-mingle",
            log="worker.log",
        )
        from socex.celery import app  # noqa: PLC0415  once Django is set up

        _wait(
            lambda: any(name in reply for reply in app.control.ping(timeout=1.0)),
            90,
            "the Celery worker",
        )

    def worker_kill(self) -> None:
        """SIGKILL the worker and its pool processes, as the OOM killer would."""
        with self.worker_lock:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.worker.pid, signal.SIGKILL)
            self.worker.wait(timeout=15)
            self.worker = None

    def web_worker_kill(self) -> int:
        """SIGKILL one of gunicorn's workers (its master starts another); returns
        its pid."""
        children = Path(f"/proc/{self.web.pid}/task/{self.web.pid}/children")
        pid = int(children.read_text().split()[0])
        os.kill(pid, signal.SIGKILL)
        return pid

    def supervise(self) -> None:
        """Start the worker again whenever it exits on its own (not killed by an
        experiment), as docker-compose.yml's ``restart: unless-stopped`` does: a
        worker dies on some broker failures (kombu's "Unrecoverable error" while
        restoring unacknowledged messages on a lost connection, seen here), or its
        watchdog shuts it down. Each restart is counted and reported."""

        def watch() -> None:
            while not self.stopping.wait(0.5):
                with self.worker_lock:
                    worker = self.worker
                    if worker is None or worker.poll() is None:
                        continue
                    self.worker_restarts += 1
                    print(
                        f"  (the worker exited with {worker.returncode}: started "
                        "again, as compose would)",
                        flush=True,
                    )
                    self._worker_start()

        threading.Thread(target=watch, daemon=True).start()

    def beat_start(self) -> None:
        self.beat = self._celery(
            "beat",
            "--loglevel",
            "WARNING",
            "--schedule",
            str(self.tmp / "beat-schedule"),
            log="beat.log",
        )

    def ensure_up(self) -> None:
        """After an experiment crashed: every service running again."""
        self.sink.mode, self.sink.delay = "accept", 0.0
        self.sink.release()
        if not self.pg_running:
            self.pg_up()
        if self.redis_proc is None:
            self.redis_start()
        if self.worker is None:
            self.worker_start()

    def web_start(self) -> None:
        # gunicorn's output (tracebacks of 500s included) goes to logs/web.log: the
        # launcher leaves it on our stderr, so lend it that file descriptor meanwhile.
        saved = os.dup(2)
        with open(self.logs / "web.log", "ab") as log:
            os.dup2(log.fileno(), 2)
            try:
                self.web = start_gunicorn(self.web_port, 3, 1, env=self.env)
            finally:
                os.dup2(saved, 2)
                os.close(saved)

    def stop(self) -> None:
        self.stopping.set()
        for proc, sig in (
            (self.web, signal.SIGTERM),
            (self.beat, signal.SIGTERM),
            (self.worker, signal.SIGKILL),
            (self.redis_proc, signal.SIGTERM),
        ):
            if proc is None:
                continue
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, sig)
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=10)
        if self.pg_running:
            with contextlib.suppress(subprocess.CalledProcessError):
                self.pg_ctl("-m", "immediate", "stop")
        self.sink.shutdown()
        self.sink.server_close()
        if os.environ.get("FAULTS_KEEP"):
            print(f"(kept {self.tmp})")
        else:
            shutil.rmtree(self.tmp, ignore_errors=True)


# Data ---------------------------------------------------------------------------------


@dataclass
class Delegate:
    email: str
    session: str


def make_people(label: str, n: int) -> list[Delegate]:
    """``n`` delegates with verified police.uk addresses, complete profiles and
    logged-in sessions (bulk, one shared password hash)."""
    from benchmarks.signed_in import signed_in_delegates  # noqa: PLC0415

    signed_in = signed_in_delegates(
        [f"{label}.{i:03d}@faults.police.uk" for i in range(n)],
        first_name="Fault",
        last_name=f"Delegate {label}",
        organisation="Faults Police",
    )
    return [Delegate(user.email, key) for user, key in signed_in]


def make_edition(label: str, capacity: int):
    from django.utils import timezone  # noqa: PLC0415

    from delegates.models import TrustedDomain  # noqa: PLC0415
    from events.models import Edition  # noqa: PLC0415

    series, venue = series_and_venue(
        "faults", name="Faults Conference", short_name="Faults", code="FL"
    )
    year = 2100 + Edition.objects.filter(series=series).count()
    day = timezone.localdate().replace(year=timezone.localdate().year + 1)
    edition = Edition.objects.create(
        series=series,
        ordinal=year - 2099,
        year=year,
        title=f"Faults {label}",
        slug=f"faults-{label}",
        start_date=day,
        end_date=day,
        venue=venue,
        capacity=capacity,
        status=Edition.Status.PUBLISHED,
        registration_opens_at=timezone.now() - timezone.timedelta(days=1),
    )
    TrustedDomain.objects.create(edition=edition, domain="police.uk")
    return edition


def make_admin() -> str:
    """A superuser's session key, signed in with a second factor as staff must be
    (socex.middleware.StaffMFAMiddleware), for reading the admin index."""
    from allauth.mfa.base.internal.flows import post_authentication  # noqa: PLC0415
    from allauth.mfa.totp.internal.auth import (  # noqa: PLC0415
        TOTP,
        generate_totp_secret,
    )
    from django.contrib.auth import (  # noqa: PLC0415
        BACKEND_SESSION_KEY,
        HASH_SESSION_KEY,
        SESSION_KEY,
    )
    from django.contrib.sessions.backends.db import SessionStore  # noqa: PLC0415
    from django.http import HttpRequest  # noqa: PLC0415

    from delegates.models import User  # noqa: PLC0415

    user = User.objects.create_superuser(
        email="organiser@faults.example", password=secrets.token_hex(12)
    )
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    request = HttpRequest()
    request.session = session
    request.user = user
    # As allauth records it once the organiser has typed a code from their app.
    post_authentication(request, TOTP.activate(user, generate_totp_secret()).instance)
    session.save()
    return session.session_key


def db_fresh() -> None:
    """The driver's own connection may have died with the database: start anew."""
    from django.db import connection  # noqa: PLC0415

    connection.close()


# Clients ------------------------------------------------------------------------------


@dataclass
class Answer:
    kind: str
    start: float
    end: float
    status: int | str  # an HTTP status, or the name of the connection error
    location: str = ""
    body: bytes = b""
    expect: str = ""  # "4xx" for a malformed request

    @property
    def server_error(self) -> bool:
        return isinstance(self.status, str) or self.status >= 500


class Client:
    """HTTP/1.1 to gunicorn, one connection per request; every answer is logged."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.answers: list[Answer] = []
        self.lock = threading.Lock()

    def _log(self, answer: Answer) -> Answer:
        with self.lock:
            self.answers.append(answer)
        return answer

    def request(
        self,
        kind: str,
        method: str,
        path: str,
        *,
        session: str = "",
        form: dict | None = None,
        body: bytes | None = None,
        headers: dict | None = None,
        cookie: str | None = None,
        expect: str = "",
    ) -> Answer:
        if form is not None:
            body = urlencode({**form, "csrfmiddlewaretoken": CSRF}).encode()
        sent = {
            "Host": "127.0.0.1",
            "Connection": "close",
            "Cookie": cookie
            if cookie is not None
            else f"csrftoken={CSRF}" + (f"; sessionid={session}" if session else ""),
        }
        if body is not None:
            sent["Content-Type"] = "application/x-www-form-urlencoded"
        sent.update(headers or {})
        start = time.monotonic()
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        try:
            conn.request(method, path, body=body, headers=sent)
            response = conn.getresponse()
            data = response.read()
            status, location = response.status, response.getheader("Location", "")
        except (OSError, http.client.HTTPException) as exc:
            status, location, data = type(exc).__name__, "", b""
        finally:
            conn.close()
        return self._log(
            Answer(kind, start, time.monotonic(), status, location, data, expect)
        )

    def raw(self, kind: str, payload: bytes, *, expect: str = "4xx") -> Answer:
        """Bytes as they are, for what http.client refuses to send (NUL in a path)."""
        start = time.monotonic()
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=60) as s:
                s.sendall(payload)
                data = b""
                while chunk := s.recv(65536):
                    data += chunk
            status: int | str = int(data.split(b" ", 2)[1])
        except (OSError, ValueError, IndexError) as exc:
            status = type(exc).__name__
        return self._log(Answer(kind, start, time.monotonic(), status, expect=expect))


def run_threads(jobs: list, clients: int) -> None:
    """Run callables from ``clients`` threads in a closed loop."""
    work: queue.Queue = queue.Queue()
    for job in jobs:
        work.put(job)

    def loop() -> None:
        while True:
            try:
                job = work.get_nowait()
            except queue.Empty:
                return
            job()

    threads = [threading.Thread(target=loop) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


@dataclass
class Burst:
    """Delegates registering for one edition; ``fault`` runs once ``trigger``
    registrations have been answered, while the rest go on."""

    client: Client
    slug: str
    people: list[Delegate]
    tries: int = 1  # a person clicks again after an error page
    told_success: set = field(default_factory=set)
    answered: int = 0
    triggers: dict = field(default_factory=dict)  # answered count -> Event

    def at(self, answered: int) -> threading.Event:
        """An event set once ``answered`` registrations have been answered."""
        return self.triggers.setdefault(answered, threading.Event())

    def register(self, person: Delegate) -> None:
        for attempt in range(self.tries):
            answer = self.client.request(
                "register",
                "POST",
                f"/my/register/{self.slug}/",
                session=person.session,
                form={"consent_terms": "on"},
            )
            if answer.status == 302 and "/my/" in answer.location:
                self.told_success.add(person.email)
                break
            if answer.status == 400 and b"already registered" in answer.body:
                break  # an earlier try went through after all
            if attempt + 1 < self.tries:
                time.sleep(1.0)
        with self.client.lock:
            self.answered += 1
            for count, event in self.triggers.items():
                if self.answered >= count:
                    event.set()

    def run(self, *, extra_jobs=(), clients: int = CLIENTS) -> None:
        jobs = [lambda p=p: self.register(p) for p in self.people]
        extra = list(extra_jobs)
        mixed, taken = [], 0
        for i, job in enumerate(jobs):  # the extra traffic spread through the burst
            mixed.append(job)
            share = round((i + 1) * len(extra) / len(jobs))
            mixed.extend(extra[taken:share])
            taken = max(taken, share)
        run_threads(mixed, clients)
        for event in self.triggers.values():
            event.set()


def background(fn, *args) -> threading.Thread:
    thread = threading.Thread(target=fn, args=args, daemon=True)
    thread.start()
    return thread


# Checks -------------------------------------------------------------------------------


@dataclass
class Outcome:
    name: str
    rows: dict = field(default_factory=dict)
    notes: list = field(default_factory=list)
    counted: dict = field(
        default_factory=lambda: dict.fromkeys(
            (
                "registrations_lost",
                "overbooked",
                "emails_lost",
                "duplicates",
                "redeliveries",
                "stuck_jobs",
                "server_errors",
            ),
            0,
        )
    )

    def add(self, **values) -> None:
        for key, value in values.items():
            if key in self.counted:
                self.counted[key] += value
            else:
                self.rows[key] = value

    def print(self) -> None:
        print()
        title = self.name
        print(f"== {title} " + "=" * max(60 - len(title), 0))
        for key, value in {**self.rows, **self.counted}.items():
            print(f"  {key:<34}{value:>10}")
        for note in self.notes:
            print(f"  ! {note}")


def settle(
    stack: Stack, *, seconds: float = SETTLE_SECONDS, jobs: bool = False
) -> float:
    """Wait (beat sweeps meanwhile) until no email is queued or sending, every
    confirmed delegate's badge is ready and, with ``jobs``, every print job finished.
    Returns the seconds waited."""
    from delegates.badges.models import Badge, BadgePrintJob  # noqa: PLC0415
    from delegates.models import Registration  # noqa: PLC0415
    from socex.mail.models import OutboxEmail  # noqa: PLC0415

    began = time.monotonic()
    while time.monotonic() - began < seconds:
        db_fresh()
        try:
            busy = (
                OutboxEmail.objects.filter(
                    status__in=[OutboxEmail.Status.QUEUED, OutboxEmail.Status.SENDING]
                ).exists()
                or Registration.objects.filter(status=Registration.Status.CONFIRMED)
                .exclude(badge__status=Badge.Status.READY)
                .exists()
                or (
                    jobs
                    and BadgePrintJob.objects.exclude(
                        status__in=[
                            JOB_DONE,
                            JOB_FAILED,
                        ]
                    ).exists()
                )
            )
        except Exception:  # the database may still be coming back
            busy = True
        if not busy:
            return time.monotonic() - began
        time.sleep(0.5)
    return time.monotonic() - began


def check_registrations(outcome: Outcome, edition, burst: Burst) -> None:
    from delegates.badges.models import Badge  # noqa: PLC0415
    from delegates.models import EditionSeats, Registration  # noqa: PLC0415
    from socex.mail.models import OutboxEmail  # noqa: PLC0415

    db_fresh()
    rows = {
        r.user.email: r
        for r in Registration.objects.filter(edition=edition).select_related("user")
    }
    emailed = set(
        OutboxEmail.objects.filter(
            to__in=list(rows), template__startswith="registration_"
        ).values_list("to", flat=True)
    )
    audited = set(
        Registration.objects.filter(edition=edition, status_changes__isnull=False)
        .values_list("user__email", flat=True)
        .distinct()
    )
    badged = set(
        Badge.objects.filter(registration__edition=edition).values_list(
            "registration__user__email", flat=True
        )
    )
    ready = set(
        Badge.objects.filter(
            registration__edition=edition, status=Badge.Status.READY
        ).values_list("registration__user__email", flat=True)
    )
    confirmed = [
        e for e, r in rows.items() if r.status == Registration.Status.CONFIRMED
    ]
    half = [
        e
        for e, r in rows.items()
        if e not in emailed
        or e not in audited
        or (r.status == Registration.Status.CONFIRMED and e not in badged)
    ]
    missing = sorted(burst.told_success - set(rows))
    seats = EditionSeats.objects.get(edition=edition)
    out_of_step = int(seats.confirmed != len(confirmed))
    lost = len(missing) + len(half) + out_of_step
    never_through = len({p.email for p in burst.people} - set(rows))
    outcome.add(
        delegates=len(burst.people),
        told_registered=len(burst.told_success),
        rows=len(rows),
        confirmed=len(confirmed),
        waitlisted=sum(
            r.status == Registration.Status.WAITLISTED for r in rows.values()
        ),
        never_got_through=never_through,
        badges_not_ready=len(set(confirmed) - ready),
        registrations_lost=lost,
        overbooked=max(
            len(confirmed) - edition.capacity, seats.confirmed - edition.capacity, 0
        ),
    )
    if missing:
        outcome.notes.append(f"told registered but no row: {missing[:5]}")
    if half:
        outcome.notes.append(f"half-written registrations: {half[:5]}")
    if out_of_step:
        outcome.notes.append(
            f"seat counter {seats.confirmed} != {len(confirmed)} confirmed"
        )
    if never_through:
        outcome.notes.append(
            f"{never_through} delegate(s) never got a registration through"
        )
    if set(confirmed) - ready:
        outcome.notes.append("confirmed delegates whose badge was never made")


def check_emails(outcome: Outcome, stack: Stack, admin_session: str, since: int) -> int:
    """Every outbox row above ``since``: delivered once (by the sink), or failed and
    shown on the admin index with the retry offered. Returns the highest row id."""
    from socex.mail.models import OutboxEmail  # noqa: PLC0415

    db_fresh()
    rows = list(OutboxEmail.objects.filter(pk__gt=since).order_by("pk"))
    copies = stack.sink.by_row()
    failed = [r for r in rows if r.status == OutboxEmail.Status.FAILED]
    shown = False
    if failed:
        page = Client(stack.web_port).request(
            "admin", "GET", "/admin/", session=admin_session
        )
        shown = (
            page.status == 200
            and b"Retry all failed emails" in page.body
            and b"retry-failed" in page.body
        )
    lost = duplicates = redeliveries = delivered = 0
    for row in rows:
        got = copies.get(row.pk, [])
        accepted = [c for c in got if c.accepted]
        if accepted:
            delivered += 1
        elif not (
            row.status == OutboxEmail.Status.FAILED and row.body_available and shown
        ):
            lost += 1
            outcome.notes.append(
                f"email {row.pk} ({row.template}) lost: {row.status}, {row.attempts} "
                f"attempts, {row.last_error[:80]!r}"
            )
        ids = {c.message_id for c in got}
        duplicates += max(len(ids) - 1, 0)  # a second message, another Message-ID
        if got and row.message_id not in ids:
            outcome.notes.append(f"email {row.pk} went out under another Message-ID")
        redeliveries += sum(c.message_id == row.message_id for c in got[1:])
        if row.status == OutboxEmail.Status.SENT and not accepted:
            outcome.notes.append(
                f"email {row.pk} marked sent but never reached the sink"
            )
    outcome.add(
        emails=len(rows),
        emails_delivered=delivered,
        emails_failed_shown=sum(1 for r in failed if shown),
        max_attempts=max((r.attempts for r in rows), default=0),
        emails_lost=lost,
        duplicates=duplicates,
        redeliveries=redeliveries,
    )
    return rows[-1].pk if rows else since


def count_server_errors(
    outcome: Outcome, answers: list[Answer], windows: list[tuple[float, float]] = ()
) -> None:
    inside = outside = 0
    samples = []
    during: dict = {}
    for answer in answers:
        if not answer.server_error:
            continue
        if any(answer.start <= end and answer.end >= begin for begin, end in windows):
            inside += 1
            during[answer.status] = during.get(answer.status, 0) + 1
        else:
            outside += 1
            samples.append(f"{answer.kind} {answer.status}")
    registrations = sorted(
        (a.end - a.start) * 1000 for a in answers if a.kind == "register"
    )
    if registrations:
        outcome.add(
            register_p50_ms=round(registrations[len(registrations) // 2]),
            register_max_ms=round(registrations[-1]),
        )
    outcome.add(requests=len(answers), errors_in_outage=inside, server_errors=outside)
    if samples:
        outcome.notes.append(f"server errors: {sorted(set(samples))[:6]}")
    if during:
        outcome.notes.append(f"answers in the outage (not counted): {during}")


# Experiments --------------------------------------------------------------------------


class Bench:
    def __init__(self, stack: Stack) -> None:
        self.stack = stack
        self.admin = make_admin()
        self.email_mark = 0
        self.editions: dict = {}

    def _since(self) -> int:
        from socex.mail.models import OutboxEmail  # noqa: PLC0415

        db_fresh()
        return (
            OutboxEmail.objects.order_by("-pk").values_list("pk", flat=True).first()
            or 0
        )

    def _badges_missing(self) -> bool:
        from delegates.badges.models import Badge  # noqa: PLC0415
        from delegates.models import Registration  # noqa: PLC0415

        return (
            Registration.objects.filter(status=Registration.Status.CONFIRMED)
            .exclude(badge__status=Badge.Status.READY)
            .exists()
        )

    def _finish(
        self, outcome: Outcome, since: int, edition=None, burst=None, *, jobs=False
    ):
        waited = settle(self.stack, jobs=jobs)
        outcome.add(settled_s=round(waited, 1))
        if edition is not None:
            check_registrations(outcome, edition, burst)
        check_emails(outcome, self.stack, self.admin, since)
        return outcome

    def _burst(self, label: str, n: int = DELEGATES, capacity: int = CAPACITY, tries=1):
        edition = make_edition(label, capacity)
        self.editions[label] = edition
        people = make_people(label, n)
        db_fresh()
        return edition, Burst(Client(self.stack.web_port), edition.slug, people, tries)

    def _page_views(self, burst: Burst, stop: threading.Event) -> None:
        """A visitor reading the public edition page, and a load balancer's checks,
        while the burst runs."""
        while not stop.is_set():
            burst.client.request("edition page", "GET", f"/editions/{burst.slug}/")
            burst.client.request("healthz", "GET", "/healthz")
            time.sleep(0.2)

    def broker(self, name: str, sig: int) -> Outcome:
        from django.utils import timezone  # noqa: PLC0415

        from socex.mail.models import OutboxEmail  # noqa: PLC0415

        outcome = Outcome(name)
        since = self._since()
        edition, burst = self._burst(name.replace("_", "-"))
        stop = threading.Event()
        viewer = background(self._page_views, burst, stop)
        fault = burst.at(DELEGATES // 3)
        runner = background(burst.run)
        fault.wait()
        down_at = time.monotonic()
        down_since = timezone.now()
        self.stack.redis_stop(sig)
        runner.join()
        time.sleep(max(0.0, 4 - (time.monotonic() - down_at)))  # down for 4 s at least
        up_at, up_since = time.monotonic(), timezone.now()
        self.stack.redis_start()
        stop.set()
        viewer.join()
        db_fresh()
        made_while_down = list(
            OutboxEmail.objects.filter(
                pk__gt=since, created_at__gte=down_since, created_at__lt=up_since
            ).values_list("pk", flat=True)
        )
        outcome.add(
            broker_down_s=round(up_at - down_at, 1),
            registered_while_down=sum(
                a.kind == "register" and down_at <= a.start and a.end <= up_at
                for a in burst.client.answers
            ),
            emails_made_while_down=len(made_while_down),
        )
        if not made_while_down:
            outcome.notes.append("no email was made while the broker was down")
        self._after_restart = (made_while_down, up_at)
        count_server_errors(outcome, burst.client.answers)
        self._finish(outcome, since, edition, burst)
        made_while_down, up_at = self._after_restart
        copies = self.stack.sink.by_row()
        outcome.add(
            delivered_after_broker_back=sum(
                any(c.accepted and c.at >= up_at for c in copies.get(pk, []))
                for pk in made_while_down
            )
        )
        return outcome

    def web_worker_killed(self) -> Outcome:
        """A gunicorn worker SIGKILLed a third into a burst, its publisher thread
        holding the tasks of the registrations it answered in the last linger
        (TASK_PUBLISH_LINGER, long here): gunicorn starts another, the person
        whose request it was serving clicks again, and the sweeps send the emails
        and render the badges those tasks were for."""
        outcome = Outcome("web_worker_killed")
        since = self._since()
        edition, burst = self._burst("web-worker-killed")
        burst.tries = 2
        fault = burst.at(DELEGATES // 3)
        runner = background(burst.run)
        fault.wait()
        killed_at = time.monotonic()
        self.stack.web_worker_kill()
        runner.join()
        # Only the requests that worker was serving may fail (a reset connection).
        count_server_errors(outcome, burst.client.answers, [(killed_at, killed_at)])
        self._finish(outcome, since, edition, burst)
        return outcome

    def smtp_refusing(self) -> Outcome:
        from socex.mail.models import OutboxEmail  # noqa: PLC0415

        outcome = Outcome("smtp_refusing")
        since = self._since()
        sink = self.stack.sink
        sink.mode = "close"
        edition, burst = self._burst("smtp-refusing", n=20, capacity=10)
        refusing = background(burst.run)
        began = time.monotonic()
        time.sleep(3)
        sink.mode = "refuse"
        # Refuse until every email (badge emails too) has failed more than the five
        # attempts after which the outbox used to give up.
        deadline = began + 150
        while time.monotonic() < deadline:
            time.sleep(1)
            db_fresh()
            rows = OutboxEmail.objects.filter(pk__gt=since)
            if (
                not refusing.is_alive()
                and not self._badges_missing()
                and not rows.filter(attempts__lt=6).exists()
            ):
                break
        else:
            outcome.notes.append("not every email was refused 6 times in 150 s")
        outcome.add(
            refused_for_s=round(time.monotonic() - began, 1),
            min_attempts_refused=min(
                rows.values_list("attempts", flat=True), default=0
            ),
            failed_while_refusing=rows.filter(status=OutboxEmail.Status.FAILED).count(),
        )
        sink.mode = "accept"
        count_server_errors(outcome, burst.client.answers)
        self._finish(outcome, since, edition, burst)
        self._bounce_retried(outcome)
        return outcome

    def _bounce_retried(self, outcome: Outcome) -> None:
        """A 550 fails an email at once; organisers see it on the admin index with
        the retry offered, and their one click sends it once the mailbox exists."""
        from django.db import transaction  # noqa: PLC0415

        from socex.mail.models import OutboxEmail  # noqa: PLC0415
        from socex.mail.services import email_queue_message  # noqa: PLC0415

        sink, address = self.stack.sink, "bounce@faults.police.uk"
        sink.reject_to.add(address)
        with transaction.atomic():
            row = email_queue_message(to=address, subject="Bounce", body_text="Once.")
        _wait(
            lambda: OutboxEmail.objects.get(pk=row.pk).status == "failed",
            30,
            "the refused email to fail",
        )
        sink.reject_to.discard(address)
        client = Client(self.stack.web_port)
        index = client.request("admin", "GET", "/admin/", session=self.admin)
        shown = index.status == 200 and b"Retry all failed emails" in index.body
        retry = client.request(
            "retry failed",
            "POST",
            "/admin/mail/outboxemail/retry-failed/",
            session=self.admin,
            form={},
        )
        settle(self.stack, seconds=30)
        db_fresh()
        row.refresh_from_db()
        copies = sink.by_row().get(row.pk, [])
        delivered = sum(c.accepted for c in copies)
        outcome.add(
            bounce_shown_with_retry=int(shown),
            bounce_retry_answer=retry.status,
            bounce_delivered_after_retry=delivered,
            emails_lost=int(not delivered and not shown),
            duplicates=len({c.message_id for c in copies} - {row.message_id}),
            redeliveries=max(delivered - 1, 0),
        )
        if not shown:
            outcome.notes.append("a failed email was not shown on the admin index")

    def duplicate_task(self) -> Outcome:
        from django.db import transaction  # noqa: PLC0415

        from socex.mail import tasks  # noqa: PLC0415
        from socex.mail.services import email_queue_message  # noqa: PLC0415

        outcome = Outcome("duplicate_task")
        since = self._since()
        self.stack.sink.delay = 0.5  # the first send is still talking to the server
        with transaction.atomic():
            rows = [
                email_queue_message(
                    to=f"dup{i}@faults.police.uk",
                    subject=f"Duplicate test {i}",
                    body_text="One copy only.",
                )
                for i in range(10)
            ]
        for row in rows:  # the task on commit, plus two more copies of it
            tasks.outbox_send.apply_async(kwargs={"email_id": row.pk})
            tasks.outbox_send.apply_async(kwargs={"email_id": row.pk})
        tasks.outbox_send_batch.apply_async(kwargs={"email_ids": [r.pk for r in rows]})
        settle(self.stack, seconds=60)
        self.stack.sink.delay = 0.0
        for row in rows:  # and once more after it was sent
            tasks.outbox_send.apply_async(kwargs={"email_id": row.pk})
        redis = self.stack.redis()
        _wait(
            lambda: redis.llen("celery") == 0 and redis.hlen("unacked") == 0,
            60,
            "the duplicate tasks to be consumed",
        )
        outcome.add(tasks_sent_per_row=4, batch_tasks=1)
        return self._finish(outcome, since)

    def worker_killed_send(self) -> Outcome:
        from django.db import transaction  # noqa: PLC0415

        from socex.mail.models import OutboxEmail  # noqa: PLC0415
        from socex.mail.services import email_queue_message  # noqa: PLC0415

        outcome = Outcome("worker_killed_send")
        since = self._since()
        stack = self.stack
        # The broker loses the rows' own tasks (as in a crash), so the sweep sends them
        # as one batch over one connection, recording every OUTBOX_RECORD_SENT_EVERY.
        stack.worker_kill()
        with transaction.atomic():
            for i in range(30):
                email_queue_message(
                    to=f"kill{i}@faults.police.uk",
                    subject=f"Killed worker test {i}",
                    body_text="Sent once, whatever happens to the worker.",
                )
        stack.redis().delete("celery")
        stack.sink.hold_at(5)
        stack.worker_start()
        if not stack.sink.held.wait(60):
            outcome.notes.append("the sink never held a message: nothing was killed")
        else:
            db_fresh()
            sending = OutboxEmail.objects.filter(
                pk__gt=since, status=OutboxEmail.Status.SENDING
            ).count()
            stack.worker_kill()
            outcome.add(
                claimed_when_killed=sending,
                accepted_before_kill=sum(
                    c.accepted and c.outbox_id > since for c in stack.sink.copies
                ),
            )
        stack.sink.release()
        stack.worker_start()
        return self._finish(outcome, since)

    def worker_killed_print(self, *, broker_lost: bool = False) -> Outcome:
        """Kill the worker while a print job's chunks render. With ``broker_lost``
        the broker goes down with it (SIGKILL, no persistence), so the dead worker's
        messages are gone and only the sweep can resume the job; otherwise Redis
        hands them out again after the visibility timeout."""
        from django.db import transaction  # noqa: PLC0415

        from delegates.badges.services import badge_print_job_create  # noqa: PLC0415

        outcome = Outcome(f"worker_killed_print{'_broker_lost' if broker_lost else ''}")
        edition = self.editions.get("broker-stopped") or self.editions.get("print")
        if edition is None:  # run on its own: print the badges of a small burst
            edition, burst = self._burst("print", n=20)
            burst.run()
            settle(self.stack)
        since = self._since()
        with transaction.atomic():
            job = badge_print_job_create(edition=edition)

        def rendering() -> bool:
            db_fresh()
            job.refresh_from_db()
            return job.status in (JOB_RUNNING, JOB_DONE)

        # Polled often: on a fast machine a job of one-badge chunks runs for a second
        # or two (a job done before the kill ends the experiment, reported).
        _wait(rendering, 60, "the print job to start", every=0.02)
        if job.status == JOB_DONE:
            raise RuntimeError("the print job finished before the worker was killed")
        # Running: its chunk tasks are out, the first ones rendering now.
        outcome.add(
            chunks=job.chunks_total, chunks_done_when_killed=len(job.chunks_done)
        )
        self.stack.worker_kill()
        killed_at = time.monotonic()
        if broker_lost:
            self.stack.redis_stop(signal.SIGKILL)
            self.stack.redis_start()
        self.stack.worker_start()
        settle(self.stack, jobs=True)
        db_fresh()
        job.refresh_from_db()
        outcome.add(
            job_status=job.status,
            done_after_kill_s=round(time.monotonic() - killed_at, 1),
            stuck_jobs=int(job.status != JOB_DONE),
        )
        if job.status != JOB_DONE:
            outcome.notes.append(
                f"print job {job.pk} left {job.status} with "
                f"{len(job.chunks_done)}/{job.chunks_total} chunks"
            )
        check_emails(outcome, self.stack, self.admin, since)
        return outcome

    def database_restarted(self) -> Outcome:
        outcome = Outcome("database_restarted")
        since = self._since()
        edition, burst = self._burst("database-restarted", n=90, tries=8)
        stop = threading.Event()
        viewer = background(self._page_views, burst, stop)
        first, second = (
            burst.at(len(burst.people) // 3),
            burst.at(2 * len(burst.people) // 3),
        )
        runner = background(burst.run)
        first.wait()
        windows = []
        began = time.monotonic()
        self.stack.pg_restart()  # pg_ctl restart -m fast
        windows.append((began, time.monotonic()))
        second.wait()
        began = time.monotonic()
        self.stack.pg_down()  # and a slower one: down for 3 s
        time.sleep(3)
        self.stack.pg_up()
        windows.append((began, time.monotonic()))
        outcome.add(
            restart_s=round(windows[0][1] - windows[0][0], 1),
            down_s=round(windows[1][1] - windows[1][0], 1),
        )
        runner.join()
        stop.set()
        viewer.join()
        count_server_errors(outcome, burst.client.answers, windows)
        return self._finish(outcome, since, edition, burst)

    def malformed(self) -> Outcome:
        outcome = Outcome("malformed")
        since = self._since()
        edition, burst = self._burst("malformed", n=40)
        victims = [v.session for v in make_people("malformed-x", 10)]
        db_fresh()
        client, slug = burst.client, burst.slug
        register = f"/my/register/{slug}/"
        big = b"consent_terms=on&x=" + b"a" * (3 * 1024 * 1024)
        many = "&".join(f"f{i}=1" for i in range(1500)) + f"&csrfmiddlewaretoken={CSRF}"
        nul_cookie = f'csrftoken={CSRF}; sessionid="abcdefgh\\000ijkl"'
        multipart = {"Content-Type": "multipart/form-data; boundary=x"}
        nul = "\x00"

        # expect: "4xx"; "form" where allauth's forms show their errors at 200;
        # "login" for a cookie that is no session and for the admin's login (both
        # sent to allauth's sign-in); "" where the request is odd but valid (a
        # checkbox sent with a NUL value is still ticked).
        def req(kind, method, path, expect="4xx", **kwargs):
            return lambda: client.request(kind, method, path, expect=expect, **kwargs)

        def raw(kind, line: bytes, extra: bytes = b""):
            payload = line + b"\r\nHost: 127.0.0.1\r\nConnection: close\r\n" + extra
            return lambda: client.raw(kind, payload + b"\r\n")

        cases = [
            req("no csrf", "POST", register, session=victims[0], body=b"a=1"),
            req("bad csrf", "POST", register, session=victims[0], body=b"csrf=z"),
            req("garbage body", "POST", register, session=victims[1],
                body=os.urandom(2048)),
            req("no consent", "POST", register, session=victims[2], form={}),
            req("nul consent", "POST", register, "", session=victims[3],
                form={"consent_terms": nul}),
            req("nul profile", "POST", "/my/profile/", session=victims[4],
                form={"first_name": f"A{nul}B", "last_name": nul}),
            req("unknown edition", "POST", "/my/register/no-such-edition/",
                session=victims[5], form={"consent_terms": "on"}),
            req("bad reference", "POST", "/my/registrations/ZZ99-0000/cancel/",
                session=victims[5], form={}),
            req("long reference", "GET", "/my/registrations/" + "A" * 300 + "/agenda/",
                session=victims[5]),
            req("bad badge", "GET", "/badges/NOPE-0001.pdf", session=victims[6]),
            req("bad workshop ref", "POST", "/workshops/XX00-0000/choose/",
                session=victims[6], form={}),
            req("nul checkin", "POST", f"/checkin/{slug}/", session=victims[9],
                form={"token": nul * 40}),
            req("nul login", "POST", "/accounts/login/", "form",
                form={"login": f"a{nul}@x.uk", "password": nul}),
            req("nul signup", "POST", "/accounts/signup/", "form",
                form={"email": f"{nul}@x.uk", "password1": nul, "password2": nul}),
            req("nul reset", "POST", "/accounts/password/reset/", "form",
                form={"email": f"x{nul}@police.uk"}),
            req("nul admin login", "POST", "/admin/login/", "login",
                form={"username": nul, "password": "x"}),
            req("nul session cookie", "GET", "/my/", "login", cookie=nul_cookie),
            req("nul session cookie post", "POST", register, "login", cookie=nul_cookie,
                form={"consent_terms": "on"}),
            req("oversized body", "POST", register, session=victims[7], body=big),
            req("too many fields", "POST", register, session=victims[7],
                body=many.encode()),
            req("broken multipart", "POST", register, session=victims[8],
                body=b"--x\r\nContent-Disposition: form-data; name=\x00\r\n\r\nz",
                headers=multipart),
            req("multipart no boundary", "POST", register, session=victims[8],
                body=b"abc", headers={"Content-Type": "multipart/form-data"}),
            req("bad host", "GET", "/", headers={"Host": "evil.example"}),
            raw("nul in path", b"GET /editions/a\x00b/ HTTP/1.1"),
            raw("pct nul in path", b"GET /editions/a%00b/ HTTP/1.1"),
            raw("pct nul register", f"POST {register}%00 HTTP/1.1".encode(),
                b"Content-Length: 0\r\n"),
            raw("bad utf8 path", b"GET /speakers/\xff\xfe/ HTTP/1.1"),
            raw("garbage request line", b"\x00\x01\x02 garbage"),
            raw("bad content length", b"POST /accounts/login/ HTTP/1.1",
                b"Content-Length: -5\r\n"),
        ]  # fmt: skip
        burst.run(extra_jobs=[cases[i % len(cases)] for i in range(len(cases) * 4)])
        answers = [a for a in client.answers if a.kind not in ("register",)]

        def fits(a: Answer) -> bool:
            if a.server_error:
                return False
            if a.expect == "4xx":
                return 400 <= a.status < 500
            if a.expect == "form":
                return a.status == 200 or 400 <= a.status < 500
            if a.expect == "login":
                return a.status == 302 and "/accounts/login/" in a.location
            return True

        wrong = sorted({f"{a.kind} {a.status}" for a in answers if not fits(a)})
        outcome.add(
            malformed_requests=len(answers),
            malformed_4xx=sum(
                isinstance(a.status, int) and 400 <= a.status < 500 for a in answers
            ),
            malformed_unexpected=sum(not fits(a) for a in answers),
        )
        if wrong:
            outcome.notes.append(f"malformed requests answered wrongly: {wrong[:8]}")
        count_server_errors(outcome, client.answers)
        return self._finish(outcome, since, edition, burst)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--only", nargs="*", default=None, help="run only these experiments (names)"
    )
    args = parser.parse_args()
    sys.stdout.reconfigure(line_buffering=True)
    stack = Stack()
    outcomes: list[Outcome] = []
    crashed: list[str] = []
    try:
        print("Starting PostgreSQL, Redis, the SMTP sink...", flush=True)
        stack.pg_start()
        stack.redis_start()
        os.environ.update(stack.env)
        import django  # noqa: PLC0415

        django.setup()
        from django.core.management import call_command  # noqa: PLC0415

        call_command("migrate", verbosity=0)
        db_fresh()
        print("Starting gunicorn, the worker and beat...", flush=True)
        stack.web_start()
        stack.worker_start()
        stack.supervise()
        stack.beat_start()
        bench = Bench(stack)
        plan = [
            ("broker_stopped", lambda: bench.broker("broker_stopped", signal.SIGTERM)),
            ("broker_killed", lambda: bench.broker("broker_killed", signal.SIGKILL)),
            ("web_worker_killed", bench.web_worker_killed),
            ("smtp_refusing", bench.smtp_refusing),
            ("duplicate_task", bench.duplicate_task),
            ("worker_killed_send", bench.worker_killed_send),
            ("worker_killed_print", bench.worker_killed_print),
            (
                "worker_killed_print_broker_lost",
                lambda: bench.worker_killed_print(broker_lost=True),
            ),
            ("database_restarted", bench.database_restarted),
            ("malformed", bench.malformed),
        ]
        for name, run in plan:
            if args.only and name not in args.only:
                continue
            print(f"-- {name}", flush=True)
            began = time.monotonic()
            try:
                outcome = run()
            except Exception:  # reported, never passed: the next one still runs
                traceback.print_exc()
                crashed.append(name)
                stack.ensure_up()
                continue
            outcome.add(took_s=round(time.monotonic() - began, 1))
            outcome.print()
            outcomes.append(outcome)
    finally:
        stack.stop()
    totals = dict.fromkeys(outcomes[0].counted if outcomes else (), 0)
    for outcome in outcomes:
        for key, value in outcome.counted.items():
            totals[key] += value
    print()
    print(f"{'experiment':<34}" + "".join(f"{k[:12]:>13}" for k in totals))
    for outcome in outcomes:
        print(
            f"{outcome.name:<34}" + "".join(f"{outcome.counted[k]:>13}" for k in totals)
        )
    if crashed:
        print(f"crashed (see the traceback above): {', '.join(crashed)}")
    print(
        f"RESULT experiments={len(outcomes)} "
        f"registrations_lost={totals.get('registrations_lost', 0)} "
        f"overbooked={totals.get('overbooked', 0)} "
        f"emails_lost={totals.get('emails_lost', 0)} "
        f"duplicates={totals.get('duplicates', 0)} "
        f"stuck_jobs={totals.get('stuck_jobs', 0)} "
        f"server_errors={totals.get('server_errors', 0)} "
        f"redeliveries={totals.get('redeliveries', 0)} "
        f"worker_restarts={stack.worker_restarts}"
        + (f" crashed={len(crashed)}" if crashed else "")
    )


if __name__ == "__main__":
    main()
