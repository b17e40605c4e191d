"""choice_state gives the same answer from one preloaded query as from its own reads."""

import datetime as dt

import pytest
from django.utils import timezone

from tests.factories.delegates import RegistrationFactory
from tests.factories.events import EditionFactory
from tests.factories.workshops import workshop_grid
from tests.workshops.helpers import seat
from workshops import selectors
from workshops.models import Allocation, ChoiceWindow, WorkshopSettings

pytestmark = pytest.mark.django_db


def states(registration):
    """(state from its own reads, state from registrations_for_choosing)."""
    plain = selectors.choice_state(registration)
    loaded = selectors.registrations_for_choosing().get(pk=registration.pk)
    return plain, selectors.choice_state(loaded)


def comparable(state):
    return (
        state.settings.mode,
        state.settings.workshops_per_delegate,
        state.window.pk if state.window else None,
        state.allocation_published,
        state.can_choose,
        state.can_rank,
        state.reason,
    )


@pytest.mark.parametrize(
    "case", ["defaults", "live", "ranked", "published", "window", "closed"]
)
def test_choice_state_preloaded_matches_plain(case):
    edition = EditionFactory()
    if case != "defaults":
        workshop_grid(
            edition,
            n=3,
            mode=(
                WorkshopSettings.Mode.LIVE
                if case in ("live", "window", "closed")
                else WorkshopSettings.Mode.RANKED
            ),
        )
    if case == "published":
        Allocation.objects.create(
            edition=edition, seed=1, status=Allocation.Status.PUBLISHED
        )
    registration = RegistrationFactory(edition=edition)
    if case in ("window", "closed"):
        edition.workshop_selection_closes_at = timezone.now() - dt.timedelta(hours=1)
        edition.save(update_fields=["workshop_selection_closes_at"])
    if case == "window":
        ChoiceWindow.objects.create(
            registration=registration,
            closes_at=timezone.now() + dt.timedelta(hours=72),
        )
    plain, loaded = states(registration)
    assert comparable(loaded) == comparable(plain)


def test_choice_state_preloaded_needs_no_query(django_assert_num_queries):
    edition = EditionFactory()
    workshop_grid(edition)
    registration = RegistrationFactory(edition=edition)
    loaded = selectors.registrations_for_choosing().get(pk=registration.pk)
    with django_assert_num_queries(0):
        state = selectors.choice_state(loaded)
    assert state.can_choose is True
    assert state.settings.workshops_per_delegate == 4


def test_choices_count_counts_the_seats_of_one_edition(edition, grid):
    seat(edition, grid, 2)
    other = EditionFactory()
    seat(other, workshop_grid(other))
    assert selectors.choices_count(edition) == 8
    assert selectors.choices_count(other) == 4


def test_registration_is_late_after_the_deadline_or_a_published_allocation(
    edition, registration
):
    deadline = edition.workshop_selection_closes_at
    before = deadline - dt.timedelta(minutes=1)
    assert selectors.registration_is_late(registration, now=before) is False
    assert selectors.registration_is_late(registration, now=deadline) is True
    Allocation.objects.create(
        edition=edition, seed=1, status=Allocation.Status.PUBLISHED
    )
    assert selectors.registration_is_late(registration, now=before) is True
