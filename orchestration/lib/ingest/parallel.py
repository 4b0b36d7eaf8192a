"""Reading landing files in worker processes (the readers are CPU-bound Python)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import NamedTuple

from sources import readers


class PendingRead(NamedTuple):
    """A file the registry will have to read (its content hash comes from the run's scan)."""

    path: Path
    size: int
    file_hash: str


def read_safely(path: Path, max_bytes: int) -> readers.ReadResult | readers.FileRejected:
    """Never raises: a reader bug on one file must not stop the other files or districts."""
    try:
        return readers.read_file(path, max_bytes=max_bytes)
    except readers.FileRejected as exc:
        return exc
    except Exception as exc:
        return readers.FileRejected("file_rusak", f"{type(exc).__name__}: {exc}")


def _read_in_worker(path: str, max_bytes: int):
    out = read_safely(Path(path), max_bytes)
    if isinstance(out, readers.FileRejected):  # exceptions with keyword state do not pickle
        return ("rejected", out.code, out.detail, out.params)
    return ("ok", out)


def _from_worker(msg) -> readers.ReadResult | readers.FileRejected:
    if msg[0] == "ok":
        return msg[1]
    return readers.FileRejected(msg[1], msg[2], **msg[3])


class ParallelReader:
    """Reads files in worker processes, in the order the districts are loaded, at most ``window``
    files ahead of the loading: a read file waits in this process until its district is loaded, so
    reading far ahead holds many districts' rows at once (2 × the province peaked above 2 GB)."""

    def __init__(self, max_bytes: int, workers: int | None = None, min_total_bytes: int = 5_000_000):
        self.max_bytes = max_bytes
        self.min_total_bytes = min_total_bytes
        self.workers = workers or max(1, min(4, os.cpu_count() or 1))
        self.window = 3 * self.workers
        self._pool = None
        self._waiting: list[PendingRead] = []
        self._futures: dict[str, object] = {}

    def submit(self, files: list[PendingRead]) -> None:
        """``files`` in the order ``results_for`` will ask for them."""
        if self.workers < 2 or len(files) < 2 or sum(f.size for f in files) < self.min_total_bytes:
            return  # one file, or small ones: starting processes costs more than it saves (a correction)
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        self._pool = ProcessPoolExecutor(self.workers, mp_context=multiprocessing.get_context("spawn"))
        self._waiting = list(files)
        self._start()

    def _start(self, also: frozenset[str] = frozenset()) -> None:
        """Start reads from the front of the queue while fewer than ``window`` are in flight or waiting
        here, and every file of ``also`` (the district being loaded) regardless."""
        keep = []
        for f in self._waiting:
            if f.file_hash in self._futures:
                continue  # the same content is already being read
            if len(self._futures) < self.window or f.file_hash in also:
                self._futures[f.file_hash] = self._pool.submit(_read_in_worker, str(f.path), self.max_bytes)
            else:
                keep.append(f)
        self._waiting = keep

    def results_for(self, files: list[PendingRead]) -> dict:
        if self._pool is None:
            return {}
        self._start(also=frozenset(f.file_hash for f in files))
        out = {}
        for f in files:
            fut = self._futures.pop(f.file_hash, None)
            if fut is not None:
                out[f.file_hash] = _from_worker(fut.result())
                self._start()  # the next file starts while this district loads
        return out

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(cancel_futures=True)
