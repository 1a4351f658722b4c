"""Data for the dashboard, free of any UI: run and sweep folders, transcripts, the proposal lab.

Everything here is plain Python/pandas so it can be tested without Streamlit; the app
wraps these functions in its caches.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from sim.analysis.gains import HIGHER_IS_BETTER as _HIGHER
from sim.analysis.labels import Labels, labels_for, scenario_name
from sim.core.context import NegotiationContext, make_context
from sim.core.errors import NegsimError
from sim.core.records import read_summary
from sim.core.scenario import Scenario, ScenarioError, loads_scenario
from sim.core.summary import RunFolder, load_run

METRICS = ("total", "worst_group", "p20", "gini")
HIGHER_IS_BETTER = {k: _HIGHER[k] for k in METRICS}
RUN_COLUMNS = ["run", "scenario", "created", "seed", "mediator", "agents", "agreement", "rounds",
               *METRICS, "note"]
MAX_UPLOAD_BYTES = 1024 * 1024          # Streamlit's server.maxUploadSize is 1 (MB) in negsim dashboard


def agents_text(agents) -> str:
    """The stakeholder specs of a run, without the mediator."""
    if isinstance(agents, dict):
        seats = {k: str(v) for k, v in agents.items() if k != "mediator"}
        specs = list(seats.values())
        common = max(sorted(set(specs)), key=specs.count) if specs else ""
        return "; ".join([common] + [f"{g}={v}" for g, v in seats.items() if v != common])
    return str(agents)


def list_runs(root: Path) -> pd.DataFrame:
    """One row per run folder (a folder holding summary.json) under root, newest first."""
    rows, skipped = [], []
    for summary in sorted(Path(root).rglob("summary.json")) if Path(root).is_dir() else []:
        try:
            s = read_summary(summary.parent)
        except NegsimError as err:        # a broken folder is listed in frame.attrs["skipped"], never fatal
            skipped.append(str(err))
            continue
        m = s.get("metrics", {})
        rows.append({"run": str(summary.parent.relative_to(root)), "scenario": scenario_name(s.get("scenario")),
                     "created": str(s.get("created", "")).replace("T", " ").replace("+00:00", ""),
                     "seed": s.get("seed"),
                     "mediator": s.get("mediator"), "agents": agents_text(s.get("agents")),
                     "agreement": bool(s.get("agreement")), "rounds": s.get("rounds"),
                     **{k: m.get(k) for k in METRICS}, "note": run_note(s)})
    frame = pd.DataFrame(rows, columns=RUN_COLUMNS)
    frame = frame.sort_values(["created", "run"], ascending=[False, True]).reset_index(drop=True)
    frame.attrs["skipped"] = skipped
    return frame


def run_note(summary: dict) -> str:
    """What sets a run apart: a human seat, a counterfactual's parent, a lab opening."""
    notes = []
    human = summary.get("human")
    if isinstance(human, dict):
        notes.append(f"human seat: {human.get('group')}")
    if summary.get("parent"):
        edited = summary.get("edited") or {}
        notes.append(f"rerun of {Path(str(summary['parent'])).name} (row {edited.get('row')})")
    if summary.get("opening"):
        notes.append("from a lab proposal")
    return "; ".join(notes)


def list_sweeps(root: Path) -> list[str]:
    """Sweep folders (holding results.parquet and sweep.json) under root."""
    if not Path(root).is_dir():
        return []
    return sorted(str(p.parent.relative_to(root)) for p in Path(root).rglob("results.parquet")
                  if (p.parent / "sweep.json").is_file())


@dataclass(frozen=True)
class RunView(RunFolder):
    """A run folder loaded for display: the run (sim.core.summary.RunFolder) and its extra tables."""

    extras: dict[str, pd.DataFrame] = field(default_factory=dict)   # attribution_*.csv, periods.csv


def load_run_view(folder: Path) -> RunView:
    """Summary, transcript, scenario copy and optional extra tables of a run folder."""
    folder = Path(folder)
    extras = {p.stem: pd.read_csv(p) for p in sorted(folder.glob("attribution_*.csv"))}
    if (folder / "periods.csv").is_file():
        extras["periods"] = pd.read_csv(folder / "periods.csv")
    run = load_run(folder)
    return RunView(run.folder, run.summary, run.transcript, run.scenario, extras)


def transcript_frame(transcript: list[dict]) -> pd.DataFrame:
    """The transcript as a table (one row per entry), fallbacks flagged."""
    frame = pd.DataFrame(transcript)
    if frame.empty:
        return frame
    meta = frame["meta"] if "meta" in frame else pd.Series([None] * len(frame))
    frame["fallback"] = [bool(isinstance(m, dict) and m.get("fallback")) or k == "fallback"
                         for m, k in zip(meta, frame["kind"])]
    return frame


def round_series(view: RunView) -> pd.DataFrame:
    """Per round and group: utility of the draft and the stated reservation level."""
    rows = [{"round": e["round"], "group": e["agent"], "utility": e.get("utility"),
             "reservation": e.get("reservation")}
            for e in view.transcript if e.get("role") == "stakeholder" and e.get("round", 0) > 0]
    return pd.DataFrame(rows, columns=["round", "group", "utility", "reservation"])


def draft_costs(view: RunView) -> pd.DataFrame:
    """Cost of each round's draft against the budget."""
    rows = [{"round": e["round"], "cost": e.get("cost"), "items": len(e.get("package") or [])}
            for e in view.transcript if e.get("kind") == "draft"]
    return pd.DataFrame(rows, columns=["round", "cost", "items"])


def design_table(summary: dict, group_ids: list[str]) -> pd.DataFrame:
    """Per-group utilities of the negotiated package and of every base design."""
    cols = {"negotiated": summary.get("per_group", {})}
    cols.update({name: b.get("per_group", {}) for name, b in summary.get("baselines", {}).items()})
    return pd.DataFrame({name: [pg.get(g) for g in group_ids] for name, pg in cols.items()},
                        index=group_ids)


def labelled(frame: pd.DataFrame, labels: Labels, index: str = "group") -> pd.DataFrame:
    """A designs-as-columns table with design labels as columns and group (or metric) labels as index."""
    name = labels.group if index == "group" else (lambda k: labels.metric(k))
    return frame.rename(columns=labels.design, index=name)


def run_identity(name: str, summary: dict) -> str:
    """Run name, scenario, mediator, information and date in one line, for the top of every page."""
    created = str(summary.get("created", "")).replace("T", " ")[:16]
    info = summary.get("information") or (summary.get("benchmark") or {}).get("information") or "private"
    scenario = scenario_name(summary.get("scenario"))                # words, not the file's id
    return (f"Run **{name}** · scenario {scenario} · mediator {summary.get('mediator')} · "
            f"information {info} · {created} UTC")


def metrics_table(summary: dict) -> pd.DataFrame:
    """The four metrics of the negotiated package and every base design, best marked."""
    designs = {"negotiated": summary.get("metrics", {})}
    designs.update({n: b.get("metrics", {}) for n, b in summary.get("baselines", {}).items()})
    frame = pd.DataFrame({n: [m.get(k) for k in METRICS] for n, m in designs.items()}, index=METRICS)
    return frame


def best_marks(frame: pd.DataFrame) -> pd.DataFrame:
    """The metrics table as text with the better value per metric marked with a check."""
    out = frame.astype(object).copy()
    for metric in frame.index:
        row = pd.to_numeric(frame.loc[metric], errors="coerce")
        if row.notna().any():
            best = row.max() if HIGHER_IS_BETTER[metric] else row.min()
            for col in frame.columns:
                v = row[col]
                out.loc[metric, col] = "n/a" if pd.isna(v) else f"{v:.3f}" + (" ✓" if abs(v - best) < 1e-9 else "")
    return out


def view_labels(view: RunView) -> Labels:
    """The labels of a run's scenario."""
    return labels_for(view.scenario)


def parse_upload(name: str, data: bytes) -> Scenario:
    """Validate an uploaded scenario file (size-limited, safe YAML); raises ScenarioError."""
    if len(data) > MAX_UPLOAD_BYTES:
        raise ScenarioError(name, "(file)", f"file is larger than {MAX_UPLOAD_BYTES:,} bytes",
                            "upload a smaller scenario")
    return loads_scenario(data, name)


def context_for(scenario: Scenario) -> NegotiationContext:
    """The engine's NegotiationContext of a scenario (rubric, ideals, disagreement point, search)."""
    return make_context(scenario)


def package_of(ctx: NegotiationContext, ids: list[str]) -> np.ndarray:
    """The 0/1 package vector of the items named by `ids`."""
    return ctx.rubric.package(list(ids))


def frontier_frame(ctx: NegotiationContext) -> pd.DataFrame:
    """The (total, worst_group) Pareto frontier of the scenario."""
    points = ctx.search.pareto_frontier()
    return pd.DataFrame({"total": [p.total for p in points], "worst_group": [p.worst_group for p in points],
                         "package": [", ".join(ctx.rubric.ids(p.package)) for p in points]})


def consistency_frame(summary: dict) -> pd.DataFrame:
    """The LLM stakeholders' value consistency per group and overall (empty when the run had none)."""
    cons = (summary.get("llm") or {}).get("consistency") or {}
    if not cons:
        return pd.DataFrame()
    rows = [{"group": gid, **scores} for gid, scores in cons.get("per_group", {}).items()]
    rows.append({"group": "overall", **cons.get("overall", {})})
    cols = ["group", "decisions", "accept_agreement", "amendment_rank", "ranking_tau"]
    return pd.DataFrame(rows)[cols]
