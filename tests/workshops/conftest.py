"""Fixtures shared by the workshops tests: an edition with its workshop grid (four
blocks of two runs, twenty places each), a confirmed delegate and a staff client."""

import pytest

from tests.factories.accounts import StaffFactory
from tests.factories.delegates import RegistrationFactory
from tests.factories.events import EditionFactory
from tests.factories.workshops import workshop_grid


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
