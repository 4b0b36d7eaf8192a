"""GX in a process of its own, for a correction that `p3jr run` starts cold (orchestration/lib/prewarm.py).

Importing GX costs ~3 s of CPU. Without a worker, the ingestion step imports it in a thread beside the
reading of the changed files (`runner.warm_up`), which is Python too: the two share one interpreter lock,
so a correction read its file at half speed and the gate still waited for GX. The worker imports GX on
the other core while the run's process imports Dagster; the gate sends it the per-district statistics
(one row per district) and gets the outcomes back. It ends after the gate: the dbt step that follows
holds a run's largest memory.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import sys
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any

_pool: ProcessPoolExecutor | None = None


def _die_with_parent() -> None:
    """A worker whose run was killed ends too (its pool would otherwise wait on the run forever)."""
    from orchestration.lib.processes import die_with_parent

    if not die_with_parent(signal.SIGKILL):
        os._exit(1)


def _ready() -> bool:
    from orchestration.lib.gx.runner import _get_context

    _get_context()
    return True


def start() -> bool:
    """Start the worker (it imports GX and builds the context at once); False when this process has GX
    already (`p3jr siaga`) or a worker runs."""
    global _pool
    if _pool is not None or "great_expectations" in sys.modules:
        return False
    _pool = ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn"), initializer=_die_with_parent)
    _pool.submit(_ready)  # spawns the worker from this thread: its exit is what the worker watches
    return True


def running() -> bool:
    return _pool is not None


def call(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """``fn(*args, **kwargs)`` in the worker. Its own exceptions come back as they are; a worker that
    died raises BrokenProcessPool and is forgotten (the caller then runs ``fn`` here)."""
    if _pool is None:
        raise BrokenProcessPool("no GX worker")
    try:
        return _pool.submit(fn, *args, **kwargs).result()
    except BrokenProcessPool:
        stop()
        raise


def stop() -> None:
    """End the worker now, even while it still imports GX: a run over the province stops it before its
    first step, and a graceful shutdown would wait for that import (up to ~3 s)."""
    global _pool
    pool, _pool = _pool, None
    if pool is None:
        return
    workers = list((pool._processes or {}).values())  # Python 3.14 has pool.terminate_workers()
    for process in workers:
        process.terminate()
    for process in workers:
        process.join(timeout=5)
    pool.shutdown(wait=True, cancel_futures=True)
