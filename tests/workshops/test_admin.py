import pytest
from django.urls import reverse

from events.models import AgendaSession
from events.signals import edition_duplicated
from tests.factories.accounts import StaffFactory
from tests.factories.delegates import RegistrationFactory
from tests.factories.events import EditionFactory
from tests.factories.workshops import close_ranking, workshop_grid
from workshops import services
from workshops.models import (
    Allocation,
    SignInSheet,
    TimeBlock,
    Workshop,
    WorkshopAuditEntry,
    WorkshopChoice,
    WorkshopRun,
    WorkshopSettings,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(client):
    client.force_login(StaffFactory())
    return client


@pytest.fixture
def edition():
    return EditionFactory()


def seat(edition, grid, count=1):
    registrations = [RegistrationFactory(edition=edition) for _ in range(count)]
    for registration in registrations:
        services.workshop_choices_set(
            registration=registration, run_ids=[block[0].pk for block in grid]
        )
    return registrations


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


def test_move_view_moves_and_audits(staff_client, edition):
    grid = workshop_grid(edition)
    (registration,) = seat(edition, grid)
    choice = WorkshopChoice.objects.get(registration=registration, run=grid[0][0])
    url = reverse("admin:workshops_workshopchoice_move", args=[choice.pk])
    assert staff_client.get(url).status_code == 200
    response = staff_client.post(url, {"to_run": grid[0][1].pk, "reason": "Room"})
    assert response.status_code == 302
    choice.refresh_from_db()
    assert choice.run_id == grid[0][1].pk
    assert WorkshopAuditEntry.objects.filter(
        action=WorkshopAuditEntry.Action.MOVE
    ).exists()


def test_move_view_into_full_run_is_400(staff_client, edition):
    grid = workshop_grid(edition, capacity=1)
    (registration,) = seat(edition, grid)
    other = RegistrationFactory(edition=edition)
    services.workshop_choices_set(
        registration=other, run_ids=[block[1].pk for block in grid]
    )
    choice = WorkshopChoice.objects.get(registration=registration, run=grid[0][0])
    url = reverse("admin:workshops_workshopchoice_move", args=[choice.pk])
    response = staff_client.post(url, {"to_run": grid[0][1].pk})
    assert response.status_code == 400
    choice.refresh_from_db()
    assert choice.run_id == grid[0][0].pk


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


def test_allocate_action_then_publish(staff_client, edition):
    workshop_grid(edition, mode=WorkshopSettings.Mode.RANKED)
    RegistrationFactory(edition=edition)
    close_ranking(edition)
    settings_obj = WorkshopSettings.objects.get(edition=edition)
    response = staff_client.post(
        reverse("admin:workshops_workshopsettings_changelist"),
        {"action": "allocate", "_selected_action": [settings_obj.pk]},
    )
    allocation = Allocation.objects.get(edition=edition)
    assert response.status_code == 302
    page = staff_client.get(
        reverse("admin:workshops_allocation_change", args=[allocation.pk])
    )
    assert "got their 4 highest-ranked" in page.content.decode()
    response = staff_client.post(
        reverse("admin:workshops_allocation_publish", args=[allocation.pk])
    )
    allocation.refresh_from_db()
    assert allocation.status == Allocation.Status.PUBLISHED
    assert WorkshopChoice.objects.count() == 4


def test_edition_duplicated_copies_workshops(edition):
    grid = workshop_grid(edition)
    copy = EditionFactory()
    session_map = {}
    for block in grid:
        original = block[0].block.session
        session_map[original.pk] = AgendaSession.objects.create(
            edition=copy,
            starts_at=original.starts_at,
            ends_at=original.ends_at,
            kind=original.kind,
            title=original.title,
        )
    edition_duplicated.send(
        sender=type(edition), source=edition, copy=copy, session_map=session_map
    )
    assert TimeBlock.objects.filter(edition=copy).count() == 4
    assert Workshop.objects.filter(edition=copy, published=False).count() == 8
    assert WorkshopRun.objects.filter(workshop__edition=copy).count() == 8
    assert (
        WorkshopRun.objects.filter(
            workshop__edition=copy, seats_taken=0, capacity=20
        ).count()
        == 8
    )
    assert WorkshopSettings.objects.get(edition=copy).workshops_per_delegate == 4


@pytest.mark.parametrize("blocks,per_block", [(1, 1), (4, 5)])
@pytest.mark.parametrize(
    "changelist",
    [
        "admin:workshops_workshop_changelist",
        "admin:workshops_workshopchoice_changelist",
    ],
)
def test_workshop_and_choice_changelists_query_count(
    staff_client, edition, blocks, per_block, changelist, django_assert_max_num_queries
):
    grid = workshop_grid(edition, blocks=blocks, per_block=per_block, n=blocks)
    seat(edition, grid, 3)
    with django_assert_max_num_queries(14):
        response = staff_client.get(reverse(changelist))
    assert response.status_code == 200
    assert grid[0][0].workshop.title in response.content.decode()


@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_sign_in_sheet_rendered_by_real_worker(celery_redis_worker):
    import time

    edition = EditionFactory()
    grid = workshop_grid(edition)
    seat(edition, grid, 1)
    services.sign_in_sheet_request(run=grid[0][0])
    deadline = time.monotonic() + 60
    sheet = SignInSheet.objects.get(run=grid[0][0])
    while sheet.status == SignInSheet.Status.QUEUED and time.monotonic() < deadline:
        time.sleep(0.2)
        sheet.refresh_from_db()
    assert sheet.status == SignInSheet.Status.READY
    with sheet.file.open("rb") as fh:
        assert fh.read(5) == b"%PDF-"
