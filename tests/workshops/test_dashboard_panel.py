"""The workshop line on My SOCEX matches the edition's mode: choose (live), rank
(ranked), allocated, or the window closed; never "not chosen" beside a rank button."""

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.factories.delegates import RegistrationFactory
from tests.factories.events import EditionFactory
from tests.factories.workshops import close_ranking, workshop_grid
from workshops.models import Allocation, WorkshopPreference, WorkshopSettings

pytestmark = pytest.mark.django_db

RANKED = WorkshopSettings.Mode.RANKED


def _panel(client, registration) -> str:
    client.force_login(registration.user)
    page = client.get(reverse("delegates:dashboard")).content.decode()
    start = page.index('class="workshops-panel')
    return " ".join(page[start : page.index("</section>", start)].split())


def test_live_mode_asks_to_choose(client):
    edition = EditionFactory()
    workshop_grid(edition)
    panel = _panel(client, RegistrationFactory(edition=edition))

    assert "You have not chosen your 4 workshops yet." in panel
    assert "Choose my workshops" in panel
    assert "rank" not in panel.lower()


def test_ranked_mode_asks_to_rank_not_to_choose(client):
    edition = EditionFactory()
    workshop_grid(edition, mode=RANKED)
    panel = _panel(client, RegistrationFactory(edition=edition))

    assert "You have not ranked the workshops yet" in panel
    assert "Rank the workshops" in panel
    assert "not chosen" not in panel


def test_ranked_mode_with_a_ranking_says_so(client):
    edition = EditionFactory()
    grid = workshop_grid(edition, mode=RANKED)
    registration = RegistrationFactory(edition=edition)
    for rank, block in enumerate(grid, start=1):
        WorkshopPreference.objects.create(
            registration=registration, workshop=block[0].workshop, rank=rank
        )

    panel = _panel(client, registration)

    assert "You have ranked 4 workshops." in panel
    assert "Change my ranking" in panel


def test_ranking_closed_before_allocation_says_it_is_in(client):
    edition = EditionFactory()
    grid = workshop_grid(edition, mode=RANKED)
    registration = RegistrationFactory(edition=edition)
    WorkshopPreference.objects.create(
        registration=registration, workshop=grid[0][0].workshop, rank=1
    )
    close_ranking(edition)

    panel = _panel(client, registration)

    assert "Workshop choices closed on" in panel
    assert "Your ranking is in" in panel
    assert "Rank the workshops" not in panel and "not chosen" not in panel


def test_allocated_without_a_place_says_allocated(client):
    edition = EditionFactory()
    workshop_grid(edition, mode=RANKED)
    registration = RegistrationFactory(edition=edition)
    close_ranking(edition)
    Allocation.objects.create(
        edition=edition,
        seed=1,
        status=Allocation.Status.PUBLISHED,
        published_at=timezone.now(),
    )

    panel = _panel(client, registration)

    assert "The workshops have been allocated" in panel
    assert "not chosen" not in panel


def test_live_window_closed_says_closed(client):
    edition = EditionFactory()
    workshop_grid(edition)
    registration = RegistrationFactory(edition=edition)
    close_ranking(edition)

    panel = _panel(client, registration)

    assert "Workshop choices closed on" in panel
    assert "Choose my workshops" not in panel
    assert "not chosen" not in panel
