"""Scenario files: the pydantic schema, safe YAML loading and one-line validation errors.

A scenario holds the budget, the public rubric (criteria and costed items), the
stakeholder groups with their value profiles, the planners' base designs and the
protocol settings. Nothing in a scenario file is ever executed.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from sim.core.elicitation import elicited_ballot, parse_elicitation
from sim.core.errors import NegsimError
from sim.core.files import read_bounded, safe_load_yaml
from sim.core.limits import (
    MAX_ABS_VALUE,
    MAX_BASE_DESIGNS,
    MAX_CRITERIA,
    MAX_GROUPS,
    MAX_ITEMS,
    MAX_MEMBERS,
    MAX_SCENARIO_BYTES,
    MIN_PRIOR_SD,
    excerpt,
)
from sim.core.yaml_io import yaml_dump

RESERVED_IDS = ("mediator",)     # the protocol's own agent; a group may not take its name


class ScenarioError(NegsimError, ValueError):
    """A user mistake in a scenario file, reported as one line: file, field, problem, fix."""

    def __init__(self, source: str, field: str, problem: str, fix: str) -> None:
        self.source, self.field, self.problem, self.fix = source, field, problem, fix
        super().__init__(f"{source}: {field}: {problem}; fix: {fix}")


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


Number = Annotated[float, Field(ge=-MAX_ABS_VALUE, le=MAX_ABS_VALUE)]     # finite (allow_inf_nan=False) and bounded
Amount = Annotated[float, Field(ge=0, le=MAX_ABS_VALUE)]


class Criterion(_Model):
    """One column of the public rubric."""

    id: str = Field(min_length=1)
    label: str = ""


class Item(_Model):
    """A costed proposal; `effects` score it on criteria, `group_effects` override per group."""

    id: str = Field(min_length=1)
    label: str = ""
    cost: Amount
    effects: dict[str, Number] = Field(default_factory=dict)
    requires: list[str] = Field(default_factory=list)
    excludes: list[str] = Field(default_factory=list)
    group_effects: dict[str, dict[str, Number]] = Field(default_factory=dict)
    category: str | None = None
    note: str | None = None


class RedLines(_Model):
    """Conditions a group will not give up: a utility floor, items it must have or never."""

    min_utility: Number | None = None
    must_have: list[str] = Field(default_factory=list)
    never: list[str] = Field(default_factory=list)


class Dispersion(_Model):
    """Members drawn around the group weights from a seeded Dirichlet (concentration = 1/spread)."""

    members: int = Field(default=10, ge=1, le=1000)
    spread: float = Field(default=0.1, gt=0, le=MAX_ABS_VALUE)


class Prior(_Model):
    """Public estimate of a group's weights (e.g. from a survey): what a mediator may know before anyone speaks.

    `weights` are normalised to sum 1 when used; `sd` is the standard error of each normalised
    weight (criteria left out get the mean of the given ones; no `sd` at all means 0.1).
    """

    weights: dict[str, Amount]
    sd: dict[str, Annotated[float, Field(ge=MIN_PRIOR_SD, le=1)]] = Field(default_factory=dict)
    source: str = ""


class Group(_Model):
    """A stakeholder group with its value profile over criteria."""

    id: str = Field(min_length=1)
    label: str = ""
    size: float = Field(default=1.0, gt=0, le=MAX_ABS_VALUE)
    weights: dict[str, Amount]
    persona: str = ""
    red_lines: RedLines = Field(default_factory=RedLines)
    veto: bool = False
    members: list[dict[str, Amount]] | None = Field(default=None, max_length=MAX_MEMBERS)
    dispersion: Dispersion | None = None
    prior: Prior | None = None


class Quorum(_Model):
    """Acceptance by at least `quorum` groups (vetoes still apply)."""

    quorum: int = Field(ge=1)


class Protocol(_Model):
    """Negotiation settings: rounds, acceptance rule, disagreement outcome, mediator, seed.

    `information` says what the mediator knows (`private`: only what is public and what the groups
    say; `full`: every group's true values); `elicitation` whether it asks the groups to rank
    candidate drafts (`rank:K`) or to cast a ballot with their positions (`threshold[:T]`,
    `knapsack`, `value_rank`, `vfm_rank`, `approve:K`), or nothing (`none`). `clock_out` what
    happens when the rounds run out: the `disagreement` package, or the mediator's `fallback`,
    computed from what was stated and decided (docs/private-information.md).
    """

    max_rounds: int = Field(default=10, ge=1, le=1000)
    acceptance: Literal["unanimous", "majority"] | Quorum = "unanimous"
    disagreement: Literal["status_quo", "best_base"] = "status_quo"
    clock_out: Literal["disagreement", "fallback"] = "disagreement"   # fallback: the mediator's, from statements
    mediator: str = "negotiated"
    seed: int = Field(default=0, ge=0)
    information: Literal["private", "full"] = "private"
    elicitation: str = "none"

    @field_validator("elicitation")
    @classmethod
    def _elicitation(cls, value: str) -> str:
        try:
            parse_elicitation(value)
        except ValueError as err:
            problem, _, fix = str(err).partition("; ")
            raise ValueError(f"protocol.elicitation|{problem}|{fix}") from None
        return value

    @property
    def rank_k(self) -> int:
        """How many candidate drafts the groups rank each round (0: no elicitation)."""
        return parse_elicitation(self.elicitation)

    @property
    def ballot(self) -> str | None:
        """The ballot format every group casts with its position (None: no ballot)."""
        return elicited_ballot(self.elicitation)


class RepeatedOptions(_Model):
    """Budget-cycle settings (`negsim repeated`).

    Budget growth, and whether funded items leave the menu or stay at a maintenance cost
    (a share of their cost).
    """

    growth: float = Field(default=0.0, ge=-0.9, le=10.0)
    funded: Literal["leave", "stay"] = "leave"
    maintenance: float = Field(default=0.2, ge=0.0, le=1.0)


class Scenario(_Model):
    """A whole scenario file."""

    name: str = Field(min_length=1)
    description: str = ""
    currency: str = "CAD"
    budget: float = Field(gt=0, le=MAX_ABS_VALUE)
    criteria: list[Criterion] = Field(min_length=1, max_length=MAX_CRITERIA)
    items: list[Item] = Field(min_length=1, max_length=MAX_ITEMS)
    groups: list[Group] = Field(min_length=1, max_length=MAX_GROUPS)
    base_designs: dict[str, list[str]] = Field(default_factory=dict, max_length=MAX_BASE_DESIGNS)
    protocol: Protocol = Field(default_factory=Protocol)
    sources: list[str] = Field(default_factory=list)
    repeated: RepeatedOptions | None = None

    @model_validator(mode="after")
    def _cross_references(self) -> "Scenario":
        for problem in _cross_reference_problems(self):
            raise ValueError("|".join(problem))
        return self

    @property
    def item_ids(self) -> list[str]:
        """Item ids in file order."""
        return [item.id for item in self.items]

    @property
    def group_ids(self) -> list[str]:
        """Group ids in file order."""
        return [group.id for group in self.groups]

    @property
    def criterion_ids(self) -> list[str]:
        """Criterion ids in file order."""
        return [criterion.id for criterion in self.criteria]


def _duplicates(ids: list[str]) -> list[str]:
    seen: set[str] = set()
    return [i for i in ids if i in seen or seen.add(i)]  # type: ignore[func-returns-value]


def member_count(s: Scenario) -> int:
    """Individual members over all groups, explicit or drawn by `dispersion` (0 when no group has any)."""
    return sum(len(g.members) if g.members is not None else g.dispersion.members if g.dispersion else 0
               for g in s.groups)


def _cross_reference_problems(s: Scenario):
    """Yield (field, problem, fix) triples for mistakes pydantic's field types cannot see."""
    for kind, ids in (("criteria", s.criterion_ids), ("items", s.item_ids), ("groups", s.group_ids)):
        for dup in _duplicates(ids):
            yield (f"{kind}", f"duplicate id '{dup}'", f"give every entry of {kind} a unique id")
    for i, gid in enumerate(s.group_ids):
        if gid in RESERVED_IDS:
            yield (f"groups[{i}].id", f"'{gid}' is reserved for the protocol's own agent", "rename the group")
    members = member_count(s)
    if members > MAX_MEMBERS:
        yield ("groups", f"{members:,} members in all, above the limit of {MAX_MEMBERS:,}",
               "use fewer members per group (see docs/limits.md)")
    criteria, items, groups = set(s.criterion_ids), set(s.item_ids), set(s.group_ids)
    yield from _item_problems(s, criteria, items, groups)
    yield from _group_problems(s, criteria, items)
    for name, package in s.base_designs.items():
        for j, item_id in enumerate(package):
            if item_id not in items:
                yield (f"base_designs.{name}[{j}]", f"unknown item id '{item_id}'",
                       "use one of the ids listed under items")
    if s.items and min(item.cost for item in s.items) > s.budget:
        yield ("budget", f"budget {s.budget:g} is below the cost of every item",
               "raise the budget or add cheaper items")
    cycle = _requires_cycle(s)
    if cycle:
        yield ("items.requires", f"requires cycle {' -> '.join(cycle)}",
               "remove one of these requires links")
    if isinstance(s.protocol.acceptance, Quorum) and s.protocol.acceptance.quorum > len(s.groups):
        yield ("protocol.acceptance.quorum", f"quorum {s.protocol.acceptance.quorum} exceeds "
               f"the {len(s.groups)} groups", "lower the quorum to at most the number of groups")


def _item_problems(s: Scenario, criteria: set[str], items: set[str], groups: set[str]):
    for i, item in enumerate(s.items):
        where = f"items[{i}] ({item.id})"
        for c in item.effects:
            if c not in criteria:
                yield (f"{where}.effects.{c}", f"unknown criterion '{c}'",
                       "use one of the ids listed under criteria")
        for field in ("requires", "excludes"):
            for other in getattr(item, field):
                if other not in items:
                    yield (f"{where}.{field}", f"unknown item id '{other}'",
                           "use one of the ids listed under items")
                elif other == item.id:
                    yield (f"{where}.{field}", "item lists itself", f"remove '{other}' from {field}")
        for g, effects in item.group_effects.items():
            if g not in groups:
                yield (f"{where}.group_effects.{g}", f"unknown group id '{g}'",
                       "use one of the ids listed under groups")
            for c in effects:
                if c not in criteria:
                    yield (f"{where}.group_effects.{g}.{c}", f"unknown criterion '{c}'",
                           "use one of the ids listed under criteria")
        both = set(item.requires) & set(item.excludes)
        if both:
            yield (f"{where}", f"both requires and excludes {sorted(both)}",
                   "an item cannot require what it excludes")


def _group_problems(s: Scenario, criteria: set[str], items: set[str]):
    for i, group in enumerate(s.groups):
        where = f"groups[{i}] ({group.id})"
        vectors = [("weights", group.weights)] + [
            (f"members[{j}]", m) for j, m in enumerate(group.members or [])]
        for field, weights in vectors:
            for c in weights:
                if c not in criteria:
                    yield (f"{where}.{field}.{c}", f"unknown criterion '{c}'",
                           "use one of the ids listed under criteria")
            if sum(weights.values()) <= 0:
                yield (f"{where}.{field}", "weights are all zero",
                       "give at least one criterion a positive weight")
        for field in ("must_have", "never"):
            for item_id in getattr(group.red_lines, field):
                if item_id not in items:
                    yield (f"{where}.red_lines.{field}", f"unknown item id '{item_id}'",
                           "use one of the ids listed under items")
        if group.prior is not None:
            for field, values in (("weights", group.prior.weights), ("sd", group.prior.sd)):
                for c in values:
                    if c not in criteria:
                        yield (f"{where}.prior.{field}.{c}", f"unknown criterion '{c}'",
                               "use one of the ids listed under criteria")
            if sum(group.prior.weights.values()) <= 0:
                yield (f"{where}.prior.weights", "weights are all zero",
                       "give at least one criterion a positive weight")
        if group.members is not None and group.dispersion is not None:
            yield (where, "both members and dispersion are given", "keep only one of them")


def _requires_cycle(s: Scenario) -> list[str] | None:
    graph = {item.id: [r for r in item.requires if r != item.id] for item in s.items}
    state: dict[str, int] = {}

    def visit(node: str, path: list[str]) -> list[str] | None:
        state[node] = 1
        for nxt in graph.get(node, []):
            if state.get(nxt) == 1:
                return path[path.index(nxt):] + [nxt] if nxt in path else [node, nxt]
            if nxt in graph and state.get(nxt) is None:
                found = visit(nxt, path + [nxt])
                if found:
                    return found
        state[node] = 2
        return None

    for start in graph:
        if state.get(start) is None:
            found = visit(start, [start])
            if found:
                return found
    return None


_FIXES = {
    "missing": "add this required field",
    "extra_forbidden": "remove this field (it is not part of the scenario format; see `negsim schema`)",
    "greater_than_equal": "use a value at or above the minimum",
    "greater_than": "use a value above the minimum",
    "less_than_equal": "use a value at or below the maximum",
    "too_short": "add at least one entry",
    "too_long": "use fewer entries (see docs/limits.md for the limits)",
    "finite_number": "write a finite number (no nan or inf)",
}


def _pydantic_to_error(source: str, err: ValidationError) -> ScenarioError:
    first = err.errors(include_url=False)[0]
    msg = str(first.get("msg", "invalid value"))
    if first["type"] == "value_error" and "|" in msg:
        field, problem, fix = msg.removeprefix("Value error, ").split("|", 2)
        return ScenarioError(source, field, problem, fix)
    loc = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in first["loc"])
    loc = loc.lstrip(".") or "(top level)"
    problem = msg if first["type"] == "missing" else f"{msg} (got {excerpt(first.get('input'))})"
    fix = _FIXES.get(first["type"], "correct the value; `negsim schema` shows the expected type")
    return ScenarioError(source, loc, problem, fix)


def parse_scenario(data: Any, source: str = "<scenario>") -> Scenario:
    """Validate already-parsed data (a mapping) into a Scenario, or raise ScenarioError."""
    if not isinstance(data, dict):
        raise ScenarioError(source, "(top level)", "the file does not hold a mapping",
                            "start the file with `name:`, `budget:` and the other fields")
    try:
        return Scenario.model_validate(data)
    except ValidationError as err:
        raise _pydantic_to_error(source, err) from None


def loads_scenario(text: str | bytes, source: str = "<scenario>", base: Path | None = None,
                   max_bytes: int = MAX_SCENARIO_BYTES) -> Scenario:
    """Parse YAML text safely (size-limited, no tags executed) into a Scenario.

    `base` is the scenario's folder: groups with `members_file` read their members from there.
    """
    if len(text) > max_bytes:
        raise ScenarioError(source, "(file)", f"file is larger than {max_bytes} bytes",
                            "split the scenario or trim its text fields")
    data = safe_load_yaml(text, source, ScenarioError)
    if base is not None:
        from sim.core.members_file import join_members

        data = join_members(data, Path(base), source, ScenarioError)
    return parse_scenario(data, source)


def load_scenario(path: str | Path, max_bytes: int = MAX_SCENARIO_BYTES) -> Scenario:
    """Read and validate a scenario file (`max_bytes`: larger only for negsim's own run-folder copies)."""
    raw = read_bounded(path, max_bytes, ScenarioError, too_big=(
        f"file is larger than {max_bytes} bytes", "split the scenario or trim its text fields"))
    return loads_scenario(raw, str(path), Path(path).parent, max_bytes)


def scenario_to_yaml(scenario: Scenario | dict) -> str:
    """Serialise a scenario (or its dumped data) back to YAML (round-trips through load_scenario)."""
    data = scenario if isinstance(scenario, dict) else scenario.model_dump(mode="json", exclude_defaults=False)
    return yaml_dump(data, sort_keys=False, allow_unicode=True, width=100)


def json_schema() -> str:
    """The JSON Schema of the scenario format, for editors' autocompletion.

    A scenario file's group may name a `members_file` (sim.core.members_file) instead of listing members;
    the loader replaces it before validation, so the file format's schema adds it to the group.
    """
    schema = Scenario.model_json_schema()
    schema["$defs"]["Group"]["properties"]["members_file"] = {
        "title": "Members File", "type": "string", "minLength": 1,
        "description": "a CSV file beside the scenario (header `group,<criterion>,...`, one member per row) "
                       "holding this group's members, in place of `members`"}
    return json.dumps(schema, indent=2)
