"""The build DuckDB (one writer at a time) and its schema."""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import shutil
import time
from collections.abc import Iterator
from pathlib import Path

import duckdb
from filelock import FileLock

from orchestration.lib.files import ensure_private_dir, make_private
from orchestration.settings import load_settings

log = logging.getLogger(__name__)


class WarehouseBusy(RuntimeError):
    """Another process holds the DuckDB file (DuckDB allows one writing process and no reader beside it)."""


@contextlib.contextmanager
def writer_lock(db_path: Path) -> Iterator[None]:
    """Process-level lock beside the DuckDB file: DuckDB allows one writing process, and a
    second one fails instead of waiting. The Dagster pool serialises steps inside Dagster;
    this lock also covers the CLI, the tests and anything started by hand. The kernel drops it
    when its holder dies, so a killed run never leaves it behind."""
    ensure_private_dir(db_path.parent)  # raw NIK, names and coordinates live here
    with FileLock(str(_lock_path(db_path))):
        yield


def _lock_path(db_path: Path) -> Path:
    return db_path.with_suffix(db_path.suffix + ".lock")


@contextlib.contextmanager
def reader_lock(db_path: Path) -> Iterator[None]:
    """A shared hold on the writer lock's file for a reader outside the writer (the landing sensor,
    `p3jr run`'s first look): DuckDB lets no reader beside a writer, and whichever opened second
    fails, so a sensor tick could fail a run's step. Readers share the lock; a writer waits for them
    (they take milliseconds); a reader that finds a writer gets WarehouseBusy at once. A process that
    holds the writer lock itself opens with :func:`open_duckdb` instead (the lock is per open file)."""
    lock_file = _lock_path(db_path)
    if not lock_file.exists():  # no writer has ever run: nothing to share
        yield
        return
    fd = os.open(lock_file, os.O_RDONLY)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            raise WarehouseBusy(
                f"Warehouse {db_path} sedang ditulis proses lain; coba lagi setelah proses itu selesai. / The warehouse "
                "is being written by another process; try again when it has finished."
            ) from None
        yield
    finally:
        os.close(fd)  # releases the lock


def release_memory() -> None:
    """Give freed pandas/arrow buffers back to the OS before the next step (dbt runs as a child
    process, so memory the parent still holds counts twice at the peak)."""
    import ctypes
    import gc

    gc.collect()
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):
        pass


# Settings of every warehouse connection, dbt's too (dbt_project/profiles.yml repeats them; a test keeps
# the two equal). max_vacuum_tasks 0: a checkpoint after a district's rows were replaced does not merge the
# table's partly deleted row groups, which rewrites every row group after them (4 s per 1.3 M-row table,
# measured; about 5 s of a one-district correction). Row groups deleted whole are still dropped, so the
# deleted rows kept stay bounded (11 % of quality.rilis_rumah_tangga after 30 corrections, then stable).
CONNECTION_SETTINGS = {"max_vacuum_tasks": 0}


def duckdb_config() -> dict:
    """DuckDB takes 80 % of RAM by default; the Balai's machine also runs Dagster, dbt and the
    readers. A cap makes DuckDB spill to disk instead (same variable for dbt's profile)."""
    return {"memory_limit": load_settings().duckdb_memory_limit, **CONNECTION_SETTINGS}


def open_duckdb(path: Path, *, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """duckdb.connect, with a clear message when another process holds the file (DuckDB allows one
    writing process, and no reader beside it), and a warehouse whose WAL DuckDB cannot replay on a
    plain open brought back (:func:`replay_wal_attached`)."""
    try:
        return _connect(path, read_only)
    except duckdb.Error as exc:
        if not is_wal_replay_failure(exc):
            raise
        log.warning("%s: WAL tidak dapat diputar ulang / WAL replay failed on open (%s)", path, str(exc)[:300])
    if read_only:
        return _attached_read_only(path)
    replay_wal_attached(path)
    return _connect(path, read_only)


def _connect(path: Path, read_only: bool) -> duckdb.DuckDBPyConnection:
    with _busy_when_locked(path):
        return duckdb.connect(str(path), read_only=read_only, config=duckdb_config())


@contextlib.contextmanager
def _busy_when_locked(path: Path) -> Iterator[None]:
    try:
        yield
    except duckdb.IOException as exc:
        if "lock" not in str(exc).lower():
            raise
        raise WarehouseBusy(
            f"Warehouse {path} sedang dipakai proses lain; coba lagi setelah proses itu selesai. / The warehouse is "
            f"held by another process; try again when it has finished. ({str(exc).splitlines()[0][:300]})"
        ) from None


def is_wal_replay_failure(exc: BaseException) -> bool:
    return isinstance(exc, duckdb.Error) and "replaying wal" in str(exc).lower()


# Copies of replayed WALs kept beside the warehouse (the newest; their names sort by UTC time).
KEEP_RECOVERED_WALS = 3


def replay_wal_attached(path: Path) -> Path:
    """A writer killed mid-write (out of memory, a killed run worker) leaves a WAL that DuckDB 1.5
    sometimes cannot replay when it opens the file as its default database ("Calling
    DatabaseManager::GetDefaultDatabase with no default database set", duckdb/duckdb#19712, #22044):
    every later open fails and the warehouse is lost to every run. Attached to an in-memory database
    the same WAL replays; a CHECKPOINT then writes it into the file, so nothing committed is lost. The
    WAL is copied aside first (``<file>.wal.dipulihkan-<UTC time>``) for a bug report; only the newest
    KEEP_RECOVERED_WALS copies stay (a WAL can be as large as a full rebuild). Call with the writer lock
    held. Returns the copy."""
    wal = path.with_name(path.name + ".wal")
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    kept = wal.with_name(f"{wal.name}.dipulihkan-{stamp}")
    shutil.copyfile(wal, kept)
    make_private(kept)
    for old in sorted(wal.parent.glob(f"{wal.name}.dipulihkan-*"))[:-KEEP_RECOVERED_WALS]:
        old.unlink(missing_ok=True)
    con = _attached(path, read_only=False)
    try:
        con.execute("CHECKPOINT gudang")
        con.execute("DETACH gudang")
    finally:
        con.close()
    log.warning(
        "%s: WAL diputar ulang lewat ATTACH dan ditulis ke file / WAL replayed via ATTACH; copy kept: %s", path, kept
    )
    return kept


def _attached_read_only(path: Path) -> duckdb.DuckDBPyConnection:
    """A reader of a warehouse whose WAL waits for the next writer's :func:`replay_wal_attached`: the
    file attached read-only (the WAL replays in memory) as the connection's default database."""
    con = _attached(path, read_only=True)
    con.execute("USE gudang")
    return con


def _attached(path: Path, *, read_only: bool) -> duckdb.DuckDBPyConnection:
    """An in-memory connection with the warehouse attached as `gudang` (DuckDB replays a WAL it cannot
    replay on a plain open this way)."""
    con = duckdb.connect(":memory:", config=duckdb_config())
    try:
        with _busy_when_locked(path):
            con.execute(f"ATTACH {quote_literal(path)} AS gudang{' (READ_ONLY)' if read_only else ''}")
    except BaseException:
        con.close()
        raise
    return con


@contextlib.contextmanager
def connect(db_path: Path | None = None, *, read_only: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
    path = Path(db_path) if db_path else load_settings().warehouse_path
    if read_only:
        with reader_lock(path):
            con = open_duckdb(path, read_only=True)
            try:
                yield con
            finally:
                con.close()
        return
    with writer_lock(path):
        con = open_duckdb(path)
        make_private(path)
        try:
            yield con
        finally:
            con.close()


def quote_ident(name: str) -> str:
    """A SQL identifier, quoted (schema, table or column names that come from data or the contract)."""
    return '"' + str(name).replace('"', '""') + '"'


def quote_literal(value: object) -> str:
    """A SQL string literal."""
    return "'" + str(value).replace("'", "''") + "'"


def table_exists(con: duckdb.DuckDBPyConnection, schema: str, table: str, *, views: bool = True) -> bool:
    """A table or (``views``) view of that name (DuckDB's catalog functions: information_schema.tables, a
    view over them and more, took ~4x as long; a run asks ~125 times)."""
    sql = "SELECT EXISTS (SELECT 1 FROM duckdb_tables() WHERE schema_name = $1 AND table_name = $2)"
    if views:
        sql += " OR EXISTS (SELECT 1 FROM duckdb_views() WHERE schema_name = $1 AND view_name = $2)"
    return bool(con.execute(sql, [schema, table]).fetchone()[0])


@contextlib.contextmanager
def registered(con: duckdb.DuckDBPyConnection, **tables) -> Iterator[duckdb.DuckDBPyConnection]:
    """Python tables (Arrow, pandas) visible to SQL under the given names for the block, then gone."""
    for name, table in tables.items():
        con.register(name, table)
    try:
        yield con
    finally:
        for name in tables:
            con.unregister(name)


@contextlib.contextmanager
def transaction(con: duckdb.DuckDBPyConnection) -> Iterator[duckdb.DuckDBPyConnection]:
    """BEGIN … COMMIT, or ROLLBACK on any error. Not nestable: DuckDB has no nested transactions, and a
    second BEGIN aborts the open one. A step made of several writes opens one at its top and passes
    the connection down."""
    con.execute("BEGIN TRANSACTION")
    try:
        yield con
    except BaseException:
        con.execute("ROLLBACK")
        raise
    con.execute("COMMIT")
