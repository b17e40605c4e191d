"""Benchmark the exact workshop allocator (workshops/allocation.py).

Delegates rank the workshops with a realistic skew (some workshops are far more
popular than others, Plackett-Luce sampling); every workshop runs once, in block
``w % blocks``, in a room sized for its share of the delegates plus 10 %. With
``--repeats k`` the first k workshops also run in the next block (the MILP then needs
its "not the same workshop twice" rows).

    .venv/bin/python benchmarks/allocation.py
    .venv/bin/python benchmarks/allocation.py --delegates 2000 --workshops 16 --blocks 4
"""

import argparse
import math
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from workshops.allocation import Run, rank_costs, solve  # noqa: E402


def rankings(rng, delegates: int, workshops: int, ranked: int) -> list[dict]:
    popularity = rng.gamma(2.0, 1.0, size=workshops)
    result = []
    for _ in range(delegates):
        keys = rng.gumbel(size=workshops) + np.log(popularity)
        order = np.argsort(-keys)[:ranked]
        result.append({int(w): i + 1 for i, w in enumerate(order)})
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--delegates", type=int, default=400)
    parser.add_argument("--workshops", type=int, default=8)
    parser.add_argument("--blocks", type=int, default=4)
    parser.add_argument("--per-delegate", type=int, default=None)
    parser.add_argument("--repeats", type=int, default=0)
    parser.add_argument("--slack", type=float, default=0.10)
    parser.add_argument("--seed", type=int, default=2027)
    args = parser.parse_args()
    n = args.per_delegate or args.blocks
    rng = np.random.default_rng(args.seed)
    ranks = rankings(rng, args.delegates, args.workshops, min(n + 2, args.workshops))
    costs = rank_costs(ranks, args.workshops)
    runs_per_block = [0] * args.blocks
    layout = [(w, w % args.blocks) for w in range(args.workshops)]
    layout += [(w, (w + 1) % args.blocks) for w in range(args.repeats)]
    for _w, b in layout:
        runs_per_block[b] += 1
    runs = [
        Run(
            workshop=w,
            block=b,
            capacity=math.ceil(
                args.delegates * (1 + args.slack) * n / args.blocks / runs_per_block[b]
            )
            if n == args.blocks
            else math.ceil(args.delegates * (1 + args.slack) * n / len(layout)),
        )
        for w, b in layout
    ]
    started = time.perf_counter()
    solution = solve(costs, runs, n, seed=args.seed)
    seconds = time.perf_counter() - started

    fill = [0] * len(runs)
    received = []
    top = 0
    for d, assigned in enumerate(solution.assignments):
        unranked = len(ranks[d]) + 1
        got = sorted(ranks[d].get(runs[r].workshop, unranked) for r in assigned)
        received += got
        top += got == list(range(1, n + 1))
        for r in assigned:
            fill[r] += 1
    print(f"{'run':>4} {'workshop':>8} {'block':>5} {'taken':>6} {'capacity':>8}")
    for i, run in enumerate(runs):
        print(f"{i:>4} {run.workshop:>8} {run.block:>5} {fill[i]:>6} {run.capacity:>8}")
    histogram = np.bincount(received)
    print(
        "rank received: "
        + ", ".join(f"{k}:{c}" for k, c in enumerate(histogram) if k and c)
    )
    print(
        f"status={solution.status} cost={solution.cost} "
        f"unplaced={len(solution.unplaced)} seed={args.seed}"
    )
    assert all(fill[i] <= runs[i].capacity for i in range(len(runs)))
    print(
        f"RESULT delegates={args.delegates} workshops={args.workshops} "
        f"blocks={args.blocks} seconds={seconds:.3f} "
        f"top_choices_pct={100 * top / args.delegates:.1f} "
        f"mean_rank={np.mean(received):.3f}"
    )


if __name__ == "__main__":
    main()
