"""The exact allocator: pure NumPy/SciPy, no Django, so it can be tested and measured
on its own.

Every delegate gets ``n`` runs, at most one per time block and never the same workshop
twice, within each run's capacity, minimising the sum of the delegates' costs (the
squared rank minus one of each workshop they get). It is solved as one integer
program with SciPy's ``milp`` (HiGHS). Variables are ``x[d, r]`` (delegate ``d`` sits
in run ``r``) and a slack ``s[d]`` for each delegate's missing places, priced above any
possible cost. When the rooms cannot hold everybody, a first solve finds the fewest
delegates who cannot be fully placed (binary ``u[d]``), and the final solve keeps to
that number; those delegates are reported, not dropped. With one run per workshop the
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
    """Assign each delegate (row of ``costs``) ``n`` runs; see the module docstring.

    Lexicographic: first as many delegates fully placed as possible, then as many
    places filled as possible, then the least total cost. When the rooms hold
    everybody (the usual case) one small, integral LP-like solve does it all.
    """
    costs = np.asarray(costs, dtype=np.int64)
    n_delegates = costs.shape[0]
    if n_delegates == 0:
        return Solution(assignments=[], cost=0)
    if not runs:
        return Solution(
            assignments=[[] for _ in range(n_delegates)],
            cost=0,
            unplaced=list(range(n_delegates)),
        )
    model = _Model(costs, runs, n, seed)
    result = model.solve(phase="fill", time_limit=time_limit)
    slack = result.x[model.n_x : model.n_x + n_delegates]
    if slack.max() > 0.5:
        # Not everybody fits: place as many delegates fully as possible first.
        best = model.solve(phase="count", time_limit=time_limit)
        fewest_unplaced = round(best.fun)
        result = model.solve(
            phase="fill", max_unplaced=fewest_unplaced, time_limit=time_limit
        )
    return model.solution(result)


class _Model:
    """Variables: x[d, r] (binary), s[d] missing places, u[d] not fully placed."""

    def __init__(self, costs, runs, n, seed):
        self.costs, self.runs, self.n = costs, runs, n
        self.n_delegates = n_delegates = costs.shape[0]
        self.n_runs = n_runs = len(runs)
        self.n_x = n_x = n_delegates * n_runs
        run_workshop = np.array([r.workshop for r in runs])
        run_block = np.array([r.block for r in runs])
        capacity = np.array([r.capacity for r in runs], dtype=float)
        rng = np.random.default_rng(seed)
        self.base = costs[:, run_workshop].astype(float)  # (D, R)
        self.x_cost = self.base + rng.random(self.base.shape) * (
            0.5 / (n_delegates * n + 1)
        )
        # A missing place must cost more than any complete assignment could.
        self.penalty = float(costs.max(initial=0)) * n_delegates * n + 1.0

        delegates = np.arange(n_delegates)
        s_col = n_x + delegates
        u_col = n_x + n_delegates + delegates
        rows, cols, vals, lower_b, upper_b = [], [], [], [], []
        row = 0

        def add(r, c, v=1.0):
            rows.append(np.asarray(r))
            cols.append(np.asarray(c))
            vals.append(np.broadcast_to(np.asarray(v, dtype=float), np.shape(r)))

        # 1. each delegate: sum of runs + missing places = n
        for r in range(n_runs):
            add(delegates, delegates * n_runs + r)
        add(delegates, s_col)
        lower_b.append(np.full(n_delegates, float(n)))
        upper_b.append(np.full(n_delegates, float(n)))
        row += n_delegates
        # 2. missing places only for a delegate marked not fully placed
        add(row + delegates, s_col)
        add(row + delegates, u_col, -float(n))
        lower_b.append(np.full(n_delegates, -np.inf))
        upper_b.append(np.zeros(n_delegates))
        row += n_delegates
        # 3. at most one run per block, and per workshop when it repeats
        groups = []
        for key in (run_block, run_workshop):
            for value in np.unique(key):
                members = np.flatnonzero(key == value)
                if len(members) > 1:
                    groups.append(members)
        for members in groups:
            for r in members:
                add(row + delegates, delegates * n_runs + r)
            lower_b.append(np.full(n_delegates, -np.inf))
            upper_b.append(np.ones(n_delegates))
            row += n_delegates
        # 4. capacity of each run
        for r in range(n_runs):
            add(np.full(n_delegates, row + r), delegates * n_runs + r)
        lower_b.append(np.full(n_runs, -np.inf))
        upper_b.append(capacity)
        row += n_runs
        self.count_row = row  # 5. (optional) how many may stay not fully placed
        add(np.full(n_delegates, row), u_col)
        row += 1
        self.matrix = sparse.csr_array(
            (np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))),
            shape=(row, n_x + 2 * n_delegates),
        )
        self.lower = np.concatenate([*lower_b, [-np.inf]])
        self.upper = np.concatenate([*upper_b, [np.inf]])

    def solve(self, *, phase: str, max_unplaced: int | None = None, time_limit):
        d, n_x = self.n_delegates, self.n_x
        upper = self.upper.copy()
        if max_unplaced is not None:
            upper[self.count_row] = max_unplaced
        if phase == "count":
            c = np.concatenate([np.zeros(n_x + d), np.ones(d)])
        else:
            c = np.concatenate(
                [self.x_cost.ravel(), np.full(d, self.penalty), np.zeros(d)]
            )
        u_integral = phase == "count" or max_unplaced is not None
        integrality = np.concatenate(
            [np.ones(n_x), np.zeros(d), np.full(d, 1 if u_integral else 0)]
        )
        bounds = Bounds(
            np.zeros(n_x + 2 * d),
            np.concatenate([np.ones(n_x), np.full(d, float(self.n)), np.ones(d)]),
        )
        result = milp(
            c,
            constraints=[LinearConstraint(self.matrix, self.lower, upper)],
            integrality=integrality,
            bounds=bounds,
            options={"time_limit": time_limit, "mip_rel_gap": 0.0},
        )
        if result.x is None:
            raise RuntimeError(f"The allocator found no solution: {result.message}")
        self.status = "optimal" if result.status == 0 else str(result.message)
        return result

    def solution(self, result) -> Solution:
        d, r = self.n_delegates, self.n_runs
        x = np.rint(result.x[: self.n_x]).reshape(d, r).astype(bool)
        assignments = [np.flatnonzero(x[i]).tolist() for i in range(d)]
        return Solution(
            assignments=assignments,
            cost=int(round(float(self.base[x].sum()))),
            unplaced=[i for i in range(d) if len(assignments[i]) < self.n],
            status=self.status,
        )


def brute_force(costs: np.ndarray, runs: list[Run], n: int) -> tuple[int, int, int]:
    """The best (delegates not fully placed, missing places, cost), by trying every
    assignment: for tests only."""
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
        value = (
            sum(o[0] > 0 for o in choice),
            sum(o[0] for o in choice),
            sum(o[1] for o in choice),
        )
        if best is None or value < best:
            best = value
    return best
