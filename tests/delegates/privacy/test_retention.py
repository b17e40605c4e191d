"""Retention: files of past editions and people with no recent registration."""

import datetime as dt
import os
from io import StringIO

import pytest
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.utils import timezone

from delegates.badges.models import Badge, BadgePrintJob, CheckIn
from delegates.badges.services import badge_render
from delegates.models import Profile, Registration, User
from delegates.privacy.retention import retention_apply
from delegates.privacy.tasks import privacy_retention
from socex.mail.models import OutboxEmail
from socex.mail.services import attachment_from_storage, email_queue_message
from socex.storage import private_storage
from tests.factories.accounts import UserFactory
from tests.factories.delegates import ProfileFactory, RegistrationFactory
from tests.factories.workshops import WorkshopRunFactory
from workshops.models import SignInSheet

from .conftest import badge_with_file, past_edition

pytestmark = pytest.mark.django_db


def _age(name: str, *, hours: int = 2) -> None:
    """Make a stored file look written ``hours`` ago (older than the grace)."""
    path = private_storage().path(name)
    then = (timezone.now() - dt.timedelta(hours=hours)).timestamp()
    os.utime(path, (then, then))


def _old_person(*, ended_days_ago: int, email: str, joined_years_ago: int = 5):
    user = UserFactory(email=email)
    User.objects.filter(pk=user.pk).update(
        date_joined=timezone.now() - dt.timedelta(days=365 * joined_years_ago),
        last_login=None,
    )
    ProfileFactory(
        user=user, first_name="Old", last_name="Timer", phone="+44 20 7946 0002"
    )
    registration = RegistrationFactory(
        user=user, edition=past_edition(days_ago=ended_days_ago)
    )
    CheckIn.objects.create(registration=registration, checked_in_at=timezone.now())
    return User.objects.get(pk=user.pk), registration


@pytest.fixture
def demo(db, settings):
    """An edition ended 40 days ago with a badge, a print run and a sign-in sheet;
    a person whose last edition ended three years ago; one who came last month."""
    settings.PRIVACY_BADGE_FILES_DAYS_AFTER_EVENT = 7
    settings.PRIVACY_SIGN_IN_SHEETS_DAYS_AFTER_EVENT = 30
    settings.PRIVACY_REGISTRATION_YEARS = 2
    edition = past_edition(days_ago=40)
    registration = RegistrationFactory(edition=edition)
    badge = badge_with_file(registration)
    job = BadgePrintJob.objects.create(
        edition=edition, total=1, done=1, status=BadgePrintJob.Status.READY
    )
    job.file.save("edition-badges.pdf", ContentFile(b"%PDF run"))
    run = WorkshopRunFactory(workshop__edition=edition)
    sheet = SignInSheet.objects.create(run=run, status=SignInSheet.Status.READY)
    sheet.file.save("sheet.pdf", ContentFile(b"%PDF sheet"))
    old, old_registration = _old_person(ended_days_ago=3 * 365, email="old@police.uk")
    recent, _recent_registration = _old_person(
        ended_days_ago=30, email="recent@police.uk"
    )
    return {
        "badge": badge,
        "job": job,
        "sheet": sheet,
        "old": old,
        "old_registration": old_registration,
        "recent": recent,
        "files": [badge.file.name, job.file.name, sheet.file.name],
    }


def test_dry_run_lists_each_kind_and_deletes_nothing(demo):
    out = StringIO()
    call_command("privacy_retention", "--dry-run", stdout=out)
    text = out.getvalue()
    assert "badge_files: would remove 1" in text
    assert demo["badge"].file.name in text
    assert "badge_print_runs: would remove 1" in text
    assert "sign_in_sheets: would remove 1" in text
    assert "people: would remove 1" in text
    assert f"user {demo['old'].pk}" in text
    assert "old@police.uk" not in text  # the output names nobody
    assert "Dry run: nothing was deleted." in text
    for name in demo["files"]:
        assert private_storage().exists(name)
    demo["old"].refresh_from_db()
    assert demo["old"].email == "old@police.uk"
    assert demo["old"].is_active


def test_run_deletes_files_keeps_status_and_counts(
    demo, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        call_command("privacy_retention", stdout=StringIO())
    for name in demo["files"]:
        assert not private_storage().exists(name)
    demo["badge"].refresh_from_db()
    demo["job"].refresh_from_db()
    demo["sheet"].refresh_from_db()
    assert (demo["badge"].file.name, demo["badge"].status) == ("", "ready")
    assert (demo["job"].file.name, demo["job"].status) == ("", "done")
    assert (demo["sheet"].file.name, demo["sheet"].status) == ("", "ready")
    # The old person is anonymised; their registration and check-in still count.
    old = User.objects.get(pk=demo["old"].pk)
    assert old.email == f"erased-{old.pk}@erased.invalid"
    assert not old.is_active
    profile = Profile.objects.get(user=old)
    assert (profile.first_name, profile.phone) == ("", "")
    assert profile.organisation_type == "uk_police"
    registration = Registration.objects.get(pk=demo["old_registration"].pk)
    assert (registration.status, registration.edition_id) == (
        "confirmed",
        demo["old_registration"].edition_id,
    )
    assert CheckIn.objects.filter(registration=registration).exists()
    # Somebody who came last month is untouched.
    recent = User.objects.get(pk=demo["recent"].pk)
    assert (recent.email, recent.is_active) == ("recent@police.uk", True)
    # A second run finds nothing more.
    results = retention_apply(dry_run=True)
    assert {step.kind: step.count for step, _ in results} == {
        "badge_files": 0,
        "badge_print_runs": 0,
        "sign_in_sheets": 0,
        "superseded_badge_files": 0,
        "people": 0,
    }


def test_periods_come_from_the_settings(demo, settings):
    settings.PRIVACY_BADGE_FILES_DAYS_AFTER_EVENT = 60
    settings.PRIVACY_SIGN_IN_SHEETS_DAYS_AFTER_EVENT = 60
    settings.PRIVACY_REGISTRATION_YEARS = 4
    counts = {step.kind: step.count for step, _ in retention_apply(dry_run=True)}
    assert counts["badge_files"] == 0
    assert counts["badge_print_runs"] == 0
    assert counts["sign_in_sheets"] == 0
    assert counts["people"] == 0


def test_recent_sign_in_or_staff_keeps_a_person(settings, db):
    user, _registration = _old_person(ended_days_ago=3 * 365, email="a@police.uk")
    User.objects.filter(pk=user.pk).update(last_login=timezone.now())
    staff, _registration = _old_person(ended_days_ago=3 * 365, email="s@police.uk")
    User.objects.filter(pk=staff.pk).update(is_staff=True)
    counts = {step.kind: step.count for step, _ in retention_apply(dry_run=True)}
    assert counts["people"] == 0


def test_never_registered_old_account_is_anonymised(db):
    user = UserFactory(email="never@police.uk")
    User.objects.filter(pk=user.pk).update(
        date_joined=timezone.now() - dt.timedelta(days=3 * 365)
    )
    privacy_retention.delay()
    user.refresh_from_db()
    assert not user.is_active
    assert user.email.endswith("@erased.invalid")


def test_superseded_badge_file_is_deleted_when_the_badge_is_made_again(
    django_capture_on_commit_callbacks,
):
    registration = RegistrationFactory()
    with django_capture_on_commit_callbacks(execute=True):
        badge_with_file(registration)
        first = Badge.objects.get(registration=registration).file.name
        assert badge_render(registration_id=registration.pk) == "rendered"
    second = Badge.objects.get(registration=registration).file.name
    assert second != first
    assert not private_storage().exists(first)
    assert private_storage().exists(second)


def test_superseded_badge_file_waits_for_its_unsent_email(
    django_capture_on_commit_callbacks, settings
):
    registration = RegistrationFactory()
    badge = badge_with_file(registration)
    first = badge.file.name
    # An email still queued (e.g. the broker was down) attaches the first file.
    OutboxEmail.objects.create(
        to=registration.user.email,
        subject="Your badge",
        body_text="x",
        attachments=[
            attachment_from_storage("b.pdf", first, "application/pdf", private=True)
        ],
        next_attempt_at=timezone.now(),
    )
    with django_capture_on_commit_callbacks(execute=True):
        badge_render(registration_id=registration.pk)
    assert private_storage().exists(first)
    _age(first)
    counts = {step.kind: step.items for step, _ in retention_apply(dry_run=True)}
    assert first not in counts["superseded_badge_files"]
    OutboxEmail.objects.filter(subject="Your badge").update(
        status=OutboxEmail.Status.SENT
    )
    with django_capture_on_commit_callbacks(execute=True):
        results = retention_apply()
    removed = {step.kind: (step.items, n) for step, n in results}
    assert removed["superseded_badge_files"] == ([first], 1)
    assert not private_storage().exists(first)
    assert private_storage().exists(Badge.objects.get(pk=badge.pk).file.name)


def test_badges_of_past_editions_are_not_made_again(
    django_capture_on_commit_callbacks,
):
    registration = RegistrationFactory(edition=past_edition(days_ago=40))
    badge_with_file(registration)
    Badge.objects.filter(registration=registration).update(file="")
    with django_capture_on_commit_callbacks(execute=True):
        assert badge_render(registration_id=registration.pk) == "skipped"
    assert Badge.objects.get(registration=registration).file.name == ""
    assert not OutboxEmail.objects.exists()


def test_retention_is_on_the_beat_schedule(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["privacy-retention"]
    assert entry["task"] == privacy_retention.name
    assert privacy_retention.name == "delegates.privacy.tasks.privacy_retention"


def test_unsent_email_to_an_old_person_is_not_sent_after_anonymising(
    db, django_capture_on_commit_callbacks
):
    user, _registration = _old_person(ended_days_ago=3 * 365, email="q@police.uk")
    email = email_queue_message(to="q@police.uk", subject="Hello", body_text="Dear Q")
    OutboxEmail.objects.filter(pk=email.pk).update(status=OutboxEmail.Status.QUEUED)
    with django_capture_on_commit_callbacks(execute=True):
        retention_apply()
    email.refresh_from_db()
    assert email.status == OutboxEmail.Status.FAILED
    assert email.to == f"erased-{user.pk}@erased.invalid"
    assert "Dear Q" not in email.body_text
    assert email.body_removed_at is not None
