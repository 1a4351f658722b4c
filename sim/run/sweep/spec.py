"""Sweep files: a base scenario, axes to vary, and seeds spawned up front from one sweep seed.

A sweep is the cartesian product of its axes times its seeds. Every run gets a stable id
(its index in that product), so serial, process-pool and Dask executions of one sweep
produce the same rows, and an interrupted sweep resumes by skipping finished ids.
"""

from __future__ import annotations

import hashlib
import itertools
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from sim.core.cache import LRU
from sim.core.errors import NegsimError
from sim.core.files import read_bounded, safe_load_yaml
from sim.core.limits import MAX_SCENARIO_BYTES, MAX_SWEEP_RUNS, excerpt
from sim.core.scenario import ScenarioError, parse_scenario

RUN_AXES = ("mediator", "agents", "max_rounds", "information", "elicitation", "voice", "belief")  # run settings
# result columns an axis must not be named after (its values would be overwritten) ...
RESULT_COLUMNS = frozenset({"run_id", "seed_index", "seed", "scenario", "agreement", "rounds", "cost",
                            "package", "total", "total_weighted", "worst_group", "worst_group_id",
                            "p20", "gini", "nash_welfare", "pareto_optimal", "best_base",
                            "beats_base_worst_group", "error", "seconds", "efficiency", "fairness",
                            "belief_error", "belief_error_prior"})
RESULT_PREFIXES = ("u_", "llm_", "base_")
# ... except the columns that record the very setting the axis varies
SAME_AS_COLUMN = {"budget": "budget", "mediator": "mediator", "agents": "agents", "information": "information",
                  "elicitation": "elicitation", "voice": "voice", "belief": "belief"}
DEFAULT_CHUNK = 25
MAX_VARIANTS = 32
_VARIANTS: LRU[Any] = LRU(MAX_VARIANTS)      # (scenario, rubric) per variant, per process


class SweepError(NegsimError, ValueError):
    """A bad sweep file: one line naming the file, the field and the fix."""

    def __init__(self, source: str, field: str, problem: str, fix: str) -> None:
        super().__init__(f"{source}: {field}: {problem}; fix: {fix}")


class Axis(BaseModel):
    """One varied parameter: a run setting (mediator, agents, max_rounds) or a scenario path."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)
    name: str = Field(min_length=1)
    path: str | None = None           # dotted scenario path; default: the name
    values: list[Any] = Field(min_length=1)

    @property
    def target(self) -> str:
        """The dotted scenario path or run setting this axis sets: `path`, else the axis name."""
        return self.path or self.name


class SweepSpec(BaseModel):
    """The sweep file."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)
    name: str = Field(min_length=1)
    description: str = ""
    scenario: str = Field(min_length=1)        # path, relative to the sweep file
    seed: int = Field(default=0, ge=0)         # the sweep seed all run seeds are spawned from
    seeds: int | list[int] = 10                # a count, or explicit run seeds
    axes: list[Axis] = Field(default_factory=list)
    chunk_size: int = Field(default=DEFAULT_CHUNK, ge=1, le=10_000)

    @model_validator(mode="after")
    def _check(self) -> "SweepSpec":
        names = [a.name for a in self.axes]
        if len(set(names)) != len(names):
            raise ValueError("axes|duplicate axis names|give every axis its own name")
        if isinstance(self.seeds, int) and self.seeds < 1:
            raise ValueError("seeds|a seed count below 1|use a count >= 1 or a list of seeds")
        if isinstance(self.seeds, list) and (not self.seeds or min(self.seeds) < 0):
            raise ValueError("seeds|an empty list or a negative seed|list seeds >= 0")
        runs = self.seeds if isinstance(self.seeds, int) else len(self.seeds)
        for axis in self.axes:
            runs *= len(axis.values)
        if runs > MAX_SWEEP_RUNS:
            raise ValueError(f"seeds|the sweep plans {runs:,} runs, above the limit of {MAX_SWEEP_RUNS:,}|"
                             "use fewer seeds or axis values (split the sweep)")
        for axis in self.axes:
            clash = axis.name in RESULT_COLUMNS or axis.name.startswith(RESULT_PREFIXES) or \
                SAME_AS_COLUMN.get(axis.name, axis.target) != axis.target
            if clash:
                raise ValueError(f"axes.{axis.name}|the axis name is a result column of its own|"
                                 f"rename the axis (e.g. {axis.name}_level)")
        return self


@dataclass(frozen=True)
class RunTask:
    """One run of a sweep, self-contained enough to send to a worker."""

    run_id: int
    seed_index: int
    seed: int
    axes: tuple[tuple[str, Any], ...]          # (axis name, value) in axis order
    overrides: tuple[tuple[str, Any], ...]     # (scenario path, value)
    mediator: str | None
    agents: str | None
    max_rounds: int | None
    information: str | None = None
    elicitation: str | None = None
    voice: str | None = None
    belief: str | None = None                  # the rule mediator's belief by name (None: its default)


@dataclass(frozen=True)
class Plan:
    """Everything to execute a sweep: the base scenario data and every run."""

    spec: SweepSpec
    source: str
    scenario_data: dict
    tasks: tuple[RunTask, ...]

    @property
    def fingerprint(self) -> str:
        """Identifies the sweep's content, so a resumed folder is checked to be the same sweep."""
        blob = json.dumps({"spec": self.spec.model_dump(mode="json"), "scenario": self.scenario_data},
                          sort_keys=True, default=str)
        return hashlib.sha256(blob.encode()).hexdigest()[:16]

    @property
    def scenario_key(self) -> str:
        """Identifies the base scenario's content: workers key their context caches on it."""
        return content_key(self.scenario_data)


def content_key(scenario_data: dict) -> str:
    """A short hash of scenario data (the key of the per-process variant and context caches)."""
    return hashlib.sha256(json.dumps(scenario_data, sort_keys=True, default=str).encode()).hexdigest()[:16]


def _pydantic_error(source: str, err: ValidationError) -> SweepError:
    first = err.errors(include_url=False)[0]
    msg = str(first.get("msg", "invalid value"))
    if first["type"] == "value_error" and "|" in msg:
        field, problem, fix = msg.removeprefix("Value error, ").split("|", 2)
        return SweepError(source, field, problem, fix)
    loc = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in first["loc"]).lstrip(".")
    fix = "add this field" if first["type"] == "missing" else \
        "remove this field" if first["type"] == "extra_forbidden" else "correct the value"
    return SweepError(source, loc or "(top level)", f"{msg[:120]} (got {excerpt(first.get('input'))})", fix)


def load_sweep(path: str | Path) -> SweepSpec:
    """Read a sweep file safely (yaml.safe_load, size limit) and validate it."""
    source = str(path)
    raw = read_bounded(path, MAX_SCENARIO_BYTES, SweepError, source=source,
                       too_big=("file too large", "keep sweep files under 5 MB"))
    data = safe_load_yaml(raw, source, SweepError)
    if not isinstance(data, dict):
        raise SweepError(source, "(top level)", "the file does not hold a mapping",
                         "start with `name:`, `scenario:` and `axes:`")
    try:
        return SweepSpec.model_validate(data)
    except ValidationError as err:
        raise _pydantic_error(source, err) from None


def spawn_run_seeds(spec: SweepSpec) -> list[int]:
    """Run seeds: explicit, or spawned from the sweep seed with numpy's SeedSequence."""
    if isinstance(spec.seeds, list):
        return list(spec.seeds)
    children = np.random.SeedSequence(spec.seed).spawn(spec.seeds)
    return [int(c.generate_state(1, dtype=np.uint32)[0]) for c in children]


def set_path(data: dict, path: str, value: Any) -> None:
    """Set a dotted path in scenario data; list entries are addressed by their `id`."""
    parts = path.split(".")
    node: Any = data
    for i, key in enumerate(parts):
        last = i == len(parts) - 1
        if isinstance(node, list):
            match = [e for e in node if isinstance(e, dict) and e.get("id") == key]
            if not match:
                ids = ", ".join(str(e.get("id")) for e in node if isinstance(e, dict))
                raise KeyError(f"no entry with id '{key}' (ids: {ids})")
            if last:
                raise KeyError(f"'{key}' is a whole entry; address one of its fields")
            node = match[0]
        elif isinstance(node, dict):
            if last:
                node[key] = value
            else:
                node = node.setdefault(key, {})
        else:
            raise KeyError(f"'{'.'.join(parts[:i])}' is a value, not a mapping")


def scenario_variant(base: dict, overrides: tuple[tuple[str, Any], ...], source: str) -> Any:
    """The base scenario with overrides applied, validated (raises ScenarioError)."""
    data = json.loads(json.dumps(base))
    for path, value in overrides:
        set_path(data, path, value)
    return parse_scenario(data, source)


def variant(scenario_key: str, base: dict, overrides: tuple[tuple[str, Any], ...], source: str) -> tuple[Any, Any]:
    """(scenario, rubric) of one variant, parsed and built once per process (keyed by content and overrides)."""
    from sim.core.rubric import build_rubric

    def build() -> tuple[Any, Any]:
        scenario = scenario_variant(base, overrides, source)
        return scenario, build_rubric(scenario)
    return _VARIANTS.get_or_build(json.dumps([scenario_key, overrides], default=str), build)


def build_plan(spec: SweepSpec, sweep_path: str | Path) -> Plan:
    """Expand a sweep into runs, checking every scenario variant up front."""
    sweep_path = Path(sweep_path)
    scen_path = (sweep_path.parent / spec.scenario).resolve()
    if not scen_path.is_file():
        raise SweepError(str(sweep_path), "scenario", f"no such file {spec.scenario}",
                         "give the scenario path relative to the sweep file")
    from sim.core.scenario import load_scenario
    return plan_for(spec, load_scenario(scen_path).model_dump(mode="json"), str(scen_path), sweep_path)


def plan_for(spec: SweepSpec, base: dict, source: str, sweep_path: str | Path) -> Plan:
    """Expand a sweep over the scenario data `base` (read from `source`); errors name `sweep_path`."""
    sweep_path = Path(sweep_path)
    scenario_key = content_key(base)
    seeds = spawn_run_seeds(spec)
    tasks, checked, worked = [], set(), set()
    combos = itertools.product(*[a.values for a in spec.axes]) if spec.axes else [()]
    run_id = 0
    for combo in combos:
        pairs = tuple(zip([a.name for a in spec.axes], combo))
        run = {a.target: v for a, v in zip(spec.axes, combo) if a.target in RUN_AXES}
        overrides = tuple((a.target, v) for a, v in zip(spec.axes, combo) if a.target not in RUN_AXES)
        key = json.dumps(overrides, default=str)
        if key not in checked:
            _check_variant(base, overrides, spec, sweep_path, source, scenario_key)
            checked.add(key)
        _check_run_settings(run, [g["id"] for g in base["groups"]], sweep_path)
        _check_belief(run, base, sweep_path)
        if (key, run.get("information"), run.get("max_rounds")) not in worked:
            _check_work(variant(scenario_key, base, overrides, source)[0], run, pairs, sweep_path)
            worked.add((key, run.get("information"), run.get("max_rounds")))
        for i, seed in enumerate(seeds):
            tasks.append(RunTask(run_id, i, seed, pairs, overrides, run.get("mediator"),
                                 run.get("agents"), run.get("max_rounds"), run.get("information"),
                                 run.get("elicitation"), run.get("voice"), run.get("belief")))
            run_id += 1
    return Plan(spec, source, base, tuple(tasks))


def _check_run_settings(run: dict, group_ids: list[str], sweep_path: Path) -> None:
    """One line naming the axis and the fix for an unknown information mode, elicitation or voice."""
    from sim.core.elicitation import parse_elicitation
    from sim.core.voice import VoiceError, parse_voices

    if run.get("information") not in (None, "private", "full"):
        raise SweepError(str(sweep_path), "axes.information", f"unknown mode {excerpt(run['information'])}",
                         "use private or full")
    try:
        if run.get("elicitation") is not None:
            parse_elicitation(str(run["elicitation"]))
        if run.get("voice") is not None:
            parse_voices(str(run["voice"]), group_ids)
    except (ValueError, VoiceError) as err:
        axis = "elicitation" if "elicitation" in str(err) or "rank" in str(err) else "voice"
        problem, _, fix = str(err).partition("; ")
        raise SweepError(str(sweep_path), f"axes.{axis}", problem, fix.removeprefix("fix: ") or "correct it") from None


def _check_belief(run: dict, base: dict, sweep_path: Path) -> None:
    """One line naming the belief axis and the fix when the run's mediator holds no belief or the name is unknown."""
    from sim.run.registry import check_belief

    if run.get("belief") is None:
        return
    mediator = str(run.get("mediator") or base.get("protocol", {}).get("mediator") or "negotiated")
    if why := check_belief(mediator, str(run["belief"])):
        problem, _, fix = why.partition("; ")
        raise SweepError(str(sweep_path), "axes.belief", problem, fix.removeprefix("fix: ").replace(" or drop --belief", ""))


def _check_work(scenario: Any, run: dict, pairs: tuple, sweep_path: Path) -> None:
    """SweepError naming the axes values of a variant whose runs' estimated work is above the limit."""
    from sim.run.work import WorkTooLarge, check_work

    try:
        check_work(scenario, run.get("information"), run.get("max_rounds"))
    except WorkTooLarge as err:
        where = ", ".join(f"{name}={excerpt(v)}" for name, v in pairs) or "the scenario"
        raise SweepError(str(sweep_path), "axes", f"({where}) {err.problem}", err.fix) from None


def _check_variant(base: dict, overrides, spec: SweepSpec, sweep_path: Path, source: str, key: str) -> None:
    for path, value in overrides:
        try:
            set_path(json.loads(json.dumps(base)), path, value)
        except KeyError as err:
            axis = next(a.name for a in spec.axes if a.target == path)
            raise SweepError(str(sweep_path), f"axes.{axis}.path", f"{path}: {err.args[0]}",
                             "use a dotted scenario path such as budget or groups.<id>.weights.<criterion>")
    try:
        variant(key, base, overrides, source)        # parsed here once; a serial sweep's worker reuses it
    except ScenarioError as err:
        where = ", ".join(f"{p}={excerpt(v)}" for p, v in overrides)
        raise SweepError(str(sweep_path), "axes", f"the variant ({where}) is not a valid scenario: {err}",
                         "change the axis values") from None


def chunks(plan: Plan, todo: set[int] | None = None) -> list[tuple[int, tuple[RunTask, ...]]]:
    """Runs grouped by chunk id (stable: run_id // chunk_size), unfinished ones only."""
    size = plan.spec.chunk_size
    out: dict[int, list[RunTask]] = {}
    for t in plan.tasks:
        if todo is None or t.run_id in todo:
            out.setdefault(t.run_id // size, []).append(t)
    return [(cid, tuple(ts)) for cid, ts in sorted(out.items())]
