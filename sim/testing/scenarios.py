"""Random valid scenarios for tests and experiments (seeded, no hypothesis needed)."""

from __future__ import annotations

from typing import Any

import numpy as np

from sim.core.scenario import Scenario, parse_scenario

__all__ = ["random_scenario", "random_scenario_dict", "red_line_scenario"]


def random_scenario_dict(seed: int, n_items: int, n_groups: int, *, links: bool = True,
                         red_lines: bool = False) -> dict:
    """A valid random scenario (costs, effects possibly negative, requires DAG, excludes)."""
    rng = np.random.default_rng(seed)
    crit = [f"c{i}" for i in range(3)]
    items = []
    for k in range(n_items):
        item = {"id": f"i{k}", "cost": float(rng.integers(1, 50)),
                "effects": {c: float(rng.integers(-2, 6)) for c in crit}}
        if links and k > 0 and rng.random() < 0.2:
            item["requires"] = [f"i{int(rng.integers(0, k))}"]
        if links and k > 1 and rng.random() < 0.15:
            other = f"i{int(rng.integers(0, k))}"
            if other not in item.get("requires", []):
                item["excludes"] = [other]
        items.append(item)
    total = sum(i["cost"] for i in items)
    groups = []
    for g in range(n_groups):
        w = rng.integers(0, 4, size=3).astype(float)
        w[rng.integers(0, 3)] += 1
        group = {"id": f"g{g}", "size": float(rng.integers(1, 100)),
                 "weights": dict(zip(crit, w.tolist()))}
        if red_lines and g == 0:
            group["red_lines"] = {"must_have": [items[int(rng.integers(0, n_items))]["id"]]}
        groups.append(group)
    cheap = min(items, key=lambda i: i["cost"])["id"]
    return {"name": f"random-{seed}", "budget": max(total * float(rng.uniform(0.3, 0.7)), 50.0),
            "criteria": [{"id": c} for c in crit], "items": items, "groups": groups,
            "base_designs": {"cheap": [cheap]}, "protocol": {"max_rounds": 6, "seed": seed}}


def random_scenario(seed: int, n_items: int, n_groups: int, **kw: Any) -> Scenario:
    """`random_scenario_dict` parsed into a validated Scenario."""
    return parse_scenario(random_scenario_dict(seed, n_items, n_groups, **kw), f"random-{seed}")


def red_line_scenario(seed: int, n_items: int = 14, n_groups: int = 5) -> Scenario:
    """A held-out hard case (issue 19): disagreement `best_base`, red lines that the base designs break.

    Three random base designs within the budget; every other group states a red line: alternately
    `never` an item some base design holds, or `must_have` an item no base design holds.
    """
    d = random_scenario_dict(seed, n_items, n_groups, links=False)
    rng = np.random.default_rng(seed + 7919)
    costs = {i["id"]: i["cost"] for i in d["items"]}
    bases = {}
    for b in range(3):
        chosen, spent = [], 0.0
        for k in rng.permutation(n_items):
            item = d["items"][int(k)]["id"]
            if spent + costs[item] <= d["budget"]:
                chosen.append(item)
                spent += costs[item]
        bases[f"base{b}"] = sorted(chosen)
    held = sorted({i for items in bases.values() for i in items})
    free = sorted(set(costs) - set(held)) or held
    for g, group in enumerate(d["groups"]):
        if g % 2 == 0:
            pick = held if g % 4 == 0 else free
            kind = "never" if g % 4 == 0 else "must_have"
            group["red_lines"] = {kind: [pick[int(rng.integers(0, len(pick)))]]}
    d["base_designs"] = bases
    d["protocol"] = {"max_rounds": 12, "seed": seed, "disagreement": "best_base"}
    d["name"] = f"red-lines-{seed}"
    return parse_scenario(d, d["name"])
