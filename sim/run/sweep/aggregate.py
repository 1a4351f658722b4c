"""Aggregate a sweep's results per axis combination: means with 95% bootstrap intervals."""

from __future__ import annotations

from pathlib import Path

import numpy as np

REPORT_METRICS = ("total", "worst_group", "p20", "gini")
BOOTSTRAP = 2000
LEVEL = 0.95


def bootstrap_ci(values: np.ndarray, rng: np.random.Generator, n_boot: int = BOOTSTRAP,
                 level: float = LEVEL) -> tuple[float, float, float]:
    """(mean, low, high): percentile bootstrap interval of the mean; NaNs are left out."""
    v = np.asarray(values, dtype=float)
    v = v[~np.isnan(v)]
    if v.size == 0:
        return (np.nan, np.nan, np.nan)
    if np.all(v == v[0]):                              # one value or no spread: a point
        return (float(v[0]), float(v[0]), float(v[0]))
    means = v[rng.integers(0, v.size, size=(n_boot, v.size))].mean(axis=1)
    alpha = (1.0 - level) / 2.0
    lo, hi = np.quantile(means, [alpha, 1.0 - alpha])
    return float(v.mean()), float(lo), float(hi)


def load_results(folder: Path):
    """The results table of a sweep folder and its axis names."""
    import pandas as pd

    results = folder / "results.parquet"
    meta = folder / "sweep.json"
    if not results.is_file() or not meta.is_file():
        raise FileNotFoundError(f"{folder}: (folder): no results.parquet and sweep.json; "
                                f"fix: give the --out folder of a `negsim sweep`")
    from sim.run.sweep.spec import SweepError
    from sim.run.sweep.store import read_json_object

    held = read_json_object(meta)
    try:
        frame = pd.read_parquet(results)
    except Exception as err:                      # pyarrow raises several unrelated types for bad files
        held, why = None, " ".join(str(err).split())[:80]
    else:
        why = "sweep.json is corrupt"
    if held is None:
        raise SweepError(str(folder), "results.parquet" if why != "sweep.json is corrupt" else "sweep.json",
                         f"unreadable ({why})", "run the same `negsim sweep` again: it heals the folder from its parts")
    return frame, list(held.get("axes", []))


def aggregate(frame, axes: list[str], seed: int = 0, metrics: tuple[str, ...] = REPORT_METRICS):
    """One row per axis combination: runs, failures, agreement rate, mean and CI per metric."""
    import pandas as pd

    rng = np.random.default_rng(seed)
    keys = [a for a in axes if a in frame.columns]
    groups = frame.groupby(keys, sort=True, dropna=False) if keys else [((), frame)]
    rows = []
    for key, part in groups:
        key = key if isinstance(key, tuple) else (key,)
        ok = part[part["error"].fillna("") == ""] if "error" in part else part
        row = dict(zip(keys, key))
        row.update({"runs": len(part), "failures": len(part) - len(ok),
                    "agreement_rate": float(ok["agreement"].astype(bool).mean()) if len(ok) else np.nan,
                    "beats_base_worst_group": float(ok["beats_base_worst_group"].astype(bool).mean())
                    if len(ok) and "beats_base_worst_group" in ok else np.nan})
        for m in metrics:
            values = ok[m].to_numpy(dtype=float) if m in ok else np.array([])
            mean, lo, hi = bootstrap_ci(values, rng)
            row.update({f"{m}_mean": mean, f"{m}_lo": lo, f"{m}_hi": hi})
        rows.append(row)
    return pd.DataFrame(rows)
