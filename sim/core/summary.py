"""The typed run record: summary.json as pydantic models, its JSON Schema, and one type for a run folder.

`build_summary` writes the dict these models validate; `load_run` reads a folder into a `RunFolder`
(summary, transcript, scenario; the context and the negotiated package on first use), the one
type the rerun, the attribution and the dashboard read a run through.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any, get_type_hints

from pydantic import BaseModel, ConfigDict, Field, create_model

from sim.core.metrics import DesignMetrics

__all__ = ["Benchmark", "DesignRecord", "Metrics", "RunFolder", "RunSummary", "load_run", "summary_schema"]


def _metrics_model() -> type[BaseModel]:
    """The metrics of one design, field for field those of `DesignMetrics` (notes go to `notes`)."""
    hints = get_type_hints(DesignMetrics)
    fields_ = {f.name: (hints[f.name], ...) for f in dataclasses.fields(DesignMetrics) if f.name != "notes"}
    return create_model("Metrics", __config__=ConfigDict(extra="allow"), __doc__=_metrics_model.__doc__,
                        pareto_optimal=(bool | None, None), **fields_)


Metrics = _metrics_model()


class DesignRecord(BaseModel):
    """A base design beside the negotiated package."""

    model_config = ConfigDict(extra="allow")
    package: list[str]
    cost: float
    metrics: Metrics  # type: ignore[valid-type]
    per_group: dict[str, float]


class VoteOutcome(BaseModel):
    """One ballot format and aggregation: its package and metrics (benchmark.votes.ballots)."""

    package: list[str]
    total: float
    worst_group: float
    p20: float
    gini: float | None = None
    efficiency: float | None = None
    fairness: float | None = None
    red_lines_broken: list[str] = []        # groups whose stated red lines the package breaks


class NegotiatedMetrics(BaseModel):
    """The negotiated package's metrics, evaluated beside the votes."""

    total: float
    worst_group: float
    p20: float


class Votes(BaseModel):
    """A vote to beat: every ballot's outcome, the negotiated package and the best vote's key."""

    negotiated: NegotiatedMetrics
    ballots: dict[str, VoteOutcome]
    best: str
    skipped: dict[str, str] = {}                     # aggregation -> why it was not counted (e.g. too many ballots)


class Benchmark(BaseModel):
    """The full-information benchmark: optima, efficiency, fairness and the mediator's belief error."""

    model_config = ConfigDict(extra="allow")
    information: str
    elicitation: str | None = None
    max_total: float | None = None
    max_worst_group: float | None = None
    efficiency: float | None = None
    fairness: float | None = None
    belief_error: dict[str, float] | None = None
    belief_error_prior: dict[str, float] | None = None
    votes: Votes | None = None


class RunSummary(BaseModel):
    """summary.json of a run folder."""

    model_config = ConfigDict(extra="allow")
    scenario: str
    seed: int
    mediator: str
    agents: dict[str, str] = Field(description="the spec each seat ran (group ids and 'mediator')")
    agreement: bool
    package: list[str]
    cost: float
    budget: float
    currency: str
    rounds: int
    max_rounds: int
    acceptance: str | dict[str, Any]
    disagreement: str
    best_base: str | None
    metrics: Metrics  # type: ignore[valid-type]
    notes: list[str]
    per_group: dict[str, float]
    red_lines_broken: dict[str, list[str]]
    baselines: dict[str, DesignRecord]
    information: str
    elicitation: str
    voices: dict[str, str]
    benchmark: Benchmark | dict[str, Any]
    llm: dict[str, Any] | None
    fallbacks: int
    versions: dict[str, str | None]
    created: str
    seconds: float


def summary_schema() -> dict[str, Any]:
    """The JSON Schema of summary.json (`negsim schema --summary`)."""
    return RunSummary.model_json_schema()


@dataclass(frozen=True)
class RunFolder:
    """A run folder as read from disk: its summary, transcript and the scenario it negotiated."""

    folder: Path
    summary: dict
    transcript: list[dict] = field(repr=False)
    scenario: Any = field(repr=False)

    @cached_property
    def record(self) -> RunSummary:
        """The summary, typed (validated on first use)."""
        return RunSummary.model_validate(self.summary)

    @cached_property
    def ctx(self) -> Any:
        """The negotiation context of the scenario (built on first use)."""
        from sim.core.context import make_context

        return make_context(self.scenario)

    @cached_property
    def package(self) -> Any:
        """The negotiated package as a 0/1 vector over the scenario's items."""
        return self.ctx.rubric.package(list(self.summary.get("package") or []))

    @property
    def group_ids(self) -> list[str]:
        """The scenario's group ids, in scenario order."""
        return [g.id for g in self.scenario.groups]


def load_run(folder: str | Path, transcript: bool = True) -> RunFolder:
    """Read a run folder (summary.json, scenario.yaml and, when asked, transcript.jsonl)."""
    from sim.core.records import read_run_scenario, read_summary, read_transcript

    folder = Path(folder)
    rows = read_transcript(folder) if transcript and (folder / "transcript.jsonl").is_file() else []
    return RunFolder(folder, read_summary(folder), rows, read_run_scenario(folder))
