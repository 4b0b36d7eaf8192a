"""Row rules of the quality gate (orchestration/lib/gate/: compiler, planners, lookups, outcomes), rule by rule.

Every test builds a small raw table by hand (a valid base row plus overrides) in an in-memory
DuckDB and checks the evaluated reasons, warnings and typed values.
"""

from __future__ import annotations

import json
import random
from datetime import date, datetime

import duckdb
import pytest

from orchestration.lib import gate
from sources import contract, reference

RUN_DATE = date(2025, 6, 30)
KEY = "kunci-uji"

BASE_RT: dict[str, object] = {
    "kode_kabupaten": "53.01",
    "file_hash": "f" * 64,
    "nama_file": "pendataan.xlsx",
    "sheet": "Data",
    "kode_desa": "53.01.04.2003",  # Bokonusan, Kec. Semau, Kab. Kupang
    "kecamatan": "",
    "desa": "",
    "nik": "5301041203850001",
    "no_kk": "5301041203850999",
    "nama_kepala_keluarga": "Yohanes Bria",
    "jenis_kelamin": "L",
    "jumlah_anggota_keluarga": "4",
    "jumlah_kk": "1",
    "status_kepemilikan_rumah": "Milik Sendiri",
    "memiliki_rumah_lain": "Tidak",
    "status_kepemilikan_lahan": "Milik Sendiri",
    "luas_lantai_m2": "36",
    "material_atap": "Seng",
    "material_dinding": "Tembok",
    "material_lantai": "Semen",
    "kondisi_atap": "Baik",
    "kondisi_dinding": "Rusak Ringan",
    "kondisi_lantai": "Baik",
    "sumber_air_minum": "Sumur Bor",
    "fasilitas_sanitasi": "Jamban Sendiri",
    "penghasilan_per_bulan": "Rp 1.500.000",
    "latitude": "-10.18",
    "longitude": "123.61",
    "tanggal_pendataan": "2025-03-01",
    "nama_petugas": "Maria Seran",
    "usulan_program": "BSPS PK",
    "pernah_menerima_bantuan": "Tidak",
    "nik_numerik": False,
    "no_kk_numerik": False,
    "kolom_tambahan": None,
}

BASE_RP: dict[str, object] = {
    "kode_kabupaten": "53.01",
    "file_hash": "r" * 64,
    "nama_file": "realisasi.csv",
    "sheet": "",
    gate.KOLOM_KABUPATEN_BARIS: "53.01",
    "kode_desa": "",
    "program": "BSPS",
    "sumber_dana": "APBN",
    "jenis_kegiatan": "Peningkatan Kualitas",
    "unit_rencana": "100",
    "unit_selesai": "80",
    "nilai_rupiah": "Rp 2.000.000.000",
    "tahun_anggaran": "2025",
    "kolom_tambahan": None,
}

BOOL_COLS = ("nik_numerik", "no_kk_numerik")


@pytest.fixture
def con():
    c = duckdb.connect()
    gate.install(c, run_date=RUN_DATE, pseudonym_key=KEY)
    yield c
    c.close()


def _nik(i: int, prov: str = "53") -> str:
    """A structurally valid NIK, distinct per i (serial 0001 + i)."""
    return f"{prov}0104120385{i + 1:04d}"


def load_raw(con, name: str, kind: str, overrides: list[dict], *, unique_nik: bool = True) -> None:
    """Create table ``name`` with the raw columns of ``kind``: base row + each dict of overrides."""
    base = BASE_RT if kind == "rumah_tangga" else BASE_RP
    rows = []
    for i, o in enumerate(overrides):
        r = dict(base)
        r["baris"] = i + 2
        if kind == "rumah_tangga" and unique_nik:
            r["nik"] = _nik(i)
        r.update(o)
        rows.append(r)
    cols = list(base) + ["baris"]
    ddl = ", ".join(
        f'"{c}" '
        + (
            "BOOLEAN"
            if c in BOOL_COLS
            else "INTEGER"
            if c == "baris"
            else "JSON"
            if c == "kolom_tambahan"
            else "VARCHAR"
        )
        for c in cols
    )
    con.execute(f"CREATE OR REPLACE TABLE {name} ({ddl})")
    con.executemany(
        f"INSERT INTO {name} VALUES ({', '.join('?' for _ in cols)})", [[r.get(c) for c in cols] for r in rows]
    )


def evaluate(con, overrides: list[dict], kind: str = "rumah_tangga", **kw) -> list[dict]:
    load_raw(con, "raw_uji", kind, overrides, **kw)
    gate.evaluate(con, kind, "raw_uji", "eval_uji")
    return fetch(con, "eval_uji")


def fetch(con, table: str) -> list[dict]:
    cur = con.execute(f"SELECT * FROM {table} ORDER BY kode_kabupaten, file_hash, baris")
    names = [d[0] for d in cur.description]
    return [dict(zip(names, r)) for r in cur.fetchall()]


def one(con, override: dict | None = None, kind: str = "rumah_tangga", **kw) -> dict:
    return evaluate(con, [override or {}], kind, **kw)[0]


_SHARED: list[duckdb.DuckDBPyConnection] = []
_BATCHES: dict[str, list[dict]] = {}


def batch(key: str, overrides: list[dict], kind: str = "rumah_tangga", unique_nik: bool = True) -> list[dict]:
    """Evaluate a whole list of cases once (one table, one query) and return the rows in case order.

    Evaluating each parametrised case on its own costs a query plan per case; the rules are
    row-independent, so one table per case list tests exactly the same thing.
    """
    if key not in _BATCHES:
        if not _SHARED:
            c = duckdb.connect()
            gate.install(c, run_date=RUN_DATE, pseudonym_key=KEY)
            _SHARED.append(c)
        c = _SHARED[0]
        load_raw(c, f"raw_{key}", kind, overrides, unique_nik=unique_nik)
        gate.evaluate(c, kind, f"raw_{key}", f"ev_{key}")
        cur = c.execute(f"SELECT * FROM ev_{key} ORDER BY baris")
        names = [d[0] for d in cur.description]
        _BATCHES[key] = [dict(zip(names, r)) for r in cur.fetchall()]
        assert len(_BATCHES[key]) == len(overrides)
    return _BATCHES[key]


def cases(spec: list) -> dict:
    """parametrize kwargs: one index per case, readable ids."""
    return {
        "argnames": "i",
        "argvalues": range(len(spec)),
        "ids": [str(x[0] if isinstance(x, tuple) else x)[:40] for x in spec],
    }


def reasons(row: dict) -> list[tuple[str, str]]:
    return [(a["kode"], a["kolom"]) for a in row["alasan"]]


def warnings(row: dict) -> list[tuple[str, str]]:
    return [(a["kode"], a["kolom"]) for a in row["peringatan"]]


def codes(row: dict) -> set[str]:
    return {a["kode"] for a in row["alasan"]}


# ------------------------------------------------------------------------------------------
# base row, reference tables, macros
# ------------------------------------------------------------------------------------------


def test_base_row_passes_with_typed_values(con):
    r = one(con)
    assert r["alasan"] == [] and r["peringatan"] == []
    assert r["kode_desa"] == "53.01.04.2003" and r["kode_kecamatan"] == "53.01.04"
    assert r["nik"] == "5301041203850001"
    assert r["jumlah_anggota_keluarga"] == 4 and r["jumlah_kk"] == 1
    assert r["luas_lantai_m2"] == 36.0 and r["penghasilan_per_bulan"] == 1_500_000
    assert r["status_kepemilikan_rumah"] == "milik_sendiri" and r["material_lantai"] == "semen_bata_merah"
    assert r["memiliki_rumah_lain"] is False and r["pernah_menerima_bantuan"] is False
    assert r["kondisi_dinding"] == "rusak_ringan" and r["usulan_program"] == "bsps_peningkatan"
    assert r["tanggal_pendataan"] == date(2025, 3, 1)
    assert r["latitude"] == pytest.approx(-10.18) and r["longitude"] == pytest.approx(123.61)
    assert r["nilai_asli"]["penghasilan_per_bulan"] == "Rp 1.500.000"


def test_nilai_asli_on_every_row(con):
    rows = evaluate(
        con,
        [
            {"nik": _nik(0)},
            {"nik": _nik(1), "jenis_kelamin": "?"},  # warning
            {"nik": _nik(2), "luas_lantai_m2": "luas"},  # quarantined
            {"nik": "'5301041203850999"},  # same NIK as the next row: may lose the duplicate contest
            {"nik": "5301 0412 0385 0999"},
        ],
        unique_nik=False,
    )
    assert all(r["nilai_asli"] is not None for r in rows)
    asli = rows[2]["nilai_asli"]
    assert asli["luas_lantai_m2"] == "luas" and asli["penghasilan_per_bulan"] == "Rp 1.500.000"
    assert set(asli) == set(contract.column_names("rumah_tangga"))
    assert rows[3]["nilai_asli"]["nik"] == "'5301041203850999"


def test_output_columns_match_architecture(con):
    r = one(con)
    expected_rt = [
        "kode_kabupaten",
        "file_hash",
        "nama_file",
        "sheet",
        "baris",
        "kode_desa",
        "kode_kecamatan",
        "nik",
        "nik_hash",
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
        "tanggal_pendataan",
        "nama_petugas",
        "usulan_program",
        "pernah_menerima_bantuan",
    ]
    assert gate.output_columns("rumah_tangga") == expected_rt
    assert list(r)[: len(expected_rt)] == expected_rt
    assert list(r)[len(expected_rt) :] == ["alasan", "peringatan", "nilai_asli", "kolom_tambahan"]
    assert gate.output_columns("realisasi_program") == [
        "kode_kabupaten",
        "file_hash",
        "nama_file",
        "sheet",
        "baris",
        "kode_desa",
        "program",
        "sumber_dana",
        "jenis_kegiatan",
        "unit_rencana",
        "unit_selesai",
        "nilai_rupiah",
        "tahun_anggaran",
    ]
    types = dict(con.execute("SELECT column_name, column_type FROM (DESCRIBE eval_uji)").fetchall())
    assert types["jumlah_anggota_keluarga"] == "INTEGER" and types["penghasilan_per_bulan"] == "BIGINT"
    assert types["luas_lantai_m2"] == "DOUBLE" and types["tanggal_pendataan"] == "DATE"
    assert types["memiliki_rumah_lain"] == "BOOLEAN"
    assert types["alasan"] == types["peringatan"] == "STRUCT(kode VARCHAR, kolom VARCHAR)[]"


def test_reference_tables(con):
    prov = [r[0] for r in con.execute("SELECT kode FROM lookup_kode_provinsi ORDER BY kode").fetchall()]
    assert len(prov) == 38 and {"11", "21", "36", "53", "65", "76", "82", "96"} <= set(prov)
    assert "20" not in prov and "99" not in prov
    n = con.execute("SELECT count(*) FROM lookup_wilayah WHERE tingkat = 'desa_kelurahan'").fetchone()[0]
    assert n == sum(1 for w in reference.wilayah() if w.tingkat == "desa_kelurahan")
    assert con.execute("SELECT kode_induk, nama_norm FROM lookup_wilayah WHERE kode = '53.01.12.2005'").fetchone() == (
        "53.01.12",
        "ohaem",
    )
    assert con.execute(
        "SELECT nilai FROM lookup_enum_alias WHERE domain = 'status_kepemilikan_rumah' AND alias_norm = 'numpang'"
    ).fetchone() == ("menumpang",)
    assert con.execute("SELECT count(*) FROM lookup_alasan").fetchone()[0] == sum(
        1 for r in contract.reasons().values() if r.applies_to == "baris"
    )


def test_sql_normalize_equals_python_normalize(con):
    samples = (
        [w.nama for w in reference.wilayah()]
        + [a for _, a, _ in contract.enum_aliases()]
        + ["Luas Lantai (m²)", "  Sewa / Kontrak ", "ÉLÈVE", "Oh'aem II", "Rumah-Dinas"]
    )
    got = con.execute("SELECT list_transform(?, lambda x: p3jr_norm(x))", [samples]).fetchone()[0]
    assert got == [contract.normalize(s) for s in samples]


# ------------------------------------------------------------------------------------------
# required fields
# ------------------------------------------------------------------------------------------

REQUIRED_RT = [c.name for c in contract.columns("rumah_tangga") if c.required == "ya"]


def test_required_list_is_what_the_contract_says():
    assert "nik" in REQUIRED_RT and "luas_lantai_m2" in REQUIRED_RT and "no_kk" not in REQUIRED_RT


REQUIRED_EMPTY = [(f"{k}={v!r}", k, v) for k in REQUIRED_RT for v in ["", "   ", None, "\u00a0\t"]]


@pytest.mark.parametrize(**cases(REQUIRED_EMPTY))
def test_required_empty_is_quarantined(i):
    _, kolom, kosong = REQUIRED_EMPTY[i]
    r = batch("wajib", [{k: v} for _, k, v in REQUIRED_EMPTY])[i]
    assert reasons(r) == [("wajib_kosong", kolom)]


def test_several_reasons_collect_sorted(con):
    r = one(con, {"nama_kepala_keluarga": "", "material_atap": "Plastik", "luas_lantai_m2": "0", "nik": "123"})
    assert reasons(r) == [
        ("angka_tidak_valid", "luas_lantai_m2"),
        ("nik_bukan_16_digit", "nik"),
        ("nilai_tidak_dikenal", "material_atap"),
        ("wajib_kosong", "nama_kepala_keluarga"),
    ]


# ------------------------------------------------------------------------------------------
# location
# ------------------------------------------------------------------------------------------

LOKASI_OK = [
    ({"kode_desa": " 53.01.04.2003 "}, "53.01.04.2003"),
    ({"kode_desa": "5301042003"}, "53.01.04.2003"),
    ({"kode_desa": "", "kecamatan": "Semau", "desa": "Bokonusan"}, "53.01.04.2003"),
    ({"kode_desa": "", "kecamatan": "  SEMAU ", "desa": "bokonusan  "}, "53.01.04.2003"),
    ({"kode_desa": "", "kecamatan": "Amfoang Selatan", "desa": "Oh'aem"}, "53.01.12.2005"),
    ({"kode_desa": "", "kecamatan": "amfoang  selatan", "desa": "OH AEM"}, "53.01.12.2005"),
    ({"kode_desa": "", "kecamatan": "Amfoang Selatan", "desa": "Oh'aem II"}, "53.01.12.2011"),
    # the code decides when code and names are both given
    ({"kode_desa": "53.01.04.2003", "kecamatan": "Amfoang Selatan", "desa": "Oh'aem"}, "53.01.04.2003"),
    # same desa name in two kecamatan of one district: the kecamatan decides
    ({"kode_kabupaten": "53.02", "kode_desa": "", "kecamatan": "Amanuban Timur", "desa": "OE'EKAM"}, "53.02.04.2012"),
    ({"kode_kabupaten": "53.02", "kode_desa": "", "kecamatan": "Amanuban Tengah", "desa": "oe ekam"}, "53.02.05.2003"),
]


@pytest.mark.parametrize(**cases(LOKASI_OK))
def test_location_resolves(i):
    kode = LOKASI_OK[i][1]
    r = batch("lokasi_ok", [o for o, _ in LOKASI_OK])[i]
    assert r["alasan"] == [], reasons(r)
    assert r["kode_desa"] == kode and r["kode_kecamatan"] == kode[:8]


LOKASI_TOLAK = [
    ({"kode_desa": "", "kecamatan": "", "desa": ""}, ("wajib_kosong", "kode_desa")),
    ({"kode_desa": "", "kecamatan": "Semau", "desa": ""}, ("wajib_kosong", "kode_desa")),
    ({"kode_desa": "", "kecamatan": "", "desa": "Bokonusan"}, ("wajib_kosong", "kode_desa")),
    ({"kode_desa": "53.01.04.9999"}, ("desa_tidak_dikenal", "kode_desa")),
    ({"kode_desa": "53.01.04"}, ("desa_tidak_dikenal", "kode_desa")),  # a kecamatan code, not a desa
    ({"kode_desa": "Bokonusan"}, ("desa_tidak_dikenal", "kode_desa")),
    ({"kode_desa": "53.02.03.2001"}, ("desa_di_kabupaten_lain", "kode_desa")),
    ({"kode_desa": "", "kecamatan": "Semau", "desa": "Tidak Ada Desa"}, ("desa_tidak_dikenal", "desa")),
    ({"kode_desa": "", "kecamatan": "Kecamatan Fiktif", "desa": "Bokonusan"}, ("desa_tidak_dikenal", "kecamatan")),
    # a kecamatan of another district (Mollo Utara is 53.02) is unknown in 53.01
    ({"kode_desa": "", "kecamatan": "Mollo Utara", "desa": "O'besi"}, ("desa_tidak_dikenal", "kecamatan")),
    # a desa of another kecamatan of the same district
    ({"kode_desa": "", "kecamatan": "Semau", "desa": "Oh'aem"}, ("desa_tidak_dikenal", "desa")),
    # ambiguous: Kupang Timur has a kelurahan and a desa both called Oesao
    ({"kode_desa": "", "kecamatan": "Kupang Timur", "desa": "Oesao"}, ("desa_tidak_dikenal", "desa")),
]


@pytest.mark.parametrize(**cases(LOKASI_TOLAK))
def test_location_rejected(i):
    expected = LOKASI_TOLAK[i][1]
    r = batch("lokasi_tolak", [o for o, _ in LOKASI_TOLAK])[i]
    assert reasons(r) == [expected]
    assert r["kode_desa"] is None and r["kode_kecamatan"] is None


def test_ambiguity_is_real_in_reference(con):
    n = con.execute(
        "SELECT count(*) FROM lookup_wilayah WHERE kode_induk = '53.01.06' AND nama_norm = 'oesao'"
    ).fetchone()[0]
    assert n == 2


# ------------------------------------------------------------------------------------------
# NIK
# ------------------------------------------------------------------------------------------

NIK_CASES = [
    ("5301041203850001", False, [], [], "5301041203850001"),
    ("'5301041203850001", False, [], [], "5301041203850001"),
    (" 5301 0412 0385 0001 ", False, [], [], "5301041203850001"),
    ("5301.0412.0385.0001", False, [], [], "5301041203850001"),
    ("5301041203850001.0", True, [], [("nik_format_angka", "nik")], "5301041203850001"),
    ("5301045203850001", False, [], [], "5301045203850001"),  # day 52 = 12, woman
    ("5301047103850001", False, [], [], "5301047103850001"),  # day 71 = 31, woman
    ("5301040103850001", False, [], [], "5301040103850001"),
    ("5201041203850001", False, [], [("nik_provinsi_lain", "nik")], "5201041203850001"),
    ("9601041203850001", False, [], [("nik_provinsi_lain", "nik")], "9601041203850001"),
    ("5301041203850001", True, [], [("nik_format_angka", "nik")], "5301041203850001"),
    ("530104120385001", False, [("nik_bukan_16_digit", "nik")], [], None),
    ("53010412038500011", False, [("nik_bukan_16_digit", "nik")], [], None),
    ("53010412O3850001", False, [("nik_bukan_16_digit", "nik")], [], None),
    ("NIK belum ada", False, [("nik_bukan_16_digit", "nik")], [], None),
    ("5.30104E+15", True, [("nik_rusak_excel", "nik")], [], None),
    ("5.30104E+15", False, [("nik_rusak_excel", "nik")], [], None),
    ("5301041203850000", True, [("nik_rusak_excel", "nik")], [], None),
    ("5301041203850010", True, [("nik_rusak_excel", "nik")], [], None),
    ("5301041213850001", False, [("nik_tidak_valid", "nik")], [], None),  # month 13
    ("5301041200850001", False, [("nik_tidak_valid", "nik")], [], None),  # month 00
    ("5301040003850001", False, [("nik_tidak_valid", "nik")], [], None),  # day 00
    ("5301043203850001", False, [("nik_tidak_valid", "nik")], [], None),  # day 32
    ("5301044003850001", False, [("nik_tidak_valid", "nik")], [], None),  # day 40
    ("5301047203850001", False, [("nik_tidak_valid", "nik")], [], None),  # day 72
    ("5301041203850000", False, [("nik_tidak_valid", "nik")], [], None),  # serial 0000 (text cell)
    ("9901041203850001", False, [("nik_tidak_valid", "nik")], [], None),  # province 99
    ("2001041203850001", False, [("nik_tidak_valid", "nik")], [], None),  # province 20
]


@pytest.mark.parametrize(**cases(NIK_CASES))
def test_nik_rules(i):
    nik, numerik, alasan, peringatan, bersih = NIK_CASES[i]
    r = batch("nik", [{"nik": c[0], "nik_numerik": c[1]} for c in NIK_CASES], unique_nik=False)[i]
    assert reasons(r) == alasan
    assert warnings(r) == peringatan
    assert r["nik"] == bersih
    if bersih is None:
        assert r["nik_hash"] is None


def test_nik_numerik_null_means_text(con):
    r = one(con, {"nik": "5301041203850001", "nik_numerik": None}, unique_nik=False)
    assert r["alasan"] == [] and r["peringatan"] == []


def test_nik_hash_is_keyed_sha256_and_never_the_nik(con):
    import hashlib

    rows = evaluate(con, [{} for _ in range(5)])
    for r in rows:
        assert r["nik_hash"] != r["nik"] and r["nik"] not in r["nik_hash"]
        assert r["nik_hash"] == hashlib.sha256((KEY + r["nik"]).encode()).hexdigest()
    assert len({r["nik_hash"] for r in rows}) == 5
    other = duckdb.connect()
    gate.install(other, run_date=RUN_DATE, pseudonym_key="kunci-lain")
    load_raw(other, "raw_uji", "rumah_tangga", [{}])
    gate.evaluate(other, "rumah_tangga", "raw_uji", "e")
    assert other.execute("SELECT nik_hash FROM e").fetchone()[0] != rows[0]["nik_hash"]


def test_pseudonym_key_not_stored_in_catalog(tmp_path):
    c = duckdb.connect(str(tmp_path / "w.duckdb"))
    gate.install(c, run_date=RUN_DATE, pseudonym_key="rahasia-sekali")
    c.close()
    c = duckdb.connect(str(tmp_path / "w.duckdb"))
    text = str(
        c.execute("SELECT list(macro_definition) FROM duckdb_functions() WHERE macro_definition IS NOT NULL").fetchone()
    )
    assert "rahasia-sekali" not in text
    c.close()
    assert b"rahasia-sekali" not in (tmp_path / "w.duckdb").read_bytes()


# ------------------------------------------------------------------------------------------
# enums
# ------------------------------------------------------------------------------------------

ENUM_CASES = [
    ("status_kepemilikan_rumah", "Numpang", "menumpang"),
    ("status_kepemilikan_rumah", "Rumah Dinas", "dinas"),
    ("status_kepemilikan_rumah", "Sewa/Kontrak", "kontrak"),
    ("status_kepemilikan_rumah", " sewa / KONTRAK ", "kontrak"),
    ("status_kepemilikan_rumah", "Sewa", "sewa"),
    ("status_kepemilikan_rumah", "KPR", "milik_sendiri"),
    ("status_kepemilikan_rumah", "bebas_sewa", "bebas_sewa"),
    ("material_atap", "Kayu/Sirap", "kayu_sirap"),
    ("material_dinding", "Bebak", "anyaman_bambu"),
    ("material_lantai", "TANAH", "tanah"),
    ("sumber_air_minum", "PDAM", "ledeng"),
    ("fasilitas_sanitasi", "BABS", "tidak_ada"),
    ("jenis_kelamin", "Perempuan", "P"),
    ("jenis_kelamin", "laki-laki", "L"),
    ("memiliki_rumah_lain", "Ya", True),
    ("memiliki_rumah_lain", "T", False),
    ("pernah_menerima_bantuan", "Pernah", True),
    ("status_kepemilikan_lahan", "Tanah Adat", "lainnya"),
    ("kondisi_atap", "rusak berat", "rusak_berat"),
    ("usulan_program", "BSPS Baru", "bsps_baru"),
]


@pytest.mark.parametrize(**cases([f"{k}={t}" for k, t, _ in ENUM_CASES]))
def test_enum_aliases(i):
    kolom, teks, nilai = ENUM_CASES[i]
    r = batch("enum", [{k: t} for k, t, _ in ENUM_CASES])[i]
    assert r["alasan"] == [] and r["peringatan"] == []
    assert r[kolom] == nilai


ENUM_WAJIB = [c.name for c in contract.columns("rumah_tangga") if c.type == "enum" and c.required == "ya"]
ENUM_OPSIONAL = [c.name for c in contract.columns("rumah_tangga") if c.type == "enum" and c.required == "tidak"]


@pytest.mark.parametrize(**cases(ENUM_WAJIB))
def test_required_enum_garbage(i):
    kolom = ENUM_WAJIB[i]
    r = batch("enum_wajib", [{k: "Tidak tahu ???"} for k in ENUM_WAJIB])[i]
    assert reasons(r) == [("nilai_tidak_dikenal", kolom)]
    assert r[kolom] is None


@pytest.mark.parametrize(**cases(ENUM_OPSIONAL))
def test_optional_enum_garbage_is_null_with_warning(i):
    kolom = ENUM_OPSIONAL[i]
    r = batch("enum_opsional", [{k: "xyz"} for k in ENUM_OPSIONAL])[i]
    assert r["alasan"] == []
    assert warnings(r) == [("opsional_tidak_valid", kolom)]
    assert r[kolom] is None


def test_optional_empty_is_null_without_warning(con):
    opt = {c.name: "" for c in contract.columns("rumah_tangga") if c.required == "tidak"}
    r = one(con, opt)
    assert r["alasan"] == [] and r["peringatan"] == []
    for k in opt:
        assert r[k] is None, k


# ------------------------------------------------------------------------------------------
# numbers, money, dates, coordinates
# ------------------------------------------------------------------------------------------

LUAS = [
    ("36,5", 36.5),
    ("36.5", 36.5),
    ("1.234,5", None),
    ("1000", 1000.0),
    ("999,99", 999.99),
    (" 45 ", 45.0),
    ("1", 1.0),
    ("0,5", None),
    ("1001", None),
    ("-36", None),
    ("36 m2", None),
    ("tiga puluh", None),
]


@pytest.mark.parametrize(**cases(LUAS))
def test_luas_lantai(i):
    teks, nilai = LUAS[i]
    r = batch("luas", [{"luas_lantai_m2": t} for t, _ in LUAS])[i]
    if nilai is None:
        assert reasons(r) == [("angka_tidak_valid", "luas_lantai_m2")]
        assert r["luas_lantai_m2"] is None
    else:
        assert r["alasan"] == [] and r["luas_lantai_m2"] == pytest.approx(nilai)


def test_decimal_parser_thousands(con):
    got = con.execute(
        "SELECT p3jr_desimal('1.234,5'), p3jr_desimal('1.234.567'), p3jr_desimal('1,234.5'), "
        "p3jr_desimal('36,5'), p3jr_bulat('1.234'), p3jr_bulat('3,0'), p3jr_bulat('3.5')"
    ).fetchone()
    assert got == (1234.5, 1234567.0, 1234.5, 36.5, 1234, 3, None)


ANGGOTA = [
    ("4", 4),
    ("4.0", 4),
    ("4,0", 4),
    ("30", 30),
    ("1", 1),
    ("0", None),
    ("31", None),
    ("4,5", None),
    ("empat", None),
    ("-2", None),
]


@pytest.mark.parametrize(**cases(ANGGOTA))
def test_jumlah_anggota(i):
    teks, nilai = ANGGOTA[i]
    r = batch("anggota", [{"jumlah_anggota_keluarga": t} for t, _ in ANGGOTA])[i]
    if nilai is None:
        assert reasons(r) == [("angka_tidak_valid", "jumlah_anggota_keluarga")]
    else:
        assert r["alasan"] == [] and r["jumlah_anggota_keluarga"] == nilai


JUMLAH_KK = [
    ("", None, False),
    ("2", 2, False),
    ("2.0", 2, False),
    ("11", None, True),
    ("0", None, True),
    ("dua", None, True),
    (None, None, False),
]


@pytest.mark.parametrize(**cases(JUMLAH_KK))
def test_jumlah_kk_optional(i):
    teks, nilai, warn = JUMLAH_KK[i]
    r = batch("jumlah_kk", [{"jumlah_kk": t} for t, _, _ in JUMLAH_KK])[i]
    assert r["alasan"] == [] and r["jumlah_kk"] == nilai
    assert warnings(r) == ([("opsional_tidak_valid", "jumlah_kk")] if warn else [])


UANG = [
    ("Rp 1.500.000", 1_500_000),
    ("1500000", 1_500_000),
    ("1.500.000", 1_500_000),
    ("1,5 juta", 1_500_000),
    ("2 jt", 2_000_000),
    ("Rp1,5jt", 1_500_000),
    ("Rp. 1.500.000,-", 1_500_000),
    ("1.500.000,00", 1_500_000),
    ("1500000.0", 1_500_000),
    ("750 ribu", 750_000),
    ("RP 2,5 JUTA", 2_500_000),
    ("0", 0),
]


@pytest.mark.parametrize(**cases(UANG))
def test_money_formats(i):
    teks, nilai = UANG[i]
    r = batch("uang", [{"penghasilan_per_bulan": t} for t, _ in UANG])[i]
    assert r["alasan"] == [] and r["peringatan"] == []
    assert r["penghasilan_per_bulan"] == nilai


UANG_SALAH = ["satu juta", "Rp -500.000", "1,5 milyar", "Rp", "1.5.0"]


@pytest.mark.parametrize(**cases(UANG_SALAH))
def test_money_invalid_optional(i):
    r = batch("uang_salah", [{"penghasilan_per_bulan": t} for t in UANG_SALAH])[i]
    assert r["alasan"] == [] and r["penghasilan_per_bulan"] is None
    assert warnings(r) == [("opsional_tidak_valid", "penghasilan_per_bulan")]


TANGGAL = [
    ("2025-01-12", date(2025, 1, 12)),
    ("12/01/2025", date(2025, 1, 12)),
    ("12-01-2025", date(2025, 1, 12)),
    ("12 Januari 2025", date(2025, 1, 12)),
    ("12 Jan 2025", date(2025, 1, 12)),
    ("3 Mei 2025", date(2025, 5, 3)),
    ("1 Agustus 2024", date(2024, 8, 1)),
    ("1 Agt 2024", date(2024, 8, 1)),
    ("1 agu 2024", date(2024, 8, 1)),
    ("5 Des 2024", date(2024, 12, 5)),
    ("7 Okt 2024", date(2024, 10, 7)),
    ("45669", date(2025, 1, 12)),
    ("45669.0", date(2025, 1, 12)),
    ("2025-01-12 00:00:00", date(2025, 1, 12)),
    ("30/06/2025", RUN_DATE),
]


@pytest.mark.parametrize(**cases(TANGGAL))
def test_date_formats(i):
    teks, nilai = TANGGAL[i]
    r = batch("tanggal", [{"tanggal_pendataan": t} for t, _ in TANGGAL])[i]
    assert r["alasan"] == [] and r["peringatan"] == []
    assert r["tanggal_pendataan"] == nilai


MASA_DEPAN = ["2025-07-01", "01/07/2025", "31 Desember 2025", "46000"]


@pytest.mark.parametrize(**cases(MASA_DEPAN))
def test_future_date_is_warning_and_null(i):
    r = batch("masa_depan", [{"tanggal_pendataan": t} for t in MASA_DEPAN])[i]
    assert r["alasan"] == [] and r["tanggal_pendataan"] is None
    assert warnings(r) == [("tanggal_di_masa_depan", "tanggal_pendataan")]


TANGGAL_SALAH = ["31/02/2025", "13/13/2025", "kemarin", "12 Foo 2025", "123", "90000"]


@pytest.mark.parametrize(**cases(TANGGAL_SALAH))
def test_unparseable_date_is_optional_invalid(i):
    r = batch("tanggal_salah", [{"tanggal_pendataan": t} for t in TANGGAL_SALAH])[i]
    assert r["alasan"] == [] and r["tanggal_pendataan"] is None
    assert warnings(r) == [("opsional_tidak_valid", "tanggal_pendataan")]


def test_run_date_is_a_macro(con):
    assert con.execute("SELECT p3jr_tanggal_run()").fetchone()[0] == RUN_DATE


KOORDINAT = [
    ("-10,18", "123,61", True),
    ("-8.5", "121.0", True),
    ("", "", None),
    ("123.61", "-10.18", False),  # swapped
    ("-10.18", "", False),
    ("", "123.61", False),
    ("-12.0", "123.6", False),
    ("-10.1", "130.0", False),
    ("10°10'S", "123.6", False),
]


@pytest.mark.parametrize(**cases(KOORDINAT))
def test_coordinates(i):
    lat, lon, ok = KOORDINAT[i]
    r = batch("koordinat", [{"latitude": a, "longitude": b} for a, b, _ in KOORDINAT])[i]
    assert r["alasan"] == []
    if ok:
        assert r["peringatan"] == [] and r["latitude"] is not None and r["longitude"] is not None
    else:
        assert r["latitude"] is None and r["longitude"] is None
        assert warnings(r) == ([] if ok is None else [("koordinat_tidak_valid", "latitude,longitude")])


OPSIONAL_SALAH = [
    ({"no_kk": "530104120385099"}, "no_kk"),
    ({"no_kk": "5.30104E+15", "no_kk_numerik": True}, "no_kk"),
    ({"no_kk": "5301041203850990", "no_kk_numerik": True}, "no_kk"),
    ({"jenis_kelamin": "X"}, "jenis_kelamin"),
    ({"kondisi_lantai": "hancur"}, "kondisi_lantai"),
    ({"usulan_program": "rumah gratis"}, "usulan_program"),
]


@pytest.mark.parametrize(**cases(OPSIONAL_SALAH))
def test_optional_invalid_is_null_with_warning(i):
    kolom = OPSIONAL_SALAH[i][1]
    r = batch("opsional_salah", [o for o, _ in OPSIONAL_SALAH])[i]
    assert r["alasan"] == []
    assert warnings(r) == [("opsional_tidak_valid", kolom)]
    assert r[kolom] is None


def test_no_kk_cleaned(con):
    r = one(con, {"no_kk": "'5301.0412.0385.0999"})
    assert r["no_kk"] == "5301041203850999" and r["peringatan"] == []


# ------------------------------------------------------------------------------------------
# realisasi_program
# ------------------------------------------------------------------------------------------


def test_realisasi_base_passes(con):
    r = one(con, kind="realisasi_program")
    assert r["alasan"] == [] and r["peringatan"] == []
    assert (r["program"], r["sumber_dana"], r["jenis_kegiatan"]) == ("BSPS", "APBN", "peningkatan_kualitas")
    assert (r["unit_rencana"], r["unit_selesai"], r["nilai_rupiah"], r["tahun_anggaran"]) == (
        100,
        80,
        2_000_000_000,
        2025,
    )
    assert r["kode_desa"] is None
    r = one(con, {gate.KOLOM_KABUPATEN_BARIS: "53.02"}, kind="realisasi_program")
    asli = r["nilai_asli"]
    assert asli["kode_kabupaten"] == "53.02" and set(asli) == set(contract.column_names("realisasi_program"))


REALISASI = [
    ({gate.KOLOM_KABUPATEN_BARIS: "53.02"}, [("kabupaten_tidak_sesuai", "kode_kabupaten")], []),
    ({gate.KOLOM_KABUPATEN_BARIS: ""}, [("wajib_kosong", "kode_kabupaten")], []),
    ({"kode_kabupaten": "53.10", gate.KOLOM_KABUPATEN_BARIS: "53.1"}, [], []),  # numeric cell of 53.10
    ({"program": "Rusunawa"}, [], []),
    ({"program": "Bedah Rumah"}, [("nilai_tidak_dikenal", "program")], []),
    ({"sumber_dana": "APBD II"}, [], []),
    ({"sumber_dana": ""}, [("wajib_kosong", "sumber_dana")], []),
    ({"jenis_kegiatan": "xx"}, [("nilai_tidak_dikenal", "jenis_kegiatan")], []),
    ({"unit_rencana": "-1"}, [("angka_tidak_valid", "unit_rencana")], []),
    ({"unit_selesai": "1,5"}, [("angka_tidak_valid", "unit_selesai")], []),
    ({"unit_selesai": "120"}, [], [("unit_selesai_melebihi_rencana", "unit_selesai")]),
    ({"nilai_rupiah": "20 juta"}, [], []),
    ({"nilai_rupiah": "banyak"}, [("angka_tidak_valid", "nilai_rupiah")], []),
    ({"tahun_anggaran": "2023"}, [("angka_tidak_valid", "tahun_anggaran")], []),
    ({"tahun_anggaran": "2030"}, [], []),
    ({"tahun_anggaran": "2031"}, [("angka_tidak_valid", "tahun_anggaran")], []),
    ({"kode_desa": "53.01.04.2003"}, [], []),
    ({"kode_desa": "53.02.03.2001"}, [], [("opsional_tidak_valid", "kode_desa")]),
    ({"kode_desa": "53.01.99.9999"}, [], [("opsional_tidak_valid", "kode_desa")]),
]


@pytest.mark.parametrize(**cases(REALISASI))
def test_realisasi_rules(i):
    _, alasan, peringatan = REALISASI[i]
    r = batch("realisasi", [o for o, _, _ in REALISASI], kind="realisasi_program")[i]
    assert reasons(r) == alasan
    assert warnings(r) == peringatan


def test_realisasi_invalid_kode_desa_is_null(con):
    r = one(con, {"kode_desa": "53.02.03.2001"}, kind="realisasi_program")
    assert r["kode_desa"] is None
    r = one(con, {"kode_desa": "53.01.04.2003"}, kind="realisasi_program")
    assert r["kode_desa"] == "53.01.04.2003"


def test_realisasi_requires_row_district_column(con):
    load_raw(con, "raw_rp", "realisasi_program", [{}])
    con.execute(f"ALTER TABLE raw_rp DROP COLUMN {gate.KOLOM_KABUPATEN_BARIS}")
    with pytest.raises(ValueError, match=gate.KOLOM_KABUPATEN_BARIS):
        gate.evaluate(con, "realisasi_program", "raw_rp", "e")


# ------------------------------------------------------------------------------------------
# duplicates
# ------------------------------------------------------------------------------------------

NIK_A = "5301041203850011"
NIK_B = "5301041203850022"


def _dup_setup(con, rows: list[dict], times: dict[str, datetime]) -> list[dict]:
    load_raw(con, "raw_dup", "rumah_tangga", rows, unique_nik=False)
    gate.evaluate(con, "rumah_tangga", "raw_dup", "ev_dup")
    con.execute("CREATE OR REPLACE TABLE ft (file_hash VARCHAR, waktu_file TIMESTAMP)")
    con.executemany("INSERT INTO ft VALUES (?, ?)", list(times.items()))
    gate.duplicate_losers(con, "ev_dup", "ft", "kalah")
    con.execute(f"CREATE OR REPLACE TEMP VIEW ev_dup_hasil AS {gate.with_duplicates('ev_dup', 'kalah')}")
    return fetch(con, "ev_dup_hasil")


def _losers(rows: list[dict]) -> set[tuple]:
    return {(r["kode_kabupaten"], r["file_hash"], r["baris"]) for r in rows if ("duplikat_nik", "nik") in reasons(r)}


def test_duplicates_latest_date_wins_across_districts(con):
    rows = _dup_setup(
        con,
        [
            {"nik": NIK_A, "tanggal_pendataan": "2025-03-01", "file_hash": "h1", "baris": 2},
            {
                "nik": NIK_A,
                "tanggal_pendataan": "2025-04-01",
                "file_hash": "h2",
                "baris": 2,
                "kode_kabupaten": "53.02",
                "kode_desa": "53.02.03.2001",
            },
            {"nik": NIK_A, "tanggal_pendataan": "", "file_hash": "h3", "baris": 2},  # NULL date is oldest
            {"nik": NIK_B, "file_hash": "h1", "baris": 3},
        ],
        {"h1": datetime(2025, 5, 1), "h2": datetime(2025, 1, 1), "h3": datetime(2025, 6, 1)},
    )
    assert _losers(rows) == {("53.01", "h1", 2), ("53.01", "h3", 2)}
    assert sum(1 for r in rows if r["alasan"] == []) == 2


def test_duplicates_tie_breaks(con):
    # same date: later waktu_file wins; then greater file_hash; then greater baris
    rows = _dup_setup(
        con,
        [
            {"nik": NIK_A, "file_hash": "aa", "baris": 5},
            {"nik": NIK_A, "file_hash": "bb", "baris": 4},  # later file time → wins
            {"nik": NIK_B, "file_hash": "cc", "baris": 9},
            {"nik": NIK_B, "file_hash": "dd", "baris": 3},  # same time, greater hash → wins
            {"nik": "5301041203850033", "file_hash": "ee", "baris": 7},
            {"nik": "5301041203850033", "file_hash": "ee", "baris": 8},  # same file → later row wins
            {"nik": "5301041203850044", "file_hash": "zz", "baris": 2},  # file not in file_times: oldest
            {"nik": "5301041203850044", "file_hash": "aa", "baris": 2},
        ],
        {
            "aa": datetime(2025, 1, 1),
            "bb": datetime(2025, 2, 1),
            "cc": datetime(2025, 3, 1),
            "dd": datetime(2025, 3, 1),
            "ee": datetime(2025, 1, 1),
        },
    )
    assert _losers(rows) == {("53.01", "aa", 5), ("53.01", "cc", 9), ("53.01", "ee", 7), ("53.01", "zz", 2)}


def test_duplicates_ignore_rows_already_quarantined(con):
    rows = _dup_setup(
        con,
        [
            {"nik": NIK_A, "tanggal_pendataan": "2025-05-01", "file_hash": "h1", "luas_lantai_m2": "0"},  # bad row
            {"nik": NIK_A, "tanggal_pendataan": "2025-03-01", "file_hash": "h2"},
        ],
        {"h1": datetime(2025, 1, 1), "h2": datetime(2025, 1, 1)},
    )
    assert _losers(rows) == set()
    assert reasons(rows[0]) == [("angka_tidak_valid", "luas_lantai_m2")] and rows[1]["alasan"] == []


def test_duplicates_reasons_stay_sorted(con):
    rows = _dup_setup(
        con,
        [{"nik": NIK_A, "file_hash": "h1", "baris": 2}, {"nik": NIK_A, "file_hash": "h1", "baris": 3}],
        {"h1": datetime(2025, 1, 1)},
    )
    assert reasons(rows[0]) == [("duplikat_nik", "nik")] and rows[1]["alasan"] == []


@pytest.mark.parametrize("seed", [1, 2, 3, 7, 42])
def test_duplicates_deterministic_under_shuffle(con, seed):
    niks = [_nik(i) for i in range(6)]
    base_rows = []
    rnd = random.Random(1234)
    for j in range(40):
        base_rows.append(
            {
                "nik": niks[j % 6],
                "file_hash": f"h{rnd.randint(1, 4)}",
                "baris": j + 2,
                "tanggal_pendataan": rnd.choice(["", "2025-03-01", "2025-03-02", "02/03/2025"]),
                "kode_kabupaten": "53.01",
            }
        )
    times = {
        "h1": datetime(2025, 1, 1),
        "h2": datetime(2025, 1, 1),
        "h3": datetime(2025, 2, 1),
        "h4": datetime(2024, 12, 1),
    }
    expected = _losers(_dup_setup(con, base_rows, times))
    winners_expected = {(r["nik"], r["file_hash"], r["baris"]) for r in fetch(con, "ev_dup_hasil") if r["alasan"] == []}
    assert len(winners_expected) == 6 and len(expected) == 34
    shuffled = list(base_rows)
    random.Random(seed).shuffle(shuffled)
    t_items = list(times.items())
    random.Random(seed).shuffle(t_items)
    got = _dup_setup(con, shuffled, dict(t_items))
    assert _losers(got) == expected
    assert {(r["nik"], r["file_hash"], r["baris"]) for r in got if r["alasan"] == []} == winners_expected


# ------------------------------------------------------------------------------------------
# outcomes
# ------------------------------------------------------------------------------------------


def test_write_outcomes(con):
    rows = [
        {},  # ok
        {"nik": NIK_A, "tanggal_pendataan": "2025-01-01"},  # dup loser
        {"nik": NIK_A, "tanggal_pendataan": "2025-02-01"},  # dup winner
        {"jumlah_anggota_keluarga": "99", "material_atap": "plastik"},  # 2 reasons
        {"jenis_kelamin": "?", "latitude": "0", "nik": _nik(9, "52")},  # 3 warnings, accepted
        {"luas_lantai_m2": "", "jenis_kelamin": "?"},  # quarantined: its warning is not written
    ]
    load_raw(con, "raw_rt", "rumah_tangga", rows)
    rows_raw = con.execute("SELECT nik FROM raw_rt ORDER BY baris").fetchall()
    assert rows_raw[1] == rows_raw[2]
    gate.evaluate(con, "rumah_tangga", "raw_rt", "ev")
    con.execute("CREATE TABLE ft AS SELECT 'f' || repeat('f', 63) AS file_hash, TIMESTAMP '2025-01-01' AS waktu_file")
    gate.duplicate_losers(con, "ev", "ft", "kalah")
    con.execute(f"CREATE TEMP VIEW diterima AS {gate.accepted_sql('rumah_tangga', 'ev', 'kalah')}")
    counts = gate.write_outcomes(con, "rumah_tangga", gate.with_duplicates("ev", "kalah"), accepted="diterima")
    assert counts == {"dibaca": 6, "diterima": 3, "karantina": 3, "peringatan": 3}
    assert counts["dibaca"] == counts["diterima"] + counts["karantina"]
    assert con.execute("SELECT count(*) FROM ev").fetchone()[0] == 6  # the evaluated rows are not rewritten

    acc_cols = [d[0] for d in con.execute("SELECT * FROM diterima LIMIT 0").description]
    assert acc_cols == gate.output_columns("rumah_tangga")
    k = con.execute(
        "SELECT baris, alasan, kolom, pesan, nilai_asli FROM quality.karantina "
        "WHERE jenis = 'rumah_tangga' ORDER BY baris"
    ).fetchall()
    assert [x[0] for x in k] == [3, 5, 7]
    assert k[0][1:3] == (["duplikat_nik"], ["nik"])
    assert k[1][1] == ["angka_tidak_valid", "nilai_tidak_dikenal"]
    assert k[1][2] == ["jumlah_anggota_keluarga", "material_atap"]
    assert k[1][3] == (
        "Isian 'jumlah_anggota_keluarga' harus angka antara 1 dan 30; "
        "Isian 'material_atap' tidak dikenal; gunakan salah satu pilihan baku"
    )
    assert json.loads(k[1][4])["jumlah_anggota_keluarga"] == "99"
    assert k[2][3] == "Kolom wajib 'luas_lantai_m2' kosong"
    w = con.execute(
        "SELECT baris, kode, kolom, pesan FROM quality.peringatan WHERE jenis = 'rumah_tangga' ORDER BY kode"
    ).fetchall()
    assert [(x[0], x[1], x[2]) for x in w] == [
        (6, "koordinat_tidak_valid", "latitude,longitude"),
        (6, "nik_provinsi_lain", "nik"),
        (6, "opsional_tidak_valid", "jenis_kelamin"),
    ]
    assert w[2][3] == "Isian opsional 'jenis_kelamin' tidak valid dan dikosongkan"
    # pseudonymised: no raw NIK in the hash column
    assert con.execute("SELECT count(*) FROM diterima WHERE nik_hash = nik OR nik_hash IS NULL").fetchone()[0] == 0


def test_write_outcomes_replaces_only_its_kind(con):
    load_raw(con, "raw_rt", "rumah_tangga", [{"nik": "x"}, {}])
    gate.evaluate(con, "rumah_tangga", "raw_rt", "ev_rt")
    load_raw(con, "raw_rp", "realisasi_program", [{"program": "x"}, {"unit_selesai": "999"}, {}])
    gate.evaluate(con, "realisasi_program", "raw_rp", "ev_rp")
    c1 = gate.write_outcomes(con, "rumah_tangga", "ev_rt")
    c2 = gate.write_outcomes(con, "realisasi_program", "ev_rp")
    assert c1 == {"dibaca": 2, "diterima": 1, "karantina": 1, "peringatan": 0}
    assert c2 == {"dibaca": 3, "diterima": 2, "karantina": 1, "peringatan": 1}
    c1b = gate.write_outcomes(con, "rumah_tangga", "ev_rt")  # rerun: idempotent
    assert c1b == c1
    assert con.execute("SELECT jenis, count(*) FROM quality.karantina GROUP BY 1 ORDER BY 1").fetchall() == [
        ("realisasi_program", 1),
        ("rumah_tangga", 1),
    ]
    assert gate.reason_counts(con, "ev_rp") == {"nilai_tidak_dikenal": 1}


def test_released_rows_take_the_evaluated_table_only_when_it_replaces_everything():
    """A first or full run renames the evaluated rows into quality.rilis_* instead of copying 1.3 M rows;
    whenever a row would be kept (another district, a held one) they are copied as before."""
    from orchestration.lib.gate.decision import _replace_rows

    c = duckdb.connect()
    c.execute("CREATE SCHEMA quality")
    c.execute("CREATE TEMP TABLE semua AS SELECT unnest(['53.01', '53.71']) AS kode")
    c.execute("CREATE TEMP TABLE satu AS SELECT unnest(['53.71']) AS kode")

    def evaluated(*rows) -> None:
        values = ", ".join(f"('{k}', {b})" for k, b in rows)
        c.execute(f"CREATE OR REPLACE TABLE quality.ev AS SELECT * FROM (VALUES {values}) t(kode_kabupaten, baris)")

    def released() -> list[tuple]:
        return c.execute("SELECT * FROM quality.rilis ORDER BY ALL").fetchall()

    def evaluated_left() -> bool:
        return bool(c.execute("SELECT count(*) FROM duckdb_tables() WHERE table_name = 'ev'").fetchone()[0])

    evaluated(("53.01", 1), ("53.71", 2))
    _replace_rows(c, "quality.rilis", "quality.ev", "semua", "semua", take=True)  # first run
    assert released() == [("53.01", 1), ("53.71", 2)] and not evaluated_left()
    evaluated(("53.71", 3))
    _replace_rows(c, "quality.rilis", "quality.ev", "satu", "satu", take=True)  # 53.01 is kept
    assert released() == [("53.01", 1), ("53.71", 3)] and evaluated_left()
    evaluated(("53.01", 4), ("53.71", 5))
    _replace_rows(c, "quality.rilis", "quality.ev", "semua", "satu", take=True)  # 53.01 evaluated, not released
    assert released() == [("53.71", 5)] and evaluated_left()
    _replace_rows(c, "quality.rilis", "quality.ev", "semua", "semua", take=True)
    assert released() == [("53.01", 4), ("53.71", 5)] and not evaluated_left()


def test_a_full_evaluation_reads_the_raw_table_itself():
    """Every district in the raw table evaluated (a first or full run): the rules read ``raw.<jenis>``
    itself; otherwise a copy of the evaluated districts' rows, and only theirs."""
    from orchestration.lib.gate import decision

    c = duckdb.connect()
    c.execute("CREATE SCHEMA raw")
    c.execute("CREATE TABLE raw.rumah_tangga AS SELECT unnest(['53.01', '53.71', NULL]) AS kode_kabupaten")
    c.execute("CREATE TEMP TABLE _gate_districts AS SELECT unnest(['53.01', '53.71']) AS kode")
    assert decision._source(c, "rumah_tangga") == "_gate_src_rumah_tangga"  # a row without a district
    c.execute("DELETE FROM raw.rumah_tangga WHERE kode_kabupaten IS NULL")
    assert decision._source(c, "rumah_tangga") == "raw.rumah_tangga"
    c.execute("CREATE OR REPLACE TEMP TABLE _gate_districts AS SELECT '53.71' AS kode")
    assert decision._source(c, "rumah_tangga") == "_gate_src_rumah_tangga"
    assert c.execute("SELECT * FROM _gate_src_rumah_tangga").fetchall() == [("53.71",)]


def test_a_correction_of_few_rows_evaluates_in_memory(monkeypatch):
    """The evaluated rows stay in a TEMP table when other districts' released rows are kept (they are
    copied into quality.rilis_* anyway) and they are few; a first or full run, or a big one, evaluates
    into the warehouse (it may rename its scratch table into place)."""
    from orchestration.lib.gate import decision

    c = duckdb.connect()
    c.execute("CREATE SCHEMA quality")
    c.execute("CREATE TEMP TABLE _gate_districts AS SELECT unnest(['53.71']) AS kode")
    for kind in contract.KINDS:
        c.execute(f"CREATE TEMP TABLE _gate_src_{kind} AS SELECT '53.71' AS kode_kabupaten FROM range(3)")
    sources = {kind: f"_gate_src_{kind}" for kind in contract.KINDS}
    assert decision._scratch_in_memory(c, sources) is False  # nothing released yet: a first run
    for kind in contract.KINDS:
        c.execute(f"CREATE TABLE quality.rilis_{kind} AS SELECT '53.71' AS kode_kabupaten")
    assert decision._scratch_in_memory(c, sources) is False  # only the evaluated district: replaced whole
    c.execute("INSERT INTO quality.rilis_rumah_tangga VALUES ('53.01')")
    assert decision._scratch_in_memory(c, sources) is True  # 53.01 is kept: a correction
    monkeypatch.setattr(decision, "IN_MEMORY_MAX_ROWS", 5)
    assert decision._scratch_in_memory(c, sources) is False  # 6 evaluated rows: too many for memory
    assert decision._evaluated("rumah_tangga", True) == "_gate_eval_rumah_tangga"
    assert decision._evaluated("rumah_tangga", False).startswith("quality.")


def test_message_templates_filled_from_contract(con):
    r = one(con, {"penghasilan_per_bulan": "x"}, kind="rumah_tangga")
    assert r["alasan"] == []
    load_raw(con, "raw_rp", "realisasi_program", [{"tahun_anggaran": "1999"}])
    gate.evaluate(con, "realisasi_program", "raw_rp", "ev_rp")
    gate.write_outcomes(con, "realisasi_program", "ev_rp")
    pesan = con.execute("SELECT pesan FROM quality.karantina").fetchone()[0]
    assert pesan == "Isian 'tahun_anggaran' harus angka antara 2024 dan 2030"
    assert "{" not in pesan


# ------------------------------------------------------------------------------------------
# reader problems (masalah_baca) and ambiguous decimals
# ------------------------------------------------------------------------------------------


def test_masalah_baca_quarantines_with_the_readers_reason(con):
    from sources.readers import READ_PROBLEM_COLUMN

    rows = [{}, {"nama_kepala_keluarga": "Yohanes"}, {"luas_lantai_m2": "#DIV/0!"}, {}, {}]
    load_raw(con, "raw_mb", "rumah_tangga", rows)
    con.execute(f"ALTER TABLE raw_mb ADD COLUMN {READ_PROBLEM_COLUMN} VARCHAR")
    con.execute(f"""UPDATE raw_mb SET {READ_PROBLEM_COLUMN} = CASE baris
        WHEN 3 THEN 'karakter_tidak_sah:nama_kepala_keluarga'
        WHEN 4 THEN 'sel_terlalu_panjang:Catatan: lain;sel_error_excel:luas_lantai_m2'
        WHEN 5 THEN '' END""")
    gate.evaluate(con, "rumah_tangga", "raw_mb", "ev_mb")
    ev = fetch(con, "ev_mb")
    assert [reasons(r) for r in ev] == [
        [],
        [("karakter_tidak_sah", "nama_kepala_keluarga")],
        [
            ("angka_tidak_valid", "luas_lantai_m2"),
            ("sel_error_excel", "luas_lantai_m2"),
            ("sel_terlalu_panjang", "Catatan: lain"),
        ],
        [],
        [],
    ]
    counts = gate.write_outcomes(con, "rumah_tangga", "ev_mb")
    assert counts["dibaca"] == 5 and counts["karantina"] == 2 and counts["diterima"] == 3
    k = con.execute("SELECT baris, alasan, kolom, pesan FROM quality.karantina ORDER BY baris").fetchall()
    assert [x[0] for x in k] == [3, 4]
    assert k[0][1:3] == (["karakter_tidak_sah"], ["nama_kepala_keluarga"])
    assert "; Sel berisi galat Excel (#DIV/0!, #N/A …) pada kolom 'luas_lantai_m2'; isi nilainya; " in k[1][3]
    assert "'Catatan: lain'" in k[1][3]


def test_source_without_masalah_baca_still_evaluates(con):
    cols = [c for c in list(BASE_RT) + ["baris"]]
    assert "masalah_baca" not in gate.build_sql("rumah_tangga", "raw_x", cols)
    assert "masalah_baca" in gate.build_sql("rumah_tangga", "raw_x", cols + ["masalah_baca"])
    assert one(con, {})["alasan"] == []


AMBIGU = [
    ("1.250", "amb"),
    ("999.500", "amb"),
    ("+1.250", "amb"),
    ("12.375", "amb"),
    ("1.25", 1.25),
    ("1,250", 1.25),
    ("1,125", 1.125),
    ("36,5", 36.5),
    ("1.234,5", None),
    ("0.250", None),
    ("1.250.000", None),
    ("1250", None),
    (" 1.250 ", "amb"),
]


@pytest.mark.parametrize(**cases(AMBIGU))
def test_decimal_with_three_digits_after_one_dot_is_ambiguous(i):
    teks, want = AMBIGU[i]
    r = batch("ambigu", [{"luas_lantai_m2": t} for t, _ in AMBIGU])[i]
    if want == "amb":
        assert reasons(r) == [("angka_ambigu", "luas_lantai_m2")] and r["luas_lantai_m2"] is None
    elif want is None:
        assert reasons(r) == [("angka_tidak_valid", "luas_lantai_m2")]
    else:
        assert r["alasan"] == [] and r["luas_lantai_m2"] == pytest.approx(want)


def test_ambiguity_only_for_decimals(con):
    # integers keep '1.234' = 1234 (a fraction would be invalid anyway); the macro itself
    got = con.execute(
        "SELECT p3jr_bulat('1.250'), p3jr_desimal_ambigu('1.250'), p3jr_desimal_ambigu('1.25'), "
        "p3jr_desimal_ambigu('1.234,5'), p3jr_desimal_ambigu(NULL)"
    ).fetchone()
    assert got == (1250, True, False, False, None)
    r = one(con, {"jumlah_anggota_keluarga": "4.000"})
    assert reasons(r) == [("angka_tidak_valid", "jumlah_anggota_keluarga")]


def test_optional_decimal_ambiguous_is_null_with_warning(con, monkeypatch):
    import dataclasses

    real = contract.columns
    fake = tuple(
        dataclasses.replace(c, required="tidak") if c.name == "luas_lantai_m2" else c for c in real("rumah_tangga")
    )
    monkeypatch.setattr(contract, "columns", lambda kind: fake if kind == "rumah_tangga" else real(kind))
    rows = evaluate(con, [{"luas_lantai_m2": "1.250"}, {"luas_lantai_m2": "36,5"}, {"luas_lantai_m2": "x"}])
    assert [r["alasan"] for r in rows] == [[], [], []]
    assert [r["luas_lantai_m2"] for r in rows] == [None, 36.5, None]
    assert [warnings(r) for r in rows] == [
        [("angka_ambigu_opsional", "luas_lantai_m2")],
        [],
        [("opsional_tidak_valid", "luas_lantai_m2")],
    ]


def test_rules_fingerprint_follows_generated_sql_not_source_text(monkeypatch):
    """A rule change (different generated SQL, or RULES_VERSION) re-evaluates every district; the
    fingerprint reads no module source, so a comment edit changes nothing."""
    from orchestration.lib.gate import fingerprint

    def fresh() -> str:
        fingerprint.contract_fingerprint.cache_clear()
        return fingerprint.contract_fingerprint()

    base = fresh()
    assert fresh() == base
    real_build_sql = fingerprint.build_sql
    monkeypatch.setattr(fingerprint, "build_sql", lambda *a, **k: real_build_sql(*a, **k) + " AND 1 = 1")
    assert fresh() != base
    monkeypatch.setattr(fingerprint, "build_sql", real_build_sql)
    monkeypatch.setattr(fingerprint, "RULES_VERSION", fingerprint.RULES_VERSION + 1)
    assert fresh() != base
    monkeypatch.undo()
    assert fresh() == base
