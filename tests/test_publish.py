"""Publish step: fresh file, privacy gate, atomic swap under open readers, Parquet export.

Also home of ``build_small_warehouse`` / ``build_small_published``, a hand-made warehouse with the
contract §7 marts (reused by tests/test_reports.py and tests/test_analyst_queries.py).
"""

from __future__ import annotations

import hashlib
import json
import os
import queue
import subprocess
import sys
import threading
from datetime import date, datetime, timedelta
from pathlib import Path

import duckdb
import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from orchestration.lib.publish.data_dictionary import write_data_dictionary  # noqa: E402
from orchestration.lib.publish.database import publish_database  # noqa: E402
from orchestration.lib.publish.privacy import PersonalDataError, assert_no_personal_data  # noqa: E402

SEEDS = ROOT / "dbt_project" / "seeds"
DUCKDB_CLI = ROOT / ".venv" / "bin" / "duckdb"
MART_TABLES = (
    "backlog_kabupaten",
    "backlog_kecamatan",
    "backlog_desa",
    "realisasi_program",
    "capaian_pendataan",
    "capaian_pendataan_harian",
    "proyeksi_capaian",
)
BACKLOG_COLS = """
    jumlah_rumah_tangga BIGINT, jumlah_kk BIGINT, backlog_kepemilikan BIGINT, backlog_kepenghunian BIGINT,
    jumlah_rtlh BIGINT, persen_rtlh DECIMAL(5,2), tidak_layak_ketahanan_bangunan BIGINT, tidak_layak_luas BIGINT,
    tidak_layak_air_minum BIGINT, tidak_layak_sanitasi BIGINT, indikatif_layak_bsps BIGINT,
    estimasi_kebutuhan_bsps_rupiah BIGINT
"""
# districts that "sent" data in the hand-made warehouse (Kab. Kupang first: the example queries use it)
SENT = ("53.01", "53.02", "53.03", "53.04", "53.71", "53.10")


def _backlog_values(seed: int, rt: int) -> tuple:
    rtlh = rt * (30 + seed % 40) // 100
    kk = rt + rt // 8
    values = (
        rt,
        kk,
        rt // 5 + seed % 3,  # backlog_kepemilikan
        kk - rt,  # backlog_kepenghunian
        rtlh,
        round(100 * rtlh / rt, 2) if rt else 0,
        rtlh * (40 + seed % 30) // 100,  # ketahanan bangunan
        rtlh * (20 + seed % 50) // 100,  # luas
        rtlh * (35 + seed % 20) // 100,  # air minum
        rtlh * (25 + (seed * 7) % 60) // 100,  # sanitasi
        rtlh // 2,
        (rtlh // 2) * 20_000_000,
    )
    return values


def build_small_warehouse(path: Path, *, variant: int = 0) -> Path:
    """A hand-made warehouse: schema ``marts`` with the six contract tables (a few rows; all 22
    districts in capaian_pendataan), schema ``referensi`` with the three reference tables, and a
    restricted ``quality`` table holding personal data that must never be published.
    ``variant`` changes the numbers (a later run)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(path))
    try:
        con.execute("CREATE SCHEMA IF NOT EXISTS referensi")
        con.execute(
            f"CREATE OR REPLACE TABLE referensi.kabupaten_kota_ntt AS "
            f"SELECT * FROM read_csv('{SEEDS / 'kabupaten_kota_ntt.csv'}', all_varchar=false, "
            f"types={{'kode_kemendagri': 'VARCHAR', 'kode_bps': 'VARCHAR'}})"
        )
        con.execute(
            f"CREATE OR REPLACE TABLE referensi.wilayah_ntt AS "
            f"SELECT * FROM read_csv('{SEEDS / 'wilayah_ntt.csv'}', all_varchar=true)"
        )
        con.execute(
            "CREATE OR REPLACE TABLE referensi.target_pendataan AS "
            "SELECT kode_kemendagri AS kode_kabupaten, 2025 AS tahun, 100 + 10 * row_number() OVER (ORDER BY kode_kemendagri) "
            "AS target_rumah_tangga FROM referensi.kabupaten_kota_ntt"
        )
        kab = con.execute("SELECT kode_kemendagri, nama FROM referensi.kabupaten_kota_ntt ORDER BY 1").fetchall()
        assert len(kab) == 22
        names = dict(kab)

        con.execute("CREATE SCHEMA IF NOT EXISTS marts")
        con.execute(
            f"CREATE OR REPLACE TABLE marts.backlog_kabupaten (kode_kabupaten VARCHAR, nama_kabupaten VARCHAR, {BACKLOG_COLS})"
        )
        con.execute(
            "CREATE OR REPLACE TABLE marts.backlog_kecamatan (kode_kabupaten VARCHAR, nama_kabupaten VARCHAR, "
            f"kode_kecamatan VARCHAR, nama_kecamatan VARCHAR, {BACKLOG_COLS})"
        )
        con.execute(
            "CREATE OR REPLACE TABLE marts.backlog_desa (kode_kabupaten VARCHAR, nama_kabupaten VARCHAR, "
            f"kode_kecamatan VARCHAR, nama_kecamatan VARCHAR, kode_desa VARCHAR, nama_desa VARCHAR, {BACKLOG_COLS})"
        )
        wilayah = con.execute("SELECT kode, nama, tingkat FROM referensi.wilayah_ntt").fetchall()
        kec_of = {}
        desa_of = {}
        for kode, nama, tingkat in sorted(wilayah):
            if tingkat == "kecamatan":
                kec_of.setdefault(kode[:5], []).append((kode, nama))
            elif tingkat == "desa_kelurahan":
                desa_of.setdefault(kode[:8], []).append((kode, nama))
        for i, kode in enumerate(SENT):
            rt = 60 + 37 * i + 11 * variant
            con.execute(
                "INSERT INTO marts.backlog_kabupaten VALUES (" + ", ".join("?" * 14) + ")",
                [kode, names[kode], *_backlog_values(i + variant, rt)],
            )
            for j, (kec, kec_nama) in enumerate(kec_of[kode][:3]):
                rt_k = rt // 3 + j
                con.execute(
                    "INSERT INTO marts.backlog_kecamatan VALUES (" + ", ".join("?" * 16) + ")",
                    [kode, names[kode], kec, kec_nama, *_backlog_values(i * 3 + j + variant, rt_k)],
                )
                for m, (desa, desa_nama) in enumerate(desa_of[kec][:2]):
                    rt_d = rt_k // 2 + m
                    con.execute(
                        "INSERT INTO marts.backlog_desa VALUES (" + ", ".join("?" * 18) + ")",
                        [
                            kode,
                            names[kode],
                            kec,
                            kec_nama,
                            desa,
                            desa_nama,
                            *_backlog_values(i * 6 + j * 2 + m + variant, rt_d),
                        ],
                    )

        con.execute(
            "CREATE OR REPLACE TABLE marts.realisasi_program (kode_kabupaten VARCHAR, tahun_anggaran INTEGER, "
            "program VARCHAR, sumber_dana VARCHAR, jenis_kegiatan VARCHAR, unit_rencana BIGINT, unit_selesai BIGINT, "
            "nilai_rupiah BIGINT)"
        )
        rows = []
        for i, kode in enumerate(SENT[:4]):
            rows += [
                (
                    kode,
                    2025,
                    "BSPS",
                    "APBN",
                    "peningkatan_kualitas",
                    50 + i,
                    40 + i + variant,
                    (40 + i + variant) * 20_000_000,
                ),
                (kode, 2025, "FLPP", "PERBANKAN", "kpr_subsidi", 20 + i, 15 + i, (15 + i) * 150_000_000),
                (kode, 2025, "PSU", "APBD_KABUPATEN", "pembangunan_baru", 5, 5, 5 * 30_000_000),
            ]
        rows.append(("53.71", 2024, "RUSUN", "APBN", "pembangunan_baru", 60, 60, 60 * 250_000_000))
        con.executemany("INSERT INTO marts.realisasi_program VALUES (?, ?, ?, ?, ?, ?, ?, ?)", rows)

        con.execute(
            "CREATE OR REPLACE TABLE marts.capaian_pendataan (kode_kabupaten VARCHAR, nama_kabupaten VARCHAR, "
            "target_rumah_tangga BIGINT, baris_dibaca BIGINT, rumah_tangga_valid BIGINT, baris_karantina BIGINT, "
            "cakupan DECIMAL(5,2), akurasi DECIMAL(5,2), kelengkapan DECIMAL(5,2), ketepatan_waktu DECIMAL(5,2), "
            "indeks_capaian DECIMAL(5,2), peringkat INTEGER, penghargaan VARCHAR, "
            "file_pertama_diterima TIMESTAMP, file_terakhir_diterima TIMESTAMP)"
        )
        cap = []
        for n, (kode, nama) in enumerate(kab):
            target = 100 + 10 * (n + 1)
            if kode in SENT:
                i = SENT.index(kode)
                valid = min(target, 60 + 37 * i + 11 * variant)
                karantina = 3 + i
                cak = round(min(valid / target, 1) * 100, 2)
                aku = round(100 * valid / (valid + karantina), 2)
                kel = round(70 + 4 * i, 2)
                tep = 100.0 if i % 2 == 0 else 90.0
                first = datetime(2025, 10, 1 + i * 3, 9, 30)
                last = first + timedelta(days=5 + variant)
                cap.append(
                    [
                        kode,
                        nama,
                        target,
                        valid + karantina,
                        valid,
                        karantina,
                        cak,
                        aku,
                        kel,
                        tep,
                        round(0.4 * cak + 0.3 * aku + 0.2 * kel + 0.1 * tep, 2),
                        first,
                        last,
                    ]
                )
            else:
                cap.append([kode, nama, target, 0, 0, 0, 0.0, 0.0, 0.0, 0.0, 0.0, None, None])
        cap.sort(key=lambda r: (-r[10], -r[6], r[11] or datetime.max, r[0]))
        awards = {1: "Terbaik I", 2: "Terbaik II", 3: "Terbaik III"}
        for rank, r in enumerate(cap, start=1):
            con.execute(
                "INSERT INTO marts.capaian_pendataan VALUES (" + ", ".join("?" * 15) + ")",
                [*r[:11], rank, awards.get(rank), r[11], r[12]],
            )
        # the old name of baris_dibaca, kept for one release (docs/GLOSARIUM.md)
        con.execute("ALTER TABLE marts.capaian_pendataan ADD COLUMN baris_diterima BIGINT")
        con.execute("UPDATE marts.capaian_pendataan SET baris_diterima = baris_dibaca")

        con.execute(
            "CREATE OR REPLACE TABLE marts.capaian_pendataan_harian (tanggal DATE, kode_kabupaten VARCHAR, "
            "rumah_tangga_valid BIGINT, indeks_capaian DECIMAL(5,2), peringkat INTEGER)"
        )
        for d in range(3 + variant):
            day = date(2025, 11, 1) + timedelta(days=d)
            con.execute(
                "INSERT INTO marts.capaian_pendataan_harian "
                "SELECT ?::DATE, kode_kabupaten, (rumah_tangga_valid * (?::DOUBLE / 3))::BIGINT, "
                "round(indeks_capaian * ?::DOUBLE / 3, 2), peringkat FROM marts.capaian_pendataan",
                [day, min(d + 1, 3), min(d + 1, 3)],
            )

        # the projection (marts.proyeksi_capaian, same columns as the dbt model): 3 days of history
        con.execute("""
            CREATE OR REPLACE TABLE marts.proyeksi_capaian AS
            WITH h AS (
                SELECT kode_kabupaten, max(tanggal) AS akhir, min(tanggal) AS awal,
                       arg_max(rumah_tangga_valid, tanggal) - arg_min(rumah_tangga_valid, tanggal) AS tambah
                FROM marts.capaian_pendataan_harian GROUP BY ALL),
            d AS (
                SELECT c.kode_kabupaten, c.nama_kabupaten, c.rumah_tangga_valid, c.target_rumah_tangga, h.akhir,
                       (h.akhir - h.awal)::INTEGER AS hari, h.tambah / nullif(h.akhir - h.awal, 0) AS laju
                FROM marts.capaian_pendataan c JOIN h USING (kode_kabupaten))
            SELECT kode_kabupaten, nama_kabupaten, rumah_tangga_valid, target_rumah_tangga,
                   round(100.0 * least(rumah_tangga_valid / target_rumah_tangga, 1), 2)::DOUBLE AS cakupan_saat_ini,
                   akhir AS tanggal_acuan, 14 AS jendela_laju_hari, hari AS hari_riwayat,
                   round(laju, 2)::DOUBLE AS laju_rumah_tangga_per_hari,
                   greatest(target_rumah_tangga - rumah_tangga_valid, 0) AS sisa_rumah_tangga,
                   CASE WHEN laju > 0 AND rumah_tangga_valid < target_rumah_tangga
                        THEN akhir + ceil((target_rumah_tangga - rumah_tangga_valid) / laju)::INTEGER END
                        AS tanggal_proyeksi_tercapai,
                   DATE '2025-11-30' AS batas_waktu_proyeksi, (DATE '2025-11-30' - akhir)::INTEGER AS sisa_hari,
                   CASE WHEN rumah_tangga_valid > 0 THEN rumah_tangga_valid + floor(laju * (DATE '2025-11-30' - akhir))
                        END::BIGINT AS proyeksi_rumah_tangga_batas_waktu,
                   CASE WHEN rumah_tangga_valid > 0 THEN round(100.0 * least((rumah_tangga_valid
                        + floor(laju * (DATE '2025-11-30' - akhir))) / target_rumah_tangga, 1), 2) END::DOUBLE
                        AS proyeksi_cakupan_batas_waktu,
                   CASE WHEN rumah_tangga_valid = 0 THEN 'belum_ada_data'
                        WHEN rumah_tangga_valid >= target_rumah_tangga THEN 'tercapai'
                        WHEN akhir + ceil((target_rumah_tangga - rumah_tangga_valid) / laju)::INTEGER
                             <= DATE '2025-11-30' THEN 'sesuai_jalur' ELSE 'terlambat' END AS status_proyeksi,
                   'laju = selisih rumah_tangga_valid / hari (uji)' AS metode
            FROM d""")

        # restricted layer: personal data that must stay out of the published file
        con.execute("CREATE SCHEMA IF NOT EXISTS quality")
        con.execute(
            "CREATE OR REPLACE TABLE quality.rumah_tangga_diterima AS SELECT '5301014101900001' AS nik, "
            "'Yohanes Bria' AS nama_kepala_keluarga, -10.17 AS latitude, 123.6 AS longitude"
        )
        con.execute("COMMENT ON TABLE marts.backlog_kabupaten IS 'Backlog dan RTLH per kabupaten/kota'")
        con.execute("COMMENT ON COLUMN marts.backlog_kabupaten.persen_rtlh IS 'Persentase RTLH (0-100)'")
    finally:
        con.close()
    return path


def build_small_published(tmp_path: Path, *, variant: int = 0) -> Path:
    """Warehouse + publish; returns the published database path."""
    wh = build_small_warehouse(tmp_path / "warehouse" / "p3jr.duckdb", variant=variant)
    published = tmp_path / "published" / "p3jr.duckdb"
    publish_database(wh, published)
    return published


def _backlog_rows(wh: Path) -> list[tuple]:
    con = duckdb.connect(str(wh), read_only=True)
    try:
        return con.execute(
            "SELECT kode_kabupaten, nama_kabupaten, jumlah_rumah_tangga FROM marts.backlog_kabupaten"
        ).fetchall()
    finally:
        con.close()


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _leftovers(*dirs: Path) -> list[str]:
    return [p.name for d in dirs if d.exists() for p in d.iterdir() if ".tmp" in p.name or p.name.endswith(".wal")]


class CliReader:
    """The official DuckDB CLI opened read-only on a file, queried through its stdin."""

    def __init__(self, db: Path):
        self.proc = subprocess.Popen(
            [str(DUCKDB_CLI), "-readonly", "-csv", "-noheader", str(db)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            bufsize=1,
            env={**os.environ, "DO_NOT_TRACK": "1"},
        )
        self._lines: queue.Queue[str] = queue.Queue()
        threading.Thread(target=self._pump, daemon=True).start()

    def _pump(self) -> None:
        for line in self.proc.stdout:
            self._lines.put(line.rstrip("\n"))

    def query(self, sql: str, timeout: float = 30) -> list[str]:
        marker = "__selesai__"
        self.proc.stdin.write(f"{sql.rstrip(';')};\nSELECT '{marker}';\n")
        self.proc.stdin.flush()
        out = []
        while True:
            try:
                line = self._lines.get(timeout=timeout)
            except queue.Empty:
                raise AssertionError(
                    f"CLI tidak menjawab; stderr: {self.proc.stderr.read() if self.proc.poll() is not None else '?'}"
                ) from None
            if line == marker:
                return out
            out.append(line)

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.stdin.close()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


# --------------------------------------------------------------------------------------
# tests
# --------------------------------------------------------------------------------------
def test_publish_creates_file_with_tables_and_counts(tmp_path):
    wh = build_small_warehouse(tmp_path / "wh" / "p3jr.duckdb")
    published = tmp_path / "published" / "p3jr.duckdb"
    meta = publish_database(wh, published)

    assert published.exists() and meta["path"] == str(published.resolve())
    assert meta["ukuran_bytes"] == published.stat().st_size > 0
    assert meta["referensi_tidak_ada"] == []
    con = duckdb.connect(str(published), read_only=True)
    try:
        tables = dict(
            ((s, t), None) for s, t in con.execute("SELECT schema_name, table_name FROM duckdb_tables()").fetchall()
        )
        for t in MART_TABLES:
            assert ("marts", t) in tables
        for t in ("kabupaten_kota_ntt", "wilayah_ntt", "target_pendataan"):
            assert ("referensi", t) in tables
        assert ("quality", "rumah_tangga_diterima") not in tables  # restricted layer never copied
        assert con.execute("SELECT count(*) FROM duckdb_views() WHERE NOT internal").fetchone()[0] == 0
        assert con.execute("SELECT count(*) FROM marts.capaian_pendataan").fetchone()[0] == 22
        for t in MART_TABLES:
            n = con.execute(f"SELECT count(*) FROM marts.{t}").fetchone()[0]
            assert meta["tabel"][f"marts.{t}"] == n > 0
        # comments carried over from the warehouse
        assert (
            con.execute(
                "SELECT comment FROM duckdb_tables() WHERE schema_name='marts' AND table_name='backlog_kabupaten'"
            ).fetchone()[0]
            == "Backlog dan RTLH per kabupaten/kota"
        )
        assert con.execute("SELECT count(DISTINCT diterbitkan_pada) FROM meta.publikasi").fetchone()[0] == 1
    finally:
        con.close()

    # warehouse is not held: it can be opened read-write right away
    duckdb.connect(str(wh)).close()
    assert _leftovers(published.parent, published.parent / "parquet") == []


def test_views_in_marts_are_published_as_tables(tmp_path):
    wh = build_small_warehouse(tmp_path / "wh.duckdb")
    con = duckdb.connect(str(wh))
    con.execute("CREATE VIEW marts.ringkasan_view AS SELECT kode_kabupaten, jumlah_rtlh FROM backlog_kabupaten")
    con.close()
    published = tmp_path / "pub" / "p3jr.duckdb"
    meta = publish_database(wh, published)
    assert meta["tabel"]["marts.ringkasan_view"] == len(SENT)
    con = duckdb.connect(str(published), read_only=True)
    try:
        assert (
            con.execute(
                "SELECT count(*) FROM duckdb_tables() WHERE schema_name='marts' AND table_name='ringkasan_view'"
            ).fetchone()[0]
            == 1
        )
    finally:
        con.close()


def test_parquet_export_matches_counts(tmp_path):
    wh = build_small_warehouse(tmp_path / "wh.duckdb")
    published = tmp_path / "published" / "p3jr.duckdb"
    meta = publish_database(wh, published)
    pq = published.parent / "parquet"
    assert sorted(p.name for p in pq.iterdir()) == sorted(f"{t}.parquet" for t in MART_TABLES)
    for t in MART_TABLES:
        n = duckdb.sql(f"SELECT count(*) FROM read_parquet('{pq / (t + '.parquet')}')").fetchone()[0]
        assert n == meta["tabel"][f"marts.{t}"]
    # a mart that disappears also disappears from the Parquet folder
    con = duckdb.connect(str(wh))
    con.execute("DROP TABLE marts.capaian_pendataan_harian")
    con.close()
    meta2 = publish_database(wh, published)
    assert "capaian_pendataan_harian.parquet" in meta2["parquet_dihapus"]
    assert not (pq / "capaian_pendataan_harian.parquet").exists()
    assert _leftovers(published.parent, pq) == []


# contract columns flagged pribadi, a header alias of one, the gate's numeric copy of a NIK
@pytest.mark.parametrize("column", ["nik", "nama_kepala_keluarga", "no_ktp", "lintang", "nik_numerik"])
def test_privacy_rejects_personal_column_and_keeps_old_file(tmp_path, column):
    wh = build_small_warehouse(tmp_path / "wh.duckdb")
    published = tmp_path / "published" / "p3jr.duckdb"
    publish_database(wh, published)
    before = _sha(published)
    pq_before = {p.name: _sha(p) for p in (published.parent / "parquet").iterdir()}

    con = duckdb.connect(str(wh))
    con.execute(f"CREATE TABLE marts.bocor AS SELECT kode_kabupaten, 'x' AS {column} FROM marts.backlog_kabupaten")
    con.execute("UPDATE marts.backlog_kabupaten SET jumlah_rtlh = jumlah_rtlh + 1")
    con.close()
    with pytest.raises(PersonalDataError) as err:
        publish_database(wh, published)
    assert f"marts.bocor.{column}" in str(err.value)

    assert _sha(published) == before
    assert {p.name: _sha(p) for p in (published.parent / "parquet").iterdir()} == pq_before
    assert _leftovers(published.parent, published.parent / "parquet") == []
    duckdb.connect(str(wh)).close()  # warehouse released after the failure too


def test_personal_columns_are_the_contract_columns_flagged_pribadi():
    """One flag (sources/kontrak/columns.csv `pribadi`) decides what the publish refuses: every flagged
    column and none of the others; the published reference tables' `nama` is not a personal name."""
    from orchestration.lib.publish.privacy import is_personal_column
    from sources import contract

    flagged = {c.name for c in contract.personal_columns()}
    assert {"nik", "no_kk", "nama_kepala_keluarga", "latitude", "longitude", "nama_petugas"} <= flagged
    for kind in contract.KINDS:
        for c in contract.columns(kind):
            assert is_personal_column(c.name) == c.personal, c.name
    assert not is_personal_column("nik_hash") and not is_personal_column("nama")


def test_privacy_catches_raw_nik_values_under_another_name(tmp_path):
    con = duckdb.connect(str(tmp_path / "x.duckdb"))
    try:
        con.execute("CREATE SCHEMA marts")
        con.execute("CREATE TABLE marts.ok AS SELECT '53.01' AS kode_kabupaten, 'ab12' AS nik_hash")
        assert_no_personal_data(con, "marts")  # nik_hash is allowed
        con.execute("CREATE TABLE marts.samar AS SELECT '5301014101900001' AS pengenal")
        with pytest.raises(PersonalDataError, match=r"marts\.samar\.pengenal"):
            assert_no_personal_data(con, "marts")
        con.execute("CREATE TABLE marts.koordinat_rumah (latitude DOUBLE)")
        with pytest.raises(PersonalDataError, match=r"marts\.koordinat_rumah\.latitude"):
            assert_no_personal_data(con, "marts", scan_values=False)
    finally:
        con.close()


def test_atomic_swap_with_open_readers(tmp_path):
    if not DUCKDB_CLI.exists():
        pytest.skip("duckdb CLI not installed in .venv")
    wh = build_small_warehouse(tmp_path / "wh.duckdb", variant=0)
    published = tmp_path / "published" / "p3jr.duckdb"
    publish_database(wh, published)
    q_rt = "SELECT sum(jumlah_rumah_tangga) FROM marts.backlog_kabupaten"
    q_days = "SELECT count(*) FROM marts.capaian_pendataan_harian"

    py_reader = duckdb.connect(str(published), read_only=True)
    cli = CliReader(published)
    try:
        old_rt = py_reader.execute(q_rt).fetchone()[0]
        old_days = py_reader.execute(q_days).fetchone()[0]
        assert cli.query(q_rt) == [str(old_rt)]

        # a later run with different numbers, published while both readers hold the file
        build_small_warehouse(wh, variant=2)
        meta = publish_database(wh, published)
        new_rt = sum(r[2] for r in _backlog_rows(wh))
        assert new_rt != old_rt
        assert meta["tabel"]["marts.capaian_pendataan_harian"] == old_days + 2 * 22  # two more days

        # old readers: the old, consistent snapshot (both numbers from the same version)
        assert py_reader.execute(q_rt).fetchone()[0] == old_rt
        assert py_reader.execute(q_days).fetchone()[0] == old_days
        assert cli.query(q_rt) == [str(old_rt)]
        assert cli.query(q_days) == [str(old_days)]

        # new readers: a new CLI process and a new Python process see the new data
        out = subprocess.run(
            [str(DUCKDB_CLI), "-readonly", "-csv", "-noheader", str(published), "-c", f"{q_rt}; {q_days}"],
            capture_output=True,
            text=True,
            timeout=60,
            check=True,
        ).stdout.split()
        assert out == [str(new_rt), str(old_days + 2 * 22)]
        code = (
            "import duckdb,sys; c=duckdb.connect(sys.argv[1], read_only=True); "
            f"print(c.execute('{q_rt}').fetchone()[0])"
        )
        out = subprocess.run(
            [sys.executable, "-c", code, str(published)], capture_output=True, text=True, timeout=60, check=True
        ).stdout.strip()
        assert out == str(new_rt)
    finally:
        cli.close()
        py_reader.close()

    # in THIS process, reconnecting after closing every old connection shows the new file
    con = duckdb.connect(str(published), read_only=True)
    try:
        assert con.execute(q_rt).fetchone()[0] == new_rt
    finally:
        con.close()
    assert _leftovers(published.parent, published.parent / "parquet") == []


def test_failed_publish_missing_warehouse_leaves_nothing(tmp_path):
    published = tmp_path / "published" / "p3jr.duckdb"
    with pytest.raises(Exception):  # noqa: B017  (any error: what matters is that nothing is left behind)
        publish_database(tmp_path / "tidak_ada.duckdb", published)
    assert not published.exists()


def test_write_data_dictionary_from_manifest(tmp_path):
    published = build_small_published(tmp_path)
    manifest = {
        "nodes": {
            "model.p3jr.backlog_kabupaten": {
                "resource_type": "model",
                "name": "backlog_kabupaten",
                "alias": "backlog_kabupaten",
                "schema": "marts",
                "fqn": ["p3jr", "marts", "backlog_kabupaten"],
                "config": {"schema": "marts"},
                "description": "Backlog perumahan per kabupaten/kota.",
                "columns": {
                    "kode_kabupaten": {
                        "name": "kode_kabupaten",
                        "description": "Kode Kemendagri 53.KK",
                        "data_type": None,
                    },
                    "persen_rtlh": {"name": "persen_rtlh", "description": "Persentase | RTLH", "data_type": None},
                },
            },
            "model.p3jr.stg_rumah_tangga": {
                "resource_type": "model",
                "name": "stg_rumah_tangga",
                "schema": "staging",
                "fqn": ["p3jr", "staging", "stg_rumah_tangga"],
                "config": {},
                "description": "rahasia",
                "columns": {},
            },
        }
    }
    mpath = tmp_path / "manifest.json"
    mpath.write_text(json.dumps(manifest))
    out = write_data_dictionary(mpath, tmp_path / "docs" / "kamus_data.md", published_db=published)
    text = out.read_text()
    assert "## backlog_kabupaten" in text and "Kode Kemendagri 53.KK" in text
    assert "Persentase \\| RTLH" in text
    assert "stg_rumah_tangga" not in text
    assert "| `jumlah_rtlh` | BIGINT | _(belum didokumentasikan)_ |" in text
    assert "## capaian_pendataan" in text  # present in the published file even if undocumented

    # descriptions also land as COMMENTs in the published file
    wh = tmp_path / "warehouse" / "p3jr.duckdb"
    meta = publish_database(wh, published, manifest_json=mpath)
    assert meta["tabel"]
    con = duckdb.connect(str(published), read_only=True)
    try:
        assert (
            con.execute(
                "SELECT comment FROM duckdb_columns() WHERE schema_name='marts' AND table_name='backlog_kabupaten' "
                "AND column_name='kode_kabupaten'"
            ).fetchone()[0]
            == "Kode Kemendagri 53.KK"
        )
    finally:
        con.close()


def test_publish_with_warehouse_connection_held_in_process(tmp_path):
    """The Dagster asset holds the warehouse (writer lock) while publishing: DuckDB refuses a second
    instance of the same file in one process, so the open connection is passed in."""
    wh = build_small_warehouse(tmp_path / "wh.duckdb")
    published = tmp_path / "published" / "p3jr.duckdb"
    held = duckdb.connect(str(wh))
    try:
        with pytest.raises(Exception, match="warehouse_con"):
            publish_database(wh, published)
        assert not published.exists()
        meta = publish_database(wh, published, warehouse_con=held)
        # the held connection still works and no longer sees the temp file attached
        assert held.execute("SELECT count(*) FROM marts.capaian_pendataan").fetchone()[0] == 22
        assert (
            held.execute("SELECT count(*) FROM duckdb_databases() WHERE database_name LIKE 'terbit_%'").fetchone()[0]
            == 0
        )
    finally:
        held.close()
    assert meta["tabel"]["marts.capaian_pendataan"] == 22
    assert meta["tables"] == meta["tabel"]
    con = duckdb.connect(str(published), read_only=True)
    try:
        assert con.execute("SELECT count(*) FROM referensi.wilayah_ntt").fetchone()[0] > 3000
        assert (
            con.execute(
                "SELECT comment FROM duckdb_tables() WHERE schema_name='marts' AND table_name='backlog_kabupaten'"
            ).fetchone()[0]
            == "Backlog dan RTLH per kabupaten/kota"
        )
    finally:
        con.close()
    assert _leftovers(published.parent, published.parent / "parquet") == []

    ro = duckdb.connect(str(wh), read_only=True)
    try:
        with pytest.raises(Exception, match="read-write"):
            publish_database(wh, published, warehouse_con=ro)
    finally:
        ro.close()
    assert _leftovers(published.parent, published.parent / "parquet") == []


def test_missing_reference_table_is_reported(tmp_path):
    wh = build_small_warehouse(tmp_path / "wh.duckdb")
    con = duckdb.connect(str(wh))
    con.execute("DROP TABLE referensi.target_pendataan")
    con.close()
    published = tmp_path / "published" / "p3jr.duckdb"
    meta = publish_database(wh, published)
    assert meta["referensi_tidak_ada"] == ["referensi.target_pendataan"]
    with pytest.raises(Exception, match="target_pendataan"):
        publish_database(wh, published, require_reference=True)
    assert _leftovers(published.parent, published.parent / "parquet") == []


def test_published_files_readable_by_the_analysts_group_only(tmp_path):
    """deploy/README.md: published/ is `p3jr:analis` 2750 and the service runs with UMask=0027; every
    published file must then be readable by that group, and by nobody else."""
    import grp

    group = grp.getgrnam("nogroup" if os.geteuid() == 0 else grp.getgrgid(os.getegid()).gr_name)
    wh = build_small_warehouse(tmp_path / "wh" / "p3jr.duckdb")
    published_dir = tmp_path / "published"
    published_dir.mkdir()
    os.chown(published_dir, -1, group.gr_gid)
    os.chmod(published_dir, 0o2750)
    old = os.umask(0o027)
    try:
        publish_database(wh, published_dir / "p3jr.duckdb")
    finally:
        os.umask(old)
    files = [published_dir / "p3jr.duckdb", *sorted((published_dir / "parquet").glob("*.parquet"))]
    assert len(files) > 1
    for path in [*files, published_dir / "parquet"]:
        st = path.stat()
        assert st.st_gid == group.gr_gid, path
        assert st.st_mode & 0o040 and not st.st_mode & 0o007, (path, oct(st.st_mode))


def test_parquet_and_published_types_suit_analysts_tools(small_run):
    """Issue 14: pandas reads every Parquet column of a real run with a numeric dtype where the data is
    numeric and a datetime dtype where it is temporal; the published database has no DECIMAL, dates are
    DATE and times TIMESTAMPTZ (meta.publikasi too), shown in WITA."""
    import pandas as pd
    from pandas.api import types as pt

    published = small_run["published"]
    con = duckdb.connect(str(published), read_only=True)
    try:
        col_types = {
            (t, c): d
            for t, c, d in con.execute(
                "SELECT table_name, column_name, data_type FROM duckdb_columns() WHERE schema_name = 'marts'"
            ).fetchall()
        }
        meta_type = con.execute(
            "SELECT data_type FROM duckdb_columns() WHERE schema_name = 'meta' "
            "AND table_name = 'publikasi' AND column_name = 'diterbitkan_pada'"
        ).fetchone()[0]
        marts = {
            r[0] for r in con.execute("SELECT table_name FROM duckdb_tables() WHERE schema_name = 'marts'").fetchall()
        }
    finally:
        con.close()
    assert "proyeksi_capaian" in marts
    assert not [k for k, d in col_types.items() if d.startswith("DECIMAL")], "DECIMAL reads as object in pandas"
    assert meta_type == "TIMESTAMP WITH TIME ZONE"
    assert col_types[("capaian_pendataan", "cakupan")] == "DOUBLE"
    assert col_types[("proyeksi_capaian", "tanggal_acuan")] == "DATE"
    assert col_types[("capaian_pendataan", "file_pertama_diterima")] == "TIMESTAMP WITH TIME ZONE"

    parquet = sorted((published.parent / "parquet").glob("*.parquet"))
    assert {p.stem for p in parquet} == marts
    numeric = ("BIGINT", "INTEGER", "DOUBLE", "HUGEINT", "SMALLINT", "FLOAT", "UBIGINT")
    checked = 0
    for path in parquet:
        df = pd.read_parquet(path)
        for column in df.columns:
            declared = col_types[(path.stem, column)]
            if declared in numeric:
                assert pt.is_numeric_dtype(df[column]) and not pt.is_bool_dtype(df[column]), (
                    path.name,
                    column,
                    df[column].dtype,
                )
            elif declared == "DATE" or declared.startswith("TIMESTAMP"):
                assert pt.is_datetime64_any_dtype(df[column]), (path.name, column, df[column].dtype)
                if declared == "TIMESTAMP WITH TIME ZONE":
                    assert str(df[column].dt.tz) == "Asia/Makassar", (path.name, column)
            else:
                continue
            checked += 1
        assert len(df.select_dtypes(include="number").columns) > 0, path.name
    assert checked > 50
    # a percentage behaves like a number: rounding and arithmetic work
    cap = pd.read_parquet(published.parent / "parquet" / "capaian_pendataan.parquet")
    assert (cap["indeks_capaian"].round(1) <= 100).all()
