"""A delegate's save: few queries, and the runs locked last, for one statement.

All 400 delegates of a conference contend for the same popular runs, so the time a
save holds their row locks bounds how many saves a second the site takes.
"""

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from delegates.models import Registration
from socex.mail.models import OutboxEmail
from tests.factories.delegates import RegistrationFactory
from tests.factories.workshops import workshop_grid
from tests.workshops.helpers import chosen, seats
from workshops import selectors, services

pytestmark = pytest.mark.django_db


def column(grid, pick):
    return [block[pick].pk for block in grid]


def seat_statements():
    """PostgreSQL locks, counts and takes the seats in one statement; others in two."""
    return 1 if connection.vendor == "postgresql" else 2


@pytest.mark.parametrize(("previous", "most"), [(False, 16), (True, 14)])
def test_choose_post_query_count_is_small(
    client, grid, registration, previous, most, django_assert_max_num_queries
):
    # 30 queries for a replacement before the save path was tightened. What is
    # left: session and user (middleware), the registration with its choice state,
    # blocks and runs (the form), then the service: registration lock, current
    # choices, delete, insert, outbox row, badge (one read, joining the caller's
    # transaction; a first save also creates the badge) and one statement for the
    # seats.
    if previous:
        services.workshop_choices_set(
            registration=registration, run_ids=column(grid, 1)
        )
    client.force_login(registration.user)
    url = reverse("workshops:choose", args=[registration.reference])
    data = {f"block-{block[0].block_id}": block[0].pk for block in grid}
    with django_assert_max_num_queries(most - 1 + seat_statements()):
        response = client.post(url, data)
    assert response.status_code == 302
    assert chosen(registration) == sorted(column(grid, 0))


def test_choices_set_query_count_with_runs_loaded(
    edition, grid, registration, django_assert_max_num_queries
):
    services.workshop_choices_set(registration=registration, run_ids=column(grid, 1))
    runs = list(selectors.offered_runs(edition))
    with django_assert_max_num_queries(12 + seat_statements()):
        services.workshop_choices_set(
            registration=registration, run_ids=column(grid, 0), runs=runs
        )
    assert chosen(registration) == sorted(column(grid, 0))


@pytest.mark.postgres
def test_choices_set_locks_runs_last_in_one_statement(grid, registration):
    services.workshop_choices_set(registration=registration, run_ids=column(grid, 1))
    with CaptureQueriesContext(connection) as captured:
        services.workshop_choices_set(
            registration=registration, run_ids=column(grid, 0)
        )
    sqls = [query["sql"] for query in captured.captured_queries]
    locking = [
        i
        for i, sql in enumerate(sqls)
        if "workshops_workshoprun" in sql and "FOR NO KEY UPDATE" in sql.upper()
    ]
    assert len(locking) == 1, sqls
    # After the runs' lock only the commit (here: the test's savepoint release).
    assert all(sql.startswith("RELEASE SAVEPOINT") for sql in sqls[locking[0] + 1 :])
    assert [seats(block[0]) for block in grid] == [1, 1, 1, 1]
    assert [seats(block[1]) for block in grid] == [0, 0, 0, 0]


def test_choices_set_run_filled_after_page_read_is_refused(edition, registration):
    grid = workshop_grid(edition, capacity=1)
    services.workshop_choices_set(registration=registration, run_ids=column(grid, 1))
    runs = list(selectors.offered_runs(edition))  # the page, read before
    other = RegistrationFactory(edition=edition)
    services.workshop_choices_set(registration=other, run_ids=column(grid, 0))
    emails = OutboxEmail.objects.count()
    with pytest.raises(ValidationError) as info:
        services.workshop_choices_set(
            registration=registration, run_ids=column(grid, 0), runs=runs
        )
    assert grid[0][0].workshop.title in info.value.messages[0]
    assert chosen(registration) == sorted(column(grid, 1))
    assert [seats(block[1]) for block in grid] == [1, 1, 1, 1]
    assert [seats(block[0]) for block in grid] == [1, 1, 1, 1]
    assert OutboxEmail.objects.count() == emails


def test_choices_set_seat_freed_after_page_read_is_taken(edition, registration):
    grid = workshop_grid(edition, capacity=1)
    other = RegistrationFactory(edition=edition)
    services.workshop_choices_set(registration=other, run_ids=column(grid, 0))
    runs = list(selectors.offered_runs(edition))  # the page showed them full
    services.workshop_choices_release(registration=other)
    services.workshop_choices_set(
        registration=registration, run_ids=column(grid, 0), runs=runs
    )
    assert chosen(registration) == sorted(column(grid, 0))
    assert [seats(block[0]) for block in grid] == [1, 1, 1, 1]


def test_choices_set_refused_full_writes_no_email(edition, registration):
    grid = workshop_grid(edition, capacity=1)
    other = RegistrationFactory(edition=edition)
    services.workshop_choices_set(registration=other, run_ids=column(grid, 0))
    emails = OutboxEmail.objects.count()
    with pytest.raises(ValidationError):
        services.workshop_choices_set(
            registration=registration, run_ids=column(grid, 0)
        )
    assert OutboxEmail.objects.count() == emails
    assert chosen(registration) == []


def test_choices_set_returns_the_new_set_in_time_order(grid, registration):
    services.workshop_choices_set(registration=registration, run_ids=column(grid, 1))
    wanted = [grid[3][0].pk, grid[0][1].pk, grid[2][0].pk, grid[1][1].pk]
    result = services.workshop_choices_set(registration=registration, run_ids=wanted)
    assert [choice.run_id for choice in result] == [
        grid[0][1].pk,
        grid[1][1].pk,
        grid[2][0].pk,
        grid[3][0].pk,
    ]


def test_choose_post_full_run_is_400_names_it_and_changes_nothing(
    client, edition, registration
):
    grid = workshop_grid(edition, capacity=1)
    services.workshop_choices_set(registration=registration, run_ids=column(grid, 1))
    other = RegistrationFactory(edition=edition)
    services.workshop_choices_set(registration=other, run_ids=column(grid, 0))
    client.force_login(registration.user)
    url = reverse("workshops:choose", args=[registration.reference])
    response = client.post(
        url, {f"block-{block[0].block_id}": block[0].pk for block in grid}
    )
    assert response.status_code == 400
    assert grid[0][0].workshop.title in response.content.decode()
    assert chosen(registration) == sorted(column(grid, 1))
    assert [seats(block[1]) for block in grid] == [1, 1, 1, 1]


def test_choices_set_loaded_registration_cancelled_meanwhile_is_refused(
    grid, registration
):
    loaded = selectors.registrations_for_choosing().get(pk=registration.pk)
    Registration.objects.filter(pk=registration.pk).update(
        status=Registration.Status.CANCELLED
    )
    with pytest.raises(ValidationError) as info:
        services.workshop_choices_set(registration=loaded, run_ids=column(grid, 0))
    assert "confirmed" in info.value.messages[0]
    assert chosen(registration) == []
    assert [seats(block[0]) for block in grid] == [0, 0, 0, 0]
