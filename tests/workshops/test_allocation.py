"""The exact allocator: optimal against brute force, reproducible, within capacity."""

import numpy as np
import pytest
from django.core import mail
from django.core.exceptions import ValidationError

from tests.factories.accounts import StaffFactory
from tests.factories.delegates import RegistrationFactory
from tests.factories.events import EditionFactory
from tests.factories.workshops import (
    WorkshopRunFactory,
    close_ranking,
    workshop_grid,
)
from workshops import allocation as solver
from workshops import services
from workshops.models import (
    Allocation,
    ChoiceWindow,
    WorkshopAuditEntry,
    WorkshopChoice,
    WorkshopRun,
    WorkshopSettings,
)


def random_case(rng, *, delegates, workshops, blocks, n, repeats, capacity):
    ranks = []
    for _ in range(delegates):
        ranked = rng.permutation(workshops)[: int(rng.integers(n, workshops + 1))]
        ranks.append({int(w): i + 1 for i, w in enumerate(ranked)})
    runs = [solver.Run(w, w % blocks, capacity) for w in range(workshops)]
    for w in range(repeats):
        runs.append(solver.Run(w, (w + 1) % blocks, capacity))
    return solver.rank_costs(ranks, workshops), runs


def placed_and_cost(solution, n):
    missing = [n - len(a) for a in solution.assignments]
    return sum(m > 0 for m in missing), sum(missing), solution.cost


def check_feasible(solution, costs, runs, n):
    used = [0] * len(runs)
    for assigned in solution.assignments:
        assert len(assigned) <= n
        assert len({runs[r].block for r in assigned}) == len(assigned)
        assert len({runs[r].workshop for r in assigned}) == len(assigned)
        for r in assigned:
            used[r] += 1
    assert all(used[r] <= runs[r].capacity for r in range(len(runs)))


@pytest.mark.parametrize("case", range(40))
def test_allocator_matches_brute_force_on_small_random_cases(case):
    rng = np.random.default_rng(1000 + case)
    costs, runs = random_case(
        rng,
        delegates=int(rng.integers(2, 5)),
        workshops=4,
        blocks=2,
        n=2,
        repeats=int(rng.integers(0, 2)),
        capacity=int(rng.integers(1, 4)),
    )
    solution = solver.solve(costs, runs, 2, seed=case)
    check_feasible(solution, costs, runs, 2)
    assert placed_and_cost(solution, 2) == solver.brute_force(costs, runs, 2)


@pytest.mark.parametrize("case", range(10))
def test_allocator_matches_brute_force_three_blocks(case):
    rng = np.random.default_rng(2000 + case)
    costs, runs = random_case(
        rng, delegates=3, workshops=5, blocks=3, n=2, repeats=1, capacity=2
    )
    solution = solver.solve(costs, runs, 2, seed=case)
    check_feasible(solution, costs, runs, 2)
    assert placed_and_cost(solution, 2) == solver.brute_force(costs, runs, 2)


def test_allocator_reproducible_for_a_seed():
    rng = np.random.default_rng(7)
    costs, runs = random_case(
        rng, delegates=60, workshops=8, blocks=4, n=4, repeats=1, capacity=40
    )
    first = solver.solve(costs, runs, 4, seed=42)
    again = solver.solve(costs, runs, 4, seed=42)
    assert first.assignments == again.assignments
    # Identical preferences: only the seed decides who goes where.
    same = np.tile(costs[0], (40, 1))
    tight = [solver.Run(w, w % 4, 20) for w in range(8)]
    a = solver.solve(same, tight, 4, seed=1).assignments
    b = solver.solve(same, tight, 4, seed=2).assignments
    assert a == solver.solve(same, tight, 4, seed=1).assignments
    assert a != b


def test_allocator_never_exceeds_capacity_and_lists_unplaced():
    rng = np.random.default_rng(3)
    costs, runs = random_case(
        rng, delegates=50, workshops=8, blocks=4, n=4, repeats=0, capacity=20
    )
    solution = solver.solve(costs, runs, 4, seed=0)
    check_feasible(solution, costs, runs, 4)
    # 2 runs of 20 per block: 40 delegates can be placed, 10 cannot.
    assert len(solution.unplaced) == 10
    assert sum(len(a) == 4 for a in solution.assignments) == 40


def test_rank_costs_are_squared_and_unranked_is_last_plus_one():
    costs = solver.rank_costs([{0: 1, 2: 2, 1: 3}], 4)
    assert costs.tolist() == [[0, 4, 1, 9]]


# --- the service and publishing -------------------------------------------------


@pytest.fixture
def ranked_edition(db):
    edition = EditionFactory()
    grid = workshop_grid(
        edition, capacity=3, mode=WorkshopSettings.Mode.RANKED, per_block=2
    )
    return edition, grid


@pytest.mark.django_db
def test_allocation_run_reports_and_publish_emails(
    ranked_edition, django_capture_on_commit_callbacks
):
    edition, grid = ranked_edition
    workshops = [run.workshop_id for block in grid for run in block]
    registrations = [RegistrationFactory(edition=edition) for _ in range(5)]
    for i, registration in enumerate(registrations):
        order = workshops[i % 2 :] + workshops[: i % 2]
        services.workshop_preferences_set(registration=registration, workshop_ids=order)
    staff = StaffFactory()
    close_ranking(edition)
    allocation = services.allocation_run(edition=edition, seed=11, actor=staff)
    report = allocation.report
    assert report["seed"] == 11
    assert report["delegates"] == 5
    assert len(report["fill"]) == 8
    assert all(row["taken"] <= row["capacity"] for row in report["fill"])
    assert report["unplaced"] == []
    assert 0 <= report["top_choices"] <= 5
    assert report["mean_rank"] >= 1
    # Draft: nobody has a seat yet.
    assert WorkshopChoice.objects.count() == 0
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.allocation_publish(allocation=allocation, actor=staff)
    assert WorkshopChoice.objects.count() == 20
    for registration in registrations:
        assert WorkshopChoice.objects.filter(registration=registration).count() == 4
    for run in WorkshopRun.objects.filter(workshop__edition=edition):
        assert run.seats_taken == run.choices.count() <= run.capacity
    allocated = [m for m in mail.outbox if "allocated" in m.subject]
    assert sorted(m.to[0] for m in allocated) == sorted(
        r.user.email for r in registrations
    )
    assert WorkshopAuditEntry.objects.filter(
        action=WorkshopAuditEntry.Action.ALLOCATION_PUBLISHED, actor=staff
    ).exists()
    allocation.refresh_from_db()
    assert allocation.status == Allocation.Status.PUBLISHED
    with pytest.raises(ValidationError):
        services.allocation_publish(allocation=allocation)


@pytest.mark.django_db
def test_allocation_lists_delegates_who_cannot_be_placed(ranked_edition):
    edition, grid = ranked_edition
    registrations = [RegistrationFactory(edition=edition) for _ in range(8)]
    allocation = services.allocation_run(edition=edition, seed=5)
    # 2 runs of 3 per block: 6 delegates get four workshops, 2 are listed.
    assert len(allocation.report["unplaced"]) == 2
    listed = {row["reference"] for row in allocation.report["unplaced"]}
    assert listed <= {r.reference for r in registrations}


@pytest.mark.django_db
def test_allocation_gives_top_choices_when_rooms_allow(db):
    edition = EditionFactory()
    grid = workshop_grid(edition, capacity=10, mode=WorkshopSettings.Mode.RANKED)
    registration = RegistrationFactory(edition=edition)
    top = [block[1].workshop_id for block in grid]
    rest = [block[0].workshop_id for block in grid]
    services.workshop_preferences_set(
        registration=registration, workshop_ids=top + rest
    )
    allocation = services.allocation_run(edition=edition, seed=1)
    assert allocation.report["top_choices"] == 1
    assert allocation.report["mean_rank"] == 2.5
    runs = sorted(a.run.workshop_id for a in allocation.assignments.all())
    assert runs == sorted(top)


@pytest.mark.django_db
def test_publish_opens_window_for_delegate_confirmed_after_run(ranked_edition):
    edition, _grid = ranked_edition
    RegistrationFactory(edition=edition)
    close_ranking(edition)
    allocation = services.allocation_run(edition=edition, seed=2)
    late = RegistrationFactory(edition=edition)
    services.allocation_publish(allocation=allocation)
    assert ChoiceWindow.objects.filter(registration=late).exists()
    assert not WorkshopChoice.objects.filter(registration=late).exists()


@pytest.mark.django_db
def test_allocation_with_a_repeated_workshop(db):
    edition = EditionFactory()
    grid = workshop_grid(edition, capacity=4, mode=WorkshopSettings.Mode.RANKED)
    WorkshopRunFactory(workshop=grid[0][0].workshop, block=grid[1][0].block, capacity=4)
    registrations = [RegistrationFactory(edition=edition) for _ in range(6)]
    close_ranking(edition)
    allocation = services.allocation_run(edition=edition, seed=9)
    services.allocation_publish(allocation=allocation)
    for registration in registrations:
        workshops = list(
            WorkshopChoice.objects.filter(registration=registration).values_list(
                "workshop_id", flat=True
            )
        )
        assert len(workshops) == len(set(workshops))
