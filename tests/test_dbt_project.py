"""End-to-end test of the dbt project on a tiny hand-made warehouse.

The source tables (schemas ``quality`` and ``ingestion``) are created with the columns of
docs/ARSITEKTUR.md (plus the registry's ``folder``/``encoding`` columns and its (folder, file_hash)
key, as orchestration/lib/registry.py creates it) and a handful of rows across three
districts. ``dbt build`` (seeds, models,
data tests, unit tests) must pass, and the marts are checked against numbers computed here in
Python from the same rows, independently of the SQL. A second warehouse with a duplicate NIK
hash proves that an error-severity test stops the build before the marts.

dbt is invoked in-process through ``dbtRunner`` (each invocation costs a parse of a few seconds);
invocations are grouped in module-scoped fixtures.
"""

from __future__ import annotations

import csv
import hashlib
import math
import os
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import duckdb
import pytest

ROOT = Path(__file__).resolve().parent.parent
DBT_DIR = ROOT / "dbt_project"
SEEDS = DBT_DIR / "seeds"

os.environ.setdefault("DO_NOT_TRACK", "1")
os.environ.setdefault("DBT_SEND_ANONYMOUS_USAGE_STATS", "false")

TANGGAL_RUN_1 = "2025-11-10"
TANGGAL_RUN_2 = "2025-11-11"
BATAS_WAKTU = date(2025, 10, 31)
from orchestration.lib.publish.privacy import PERSONAL_COLUMNS  # noqa: E402  (the contract's pribadi flag)
from orchestration.settings import RUN_DATE_VAR  # noqa: E402

MARTS = [
    "backlog_kabupaten",
    "backlog_kecamatan",
    "backlog_desa",
    "realisasi_program",
    "capaian_pendataan",
    "capaian_pendataan_harian",
]

# --------------------------------------------------------------------------------------------
# Hand-made source rows
# --------------------------------------------------------------------------------------------


def _hash(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


@dataclass
class RT:
    """One accepted household (only the fields that matter; the rest get defaults)."""

    kode_desa: str
    nik: str
    anggota: int
    luas: float
    kepemilikan: str = "milik_sendiri"
    rumah_lain: bool | None = None
    lahan: str | None = "milik_sendiri"
    atap: str = "genteng"
    dinding: str = "tembok"
    lantai: str = "keramik"
    kondisi_atap: str | None = "baik"
    kondisi_dinding: str | None = "baik"
    kondisi_lantai: str | None = "baik"
    air: str = "ledeng"
    sanitasi: str = "jamban_sendiri"
    jumlah_kk: int | None = None
    no_kk: str | None = None
    lat: float | None = None
    lon: float | None = None
    tanggal: date | None = None
    penghasilan: int | None = None
    bantuan: bool | None = None

    @property
    def kode_kabupaten(self) -> str:
        return self.kode_desa[:5]

    @property
    def kode_kecamatan(self) -> str:
        return self.kode_desa[:8]


HOUSEHOLDS: list[RT] = [
    # 53.01 Kabupaten Kupang: two kecamatan, three desa
    RT(
        "53.01.04.2003",
        "5301011201900001",
        5,
        36.0,
        no_kk="5301010101010001",
        lat=-10.2,
        lon=123.5,
        tanggal=date(2025, 9, 1),
        penghasilan=1_500_000,
    ),  # layak, exactly 7.2 m2/person
    RT(
        "53.01.04.2003", "5301011201900002", 4, 20.0, kondisi_dinding="rusak_berat", jumlah_kk=3
    ),  # RTLH (ketahanan, luas)
    RT(
        "53.01.04.2004",
        "5301011201900003",
        3,
        45.0,
        kepemilikan="kontrak",
        rumah_lain=True,
        air="sumur_tak_terlindung",
        lahan=None,
    ),  # RTLH (air); not backlog (owns elsewhere)
    RT(
        "53.01.04.2004",
        "5301011201900004",
        2,
        30.0,
        kepemilikan="sewa",
        rumah_lain=False,
        sanitasi="jamban_umum",
        jumlah_kk=2,
        bantuan=False,
    ),  # RTLH (sanitasi); backlog
    RT(
        "53.01.05.1001",
        "5301011201900005",
        6,
        30.0,
        lantai="tanah",
        atap="jerami_ijuk_daun",
        dinding="bambu",
        air="air_permukaan",
        sanitasi="tidak_ada",
        kondisi_atap=None,
        kondisi_dinding=None,
        kondisi_lantai=None,
        bantuan=False,
    ),  # RTLH all four; BSPS indicative
    RT(
        "53.01.05.1001",
        "5301011201900006",
        1,
        12.0,
        kepemilikan="menumpang",
        jumlah_kk=1,
        bantuan=True,
        tanggal=date(2025, 9, 2),
    ),  # layak; backlog
    # 53.71 Kota Kupang
    RT("53.71.01.1001", "5371014505850001", 4, 28.8, no_kk="5371010101010001", lat=-10.16, lon=123.58),  # 7.2 exactly
    RT(
        "53.71.01.1001",
        "5371014505850002",
        5,
        35.9,
        kondisi_atap="rusak_sedang",
        penghasilan=3_000_000,
        lahan="tanah_negara",
    ),  # luas < 7.2; BSPS: no (land), aid unknown
    RT(
        "53.71.01.1002",
        "5371014505850003",
        3,
        50.0,
        kepemilikan="dinas",
        sanitasi="jamban_bersama",
        air="air_kemasan",
        jumlah_kk=2,
    ),  # layak; backlog
    # 53.12 Sumba Barat: sent no status_kepemilikan_lahan and no jumlah_kk at all
    RT(
        "53.12.04.2001", "5312040101800001", 7, 40.0, air="mata_air_tak_terlindung", lahan=None, bantuan=False
    ),  # RTLH (luas, air); BSPS unknown (land)
    RT(
        "53.12.04.2002", "5312040101800002", 2, 21.0, kondisi_lantai="rusak_berat", lahan=None, bantuan=None
    ),  # RTLH; BSPS unknown (land, aid)
    RT("53.12.04.2002", "5312040101800003", 2, 30.0, lahan=None),  # layak huni: BSPS decidably no
]
DISTRICTS_WITHOUT_LAHAN = sorted(
    {h.kode_kabupaten for h in HOUSEHOLDS} - {h.kode_kabupaten for h in HOUSEHOLDS if h.lahan is not None}
)
NILAI_BSPS = 20_000_000
BATAS_BSPS_TIDAK_DIKETAHUI_PERSEN = 10  # dbt var default

FILE_53_01 = _hash("53.01/pendataan.xlsx")
FILE_53_71_OLD = _hash("53.71/pendataan_v1.xlsx")
FILE_53_71 = _hash("53.71/pendataan_v2.xlsx")
FILE_53_12 = _hash("53.12/rt.csv")
FILE_53_12_REJECTED = _hash("53.12/rusak.xlsx")

# (kode_kabupaten, file_hash, nama_file, status, waktu_file, jenis)
FILES = [
    ("53.01", FILE_53_01, "pendataan.xlsx", "active", datetime(2025, 10, 31, 23, 15), "campuran"),
    ("53.71", FILE_53_71_OLD, "pendataan_v1.xlsx", "replaced", datetime(2025, 11, 3, 9, 0), "rumah_tangga"),
    ("53.71", FILE_53_71, "pendataan_v2.xlsx", "active", datetime(2025, 11, 5, 9, 0), "campuran"),
    ("53.12", FILE_53_12_REJECTED, "rusak.xlsx", "rejected", datetime(2025, 10, 1, 8, 0), "tidak_dikenal"),
    ("53.12", FILE_53_12, "rt.csv", "active", datetime(2025, 11, 9, 7, 30), "rumah_tangga"),
    # the same bytes in a stray folder: a second registry row with the same hash (key = folder, file_hash)
    ("bukan_kode", FILE_53_01, "salinan.xlsx", "rejected", datetime(2025, 10, 2, 8, 0), "tidak_dikenal"),
]
FILE_OF = {"53.01": FILE_53_01, "53.71": FILE_53_71, "53.12": FILE_53_12}

# (jenis, kode_kabupaten, alasan list)
QUARANTINE = [
    ("rumah_tangga", "53.01", ["wajib_kosong"]),
    ("rumah_tangga", "53.01", ["duplikat_nik"]),
    ("rumah_tangga", "53.01", ["duplikat_nik"]),
    ("rumah_tangga", "53.71", ["desa_tidak_dikenal", "nik_bukan_16_digit"]),
    ("realisasi_program", "53.71", ["kabupaten_tidak_sesuai"]),
]

# (kode_kabupaten, program, sumber_dana, jenis_kegiatan, rencana, selesai, nilai, tahun)
REALISASI = [
    ("53.71", "BSPS", "APBN", "peningkatan_kualitas", 10, 8, 200_000_000, 2025),
    ("53.71", "BSPS", "APBN", "peningkatan_kualitas", 5, 5, 100_000_000, 2025),
    ("53.71", "FLPP", "PERBANKAN", "kpr_subsidi", 20, 12, 2_400_000_000, 2025),
    ("53.01", "BSPS", "APBN", "pembangunan_baru", 3, 0, 60_000_000, 2026),
]

DDL = """
create schema if not exists quality;
create schema if not exists ingestion;
create table ingestion.file_registry (
    folder varchar not null, file_hash varchar not null, kode_kabupaten varchar, nama_file varchar, path_relatif varchar,
    ukuran_bytes bigint, jenis varchar, waktu_file timestamp, pertama_dilihat_run varchar,
    terakhir_dilihat_run varchar, pertama_dilihat_pada timestamp, status varchar, alasan_kode varchar,
    alasan varchar, arsip_path varchar, baris_dibaca integer, encoding varchar,
    primary key (folder, file_hash)
);
create table quality.rumah_tangga_diterima (
    kode_kabupaten varchar, file_hash varchar, nama_file varchar, sheet varchar, baris integer,
    kode_desa varchar, kode_kecamatan varchar, nik varchar(16), nik_hash varchar, no_kk varchar,
    nama_kepala_keluarga varchar, jenis_kelamin varchar, jumlah_anggota_keluarga integer, jumlah_kk integer,
    status_kepemilikan_rumah varchar, memiliki_rumah_lain boolean, status_kepemilikan_lahan varchar,
    luas_lantai_m2 double, material_atap varchar, material_dinding varchar, material_lantai varchar,
    kondisi_atap varchar, kondisi_dinding varchar, kondisi_lantai varchar, sumber_air_minum varchar,
    fasilitas_sanitasi varchar, penghasilan_per_bulan bigint, latitude double, longitude double,
    tanggal_pendataan date, nama_petugas varchar, usulan_program varchar, pernah_menerima_bantuan boolean
);
create table quality.realisasi_program_diterima (
    kode_kabupaten varchar, file_hash varchar, nama_file varchar, sheet varchar, baris integer,
    kode_desa varchar, program varchar, sumber_dana varchar, jenis_kegiatan varchar,
    unit_rencana integer, unit_selesai integer, nilai_rupiah bigint, tahun_anggaran integer
);
create table quality.karantina (
    jenis varchar, kode_kabupaten varchar, file_hash varchar, nama_file varchar, sheet varchar, baris integer,
    alasan varchar[], kolom varchar[], pesan varchar, nilai_asli json
);
create table quality.gerbang_kabupaten (
    kode_kabupaten varchar primary key, status varchar, alasan_tahan varchar, sidik_kiriman varchar,
    baris_dibaca_kiriman integer, baris_karantina_kiriman integer, rasio_karantina_kiriman double,
    rasio_baris_vs_rilis double, kolom_wajib_hilang integer, baris_dibaca_rilis integer, sidik_rilis varchar,
    diputuskan_pada timestamp, run_id varchar, dirilis_pada timestamp
);
create table quality.rilis_rumah_tangga (kode_kabupaten varchar, nama_file varchar);
"""


def kabupaten_ref() -> list[dict[str, str]]:
    with open(SEEDS / "kabupaten_kota_ntt.csv", newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def build_warehouse(path: Path, extra_sql: str = "") -> None:
    """Create the five source tables of ARSITEKTUR.md with the hand-made rows."""
    con = duckdb.connect(str(path))
    try:
        con.execute(DDL)
        for kode, fhash, nama, status, waktu, jenis in FILES:
            con.execute(
                "insert into ingestion.file_registry values (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                [
                    kode,
                    fhash,
                    kode if kode.startswith("53.") else None,
                    nama,
                    f"{kode}/{nama}",
                    1234,
                    jenis,
                    waktu,
                    "run-1",
                    "run-2",
                    waktu,
                    status,
                    "file_rusak" if status == "rejected" else None,
                    None,
                    f"archive/{fhash[:2]}/{fhash}",
                    0,
                    "utf-8",
                ],
            )
        for i, h in enumerate(HOUSEHOLDS, start=2):
            con.execute(
                "insert into quality.rumah_tangga_diterima values "
                "(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                [
                    h.kode_kabupaten,
                    FILE_OF[h.kode_kabupaten],
                    "f.xlsx",
                    "Data",
                    i,
                    h.kode_desa,
                    h.kode_kecamatan,
                    h.nik,
                    _hash("kunci" + h.nik),
                    h.no_kk,
                    "Nama Rahasia",
                    "L",
                    h.anggota,
                    h.jumlah_kk,
                    h.kepemilikan,
                    h.rumah_lain,
                    h.lahan,
                    h.luas,
                    h.atap,
                    h.dinding,
                    h.lantai,
                    h.kondisi_atap,
                    h.kondisi_dinding,
                    h.kondisi_lantai,
                    h.air,
                    h.sanitasi,
                    h.penghasilan,
                    h.lat,
                    h.lon,
                    h.tanggal,
                    "Petugas",
                    None,
                    h.bantuan,
                ],
            )
        for i, (jenis, kode, alasan) in enumerate(QUARANTINE, start=100):
            con.execute(
                "insert into quality.karantina values (?,?,?,?,?,?,?,?,?,?)",
                [
                    jenis,
                    kode,
                    FILE_OF[kode],
                    "f.xlsx",
                    "Data",
                    i,
                    sorted(alasan),
                    ["nik"] * len(alasan),
                    "; ".join(alasan),
                    '{"nik": "5301011201900001", "nama": "Rahasia"}',
                ],
            )
        for i, (kode, prog, dana, keg, ren, sel, nil, ta) in enumerate(REALISASI, start=2):
            con.execute(
                "insert into quality.realisasi_program_diterima values (?,?,?,?,?,?,?,?,?,?,?,?,?)",
                [kode, FILE_OF[kode], "f.xlsx", "Realisasi", i, None, prog, dana, keg, ren, sel, nil, ta],
            )
        con.execute("alter table ingestion.file_registry add column ada_di_folder boolean")
        for kode in sorted(FILE_OF):  # the gate's decisions: every district that sent files was released
            con.execute(
                "insert into quality.gerbang_kabupaten (kode_kabupaten, status, diputuskan_pada, dirilis_pada) "
                "values (?, 'diterima', timestamp '2025-06-30 01:00', timestamp '2025-06-30 01:00')",
                [kode],
            )
            con.execute("insert into quality.rilis_rumah_tangga values (?, 'f.xlsx')", [kode])
        if extra_sql:
            con.execute(extra_sql)
    finally:
        con.close()


# --------------------------------------------------------------------------------------------
# The same rules, written independently in Python
# --------------------------------------------------------------------------------------------


def layak(h: RT) -> dict[str, bool]:
    ketahanan = (
        h.atap in {"beton", "genteng", "seng", "asbes", "kayu_sirap"}
        and h.dinding in {"tembok", "plesteran_anyaman_bambu", "kayu_papan", "batang_kayu"}
        and h.lantai not in {"tanah", "bambu"}
        and "rusak_berat" not in {h.kondisi_atap, h.kondisi_dinding, h.kondisi_lantai}
    )
    luas = round(h.luas * 10_000) >= round(7.2 * 10_000) * h.anggota
    air = h.air in {"ledeng", "air_kemasan", "sumur_bor", "sumur_terlindung", "mata_air_terlindung", "air_hujan"}
    sanitasi = h.sanitasi in {"jamban_sendiri", "jamban_bersama"}
    return {"ketahanan": ketahanan, "luas": luas, "air": air, "sanitasi": sanitasi}


def status_bsps(h: RT) -> str:
    """BSPS eligibility with unknowns: any condition known to fail -> not eligible; all known to
    hold -> eligible; otherwise unknown (land status and aid history treated alike)."""
    f = layak(h)
    conditions = [
        not all(f.values()),  # RTLH (required inputs)
        h.kepemilikan == "milik_sendiri",  # required input
        None if h.lahan is None else h.lahan == "milik_sendiri",
        None if h.bantuan is None else not h.bantuan,
    ]
    if any(c is False for c in conditions):
        return "tidak_memenuhi_syarat"
    return "layak" if all(c is True for c in conditions) else "tidak_diketahui"


def expected_backlog(rows: list[RT]) -> dict[str, int | None]:
    flags = [layak(h) for h in rows]
    rtlh = [not all(f.values()) for f in flags]
    known_kk = [h.jumlah_kk for h in rows if h.jumlah_kk is not None]
    status = [status_bsps(h) for h in rows]
    return {
        "jumlah_rumah_tangga": len(rows),
        "jumlah_kk": sum(h.jumlah_kk or 1 for h in rows),  # contract: empty jumlah_kk = 1 KK
        "backlog_kepemilikan": sum(h.kepemilikan != "milik_sendiri" and not h.rumah_lain for h in rows),
        "backlog_kepemilikan_rumah_lain_tidak_diketahui": sum(
            h.kepemilikan != "milik_sendiri" and h.rumah_lain is None for h in rows
        ),
        # over the households whose jumlah_kk is known; unknown when there is none
        "backlog_kepenghunian": sum(k - 1 for k in known_kk) if known_kk else None,
        "backlog_kepenghunian_tidak_diketahui": sum(h.jumlah_kk is None for h in rows),
        "jumlah_rtlh": sum(rtlh),
        "tidak_layak_ketahanan_bangunan": sum(not f["ketahanan"] for f in flags),
        "tidak_layak_luas": sum(not f["luas"] for f in flags),
        "tidak_layak_air_minum": sum(not f["air"] for f in flags),
        "tidak_layak_sanitasi": sum(not f["sanitasi"] for f in flags),
        "indikatif_layak_bsps": status.count("layak"),
        "tidak_memenuhi_syarat_bsps": status.count("tidak_memenuhi_syarat"),
        "bsps_tidak_diketahui": status.count("tidak_diketahui"),
    }


def expected_bsps_rupiah(exp: dict) -> dict[str, int | None]:
    """The published estimate and its bounds (NULL without households; the estimate also NULL when
    the unknowns exceed the threshold share of the households that may be eligible)."""
    if not exp["jumlah_rumah_tangga"]:
        return dict.fromkeys(
            [
                "estimasi_kebutuhan_bsps_rupiah",
                "estimasi_kebutuhan_bsps_minimum_rupiah",
                "estimasi_kebutuhan_bsps_maksimum_rupiah",
            ]
        )
    layak_, unk = exp["indikatif_layak_bsps"], exp["bsps_tidak_diketahui"]
    terbit = 100 * unk <= BATAS_BSPS_TIDAK_DIKETAHUI_PERSEN * (layak_ + unk)
    return {
        "estimasi_kebutuhan_bsps_rupiah": layak_ * NILAI_BSPS if terbit else None,
        "estimasi_kebutuhan_bsps_minimum_rupiah": layak_ * NILAI_BSPS,
        "estimasi_kebutuhan_bsps_maksimum_rupiah": (layak_ + unk) * NILAI_BSPS,
    }


def expected_ketepatan(first: datetime | None) -> float:
    if first is None:
        return 0.0
    late = (first.date() - BATAS_WAKTU).days
    return 100.0 if late <= 0 else max(0.0, 100.0 - 10 * math.ceil(late / 7))


def expected_capaian(kode: str) -> dict[str, float]:
    rows = [h for h in HOUSEHOLDS if h.kode_kabupaten == kode]
    quarantined = [q for q in QUARANTINE if q[0] == "rumah_tangga" and q[1] == kode]
    non_dup = [q for q in quarantined if q[2] != ["duplikat_nik"]]
    target = next(
        math.floor(0.25 * int(k["penduduk_total"]) / 4.2 + 0.5) for k in kabupaten_ref() if k["kode_kemendagri"] == kode
    )
    cakupan = min(len(rows) / target, 1) * 100
    akurasi = 100 * len(rows) / (len(rows) + len(non_dup)) if rows or non_dup else 0.0

    def terisi(h: RT) -> int:
        return sum(
            [
                h.no_kk is not None,
                h.lat is not None and h.lon is not None,
                h.tanggal is not None,
                h.penghasilan is not None,
                h.kondisi_atap is not None,
                h.kondisi_dinding is not None,
                h.kondisi_lantai is not None,
                h.lahan is not None,
            ]
        )

    kelengkapan = 100 * sum(terisi(h) / 8 for h in rows) / len(rows) if rows else 0.0
    firsts = [f[4] for f in FILES if f[0] == kode and f[3] != "rejected"]
    ketepatan = expected_ketepatan(min(firsts) if firsts else None)
    c, a, k, t = (round(x, 2) for x in (cakupan, akurasi, kelengkapan, ketepatan))
    return {
        "baris_diterima": len(rows) + len(quarantined),
        "rumah_tangga_valid": len(rows),
        "baris_karantina": len(quarantined),
        "cakupan": c,
        "akurasi": a,
        "kelengkapan": k,
        "ketepatan_waktu": t,
        "indeks_capaian": round(0.4 * c + 0.3 * a + 0.2 * k + 0.1 * t, 2),
    }


# --------------------------------------------------------------------------------------------
# dbt invocations (grouped)
# --------------------------------------------------------------------------------------------


def run_dbt(args: list[str], warehouse: Path, target: Path):
    from dbt.cli.main import dbtRunner

    os.environ["P3JR_WAREHOUSE_PATH"] = str(warehouse)
    full = [
        *args,
        "--project-dir",
        str(DBT_DIR),
        "--profiles-dir",
        str(DBT_DIR),
        "--target-path",
        str(target),
        "--log-path",
        str(target / "logs"),
        "--quiet",
    ]
    return dbtRunner().invoke(full)


def statuses(res) -> dict[str, str]:
    return {r.node.unique_id: str(r.status) for r in (res.result or [])}


def query(path: Path, sql: str, params=None) -> list[tuple]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


@pytest.fixture(scope="module")
def workdir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("dbt")


@pytest.fixture(scope="module")
def built(workdir: Path):
    """Build once (seeds, models, all tests incl. unit tests), then a second day, then a same-day re-run."""
    saved = os.environ.get("P3JR_WAREHOUSE_PATH")
    wh = workdir / "p3jr.duckdb"
    build_warehouse(wh)
    target = workdir / "target"
    # day 1 the way the pipeline passes the date (settings.RUN_DATE_VAR), later days as dbt vars
    os.environ[RUN_DATE_VAR] = TANGGAL_RUN_1
    try:
        first = run_dbt(["build"], wh, target)
    finally:
        os.environ.pop(RUN_DATE_VAR, None)
    day1 = query(wh, "select * from marts.capaian_pendataan_harian order by kode_kabupaten") if first.success else []
    second = run_dbt(
        ["run", "--select", "capaian_pendataan_harian", "--vars", f'{{"tanggal_run": "{TANGGAL_RUN_2}"}}'], wh, target
    )
    third = run_dbt(
        ["run", "--select", "capaian_pendataan_harian", "--vars", f'{{"tanggal_run": "{TANGGAL_RUN_2}"}}'], wh, target
    )
    yield {"wh": wh, "first": first, "second": second, "third": third, "day1": day1}
    if saved is None:
        os.environ.pop("P3JR_WAREHOUSE_PATH", None)
    else:
        os.environ["P3JR_WAREHOUSE_PATH"] = saved


def test_build_succeeds_with_unit_tests(built):
    res = built["first"]
    failed = {k: v for k, v in statuses(res).items() if v not in ("success", "pass")}
    assert res.success, f"dbt build failed: {failed} {res.exception}"
    ids = statuses(res)
    assert sum(1 for k in ids if k.startswith("unit_test.")) >= 6, "unit tests did not run"
    # every model and seed's row rules ran as its one `invarian_baris_<model>` check
    ran = {k.split(".")[2] for k in ids if k.startswith("test.")}
    models = {k.split(".")[2] for k in ids if k.startswith(("model.", "seed."))}
    assert {f"invarian_baris_{m}" for m in models} <= ran, sorted({f"invarian_baris_{m}" for m in models} - ran)


def test_mart_row_counts(built):
    wh = built["wh"]
    counts = {m: query(wh, f"select count(*) from marts.{m}")[0][0] for m in MARTS}
    assert counts["backlog_kabupaten"] == 22
    assert counts["backlog_kecamatan"] == len({h.kode_kecamatan for h in HOUSEHOLDS})
    assert counts["backlog_desa"] == len({h.kode_desa for h in HOUSEHOLDS})
    assert counts["realisasi_program"] == len({(r[0], r[1], r[2], r[3], r[7]) for r in REALISASI})
    assert counts["capaian_pendataan"] == 22


@pytest.mark.parametrize("kode", ["53.01", "53.71", "53.12", "53.02"])
def test_backlog_kabupaten_matches_python(built, kode):
    exp = expected_backlog([h for h in HOUSEHOLDS if h.kode_kabupaten == kode])
    cols = list(exp)
    got = query(built["wh"], f"select {', '.join(cols)} from marts.backlog_kabupaten where kode_kabupaten = ?", [kode])
    assert dict(zip(cols, got[0])) == exp
    rupiah = expected_bsps_rupiah(exp)
    got = query(
        built["wh"], f"select {', '.join(rupiah)} from marts.backlog_kabupaten where kode_kabupaten = ?", [kode]
    )
    assert dict(zip(rupiah, got[0])) == rupiah
    persen, kel_kk, kel_bsps = query(
        built["wh"],
        "select persen_rtlh, kelengkapan_kepenghunian_persen, kelengkapan_bsps_persen "
        "from marts.backlog_kabupaten where kode_kabupaten = ?",
        [kode],
    )[0]
    n = exp["jumlah_rumah_tangga"]
    if n:
        assert float(persen) == round(100 * exp["jumlah_rtlh"] / n, 2)
        assert float(kel_kk) == round(100 * (n - exp["backlog_kepenghunian_tidak_diketahui"]) / n, 2)
        assert float(kel_bsps) == round(100 * (n - exp["bsps_tidak_diketahui"]) / n, 2)
    else:
        assert (persen, kel_kk, kel_bsps) == (None, None, None)


def test_district_without_land_status_gives_unknown_not_zero(built):
    """A district that sent no status_kepemilikan_lahan: its RTLH owner-occupiers are 'tidak diketahui'
    for BSPS and the estimate is NULL (not Rp 0); recomputed from the accepted rows."""
    assert DISTRICTS_WITHOUT_LAHAN, "test data must hold a district without land status"
    for kode in DISTRICTS_WITHOUT_LAHAN:
        rows = [h for h in HOUSEHOLDS if h.kode_kabupaten == kode]
        exp = expected_backlog(rows)
        unknown = sum(status_bsps(h) == "tidak_diketahui" for h in rows)
        got = dict(
            zip(
                [
                    "indikatif",
                    "tidak_memenuhi",
                    "tidak_diketahui",
                    "estimasi",
                    "maks",
                    "kepenghunian",
                    "kk_tidak_diketahui",
                ],
                query(
                    built["wh"],
                    "select indikatif_layak_bsps, tidak_memenuhi_syarat_bsps, bsps_tidak_diketahui, "
                    "estimasi_kebutuhan_bsps_rupiah, estimasi_kebutuhan_bsps_maksimum_rupiah, backlog_kepenghunian, "
                    "backlog_kepenghunian_tidak_diketahui from marts.backlog_kabupaten where kode_kabupaten = ?",
                    [kode],
                )[0],
            )
        )
        assert got["tidak_diketahui"] == unknown > 0
        assert got["indikatif"] == 0  # no household can be known eligible without its land status
        assert got["indikatif"] + got["tidak_memenuhi"] + got["tidak_diketahui"] == len(rows)
        assert got["tidak_memenuhi"] == exp["tidak_memenuhi_syarat_bsps"] > 0  # decidable ones still decided
        assert got["estimasi"] is None  # unknown, not Rp 0
        assert got["maks"] == unknown * NILAI_BSPS
        if all(h.jumlah_kk is None for h in rows):
            assert got["kepenghunian"] is None and got["kk_tidak_diketahui"] == len(rows)


def test_backlog_desa_matches_python(built):
    for kode_desa in {h.kode_desa for h in HOUSEHOLDS}:
        exp = expected_backlog([h for h in HOUSEHOLDS if h.kode_desa == kode_desa])
        cols = [
            "jumlah_rumah_tangga",
            "jumlah_rtlh",
            "backlog_kepenghunian",
            "backlog_kepenghunian_tidak_diketahui",
            "indikatif_layak_bsps",
            "tidak_memenuhi_syarat_bsps",
            "bsps_tidak_diketahui",
        ]
        got = query(
            built["wh"],
            f"select {', '.join(cols)}, nama_desa from marts.backlog_desa where kode_desa = ?",
            [kode_desa],
        )[0]
        assert dict(zip(cols, got)) == {c: exp[c] for c in cols}, kode_desa
        assert got[-1]  # name resolved from the reference


def test_realisasi_program_sums(built):
    got = query(
        built["wh"],
        "select unit_rencana, unit_selesai, nilai_rupiah from marts.realisasi_program "
        "where kode_kabupaten = '53.71' and program = 'BSPS' and tahun_anggaran = 2025",
    )
    assert got == [(15, 13, 300_000_000)]


def test_capaian_pendataan(built):
    wh = built["wh"]
    rows = query(wh, "select kode_kabupaten, peringkat, penghargaan, ada_kiriman from marts.capaian_pendataan")
    assert sorted(r[1] for r in rows) == list(range(1, 23))
    assert len({r[0] for r in rows}) == 22
    cols = [
        "baris_diterima",
        "rumah_tangga_valid",
        "baris_karantina",
        "cakupan",
        "akurasi",
        "kelengkapan",
        "ketepatan_waktu",
        "indeks_capaian",
    ]
    indeks = {}
    for kode in FILE_OF:
        exp = expected_capaian(kode)
        got = dict(
            zip(
                cols,
                query(wh, f"select {', '.join(cols)} from marts.capaian_pendataan where kode_kabupaten = ?", [kode])[0],
            )
        )
        got = {
            k: (float(v) if k not in ("baris_diterima", "rumah_tangga_valid", "baris_karantina") else v)
            for k, v in got.items()
        }
        assert got == pytest.approx(exp), kode
        indeks[kode] = exp["indeks_capaian"]
    # the three districts that sent data take ranks 1..3 in index order; the award follows the rank
    by_rank = sorted(rows, key=lambda r: r[1])
    assert [r[0] for r in by_rank[:3]] == sorted(indeks, key=lambda k: -indeks[k])
    assert [r[2] for r in by_rank[:3]] == ["Terbaik I", "Terbaik II", "Terbaik III"]
    assert all(r[2] is None and not r[3] for r in by_rank[3:])
    rumus, bobot = query(wh, "select distinct rumus, bobot_cakupan from marts.capaian_pendataan")[0]
    assert "0.4 x cakupan" in rumus and float(bobot) == 0.4


def test_capaian_harian_keeps_history(built):
    assert built["second"].success and built["third"].success
    wh = built["wh"]
    per_day = dict(
        query(wh, "select cast(tanggal as varchar), count(*) from marts.capaian_pendataan_harian group by 1")
    )
    assert per_day == {TANGGAL_RUN_1: 22, TANGGAL_RUN_2: 22}
    day1_now = query(
        wh, "select * from marts.capaian_pendataan_harian where tanggal = ? order by kode_kabupaten", [TANGGAL_RUN_1]
    )
    assert day1_now == built["day1"]  # an earlier day is never rewritten


def test_no_personal_columns_in_marts(built):
    cols = query(
        built["wh"],
        "select table_name, column_name from information_schema.columns where table_schema in ('marts', 'intermediate')",
    )
    assert cols
    leaked = [(t, c) for t, c in cols if c in PERSONAL_COLUMNS or c == "nik_hash" and t in MARTS]
    assert leaked == []
    staged = {
        c
        for t, c in query(
            built["wh"], "select table_name, column_name from information_schema.columns where table_schema = 'staging'"
        )
    }
    assert not staged & PERSONAL_COLUMNS


def test_failing_error_test_blocks_marts(workdir, built):
    """Rows that break the post-gate invariants fail the staging model's one `invarian_baris` check, which
    names every broken rule (one query, one row per rule); no mart is built."""
    wh = workdir / "rusak.duckdb"
    dup, a, b = HOUSEHOLDS[0], HOUSEHOLDS[1], HOUSEHOLDS[2]
    other_kabupaten = "53.71" if b.kode_kabupaten != "53.71" else "53.01"
    build_warehouse(
        wh,
        extra_sql=(
            # the same NIK hash twice
            "insert into quality.rumah_tangga_diterima select * replace (baris + 1000 as baris) "
            f"from quality.rumah_tangga_diterima where nik = '{dup.nik}';"
            # a value outside its code list and its range, a required value missing, a desa not in the reference
            "insert into quality.rumah_tangga_diterima select * replace (baris + 2000 as baris, nik_hash || 'a' as "
            "nik_hash, 'X' as jenis_kelamin, 99 as jumlah_anggota_keluarga, null as luas_lantai_m2, "
            "kode_kecamatan || '.9999' as kode_desa) "
            f"from quality.rumah_tangga_diterima where nik = '{a.nik}';"
            # a real desa outside the sending district
            "insert into quality.rumah_tangga_diterima select * replace (baris + 3000 as baris, nik_hash || 'b' as "
            f"nik_hash, '{other_kabupaten}' as kode_kabupaten) from quality.rumah_tangga_diterima where nik = '{b.nik}'"
        ),
    )
    target = workdir / "target"
    res = run_dbt(
        ["build", "--exclude", "resource_type:unit_test", "--vars", f'{{"tanggal_run": "{TANGGAL_RUN_1}"}}'],
        wh,
        target,
    )
    assert not res.success
    st = statuses(res)
    failed = [k for k, v in st.items() if v == "fail"]
    assert any("invarian_baris_stg_rumah_tangga" in k for k in failed), failed

    def broken(test: str) -> dict:
        compiled = next((target / "compiled").rglob(f"{test}.sql")).read_text()
        return {(kolom, aturan): n for kolom, aturan, n in query(wh, compiled)}

    assert broken("invarian_baris_stg_rumah_tangga") == {
        ("nik_hash", "unik"): 1,
        ("jenis_kelamin", "nilai_baku"): 1,
        ("jumlah_anggota_keluarga", "rentang_nilai"): 1,
        ("luas_lantai_m2", "wajib_diisi"): 1,
        ("kode_desa", "ekspresi_benar"): 1,
    }
    assert broken("invarian_referensi_stg_rumah_tangga") == {("kode_desa", "ada_di_referensi"): 1}
    for mart in (
        "backlog_kabupaten",
        "backlog_kecamatan",
        "backlog_desa",
        "capaian_pendataan",
        "capaian_pendataan_harian",
    ):
        assert st.get(f"model.p3jr.{mart}") == "skipped", (mart, st.get(f"model.p3jr.{mart}"))
    tables = {r[0] for r in query(wh, "select table_name from information_schema.tables where table_schema = 'marts'")}
    assert not tables & set(MARTS) - {"realisasi_program"}


def test_broken_row_invariant_fails_the_mart_build(workdir):
    """The marts' row-level invariants (not null, ranges, the arithmetic between columns) are CHECK and
    NOT NULL constraints of their contracts: the database refuses a breaking row, the model fails and
    nothing downstream of it is built. A negative unit price breaks `estimasi_... >= 0`."""
    wh = workdir / "cek.duckdb"
    build_warehouse(wh)
    res = run_dbt(
        ["build", "--exclude", "resource_type:unit_test", "--vars", '{"nilai_bsps_per_unit": -1}'],
        wh,
        workdir / "target_cek",
    )
    assert not res.success
    by_id = {r.node.unique_id: r for r in res.result}
    assert str(by_id["model.p3jr.backlog_desa"].status) == "error"
    assert "CHECK constraint" in by_id["model.p3jr.backlog_desa"].message
    assert str(by_id["model.p3jr.backlog_kecamatan"].status) == "error"  # same rule, its own contract
    built_marts = {
        r[0] for r in query(wh, "select table_name from information_schema.tables where table_schema = 'marts'")
    }
    assert not built_marts & {"backlog_desa", "backlog_kecamatan", "backlog_kabupaten"}


def test_staging_invariants_are_generated_from_the_contract(tmp_path):
    """stg_rumah_tangga.yml / stg_realisasi_program.yml are the generator's output (sources/kontrak):
    one owner for each post-gate invariant, no value list typed by hand."""
    from orchestration.lib.gate import invariants
    from sources import contract

    for fresh in invariants.write_staging_yaml(tmp_path):
        committed = invariants.STAGING_DIR / fresh.name
        assert committed.read_text(encoding="utf-8") == fresh.read_text(encoding="utf-8"), (
            f"{committed} is out of date: run `.venv/bin/python -m orchestration.lib.gate.invariants`"
        )
    text = (invariants.STAGING_DIR / "stg_rumah_tangga.yml").read_text(encoding="utf-8")
    for value in contract.enum_values("material_atap"):
        assert f"- {value}\n" in text


def test_status_pengajuan_counts_every_district_once(built):
    """quality.status_pengajuan (a dbt model) is the one place that counts rows and files per district."""
    rows = {
        r[0]: r[1:]
        for r in query(
            built["wh"],
            """select kode_kabupaten, status, baris_dibaca, baris_diterima,
        baris_karantina, file_aktif, file_ditolak, file_pertama_diterima from quality.status_pengajuan""",
        )
    }
    assert sorted(rows) == sorted(k["kode_kemendagri"] for k in kabupaten_ref())
    for kode, (status, dibaca, diterima, karantina, aktif, ditolak, pertama) in rows.items():
        n_rt = sum(h.kode_kabupaten == kode for h in HOUSEHOLDS)
        n_q = sum(j == "rumah_tangga" and k == kode for j, k, _ in QUARANTINE)
        files = [f for f in FILES if f[0] == kode]
        assert status == ("diterima" if kode in FILE_OF else "tidak_ada_kiriman")
        assert (dibaca, diterima, karantina) == (n_rt + n_q, n_rt, n_q), kode
        assert aktif == sum(f[3] == "active" for f in files) and ditolak == sum(f[3] == "rejected" for f in files)
        assert pertama == min((f[4] for f in files if f[3] != "rejected"), default=None), kode
