"""Province-wide step: NIK dedup of the released rows, outcome tables, reconciliation.

The accepted rows are views (``quality.<jenis>_diterima``): the released rows (``quality.rilis_*``)
without a reason and not a NIK contest's loser (``LOSERS``). Only the losers, the quarantine and the
warnings are written, so a full night does not copy 1.3 M released rows again (about 5 s).
The per-district status (quality.status_pengajuan) is a dbt model built from these tables and the
gate's decisions (dbt_project/models/quality/status_pengajuan.sql)."""

from __future__ import annotations

import duckdb

from orchestration.lib.gate.decision import ensure_schema
from orchestration.lib.gate.duplicates import LOSER_KEYS, duplicate_losers, key_match, with_duplicates
from orchestration.lib.gate.lookups import install_message_lookups
from orchestration.lib.gate.outcomes import HELD_PREFIX, HELD_QUARANTINE, HELD_WARNINGS, accepted_sql, write_outcomes
from orchestration.lib.warehouse import table_exists, transaction
from sources import contract

# The release of every district the outcome tables reflect (gerbang_kabupaten.dirilis_pada when this step
# last ran): a district whose release is newer is re-decided, the others keep their rows.
PROCESSED = "quality.rilis_terproses"
# The released household rows that lost a NIK contest (their keys, ``duplicates.LOSER_KEYS``).
LOSERS = "quality.baris_duplikat_nik"


def accepted_view(kind: str) -> str:
    return f"quality.{kind}_diterima"


def resolve_province(con: duckdb.DuckDBPyConnection, *, full: bool = False) -> dict:
    """Deduplicate the released rows province-wide and write the outcome tables.

    Work proportional to the change: only districts released since the last call are re-decided, with
    every released row that shares a NIK with their old accepted rows or their new rows (the only rows
    whose duplicate outcome can change). ``full`` (or no record of the last call): every row."""
    ensure_schema(con)
    install_message_lookups(con)  # this step runs on its own connection: the gate's TEMP tables are gone
    _drop_accepted_tables(con)
    changed = None if full else _released_since_last_call(con)
    scope = {kind: f"quality.rilis_{kind}" for kind in contract.KINDS}
    if changed is not None:
        con.execute("CREATE OR REPLACE TEMP TABLE _prov_changed AS SELECT unnest(?::VARCHAR[]) AS kode", [changed])
        # The NIKs whose contest can change: the changed districts' new rows (a new competitor), and every
        # loser's (its winner may be an old row of a changed district, gone from the released rows now).
        con.execute(f"""CREATE OR REPLACE TEMP TABLE _prov_nik AS
            SELECT nik FROM quality.rilis_rumah_tangga
            WHERE kode_kabupaten IN (SELECT kode FROM _prov_changed) AND len(alasan) = 0 AND nik IS NOT NULL
            UNION SELECT r.nik FROM quality.rilis_rumah_tangga r SEMI JOIN {LOSERS} k ON {key_match("k", "r")}
            WHERE r.nik IS NOT NULL""")
        con.execute("""CREATE OR REPLACE TEMP TABLE _prov_rumah_tangga AS SELECT * FROM quality.rilis_rumah_tangga
            WHERE kode_kabupaten IN (SELECT kode FROM _prov_changed) OR nik IN (SELECT nik FROM _prov_nik)""")
        for kind in contract.KINDS:
            if kind != "rumah_tangga":
                con.execute(f"""CREATE OR REPLACE TEMP TABLE _prov_{kind} AS SELECT * FROM quality.rilis_{kind}
                    WHERE kode_kabupaten IN (SELECT kode FROM _prov_changed)""")
        scope = {kind: f"_prov_{kind}" for kind in contract.KINDS}
    con.execute(
        """CREATE OR REPLACE TEMP TABLE _file_times AS
           SELECT file_hash, min(waktu_file) AS waktu_file FROM ingestion.file_registry GROUP BY 1"""
    )
    duplicate_losers(con, scope["rumah_tangga"], "_file_times", "_prov_kalah")
    only = None if changed is None else "_prov_changed"
    keys = ", ".join(LOSER_KEYS)
    # one transaction: the accepted rows, the quarantine and the warnings never disagree on disk
    with transaction(con):
        if changed is None:
            con.execute(f"CREATE OR REPLACE TABLE {LOSERS} AS SELECT {keys} FROM _prov_kalah")
        else:
            con.execute(f"""DELETE FROM {LOSERS} t WHERE kode_kabupaten IN (SELECT kode FROM _prov_changed)
                OR EXISTS (SELECT 1 FROM _prov_rumah_tangga e WHERE {key_match("t", "e")})""")
            con.execute(f"INSERT INTO {LOSERS} SELECT {keys} FROM _prov_kalah")
        for kind in contract.KINDS:
            select = accepted_sql(kind, f"quality.rilis_{kind}", LOSERS if kind == "rumah_tangga" else None)
            con.execute(f"CREATE OR REPLACE VIEW {accepted_view(kind)} AS {select}")
        counts = {
            kind: write_outcomes(
                con,
                kind,
                with_duplicates(scope[kind], "_prov_kalah") if kind == "rumah_tangga" else scope[kind],
                accepted=accepted_view(kind),
                only=only,
            )
            for kind in contract.KINDS
        }
        for kind in contract.KINDS:
            # Held submissions: the same outcome, in their own tables (no province-wide NIK dedup: they
            # are not released, so they cannot win or lose against released rows).
            con.execute(
                f"CREATE TABLE IF NOT EXISTS quality.{HELD_PREFIX}{kind} AS SELECT * FROM quality.rilis_{kind} LIMIT 0"
            )
            held = write_outcomes(
                con, kind, f"quality.{HELD_PREFIX}{kind}", quarantine=HELD_QUARANTINE, warnings=HELD_WARNINGS
            )
            counts[kind]["karantina_kiriman_ditahan"] = held["karantina"]
        con.execute(
            f"CREATE OR REPLACE TABLE {PROCESSED} AS SELECT kode_kabupaten, dirilis_pada FROM quality.gerbang_kabupaten"
        )
    counts["kabupaten_diputuskan_ulang"] = None if changed is None else len(changed)
    return counts


def _drop_accepted_tables(con: duckdb.DuckDBPyConnection) -> None:
    """A warehouse from before the accepted rows were views has them as tables: dropped (with the
    record of the last call, so every row is decided again into the views)."""
    tables = [accepted_view(k) for k in contract.KINDS]
    old = [t for t in tables if table_exists(con, *t.split("."), views=False)]
    for table in old:
        con.execute(f"DROP TABLE {table}")
    if old:
        con.execute(f"DROP TABLE IF EXISTS {PROCESSED}")


def _released_since_last_call(con: duckdb.DuckDBPyConnection) -> list[str] | None:
    """Districts whose release is not the one the outcome tables reflect; ``None``: every row (no record
    of the last call)."""
    needed = [tuple(t.split(".")) for t in (PROCESSED, LOSERS)]
    if not all(table_exists(con, schema, table) for schema, table in needed):
        return None
    return [
        r[0]
        for r in con.execute(f"""SELECT kode_kabupaten FROM quality.gerbang_kabupaten g
            FULL JOIN {PROCESSED} t USING (kode_kabupaten)
            WHERE g.dirilis_pada IS DISTINCT FROM t.dirilis_pada ORDER BY 1""").fetchall()
    ]


def reconciliation(con: duckdb.DuckDBPyConnection) -> list[tuple]:
    """Files whose rows do not add up; empty = the invariant holds for every file, held ones included.

    * released rows: rows read = accepted + quarantined (per file);
    * every active file of a district: its registry row count = its evaluated rows in the table of the
      district's current state (``rilis_*`` when released, ``kiriman_ditahan_*`` when held)."""
    released = con.execute(
        """WITH released AS (
  SELECT kode_kabupaten, file_hash, count(*) AS dibaca FROM (
    SELECT kode_kabupaten, file_hash FROM quality.rilis_rumah_tangga
    UNION ALL SELECT kode_kabupaten, file_hash FROM quality.rilis_realisasi_program) GROUP BY ALL
), outcome AS (
  SELECT kode_kabupaten, file_hash, count(*) AS n FROM (
    SELECT kode_kabupaten, file_hash FROM quality.rumah_tangga_diterima
    UNION ALL SELECT kode_kabupaten, file_hash FROM quality.realisasi_program_diterima
    UNION ALL SELECT kode_kabupaten, file_hash FROM quality.karantina) GROUP BY ALL
), registry AS (
  SELECT r.folder AS kode_kabupaten, r.file_hash, r.baris_dibaca FROM ingestion.file_registry r
  WHERE r.file_hash IN (SELECT file_hash FROM released)
)
SELECT coalesce(r.kode_kabupaten, o.kode_kabupaten) AS kode_kabupaten, coalesce(r.file_hash, o.file_hash) AS file_hash,
       g.baris_dibaca AS dibaca_registry, r.dibaca AS dibaca_rilis, o.n AS diterima_plus_karantina
FROM released r FULL JOIN outcome o USING (kode_kabupaten, file_hash)
LEFT JOIN registry g ON g.kode_kabupaten = coalesce(r.kode_kabupaten, o.kode_kabupaten)
                     AND g.file_hash = coalesce(r.file_hash, o.file_hash)
WHERE r.dibaca IS DISTINCT FROM o.n OR g.baris_dibaca IS DISTINCT FROM r.dibaca"""
    ).fetchall()
    current = con.execute(
        f"""WITH evaluated AS (
  SELECT kode_kabupaten, file_hash, 'dirilis' AS versi FROM quality.rilis_rumah_tangga
  UNION ALL SELECT kode_kabupaten, file_hash, 'dirilis' FROM quality.rilis_realisasi_program
  UNION ALL SELECT kode_kabupaten, file_hash, 'ditahan' FROM quality.{HELD_PREFIX}rumah_tangga
  UNION ALL SELECT kode_kabupaten, file_hash, 'ditahan' FROM quality.{HELD_PREFIX}realisasi_program
), per_file AS (SELECT kode_kabupaten, file_hash, versi, count(*) AS n FROM evaluated GROUP BY ALL)
SELECT f.folder, f.file_hash, f.baris_dibaca, p.n, 'berkas aktif ' || coalesce(g.status, '?')
FROM ingestion.file_registry f
LEFT JOIN quality.gerbang_kabupaten g ON g.kode_kabupaten = f.folder
LEFT JOIN per_file p ON p.kode_kabupaten = f.folder AND p.file_hash = f.file_hash
     AND p.versi = CASE WHEN g.status = 'ditahan' THEN 'ditahan' ELSE 'dirilis' END
WHERE f.status = 'active' AND f.kode_kabupaten IS NOT NULL AND g.status IS NOT NULL
  AND coalesce(p.n, 0) <> coalesce(f.baris_dibaca, 0)"""
    ).fetchall()
    return released + current
