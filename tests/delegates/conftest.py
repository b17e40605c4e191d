import pytest

from tests.factories.accounts import UserFactory
from tests.factories.delegates import ProfileFactory, TrustedDomainFactory
from tests.factories.events import (
    AgendaSessionFactory,
    EditionFactory,
    SessionSpeakerFactory,
    SpeakerFactory,
)


@pytest.fixture
def edition(db):
    edition = EditionFactory(capacity=3, title="Economic Crime 2027")
    TrustedDomainFactory(edition=edition, domain="police.uk")
    TrustedDomainFactory(edition=edition, domain="nca.gov.uk")
    return edition


@pytest.fixture
def make_delegate(db):
    """A user with a complete profile; ``email`` decides trust, ``verified`` too."""

    def make(email: str | None = None, *, verified: bool = True, **profile):
        kwargs = {"verified": verified}
        if email:
            kwargs["email"] = email
        user = UserFactory(**kwargs)
        ProfileFactory(user=user, **profile)
        return user

    return make


@pytest.fixture
def speaking_user(db):
    """A user with a profile who speaks at a session of ``edition``."""

    def make(edition, title="Follow the money"):
        user = UserFactory(email="speaker@example.com")
        ProfileFactory(user=user)
        speaker = SpeakerFactory(user=user)
        session = AgendaSessionFactory(edition=edition, title=title)
        SessionSpeakerFactory(session=session, speaker=speaker)
        return user, session

    return make
