"""Organisers' changes: moves, capacity, runs (``workshops.services.organiser``)."""

import pytest
from django.core.exceptions import ValidationError

from tests.factories.accounts import StaffFactory
from tests.factories.delegates import RegistrationFactory
from tests.factories.workshops import (
    WorkshopFactory,
    WorkshopRunFactory,
    workshop_grid,
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


def test_move_into_full_run_refused(edition, registration):
    grid = workshop_grid(edition, capacity=1)
    services.workshop_choices_set(
        registration=registration, run_ids=first_of_each(grid)
    )
    other = RegistrationFactory(edition=edition)
    services.workshop_choices_set(
        registration=other, run_ids=[block[1].pk for block in grid]
    )
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
