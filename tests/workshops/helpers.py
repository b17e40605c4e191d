"""Small reads and set-ups the workshops tests share (plain functions, not fixtures:
each takes what it works on)."""

import pytest
from django.core.exceptions import ValidationError

from tests.factories.delegates import RegistrationFactory
from workshops import services
from workshops.models import WorkshopChoice, WorkshopRun


def first_of_each(grid) -> list[int]:
    """The first run of every block: a valid set of choices."""
    return [block[0].pk for block in grid]


def chosen(registration) -> list[int]:
    """The runs a registration holds seats in, by id."""
    return sorted(
        WorkshopChoice.objects.filter(registration=registration).values_list(
            "run_id", flat=True
        )
    )


def seats(run) -> int:
    """A run's seat counter as stored now."""
    return WorkshopRun.objects.get(pk=run.pk).seats_taken


def seat(edition, grid, count=1):
    """``count`` new delegates, each seated in the first run of every block."""
    registrations = [RegistrationFactory(edition=edition) for _ in range(count)]
    for registration in registrations:
        services.workshop_choices_set(
            registration=registration, run_ids=first_of_each(grid)
        )
    return registrations


def refusal(service, **kwargs) -> ValidationError:
    """The ValidationError ``service(**kwargs)`` refuses with (it must refuse)."""
    with pytest.raises(ValidationError) as refused:
        service(**kwargs)
    return refused.value
