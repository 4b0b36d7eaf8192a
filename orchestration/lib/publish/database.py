"""Publish the marts for analysts: a fresh DuckDB file swapped in atomically, plus Parquet.

Why a separate file: DuckDB allows one read-write process *or* many read-only processes,
never both (docs/ARSITEKTUR.md, shared notes "stack traps" §1). Analysts must never hold the
warehouse, or the nightly run cannot write. So every publish builds a brand-new file next to
the published one, checks it (privacy), checkpoints and fsyncs it, and renames it over
``data/published/p3jr.duckdb`` (files.atomic_target). On Linux the rename is atomic: a reader that
already has the old file open keeps reading the old inode (a consistent snapshot); a new
connection opens the new file. Nothing half-written ever appears under the final name.

Analysts' types (issue 14): a DECIMAL reads as an `object` column in pandas, so every DECIMAL is
published as DOUBLE (the marts already round to two decimals). A TIMESTAMP in the warehouse is
WITA wall-clock time (project convention: file arrival, release and computation times); it is
published as TIMESTAMPTZ, the instant, and the Parquet files carry the zone Asia/Makassar, so
pandas reads datetime64[..., Asia/Makassar].

Files are 0640 (GROUP_FILE_MODE): the deployment gives `published/` to the analysts' group
(deploy/README.md) and nobody else reads them.
"""

from __future__ import annotations

import contextlib
import logging
import uuid
from collections.abc import Iterable, Sequence
from datetime import datetime
from pathlib import Path

import duckdb

from orchestration.lib.files import GROUP_FILE_MODE, atomic_target
from orchestration.lib.publish.data_dictionary import load_mart_docs
from orchestration.lib.publish.privacy import PUBLISHED_SCHEMA, assert_no_personal_data
from orchestration.lib.warehouse import quote_ident, quote_literal
from orchestration.settings import TIMEZONE_NAME, WITA

log = logging.getLogger(__name__)

REFERENCE_SCHEMA = "referensi"
META_SCHEMA = "meta"
PUBLISHED_FILE_MODE = GROUP_FILE_MODE

DEFAULT_REFERENCE_TABLES: tuple[tuple[str, str], ...] = (
    ("referensi", "kabupaten_kota_ntt"),
    ("referensi", "wilayah_ntt"),
    ("referensi", "target_pendataan"),
)


class PublishError(RuntimeError):
    """Publishing failed; the previously published file is untouched."""


def _source_objects(
    con: duckdb.DuckDBPyConnection, catalog: str, schemas: Sequence[str]
) -> list[tuple[str, str, str | None]]:
    """(schema, name, comment) of every table and view in ``catalog`` under ``schemas``."""
    if not schemas:
        return []
    ph = ", ".join("?" for _ in schemas)
    return con.execute(
        f"""
        SELECT schema_name, table_name AS name, comment FROM duckdb_tables()
        WHERE database_name = ? AND schema_name IN ({ph})
        UNION ALL
        SELECT schema_name, view_name, comment FROM duckdb_views()
        WHERE database_name = ? AND schema_name IN ({ph}) AND NOT internal
        ORDER BY 1, 2
        """,
        [catalog, *schemas, catalog, *schemas],
    ).fetchall()


def _copy_table(
    con: duckdb.DuckDBPyConnection,
    src: str,
    src_schema: str,
    name: str,
    dst: str,
    dst_schema: str,
    table_comment: str | None,
    docs: dict | None,
) -> None:
    """CREATE TABLE dst.dst_schema.name AS SELECT * FROM src.src_schema.name, and carry the
    descriptions: the dbt manifest's, else a comment the warehouse table carries (none from dbt: no persist_docs)."""
    target = f"{quote_ident(dst)}.{quote_ident(dst_schema)}.{quote_ident(name)}"
    con.execute(
        f"CREATE TABLE {target} AS SELECT {_analyst_select(con, src, src_schema, name)} "
        f"FROM {quote_ident(src)}.{quote_ident(src_schema)}.{quote_ident(name)}"
    )
    comment = (docs or {}).get("description") or table_comment
    if comment:
        con.execute(f"COMMENT ON TABLE {target} IS {quote_literal(comment)}")
    src_cols = dict(
        con.execute(
            "SELECT column_name, comment FROM duckdb_columns() "
            "WHERE database_name = ? AND schema_name = ? AND table_name = ?",
            [src, src_schema, name],
        ).fetchall()
    )
    doc_cols = (docs or {}).get("columns", {})
    for (column,) in con.execute(
        "SELECT column_name FROM duckdb_columns() WHERE database_name = ? AND schema_name = ? AND table_name = ?",
        [dst, dst_schema, name],
    ).fetchall():
        text = (doc_cols.get(column) or {}).get("description") or src_cols.get(column)
        if text:
            con.execute(f"COMMENT ON COLUMN {target}.{quote_ident(column)} IS {quote_literal(text)}")


def _analyst_select(con: duckdb.DuckDBPyConnection, catalog: str, schema: str, name: str) -> str:
    """The select list that gives analysts' types: DECIMAL -> DOUBLE, TIMESTAMP (WITA) -> TIMESTAMPTZ."""
    parts = []
    for column, data_type in con.execute(
        "SELECT column_name, data_type FROM duckdb_columns() "
        "WHERE database_name = ? AND schema_name = ? AND table_name = ? ORDER BY column_index",
        [catalog, schema, name],
    ).fetchall():
        col = quote_ident(column)
        kind = data_type.upper()
        if kind.startswith("DECIMAL") or kind.startswith("NUMERIC"):
            parts.append(f"CAST({col} AS DOUBLE) AS {col}")
        elif kind in ("TIMESTAMP", "TIMESTAMP_S", "TIMESTAMP_MS", "TIMESTAMP_NS", "DATETIME"):
            parts.append(f"timezone({quote_literal(TIMEZONE_NAME)}, CAST({col} AS TIMESTAMP)) AS {col}")
        else:
            parts.append(col)
    return ", ".join(parts) if parts else "*"


def _write_parquet(con: duckdb.DuckDBPyConnection, table: str, path: Path) -> None:
    """One table to Parquet (zstd). Timestamps with a zone carry Asia/Makassar in the Arrow schema,
    so pandas shows WITA times instead of UTC. A DATE is written as a midnight timestamp (no zone):
    pandas reads a Parquet date as an `object` column, a timestamp as datetime64."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    arrow = con.execute(f"SELECT * FROM {table}").to_arrow_table()
    fields = []
    for field in arrow.schema:
        if pa.types.is_timestamp(field.type) and field.type.tz is not None:
            field = field.with_type(pa.timestamp(field.type.unit, tz=TIMEZONE_NAME))
        elif pa.types.is_date(field.type):
            field = field.with_type(pa.timestamp("ms"))
        fields.append(field)
    arrow = arrow.cast(pa.schema(fields, metadata=arrow.schema.metadata))
    pq.write_table(arrow, str(path), compression="zstd")


def _copy_into(
    con: duckdb.DuckDBPyConnection,
    src: str,
    dst: str,
    schemas: Sequence[str],
    reference_tables: Sequence[tuple[str, str]],
    docs: dict,
) -> tuple[list[str], list[str], list[str]]:
    """Copy marts and reference tables from catalog ``src`` into catalog ``dst`` on ``con``.
    Returns (mart names, reference names copied, reference tables missing)."""
    objects = _source_objects(con, src, list(schemas))
    if not objects:
        raise PublishError(f"tidak ada tabel di schema {list(schemas)} pada warehouse")
    names = [name for _, name, _ in objects]
    dupes = sorted({n for n in names if names.count(n) > 1})
    if dupes:
        raise PublishError(f"nama tabel ganda antar schema: {dupes}")
    con.execute(f"CREATE SCHEMA {quote_ident(dst)}.{quote_ident(PUBLISHED_SCHEMA)}")
    for src_schema, name, comment in objects:
        _copy_table(con, src, src_schema, name, dst, PUBLISHED_SCHEMA, comment, docs.get(name))

    con.execute(f"CREATE SCHEMA {quote_ident(dst)}.{quote_ident(REFERENCE_SCHEMA)}")
    available = {(sch, n): c for sch, n, c in _source_objects(con, src, sorted({sch for sch, _ in reference_tables}))}
    copied, missing = [], []
    for src_schema, name in reference_tables:
        if (src_schema, name) not in available:
            missing.append(f"{src_schema}.{name}")
            continue
        _copy_table(con, src, src_schema, name, dst, REFERENCE_SCHEMA, available[(src_schema, name)], None)
        copied.append(name)
    return names, copied, missing


def _copy(
    warehouse_path: Path,
    warehouse_con: duckdb.DuckDBPyConnection | None,
    tmp_db: Path,
    schemas: Sequence[str],
    reference_tables: Sequence[tuple[str, str]],
    docs: dict,
) -> tuple[list[str], list[str], list[str]]:
    """Copy the marts and reference tables into the new file ``tmp_db`` (see publish_database for
    the two ways of reaching the warehouse)."""
    if warehouse_con is not None:
        alias = f"terbit_{uuid.uuid4().hex[:8]}"
        src = warehouse_con.execute("SELECT current_database()").fetchone()[0]
        try:
            warehouse_con.execute(f"ATTACH {quote_literal(str(tmp_db))} AS {quote_ident(alias)}")
        except duckdb.Error as exc:
            raise PublishError(
                "warehouse_con harus koneksi read-write (instance read-only tidak bisa membuat file baru); "
                "atau tutup koneksi dan panggil tanpa warehouse_con"
            ) from exc
        try:
            copied = _copy_into(warehouse_con, src, alias, schemas, reference_tables, docs)
            warehouse_con.execute(f"CHECKPOINT {quote_ident(alias)}")
        finally:
            warehouse_con.execute(f"DETACH {quote_ident(alias)}")
        return copied
    con = duckdb.connect(str(tmp_db))
    try:
        try:
            con.execute(f"ATTACH {quote_literal(str(warehouse_path))} AS wh (READ_ONLY)")
        except duckdb.Error as exc:
            if "file handle conflict" in str(exc).lower():
                raise PublishError(
                    "warehouse sudah terbuka di proses ini; berikan koneksinya lewat warehouse_con"
                ) from exc
            raise
        dst = con.execute("SELECT current_database()").fetchone()[0]
        try:
            return _copy_into(con, "wh", dst, schemas, reference_tables, docs)
        finally:
            con.execute("DETACH wh")
    finally:
        con.close()


def _write_meta(con: duckdb.DuckDBPyConnection, row_counts: dict[str, int], published_at: datetime) -> None:
    """``meta.publikasi``: when each table was published and its row count."""
    con.execute(f"CREATE SCHEMA {quote_ident(META_SCHEMA)}")
    con.execute(
        f"CREATE TABLE {quote_ident(META_SCHEMA)}.publikasi "
        "(tabel VARCHAR, jumlah_baris BIGINT, diterbitkan_pada TIMESTAMPTZ, zona_waktu VARCHAR)"
    )
    con.executemany(
        f"INSERT INTO {quote_ident(META_SCHEMA)}.publikasi VALUES (?, ?, ?, ?)",
        [(t, n, published_at, f"{TIMEZONE_NAME} (WITA, UTC+8)") for t, n in row_counts.items()],
    )
    comment = (
        "Waktu terbit dan jumlah baris setiap tabel dalam file ini. diterbitkan_pada adalah "
        f"TIMESTAMPTZ; tampilkan dalam WITA dengan SET TimeZone = '{TIMEZONE_NAME}'"
    )
    con.execute(f"COMMENT ON TABLE {quote_ident(META_SCHEMA)}.publikasi IS {quote_literal(comment)}")


def publish_database(
    warehouse_path: Path,
    published_db: Path,
    *,
    schemas: Sequence[str] = (PUBLISHED_SCHEMA,),
    reference_tables: Iterable[tuple[str, str]] = DEFAULT_REFERENCE_TABLES,
    parquet_dir: Path | None = None,
    manifest_json: Path | None = None,
    require_reference: bool = False,
    warehouse_con: duckdb.DuckDBPyConnection | None = None,
) -> dict:
    """Copy the marts (and reference tables) from the warehouse into a fresh file and swap it in.

    - every table/view of ``schemas`` becomes a TABLE in schema ``marts`` of the new file;
    - ``reference_tables`` ``(schema, table)`` are copied into schema ``referensi``
      (a missing one is skipped and listed under ``referensi_tidak_ada``, unless ``require_reference``);
    - a ``meta.publikasi`` table records when each table was published and its row count;
    - the privacy assertion runs on the new file before anything is swapped in;
    - each mart is also exported to ``<parquet_dir>/<table>.parquet``
      (default ``<published_db dir>/parquet``), temp-then-rename, stale ``.parquet`` files removed.

    Warehouse access: by default the warehouse file is ATTACHed READ_ONLY from the new file and
    detached before returning. If the caller already holds an open connection to the warehouse
    in this process (e.g. under the writer lock), pass it as ``warehouse_con``: DuckDB refuses a
    second instance of the same file in one process ("Unique file handle conflict"), so the new
    file is then ATTACHed to that connection instead and detached again (the connection is not
    closed). On any error the temp files are removed, the previously published files are
    untouched, and :class:`PublishError` (or :class:`PersonalDataError`) is raised.
    """
    warehouse_path = Path(warehouse_path).resolve()
    published_db = Path(published_db).resolve()
    if warehouse_con is None and not warehouse_path.exists():
        raise PublishError(f"warehouse tidak ditemukan: {warehouse_path}")
    reference_tables = list(reference_tables)
    parquet_dir = Path(parquet_dir).resolve() if parquet_dir else published_db.parent / "parquet"
    published_db.parent.mkdir(parents=True, exist_ok=True)
    parquet_dir.mkdir(parents=True, exist_ok=True)

    docs = load_mart_docs(manifest_json) if manifest_json and Path(manifest_json).exists() else {}
    published_at = datetime.now(WITA).replace(microsecond=0)
    row_counts: dict[str, int] = {}
    parquet_files: dict[str, Path] = {}
    # Every new file is written under a temporary name; leaving the block renames them all over the
    # published ones (Parquet first, the database last), or, on any error, removes them all.
    with contextlib.ExitStack() as stack:
        tmp_db = stack.enter_context(atomic_target(published_db, PUBLISHED_FILE_MODE))
        tmp_db.unlink()  # DuckDB creates the file itself (it refuses an empty one)
        stack.callback(tmp_db.with_name(tmp_db.name + ".wal").unlink, missing_ok=True)
        marts, refs, missing_reference = _copy(warehouse_path, warehouse_con, tmp_db, schemas, reference_tables, docs)
        if missing_reference:
            if require_reference:
                raise PublishError(f"tabel referensi tidak ada di warehouse: {missing_reference}")
            log.warning("tabel referensi tidak ada di warehouse (dilewati): %s", missing_reference)

        # check and finish the new file (warehouse no longer involved)
        con = duckdb.connect(str(tmp_db))
        try:
            # privacy: names in marts + referensi; values in marts (reference is public by nature)
            assert_no_personal_data(con, PUBLISHED_SCHEMA, scan_values=True)
            assert_no_personal_data(con, REFERENCE_SCHEMA, scan_values=False)
            for schema_name, name in [(PUBLISHED_SCHEMA, n) for n in marts] + [(REFERENCE_SCHEMA, n) for n in refs]:
                row_counts[f"{schema_name}.{name}"] = con.execute(
                    f"SELECT count(*) FROM {quote_ident(schema_name)}.{quote_ident(name)}"
                ).fetchone()[0]
            _write_meta(con, row_counts, published_at)
            for name in marts:
                final = parquet_dir / f"{name}.parquet"
                parquet_files[name] = final
                tmp = stack.enter_context(atomic_target(final, PUBLISHED_FILE_MODE))
                _write_parquet(con, f"{quote_ident(PUBLISHED_SCHEMA)}.{quote_ident(name)}", tmp)
            con.execute("CHECKPOINT")
        finally:
            con.close()
        if tmp_db.with_name(tmp_db.name + ".wal").exists():
            raise PublishError("file sementara masih punya WAL setelah CHECKPOINT")
        # A stale WAL beside the final name (someone opened it read-write and crashed) would be
        # replayed against the NEW file; remove it before the swap.
        stale_wal = published_db.with_name(published_db.name + ".wal")
        if stale_wal.exists():
            log.warning("menghapus WAL usang %s", stale_wal)
            stale_wal.unlink()

    current = {final.name for final in parquet_files.values()}
    removed = []
    for stale in parquet_dir.glob("*.parquet"):
        if stale.name not in current:
            stale.unlink(missing_ok=True)
            removed.append(stale.name)

    return {
        "path": str(published_db),
        "ukuran_bytes": published_db.stat().st_size,
        "diterbitkan_pada": published_at.isoformat(),
        "tabel": row_counts,
        "tables": row_counts,  # alias (English key) for callers' metadata
        "jumlah_tabel_mart": len(marts),
        "parquet": {name: str(final) for name, final in parquet_files.items()},
        "parquet_dihapus": removed,
        "referensi_tidak_ada": missing_reference,
    }
