"""One PDF of every sign-in sheet of an edition (``workshops.services.sheets``),
checked by its text, and its admin action and download."""

import io

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.urls import reverse
from pypdf import PdfReader

from delegates.privacy.models import PersonalDataAccess
from tests.workshops.helpers import seat
from workshops import services
from workshops.models import EditionSignInSheets

pytestmark = pytest.mark.django_db


def _text(data: bytes) -> list[str]:
    return [
        " ".join(page.extract_text().split())
        for page in PdfReader(io.BytesIO(data)).pages
    ]


def test_one_pdf_holds_every_runs_sheet_in_time_order(
    edition, grid, django_capture_on_commit_callbacks
):
    registrations = seat(edition, grid, 2)
    with django_capture_on_commit_callbacks(execute=True):
        services.edition_sign_in_sheets_request(edition=edition)
    sheets = EditionSignInSheets.objects.get(edition=edition)
    assert sheets.status == EditionSignInSheets.Status.READY
    with sheets.file.open("rb") as fh:
        pages = _text(fh.read())
    runs = [run for block in grid for run in block]
    assert len(pages) == len(runs)  # each run on its own page
    for page, run in zip(pages, runs, strict=True):
        assert page.startswith(run.workshop.title)
        assert run.room.name in page
    first = pages[0]
    for registration in registrations:
        assert registration.reference in first
        assert registration.user.profile.last_name in first
    assert "2 of 20 places" in first
    assert "Nobody has chosen this workshop yet." in pages[1]


def test_edition_sheets_render_in_fixed_queries(
    edition, grid, django_assert_max_num_queries
):
    seat(edition, grid, 3)
    with django_assert_max_num_queries(2):
        rows = services.sheets.edition_sheets_attendance(edition)
        assert [len(attendees) for _run, attendees in rows] == [3, 0] * 4


def test_admin_action_then_download_is_recorded(
    staff_client, edition, grid, django_capture_on_commit_callbacks
):
    seat(edition, grid, 1)
    url = reverse("admin:workshops_workshoprun_edition_sheets", args=[edition.pk])
    assert staff_client.get(url).status_code == 404  # not prepared yet
    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(
            reverse("admin:workshops_workshoprun_changelist"),
            {"action": "request_edition_sheets", ACTION_CHECKBOX_NAME: [grid[0][0].pk]},
            follow=True,
        )
    assert url in response.content.decode()
    response = staff_client.get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content).startswith(b"%PDF-")
    assert PersonalDataAccess.objects.filter(detail="all runs").exists()
