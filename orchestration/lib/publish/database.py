"""Publish the marts for analysts: a fresh DuckDB file swapped in atomically, plus Parquet.

Why a separate file: DuckDB allows one read-write process *or* many read-only processes,
never both (docs/ARSITEKTUR.md, shared notes "stack traps" §1). Analysts must never hold the
warehouse, or the nightly run cannot write. So every publish builds a brand-new file next to
the published one, checks it (privacy), checkpoints and fsyncs it, and ``os.replace``-s it
over ``data/published/p3jr.duckdb``. On Linux the rename is atomic: a reader that already has
the old file open keeps reading the old inode (a consistent snapshot); a new connection
opens the new file. Nothing half-written ever appears under the final name.

Pure functions, no Dagster import: the Dagster assets call these and attach the returned
dict as metadata.
"""
from __future__ import annotations

import json
import logging
import os
import uuid
from collections.abc import Iterable, Sequence
from datetime import datetime
from pathlib import Path

import duckdb

from orchestration.settings import TIMEZONE_NAME, WITA

log = logging.getLogger(__name__)

PUBLISHED_SCHEMA = "marts"
# Analysts' types (issue 14): a DECIMAL reads as an `object` column in pandas, so every DECIMAL is
# published as DOUBLE (the marts already round to two decimals). A TIMESTAMP in the warehouse is
# WITA wall-clock time (project convention: file arrival, release and computation times); it is
# published as TIMESTAMPTZ, the instant, and the Parquet files carry the zone Asia/Makassar, so
# pandas reads datetime64[..., Asia/Makassar].
REFERENCE_SCHEMA = "referensi"
META_SCHEMA = "meta"

DEFAULT_REFERENCE_TABLES: tuple[tuple[str, str], ...] = (
    ("referensi", "kabupaten_kota_ntt"),
    ("referensi", "wilayah_ntt"),
    ("referensi", "target_pendataan"),
)

# Contract §6 (UU 27/2022): personal data never leaves the restricted layers. Column names
# that must never appear in anything analysts can open. `nik_hash` (keyed hash) is allowed.
PERSONAL_COLUMNS: frozenset[str] = frozenset(
    {
        "nik",
        "no_nik",
        "nomor_induk_kependudukan",
        "no_ktp",
        "nik_numerik",
        "no_kk",
        "nomor_kk",
        "no_kk_numerik",
        "nama_kepala_keluarga",
        "nama_kk",
        "nama_petugas",
        "latitude",
        "longitude",
        "lintang",
        "bujur",
        "koordinat",
        # free-form carriers of original cell values (may hold any of the above)
        "kolom_tambahan",
        "nilai_asli",
    }
)
ALLOWED_PSEUDONYMS: frozenset[str] = frozenset({"nik_hash"})

# A text value that is exactly 16 digits looks like a raw NIK / No. KK whatever the column is called.
_SIXTEEN_DIGITS = r"[0-9]{16}"


class PersonalDataError(ValueError):
    """A table about to be published carries personal data (contract §6)."""


class PublishError(RuntimeError):
    """Publishing failed; the previously published file is untouched."""


# --------------------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------------------
def _qi(name: str) -> str:
    """Quote an identifier."""
    return '"' + name.replace('"', '""') + '"'


def _ql(value: str) -> str:
    """Quote a string literal."""
    return "'" + str(value).replace("'", "''") + "'"


def _fsync_file(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_dir(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:  # pragma: no cover - platforms without directory fds
        return
    try:
        os.fsync(fd)
    except OSError:  # pragma: no cover
        pass
    finally:
        os.close(fd)


def _tmp_name(final: Path) -> Path:
    return final.with_name(f".{final.name}.tmp-{os.getpid()}-{uuid.uuid4().hex[:12]}")


def _remove_quietly(*paths: Path) -> None:
    for p in paths:
        for candidate in (p, p.with_name(p.name + ".wal")):
            try:
                candidate.unlink()
            except FileNotFoundError:
                pass
            except OSError as exc:  # pragma: no cover
                log.warning("tidak bisa menghapus file sementara %s: %s", candidate, exc)


# --------------------------------------------------------------------------------------
# privacy
# --------------------------------------------------------------------------------------
def find_personal_data(
    con: duckdb.DuckDBPyConnection, schema: str | Iterable[str], *, scan_values: bool = True
) -> list[str]:
    """Problems found in ``schema`` (one or several): personal column names, and, with
    ``scan_values``, text columns holding 16-digit values (a raw NIK / No. KK under another name)."""
    schemas = [schema] if isinstance(schema, str) else list(schema)
    if not schemas:
        return []
    placeholders = ", ".join("?" for _ in schemas)
    cols = con.execute(
        f"""
        SELECT c.schema_name, c.table_name, c.column_name, c.data_type
        FROM duckdb_columns() c
        WHERE c.database_name = current_database() AND c.schema_name IN ({placeholders})
        ORDER BY c.schema_name, c.table_name, c.column_index
        """,
        schemas,
    ).fetchall()
    problems: list[str] = []
    for sch, table, column, data_type in cols:
        lowered = column.lower()
        if lowered in ALLOWED_PSEUDONYMS:
            continue
        if lowered in PERSONAL_COLUMNS:
            problems.append(f"{sch}.{table}.{column}: kolom data pribadi")
            continue
        if scan_values and data_type.upper().startswith("VARCHAR"):
            hit = con.execute(
                f"SELECT count(*) FROM {_qi(sch)}.{_qi(table)} "
                f"WHERE regexp_full_match(trim({_qi(column)}), '{_SIXTEEN_DIGITS}')"
            ).fetchone()[0]
            if hit:
                problems.append(f"{sch}.{table}.{column}: {hit} nilai berbentuk NIK/No. KK (16 digit)")
    return problems


def assert_no_personal_data(
    con: duckdb.DuckDBPyConnection, schema: str | Iterable[str] = PUBLISHED_SCHEMA, *, scan_values: bool = True
) -> None:
    """Raise :class:`PersonalDataError` naming every offending ``schema.table.column``."""
    problems = find_personal_data(con, schema, scan_values=scan_values)
    if problems:
        raise PersonalDataError(
            "Data pribadi (UU 27/2022) tidak boleh diterbitkan: " + "; ".join(problems)
        )


# --------------------------------------------------------------------------------------
# dbt docs
# --------------------------------------------------------------------------------------
def _is_mart_node(node: dict, mart_schema: str) -> bool:
    if node.get("resource_type") != "model":
        return False
    config_schema = (node.get("config") or {}).get("schema")
    fqn = node.get("fqn") or []
    return (
        node.get("schema") == mart_schema
        or config_schema == mart_schema
        or str(node.get("schema", "")).endswith("_" + mart_schema)
        or mart_schema in fqn[1:-1]
    )


def load_mart_docs(manifest_json: Path, mart_schema: str = PUBLISHED_SCHEMA) -> dict[str, dict]:
    """``{table: {"description": str, "columns": {col: {"description", "data_type"}}}}`` for
    the mart models in a dbt ``manifest.json`` (descriptions come from the dbt YAML, never retyped)."""
    manifest = json.loads(Path(manifest_json).read_text(encoding="utf-8"))
    docs: dict[str, dict] = {}
    for node in (manifest.get("nodes") or {}).values():
        if not _is_mart_node(node, mart_schema):
            continue
        name = node.get("alias") or node.get("name")
        columns = {
            col_name: {
                "description": (col.get("description") or "").strip(),
                "data_type": col.get("data_type") or "",
                "label": column_label(col),
            }
            for col_name, col in (node.get("columns") or {}).items()
        }
        docs[name] = {
            "description": (node.get("description") or "").strip(),
            "columns": columns,
            "model": node.get("name"),
        }
    return dict(sorted(docs.items()))


def column_label(column: dict) -> str | None:
    """A column's short Indonesian label: ``config: {meta: {label: ...}}`` in the dbt YAML."""
    meta = {**(column.get("meta") or {}), **((column.get("config") or {}).get("meta") or {})}
    label = meta.get("label")
    return str(label).strip() if label else None


def _md_cell(text: str) -> str:
    return " ".join(str(text).split()).replace("|", "\\|")


def write_data_dictionary(
    manifest_json: Path, out_md: Path, *, published_db: Path | None = None, mart_schema: str = PUBLISHED_SCHEMA
) -> Path:
    """Generate ``docs/kamus_data.md`` from the dbt manifest (model + column descriptions of the marts).

    With ``published_db`` the column types and any column present in the published table but
    not documented in dbt are added (marked as undocumented), in table order."""
    docs = load_mart_docs(manifest_json, mart_schema)
    actual: dict[str, list[tuple[str, str]]] = {}
    if published_db is not None and Path(published_db).exists():
        con = duckdb.connect(str(published_db), read_only=True)
        try:
            for table, column, data_type in con.execute(
                "SELECT table_name, column_name, data_type FROM duckdb_columns() "
                "WHERE schema_name = ? ORDER BY table_name, column_index",
                [mart_schema],
            ).fetchall():
                actual.setdefault(table, []).append((column, data_type))
        finally:
            con.close()

    lines = [
        "# Kamus data — mart yang diterbitkan (schema `marts`)",
        "",
        "<!-- File ini DIHASILKAN otomatis oleh "
        "orchestration/lib/publish.py::write_data_dictionary dari "
        "dbt_project/target/manifest.json. Jangan diedit manual: ubah deskripsi di YAML dbt. -->",
        "",
        "Deskripsi berasal dari dokumentasi model dbt. Nama kolom adalah bagian dari kontrak "
        "(CONTRACT.md §7): kolom boleh bertambah, tidak akan diganti namanya.",
        "",
    ]
    tables = sorted(set(docs) | set(actual))
    if tables:
        lines.append("Tabel: " + ", ".join(f"[`{t}`](#{t})" for t in tables))
        lines.append("")
    for table in tables:
        info = docs.get(table, {"description": "", "columns": {}})
        lines += [f"## {table}", ""]
        lines += [info["description"] or "_(belum ada deskripsi di dbt)_", ""]
        lines += ["| kolom | tipe | deskripsi |", "|---|---|---|"]
        documented = info["columns"]
        order: list[tuple[str, str]] = []
        if table in actual:
            order = list(actual[table])
            seen = {c for c, _ in order}
            order += [(c, documented[c]["data_type"]) for c in documented if c not in seen]
        else:
            order = [(c, documented[c]["data_type"]) for c in documented]
        for column, data_type in order:
            col_doc = documented.get(column)
            desc = col_doc["description"] if col_doc and col_doc["description"] else "_(belum didokumentasikan)_"
            if col_doc and col_doc.get("label"):
                desc = f"**{col_doc['label']}.** {desc}"
            dtype = data_type or (col_doc or {}).get("data_type", "")
            lines.append(f"| `{column}` | {_md_cell(dtype)} | {_md_cell(desc)} |")
        lines.append("")
    out_md = Path(out_md)
    out_md.parent.mkdir(parents=True, exist_ok=True)
    tmp = _tmp_name(out_md)
    try:
        tmp.write_text("\n".join(lines), encoding="utf-8")
        os.replace(tmp, out_md)
    finally:
        _remove_quietly(tmp)
    return out_md


# --------------------------------------------------------------------------------------
# publish
# --------------------------------------------------------------------------------------
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
    descriptions: warehouse comments (dbt persist_docs), overridden by the dbt manifest."""
    target = f"{_qi(dst)}.{_qi(dst_schema)}.{_qi(name)}"
    con.execute(f"CREATE TABLE {target} AS SELECT {_analyst_select(con, src, src_schema, name)} "
                f"FROM {_qi(src)}.{_qi(src_schema)}.{_qi(name)}")
    comment = (docs or {}).get("description") or table_comment
    if comment:
        con.execute(f"COMMENT ON TABLE {target} IS {_ql(comment)}")
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
            con.execute(f"COMMENT ON COLUMN {target}.{_qi(column)} IS {_ql(text)}")


def _analyst_select(con: duckdb.DuckDBPyConnection, catalog: str, schema: str, name: str) -> str:
    """The select list that gives analysts' types: DECIMAL -> DOUBLE, TIMESTAMP (WITA) -> TIMESTAMPTZ."""
    parts = []
    for column, data_type in con.execute(
        "SELECT column_name, data_type FROM duckdb_columns() "
        "WHERE database_name = ? AND schema_name = ? AND table_name = ? ORDER BY column_index",
        [catalog, schema, name],
    ).fetchall():
        col = _qi(column)
        kind = data_type.upper()
        if kind.startswith("DECIMAL") or kind.startswith("NUMERIC"):
            parts.append(f"CAST({col} AS DOUBLE) AS {col}")
        elif kind in ("TIMESTAMP", "TIMESTAMP_S", "TIMESTAMP_MS", "TIMESTAMP_NS", "DATETIME"):
            parts.append(f"timezone({_ql(TIMEZONE_NAME)}, CAST({col} AS TIMESTAMP)) AS {col}")
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
    con.execute(f"CREATE SCHEMA {_qi(dst)}.{_qi(PUBLISHED_SCHEMA)}")
    for src_schema, name, comment in objects:
        _copy_table(con, src, src_schema, name, dst, PUBLISHED_SCHEMA, comment, docs.get(name))

    con.execute(f"CREATE SCHEMA {_qi(dst)}.{_qi(REFERENCE_SCHEMA)}")
    available = {(sch, n): c for sch, n, c in _source_objects(con, src, sorted({sch for sch, _ in reference_tables}))}
    copied, missing = [], []
    for src_schema, name in reference_tables:
        if (src_schema, name) not in available:
            missing.append(f"{src_schema}.{name}")
            continue
        _copy_table(con, src, src_schema, name, dst, REFERENCE_SCHEMA, available[(src_schema, name)], None)
        copied.append(name)
    return names, copied, missing


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
    tmp_db = _tmp_name(published_db)
    tmp_parquet: dict[str, tuple[Path, Path]] = {}  # table -> (tmp, final)
    row_counts: dict[str, int] = {}
    con: duckdb.DuckDBPyConnection | None = None

    try:
        # 1. copy ------------------------------------------------------------------------
        if warehouse_con is not None:
            alias = f"terbit_{uuid.uuid4().hex[:8]}"
            src = warehouse_con.execute("SELECT current_database()").fetchone()[0]
            try:
                warehouse_con.execute(f"ATTACH {_ql(str(tmp_db))} AS {_qi(alias)}")
            except duckdb.Error as exc:
                raise PublishError(
                    "warehouse_con harus koneksi read-write (instance read-only tidak bisa membuat file baru); "
                    "atau tutup koneksi dan panggil tanpa warehouse_con"
                ) from exc
            try:
                marts, refs, missing_reference = _copy_into(
                    warehouse_con, src, alias, schemas, reference_tables, docs
                )
                warehouse_con.execute(f"CHECKPOINT {_qi(alias)}")
            finally:
                warehouse_con.execute(f"DETACH {_qi(alias)}")
        else:
            con = duckdb.connect(str(tmp_db))
            try:
                con.execute(f"ATTACH {_ql(str(warehouse_path))} AS wh (READ_ONLY)")
            except duckdb.Error as exc:
                if "file handle conflict" in str(exc).lower():
                    raise PublishError(
                        "warehouse sudah terbuka di proses ini; berikan koneksinya lewat warehouse_con"
                    ) from exc
                raise
            dst = con.execute("SELECT current_database()").fetchone()[0]
            try:
                marts, refs, missing_reference = _copy_into(con, "wh", dst, schemas, reference_tables, docs)
            finally:
                con.execute("DETACH wh")
            con.close()
            con = None
        if missing_reference:
            if require_reference:
                raise PublishError(f"tabel referensi tidak ada di warehouse: {missing_reference}")
            log.warning("tabel referensi tidak ada di warehouse (dilewati): %s", missing_reference)

        # 2. check and finish the new file (warehouse no longer involved) -------------------
        con = duckdb.connect(str(tmp_db))
        # privacy: names in marts + referensi; values in marts (reference is public by nature)
        assert_no_personal_data(con, PUBLISHED_SCHEMA, scan_values=True)
        assert_no_personal_data(con, REFERENCE_SCHEMA, scan_values=False)

        for schema_name, name in [(PUBLISHED_SCHEMA, n) for n in marts] + [(REFERENCE_SCHEMA, n) for n in refs]:
            row_counts[f"{schema_name}.{name}"] = con.execute(
                f"SELECT count(*) FROM {_qi(schema_name)}.{_qi(name)}"
            ).fetchone()[0]

        con.execute(f"CREATE SCHEMA {_qi(META_SCHEMA)}")
        con.execute(
            f"CREATE TABLE {_qi(META_SCHEMA)}.publikasi "
            "(tabel VARCHAR, jumlah_baris BIGINT, diterbitkan_pada TIMESTAMPTZ, zona_waktu VARCHAR)"
        )
        con.executemany(
            f"INSERT INTO {_qi(META_SCHEMA)}.publikasi VALUES (?, ?, ?, ?)",
            [(t, n, published_at, f"{TIMEZONE_NAME} (WITA, UTC+8)") for t, n in row_counts.items()],
        )
        comment = ("Waktu terbit dan jumlah baris setiap tabel dalam file ini. diterbitkan_pada adalah "
                   f"TIMESTAMPTZ; tampilkan dalam WITA dengan SET TimeZone = '{TIMEZONE_NAME}'")
        con.execute(f"COMMENT ON TABLE {_qi(META_SCHEMA)}.publikasi IS {_ql(comment)}")

        for name in marts:
            final = parquet_dir / f"{name}.parquet"
            tmp = _tmp_name(final)
            tmp_parquet[name] = (tmp, final)
            _write_parquet(con, f"{_qi(PUBLISHED_SCHEMA)}.{_qi(name)}", tmp)
        con.execute("CHECKPOINT")
        con.close()
        con = None
        if tmp_db.with_name(tmp_db.name + ".wal").exists():
            raise PublishError("file sementara masih punya WAL setelah CHECKPOINT")
        _fsync_file(tmp_db)
        for tmp, _ in tmp_parquet.values():
            _fsync_file(tmp)
    except BaseException:
        if con is not None:
            try:
                con.close()
            except Exception:  # pragma: no cover
                pass
        _remove_quietly(tmp_db, *(t for t, _ in tmp_parquet.values()))
        raise

    # 3. swap. A stale WAL beside the final name (someone opened it read-write and crashed)
    # would be replayed against the NEW file; remove it first.
    try:
        stale_wal = published_db.with_name(published_db.name + ".wal")
        if stale_wal.exists():
            log.warning("menghapus WAL usang %s", stale_wal)
            stale_wal.unlink()
        os.replace(tmp_db, published_db)
        _fsync_dir(published_db.parent)
        for tmp, final in tmp_parquet.values():
            os.replace(tmp, final)
        _fsync_dir(parquet_dir)
    except BaseException:
        _remove_quietly(tmp_db, *(t for t, _ in tmp_parquet.values()))
        raise

    current = {final.name for _, final in tmp_parquet.values()}
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
        "parquet": {name: str(final) for name, (_, final) in tmp_parquet.items()},
        "parquet_dihapus": removed,
        "referensi_tidak_ada": missing_reference,
    }
