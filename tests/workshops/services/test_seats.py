"""Seat counters and the database's last line (``workshops.services.seats``)."""

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F

from tests.workshops.helpers import first_of_each, seats
from workshops import services
from workshops.models import (
    WorkshopChoice,
    WorkshopRun,
)
from workshops.services import seats as seats_module

pytestmark = pytest.mark.django_db


def test_run_check_constraint_refuses_overbooking_without_lock(grid):
    run = grid[0][0]
    WorkshopRun.objects.filter(pk=run.pk).update(seats_taken=20)
    with pytest.raises(IntegrityError), transaction.atomic():
        WorkshopRun.objects.filter(pk=run.pk).update(seats_taken=F("seats_taken") + 1)
    assert seats(run) == 20


def test_choice_unique_block_constraint(grid, registration):
    services.workshop_choices_set(
        registration=registration, run_ids=first_of_each(grid)
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        WorkshopChoice.objects.create(
            registration=registration,
            run=grid[0][1],
            block=grid[0][1].block,
            workshop=grid[0][1].workshop,
        )


def test_seat_counter_refuses_overbooking_for_code_without_lock(grid):
    run = grid[0][0]
    WorkshopRun.objects.filter(pk=run.pk).update(seats_taken=20)
    with pytest.raises(ValidationError, match="filled up"), transaction.atomic():
        seats_module.seat_delta([run.pk], +1)
    assert seats(run) == 20
