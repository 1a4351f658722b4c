"""Dask backend for sweeps: the only module that imports dask (extra `dask`)."""

from __future__ import annotations

from concurrent.futures import CancelledError
from typing import Callable, Iterator

from sim.run.sweep.spec import SweepError
from sim.run.sweep.worker import error_row, run_chunk

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

    def run(self, payloads: list, fn: Callable[[tuple], tuple[int, list[dict]]] = run_chunk
            ) -> Iterator[tuple[int, list[dict]]]:
        """Submit every chunk and yield (chunk id, rows) as they finish.

        A chunk that kept killing its workers (KilledWorker, after Dask's retries) becomes failed rows
        and the sweep goes on; a lost scheduler is one SweepError (finished chunks are already stored).
        """
        from dask.distributed import as_completed
        from distributed.scheduler import KilledWorker

        futures = self.client.map(fn, payloads, pure=False)
        payload_of = {f.key: p for f, p in zip(futures, payloads)}
        try:
            for future in as_completed(futures):
                try:
                    yield future.result()
                except KilledWorker as err:
                    yield failed_chunk(payload_of[future.key], err)
                except (CancelledError, OSError, TimeoutError) as err:   # scheduler gone: CommClosedError is an OSError
                    raise SweepError("sweep", "--scheduler", f"lost the dask scheduler ({type(err).__name__})",
                                     "finished runs are kept: start the scheduler again and re-run the same "
                                     "command to resume") from None
        finally:                                      # interrupted: cancel what has not run
            try:
                self.client.cancel(futures)
            except Exception:                         # the scheduler may be gone already
                pass

    def close(self) -> None:
        """Close the client and, when this backend started one, the LocalCluster."""
        try:
            self.client.close(timeout=5)
        except Exception:                             # a lost scheduler: nothing left to close cleanly
            pass
        if self.cluster is not None:
            self.cluster.close()


def failed_chunk(payload: tuple, err: BaseException) -> tuple[int, list[dict]]:
    """(chunk id, rows) recording every run of a chunk as failed with `err` (the chunk never finished)."""
    chunk_id, tasks = payload[0], payload[4]
    return chunk_id, [error_row(task, err) for task in tasks]
