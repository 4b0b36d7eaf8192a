"""Reading tables for the reports: ``rows`` (both reports), and the published database opened
read-only with the few lookups the officials' reports make on it."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import duckdb

from orchestration.lib.warehouse import quote_literal
from orchestration.settings import TIMEZONE_NAME


def fetch_rows(
    con: duckdb.DuckDBPyConnection, sql: str, params: Sequence | None = None
) -> tuple[list[str], list[tuple]]:
    """(column names, rows) of a query."""
    cur = con.execute(sql, params or [])
    return [d[0] for d in cur.description], cur.fetchall()


def open_published(published_db: Path) -> duckdb.DuckDBPyConnection:
    """Read-only access to the published file, times shown in WITA.

    ATTACH ... (READ_ONLY) in a fresh in-memory database rather than ``duckdb.connect(path)``:
    the latter reuses an already-open database instance for the same path inside this process,
    which after an atomic swap would still show the *previous* file."""
    if not Path(published_db).exists():
        raise FileNotFoundError(f"database terbit tidak ada: {published_db}")
    con = duckdb.connect(":memory:")
    con.execute(f"SET TimeZone = {quote_literal(TIMEZONE_NAME)}")
    con.execute(f"ATTACH {quote_literal(Path(published_db).resolve())} AS pub (READ_ONLY)")
    con.execute("USE pub")
    return con


def columns_of(con: duckdb.DuckDBPyConnection, table: str, schema: str = "marts") -> list[str]:
    """Columns of a published table, in order; empty when the table is not there (older files)."""
    return [
        r[0]
        for r in con.execute(
            "SELECT column_name FROM duckdb_columns() WHERE database_name = 'pub' AND schema_name = ? "
            "AND table_name = ? ORDER BY column_index",
            [schema, table],
        ).fetchall()
    ]


def has_table(con: duckdb.DuckDBPyConnection, table: str, schema: str = "marts") -> bool:
    return bool(columns_of(con, table, schema))


def scalar(con: duckdb.DuckDBPyConnection, table: str, column: str, agg: str = "max"):
    """``agg(column)`` over a published mart, None when the column is not there."""
    if column not in columns_of(con, table):
        return None
    return con.execute(f"SELECT {agg}({column}) FROM marts.{table}").fetchone()[0]
