"""Badges and print runs hold names and check-in codes: never public URLs."""

import pytest
from django.urls import reverse

from delegates.badges.models import BadgePrintJob

pytestmark = pytest.mark.django_db


@pytest.fixture
def print_job(client, organiser, make_registration, django_capture_on_commit_callbacks):
    registration = make_registration()
    client.force_login(organiser)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("admin:delegates_registration_changelist"),
            {"action": "print_badges_sheet", "_selected_action": [registration.pk]},
        )
    client.logout()
    return BadgePrintJob.objects.get(status=BadgePrintJob.Status.READY)


def test_print_run_is_not_reachable_under_media_url(client, print_job):
    assert client.get(f"/media/{print_job.file.name}").status_code == 404


def test_print_run_downloads_for_staff_only(client, organiser, print_job):
    url = reverse("admin:delegates_badgeprintjob_download", args=[print_job.pk])
    assert client.get(url).status_code == 302  # to the admin login
    client.force_login(organiser)
    page = client.get(
        reverse("admin:delegates_badgeprintjob_change", args=[print_job.pk])
    )
    assert url in page.content.decode()
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content).startswith(b"%PDF")


def test_download_of_missing_print_run_is_404(client, organiser):
    client.force_login(organiser)
    url = reverse("admin:delegates_badgeprintjob_download", args=[987654])
    assert client.get(url).status_code == 404
