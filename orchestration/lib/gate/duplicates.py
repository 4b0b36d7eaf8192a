"""Province-wide NIK deduplication of the rows that pass every other rule (contract: one household per NIK).

The contest's losers are kept as keys (``LOSER_KEYS``), not by rewriting the evaluated rows: the
released rows stay as the gate wrote them, and the accepted rows are those rows without a reason and
without a lost contest (``outcomes.accepted_sql``). At province scale that spares copying 1.3 M rows
to mark a few thousand."""

from __future__ import annotations

import duckdb

from orchestration.lib.gate.compiler import STRUCT_ALASAN

# A row's identity in the evaluated tables (its provenance; ``sheet`` is NULL for csv files).
LOSER_KEYS = ("kode_kabupaten", "file_hash", "sheet", "baris")
DUPLICATE_REASON = "{'kode': 'duplikat_nik', 'kolom': 'nik'}"


def key_match(left: str, right: str) -> str:
    """SQL: rows ``left`` and ``right`` (aliases) are the same evaluated row."""
    return " AND ".join(
        f"{left}.{k} IS NOT DISTINCT FROM {right}.{k}" if k == "sheet" else f"{left}.{k} = {right}.{k}"
        for k in LOSER_KEYS
    )


def duplicate_losers(con: duckdb.DuckDBPyConnection, evaluated: str, file_times: str, target: str) -> None:
    """TEMP table ``target``: the keys of the rows of ``evaluated`` that lose a NIK contest (rows that pass
    every other rule compete, one winner per NIK).

    Winner: latest ``tanggal_pendataan`` (NULL oldest), then later ``waktu_file`` (NULL oldest), then
    greater ``file_hash``, then greater ``baris`` (then ``sheet``, ``kode_kabupaten`` so the order is
    total)."""
    keys = ", ".join(LOSER_KEYS)
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE {target} AS
        WITH ganda AS (SELECT nik FROM {evaluated} WHERE len(alasan) = 0 AND nik IS NOT NULL
                       GROUP BY nik HAVING count(*) > 1),
        ft AS (SELECT file_hash, max(waktu_file) AS waktu_file FROM {file_times} GROUP BY file_hash),
        kandidat AS (
            SELECT {", ".join(f"e.{k}" for k in LOSER_KEYS)},
                   row_number() OVER (
                       PARTITION BY e.nik
                       ORDER BY e.tanggal_pendataan DESC NULLS LAST, ft.waktu_file DESC NULLS LAST,
                                e.file_hash DESC NULLS LAST, e.baris DESC NULLS LAST,
                                e.sheet DESC NULLS LAST, e.kode_kabupaten DESC NULLS LAST
                   ) AS urut
            FROM {evaluated} e SEMI JOIN ganda g ON g.nik = e.nik
            LEFT JOIN ft ON ft.file_hash = e.file_hash
            WHERE len(e.alasan) = 0
        )
        SELECT {keys} FROM kandidat WHERE urut > 1""")


def with_duplicates(evaluated: str, losers: str) -> str:
    """SQL relation: the rows of ``evaluated`` with ``duplikat_nik`` added to the reasons of the losers."""
    return f"""(SELECT e.* REPLACE (CASE WHEN k.baris IS NULL THEN e.alasan
                ELSE CAST(list_sort(list_append(e.alasan, {DUPLICATE_REASON})) AS {STRUCT_ALASAN}) END AS alasan)
            FROM {evaluated} e LEFT JOIN {losers} k ON {key_match("k", "e")})"""
