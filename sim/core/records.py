"""Run folders: summary.json, transcript.jsonl, outcomes.csv, written atomically.

The dashboard and every later tool read runs only through these files. A run folder is
written whole into a temporary sibling folder and renamed into place once.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import math
import os
import platform
import re
import shutil
import tempfile
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import numpy as np

from sim.core.errors import NegsimError
from sim.core.files import strict_json
from sim.core.limits import MAX_SCENARIO_BYTES

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
    """JSON-safe copy: numpy scalars and arrays to Python, floats rounded to 9 places, NaN/inf to None."""
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    if isinstance(value, np.ndarray):
        return jsonable(value.tolist())
    if isinstance(value, (np.floating, float)):
        return round(float(value), 9) if math.isfinite(value) else None    # strict JSON: no NaN/Infinity
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
    atomic_write_bytes(path, text.encode("utf-8"))


def _umask() -> int:
    """The process umask (read from /proc, not changed)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    except OSError:
        pass
    mask = os.umask(0o022)             # no /proc: read the umask by setting it, and put it back at once
    os.umask(mask)
    return mask


def file_mode() -> int:
    """The mode a plain open() would give a new file: 0o666 less the process umask."""
    return 0o666 & ~_umask()


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write bytes to path via a temporary file in the same folder and a rename.

    The file gets the umask's mode, not mkstemp's owner-only 0600, so colleagues can open a shared report.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        os.fchmod(fd, file_mode())
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


def _slug(text: object) -> str:
    return re.sub(r"[^A-Za-z0-9_-]+", "_", str(text)).strip("_").lower()[:40]


def default_run_folder(name: str, seed: int, mediator: str, settings: dict[str, object]) -> Path:
    """runs/NAME-MEDIATOR-seedN, then every run setting that was given (so experiments never share a folder).

    `settings` maps a flag name to its value, None (or the default) when not given; a long value
    (an opening, a lineup) is shortened to a hash so the name stays short.
    """
    parts = [_slug(name) or "run", _slug(mediator), f"seed{seed}"]
    for flag, value in sorted(settings.items()):
        if value is None:
            continue
        text = _slug(value)
        if len(text) > 24 or text != str(value).lower():
            text = hashlib.sha256(str(value).encode()).hexdigest()[:8]
        parts.append(f"{flag}_{text}")
    return Path("runs") / "-".join(parts)


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
    lines = "".join(json.dumps(jsonable(row), sort_keys=False, allow_nan=False) + "\n" for row in result.transcript)
    data, members = split_members(result.ctx.scenario.model_dump(mode="json", exclude_defaults=False))
    files = {SCENARIO_COPY: scenario_to_yaml(data), TRANSCRIPT: lines,
             OUTCOMES: rows_to_csv(outcome_rows(result)), SUMMARY: json.dumps(summary, indent=2, allow_nan=False) + "\n"}
    if members is not None:
        files[MEMBERS_FILE] = members
    write_folder(Path(out), files)
    return summary


def write_folder(out: Path, files: dict[str, str]) -> None:
    """Write `files` (name -> text) as the folder `out` in one step: a temporary sibling folder, one rename.

    A crash leaves either no folder or the whole new one (never one run's summary beside another's
    transcript); an existing `out` is replaced whole, so none of its old files survive.
    """
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(dir=out.parent, prefix=f".{out.name}.", suffix=".tmp"))
    tmp.chmod(0o777 & ~_umask())      # mkdtemp makes it private; a run folder is an ordinary folder (mkdir's mode)
    try:
        for name, text in files.items():
            (tmp / name).write_text(text, encoding="utf-8", newline="")
        if out.exists():
            old = Path(tempfile.mkdtemp(dir=out.parent, prefix=f".{out.name}.", suffix=".old"))
            os.replace(out, old / out.name)
            os.replace(tmp, out)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


class RunFolderError(NegsimError, ValueError):
    """A run folder whose files are missing, corrupt or not what `negsim run` writes: one line."""

    def __init__(self, run_dir: Path, name: str, problem: str) -> None:
        super().__init__(f"{run_dir}: {name}: {problem}; fix: re-run `negsim run` to rewrite the folder")


def _read_json(run_dir: Path, name: str, text: str, line: int | None = None) -> Any:
    where = name if line is None else f"{name} line {line}"
    try:
        value = strict_json(text)
    except ValueError as err:
        raise RunFolderError(run_dir, where, f"not valid JSON ({' '.join(str(err).split())[:80]})") from None
    if not isinstance(value, dict):
        raise RunFolderError(run_dir, where, f"holds a JSON {type(value).__name__}, not an object")
    return value


def _read_text(run_dir: Path, name: str) -> str:
    try:
        return (Path(run_dir) / name).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise RunFolderError(run_dir, name, "missing (not a complete run folder)") from None
    except (OSError, UnicodeDecodeError) as err:
        raise RunFolderError(run_dir, name, f"unreadable ({' '.join(str(err).split())[:80]})") from None


def read_summary(run_dir: Path) -> dict:
    """A run folder's summary.json (a JSON object), or RunFolderError."""
    return _read_json(Path(run_dir), SUMMARY, _read_text(run_dir, SUMMARY))


def read_run_scenario(run_dir: Path):
    """The scenario a run negotiated (its scenario.yaml copy)."""
    from sim.core.scenario import load_scenario

    # negsim's re-save of a scenario it accepted (at most MAX_SCENARIO_BYTES) can be a little larger:
    # defaults written out, long text folded and indented (a 4.85 MB text field: +4%)
    return load_scenario(Path(run_dir) / SCENARIO_COPY, max_bytes=2 * MAX_SCENARIO_BYTES)


def read_transcript(run_dir: Path) -> list[dict]:
    """A run folder's transcript.jsonl, one dict per entry."""
    text = _read_text(run_dir, TRANSCRIPT)
    return [_read_json(Path(run_dir), TRANSCRIPT, line, i) for i, line in enumerate(text.splitlines(), 1)
            if line.strip()]


def read_outcomes(run_dir: Path) -> list[dict]:
    """A run folder's outcomes.csv as dict rows (values as text)."""
    with open(Path(run_dir) / OUTCOMES, encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def strip_timing(summary: dict) -> dict:
    """A summary without its timing fields (for reproducibility comparisons)."""
    return {k: v for k, v in summary.items() if k not in TIMING_KEYS}
