"""Deterministic demo-data generator: district submissions for Program 3 Juta Rumah (NTT, TA 2025).

``generate(out_dir, scale, seed, ...)`` writes one landing folder per district (``out_dir/53.KK/``)
with the spreadsheets a district would really send (.xlsx exported from Excel/LibreOffice, .csv in
several dialects and encodings), plus the ground truth in ``out_dir/_manifest/``:

- ``rows.csv`` (``rows.csv.gz`` for ``scale="ntt"``): one line per data row the pipeline reads
  (blank and totals rows are not data rows), with the expected outcome (``hasil``), reason codes,
  warning codes and the true canonical values after warnings have nulled optional fields;
- ``files.csv``: every file written, its expected status (active / rejected) and reject reason;
- ``summary.json``: parameters and counts.

Everything is derived from ``random.Random`` streams seeded with strings, so the same arguments
give byte-identical files (xlsx creation date and zip timestamps are fixed). Rows are generated,
written and logged one at a time: memory stays bounded at province scale (1.36 million households).

Expected outcomes follow ``docs/ARSITEKTUR.md`` "Row rules" and ``sources/kontrak/*.csv``; every
affected row carries exactly one injected fault, so its reason list is known by construction.
"""
from __future__ import annotations

import bisect
import calendar
import csv
import gzip
import io
import json
import math
import os
import random
import shutil
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import xlsxwriter
from xlsxwriter.utility import xl_col_to_name

from sources import contract, reference

# --------------------------------------------------------------------------------------------
# constants
# --------------------------------------------------------------------------------------------
TA = 2025
DEADLINE = date(2025, 10, 31)
SURVEY_START = date(2025, 1, 2)
EXCEL_EPOCH = date(1899, 12, 30)
XLSX_CREATED = datetime(2025, 10, 1, 8, 0, 0)
SCALE_TARGETS = {"small": 3_000, "demo": 50_000, "ntt": None}
MIN_ROWS = 40
MANIFEST_DIR = "_manifest"
NON_DISTRICT_FOLDER = "Kupang_lama"

MANIFEST_ROW_COLUMNS = [
    "kode_folder", "nama_file", "sheet", "baris", "jenis", "hasil", "alasan", "peringatan",
    "nik", "kode_desa", "kode_kabupaten", "jumlah_anggota_keluarga", "jumlah_kk",
    "status_kepemilikan_rumah", "memiliki_rumah_lain", "status_kepemilikan_lahan", "luas_lantai_m2",
    "material_atap", "material_dinding", "material_lantai", "kondisi_atap", "kondisi_dinding",
    "kondisi_lantai", "sumber_air_minum", "fasilitas_sanitasi", "penghasilan_per_bulan",
    "pernah_menerima_bantuan", "tanggal_pendataan", "no_kk_terisi", "koordinat_terisi",
    "program", "sumber_dana", "jenis_kegiatan", "unit_rencana", "unit_selesai", "nilai_rupiah",
    "tahun_anggaran",
    # extras (after the contract columns): which column each reason/warning is about, and the
    # remaining canonical household fields
    "kolom_alasan", "kolom_peringatan", "nama_kepala_keluarga", "jenis_kelamin", "usulan_program",
    "no_kk", "latitude", "longitude", "nama_petugas",
]
MANIFEST_FILE_COLUMNS = ["kode_folder", "nama_file", "jenis", "status_expected", "alasan", "waktu_file", "baris"]
_MI = {c: i for i, c in enumerate(MANIFEST_ROW_COLUMNS)}

# Row fault kinds (one per affected row). Quarantine kinds first, then warnings.
RT_FAULTS = (
    "wajib_kosong", "nik_bukan_16_digit", "nik_tidak_valid", "nik_rusak_excel", "desa_tidak_dikenal",
    "desa_di_kabupaten_lain", "nilai_tidak_dikenal", "angka_tidak_valid", "duplikat_nik",
    "nik_provinsi_lain", "nik_format_angka", "opsional_tidak_valid", "koordinat_tidak_valid",
    "tanggal_di_masa_depan",
)
RP_FAULTS = (
    "kabupaten_tidak_sesuai", "nilai_tidak_dikenal", "angka_tidak_valid", "wajib_kosong",
    "opsional_tidak_valid", "unit_selesai_melebihi_rencana",
)

RT_ORDER = [
    "no", "kode_desa", "kecamatan", "desa", "nik", "no_kk", "nama_kepala_keluarga", "jenis_kelamin",
    "jumlah_anggota_keluarga", "jumlah_kk", "status_kepemilikan_rumah", "memiliki_rumah_lain",
    "status_kepemilikan_lahan", "luas_lantai_m2", "material_atap", "material_dinding", "material_lantai",
    "kondisi_atap", "kondisi_dinding", "kondisi_lantai", "sumber_air_minum", "fasilitas_sanitasi",
    "penghasilan_per_bulan", "latitude", "longitude", "usulan_program", "pernah_menerima_bantuan",
    "tanggal_pendataan", "nama_petugas", "keterangan",
]
RT_OPTIONAL_GROUPS = {
    "no_kk": ("no_kk",), "jenis_kelamin": ("jenis_kelamin",), "jumlah_kk": ("jumlah_kk",),
    "memiliki_rumah_lain": ("memiliki_rumah_lain",), "status_kepemilikan_lahan": ("status_kepemilikan_lahan",),
    "kondisi": ("kondisi_atap", "kondisi_dinding", "kondisi_lantai"),
    "penghasilan_per_bulan": ("penghasilan_per_bulan",), "koordinat": ("latitude", "longitude"),
    "usulan_program": ("usulan_program",), "pernah_menerima_bantuan": ("pernah_menerima_bantuan",),
    "nama_petugas": ("nama_petugas",), "no": ("no",), "keterangan": ("keterangan",),
}
RT_OPTIONAL_P = {
    "no_kk": 0.85, "jenis_kelamin": 0.8, "jumlah_kk": 0.8, "memiliki_rumah_lain": 0.6,
    "status_kepemilikan_lahan": 0.75, "kondisi": 0.7, "penghasilan_per_bulan": 0.75, "koordinat": 0.6,
    "usulan_program": 0.5, "pernah_menerima_bantuan": 0.7, "nama_petugas": 0.85, "no": 0.8, "keterangan": 0.3,
}
REQUIRED_ENUMS = ("status_kepemilikan_rumah", "material_atap", "material_dinding", "material_lantai",
                  "sumber_air_minum", "fasilitas_sanitasi")

BULAN = ["Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus", "September",
         "Oktober", "November", "Desember"]
# short forms only where unambiguous (ARSITEKTUR documents `Jan`, `Agt`)
BULAN_PENDEK = ["Jan", "Feb", "Mar", "Apr", None, "Jun", "Jul", "Agt", "Sep", None, "Nov", None]

# garbage values per required enum column (checked below not to be aliases)
GARBAGE = {
    "status_kepemilikan_rumah": ["Warisan", "Tidak Tahu"],
    "material_atap": ["Campuran", "Terpal"],
    "material_dinding": ["Semi Permanen", "Darurat"],
    "material_lantai": ["Campuran", "Pasir"],
    "sumber_air_minum": ["Beli", "Tangki Air"],
    "fasilitas_sanitasi": ["Kebun", "Numpang Tetangga"],
    "program": ["Bedah Rumah", "RTLH Kabupaten"],
    "sumber_dana": ["Dana Desa", "Hibah"],
    "jenis_kegiatan": ["Rehab", "Renovasi Total"],
}
OPT_GARBAGE = {
    "jenis_kelamin": "X", "kondisi_atap": "Hancur", "kondisi_dinding": "Hancur", "kondisi_lantai": "Roboh",
    "memiliki_rumah_lain": "Tidak Tahu", "status_kepemilikan_lahan": "Sengketa", "usulan_program": "Bedah Rumah",
    "pernah_menerima_bantuan": "Lupa", "penghasilan_per_bulan": "tidak tentu", "tanggal_pendataan": "31/02/2025",
}

# approximate district centres (lat, lon)
CENTROIDS = {
    "53.01": (-9.95, 123.90), "53.02": (-9.85, 124.30), "53.03": (-9.45, 124.48), "53.04": (-9.10, 124.88),
    "53.05": (-8.28, 124.65), "53.06": (-8.35, 123.00), "53.07": (-8.65, 122.25), "53.08": (-8.75, 121.70),
    "53.09": (-8.75, 121.00), "53.10": (-8.60, 120.45), "53.11": (-9.80, 120.20), "53.12": (-9.62, 119.40),
    "53.13": (-8.40, 123.50), "53.14": (-10.75, 123.10), "53.15": (-8.60, 119.95), "53.16": (-8.62, 121.30),
    "53.17": (-9.58, 119.65), "53.18": (-9.50, 119.20), "53.19": (-8.65, 120.75), "53.20": (-10.52, 121.85),
    "53.21": (-9.55, 124.90), "53.71": (-10.17, 123.60),
}
REGION = {
    "53.01": "timor", "53.02": "timor", "53.03": "timor", "53.04": "belu", "53.21": "belu", "53.71": "kota",
    "53.14": "rote", "53.20": "sabu", "53.11": "sumba", "53.12": "sumba", "53.17": "sumba", "53.18": "sumba",
    "53.05": "alor", "53.13": "lembata", "53.06": "flotim", "53.07": "sikka", "53.08": "ende", "53.09": "ngada",
    "53.16": "ngada", "53.10": "manggarai", "53.15": "manggarai", "53.19": "manggarai",
}

# --------------------------------------------------------------------------------------------
# names
# --------------------------------------------------------------------------------------------
MALE = ("Yohanes", "Oktovianus", "Yakobus", "Petrus", "Paulus", "Markus", "Lukas", "Yosef", "Fransiskus",
        "Agustinus", "Dominikus", "Yulius", "Aloysius", "Stefanus", "Kornelis", "Daniel", "Yeremias", "Simon",
        "Matheus", "Benediktus", "Ambrosius", "Hendrikus", "Gabriel", "Mikael", "Marthen", "Ferdinandus",
        "Hironimus", "Kristoforus", "Laurensius", "Blasius", "Servasius", "Arnoldus", "Wilhelmus", "Adrianus",
        "Rafael", "Yosua", "Elias", "Imanuel", "Habel", "Nikolaus", "Yermias", "Marselinus", "Sebastianus",
        "Vinsensius", "Hubertus", "Bonifasius", "Theodorus", "Zakarias", "Obed", "Semuel", "Frederik", "Alfons",
        "Yoakim", "Kasimirus", "Emanuel", "Rofinus", "Anselmus", "Sirilus", "Gregorius", "Klemens")
FEMALE = ("Maria", "Maria Goreti", "Yohana", "Agustina", "Florentina", "Yuliana", "Regina", "Serlina",
          "Martha", "Yasinta", "Veronika", "Elisabeth", "Theresia", "Anastasia", "Magdalena", "Fransiska",
          "Katarina", "Margaretha", "Dorotea", "Kristina", "Sofia", "Ester", "Rut", "Debora", "Selfina",
          "Adriana", "Oktavia", "Yustina", "Bernadeta", "Helena", "Imaculata", "Skolastika", "Rosalia",
          "Elfrida", "Naomi", "Maria Yasinta", "Wihelmina", "Emiliana", "Paulina", "Lusia", "Femi", "Orpa",
          "Dortia", "Sarlota", "Yublina", "Adelina", "Kristiana", "Maria Fatima")
MUSLIM_MALE = ("Muhammad", "Ahmad", "Abdul Rahman", "Hasan", "Ismail", "Yusuf", "Ibrahim", "Syamsudin",
               "Arsyad", "Abdullah", "Idrus", "Usman", "Muhammad Ali")
MUSLIM_FEMALE = ("Siti Aminah", "Nurhayati", "Fatimah", "Hadijah", "Rabiah", "Salma", "Siti Maryam", "Halimah")
PORTU_MALE = ("José", "João", "António", "Estêvão", "Mário", "Sebastião", "Tomás")
PORTU_FEMALE = ("Conceição", "Joana", "Inês", "Glória", "Lúcia", "Filomena")
PORTU_SURNAME = ("da Costa", "Soares", "Pereira", "Gusmão", "de Araújo", "Fernandes", "da Cruz", "Guterres",
                 "dos Santos", "Ximenes", "Belo", "Amaral")
SURNAMES = {
    "timor": ("Nope", "Tefa", "Tse", "Benu", "Sau", "Nenoliu", "Tanesib", "Boimau", "Nitbani", "Oematan",
              "Amsikan", "Tualaka", "Banunaek", "Oenunu", "Tamelab", "Nabuasa", "Liu", "Selan", "Kolo", "Bani",
              "Taneo", "Nubatonis", "Ta'eki", "Na'u", "Tosi", "Missa", "Lakapu", "Sole", "Nenobais", "Ke'u",
              "Manbait", "Faot", "Isu", "Neonbeni", "Koa", "Oetpah", "Kase", "Abi", "Naitboho", "Tafuli"),
    "belu": ("Lake", "Bria", "Seran", "Klau", "Mau", "Bere", "Asa", "Tahu", "Nahak", "Luan", "Atok", "Kehi",
             "Fahik", "Berek", "Loe", "Leki", "Taek", "Moruk", "Manek", "Bau", "Halek", "Hale"),
    "rote": ("Fanggidae", "Ndun", "Ndolu", "Messakh", "Pah", "Manu", "Haning", "Lenggu", "Mooy", "Zacharias",
             "Adoe", "Tungga", "Ndoen", "Ndaomanu", "Manafe", "Pello", "Dethan", "Tallo", "Henuk", "Lusi"),
    "sabu": ("Bire", "Lado", "Djo", "Haba", "Riwu", "Kore", "Tede", "Ratu", "Hege", "Wadu", "Lay", "Djami",
             "Ga", "Huma", "Rohi", "Dimu"),
    "sumba": ("Lende", "Kaka", "Ndapa", "Hina", "Djawa", "Bili", "Kalumbang", "Ngongo", "Malo", "Lero",
              "Tanya", "Dapa Loka", "Ndima", "Wona", "Ate", "Lede", "Bora", "Pati", "Kaborang", "Tana Ama",
              "Horu", "Rato", "Mbaku", "Lewa"),
    "alor": ("Maro", "Mautuka", "Laang", "Mokay", "Lamma", "Lakamau", "Dopong", "Tubulau", "Kafolamau",
             "Mokoni", "Alelang", "Ma'u", "Kapitan", "Blegur", "Atamau", "Malaikosa"),
    "lembata": ("Beyeng", "Ratu", "Wujon", "Atawolo", "Lagamaking", "Langoday", "Tapoona", "Making", "Hadung",
                "Manuk", "Wutun", "Ebang"),
    "flotim": ("Kelen", "Hurint", "Koten", "Tukan", "Maran", "Ruron", "Lamanepa", "Making", "Ritan", "Kolin",
               "Liwun", "Fernandez", "Diaz", "Monteiro", "Lamury", "Sogen"),
    "sikka": ("da Silva", "Parera", "da Costa", "Fernandez", "Carvalho", "Moa", "Nong", "Laka", "Dua",
              "Mitan", "Goban", "Lewar", "Gleko", "Pega", "Djong", "Nurak", "Mandalangi"),
    "ende": ("Wangge", "Mbete", "Bata", "Gadi", "Ndoa", "Pela", "Rangga", "Gawi", "Nuwa", "Lengo", "Seda",
             "Wondo", "Mere", "Sare"),
    "ngada": ("Wea", "Bhara", "Dhiu", "Sebho", "Lewa", "Meo", "Dhae", "Ngole", "Wolo", "Nono", "Laja", "Dopo",
              "Bai", "Goa", "Rebo"),
    "manggarai": ("Jemarut", "Dangur", "Jebadu", "Hamsi", "Nggoro", "Jehatu", "Nambut", "Dalu", "Ndahur",
                  "Jelahu", "Hambur", "Jaman", "Pandong", "Agot", "Antur", "Bagung", "Halu", "Rambung"),
}
MUSLIM_P = {"alor": 0.25, "ende": 0.2, "flotim": 0.12, "kota": 0.1, "manggarai": 0.06}
PORTU_P = {"belu": 0.08, "sikka": 0.06, "flotim": 0.05, "kota": 0.02}
TITLES = ("", "", "", "", "S.Sos", "S.T", "S.Pd", "A.Md", "S.E")


def _norm(x: object) -> str:
    return contract.normalize(x)


# --------------------------------------------------------------------------------------------
# contract data: header aliases, enum aliases
# --------------------------------------------------------------------------------------------
def _read_kontrak(name: str) -> list[dict[str, str]]:
    with open(contract.KONTRAK_DIR / name, newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def _header_alias_lists() -> dict[tuple[str, str], list[str]]:
    out: dict[tuple[str, str], list[str]] = {}
    for r in _read_kontrak("header_aliases.csv"):
        out.setdefault((r["jenis"], r["kolom"]), []).append(r["alias"])
    return out


# aliases that name a special case (a house on credit, a land certificate): never a district's usual spelling
_NOT_GENERAL = {"Kredit", "KPR", "Ikut Orang Tua", "Milik Orang Tua/Saudara", "Tanah Adat", "SHM", "Dak Beton",
                "Bebas Sewa (Milik Orang Lain)"}


def _enum_alias_lists() -> dict[tuple[str, str], list[str]]:
    """(domain, canonical) → spellings that ``contract`` resolves to exactly that canonical value."""
    resolve = {(d, a): v for d, a, v in contract.enum_aliases()}
    out: dict[tuple[str, str], list[str]] = {}
    for r in _read_kontrak("enum_aliases.csv"):
        d, v = r["domain"], r["nilai"]
        lst = out.setdefault((d, v), [])
        s = r["alias"]
        if resolve.get((d, _norm(s))) == v and s not in lst and s not in _NOT_GENERAL:
            lst.append(s)
    for (d, v), lst in out.items():
        if not lst:
            lst.append(v.replace("_", " ").title() if v.islower() else v)
    return out


def _check_garbage() -> None:
    known = {(d, a) for d, a, _ in contract.enum_aliases()}
    dom = {c.name: c.domain for k in contract.KINDS for c in contract.columns(k)}
    for col, values in GARBAGE.items():
        for v in values:
            assert (dom[col], _norm(v)) not in known, (col, v)
    for col, v in OPT_GARBAGE.items():
        if dom.get(col):
            assert (dom[col], _norm(v)) not in known, (col, v)


# --------------------------------------------------------------------------------------------
# small helpers
# --------------------------------------------------------------------------------------------
def _table(pairs: list[tuple[Any, float]]) -> tuple[list[Any], list[float]]:
    vals, cum, t = [], [], 0.0
    for v, w in pairs:
        t += w
        vals.append(v)
        cum.append(t)
    return vals, cum


def _pick(rng: random.Random, table: tuple[list[Any], list[float]]) -> Any:
    vals, cum = table
    return vals[bisect.bisect_right(cum, rng.random() * cum[-1])]


def _fmt_dec(v: float) -> str:
    return f"{v:g}" if v == int(v) or abs(v) < 1e6 else repr(v)


def _dots(n: int) -> str:
    return f"{n:,}".replace(",", ".")


def _excel_serial(d: date) -> int:
    return (d - EXCEL_EPOCH).days


class _Num:
    """A numeric xlsx cell with a number format (NIK typed as a number, Excel serial date)."""

    __slots__ = ("value", "fmt")

    def __init__(self, value: float, fmt: str) -> None:
        self.value = value
        self.fmt = fmt


# --------------------------------------------------------------------------------------------
# writers
# --------------------------------------------------------------------------------------------
_COLS = [xl_col_to_name(i) for i in range(80)]


def _xml_esc(s: str) -> str:
    if "&" in s or "<" in s or ">" in s:
        s = s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return s


class XlsxBook:
    def __init__(self, path: Path | io.BytesIO) -> None:
        opts = {"constant_memory": True, "strings_to_numbers": False, "strings_to_formulas": False,
                "strings_to_urls": False}
        if isinstance(path, io.BytesIO):
            opts = {"in_memory": True, **opts}
            self.wb = xlsxwriter.Workbook(path, opts)
        else:
            self.wb = xlsxwriter.Workbook(str(path), opts)
        self.wb.set_properties({"title": "Pendataan Program 3 Juta Rumah", "author": "Dinas Perkim",
                                "company": "Pemerintah Daerah", "created": XLSX_CREATED})
        self.bold = self.wb.add_format({"bold": True})
        self.title = self.wb.add_format({"bold": True, "align": "center"})
        self.head = self.wb.add_format({"bold": True, "border": 1, "align": "center", "text_wrap": True,
                                        "bg_color": "#D9E1F2"})
        self._fmts: dict[str, Any] = {}

    def fmt(self, num_format: str) -> Any:
        f = self._fmts.get(num_format)
        if f is None:
            f = self._fmts[num_format] = self.wb.add_format({"num_format": num_format})
        return f

    def sheet(self, name: str) -> "XlsxSheet":
        return XlsxSheet(self, self.wb.add_worksheet(name), name)

    def close(self) -> None:
        self.wb.close()


class XlsxSheet:
    kind = "xlsx"

    def __init__(self, book: XlsxBook, ws: Any, name: str) -> None:
        self.book, self.ws, self.name = book, ws, name
        self.r = 0  # next 0-based row index

    def title(self, text: str, span: int) -> None:
        if span > 1:
            self.ws.merge_range(self.r, 0, self.r, span - 1, text, self.book.title)
        else:
            self.ws.write_string(self.r, 0, text, self.book.title)
        self.r += 1

    def blank(self) -> None:
        self.r += 1

    def groups(self, spans: list[tuple[int, int, str]]) -> None:
        for c1, c2, text in spans:
            if c2 > c1:
                self.ws.merge_range(self.r, c1, self.r, c2, text, self.book.head)
            else:
                self.ws.write_string(self.r, c1, text, self.book.head)
        self.r += 1

    def header(self, names: list[str], trailing: int = 0) -> int:
        for c, n in enumerate(names):
            self.ws.write_string(self.r, c, n, self.book.head)
        for c in range(len(names), len(names) + trailing):
            self.ws.write_blank(self.r, c, None, self.book.head)
        self.r += 1
        return self.r

    def data(self, values: list[Any]) -> int:
        """Fast path: one row of cells written straight into the constant_memory row stream."""
        ws, r = self.ws, self.r
        if r > ws.previous_row:
            ws._write_single_row(r)  # flush whatever xlsxwriter still holds
        rr = str(r + 1)
        parts = [f'<row r="{rr}">']
        first = last = -1
        for c, v in enumerate(values):
            if v is None or v == "":
                continue
            if first < 0:
                first = c
            last = c
            ref = _COLS[c] + rr
            t = type(v)
            if t is str:
                pres = ' xml:space="preserve"' if v[0] == " " or v[-1] == " " else ""
                parts.append(f'<c r="{ref}" t="inlineStr"><is><t{pres}>{_xml_esc(v)}</t></is></c>')
            elif t is int or t is float:
                parts.append(f'<c r="{ref}"><v>{v:.16G}</v></c>')
            elif t is _Num:
                xf = self.book.fmt(v.fmt)._get_xf_index()
                parts.append(f'<c r="{ref}" s="{xf}"><v>{v.value:.16G}</v></c>')
            else:
                raise TypeError(v)
        parts.append("</row>")
        if first >= 0:
            ws._check_dimensions(r, first)
            ws._check_dimensions(r, last)
            ws.fh.write("".join(parts))
        self.r += 1
        return r + 1

    def plain(self, values: list[Any], bold: bool = False) -> int:
        fmt = self.book.bold if bold else None
        for c, v in enumerate(values):
            if v is None or v == "":
                continue
            if isinstance(v, str):
                self.ws.write_string(self.r, c, v, fmt)
            else:
                self.ws.write_number(self.r, c, v, fmt)
        self.r += 1
        return self.r


class CsvSheet:
    kind = "csv"
    name = ""

    def __init__(self, path: Path, ncols: int, delimiter: str, encoding: str, newline: str,
                 trailing: int) -> None:
        self.fh = open(path, "w", encoding=encoding, newline="")
        self.w = csv.writer(self.fh, delimiter=delimiter, lineterminator=newline, quoting=csv.QUOTE_MINIMAL)
        self.line = 0
        self.ncols = ncols
        self.pad = [""] * trailing

    def title(self, text: str, span: int) -> None:
        self.w.writerow([text] + [""] * (self.ncols - 1) + self.pad)
        self.line += 1

    def blank(self, empty: bool = False) -> None:
        self.w.writerow([] if empty else [""] * self.ncols + self.pad)
        self.line += 1

    def groups(self, spans: list[tuple[int, int, str]]) -> None:
        row = [""] * self.ncols
        for c1, _c2, text in spans:
            row[c1] = text
        self.w.writerow(row + self.pad)
        self.line += 1

    def header(self, names: list[str], trailing: int = 0) -> int:
        self.w.writerow(names + self.pad)
        self.line += 1
        return self.line

    def data(self, values: list[Any]) -> int:
        row = ["" if v is None else v for v in values]
        self.w.writerow(row + self.pad if self.pad else row)
        self.line += 1
        return self.line

    def plain(self, values: list[Any], bold: bool = False) -> int:
        return self.data(values)

    def close(self) -> None:
        self.fh.close()


# --------------------------------------------------------------------------------------------
# plans
# --------------------------------------------------------------------------------------------
@dataclass
class Style:
    """How one district's office fills in its spreadsheets."""

    kode: str
    nama: str
    loc_mode: str  # kode | nama | both
    columns: list[str]
    headers: dict[str, str]
    enum: dict[tuple[str, str], str]  # (column, canonical) → spelling
    enum_case: str  # as_is | upper | lower
    name_case: str  # title | upper
    loc_case: str  # title | upper
    date_style: str
    money_style: str
    luas_style: str  # num | comma | dot
    nik_style: str  # plain | apostrophe
    fill: dict[str, float]
    blank_rate: float
    upper_headers: bool
    rp_columns: list[str] = field(default_factory=list)
    rp_headers: dict[str, str] = field(default_factory=dict)


@dataclass
class FilePlan:
    folder: str
    name: str
    fmt: str  # xlsx | csv
    style: Style
    kecs: list[tuple[str, list[tuple[Any, int]]]]  # (kec code, [(desa Wilayah, count)])
    mode: str = "normal"  # normal | wrong_folder | rejected_folder
    realisasi: list[dict] | None = None  # rows for a realisasi sheet/file
    rt: bool = True
    nik_numeric: bool = False
    titles: bool = True
    group_row: bool = False
    totals: bool = False
    trailing: int = 0
    hidden_sheet: bool = False
    sheet_name: str = "DATA"
    delimiter: str = ","
    encoding: str = "utf-8"
    newline: str = "\r\n"
    drain: bool = False  # append pending duplicate copies at the end
    mtime: datetime | None = None
    force_accent: bool = False
    force_blank: bool = False  # a blank row after the third household (coverage at small scale)
    rows: int = 0


# --------------------------------------------------------------------------------------------
# generator
# --------------------------------------------------------------------------------------------
class _Gen:
    def __init__(self, out_dir: Path, scale: str, seed: int, defect_rate: float, size_factor: float,
                 run_date: date | None) -> None:
        if scale not in SCALE_TARGETS:
            raise ValueError(f"scale must be one of {sorted(SCALE_TARGETS)}")
        self.out = Path(out_dir)
        self.scale, self.seed, self.defect_rate, self.size_factor = scale, seed, defect_rate, size_factor
        self.run_date = run_date
        self.date_cap = min(DEADLINE, run_date) if run_date else DEADLINE
        fut = date(2030, 3, 17)
        if run_date and run_date >= fut:
            fut = date(run_date.year + 4, 3, 17)
        self.future_date = fut
        self.rng = random.Random(f"p3jr:{seed}:plan")
        self.used_nik: set[int] = set()
        self.fault_count = {k: 0 for k in RT_FAULTS}
        self.opt_count: dict[str, int] = {}
        self.pending: dict[str, list[dict]] = {}
        self.files: list[list[Any]] = []
        self.stats: dict[str, Any] = {"hasil": {}, "alasan": {}, "peringatan": {}, "per_kabupaten": {},
                                      "baris_xlsx": 0, "baris_csv": 0, "rtlh": 0, "diterima_rt": 0}
        self.hal = _header_alias_lists()
        self.eal = _enum_alias_lists()
        self.domain = {c.name: c.domain for c in contract.columns("rumah_tangga")}
        self.rp_domain = {c.name: c.domain for c in contract.columns("realisasi_program")}
        self.kabs = {k.kode: k for k in reference.kabupaten()}
        self.codes = list(reference.district_codes())
        self._index_reference()
        _check_garbage()
        self._tables()

    # ---------------------------------------------------------------- reference indexes
    def _index_reference(self) -> None:
        self.kec_of: dict[str, list[Any]] = {k: [] for k in self.codes}
        self.desa_of: dict[str, list[Any]] = {}
        self.desa_by_code: dict[str, Any] = {}
        for w in reference.wilayah():
            if w.tingkat == "kecamatan":
                self.kec_of[w.kode[:5]].append(w)
                self.desa_of.setdefault(w.kode, [])
            elif w.tingkat == "desa_kelurahan":
                self.desa_of.setdefault(w.kode[:8], []).append(w)
                self.desa_by_code[w.kode] = w
        self.kec_name = {w.kode: w.nama for w in reference.wilayah() if w.tingkat == "kecamatan"}
        # name resolver: district → normalised kecamatan → [codes]; kecamatan → normalised desa → [codes]
        self.kec_idx: dict[str, dict[str, list[str]]] = {}
        for k in self.codes:
            idx: dict[str, list[str]] = {}
            for w in self.kec_of[k]:
                idx.setdefault(_norm(w.nama), []).append(w.kode)
            self.kec_idx[k] = idx
        self.desa_idx: dict[str, dict[str, list[str]]] = {}
        for kc, ds in self.desa_of.items():
            idx = {}
            for w in ds:
                idx.setdefault(_norm(w.nama), []).append(w.kode)
            self.desa_idx[kc] = idx

    def resolve_names(self, district: str, kec_name: str, desa_name: str) -> str | None:
        kecs = self.kec_idx.get(district, {}).get(_norm(kec_name), [])
        if len(kecs) != 1:
            return None
        ds = self.desa_idx.get(kecs[0], {}).get(_norm(desa_name), [])
        return ds[0] if len(ds) == 1 else None

    def resolvable(self, district: str, desa: Any) -> bool:
        return self.resolve_names(district, self.kec_name[desa.kode[:8]], desa.nama) == desa.kode

    # ---------------------------------------------------------------- distributions
    def _tables(self) -> None:
        T = _table
        self.t_status = T([("milik_sendiri", 91), ("menumpang", 3), ("bebas_sewa", 2), ("kontrak", 1.5),
                           ("sewa", 1), ("dinas", 1), ("lainnya", 0.5)])
        self.t_status_kota = T([("milik_sendiri", 76), ("kontrak", 8), ("sewa", 6), ("menumpang", 5),
                                ("bebas_sewa", 2), ("dinas", 2.5), ("lainnya", 0.5)])
        self.t_lahan = T([("milik_sendiri", 85), ("bukan_milik_sendiri", 8), ("tanah_negara", 2), ("lainnya", 5)])
        self.t_atap = (T([("seng", 82), ("genteng", 6), ("beton", 4), ("asbes", 6), ("kayu_sirap", 2)]),
                       T([("seng", 58), ("jerami_ijuk_daun", 32), ("bambu", 4), ("lainnya", 6)]))
        self.t_dinding = (T([("tembok", 60), ("kayu_papan", 22), ("plesteran_anyaman_bambu", 11), ("batang_kayu", 7)]),
                          T([("anyaman_bambu", 36), ("bambu", 14), ("kayu_papan", 25), ("batang_kayu", 15),
                             ("tembok", 5), ("lainnya", 5)]))
        self.t_lantai = (T([("semen_bata_merah", 54), ("keramik", 30), ("ubin_tegel", 8), ("kayu_papan", 5),
                            ("tanah", 2.5), ("marmer_granit", 0.5)]),
                         T([("tanah", 58), ("semen_bata_merah", 25), ("bambu", 10), ("kayu_papan", 7)]))
        self.t_kondisi = (T([("baik", 62), ("rusak_ringan", 30), ("rusak_sedang", 8)]),
                          T([("rusak_ringan", 25), ("rusak_sedang", 40), ("rusak_berat", 35)]))
        self.t_air = (T([("ledeng", 33), ("sumur_bor", 14), ("sumur_terlindung", 16), ("mata_air_terlindung", 17),
                         ("air_kemasan", 14), ("air_hujan", 6)]),
                      T([("mata_air_tak_terlindung", 30), ("sumur_tak_terlindung", 22), ("air_permukaan", 14),
                         ("mata_air_terlindung", 20), ("air_hujan", 10), ("lainnya", 4)]))
        self.t_sanitasi = (T([("jamban_sendiri", 81), ("jamban_bersama", 15), ("jamban_umum", 4)]),
                           T([("tidak_ada", 38), ("jamban_umum", 20), ("jamban_sendiri", 27), ("jamban_bersama", 15)]))
        self.t_anggota = T([(1, 6), (2, 12), (3, 18), (4, 22), (5, 17), (6, 11), (7, 7), (8, 4), (9, 2), (10, 1)])
        self.t_jkk = T([(1, 85), (2, 12), (3, 3)])
        self.t_usulan = (T([("tidak_ada", 80), ("flpp", 10), ("bsps_peningkatan", 10)]),
                         T([("bsps_peningkatan", 55), ("bsps_baru", 30), ("relokasi", 5), ("tidak_ada", 10)]))

    # ---------------------------------------------------------------- planning
    def plan(self) -> None:
        rng = self.rng
        kabs = self.kabs
        # non-submitting districts: two of the smaller half
        small = sorted(self.codes, key=lambda k: kabs[k].penduduk_total)[:11]
        small = [k for k in small if k != "53.71"]
        rng.shuffle(small)
        self.no_folder, self.empty_folder = small[0], small[1]
        self.submitting = [k for k in self.codes if k not in (self.no_folder, self.empty_folder)]
        # households per district
        base = {k: kabs[k].penduduk_total / 4.2 for k in self.submitting}
        target = SCALE_TARGETS[self.scale]
        factor = 1.0 if target is None else target / sum(base.values())
        self.n_rows = {k: max(MIN_ROWS, round(base[k] * factor * self.size_factor)) for k in self.submitting}
        # styles
        order = list(self.submitting)
        rng.shuffle(order)
        loc_modes = ["kode", "nama", "both"] + [_pick(rng, _table([("kode", 45), ("nama", 25), ("both", 30)]))
                                                for _ in order[3:]]
        self.styles: dict[str, Style] = {}
        for i, k in enumerate(order):
            self.styles[k] = self._style(k, loc_modes[i], complete=i < 3)
        # also styles for the two non-submitting districts (used for no files, but keeps plan uniform)
        for k in (self.no_folder, self.empty_folder):
            self.styles[k] = self._style(k, "kode", complete=False)
        # format per district, balanced by rows: largest first to the lagging format
        rows_by_fmt = {"xlsx": 0, "csv": 0}
        self.fmt_profile: dict[str, str] = {}
        for j, k in enumerate(sorted(self.submitting, key=lambda k: -self.n_rows[k])):
            if j % 5 == 4:
                prof = "mixed"
                rows_by_fmt["xlsx"] += self.n_rows[k] // 2
                rows_by_fmt["csv"] += self.n_rows[k] // 2
            else:
                prof = "xlsx" if rows_by_fmt["xlsx"] <= rows_by_fmt["csv"] else "csv"
                rows_by_fmt[prof] += self.n_rows[k]
            self.fmt_profile[k] = prof
        # timeliness: about a third late by 1..5 weeks
        late = list(self.submitting)
        rng.shuffle(late)
        n_late = max(2, round(len(late) * 0.35))
        self.first_file: dict[str, datetime] = {}
        for i, k in enumerate(late):
            if i < n_late:
                weeks = 1 + i % 5
                day = DEADLINE + timedelta(days=7 * (weeks - 1) + rng.randint(2, 5))
            else:
                day = DEADLINE - timedelta(days=rng.randint(1, 30))
            self.first_file[k] = datetime(day.year, day.month, day.day, rng.randint(1, 7), rng.randint(0, 59),
                                          rng.randint(0, 59), tzinfo=timezone.utc)
        # realisasi rows
        self.realisasi = self._plan_realisasi()
        # file plans
        self.plans: dict[str, list[FilePlan]] = {}
        for k in self.submitting:
            self.plans[k] = self._plan_files(k)
        self.submit_order = list(self.submitting)  # sorted codes
        self._ensure_coverage()

    def _ensure_coverage(self) -> None:
        """Make every file shape appear at every scale (deterministic, on top of the random styles)."""
        rng = random.Random(f"p3jr:{self.seed}:coverage")
        order = list(self.submitting)
        rng.shuffle(order)
        xl = [k for k in order if self.fmt_profile[k] == "xlsx"]
        cs = [k for k in order if self.fmt_profile[k] == "csv"]
        for lst, cyc in ((xl, ["xlsx_date", "serial", "indo_long", "dmy_slash", "iso", "iso_time", "dmy_dash"]),
                         (cs, ["serial", "indo_long", "dmy_slash", "iso", "dmy_dash", "iso_time"])):
            for i, k in enumerate(lst):
                self.styles[k].date_style = cyc[i % len(cyc)]
        for i, k in enumerate(order):
            self.styles[k].money_style = ["num", "rp_dots", "juta", "plain", "dots", "jt"][i % 6]
            self.styles[k].luas_style = ["num", "comma", "dot", "num"][i % 4]
        xplans = [p for k in order for p in self.plans[k] if p.fmt == "xlsx" and p.rt]
        cplans = [p for k in order for p in self.plans[k] if p.fmt == "csv" and p.rt]
        if xplans:
            if not any(p.nik_numeric for p in xplans):
                k = xplans[0].folder
                for p in self.plans[k]:
                    if p.fmt == "xlsx":
                        p.nik_numeric = True
            for attr, val in (("hidden_sheet", True), ("totals", True), ("group_row", True), ("trailing", 2),
                              ("titles", True)):
                if not any(getattr(p, attr) for p in xplans):
                    setattr(xplans[-1], attr, val)
            if all(p.titles for p in xplans) and len(xplans) > 1:
                xplans[1].titles = False
            xplans[0].force_blank = True
        # csv dialects: every delimiter and encoding, cp1252 only where a name with accents will appear
        csv_d = [k for k in order if any(p.fmt == "csv" for p in self.plans[k])]
        for i, k in enumerate(csv_d):
            st = self.styles[k]
            enc = ["utf-8", "cp1252", "utf-8-sig", "utf-8", "cp1252", "utf-8-sig"][i % 6]
            if enc == "cp1252" and "nama_petugas" not in st.columns:
                st.columns.insert(st.columns.index("tanggal_pendataan") + 1, "nama_petugas")
                st.headers["nama_petugas"] = rng.choice(self.hal[("rumah_tangga", "nama_petugas")][1:])
                st.fill["nama_petugas"] = 0.9
            delim = [";", ",", ";", ","][i % 4]
            for p in self.plans[k]:
                if p.fmt == "csv":
                    p.delimiter, p.encoding = delim, enc
                    p.force_accent = enc == "cp1252"
        if cplans:
            for attr, val in (("totals", True), ("titles", True), ("trailing", 2)):
                if not any(getattr(p, attr) for p in cplans):
                    setattr(cplans[-1], attr, val)
            cplans[0].force_blank = True
        # realisasi both as an xlsx sheet and as its own file
        rp_sheet = [p for k in order for p in self.plans[k] if p.rt and p.realisasi]
        rp_file = [p for k in order for p in self.plans[k] if not p.rt]
        if not rp_sheet:
            for k in order:
                sep = [p for p in self.plans[k] if not p.rt]
                xls = [p for p in self.plans[k] if p.rt and p.fmt == "xlsx"]
                if sep and xls and len(rp_file) > 1:
                    xls[0].realisasi = sep[0].realisasi
                    self.plans[k].remove(sep[0])
                    break

    def _style(self, k: str, loc_mode: str, complete: bool) -> Style:
        rng = random.Random(f"p3jr:{self.seed}:style:{k}")
        included = {g for g, p in RT_OPTIONAL_P.items() if complete or rng.random() < p}
        if complete:
            included.discard("keterangan")
        cols = []
        for c in RT_ORDER:
            if c == "kode_desa" and loc_mode == "nama":
                continue
            if c in ("kecamatan", "desa") and loc_mode == "kode":
                continue
            grp = next((g for g, cs in RT_OPTIONAL_GROUPS.items() if c in cs), None)
            if grp is not None and grp not in included:
                continue
            cols.append(c)
        if rng.random() < 0.25:  # some offices put the name before the NIK
            i, j = cols.index("nik"), cols.index("nama_kepala_keluarga")
            cols[i], cols[j] = cols[j], cols[i]
        headers = {}
        for c in cols:
            if c == "no":
                headers[c] = rng.choice(["No", "No.", "NO"])
            elif c == "keterangan":
                headers[c] = rng.choice(["Keterangan", "Ket."])
            else:
                al = self.hal[("rumah_tangga", c)]
                # canonical snake_case spelling is rare in hand-made sheets
                w = [0.15 if a == c else 1.0 for a in al]
                headers[c] = rng.choices(al, weights=w)[0]
        enum = {}
        for (d, v), al in self.eal.items():
            enum[(d, v)] = rng.choice(al) if al else v
        # spellings that come in pairs on a form
        jk = rng.choice([("L", "P"), ("L", "P"), ("Laki-laki", "Perempuan"), ("Pria", "Wanita")])
        yt = rng.choice([("Ya", "Tidak"), ("Ya", "Tidak"), ("Y", "T"), ("Ada", "Tidak Ada"), ("Iya", "Tdk")])
        enum[("jenis_kelamin", "L")], enum[("jenis_kelamin", "P")] = jk
        enum[("ya_tidak", "ya")], enum[("ya_tidak", "tidak")] = yt
        fill = {c: (1.0 if complete else rng.uniform(0.72, 1.0)) for c in cols}
        for c in ("nik", "nama_kepala_keluarga", "kode_desa", "kecamatan", "desa", "no"):
            fill[c] = 1.0
        fill["tanggal_pendataan"] = 1.0 if complete else rng.choice([1.0, 1.0, rng.uniform(0.8, 1.0)])
        kab = self.kabs[k]
        st = Style(
            kode=k, nama=kab.nama, loc_mode=loc_mode, columns=cols, headers=headers, enum=enum,
            enum_case=_pick(rng, _table([("as_is", 75), ("upper", 20), ("lower", 5)])),
            name_case=_pick(rng, _table([("title", 60), ("upper", 40)])),
            loc_case=_pick(rng, _table([("title", 60), ("upper", 40)])),
            date_style=rng.choice(["iso", "dmy_slash", "dmy_dash", "indo_long", "serial", "xlsx_date", "dmy_slash",
                                   "iso_time"]),
            money_style=rng.choice(["num", "rp_dots", "plain", "dots", "juta", "jt"]),
            luas_style=rng.choice(["num", "num", "comma", "dot"]),
            nik_style=_pick(rng, _table([("plain", 80), ("apostrophe", 20)])),
            fill=fill, blank_rate=rng.choice([0.0, 0.0, 0.003, 0.01]),
            upper_headers=rng.random() < 0.3,
        )
        rp_cols = ["kode_kabupaten"] + (["kode_desa"] if (complete or rng.random() < 0.4) else []) + [
            "program", "sumber_dana", "jenis_kegiatan", "unit_rencana", "unit_selesai", "nilai_rupiah", "tahun_anggaran"]
        if rng.random() < 0.6:
            rp_cols.insert(0, "no")
        if rng.random() < 0.4:
            rp_cols.append("keterangan")
        st.rp_columns = rp_cols
        for c in rp_cols:
            if c == "no":
                st.rp_headers[c] = "No"
            elif c == "keterangan":
                st.rp_headers[c] = "Keterangan"
            else:
                st.rp_headers[c] = rng.choice(self.hal[("realisasi_program", c)])
        if st.upper_headers:
            st.headers = {c: h.upper() for c, h in st.headers.items()}
        return st

    def _allocate(self, k: str, n: int, rng: random.Random) -> dict[str, list[tuple[Any, int]]]:
        """Spread n households over the district's desas (kelurahan weigh more)."""
        st = self.styles[k]
        desas = []
        for kec in self.kec_of[k]:
            for d in self.desa_of.get(kec.kode, []):
                if st.loc_mode == "nama" and not self.resolvable(k, d):
                    continue
                desas.append(d)
        weights = [(2.5 if d.kode[9] == "1" else 1.0) * (0.5 + rng.random()) for d in desas]
        t = sum(weights)
        # deterministic largest-remainder allocation (no per-household draws)
        exact = [n * w / t for w in weights]
        floors = [int(x) for x in exact]
        counts = floors[:]
        rest = n - sum(floors)
        order = sorted(range(len(desas)), key=lambda i: (-(exact[i] - floors[i]), i))
        for i in order[:rest]:
            counts[i] += 1
        out: dict[str, list[tuple[Any, int]]] = {}
        for d, c in zip(desas, counts):
            if c:
                out.setdefault(d.kode[:8], []).append((d, c))
        return out

    def _plan_files(self, k: str) -> list[FilePlan]:
        rng = random.Random(f"p3jr:{self.seed}:files:{k}")
        st = self.styles[k]
        alloc = self._allocate(k, self.n_rows[k], rng)
        kecs = sorted(alloc)
        n_files = min(len(kecs), _pick(rng, _table([(1, 25), (2, 35), (3, 25), (4, 15)])))
        total = sum(c for kc in kecs for _, c in alloc[kc])
        groups: list[list[str]] = [[] for _ in range(n_files)]
        acc, gi = 0, 0
        for kc in kecs:
            if gi < n_files - 1 and acc >= total * (gi + 1) / n_files and groups[gi]:
                gi += 1
            groups[gi].append(kc)
            acc += sum(c for _, c in alloc[kc])
        groups = [g for g in groups if g]
        prof = self.fmt_profile[k]
        kab_short = self.kabs[k].nama.replace("Kabupaten ", "Kab_").replace("Kota ", "Kota_").replace(" ", "_")
        plans = []
        enc_p = _table([("utf-8", 50), ("utf-8-sig", 25), ("cp1252", 25)])
        csv_dialect = (rng.choice([",", ";", ";"]), _pick(rng, enc_p), rng.choice(["\r\n", "\n"]))
        numeric_nik = rng.random() < 0.2
        naming = rng.randrange(4)
        for i, g in enumerate(groups):
            fmt = prof if prof != "mixed" else ("xlsx" if i % 2 == 0 else "csv")
            kec_names = [self.kec_name[kc] for kc in g]
            part = "_".join(n.replace(" ", "") for n in kec_names[:2]) + ("_dst" if len(kec_names) > 2 else "")
            if naming == 0:
                stem = f"Pendataan_RT_{kab_short}_Kec_{part}"
            elif naming == 1:
                stem = f"DATA 3JR {self.kabs[k].nama.upper()} BAGIAN {i + 1}"
            elif naming == 2:
                stem = f"pendataan_rumah_tangga_2025_{i + 1:02d}"
            else:
                stem = f"Data RTLH dan Backlog {kab_short} - {part}"
            fp = FilePlan(folder=k, name=f"{stem}.{fmt}", fmt=fmt, style=st,
                          kecs=[(kc, alloc[kc]) for kc in g])
            if fmt == "xlsx":
                fp.nik_numeric = numeric_nik
                fp.titles = rng.random() < 0.8
                fp.group_row = rng.random() < 0.4
                fp.totals = rng.random() < 0.35
                fp.trailing = rng.choice([0, 0, 2, 3])
                fp.hidden_sheet = rng.random() < 0.3
                fp.sheet_name = rng.choice(["DATA", "Pendataan", "Sheet1", "Data RTLH", "RT"])
            else:
                fp.delimiter, fp.encoding, fp.newline = csv_dialect
                fp.titles = rng.random() < 0.35
                fp.totals = rng.random() < 0.2
                fp.trailing = rng.choice([0, 0, 0, 2])
                fp.force_accent = fp.encoding == "cp1252"
            plans.append(fp)
        plans[-1].drain = True
        # realisasi: sheet in the first xlsx, or its own file
        rows = self.realisasi.get(k)
        if rows:
            xl = [p for p in plans if p.fmt == "xlsx"]
            how = rng.random()
            if xl and how < 0.5:
                xl[0].realisasi = rows
            else:
                fmt = "csv" if how < 0.8 else "xlsx"
                fp = FilePlan(folder=k, name=f"realisasi_program_{kab_short}_2025.{fmt}", fmt=fmt, style=st,
                              kecs=[], rt=False, realisasi=rows, titles=rng.random() < 0.5,
                              sheet_name="realisasi_program")
                fp.delimiter, fp.encoding, fp.newline = csv_dialect
                plans.append(fp)
        # mtimes: first file at the district's arrival time, the rest within a week
        t0 = self.first_file[k]
        for i, p in enumerate(plans):
            p.mtime = t0 if i == 0 else t0 + timedelta(days=rng.randint(0, 6), minutes=rng.randint(5, 400))
        return plans

    def _plan_realisasi(self) -> dict[str, list[dict]]:
        rng = random.Random(f"p3jr:{self.seed}:realisasi")
        out: dict[str, list[dict]] = {}
        for k in self.submitting:
            if rng.random() < 0.18:
                continue
            rows = []
            templates = [("BSPS", "APBN", "peningkatan_kualitas", 20_000_000, (40, 400))]
            if rng.random() < 0.6:
                templates.append(("BSPS", "APBN", "pembangunan_baru", 20_000_000, (5, 60)))
            if rng.random() < 0.7:
                templates.append(("FLPP", "PERBANKAN", "kpr_subsidi", 166_000_000, (20, 300)))
            if rng.random() < 0.5:
                templates.append(("LAINNYA", "APBD_KABUPATEN", "peningkatan_kualitas", 15_000_000, (10, 120)))
            if rng.random() < 0.3:
                templates.append(("LAINNYA", "APBD_PROVINSI", "peningkatan_kualitas", 25_000_000, (10, 80)))
            if rng.random() < 0.3:
                templates.append(("LAINNYA", "CSR", "peningkatan_kualitas", 25_000_000, (5, 30)))
            if rng.random() < 0.3:
                templates.append(("FLPP", "PENGEMBANG", "pembangunan_baru", 166_000_000, (20, 150)))
            if k in ("53.04", "53.21", "53.05", "53.03") and rng.random() < 0.7:
                templates.append(("RUMAH_KHUSUS", "APBN", "pembangunan_baru", 250_000_000, (10, 60)))
            for prog, dana, keg, unit_value, (lo, hi) in templates:
                for tahun in ([2024, 2025] if rng.random() < 0.4 else [2025]):
                    rencana = rng.randrange(lo, hi + 1, 5 if hi > 50 else 1)
                    frac = 1.0 if tahun == 2024 else rng.uniform(0.4, 1.0)
                    selesai = min(rencana, round(rencana * frac))
                    desa = None
                    if prog != "FLPP" and rng.random() < 0.6:
                        kec = rng.choice([kc for kc in self.kec_of[k] if self.desa_of.get(kc.kode)])
                        desa = rng.choice(self.desa_of[kec.kode]).kode
                    rows.append({"program": prog, "sumber_dana": dana, "jenis_kegiatan": keg,
                                 "unit_rencana": rencana, "unit_selesai": selesai,
                                 "nilai_rupiah": rencana * unit_value, "tahun_anggaran": tahun,
                                 "kode_desa": desa, "fault": None})
            out[k] = rows
        # faults: each kind at least once, then at about twice the row rate
        all_rows = [(k, r) for k in sorted(out) for r in out[k]]
        n_faults = max(len(RP_FAULTS), round(len(all_rows) * self.defect_rate * 2)) if self.defect_rate > 0 else 0
        idx = rng.sample(range(len(all_rows)), min(n_faults, len(all_rows)))
        kinds = list(RP_FAULTS) * (n_faults // len(RP_FAULTS) + 1)
        pending_kd = []
        for j, i in enumerate(idx):
            kd = kinds[j]
            k, r = all_rows[i]
            if kd == "opsional_tidak_valid" and "kode_desa" not in self.styles[k].rp_columns:
                pending_kd.append(kd)
                kd = "unit_selesai_melebihi_rencana"
            r["fault"] = kd
        for kd in pending_kd:  # place kode_desa faults in a district that has the column
            for k, r in all_rows:
                if r["fault"] is None and "kode_desa" in self.styles[k].rp_columns:
                    r["fault"] = kd
                    break
        return out

    # ---------------------------------------------------------------- households
    def new_nik(self, rng: random.Random, prefix6: str, birth: date, female: bool, avoid_zero: bool = False) -> str:
        dd = birth.day + (40 if female else 0)
        base = int(f"{prefix6}{dd:02d}{birth.month:02d}{birth.year % 100:02d}") * 10000
        seq = 1 + int(rng.random() ** 2 * 120)
        used = self.used_nik
        while True:
            if seq > 9999:
                birth = birth + timedelta(days=1)
                return self.new_nik(rng, prefix6, birth, female, avoid_zero)
            v = base + seq
            if v not in used and not (avoid_zero and seq % 10 == 0):
                used.add(v)
                return f"{v:016d}"
            seq += 1

    def _birth(self, rng: random.Random) -> date:
        age = int(rng.triangular(21, 86, 40))
        y = TA - age
        m = rng.randint(1, 12)
        return date(y, m, rng.randint(1, calendar.monthrange(y, m)[1]))

    def name(self, rng: random.Random, region: str, female: bool) -> str:
        if region == "kota":
            region = rng.choice(["timor", "timor", "rote", "sabu", "belu", "flotim", "sikka", "alor", "ende"])
            mix = "kota"
        else:
            mix = region
            if rng.random() < 0.12:
                region = rng.choice(list(SURNAMES))
        r = rng.random()
        pm, pp = MUSLIM_P.get(mix, 0.02), PORTU_P.get(mix, 0.008)
        if r < pm:
            first = rng.choice(MUSLIM_FEMALE if female else MUSLIM_MALE)
            last = rng.choice(SURNAMES[region])
        elif r < pm + pp:
            first = rng.choice(PORTU_FEMALE if female else PORTU_MALE)
            last = rng.choice(PORTU_SURNAME)
        else:
            first = rng.choice(FEMALE if female else MALE)
            if region == "sumba" and rng.random() < 0.2:
                first = ("Rambu " if female else "Umbu ") + rng.choice(SURNAMES["sumba"]).split()[0]
            elif rng.random() < 0.15:
                first = first + " " + rng.choice(FEMALE if female else MALE).split()[0]
            last = rng.choice(SURNAMES[region])
        return f"{first} {last}"

    def petugas_pool(self, k: str) -> list[str]:
        rng = random.Random(f"p3jr:{self.seed}:petugas:{k}")
        pool = []
        for _ in range(rng.randint(4, 12)):
            nm = self.name(rng, REGION[k], rng.random() < 0.4)
            t = rng.choice(TITLES)
            pool.append(f"{nm}, {t}" if t else nm)
        return pool

    def household(self, d: "_DCtx", desa: Any) -> dict:
        rng = d.rng
        k = d.kode
        kec = desa.kode[:8]
        female = rng.random() < 0.16
        birth = self._birth(rng)
        nik = self.new_nik(rng, kec.replace(".", ""), birth, female, d.avoid_zero)
        kota = k == "53.71"
        poor = 1 if rng.random() < d.p_poor else 0
        fill = d.style.fill
        lat0, lon0 = d.kec_centre[kec]
        issue = SURVEY_START - timedelta(days=rng.randint(200, 7000))
        no_kk = f"{kec.replace('.', '')}{issue.day:02d}{issue.month:02d}{issue.year % 100:02d}{rng.randint(1, 999):04d}"
        inc = math.exp(rng.gauss(math.log(2_600_000 if kota else 1_500_000) - 0.35 * poor, 0.55))
        step = 500_000 if (d.style.money_style in ("juta", "jt") and inc >= 1_000_000) else (50_000 if rng.random() < 0.3 else 100_000)
        inc = max(step, int(round(inc / step)) * step)
        anggota = _pick(rng, self.t_anggota)
        luas = rng.uniform(14, 38) if poor else rng.uniform(30, 96)
        luas = round(luas * 2) / 2 if rng.random() < 0.3 else float(round(luas))
        status = _pick(rng, self.t_status_kota if kota else self.t_status)
        h = {
            "kode_desa": desa.kode, "kec": kec, "kec_name": self.kec_name[kec], "desa_name": desa.nama,
            "nik": nik, "female": female,
            "no_kk": no_kk if rng.random() < fill.get("no_kk", 0) else None,
            "nama_kepala_keluarga": self.name(rng, REGION[k], female),
            "jenis_kelamin": ("P" if female else "L") if rng.random() < fill.get("jenis_kelamin", 0) else None,
            "jumlah_anggota_keluarga": anggota,
            "jumlah_kk": _pick(rng, self.t_jkk) if rng.random() < fill.get("jumlah_kk", 0) else None,
            "status_kepemilikan_rumah": status,
            "memiliki_rumah_lain": (("ya" if (status != "milik_sendiri" and rng.random() < 0.2) or rng.random() < 0.02
                                     else "tidak") if rng.random() < fill.get("memiliki_rumah_lain", 0) else None),
            "status_kepemilikan_lahan": _pick(rng, self.t_lahan) if rng.random() < fill.get("status_kepemilikan_lahan", 0) else None,
            "luas_lantai_m2": luas,
            "material_atap": _pick(rng, self.t_atap[poor]),
            "material_dinding": _pick(rng, self.t_dinding[poor]),
            "material_lantai": _pick(rng, self.t_lantai[poor]),
            "sumber_air_minum": _pick(rng, self.t_air[poor]),
            "fasilitas_sanitasi": _pick(rng, self.t_sanitasi[poor]),
            "penghasilan_per_bulan": inc if rng.random() < fill.get("penghasilan_per_bulan", 0) else None,
            "usulan_program": _pick(rng, self.t_usulan[poor]) if rng.random() < fill.get("usulan_program", 0) else None,
            "pernah_menerima_bantuan": ("ya" if rng.random() < 0.1 else "tidak") if rng.random() < fill.get("pernah_menerima_bantuan", 0) else None,
            "tanggal_pendataan": d.survey_date(rng) if rng.random() < fill.get("tanggal_pendataan", 0) else None,
            "nama_petugas": (d.cur_petugas if rng.random() < 0.9 else rng.choice(d.petugas))
            if rng.random() < fill.get("nama_petugas", 0) else None,
            "keterangan": rng.choice(["Rumah panggung", "Lansia", "Disabilitas", "Rumah adat", "Ibu hamil"])
            if rng.random() < 0.05 else None,
        }
        if rng.random() < fill.get("kondisi_atap", 0):
            h["kondisi_atap"] = _pick(rng, self.t_kondisi[poor])
            h["kondisi_dinding"] = _pick(rng, self.t_kondisi[poor])
            h["kondisi_lantai"] = _pick(rng, self.t_kondisi[poor])
        else:
            h["kondisi_atap"] = h["kondisi_dinding"] = h["kondisi_lantai"] = None
        if rng.random() < fill.get("latitude", 0):
            h["latitude"] = round(max(-11.05, min(-7.75, lat0 + rng.gauss(0, d.spread))), 6)
            h["longitude"] = round(max(118.95, min(125.15, lon0 + rng.gauss(0, d.spread))), 6)
        else:
            h["latitude"] = h["longitude"] = None
        return h

    # ---------------------------------------------------------------- run
    def run(self) -> dict:
        self.out.mkdir(parents=True, exist_ok=True)
        self._clean_previous()
        self.plan()
        mdir = self.out / MANIFEST_DIR
        mdir.mkdir(exist_ok=True)
        gz = self.scale == "ntt"
        rows_path = mdir / ("rows.csv.gz" if gz else "rows.csv")
        if gz:
            raw = open(rows_path, "wb")
            self._gzraw = raw
            fh = io.TextIOWrapper(gzip.GzipFile(filename="rows.csv", mode="wb", fileobj=raw, mtime=0,
                                                compresslevel=5), encoding="utf-8", newline="")
        else:
            fh = open(rows_path, "w", encoding="utf-8", newline="")
        self.mw = csv.writer(fh, lineterminator="\n")
        self.mw.writerow(MANIFEST_ROW_COLUMNS)
        try:
            for k in self.submit_order:
                self._district(k)
            (self.out / self.empty_folder).mkdir(exist_ok=True)
            self._special_files()
        finally:
            fh.close()
            if gz:
                raw.close()
        with open(mdir / "files.csv", "w", encoding="utf-8", newline="") as f:
            w = csv.writer(f, lineterminator="\n")
            w.writerow(MANIFEST_FILE_COLUMNS)
            w.writerows(self.files)
        summary = self._summary(rows_path.name)
        with open(mdir / "summary.json", "w", encoding="utf-8") as f:
            json.dump(summary, f, indent=2, ensure_ascii=False, sort_keys=True)
            f.write("\n")
        return summary

    def _clean_previous(self) -> None:
        """Remove exactly the files a previous run of this generator listed (nothing else)."""
        prev = self.out / MANIFEST_DIR / "files.csv"
        if not prev.exists():
            return
        folders = set()
        with open(prev, newline="", encoding="utf-8") as f:
            for r in csv.DictReader(f):
                folders.add(r["kode_folder"])
                p = self.out / r["kode_folder"] / r["nama_file"]
                if p.is_file():
                    p.unlink()
        try:
            folders.add(json.loads((self.out / MANIFEST_DIR / "summary.json").read_text())["kabupaten_folder_kosong"])
        except (OSError, ValueError, KeyError):
            pass
        for name in sorted(folders):
            d = self.out / name
            if d.is_dir() and not any(d.iterdir()):
                d.rmdir()
        shutil.rmtree(self.out / MANIFEST_DIR)

    # ---------------------------------------------------------------- per district
    def _ctx(self, k: str, style: Style | None = None, salt: str = "") -> "_DCtx":
        return _DCtx(self, k, style or self.styles[k], salt)

    def _district(self, k: str) -> None:
        (self.out / k).mkdir(exist_ok=True)
        ctx = self._ctx(k)
        for fp in self.plans[k]:
            self._write_file(fp, ctx)

    def _register(self, folder: str, name: str, jenis: str, status: str, alasan: str, mtime: datetime,
                  rows: int) -> None:
        path = self.out / folder / name
        ts = mtime.timestamp()
        os.utime(path, (ts, ts))
        self.files.append([folder, name, jenis, status, alasan, mtime.isoformat(), rows])
        pk = self.stats["per_kabupaten"].setdefault(folder, {"file": 0, "file_ditolak": 0, "baris": 0})
        pk["file"] += 1
        pk["baris"] += rows
        if status == "rejected":
            pk["file_ditolak"] += 1
        if status == "active":
            t = mtime.isoformat()
            if "file_pertama" not in pk or t < pk["file_pertama"]:
                pk["file_pertama"] = t

    def _write_file(self, fp: FilePlan, ctx: "_DCtx") -> None:
        path = self.out / fp.folder / fp.name
        st = fp.style
        n_rows = 0
        jenis = "rumah_tangga" if fp.rt else "realisasi_program"
        if fp.fmt == "xlsx":
            book = XlsxBook(path)
            pet = book.sheet("Petunjuk")
            self._petunjuk(pet, st)
            if fp.rt:
                sh = book.sheet(fp.sheet_name)
                sh.ws.activate()
                n_rows += self._rt_sheet(sh, fp, ctx)
            if fp.realisasi:
                rsh = book.sheet("realisasi_program" if fp.rt else fp.sheet_name)
                if not fp.rt:
                    rsh.ws.activate()
                n_rows += self._rp_sheet(rsh, fp)
                if fp.rt:
                    jenis = "campuran"
            if fp.hidden_sheet:
                hs = book.sheet("Daftar Pilihan")
                self._pilihan(hs, st)
                hs.ws.hide()
            book.close()
        else:
            cols = st.columns if fp.rt else st.rp_columns
            sh = CsvSheet(path, len(cols), fp.delimiter, fp.encoding, fp.newline, fp.trailing)
            try:
                n_rows += self._rt_sheet(sh, fp, ctx) if fp.rt else self._rp_sheet(sh, fp)
            finally:
                sh.close()
        status, alasan = "active", ""
        if fp.mode == "rejected_folder":
            status, alasan = "rejected", "folder_bukan_kode_kabupaten"
        fp.rows = n_rows
        self._register(fp.folder, fp.name, jenis, status, alasan, fp.mtime, n_rows)

    def _petunjuk(self, sh: XlsxSheet, st: Style) -> None:
        lines = [
            "PETUNJUK PENGISIAN FORMULIR PENDATAAN PROGRAM 3 JUTA RUMAH",
            f"{st.nama} - Provinsi Nusa Tenggara Timur - Tahun Anggaran {TA}",
            "",
            "1. Satu baris untuk setiap rumah tangga (kepala keluarga) yang didata.",
            "2. Kolom NIK diisi 16 digit dengan format Teks (bukan Angka) agar digit terakhir tidak hilang.",
            "3. Kode desa/kelurahan mengikuti kode Kemendagri, contoh 53.01.04.2003.",
            "4. Isian status rumah, atap, dinding, lantai, air minum dan jamban memakai pilihan pada daftar.",
            "5. Luas lantai dalam meter persegi; penghasilan dalam rupiah per bulan.",
            f"6. Batas pengiriman data ke Balai P3KP Nusa Tenggara II: {DEADLINE.day} {BULAN[DEADLINE.month - 1]} {DEADLINE.year}.",
        ]
        for ln in lines:
            if ln:
                sh.ws.write_string(sh.r, 0, ln, sh.book.bold if sh.r == 0 else None)
            sh.r += 1

    def _pilihan(self, sh: XlsxSheet, st: Style) -> None:
        doms = ["status_kepemilikan_rumah", "material_atap", "material_dinding", "material_lantai",
                "sumber_air_minum", "fasilitas_sanitasi"]
        lists = [[st.enum[(d, v)] for v in contract.enum_values(d)] for d in doms]
        heads = ["Pilihan Status", "Pilihan_Atap", "Pilihan_Dinding", "Pilihan_Lantai", "Pilihan_Air", "Pilihan_Jamban"]
        for c, hname in enumerate(heads):
            sh.ws.write_string(0, c, hname)
        for i in range(max(len(x) for x in lists)):
            for c, lst in enumerate(lists):
                if i < len(lst):
                    sh.ws.write_string(i + 1, c, lst[i])

    # ---------------------------------------------------------------- rumah tangga sheet
    def _rt_sheet(self, sh: Any, fp: FilePlan, ctx: "_DCtx") -> int:
        st = fp.style
        cols = st.columns
        ncol = len(cols)
        xlsx = sh.kind == "xlsx"
        if fp.titles:
            sh.title("DATA PENDATAAN RUMAH TANGGA PROGRAM 3 JUTA RUMAH", ncol)
            sh.title(st.nama.upper(), ncol)
            if xlsx:
                sh.title(f"TAHUN ANGGARAN {TA}", ncol)
            sh.blank()
        if fp.group_row and xlsx:
            sh.groups(self._group_spans(cols))
        sh.header([st.headers[c] for c in cols], fp.trailing)
        rng = ctx.rng
        n = 0
        no = 0
        sums = [0]
        forced_accent = fp.force_accent
        for kec, desas in fp.kecs:
            for desa, count in desas:
                ctx.cur_petugas = rng.choice(ctx.petugas)  # one enumerator covers a village
                for _ in range(count):
                    if (st.blank_rate and rng.random() < st.blank_rate) or (fp.force_blank and n == 3):
                        if xlsx:
                            sh.blank()
                        else:
                            sh.blank(empty=rng.random() < 0.3)
                    h = self.household(ctx, desa)
                    if forced_accent and "nama_petugas" in cols:
                        h["nama_petugas"] = next((p for p in ctx.petugas if not p.isascii()), h["nama_petugas"])
                        forced_accent = False
                    no += 1
                    self._emit_rt(sh, fp, ctx, h, no)
                    sums[0] += h["jumlah_anggota_keluarga"]
                    n += 1
        if fp.drain:
            for h in self.pending.pop(fp.folder, []):
                no += 1
                self._emit_rt(sh, fp, ctx, h, no)
                sums[0] += h["jumlah_anggota_keluarga"]
                n += 1
        if fp.totals:
            if rng.random() < 0.5:
                sh.blank()
            row: list[Any] = [None] * ncol
            row[0] = rng.choice(["JUMLAH", "TOTAL", "Jumlah"])
            ia = cols.index("jumlah_anggota_keluarga")
            row[ia] = sums[0] if xlsx else str(sums[0])
            sh.plain(row, bold=True)
        return n

    def _group_spans(self, cols: list[str]) -> list[tuple[int, int, str]]:
        groups = [
            ({"kode_desa", "kecamatan", "desa"}, "LOKASI"),
            ({"nik", "no_kk", "nama_kepala_keluarga", "jenis_kelamin"}, "IDENTITAS KEPALA KELUARGA"),
            ({"material_atap", "material_dinding", "material_lantai"}, "BAHAN BANGUNAN"),
            ({"kondisi_atap", "kondisi_dinding", "kondisi_lantai"}, "KONDISI RUMAH"),
            ({"sumber_air_minum", "fasilitas_sanitasi"}, "AIR MINUM DAN SANITASI"),
            ({"latitude", "longitude"}, "KOORDINAT"),
        ]
        spans = []
        for members, text in groups:
            idx = [i for i, c in enumerate(cols) if c in members]
            if idx and idx[-1] - idx[0] + 1 == len(idx):
                spans.append((idx[0], idx[-1], text))
        return spans

    # ---------------------------------------------------------------- one household row
    def _choose_fault(self, fp: FilePlan, ctx: "_DCtx", h: dict) -> str | None:
        if fp.mode != "normal" or h.get("_dup") or ctx.rng.random() >= self.defect_rate:
            return None
        cols = fp.style.columns
        cand = []
        for kd in RT_FAULTS:
            if kd == "desa_di_kabupaten_lain" and fp.style.loc_mode == "nama":
                continue
            if kd == "nik_format_angka" and (fp.fmt != "xlsx" or fp.nik_numeric or h["nik"].endswith("0")):
                continue
            if kd == "koordinat_tidak_valid" and (h["latitude"] is None or "latitude" not in cols):
                continue
            if kd == "duplikat_nik" and h["tanggal_pendataan"] is None:
                continue
            cand.append(kd)
        r = ctx.rng
        kd = min(cand, key=lambda x: (self.fault_count[x], r.random()))
        self.fault_count[kd] += 1
        return kd

    def _emit_rt(self, sh: Any, fp: FilePlan, ctx: "_DCtx", h: dict, no: int) -> None:
        st = fp.style
        cols = st.columns
        rng = ctx.rng
        xlsx = sh.kind == "xlsx"
        fault = self._choose_fault(fp, ctx, h)
        over: dict[str, Any] = {}
        alasan: list[tuple[str, str]] = []
        warn: list[tuple[str, str]] = []
        man = self._canon(h, cols)  # canonical values (after nulling)
        nik = h["nik"]
        nik_numeric = False
        nik_kind = "text"
        loc = st.loc_mode
        blank_code = False
        hasil_override = None

        if fault == "wajib_kosong":
            choices = ["nik", "nama_kepala_keluarga", "jumlah_anggota_keluarga", "luas_lantai_m2", "lokasi",
                       *REQUIRED_ENUMS]
            c = choices[self._rr("wk", len(choices))]
            if c == "lokasi":
                if loc in ("kode", "both"):
                    over["kode_desa"] = ""
                if loc in ("nama", "both"):
                    over[rng.choice(["desa", "kecamatan"])] = ""
                alasan.append(("wajib_kosong", "kode_desa"))
                man["kode_desa"] = ""
            else:
                over[c] = "" if rng.random() < 0.8 else "  "
                alasan.append(("wajib_kosong", c))
                man[c] = ""
        elif fault == "nik_bukan_16_digit":
            v = self._rr("nb", 4)
            bad = [nik[:15], nik + str(rng.randint(0, 9)), nik[:-2], nik[:6] + "O" + nik[7:] if "0" in nik[6:8] else nik[:14]][v]
            over["nik"] = bad
            alasan.append(("nik_bukan_16_digit", "nik"))
            man["nik"] = ""
            nik_kind = "raw"
        elif fault == "nik_tidak_valid":
            v = self._rr("nt", 4)
            bad = [nik[:8] + "13" + nik[10:], nik[:6] + "00" + nik[8:], nik[:6] + ("75" if h["female"] else "35") + nik[8:],
                   nik[:12] + "0000"][v]
            over["nik"] = bad
            alasan.append(("nik_tidak_valid", "nik"))
            man["nik"] = ""
            nik_kind = "raw"
        elif fault == "nik_rusak_excel":
            if xlsx:
                over["nik"] = _Num(float(int(nik[:15] + "0")), "0")
            else:
                over["nik"] = f"{int(nik):.5E}"
            alasan.append(("nik_rusak_excel", "nik"))
            man["nik"] = ""
            nik_kind = "raw"
        elif fault == "desa_tidak_dikenal":
            if loc in ("kode", "both"):
                over["kode_desa"] = self._unknown_code(h["kec"], rng)
            else:
                over["desa"] = self._misspell(ctx.kode, h, rng)
            alasan.append(("desa_tidak_dikenal", "kode_desa"))
            man["kode_desa"] = ""
        elif fault == "desa_di_kabupaten_lain":
            other = [c for c in self.codes if c != ctx.kode]
            ok = rng.choice(other)
            kec = rng.choice([kc for kc in self.kec_of[ok] if self.desa_of.get(kc.kode)])
            over["kode_desa"] = rng.choice(self.desa_of[kec.kode]).kode
            alasan.append(("desa_di_kabupaten_lain", "kode_desa"))
            man["kode_desa"] = ""
        elif fault == "nilai_tidak_dikenal":
            c = REQUIRED_ENUMS[self._rr("nv", len(REQUIRED_ENUMS))]
            over[c] = rng.choice(GARBAGE[c])
            alasan.append(("nilai_tidak_dikenal", c))
            man[c] = ""
        elif fault == "angka_tidak_valid":
            v = self._rr("an", 6)
            c, val = [("jumlah_anggota_keluarga", 0), ("jumlah_anggota_keluarga", 45), ("jumlah_anggota_keluarga", "tiga"),
                      ("luas_lantai_m2", 0), ("luas_lantai_m2", 5000), ("luas_lantai_m2", "6x6")][v]
            over[c] = val if (xlsx and not isinstance(val, str)) else str(val)
            alasan.append(("angka_tidak_valid", c))
            man[c] = ""
        elif fault == "duplikat_nik":
            hasil_override = self._make_dup(ctx, h, man)
        elif fault == "nik_provinsi_lain":
            prov = rng.choice(["5271", "5204", "5171", "3578", "7371", "6471", "5106"])
            birth = self._birth(rng)
            new = self.new_nik(rng, prov + f"{rng.randint(1, 9):02d}", birth, h["female"], fp.nik_numeric)
            h["nik"] = nik = new
            man["nik"] = new
            warn.append(("nik_provinsi_lain", "nik"))
        elif fault == "nik_format_angka":
            over["nik"] = _Num(float(int(nik)), "0")
            nik_numeric = True
        elif fault == "opsional_tidak_valid":
            opts = [c for c in ("no_kk", "kondisi_atap", "kondisi_dinding", "kondisi_lantai", "jenis_kelamin",
                                "jumlah_kk", "memiliki_rumah_lain", "status_kepemilikan_lahan", "penghasilan_per_bulan",
                                "tanggal_pendataan", "usulan_program", "pernah_menerima_bantuan") if c in cols]
            c = min(opts, key=lambda x: (self.opt_count.get(x, 0), rng.random()))
            self.opt_count[c] = self.opt_count.get(c, 0) + 1
            if c == "no_kk":
                over[c] = (h["no_kk"] or h["nik"])[:15]
                man["no_kk"] = ""
            elif c == "jumlah_kk":
                val = rng.choice([0, 12])
                over[c] = val if xlsx else str(val)
                man[c] = ""
            else:
                over[c] = OPT_GARBAGE[c]
                man[c] = ""
            warn.append(("opsional_tidak_valid", c))
        elif fault == "koordinat_tidak_valid":
            over["latitude"], over["longitude"] = h["longitude"], h["latitude"]
            man["latitude"] = man["longitude"] = ""
            warn.append(("koordinat_tidak_valid", "latitude"))
        elif fault == "tanggal_di_masa_depan":
            fut = self.future_date + timedelta(days=rng.randint(0, 200))
            over["tanggal_pendataan"] = self._fmt_date(fut, st, xlsx, rng)
            man["tanggal_pendataan"] = ""
            warn.append(("tanggal_di_masa_depan", "tanggal_pendataan"))

        if h.get("_dup"):
            hasil_override = h["_dup"]
        # location: names-only rows in a "both" sheet sometimes lack the code but resolve by name
        if loc == "both" and not fault and rng.random() < 0.02 and self.resolvable(ctx.kode, self.desa_by_code[h["kode_desa"]]):
            over["kode_desa"] = ""
            blank_code = True

        # wrong folder: truth from the reference, as the pipeline will see it
        if fp.mode == "wrong_folder":
            if loc in ("kode", "both") and not blank_code:
                alasan.append(("desa_di_kabupaten_lain", "kode_desa"))
                man["kode_desa"] = ""
            else:
                code = self.resolve_names(fp.folder, h["kec_name"], h["desa_name"])
                if code is None:
                    alasan.append(("desa_tidak_dikenal", "kode_desa"))
                    man["kode_desa"] = ""
                else:
                    man["kode_desa"] = code

        # numeric NIK files: clean and warning rows keep the number (intact unless the NIK ends in 0)
        if (fp.nik_numeric and xlsx and nik_kind == "text" and not alasan and hasil_override is None
                and "nik" not in over and not nik.endswith("0")):
            over["nik"] = _Num(float(int(nik)), "0")
            nik_numeric = True
        if nik_numeric:
            warn.append(("nik_format_angka", "nik"))

        values = self._render(h, st, cols, over, xlsx, rng, no)
        baris = sh.data(values)
        if alasan:
            hasil = "karantina"
        elif hasil_override:
            hasil = hasil_override
            if hasil == "karantina":
                alasan.append(("duplikat_nik", "nik"))
        else:
            hasil = "diterima"
        if fp.mode == "rejected_folder":
            hasil, alasan, warn = "file_ditolak", [("folder_bukan_kode_kabupaten", "")], []
        if hasil != "diterima":
            warn = []
        self._manifest_rt(fp, sh, baris, hasil, alasan, warn, man, xlsx)

    def _rr(self, key: str, n: int) -> int:
        """Round-robin index per sub-kind, so every variant appears."""
        c = self.opt_count.get("_" + key, 0)
        self.opt_count["_" + key] = c + 1
        return c % n

    def _unknown_code(self, kec: str, rng: random.Random) -> str:
        while True:
            code = f"{kec}.2{rng.randint(900, 999)}"
            if code not in self.desa_by_code:
                return code

    def _misspell(self, k: str, h: dict, rng: random.Random) -> str:
        name = h["desa_name"]
        for attempt in range(50):
            s = list(name)
            letters = [i for i, ch in enumerate(s) if ch.isalpha()]
            op = rng.randrange(3)
            if op == 0 and len(letters) > 3:
                del s[rng.choice(letters[1:])]
            elif op == 1 and len(letters) > 3:
                i = rng.choice(letters[1:-1])
                s[i], s[i + 1] = s[i + 1], s[i]
            else:
                s.insert(rng.choice(letters[1:] or [1]), rng.choice("aeiou"))
            cand = "".join(s)
            if attempt > 40:
                cand = "Xyz" + cand
            if self.resolve_names(k, h["kec_name"], cand) is None:
                return cand
        return "Xyzabc"

    def _make_dup(self, ctx: "_DCtx", h: dict, man: dict) -> str:
        rng = ctx.rng
        d1 = h["tanggal_pendataan"]
        delta = rng.randint(5, 75)
        d2 = d1 + timedelta(days=delta) if rng.random() < 0.5 else d1 - timedelta(days=delta)
        d2 = min(max(d2, SURVEY_START), self.date_cap)
        if d2 == d1:
            d2 = d1 - timedelta(days=3) if d1 > SURVEY_START + timedelta(days=3) else d1 + timedelta(days=3)
        orig_wins = d1 > d2
        idx = self.submit_order.index(ctx.kode)
        later = self.submit_order[idx + 1:]
        target = later[0] if later and rng.random() < 0.5 else ctx.kode
        copy = dict(h)
        copy["tanggal_pendataan"] = d2
        copy["_dup"] = "karantina" if orig_wins else "diterima"
        if target != ctx.kode:  # the household moved: a new address in the target district
            tst = self.styles[target]
            for _ in range(100):
                kec = rng.choice([kc for kc in self.kec_of[target] if self.desa_of.get(kc.kode)])
                desa = rng.choice(self.desa_of[kec.kode])
                if tst.loc_mode != "nama" or self.resolvable(target, desa):
                    break
            copy.update(kode_desa=desa.kode, kec=kec.kode, kec_name=kec.nama, desa_name=desa.nama)
            copy["latitude"] = copy["longitude"] = None
        self.pending.setdefault(target, []).append(copy)
        return "diterima" if orig_wins else "karantina"

    # ---------------------------------------------------------------- rendering
    def _case(self, s: str, how: str) -> str:
        return s.upper() if how == "upper" else s.lower() if how == "lower" else s

    def _fmt_date(self, d: date, st: Style, xlsx: bool, rng: random.Random) -> Any:
        ds = st.date_style
        if ds == "xlsx_date":
            if xlsx:
                return _Num(_excel_serial(d), "dd/mm/yyyy")
            ds = "dmy_slash"
        if ds == "serial":
            return _excel_serial(d) if xlsx else str(_excel_serial(d))
        if ds == "iso":
            return d.isoformat()
        if ds == "iso_time":
            return f"{d.isoformat()} 00:00:00"
        if ds == "dmy_slash":
            return f"{d.day:02d}/{d.month:02d}/{d.year}"
        if ds == "dmy_dash":
            return f"{d.day:02d}-{d.month:02d}-{d.year}"
        short = BULAN_PENDEK[d.month - 1]
        mon = short if short and rng.random() < 0.3 else BULAN[d.month - 1]
        return f"{d.day} {mon} {d.year}"

    def _fmt_money(self, v: int, st: Style, xlsx: bool) -> Any:
        ms = st.money_style
        if ms == "num":
            return v if xlsx else str(v)
        if ms == "rp_dots":
            return f"Rp {_dots(v)}"
        if ms == "plain":
            return str(v)
        if ms == "dots":
            return _dots(v)
        if v >= 1_000_000 and v % 500_000 == 0:
            x = v / 1_000_000
            s = (f"{x:g}").replace(".", ",")
            return f"{s} juta" if ms == "juta" else f"Rp{s}jt" if v % 1_000_000 else f"{s} jt"
        return _dots(v)

    def _render(self, h: dict, st: Style, cols: list[str], over: dict, xlsx: bool, rng: random.Random,
                no: int) -> list[Any]:
        out: list[Any] = []
        ec = st.enum_case
        for c in cols:
            if c in over:
                v = over[c]
                if not xlsx and not isinstance(v, str):
                    v = f"{v:.6f}" if isinstance(v, float) else str(v)
                out.append(v)
                continue
            if c == "no":
                out.append(no if xlsx else str(no))
            elif c == "kode_desa":
                out.append(h["kode_desa"])
            elif c == "kecamatan" or c == "desa":
                s = h["kec_name"] if c == "kecamatan" else h["desa_name"]
                s = s.upper() if st.loc_case == "upper" else s
                r = rng.random()
                if r < 0.02:
                    s = s.lower()
                elif r < 0.035:
                    s = s.replace(" ", "  ") + " "
                out.append(s)
            elif c == "nik":
                nik = h["nik"]
                if st.nik_style == "apostrophe":
                    nik = "'" + nik
                elif rng.random() < 0.004:
                    nik = f"{nik[:4]} {nik[4:8]} {nik[8:12]} {nik[12:]}"
                out.append(nik)
            elif c == "nama_kepala_keluarga":
                nm = h[c]
                out.append(nm.upper() if st.name_case == "upper" else nm)
            elif c in ("jumlah_anggota_keluarga", "jumlah_kk"):
                v = h[c]
                out.append(None if v is None else (v if xlsx else str(v)))
            elif c == "luas_lantai_m2":
                v = h[c]
                if xlsx and st.luas_style == "num":
                    out.append(v)
                else:
                    s = _fmt_dec(v)
                    out.append(s.replace(".", ",") if st.luas_style in ("comma", "num") else s)
            elif c == "penghasilan_per_bulan":
                v = h[c]
                out.append(None if v is None else self._fmt_money(v, st, xlsx))
            elif c in ("latitude", "longitude"):
                v = h[c]
                out.append(None if v is None else (v if xlsx else f"{v:.6f}"))
            elif c == "tanggal_pendataan":
                v = h[c]
                out.append(None if v is None else self._fmt_date(v, st, xlsx, rng))
            elif c in ("no_kk", "nama_petugas", "keterangan"):
                out.append(h[c])
            else:  # enums
                v = h[c]
                if v is None:
                    out.append(None)
                else:
                    s = st.enum[(self.domain[c], v)]
                    out.append(self._case(s, ec) if len(s) > 1 else s)
        return out

    def _canon(self, h: dict, cols: list[str]) -> dict:
        m = {}
        for c in ("nik", "kode_desa", "jumlah_anggota_keluarga", "status_kepemilikan_rumah", "luas_lantai_m2",
                  "material_atap", "material_dinding", "material_lantai", "sumber_air_minum", "fasilitas_sanitasi",
                  "nama_kepala_keluarga"):
            m[c] = h[c]
        for c in ("jumlah_kk", "memiliki_rumah_lain", "status_kepemilikan_lahan", "kondisi_atap", "kondisi_dinding",
                  "kondisi_lantai", "penghasilan_per_bulan", "pernah_menerima_bantuan", "tanggal_pendataan",
                  "no_kk", "latitude", "longitude", "jenis_kelamin", "usulan_program", "nama_petugas"):
            m[c] = h[c] if c in cols else None
        return m

    # ---------------------------------------------------------------- manifest
    def _manifest_rt(self, fp: FilePlan, sh: Any, baris: int, hasil: str, alasan: list, warn: list, m: dict,
                     xlsx: bool) -> None:
        def s(v: Any) -> str:
            if v is None:
                return ""
            if isinstance(v, float):
                return _fmt_dec(v)
            if isinstance(v, date):
                return v.isoformat()
            return str(v)

        alasan = sorted(set(alasan))
        warn = sorted(set(warn))
        row = [""] * len(MANIFEST_ROW_COLUMNS)
        kode_kab = fp.folder if fp.mode != "rejected_folder" else ""
        row[0:8] = [fp.folder, fp.name, sh.name if xlsx else "", baris, "rumah_tangga", hasil,
                    ";".join(a for a, _ in alasan), ";".join(w for w, _ in warn)]
        for c in ("nik", "kode_desa", "jumlah_anggota_keluarga", "jumlah_kk", "status_kepemilikan_rumah",
                  "memiliki_rumah_lain", "status_kepemilikan_lahan", "luas_lantai_m2", "material_atap",
                  "material_dinding", "material_lantai", "kondisi_atap", "kondisi_dinding", "kondisi_lantai",
                  "sumber_air_minum", "fasilitas_sanitasi", "penghasilan_per_bulan", "pernah_menerima_bantuan",
                  "tanggal_pendataan", "nama_kepala_keluarga", "jenis_kelamin", "usulan_program", "no_kk",
                  "nama_petugas"):
            row[_MI[c]] = s(m[c])
        row[_MI["kode_kabupaten"]] = kode_kab
        row[_MI["no_kk_terisi"]] = "1" if m["no_kk"] else "0"
        has_xy = m["latitude"] not in (None, "")
        row[_MI["koordinat_terisi"]] = "1" if has_xy else "0"
        row[_MI["latitude"]] = f"{m['latitude']:.6f}" if has_xy else ""
        row[_MI["longitude"]] = f"{m['longitude']:.6f}" if has_xy else ""
        row[_MI["kolom_alasan"]] = ";".join(k for _, k in alasan)
        row[_MI["kolom_peringatan"]] = ";".join(k for _, k in warn)
        self.mw.writerow(row)
        self._count(fp, hasil, alasan, warn, xlsx)
        if hasil == "diterima":
            self.stats["diterima_rt"] += 1
            if self._rtlh(m):
                self.stats["rtlh"] += 1

    def _count(self, fp: FilePlan, hasil: str, alasan: list, warn: list, xlsx: bool) -> None:
        st = self.stats
        st["hasil"][hasil] = st["hasil"].get(hasil, 0) + 1
        for a, _ in alasan:
            st["alasan"][a] = st["alasan"].get(a, 0) + 1
        for w, _ in warn:
            st["peringatan"][w] = st["peringatan"].get(w, 0) + 1
        st["baris_xlsx" if xlsx else "baris_csv"] += 1
        pk = st["per_kabupaten"].setdefault(fp.folder, {"file": 0, "file_ditolak": 0, "baris": 0})
        pk[hasil] = pk.get(hasil, 0) + 1

    @staticmethod
    def _rtlh(m: dict) -> bool:
        ok_struct = (m["material_atap"] in ("beton", "genteng", "seng", "asbes", "kayu_sirap")
                     and m["material_dinding"] in ("tembok", "plesteran_anyaman_bambu", "kayu_papan", "batang_kayu")
                     and m["material_lantai"] not in ("tanah", "bambu")
                     and "rusak_berat" not in (m["kondisi_atap"], m["kondisi_dinding"], m["kondisi_lantai"]))
        ok_luas = m["luas_lantai_m2"] / m["jumlah_anggota_keluarga"] >= 7.2
        ok_air = m["sumber_air_minum"] in ("ledeng", "air_kemasan", "sumur_bor", "sumur_terlindung",
                                           "mata_air_terlindung", "air_hujan")
        ok_san = m["fasilitas_sanitasi"] in ("jamban_sendiri", "jamban_bersama")
        return not (ok_struct and ok_luas and ok_air and ok_san)

    # ---------------------------------------------------------------- realisasi
    def _rp_sheet(self, sh: Any, fp: FilePlan) -> int:
        st = fp.style
        cols = st.rp_columns
        xlsx = sh.kind == "xlsx"
        rng = random.Random(f"p3jr:{self.seed}:rp:{fp.folder}:{fp.name}")
        if fp.titles:
            sh.title(f"REALISASI PROGRAM PERUMAHAN {st.nama.upper()}", len(cols))
            sh.title("TAHUN ANGGARAN 2024 - 2025", len(cols))
            sh.blank()
        sh.header([st.rp_headers[c] for c in cols])
        n = 0
        for i, r in enumerate(fp.realisasi or []):
            vals = dict(r)
            vals["kode_kabupaten"] = fp.folder
            fault = r["fault"]
            alasan: list[tuple[str, str]] = []
            warn: list[tuple[str, str]] = []
            man = {c: r[c] for c in ("program", "sumber_dana", "jenis_kegiatan", "unit_rencana", "unit_selesai",
                                     "nilai_rupiah", "tahun_anggaran")}
            man["kode_desa"] = r["kode_desa"] if "kode_desa" in cols else None
            raw: dict[str, Any] = {}
            if fault == "kabupaten_tidak_sesuai":
                raw["kode_kabupaten"] = rng.choice([c for c in self.codes if c != fp.folder])
                alasan.append(("kabupaten_tidak_sesuai", "kode_kabupaten"))
            elif fault == "nilai_tidak_dikenal":
                c = rng.choice(["program", "sumber_dana", "jenis_kegiatan"])
                raw[c] = rng.choice(GARBAGE[c])
                alasan.append(("nilai_tidak_dikenal", c))
                man[c] = None
            elif fault == "angka_tidak_valid":
                c, v = rng.choice([("tahun_anggaran", 2019), ("unit_selesai", -5), ("unit_rencana", "seratus")])
                raw[c] = v
                alasan.append(("angka_tidak_valid", c))
                man[c] = None
            elif fault == "wajib_kosong":
                c = rng.choice(["sumber_dana", "program", "unit_rencana"])
                raw[c] = ""
                alasan.append(("wajib_kosong", c))
                man[c] = None
            elif fault == "opsional_tidak_valid" and "kode_desa" in cols:
                kec = rng.choice([kc.kode for kc in self.kec_of[fp.folder]])
                raw["kode_desa"] = self._unknown_code(kec, rng)
                man["kode_desa"] = None
                warn.append(("opsional_tidak_valid", "kode_desa"))
            elif fault in ("unit_selesai_melebihi_rencana", "opsional_tidak_valid"):
                vals["unit_selesai"] = man["unit_selesai"] = r["unit_rencana"] + rng.randint(1, 12)
                warn.append(("unit_selesai_melebihi_rencana", "unit_selesai"))
            out: list[Any] = []
            for c in cols:
                if c in raw:
                    v = raw[c]
                    out.append(v if (xlsx or isinstance(v, str)) else str(v))
                elif c == "no":
                    out.append(i + 1 if xlsx else str(i + 1))
                elif c == "keterangan":
                    out.append("Tahap II" if r["tahun_anggaran"] == 2025 and rng.random() < 0.3 else None)
                elif c in ("program", "sumber_dana", "jenis_kegiatan"):
                    out.append(self._case(st.enum[(self.rp_domain[c], vals[c])], "as_is"))
                elif c in ("unit_rencana", "unit_selesai", "tahun_anggaran"):
                    out.append(vals[c] if xlsx else str(vals[c]))
                elif c == "nilai_rupiah":
                    ms = st.money_style if st.money_style in ("num", "rp_dots", "plain", "dots") else "rp_dots"
                    v = vals[c]
                    out.append((v if xlsx else str(v)) if ms == "num" else
                               f"Rp {_dots(v)}" if ms == "rp_dots" else str(v) if ms == "plain" else _dots(v))
                else:
                    out.append(vals.get(c))
            baris = sh.data(out)
            hasil = "karantina" if alasan else "diterima"
            if hasil != "diterima":
                warn = []
            row = [""] * len(MANIFEST_ROW_COLUMNS)
            row[0:8] = [fp.folder, fp.name, sh.name if xlsx else "", baris, "realisasi_program", hasil,
                        ";".join(a for a, _ in sorted(alasan)), ";".join(w for w, _ in sorted(warn))]
            row[_MI["kode_kabupaten"]] = fp.folder
            row[_MI["kode_desa"]] = man["kode_desa"] or ""
            for c in ("program", "sumber_dana", "jenis_kegiatan", "unit_rencana", "unit_selesai", "nilai_rupiah",
                      "tahun_anggaran"):
                row[_MI[c]] = "" if man[c] is None else str(man[c])
            row[_MI["kolom_alasan"]] = ";".join(k for _, k in sorted(alasan))
            row[_MI["kolom_peringatan"]] = ";".join(k for _, k in sorted(warn))
            self.mw.writerow(row)
            self._count(fp, hasil, alasan, warn, xlsx)
            n += 1
        return n

    # ---------------------------------------------------------------- whole-file faults
    def _special_files(self) -> None:
        rng = random.Random(f"p3jr:{self.seed}:special")
        subs = list(self.submit_order)
        hosts = rng.sample(subs, 7)
        # 1-2: another district's file in the wrong folder (one coded, one names-only)
        coded = [k for k in subs if self.styles[k].loc_mode in ("kode", "both")]
        named = [k for k in subs if self.styles[k].loc_mode == "nama"]
        for i, (src_list, host) in enumerate(((coded, hosts[0]), (named, hosts[1]))):
            src = rng.choice([k for k in src_list if k != host])
            st = self.styles[src]
            kec = rng.choice([kc.kode for kc in self.kec_of[src] if self.desa_of.get(kc.kode)])
            ds = [d for d in self.desa_of[kec] if st.loc_mode != "nama" or self.resolvable(src, d)]
            n = max(12, min(200, self.n_rows[src] // 20))
            alloc: dict[Any, int] = {}
            for j in range(n):
                d = ds[j % len(ds)]
                alloc[d] = alloc.get(d, 0) + 1
            fmt = "xlsx" if i == 0 else "csv"
            fp = FilePlan(folder=host, name=f"Pendataan_RT_Kec_{self.kec_name[kec].replace(' ', '_')}.{fmt}", fmt=fmt,
                          style=st, kecs=[(kec, list(alloc.items()))], mode="wrong_folder", titles=True,
                          sheet_name="DATA")
            fp.mtime = self.first_file[host] + timedelta(days=1, hours=2)
            self._write_file(fp, self._ctx(src, st, salt=f"wrong{i}"))
        # 3: a folder that is not a district code (an old Kota Kupang export)
        (self.out / NON_DISTRICT_FOLDER).mkdir(exist_ok=True)
        src = "53.71"
        st = self.styles[src] if src in self.styles else self._style(src, "kode", False)
        kec = self.kec_of[src][0].kode
        alloc = {}
        for j in range(max(10, min(100, self.n_rows.get(src, 40) // 40))):
            d = self.desa_of[kec][j % len(self.desa_of[kec])]
            alloc[d] = alloc.get(d, 0) + 1
        fp = FilePlan(folder=NON_DISTRICT_FOLDER, name="data_pendataan_kota_kupang_lama.csv", fmt="csv", style=st,
                      kecs=[(kec, list(alloc.items()))], mode="rejected_folder", titles=False, delimiter=";")
        fp.mtime = datetime(2025, 9, 2, 3, 15, tzinfo=timezone.utc)
        self._write_file(fp, self._ctx(src, st, salt="lama"))

        def put(host: str, name: str, data: bytes, alasan: str, days: int) -> None:
            p = self.out / host / name
            p.write_bytes(data)
            self._register(host, name, "tidak_dikenal", "rejected", alasan,
                           self.first_file[host] + timedelta(days=days, hours=1), 0)

        # 4: corrupt xlsx (truncated zip)
        bio = io.BytesIO()
        bk = XlsxBook(bio)
        sh = bk.sheet("DATA")
        sh.header([self.styles[hosts[2]].headers[c] for c in self.styles[hosts[2]].columns])
        for j in range(30):
            sh.plain([f"baris {j}"] * 5)
        bk.close()
        blob = bio.getvalue()
        put(hosts[2], "Pendataan_RT_revisi_final.xlsx", blob[: len(blob) * 3 // 5], "file_rusak", 2)
        # 5: empty file
        put(hosts[3], "data_susulan_kecamatan.csv", b"", "file_kosong", 3)
        # 6: a spreadsheet without a recognisable header (a summary table)
        bio = io.BytesIO()
        bk = XlsxBook(bio)
        sh = bk.sheet("Rekap")
        sh.plain([f"REKAPITULASI RTLH {self.kabs[hosts[4]].nama.upper()}"], bold=True)
        sh.plain(["Nama Wilayah", "Jml Rumah", "Jml RTLH", "Persentase"], bold=True)
        for kc in self.kec_of[hosts[4]]:
            a = rng.randint(800, 6000)
            b = rng.randint(a // 5, a // 2)
            sh.plain([kc.nama, a, b, round(100 * b / a, 2)])
        bk.close()
        put(hosts[4], "Rekap_RTLH_per_Kecamatan.xlsx", bio.getvalue(), "header_tidak_dikenal", 1)
        # 7: a cover letter and an Office lock file
        pdf = (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\n"
               b"trailer<</Root 1 0 R>>\n%%EOF\n")
        put(hosts[5], "Surat_Pengantar_Pendataan_3JR.pdf", pdf, "jenis_file_tidak_didukung", 0)
        owner = b"Operator Perkim"
        lock = bytes([len(owner)]) + owner + b" " * (54 - len(owner)) + owner.decode().encode("utf-16-le")
        put(hosts[6], "~$" + self.plans[hosts[6]][0].name.rsplit(".", 1)[0][:40] + ".xlsx", lock.ljust(165, b"\x00"),
            "file_sementara_office", 0)

    # ---------------------------------------------------------------- summary
    def _summary(self, rows_name: str) -> dict:
        st = self.stats
        per = {}
        for k, v in sorted(st["per_kabupaten"].items()):
            per[k] = dict(sorted(v.items()))
        rt_rows = sum(v for h, v in st["hasil"].items())
        return {
            "scale": self.scale, "seed": self.seed, "defect_rate": self.defect_rate, "size_factor": self.size_factor,
            "run_date": self.run_date.isoformat() if self.run_date else None,
            "deadline": DEADLINE.isoformat(),
            "manifest_rows": f"{MANIFEST_DIR}/{rows_name}",
            "baris_total": rt_rows,
            "baris_xlsx": st["baris_xlsx"], "baris_csv": st["baris_csv"],
            "hasil": dict(sorted(st["hasil"].items())),
            "alasan": dict(sorted(st["alasan"].items())),
            "peringatan": dict(sorted(st["peringatan"].items())),
            "rumah_tangga_diterima": st["diterima_rt"],
            "persen_rtlh_diterima": round(100 * st["rtlh"] / max(1, st["diterima_rt"]), 2),
            "kabupaten_tanpa_kiriman": sorted([self.no_folder, self.empty_folder]),
            "kabupaten_tanpa_folder": self.no_folder, "kabupaten_folder_kosong": self.empty_folder,
            "target_baris_per_kabupaten": dict(sorted(self.n_rows.items())),
            "per_kabupaten": per,
            "file": len(self.files),
        }


class _DCtx:
    """Per-district random stream and derived settings (one per district, or per special file)."""

    def __init__(self, g: _Gen, kode: str, style: Style, salt: str = "") -> None:
        self.kode = kode
        self.style = style
        self.rng = random.Random(f"p3jr:{g.seed}:rows:{kode}:{salt}")
        kab = g.kabs[kode]
        self.p_poor = {"53.71": 0.05, "53.02": 0.27, "53.11": 0.25, "53.12": 0.25, "53.17": 0.27, "53.18": 0.27,
                       "53.20": 0.23, "53.03": 0.22, "53.05": 0.2}.get(kode, 0.16)
        lat, lon = CENTROIDS[kode]
        rad = math.sqrt(kab.luas_km2) / 111.0 / 2.2
        self.spread = rad / 4
        self.kec_centre = {}
        for kc in g.kec_of[kode]:
            r = random.Random(f"centre:{kc.kode}")
            self.kec_centre[kc.kode] = (lat + r.uniform(-rad, rad), lon + r.uniform(-rad, rad))
        self.petugas = g.petugas_pool(kode)
        if not any(not p.isascii() for p in self.petugas):
            self.petugas.append(self.rng.choice(["José Soares", "João da Costa", "Maria da Conceição Pereira",
                                                 "António Ximenes"]))
        # survey window: before the district's first file, inside TA 2025
        first = g.first_file.get(kode)
        end = min(g.date_cap, first.date() - timedelta(days=1)) if first else g.date_cap
        start = min(SURVEY_START + timedelta(days=self.rng.randint(0, 100)), end - timedelta(days=30))
        self.start, self.span = max(start, SURVEY_START), max(1, (end - max(start, SURVEY_START)).days)
        self.avoid_zero = False
        self.cur_petugas = self.petugas[0]

    def survey_date(self, rng: random.Random) -> date:
        d = self.start + timedelta(days=rng.randint(0, self.span))
        if d.weekday() == 6:  # no fieldwork on Sundays
            d -= timedelta(days=1)
        return max(d, SURVEY_START)


def generate(out_dir: Path | str, scale: str = "small", seed: int = 1, defect_rate: float = 0.03,
             size_factor: float = 1.0, run_date: date | None = None) -> dict:
    """Write a deterministic set of district submissions and its ground-truth manifest; return the summary."""
    return _Gen(Path(out_dir), scale, seed, defect_rate, size_factor, run_date).run()


__all__ = ["generate", "MANIFEST_ROW_COLUMNS", "MANIFEST_FILE_COLUMNS", "MANIFEST_DIR", "NON_DISTRICT_FOLDER"]
