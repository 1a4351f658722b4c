"""Shapley attributions of a run folder: which items, stakeholders and criteria produced it.

- items: players are the items where the negotiated package differs from the best base
  design ("+id" added, "-id" dropped); v(S) is the metric of the base design with the
  changes in S applied. Intermediate coalitions need not be feasible.
- stakeholders (sim.analysis.stakeholders): v(S) is the metric of the package the mediator's
  strategy picks when only the groups in S have a voice.
- criteria: each group's utility of the negotiated package split by criterion.

Every attribution turns into long rows (by, player, metric, value, stderr) for
attribution_<by>.csv, the file the dashboard plots.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import numpy as np

from sim.analysis.shapley import ShapleyResult, shapley_values
from sim.core.context import NegotiationContext
from sim.core.errors import NegsimError
from sim.core.metrics import gini_rows, p20_rows, satisfaction
from sim.core.summary import RunFolder

BY = ("items", "stakeholders", "criteria")
METRICS = ("total", "worst_group", "p20", "gini")
CSV_COLUMNS = ("by", "player", "metric", "value", "stderr")


class AttributionError(NegsimError, ValueError):
    """A one-line user error (bad run folder, unknown metric or group)."""


RunData = RunFolder         # what an attribution needs from a run folder: ctx, summary, package


@dataclass(frozen=True)
class ShapleySettings:
    """How Shapley values are computed (passed through to shapley_values)."""

    method: str = "auto"
    n_samples: int | None = None
    seed: int | None = 0


@dataclass(frozen=True)
class Attribution:
    """Shapley values per metric (criteria: per group) with notes and by-specific details."""

    by: str
    results: dict[str, ShapleyResult]        # metric label -> result
    notes: tuple[str, ...] = ()
    details: dict = field(default_factory=dict)

    def rows(self) -> list[dict]:
        """Long rows for attribution_<by>.csv (stderr empty when exact)."""
        out = []
        for metric, res in self.results.items():
            for p in res.players:
                se = res.stderr[p] if res.stderr else None
                out.append({"by": self.by, "player": p, "metric": metric,
                            "value": round(res.values[p], 12), "stderr": "" if se is None else round(se, 12)})
        return out

    @property
    def efficient(self) -> bool:
        """True when every metric's Shapley values sum to v(N) - v(empty) up to rounding."""
        return all(r.efficient for r in self.results.values())


def load_run_data(run_dir: Path) -> RunData:
    """Re-load a run folder (scenario.yaml + summary.json) into a context and package."""
    from sim.core.records import SCENARIO_COPY, SUMMARY, RunFolderError
    from sim.core.scenario import ScenarioError
    from sim.core.summary import load_run

    folder = Path(run_dir)
    for name in (SUMMARY, SCENARIO_COPY):
        if not (folder / name).is_file():
            raise AttributionError(f"{folder}: {name}: missing; fix: pass a folder written by `negsim run`")
    try:
        run = load_run(folder, transcript=False)
    except RunFolderError as err:           # already names the folder
        raise AttributionError(str(err)) from err
    except (ScenarioError, ValueError) as err:
        raise AttributionError(f"{folder}: {err}") from err
    unknown = [i for i in run.summary.get("package", []) if i not in run.ctx.rubric.item_index]
    if unknown:
        raise AttributionError(f"{folder / SUMMARY}: package: unknown items {unknown}; fix: re-run the scenario")
    return run


def metric_fn(ctx: NegotiationContext, metric: str,
              reference: np.ndarray | None = None) -> Callable[[np.ndarray], np.ndarray]:
    """A batched metric over packages (n, K) -> (n,): total, worst_group, p20, gini, group:ID.

    p20 normalises satisfaction over `reference` (the run's negotiated and base designs).
    """
    rub = ctx.rubric
    if metric.startswith("group:"):
        gid = metric.split(":", 1)[1]
        if gid not in rub.group_index:
            raise AttributionError(f"--metric: unknown group '{gid}'; fix: use one of {', '.join(rub.group_ids)}")
        g = rub.group_index[gid]
        return lambda X: rub.utilities(X)[:, g]
    if metric not in METRICS:
        raise AttributionError(f"--metric: unknown metric '{metric}'; fix: use one of "
                               f"{', '.join(METRICS)} or group:ID")
    if metric == "p20":
        ref = np.atleast_2d(reference if reference is not None else np.zeros(rub.n_items))
        ref_units = rub.unit_utilities(ref)
        return lambda X: p20_rows(satisfaction(rub.unit_utilities(np.atleast_2d(X)), ref_units))
    # Shapley needs a number for every coalition: an undefined Gini (mean <= 0) counts as 0 here
    reduce = {"total": lambda U: U.sum(axis=1), "worst_group": lambda U: U.min(axis=1),
              "gini": lambda U: gini_rows(U, undefined=0.0)}[metric]
    return lambda X: reduce(rub.utilities(np.atleast_2d(X)))


def reference_designs(ctx: NegotiationContext, package: np.ndarray) -> np.ndarray:
    """The designs a run evaluates together: the negotiated package and the base designs."""
    return np.array([package, *ctx.base_packages.values()], dtype=float)


# -- items ---------------------------------------------------------------------------------
def base_package(run: RunData) -> tuple[np.ndarray, str]:
    """The best base design of the run (or nothing funded when the scenario has none)."""
    name = run.summary.get("best_base") or run.ctx.best_base
    if name and name in run.ctx.base_packages:
        return np.asarray(run.ctx.base_packages[name], dtype=np.int8), name
    return np.zeros(run.ctx.rubric.n_items, dtype=np.int8), "nothing funded"


def attribute_items(ctx: NegotiationContext, package: np.ndarray, base: np.ndarray,
                    metrics: list[str], settings: ShapleySettings = ShapleySettings(),
                    base_name: str = "base") -> Attribution:
    """Shapley value of each item change (base -> package) on each metric."""
    rub = ctx.rubric
    package, base = np.asarray(package, dtype=np.int8), np.asarray(base, dtype=np.int8)
    changed = np.flatnonzero(package != base)
    players = [("+" if package[k] else "-") + rub.item_ids[k] for k in changed]
    notes = [f"players: the {len(players)} item changes from the base design '{base_name}' to the "
             f"negotiated package; intermediate coalitions need not be feasible (budget, requires, "
             f"excludes are not enforced for them)"]
    if not players:
        notes.append("the negotiated package equals the base design: nothing to attribute")
        return Attribution("items", {}, tuple(notes))
    ref = reference_designs(ctx, package)
    results = {}
    for metric in metrics:
        score = metric_fn(ctx, metric, ref)

        def value(S: np.ndarray, score=score) -> np.ndarray:
            X = np.repeat(base[None, :], len(S), axis=0)
            X[:, changed] = np.where(S != 0, package[changed], base[changed])
            return score(X)

        results[metric] = run_shapley(value, players, settings)
    return Attribution("items", results, tuple(notes + gini_notes(metrics)))


def run_shapley(value, players, settings: ShapleySettings) -> ShapleyResult:
    """Shapley values of `value` over `players` with the method, sample count and seed of `settings`."""
    return shapley_values(value, players, method=settings.method, n_samples=settings.n_samples,
                          seed=settings.seed)


def gini_notes(metrics: list[str]) -> list[str]:
    """The note on gini's value for coalitions where it is undefined, when gini is among the metrics."""
    return ["gini counts as 0 for a coalition whose mean group utility is <= 0 (undefined there)"] \
        if "gini" in metrics else []


# -- criteria ------------------------------------------------------------------------------
def attribute_criteria(ctx: NegotiationContext, package: np.ndarray,
                       groups: list[str] | None = None,
                       settings: ShapleySettings = ShapleySettings()) -> Attribution:
    """Each group's utility of the package split by criterion (players 'group:criterion')."""
    rub = ctx.rubric
    results = {}
    for gid in groups or list(rub.group_ids):
        if gid not in rub.group_index:
            raise AttributionError(f"--metric: unknown group '{gid}'; fix: use one of {', '.join(rub.group_ids)}")
        parts = np.asarray(package, dtype=float) @ rub.criterion_values[rub.group_index[gid]]
        players = [f"{gid}:{c}" for c in rub.criterion_ids]
        results[f"group:{gid}"] = run_shapley(lambda S, parts=parts: np.asarray(S, float) @ parts,
                                           players, settings)
    notes = ("utility is additive over criteria, so each Shapley value is that criterion's "
             "weighted contribution to the group's utility",)
    return Attribution("criteria", results, notes)


# -- output --------------------------------------------------------------------------------
def attribution_csv(attribution: Attribution) -> str:
    """attribution_<by>.csv content (header even when there is nothing to attribute)."""
    from sim.core.records import rows_to_csv

    rows = attribution.rows()
    return rows_to_csv(rows) if rows else ",".join(CSV_COLUMNS) + "\n"


def table_text(attribution: Attribution) -> str:
    """A readable table: one block per metric, players by decreasing |value|."""
    lines = []
    for metric, res in attribution.results.items():
        lines.append(f"{attribution.by} -> {metric}: v(all) {res.v_full:.6g}, v(none) {res.v_empty:.6g}, "
                     f"{res.method} ({res.evaluations} coalitions), efficiency gap {res.efficiency_gap:.2e}")
        width = max(len(str(p)) for p in res.players)
        for p in sorted(res.players, key=lambda p: -abs(res.values[p])):
            se = f"  +/- {res.stderr[p]:.4g}" if res.stderr else ""
            lines.append(f"  {str(p):<{width}}  {res.values[p]:>12.6g}{se}")
    lines += [f"note: {n}" for n in attribution.notes]
    return "\n".join(lines)
