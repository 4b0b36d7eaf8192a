"""Outcome tables of evaluated rows: accepted, quarantine (reasons + Indonesian messages), warnings."""

from __future__ import annotations

import duckdb

from orchestration.lib.gate.compiler import PROVENANCE, output_columns
from orchestration.lib.gate.duplicates import key_match
from orchestration.lib.warehouse import quote_literal as _q
from sources import contract

# Held submissions: the same outcome, in their own tables (never read by dbt).
HELD_PREFIX = "kiriman_ditahan_"  # quality.kiriman_ditahan_<jenis>: evaluated rows of held current files
HELD_QUARANTINE = "quality.karantina_kiriman_ditahan"
HELD_WARNINGS = "quality.peringatan_kiriman_ditahan"


_PROV_DDL = "kode_kabupaten VARCHAR, file_hash VARCHAR, nama_file VARCHAR, sheet VARCHAR, baris BIGINT"


def _ensure_outcome_tables(
    con: duckdb.DuckDBPyConnection, quarantine: str = "quality.karantina", warnings: str = "quality.peringatan"
) -> None:
    con.execute("CREATE SCHEMA IF NOT EXISTS quality")
    con.execute(f"""CREATE TABLE IF NOT EXISTS {quarantine} (
        jenis VARCHAR, {_PROV_DDL}, alasan VARCHAR[], kolom VARCHAR[], pesan VARCHAR, nilai_asli JSON)""")
    con.execute(f"""CREATE TABLE IF NOT EXISTS {warnings} (
        jenis VARCHAR, {_PROV_DDL}, kode VARCHAR, kolom VARCHAR, pesan VARCHAR)""")


def _pesan_sql(kind: str, alias: str) -> str:
    """Indonesian message of one reason struct ``alias`` ({kolom}/{min}/{max} substituted)."""
    return (
        f"replace(replace(replace(_al.pesan, '{{kolom}}', coalesce({alias}.kolom, '')), "
        f"'{{min}}', coalesce(_ko.min_teks, '')), '{{max}}', coalesce(_ko.max_teks, ''))"
    )


def accepted_sql(kind: str, released: str, losers: str | None = None) -> str:
    """SELECT of the accepted rows of ``released`` (evaluated rows): no reason, and (households) not a
    loser of a NIK contest (``losers``: a table of ``duplicates.LOSER_KEYS``)."""
    # ANTI JOIN, not NOT EXISTS: DuckDB plans the latter as a delim join, 8 x slower over 1.3 M rows
    lost = f" ANTI JOIN {losers} k ON {key_match('k', 'r')}" if losers else ""
    cols = ", ".join(f"r.{c}" for c in output_columns(kind))
    return f"SELECT {cols} FROM {released} r{lost} WHERE len(r.alasan) = 0"


def write_outcomes(
    con: duckdb.DuckDBPyConnection,
    kind: str,
    evaluated: str,
    *,
    accepted: str | None = None,
    quarantine: str = "quality.karantina",
    warnings: str = "quality.peringatan",
    only: str | None = None,
) -> dict:
    """This kind's quarantine and warning rows of ``evaluated`` (a relation whose reasons include every
    reason, a lost NIK contest too: ``duplicates.with_duplicates``); returns the counts.

    ``accepted``: the relation of the kind's accepted rows, to count them (default: the rows of
    ``evaluated`` without a reason). The same outcome for held submissions goes to other tables, so the
    marts never see them. ``only`` (a table of district codes, column ``kode``): re-decide only those
    districts' rows and the rows of ``evaluated`` (by provenance); every other row keeps its outcome.
    Several statements: the caller wraps them in ``warehouse.transaction`` (DuckDB transactions do not
    nest)."""
    if kind not in contract.KINDS:
        raise ValueError(f"jenis tidak dikenal: {kind}")
    prov = ", ".join(PROVENANCE)
    j = _q(kind)
    _ensure_outcome_tables(con, quarantine, warnings)
    if only is None:
        con.execute(f"DELETE FROM {quarantine} WHERE jenis = {j}")
        con.execute(f"DELETE FROM {warnings} WHERE jenis = {j}")
    else:
        for table in (quarantine, warnings):
            con.execute(f"DELETE FROM {table} t WHERE kode_kabupaten IN (SELECT kode FROM {only}) AND t.jenis = {j}")
            con.execute(f"""DELETE FROM {table} t USING {evaluated} e
                WHERE t.kode_kabupaten = e.kode_kabupaten AND t.file_hash = e.file_hash
                  AND t.sheet IS NOT DISTINCT FROM e.sheet AND t.baris = e.baris AND t.jenis = {j}""")
    con.execute(f"""INSERT INTO {quarantine} BY NAME
        WITH q AS (SELECT row_number() OVER () AS _id, * FROM {evaluated} WHERE len(alasan) > 0),
        u AS (SELECT _id, unnest(alasan) AS a, generate_subscripts(alasan, 1) AS i FROM q),
        m AS (SELECT u._id, string_agg({_pesan_sql(kind, "u.a")}, '; ' ORDER BY u.i) AS pesan
              FROM u JOIN lookup_alasan _al ON _al.kode = u.a.kode
              LEFT JOIN lookup_kolom _ko ON _ko.jenis = {j} AND _ko.kolom = u.a.kolom
              GROUP BY u._id)
        SELECT {j} AS jenis, {prov},
               list_transform(q.alasan, lambda x: x.kode) AS alasan,
               list_transform(q.alasan, lambda x: x.kolom) AS kolom,
               m.pesan, CAST(q.nilai_asli AS JSON) AS nilai_asli
        FROM q JOIN m USING (_id)
        ORDER BY {prov}""")
    con.execute(f"""INSERT INTO {warnings} BY NAME
        WITH u AS (SELECT {prov}, unnest(peringatan) AS a FROM {evaluated}
                   WHERE len(alasan) = 0 AND len(peringatan) > 0)
        SELECT {j} AS jenis, {prov}, u.a.kode AS kode, u.a.kolom AS kolom, {_pesan_sql(kind, "u.a")} AS pesan
        FROM u JOIN lookup_alasan _al ON _al.kode = u.a.kode
        LEFT JOIN lookup_kolom _ko ON _ko.jenis = {j} AND _ko.kolom = u.a.kolom
        ORDER BY {prov}, kode, kolom""")
    # Totals of the tables, so they hold whether every row or only some were re-decided (``only``):
    # rows read = accepted + quarantined.
    diterima, karantina, peringatan = con.execute(f"""SELECT
            (SELECT count(*) FROM {accepted or f"{evaluated} WHERE len(alasan) = 0"}),
            (SELECT count(*) FROM {quarantine} WHERE jenis = {j}),
            (SELECT count(*) FROM {warnings} WHERE jenis = {j})""").fetchone()
    return {"dibaca": diterima + karantina, "diterima": diterima, "karantina": karantina, "peringatan": peringatan}


def reason_counts(con: duckdb.DuckDBPyConnection, evaluated: str) -> dict[str, int]:
    """Quarantine reason code → number of rows carrying it (a row may count under several codes)."""
    rows = con.execute(f"""SELECT a.kode, count(DISTINCT (kode_kabupaten, file_hash, sheet, baris))
        FROM (SELECT kode_kabupaten, file_hash, sheet, baris, unnest(alasan) AS a FROM {evaluated})
        GROUP BY 1 ORDER BY 1""").fetchall()
    return {k: n for k, n in rows}
