"""Pabulib elections (.pb) as scenarios, and the PB rules' outcomes as base designs (via pabutools).

One of the two modules that import `pabutools` (extra `[pb]`, always inside functions; `sim.pb.mes`
runs MES completed by budget increase with its tables built once).

Import model (documented in docs/pabulib.md):
- projects -> items (cost, category, vote totals in the note);
- voter segments (sim.pb.segments) -> groups, `size` = voters in the segment;
- one criterion, `support`: a group's value for a project is its voters' mean points for it,
  i.e. the share approving it (approval, choose-1), the mean points given (cumulative,
  scoring), or the mean Pabulib rank points `L - position` with L the ballot length limit
  (ordinal: 3, 2, 1 for a top-3 ballot, as in the file's `score` column). Values are set
  per group through `group_effects`; `effects` hold the all-voter mean. A group's utility of
  a package is then the mean satisfaction of its voters under additive points.

Baselines, each computed by pabutools on a multiprofile (identical ballots merged):
- `greedy`: greedy by votes (Pabulib's `rule;greedy`): pabutools' greedy ranks projects by
  satisfaction / cost, so it runs with satisfaction = cost x points (`Cost_Sat` for approval);
- `mes`: Method of Equal Shares (`Cost_Sat` approval, `Additive_Cardinal_Sat` cumulative,
  `Additive_Borda_Sat` ordinal), made exhaustive by budget increase (1% steps) and then
  completed by greedy by votes (plain MES selects nothing on some files);
- `max_welfare`: pabutools' exact utilitarian optimum of the points satisfaction (the
  scenario's size-weighted total);
- `actual`: the projects the file marks `selected` = 1, where it has that column.
"""

from __future__ import annotations

import csv
import time
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from sim.core.errors import NegsimError
from sim.core.scenario import Scenario, parse_scenario
from sim.pb.segments import Grouping, Segments, segment_voters

EXTRA_HINT = "pip install 'negsim[pb]'"
CURRENCIES = {"Poland": "PLN"}
CITATION = ("Pabulib (pabulib.org): Faliszewski et al., 'Pabulib: A Participatory Budgeting "
            "Library', arXiv:2012.06539")
BASELINE_RULES = {
    "greedy": "greedy by votes (pabutools greedy_utilitarian_welfare, satisfaction = cost x points)",
    "mes": "Method of Equal Shares, exhaustion by budget increase, then greedy completion",
    "max_welfare": "max utilitarian welfare of the points satisfaction (pabutools)",
    "actual": "the projects the file marks as selected",
}


class PabulibError(NegsimError, ValueError):
    """A user-facing problem with a .pb file or the pb extra, as one line."""


def _pabutools():
    try:
        import pabutools  # noqa: F401
        from pabutools import election, rules
    except ImportError:
        raise PabulibError(f"pabutools is not installed; fix: {EXTRA_HINT}") from None
    return election, rules


@lru_cache(maxsize=None)
def _satisfactions() -> dict[str, dict[str, Any]]:
    """Satisfaction classes per vote type: points, cost x points (greedy), MES's class."""
    election, _ = _pabutools()
    from pabutools.election.satisfaction import AdditiveSatisfaction

    def rank_points(instance, profile, ballot, project, pre):
        if project not in ballot:
            return 0
        limit = int(instance.meta.get("max_length") or len(ballot))
        return max(limit, len(ballot)) - ballot.position(project)

    def cardinal_points(instance, profile, ballot, project, pre):
        return ballot.get(project, 0)

    def make(func, scaled: bool):
        def sat_func(instance, profile, ballot, project, pre):
            value = func(instance, profile, ballot, project, pre)
            return value * project.cost if scaled else value

        class _Sat(AdditiveSatisfaction):
            def __init__(self, instance, profile, ballot):
                AdditiveSatisfaction.__init__(self, instance, profile, ballot, sat_func)
        return _Sat

    return {
        "approval": {"points": election.Cardinality_Sat, "greedy": election.Cost_Sat,
                     "mes": election.Cost_Sat},
        "cumulative": {"points": election.Additive_Cardinal_Sat,
                       "greedy": make(cardinal_points, True), "mes": election.Additive_Cardinal_Sat},
        "ordinal": {"points": make(rank_points, False), "greedy": make(rank_points, True),
                    "mes": election.Additive_Borda_Sat},
    }


@dataclass(frozen=True, eq=False)
class Election:
    """One parsed .pb file: pabutools objects plus the arrays and fields the import needs."""

    path: Path
    meta: dict[str, str]
    vote_type: str                         # approval | cumulative | ordinal
    project_ids: tuple[str, ...]
    project_meta: tuple[dict, ...]
    costs: np.ndarray                      # (K,)
    budget: float
    points: np.ndarray                     # (N, K) each voter's points per project
    voters: tuple[dict, ...]               # each voter's metadata (pabutools dropped "None")
    voter_fields: tuple[str, ...]          # VOTES header
    instance: Any = field(repr=False)
    profile: Any = field(repr=False)       # multiprofile (identical ballots merged)
    notes: tuple[str, ...] = ()

    def sat(self, role: str):
        """The pabutools satisfaction class of this election's vote type for `role` (points, greedy or mes)."""
        return _satisfactions()[self.vote_type][role]

    def projects(self, ids) -> list:
        """The pabutools project objects of these project ids, in the given order."""
        return [self.instance.get_project(i) for i in ids]


def _votes_header(text: str) -> tuple[str, ...]:
    lines = text.splitlines()
    for i, line in enumerate(lines):
        if line.strip().lower() == "votes" and i + 1 < len(lines):
            return tuple(h.strip() for h in next(csv.reader([lines[i + 1]], delimiter=";")))
    return ()


def _points_row(ballot, ids: tuple[str, ...], kind: str, limit: int) -> list[float]:
    names = {p.name: p for p in ballot}
    if kind == "approval":
        return [1.0 if i in names else 0.0 for i in ids]
    if kind == "cumulative":
        return [float(ballot[names[i]]) if i in names else 0.0 for i in ids]
    return [float(max(limit, len(ballot)) - ballot.position(names[i])) if i in names else 0.0
            for i in ids]


def _vote_kind(meta: dict[str, str], source: str) -> str:
    raw = meta.get("vote_type", "")
    kinds = {"approval": "approval", "choose-1": "approval", "cumulative": "cumulative",
             "scoring": "cumulative", "ordinal": "ordinal"}
    if raw not in kinds:
        raise PabulibError(f"{source}: META.vote_type: unsupported vote type '{raw}'; fix: use a "
                           f"file with one of {', '.join(kinds)}")
    return kinds[raw]


def _column_notes(ids, pmeta, points: np.ndarray, kind: str) -> list[str]:
    """Compare the PROJECTS votes/score columns with the ballots; report any difference."""
    notes = []
    counted_votes = (points > 0).sum(axis=0)
    for col, counted in (("votes", counted_votes), ("score", points.sum(axis=0))):
        if col == "score" and kind == "approval":
            continue
        diff = [f"{i} ({m[col]} vs {c:g})" for i, m, c in zip(ids, pmeta, counted)
                if m.get(col) not in (None, "") and abs(float(m[col]) - c) > 1e-9]
        if diff:
            notes.append(f"PROJECTS.{col} differs from the ballots for {len(diff)} projects: "
                         + ", ".join(diff[:5]))
    return notes


def load_election(path: str | Path) -> Election:
    """Parse a .pb file with pabutools; one-line PabulibError for unreadable files."""
    _pabutools()
    from pabutools.election.pabulib import parse_pabulib_from_string

    path = Path(path)
    if not path.is_file():
        raise PabulibError(f"{path}: no such file; fix: check the path")
    text = path.read_text(encoding="utf-8-sig")
    try:
        instance, profile = parse_pabulib_from_string(text)
    except (KeyError, ValueError, IndexError) as err:
        raise PabulibError(f"{path}: not a readable Pabulib file ({type(err).__name__}: {err}); "
                           f"fix: check the META, PROJECTS and VOTES sections") from None
    kind = _vote_kind(instance.meta, str(path))
    ids = tuple(p.name for p in instance.project_meta)
    pmeta = tuple(instance.project_meta[p] for p in instance.project_meta)
    limit = int(instance.meta.get("max_length") or 0)
    points = np.array([_points_row(b, ids, kind, limit) for b in profile], dtype=float)
    points = points.reshape(len(profile), len(ids))
    return Election(
        path=path, meta=dict(instance.meta), vote_type=kind, project_ids=ids, project_meta=pmeta,
        costs=np.array([float(p.cost) for p in instance.project_meta]),
        budget=float(instance.budget_limit), points=points,
        voters=tuple(dict(b.meta) for b in profile), voter_fields=_votes_header(text),
        instance=instance, profile=profile.as_multiprofile(),
        notes=tuple(_column_notes(ids, pmeta, points, kind)))


@dataclass(frozen=True)
class Baseline:
    """One PB rule's package on an election, how long pabutools took and what it noted."""

    name: str
    rule: str
    package: tuple[str, ...]
    seconds: float
    note: str = ""


def _ids(allocation, e: Election) -> tuple[str, ...]:
    chosen = {p.name for p in allocation}
    return tuple(i for i in e.project_ids if i in chosen)


def _timed(fn, *args, **kw) -> tuple[Any, float]:
    started = time.perf_counter()
    out = fn(*args, **kw)
    return out, time.perf_counter() - started


def _sat_profile(e: Election, role: str) -> Any:
    """The `role` satisfaction profile, every project's total satisfaction computed in one pass.

    pabutools' `total_satisfaction_project` asks every ballot about the project (a satisfaction
    call and a ballot hash each): projects x ballots calls per rule, most of a city import. Every
    satisfaction of `_satisfactions` is additive and 0 for a project the ballot does not mention,
    so the total is the sum over the ballots that mention it, in pabutools' ballot order and exact
    arithmetic: the same number. Greedy (twice: alone and as MES's completion) and max welfare use it.
    """
    profile = e.profile.as_sat_profile(sat_class=e.sat(role))
    totals: dict = {}
    for sat, count in profile.items():
        for project in dict.fromkeys(sat.ballot):
            totals[project] = totals.get(project, 0) + sat.sat_project(project) * count
    profile.total_satisfaction_project = lambda project: totals.get(project, 0)
    return profile


def _mes(e: Election, rules, greedy_profile) -> Baseline:
    from sim.pb.mes import mes_by_budget_increase

    mes_sat = e.sat("mes")
    first: list = []          # plain MES: the budget-increase loop's first step
    done, seconds = _timed(
        rules.completion_by_rule_combination, e.instance, e.profile,
        [mes_by_budget_increase, rules.greedy_utilitarian_welfare],
        [{"sat_class": mes_sat, "plain": first}, {"sat_class": e.sat("greedy"), "sat_profile": greedy_profile}])
    plain = first[0] if first else rules.method_of_equal_shares(e.instance, e.profile, sat_class=mes_sat)
    note = (f"plain MES ({mes_sat.__name__}) selects {len(plain)} projects"
            + (f" ({', '.join(_ids(plain, e))})" if len(plain) else "; completion needed"))
    return Baseline("mes", BASELINE_RULES["mes"], _ids(done, e), seconds, note)


def _actual(e: Election) -> Baseline | None:
    marks = [m.get("selected") for m in e.project_meta]
    if all(v is None for v in marks):
        return None
    other = sorted({str(v) for v in marks if v not in ("0", "1")})
    note = f"selected values other than 0/1 ignored: {', '.join(other)}" if other else ""
    package = tuple(i for i, v in zip(e.project_ids, marks) if v == "1")
    return Baseline("actual", BASELINE_RULES["actual"], package, 0.0, note)


def compute_baselines(e: Election) -> dict[str, Baseline]:
    """greedy, mes and max_welfare by pabutools, and the file's actual selection if marked."""
    _, rules = _pabutools()
    greedy_profile = _sat_profile(e, "greedy")
    greedy, t_greedy = _timed(rules.greedy_utilitarian_welfare, e.instance, e.profile,   # the class keeps
                              sat_class=e.sat("greedy"), sat_profile=greedy_profile)  # the additive scheme
    welfare, t_welfare = _timed(rules.max_additive_utilitarian_welfare, e.instance, e.profile,
                                sat_class=e.sat("points"), sat_profile=_sat_profile(e, "points"))
    out = {"greedy": Baseline("greedy", BASELINE_RULES["greedy"], _ids(greedy, e), t_greedy),
           "mes": _mes(e, rules, greedy_profile),
           "max_welfare": Baseline("max_welfare", BASELINE_RULES["max_welfare"],
                                   _ids(welfare, e), t_welfare)}
    actual = _actual(e)
    if actual is not None:
        out["actual"] = actual
    return {name: _flag_unsupported(e, b) for name, b in out.items()}


def _flag_unsupported(e: Election, b: Baseline) -> Baseline:
    """Note projects a rule funds although no voter supports them (pabutools funds them if they fit)."""
    support = dict(zip(e.project_ids, e.points.sum(axis=0)))
    unsupported = [i for i in b.package if support[i] <= 0]
    if not unsupported:
        return b
    note = "; ".join(filter(None, [b.note, f"funds projects with no votes: {', '.join(unsupported)}"]))
    return Baseline(b.name, b.rule, b.package, b.seconds, note)


def pabutools_measures(e: Election, package: tuple[str, ...] | list[str]) -> dict[str, float | None]:
    """Pabutools' own voter-satisfaction measures of a package (points satisfaction)."""
    from pabutools.analysis import avg_satisfaction, gini_coefficient_of_satisfaction, percent_non_empty_handed

    alloc = e.projects(package)
    sat = e.sat("points")
    out = {"pb_avg_sat": float(avg_satisfaction(e.instance, e.profile, alloc, sat)),
           "pb_gini_sat": float(gini_coefficient_of_satisfaction(e.instance, e.profile, alloc, sat))}
    approval = e.vote_type == "approval"      # CC satisfaction is a share only for approval
    out["pb_non_empty_handed"] = (float(percent_non_empty_handed(e.instance, e.profile, alloc))
                                  if approval else None)
    return out


@dataclass(frozen=True)
class ImportResult:
    """The scenario built from an election, with the pieces it came from."""

    scenario: Scenario
    election: Election
    segments: Segments
    baselines: dict[str, Baseline]

    @property
    def notes(self) -> tuple[str, ...]:
        """Cleaning notes of the election and the segments, then the notes of each comparison rule."""
        rules = tuple(f"{b.name}: {b.note}" for b in self.baselines.values() if b.note)
        return self.election.notes + self.segments.notes + rules


def _place(meta: dict[str, str]) -> str:
    parts = [meta.get("unit", ""), meta.get("subunit", ""), meta.get("instance", "")]
    return " ".join(p for p in parts if p) or "Pabulib election"


def _item(e: Election, k: int, values: np.ndarray, overall: float, gids: list[str]) -> dict:
    m = e.project_meta[k]
    cats = m.get("categories")
    note = f"votes {int((e.points[:, k] > 0).sum())}"
    if e.vote_type != "approval":
        note += f"; points {e.points[:, k].sum():g}"
    if m.get("selected") is not None:
        note += f"; selected {m['selected']}"
    return {"id": e.project_ids[k], "label": (m.get("name") or e.project_ids[k])[:200],
            "cost": float(e.costs[k]), "effects": {"support": overall},
            "group_effects": {g: {"support": float(v)} for g, v in zip(gids, values)},
            "category": ",".join(sorted(c for c in cats if c)) if cats else None, "note": note}


def build_scenario(e: Election, segments: Segments, baselines: dict[str, Baseline]) -> Scenario:
    """The scenario of docs/pabulib.md: projects -> items, segments -> groups, rules -> bases."""
    sizes = segments.sizes()
    gids = list(sizes)
    member = np.array([s or "" for s in segments.voter_segment])
    means = np.array([e.points[member == g].mean(axis=0) for g in gids]).reshape(len(gids), -1)
    overall = e.points.mean(axis=0) if len(e.points) else np.zeros(len(e.project_ids))
    place = _place(e.meta)
    what = {"approval": "share approving", "cumulative": "mean points", "ordinal": "mean rank points"}
    data = {
        "name": f"{place} (Pabulib)",
        "description": (f"{e.meta.get('description', place)}: {e.vote_type} vote, "
                        f"{sum(sizes.values())} of {len(e.voters)} voters by {segments.field}; "
                        f"value = {what[e.vote_type]}. "
                        + " ".join(f"[{n}]" for n in segments.notes + e.notes)),
        "currency": e.meta.get("currency") or CURRENCIES.get(e.meta.get("country", ""), "units"),
        "budget": e.budget,
        "criteria": [{"id": "support", "label": f"voters' support ({what[e.vote_type]})"}],
        "items": [_item(e, k, means[:, k], float(overall[k]), gids) for k in range(len(e.project_ids))],
        "groups": [{"id": g, "label": segments.labels[g], "size": float(sizes[g]),
                    "weights": {"support": 1.0},
                    "persona": f"{sizes[g]} voters ({segments.labels[g]}) in {place}"} for g in gids],
        "base_designs": {name: list(b.package) for name, b in baselines.items()},
        "sources": [f"{e.path.name} ({e.meta.get('description', place)})", CITATION],
    }
    return parse_scenario(data, str(e.path))


def import_pabulib(path: str | Path, grouping: Grouping = Grouping()) -> ImportResult:
    """Parse, segment, compute the PB-rule baselines and build the scenario."""
    e = load_election(path)
    return import_election(e, grouping, compute_baselines(e))


def import_election(e: Election, grouping: Grouping,
                    baselines: dict[str, Baseline]) -> ImportResult:
    """Build the scenario of an already parsed election (baselines do not depend on grouping)."""
    segments = segment_voters(list(e.voters), e.voter_fields, grouping, str(e.path))
    return ImportResult(build_scenario(e, segments, baselines), e, segments, baselines)
