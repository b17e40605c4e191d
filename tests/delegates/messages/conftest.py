import pytest

from delegates.models import Registration
from tests.factories.accounts import UserFactory
from tests.factories.delegates import ProfileFactory, RegistrationFactory
from tests.factories.events import EditionFactory


@pytest.fixture
def edition(db):
    return EditionFactory(title="Economic Crime 2027")


@pytest.fixture
def organiser(db):
    return UserFactory(email="organiser@socex.example", is_staff=True)


@pytest.fixture
def delegates(edition):
    """Three confirmed delegates, one waitlisted and one pending, of ``edition``."""

    def person(first, status):
        user = ProfileFactory(first_name=first, last_name="Patel").user
        return RegistrationFactory(edition=edition, user=user, status=status)

    return {
        "confirmed": [
            person(name, Registration.Status.CONFIRMED)
            for name in ("Sam", "Alex", "Jo")
        ],
        "waitlisted": [person("Kim", Registration.Status.WAITLISTED)],
        "pending": [person("Lee", Registration.Status.PENDING)],
    }
