"""Officials' reports built from the published database only."""
from __future__ import annotations

import importlib.util
import os
import sys
from pathlib import Path

import duckdb
import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from orchestration.defs.publish.reports import build_official_reports  # noqa: E402

# the hand-made warehouse lives in tests/test_publish.py (no conftest: that file belongs to the integrator)
_spec = importlib.util.spec_from_file_location("_p3jr_publish_fixtures", Path(__file__).with_name("test_publish.py"))
_fx = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_fx)

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


@pytest.fixture()
def published(tmp_path) -> Path:
    return _fx.build_small_published(tmp_path)


def test_reports_created(published, tmp_path):
    openpyxl = pytest.importorskip("openpyxl")
    reports = tmp_path / "reports"
    out = build_official_reports(published, reports, top_n=5)

    for key, name in [("xlsx", "ringkasan_capaian.xlsx"), ("grafik_capaian", "grafik_capaian.png"),
                      ("grafik_rtlh", "grafik_rtlh.png"), ("peringkat_md", "peringkat.md")]:
        assert Path(out[key]) == reports / name
        assert (reports / name).stat().st_size > 0
    assert not [p for p in reports.iterdir() if ".tmp-" in p.name]

    # xlsx: three sheets with the index components and the weights/formula
    wb = openpyxl.load_workbook(out["xlsx"], read_only=True)
    assert wb.sheetnames == ["Peringkat", "Backlog & RTLH", "Realisasi program"]
    cells = [[c for c in row] for row in wb["Peringkat"].iter_rows(values_only=True)]
    flat = " ".join(str(c) for row in cells for c in row if c is not None)
    assert "indeks_capaian = 0,4 × cakupan + 0,3 × akurasi + 0,2 × kelengkapan + 0,1 × ketepatan_waktu" in flat
    header = next(r for r in cells if r and r[0] == "Peringkat")
    for label in ("Cakupan", "Akurasi", "Kelengkapan", "Ketepatan waktu", "Indeks capaian", "Penghargaan"):
        assert label in header
    bobot_row = next(r for r in cells if r and r[0] == "Bobot")
    assert sorted(v for v in bobot_row[1:] if isinstance(v, (int, float))) == [0.1, 0.2, 0.3, 0.4]
    data_rows = cells[cells.index(header) + 1:]
    assert len(data_rows) == 22
    assert data_rows[0][header.index("Penghargaan")] == "Terbaik I"

    con = duckdb.connect(str(published), read_only=True)
    try:
        top = con.execute("SELECT nama_kabupaten FROM marts.capaian_pendataan WHERE peringkat = 1").fetchone()[0]
        n_kab = con.execute("SELECT count(*) FROM marts.backlog_kabupaten").fetchone()[0]
        n_skema = con.execute(
            "SELECT count(*) FROM (SELECT DISTINCT tahun_anggaran, program, sumber_dana FROM marts.realisasi_program)"
        ).fetchone()[0]
        total_nilai = con.execute("SELECT sum(nilai_rupiah) FROM marts.realisasi_program").fetchone()[0]
    finally:
        con.close()
    assert data_rows[0][header.index("Kabupaten/Kota")] == top

    backlog = [r for r in wb["Backlog & RTLH"].iter_rows(values_only=True)]
    bk_header = next(r for r in backlog if r and r[0] == "kode_kabupaten")
    assert "persen_rtlh" in bk_header and "backlog_kepemilikan" in bk_header
    assert backlog[-1][1] == "Jumlah provinsi"
    assert len(backlog) - backlog.index(bk_header) - 2 == n_kab

    real = [r for r in wb["Realisasi program"].iter_rows(values_only=True)]
    r_header = next(r for r in real if r and r[0] == "tahun_anggaran")
    assert {"program", "sumber_dana", "nilai_rupiah"} <= set(r_header)
    assert len(real) - real.index(r_header) - 2 == n_skema
    assert real[-1][r_header.index("nilai_rupiah")] == total_nilai
    wb.close()

    # PNGs
    for key in ("grafik_capaian", "grafik_rtlh"):
        data = Path(out[key]).read_bytes()
        assert data[:8] == PNG_MAGIC and len(data) > 5_000

    # markdown
    md = Path(out["peringkat_md"]).read_text(encoding="utf-8")
    assert top in md and "Terbaik I" in md
    assert md == out["markdown_preview"]
    table_rows = [l for l in md.splitlines() if l.startswith("| ") and not l.startswith("| Peringkat")]
    assert len(table_rows) == 5
    assert set(out) == {"xlsx", "grafik_capaian", "grafik_rtlh", "peringkat_md", "markdown_preview"}


def test_reports_read_only_and_replace_previous(published, tmp_path):
    """Reports open the published file read-only (a read-only reader elsewhere is fine) and a
    second build replaces the files in place."""
    reports = tmp_path / "reports"
    holder = duckdb.connect(str(published), read_only=True)
    try:
        first = build_official_reports(published, reports)
        before = os.stat(first["xlsx"]).st_ino
        second = build_official_reports(published, reports, bobot={"cakupan": 0.25, "akurasi": 0.25,
                                                                   "kelengkapan": 0.25, "ketepatan_waktu": 0.25})
    finally:
        holder.close()
    assert os.stat(second["xlsx"]).st_ino != before  # new file swapped in, not rewritten in place
    assert "0,25 × cakupan" in second["markdown_preview"]


def test_reports_missing_database(tmp_path):
    with pytest.raises(FileNotFoundError):
        build_official_reports(tmp_path / "tidak_ada.duckdb", tmp_path / "reports")
