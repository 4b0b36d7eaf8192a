"""Same answer either way: a night of incremental runs (a corrected value, a replaced file, a withdrawn
district, a cross-district duplicate NIK, a held submission and its release) publishes exactly the marts
that one run from scratch over the final landing zone publishes, row for row.

Only what the contract defines over the history of receipt may differ, and only for the two districts
that have one: a district that sent files and withdrew them "has sent" (`ada_kiriman`, its first and last
arrival, timeliness and so the index), and a district whose first version arrived before its current
file keeps that first arrival. A rebuild from scratch never saw those files."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pytest

from sources.reference import district_codes
from tests.test_gate import _in_process_run, rows, write

# Columns that say WHEN something was processed, not what the data is: they differ by design between a
# version released three runs ago and the same version released by a rebuild.
PROCESSING_TIMES = {"versi_dipakai_dirilis_pada", "dihitung_pada"}
# Defined over every file ever received (see the module docstring).
HISTORY = {"ada_kiriman", "status_pengajuan", "file_pertama_diterima", "file_terakhir_diterima", "ketepatan_waktu"}
HISTORY_DERIVED = {"indeks_capaian"}  # 0.1 x ketepatan_waktu

X, Y, V, W = "53.01", "53.12", "53.14", "53.71"  # corrected, replaced, held then released, duplicate NIK


def _marts(published: Path, with_history: set[str]) -> dict[str, list[tuple]]:
    """Every mart, sorted, without processing times; the history columns blanked for `with_history`."""
    with duckdb.connect(str(published), read_only=True) as con:
        tables = [
            r[0]
            for r in con.execute(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = 'marts' ORDER BY 1"
            ).fetchall()
        ]
        out = {}
        for t in tables:
            cur = con.execute(f"SELECT * FROM marts.{t}")
            cols = [d[0] for d in cur.description]
            keep = [i for i, c in enumerate(cols) if c not in PROCESSING_TIMES]
            blank = {i for i, c in enumerate(cols) if c in HISTORY | HISTORY_DERIVED}
            kode = cols.index("kode_kabupaten") if "kode_kabupaten" in cols else None
            rows = []
            for r in cur.fetchall():
                hide = kode is not None and r[kode] in with_history
                rows.append(tuple(None if hide and i in blank else r[i] for i in keep))
            out[t] = sorted(rows, key=repr)
        return out


OUTCOME_TABLES = (
    "rumah_tangga_diterima",
    "realisasi_program_diterima",
    "karantina",
    "peringatan",
    "baris_duplikat_nik",
)


def _outcome(con) -> dict[str, list[tuple]]:
    return {t: sorted(con.execute(f"SELECT * FROM quality.{t}").fetchall(), key=repr) for t in OUTCOME_TABLES}


def _same_outcome_as_a_full_resolve(warehouse: Path, copy: Path) -> None:
    from orchestration.lib import gate

    with duckdb.connect(str(warehouse), read_only=True) as con:
        incremental = _outcome(con)
    shutil.copyfile(warehouse, copy)
    with duckdb.connect(str(copy)) as con:
        # a warehouse from before the accepted rows were views (they were tables): every row again, into views
        con.execute("CREATE TABLE quality._lama AS SELECT * FROM quality.rumah_tangga_diterima")
        con.execute("DROP VIEW quality.rumah_tangga_diterima")
        con.execute("ALTER TABLE quality._lama RENAME TO rumah_tangga_diterima")
        counts = gate.resolve_province(con)
        assert counts["kabupaten_diputuskan_ulang"] is None
        kinds = con.execute(
            "SELECT table_type FROM information_schema.tables WHERE table_schema = 'quality' "
            "AND table_name IN ('rumah_tangga_diterima', 'realisasi_program_diterima')"
        ).fetchall()
        assert kinds == [("VIEW",), ("VIEW",)], kinds
        full = _outcome(con)
    assert all(incremental[t] for t in OUTCOME_TABLES)
    for t in OUTCOME_TABLES:
        assert incremental[t] == full[t], t


# the per-district incremental models
INCREMENTAL_MODELS = ("intermediate.int_rumah_tangga_kriteria", "intermediate.int_agregat_desa")


def _dbt_build_mode(run_id: str) -> str:
    """The dbt asset's own log line: "dbt build inkremental" or "... --full-refresh ..."."""
    import dagster as dg

    lines = [
        e.user_message
        for e in dg.DagsterInstance.get().all_logs(run_id)
        if (e.user_message or "").startswith("dbt build")
    ]
    assert len(lines) == 1, lines
    return "penuh" if "--full-refresh" in lines[0] else "inkremental"


def _rows(warehouse: Path, table: str) -> list[tuple]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return sorted(con.execute(f"SELECT * FROM {table}").fetchall(), key=repr)


def _partitions(result) -> tuple[str, str]:
    """(first, last) district of the run's partition range."""
    tags = result.dagster_run.tags
    if "dagster/partition" in tags:
        return tags["dagster/partition"], tags["dagster/partition"]
    return tags["dagster/asset_partition_range_start"], tags["dagster/asset_partition_range_end"]


def _run(monkeypatch, landing: Path, data: Path, dbt_build: str = "inkremental", districts=None):
    """One run; returns how many districts the province step re-decided ("semua" = every row).
    ``districts``: the (first, last) district the run must cover: only those with changes."""
    result = _in_process_run(monkeypatch, landing, data)
    assert result.success
    if districts is not None:
        assert _partitions(result) == districts
    assert _dbt_build_mode(result.run_id) == dbt_build
    [redecided] = [
        e.materialization.metadata["kabupaten_diputuskan_ulang"].value
        for e in result.get_asset_materialization_events()
        if e.asset_key.path == ["quality", "rumah_tangga_diterima"]
    ]
    return redecided


@pytest.mark.slow
def test_incremental_runs_publish_what_a_rebuild_publishes(small_run, tmp_path, monkeypatch):
    # The night starts from a copy of the session's run over the small province (landing and data).
    landing, data = tmp_path / "landing", tmp_path / "data"
    shutil.copytree(small_run["landing"], landing)
    shutil.copytree(small_run["data"], data, ignore=shutil.ignore_patterns("*.lock"))
    codes = district_codes()

    # 0. X, Y and V each send one more file.
    x_rows = rows("53.01.04.2003", "530104", 900, 20)
    write(landing / X / "tambahan.csv", x_rows)
    write(landing / Y / "tambahan.csv", rows("53.12.04.2001", "531204", 900, 20))
    write(landing / V / "tambahan.csv", rows("53.14.01.2005", "531401", 900, 20))
    withdrawn = next(
        p
        for p in sorted(landing.iterdir())
        if p.name.startswith("53.") and p.name not in (X, Y, V, W) and any(p.iterdir())
    )
    added = sorted((X, Y, V), key=codes.index)
    assert _run(monkeypatch, landing, data, districts=(added[0], added[-1])) == 3

    # 1. X corrects one value (a floor area), Y replaces its file, a third district withdraws its files.
    corrected = x_rows.replace("Yohanes Tefa 905;4;Milik Sendiri;36,5", "Yohanes Tefa 905;4;Milik Sendiri;12,0")
    assert corrected != x_rows
    write(landing / X / "tambahan.csv", corrected)
    (landing / Y / "tambahan.csv").unlink()
    write(landing / Y / "tambahan_v2.csv", rows("53.12.04.2001", "531204", 950, 25))
    for f in withdrawn.iterdir():
        f.unlink() if f.is_file() else shutil.rmtree(f)
    # one run over the changed districts only (first to last in code order), and only their rows (and
    # their NIKs) re-decided
    changed = sorted((X, Y, withdrawn.name), key=codes.index)
    assert _run(monkeypatch, landing, data, districts=(changed[0], changed[-1])) == 3

    # 2. W sends a household whose NIK X already sent; V resubmits with 15 of 20 NIKs broken: held.
    duplicate = "53.71.01.1001;5301045203850907;Maria Dupa;3;Sewa;20,0;Seng;Tembok;Semen;Sumur Bor;Jamban Sendiri\n"
    write(landing / W / "tambahan.csv", rows("53.71.01.1001", "537101", 900, 10) + duplicate)
    write(landing / V / "tambahan.csv", rows("53.14.01.2005", "531401", 900, 20, bad=15))
    _run(monkeypatch, landing, data, districts=(V, W))
    with duckdb.connect(str(data / "warehouse" / "p3jr.duckdb"), read_only=True) as con:
        held = con.execute("SELECT sedang_ditahan FROM quality.status_pengajuan WHERE kode_kabupaten = ?", [V])
        assert held.fetchone() == (True,)
        dup = con.execute(
            "SELECT count(*) FROM quality.karantina WHERE list_contains(alasan, 'duplikat_nik') "
            "AND nama_file = 'tambahan.csv'"
        ).fetchone()[0]
        assert dup == 1  # one of the two households with NIK ...907 (X's or W's)

    # 3. V fixes its file: released.
    write(landing / V / "tambahan.csv", rows("53.14.01.2005", "531401", 900, 21))
    _run(monkeypatch, landing, data, districts=(V, V))

    # The province step re-decided only what changed; deciding every row again gives the same tables.
    _same_outcome_as_a_full_resolve(data / "warehouse" / "p3jr.duckdb", tmp_path / "penuh.duckdb")

    # From scratch over the same landing zone.
    scratch = tmp_path / "dari_awal"
    # (a first run covers every district and decides every row)
    assert _run(monkeypatch, landing, scratch, dbt_build="penuh", districts=(codes[0], codes[-1])) == "semua"
    # the per-district incremental models hold exactly what a rebuild computes (fingerprints included)
    for model in INCREMENTAL_MODELS:
        kept = _rows(data / "warehouse" / "p3jr.duckdb", model)
        assert kept and kept == _rows(scratch / "warehouse" / "p3jr.duckdb", model), model
    with duckdb.connect(str(data / "published" / "p3jr.duckdb"), read_only=True) as con:
        history = con.execute(
            "SELECT status_pengajuan, ada_kiriman FROM marts.capaian_pendataan WHERE kode_kabupaten = ?",
            [withdrawn.name],
        ).fetchone()
    assert history == ("tidak_ada_kiriman", True)  # sent once, withdrew: the history a rebuild never saw
    incremental = _marts(data / "published" / "p3jr.duckdb", {withdrawn.name, V})
    rebuilt = _marts(scratch / "published" / "p3jr.duckdb", {withdrawn.name, V})
    assert sorted(incremental) == sorted(rebuilt) and len(incremental) >= 7
    for table in incremental:
        assert incremental[table] == rebuilt[table], table
    # the sequence really changed the published figures (the comparison is not between two empty states)
    capaian = dict(
        duckdb.connect(str(scratch / "published" / "p3jr.duckdb"), read_only=True)
        .execute("SELECT kode_kabupaten, rumah_tangga_valid FROM marts.capaian_pendataan")
        .fetchall()
    )
    assert capaian[withdrawn.name] == 0 and capaian[V] >= 21 and capaian[W] >= 10
