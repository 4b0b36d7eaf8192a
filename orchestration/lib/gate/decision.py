"""The per-district gate decision: evaluate a district's current files and release or hold them.

A new submission that fails the ``pengajuan_kabupaten`` GX suite (expectations/, the officer's
thresholds) is *held*: its last released version stays in ``quality.rilis_*`` (last-known-good) and
its current rows go to ``quality.kiriman_ditahan_*`` so its feedback shows why.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date, datetime

import duckdb
import pandas as pd

from orchestration.lib import gx
from orchestration.lib.gate.compiler import evaluate
from orchestration.lib.gate.fingerprint import contract_fingerprint
from orchestration.lib.gate.lookups import install
from orchestration.lib.gate.outcomes import HELD_PREFIX
from orchestration.lib.warehouse import quote_ident, table_exists, transaction
from orchestration.settings import WITA
from sources import contract

SUBMISSION_SUITE = "pengajuan_kabupaten"


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
    hashes = [
        r[0]
        for r in con.execute(
            "SELECT file_hash FROM ingestion.file_registry WHERE folder = ? AND status = 'active' ORDER BY file_hash",
            [kode],
        ).fetchall()
    ]
    if not hashes:
        return ""
    return hashlib.sha256((contract_fp + "|" + ",".join(hashes)).encode()).hexdigest()[:24]


def _decision_state(con: duckdb.DuckDBPyConnection, districts: list[str]) -> tuple[dict, dict, list[str]]:
    """(the stored decisions, each district's fingerprint now, the districts whose decision is out of
    date): THE rule for which districts the gate decides again (new files, a withdrawal, a contract
    change; everything before the first release)."""
    contract_fp = contract_fingerprint()
    prev = {
        r[0]: r
        for r in con.execute(
            "SELECT kode_kabupaten, sidik_kiriman, baris_dibaca_rilis, status, sidik_rilis, dirilis_pada "
            "FROM quality.gerbang_kabupaten"
        ).fetchall()
    }
    fingerprints = {d: _active_fingerprint(con, d, contract_fp) for d in districts}
    released = table_exists(con, "quality", "rilis_rumah_tangga")
    stale = [d for d in districts if not released or d not in prev or prev[d][1] != fingerprints[d]]
    return prev, fingerprints, stale


def undecided_districts(con: duckdb.DuckDBPyConnection, districts: list[str]) -> list[str]:
    """The districts whose stored decision does not match their registered files and this contract
    (read-only: `p3jr run` asks before it starts a run)."""
    if not table_exists(con, "quality", "gerbang_kabupaten") or not table_exists(con, "ingestion", "file_registry"):
        return list(districts)
    return _decision_state(con, districts)[2]


def _missing_required_columns(con: duckdb.DuckDBPyConnection, kode: str) -> tuple[int, list[str]]:
    """Required rumah_tangga columns absent from every active file of the district."""
    present = {
        r[0]
        for r in con.execute(
            """SELECT DISTINCT h.kolom FROM ingestion.sheet_headers h
           JOIN ingestion.file_registry f ON f.file_hash = h.file_hash AND f.folder = ? AND f.status = 'active'
           WHERE h.jenis = 'rumah_tangga' AND h.kolom IS NOT NULL""",
            [kode],
        ).fetchall()
    }
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
    con: duckdb.DuckDBPyConnection,
    districts: list[str],
    *,
    run_id: str,
    run_date: date,
    pseudonym_key: str,
    force: bool = False,
) -> list[GateDecision]:
    """Evaluate the row rules for the districts' current files and release or hold each submission.

    Every row of every current file keeps its evaluation: a released submission's rows go to
    ``quality.rilis_*`` (what the marts use), a held one's to ``quality.kiriman_ditahan_*`` (what its
    feedback shows), so the district always sees which rows caused the hold."""
    ensure_schema(con)
    install(con, run_date=run_date, pseudonym_key=pseudonym_key)
    prev, fingerprints, stale = _decision_state(con, districts)
    todo = list(districts) if force else stale
    decisions = [GateDecision(d, "tidak_berubah", None, 0, 0) for d in districts if d not in todo]
    if not todo:
        return decisions

    con.execute("CREATE OR REPLACE TEMP TABLE _gate_districts AS SELECT unnest(?::VARCHAR[]) AS kode", [todo])
    sources = {kind: _source(con, kind) for kind in contract.KINDS}
    in_memory = _scratch_in_memory(con, sources)
    for kind in contract.KINDS:
        evaluate(con, kind, sources[kind], _evaluated(kind, in_memory), temporary=in_memory)

    counts = {
        r[0]: (r[1], r[2])
        for r in con.execute(
            "SELECT kode_kabupaten, count(*), count(*) FILTER (WHERE len(alasan) > 0) FROM "
            + _evaluated("rumah_tangga", in_memory)
            + " GROUP BY 1"
        ).fetchall()
    }
    stats = []
    for d in todo:
        dibaca, karantina = counts.get(d, (0, 0))
        last = prev[d][2] if d in prev else None
        n_missing, missing = _missing_required_columns(con, d)
        stats.append(
            {
                "kode_kabupaten": d,
                "baris_dibaca": dibaca,
                "baris_karantina": karantina,
                "rasio_karantina": (karantina / dibaca) if dibaca else 0.0,
                "rasio_baris_vs_terakhir": (dibaca / last) if last else None,
                "kolom_wajib_hilang": n_missing,
                "_missing": missing,
            }
        )

    frame = pd.DataFrame([{k: v for k, v in s.items() if not k.startswith("_")} for s in stats])
    frame["rasio_baris_vs_terakhir"] = frame["rasio_baris_vs_terakhir"].astype("float64")
    submitted = frame[frame["baris_dibaca"] > 0]
    outcomes = gx.run_per_group(SUBMISSION_SUITE, submitted, "kode_kabupaten") if len(submitted) else {}

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
            [
                d,
                status,
                why,
                fingerprints[d],
                s["baris_dibaca"],
                s["baris_karantina"],
                s["rasio_karantina"],
                s["rasio_baris_vs_terakhir"],
                s["kolom_wajib_hilang"],
                released_rows,
                released_fp,
                now,
                run_id,
                released_at,
            ]
        )

    held = [d.kode_kabupaten for d in decisions if d.status == "ditahan"]
    con.execute("CREATE OR REPLACE TEMP TABLE _gate_release AS SELECT unnest(?::VARCHAR[]) AS kode", [release])
    con.execute("CREATE OR REPLACE TEMP TABLE _gate_held AS SELECT unnest(?::VARCHAR[]) AS kode", [held])
    # The decisions and the rows they release are one transaction: a run killed in between must
    # not leave a district shown as accepted while the marts still use its old rows.
    with transaction(con):
        con.execute("DELETE FROM quality.gerbang_kabupaten WHERE kode_kabupaten IN (SELECT kode FROM _gate_districts)")
        con.executemany(
            """INSERT INTO quality.gerbang_kabupaten (kode_kabupaten, status, alasan_tahan, sidik_kiriman,
                 baris_dibaca_kiriman, baris_karantina_kiriman, rasio_karantina_kiriman, rasio_baris_vs_rilis,
                 kolom_wajib_hilang, baris_dibaca_rilis, sidik_rilis, diputuskan_pada, run_id, dirilis_pada)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
            decision_rows,
        )
        for kind in contract.KINDS:
            # every evaluated district leaves the held table; the held ones come back with their current rows
            scratch = _evaluated(kind, in_memory)
            _replace_rows(con, f"quality.{HELD_PREFIX}{kind}", scratch, "_gate_districts", "_gate_held")
            _replace_rows(con, f"quality.rilis_{kind}", scratch, "_gate_release", "_gate_release", take=not in_memory)
    for kind in contract.KINDS:
        con.execute(f"DROP TABLE IF EXISTS {_evaluated(kind, in_memory)}")
    return decisions


# A run that evaluates at most this many raw rows, and keeps other districts' released rows, evaluates
# into memory (about 2.5 x the largest district of the province).
IN_MEMORY_MAX_ROWS = 250_000


def _source(con: duckdb.DuckDBPyConnection, kind: str) -> str:
    """The raw rows to evaluate: ``raw.<jenis>`` itself when every district in it is evaluated (a first
    or full run: copying 1.3 M rows first took 1.4 s), else a TEMP copy of the evaluated districts' rows
    (the rules read their source once per column)."""
    others = con.execute(
        f"SELECT count(*) FROM raw.{kind} WHERE kode_kabupaten IS NULL "
        "OR kode_kabupaten NOT IN (SELECT kode FROM _gate_districts)"
    ).fetchone()[0]
    if not others:
        return f"raw.{kind}"
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE _gate_src_{kind} AS SELECT * FROM raw.{kind} "
        f"WHERE kode_kabupaten IN (SELECT kode FROM _gate_districts)"
    )
    return f"_gate_src_{kind}"


def _scratch_in_memory(con: duckdb.DuckDBPyConnection, sources: dict[str, str]) -> bool:
    """Whether the evaluated rows can stay in a TEMP table: a correction of a few districts keeps the
    other districts' released rows, so its evaluated rows are copied into ``quality.rilis_*`` whatever
    happens, and writing them to the warehouse first costs a write more (0.7 s for the largest district).
    A first or full run may instead rename its scratch table into place (``_replace_rows``'s ``take``)."""
    if not all(table_exists(con, "quality", f"rilis_{kind}") for kind in contract.KINDS):
        return False
    evaluated = sum(con.execute(f"SELECT count(*) FROM {sources[kind]}").fetchone()[0] for kind in contract.KINDS)
    kept = con.execute(
        "SELECT count(*) FROM quality.rilis_rumah_tangga WHERE kode_kabupaten NOT IN (SELECT kode FROM _gate_districts)"
    ).fetchone()[0]
    return kept > 0 and evaluated <= IN_MEMORY_MAX_ROWS


def _evaluated(kind: str, in_memory: bool = False) -> str:
    """The scratch table of the evaluated rows. A big evaluation goes to a table in the warehouse, not
    TEMP (at province scale it spills less), in the schema of the tables it fills, so that
    ``_replace_rows`` can rename it into one of them; a small one (``_scratch_in_memory``) to TEMP."""
    return f"_gate_eval_{kind}" if in_memory else f"quality._gate_eval_{kind}"


def _replace_rows(
    con: duckdb.DuckDBPyConnection, table: str, source: str, delete_for: str, insert_for: str, *, take: bool = False
) -> None:
    """Delete the rows of the districts in ``delete_for`` and insert ``source``'s rows of ``insert_for``.
    Columns the rules added since the table was created are added first (old warehouses). ``take``: when
    that would leave exactly ``source`` (every row is replaced, every evaluated row inserted: a first run,
    a full one), ``source`` is renamed into ``table`` instead of copied: at province scale the copy writes
    1.3 M rows again (about 8 s)."""
    con.execute(f"CREATE TABLE IF NOT EXISTS {table} AS SELECT * FROM {source} LIMIT 0")
    schema, name = table.split(".")
    if take and _replaces_everything(con, table, source, delete_for, insert_for):
        con.execute(f"DROP TABLE {table}")
        con.execute(f"ALTER TABLE {source} RENAME TO {quote_ident(name)}")
        return
    have = {
        r[0]
        for r in con.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_schema = ? AND table_name = ?",
            [schema, name],
        ).fetchall()
    }
    for col, typ in con.execute(f"SELECT column_name, column_type FROM (DESCRIBE {source})").fetchall():
        if col not in have:
            con.execute(f"ALTER TABLE {table} ADD COLUMN {quote_ident(col)} {typ}")
    con.execute(f"DELETE FROM {table} WHERE kode_kabupaten IN (SELECT kode FROM {delete_for})")
    con.execute(
        f"INSERT INTO {table} BY NAME SELECT * FROM {source} WHERE kode_kabupaten IN (SELECT kode FROM {insert_for})"
    )


def _replaces_everything(
    con: duckdb.DuckDBPyConnection, table: str, source: str, delete_for: str, insert_for: str
) -> bool:
    """Whether deleting ``delete_for``'s rows from ``table`` empties it and ``insert_for`` covers every row
    of ``source``, in the same schema, with no column of ``table`` missing from ``source``."""
    if table.split(".")[0] != source.split(".")[0]:
        return False

    def count(relation: str, districts: str) -> int:
        return con.execute(
            f"SELECT count(*) FROM {relation} WHERE kode_kabupaten IS NULL "
            f"OR kode_kabupaten NOT IN (SELECT kode FROM {districts})"
        ).fetchone()[0]

    columns = [
        {r[0] for r in con.execute(f"SELECT column_name FROM (DESCRIBE {t})").fetchall()} for t in (table, source)
    ]
    return columns[0] <= columns[1] and count(table, delete_for) == 0 and count(source, insert_for) == 0


def _hold_text(outcome: gx.ExpectationOutcome, stats: dict) -> str:
    col = outcome.column or ""
    if col == "rasio_karantina":
        return f"{stats['rasio_karantina']:.0%} baris dikarantina (batas dilampaui) / too many rows quarantined"
    if col == "rasio_baris_vs_terakhir":
        return (
            f"jumlah baris turun menjadi {stats['rasio_baris_vs_terakhir']:.0%} dari kiriman terakhir yang diterima"
            " / row count fell against the last accepted submission"
        )
    if col == "kolom_wajib_hilang":
        return (
            "kolom wajib tidak ada di semua file: "
            + ", ".join(stats["_missing"])
            + " / required column missing in every file"
        )
    return f"{outcome.expectation_type} {col}: {outcome.observed}"
