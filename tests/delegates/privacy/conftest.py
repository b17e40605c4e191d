import datetime as dt

import pytest
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import timezone

from delegates.badges.models import Badge
from delegates.badges.services import badge_ensure
from tests.factories.accounts import PASSWORD
from tests.factories.delegates import ProfileFactory, RegistrationFactory
from tests.factories.events import EditionFactory


def past_edition(*, days_ago: int, **kwargs):
    """A published edition that ended ``days_ago`` days ago."""
    end = timezone.localdate() - dt.timedelta(days=days_ago)
    return EditionFactory(
        start_date=end - dt.timedelta(days=1),
        end_date=end,
        registration_opens_at=timezone.now() - dt.timedelta(days=days_ago + 90),
        **kwargs,
    )


def badge_with_file(registration, content: bytes = b"%PDF-1.4 badge") -> Badge:
    """The registration's badge, ready, with a stored PDF (no rendering needed)."""
    badge = badge_ensure(registration=registration)
    badge.file.save(
        f"{registration.edition.slug}/{registration.reference}-test.pdf",
        ContentFile(content),
        save=False,
    )
    badge.status = Badge.Status.READY
    badge.save()
    return badge


@pytest.fixture
def reauthenticate():
    """Confirm the signed-in user's password through allauth's reauthentication."""

    def reauth(client) -> None:
        response = client.post(
            reverse("account_reauthenticate"), {"password": PASSWORD}
        )
        assert response.status_code == 302, response.content

    return reauth


@pytest.fixture
def person(db):
    """A delegate with a full profile and one confirmed registration."""
    profile = ProfileFactory(
        first_name="Priya",
        last_name="Chandra",
        badge_name="Pri Chandra",
        phone="+44 20 7946 0001",
        dietary_requirements="Vegan",
        accessibility_requirements="Step-free access",
        organisation="Kent Police",
    )
    RegistrationFactory(user=profile.user)
    return profile.user


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    """allauth counts reauthentications per user in the cache; on SQLite a rolled
    back test's user id comes round again, so each test starts with none counted."""
    cache.clear()
