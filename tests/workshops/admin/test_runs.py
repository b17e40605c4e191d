"""The runs admin: fill, attendance, sign-in sheets, capacity
(``workshops.admin.runs``)."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.html import escape

from tests.factories.events import EditionFactory
from tests.factories.workshops import (
    workshop_grid,
)
from tests.workshops.helpers import refusal, seat
from workshops import services
from workshops.models import (
    SignInSheet,
    WorkshopAuditEntry,
    WorkshopRun,
)

pytestmark = pytest.mark.django_db


def test_run_changelist_shows_fill(staff_client, edition):
    grid = workshop_grid(edition)
    seat(edition, grid, 3)
    response = staff_client.get(reverse("admin:workshops_workshoprun_changelist"))
    assert response.status_code == 200
    assert "3 / 20" in response.content.decode()


@pytest.mark.parametrize("blocks,per_block", [(1, 1), (4, 5)])
def test_run_changelist_query_count(
    staff_client, edition, blocks, per_block, django_assert_max_num_queries
):
    grid = workshop_grid(edition, blocks=blocks, per_block=per_block, n=blocks)
    seat(edition, grid, 2)
    with django_assert_max_num_queries(12):
        response = staff_client.get(
            reverse("admin:workshops_workshoprun_changelist")
            + f"?workshop__edition__id__exact={edition.pk}"
        )
    assert response.status_code == 200


def test_attendance_csv_lists_delegates(staff_client, edition):
    grid = workshop_grid(edition)
    registrations = seat(edition, grid, 2)
    run = grid[0][0]
    response = staff_client.get(
        reverse("admin:workshops_workshoprun_csv", args=[run.pk])
    )
    assert response.status_code == 200
    body = response.content.decode()
    for registration in registrations:
        assert registration.reference in body
        assert registration.user.email in body
    assert body.count("\n") == 3


def test_attendance_csv_neutralises_formulas(staff_client, edition):
    grid = workshop_grid(edition)
    (registration,) = seat(edition, grid, 1)
    profile = registration.user.profile
    profile.organisation = '=HYPERLINK("http://x")'
    profile.save()
    response = staff_client.get(
        reverse("admin:workshops_workshoprun_csv", args=[grid[0][0].pk])
    )
    assert "'=HYPERLINK" in response.content.decode()


def test_attendance_csv_unknown_run_is_404(staff_client):
    response = staff_client.get(reverse("admin:workshops_workshoprun_csv", args=[999]))
    assert response.status_code == 404


def test_attendance_csv_needs_staff(client, edition):
    grid = workshop_grid(edition)
    (registration,) = seat(edition, grid)
    client.force_login(registration.user)
    response = client.get(
        reverse("admin:workshops_workshoprun_csv", args=[grid[0][0].pk])
    )
    assert response.status_code == 302
    assert registration.reference not in response.content.decode()


def test_sign_in_sheet_task_renders_pdf_and_admin_serves_it(
    staff_client, edition, django_capture_on_commit_callbacks
):
    from pypdf import PdfReader

    grid = workshop_grid(edition)
    registrations = seat(edition, grid, 2)
    run = grid[0][0]
    url = reverse("admin:workshops_workshoprun_sheet", args=[run.pk])
    assert staff_client.get(url).status_code == 404
    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(
            reverse("admin:workshops_workshoprun_sheet_request", args=[run.pk])
        )
    assert response.status_code == 302
    sheet = SignInSheet.objects.get(run=run)
    assert sheet.status == SignInSheet.Status.READY
    response = staff_client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    import io

    pdf = PdfReader(io.BytesIO(b"".join(response.streaming_content)))
    text = "".join(page.extract_text() for page in pdf.pages)
    assert run.workshop.title in text
    for registration in registrations:
        assert registration.reference in text


def test_run_capacity_change_in_admin_goes_through_service(staff_client, edition):
    grid = workshop_grid(edition)
    seat(edition, grid, 2)
    run = grid[0][0]
    url = reverse("admin:workshops_workshoprun_change", args=[run.pk])
    assert staff_client.get(url).status_code == 200
    staff_client.post(url, {"room": run.room_id, "capacity": 1})
    run.refresh_from_db()
    assert run.capacity == 20
    staff_client.post(url, {"room": run.room_id, "capacity": 25})
    run.refresh_from_db()
    assert run.capacity == 25
    assert WorkshopAuditEntry.objects.filter(
        action=WorkshopAuditEntry.Action.CAPACITY, run=run
    ).exists()


def test_run_capacity_below_seats_taken_is_a_form_error(staff_client, edition):
    grid = workshop_grid(edition)
    seat(edition, grid, 3)
    run = grid[0][0]
    url = reverse("admin:workshops_workshoprun_change", args=[run.pk])
    response = staff_client.post(
        url, {"room": run.room_id or "", "capacity": 1}, follow=True
    )
    content = response.content.decode()
    assert "3 people already hold a seat in this run" in content
    assert "was changed successfully" not in content
    run.refresh_from_db()
    assert run.capacity == 20


@pytest.mark.parametrize(
    "name", ["admin:workshops_workshoprun_change", "admin:workshops_allocation_change"]
)
def test_change_page_with_a_garbage_id_is_not_a_server_error(staff_client, name):
    url = reverse(name, args=["abc"])
    response = staff_client.get(url)
    assert response.status_code in (302, 404)
    assert not WorkshopRun.objects.exists()


def test_adding_a_run_without_room_or_capacity_is_a_form_error(staff_client, edition):
    grid = workshop_grid(edition)
    other = EditionFactory()
    foreign_block = workshop_grid(other)[0][0].block
    workshop = grid[0][0].workshop
    url = reverse("admin:workshops_workshoprun_add")
    response = staff_client.post(
        url, {"workshop": workshop.pk, "block": grid[1][0].block_id, "room": ""}
    )
    assert response.status_code == 200
    assert "Give a capacity, or choose a room" in response.content.decode()
    response = staff_client.post(
        url,
        {"workshop": workshop.pk, "block": foreign_block.pk, "room": "", "capacity": 5},
    )
    assert response.status_code == 200
    assert "Choose a workshop block of this workshop" in response.content.decode()
    assert WorkshopRun.objects.filter(workshop=workshop).count() == 1


def test_run_capacity_rule_has_the_same_words_in_the_run_page_and_service(
    staff_client, edition, grid
):
    seat(edition, grid, 3)
    run = grid[0][0]
    (message,) = refusal(
        services.workshop_run_capacity_set, run=run, capacity=1
    ).messages
    url = reverse("admin:workshops_workshoprun_change", args=[run.pk])
    response = staff_client.post(url, {"room": run.room_id or "", "capacity": 1})
    assert response.status_code == 200
    assert escape(message) in response.content.decode()
    assert WorkshopRun.objects.get(pk=run.pk).capacity == 20


def test_run_without_room_or_capacity_has_the_same_words_in_the_admin_and_service(
    staff_client, grid
):
    workshop, block = grid[0][0].workshop, grid[1][0].block
    with pytest.raises(ValidationError) as refused:
        services.workshop_run_create(workshop=workshop, block=block)
    (message,) = refused.value.message_dict["capacity"]
    response = staff_client.post(
        reverse("admin:workshops_workshoprun_add"),
        {"workshop": workshop.pk, "block": block.pk, "room": ""},
    )
    assert response.status_code == 200
    assert escape(message) in response.content.decode()
    assert WorkshopRun.objects.filter(workshop=workshop).count() == 1


def test_run_added_in_the_admin_is_created_by_the_service(staff_client, grid):
    workshop, block = grid[0][0].workshop, grid[1][0].block
    response = staff_client.post(
        reverse("admin:workshops_workshoprun_add"),
        {"workshop": workshop.pk, "block": block.pk, "room": "", "capacity": 7},
    )
    added = WorkshopRun.objects.get(workshop=workshop, block=block)
    assert response.status_code == 302
    assert (added.capacity, added.seats_taken) == (7, 0)
    page = staff_client.get(response["Location"], follow=True)
    assert page.status_code == 200


def test_run_deleted_in_the_admin_goes_through_the_service(staff_client, grid):
    run = grid[0][0]
    response = staff_client.post(
        reverse("admin:workshops_workshoprun_delete", args=[run.pk]), {"post": "yes"}
    )
    assert response.status_code == 302
    assert not WorkshopRun.objects.filter(pk=run.pk).exists()
