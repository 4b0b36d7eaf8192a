"""Province-wide NIK deduplication of the rows that pass every other rule (contract: one household per NIK)."""

from __future__ import annotations

import duckdb

from orchestration.lib.gate.compiler import STRUCT_ALASAN


def resolve_duplicates(con: duckdb.DuckDBPyConnection, evaluated: str, file_times: str) -> None:
    """One household per NIK province-wide (rows that pass every other rule compete).

    Winner: latest ``tanggal_pendataan`` (NULL oldest), then later ``waktu_file`` (NULL oldest), then
    greater ``file_hash``, then greater ``baris`` (then ``sheet``, ``kode_kabupaten`` so the order is
    total). Losers get ``duplikat_nik`` appended to ``alasan`` (UPDATE in place; only losers change).
    """
    dup = "{'kode': 'duplikat_nik', 'kolom': 'nik'}"
    con.execute(f"""
        WITH ganda AS (SELECT nik FROM {evaluated} WHERE len(alasan) = 0 AND nik IS NOT NULL
                       GROUP BY nik HAVING count(*) > 1),
        ft AS (SELECT file_hash, max(waktu_file) AS waktu_file FROM {file_times} GROUP BY file_hash),
        kandidat AS (
            SELECT e.rowid AS rid,
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
        UPDATE {evaluated} SET alasan = CAST(list_sort(list_append(alasan, {dup})) AS {STRUCT_ALASAN})
        WHERE rowid IN (SELECT rid FROM kandidat WHERE urut > 1)
    """)
