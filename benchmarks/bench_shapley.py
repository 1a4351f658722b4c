"""Shapley value timings: exact 10/14/16 players and sampled 40 players.

Compares sim.analysis.shapley (exact: all coalitions in one batch, combined on the coalition cube;
sampled: antithetic permutations) with a plain-Python enumeration, a straightforward
vectorised numpy enumeration (index arrays per player), and shap's ExactExplainer with an
Independent masker (first call and later calls). Game: weighted voting [sum/2; 1..n].

    python -m benchmarks.bench_shapley [--no-shap] [--repeats 5]      # from the repository root
"""

from __future__ import annotations

import argparse
import math
import statistics
import time

import numpy as np

from sim.analysis.shapley import shapley_values


def game(n: int):
    w = np.arange(1, n + 1, dtype=float)
    return w, w.sum() / 2, (lambda S: (np.asarray(S, float) @ w >= w.sum() / 2).astype(float))


def plain_python(n: int, w: np.ndarray, quota: float) -> list[float]:
    """Every coalition's value in Python, then phi_i = sum over S without i of w(|S|) * gain."""
    weights = [float(x) for x in w]
    value = []
    for mask in range(1 << n):
        value.append(1.0 if sum(weights[i] for i in range(n) if mask >> i & 1) >= quota else 0.0)
    coef = [math.factorial(s) * math.factorial(n - s - 1) / math.factorial(n) for s in range(n)]
    phi = [0.0] * n
    for i in range(n):
        bit = 1 << i
        for mask in range(1 << n):
            if not mask & bit:
                phi[i] += coef[bin(mask).count("1")] * (value[mask | bit] - value[mask])
    return phi


def numpy_enumeration(n: int, v) -> np.ndarray:
    """All coalitions as rows, one batch of values, then index arrays per player."""
    masks = np.arange(1 << n, dtype=np.int64)
    rows = ((masks[:, None] >> np.arange(n)) & 1).astype(np.int8)
    value = v(rows)
    size = rows.sum(axis=1)
    coef = np.array([1.0 / (n * math.comb(n - 1, s)) for s in range(n)])
    phi = np.empty(n)
    for i in range(n):
        lacking = masks[(masks >> i & 1) == 0]
        phi[i] = (coef[size[lacking]] * (value[lacking | (1 << i)] - value[lacking])).sum()
    return phi


def timed(fn, repeats: int) -> tuple[float, object]:
    """Median wall time of `repeats` calls (after one warm-up call) and the last result."""
    out = fn()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), out


def shap_times(n: int, v, repeats: int) -> tuple[float, float, np.ndarray]:
    start = time.perf_counter()
    first = shapley_values(v, list(range(n)), method="shap")
    first_call = time.perf_counter() - start
    later, res = timed(lambda: shapley_values(v, list(range(n)), method="shap"), repeats)
    assert np.allclose(res.array(), first.array())
    return first_call, later, res.array()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-shap", action="store_true", help="skip shap's exact explainer")
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    print(f"{'players':>7}  {'sim.analysis.shapley':>12}  {'numpy enum':>11}  {'plain Python':>12}  {'shap exact':>11}  "
          f"{'shap 1st call':>13}  max |diff|")
    for n in (10, 14, 16):
        w, quota, v = game(n)
        ours_t, ours = timed(lambda: shapley_values(v, list(range(n)), method="exact"), args.repeats)
        np_t, np_phi = timed(lambda: numpy_enumeration(n, v), args.repeats)
        start = time.perf_counter()
        py_phi = plain_python(n, w, quota)
        py_t = time.perf_counter() - start
        diffs = [np.abs(ours.array() - np_phi).max(), np.abs(ours.array() - np.array(py_phi)).max()]
        shap_cols = "          -              -"
        if not args.no_shap:
            first, later, shap_phi = shap_times(n, v, min(args.repeats, 3))
            diffs.append(np.abs(ours.array() - shap_phi).max())
            shap_cols = f"{later:>10.4f}s  {first:>12.2f}s"
        print(f"{n:>7}  {ours_t:>11.4f}s  {np_t:>10.4f}s  {py_t:>11.3f}s  {shap_cols}  {max(diffs):.1e}")
    n = 40
    _, _, v = game(n)
    t, res = timed(lambda: shapley_values(v, list(range(n)), method="sampled", n_samples=1000, seed=0),
                   args.repeats)
    se = max(res.stderr.values())
    print(f"{n:>7}  {t:>11.4f}s  sampled, 1000 permutations ({res.evaluations} coalitions), max stderr {se:.4f}, "
          f"efficiency gap {res.efficiency_gap:.1e}; enumeration: 2^40 coalitions, not run")


if __name__ == "__main__":
    main()
