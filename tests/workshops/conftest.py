"""Fixtures shared by the workshops tests: an edition with its workshop grid (four
blocks of two runs, twenty places each), a confirmed delegate, a grid of one-place runs
that two delegates fill, and a staff client."""

import pytest

from tests.factories.accounts import StaffFactory
from tests.factories.delegates import RegistrationFactory
from tests.factories.events import EditionFactory
from tests.factories.workshops import workshop_grid
from workshops import services


@pytest.fixture
def edition():
    return EditionFactory()


@pytest.fixture
def grid(edition):
    return workshop_grid(edition)


@pytest.fixture
def registration(edition):
    return RegistrationFactory(edition=edition)


@pytest.fixture
def staff_client(client):
    client.force_login(StaffFactory())
    return client


@pytest.fixture
def full_grid(edition, registration):
    """One-place runs: ``registration`` holds the first run of each block and another
    delegate the second, so every run is full."""
    grid = workshop_grid(edition, capacity=1)
    services.workshop_choices_set(
        registration=registration, run_ids=[block[0].pk for block in grid]
    )
    other = RegistrationFactory(edition=edition)
    services.workshop_choices_set(
        registration=other, run_ids=[block[1].pk for block in grid]
    )
    return grid
