"""Synthetic Pabulib elections of any size (seeded), for benchmarks and scale tests.

Projects have log-normal costs and a popularity; each voter approves a handful of projects
drawn by popularity and has an age, so `negsim pabulib` can group voters by age bands.
"""

from __future__ import annotations

import numpy as np

__all__ = ["synthetic_election"]


def synthetic_election(seed: int, n_projects: int, n_voters: int, *, max_approvals: int = 5,
                       budget_share: float = 0.3) -> str:
    """The text of a valid approval-vote .pb file with n_projects projects and n_voters voters."""
    rng = np.random.default_rng(seed)
    costs = np.round(rng.lognormal(11.0, 0.8, n_projects)).astype(int) + 1000
    popularity = rng.dirichlet(np.full(n_projects, 0.5))
    budget = int(costs.sum() * budget_share)
    lines = ["META", "key;value", f"description;synthetic election {seed}", "country;Nowhere",
             "unit;Synthetic", f"instance;{seed}", f"num_projects;{n_projects}",
             f"num_votes;{n_voters}", f"budget;{budget}", "vote_type;approval", "rule;greedy",
             f"max_length;{max_approvals}", "PROJECTS", "project_id;cost;name"]
    lines += [f"p{k};{int(c)};project {k}" for k, c in enumerate(costs)]
    lines += ["VOTES", "voter_id;vote;age"]
    counts = rng.integers(1, max_approvals + 1, n_voters)
    ages = rng.integers(18, 90, n_voters)
    for v in range(n_voters):
        chosen = rng.choice(n_projects, size=min(int(counts[v]), n_projects), replace=False, p=popularity)
        lines.append(f"v{v};{','.join(f'p{int(k)}' for k in sorted(chosen))};{int(ages[v])}")
    return "\n".join(lines) + "\n"
