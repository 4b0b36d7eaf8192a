"""The build DuckDB (one writer at a time) and its schema."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

import duckdb
from filelock import FileLock

from orchestration.lib.files import ensure_private_dir, make_private
from orchestration.settings import load_settings


class WarehouseBusy(RuntimeError):
    """Another process holds the DuckDB file (DuckDB allows one writing process and no reader beside it)."""


@contextlib.contextmanager
def writer_lock(db_path: Path) -> Iterator[None]:
    """Process-level lock beside the DuckDB file: DuckDB allows one writing process, and a
    second one fails instead of waiting. The Dagster pool serialises steps inside Dagster;
    this lock also covers the CLI, the tests and anything started by hand. The kernel drops it
    when its holder dies, so a killed run never leaves it behind."""
    ensure_private_dir(db_path.parent)  # raw NIK, names and coordinates live here
    with FileLock(str(db_path.with_suffix(db_path.suffix + ".lock"))):
        yield


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


def duckdb_config() -> dict:
    """DuckDB takes 80 % of RAM by default; the Balai's machine also runs Dagster, dbt and the
    readers. A cap makes DuckDB spill to disk instead (same variable for dbt's profile)."""
    return {"memory_limit": load_settings().duckdb_memory_limit}


def open_duckdb(path: Path, *, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """duckdb.connect, with a clear message when another process holds the file (DuckDB allows one
    writing process, and no reader beside it)."""
    try:
        return duckdb.connect(str(path), read_only=read_only, config=duckdb_config())
    except duckdb.IOException as exc:
        if "lock" not in str(exc).lower():
            raise
        raise WarehouseBusy(
            f"Warehouse {path} sedang dipakai proses lain; coba lagi setelah proses itu selesai. / The warehouse is "
            f"held by another process; try again when it has finished. ({str(exc).splitlines()[0][:300]})"
        ) from None


@contextlib.contextmanager
def connect(db_path: Path | None = None, *, read_only: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
    path = Path(db_path) if db_path else load_settings().warehouse_path
    if read_only:
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


def table_exists(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> bool:
    return bool(
        con.execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_schema = ? AND table_name = ?", [schema, table]
        ).fetchone()[0]
    )


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
