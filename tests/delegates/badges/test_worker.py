"""Badges made by a real Celery worker through Redis: a confirmed registration's badge,
a bulk print whose chunks run as parallel tasks and are joined by the last one, and a
bulk print whose worker is killed mid-job."""

import contextlib
import os
import signal
import subprocess
import sys
import time

import pytest
from django.db import connection, transaction

from delegates.badges import services
from delegates.badges.models import Badge, BadgePrintJob
from tests.conftest import _redis_url
from tests.factories.delegates import ProfileFactory, RegistrationFactory
from tests.factories.events import EditionFactory

from .conftest import pdf_text

pytestmark = [pytest.mark.redis, pytest.mark.django_db(transaction=True)]


def _wait_for(fetch, done, seconds=60):
    deadline = time.monotonic() + seconds
    value = fetch()
    while not done(value) and time.monotonic() < deadline:
        time.sleep(0.2)
        value = fetch()
    return value


def test_badge_rendered_by_real_worker(celery_redis_worker):
    registration = RegistrationFactory(
        edition=EditionFactory(), user=ProfileFactory(badge_name="Wendy Worker").user
    )

    with transaction.atomic():
        services.badge_schedule_render(registration=registration)

    badge = _wait_for(
        lambda: Badge.objects.get(registration=registration),
        lambda badge: badge.status == Badge.Status.READY,
    )
    assert badge.status == Badge.Status.READY
    assert "Wendy Worker" in pdf_text(badge.file.read())[0]


def test_print_job_chunks_rendered_in_parallel_and_joined(
    settings, celery_redis_worker
):
    settings.BADGE_PRINT_CHUNK_SIZE = 4
    edition = EditionFactory()
    for surname in ["Evans", "Clark", "Adams", "Dixon", "Baker", "Fox", "Green"]:
        RegistrationFactory(
            edition=edition,
            user=ProfileFactory(last_name=surname, badge_name=f"Kim {surname}").user,
        )

    job = services.badge_print_job_create(edition=edition)

    job = _wait_for(
        lambda: BadgePrintJob.objects.get(pk=job.pk),
        lambda job: job.status in (BadgePrintJob.Status.READY, "failed"),
    )
    assert job.status == BadgePrintJob.Status.READY
    assert (job.done, job.chunks_done) == (7, [0, 1])
    fronts = pdf_text(job.file.read())[::2]
    surnames = [page.split("Kim ")[1][:3] for page in fronts]
    assert surnames == ["Ada", "Bak", "Cla", "Dix", "Eva", "Fox", "Gre"]


@contextlib.contextmanager
def _queue_of_its_own(settings):
    """Send tasks through Redis to a queue no other test consumes; purge it after."""
    from socex.celery import app

    queue = f"test-{os.getpid()}-{os.urandom(4).hex()}"
    saved = {
        key: app.conf[key]
        for key in ("task_always_eager", "broker_url", "task_default_queue")
    }
    settings.CELERY_TASK_ALWAYS_EAGER = False
    app.conf.update(
        task_always_eager=False, broker_url=_redis_url(), task_default_queue=queue
    )
    try:
        yield queue
    finally:
        with app.connection_for_write() as connection:
            connection.default_channel.queue_delete(queue)
        app.conf.update(saved)


def _worker(queue: str, settings) -> subprocess.Popen:
    """A prefork Celery worker process (one child) on ``queue``, in a process group
    of its own so that it can be killed whole, as a crashed host would be."""
    db = connection.settings_dict
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "socex.settings.local",
        "DEBUG": "false",
        "DATABASE_URL": (
            f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST'] or '127.0.0.1'}:"
            f"{db['PORT'] or 5432}/{db['NAME']}"
        ),
        "CELERY_BROKER_URL": _redis_url(),
        "PRIVATE_MEDIA_ROOT": str(settings.PRIVATE_MEDIA_ROOT),
        "BADGE_PRINT_CHUNK_SIZE": str(settings.BADGE_PRINT_CHUNK_SIZE),
        "LOG_LEVEL": "WARNING",
    }
    code = (
        "from socex.celery import app; "
        f"app.conf.task_default_queue = {queue!r}; "
        "app.worker_main(['worker', '-Q', "
        f"{queue!r}, '-P', 'prefork', '-c', '1', '--without-mingle', "
        "'--without-gossip', '--without-heartbeat', '-l', 'warning'])"
    )
    return subprocess.Popen(
        [sys.executable, "-c", code],
        cwd=settings.BASE_DIR,
        env=env,
        start_new_session=True,
    )


@pytest.mark.postgres
def test_print_job_of_a_killed_worker_is_finished_by_a_new_worker_and_the_sweep(
    settings,
):
    settings.BADGE_PRINT_CHUNK_SIZE = 4
    settings.BADGE_JOB_STALE_AFTER = 3
    edition = EditionFactory()
    for _ in range(40):
        RegistrationFactory(edition=edition)
    with _queue_of_its_own(settings) as queue:
        first = _worker(queue, settings)
        try:
            job = services.badge_print_job_create(edition=edition)
            job = _wait_for(
                lambda: BadgePrintJob.objects.get(pk=job.pk),
                lambda job: len(job.chunks_done) >= 1,
                seconds=120,
            )
        finally:
            os.killpg(first.pid, signal.SIGKILL)  # no warm shutdown: work in hand lost
            first.wait()
        killed = BadgePrintJob.objects.get(pk=job.pk)
        assert killed.status == BadgePrintJob.Status.RENDERING
        assert len(killed.chunks_done) < killed.chunks_total == 10

        second = _worker(queue, settings)
        resumed = 0
        try:
            deadline = time.monotonic() + 180
            while time.monotonic() < deadline:
                job.refresh_from_db()
                if job.status != BadgePrintJob.Status.RENDERING:
                    break
                resumed += services.badge_print_job_sweep()
                time.sleep(0.5)
        finally:
            second.terminate()
            second.wait(timeout=30)

    assert job.status == BadgePrintJob.Status.READY
    assert resumed >= 1
    assert (job.done, job.chunks_done) == (40, list(range(10)))
    assert len(pdf_text(job.file.read())) == 80
