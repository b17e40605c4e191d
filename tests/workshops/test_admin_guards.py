"""Organisers' mistakes in the workshops admin get a message, never a 500."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from events.models import Edition
from tests.factories.accounts import StaffFactory
from tests.factories.delegates import RegistrationFactory
from tests.factories.events import EditionFactory
from tests.factories.workshops import workshop_grid
from workshops import services
from workshops.models import Allocation, WorkshopChoice, WorkshopRun, WorkshopSettings

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(client):
    client.force_login(StaffFactory())
    return client


@pytest.fixture
def edition():
    return EditionFactory()


def _settings_form(settings_row, **changes):
    data = {
        "edition": settings_row.edition_id,
        "workshops_per_delegate": settings_row.workshops_per_delegate,
        "mode": settings_row.mode,
    }
    return {**data, **changes}


def test_workshops_per_delegate_above_the_number_of_blocks_is_refused(
    staff_client, edition
):
    workshop_grid(edition)
    row = WorkshopSettings.objects.get(edition=edition)
    url = reverse("admin:workshops_workshopsettings_change", args=[row.pk])
    response = staff_client.post(url, _settings_form(row, workshops_per_delegate=99))
    assert response.status_code == 200
    assert "This conference has 4 workshop blocks" in response.content.decode()
    row.refresh_from_db()
    assert row.workshops_per_delegate == 4


def test_mode_cannot_switch_once_delegates_hold_places(staff_client, edition):
    grid = workshop_grid(edition)
    registration = RegistrationFactory(edition=edition)
    services.workshop_choices_set(
        registration=registration, run_ids=[block[0].pk for block in grid]
    )
    row = WorkshopSettings.objects.get(edition=edition)
    url = reverse("admin:workshops_workshopsettings_change", args=[row.pk])
    response = staff_client.post(
        url, _settings_form(row, mode=WorkshopSettings.Mode.RANKED)
    )
    assert response.status_code == 200
    assert "can no longer change" in response.content.decode()
    row.refresh_from_db()
    assert row.mode == WorkshopSettings.Mode.LIVE
    assert WorkshopChoice.objects.filter(registration=registration).count() == 4


def test_run_capacity_below_seats_taken_is_a_form_error(staff_client, edition):
    grid = workshop_grid(edition)
    for _ in range(3):
        services.workshop_choices_set(
            registration=RegistrationFactory(edition=edition),
            run_ids=[block[0].pk for block in grid],
        )
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


def test_allocate_on_a_live_choice_edition_is_refused_and_keeps_choices(
    staff_client, edition
):
    grid = workshop_grid(edition)
    registration = RegistrationFactory(edition=edition)
    services.workshop_choices_set(
        registration=registration, run_ids=[block[0].pk for block in grid]
    )
    row = WorkshopSettings.objects.get(edition=edition)
    response = staff_client.post(
        reverse("admin:workshops_workshopsettings_changelist"),
        {"action": "allocate", "_selected_action": [row.pk]},
        follow=True,
    )
    assert "uses live choice" in response.content.decode()
    assert not Allocation.objects.exists()
    assert WorkshopChoice.objects.filter(registration=registration).count() == 4


def test_publishing_while_delegates_can_still_rank_is_refused(edition):
    workshop_grid(edition, mode=WorkshopSettings.Mode.RANKED)
    RegistrationFactory(edition=edition)
    allocation = services.allocation_run(edition=edition, seed=3)
    with pytest.raises(ValidationError, match="can still rank their workshops"):
        services.allocation_publish(allocation=allocation)
    # The deadline passes (now): the draft made before it is stale; a new one publishes.
    Edition.objects.filter(pk=edition.pk).update(
        workshop_selection_closes_at=timezone.now()
    )
    with pytest.raises(ValidationError, match="run the allocation again"):
        services.allocation_publish(allocation=allocation)
    fresh = services.allocation_run(edition=edition, seed=3)
    services.allocation_publish(allocation=fresh)
    fresh.refresh_from_db()
    assert fresh.status == Allocation.Status.PUBLISHED
    assert WorkshopChoice.objects.count() == 4


def test_run_with_seats_cannot_move_to_another_block_from_the_workshop_page(
    staff_client, edition
):
    grid = workshop_grid(edition)
    registration = RegistrationFactory(edition=edition)
    services.workshop_choices_set(
        registration=registration, run_ids=[block[0].pk for block in grid]
    )
    run = grid[0][0]
    other_block = grid[2][0].block
    url = reverse("admin:workshops_workshop_change", args=[run.workshop_id])
    response = staff_client.post(
        url,
        {
            "edition": edition.pk,
            "title": run.workshop.title,
            "summary": run.workshop.summary,
            "published": "on",
            "order": run.workshop.order,
            "runs-TOTAL_FORMS": 1,
            "runs-INITIAL_FORMS": 1,
            "runs-MIN_NUM_FORMS": 0,
            "runs-MAX_NUM_FORMS": 1000,
            "runs-0-id": run.pk,
            "runs-0-workshop": run.workshop_id,
            "runs-0-block": other_block.pk,
            "runs-0-room": run.room_id or "",
            "runs-0-capacity": run.capacity,
        },
    )
    assert response.status_code == 200
    assert "cannot move to another block" in response.content.decode()
    run.refresh_from_db()
    assert run.block_id == grid[0][0].block_id
    assert WorkshopChoice.objects.get(registration=registration, run=run).block_id == (
        run.block_id
    )


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
