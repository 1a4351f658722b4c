"""Dask backend for sweeps: the only module that imports dask (extra `dask`)."""

from __future__ import annotations

from typing import Iterator

from sim.run.sweep.spec import SweepError
from sim.run.sweep.worker import run_chunk

CONNECT_TIMEOUT = "10s"


class DaskBackend:
    """A connection to a dask.distributed cluster: an address, or a LocalCluster of `workers`.

    Connecting happens up front (before the sweep folder is touched) so that a wrong
    scheduler address is a one-line error, not a half-made results folder.
    """

    def __init__(self, workers: int, scheduler: str | None) -> None:
        try:
            from dask.distributed import Client, LocalCluster
        except ImportError:
            raise SweepError("sweep", "--backend dask", "dask.distributed is not installed",
                             "pip install 'negsim[dask]'") from None
        self.cluster = None
        if scheduler:
            try:
                self.client = Client(scheduler, timeout=CONNECT_TIMEOUT)
            except (OSError, TimeoutError, ValueError) as err:
                raise SweepError("sweep", "--scheduler", f"cannot reach {scheduler} "
                                 f"({type(err).__name__}: {str(err).splitlines()[0] if str(err) else ''})",
                                 "give the address of a running dask scheduler, e.g. tcp://HOST:8786") from None
        else:
            self.cluster = LocalCluster(n_workers=max(1, workers), threads_per_worker=1, processes=True,
                                        dashboard_address=None)
            self.client = Client(self.cluster)

    def run(self, payloads: list) -> Iterator[tuple[int, list[dict]]]:
        """Submit every chunk and yield (chunk id, rows) as they finish."""
        from dask.distributed import as_completed

        futures = self.client.map(run_chunk, payloads, pure=False)
        try:
            for future in as_completed(futures):
                yield future.result()
        finally:                                      # interrupted: cancel what has not run
            self.client.cancel(futures)

    def close(self) -> None:
        """Close the client and, when this backend started one, the LocalCluster."""
        self.client.close()
        if self.cluster is not None:
            self.cluster.close()
