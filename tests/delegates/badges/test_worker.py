"""Badges made by a real Celery worker through Redis: a confirmed registration's badge,
and a bulk print whose chunks run as parallel tasks and are joined by the last one."""

import time

import pytest
from django.db import transaction

from delegates.badges import services
from delegates.badges.models import Badge, BadgePrintJob
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
