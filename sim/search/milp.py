"""MILP building blocks over a rubric's packages (scipy.optimize.milp, HiGHS).

A `PackageMILP` holds the feasibility rows (budget, requires, excludes) over the binary
package x plus any continuous columns an objective needs; `lexmax` maximises linear
expressions lexicographically by fixing each optimum before the next stage.
"""

from __future__ import annotations

import math
import os
import sys
import warnings
from contextlib import contextmanager
from fractions import Fraction
from types import SimpleNamespace
from typing import Iterator

import numpy as np

from sim.core.cache import LRU
from sim.core.errors import NegsimError
from sim.core.rubric import Rubric

FIX_TOL = 1e-9                 # relative slack when fixing an earlier stage's optimum


def fix_slack(value: float) -> float:
    """The slack FIX_TOL allows around a value (relative, at least FIX_TOL absolute)."""
    return FIX_TOL * max(1.0, abs(value))
# The limit is in branch-and-bound nodes (work), not wall time, so whether a solve is optimal never
# depends on the machine's load; a solve that reaches it keeps its best package (all_optimal False).
MILP_OPTIONS = {"mip_rel_gap": 1e-9, "node_limit": 100_000, "presolve": True}
Expr = tuple[np.ndarray, dict[int, float]]   # linear expression: x coefficients, extra columns
LATTICE_MAX_DEN = 1_000        # largest denominator looked for in one utility row's coefficients
LATTICE_MAX_SCALE = 1_000_000  # largest common denominator L for which a min column is made integral in 1/L


def lattice(A: np.ndarray, b: np.ndarray) -> int | None:
    """The least L such that every entry of A and b is a multiple of 1/L (found by rows), or None.

    Then A_g x + b_g is a multiple of 1/L for every binary x, and so is min_g (A_g x + b_g). None when an
    entry has no denominator up to LATTICE_MAX_DEN (within 1e-9 relative) or L exceeds LATTICE_MAX_SCALE.
    """
    scale = 1
    for row in np.column_stack([np.asarray(A, dtype=float), np.asarray(b, dtype=float)]):
        for v in np.unique(row):
            q = Fraction(float(v)).limit_denominator(LATTICE_MAX_DEN).denominator
            if abs(v * q - round(v * q)) > 1e-9 * max(1.0, abs(v * q)):
                return None
            scale = math.lcm(scale, q)
            if scale > LATTICE_MAX_SCALE:
                return None
    return scale


@contextmanager
def quiet_stdout() -> Iterator[None]:
    """Silence file descriptor 1 while HiGHS runs.

    HiGHS prints some debug lines straight there, which would corrupt `--json` output.
    """
    try:
        fd = sys.stdout.fileno()
    except (AttributeError, ValueError, OSError):      # captured or replaced stdout
        yield
        return
    sys.stdout.flush()
    saved = os.dup(fd)
    try:
        with open(os.devnull, "w") as null:
            os.dup2(null.fileno(), fd)
            yield
    finally:
        os.dup2(saved, fd)
        os.close(saved)


class InfeasibleMILP(NegsimError, RuntimeError):
    """The MILP has no feasible point (HiGHS proved it)."""


class PackageMILP:
    """A MILP over the package x (K binaries) plus continuous columns; rows grow stage by stage."""

    def __init__(self, rubric: Rubric) -> None:
        self.rubric, K = rubric, rubric.n_items
        self.lo, self.hi = [0.0] * K, [1.0] * K
        self.integer = [True] * K
        self.rows: list[tuple[np.ndarray, dict[int, float], float, float]] = []
        self.row(rubric.costs, {}, ub=rubric.budget)
        for k, j in rubric.requires:
            self.row(np.bincount([k, j], weights=[1.0, -1.0], minlength=K), {}, ub=0.0)
        for k, j in rubric.excludes:
            self.row(np.bincount([k, j], minlength=K).astype(float), {}, ub=1.0)
        self.statuses: list[int] = []
        self.tightened = self.stage_failed = False
        self.mins: dict[int, tuple[np.ndarray, np.ndarray]] = {}      # min columns: t = min_g A_g x + b_g at an optimum

    def var(self, lo: float = -np.inf, hi: float = np.inf, integer: bool = False) -> int:
        """Add a column with bounds [lo, hi] (continuous unless `integer`); its index."""
        self.lo.append(lo)
        self.hi.append(hi)
        self.integer.append(integer)
        return len(self.lo) - 1

    def row(self, xc: np.ndarray, extra: dict[int, float], lb: float = -np.inf,
            ub: float = np.inf) -> None:
        """Add the constraint lb <= xc @ x + sum(extra[j] * column j) <= ub."""
        self.rows.append((np.asarray(xc, dtype=float), extra, lb, ub))

    def min_var(self, A: np.ndarray, b: np.ndarray) -> int:
        """A free column t with t <= A_g x + b_g for every row g (t is then their minimum).

        When every A_g x + b_g is a multiple of 1/L (`lattice`), so is their minimum at any package, and t is
        held to multiples of 1/L (an integer column s = L t): the same optimum, but the solver then knows no
        package reaches between two multiples, which closes max-min searches in far fewer nodes.
        """
        t = self.var()
        for a_g, b_g in zip(A, b):
            self.row(-a_g, {t: 1.0}, ub=float(b_g))
        scale = lattice(A, b)
        if scale is not None:
            self.row(np.zeros(self.rubric.n_items), {t: float(scale), self.var(integer=True): -1.0}, lb=0.0, ub=0.0)
        self.mins[t] = (np.asarray(A, dtype=float), np.asarray(b, dtype=float))
        return t

    def hold(self, expr: Expr, value: float) -> None:
        """Hold expr at an optimum `value`, -+ fix_slack: nothing beats an optimum, so the upper side is valid too."""
        slack = fix_slack(value)
        self.row(expr[0], expr[1], lb=value - slack, ub=value + slack)

    def value(self, expr: Expr, x: np.ndarray) -> float | None:
        """The best value of expr with the package fixed at x (min columns at their minimum); None if a column is unknown."""
        if any(j not in self.mins for j in expr[1]):
            return None
        return float(expr[0] @ x) + sum(v * float(np.min(self.mins[j][0] @ x + self.mins[j][1])) for j, v in expr[1].items())

    def solve(self, expr: Expr) -> tuple[np.ndarray, float]:
        """Maximise expr; return the rounded package and the solver's optimum.

        HiGHS accepts rows violated within its tolerances; if the rounded package then
        breaks the budget (or a link), the budget row is tightened once and re-solved.
        """
        answer = self._solve(expr, None)
        assert answer is not None          # without a cutoff HiGHS answers or raises
        return answer

    def improve(self, expr: Expr, known: float, first: bool = False) -> tuple[np.ndarray, float] | None:
        """The optimum of expr if it beats `known` (a value some known package reaches) by more than FIX_TOL, else None.

        HiGHS gets `known` as its cutoff (option `objective_bound`, its upper limit in the MIP search), so it prunes
        every branch that cannot beat the known package; with nothing above the cutoff it may answer a worse
        package or none, so the answer is compared here. None: the known package is optimal (within FIX_TOL).
        `first`: stop at the first package found above the cutoff (not an optimum); a None is then a proof only
        when the solve's status (the last of `statuses`) is 0.
        """
        return self._solve(expr, known + fix_slack(known), first)

    def _solve(self, expr: Expr, cutoff: float | None, first: bool = False) -> tuple[np.ndarray, float] | None:
        answer = self._run(expr, cutoff, first)
        if answer is not None and not self.rubric.feasible_mask(answer[0][None])[0]:
            xc, extra, lb, ub = self.rows[0]
            self.rows[0] = (xc, extra, lb, ub - 1e-6 * max(1.0, abs(ub)))
            self.tightened = True
            answer = self._run(expr, cutoff, first)
        return answer

    def _run(self, expr: Expr, cutoff: float | None = None, first: bool = False) -> tuple[np.ndarray, float] | None:
        n, K = len(self.lo), self.rubric.n_items
        c = np.zeros(n)
        c[:K] = -expr[0]
        for j, v in expr[1].items():
            c[j] = -v
        options = MILP_OPTIONS if cutoff is None else {**MILP_OPTIONS, "objective_bound": -cutoff}
        if first:
            options = {**options, "mip_max_improving_sols": 1}
        model = (c, np.array(self.integer, dtype=float), np.array(self.lo), np.array(self.hi), self._matrix(n),
                 np.array([r[2] for r in self.rows]), np.array([r[3] for r in self.rows]))
        key = (b"".join(a.tobytes() for a in model[:4]), model[4].data.tobytes(), model[4].indices.tobytes(),
               model[4].indptr.tobytes(), model[5].tobytes(), model[6].tobytes(), repr(sorted(options.items())))
        res = SOLVED.get_or_build(key, lambda: _highs(model, options))
        if cutoff is not None and (res.x is None or -res.fun <= cutoff):
            self.statuses.append(0 if res.status in (0, 2) else int(res.status))   # infeasible = nothing beats it
            return None
        self.statuses.append(int(res.status))
        if res.x is None:
            error = InfeasibleMILP if res.status == 2 else RuntimeError
            raise error(f"MILP found no solution: {res.message}")
        return np.round(res.x[:K]).astype(np.int8), float(-res.fun)

    def _matrix(self, n: int):
        """The constraint rows as a sparse CSR matrix (memory grows with the nonzeros, not rows x columns)."""
        from scipy.sparse import csr_array

        data, cols, ptr = [], [], [0]
        for xc, extra, _, _ in self.rows:
            nz = np.flatnonzero(xc)
            cols += [nz, np.fromiter(extra, dtype=np.intp, count=len(extra))]
            data += [xc[nz], np.fromiter(extra.values(), dtype=float, count=len(extra))]
            ptr.append(ptr[-1] + nz.size + len(extra))
        return csr_array((np.concatenate(data), np.concatenate(cols), np.array(ptr)), shape=(len(self.rows), n))

    def details(self) -> dict:
        """Solver facts for the search result: solves, whether all were optimal, budget tightening, skipped tie-breaks."""
        out = {"solver": "HiGHS", "solves": len(self.statuses),
               "all_optimal": all(s == 0 for s in self.statuses)}
        if self.tightened:
            out["budget_tightened"] = True
        if self.stage_failed:
            out["tie_break_skipped"] = True
        return out


SOLVED_SIZE = 512              # MILP answers kept by content (`SOLVED`)
SOLVED: LRU = LRU(SOLVED_SIZE)
"""HiGHS's answers by the model's whole content (objective, columns, rows, options): a run asks the same MILP from
several owners (a pool direction that is one group's values, a vote whose scores are a group's values); HiGHS is
deterministic and its limit counts nodes, not time, so a repeated model is answered as it was the first time."""


def _highs(model: tuple, options: dict) -> SimpleNamespace:
    """One HiGHS solve of (c, integrality, lo, hi, A, row lb, row ub); its x (read-only), fun, status and message."""
    from scipy.optimize import Bounds, LinearConstraint, milp  # ~1 s import: only when solving

    c, integrality, lo, hi, A, lb, ub = model
    with quiet_stdout(), warnings.catch_warnings():
        warnings.filterwarnings("ignore", "Unrecognized options", RuntimeWarning)   # scipy passes them on
        res = milp(c, integrality=integrality, bounds=Bounds(lo, hi), constraints=LinearConstraint(A, lb, ub),
                   options=dict(options))   # a copy: scipy pops node_limit from the dict it is given
    if res.x is not None:
        res.x.setflags(write=False)
    return SimpleNamespace(x=res.x, fun=res.fun, status=int(res.status), message=res.message)


def lexmax(model: PackageMILP, stages: list[Expr], first: tuple[np.ndarray, float] | None = None) -> np.ndarray:
    """Maximise the stages in turn, holding each optimum (-+ FIX_TOL relative) before the next.

    `first` is the first stage's answer and optimum when the caller has already solved it. The answer so far
    is each later stage's incumbent (`PackageMILP.improve`): the solver only looks for a package beating it,
    and keeps it when none does (an optimum all the same). The upper side of each held optimum is valid
    (nothing beats an optimum) and tightens the later stages' bounds.
    """
    x, value = model.solve(stages[0]) if first is None else first
    for expr_fixed, expr in zip(stages, stages[1:]):
        model.hold(expr_fixed, value)
        known = model.value(expr, x)
        try:
            better = model.solve(expr) if known is None else model.improve(expr, known)
        except InfeasibleMILP:  # the fixed optimum leant on solver tolerances: keep x
            model.stage_failed = True
            break
        x, value = (x, known) if better is None else better
    return x


def ordered_sum(model: PackageMILP, k: int, W: np.ndarray | None = None, m: np.ndarray | None = None) -> Expr:
    """Ogryczak: the sum of the k smallest utilities as max k r - sum_j m_j d_j, d_j >= r - W_j x.

    W: the distinct value rows (default every group's), m: how many groups share each (default 1), so
    groups with equal values share one deviation column.
    """
    W = model.rubric.values if W is None else W
    m = np.ones(len(W)) if m is None else m
    r = model.var()
    ds = [model.var(0.0) for _ in W]
    for w_j, d_j in zip(W, ds):
        model.row(-w_j, {r: 1.0, d_j: -1.0}, ub=0.0)
    return np.zeros(W.shape[1]), {r: float(k), **{d_j: -float(m_j) for d_j, m_j in zip(ds, m)}}


def log_tangent_cuts(model: PackageMILP, z: list[int], points: np.ndarray, d: np.ndarray) -> None:
    """Cuts z_g <= log b + (u_g - d_g - b) / b at gains b (rows of points, (n, G))."""
    V = model.rubric.values
    for b_row in points:
        for g, b in enumerate(b_row):
            if b > 0:
                model.row(-V[g] / b, {z[g]: 1.0}, ub=math.log(b) - 1.0 - d[g] / b)
