"""Live choices, ranked preferences and the late-choice window
(``workshops.services.choices``)."""

import datetime as dt

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.utils import timezone

from delegates.models import Registration
from tests.factories.delegates import RegistrationFactory
from tests.factories.workshops import (
    WorkshopRunFactory,
    workshop_grid,
)
from tests.workshops.helpers import chosen, first_of_each, seats
from workshops import services
from workshops.models import (
    WorkshopPreference,
    WorkshopSettings,
)

pytestmark = pytest.mark.django_db


def test_choices_set_takes_one_seat_per_run(grid, registration, mailoutbox):
    with_commit = first_of_each(grid)
    services.workshop_choices_set(registration=registration, run_ids=with_commit)
    assert chosen(registration) == sorted(with_commit)
    assert [seats(block[0]) for block in grid] == [1, 1, 1, 1]
    assert [seats(block[1]) for block in grid] == [0, 0, 0, 0]


def test_choices_set_sends_confirmation_email(
    grid, registration, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        services.workshop_choices_set(
            registration=registration, run_ids=first_of_each(grid)
        )
    sent = [m for m in mail.outbox if m.subject.startswith("Your workshops")]
    assert len(sent) == 1
    for block in grid:
        assert block[0].workshop.title in sent[0].body
        assert block[0].workshop.title in sent[0].alternatives[0][0]
    assert sent[0].to == [registration.user.email]


def test_choices_set_replaces_the_whole_set(grid, registration):
    services.workshop_choices_set(
        registration=registration, run_ids=first_of_each(grid)
    )
    second = [grid[0][1].pk, grid[1][0].pk, grid[2][1].pk, grid[3][0].pk]
    services.workshop_choices_set(registration=registration, run_ids=second)
    assert chosen(registration) == sorted(second)
    assert seats(grid[0][0]) == 0
    assert seats(grid[0][1]) == 1
    assert seats(grid[2][0]) == 0
    assert seats(grid[2][1]) == 1
    assert seats(grid[1][0]) == 1


@pytest.mark.parametrize("count", [3, 5])
def test_choices_set_wrong_number_changes_nothing(grid, registration, count):
    services.workshop_choices_set(
        registration=registration, run_ids=first_of_each(grid)
    )
    before = chosen(registration)
    run_ids = [r.pk for block in grid for r in block][:count]
    with pytest.raises(ValidationError, match="exactly 4"):
        services.workshop_choices_set(registration=registration, run_ids=run_ids)
    assert chosen(registration) == before


def test_choices_set_two_in_one_block_refused(grid, registration):
    run_ids = [grid[0][0].pk, grid[0][1].pk, grid[1][0].pk, grid[2][0].pk]
    with pytest.raises(ValidationError, match="same time block"):
        services.workshop_choices_set(registration=registration, run_ids=run_ids)
    assert chosen(registration) == []
    assert seats(grid[0][0]) == 0


def test_choices_set_same_workshop_twice_refused(edition, grid, registration):
    repeat = WorkshopRunFactory(workshop=grid[0][0].workshop, block=grid[1][0].block)
    run_ids = [grid[0][0].pk, repeat.pk, grid[2][0].pk, grid[3][0].pk]
    with pytest.raises(ValidationError, match="twice"):
        services.workshop_choices_set(registration=registration, run_ids=run_ids)
    assert chosen(registration) == []


def test_choices_set_workshop_of_another_edition_refused(grid, registration):
    other = WorkshopRunFactory(capacity=10)
    run_ids = [other.pk, grid[1][0].pk, grid[2][0].pk, grid[3][0].pk]
    with pytest.raises(ValidationError, match="not part of this conference"):
        services.workshop_choices_set(registration=registration, run_ids=run_ids)
    assert chosen(registration) == []
    assert seats(other) == 0


def test_choices_set_unpublished_workshop_refused(grid, registration):
    workshop = grid[0][0].workshop
    workshop.published = False
    workshop.save()
    with pytest.raises(ValidationError, match="not open for choosing"):
        services.workshop_choices_set(
            registration=registration, run_ids=first_of_each(grid)
        )
    assert chosen(registration) == []


def test_choices_set_after_deadline_refused(edition, grid, registration):
    services.workshop_choices_set(
        registration=registration, run_ids=first_of_each(grid)
    )
    later = edition.workshop_selection_closes_at + dt.timedelta(minutes=1)
    second = [grid[0][1].pk, grid[1][1].pk, grid[2][1].pk, grid[3][1].pk]
    with pytest.raises(ValidationError, match="closed"):
        services.workshop_choices_set(
            registration=registration, run_ids=second, now=later
        )
    assert chosen(registration) == sorted(first_of_each(grid))


@pytest.mark.parametrize(
    "status",
    [
        Registration.Status.PENDING,
        Registration.Status.WAITLISTED,
        Registration.Status.CANCELLED,
        Registration.Status.DECLINED,
    ],
)
def test_choices_set_unconfirmed_registration_refused(edition, grid, status):
    registration = RegistrationFactory(edition=edition, status=status)
    with pytest.raises(ValidationError, match="Only confirmed delegates"):
        services.workshop_choices_set(
            registration=registration, run_ids=first_of_each(grid)
        )
    assert chosen(registration) == []


def test_choices_set_full_run_changes_nothing_and_names_it(full_grid, registration):
    grid = full_grid
    wanted = [grid[0][1].pk, grid[1][0].pk, grid[2][0].pk, grid[3][0].pk]
    with pytest.raises(ValidationError) as info:
        services.workshop_choices_set(registration=registration, run_ids=wanted)
    assert grid[0][1].workshop.title in info.value.messages[0]
    assert chosen(registration) == sorted(first_of_each(grid))
    assert seats(grid[0][1]) == 1
    assert seats(grid[0][0]) == 1


def test_keeping_a_seat_in_a_full_run_is_allowed(edition):
    grid = workshop_grid(edition, capacity=1)
    registration = RegistrationFactory(edition=edition)
    services.workshop_choices_set(
        registration=registration, run_ids=first_of_each(grid)
    )
    changed = [grid[0][0].pk, grid[1][0].pk, grid[2][0].pk, grid[3][1].pk]
    services.workshop_choices_set(registration=registration, run_ids=changed)
    assert chosen(registration) == sorted(changed)
    assert seats(grid[0][0]) == 1


def test_late_window_expired_refused(edition, grid):
    edition.workshop_selection_closes_at = timezone.now() - dt.timedelta(days=5)
    edition.save()
    registration = RegistrationFactory(edition=edition)
    services.choice_window_open(
        registration=registration, now=timezone.now() - dt.timedelta(hours=73)
    )
    with pytest.raises(ValidationError, match="closed"):
        services.workshop_choices_set(
            registration=registration, run_ids=first_of_each(grid)
        )


@pytest.fixture
def ranked(edition):
    return workshop_grid(edition, mode=WorkshopSettings.Mode.RANKED)


def workshop_ids(grid):
    return [run.workshop_id for block in grid for run in block]


def test_preferences_set_stores_ranks(ranked, registration, mailoutbox):
    ids = workshop_ids(ranked)[:6]
    services.workshop_preferences_set(registration=registration, workshop_ids=ids)
    ranks = list(
        WorkshopPreference.objects.filter(registration=registration)
        .order_by("rank")
        .values_list("workshop_id", flat=True)
    )
    assert ranks == ids


def test_preferences_need_n_plus_two(ranked, registration):
    with pytest.raises(ValidationError, match="at least 6"):
        services.workshop_preferences_set(
            registration=registration, workshop_ids=workshop_ids(ranked)[:5]
        )
    assert not WorkshopPreference.objects.filter(registration=registration).exists()


def test_preferences_after_deadline_refused(edition, ranked, registration):
    later = edition.workshop_selection_closes_at + dt.timedelta(seconds=1)
    with pytest.raises(ValidationError, match="closed"):
        services.workshop_preferences_set(
            registration=registration, workshop_ids=workshop_ids(ranked), now=later
        )


def test_live_choice_refused_in_ranked_mode(ranked, registration):
    with pytest.raises(ValidationError, match="ranked preferences"):
        services.workshop_choices_set(
            registration=registration, run_ids=first_of_each(ranked)
        )
