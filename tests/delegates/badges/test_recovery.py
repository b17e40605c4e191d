"""Badges and print jobs that recover by themselves: the sweeps, resuming a print job
(from the sweep and from the admin), and what a stale or failed row looks like."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from delegates.badges import services, tasks
from delegates.badges.models import Badge, BadgePrintJob

from .conftest import pdf_text

pytestmark = pytest.mark.django_db


def _age(model, pk, seconds):
    """Backdate a row's heartbeat, as if nothing had touched it for ``seconds``."""
    model.objects.filter(pk=pk).update(
        updated_at=timezone.now() - dt.timedelta(seconds=seconds)
    )


@pytest.fixture
def half_done_job(
    settings, make_registration, badge_edition, django_capture_on_commit_callbacks
):
    """A running job of two chunks: the first rendered, the second lost with its
    worker (its task never ran), so the job is stuck in rendering."""
    settings.BADGE_PRINT_CHUNK_SIZE = 4
    for _ in range(8):
        make_registration()
    job = services.badge_print_job_create(edition=badge_edition)
    with django_capture_on_commit_callbacks() as chunks:
        services.badge_print_job_start(job_id=job.pk)
    assert len(chunks) == 2
    with django_capture_on_commit_callbacks(execute=True):
        chunks[0]()
    job.refresh_from_db()
    assert (job.status, job.chunks_done) == (BadgePrintJob.Status.RENDERING, [0])
    return job


def test_print_job_with_chunk_stuck_rendering_is_resumed_by_sweep_and_completes(
    settings, half_done_job, django_capture_on_commit_callbacks
):
    settings.BADGE_JOB_STALE_AFTER = 180
    _age(BadgePrintJob, half_done_job.pk, 181)

    with django_capture_on_commit_callbacks(execute=True):
        resumed = tasks.badge_print_job_sweep_task()

    job = BadgePrintJob.objects.get(pk=half_done_job.pk)
    assert resumed == 1
    assert (job.status, job.done, job.chunks_done) == ("done", 8, [0, 1])
    assert job.attempts == 2
    assert len(pdf_text(job.file.read())) == 16


def test_print_job_sweep_leaves_a_job_making_progress_in_one_query(
    settings,
    half_done_job,
    django_capture_on_commit_callbacks,
    django_assert_num_queries,
):
    settings.BADGE_JOB_STALE_AFTER = 180
    _age(BadgePrintJob, half_done_job.pk, 170)

    with django_assert_num_queries(1), django_capture_on_commit_callbacks() as sent:
        resumed = services.badge_print_job_sweep()

    job = BadgePrintJob.objects.get(pk=half_done_job.pk)
    assert (resumed, sent) == (0, [])
    assert (job.status, job.chunks_done) == (BadgePrintJob.Status.RENDERING, [0])


def test_failed_print_job_resumes_from_its_missing_chunks(
    half_done_job, django_capture_on_commit_callbacks
):
    BadgePrintJob.objects.filter(pk=half_done_job.pk).update(
        status=BadgePrintJob.Status.FAILED, error="OSError: no such font"
    )

    with django_capture_on_commit_callbacks(execute=True) as sent:
        services.badge_print_job_resume(job=half_done_job)

    job = BadgePrintJob.objects.get(pk=half_done_job.pk)
    assert len(sent) == 3  # chunk 1, then the join it queues, then the cleanup
    assert (job.status, job.error, job.done) == (BadgePrintJob.Status.READY, "", 8)


def test_resume_renders_again_a_chunk_whose_part_file_is_gone(
    half_done_job, django_capture_on_commit_callbacks
):
    from socex.storage import private_storage

    private_storage().delete(f"badges/print/parts/job-{half_done_job.pk}-0000.pdf")

    with django_capture_on_commit_callbacks(execute=True):
        sent = services.badge_print_job_resume(job=half_done_job)

    job = BadgePrintJob.objects.get(pk=half_done_job.pk)
    assert sent == 2
    assert (job.status, job.chunks_done) == (BadgePrintJob.Status.READY, [0, 1])
    assert len(pdf_text(job.file.read())) == 16


def test_resume_of_a_done_job_is_refused(
    half_done_job, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        services.badge_print_job_resume(job=half_done_job)

    with pytest.raises(ValidationError) as refused:
        services.badge_print_job_resume(job=half_done_job)

    assert refused.value.messages == [
        "This print job is done: download its PDF, or print the badges again."
    ]


def test_admin_resume_action_finishes_a_stuck_job(
    client, organiser, half_done_job, django_capture_on_commit_callbacks
):
    client.force_login(organiser)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("admin:delegates_badgeprintjob_changelist"),
            {"action": "resume", "_selected_action": [half_done_job.pk]},
            follow=True,
        )

    job = BadgePrintJob.objects.get(pk=half_done_job.pk)
    assert job.status == BadgePrintJob.Status.READY
    assert "1 print job resumed." in response.content.decode()


def test_admin_resume_action_reports_a_done_job(
    client, organiser, half_done_job, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        services.badge_print_job_resume(job=half_done_job)
    client.force_login(organiser)

    response = client.post(
        reverse("admin:delegates_badgeprintjob_changelist"),
        {"action": "resume", "_selected_action": [half_done_job.pk]},
        follow=True,
    )

    assert "This print job is done" in response.content.decode()


def test_badge_sweep_resends_a_badge_stuck_pending_only_once_stale(
    settings, make_registration, django_capture_on_commit_callbacks
):
    settings.BADGE_STALE_AFTER = 120
    fresh, stuck = make_registration(), make_registration()
    _age(Badge, stuck.badge.pk, 121)

    with django_capture_on_commit_callbacks(execute=True):
        queued = tasks.badge_sweep_task()

    assert queued == 1
    assert Badge.objects.get(registration=stuck).status == Badge.Status.READY
    assert Badge.objects.get(registration=fresh).status == Badge.Status.PENDING


def test_badge_sweep_waits_longer_before_retrying_a_failed_badge(
    settings, make_registration, django_capture_on_commit_callbacks
):
    settings.BADGE_STALE_AFTER = 120
    settings.BADGE_FAILED_RETRY_AFTER = 600
    registration = make_registration()
    Badge.objects.filter(registration=registration).update(
        status=Badge.Status.FAILED, error="OSError: no such font"
    )
    _age(Badge, registration.badge.pk, 300)

    with django_capture_on_commit_callbacks(execute=True):
        early = services.badge_sweep()
    _age(Badge, registration.badge.pk, 601)
    with django_capture_on_commit_callbacks(execute=True):
        later = services.badge_sweep()

    badge = Badge.objects.get(registration=registration)
    assert (early, later) == (0, 1)
    assert (badge.status, badge.error, badge.attempts) == ("ready", "", 1)


def test_badge_sweep_does_not_resend_what_it_just_sent(
    settings, make_registration, django_capture_on_commit_callbacks
):
    settings.BADGE_STALE_AFTER = 120
    registration = make_registration()
    _age(Badge, registration.badge.pk, 121)

    with django_capture_on_commit_callbacks() as first:
        services.badge_sweep()  # the broker is down: nothing runs
    with django_capture_on_commit_callbacks() as second:
        services.badge_sweep()

    assert (len(first), len(second)) == (1, 0)
