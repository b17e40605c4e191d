"""Fifty threads at once on PostgreSQL: the capacity rule holds under real locks.

Each thread has its own database connection (closed when it finishes: PostgreSQL
allows 100) and starts at the same barrier.
"""

import threading

import pytest
from django.db import connection, transaction

from delegates import selectors, services
from delegates.models import EditionSeats, Registration
from events import services as event_services
from events.models import Edition
from socex.mail.models import OutboxEmail
from tests.factories.accounts import UserFactory
from tests.factories.delegates import ProfileFactory, TrustedDomainFactory
from tests.factories.events import EditionFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

Status = Registration.Status
THREADS = 50


def _run_concurrently(functions) -> list:
    barrier = threading.Barrier(len(functions))
    results: list = [None] * len(functions)

    def run(index, function):
        try:
            barrier.wait(timeout=30)
            results[index] = function()
        except Exception as exc:  # reported by the assertions below
            results[index] = exc
        finally:
            connection.close()

    threads = [
        threading.Thread(target=run, args=(index, function))
        for index, function in enumerate(functions)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads)
    return results


def _delegate(email: str):
    user = UserFactory(email=email)
    ProfileFactory(user=user)
    return user


def _confirmed_delegates(edition) -> int:
    return Registration.objects.filter(
        edition=edition,
        category=Registration.Category.DELEGATE,
        status=Status.CONFIRMED,
    ).count()


def test_registration_burst_fifty_threads_ten_places():
    edition = EditionFactory(capacity=12)
    TrustedDomainFactory(edition=edition, domain="police.uk")
    for n in range(2):
        services.registration_create(
            edition=edition, user=_delegate(f"early{n}@police.uk"), consent_terms=True
        )
    users = [_delegate(f"burst{n}@met.police.uk") for n in range(THREADS)]

    results = _run_concurrently(
        [
            lambda user=user: services.registration_create(
                edition=edition, user=user, consent_terms=True
            )
            for user in users
        ]
    )

    assert [r for r in results if isinstance(r, Exception)] == []
    statuses = [r.status for r in results]
    assert statuses.count(Status.CONFIRMED) == 10
    assert statuses.count(Status.WAITLISTED) == 40
    assert _confirmed_delegates(edition) == 12
    seats = EditionSeats.objects.get(edition=edition)
    assert (seats.confirmed, seats.capacity) == (12, 12)
    burst = Registration.objects.filter(edition=edition, user__in=users)
    # Arrival order is the order the edition lock served them: their numbers.
    by_number = list(burst.order_by("number").values_list("pk", "status"))
    assert [status for _pk, status in by_number] == (
        [Status.CONFIRMED] * 10 + [Status.WAITLISTED] * 40
    )
    queue = list(selectors.waitlist_queue(edition=edition).values_list("pk", flat=True))
    assert queue == [pk for pk, status in by_number if status == Status.WAITLISTED]
    positions = [
        selectors.waitlist_position(registration=r)
        for r in selectors.waitlist_queue(edition=edition)
    ]
    assert positions == list(range(1, 41))
    # Each waiting-list email gives the position the queue gives its delegate.
    for position, registration in enumerate(
        selectors.waitlist_queue(edition=edition).select_related("user"), start=1
    ):
        email = OutboxEmail.objects.get(
            to=registration.user.email, template="registration_waitlisted"
        )
        assert f"on the waiting list, at position {position}." in email.body_text
        assert registration.reference in email.subject
    assert len(set(burst.values_list("reference", flat=True))) == THREADS
    emails = OutboxEmail.objects.filter(
        to__in=[u.email for u in users], template__startswith="registration_"
    )
    assert sorted(emails.values_list("template", flat=True)) == (
        ["registration_confirmed"] * 10 + ["registration_waitlisted"] * 40
    )


def test_promotions_racing_cancellations_keep_order_and_capacity():
    edition = EditionFactory(capacity=20)
    TrustedDomainFactory(edition=edition, domain="police.uk")
    confirmed = [
        services.registration_create(
            edition=edition, user=_delegate(f"c{n}@police.uk"), consent_terms=True
        )
        for n in range(20)
    ]
    waiting = [
        services.registration_create(
            edition=edition, user=_delegate(f"w{n}@police.uk"), consent_terms=True
        )
        for n in range(30)
    ]
    assert {r.status for r in waiting} == {Status.WAITLISTED}
    cancel_waiting = waiting[1:20:2]  # ten of them, spread through the queue

    def cancel(registration):
        return lambda: services.registration_cancel(
            registration=registration, actor=registration.user
        )

    def raise_capacity():
        with transaction.atomic():
            locked = Edition.objects.select_for_update().get(pk=edition.pk)
            return event_services.edition_capacity_set(
                edition=locked, capacity=locked.capacity + 1
            )

    functions = (
        [cancel(r) for r in confirmed[:10]]
        + [cancel(r) for r in cancel_waiting]
        + [raise_capacity] * 5
        + [lambda: services.waitlist_promote(edition=edition)] * 25
    )
    results = _run_concurrently(functions)

    assert [r for r in results if isinstance(r, Exception)] == []
    edition.refresh_from_db()
    assert edition.capacity == 25
    assert _confirmed_delegates(edition) == 25
    assert EditionSeats.objects.get(edition=edition).confirmed == 25
    survivors = [r for r in waiting if r not in cancel_waiting]
    final = {
        r.pk: r.status
        for r in Registration.objects.filter(pk__in=[r.pk for r in waiting])
    }
    promoted = [r for r in survivors if final[r.pk] == Status.CONFIRMED]
    still_waiting = [r for r in survivors if final[r.pk] == Status.WAITLISTED]
    # Everyone promoted was ahead of everyone still waiting: the queue was honoured.
    assert survivors == promoted + still_waiting
    assert len(promoted) == 15  # 25 places - the 10 confirmed who stayed
    assert [selectors.waitlist_position(registration=r) for r in still_waiting] == list(
        range(1, len(still_waiting) + 1)
    )


def test_new_registrations_racing_cancellations_never_jump_the_queue():
    # New registrations lock only the seats row; cancellations lock the edition,
    # then that row, and promote: every freed place goes to someone waiting.
    edition = EditionFactory(capacity=10)
    TrustedDomainFactory(edition=edition, domain="police.uk")
    confirmed = [
        services.registration_create(
            edition=edition, user=_delegate(f"c{n}@police.uk"), consent_terms=True
        )
        for n in range(10)
    ]
    waiting = [
        services.registration_create(
            edition=edition, user=_delegate(f"w{n}@police.uk"), consent_terms=True
        )
        for n in range(15)
    ]
    newcomers = [_delegate(f"n{n}@police.uk") for n in range(20)]

    def register(user):
        return lambda: services.registration_create(
            edition=edition, user=user, consent_terms=True
        )

    def cancel(registration):
        return lambda: services.registration_cancel(
            registration=registration, actor=registration.user
        )

    functions = [cancel(r) for r in confirmed] + [register(u) for u in newcomers]
    functions = functions[::2] + functions[1::2]  # interleaved
    results = _run_concurrently(functions)

    assert [r for r in results if isinstance(r, Exception)] == []
    assert _confirmed_delegates(edition) == 10
    assert EditionSeats.objects.get(edition=edition).confirmed == 10
    final = dict(
        Registration.objects.filter(edition=edition).values_list("user_id", "status")
    )
    assert [final[r.user_id] for r in waiting] == (
        [Status.CONFIRMED] * 10 + [Status.WAITLISTED] * 5
    )
    assert {final[u.pk] for u in newcomers} == {Status.WAITLISTED}
    numbers = Registration.objects.filter(edition=edition).values_list(
        "number", flat=True
    )
    assert sorted(numbers) == list(range(1, 46))
    queue = list(selectors.waitlist_queue(edition=edition))
    assert [selectors.waitlist_position(registration=r) for r in queue] == list(
        range(1, 26)
    )
