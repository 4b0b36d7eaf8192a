"""Gating semantics through the real Dagster job: run-level stops (per-district holds: test_bad_nights.py)."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

HEADER = (
    "kode_desa;NIK;Nama Kepala Keluarga;Jumlah Jiwa;Status Rumah;Luas Lantai (m2);Atap;Dinding;Lantai;"
    "Sumber Air Minum;Sanitasi\n"
)


def rows(desa: str, kec6: str, start: int, n: int, bad: int = 0) -> str:
    out = []
    for i in range(start, start + n):
        nik = f"{kec6}5203850{i:03d}" if i - start >= bad else f"{kec6}520385{i:03d}"  # bad = 15 digits
        out.append(f"{desa};{nik};Yohanes Tefa {i};4;Milik Sendiri;36,5;Seng;Tembok;Semen;Sumur Bor;Jamban Sendiri\n")
    return HEADER + "".join(out)


def write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def _digest(p: Path) -> str:
    return hashlib.sha256(p.read_bytes()).hexdigest()


def _in_process_run(monkeypatch, landing: Path, data: Path):
    from orchestration import cli

    monkeypatch.setenv("P3JR_LANDING_DIR", str(landing))
    monkeypatch.setenv("P3JR_DATA_DIR", str(data))
    monkeypatch.delenv("P3JR_WAREHOUSE_PATH", raising=False)
    monkeypatch.delenv("DAGSTER_HOME", raising=False)
    cli._configure_env(str(landing), str(data))
    [result] = cli.run_pipeline()
    return result


def _materialized(result) -> set[str]:
    return {"/".join(ev.asset_key.path) for ev in result.get_asset_materialization_events()}


@pytest.mark.slow
def test_failing_run_level_checks_stop_marts_and_publish(tmp_path, monkeypatch):
    from orchestration.lib import gate

    landing, data = tmp_path / "landing", tmp_path / "data"
    write(landing / "53.01" / "kupang.csv", rows("53.01.04.2003", "530104", 1, 30))
    ok = _in_process_run(monkeypatch, landing, data)
    assert ok.success
    published = data / "published" / "p3jr.duckdb"
    before = _digest(published)

    # 0. A scheduled/sensor run on the same day with nothing new does almost nothing.
    again = _in_process_run(monkeypatch, landing, data)
    assert again.success and _materialized(again) == set()
    assert _digest(published) == before

    # 1. The reconciliation invariant (a Python blocking check before the marts) fails.
    write(landing / "53.01" / "kupang.csv", rows("53.01.04.2003", "530104", 1, 35))
    monkeypatch.setattr(gate, "reconciliation", lambda con: [("53.01", "x", 35, 35, 34)])
    failed = _in_process_run(monkeypatch, landing, data)
    assert not failed.success
    done = _materialized(failed)
    assert "quality/rumah_tangga_diterima" in done
    assert not {k for k in done if k.startswith(("marts/", "publish/"))}, done
    assert _digest(published) == before
    monkeypatch.undo()

    # 2. A post-gate invariant (a dbt error-severity test generated from the contract) fails: an
    #    accepted row carries a value outside its enum domain. The row counts still reconcile.
    real_resolve = gate.resolve_province

    def broken_resolve(con, **kwargs):
        counts = real_resolve(con, **kwargs)
        # the accepted rows are a view of the released ones: one accepted row's released row changes
        con.execute("""UPDATE quality.rilis_rumah_tangga r SET material_atap = 'bukan_nilai_baku'
            FROM (SELECT file_hash, sheet, baris FROM quality.rumah_tangga_diterima LIMIT 1) a
            WHERE r.file_hash = a.file_hash AND r.sheet IS NOT DISTINCT FROM a.sheet AND r.baris = a.baris""")
        return counts

    monkeypatch.setattr(gate, "resolve_province", broken_resolve)
    failed = _in_process_run(monkeypatch, landing, data)
    assert not failed.success
    done = _materialized(failed)
    assert "marts/capaian_pendataan" not in done and "publish/database_analis" not in done, done
    checks = {e.check_name: e for e in failed.get_asset_check_evaluations() if not e.passed}
    assert "invarian_baris_stg_rumah_tangga" in checks, list(checks)
    # the failed check names the column and the rule it broke
    broken = checks["invarian_baris_stg_rumah_tangga"].metadata["pelanggaran"].value
    assert broken == [{"kolom": "material_atap", "aturan": "nilai_baku", "jumlah_baris": 1}], broken
    assert _digest(published) == before
