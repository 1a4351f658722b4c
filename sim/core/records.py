"""Run folders: summary.json, transcript.jsonl, outcomes.csv, written atomically.

The dashboard and every later tool read runs only through these files. Each file is
written to a temporary name in the run folder and renamed into place.
"""

from __future__ import annotations

import csv
import io
import json
import os
import platform
import tempfile
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import numpy as np

SUMMARY, TRANSCRIPT, OUTCOMES = "summary.json", "transcript.jsonl", "outcomes.csv"
SCENARIO_COPY = "scenario.yaml"
TIMING_KEYS = ("created", "seconds")


def versions() -> dict[str, str]:
    """Versions that shape results (the run is reproducible with the same ones)."""
    from importlib.metadata import PackageNotFoundError, version

    out = {"python": platform.python_version()}
    for name in ("negsim", "numpy", "scipy", "pettingzoo"):
        try:
            out[name] = version(name)
        except PackageNotFoundError:
            out[name] = "unknown"
    return out


def jsonable(value: Any) -> Any:
    """JSON-safe copy: numpy scalars and arrays to Python, floats rounded to 9 places."""
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    if isinstance(value, np.ndarray):
        return jsonable(value.tolist())
    if isinstance(value, (np.floating, float)):
        return round(float(value), 9)
    if isinstance(value, np.integer):
        return int(value)
    return value


def build_summary(result) -> dict:
    """summary.json content for a RunResult (docs/design.md, "Runs on disk")."""
    ctx, rub = result.ctx, result.ctx.rubric
    neg = result.designs["negotiated"]
    metrics = {k: v for k, v in neg.metrics.as_dict().items() if k != "notes"}
    metrics["pareto_optimal"] = result.pareto_optimal
    baselines = {name: {"package": list(r.package), "cost": r.cost,
                        "metrics": {k: v for k, v in r.metrics.as_dict().items() if k != "notes"},
                        "per_group": r.per_group(rub.group_ids)}
                 for name, r in result.designs.items() if name != "negotiated"}
    usage = result.usage or {}
    return jsonable({
        "scenario": ctx.scenario.name, "seed": result.seed,
        "mediator": ctx.protocol.mediator, "agents": result.agents,
        "agreement": result.outcome.agreement, "package": list(neg.package),
        "cost": neg.cost, "budget": rub.budget, "currency": ctx.scenario.currency,
        "rounds": result.outcome.rounds, "max_rounds": ctx.max_rounds,
        "acceptance": ctx.protocol.acceptance if isinstance(ctx.protocol.acceptance, str)
        else ctx.protocol.acceptance.model_dump(),
        "disagreement": ctx.protocol.disagreement, "best_base": ctx.best_base,
        "metrics": metrics, "notes": list(neg.metrics.notes), "per_group": neg.per_group(rub.group_ids),
        "red_lines_broken": neg.red_lines, "baselines": baselines,
        "information": ctx.protocol.information, "elicitation": ctx.protocol.elicitation,
        "voices": result.voices,
        "benchmark": result.benchmark,
        "llm": llm_block(usage, result.transcript),
        "fallbacks": int(usage.get("fallbacks", 0)) if usage else 0,
        "versions": versions(),
        "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "seconds": result.seconds,
    })


def llm_block(usage: dict, transcript: list[dict]) -> dict | None:
    """summary.json `llm`: usage counters, recorded events by kind and the measured value consistency.

    The engine's red-line overrides are counted from the transcript.
    """
    if not usage or not isinstance(usage.get("llm"), dict):
        return None
    llm = dict(usage["llm"])
    events = dict(llm.get("events") or {})
    events["red_line_override"] = sum(1 for row in transcript if row.get("override"))
    llm["events"] = dict(sorted(events.items()))
    llm["consistency"] = usage.get("llm_consistency")
    return llm


def outcome_rows(result) -> list[dict]:
    """One row per design x group."""
    rub = result.ctx.rubric
    sizes = dict(zip(rub.group_ids, rub.sizes))
    rows = []
    for name, r in result.designs.items():
        for gid, u in r.per_group(rub.group_ids).items():
            rows.append({"design": name, "kind": r.kind, "group": gid, "size": sizes[gid],
                         "utility": round(u, 9), "cost": round(r.cost, 6),
                         "is_worst": gid == r.metrics.worst_group_id})
    return rows


def atomic_write(path: Path, text: str) -> None:
    """Write text to path via a temporary file in the same folder and a rename."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as f:
            f.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write bytes to path via a temporary file in the same folder and a rename."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def rows_to_csv(rows: list[dict]) -> str:
    """Dict rows as CSV text, columns in the first row's key order; empty text for no rows."""
    buf = io.StringIO()
    if rows:
        writer = csv.DictWriter(buf, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    return buf.getvalue()


def write_run(result, out: Path, scenario_path: str | None = None, extra: dict | None = None) -> dict:
    """Write the run files into `out` (created only now) and return the summary.

    Besides the three files of docs/design.md ("Runs on disk"), the exact scenario negotiated is copied
    to scenario.yaml so that later tools (explain, dashboard) need nothing else. `extra`
    adds keys to summary.json (a human seat, a counterfactual's parent, a lab opening).
    """
    from sim.core.members_file import MEMBERS_FILE, split_members
    from sim.core.scenario import scenario_to_yaml

    summary = build_summary(result)
    summary["scenario_path"] = scenario_path
    summary["scenario_file"] = SCENARIO_COPY
    summary.update(jsonable(extra or {}))
    lines = "".join(json.dumps(jsonable(row), sort_keys=False) + "\n" for row in result.transcript)
    out = Path(out)
    data, members = split_members(result.ctx.scenario.model_dump(mode="json", exclude_defaults=False))
    atomic_write(out / SCENARIO_COPY, scenario_to_yaml(data))
    if members is not None:
        atomic_write(out / MEMBERS_FILE, members)
    atomic_write(out / TRANSCRIPT, lines)
    atomic_write(out / OUTCOMES, rows_to_csv(outcome_rows(result)))
    atomic_write(out / SUMMARY, json.dumps(summary, indent=2) + "\n")
    return summary


def read_summary(run_dir: Path) -> dict:
    """A run folder's summary.json."""
    return json.loads((Path(run_dir) / SUMMARY).read_text(encoding="utf-8"))


def read_run_scenario(run_dir: Path):
    """The scenario a run negotiated (its scenario.yaml copy)."""
    from sim.core.scenario import load_scenario

    return load_scenario(Path(run_dir) / SCENARIO_COPY)


def read_transcript(run_dir: Path) -> list[dict]:
    """A run folder's transcript.jsonl, one dict per entry."""
    text = (Path(run_dir) / TRANSCRIPT).read_text(encoding="utf-8")
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def read_outcomes(run_dir: Path) -> list[dict]:
    """A run folder's outcomes.csv as dict rows (values as text)."""
    with open(Path(run_dir) / OUTCOMES, encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def strip_timing(summary: dict) -> dict:
    """A summary without its timing fields (for reproducibility comparisons)."""
    return {k: v for k, v in summary.items() if k not in TIMING_KEYS}
