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

from orchestration.lib.publish.data_dictionary import Labels  # noqa: E402
from orchestration.lib.reports.charts import chart_title  # noqa: E402
from orchestration.lib.reports.officials import build_official_reports  # noqa: E402

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

    for key, name in [
        ("xlsx", "ringkasan_capaian.xlsx"),
        ("grafik_capaian", "grafik_capaian.png"),
        ("grafik_rtlh", "grafik_rtlh.png"),
        ("peringkat_md", "peringkat.md"),
    ]:
        assert Path(out[key]) == reports / name
        assert (reports / name).stat().st_size > 0
    assert not [p for p in reports.iterdir() if ".tmp" in p.name]

    # xlsx: a cover, then the ranking with the index components and the weights/formula
    labels = Labels.load()
    wb = openpyxl.load_workbook(out["xlsx"], read_only=True)
    assert wb.sheetnames == ["Sampul", "Peringkat", "Proyeksi", "Backlog & RTLH", "Realisasi program"]
    cells = [[c for c in row] for row in wb["Peringkat"].iter_rows(values_only=True)]
    flat = " ".join(str(c) for row in cells for c in row if c is not None)
    assert "indeks_capaian = 0,4 × cakupan + 0,3 × akurasi + 0,2 × kelengkapan + 0,1 × ketepatan_waktu" in flat
    header = next(r for r in cells if r and r[0] == labels("capaian_pendataan", "peringkat"))
    for c in ("cakupan", "akurasi", "kelengkapan", "ketepatan_waktu", "indeks_capaian", "penghargaan"):
        assert labels("capaian_pendataan", c) in header
    assert not [h for h in header if h and "_" in h]  # no snake_case column name as a header
    bobot_row = next(r for r in cells if r and r[0] == "Bobot")
    assert sorted(v for v in bobot_row[1:] if isinstance(v, (int, float))) == [0.1, 0.2, 0.3, 0.4]
    data_rows = cells[cells.index(header) + 1 :]
    assert len(data_rows) == 22
    assert data_rows[0][header.index(labels("capaian_pendataan", "penghargaan"))] == "Terbaik I"

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
    assert data_rows[0][header.index(labels("capaian_pendataan", "nama_kabupaten"))] == top

    backlog = [r for r in wb["Backlog & RTLH"].iter_rows(values_only=True)]
    bk_header = next(r for r in backlog if r and r[0] == labels("backlog_kabupaten", "kode_kabupaten"))
    assert {labels("backlog_kabupaten", "persen_rtlh"), labels("backlog_kabupaten", "backlog_kepemilikan")} <= set(
        bk_header
    )
    assert backlog[-1][1] == "Jumlah provinsi"
    assert len(backlog) - backlog.index(bk_header) - 2 == n_kab

    real = [r for r in wb["Realisasi program"].iter_rows(values_only=True)]
    r_header = next(r for r in real if r and r[0] == labels("realisasi_program", "tahun_anggaran"))
    assert {labels("realisasi_program", c) for c in ("program", "sumber_dana", "nilai_rupiah")} <= set(r_header)
    assert len(real) - real.index(r_header) - 2 == n_skema
    assert real[-1][r_header.index(labels("realisasi_program", "nilai_rupiah"))] == total_nilai
    cover = " ".join(str(c) for row in wb["Sampul"].iter_rows(values_only=True) for c in row if c is not None)
    assert "ILUSTRATIF" in cover and "WITA" in cover and "Batas data" in cover
    wb.close()

    # the Indonesian number formats, years as plain years, WITA times (read from the file itself)
    wbf = openpyxl.load_workbook(out["xlsx"])
    ws = wbf["Realisasi program"]
    formats = {c.value: None for c in ws[4]}
    for j, cell in enumerate(ws[4]):
        formats[cell.value] = ws.cell(row=5, column=j + 1).number_format
    assert formats[labels("realisasi_program", "tahun_anggaran")] == "0"
    assert (
        formats[labels("realisasi_program", "nilai_rupiah")].startswith("[$-421]")
        and "Rp" in formats[labels("realisasi_program", "nilai_rupiah")]
    )
    peringkat_formats = {ws_cell.number_format for row in wbf["Peringkat"].iter_rows(min_row=5) for ws_cell in row}
    assert '[$-421]dd/mm/yyyy hh:mm" WITA"' in peringkat_formats and "[$-421]#,##0.00" in peringkat_formats
    wbf.close()

    # PNGs, each with its title (PNG text chunk) naming the data date
    for key in ("grafik_capaian", "grafik_rtlh"):
        data = Path(out[key]).read_bytes()
        assert data[:8] == PNG_MAGIC and len(data) > 5_000
        assert "data per" in chart_title(Path(out[key]))

    # markdown
    md = Path(out["peringkat_md"]).read_text(encoding="utf-8")
    assert top in md and "Terbaik I" in md
    assert md == out["markdown_preview"]
    table_rows = [line for line in md.splitlines() if line.startswith("| ") and not line.startswith("| Peringkat")]
    assert len(table_rows) == 5
    assert set(out) == {"xlsx", "grafik_capaian", "grafik_rtlh", "grafik_proyeksi", "peringkat_md", "markdown_preview"}
    assert chart_title(Path(out["grafik_proyeksi"])).startswith("Proyeksi cakupan pada 30 November 2025")
    proj = [r for r in openpyxl.load_workbook(out["xlsx"], read_only=True)["Proyeksi"].iter_rows(values_only=True)]
    p_header = next(r for r in proj if r and r[0] == labels("proyeksi_capaian", "kode_kabupaten"))
    status = [
        r[p_header.index(labels("proyeksi_capaian", "status_proyeksi"))] for r in proj[proj.index(p_header) + 1 :]
    ]
    assert len(status) == 22 and set(status) <= {"tercapai", "sesuai jalur", "terlambat", "belum ada data"}
    assert "belum ada data" in status


def test_reports_read_only_and_replace_previous(published, tmp_path):
    """Reports open the published file read-only (a read-only reader elsewhere is fine) and a
    second build replaces the files in place."""
    reports = tmp_path / "reports"
    holder = duckdb.connect(str(published), read_only=True)
    try:
        first = build_official_reports(published, reports)
        before = os.stat(first["xlsx"]).st_ino
        second = build_official_reports(
            published, reports, bobot={"cakupan": 0.25, "akurasi": 0.25, "kelengkapan": 0.25, "ketepatan_waktu": 0.25}
        )
    finally:
        holder.close()
    assert os.stat(second["xlsx"]).st_ino != before  # new file swapped in, not rewritten in place
    assert "0,25 × cakupan" in second["markdown_preview"]


def test_a_chart_is_drawn_again_only_when_what_it_shows_changed(published, tmp_path):
    """The weights are printed on the capaian chart only: changing them redraws that chart (a new file
    swapped in) and keeps the RTLH and projection charts as they are; the same build again keeps all."""
    from orchestration.lib.reports.charts import DIGEST_KEY, png_text

    reports = tmp_path / "reports"
    names = ("grafik_capaian", "grafik_rtlh", "grafik_proyeksi")

    def identity(out: dict) -> dict:
        return {n: (os.stat(out[n]).st_ino, os.stat(out[n]).st_mtime_ns) for n in names}

    first = build_official_reports(published, reports)
    drawn = identity(first)
    digests = {n: png_text(Path(first[n]), DIGEST_KEY) for n in names}
    assert all(digests.values())
    assert identity(build_official_reports(published, reports)) == drawn
    equal = {"cakupan": 0.25, "akurasi": 0.25, "kelengkapan": 0.25, "ketepatan_waktu": 0.25}
    reweighted = build_official_reports(published, reports, bobot=equal)
    assert {n for n in names if identity(reweighted)[n] != drawn[n]} == {"grafik_capaian"}
    assert png_text(Path(reweighted["grafik_capaian"]), DIGEST_KEY) != digests["grafik_capaian"]
    # a chart that is not what this build would draw (damaged, replaced by hand) is drawn again
    Path(reweighted["grafik_rtlh"]).write_bytes(b"bukan png")
    again = build_official_reports(published, reports, bobot=equal)
    assert Path(again["grafik_rtlh"]).read_bytes()[:8] == PNG_MAGIC
    assert png_text(Path(again["grafik_rtlh"]), DIGEST_KEY) == digests["grafik_rtlh"]
    assert identity(again)["grafik_proyeksi"] == drawn["grafik_proyeksi"]


def test_reports_missing_database(tmp_path):
    with pytest.raises(FileNotFoundError):
        build_official_reports(tmp_path / "tidak_ada.duckdb", tmp_path / "reports")


def test_unknown_is_shown_as_tidak_diketahui_never_zero(published, tmp_path):
    """Where the backlog marts are NULL (unknown), the workbook says 'tidak diketahui', never 0 / Rp 0,
    and a province total that would add an unknown is unknown too; known totals stay sums."""
    from orchestration.lib.reports.charts import _rtlh_label
    from orchestration.lib.reports.officials_backlog import backlog_province_totals
    from orchestration.lib.reports.style import BELUM_ADA_DATA, TIDAK_DIKETAHUI

    openpyxl = pytest.importorskip("openpyxl")
    con = duckdb.connect(str(published))
    try:
        # the columns the dbt marts add next to the contract ones
        for c in ("bsps_tidak_diketahui", "estimasi_kebutuhan_bsps_maksimum_rupiah"):
            con.execute(f"ALTER TABLE marts.backlog_kabupaten ADD COLUMN {c} BIGINT")
        con.execute(
            "UPDATE marts.backlog_kabupaten SET bsps_tidak_diketahui = 0, "
            "estimasi_kebutuhan_bsps_maksimum_rupiah = estimasi_kebutuhan_bsps_rupiah"
        )
        kode_unknown, kode_kosong = [
            r[0]
            for r in con.execute(
                "SELECT kode_kabupaten FROM marts.backlog_kabupaten WHERE jumlah_rumah_tangga > 0 "
                "ORDER BY kode_kabupaten LIMIT 2"
            ).fetchall()
        ]
        # a district without land status: BSPS unknown for some households, estimate NULL
        con.execute(
            "UPDATE marts.backlog_kabupaten SET bsps_tidak_diketahui = 7, estimasi_kebutuhan_bsps_rupiah = NULL, "
            "estimasi_kebutuhan_bsps_maksimum_rupiah = (indikatif_layak_bsps + 7) * 20000000, "
            "backlog_kepenghunian = NULL WHERE kode_kabupaten = ?",
            [kode_unknown],
        )
        # a district without any household: derived figures NULL
        con.execute(
            "UPDATE marts.backlog_kabupaten SET jumlah_rumah_tangga = 0, jumlah_rtlh = 0, persen_rtlh = NULL "
            "WHERE kode_kabupaten = ?",
            [kode_kosong],
        )
        cur = con.execute("SELECT * FROM marts.backlog_kabupaten ORDER BY kode_kabupaten")
        cols = [d[0] for d in cur.description]
        rows = cur.fetchall()
    finally:
        con.close()

    out = build_official_reports(published, tmp_path / "reports")
    wb = openpyxl.load_workbook(out["xlsx"], read_only=True)
    sheet = [r for r in wb["Backlog & RTLH"].iter_rows(values_only=True)]
    wb.close()
    labels = Labels.load()
    label_row = next(r for r in sheet if r and r[0] == labels("backlog_kabupaten", "kode_kabupaten"))
    header = [next(c for c in cols if labels("backlog_kabupaten", c) == h) for h in label_row]
    body = {r[0]: dict(zip(header, r)) for r in sheet[sheet.index(label_row) + 1 :] if r[0]}
    total = dict(zip(header, sheet[-1]))

    assert body[kode_unknown]["estimasi_kebutuhan_bsps_rupiah"] == TIDAK_DIKETAHUI
    assert body[kode_unknown]["backlog_kepenghunian"] == TIDAK_DIKETAHUI
    assert body[kode_unknown]["bsps_tidak_diketahui"] == 7
    assert body[kode_kosong]["persen_rtlh"] == BELUM_ADA_DATA
    # no NULL of the mart became a 0 in the sheet
    for r in rows:
        for c, v in zip(cols, r):
            if v is None:
                assert body[r[0]][c] in (TIDAK_DIKETAHUI, BELUM_ADA_DATA), (r[0], c)

    # province totals: an unknown estimate makes the total unknown; sums over the known stay sums
    assert total["estimasi_kebutuhan_bsps_rupiah"] == TIDAK_DIKETAHUI
    j = cols.index
    assert total["backlog_kepenghunian"] == sum(
        r[j("backlog_kepenghunian")] for r in rows if r[j("backlog_kepenghunian")] is not None
    )
    assert total["bsps_tidak_diketahui"] == 7
    assert total["jumlah_rumah_tangga"] == sum(r[j("jumlah_rumah_tangga")] for r in rows)
    assert total == {**total, **backlog_province_totals(cols, rows)}

    # when every district's estimate is known, the province total is their sum
    known = [
        tuple(20_000_000 if c == "estimasi_kebutuhan_bsps_rupiah" and v is None else v for c, v in zip(cols, r))
        for r in rows
    ]
    assert backlog_province_totals(cols, known)["estimasi_kebutuhan_bsps_rupiah"] == sum(
        r[j("estimasi_kebutuhan_bsps_rupiah")] for r in known if r[j("jumlah_rumah_tangga")]
    )

    # chart labels: Indonesian style throughout; a district without data is 'belum ada data', never 0 %
    assert _rtlh_label(None, 0, 0) == BELUM_ADA_DATA
    assert _rtlh_label(None, 3, 10) == TIDAK_DIKETAHUI
    assert _rtlh_label(12.5, 5, 40) == "12,5 % (5 dari 40)"
    assert _rtlh_label(39.04, 1261, 3230) == "39,0 % (1.261 dari 3.230)"
