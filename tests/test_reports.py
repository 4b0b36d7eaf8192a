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


def test_unknown_is_shown_as_tidak_diketahui_never_zero(published, tmp_path):
    """Where the backlog marts are NULL (unknown), the workbook says 'tidak diketahui', never 0 / Rp 0,
    and a province total that would add an unknown is unknown too; known totals stay sums."""
    from orchestration.defs.publish.reports import TIDAK_DIKETAHUI, _rtlh_label, backlog_province_totals

    openpyxl = pytest.importorskip("openpyxl")
    con = duckdb.connect(str(published))
    try:
        # the columns the dbt marts add next to the contract ones
        for c in ("bsps_tidak_diketahui", "estimasi_kebutuhan_bsps_maksimum_rupiah"):
            con.execute(f"ALTER TABLE marts.backlog_kabupaten ADD COLUMN {c} BIGINT")
        con.execute("UPDATE marts.backlog_kabupaten SET bsps_tidak_diketahui = 0, "
                    "estimasi_kebutuhan_bsps_maksimum_rupiah = estimasi_kebutuhan_bsps_rupiah")
        kode_unknown, kode_kosong = [r[0] for r in con.execute(
            "SELECT kode_kabupaten FROM marts.backlog_kabupaten WHERE jumlah_rumah_tangga > 0 "
            "ORDER BY kode_kabupaten LIMIT 2").fetchall()]
        # a district without land status: BSPS unknown for some households, estimate NULL
        con.execute("UPDATE marts.backlog_kabupaten SET bsps_tidak_diketahui = 7, estimasi_kebutuhan_bsps_rupiah = NULL, "
                    "estimasi_kebutuhan_bsps_maksimum_rupiah = (indikatif_layak_bsps + 7) * 20000000, "
                    "backlog_kepenghunian = NULL WHERE kode_kabupaten = ?", [kode_unknown])
        # a district without any household: derived figures NULL
        con.execute("UPDATE marts.backlog_kabupaten SET jumlah_rumah_tangga = 0, jumlah_rtlh = 0, persen_rtlh = NULL "
                    "WHERE kode_kabupaten = ?", [kode_kosong])
        cur = con.execute("SELECT * FROM marts.backlog_kabupaten ORDER BY kode_kabupaten")
        cols = [d[0] for d in cur.description]
        rows = cur.fetchall()
    finally:
        con.close()

    out = build_official_reports(published, tmp_path / "reports")
    wb = openpyxl.load_workbook(out["xlsx"], read_only=True)
    sheet = [r for r in wb["Backlog & RTLH"].iter_rows(values_only=True)]
    wb.close()
    header = next(r for r in sheet if r and r[0] == "kode_kabupaten")
    body = {r[0]: dict(zip(header, r)) for r in sheet[sheet.index(header) + 1:] if r[0]}
    total = dict(zip(header, sheet[-1]))

    assert body[kode_unknown]["estimasi_kebutuhan_bsps_rupiah"] == TIDAK_DIKETAHUI
    assert body[kode_unknown]["backlog_kepenghunian"] == TIDAK_DIKETAHUI
    assert body[kode_unknown]["bsps_tidak_diketahui"] == 7
    assert body[kode_kosong]["persen_rtlh"].startswith(TIDAK_DIKETAHUI)
    # no NULL of the mart became a 0 in the sheet
    for r in rows:
        for c, v in zip(cols, r):
            if v is None:
                assert isinstance(body[r[0]][c], str) and body[r[0]][c].startswith(TIDAK_DIKETAHUI), (r[0], c)

    # province totals: an unknown estimate makes the total unknown; sums over the known stay sums
    assert total["estimasi_kebutuhan_bsps_rupiah"] == TIDAK_DIKETAHUI
    j = cols.index
    assert total["backlog_kepenghunian"] == sum(r[j("backlog_kepenghunian")] for r in rows
                                                if r[j("backlog_kepenghunian")] is not None)
    assert total["bsps_tidak_diketahui"] == 7
    assert total["jumlah_rumah_tangga"] == sum(r[j("jumlah_rumah_tangga")] for r in rows)
    assert total == {**total, **backlog_province_totals(cols, rows)}

    # when every district's estimate is known, the province total is their sum
    known = [tuple(20_000_000 if c == "estimasi_kebutuhan_bsps_rupiah" and v is None else v for c, v in zip(cols, r))
             for r in rows]
    assert backlog_province_totals(cols, known)["estimasi_kebutuhan_bsps_rupiah"] == sum(
        r[j("estimasi_kebutuhan_bsps_rupiah")] for r in known if r[j("jumlah_rumah_tangga")])

    # chart labels
    assert _rtlh_label(None, 0, 0).startswith(TIDAK_DIKETAHUI)
    assert "0.0%" not in _rtlh_label(None, 0, 0)
    assert _rtlh_label(12.5, 5, 40) == "12.5% (5 dari 40)"
