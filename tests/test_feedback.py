"""District feedback workbook (orchestration/lib/reports/feedback*.py)."""

from __future__ import annotations

import json
import os
import stat
from datetime import datetime

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
