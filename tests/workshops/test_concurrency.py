"""Many delegates racing for the same run, on real PostgreSQL row locks."""

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from tests.factories.delegates import RegistrationFactory
from tests.factories.events import EditionFactory
from tests.factories.workshops import workshop_grid
from workshops import services
from workshops.models import WorkshopChoice, WorkshopRun

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

THREADS = 50
PLACES = 20


def test_fifty_threads_race_for_twenty_places():
    edition = EditionFactory()
    grid = workshop_grid(edition, capacity=THREADS * 2)
    target = grid[0][0]
    WorkshopRun.objects.filter(pk=target.pk).update(capacity=PLACES)
    previous = [grid[0][1].pk, grid[1][0].pk, grid[2][0].pk, grid[3][0].pk]
    wanted = [target.pk, grid[1][1].pk, grid[2][1].pk, grid[3][1].pk]
    registrations = [RegistrationFactory(edition=edition) for _ in range(THREADS)]
    for registration in registrations:
        services.workshop_choices_set(registration=registration, run_ids=previous)

    barrier = threading.Barrier(THREADS)
    outcomes: dict[int, str] = {}

    def save(registration):
        try:
            barrier.wait(timeout=30)
            services.workshop_choices_set(registration=registration, run_ids=wanted)
            outcomes[registration.pk] = "won"
        except ValidationError as exc:
            outcomes[registration.pk] = "lost: " + " ".join(exc.messages)
        except Exception as exc:  # surfaced by the assertion below
            outcomes[registration.pk] = f"error: {exc!r}"
        finally:
            connection.close()

    threads = [threading.Thread(target=save, args=(r,)) for r in registrations]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    won = [pk for pk, outcome in outcomes.items() if outcome == "won"]
    lost = [pk for pk, outcome in outcomes.items() if outcome.startswith("lost")]
    assert len(outcomes) == THREADS
    assert len(won) == PLACES, outcomes
    assert len(lost) == THREADS - PLACES, outcomes
    assert all(target.workshop.title in outcomes[pk] for pk in lost)
    target.refresh_from_db()
    assert target.seats_taken == PLACES
    assert WorkshopChoice.objects.filter(run=target).count() == PLACES
    for pk in lost:
        kept = sorted(
            WorkshopChoice.objects.filter(registration_id=pk).values_list(
                "run_id", flat=True
            )
        )
        assert kept == sorted(previous)
    for run in WorkshopRun.objects.filter(workshop__edition=edition):
        assert run.seats_taken == WorkshopChoice.objects.filter(run=run).count()


def test_crossing_saves_and_releases_never_deadlock():
    """Delegates swapping runs in opposite directions while others free their seats
    all finish: a save writes its choice rows (key-share locks on the runs) before it
    locks the runs, and every service locks runs in primary-key order with FOR NO KEY
    UPDATE, which those key-share locks never block. A stress test: a lock cycle
    would make PostgreSQL abort one transaction as a deadlock."""
    edition = EditionFactory()
    grid = workshop_grid(edition, capacity=THREADS)
    left = [block[0].pk for block in grid]
    right = [block[1].pk for block in grid]
    # Releasers hold runs on both sides, so their locks interleave with the
    # swappers' choice rows (a swapper from left to right writes its rows for
    # run 2 before it locks run 1; a releaser of runs 1 and 4 locks 1, then 4).
    mixed = [block[b % 2].pk for b, block in enumerate(grid)]
    registrations = [RegistrationFactory(edition=edition) for _ in range(30)]
    plans = []
    for i, registration in enumerate(registrations):
        if i % 3 == 0:
            plans.append((registration, "release", mixed))
        else:
            plans.append((registration, "swap", left if i % 3 == 1 else right))
        services.workshop_choices_set(registration=registration, run_ids=plans[-1][2])

    barrier = threading.Barrier(len(plans))
    outcomes: dict[int, str] = {}

    def act(registration, action, start):
        try:
            barrier.wait(timeout=30)
            if action == "release":
                services.workshop_choices_release(registration=registration)
            else:
                services.workshop_choices_set(
                    registration=registration,
                    run_ids=right if start == left else left,
                )
            outcomes[registration.pk] = "done"
        except Exception as exc:  # surfaced by the assertion below
            outcomes[registration.pk] = f"error: {exc!r}"
        finally:
            connection.close()

    threads = [threading.Thread(target=act, args=plan) for plan in plans]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert outcomes == {r.pk: "done" for r in registrations}
    for registration, action, start in plans:
        held = sorted(
            WorkshopChoice.objects.filter(registration=registration).values_list(
                "run_id", flat=True
            )
        )
        expected = [] if action == "release" else (right if start == left else left)
        assert held == sorted(expected)
    for run in WorkshopRun.objects.filter(workshop__edition=edition):
        assert run.seats_taken == WorkshopChoice.objects.filter(run=run).count()
