"""Copy the tables dbt reads as sources from the build DuckDB into PostgreSQL.

Why: the quality gate (ingestion, rules, quarantine) always runs on a local DuckDB file, but a
Balai that serves several provinces or many concurrent analysts may want the dbt layers
(staging -> intermediate -> marts) built in PostgreSQL (`dbt build --target postgres`, see
dbt_project/profiles.yml). dbt never moves data between databases, so the gate's output tables
(the dbt *sources*: quality.*, ingestion.file_registry, ...) must be copied first. This module
does that copy.

How: each table is exported by DuckDB itself as CSV (`COPY ... TO` a temporary file) and read by
PostgreSQL with `COPY ... FROM STDIN` through psycopg2's `copy_expert` (every non-NULL value is
quoted, so an empty text stays '' and a lone `\\.` is not PostgreSQL's end-of-data marker).
DuckDB's `postgres` extension is deliberately NOT used: it is downloaded at run time, which fails
on an offline server.
Every table is replaced (DROP + CREATE + COPY) inside one transaction, so a failed load leaves the
previous copy in place.

Types (`pg_type`): VARCHAR -> text, integers -> the same width (unsigned ones one width up),
DOUBLE -> double precision, DECIMAL(p,s) -> numeric(p,s), DATE / TIME / TIMESTAMP [WITH TIME ZONE]
/ INTERVAL / BOOLEAN / UUID as themselves, BLOB -> bytea, JSON -> jsonb, a list of scalars
(VARCHAR[]) -> a PostgreSQL array (text[]), and STRUCT / MAP / nested lists -> jsonb (their JSON
form; dbt does not read any today). An unknown type raises instead of guessing.

Privacy: the sources hold personal data (NIK, names, coordinates in quality.rumah_tangga_diterima,
original values in quality.karantina.nilai_asli). Only the staging models drop them, so the
PostgreSQL database that receives this copy must be restricted like the build DuckDB itself
(not the analysts' database).

Plain Python (duckdb + psycopg2, no Dagster), so it can be called from a Dagster asset, a script or
a test. The temporary CSV (personal data too) lives in a private temporary directory (`tmp_dir`
chooses where) and is deleted after each table:

    from orchestration.lib.postgres_load import load_dbt_sources
    load_dbt_sources("data/warehouse/p3jr.duckdb", {"host": ..., "dbname": ..., ...})
"""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

import duckdb
import yaml

from orchestration.lib.warehouse import open_duckdb

DBT_PROJECT_DIR = Path(__file__).resolve().parents[2] / "dbt_project"

# DuckDB type (as information_schema.columns.data_type spells it, upper case) -> PostgreSQL type.
_SCALAR_TYPES: dict[str, str] = {
    "VARCHAR": "text",
    "BOOLEAN": "boolean",
    "TINYINT": "smallint",
    "SMALLINT": "smallint",
    "INTEGER": "integer",
    "BIGINT": "bigint",
    "HUGEINT": "numeric(39,0)",
    "UTINYINT": "smallint",
    "USMALLINT": "integer",
    "UINTEGER": "bigint",
    "UBIGINT": "numeric(20,0)",
    "UHUGEINT": "numeric(39,0)",
    "VARINT": "numeric",
    "BIGNUM": "numeric",
    "FLOAT": "real",
    "DOUBLE": "double precision",
    "DATE": "date",
    "TIME": "time",
    "TIME WITH TIME ZONE": "time with time zone",
    "TIMESTAMP": "timestamp",
    "TIMESTAMP_S": "timestamp",
    "TIMESTAMP_MS": "timestamp",
    "TIMESTAMP_NS": "timestamp",
    "TIMESTAMP WITH TIME ZONE": "timestamp with time zone",
    "INTERVAL": "interval",
    "UUID": "uuid",
    "BLOB": "bytea",
    "JSON": "jsonb",
}
_DECIMAL = re.compile(r"^DECIMAL\((\d+),\s*(\d+)\)$")
_LIST = re.compile(r"^(.*)\[\d*\]$")  # VARCHAR[] (list) or INTEGER[3] (fixed-size array)


def _is_nested(duck_type: str) -> bool:
    return duck_type.startswith(("STRUCT", "MAP", "UNION"))


def pg_type(duck_type: str) -> str:
    """The PostgreSQL column type for a DuckDB column type."""
    t = duck_type.strip().upper()
    if t in _SCALAR_TYPES:
        return _SCALAR_TYPES[t]
    if m := _DECIMAL.match(t):
        return f"numeric({m[1]},{m[2]})"
    if t.startswith("ENUM("):
        return "text"
    if _is_nested(t):
        return "jsonb"
    if m := _LIST.match(t):
        element = m[1]
        if _LIST.match(element) or _is_nested(element):
            return "jsonb"  # nested lists / lists of structs: PostgreSQL arrays cannot hold them as such
        return pg_type(element) + "[]"
    raise ValueError(f"DuckDB type {duck_type!r} has no PostgreSQL mapping in postgres_load.pg_type")


def _quote_duck(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def export_expression(column: str, duck_type: str) -> str:
    """The DuckDB expression whose CSV text PostgreSQL's COPY reads back as `pg_type(duck_type)`."""
    col = _quote_duck(column)
    target = pg_type(duck_type)
    t = duck_type.strip().upper()
    if target == "jsonb":
        return col if t == "JSON" else f"cast(to_json({col}) as varchar)"
    if target == "bytea":
        return f"'\\x' || hex({col})"
    if target.endswith("[]"):
        # PostgreSQL array literal: {"a","b\"c",NULL}; every element quoted, \ and " escaped.
        element = (
            r"""case when e is null then 'NULL' else '"' || replace(replace(cast(e as varchar), '\', '\\'), """
            r"""'"', '\"') || '"' end"""
        )
        return (
            f"case when {col} is null then null "
            f"else '{{' || array_to_string(list_transform({col}, lambda e: {element}), ',') || '}}' end"
        )
    return col


@dataclass(frozen=True)
class Column:
    name: str
    duck_type: str

    @property
    def pg_type(self) -> str:
        return pg_type(self.duck_type)


def duckdb_columns(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> list[Column]:
    rows = con.execute(
        "select column_name, data_type from information_schema.columns "
        "where table_schema = ? and table_name = ? order by ordinal_position",
        [schema, table],
    ).fetchall()
    if not rows:
        raise LookupError(f"table {schema}.{table} not found in the DuckDB warehouse")
    return [Column(name, dtype) for name, dtype in rows]


def dbt_source_tables(project_dir: Path = DBT_PROJECT_DIR) -> list[tuple[str, str]]:
    """(schema, table) of every dbt source declared in the project's models/**/*.yml."""
    found: list[tuple[str, str]] = []
    for path in sorted((Path(project_dir) / "models").rglob("*.yml")):
        doc = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for source in doc.get("sources") or []:
            schema = source.get("schema") or source["name"]
            for table in source.get("tables") or []:
                key = (schema, table.get("identifier") or table["name"])
                if key not in found:
                    found.append(key)
    return found


def _connect_pg(pg):
    import psycopg2

    if isinstance(pg, str):
        return psycopg2.connect(pg), True
    if isinstance(pg, Mapping):
        return psycopg2.connect(**pg), True
    return pg, False


def load_tables(warehouse, pg, tables: Iterable[tuple[str, str]], *, tmp_dir: str | None = None) -> dict[str, int]:
    """Replace `tables` ((schema, table) pairs) in PostgreSQL with their copy from the DuckDB
    warehouse. `warehouse`: a DuckDB file path (opened read-only) or an open connection. `pg`: an
    open psycopg2 connection, a DSN string or psycopg2.connect keyword arguments. All tables are
    replaced in one transaction. Returns {"schema.table": rows copied}."""
    from psycopg2 import sql

    tables = list(tables)
    own_duck = not isinstance(warehouse, duckdb.DuckDBPyConnection)
    dcon = open_duckdb(Path(warehouse), read_only=True) if own_duck else warehouse
    pcon, own_pg = _connect_pg(pg)
    counts: dict[str, int] = {}
    try:
        with tempfile.TemporaryDirectory(prefix="p3jr-pgload-", dir=tmp_dir) as tmp, pcon.cursor() as cur:
            for schema, table in tables:
                columns = duckdb_columns(dcon, schema, table)
                csv_path = os.path.join(tmp, "tabel.csv")
                select = ", ".join(
                    f"{export_expression(c.name, c.duck_type)} as {_quote_duck(c.name)}" for c in columns
                )
                target = csv_path.replace("'", "''")
                dcon.execute(
                    f"copy (select {select} from {_quote_duck(schema)}.{_quote_duck(table)}) "
                    f"to '{target}' (format csv, header false, force_quote *)"
                )
                ident = sql.Identifier(schema, table)
                cur.execute(sql.SQL("create schema if not exists {}").format(sql.Identifier(schema)))
                cur.execute(sql.SQL("drop table if exists {}").format(ident))
                cur.execute(
                    sql.SQL("create table {} ({})").format(
                        ident,
                        sql.SQL(", ").join(
                            sql.SQL("{} {}").format(sql.Identifier(c.name), sql.SQL(c.pg_type)) for c in columns
                        ),
                    )
                )
                copy = sql.SQL("copy {} ({}) from stdin with (format csv, header false)").format(
                    ident, sql.SQL(", ").join(sql.Identifier(c.name) for c in columns)
                )
                with open(csv_path, encoding="utf-8") as fh:
                    cur.copy_expert(copy.as_string(pcon), fh)
                counts[f"{schema}.{table}"] = cur.rowcount
                cur.execute(sql.SQL("analyze {}").format(ident))
                os.unlink(csv_path)
        pcon.commit()
    except BaseException:
        pcon.rollback()
        raise
    finally:
        if own_pg:
            pcon.close()
        if own_duck:
            dcon.close()
    return counts


def load_dbt_sources(
    warehouse, pg, project_dir: Path = DBT_PROJECT_DIR, *, tmp_dir: str | None = None
) -> dict[str, int]:
    """Copy every table the dbt project reads as a source (see `dbt_source_tables`)."""
    return load_tables(warehouse, pg, dbt_source_tables(project_dir), tmp_dir=tmp_dir)
