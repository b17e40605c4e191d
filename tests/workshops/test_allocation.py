"""The exact allocator: optimal against brute force, reproducible, within capacity."""

import numpy as np
import pytest

from workshops import allocation as solver


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
