"""Chunk functions for the Dask fault tests: one that kills its worker on chunk 1, one that is slow."""

from __future__ import annotations

import os
import time

from sim.run.sweep.worker import run_chunk

POISON_CHUNK = 1


def run_or_die(payload: tuple):
    """run_chunk, except that chunk POISON_CHUNK kills the worker process (as a segfaulting library would)."""
    if payload[0] == POISON_CHUNK:
        os._exit(3)
    return run_chunk(payload)


def run_slowly(payload: tuple):
    """run_chunk after a pause, so a test can kill the scheduler mid-sweep."""
    time.sleep(2.0)
    return run_chunk(payload)
