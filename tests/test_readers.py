"""Readers: every sheet shape districts send, and every file-level rejection."""

from __future__ import annotations

import datetime as dt
import json
import zipfile
from pathlib import Path

import openpyxl
import pyarrow as pa
import pytest
import xlsxwriter

from sources import contract, readers, readers_header
from sources.readers import FileRejected, read_file

RT_HEADER = ["No", "NIK", "Nama KK", "Kode Desa", "Jml Jiwa", "Luas Lantai (m2)", "Atap", "Tgl Pendataan"]


def _xlsx(path: Path, sheets: dict[str, list[list[object]]], hidden=(), very_hidden=()):
    """Write an xlsx with openpyxl: each sheet is a list of rows (row 1 first; None = empty cell)."""
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for name, rows in sheets.items():
        ws = wb.create_sheet(name)
        for r, row in enumerate(rows, start=1):
            for c, v in enumerate(row, start=1):
                if v is not None:
                    ws.cell(row=r, column=c, value=v)
        if name in hidden:
            ws.sheet_state = "hidden"
        if name in very_hidden:
            ws.sheet_state = "veryHidden"
    wb.save(path)
    return path


def _col(sheet: readers.SheetData, name: str) -> list:
    return sheet.table.column(name).to_pylist()


# ------------------------------------------------------------------------------------------ xlsx shapes


def test_xlsx_title_rows_instruction_hidden_blank_totals_trailing(tmp_path):
    data = [
        ["PENDATAAN RUMAH TANGGA PROGRAM 3 JUTA RUMAH"],  # row 1 title
        ["Kabupaten Kupang, TA 2025"],  # row 2 title
        [],  # row 3 blank
        RT_HEADER + ["Keterangan"],  # row 4 header
        [1, "5301045203850001", "Oh'aem", "53.01.01.2001", 4, 36.5, "Seng", dt.datetime(2025, 1, 12)],  # row 5
        [],  # row 6 blank: skipped
        [None, None, None, None, None, None, None, None, "   "],  # row 7 whitespace only: blank
        [2, "5301046505900002", "Maria", "53.01.01.2002", 3, 21, "Genteng", None, "pindah"],  # row 8
        ["JUMLAH", None, None, None, 7, 57.5],  # row 9 totals row
    ]
    p = _xlsx(
        tmp_path / "kupang.xlsx",
        {
            "Petunjuk": [["Cara mengisi"], ["Kolom NIK diisi 16 digit"], ["Nama KK diisi lengkap"]],
            "Data": data,
            "Lama": [RT_HEADER, [1, "5301045203850009", "Hidden", "53.01.01.2001", 4, 30, "Seng"]],
            "Rahasia": [RT_HEADER, [1, "5301045203850008", "VeryHidden", "53.01.01.2001", 4, 30, "Seng"]],
        },
        hidden=("Lama",),
        very_hidden=("Rahasia",),
    )
    res = read_file(p)
    assert [s.sheet for s in res.sheets] == ["Data"]
    assert res.kind == "rumah_tangga"
    assert res.encoding is None and res.delimiter is None
    sh = res.sheets[0]
    assert sh.header_row == 4
    assert _col(sh, "baris") == [5, 8]
    assert sh.table.schema.field("baris").type == pa.int32()
    assert sh.skipped_blank == 2
    assert sh.skipped_total == 1
    assert _col(sh, "nik") == ["5301045203850001", "5301046505900002"]
    assert _col(sh, "nama_kepala_keluarga") == ["Oh'aem", "Maria"]
    assert _col(sh, "jumlah_anggota_keluarga") == ["4", "3"]
    assert _col(sh, "luas_lantai_m2") == ["36.5", "21"]
    assert _col(sh, "material_atap") == ["Seng", "Genteng"]
    assert _col(sh, "tanggal_pendataan") == ["2025-01-12", None]
    assert _col(sh, "nik_numerik") == [False, False]
    assert _col(sh, "kecamatan") == [None, None]  # absent canonical column: null
    assert [json.loads(x) for x in _col(sh, "kolom_tambahan")] == [{"No": "1"}, {"No": "2", "Keterangan": "pindah"}]
    # every canonical column present, as string, in contract order after baris
    names = sh.table.column_names
    assert names[0] == "baris"
    assert names[1 : 1 + len(contract.column_names("rumah_tangga"))] == contract.column_names("rumah_tangga")
    for c in contract.column_names("rumah_tangga"):
        assert sh.table.schema.field(c).type == pa.string()
    assert sh.table.schema.field("nik_numerik").type == pa.bool_()
    assert ("nik", "NIK", 1) in sh.headers
    assert ("", "No", 0) in sh.headers
    assert ("", "Keterangan", 8) in sh.headers


def test_xlsx_numeric_cells_and_dates(tmp_path):
    p = tmp_path / "angka.xlsx"
    wb = xlsxwriter.Workbook(str(p))
    ws = wb.add_worksheet("Data")
    date_fmt = wb.add_format({"num_format": "dd/mm/yyyy"})
    dtm_fmt = wb.add_format({"num_format": "dd/mm/yyyy hh:mm"})
    ws.write_row(
        0,
        0,
        [
            "NIK",
            "No. KK",
            "Nama Kepala Keluarga",
            "Kecamatan",
            "Desa",
            "Luas Lantai",
            "Lintang",
            "Tanggal Pendataan",
            "Penghasilan",
            "Pernah Menerima Bantuan",
            "Petugas",
        ],
    )
    ws.write_number(1, 0, 5301045203850000)  # numeric NIK (Excel damage candidate)
    ws.write_number(1, 1, 5301041203090001)
    ws.write_string(1, 2, "Yohanes")
    ws.write_string(1, 3, "Kupang Tengah")
    ws.write_string(1, 4, "Oebelo")
    ws.write_number(1, 5, 36.5)
    ws.write_number(1, 6, -10.1234567)
    ws.write_datetime(1, 7, dt.datetime(2025, 1, 12), date_fmt)
    ws.write_number(1, 8, 1500000.0)
    ws.write_boolean(1, 9, True)
    ws.write_number(1, 10, 0.1 + 0.2)  # binary noise: shows as 0.3
    ws.write_string(2, 0, "  5301045203850001 ")
    ws.write_number(2, 1, 5.30104e15)
    ws.write_string(2, 2, "Ana")
    ws.write_string(2, 3, "K")
    ws.write_string(2, 4, "D")
    ws.write_number(2, 5, 7)
    ws.write_datetime(2, 7, dt.datetime(2025, 2, 3, 14, 30), dtm_fmt)
    ws.write_boolean(2, 9, False)
    wb.close()
    sh = read_file(p).sheets[0]
    assert _col(sh, "nik") == ["5301045203850000", "5301045203850001"]
    assert _col(sh, "nik_numerik") == [True, False]
    assert _col(sh, "no_kk") == ["5301041203090001", "5301040000000000"]
    assert _col(sh, "no_kk_numerik") == [True, True]
    assert _col(sh, "luas_lantai_m2") == ["36.5", "7"]
    assert _col(sh, "latitude") == ["-10.1234567", None]
    assert _col(sh, "tanggal_pendataan") == ["2025-01-12", "2025-02-03 14:30:00"]
    assert _col(sh, "penghasilan_per_bulan") == ["1500000", None]
    assert _col(sh, "pernah_menerima_bantuan") == ["TRUE", "FALSE"]
    assert _col(sh, "nama_petugas") == ["0.3", None]  # 'Petugas' is an alias of nama_petugas


@pytest.mark.parametrize(
    "value, text",
    [
        (5301045203850000.0, "5301045203850000"),
        (36.5, "36.5"),
        (3.0, "3"),
        (-0.0, "0"),
        (0.1 + 0.2, "0.3"),
        (1e-7, "1e-07"),
        (12, "12"),
        (True, "TRUE"),
        (False, "FALSE"),
        (dt.date(2025, 1, 12), "2025-01-12"),
        (dt.datetime(2025, 1, 12, 0, 0), "2025-01-12"),
        (dt.datetime(2025, 1, 12, 8, 5, 9), "2025-01-12 08:05:09"),
        (dt.time(10, 30), "10:30:00"),
        ("  teks  ", "teks"),
        ("   ", None),
        ("", None),
        (None, None),
    ],
)
def test_cell_text(value, text):
    assert readers.cell_text(value) == text


def test_xlsx_group_header_above_full_header(tmp_path):
    p = tmp_path / "grup.xlsx"
    wb = xlsxwriter.Workbook(str(p))
    ws = wb.add_worksheet("RTLH")
    ws.write(0, 0, "DAFTAR RUMAH TANGGA")
    ws.merge_range("E3:G3", "KONDISI RUMAH")  # group row 3 (0-based 2)
    ws.write_row(3, 0, ["NIK", "Nama", "Kec.", "Desa/Kel", "Kondisi Atap", "Kondisi Dinding", "Kondisi Lantai"])
    ws.write_row(4, 0, ["5301045203850001", "A", "Kec", "Ds", "Baik", "Rusak Ringan", "Rusak Berat"])
    wb.close()
    sh = read_file(p).sheets[0]
    assert sh.header_row == 4
    assert _col(sh, "baris") == [5]
    assert _col(sh, "kondisi_dinding") == ["Rusak Ringan"]
    assert _col(sh, "kolom_tambahan") == [None]


def test_xlsx_two_row_merged_header(tmp_path):
    p = tmp_path / "dua_baris.xlsx"
    wb = xlsxwriter.Workbook(str(p))
    ws = wb.add_worksheet("Data")
    ws.write(0, 0, "DATA RTLH")
    for j, h in enumerate(["No", "NIK", "Nama KK", "Kode Desa"]):
        ws.merge_range(2, j, 3, j, h)  # vertically merged header cells
    ws.merge_range("E3:G3", "KONDISI RUMAH")
    ws.write_row(3, 4, ["Atap", "Dinding", "Lantai"])
    ws.merge_range("H3:I3", "MATERIAL")
    ws.write_row(3, 7, ["Atap", "Dinding"])
    ws.write_row(4, 0, [1, "5301045203850001", "A", "53.01.01.2001", "Baik", "Rusak Sedang", "Baik", "Seng", "Bambu"])
    ws.write_row(5, 0, [2, "5301045203850002", "B", "53.01.01.2001", "Baik"])
    wb.close()
    sh = read_file(p).sheets[0]
    assert sh.header_row == 3
    assert _col(sh, "baris") == [5, 6]
    assert _col(sh, "kondisi_atap") == ["Baik", "Baik"]
    assert _col(sh, "kondisi_dinding") == ["Rusak Sedang", None]
    assert _col(sh, "material_atap") == ["Seng", None]
    assert _col(sh, "material_dinding") == ["Bambu", None]
    assert _col(sh, "nik") == ["5301045203850001", "5301045203850002"]


def test_xlsx_column_number_row_under_header(tmp_path):
    p = _xlsx(
        tmp_path / "nomor.xlsx",
        {
            "Data": [
                RT_HEADER,
                ["(1)", "(2)", "(3)", "(4)", "(5)", "(6)", "(7)", "(8)"],
                [1, "5301045203850001", "A", "53.01.01.2001", 2, 30, "Seng"],
            ]
        },
    )
    sh = read_file(p).sheets[0]
    assert _col(sh, "baris") == [3]


def test_xlsx_blank_header_cell_duplicates_extras_trailing_columns(tmp_path):
    p = tmp_path / "kolom.xlsx"
    wb = xlsxwriter.Workbook(str(p))
    ws = wb.add_worksheet("Data")
    fmt = wb.add_format({"bg_color": "yellow"})
    ws.write_row(0, 0, ["NIK", "Nama KK", None, "Kecamatan", "Desa", None, "NIK KK", "Catatan RT", None, "Catatan RT"])
    ws.write_row(1, 0, ["5301045203850001", "A", "coretan", "Kec", "Ds", None, "5301045203859999", "c1", None, "c2"])
    ws.write_row(2, 0, ["5301045203850002", "B", None, "Kec", "Ds", None, None, None])
    for c in range(10, 20):  # trailing formatted-but-empty columns
        ws.write_blank(1, c, None, fmt)
    wb.close()
    sh = read_file(p).sheets[0]
    assert _col(sh, "nik") == ["5301045203850001", "5301045203850002"]  # first NIK column wins
    extras = [json.loads(x) if x else None for x in _col(sh, "kolom_tambahan")]
    assert extras[0] == {
        "kolom_3": "coretan",
        "NIK KK": "5301045203859999",
        "Catatan RT": "c1",
        "Catatan RT (kolom 10)": "c2",
    }
    assert extras[1] is None
    assert sh.headers == [
        ("nik", "NIK", 0),
        ("nama_kepala_keluarga", "Nama KK", 1),
        ("", "kolom_3", 2),
        ("kecamatan", "Kecamatan", 3),
        ("desa", "Desa", 4),
        ("", "NIK KK", 6),
        ("", "Catatan RT", 7),
        ("", "Catatan RT (kolom 10)", 9),
    ]


def test_xlsx_aliases_from_contract(tmp_path):
    aliases = contract.header_aliases("rumah_tangga")
    # pick, for each canonical column, a non-canonical alias from header_aliases.csv
    chosen: dict[str, str] = {}
    import csv

    with open(contract.KONTRAK_DIR / "header_aliases.csv", newline="", encoding="utf-8") as fh:
        for r in csv.DictReader(fh):
            if r["jenis"] == "rumah_tangga" and r["alias"] != r["kolom"]:
                chosen.setdefault(r["kolom"], r["alias"])
    cols = contract.column_names("rumah_tangga")
    assert set(chosen) == set(cols)
    header = [chosen[c].upper() for c in cols]  # case-insensitive
    values = [f"v_{c}" for c in cols]
    p = _xlsx(tmp_path / "alias.xlsx", {"Sheet1": [["JUDUL"], header, values]})
    sh = read_file(p).sheets[0]
    for c in cols:
        assert _col(sh, c) == [f"v_{c}"], c
    assert {h[0] for h in sh.headers} == set(cols)
    assert all(aliases[contract.normalize(h[1])] == h[0] for h in sh.headers)


def test_xlsx_both_kinds_campuran(tmp_path):
    p = _xlsx(
        tmp_path / "gabungan.xlsx",
        {
            "Rumah Tangga": [RT_HEADER, [1, "5301045203850001", "A", "53.01.01.2001", 2, 30, "Seng"]],
            "Realisasi": [
                ["REALISASI PROGRAM TA 2025"],
                [
                    "Kode Kab/Kota",
                    "Program",
                    "Sumber Dana",
                    "Kegiatan",
                    "Target Unit",
                    "Realisasi Unit",
                    "Nilai (Rp)",
                    "Tahun Anggaran",
                ],
                ["53.01", "BSPS", "APBN", "Peningkatan Kualitas", 100, 80, 2000000000, 2025],
                ["53.01", "FLPP", "Perbankan", "KPR Subsidi", 50, 50, None, 2025],
                ["Total", None, None, None, 150, 130, 2000000000],
            ],
        },
    )
    res = read_file(p)
    assert res.kind == "campuran"
    rt, rp = res.sheets
    assert (rt.kind, rp.kind) == ("rumah_tangga", "realisasi_program")
    assert rp.sheet == "Realisasi"
    assert rp.table.column_names == (
        ["baris"] + contract.column_names("realisasi_program") + ["kolom_tambahan", readers.READ_PROBLEM_COLUMN]
    )
    assert _col(rp, readers.READ_PROBLEM_COLUMN) == [None, None]
    assert _col(rp, "baris") == [3, 4]
    assert _col(rp, "unit_rencana") == ["100", "50"]
    assert _col(rp, "nilai_rupiah") == ["2000000000", None]
    assert _col(rp, "tahun_anggaran") == ["2025", "2025"]
    assert rp.skipped_total == 1
    assert "nik_numerik" not in rp.table.column_names


def test_totals_row_with_nik_is_data(tmp_path):
    p = _xlsx(
        tmp_path / "jumlah.xlsx",
        {
            "Data": [
                ["Nama KK", "NIK", "Kode Desa", "Jml Jiwa"],
                ["Jumlahan Ama", "5301045203850001", "53.01.01.2001", 3],
                ["Total", None, None, 3],
            ]
        },
    )
    sh = read_file(p).sheets[0]
    assert _col(sh, "nama_kepala_keluarga") == ["Jumlahan Ama"]
    assert sh.skipped_total == 1


def test_sniff_kind():
    assert readers_header.sniff_kind(["No", "NIK", "Nama KK", "Jumlah Jiwa"]) == "rumah_tangga"
    assert readers_header.sniff_kind(["Program", "Sumber Dana", "Tahun Anggaran"]) == "realisasi_program"
    # three rumah tangga matches but no location/NIK column: not a header
    assert readers_header.sniff_kind(["Nama KK", "Jumlah Jiwa", "Atap"]) is None
    assert readers_header.sniff_kind(["Kecamatan", "Desa", "Nama"]) == "rumah_tangga"
    assert readers_header.sniff_kind(["PENDATAAN RUMAH TANGGA"]) is None
    assert readers_header.sniff_kind([]) is None


# ------------------------------------------------------------------------------------------ csv


CSV_HEADER = ["NIK", "Nama Kepala Keluarga", "Kecamatan", "Desa", "Luas Lantai (m2)", "Keterangan"]


@pytest.mark.parametrize("delim", [",", ";", "\t"])
def test_csv_delimiters_quotes_apostrophes(tmp_path, delim):
    q = '"'
    lines = [
        delim.join(CSV_HEADER),
        delim.join(["5301045203850001", "Oh'aem", "Kupang Tengah", "Oebelo", f"{q}36,5{q}", f"{q}a{delim} b; c, d{q}"]),
        delim.join(["5301045203850002", f"{q}Ama {q}{q}Bapa{q}{q}{q}", "K", "D", "21", ""]),
    ]
    p = tmp_path / "data.csv"
    p.write_bytes(("\r\n".join(lines) + "\r\n").encode("utf-8"))
    res = read_file(p)
    assert res.delimiter == delim
    assert res.encoding == "utf-8"
    sh = res.sheets[0]
    assert sh.sheet == ""
    assert sh.header_row == 1
    assert _col(sh, "baris") == [2, 3]
    assert _col(sh, "nama_kepala_keluarga") == ["Oh'aem", 'Ama "Bapa"']
    assert _col(sh, "luas_lantai_m2") == ["36,5", "21"]
    assert json.loads(_col(sh, "kolom_tambahan")[0]) == {"Keterangan": f"a{delim} b; c, d"}
    assert _col(sh, "kolom_tambahan")[1] is None
    assert _col(sh, "nik_numerik") == [False, False]


def test_csv_semicolon_with_decimal_commas_beats_comma(tmp_path):
    rows = ["NIK;Nama KK;Kec.;Desa;Luas Lantai;Lintang;Bujur"]
    for i in range(10):
        rows.append(f"530104520385000{i};Nama {i};K;D;36,5;-10,15;123,6")
    p = tmp_path / "titik_koma.csv"
    p.write_text("\n".join(rows) + "\n", encoding="utf-8")
    res = read_file(p)
    assert res.delimiter == ";"
    assert _col(res.sheets[0], "latitude")[0] == "-10,15"


def test_csv_delimiter_chosen_by_header_not_only_field_counts(tmp_path):
    # ragged ';' rows (trailing fields left out) while every data row has exactly one decimal comma
    text = (
        "NIK;Nama KK;Kode Desa;Luas Lantai;Keterangan\n"
        "5301045203850001;A;53.01.01.2001;36,5\n"
        "5301045203850002;B;53.01.01.2001;21,5\n"
        "5301045203850003;C;53.01.01.2001;40,5;catatan\n"
    )
    p = tmp_path / "ragged_semicolon.csv"
    p.write_text(text, encoding="utf-8")
    res = read_file(p)
    assert res.delimiter == ";"
    assert _col(res.sheets[0], "luas_lantai_m2") == ["36,5", "21,5", "40,5"]


def test_csv_utf8_sig(tmp_path):
    p = tmp_path / "bom.csv"
    p.write_bytes(b"\xef\xbb\xbf" + "NIK,Nama KK,Kode Desa\n5301045203850001,José,53.01.01.2001\n".encode())
    res = read_file(p)
    assert res.encoding == "utf-8-sig"
    sh = res.sheets[0]
    assert ("nik", "NIK", 0) in sh.headers  # BOM not glued to the first header
    assert _col(sh, "nama_kepala_keluarga") == ["José"]


def test_csv_cp1252(tmp_path):
    p = tmp_path / "excel_windows.csv"
    p.write_bytes(
        "NIK;Nama KK;Kode Desa;Petugas\n5301045203850001;José Muñoz;53.01.01.2001;Ana “Bel”\n".encode("cp1252")
    )
    res = read_file(p)
    assert res.encoding == "cp1252"
    sh = res.sheets[0]
    assert _col(sh, "nama_kepala_keluarga") == ["José Muñoz"]
    assert _col(sh, "nama_petugas") == ["Ana “Bel”"]


def test_csv_latin1_fallback(tmp_path):
    p = tmp_path / "latin.csv"
    # 0x81 is undefined in cp1252 → latin-1
    p.write_bytes(b"NIK,Nama KK,Kode Desa\n5301045203850001,Jos\xe9\x81,53.01.01.2001\n")
    res = read_file(p)
    assert res.encoding == "latin-1"
    assert _col(res.sheets[0], "nama_kepala_keluarga") == ["José\x81"]


def test_csv_utf16_excel_unicode_text(tmp_path):
    p = tmp_path / "unicode.txt"
    p.write_bytes("NIK\tNama KK\tKode Desa\r\n5301045203850001\tÑina\t53.01.01.2001\r\n".encode("utf-16"))
    res = read_file(p)
    assert res.encoding == "utf-16" and res.delimiter == "\t"
    assert _col(res.sheets[0], "nama_kepala_keluarga") == ["Ñina"]


def test_csv_baris_title_lines_blank_lines_multiline_totals(tmp_path):
    text = (
        "Pendataan Rumah Tangga Kabupaten Kupang\n"  # 1 title
        "\n"  # 2 blank
        "NIK,Nama KK,Kode Desa,Jml Jiwa\n"  # 3 header
        "5301045203850001,A,53.01.01.2001,3\n"  # 4
        "\n"  # 5 blank
        ",,,\n"  # 6 only delimiters: blank
        '5301045203850002,"Baris\ndua",53.01.01.2001,4\n'  # 7 (record spans two lines)
        "5301045203850003,C,53.01.01.2001,5\n"  # 8
        "JUMLAH,,,12\n"  # 9 totals
    )
    p = tmp_path / "baris.csv"
    p.write_text(text, encoding="utf-8")
    sh = read_file(p).sheets[0]
    assert sh.header_row == 3
    assert _col(sh, "baris") == [4, 7, 8]
    assert _col(sh, "nama_kepala_keluarga") == ["A", "Baris\ndua", "C"]
    assert sh.skipped_blank == 2
    assert sh.skipped_total == 1


def test_csv_realisasi(tmp_path):
    p = tmp_path / "realisasi.csv"
    p.write_text(
        "kode_kabupaten,program,sumber_dana,jenis_kegiatan,unit_rencana,unit_selesai,nilai_rupiah,tahun_anggaran\n"
        "53.01,BSPS,APBN,peningkatan_kualitas,10,8,200000000,2025\n"
        "Jumlah,,,,10,8,200000000,\n",
        encoding="utf-8",
    )
    res = read_file(p)
    assert res.kind == "realisasi_program"
    sh = res.sheets[0]
    assert sh.table.num_rows == 1 and sh.skipped_total == 1
    assert _col(sh, "program") == ["BSPS"]


def test_csv_ragged_rows(tmp_path):
    p = tmp_path / "ragged.csv"
    p.write_text("NIK,Nama KK,Kode Desa\n5301045203850001\n5301045203850002,B,53.01.01.2001,lebih\n", encoding="utf-8")
    sh = read_file(p).sheets[0]
    assert _col(sh, "nama_kepala_keluarga") == [None, "B"]
    assert [json.loads(x) if x else None for x in _col(sh, "kolom_tambahan")] == [None, {"kolom_4": "lebih"}]


# ------------------------------------------------------------------------------------------ rejections


def _rejected(path: Path, **kw) -> FileRejected:
    with pytest.raises(FileRejected) as ei:
        read_file(path, **kw)
    exc = ei.value
    assert exc.code in contract.reasons() and contract.reason(exc.code).applies_to == "file"
    assert isinstance(exc.detail, str)
    return exc


def test_reject_empty(tmp_path):
    for name in ("kosong.xlsx", "kosong.csv"):
        p = tmp_path / name
        p.write_bytes(b"")
        assert _rejected(p).code == "file_kosong"


def test_reject_truncated_xlsx(tmp_path):
    good = _xlsx(tmp_path / "good.xlsx", {"Data": [RT_HEADER, [1, "5301045203850001", "A", "53.01.01.2001", 2]]})
    data = good.read_bytes()
    for cut in (len(data) // 2, len(data) - 30, 100):
        p = tmp_path / f"potong_{cut}.xlsx"
        p.write_bytes(data[:cut])
        assert _rejected(p).code == "file_rusak", cut


def test_reject_zip_without_workbook(tmp_path):
    p = tmp_path / "arsip.xlsx"
    with zipfile.ZipFile(p, "w") as z:
        z.writestr("hello.txt", "not a workbook")
    assert _rejected(p).code == "file_rusak"


def test_reject_corrupt_sheet_xml(tmp_path):
    good = _xlsx(tmp_path / "good.xlsx", {"Data": [RT_HEADER, [1, "5301045203850001", "A", "53.01.01.2001", 2]]})
    p = tmp_path / "xml_rusak.xlsx"
    with zipfile.ZipFile(good) as zin, zipfile.ZipFile(p, "w") as zout:
        for item in zin.infolist():
            body = zin.read(item.filename)
            if item.filename.startswith("xl/worksheets/sheet"):
                body = body[: len(body) // 2]
            zout.writestr(item, body)
    assert _rejected(p).code == "file_rusak"


def test_reject_text_renamed_xlsx(tmp_path):
    p = tmp_path / "teks.xlsx"
    p.write_text("NIK,Nama KK,Kode Desa\n5301045203850001,A,53.01.01.2001\n", encoding="utf-8")
    assert _rejected(p).code == "file_rusak"


def test_reject_ole2_as_terkunci(tmp_path):
    header = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504
    p = tmp_path / "terkunci.xlsx"
    p.write_bytes(header + "EncryptedPackage".encode("utf-16-le") + b"\x00" * 1024)
    exc = _rejected(p)
    assert exc.code == "file_terkunci" and "EncryptedPackage" in exc.detail
    # an OLE2 file without EncryptedPackage is not called locked: it is tried as a legacy .xls
    p2 = tmp_path / "ole_saja.xlsm"
    p2.write_bytes(header + b"\x00" * 1024)
    assert _rejected(p2).code == "format_lama_tidak_terbaca"


def test_reject_no_header(tmp_path):
    p = _xlsx(
        tmp_path / "tanpa_header.xlsx",
        {"Petunjuk": [["Isi data"], ["NIK 16 digit"]], "Kosong": [[]], "Data": [["a", "b", "c"], [1, 2, 3]]},
    )
    assert _rejected(p).code == "header_tidak_dikenal"
    p2 = tmp_path / "tanpa_header.csv"
    p2.write_text("kolom1,kolom2,kolom3\n1,2,3\n", encoding="utf-8")
    assert _rejected(p2).code == "header_tidak_dikenal"
    # a readable header only on a hidden sheet is no header
    p3 = _xlsx(
        tmp_path / "hidden_only.xlsx", {"Info": [["x"]], "Data": [RT_HEADER, [1, "5301045203850001"]]}, hidden=("Data",)
    )
    assert _rejected(p3).code == "header_tidak_dikenal"


def test_reject_too_large(tmp_path):
    p = tmp_path / "besar.csv"
    p.write_text("NIK,Nama KK,Kode Desa\n" + "5301045203850001,A,53.01.01.2001\n" * 100, encoding="utf-8")
    exc = _rejected(p, max_bytes=1000)
    assert exc.code == "file_terlalu_besar"
    assert read_file(p, max_bytes=p.stat().st_size).sheets[0].table.num_rows == 100  # at the limit: fine


@pytest.mark.parametrize("name", ["data.pdf", "data", "data.xlsx.zip", "Thumbs.db", "data.xlsb"])
def test_reject_unsupported_extension(tmp_path, name):
    p = tmp_path / name
    p.write_bytes(b"something")
    assert _rejected(p).code == "jenis_file_tidak_didukung"


@pytest.mark.parametrize("name", ["~$data.xlsx", ".~lock.data.xlsx#", "~$data.csv"])
def test_reject_office_temp(tmp_path, name):
    p = tmp_path / name
    p.write_bytes(b"\x05owner" + b"\x00" * 100)
    assert _rejected(p).code == "file_sementara_office"


def test_reject_binary_csv(tmp_path):
    p = tmp_path / "biner.csv"
    p.write_bytes(b"PK\x03\x04\x14\x00\x00\x00\x08\x00" + bytes(range(256)) * 4)
    assert _rejected(p).code == "file_rusak"
    p2 = tmp_path / "kontrol.txt"
    p2.write_bytes(bytes(range(1, 32)) * 50)
    assert _rejected(p2).code == "file_rusak"


def test_uppercase_extension_is_read(tmp_path):
    p = _xlsx(tmp_path / "DATA.xlsx", {"Data": [RT_HEADER, [1, "5301045203850001", "A", "53.01.01.2001", 2]]})
    q = p.with_name("DATA.XLSX")
    p.rename(q)
    assert read_file(q).sheets[0].table.num_rows == 1


def test_xlsm_is_read(tmp_path):
    p = _xlsx(tmp_path / "makro.xlsm", {"Data": [RT_HEADER, [1, "5301045203850001", "A", "53.01.01.2001", 2]]})
    assert read_file(p).sheets[0].table.num_rows == 1


def test_csv_unbalanced_quote_eating_the_file_is_rejected(tmp_path):
    p = tmp_path / "kutip.csv"
    p.write_text('NIK,Nama KK,Kode Desa\n5301045203850001,"A,53.01.01.2001\n' + "x" * 200_000 + "\n", encoding="utf-8")
    exc = _rejected(p)
    assert exc.code == "kutip_tidak_tertutup"  # open at the end of the file, whatever the swallowed lines hold
    assert "baris 2, kolom 2 (B)" in exc.detail and exc.params == {"baris": 2, "kolom": 2}


def test_never_other_exception_for_garbage(tmp_path):
    import random

    rnd = random.Random(7)
    good = _xlsx(
        tmp_path / "g.xlsx", {"Data": [RT_HEADER, [1, "5301045203850001", "A", "53.01.01.2001", 2]]}
    ).read_bytes()
    for i in range(20):
        blob = bytearray(good)
        for _ in range(20):
            blob[rnd.randrange(len(blob))] = rnd.randrange(256)
        p = tmp_path / f"acak{i}.xlsx"
        p.write_bytes(bytes(blob))
        try:
            read_file(p)
        except FileRejected as exc:
            # any file rejection the contract knows (a flipped byte may also declare an absurd unzipped
            # size: file_terurai_terlalu_besar), never another exception
            rejections = {
                code for code, r in contract.reasons().items() if (r.level, r.applies_to) == ("ditolak", "file")
            }
            assert exc.code in rejections, exc.code


# ------------------------------------------------------------------------------------------ hostile and odd inputs

FIXTURES = Path(__file__).parent / "fixtures"
ROW_CODES = ("karakter_tidak_sah", "sel_terlalu_panjang", "sel_error_excel", "rumus_tanpa_nilai")
NOTE_CODES = ("ekstensi_tidak_sesuai", "header_di_bawah_baris_30", "sheet_tersembunyi_diabaikan")


def test_new_reason_codes_in_contract():
    r = contract.reasons()
    for code in ROW_CODES:  # masalah_baca codes: the gate quarantines the row with them
        assert (r[code].level, r[code].applies_to) == ("karantina", "baris") and "{kolom}" in r[code].message
    for code in NOTE_CODES:  # notes on a file that was still read
        assert (r[code].level, r[code].applies_to) == ("catatan", "file")
    for code in ("kutip_tidak_tertutup", "file_terurai_terlalu_besar", "format_lama_tidak_terbaca"):
        assert (r[code].level, r[code].applies_to) == ("ditolak", "file")
    assert {x.level for x in r.values()} <= {"karantina", "peringatan", "ditolak", "catatan"}
    assert {x.applies_to for x in r.values()} <= {"baris", "file"}


def _masalah(sheet: readers.SheetData) -> list:
    return _col(sheet, readers.READ_PROBLEM_COLUMN)


def _csv30(bad_row: int, bad_cell: str) -> str:
    lines = ["NIK,Nama KK,Kode Desa,Jml Jiwa,Luas Lantai,Atap,Dinding,Lantai"]
    for i in range(1, 31):
        name = bad_cell if i == bad_row else f"Nama {i}"
        lines.append(f"53010452038500{i:02d},{name},53.01.01.2001,4,36,Seng,Tembok,Semen")
    return "\n".join(lines) + "\n"


def test_csv_unclosed_quote_swallowing_rows_is_rejected_with_row_and_column(tmp_path):
    # case 1: "Ote Yosef never closed: 27 of 30 rows would vanish into one cell
    p = tmp_path / "kutip.csv"
    p.write_text(_csv30(3, '"Ote Yosef'), encoding="utf-8")
    exc = _rejected(p)
    assert exc.code == "kutip_tidak_tertutup" and exc.params == {"baris": 4, "kolom": 2}
    assert "baris 4, kolom 2 (B)" in exc.detail and "27 baris teks" in exc.detail and " / " in exc.detail
    # the quote closes at a later quoted cell: the lines in between still look like rows
    text = _csv30(3, '"Ote Yosef').replace("Nama 20,", '"Nama 20",')
    p.write_text(text, encoding="utf-8")
    exc = _rejected(p)
    assert exc.code == "kutip_tidak_tertutup" and exc.params == {"baris": 4, "kolom": 2}
    # a real multi-line quoted cell (an address with commas) is read
    p.write_text(_csv30(3, '"Jl. Timor Raya, RT 01,\nKel. Oebobo, Kota Kupang"'), encoding="utf-8")
    sh = read_file(p).sheets[0]
    assert sh.table.num_rows == 30 and _col(sh, "nama_kepala_keluarga")[2].startswith("Jl. Timor Raya, RT 01,\nKel.")


def _zip_copy(src: Path, dst: Path, extra: dict[str, bytes] | None = None) -> Path:
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            zout.writestr(item.filename, zin.read(item.filename))
        for name, body in (extra or {}).items():
            zout.writestr(name, body)
    return dst


def test_zip_bomb_rejected_before_calamine(tmp_path):
    # case 2
    good = _xlsx(tmp_path / "good.xlsx", {"Data": [RT_HEADER, [1, "5301045203850001", "A", "53.01.01.2001", 2]]})
    # default limits: one member inflating >100:1 to >10 MiB (11 MiB of one repeated byte, ~11 KB zipped)
    bomb = _zip_copy(good, tmp_path / "bom.xlsx", {"xl/media/isi.bin": b"0" * (11 << 20)})
    assert bomb.stat().st_size < 100_000
    exc = _rejected(bomb)
    assert exc.code == "file_terurai_terlalu_besar" and "xl/media/isi.bin" in exc.detail
    # the total limit (a parameter; default readers_workbook.MAX_UNZIPPED_BYTES = 1 GiB)
    from sources import readers_workbook

    assert readers_workbook.MAX_UNZIPPED_BYTES == 1 << 30
    exc = _rejected(good, max_unzipped_bytes=1000)
    assert exc.code == "file_terurai_terlalu_besar" and "> limit 1000 bytes" in exc.detail
    assert read_file(good).rows == 1
    # a member that inflates to more than the directory claims never reaches calamine
    lie = _zip_copy(good, tmp_path / "bohong.xlsx", {"xl/media/isi.bin": b"<x/>" * 250_000})
    blob = bytearray(lie.read_bytes())
    for sig, off in ((b"PK\x03\x04", 22), (b"PK\x01\x02", 24)):
        pos = blob.rfind(sig)  # the extra member is the last entry of both
        blob[pos + off : pos + off + 4] = (1000).to_bytes(4, "little")
    lie.write_bytes(bytes(blob))
    exc = _rejected(lie)
    assert exc.code == "file_rusak" and "1000000" in exc.detail


def test_csv_nul_byte_and_huge_cell_quarantine_only_their_row(tmp_path):
    # case 3: one NUL, one 1 MB cell: the file is read, those rows are marked
    body = _csv30(0, "").encode()
    body = body.replace(b"Nama 5,", b"Na\x00ma 5,").replace(b"Nama 7,", b"A" * 1_000_000 + b",")
    p = tmp_path / "nul.csv"
    p.write_bytes(body)
    sh = read_file(p).sheets[0]
    assert sh.table.num_rows == 30
    masalah = _masalah(sh)
    assert masalah[4] == "karakter_tidak_sah:nama_kepala_keluarga"
    assert masalah[6] == "sel_terlalu_panjang:nama_kepala_keluarga"
    assert [m for i, m in enumerate(masalah) if i not in (4, 6)] == [None] * 28
    names = _col(sh, "nama_kepala_keluarga")
    assert names[4] == "Nama 5" and len(names[6]) == readers.CELL_MAX_CHARS
    assert _col(sh, "baris")[4] == 6
    # widespread control characters are still a binary file
    q = tmp_path / "biner.csv"
    q.write_bytes(b"NIK,Nama KK,Kode Desa\n" + b"\x00\x01\x02abc" * 500)
    assert _rejected(q).code == "file_rusak"


def test_xlsx_control_char_and_long_cell_in_named_and_extra_columns(tmp_path):
    p = tmp_path / "kendali.xlsx"
    wb = xlsxwriter.Workbook(str(p))
    ws = wb.add_worksheet("Data")
    ws.write_row(0, 0, RT_HEADER + ["Keterangan"])
    ws.write_row(1, 0, [1, "5301045203850001", "Yo\x00hanes", "53.01.01.2001", 4, 30, "Seng", None, "x" * 20_000])
    ws.write_row(2, 0, [2, "5301045203850002", "Maria", "53.01.01.2001", 4, 30, "Seng"])
    wb.close()
    sh = read_file(p).sheets[0]
    assert _masalah(sh) == ["karakter_tidak_sah:nama_kepala_keluarga;sel_terlalu_panjang:Keterangan", None]
    assert _col(sh, "nama_kepala_keluarga")[0] == "Yohanes"
    assert len(json.loads(_col(sh, "kolom_tambahan")[0])["Keterangan"]) == readers.CELL_MAX_CHARS


def test_xlsx_error_cells_and_formulas_without_cached_value(tmp_path):
    # case 4: calamine returns '' for both; the sheet XML tells them apart
    p = tmp_path / "galat.xlsx"
    wb = xlsxwriter.Workbook(str(p))
    ws = wb.add_worksheet("Data")
    ws.write_row(0, 0, RT_HEADER + ["Bantu"])
    ws.write_row(1, 0, [1, "5301045203850001", "A", "53.01.01.2001", 4])
    ws.write_formula(1, 5, "=1/0", None, "#DIV/0!")  # error in a named column
    ws.write_row(2, 0, [2, "5301045203850002", "B", "53.01.01.2001"])
    ws.write_formula(2, 4, "=NA()", None, "#N/A")
    ws.write_formula(2, 8, "=VLOOKUP(1,A:A,9,0)", None, "#REF!")  # error in a helper column only
    ws.write_row(3, 0, [3, "5301045203850003", "C", "53.01.01.2001", 4, 30])
    ws.write_formula(3, 6, "=1+1", None, 2)  # a formula with its value: just the value
    wb.close()
    sh = read_file(p).sheets[0]
    assert _masalah(sh) == ["sel_error_excel:luas_lantai_m2", "sel_error_excel:jumlah_anggota_keluarga", None]
    assert _col(sh, "luas_lantai_m2") == ["#DIV/0!", None, "30"]
    assert _col(sh, "jumlah_anggota_keluarga") == ["4", "#N/A", "4"]
    assert json.loads(_col(sh, "kolom_tambahan")[1]) == {"No": "2", "Bantu": "#REF!"}
    assert _col(sh, "material_atap") == [None, None, "2"]

    # openpyxl writes formulas with no cached value (<v/>): the cell would look empty
    q = _xlsx(
        tmp_path / "rumus.xlsx",
        {
            "Data": [
                RT_HEADER,
                [1, "5301045203850001", '=B1&"x"', "53.01.01.2001", "=2+2"],
                [2, "5301045203850002", "D", "53.01.01.2001", 4],
            ]
        },
    )
    sh = read_file(q).sheets[0]
    assert _masalah(sh) == ["rumus_tanpa_nilai:nama_kepala_keluarga;rumus_tanpa_nilai:jumlah_anggota_keluarga", None]
    assert _col(sh, "nama_kepala_keluarga") == [None, "D"]


def test_sheet_xml_scan_shapes():
    import io

    from sources.readers_cellflags import _scan_sheet_xml

    xml = (
        b'<worksheet><sheetData><row r="1">'
        b'<c r="A1" t="str"><f>""</f><v></v></c>'  # Excel: formula whose result is the empty string
        b'<c r="B1"><f>1+1</f><v/></c>'  # openpyxl: no cached value
        b'<c r="C1" s="2"><f t="shared" si="0"/></c>'  # no <v> at all
        b'<c r="D1"><f t="shared" si="0"/><v>3</v></c>'  # cached value: fine
        b'<c r="E1" t="e"/>'  # error without its text
        b'</row><x:row r="12"><x:c r="AB12" t="e"><x:f>NA()</x:f><x:v>#N/A</x:v></x:c>'
        b'<x:c r="AC12"><x:f>A1</x:f></x:c></x:row></sheetData></worksheet>'
    )
    assert _scan_sheet_xml(io.BytesIO(xml)) == {
        (0, 1): ("rumus_tanpa_nilai", None),
        (0, 2): ("rumus_tanpa_nilai", None),
        (0, 4): ("sel_error_excel", "#N/A"),
        (11, 27): ("sel_error_excel", "#N/A"),
        (11, 28): ("rumus_tanpa_nilai", None),
    }


def test_csv_excel_error_text_is_marked(tmp_path):
    p = tmp_path / "galat.csv"
    p.write_text(
        "NIK;Nama KK;Kode Desa;Luas Lantai\n5301045203850001;A;53.01.01.2001;#VALUE!\n"
        "5301045203850002;B;53.01.01.2001;Err:502\n5301045203850003;#N/A ok;53.01.01.2001;40\n",
        encoding="utf-8",
    )
    sh = read_file(p).sheets[0]
    assert _masalah(sh) == ["sel_error_excel:luas_lantai_m2", "sel_error_excel:luas_lantai_m2", None]


def test_ods_fixture_error_cell_hidden_sheet_and_numeric_three_decimals():
    # case 5 (.ods read like xlsx), 4 (LibreOffice error cell), 7 (hidden sheet with data), 8 (1.125 numeric)
    res = read_file(FIXTURES / "rt.ods")
    sh = res.sheets[0]
    assert (sh.sheet, sh.header_row, _col(sh, "baris")) == ("Data", 3, [4, 5, 6])
    assert _col(sh, "luas_lantai_m2") == ["36.5", "#DIV/0!", "1,125"]
    assert _masalah(sh) == [None, "sel_error_excel:luas_lantai_m2", None]
    assert [(n.code, n.sheet, n.params["baris_data"]) for n in res.notes] == [
        ("sheet_tersembunyi_diabaikan", "Lama", 2)
    ]
    assert "'Lama'" in res.notes[0].detail and "2 baris data" in res.notes[0].detail


def test_xls_fixture_and_xls_renamed_xlsx(tmp_path):
    # case 5: a legacy .xls is read; under an .xlsx name it is read with a note, not called locked
    res = read_file(FIXTURES / "rt_lama.xls")
    sh = res.sheets[0]
    assert (sh.header_row, _col(sh, "baris"), _col(sh, "nama_kepala_keluarga")) == (
        3,
        [4, 5, 6],
        ["Yohanes", "Maria", "Ana"],
    )
    # calamine gives '' for an .xls error cell and there is no BIFF scan: it stays empty (see readers_workbook)
    assert _col(sh, "luas_lantai_m2") == ["36.5", None, "1,125"]
    assert [n.code for n in res.notes] == ["sheet_tersembunyi_diabaikan"]
    p = tmp_path / "lama.xlsx"
    p.write_bytes((FIXTURES / "rt_lama.xls").read_bytes())
    res = read_file(p)
    assert res.rows == 3
    assert [n.code for n in res.notes] == ["ekstensi_tidak_sesuai", "sheet_tersembunyi_diabaikan"]
    assert ".xls" in res.notes[0].detail and res.notes[0].params == {"format": "xls", "ekstensi": ".xlsx"}


def test_encrypted_xls_is_terkunci_and_bad_legacy_files(tmp_path):
    exc = _rejected(FIXTURES / "rt_terkunci.xls")
    assert exc.code == "file_terkunci" and "password" in exc.detail.lower()
    p = tmp_path / "ekspor.xls"  # web applications export HTML tables as .xls
    p.write_text("<html><table><tr><td>NIK</td></tr></table></html>", encoding="utf-8")
    exc = _rejected(p)
    assert exc.code == "file_rusak" and "HTML" in exc.detail
    p = tmp_path / "dokumen.xls"  # an OLE2 file that is no workbook
    p.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 2048)
    assert _rejected(p).code == "format_lama_tidak_terbaca"
    for name in ("rusak.ods", "rusak.xls"):
        q = tmp_path / name
        q.write_bytes(b"something")
        assert _rejected(q).code == "file_rusak"


def test_workbook_named_csv_is_read_with_note(tmp_path):
    p = _xlsx(tmp_path / "data.xlsx", {"Data": [RT_HEADER, [1, "5301045203850001", "A", "53.01.01.2001", 2]]})
    q = tmp_path / "data.csv"
    q.write_bytes(p.read_bytes())
    res = read_file(q)
    assert res.rows == 1 and [n.code for n in res.notes] == ["ekstensi_tidak_sesuai"]


def test_header_below_row_30_is_read_with_note(tmp_path):
    # case 6
    top = [[f"Catatan {i}"] for i in range(1, 36)] + [[], []]  # rows 1-35 notes, 36-37 blank
    rows = top + [RT_HEADER, [1, "5301045203850001", "A", "53.01.01.2001", 2]]  # header row 38
    res = read_file(_xlsx(tmp_path / "rendah.xlsx", {"Data": rows}))
    sh = res.sheets[0]
    assert (sh.header_row, _col(sh, "baris")) == (38, [39])
    assert [(n.code, n.sheet, n.params) for n in res.notes] == [
        ("header_di_bawah_baris_30", "Data", {"baris": 38, "baris_di_atas": 35})
    ]
    assert "baris 38" in res.notes[0].detail
    p = tmp_path / "rendah.csv"
    p.write_text(
        "".join(f"Catatan {i}\n" for i in range(1, 41)) + "NIK;Nama KK;Kode Desa\n5301045203850001;A;53.01.01.2001\n",
        encoding="utf-8",
    )
    res = read_file(p)
    assert res.delimiter == ";" and res.sheets[0].header_row == 41 and _col(res.sheets[0], "baris") == [42]
    assert res.notes[0].code == "header_di_bawah_baris_30"
    # beyond HEADER_SCAN_MAX non-blank rows there is no header
    far = [[f"x{i}"] for i in range(readers.HEADER_SCAN_MAX)] + [
        RT_HEADER,
        [1, "5301045203850001", "A", "53.01.01.2001"],
    ]
    assert _rejected(_xlsx(tmp_path / "jauh.xlsx", {"Data": far})).code == "header_tidak_dikenal"


def test_hidden_sheets_with_data_are_noted_not_read(tmp_path):
    # case 7
    p = _xlsx(
        tmp_path / "sembunyi.xlsx",
        {
            "Data": [RT_HEADER, [1, "5301045203850001", "A", "53.01.01.2001", 2]],
            "Lama": [RT_HEADER] + [[i, f"53010452038500{i:02d}", "L", "53.01.01.2001", 3] for i in range(1, 13)],
            "Rahasia": [["Judul"], RT_HEADER, [1, "5301045203850099", "R", "53.01.01.2001", 3]],
            "Pilihan": [["Seng"], ["Genteng"]],  # hidden, no header: nothing to say
            "Kosong": [RT_HEADER],  # hidden, header only: nothing to say
        },
        hidden=("Lama", "Pilihan", "Kosong"),
        very_hidden=("Rahasia",),
    )
    res = read_file(p)
    assert [s.sheet for s in res.sheets] == ["Data"] and res.rows == 1
    assert [(n.code, n.sheet, n.params["baris_data"], n.params["baris_header"]) for n in res.notes] == [
        ("sheet_tersembunyi_diabaikan", "Lama", 12, 1),
        ("sheet_tersembunyi_diabaikan", "Rahasia", 1, 2),
    ]
    assert "sangat tersembunyi" in res.notes[1].detail and "12 baris data" in res.notes[0].detail
    # only hidden sheets hold data: rejected, and the detail says where the data is
    q = _xlsx(
        tmp_path / "semua.xlsx",
        {"Info": [["x"]], "Data": [RT_HEADER, [1, "5301045203850001", "A", "53.01.01.2001"]]},
        hidden=("Data",),
    )
    exc = _rejected(q)
    assert exc.code == "header_tidak_dikenal" and "'Data' (1 baris)" in exc.detail


def test_sheet_starting_below_row_1_keeps_its_row_numbers(tmp_path):
    # calamine's iter_rows starts at row 1 but at the first used column; rows are read from A1
    p = _xlsx(
        tmp_path / "geser.xlsx",
        {"Data": [[], [], [None, *RT_HEADER], [None, 1, "5301045203850001", "A", "53.01.01.2001"]]},
    )
    sh = read_file(p).sheets[0]
    assert (sh.header_row, _col(sh, "baris"), _col(sh, "nik")) == (3, [4], ["5301045203850001"])
    assert ("nik", "NIK", 2) in sh.headers


@pytest.mark.parametrize(
    "value,text",
    [
        (1.125, "1,125"),
        (-12.375, "-12,375"),
        (1.25, "1.25"),
        (1250.0, "1250"),
        (0.125, "0.125"),
        (1234.5, "1234.5"),
        ("1.125", "1.125"),
        (None, None),
    ],
)
def test_number_cell_text_three_decimals_not_ambiguous(value, text):
    # case 8: in a decimal/integer column a numeric 1.125 must not look like the ambiguous text '1.125'
    assert readers.number_cell_text(value) == text


def test_numeric_three_decimals_in_xlsx_columns(tmp_path):
    p = tmp_path / "desimal.xlsx"
    wb = xlsxwriter.Workbook(str(p))
    ws = wb.add_worksheet("Data")
    ws.write_row(0, 0, RT_HEADER + ["Bujur"])
    ws.write_row(1, 0, [1, "5301045203850001", "A", "53.01.01.2001", 4.125, 12.375, "Seng", None, 123.456])
    ws.write_row(2, 0, [2, "5301045203850002", "B", "53.01.01.2001", 4, 1.25, "Seng", None, 123.5])
    ws.write_row(3, 0, [3, "5301045203850003", "C", "53.01.01.2001", 4, "1.250", "Seng"])  # typed text: as typed
    wb.close()
    sh = read_file(p).sheets[0]
    assert _col(sh, "luas_lantai_m2") == ["12,375", "1.25", "1.250"]
    assert _col(sh, "jumlah_anggota_keluarga") == ["4,125", "4", "4"]
    assert _col(sh, "longitude") == ["123.456", "123.5", None]  # other columns: the plain number text
    assert readers.cell_text(12.375) == "12.375"
