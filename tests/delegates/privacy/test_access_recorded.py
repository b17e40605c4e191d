"""Every export and bulk view of personal data leaves a PersonalDataAccess record."""

import datetime as dt

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import timezone

from delegates.badges.models import BadgePrintJob
from delegates.badges.tokens import token_for
from delegates.privacy.models import PersonalDataAccess
from tests.factories.accounts import StaffFactory
from tests.factories.delegates import RegistrationFactory
from tests.factories.events import EditionFactory
from tests.factories.workshops import WorkshopRunFactory
from workshops.models import SignInSheet, WorkshopChoice

from .conftest import badge_with_file

pytestmark = pytest.mark.django_db

Kind = PersonalDataAccess.Kind


@pytest.fixture
def organiser(client):
    organiser = StaffFactory()
    client.force_login(organiser)
    return organiser


@pytest.fixture
def running_edition():
    """An edition on today and tomorrow: the door is open."""
    today = timezone.localdate()
    return EditionFactory(
        start_date=today,
        end_date=today + dt.timedelta(days=1),
        registration_opens_at=timezone.now() - dt.timedelta(days=60),
    )


def _only_record(kind) -> PersonalDataAccess:
    return PersonalDataAccess.objects.get(kind=kind)


@pytest.mark.parametrize(
    "action,kind",
    [("export_csv", Kind.EXPORT_CSV), ("export_xlsx", Kind.EXPORT_XLSX)],
)
def test_registration_export_is_recorded(client, organiser, action, kind):
    edition = EditionFactory()
    registrations = RegistrationFactory.create_batch(2, edition=edition)
    response = client.post(
        reverse("admin:delegates_registration_changelist"),
        {"action": action, "_selected_action": [r.pk for r in registrations]},
    )
    assert response.status_code == 200
    record = _only_record(kind)
    assert (record.actor, record.edition, record.rows) == (organiser, edition, 2)


def test_catering_summary_is_recorded(client, organiser):
    edition = EditionFactory()
    RegistrationFactory.create_batch(3, edition=edition)
    url = reverse("admin:delegates_registration_summary", args=[edition.pk])
    assert client.get(url).status_code == 200
    record = _only_record(Kind.CATERING_SUMMARY)
    assert (record.actor, record.edition, record.rows) == (organiser, edition, 3)


def test_attendance_csv_is_recorded(client, organiser, running_edition):
    RegistrationFactory.create_batch(2, edition=running_edition)
    url = reverse("badges:attendance_csv", args=[running_edition.slug])
    assert client.get(url).status_code == 200
    record = _only_record(Kind.ATTENDANCE_CSV)
    assert (record.edition, record.rows) == (running_edition, 2)


def test_check_in_lookup_is_recorded_with_whom(client, organiser, running_edition):
    registration = RegistrationFactory(edition=running_edition)
    badge = badge_with_file(registration)
    url = reverse("badges:checkin", args=[running_edition.slug])
    assert client.post(url, {"token": token_for(badge.key)}).status_code == 200
    record = _only_record(Kind.CHECK_IN_LOOKUP)
    assert (record.actor, record.subject, record.edition) == (
        organiser,
        registration.user,
        running_edition,
    )
    assert record.detail == "checked_in"
    # A code that names nobody shows nobody, so nothing is recorded.
    client.post(url, {"token": "not-a-code"})
    assert PersonalDataAccess.objects.count() == 1


def test_print_run_download_is_recorded(client, organiser):
    edition = EditionFactory()
    job = BadgePrintJob.objects.create(
        edition=edition, total=4, done=4, status=BadgePrintJob.Status.READY
    )
    job.file.save("run.pdf", ContentFile(b"%PDF"))
    url = reverse("admin:delegates_badgeprintjob_download", args=[job.pk])
    assert client.get(url).status_code == 200
    record = _only_record(Kind.BADGE_PRINT_RUN)
    assert (record.edition, record.rows) == (edition, 4)


def test_workshop_attendance_and_sign_in_sheet_are_recorded(client, organiser):
    registration = RegistrationFactory()
    run = WorkshopRunFactory(workshop__edition=registration.edition)
    WorkshopChoice.objects.create(
        registration=registration, run=run, block=run.block, workshop=run.workshop
    )
    type(run).objects.filter(pk=run.pk).update(seats_taken=1)
    assert (
        client.get(
            reverse("admin:workshops_workshoprun_csv", args=[run.pk])
        ).status_code
        == 200
    )
    record = _only_record(Kind.WORKSHOP_ATTENDANCE)
    assert (record.edition, record.rows) == (registration.edition, 1)
    sheet = SignInSheet.objects.create(run=run, status=SignInSheet.Status.READY)
    sheet.file.save("sheet.pdf", ContentFile(b"%PDF"))
    response = client.get(reverse("admin:workshops_workshoprun_sheet", args=[run.pk]))
    assert response.status_code == 200
    assert _only_record(Kind.SIGN_IN_SHEET).rows == 1
    client.post(
        reverse("admin:workshops_workshoprun_changelist"),
        {"action": "export_csv", "_selected_action": [run.pk]},
    )
    assert PersonalDataAccess.objects.filter(kind=Kind.WORKSHOP_ATTENDANCE).count() == 2
