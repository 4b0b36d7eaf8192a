"""Gating semantics on top of the row rules (rules.py) and the GX suites (expectations/).

Per district: a new submission that fails the `pengajuan_kabupaten` suite is *held*; its last
accepted version stays released (last-known-good). Province-wide: released rows are deduplicated
by NIK and split into accepted / quarantined / warnings.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date, datetime

import duckdb
import pandas as pd

from orchestration.lib import gx_adapter, rules
from orchestration.settings import WITA
from sources import contract
from sources.reference import district_codes

SUBMISSION_SUITE = "pengajuan_kabupaten"


def contract_fingerprint() -> str:
    """Changes when the contract files change, so a rule change re-evaluates every district."""
    h = hashlib.sha256()
    for p in sorted(contract.KONTRAK_DIR.glob("*.csv")):
        h.update(p.read_bytes())
    h.update(open(rules.__file__, "rb").read())
    return h.hexdigest()[:16]


def ensure_schema(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("CREATE SCHEMA IF NOT EXISTS quality")
    con.execute(
        """CREATE TABLE IF NOT EXISTS quality.gerbang_kabupaten (
  kode_kabupaten VARCHAR PRIMARY KEY, status VARCHAR, alasan_tahan VARCHAR, sidik_kiriman VARCHAR,
  baris_dibaca_kiriman INTEGER, baris_karantina_kiriman INTEGER, rasio_karantina_kiriman DOUBLE,
  rasio_baris_vs_rilis DOUBLE, kolom_wajib_hilang INTEGER, baris_dibaca_rilis INTEGER, sidik_rilis VARCHAR,
  diputuskan_pada TIMESTAMP, run_id VARCHAR)"""
    )
    # When the version now in use was released (a hold keeps the earlier time).
    con.execute("ALTER TABLE quality.gerbang_kabupaten ADD COLUMN IF NOT EXISTS dirilis_pada TIMESTAMP")


def _active_fingerprint(con: duckdb.DuckDBPyConnection, kode: str, contract_fp: str) -> str:
    hashes = [r[0] for r in con.execute(
        "SELECT file_hash FROM ingestion.file_registry WHERE folder = ? AND status = 'active' ORDER BY file_hash", [kode]
    ).fetchall()]
    if not hashes:
        return ""
    return hashlib.sha256((contract_fp + "|" + ",".join(hashes)).encode()).hexdigest()[:24]


def _missing_required_columns(con: duckdb.DuckDBPyConnection, kode: str) -> tuple[int, list[str]]:
    """Required rumah_tangga columns absent from every active file of the district."""
    present = {r[0] for r in con.execute(
        """SELECT DISTINCT h.kolom FROM ingestion.sheet_headers h
           JOIN ingestion.file_registry f ON f.file_hash = h.file_hash AND f.folder = ? AND f.status = 'active'
           WHERE h.jenis = 'rumah_tangga' AND h.kolom IS NOT NULL""", [kode]
    ).fetchall()}
    if not present:
        return 0, []
    missing = [c.name for c in contract.columns("rumah_tangga") if c.required == "ya" and c.name not in present]
    if "kode_desa" not in present and not {"kecamatan", "desa"} <= present:
        missing.append("kode_desa")
    return len(missing), missing


@dataclass
class GateDecision:
    kode_kabupaten: str
    status: str  # diterima | ditahan | tidak_ada_kiriman | tidak_berubah
    alasan_tahan: str | None
    baris_dibaca: int
    baris_karantina: int


def gate_districts(
    con: duckdb.DuckDBPyConnection, districts: list[str], *, run_id: str, run_date: date, pseudonym_key: str,
    force: bool = False,
) -> list[GateDecision]:
    """Evaluate the row rules for the districts' current files and release or hold each submission.

    Every row of every current file keeps its evaluation: a released submission's rows go to
    ``quality.rilis_*`` (what the marts use), a held one's to ``quality.kiriman_ditahan_*`` (what its
    feedback shows), so the district always sees which rows caused the hold."""
    ensure_schema(con)
    rules.install(con, run_date=run_date, pseudonym_key=pseudonym_key)
    contract_fp = contract_fingerprint()
    prev = {r[0]: r for r in con.execute(
        "SELECT kode_kabupaten, sidik_kiriman, baris_dibaca_rilis, status, sidik_rilis, dirilis_pada "
        "FROM quality.gerbang_kabupaten"
    ).fetchall()}
    fingerprints = {d: _active_fingerprint(con, d, contract_fp) for d in districts}
    released = _released_exists(con)
    todo = [d for d in districts if force or not released or d not in prev or prev[d][1] != fingerprints[d]]
    decisions = [GateDecision(d, "tidak_berubah", None, 0, 0) for d in districts if d not in todo]
    if not todo:
        return decisions

    con.execute("CREATE OR REPLACE TEMP TABLE _gate_districts AS SELECT unnest(?::VARCHAR[]) AS kode", [todo])
    for kind in contract.KINDS:
        con.execute(
            f"CREATE OR REPLACE TEMP TABLE _gate_src_{kind} AS SELECT * FROM raw.{kind} "
            f"WHERE kode_kabupaten IN (SELECT kode FROM _gate_districts)"
        )
        rules.evaluate(con, kind, f"_gate_src_{kind}", f"_gate_eval_{kind}")

    counts = {r[0]: (r[1], r[2]) for r in con.execute(
        "SELECT kode_kabupaten, count(*), count(*) FILTER (WHERE len(alasan) > 0) FROM _gate_eval_rumah_tangga GROUP BY 1"
    ).fetchall()}
    stats = []
    for d in todo:
        dibaca, karantina = counts.get(d, (0, 0))
        last = prev[d][2] if d in prev else None
        n_missing, missing = _missing_required_columns(con, d)
        stats.append({
            "kode_kabupaten": d,
            "baris_dibaca": dibaca,
            "baris_karantina": karantina,
            "rasio_karantina": (karantina / dibaca) if dibaca else 0.0,
            "rasio_baris_vs_terakhir": (dibaca / last) if last else None,
            "kolom_wajib_hilang": n_missing,
            "_missing": missing,
        })

    frame = pd.DataFrame([{k: v for k, v in s.items() if not k.startswith("_")} for s in stats])
    frame["rasio_baris_vs_terakhir"] = frame["rasio_baris_vs_terakhir"].astype("float64")
    submitted = frame[frame["baris_dibaca"] > 0]
    outcomes = gx_adapter.run_per_group(SUBMISSION_SUITE, submitted, "kode_kabupaten") if len(submitted) else {}

    now = datetime.now(WITA).replace(tzinfo=None)
    release: list[str] = []
    decision_rows: list[list] = []
    for s in stats:
        d = s["kode_kabupaten"]
        if s["baris_dibaca"] == 0 and not fingerprints[d]:
            status, why = "tidak_ada_kiriman", None
            release.append(d)  # withdrawing everything is deliberate: the district's rows leave the marts
        elif s["baris_dibaca"] == 0:
            status, why = "ditahan", "tidak ada baris rumah tangga yang terbaca / no household rows could be read"
        else:
            res = outcomes[d]
            if res.success:
                status, why = "diterima", None
                release.append(d)
            else:
                status = "ditahan"
                why = "; ".join(_hold_text(o, s) for o in res.results if not o.success)
        decisions.append(GateDecision(d, status, why, s["baris_dibaca"], s["baris_karantina"]))
        released_rows = s["baris_dibaca"] if d in release else (prev[d][2] if d in prev else None)
        released_fp = fingerprints[d] if d in release else (prev[d][4] if d in prev else None)
        released_at = now if d in release else (prev[d][5] if d in prev else None)
        decision_rows.append(
            [d, status, why, fingerprints[d], s["baris_dibaca"], s["baris_karantina"], s["rasio_karantina"],
             s["rasio_baris_vs_terakhir"], s["kolom_wajib_hilang"], released_rows, released_fp, now, run_id,
             released_at])

    held = [d.kode_kabupaten for d in decisions if d.status == "ditahan"]
    con.execute("CREATE OR REPLACE TEMP TABLE _gate_release AS SELECT unnest(?::VARCHAR[]) AS kode", [release])
    con.execute("CREATE OR REPLACE TEMP TABLE _gate_held AS SELECT unnest(?::VARCHAR[]) AS kode", [held])
    # The decisions and the rows they release are one transaction: a run killed in between must
    # not leave a district shown as accepted while the marts still use its old rows.
    con.execute("BEGIN TRANSACTION")
    try:
        con.execute("DELETE FROM quality.gerbang_kabupaten WHERE kode_kabupaten IN (SELECT kode FROM _gate_districts)")
        con.executemany(
            """INSERT INTO quality.gerbang_kabupaten (kode_kabupaten, status, alasan_tahan, sidik_kiriman,
                 baris_dibaca_kiriman, baris_karantina_kiriman, rasio_karantina_kiriman, rasio_baris_vs_rilis,
                 kolom_wajib_hilang, baris_dibaca_rilis, sidik_rilis, diputuskan_pada, run_id, dirilis_pada)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""", decision_rows)
        for kind in contract.KINDS:
            # every evaluated district leaves the held table; the held ones come back with their current rows
            _replace_rows(con, f"quality.rilis_{kind}", f"_gate_eval_{kind}", "_gate_release", "_gate_release")
            _replace_rows(con, f"quality.{HELD_PREFIX}{kind}", f"_gate_eval_{kind}", "_gate_districts", "_gate_held")
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    return decisions


# quality.kiriman_ditahan_<jenis>: evaluated rows of each held district's current submission.
HELD_PREFIX = "kiriman_ditahan_"
HELD_QUARANTINE = "quality.karantina_kiriman_ditahan"
HELD_WARNINGS = "quality.peringatan_kiriman_ditahan"


def _replace_rows(con: duckdb.DuckDBPyConnection, table: str, source: str, delete_for: str, insert_for: str) -> None:
    """Delete the rows of the districts in ``delete_for`` and insert ``source``'s rows of ``insert_for``.
    Columns the rules added since the table was created are added first (old warehouses)."""
    con.execute(f"CREATE TABLE IF NOT EXISTS {table} AS SELECT * FROM {source} LIMIT 0")
    schema, name = table.split(".")
    have = {r[0] for r in con.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_schema = ? AND table_name = ?",
        [schema, name]).fetchall()}
    for col, typ in con.execute(f"SELECT column_name, column_type FROM (DESCRIBE {source})").fetchall():
        if col not in have:
            con.execute(f'ALTER TABLE {table} ADD COLUMN "{col}" {typ}')
    con.execute(f"DELETE FROM {table} WHERE kode_kabupaten IN (SELECT kode FROM {delete_for})")
    con.execute(f"INSERT INTO {table} BY NAME SELECT * FROM {source} "
                f"WHERE kode_kabupaten IN (SELECT kode FROM {insert_for})")


def _released_exists(con: duckdb.DuckDBPyConnection) -> bool:
    return bool(con.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'quality' AND table_name = 'rilis_rumah_tangga'"
    ).fetchone()[0])


def _hold_text(outcome: gx_adapter.ExpectationOutcome, stats: dict) -> str:
    col = outcome.column or ""
    if col == "rasio_karantina":
        return f"{stats['rasio_karantina']:.0%} baris dikarantina (batas dilampaui) / too many rows quarantined"
    if col == "rasio_baris_vs_terakhir":
        return (f"jumlah baris turun menjadi {stats['rasio_baris_vs_terakhir']:.0%} dari kiriman terakhir yang diterima"
                " / row count fell against the last accepted submission")
    if col == "kolom_wajib_hilang":
        return "kolom wajib tidak ada di semua file: " + ", ".join(stats["_missing"]) + " / required column missing in every file"
    return f"{outcome.expectation_type} {col}: {outcome.observed}"


def resolve_province(con: duckdb.DuckDBPyConnection) -> dict:
    """Deduplicate the released rows province-wide and write the outcome tables and status."""
    ensure_schema(con)
    for kind in contract.KINDS:
        con.execute(f"CREATE OR REPLACE TEMP TABLE _prov_{kind} AS SELECT * FROM quality.rilis_{kind}")
    con.execute(
        """CREATE OR REPLACE TEMP TABLE _file_times AS
           SELECT file_hash, min(waktu_file) AS waktu_file FROM ingestion.file_registry GROUP BY 1"""
    )
    rules.resolve_duplicates(con, "_prov_rumah_tangga", "_file_times")
    counts = {kind: rules.write_outcomes(con, kind, f"_prov_{kind}") for kind in contract.KINDS}
    for kind in contract.KINDS:
        # Held submissions: the same outcome, in their own tables (no province-wide NIK dedup: they
        # are not released, so they cannot win or lose against released rows).
        con.execute(f"CREATE TABLE IF NOT EXISTS quality.{HELD_PREFIX}{kind} AS SELECT * FROM quality.rilis_{kind} LIMIT 0")
        held = rules.write_outcomes(con, kind, f"quality.{HELD_PREFIX}{kind}", accepted=None,
                                    quarantine=HELD_QUARANTINE, warnings=HELD_WARNINGS)
        counts[kind]["karantina_kiriman_ditahan"] = held["karantina"]
    write_status(con)
    return counts


def write_status(con: duckdb.DuckDBPyConnection) -> None:
    """One row per district (all 22). Two submissions can matter at once and are never mixed:
    the *current* one (the files in the landing folder now: ``*_kiriman_terkini``) and the *version in
    use* (the last released one, which the marts count: ``*_versi_dipakai``). They differ only while
    the district is held. ``baris_dibaca``/``baris_diterima``/``baris_karantina`` are the version in use."""
    con.execute("CREATE OR REPLACE TEMP TABLE _districts AS SELECT unnest(?::VARCHAR[]) AS kode_kabupaten",
                [list(district_codes())])
    con.execute(
        f"""CREATE OR REPLACE TABLE quality.status_pengajuan AS
WITH rt AS (
  SELECT kode_kabupaten, count(*) AS n FROM quality.rumah_tangga_diterima GROUP BY 1
), q AS (
  SELECT kode_kabupaten, count(*) AS n, count(*) FILTER (WHERE list_contains(alasan, 'duplikat_nik')) AS dup
  FROM quality.karantina WHERE jenis = 'rumah_tangga' GROUP BY 1
), f AS (
  SELECT folder AS kode_kabupaten,
         count(*) FILTER (WHERE status = 'active') AS aktif,
         count(*) FILTER (WHERE status = 'rejected' AND coalesce(ada_di_folder, true)) AS ditolak,
         min(waktu_file) FILTER (WHERE status <> 'rejected') AS pertama,
         max(waktu_file) FILTER (WHERE status <> 'rejected') AS terakhir
  FROM ingestion.file_registry GROUP BY 1
), dipakai AS (
  SELECT kode_kabupaten, string_agg(DISTINCT nama_file, ', ' ORDER BY nama_file) AS file_versi_dipakai
  FROM quality.rilis_rumah_tangga GROUP BY 1
), ditahan AS (
  SELECT kode_kabupaten, count(*) AS dibaca, count(*) FILTER (WHERE len(alasan) > 0) AS karantina
  FROM quality.{HELD_PREFIX}rumah_tangga GROUP BY 1
)
SELECT d.kode_kabupaten,
       CASE WHEN g.status IS NULL OR g.status = 'tidak_ada_kiriman' THEN 'tidak_ada_kiriman' ELSE g.status END AS status,
       g.alasan_tahan,
       (g.status = 'ditahan') IS TRUE AS sedang_ditahan,
       (coalesce(rt.n, 0) + coalesce(q.n, 0))::INTEGER AS baris_dibaca,
       coalesce(rt.n, 0)::INTEGER AS baris_diterima,
       coalesce(q.n, 0)::INTEGER AS baris_karantina,
       coalesce(q.dup, 0)::INTEGER AS baris_karantina_duplikat,
       (coalesce(rt.n, 0) + coalesce(q.n, 0))::INTEGER AS baris_dibaca_versi_dipakai,
       coalesce(rt.n, 0)::INTEGER AS baris_diterima_versi_dipakai,
       coalesce(q.n, 0)::INTEGER AS baris_karantina_versi_dipakai,
       dipakai.file_versi_dipakai,
       g.dirilis_pada AS versi_dipakai_dirilis_pada,
       CASE WHEN g.status = 'ditahan' THEN coalesce(ditahan.dibaca, 0)
            ELSE coalesce(rt.n, 0) + coalesce(q.n, 0) END::INTEGER AS baris_dibaca_kiriman_terkini,
       CASE WHEN g.status = 'ditahan' THEN coalesce(ditahan.karantina, 0)
            ELSE coalesce(q.n, 0) END::INTEGER AS baris_karantina_kiriman_terkini,
       coalesce(f.aktif, 0)::INTEGER AS file_aktif,
       coalesce(f.ditolak, 0)::INTEGER AS file_ditolak,
       f.pertama AS file_pertama_diterima,
       f.terakhir AS file_terakhir_diterima,
       g.baris_dibaca_kiriman, g.baris_karantina_kiriman, g.rasio_karantina_kiriman, g.diputuskan_pada
FROM _districts d
LEFT JOIN quality.gerbang_kabupaten g USING (kode_kabupaten)
LEFT JOIN rt USING (kode_kabupaten) LEFT JOIN q USING (kode_kabupaten) LEFT JOIN f USING (kode_kabupaten)
LEFT JOIN dipakai USING (kode_kabupaten) LEFT JOIN ditahan USING (kode_kabupaten)
ORDER BY d.kode_kabupaten"""
    )


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
