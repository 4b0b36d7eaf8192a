"""District feedback workbook (orchestration/lib/reports/feedback*.py)."""

from __future__ import annotations

import json
import os
import stat
from datetime import datetime
from pathlib import Path

import duckdb
import openpyxl
import pytest

from orchestration.lib.reports.feedback import write_feedback

INJECTION = ['=HYPERLINK("http://x")', "+1", "@SUM(1)", "-2+3", "\t=1+1", "\r=1"]


@pytest.fixture()
def con():
    c = duckdb.connect(":memory:")
    c.execute("CREATE SCHEMA ingestion; CREATE SCHEMA quality")
    c.execute("""
        CREATE TABLE ingestion.file_registry (
            file_hash VARCHAR PRIMARY KEY, kode_kabupaten VARCHAR, nama_file VARCHAR, path_relatif VARCHAR,
            ukuran_bytes BIGINT, jenis VARCHAR, waktu_file TIMESTAMP, pertama_dilihat_run VARCHAR,
            terakhir_dilihat_run VARCHAR, pertama_dilihat_pada TIMESTAMP, status VARCHAR, alasan_kode VARCHAR,
            alasan VARCHAR, arsip_path VARCHAR, baris_dibaca INTEGER, ada_di_folder BOOLEAN DEFAULT TRUE)""")
    c.execute("""
        INSERT INTO ingestion.file_registry VALUES
        ('h1', '53.01', 'pendataan_kupang.xlsx', '53.01/pendataan_kupang.xlsx', 1000, 'campuran',
         TIMESTAMP '2025-10-01 08:00:00', 'r1', 'r2', TIMESTAMP '2025-10-01 09:00:00', 'active', NULL, NULL, 'a/h1', 5,
         true),
        ('h2', '53.01', '=cmd|calc.xlsx', '53.01/=cmd|calc.xlsx', 10, 'tidak_dikenal',
         TIMESTAMP '2025-10-02 08:00:00', 'r1', 'r2', TIMESTAMP '2025-10-02 09:00:00', 'rejected', 'file_rusak',
         'File rusak atau bukan spreadsheet yang dapat dibaca', 'a/h2', 0, true),
        ('h4', '53.01', 'lama_ditolak.csv', '53.01/lama_ditolak.csv', 10, 'tidak_dikenal',
         TIMESTAMP '2025-09-02 08:00:00', 'r0', 'r0', TIMESTAMP '2025-09-02 09:00:00', 'rejected', 'file_kosong',
         'File kosong', 'a/h4', 0, false),
        ('h3', '53.71', 'kota.csv', '53.71/kota.csv', 10, 'rumah_tangga',
         TIMESTAMP '2025-10-03 08:00:00', 'r1', 'r2', TIMESTAMP '2025-10-03 09:00:00', 'active', NULL, NULL, 'a/h3', 1,
         true)
    """)
    c.execute("""
        CREATE TABLE quality.karantina (
            jenis VARCHAR, kode_kabupaten VARCHAR, file_hash VARCHAR, nama_file VARCHAR, sheet VARCHAR,
            baris INTEGER, alasan VARCHAR[], kolom VARCHAR[], pesan VARCHAR, nilai_asli JSON)""")
    rows = [
        (
            "rumah_tangga",
            "53.01",
            "h1",
            "pendataan_kupang.xlsx",
            "RT",
            5,
            ["nik_bukan_16_digit"],
            ["nik"],
            "NIK harus 16 digit angka",
            {"nik": "530101", "nama_kepala_keluarga": INJECTION[0], "kode_desa": "53.01.01.2001"},
        ),
        (
            "rumah_tangga",
            "53.01",
            "h1",
            "pendataan_kupang.xlsx",
            "RT",
            6,
            ["desa_tidak_dikenal", "wajib_kosong"],
            ["kode_desa", "luas_lantai_m2"],
            "Desa tidak dikenal di kabupaten ini; Kolom wajib 'luas_lantai_m2' kosong",
            {
                "nik": "5301010101800001",
                "nama_kepala_keluarga": INJECTION[1],
                "luas_lantai_m2": INJECTION[3],
                "kolom_aneh": INJECTION[2],
            },
        ),
        (
            "realisasi_program",
            "53.01",
            "h1",
            "pendataan_kupang.xlsx",
            "Realisasi",
            3,
            ["kabupaten_tidak_sesuai"],
            ["kode_kabupaten"],
            "Kode kabupaten pada baris tidak sama dengan kabupaten pengirim",
            {"kode_kabupaten": "53.02", "program": INJECTION[4], "sumber_dana": INJECTION[5]},
        ),
        ("rumah_tangga", "53.71", "h3", "kota.csv", "", 2, ["duplikat_nik"], ["nik"], "Duplikat NIK", {"nik": "x"}),
    ]
    c.execute("CREATE TABLE quality.karantina_kiriman_ditahan AS SELECT * FROM quality.karantina LIMIT 0")
    for r in rows:
        # 53.01 is held: the rows of its current file are in the held table, never in what the marts use
        table = "quality.karantina_kiriman_ditahan" if r[1] == "53.01" else "quality.karantina"
        c.execute(f"INSERT INTO {table} VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", [*r[:-1], json.dumps(r[-1])])
    c.execute("""INSERT INTO quality.karantina VALUES ('rumah_tangga', '53.01', 'h0', 'versi_lama.xlsx', 'RT', 99,
                 ['nik_tidak_valid'], ['nik'], 'versi lama', '{}')""")
    c.execute("""
        CREATE TABLE quality.peringatan (
            jenis VARCHAR, kode_kabupaten VARCHAR, file_hash VARCHAR, nama_file VARCHAR, sheet VARCHAR,
            baris INTEGER, kode VARCHAR, kolom VARCHAR, pesan VARCHAR)""")
    c.execute("CREATE TABLE quality.peringatan_kiriman_ditahan AS SELECT * FROM quality.peringatan LIMIT 0")
    c.execute("""
        INSERT INTO quality.peringatan_kiriman_ditahan VALUES
        ('rumah_tangga', '53.01', 'h1', 'pendataan_kupang.xlsx', 'RT', 2, 'koordinat_tidak_valid', 'latitude',
         'Koordinat di luar wilayah NTT atau tidak terbaca (lintang/bujur tertukar?); dikosongkan')""")
    c.execute("""
        INSERT INTO quality.peringatan VALUES
        ('rumah_tangga', '53.01', 'h0', 'versi_lama.xlsx', 'RT', 3, 'nik_format_angka', 'nik', 'versi lama'),
        ('rumah_tangga', '53.71', 'h3', 'kota.csv', '', 2, 'nik_format_angka', 'nik', 'x')
    """)
    c.execute("""
        CREATE TABLE quality.status_pengajuan (
            kode_kabupaten VARCHAR, status VARCHAR, alasan_tahan VARCHAR, baris_dibaca INTEGER,
            baris_diterima INTEGER, baris_karantina INTEGER, baris_karantina_duplikat INTEGER, file_aktif INTEGER,
            file_ditolak INTEGER, file_pertama_diterima TIMESTAMP, file_terakhir_diterima TIMESTAMP,
            baris_dibaca_kiriman_terkini INTEGER, baris_karantina_kiriman_terkini INTEGER,
            baris_dibaca_versi_dipakai INTEGER, baris_diterima_versi_dipakai INTEGER,
            baris_karantina_versi_dipakai INTEGER, file_versi_dipakai VARCHAR, versi_dipakai_dirilis_pada TIMESTAMP)""")
    c.execute("""
        INSERT INTO quality.status_pengajuan VALUES
        ('53.01', 'ditahan', '60% baris dikarantina (batas dilampaui)', 5, 4, 1, 0, 1, 1,
         TIMESTAMP '2025-10-01 08:00:00', TIMESTAMP '2025-10-01 08:00:00', 5, 3, 5, 4, 1, 'versi_lama.xlsx',
         TIMESTAMP '2025-09-01 08:00:00'),
        ('53.05', 'tidak_ada_kiriman', NULL, 0, 0, 0, 0, 0, 0, NULL, NULL, 0, 0, 0, 0, 0, NULL, NULL)
    """)
    yield c
    c.close()


def _values(ws) -> list[list]:
    return [list(r) for r in ws.iter_rows(values_only=True)]


def test_writes_workbook_with_its_sheets(con, tmp_path):
    capaian = {
        "kode_kabupaten": "53.01",
        "nama_kabupaten": "Kabupaten Kupang",
        "cakupan": 12.5,
        "indeks_capaian": 40.25,
        "peringkat": 3,
        "penghargaan": "Terbaik III",
        "file_pertama_diterima": datetime(2025, 10, 1, 8),
        "target_rumah_tangga": None,
    }
    path = write_feedback(con, "53.01", tmp_path, capaian=capaian)
    assert path == tmp_path / "53.01" / "umpan_balik_53.01.xlsx"
    assert not [p for p in path.parent.iterdir() if p != path]  # no temp file left behind
    assert not stat.S_IMODE(os.stat(path).st_mode) & stat.S_IROTH  # personal data: not world-readable
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == ["Ringkasan", "Karantina", "Peringatan", "File diterima", "Catatan file"]

    ring = _values(wb["Ringkasan"])
    flat = [v for row in ring for v in row if v is not None]
    assert any("Kupang" in str(v) and "53.01" in str(v) for v in flat)
    labels = {row[0]: row[1] for row in ring if row and row[0]}
    # held: the current file's counts and the version still in use, under labels that cannot be confused
    assert labels["Baris dibaca (file terkini)"] == 5
    assert labels["Baris dikarantina (lihat lembar Karantina)"] == 3  # = rows on the Karantina sheet
    assert labels["Peringatan (lihat lembar Peringatan)"] == 1
    assert labels["Baris dibaca (versi dipakai)"] == 5 and labels["Baris diterima (versi dipakai)"] == 4
    assert labels["File versi dipakai"] == "versi_lama.xlsx"
    assert labels["File ditolak"] == 1
    assert labels["Status"].startswith("DITAHAN")
    assert labels["Alasan ditahan"] == "60% baris dikarantina (batas dilampaui)"
    assert labels["Cakupan (%)"] == 12.5 and labels["Penghargaan"] == "Terbaik III"
    # every label is Indonesian text from the dictionary, never a snake_case column name
    assert not [k for k in labels if "_" in k and not k.startswith("  Alasan")]
    # what is wrong, per reason, what to do, by when
    assert labels["Apa yang salah"].startswith("3 baris dikarantina")
    assert any(k.startswith("  Alasan: NIK harus 16 digit") and v == "1 baris" for k, v in labels.items())
    assert "Karantina" in labels["Langkah berikutnya"] and labels["Paling lambat"]
    files = [
        row
        for row in _values(wb["File diterima"])
        if row[0] in ("pendataan_kupang.xlsx", "=cmd|calc.xlsx", "lama_ditolak.csv")
    ]
    assert len(files) == 3
    gone = [row for row in files if row[0] == "lama_ditolak.csv"][0]
    assert gone[3].startswith("ditolak, sudah dihapus")  # a deleted rejected file no longer counts
    rejected = [row for row in files if row[0] == "=cmd|calc.xlsx"][0]
    assert rejected[3] == "ditolak" and rejected[4] == "file_rusak" and "File rusak" in rejected[5]
    assert isinstance(rejected[6], datetime)
    assert "kota.csv" not in flat  # another district's file never appears

    kar = _values(wb["Karantina"])
    header, body = kar[0], kar[1:]
    assert header[:6] == ["jenis", "file", "lembar", "baris", "kode alasan", "pesan"]
    assert len(body) == 3 and all(r[1] == "pendataan_kupang.xlsx" for r in body)  # not the old version's row 99
    by_row = {(r[2], r[3]): dict(zip(header, r)) for r in body}
    r5 = by_row[("RT", 5)]
    assert r5["kode alasan"] == "nik_bukan_16_digit" and r5["pesan"] == "NIK harus 16 digit angka"
    assert r5["nik"] == "530101" and r5["kode_desa"] == "53.01.01.2001"
    r6 = by_row[("RT", 6)]
    assert r6["kode alasan"] == "desa_tidak_dikenal, wajib_kosong"
    assert "Desa tidak dikenal" in r6["pesan"] and r6["kolom_aneh"] == "@SUM(1)"
    assert r6["luas_lantai_m2"] == "-2+3"
    assert header.index("nik") < header.index("kolom_aneh")  # contract columns first

    per = _values(wb["Peringatan"])
    assert per[0] == ["jenis", "file", "lembar", "baris", "kode", "kolom", "pesan"]
    assert len(per) == 2 and per[1][4] == "koordinat_tidak_valid" and "wilayah NTT" in per[1][6]


def test_formula_like_values_are_stored_as_text(con, tmp_path):
    path = write_feedback(con, "53.01", tmp_path)
    wb = openpyxl.load_workbook(path)  # formulas would load as data_type 'f'
    seen = {}
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (ws.title, cell.coordinate, cell.value)
                if isinstance(cell.value, str):
                    seen[cell.value] = cell.data_type
    for text in ['=HYPERLINK("http://x")', "+1", "@SUM(1)", "-2+3", "=cmd|calc.xlsx"]:
        assert seen.get(text) == "s", (text, seen.get(text))
    assert any(v.endswith("=1+1") and t == "s" for v, t in seen.items())
    cr = [(v, t) for v, t in seen.items() if v.endswith("=1") and not v.endswith("+1")]
    assert cr and all(t == "s" for _, t in cr), cr


def test_rewrite_replaces_file_atomically(con, tmp_path):
    first = write_feedback(con, "53.01", tmp_path)
    con.execute("DELETE FROM quality.karantina_kiriman_ditahan WHERE kode_kabupaten = '53.01' AND baris = 6")
    second = write_feedback(con, "53.01", tmp_path)
    assert first == second
    assert len(_values(openpyxl.load_workbook(second)["Karantina"])) == 3  # header + 2


def test_none_when_district_has_no_files(con, tmp_path):
    assert write_feedback(con, "53.05", tmp_path) is None
    assert not (tmp_path / "53.05").exists()


def test_district_without_status_row_counts_from_tables(con, tmp_path):
    path = write_feedback(con, "53.71", tmp_path)
    labels = {r[0]: r[1] for r in _values(openpyxl.load_workbook(path)["Ringkasan"]) if r and r[0]}
    assert labels["Status"] == "belum diperiksa"
    assert labels["Baris dikarantina (lihat lembar Karantina)"] == 1
    assert labels["Baris dibaca (versi dipakai)"] == 1  # counted from the row tables
    assert labels["Peringatan (lihat lembar Peringatan)"] == 1


def test_quarantine_sheet_keeps_one_file_and_one_reason_together(con, tmp_path):
    """Rows are sorted by file, sheet, reason, then row: a clerk fixes one kind of error in one file at a time."""
    for baris, alasan in (
        (7, ["nik_bukan_16_digit"]),
        (8, ["desa_tidak_dikenal", "wajib_kosong"]),
        (9, ["nik_bukan_16_digit"]),
    ):
        con.execute(
            "INSERT INTO quality.karantina_kiriman_ditahan VALUES ('rumah_tangga', '53.01', 'h1', "
            "'pendataan_kupang.xlsx', 'RT', ?, ?, ['x'], 'p', '{}')",
            [baris, alasan],
        )
    path = write_feedback(con, "53.01", tmp_path)
    kar = _values(openpyxl.load_workbook(path)["Karantina"])
    keys = [(r[1], r[2], r[4]) for r in kar[1:]]
    # each (file, sheet, reason) forms one contiguous block, rows ascending inside it
    blocks = [k for i, k in enumerate(keys) if i == 0 or keys[i - 1] != k]
    assert len(blocks) == len(set(keys)), keys
    rt = [(r[4], r[3]) for r in kar[1:] if r[2] == "RT"]
    assert rt == sorted(rt)
    assert [b for (_, b) in rt if _ == "nik_bukan_16_digit"] == [5, 7, 9]


def test_summary_says_what_the_projection_means(con, tmp_path):
    from datetime import date

    from orchestration.lib.reports.feedback_summary import kalimat_proyeksi

    proyeksi = {
        "kode_kabupaten": "53.01",
        "nama_kabupaten": "Kabupaten Kupang",
        "rumah_tangga_valid": 40,
        "target_rumah_tangga": 100,
        "cakupan_saat_ini": 40.0,
        "laju_rumah_tangga_per_hari": 2.0,
        "tanggal_proyeksi_tercapai": date(2025, 11, 10),
        "batas_waktu_proyeksi": date(2025, 10, 31),
        "proyeksi_cakupan_batas_waktu": 80.0,
        "status_proyeksi": "terlambat",
        "hari_riwayat": 10,
    }
    text = kalimat_proyeksi(proyeksi)
    assert text.startswith(
        "Dengan laju saat ini (2,00 rumah tangga/hari) Anda mencapai 80,00 % dari target pada "
        "31 Oktober 2025 (terlambat)"
    )
    assert "10 November 2025" in text
    assert "belum dapat dihitung" in kalimat_proyeksi(
        {**proyeksi, "status_proyeksi": "belum_ada_data", "proyeksi_cakupan_batas_waktu": None}
    )
    path = write_feedback(
        con, "53.01", tmp_path, capaian={"batas_waktu": date(2025, 10, 31), "tahun_anggaran": 2025}, proyeksi=proyeksi
    )
    ring = {r[0]: r[1] for r in _values(openpyxl.load_workbook(path)["Ringkasan"]) if r and r[0]}
    assert ring["Proyeksi capaian"] == text
    assert ring["Paling lambat"].startswith("31 Oktober 2025")
    assert ring["Status proyeksi"] == "terlambat"  # the value readable, the label from the dictionary
    wb = openpyxl.load_workbook(path)
    ws = wb["Ringkasan"]
    year = next(r for r in ws.iter_rows() if r[0].value == "Tahun anggaran")
    assert year[1].value == 2025 and year[1].number_format == "0"  # a year, not '2.025'
    # printed: A4, fitted to one page wide (a label never prints apart from its value)
    assert ws.page_setup.paperSize == 9 and ws.sheet_properties.pageSetUpPr.fitToPage
    assert ws.page_setup.fitToWidth in (None, 1) and ws.page_setup.fitToHeight == 0  # 1 wide (default), any tall
    assert wb["Karantina"].print_title_rows.replace("$", "") == "1:1"  # header repeated on every page


def test_summary_says_dibaca_for_rows_read_and_diterima_for_rows_accepted(con, tmp_path):
    """docs/GLOSARIUM.md: 'dibaca' = rows read (accepted + quarantined), 'diterima' = rows accepted. In the
    summary a label never shows two different numbers, every 'dibaca' label shows the rows read and every
    'diterima' label the rows accepted; the old alias capaian.baris_diterima is not printed again."""
    capaian = {
        "kode_kabupaten": "53.01",
        "nama_kabupaten": "Kabupaten Kupang",
        "baris_dibaca": 5,
        "baris_diterima": 5,
        "baris_dibaca_versi_dipakai": 5,
        "baris_rumah_tangga_diterima": 4,
        "rumah_tangga_valid": 4,
        "baris_karantina": 1,
        "baris_karantina_kiriman_terkini": 3,
    }
    path = write_feedback(con, "53.01", tmp_path, capaian=capaian)
    seen: dict[str, set] = {}
    for row in _values(openpyxl.load_workbook(path)["Ringkasan"]):
        if row and row[0] and isinstance(row[1], (int, float)):
            seen.setdefault(row[0], set()).add(row[1])
    assert {k: v for k, v in seen.items() if len(v) > 1} == {}
    dibaca = {k: v for k, v in seen.items() if k.lower().startswith("baris dibaca")}
    diterima = {k: v for k, v in seen.items() if "diterima" in k.lower() and k.lower().startswith("baris")}
    assert dibaca and all(v == {5} for v in dibaca.values()), dibaca
    assert diterima and all(v == {4} for v in diterima.values()), diterima
    assert not [k for k in seen if "nama lama" in k]


# ------------------------------------------------------------------ rewrite only what changed (feedback_digest)

CAPAIAN = {
    "53.01": {"kode_kabupaten": "53.01", "nama_kabupaten": "Kabupaten Kupang", "cakupan": 12.5, "peringkat": 3},
    "53.71": {"kode_kabupaten": "53.71", "nama_kabupaten": "Kota Kupang", "cakupan": 40.0, "peringkat": 1},
}
DISTRICTS = ("53.01", "53.71")  # 53.01 is held (reads the held tables), 53.71 is not


def _write_all(con, out, *, capaian=None, labels=None, **kw) -> dict:
    from orchestration.lib.publish.data_dictionary import Labels
    from orchestration.lib.reports.feedback_digest import write_feedback_if_changed

    capaian = CAPAIAN if capaian is None else capaian
    return {
        kode: write_feedback_if_changed(con, kode, out, capaian=capaian.get(kode), labels=labels or Labels({}), **kw)
        for kode in DISTRICTS
    }


def _stamp(path) -> tuple[int, int]:
    st = os.stat(path)
    return st.st_ino, st.st_mtime_ns


def _rewritten(con, out, **kw) -> dict[str, tuple]:
    """Write every district once more: {kode: (reason, changed inputs)} of those rewritten, checked on disk."""
    from orchestration.lib.reports.feedback import feedback_path

    before = {k: _stamp(feedback_path(out, k)) for k in DISTRICTS if feedback_path(out, k).exists()}
    results = _write_all(con, out, **kw)
    for kode, res in results.items():
        on_disk = before.get(kode) != _stamp(feedback_path(out, kode))
        assert res.written == on_disk, (kode, res)
    return {k: (r.reason, r.changed) for k, r in results.items() if r.written}


def test_unchanged_warehouse_rewrites_nothing(con, tmp_path):
    from orchestration.lib.reports.feedback import FEEDBACK_FILE_MODE, feedback_path
    from orchestration.lib.reports.feedback_digest import digest_path, recorded_digest

    first = _write_all(con, tmp_path)
    assert {k: (r.written, r.reason) for k, r in first.items()} == {k: (True, "file_tidak_ada") for k in DISTRICTS}
    for kode in DISTRICTS:
        assert first[kode].path == feedback_path(tmp_path, kode)
        assert stat.S_IMODE(os.stat(digest_path(tmp_path, kode)).st_mode) == FEEDBACK_FILE_MODE
        assert stat.S_IMODE(os.stat(feedback_path(tmp_path, kode)).st_mode) == FEEDBACK_FILE_MODE
        assert recorded_digest(tmp_path, kode) is not None
    # no temp file left: the workbook and its digest only
    assert sorted(p.name for p in (tmp_path / "53.01").iterdir()) == [
        ".umpan_balik_53.01.digest",
        "umpan_balik_53.01.xlsx",
    ]
    stamps = {k: _stamp(feedback_path(tmp_path, k)) for k in DISTRICTS}
    digests = {k: _stamp(digest_path(tmp_path, k)) for k in DISTRICTS}
    second = _write_all(con, tmp_path)
    assert {k: (r.written, r.reason, r.path) for k, r in second.items()} == {
        k: (False, "tidak_berubah", feedback_path(tmp_path, k)) for k in DISTRICTS
    }
    assert {k: _stamp(feedback_path(tmp_path, k)) for k in DISTRICTS} == stamps
    assert {k: _stamp(digest_path(tmp_path, k)) for k in DISTRICTS} == digests


@pytest.mark.parametrize(
    "change",
    [
        "pesan = 'NIK harus 16 digit (diubah)'",
        "alasan = ['nik_tidak_valid']",
        'nilai_asli = \'{"nik": "530102"}\'',
        "baris = 55",
        "sheet = 'RT2'",
        "jenis = 'realisasi_program'",
    ],
)
def test_a_changed_quarantine_row_rewrites_its_district_only(con, tmp_path, change):
    _write_all(con, tmp_path)
    # 53.01 is held: its workbook shows the rows of its current files (the held table)
    con.execute(f"UPDATE quality.karantina_kiriman_ditahan SET {change} WHERE kode_kabupaten = '53.01' AND baris = 5")
    assert _rewritten(con, tmp_path) == {"53.01": ("sidik_berubah", ("karantina",))}
    assert _rewritten(con, tmp_path) == {}
    con.execute(f"UPDATE quality.karantina SET {change} WHERE kode_kabupaten = '53.71'")
    assert _rewritten(con, tmp_path) == {"53.71": ("sidik_berubah", ("karantina",))}


def test_quarantine_rows_added_or_removed_and_warnings_rewrite_their_district_only(con, tmp_path):
    _write_all(con, tmp_path)
    # a second, identical row does not cancel out in the aggregate
    con.execute("INSERT INTO quality.karantina SELECT * FROM quality.karantina WHERE kode_kabupaten = '53.71'")
    assert _rewritten(con, tmp_path) == {"53.71": ("sidik_berubah", ("karantina",))}
    con.execute("INSERT INTO quality.karantina SELECT * FROM quality.karantina WHERE kode_kabupaten = '53.71'")
    assert _rewritten(con, tmp_path) == {"53.71": ("sidik_berubah", ("karantina",))}
    con.execute("DELETE FROM quality.karantina_kiriman_ditahan WHERE baris = 6")
    assert _rewritten(con, tmp_path) == {"53.01": ("sidik_berubah", ("karantina",))}
    con.execute("UPDATE quality.peringatan_kiriman_ditahan SET pesan = 'lain' WHERE kode_kabupaten = '53.01'")
    assert _rewritten(con, tmp_path) == {"53.01": ("sidik_berubah", ("peringatan",))}
    con.execute("UPDATE quality.peringatan SET kolom = 'no_kk' WHERE kode_kabupaten = '53.71'")
    assert _rewritten(con, tmp_path) == {"53.71": ("sidik_berubah", ("peringatan",))}
    # the version still in use of a held district is not in its workbook: no rewrite
    con.execute("UPDATE quality.karantina SET pesan = 'lain' WHERE kode_kabupaten = '53.01'")
    con.execute("UPDATE quality.peringatan SET pesan = 'lain' WHERE kode_kabupaten = '53.01'")
    assert _rewritten(con, tmp_path) == {}


def test_a_changed_capaian_or_status_rewrites_its_district_only(con, tmp_path):
    _write_all(con, tmp_path)
    capaian = {**CAPAIAN, "53.01": {**CAPAIAN["53.01"], "cakupan": 13.0}}
    assert _rewritten(con, tmp_path, capaian=capaian) == {"53.01": ("sidik_berubah", ("capaian",))}
    assert _rewritten(con, tmp_path, capaian=capaian) == {}
    # same number, other type: the sheet prints an int and a float differently
    capaian = {**capaian, "53.71": {**CAPAIAN["53.71"], "peringkat": 1.0}}
    assert _rewritten(con, tmp_path, capaian=capaian) == {"53.71": ("sidik_berubah", ("capaian",))}
    con.execute("UPDATE quality.status_pengajuan SET alasan_tahan = 'alasan lain' WHERE kode_kabupaten = '53.01'")
    assert _rewritten(con, tmp_path, capaian=capaian) == {"53.01": ("sidik_berubah", ("status",))}
    # released: it now shows the released tables' rows
    con.execute("UPDATE quality.status_pengajuan SET status = 'diterima' WHERE kode_kabupaten = '53.01'")
    assert _rewritten(con, tmp_path, capaian=capaian) == {
        "53.01": ("sidik_berubah", ("karantina", "peringatan", "status"))
    }


def test_other_inputs_of_the_workbook_change_the_digest(con, tmp_path):
    from orchestration.lib.publish.data_dictionary import Labels

    _write_all(con, tmp_path)
    con.execute("UPDATE ingestion.file_registry SET alasan = 'lain' WHERE file_hash = 'h2'")
    assert _rewritten(con, tmp_path) == {"53.01": ("sidik_berubah", ("file",))}
    con.execute("UPDATE ingestion.file_registry SET ada_di_folder = false WHERE file_hash = 'h3'")
    assert _rewritten(con, tmp_path) == {}  # an active file: the sheet prints no ada_di_folder for it
    con.execute("UPDATE ingestion.file_registry SET status = 'rejected' WHERE file_hash = 'h3'")
    assert _rewritten(con, tmp_path) == {"53.71": ("sidik_berubah", ("file",))}
    labels = Labels({"capaian_pendataan": {"cakupan": "Cakupan pendataan (%)"}})
    assert _rewritten(con, tmp_path, labels=labels) == {
        "53.01": ("sidik_berubah", ("label",)),
        "53.71": ("sidik_berubah", ("label",)),
    }
    # without a status row the summary counts the accepted rows itself
    con.execute("CREATE TABLE quality.rumah_tangga_diterima (kode_kabupaten VARCHAR)")
    con.execute("INSERT INTO quality.rumah_tangga_diterima VALUES ('53.71'), ('53.01')")
    assert _rewritten(con, tmp_path, labels=labels) == {"53.71": ("sidik_berubah", ("cadangan",))}
    # notes on files and entries of the folder that were not read
    con.execute("ALTER TABLE ingestion.file_registry ADD COLUMN folder VARCHAR")
    con.execute("UPDATE ingestion.file_registry SET folder = kode_kabupaten")
    con.execute(
        "CREATE TABLE ingestion.catatan_file (folder VARCHAR, file_hash VARCHAR, nama_file VARCHAR, "
        "sheet VARCHAR, kode VARCHAR, catatan VARCHAR)"
    )
    con.execute(
        "CREATE TABLE ingestion.entri_diabaikan (folder VARCHAR, nama VARCHAR, kode VARCHAR, keterangan VARCHAR)"
    )
    assert _rewritten(con, tmp_path, labels=labels) == {}  # still no notes
    con.execute(
        "INSERT INTO ingestion.entri_diabaikan VALUES ('53.01', 'tautan.xlsx', 'tautan_simbolik_diabaikan', 'x')"
    )
    assert _rewritten(con, tmp_path, labels=labels) == {"53.01": ("sidik_berubah", ("catatan",))}


def test_a_changed_proyeksi_row_rewrites_its_district_only(con, tmp_path):
    _write_all(con, tmp_path)
    con.execute("CREATE SCHEMA marts")
    con.execute(
        "CREATE TABLE marts.proyeksi_capaian (kode_kabupaten VARCHAR, status_proyeksi VARCHAR, "
        "proyeksi_cakupan_batas_waktu DOUBLE, batas_waktu_proyeksi DATE)"
    )
    con.execute("INSERT INTO marts.proyeksi_capaian VALUES ('53.01', 'terlambat', 80.0, DATE '2025-10-31')")
    assert _rewritten(con, tmp_path) == {"53.01": ("sidik_berubah", ("label", "proyeksi"))}
    con.execute("UPDATE marts.proyeksi_capaian SET proyeksi_cakupan_batas_waktu = 81.5")
    assert _rewritten(con, tmp_path) == {"53.01": ("sidik_berubah", ("proyeksi",))}
    assert _rewritten(con, tmp_path) == {}


def test_the_deadline_passing_changes_the_digest(con):
    from datetime import date

    from orchestration.lib.publish.data_dictionary import Labels
    from orchestration.lib.reports.feedback_digest import feedback_digest

    def digest(today, batas=date(2025, 10, 31)):
        capaian = {**CAPAIAN["53.01"], "batas_waktu": batas}
        return feedback_digest(con, "53.01", capaian=capaian, proyeksi=None, labels=Labels({}), today=today)

    assert digest(date(2025, 10, 1)) == digest(date(2025, 10, 31))  # "Paling lambat" reads the same
    assert digest(date(2025, 10, 31)).sidik != digest(date(2025, 11, 1)).sidik  # "(sudah lewat: ...)"
    assert digest(date(2025, 11, 1)) == digest(date(2026, 1, 1))
    passed, before = digest(date(2025, 11, 1)), digest(date(2025, 10, 1))
    assert [k for k in passed.bagian if passed.bagian[k] != before.bagian[k]] == ["tanggal"]


def test_a_missing_workbook_is_written_although_its_digest_is_recorded(con, tmp_path):
    from orchestration.lib.reports.feedback import feedback_path
    from orchestration.lib.reports.feedback_digest import digest_path

    _write_all(con, tmp_path)
    feedback_path(tmp_path, "53.01").unlink()
    assert digest_path(tmp_path, "53.01").exists()
    assert _rewritten(con, tmp_path) == {"53.01": ("file_tidak_ada", ())}
    assert feedback_path(tmp_path, "53.01").is_file()
    # a missing or unreadable digest: written again, then recorded
    digest_path(tmp_path, "53.71").write_text("rusak")
    assert _rewritten(con, tmp_path) == {"53.71": ("sidik_tidak_ada", ())}
    assert _rewritten(con, tmp_path) == {}


def test_force_rewrites_every_workbook(con, tmp_path):
    _write_all(con, tmp_path)
    assert _rewritten(con, tmp_path, force=True) == {k: ("dipaksa", ()) for k in DISTRICTS}
    assert _rewritten(con, tmp_path) == {}


def test_a_new_layout_version_rewrites_every_workbook(con, tmp_path, monkeypatch):
    from orchestration.lib.publish.data_dictionary import Labels
    from orchestration.lib.reports import feedback_digest

    def digest():
        return feedback_digest.feedback_digest(con, "53.71", capaian=None, proyeksi=None, labels=Labels({}))

    _write_all(con, tmp_path)
    before = digest()
    monkeypatch.setattr(feedback_digest, "LAYOUT_VERSION", feedback_digest.LAYOUT_VERSION + 1)
    assert digest().sidik != before.sidik
    assert _rewritten(con, tmp_path) == {k: ("sidik_berubah", ("tata_letak",)) for k in DISTRICTS}
    assert _rewritten(con, tmp_path) == {}


@pytest.mark.parametrize("step", ["write_feedback", "atomic_write"])
def test_a_crash_while_writing_costs_one_rewrite_never_a_stale_workbook(con, tmp_path, monkeypatch, step):
    """A crash while the workbook is written, or after it and before its digest is recorded: the next run
    writes it again (the digest is recorded last)."""
    from orchestration.lib.reports import feedback_digest

    _write_all(con, tmp_path)
    con.execute("UPDATE quality.karantina SET pesan = 'baru' WHERE kode_kabupaten = '53.71'")

    def crash(*a, **k):
        raise OSError("disk penuh")

    with monkeypatch.context() as m:
        m.setattr(feedback_digest, step, crash)
        with pytest.raises(OSError):
            _write_all(con, tmp_path)
    assert _rewritten(con, tmp_path) == {"53.71": ("sidik_berubah", ("karantina",))}
    assert _rewritten(con, tmp_path) == {}


def test_no_workbook_and_no_digest_for_a_district_without_files(con, tmp_path):
    from orchestration.lib.publish.data_dictionary import Labels
    from orchestration.lib.reports.feedback_digest import write_feedback_if_changed

    res = write_feedback_if_changed(con, "53.05", tmp_path, labels=Labels({}), force=True)
    assert (res.path, res.written, res.reason) == (None, False, "tanpa_file")
    assert not (tmp_path / "53.05").exists()


def test_the_workbook_written_when_changed_is_the_one_write_feedback_writes(con, tmp_path):
    from orchestration.lib.publish.data_dictionary import Labels

    _write_all(con, tmp_path / "a")
    for kode in DISTRICTS:
        a = openpyxl.load_workbook(tmp_path / "a" / kode / f"umpan_balik_{kode}.xlsx")
        b = openpyxl.load_workbook(write_feedback(con, kode, tmp_path / "b", capaian=CAPAIAN[kode], labels=Labels({})))
        assert a.sheetnames == b.sheetnames
        for ws in a.worksheets:
            rows_a, rows_b = _values(ws), _values(b[ws.title])
            if ws.title == "Ringkasan":  # the time it was written
                rows_a, rows_b = ([r for r in rows if r[0] != "Dibuat"] for rows in (rows_a, rows_b))
            assert rows_a == rows_b, ws.title


def _warehouse_file(con, tmp_path) -> Path:
    """The fixture's tables in a warehouse file under ``tmp_path/data``, with what the asset reads."""
    con.execute("ALTER TABLE ingestion.file_registry ADD COLUMN folder VARCHAR")
    con.execute("UPDATE ingestion.file_registry SET folder = kode_kabupaten")
    con.execute("CREATE SCHEMA marts")
    con.execute("CREATE TABLE marts.capaian_pendataan (kode_kabupaten VARCHAR, cakupan DOUBLE)")
    con.execute("INSERT INTO marts.capaian_pendataan VALUES ('53.01', 12.5), ('53.71', 40.0)")
    db = tmp_path / "data" / "warehouse" / "p3jr.duckdb"
    db.parent.mkdir(parents=True)
    con.execute(f"ATTACH '{db}' AS gudang")
    con.execute("COPY FROM DATABASE memory TO gudang")
    con.execute("DETACH gudang")
    return db


def test_worker_processes_write_what_one_process_writes(con, tmp_path):
    """The province night shares the workbooks between worker processes (feedback_pool): the same
    workbooks, digests and results as writing them one after the other, each from the plan taken here."""
    from orchestration.lib.reports.feedback_digest import digest_path
    from orchestration.lib.reports.feedback_pool import write_all_feedback

    db = _warehouse_file(con, tmp_path)
    one = write_all_feedback(db, tmp_path / "a", workers=1)
    two = write_all_feedback(db, tmp_path / "b", workers=2, min_rows=0)
    assert [(r.kode_kabupaten, r.written, r.reason) for r in one] == [(k, True, "file_tidak_ada") for k in DISTRICTS]
    assert [(r.kode_kabupaten, r.written, r.reason) for r in two] == [(k, True, "file_tidak_ada") for k in DISTRICTS]
    assert [r.path for r in two] == [tmp_path / "b" / k / f"umpan_balik_{k}.xlsx" for k in DISTRICTS]
    for kode in DISTRICTS:
        assert digest_path(tmp_path / "a", kode).read_text() == digest_path(tmp_path / "b", kode).read_text()
        a = openpyxl.load_workbook(tmp_path / "a" / kode / f"umpan_balik_{kode}.xlsx")
        b = openpyxl.load_workbook(tmp_path / "b" / kode / f"umpan_balik_{kode}.xlsx")
        assert a.sheetnames == b.sheetnames
        for ws in a.worksheets:
            rows_a, rows_b = _values(ws), _values(b[ws.title])
            if ws.title == "Ringkasan":  # the time it was written
                rows_a, rows_b = ([r for r in rows if r[0] != "Dibuat"] for rows in (rows_a, rows_b))
            assert rows_a == rows_b, (kode, ws.title)
    # planned again: nothing changed, so nothing is written (and no worker started)
    again = write_all_feedback(db, tmp_path / "b", workers=2, min_rows=0)
    assert [(r.kode_kabupaten, r.written, r.reason) for r in again] == [(k, False, "tidak_berubah") for k in DISTRICTS]


def test_workers_only_for_several_workbooks_with_enough_rows():
    from orchestration.lib.reports.feedback_digest import Digest, FeedbackPlan
    from orchestration.lib.reports.feedback_pool import worker_count

    def plans(*rows):
        return [FeedbackPlan(f"53.{i:02d}", "dipaksa", (), Digest("x"), None, None, n) for i, n in enumerate(rows)]

    assert worker_count(plans(90_000), 2, 50_000) == 1  # one workbook: no process to share it with
    assert worker_count(plans(20_000, 20_000), 2, 50_000) == 1  # starting workers costs more
    assert worker_count(plans(40_000, 20_000), 2, 50_000) == 2
    assert worker_count(plans(40_000, 20_000), 4, 50_000) == 2  # never more workers than workbooks
    assert worker_count(plans(40_000, 20_000, 1), 3, 0) == 3


def test_the_asset_reports_what_it_rewrote(con, tmp_path):
    import dagster as dg

    from orchestration.defs.quality.umpan_balik import umpan_balik_kabupaten
    from orchestration.defs.resources import SettingsResource, WarehouseResource
    from orchestration.lib.runs import FORCE_TAG
    from orchestration.settings import SETTINGS_ENV

    _warehouse_file(con, tmp_path)
    settings = SettingsResource(
        **{**dict.fromkeys(SETTINGS_ENV, ""), "data_dir": str(tmp_path / "data"), "pseudonym_key": "kunci-uji"}
    )
    resources = {"settings": settings, "warehouse": WarehouseResource(settings=settings)}

    def run(**tags) -> dict:
        result = dg.materialize([umpan_balik_kabupaten], resources=resources, tags=tags)
        meta = result.asset_materializations_for_node("quality__umpan_balik_kabupaten")[0].metadata
        return {k: v.value for k, v in meta.items()}

    out = tmp_path / "data" / "reports" / "umpan_balik"
    files = {k: str(out / k / f"umpan_balik_{k}.xlsx") for k in DISTRICTS}
    first = run()
    assert first["file"] == files and first["jumlah"] == 2
    assert first["ditulis"] == list(DISTRICTS) and first["jumlah_ditulis"] == 2
    assert first["tidak_berubah"] == [] and first["jumlah_tidak_berubah"] == 0
    again = run()
    assert again["file"] == files and again["jumlah"] == 2
    assert again["ditulis"] == [] and again["tidak_berubah"] == list(DISTRICTS)
    forced = run(**{FORCE_TAG: "ya"})
    assert forced["ditulis"] == list(DISTRICTS) and forced["alasan_ditulis"] == dict.fromkeys(DISTRICTS, "dipaksa")
