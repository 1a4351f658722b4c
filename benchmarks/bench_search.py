"""Print search timings: MILP per objective on a 200-item, 8-group random scenario, and enumeration at 16 items.

Figures only; nothing here is asserted.

Run from the repository root: `python -m benchmarks.bench_search`.
"""

from __future__ import annotations

import time

import numpy as np

from sim.core.rubric import build_rubric
from sim.core.scenario import parse_scenario
from sim.search.exact import OBJECTIVES, cached, enumerate_feasible, optimise, pareto_frontier


def random_scenario(seed: int, n_items: int, n_groups: int, n_criteria: int = 6) -> dict:
    """A random but valid scenario: mixed-sign effects, some requires (acyclic) and excludes."""
    rng = np.random.default_rng(seed)
    crit = [f"c{i}" for i in range(n_criteria)]
    costs = rng.integers(10, 200, n_items)
    items = []
    for k in range(n_items):
        effects = {c: round(float(e), 3) for c, e in zip(crit, rng.normal(1.0, 2.0, n_criteria))}
        item = {"id": f"i{k}", "cost": int(costs[k]), "effects": effects}
        if k > 0 and rng.random() < 0.1:
            item["requires"] = [f"i{int(rng.integers(0, k))}"]
        elif k > 0 and rng.random() < 0.1:
            item["excludes"] = [f"i{int(rng.integers(0, k))}"]
        items.append(item)
    groups = [{"id": f"g{g}", "weights": {c: float(w) for c, w in zip(crit, rng.dirichlet(np.ones(n_criteria)))}}
              for g in range(n_groups)]
    return {"name": f"random-{seed}", "budget": float(costs.sum() * 0.3),
            "criteria": [{"id": c} for c in crit], "items": items, "groups": groups}


def timed(fn, repeat: int = 1) -> tuple[float, object]:
    start = time.perf_counter()
    for _ in range(repeat):
        out = fn()
    return (time.perf_counter() - start) / repeat, out


def main() -> None:
    big = build_rubric(parse_scenario(random_scenario(1, 200, 8)))
    print(f"MILP, {big.n_items} items, {big.n_groups} groups, "
          f"{len(big.requires)} requires, {len(big.excludes)} excludes")
    for objective in OBJECTIVES:
        seconds, result = timed(lambda: optimise(big, objective, method="milp"))
        print(f"  {objective:12s} {seconds:7.2f} s  solves={result.details.get('solves')}  "
              f"score[0]={result.score[0]:.4f}  items={int(result.package.sum())}")
    seconds, frontier = timed(lambda: pareto_frontier(big, method="milp", max_points=10))
    print(f"  pareto_frontier (max_points=10) {seconds:7.2f} s  points={len(frontier)}")
    small = build_rubric(parse_scenario(random_scenario(2, 16, 8)))
    seconds, X = timed(lambda: enumerate_feasible(small), repeat=5)
    print(f"enumeration, 16 items: {seconds * 1000:.1f} ms for 2^16 packages ({len(X)} feasible)")
    for objective in OBJECTIVES:
        seconds, _ = timed(lambda: optimise(small, objective, method="enumeration"), repeat=3)
        print(f"  optimise {objective:12s} {seconds * 1000:7.1f} ms")
    cached(small).optimise("leximin")
    seconds, _ = timed(lambda: cached(small).optimise("leximin"), repeat=100_000)
    print(f"cache hit, cached(rubric).optimise: {seconds * 1e6:.2f} us")


if __name__ == "__main__":
    main()
