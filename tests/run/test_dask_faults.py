"""Dask faults on a real local cluster (`dask scheduler` and `dask worker` processes on 127.0.0.1, by PID)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from sim.run.sweep.spec import SweepError, build_plan, chunks, load_sweep
from tests.data.poison import POISON_CHUNK, run_or_die, run_slowly
from tests.run.test_sweep import TINY, write_sweep

pytestmark = pytest.mark.slow
pytest.importorskip("distributed")
BIN = Path(sys.executable).parent


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _start(args: list[str]) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(Path(__file__).resolve().parents[2]),
                                                         os.environ.get("PYTHONPATH", "")]),
           # one task at a time per single-thread worker: with Dask's default (1.1, so 2 tasks each) a chunk queued on
           # the worker the poison kills is counted suspicious too and, after the same retries, recorded failed (seen
           # in a fresh-clone CI; with the saturation unbounded the kill test failed 2 of 3 times)
           "DASK_DISTRIBUTED__SCHEDULER__WORKER_SATURATION": "1.0"}
    return subprocess.Popen([sys.executable, "-m", *args], env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, start_new_session=True)


def _stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)          # its own session: the nanny's workers go too
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=30)


@pytest.fixture
def cluster():
    """(address, scheduler process): a scheduler and one worker process with two single-thread workers."""
    port = _free_port()
    address = f"tcp://127.0.0.1:{port}"
    scheduler = _start(["distributed.cli.dask_scheduler", "--host", "127.0.0.1", "--port", str(port),
                        "--dashboard-address", ":0"])
    worker = _start(["distributed.cli.dask_worker", address, "--nworkers", "2", "--nthreads", "1",
                     "--dashboard-address", ":0"])
    try:
        from dask.distributed import Client

        with Client(address, timeout=120) as client:
            client.wait_for_workers(2, timeout=180)
        yield address, scheduler
    finally:
        _stop(worker)
        _stop(scheduler)


def _payloads(tmp_path):
    sweep = write_sweep(tmp_path, TINY, "seed: 1\nseeds: 4\nchunk_size: 1\n")
    plan = build_plan(load_sweep(sweep), sweep)
    return [(cid, plan.scenario_key, plan.scenario_data, plan.source, tasks) for cid, tasks in chunks(plan)]


def test_a_run_that_kills_its_worker_is_recorded_failed_and_the_rest_finish(cluster, tmp_path):
    from sim.run.sweep.dask_backend import DaskBackend

    backend = DaskBackend(1, cluster[0])
    try:
        results = dict(backend.run(_payloads(tmp_path), fn=run_or_die))
    finally:
        backend.close()
    assert sorted(results) == [0, 1, 2, 3]
    assert all("KilledWorker" in row["error"] for row in results[POISON_CHUNK])
    errors = {cid: row["error"] for cid in (0, 2, 3) for row in results[cid] if row["error"]}
    assert not errors, errors


def test_a_lost_scheduler_is_one_sweep_error_after_the_finished_chunks(cluster, tmp_path):
    from sim.run.sweep.dask_backend import DaskBackend

    address, scheduler = cluster
    backend = DaskBackend(1, address)
    got = []
    try:
        with pytest.raises(SweepError, match="lost the dask scheduler.*re-run the same command"):
            for chunk_id, rows in backend.run(_payloads(tmp_path), fn=run_slowly):
                got.append(chunk_id)
                if len(got) == 1:
                    os.killpg(scheduler.pid, signal.SIGKILL)
                    start = time.monotonic()
                    while scheduler.poll() is None and time.monotonic() - start < 30:
                        time.sleep(0.1)
    finally:
        backend.close()
    assert len(got) >= 1
