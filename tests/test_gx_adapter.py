"""Great Expectations suites (expectations/*.json) and the adapter that runs them on DataFrames."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
os.environ.setdefault("DO_NOT_TRACK", "1")

from orchestration.lib import gx_adapter  # noqa: E402
from sources import contract  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent


def household_frame(n: int = 6) -> pd.DataFrame:
    """A valid accepted-household frame with the quality.rumah_tangga_diterima columns."""
    rows = []
    for i in range(n):
        kab = "53.01" if i % 2 == 0 else "53.71"
        rows.append({
            "kode_kabupaten": kab, "file_hash": "ab" * 32, "nama_file": "data.xlsx", "sheet": "RT",
            "baris": i + 2, "kode_desa": f"{kab}.01.2001", "kode_kecamatan": f"{kab}.01",
            "nik": f"53010101800{i:05d}", "nik_hash": f"h{i}", "no_kk": f"53010101800{i:05d}",
            "nama_kepala_keluarga": f"Nama {i}", "jenis_kelamin": "L" if i % 2 else "P",
            "jumlah_anggota_keluarga": 1 + i, "jumlah_kk": None if i % 3 == 0 else 1,
            "status_kepemilikan_rumah": "milik_sendiri", "memiliki_rumah_lain": bool(i % 2),
            "status_kepemilikan_lahan": None, "luas_lantai_m2": 36.5 + i,
            "material_atap": "seng", "material_dinding": "tembok", "material_lantai": "tanah",
            "kondisi_atap": "baik", "kondisi_dinding": None, "kondisi_lantai": "rusak_berat",
            "sumber_air_minum": "ledeng", "fasilitas_sanitasi": "jamban_sendiri",
            "penghasilan_per_bulan": 1_500_000 if i % 2 else None,
            "latitude": -10.1 if i % 2 else None, "longitude": 123.6 if i % 2 else None,
            "tanggal_pendataan": pd.Timestamp("2025-03-01"), "nama_petugas": "Petugas",
            "usulan_program": "bsps_peningkatan", "pernah_menerima_bantuan": False,
        })
    df = pd.DataFrame(rows)
    df["jumlah_anggota_keluarga"] = df["jumlah_anggota_keluarga"].astype("int32")  # like DuckDB INTEGER
    return df


def programme_frame() -> pd.DataFrame:
    return pd.DataFrame([
        {"kode_kabupaten": "53.01", "file_hash": "cd" * 32, "nama_file": "r.csv", "sheet": "", "baris": 2,
         "kode_desa": None, "program": "BSPS", "sumber_dana": "APBN", "jenis_kegiatan": "peningkatan_kualitas",
         "unit_rencana": 100, "unit_selesai": 80, "nilai_rupiah": 2_000_000_000, "tahun_anggaran": 2025},
        {"kode_kabupaten": "53.01", "file_hash": "cd" * 32, "nama_file": "r.csv", "sheet": "", "baris": 3,
         "kode_desa": "53.01.01.2001", "program": "FLPP", "sumber_dana": "PERBANKAN", "jenis_kegiatan": "kpr_subsidi",
         "unit_rencana": 10, "unit_selesai": 12, "nilai_rupiah": 0, "tahun_anggaran": 2024},
    ])


def stats_frame(**over) -> pd.DataFrame:
    row = {"kode_kabupaten": "53.01", "baris_dibaca": 100, "baris_karantina": 10, "rasio_karantina": 0.1,
           "rasio_baris_vs_terakhir": None, "kolom_wajib_hilang": 0}
    row.update(over)
    df = pd.DataFrame([row])
    df["rasio_baris_vs_terakhir"] = df["rasio_baris_vs_terakhir"].astype("float64")
    return df


def failed(res: gx_adapter.SuiteResult) -> set[tuple[str, str | None]]:
    return {(o.expectation_type, o.column) for o in res.results if not o.success}


def blocking(res: gx_adapter.SuiteResult) -> set[tuple[str, str | None]]:
    return {(o.expectation_type, o.column) for o in res.blocking_failures}


# ---------------------------------------------------------------------------------------------
def test_import_does_not_load_great_expectations():
    code = ("import sys; import orchestration.lib.gx_adapter, orchestration.lib.feedback; "
            "print(any(m == 'great_expectations' or m.startswith('great_expectations.') for m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_suites_load_from_json_files():
    import great_expectations as gx

    for name in gx_adapter.SUITE_NAMES:
        data = json.loads((ROOT / "expectations" / f"{name}.json").read_text(encoding="utf-8"))
        suite = gx.ExpectationSuite(**data)
        assert suite.name == name
        assert len(suite.expectations) == len(data["expectations"]) > 3
        for e in data["expectations"]:
            assert e["meta"].get("catatan"), e  # every expectation explained in Indonesian
            assert e["severity"] in ("critical", "warning", "info")


def test_build_suites_matches_committed_json(tmp_path):
    """The committed JSON is the generator's output (one source of truth: sources/kontrak)."""
    # The generator keeps the hold thresholds from the existing pengajuan file; give it the committed one.
    (tmp_path / "pengajuan_kabupaten.json").write_bytes((ROOT / "expectations" / "pengajuan_kabupaten.json").read_bytes())
    written = gx_adapter.build_suites(tmp_path)
    for name, path in written.items():
        assert path.read_text(encoding="utf-8") == (ROOT / "expectations" / f"{name}.json").read_text(encoding="utf-8"), (
            f"expectations/{name}.json is out of date: run `python -m orchestration.lib.gx_adapter`")


def test_enum_value_sets_come_from_contract():
    data = gx_adapter.load_suite_json("rumah_tangga")
    sets = {e["kwargs"]["column"]: e["kwargs"]["value_set"] for e in data["expectations"]
            if e["type"] == "expect_column_values_to_be_in_set"}
    for c in contract.columns("rumah_tangga"):
        if c.type == "enum" and c.domain != "ya_tidak":
            assert sets[c.name] == list(contract.enum_values(c.domain))
    assert sets["memiliki_rumah_lain"] == [True, False]


def test_build_suites_keeps_officer_thresholds(tmp_path):
    data = gx_adapter.load_suite_json("pengajuan_kabupaten")
    for e in data["expectations"]:
        if e["kwargs"].get("column") == "rasio_karantina" and e["type"] == "expect_column_values_to_be_between":
            e["kwargs"]["max_value"] = 0.3
    (tmp_path / "pengajuan_kabupaten.json").write_text(json.dumps(data), encoding="utf-8")
    gx_adapter.build_suites(tmp_path)
    res = gx_adapter.run_suite("pengajuan_kabupaten", stats_frame(rasio_karantina=0.31), expectations_dir=tmp_path)
    assert not res.success and ("expect_column_values_to_be_between", "rasio_karantina") in blocking(res)
    assert "30 %" in (tmp_path / "pengajuan_kabupaten.json").read_text(encoding="utf-8")


# ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("split", [False, True])
def test_valid_household_frame_passes(split):
    res = gx_adapter.run_suite("rumah_tangga", household_frame(), split=split)
    assert res.success, res.ringkasan()
    assert not failed(res), res.ringkasan()
    n_specs = len(gx_adapter.load_suite_json("rumah_tangga")["expectations"])
    assert len(res.results) == n_specs
    # results come back in suite order, with the Indonesian notes
    assert res.results[0].expectation_type == "expect_table_columns_to_match_set"
    assert all(o.catatan for o in res.results)


def _mutate(kind: str) -> pd.DataFrame:
    df = household_frame()
    if kind == "null_key":
        df.loc[1, "material_atap"] = None
    elif kind == "outside_set":
        df.loc[2, "sumber_air_minum"] = "sungai"
    elif kind == "out_of_range":
        df.loc[3, "jumlah_anggota_keluarga"] = 31
    elif kind == "duplicate_nik":
        df.loc[4, "nik"] = df.loc[0, "nik"]
    elif kind == "missing_column":
        df = df.drop(columns=["luas_lantai_m2"])
    elif kind == "bad_kode_desa":
        df.loc[5, "kode_desa"] = "53.01.01.201"
    elif kind == "bad_nik":
        df.loc[0, "nik"] = "5301010180000"
    elif kind == "lat_outside_box":
        df.loc[1, "latitude"] = 10.1
    return df


CASES = {
    "null_key": {("expect_column_values_to_not_be_null", "material_atap")},
    "outside_set": {("expect_column_values_to_be_in_set", "sumber_air_minum")},
    "out_of_range": {("expect_column_values_to_be_between", "jumlah_anggota_keluarga")},
    "duplicate_nik": {("expect_column_values_to_be_unique", "nik")},
    "missing_column": {("expect_table_columns_to_match_set", None),
                       ("expect_column_values_to_not_be_null", "luas_lantai_m2"),
                       ("expect_column_values_to_be_between", "luas_lantai_m2")},
    "bad_kode_desa": {("expect_column_values_to_match_regex", "kode_desa")},
    "bad_nik": {("expect_column_values_to_match_regex", "nik")},
}


@pytest.mark.parametrize("split", [False, True])
@pytest.mark.parametrize("kind", sorted(CASES))
def test_each_violation_is_reported(kind, split):
    res = gx_adapter.run_suite("rumah_tangga", _mutate(kind), split=split)
    assert not res.success
    assert failed(res) == CASES[kind], res.ringkasan()
    assert blocking(res) == CASES[kind]


def test_observed_texts_are_short_indonesian_and_hide_personal_data():
    res = gx_adapter.run_suite("rumah_tangga", _mutate("bad_nik"))
    (nik,) = [o for o in res.failures]
    assert nik.unexpected_count == 1
    assert "5301010180000" not in nik.observed and "data pribadi" in nik.observed
    res = gx_adapter.run_suite("rumah_tangga", _mutate("outside_set"))
    (o,) = res.failures
    assert "sungai" in o.observed and "1 dari 6" in o.observed and len(o.observed) <= 160
    res = gx_adapter.run_suite("rumah_tangga", _mutate("missing_column"))
    table = [o for o in res.failures if o.column is None][0]
    assert "luas_lantai_m2" in table.observed
    col = [o for o in res.failures if o.column == "luas_lantai_m2"][0]
    assert "tidak ada" in col.observed


def test_optional_field_violation_is_a_warning_not_blocking():
    res = gx_adapter.run_suite("rumah_tangga", _mutate("lat_outside_box"))
    assert failed(res) == {("expect_column_values_to_be_between", "latitude")}
    assert res.success  # severity warning: reported, does not block
    assert res.failures[0].severity == "warning" and not res.failures[0].blocking


def test_programme_suite():
    assert gx_adapter.run_suite("realisasi_program", programme_frame()).success
    df = programme_frame()
    df.loc[0, "program"] = "BEDAH_RUMAH"
    df.loc[1, "tahun_anggaran"] = 2031
    res = gx_adapter.run_suite("realisasi_program", df)
    assert blocking(res) == {("expect_column_values_to_be_in_set", "program"),
                             ("expect_column_values_to_be_between", "tahun_anggaran")}


# ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize(("over", "ok", "column"), [
    ({"rasio_karantina": 0.5}, True, None),
    ({"rasio_karantina": 0.51}, False, "rasio_karantina"),
    ({"rasio_baris_vs_terakhir": 0.5}, True, None),
    ({"rasio_baris_vs_terakhir": 0.49}, False, "rasio_baris_vs_terakhir"),
    ({"rasio_baris_vs_terakhir": None}, True, None),  # no earlier accepted submission
    ({"kolom_wajib_hilang": 1}, False, "kolom_wajib_hilang"),
    ({"baris_dibaca": 0, "baris_karantina": 0, "rasio_karantina": 0.0}, False, "baris_dibaca"),
    ({"baris_dibaca": 1, "baris_karantina": 0, "rasio_karantina": 0.0}, True, None),
])
def test_submission_thresholds(over, ok, column):
    res = gx_adapter.run_suite("pengajuan_kabupaten", stats_frame(**over))
    assert res.success is ok, res.ringkasan()
    if column:
        assert {c for _, c in blocking(res)} == {column}


def test_run_per_group_one_report(tmp_path):
    frames = [stats_frame(kode_kabupaten=f"53.{i:02d}", rasio_karantina=0.6 if i == 3 else 0.1) for i in range(1, 23)]
    df = pd.concat(frames, ignore_index=True)
    out = gx_adapter.run_per_group("pengajuan_kabupaten", df, "kode_kabupaten", docs_dir=tmp_path)
    assert sorted(out) == [f"53.{i:02d}" for i in range(1, 23)]
    assert [k for k, r in out.items() if not r.success] == ["53.03"]
    assert all(r.docs_index == tmp_path / "index.html" for r in out.values())
    report = [p for p in tmp_path.glob("pengajuan_kabupaten_*.html")]
    assert len(report) == 1 and "DITAHAN" in report[0].read_text(encoding="utf-8")


def test_html_report_regenerated_each_run(tmp_path):
    r1 = gx_adapter.run_suite("rumah_tangga", household_frame(), docs_dir=tmp_path)
    r2 = gx_adapter.run_suite("rumah_tangga", _mutate("bad_nik"), docs_dir=tmp_path)
    assert r1.docs_index == r2.docs_index == tmp_path / "index.html"
    runs = sorted(tmp_path.glob("rumah_tangga_*.html"))
    assert len(runs) == 2
    index = (tmp_path / "index.html").read_text(encoding="utf-8")
    assert all(p.name in index for p in runs) and "gagal" in index and "lolos" in index
    latest = runs[-1].read_text(encoding="utf-8")
    assert "GAGAL" in latest and "5301010180000" not in latest  # no personal data in the report


@pytest.mark.parametrize("kind", sorted(CASES))
def test_duckdb_relation_is_validated_column_by_column_with_same_outcome(kind):
    import duckdb

    con = duckdb.connect()
    frame = _mutate(kind)
    con.register("_f", frame)
    con.execute("CREATE TABLE rt AS SELECT * FROM _f")
    res = gx_adapter.run_suite("rumah_tangga", gx_adapter.DuckDBColumns(con, "rt"))
    assert not res.success
    assert failed(res) == CASES[kind], res.ringkasan()
    assert res.row_count == len(frame)


def test_duckdb_relation_valid_passes():
    import duckdb

    con = duckdb.connect()
    frame = household_frame()
    con.register("_f", frame)
    con.execute("CREATE TABLE rt AS SELECT * FROM _f")
    assert gx_adapter.run_suite("rumah_tangga", gx_adapter.DuckDBColumns(con, "rt")).success
