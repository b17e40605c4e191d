"""Workshops with their runs inline, and the changelists
(``workshops.admin.programme``)."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.html import escape

from tests.factories.events import RoomFactory
from tests.factories.workshops import (
    workshop_grid,
)
from tests.workshops.helpers import refusal, seat, seats
from workshops import services
from workshops.models import WorkshopAuditEntry, WorkshopChoice, WorkshopRun

pytestmark = pytest.mark.django_db


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


def workshop_page(run, **row):
    """The workshop change form with ``run`` as its one inline row, changed by
    ``row`` (e.g. ``capacity=1``, ``DELETE="on"``)."""
    workshop = run.workshop
    fields = {
        "id": run.pk,
        "workshop": run.workshop_id,
        "block": run.block_id,
        "room": run.room_id or "",
        "capacity": run.capacity,
        **row,
    }
    return {
        "edition": workshop.edition_id,
        "title": workshop.title,
        "summary": workshop.summary,
        "published": "on",
        "order": workshop.order,
        "runs-TOTAL_FORMS": 1,
        "runs-INITIAL_FORMS": 1,
        "runs-MIN_NUM_FORMS": 0,
        "runs-MAX_NUM_FORMS": 1000,
        **{f"runs-0-{name}": value for name, value in fields.items()},
    }


def change_url(run):
    return reverse("admin:workshops_workshop_change", args=[run.workshop_id])


def test_run_with_seats_cannot_move_to_another_block_from_the_workshop_page(
    staff_client, edition, grid
):
    (registration,) = seat(edition, grid)
    run = grid[0][0]
    other_block = grid[2][0].block
    response = staff_client.post(
        change_url(run), workshop_page(run, block=other_block.pk)
    )
    assert response.status_code == 200
    assert "cannot move to another block" in response.content.decode()
    run.refresh_from_db()
    assert run.block_id == grid[0][0].block_id
    assert WorkshopChoice.objects.get(registration=registration, run=run).block_id == (
        run.block_id
    )


def test_run_block_rule_has_the_same_words_in_the_workshop_page_and_service(
    staff_client, edition, grid
):
    seat(edition, grid)
    run = grid[0][0]
    other_block = grid[2][0].block
    with pytest.raises(ValidationError) as refused:
        services.workshop_run_update(run=run, block=other_block, room=run.room)
    (message,) = refused.value.message_dict["block"]
    response = staff_client.post(
        change_url(run), workshop_page(run, block=other_block.pk)
    )
    assert escape(message) in response.content.decode()
    assert WorkshopRun.objects.get(pk=run.pk).block_id == run.block_id


def test_run_capacity_rule_has_the_same_words_in_the_workshop_page_and_service(
    staff_client, edition, grid
):
    seat(edition, grid, 3)
    run = grid[0][0]
    (message,) = refusal(
        services.workshop_run_capacity_set, run=run, capacity=1
    ).messages
    response = staff_client.post(change_url(run), workshop_page(run, capacity=1))
    assert response.status_code == 200
    assert escape(message) in response.content.decode()
    assert "3 people already hold a seat in this run" in message
    assert seats(run) == 3
    assert WorkshopRun.objects.get(pk=run.pk).capacity == 20


def test_run_with_delegates_is_not_deleted_and_the_page_says_why_as_the_service(
    staff_client, edition, grid
):
    seat(edition, grid)
    run = grid[0][0]
    with pytest.raises(ValidationError) as refused:
        services.workshop_run_delete(run=run)
    (message,) = refused.value.messages
    response = staff_client.post(change_url(run), workshop_page(run, DELETE="on"))
    content = response.content.decode()
    assert escape(message) in content
    assert "still has delegates: move them first." in content
    assert "protected related objects" not in content
    assert WorkshopRun.objects.filter(pk=run.pk).exists()


def test_workshop_page_changes_capacity_and_room_through_the_service(
    staff_client, edition, grid
):
    seat(edition, grid, 2)
    run = grid[0][0]
    room = RoomFactory(venue=edition.venue, capacity=60)
    response = staff_client.post(
        change_url(run), workshop_page(run, capacity=30, room=room.pk)
    )
    assert response.status_code == 302
    run.refresh_from_db()
    assert (run.capacity, run.room_id, run.seats_taken) == (30, room.pk, 2)
    entry = WorkshopAuditEntry.objects.get(
        action=WorkshopAuditEntry.Action.CAPACITY, run=run
    )
    assert "from 20 to 30" in entry.detail


def test_workshop_page_adds_and_deletes_empty_runs_through_the_services(
    staff_client, edition, grid
):
    run = grid[0][0]
    free_block = grid[1][0].block
    data = workshop_page(run, DELETE="on")
    data.update(
        {
            "runs-TOTAL_FORMS": 2,
            "runs-1-workshop": run.workshop_id,
            "runs-1-block": free_block.pk,
            "runs-1-room": "",
            "runs-1-capacity": 12,
        }
    )
    response = staff_client.post(change_url(run), data)
    assert response.status_code == 302
    assert not WorkshopRun.objects.filter(pk=run.pk).exists()
    (added,) = WorkshopRun.objects.filter(workshop=run.workshop)
    assert (added.block_id, added.capacity, added.seats_taken) == (
        free_block.pk,
        12,
        0,
    )
