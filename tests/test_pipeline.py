"""End to end on the generator's `small` scale: `p3jr run` must reproduce the ground truth exactly."""

from __future__ import annotations

import csv
from collections import Counter, defaultdict

import duckdb

from tests.conftest import read_manifest, run_cli


def _warehouse_outcomes(con) -> dict:
    out = {}
    for kind in ("rumah_tangga", "realisasi_program"):
        for folder, name, sheet, baris in con.execute(
            f"SELECT kode_kabupaten, nama_file, sheet, baris FROM quality.{kind}_diterima"
        ).fetchall():
            out[(folder, name, sheet or "", int(baris))] = ("diterima", ())
    for folder, name, sheet, baris, alasan in con.execute(
        "SELECT kode_kabupaten, nama_file, sheet, baris, alasan FROM quality.karantina"
    ).fetchall():
        out[(folder, name, sheet or "", int(baris))] = ("karantina", tuple(sorted(set(alasan))))
    return out


def _manifest_outcomes(rows) -> dict:
    out = {}
    for r in rows:
        if r["hasil"] == "file_ditolak":
            continue
        codes = tuple(sorted({c for c in r["alasan"].split(";") if c})) if r["hasil"] == "karantina" else ()
        out[(r["kode_folder"], r["nama_file"], r["sheet"] or "", int(r["baris"]))] = (r["hasil"], codes)
    return out


def test_every_row_matches_ground_truth(small_run):
    manifest = _manifest_outcomes(read_manifest(small_run["landing"]))
    with duckdb.connect(str(small_run["warehouse"]), read_only=True) as con:
        got = _warehouse_outcomes(con)
    missing = sorted(set(manifest) - set(got))[:10]
    extra = sorted(set(got) - set(manifest))[:10]
    wrong = [(k, manifest[k], got[k]) for k in sorted(set(manifest) & set(got)) if manifest[k] != got[k]][:15]
    assert not missing and not extra and not wrong, f"missing={missing}\nextra={extra}\nwrong={wrong}"
    # Per district and per reason, the figures the Balai reports on.
    by_district = Counter((k[0], v[0]) for k, v in got.items())
    assert by_district == Counter((k[0], v[0]) for k, v in manifest.items())
    reasons = Counter(c for v in got.values() for c in v[1])
    assert reasons == Counter(c for v in manifest.values() for c in v[1])
    assert reasons["duplikat_nik"] > 0 and reasons["nik_rusak_excel"] > 0


def test_file_statuses_match_ground_truth(small_run):
    with open(small_run["landing"] / "_manifest" / "files.csv", newline="", encoding="utf-8") as fh:
        expected = {(r["kode_folder"], r["nama_file"]): (r["status_expected"], r["alasan"]) for r in csv.DictReader(fh)}
    with duckdb.connect(str(small_run["warehouse"]), read_only=True) as con:
        got = {
            (f or "", n): (s, c or "")
            for f, n, s, c in con.execute(
                "SELECT folder, nama_file, status, alasan_kode FROM ingestion.file_registry"
            ).fetchall()
        }
        archived = con.execute("SELECT count(*) FROM ingestion.file_registry WHERE arsip_path IS NULL").fetchone()[0]
    norm = {}
    for (folder, name), v in got.items():
        norm[(folder if folder != "(bukan_kabupaten)" else "", name)] = v
    for key, (status, code) in expected.items():
        assert key in norm, f"file {key} not registered"
        assert norm[key][0] == status, (key, norm[key], status)
        if status == "rejected":
            assert norm[key][1] == code, (key, norm[key], code)
    assert archived == 0
    archive = small_run["data"] / "archive"
    assert sum(1 for p in archive.rglob("*") if p.is_file()) >= len({k for k in expected})


def test_rows_read_equal_accepted_plus_quarantined_per_file(small_run):
    with duckdb.connect(str(small_run["warehouse"]), read_only=True) as con:
        bad = con.execute(
            """WITH o AS (SELECT file_hash, count(*) n FROM (
                   SELECT file_hash FROM quality.rumah_tangga_diterima UNION ALL
                   SELECT file_hash FROM quality.realisasi_program_diterima UNION ALL
                   SELECT file_hash FROM quality.karantina) GROUP BY 1)
               SELECT r.nama_file, r.baris_dibaca, o.n FROM ingestion.file_registry r LEFT JOIN o USING (file_hash)
               WHERE r.status = 'active' AND r.baris_dibaca IS DISTINCT FROM coalesce(o.n, 0)"""
        ).fetchall()
    assert bad == []


def _criteria(r: dict) -> dict:
    """Contract section 4, written independently of the dbt models."""
    kondisi = {r["kondisi_atap"], r["kondisi_dinding"], r["kondisi_lantai"]}
    ketahanan = (
        r["material_atap"] in {"beton", "genteng", "seng", "asbes", "kayu_sirap"}
        and r["material_dinding"] in {"tembok", "plesteran_anyaman_bambu", "kayu_papan", "batang_kayu"}
        and r["material_lantai"] not in {"tanah", "bambu"}
        and "rusak_berat" not in kondisi
    )
    luas = float(r["luas_lantai_m2"]) / int(r["jumlah_anggota_keluarga"]) >= 7.2
    air = r["sumber_air_minum"] in {
        "ledeng",
        "air_kemasan",
        "sumur_bor",
        "sumur_terlindung",
        "mata_air_terlindung",
        "air_hujan",
    }
    sanitasi = r["fasilitas_sanitasi"] in {"jamban_sendiri", "jamban_bersama"}
    return {
        "ketahanan": not ketahanan,
        "luas": not luas,
        "air": not air,
        "sanitasi": not sanitasi,
        "rtlh": not (ketahanan and luas and air and sanitasi),
    }


def test_marts_match_counts_implied_by_manifest(small_run):
    expected: dict[str, Counter] = defaultdict(Counter)
    kk_known: dict[str, int] = defaultdict(int)
    for r in read_manifest(small_run["landing"]):
        if r["hasil"] != "diterima" or r["jenis"] != "rumah_tangga":
            continue
        e = expected[r["kode_folder"]]
        c = _criteria(r)
        e["jumlah_rumah_tangga"] += 1
        e["backlog_kepemilikan"] += int(
            r["status_kepemilikan_rumah"] != "milik_sendiri" and r["memiliki_rumah_lain"] != "ya"
        )
        # unknown is not zero: only households that reported jumlah_kk count; the others are counted apart
        e["backlog_kepenghunian"] += int(r["jumlah_kk"]) - 1 if r["jumlah_kk"] else 0
        e["backlog_kepenghunian_tidak_diketahui"] += int(not r["jumlah_kk"])
        kk_known[r["kode_folder"]] += int(bool(r["jumlah_kk"]))
        e["jumlah_rtlh"] += c["rtlh"]
        e["tidak_layak_ketahanan_bangunan"] += c["ketahanan"]
        e["tidak_layak_luas"] += c["luas"]
        e["tidak_layak_air_minum"] += c["air"]
        e["tidak_layak_sanitasi"] += c["sanitasi"]
    cols = list(next(iter(expected.values())).keys())
    with duckdb.connect(str(small_run["published"]), read_only=True) as con:
        got = {
            r[0]: dict(zip(cols, r[1:]))
            for r in con.execute(f"SELECT kode_kabupaten, {', '.join(cols)} FROM marts.backlog_kabupaten").fetchall()
        }
    for kode, e in expected.items():
        if not kk_known[kode]:
            assert got[kode]["backlog_kepenghunian"] is None, kode  # nothing known: NULL, never 0
            e["backlog_kepenghunian"] = None
        assert {k: None if got[kode][k] is None else int(got[kode][k]) for k in cols} == dict(e), kode
    for kode, g in got.items():
        if kode not in expected:
            assert int(g["jumlah_rumah_tangga"]) == 0


def test_published_database_holds_no_personal_data(small_run):
    niks = {r["nik"] for r in read_manifest(small_run["landing"]) if r.get("nik")}
    with duckdb.connect(str(small_run["published"]), read_only=True) as con:
        cols = con.execute(
            "SELECT table_schema, table_name, column_name, data_type FROM information_schema.columns"
        ).fetchall()
        names = {c[2] for c in cols}
        assert not names & {"nik", "no_kk", "nama_kepala_keluarga", "nama_petugas", "latitude", "longitude"}
        for schema, table, column, dtype in cols:
            if dtype == "VARCHAR":
                values = {
                    v[0]
                    for v in con.execute(f'SELECT DISTINCT "{column}" FROM "{schema}"."{table}" LIMIT 5000').fetchall()
                }
                assert not values & niks, f"{schema}.{table}.{column} holds a NIK"
        assert con.execute("SELECT count(*) FROM marts.capaian_pendataan").fetchone()[0] == 22


def test_published_marts_carry_the_dbt_descriptions(small_run):
    """An analyst reads what a mart and each of its columns mean in the file itself (duckdb_tables() /
    duckdb_columns().comment): the descriptions of the dbt YAML, every mart, every documented column."""
    from orchestration.lib.publish.data_dictionary import default_manifest, load_mart_docs

    docs = load_mart_docs(default_manifest())
    expected = {(t, None): d["description"] for t, d in docs.items() if d["description"]}
    expected |= {(t, c): v["description"] for t, d in docs.items() for c, v in d["columns"].items() if v["description"]}
    with duckdb.connect(str(small_run["published"]), read_only=True) as con:
        rows = con.execute(
            "SELECT table_name, NULL, comment FROM duckdb_tables() WHERE schema_name = 'marts' UNION ALL "
            "SELECT table_name, column_name, comment FROM duckdb_columns() WHERE schema_name = 'marts'"
        ).fetchall()
        found = {(t, c): text for t, c, text in rows}
    assert set(docs) == {t for t, c in found if c is None} and len(expected) > 100  # every published mart
    assert {k: found.get(k) for k in expected} == expected


def test_summary_names_every_district_and_the_ranking(small_run):
    out = small_run["stdout"]
    assert "SELESAI" in out
    for kode in ("53.01", "53.71"):
        assert kode in out
    assert "Peringkat capaian pendataan" in out and "Terbaik I" in out
    assert "umpan balik" in out


def test_rerun_with_same_files_changes_nothing(small_run, tmp_path):
    def snapshot():
        with duckdb.connect(str(small_run["warehouse"]), read_only=True) as con:
            return (
                con.execute(
                    "SELECT folder, file_hash, status, waktu_file, baris_dibaca FROM ingestion.file_registry ORDER BY ALL"
                ).fetchall(),
                con.execute("SELECT count(*), count(DISTINCT file_hash) FROM raw.rumah_tangga").fetchall(),
                con.execute("SELECT count(*) FROM quality.rumah_tangga_diterima").fetchall(),
                con.execute("SELECT * EXCLUDE (rumus) FROM marts.capaian_pendataan ORDER BY kode_kabupaten").fetchall(),
            )

    before = snapshot()
    proc = run_cli("run", "--landing", str(small_run["landing"]), "--data-dir", str(small_run["data"]))
    assert "Tidak ada perubahan" in proc.stdout and "Run Dagster" not in proc.stdout  # no run needed at all
    assert snapshot() == before


def test_every_row_of_every_file_has_a_fate(small_run):
    """rows read = accepted + quarantined for every active file of every district, held ones included."""
    from orchestration.lib import gate

    with duckdb.connect(str(small_run["warehouse"]), read_only=True) as con:
        assert gate.reconciliation(con) == []
        # independently of the check: released districts' active rows all end accepted or quarantined
        per_district = con.execute(
            """SELECT f.folder, sum(f.baris_dibaca) FROM ingestion.file_registry f
               JOIN quality.status_pengajuan s ON s.kode_kabupaten = f.folder AND s.status = 'diterima'
               WHERE f.status = 'active' GROUP BY 1"""
        ).fetchall()
        fates = dict(
            con.execute(
                """SELECT kode_kabupaten, count(*) FROM (
                 SELECT kode_kabupaten FROM quality.rumah_tangga_diterima
                 UNION ALL SELECT kode_kabupaten FROM quality.realisasi_program_diterima
                 UNION ALL SELECT kode_kabupaten FROM quality.karantina) GROUP BY 1"""
            ).fetchall()
        )
    assert len(per_district) >= 15 and all(fates.get(k, 0) == n for k, n in per_district), (per_district, fates)


def test_a_run_works_only_on_districts_with_changes(small_run, tmp_path, monkeypatch):
    """What `p3jr run` hands to Dagster: the districts whose folder differs from the registry, and
    every district with files when the contract changed (their decisions are out of date)."""
    import shutil

    from orchestration.lib import state
    from orchestration.lib.gate import decision
    from orchestration.settings import settings_from_values
    from sources.reference import district_codes

    landing, data = tmp_path / "landing", tmp_path / "data"
    shutil.copytree(small_run["landing"], landing)
    (data / "warehouse").mkdir(parents=True)
    shutil.copyfile(small_run["warehouse"], data / "warehouse" / "p3jr.duckdb")
    settings = settings_from_values({"landing_dir": str(landing), "data_dir": str(data)})
    assert state.districts_with_work(settings) == []

    codes = district_codes()
    with duckdb.connect(str(small_run["warehouse"]), read_only=True) as con:
        active = {
            r[0] for r in con.execute("SELECT folder FROM ingestion.file_registry WHERE status = 'active'").fetchall()
        }
    with_files = [d for d in codes if d in active]
    assert len(with_files) >= 3
    edited, emptied = with_files[-1], with_files[0]
    one = sorted(p for p in (landing / edited).iterdir() if p.is_file())[0]
    one.write_bytes(one.read_bytes() + b"\n")
    for p in (landing / emptied).iterdir():
        p.unlink()
    assert state.districts_with_work(settings) == [emptied, edited]

    monkeypatch.setattr(decision, "contract_fingerprint", lambda: "kontrak-lain")
    assert state.districts_with_work(settings) == with_files
    assert (
        state.districts_with_work(settings_from_values({"landing_dir": str(landing), "data_dir": str(tmp_path)}))
        is None
    )
