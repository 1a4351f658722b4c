"""Execute a sweep plan serially, on a local process pool or on Dask; store results resumably.

Finished chunks are written atomically as DIR/parts/part-NNNNN.parquet the moment they
arrive; DIR/results.parquet (one row per run, sorted by run_id) is rewritten from the
parts as the sweep goes and at its end. A resumed sweep skips every chunk already on disk.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator

from sim.core.records import atomic_write
from sim.core.yaml_io import yaml_dump
from sim.run.sweep.spec import Plan, SweepError, chunks
from sim.run.sweep.worker import run_chunk

BACKENDS = ("local", "dask")
LEADING = ("run_id", "seed_index", "seed")
SNAPSHOT_EVERY = 2.0           # minimum seconds between rewrites of results.parquet during a sweep


@dataclass(frozen=True)
class SweepOutcome:
    """What `execute` did: planned, skipped (already on disk) and executed runs, failed runs, time, results file."""

    runs: int
    skipped: int
    executed: int
    failures: int
    seconds: float
    results: Path


LLM_DIR = "llm"          # each LLM run's record/replay cache, one file per run id


def _parts_dir(out: Path) -> Path:
    return out / "parts"


def _parts(out: Path) -> list[Path]:
    """Part files in write order: a chunk's retries (part-N.rKK) sort after the chunk itself."""
    return sorted(_parts_dir(out).glob("part-*.parquet"))


def finished_ids(out: Path, retry_failed: bool = False) -> set[int]:
    """Run ids already stored in DIR/parts (with retry_failed: only those whose latest try worked)."""
    import pandas as pd

    latest: dict[int, bool] = {}
    for part in _parts(out):
        frame = pd.read_parquet(part, columns=["run_id", "error"])
        latest.update(zip(frame["run_id"].astype(int), frame["error"].fillna("") == ""))
    return {i for i, ok in latest.items() if ok or not retry_failed}


def _prepare(plan: Plan, out: Path, sweep_path: str) -> None:
    """Create DIR with sweep.yaml and sweep.json, or check DIR holds this same sweep."""
    meta = out / "sweep.json"
    if meta.is_file():
        held = json.loads(meta.read_text()).get("fingerprint")
        if held != plan.fingerprint:
            raise SweepError(str(out), "sweep.json", "this folder holds results of a different sweep",
                             "use a new --out folder, or the same sweep file and scenario to resume")
        return
    atomic_write(out / "sweep.yaml", yaml_dump(plan.spec.model_dump(mode="json"), sort_keys=False))
    atomic_write(meta, json.dumps({"fingerprint": plan.fingerprint, "name": plan.spec.name,
                                   "sweep_file": sweep_path, "scenario": plan.source,
                                   "runs": len(plan.tasks),
                                   "axes": [a.name for a in plan.spec.axes]}, indent=2))


def _write_part(out: Path, chunk_id: int, rows: list[dict]) -> None:
    import pandas as pd

    path = _parts_dir(out) / f"part-{chunk_id:05d}.parquet"
    retry = 0
    while path.exists():                              # a retry never overwrites an earlier try
        retry += 1
        path = path.with_name(f"part-{chunk_id:05d}.r{retry:02d}.parquet")
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    pd.DataFrame(rows).to_parquet(tmp, index=False)
    os.replace(tmp, path)


def _restore_dtypes(frame, parts: list):
    """Integer and bool columns that lost their dtype next to superseded failed rows get it back."""
    for col in frame.columns:
        dtypes = {str(p[col].dtype) for p in parts if col in p and p[col].dtype.kind in "bi"}
        if len(dtypes) == 1 and frame[col].dtype.kind not in "bi" and frame[col].notna().all():
            frame[col] = frame[col].astype(dtypes.pop())
    return frame


def consolidate(out: Path) -> Path:
    """Rewrite DIR/results.parquet from the parts: one row per run (its latest try), by run_id."""
    import pandas as pd

    parts = [pd.read_parquet(p) for p in _parts(out)]
    latest = {int(r): i for i, part in enumerate(parts) for r in part["run_id"]}
    # superseded tries are dropped before concatenating, so that column dtypes match a fresh sweep
    kept = [kept for i, part in enumerate(parts)
            if len(kept := part[part["run_id"].astype(int).map(latest) == i])]
    frame = pd.concat(kept, ignore_index=True) if kept else pd.DataFrame(columns=list(LEADING))
    frame = _restore_dtypes(frame, parts).sort_values("run_id", kind="stable").reset_index(drop=True)
    axes = [c for c in json.loads((out / "sweep.json").read_text()).get("axes", [])]
    rest = sorted(c for c in frame.columns if c not in LEADING and c not in axes)
    frame = frame[[*LEADING, *[a for a in axes if a in frame.columns], *rest]]
    target = out / "results.parquet"
    tmp = out / f".results.parquet.{os.getpid()}.tmp"
    frame.to_parquet(tmp, index=False)
    os.replace(tmp, target)
    return target


def run_payloads(payloads: list, workers: int) -> Iterator[tuple[int, list[dict]]]:
    """Run chunk payloads here (workers <= 1) or on a local process pool; yields (chunk id, rows)."""
    return _local(payloads, workers)


def _local(payloads: list, workers: int) -> Iterator[tuple[int, list[dict]]]:
    if workers <= 1:
        for payload in payloads:
            yield run_chunk(payload)
        return
    ctx = multiprocessing.get_context("spawn")        # no fork under the progress thread
    pool = ProcessPoolExecutor(max_workers=workers, mp_context=ctx)
    try:
        futures = [pool.submit(run_chunk, p) for p in payloads]
        for fut in as_completed(futures):
            yield fut.result()
    finally:                                          # interrupted: drop the chunks not yet started
        pool.shutdown(wait=True, cancel_futures=True)


def execute(plan: Plan, out: Path, *, sweep_path: str = "", workers: int = 1, backend: str = "local",
            scheduler: str | None = None, retry_failed: bool = False,
            on_chunk: Callable[[int, int, int], None] | None = None,
            llm: str | None = None, replay: Path | None = None) -> SweepOutcome:
    """Run the unfinished part of a plan into DIR; on_chunk(done, total, failures) reports progress.

    retry_failed: also run again the runs whose stored row holds an error (transient failures).
    llm: the chat model spec of LLM lineups; each run's cache goes to DIR/llm/run-ID.jsonl, and
    with `replay` (an earlier sweep folder) every run answers from that folder's caches only.
    """
    if backend not in BACKENDS:
        raise SweepError("--backend", "backend", f"unknown backend '{backend}'", "use local or dask")
    started = time.perf_counter()
    dask = None
    if backend == "dask":
        from sim.run.sweep.dask_backend import DaskBackend
        dask = DaskBackend(workers, scheduler)        # connect before touching the folder
    try:
        _prepare(plan, out, sweep_path)
        done = finished_ids(out, retry_failed)
        todo = {t.run_id for t in plan.tasks} - done
        key = plan.scenario_key
        extra = ({"spec": llm, "cache_dir": str(Path(out).resolve() / LLM_DIR),
                  "replay_dir": str(Path(replay).resolve() / LLM_DIR) if replay else None},) \
            if (llm or replay) else ()
        if extra:
            (Path(out) / LLM_DIR).mkdir(parents=True, exist_ok=True)
        payloads = [(cid, key, plan.scenario_data, plan.source, tasks, *extra) for cid, tasks in chunks(plan, todo)]
        stream = dask.run(payloads) if dask is not None else _local(payloads, workers)
        failures = _store(stream, out, len(done), len(plan.tasks), on_chunk)
    finally:
        if dask is not None:
            dask.close()
    return SweepOutcome(len(plan.tasks), len(done), len(todo), failures,
                        time.perf_counter() - started, out / "results.parquet")


def _store(stream, out: Path, finished: int, total: int,
           on_chunk: Callable[[int, int, int], None] | None) -> int:
    """Write each finished chunk as a part; keep results.parquet current, even when interrupted."""
    failures, last, cost = 0, time.perf_counter(), 0.0
    try:
        for chunk_id, rows in stream:
            _write_part(out, chunk_id, rows)
            finished += len(rows)
            failures += sum(1 for r in rows if r.get("error"))
            if on_chunk:
                on_chunk(finished, total, failures)
            if time.perf_counter() - last > max(SNAPSHOT_EVERY, 20 * cost):
                tick = time.perf_counter()
                consolidate(out)                      # big sweeps: rarer, at most ~5% of the time
                last = time.perf_counter()
                cost = last - tick
    finally:                                          # Ctrl-C or a crashed worker: keep what finished
        close = getattr(stream, "close", None)
        if close is not None:
            close()                                   # stop the backend from starting more chunks
        consolidate(out)
    return failures
