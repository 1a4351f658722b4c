"""Dask backend for sweeps: the only module that imports dask (extra `dask`)."""

from __future__ import annotations

from typing import Iterator

from sim.sweep_run import run_chunk


def dask_chunks(payloads: list, workers: int, scheduler: str | None) -> Iterator[tuple[int, list[dict]]]:
    """Run chunks on a dask.distributed cluster (an address, or a LocalCluster of `workers`)."""
    try:
        from dask.distributed import Client, LocalCluster, as_completed
    except ImportError:
        raise RuntimeError("the dask backend needs dask.distributed; fix: pip install 'negsim[dask]'") from None
    cluster = None
    if scheduler:
        client = Client(scheduler)
    else:
        cluster = LocalCluster(n_workers=max(1, workers), threads_per_worker=1, processes=True,
                               dashboard_address=None)
        client = Client(cluster)
    try:
        futures = client.map(run_chunk, payloads, pure=False)
        for future in as_completed(futures):
            yield future.result()
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
