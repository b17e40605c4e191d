import datetime as dt
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.core import mail
from django.core.exceptions import ValidationError

from delegates.badges import services
from delegates.badges.models import Badge, BadgePrintJob, BadgeSettings
from delegates.models import Registration
from delegates.services import registration_approve, registration_create
from socex.storage import private_storage
from tests.factories.accounts import UserFactory
from tests.factories.delegates import (
    ProfileFactory,
    RegistrationFactory,
    TrustedDomainFactory,
)
from tests.factories.events import EditionFactory
from tests.factories.workshops import workshop_grid

from .conftest import choose, pdf_text

pytestmark = pytest.mark.django_db


def _confirm(registration, django_capture_on_commit_callbacks):
    """An organiser approves the pending registration (the status change writes
    the badge row and renders it after commit)."""
    with django_capture_on_commit_callbacks(execute=True):
        registration_approve(registration=registration, actor=UserFactory())
    registration.refresh_from_db()


def test_confirmation_renders_badge_without_an_email_of_its_own(
    make_registration, django_capture_on_commit_callbacks
):
    registration = make_registration(
        status=Registration.Status.PENDING, badge_name="Jo Bloggs"
    )

    _confirm(registration, django_capture_on_commit_callbacks)

    badge = Badge.objects.get(registration=registration)
    assert badge.status == Badge.Status.READY
    assert private_storage().exists(badge.file.name)
    # Private: nothing of it under the public MEDIA_ROOT.
    assert not (Path(settings.MEDIA_ROOT) / badge.file.name).exists()
    assert "Jo Bloggs" in pdf_text(badge.file.read())[0]
    # The confirmation email points to it on My SOCEX: no second email.
    assert [m for m in mail.outbox if "badge" in m.subject.lower()] == []


def test_badge_render_unchanged_content_skips_and_sends_no_second_email(
    make_registration, django_capture_on_commit_callbacks
):
    registration = make_registration()
    with django_capture_on_commit_callbacks(execute=True):
        first = services.badge_render(registration_id=registration.pk, notify=True)
    with django_capture_on_commit_callbacks(execute=True):
        second = services.badge_render(registration_id=registration.pk, notify=True)

    assert (first, second) == ("rendered", "unchanged")
    assert len(mail.outbox) == 0  # the first render is never emailed on its own


def test_delegates_profile_change_renders_badge_again_without_email(
    make_registration, django_capture_on_commit_callbacks
):
    registration = make_registration(organisation="Kent Police")
    with django_capture_on_commit_callbacks(execute=True):
        services.badge_render(registration_id=registration.pk)
    before = Badge.objects.get(registration=registration).content_hash

    with django_capture_on_commit_callbacks(execute=True):
        profile = registration.user.profile
        profile.organisation = "Essex Police"
        profile.save()

    badge = Badge.objects.get(registration=registration)
    assert badge.content_hash != before
    assert "Essex Police" in pdf_text(badge.file.read())[0]
    assert len(mail.outbox) == 0


def test_organisers_profile_change_emails_the_changed_badge(
    make_registration, django_capture_on_commit_callbacks
):
    registration = make_registration(organisation="Kent Police")
    with django_capture_on_commit_callbacks(execute=True):
        services.badge_render(registration_id=registration.pk)

    with django_capture_on_commit_callbacks(execute=True):
        profile = registration.user.profile
        profile.organisation = "Essex Police"
        profile.changed_by_organiser = True  # as ProfileAdmin.save_model sets it
        profile.save()

    [email] = mail.outbox
    assert email.to == [registration.user.email]
    assert email.subject == f"Your badge for {registration.edition.title} has changed"
    [(_filename, content, mimetype)] = email.attachments
    assert mimetype == "application/pdf"
    assert "Essex Police" in pdf_text(content)[0]


def test_badge_schedule_render_ignores_unconfirmed(
    make_registration, django_capture_on_commit_callbacks
):
    registration = make_registration(status=Registration.Status.WAITLISTED)

    with django_capture_on_commit_callbacks(execute=True):
        services.badge_schedule_render(registration=registration)

    assert Badge.objects.get(registration=registration).status == "pending"
    assert mail.outbox == []


def test_badge_render_cancelled_registration_is_skipped(make_registration):
    registration = make_registration(status=Registration.Status.CANCELLED)

    assert services.badge_render(registration_id=registration.pk) == "skipped"


def test_print_job_joins_chunks_sorted_by_surname(
    settings, badge_edition, make_registration, django_capture_on_commit_callbacks
):
    settings.BADGE_PRINT_CHUNK_SIZE = 4
    for surname in ["Young", "Adams", "Khan", "Morris", "Baker"]:
        make_registration(last_name=surname, badge_name=f"Sam {surname}")
    make_registration(last_name="Zed", status=Registration.Status.WAITLISTED)

    with django_capture_on_commit_callbacks(execute=True):
        job = services.badge_print_job_create(edition=badge_edition)

    job.refresh_from_db()
    assert job.status == BadgePrintJob.Status.READY
    assert (job.done, job.total, job.chunks_total) == (5, 5, 2)
    fronts = pdf_text(job.file.read())[::2]
    assert [re.search(r"Sam ([A-Z][a-z]+)", page)[1] for page in fronts] == [
        "Adams",
        "Baker",
        "Khan",
        "Morris",
        "Young",
    ]
    assert not private_storage().exists(f"badges/print/parts/job-{job.pk}-0000.pdf")


def test_print_job_for_selected_leaves_out_unconfirmed(
    badge_edition, make_registration, django_capture_on_commit_callbacks
):
    chosen = make_registration(badge_name="Chosen One")
    cancelled = make_registration(status=Registration.Status.CANCELLED)
    make_registration(badge_name="Not Selected")

    with django_capture_on_commit_callbacks(execute=True):
        job = services.badge_print_job_create(
            edition=badge_edition,
            registrations=Registration.objects.filter(pk__in=[chosen.pk, cancelled.pk]),
        )

    job.refresh_from_db()
    assert job.selection == [chosen.pk]
    assert "Chosen One" in pdf_text(job.file.read())[0]


def test_print_job_with_nothing_confirmed_is_refused(badge_edition, make_registration):
    make_registration(status=Registration.Status.WAITLISTED)

    with pytest.raises(ValidationError, match="no confirmed registration"):
        services.badge_print_job_create(edition=badge_edition)
    assert BadgePrintJob.objects.count() == 0


def test_print_job_four_per_sheet_refused_for_card_badges(
    badge_edition, make_registration
):
    BadgeSettings.objects.create(edition=badge_edition, size=BadgeSettings.Size.CARD)
    make_registration()

    with pytest.raises(ValidationError, match="A6 badges only"):
        services.badge_print_job_create(
            edition=badge_edition, layout=BadgePrintJob.Layout.SHEET
        )


def test_print_job_registrations_of_another_edition_are_not_printed(
    badge_edition, make_registration
):
    other = make_registration(edition=EditionFactory())

    with pytest.raises(ValidationError):
        services.badge_print_job_create(
            edition=badge_edition,
            registrations=Registration.objects.filter(pk=other.pk),
        )


def test_print_chunk_delivered_twice_counts_once(
    badge_edition, make_registration, django_capture_on_commit_callbacks
):
    make_registration()
    job = services.badge_print_job_create(edition=badge_edition)
    services.badge_print_job_start(job_id=job.pk)

    services.badge_print_chunk_render(job_id=job.pk, index=0)
    again = services.badge_print_chunk_render(job_id=job.pk, index=0)

    job.refresh_from_db()
    assert again == "duplicate"
    assert (job.done, job.chunks_done) == (1, [0])


def test_badge_sweep_queues_missing_badges(
    badge_edition, django_capture_on_commit_callbacks
):
    registration = RegistrationFactory(edition=badge_edition)

    with django_capture_on_commit_callbacks(execute=True):
        queued = services.badge_sweep()

    assert queued == 1
    assert Badge.objects.get(registration=registration).status == "ready"


def test_confirmed_registration_gets_one_email_and_a_badge(
    badge_edition, django_capture_on_commit_callbacks
):
    TrustedDomainFactory(edition=badge_edition, domain="police.uk")
    user = UserFactory(email="door@police.uk")
    ProfileFactory(user=user, badge_name="Dee Door")

    with django_capture_on_commit_callbacks(execute=True):
        registration = registration_create(
            edition=badge_edition, user=user, consent_terms=True
        )

    assert registration.status == Registration.Status.CONFIRMED
    [email] = mail.outbox
    assert email.subject.startswith("Confirmed")
    assert "badge" in email.body and "/my/" in email.body
    assert Badge.objects.get(registration=registration).status == "ready"


def test_print_job_stuck_midway_is_finished_by_the_sweep(
    badge_edition, make_registration, django_capture_on_commit_callbacks
):
    make_registration()
    make_registration()
    job = services.badge_print_job_create(edition=badge_edition)  # never started
    BadgePrintJob.objects.filter(pk=job.pk).update(
        created_at=job.created_at - dt.timedelta(hours=1),
        updated_at=job.updated_at - dt.timedelta(hours=1),
    )

    with django_capture_on_commit_callbacks(execute=True):
        nudged = services.badge_print_job_sweep()

    job.refresh_from_db()
    assert nudged == 1
    assert job.status == BadgePrintJob.Status.READY
    assert len(pdf_text(job.file.read())) == 4


@pytest.mark.parametrize("count", [1, 8])
def test_print_chunk_queries_do_not_grow_with_its_badges(
    settings, badge_edition, make_registration, django_assert_max_num_queries, count
):
    settings.BADGE_PRINT_CHUNK_SIZE = 8
    grid = workshop_grid(badge_edition, blocks=2, per_block=1)
    for _ in range(count):
        registration = make_registration()
        for runs in grid:
            choose(registration, runs[0])
    job = services.badge_print_job_create(edition=badge_edition)
    services.badge_print_job_start(job_id=job.pk)

    # The job, the registrations, the workshops hook; then the locked job and its
    # count, in a savepoint: seven, whether the chunk holds one badge or eight.
    with django_assert_max_num_queries(7):
        assert services.badge_print_chunk_render(job_id=job.pk, index=0) == "rendered"

    job.refresh_from_db()
    assert job.done == count
