"""Constants of the demo data (survey year, scales, fault kinds, column orders, garbage values, district
centres) and the small helpers every module uses."""

from __future__ import annotations

import bisect
import random
from datetime import date, datetime
from typing import Any

from sources import contract

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
    "kode_folder",
    "nama_file",
    "sheet",
    "baris",
    "jenis",
    "hasil",
    "alasan",
    "peringatan",
    "nik",
    "kode_desa",
    "kode_kabupaten",
    "jumlah_anggota_keluarga",
    "jumlah_kk",
    "status_kepemilikan_rumah",
    "memiliki_rumah_lain",
    "status_kepemilikan_lahan",
    "luas_lantai_m2",
    "material_atap",
    "material_dinding",
    "material_lantai",
    "kondisi_atap",
    "kondisi_dinding",
    "kondisi_lantai",
    "sumber_air_minum",
    "fasilitas_sanitasi",
    "penghasilan_per_bulan",
    "pernah_menerima_bantuan",
    "tanggal_pendataan",
    "no_kk_terisi",
    "koordinat_terisi",
    "program",
    "sumber_dana",
    "jenis_kegiatan",
    "unit_rencana",
    "unit_selesai",
    "nilai_rupiah",
    "tahun_anggaran",
    # extras (after the contract columns): which column each reason/warning is about, and the
    # remaining canonical household fields
    "kolom_alasan",
    "kolom_peringatan",
    "nama_kepala_keluarga",
    "jenis_kelamin",
    "usulan_program",
    "no_kk",
    "latitude",
    "longitude",
    "nama_petugas",
]
MANIFEST_FILE_COLUMNS = ["kode_folder", "nama_file", "jenis", "status_expected", "alasan", "waktu_file", "baris"]
MANIFEST_INDEX = {c: i for i, c in enumerate(MANIFEST_ROW_COLUMNS)}

# Row fault kinds (one per affected row). Quarantine kinds first, then warnings.
RT_FAULTS = (
    "wajib_kosong",
    "nik_bukan_16_digit",
    "nik_tidak_valid",
    "nik_rusak_excel",
    "desa_tidak_dikenal",
    "desa_di_kabupaten_lain",
    "nilai_tidak_dikenal",
    "angka_tidak_valid",
    "duplikat_nik",
    "nik_provinsi_lain",
    "nik_format_angka",
    "opsional_tidak_valid",
    "koordinat_tidak_valid",
    "tanggal_di_masa_depan",
)
RP_FAULTS = (
    "kabupaten_tidak_sesuai",
    "nilai_tidak_dikenal",
    "angka_tidak_valid",
    "wajib_kosong",
    "opsional_tidak_valid",
    "unit_selesai_melebihi_rencana",
)

RT_ORDER = [
    "no",
    "kode_desa",
    "kecamatan",
    "desa",
    "nik",
    "no_kk",
    "nama_kepala_keluarga",
    "jenis_kelamin",
    "jumlah_anggota_keluarga",
    "jumlah_kk",
    "status_kepemilikan_rumah",
    "memiliki_rumah_lain",
    "status_kepemilikan_lahan",
    "luas_lantai_m2",
    "material_atap",
    "material_dinding",
    "material_lantai",
    "kondisi_atap",
    "kondisi_dinding",
    "kondisi_lantai",
    "sumber_air_minum",
    "fasilitas_sanitasi",
    "penghasilan_per_bulan",
    "latitude",
    "longitude",
    "usulan_program",
    "pernah_menerima_bantuan",
    "tanggal_pendataan",
    "nama_petugas",
    "keterangan",
]
RT_OPTIONAL_GROUPS = {
    "no_kk": ("no_kk",),
    "jenis_kelamin": ("jenis_kelamin",),
    "jumlah_kk": ("jumlah_kk",),
    "memiliki_rumah_lain": ("memiliki_rumah_lain",),
    "status_kepemilikan_lahan": ("status_kepemilikan_lahan",),
    "kondisi": ("kondisi_atap", "kondisi_dinding", "kondisi_lantai"),
    "penghasilan_per_bulan": ("penghasilan_per_bulan",),
    "koordinat": ("latitude", "longitude"),
    "usulan_program": ("usulan_program",),
    "pernah_menerima_bantuan": ("pernah_menerima_bantuan",),
    "nama_petugas": ("nama_petugas",),
    "no": ("no",),
    "keterangan": ("keterangan",),
}
RT_OPTIONAL_P = {
    "no_kk": 0.85,
    "jenis_kelamin": 0.8,
    "jumlah_kk": 0.8,
    "memiliki_rumah_lain": 0.6,
    "status_kepemilikan_lahan": 0.75,
    "kondisi": 0.7,
    "penghasilan_per_bulan": 0.75,
    "koordinat": 0.6,
    "usulan_program": 0.5,
    "pernah_menerima_bantuan": 0.7,
    "nama_petugas": 0.85,
    "no": 0.8,
    "keterangan": 0.3,
}
REQUIRED_ENUMS = (
    "status_kepemilikan_rumah",
    "material_atap",
    "material_dinding",
    "material_lantai",
    "sumber_air_minum",
    "fasilitas_sanitasi",
)

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
    "jenis_kelamin": "X",
    "kondisi_atap": "Hancur",
    "kondisi_dinding": "Hancur",
    "kondisi_lantai": "Roboh",
    "memiliki_rumah_lain": "Tidak Tahu",
    "status_kepemilikan_lahan": "Sengketa",
    "usulan_program": "Bedah Rumah",
    "pernah_menerima_bantuan": "Lupa",
    "penghasilan_per_bulan": "tidak tentu",
    "tanggal_pendataan": "31/02/2025",
}

# approximate district centres (lat, lon)
CENTROIDS = {
    "53.01": (-9.95, 123.90),
    "53.02": (-9.85, 124.30),
    "53.03": (-9.45, 124.48),
    "53.04": (-9.10, 124.88),
    "53.05": (-8.28, 124.65),
    "53.06": (-8.35, 123.00),
    "53.07": (-8.65, 122.25),
    "53.08": (-8.75, 121.70),
    "53.09": (-8.75, 121.00),
    "53.10": (-8.60, 120.45),
    "53.11": (-9.80, 120.20),
    "53.12": (-9.62, 119.40),
    "53.13": (-8.40, 123.50),
    "53.14": (-10.75, 123.10),
    "53.15": (-8.60, 119.95),
    "53.16": (-8.62, 121.30),
    "53.17": (-9.58, 119.65),
    "53.18": (-9.50, 119.20),
    "53.19": (-8.65, 120.75),
    "53.20": (-10.52, 121.85),
    "53.21": (-9.55, 124.90),
    "53.71": (-10.17, 123.60),
}
REGION = {
    "53.01": "timor",
    "53.02": "timor",
    "53.03": "timor",
    "53.04": "belu",
    "53.21": "belu",
    "53.71": "kota",
    "53.14": "rote",
    "53.20": "sabu",
    "53.11": "sumba",
    "53.12": "sumba",
    "53.17": "sumba",
    "53.18": "sumba",
    "53.05": "alor",
    "53.13": "lembata",
    "53.06": "flotim",
    "53.07": "sikka",
    "53.08": "ende",
    "53.09": "ngada",
    "53.16": "ngada",
    "53.10": "manggarai",
    "53.15": "manggarai",
    "53.19": "manggarai",
}


def norm(x: object) -> str:
    return contract.normalize(x)


def cum_table(pairs: list[tuple[Any, float]]) -> tuple[list[Any], list[float]]:
    vals, cum, t = [], [], 0.0
    for v, w in pairs:
        t += w
        vals.append(v)
        cum.append(t)
    return vals, cum


def pick(rng: random.Random, table: tuple[list[Any], list[float]]) -> Any:
    vals, cum = table
    return vals[bisect.bisect_right(cum, rng.random() * cum[-1])]


def fmt_dec(v: float) -> str:
    return f"{v:g}" if v == int(v) or abs(v) < 1e6 else repr(v)


def dots(n: int) -> str:
    return f"{n:,}".replace(",", ".")


def excel_serial(d: date) -> int:
    return (d - EXCEL_EPOCH).days
