"""Execute a sweep plan serially, on a local process pool or on Dask; store results resumably.

Finished chunks are written atomically as DIR/parts/part-NNNNN.parquet the moment they
arrive; DIR/results.parquet (one row per run, sorted by run_id) is rewritten from the
parts as the sweep goes and at its end. A resumed sweep skips every chunk already on disk.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import signal
import threading
import time
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator

from sim.core.records import atomic_write
from sim.core.yaml_io import yaml_dump
from sim.run.sweep.affinity import payload_keys, pick
from sim.run.sweep.spec import Plan, SweepError, chunks
from sim.run.sweep.store import check_meta, locked, part_problem, quarantine, read_manifest, record_part
from sim.run.sweep.worker import run_chunk

BACKENDS = ("local", "dask")
LEADING = ("run_id", "seed_index", "seed")
SNAPSHOT_EVERY = 2.0           # minimum seconds between rewrites of results.parquet during a sweep
# Each pool worker is one process on one core: its BLAS single-threaded, as Dask's nanny sets it. With
# OpenBLAS's default (a thread per core) the workers' idle BLAS threads spin against each other on small
# matrices: a 500-run sweep took 2.7x the CPU (docs/performance.md). Results do not change.
WORKER_ENV = {"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}


@dataclass(frozen=True)
class SweepOutcome:
    """What `execute` did: planned, skipped (already on disk) and executed runs, failed runs, time, results file."""

    runs: int
    skipped: int
    executed: int
    failures: int
    seconds: float
    results: Path
    notes: tuple[str, ...] = ()          # healed corruption, one line each
    stopped: bool = False                # ended by max_seconds before every run was done


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


def heal_parts(out: Path) -> list[str]:
    """Move every corrupt part (checksum mismatch, truncated, unreadable) aside; one note per part."""
    manifest = read_manifest(out)
    return [quarantine(out, part, why) for part in _parts(out) if (why := part_problem(part, manifest))]


def _prepare(plan: Plan, out: Path, sweep_path: str) -> list[str]:
    """Create DIR with sweep.yaml and sweep.json, or check DIR holds this same sweep (healing it); notes."""
    meta = out / "sweep.json"
    note = check_meta(out, plan.fingerprint)
    if note == "":
        return heal_parts(out)
    notes = [note] if note else []
    atomic_write(out / "sweep.yaml", yaml_dump(plan.spec.model_dump(mode="json"), sort_keys=False))
    atomic_write(meta, json.dumps({"fingerprint": plan.fingerprint, "name": plan.spec.name,
                                   "sweep_file": sweep_path, "scenario": plan.source,
                                   "runs": len(plan.tasks),
                                   "axes": [a.name for a in plan.spec.axes]}, indent=2))
    return notes + heal_parts(out)          # parts may survive a lost sweep.json and manifest


def _write_part(out: Path, chunk_id: int, rows: list[dict]) -> Path:
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
    return path


def _restore_dtypes(frame, parts: list):
    """Integer and bool columns that lost their dtype next to superseded failed rows get it back."""
    stored = [dict(p.dtypes.items()) for p in parts]   # one dtype table per part, not a Series per cell
    for col, dtype in frame.dtypes.items():
        dtypes = {str(d[col]) for d in stored if col in d and d[col].kind in "bi"}
        if len(dtypes) == 1 and dtype.kind not in "bi" and frame[col].notna().all():
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


def _worker_init() -> None:
    """In each pool worker: die with the parent (Linux), leave Ctrl-C to the parent (one line, no tracebacks)."""
    import ctypes
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        ctypes.CDLL(None).prctl(1, signal.SIGKILL)     # PR_SET_PDEATHSIG
    except (OSError, AttributeError):                  # not Linux: workers end when the pool closes
        pass
    if os.getppid() == 1:                              # the parent died before prctl took effect
        os._exit(1)


@contextmanager
def worker_environment() -> Iterator[None]:
    """WORKER_ENV set in this process's environment while pool workers are started (they inherit it)."""
    saved = {k: os.environ.get(k) for k in WORKER_ENV}
    os.environ.update(WORKER_ENV)
    try:
        yield
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


@contextmanager
def single_threaded() -> Iterator[None]:
    """The caller's BLAS and OpenMP pools at one thread while a serial sweep runs a chunk.

    WORKER_ENV's rule for this process, whose libraries are already loaded: idle BLAS threads spinning on
    small matrices doubled a serial sweep's CPU. Restored after each chunk; results do not change.
    """
    from threadpoolctl import threadpool_limits  # a core dependency; imported when a sweep runs

    with threadpool_limits(limits=1):
        yield


def _local(payloads: list, workers: int) -> Iterator[tuple[int, list[dict]]]:
    if workers <= 1:
        for payload in payloads:
            with single_threaded():
                rows = run_chunk(payload)
            yield rows
        return
    yield from _pool(payloads, workers)


IN_FLIGHT = 2      # chunks queued per pool worker: one running, the next already sent
POLL = 0.2         # seconds between checks for a deferred Ctrl-C while waiting on the pool


@contextmanager
def deferred_interrupt() -> Iterator[Callable[[], None]]:
    """Ctrl-C recorded while the pool is awaited and raised by the check this yields, where no lock is held.

    A KeyboardInterrupt raised inside `concurrent.futures.wait` can leave a future's condition lock held
    (`_AcquireFutures.__enter__` acquires them one by one and has no cleanup when interrupted); the pool's
    manager thread then blocks setting that future's result and `shutdown(wait=True)` never returns (a
    sweep hung after Ctrl-C in about 1 of 80 tries; reproduced with the window widened, docs/sweeps.md).
    Only in the main thread, and only over Python's own Ctrl-C handler; a Ctrl-C that came during the
    block is raised when it ends, unless an exception is already on its way out.
    """
    if threading.current_thread() is not threading.main_thread() \
            or signal.getsignal(signal.SIGINT) is not signal.default_int_handler:
        yield lambda: None
        return
    hit: list[int] = []

    def check() -> None:
        if hit:
            raise KeyboardInterrupt
    signal.signal(signal.SIGINT, lambda signum, frame: hit.append(signum))
    try:
        yield check
    finally:
        signal.signal(signal.SIGINT, signal.default_int_handler)
    check()


def _pool(payloads: list, workers: int) -> Iterator[tuple[int, list[dict]]]:
    """Chunks on `workers` single-process pools; a free worker takes chunks of variants it built (`affinity`)."""
    with deferred_interrupt() as check:
        yield from _pooled(payloads, workers, check)


def _pooled(payloads: list, workers: int, check: Callable[[], None]) -> Iterator[tuple[int, list[dict]]]:
    ctx = multiprocessing.get_context("spawn")        # no fork under the progress thread
    pools = [ProcessPoolExecutor(max_workers=1, mp_context=ctx, initializer=_worker_init)
             for _ in range(min(workers, len(payloads)))]
    keys, pending = [payload_keys(p) for p in payloads], list(range(len(payloads)))
    held: list[frozenset[str]] = [frozenset()] * len(pools)
    running: dict = {}

    def feed(w: int) -> None:
        i = pick([keys[j] for j in pending], held[w], frozenset().union(*held))
        if i >= 0:
            j = pending.pop(i)
            held[w] |= keys[j]
            running[pools[w].submit(run_chunk, payloads[j])] = w
    try:
        with worker_environment():                    # the workers start during the first submits
            for _ in range(IN_FLIGHT):
                for w in range(len(pools)):
                    feed(w)
        while running:
            check()                                   # a Ctrl-C heard since the last look: stop here
            finished, _ = wait(running, timeout=POLL, return_when=FIRST_COMPLETED)
            for fut in sorted(finished, key=running.get):
                w = running.pop(fut)
                result = fut.result()
                feed(w)                               # before the parent stores this chunk
                yield result
    finally:                                          # interrupted: drop the chunks not yet started
        for pool in pools:
            pool.shutdown(wait=True, cancel_futures=True)


@dataclass(frozen=True)
class _Job:
    """One call of `execute`: where, and the options that shape what runs."""

    plan: Plan
    out: Path
    sweep_path: str
    workers: int
    retry_failed: bool
    llm: str | None
    replay: Path | None
    max_seconds: float | None
    on_chunk: Callable[[int, int, int], None] | None


def execute(plan: Plan, out: Path, *, sweep_path: str = "", workers: int = 1, backend: str = "local",
            scheduler: str | None = None, retry_failed: bool = False,
            on_chunk: Callable[[int, int, int], None] | None = None,
            llm: str | None = None, replay: Path | None = None, max_seconds: float | None = None) -> SweepOutcome:
    """Run the unfinished part of a plan into DIR; on_chunk(done, total, failures) reports progress.

    retry_failed: also run again the runs whose stored row holds an error (transient failures).
    llm: the chat model spec of LLM lineups; each run's cache goes to DIR/llm/run-ID.jsonl, and
    with `replay` (an earlier sweep folder) every run answers from that folder's caches only.
    max_seconds: start no chunk after this long; what finished is kept (resume with the same call).
    The folder is locked for the call; corrupt parts found on resume are set aside and redone.
    """
    if backend not in BACKENDS:
        raise SweepError("--backend", "backend", f"unknown backend '{backend}'", "use local or dask")
    started = time.perf_counter()
    dask = None
    if backend == "dask":
        from sim.run.sweep.dask_backend import DaskBackend
        dask = DaskBackend(workers, scheduler)        # connect before touching the folder
    job = _Job(plan, Path(out), sweep_path, workers, retry_failed, llm, replay, max_seconds, on_chunk)
    try:
        with locked(job.out):
            return _execute(job, dask, started)
    finally:
        if dask is not None:
            dask.close()


def _execute(job: _Job, dask, started: float) -> SweepOutcome:
    plan, out = job.plan, job.out
    notes = _prepare(plan, out, job.sweep_path)
    done = finished_ids(out, job.retry_failed)
    todo = {t.run_id for t in plan.tasks} - done
    extra = ({"spec": job.llm, "cache_dir": str(out.resolve() / LLM_DIR),
              "replay_dir": str(Path(job.replay).resolve() / LLM_DIR) if job.replay else None},) \
        if (job.llm or job.replay) else ()
    if extra:
        (out / LLM_DIR).mkdir(parents=True, exist_ok=True)
    payloads = [(cid, plan.scenario_key, plan.scenario_data, plan.source, tasks, *extra)
                for cid, tasks in chunks(plan, todo)]
    stream = dask.run(payloads) if dask is not None else _local(payloads, job.workers)
    deadline = None if job.max_seconds is None else started + job.max_seconds
    failures, executed = _store(stream, job, len(done), deadline)
    return SweepOutcome(len(plan.tasks), len(done), executed, failures, time.perf_counter() - started,
                        out / "results.parquet", tuple(notes), executed < len(todo))


def _store(stream, job: _Job, finished: int, deadline: float | None) -> tuple[int, int]:
    """Write each finished chunk as a part (then its checksum); keep results.parquet current, even when interrupted.

    Returns (failed runs, runs stored now); stops taking chunks once `deadline` (perf_counter) passes.
    """
    failures, executed, last, cost = 0, 0, time.perf_counter(), 0.0
    try:
        for chunk_id, rows in stream:
            record_part(job.out, _write_part(job.out, chunk_id, rows), job.plan.fingerprint)
            finished, executed = finished + len(rows), executed + len(rows)
            failures += sum(1 for r in rows if r.get("error"))
            if job.on_chunk:
                job.on_chunk(finished, len(job.plan.tasks), failures)
            if deadline is not None and time.perf_counter() > deadline:
                break
            if time.perf_counter() - last > max(SNAPSHOT_EVERY, 20 * cost):
                tick = time.perf_counter()
                consolidate(job.out)                  # big sweeps: rarer, at most ~5% of the time
                last = time.perf_counter()
                cost = last - tick
    finally:                                          # Ctrl-C or a crashed worker: keep what finished
        close = getattr(stream, "close", None)
        if close is not None:
            close()                                   # stop the backend from starting more chunks
        consolidate(job.out)
    return failures, executed
