"""Organisers' changes: moves, capacity, runs (``workshops.services.organiser``)."""

import pytest
from django.core.exceptions import ValidationError

from tests.factories.accounts import StaffFactory
from tests.factories.events import RoomFactory
from tests.factories.workshops import (
    WorkshopFactory,
    WorkshopRunFactory,
)
from tests.workshops.helpers import first_of_each, seats
from workshops import services
from workshops.models import (
    WorkshopAuditEntry,
    WorkshopChoice,
    WorkshopRun,
)

pytestmark = pytest.mark.django_db


def test_move_within_capacity_is_audited(grid, registration):
    staff = StaffFactory()
    services.workshop_choices_set(
        registration=registration, run_ids=first_of_each(grid)
    )
    choice = WorkshopChoice.objects.get(registration=registration, run=grid[0][0])
    services.workshop_choice_move(
        choice=choice, to_run=grid[0][1], actor=staff, reason="Asked at the desk"
    )
    assert seats(grid[0][0]) == 0
    assert seats(grid[0][1]) == 1
    entry = WorkshopAuditEntry.objects.get(action=WorkshopAuditEntry.Action.MOVE)
    assert entry.actor == staff
    assert "Asked at the desk" in entry.detail


def test_move_into_full_run_refused(full_grid, registration):
    grid = full_grid
    choice = WorkshopChoice.objects.get(registration=registration, run=grid[0][0])
    with pytest.raises(ValidationError, match="full"):
        services.workshop_choice_move(choice=choice, to_run=grid[0][1])
    assert seats(grid[0][1]) == 1
    assert seats(grid[0][0]) == 1


def test_move_into_block_already_taken_refused(grid, registration):
    services.workshop_choices_set(
        registration=registration, run_ids=first_of_each(grid)
    )
    choice = WorkshopChoice.objects.get(registration=registration, run=grid[0][0])
    with pytest.raises(ValidationError, match="already has a workshop"):
        services.workshop_choice_move(choice=choice, to_run=grid[1][1])


def test_capacity_raise_is_audited(grid):
    staff = StaffFactory()
    services.workshop_run_capacity_set(run=grid[0][0], capacity=30, actor=staff)
    assert WorkshopRun.objects.get(pk=grid[0][0].pk).capacity == 30
    entry = WorkshopAuditEntry.objects.get(action=WorkshopAuditEntry.Action.CAPACITY)
    assert "20" in entry.detail and "30" in entry.detail


def test_capacity_below_seats_taken_refused(grid, registration):
    services.workshop_choices_set(
        registration=registration, run_ids=first_of_each(grid)
    )
    with pytest.raises(ValidationError, match="cannot go below"):
        services.workshop_run_capacity_set(run=grid[0][0], capacity=0)
    assert WorkshopRun.objects.get(pk=grid[0][0].pk).capacity == 20


def test_run_capacity_defaults_to_room(edition):
    from tests.factories.events import RoomFactory

    room = RoomFactory(venue=edition.venue, capacity=35)
    run = WorkshopRunFactory(workshop=WorkshopFactory(edition=edition), room=room)
    run.capacity = None
    run.save()
    fresh = WorkshopRun(workshop=run.workshop, block=run.block, room=room)
    assert fresh.capacity is None
    WorkshopRun.objects.filter(pk=run.pk).delete()
    fresh.save()
    assert fresh.capacity == 35


def test_capacity_below_seats_taken_message_names_the_run(grid, registration):
    services.workshop_choices_set(
        registration=registration, run_ids=first_of_each(grid)
    )
    with pytest.raises(ValidationError) as refused:
        services.workshop_run_capacity_set(run=grid[0][0], capacity=0)
    assert refused.value.messages == [
        "1 people already hold a seat in this run, "
        f"“{grid[0][0].workshop.title}” (09:00), so the capacity cannot go below 1. "
        "Move delegates to another run first."
    ]


def test_run_create_is_validated_by_the_model(grid):
    other_edition_block = WorkshopRunFactory().block
    with pytest.raises(ValidationError) as refused:
        services.workshop_run_create(
            workshop=grid[0][0].workshop, block=other_edition_block, capacity=5
        )
    assert "block" in refused.value.message_dict
    run = services.workshop_run_create(
        workshop=grid[0][0].workshop, block=grid[1][0].block, capacity=5
    )
    assert (run.capacity, run.seats_taken) == (5, 0)


def test_run_update_is_all_or_nothing_and_audits_capacity(grid, registration):
    services.workshop_choices_set(
        registration=registration, run_ids=first_of_each(grid)
    )
    run = grid[0][0]
    room = RoomFactory(venue=run.workshop.edition.venue)
    with pytest.raises(ValidationError, match="cannot go below"):
        services.workshop_run_update(run=run, room=room, capacity=0)
    assert WorkshopRun.objects.get(pk=run.pk).room_id == run.room_id
    staff = StaffFactory()
    services.workshop_run_update(run=run, room=room, capacity=25, actor=staff)
    fresh = WorkshopRun.objects.get(pk=run.pk)
    assert (fresh.room_id, fresh.capacity, fresh.seats_taken) == (room.pk, 25, 1)
    entry = WorkshopAuditEntry.objects.get(action=WorkshopAuditEntry.Action.CAPACITY)
    assert entry.actor == staff
    services.workshop_run_update(run=run, room=room)
    assert WorkshopRun.objects.get(pk=run.pk).capacity == 25
    assert WorkshopAuditEntry.objects.count() == 1
    services.workshop_run_update(run=run, capacity=26)
    fresh = WorkshopRun.objects.get(pk=run.pk)
    assert (fresh.room_id, fresh.capacity) == (room.pk, 26)
    services.workshop_run_update(run=run, room=None)
    assert WorkshopRun.objects.get(pk=run.pk).room_id is None


def test_run_delete_refused_while_delegates_hold_seats(grid, registration):
    services.workshop_choices_set(
        registration=registration, run_ids=first_of_each(grid)
    )
    with pytest.raises(ValidationError, match="still has delegates"):
        services.workshop_run_delete(run=grid[0][0])
    assert seats(grid[0][0]) == 1
    services.workshop_run_delete(run=grid[0][1])
    assert not WorkshopRun.objects.filter(pk=grid[0][1].pk).exists()
