"""The exact allocator: pure NumPy/SciPy, no Django, so it can be tested and measured
on its own.

Every delegate gets ``n`` runs, at most one per time block and never the same workshop
twice, within each run's capacity, minimising the sum of the delegates' costs (the
squared rank minus one of each workshop they get). It is solved as one integer
program with SciPy's ``milp`` (HiGHS). Variables are ``x[d, r]`` (delegate ``d`` sits
in run ``r``) and a slack ``s[d]`` for each delegate's missing places, priced above any
possible cost so the most places are filled first; a delegate with slack left is
reported as not fully placed rather than dropped. With one run per workshop the
constraint matrix is that of a transportation problem (totally unimodular), so the LP
relaxation is already integral and HiGHS closes it at the root; the workshop-level
"not twice" rows are only added for workshops that run more than once.

Ties are broken reproducibly by tiny seeded perturbations of the costs whose sum over
any assignment stays below one, so the integer optimum is never changed by them.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

import numpy as np
from scipy import sparse
from scipy.optimize import Bounds, LinearConstraint, milp


@dataclass(frozen=True)
class Run:
    workshop: int  # index into the cost matrix's columns
    block: int
    capacity: int


@dataclass
class Solution:
    assignments: list[list[int]]  # per delegate, the indices of their runs
    cost: int  # the sum of the integer costs
    unplaced: list[int] = field(default_factory=list)  # delegates with < n runs
    status: str = "optimal"


def rank_costs(ranks: list[dict[int, int]], n_workshops: int) -> np.ndarray:
    """Cost matrix from each delegate's ``{workshop: rank}`` (1 = most wanted).

    Rank ``k`` costs ``(k - 1) ** 2``; an unranked workshop counts as ranked last
    plus one.
    """
    costs = np.zeros((len(ranks), n_workshops), dtype=np.int64)
    for d, ranking in enumerate(ranks):
        unranked = len(ranking) + 1
        for w in range(n_workshops):
            rank = ranking.get(w, unranked)
            costs[d, w] = (rank - 1) ** 2
    return costs


def solve(
    costs: np.ndarray,
    runs: list[Run],
    n: int,
    *,
    seed: int = 0,
    time_limit: float = 120.0,
) -> Solution:
    """Assign each delegate (row of ``costs``) ``n`` runs; see the module docstring."""
    costs = np.asarray(costs, dtype=np.int64)
    n_delegates = costs.shape[0]
    n_runs = len(runs)
    if n_delegates == 0:
        return Solution(assignments=[], cost=0)
    if n_runs == 0:
        return Solution(
            assignments=[[] for _ in range(n_delegates)],
            cost=0,
            unplaced=list(range(n_delegates)),
        )
    run_workshop = np.array([r.workshop for r in runs])
    run_block = np.array([r.block for r in runs])
    capacity = np.array([r.capacity for r in runs], dtype=float)

    rng = np.random.default_rng(seed)
    x_cost = costs[:, run_workshop].astype(float)  # (D, R)
    base = x_cost.copy()
    x_cost += rng.random(x_cost.shape) * (0.5 / (n_delegates * n + 1))
    # A missing place must cost more than any complete assignment could.
    penalty = float(costs.max(initial=0)) * n_delegates * n + 1.0

    n_x = n_delegates * n_runs
    c = np.concatenate([x_cost.ravel(), np.full(n_delegates, penalty)])
    integrality = np.concatenate([np.ones(n_x), np.zeros(n_delegates)])
    upper = np.concatenate([np.ones(n_x), np.full(n_delegates, float(n))])
    bounds = Bounds(np.zeros(n_x + n_delegates), upper)

    def x_index(d: np.ndarray, r: np.ndarray) -> np.ndarray:
        return d * n_runs + r

    rows, cols, lower_b, upper_b = [], [], [], []
    row = 0
    delegates = np.arange(n_delegates)

    # 1. each delegate: sum of runs + slack = n
    for r in range(n_runs):
        rows.append(delegates)
        cols.append(x_index(delegates, r))
    rows.append(delegates)
    cols.append(n_x + delegates)
    lower_b.append(np.full(n_delegates, float(n)))
    upper_b.append(np.full(n_delegates, float(n)))
    row += n_delegates

    # 2. at most one run per block, 3. at most one run per workshop (when repeated)
    groups = []
    for b in np.unique(run_block):
        members = np.flatnonzero(run_block == b)
        if len(members) > 1:
            groups.append(members)
    for w in np.unique(run_workshop):
        members = np.flatnonzero(run_workshop == w)
        if len(members) > 1:
            groups.append(members)
    for members in groups:
        for r in members:
            rows.append(row + delegates)
            cols.append(x_index(delegates, r))
        lower_b.append(np.full(n_delegates, -np.inf))
        upper_b.append(np.ones(n_delegates))
        row += n_delegates

    # 4. capacity of each run
    for r in range(n_runs):
        rows.append(np.full(n_delegates, row + r))
        cols.append(x_index(delegates, r))
    lower_b.append(np.full(n_runs, -np.inf))
    upper_b.append(capacity)
    row += n_runs

    matrix = sparse.csr_array(
        (
            np.ones(sum(len(a) for a in rows)),
            (np.concatenate(rows), np.concatenate(cols)),
        ),
        shape=(row, n_x + n_delegates),
    )
    constraint = LinearConstraint(
        matrix, np.concatenate(lower_b), np.concatenate(upper_b)
    )
    result = milp(
        c,
        constraints=[constraint],
        integrality=integrality,
        bounds=bounds,
        options={"time_limit": time_limit, "mip_rel_gap": 0.0},
    )
    if result.x is None:
        raise RuntimeError(f"The allocator found no solution: {result.message}")
    x = np.rint(result.x[:n_x]).reshape(n_delegates, n_runs).astype(bool)
    assignments = [np.flatnonzero(x[d]).tolist() for d in range(n_delegates)]
    unplaced = [d for d in range(n_delegates) if len(assignments[d]) < n]
    return Solution(
        assignments=assignments,
        cost=int(round(float(base[x].sum()))),
        unplaced=unplaced,
        status="optimal" if result.status == 0 else str(result.message),
    )


def brute_force(costs: np.ndarray, runs: list[Run], n: int) -> tuple[int, int]:
    """The best (missing places, cost) by trying every assignment: for tests only."""
    costs = np.asarray(costs)
    n_delegates = costs.shape[0]
    options_per_delegate = []
    for d in range(n_delegates):
        options = []
        for size in range(n + 1):
            for combo in itertools.combinations(range(len(runs)), size):
                blocks = {runs[r].block for r in combo}
                workshops = {runs[r].workshop for r in combo}
                if len(blocks) == size and len(workshops) == size:
                    cost = sum(int(costs[d, runs[r].workshop]) for r in combo)
                    options.append((n - size, cost, combo))
        options_per_delegate.append(options)
    best = None
    for choice in itertools.product(*options_per_delegate):
        used = [0] * len(runs)
        for _missing, _cost, combo in choice:
            for r in combo:
                used[r] += 1
        if any(used[r] > runs[r].capacity for r in range(len(runs))):
            continue
        value = (sum(o[0] for o in choice), sum(o[1] for o in choice))
        if best is None or value < best:
            best = value
    return best
