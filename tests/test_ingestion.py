"""Registry, archive and raw load for one district folder (no Dagster needed)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from orchestration.defs.ingestion import sensors
from orchestration.lib.ingest import changes, landing, load, parallel, registry
from tests.conftest import sensor_context

HEADER = (
    "kode_desa;NIK;Nama Kepala Keluarga;Jumlah Jiwa;Status Rumah;Luas Lantai (m2);Atap;Dinding;Lantai;"
    "Sumber Air Minum;Sanitasi\n"
)


def household(i: int, desa: str = "53.01.04.2003") -> str:
    return (
        f"{desa};530104520385{i:04d};Maria Lake {i};4;Milik Sendiri;36,5;Seng;Tembok;Semen;Sumur Bor;Jamban Sendiri\n"
    )


def write_csv(path: Path, n: int, start: int = 1, mtime: float | None = None) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(HEADER + "".join(household(i) for i in range(start, start + n)), encoding="utf-8")
    if mtime:
        os.utime(path, (mtime, mtime))
    return path


@pytest.fixture
def env(tmp_path):
    landing = tmp_path / "landing"
    con = duckdb.connect(str(tmp_path / "wh.duckdb"))
    yield {"landing": landing, "con": con, "archive": tmp_path / "archive", "tmp": tmp_path}
    con.close()


def ingest(env, folder="53.01", run="r1", max_bytes=10_000_000, is_district=True):
    return registry.ingest_folder(
        env["con"],
        folder,
        env["landing"] / folder,
        run_id=run,
        archive_dir=env["archive"],
        max_bytes=max_bytes,
        is_district=is_district,
    )


def registry_rows(con, folder="53.01"):
    return con.execute(
        "SELECT nama_file, status, alasan_kode, waktu_file, baris_dibaca FROM ingestion.file_registry "
        "WHERE folder = ? ORDER BY nama_file, status",
        [folder],
    ).fetchall()


def raw_count(con, folder="53.01"):
    return con.execute("SELECT count(*) FROM raw.rumah_tangga WHERE kode_kabupaten = ?", [folder]).fetchone()[0]


def test_load_archive_and_idempotent_rerun(env):
    f = write_csv(env["landing"] / "53.01" / "data kupang.csv", 5)
    res = ingest(env)
    assert res.rows_current["rumah_tangga"] == 5 and res.changed
    h = changes.sha256_file(f)
    assert (env["archive"] / h[:2] / h).read_bytes() == f.read_bytes()
    before = (registry_rows(env["con"]), env["con"].execute("SELECT * FROM raw.rumah_tangga ORDER BY baris").fetchall())
    res2 = ingest(env, run="r2")
    assert not res2.changed and res2.files_new == 0
    after = (registry_rows(env["con"]), env["con"].execute("SELECT * FROM raw.rumah_tangga ORDER BY baris").fetchall())
    assert after == before
    # provenance: file hash, file name, row number as the spreadsheet shows it (header is row 1)
    rows = env["con"].execute("SELECT file_hash, nama_file, baris, nik FROM raw.rumah_tangga ORDER BY baris").fetchall()
    assert rows[0] == (h, "data kupang.csv", 2, "5301045203850001")


def test_replace_and_withdraw(env):
    folder = env["landing"] / "53.01"
    write_csv(folder / "a.csv", 5, mtime=1_760_000_000)
    write_csv(folder / "b.csv", 3, start=100)
    ingest(env)
    write_csv(folder / "a.csv", 4, start=200, mtime=1_770_000_000)  # corrected version, same name
    (folder / "b.csv").unlink()
    res = ingest(env, run="r2")
    statuses = {(n, s) for n, s, *_ in registry_rows(env["con"])}
    assert statuses == {("a.csv", "replaced"), ("a.csv", "active"), ("b.csv", "withdrawn")}
    assert raw_count(env["con"]) == 4 == res.rows_current["rumah_tangga"]
    # every version stays in the archive
    assert sum(1 for p in env["archive"].rglob("*") if p.is_file()) == 3


def test_arrival_time_is_recorded_once(env):
    f = write_csv(env["landing"] / "53.01" / "a.csv", 2, mtime=1_760_000_000)
    ingest(env)
    first = registry_rows(env["con"])[0][3]
    os.utime(f, (1_790_000_000, 1_790_000_000))  # touched later, same content
    ingest(env, run="r2")
    assert registry_rows(env["con"])[0][3] == first


def test_bad_files_are_rejected_with_reasons_and_others_load(env):
    folder = env["landing"] / "53.01"
    write_csv(folder / "Data 'Kab' Kupang é.csv", 3)  # odd name: handled safely, accepted
    (folder / "kosong.csv").write_bytes(b"")
    (folder / "rusak.xlsx").write_bytes(b"PK\x03\x04" + os.urandom(200))
    (folder / "bukan_excel.xlsx").write_text("ini bukan spreadsheet", encoding="utf-8")
    (folder / "tanpa_header.csv").write_text("a;b;c\n1;2;3\n", encoding="utf-8")
    (folder / "terkunci.xlsx").write_bytes(
        bytes.fromhex("D0CF11E0A1B11AE1") + b"\0" * 600 + "EncryptedPackage".encode("utf-16-le")
    )
    (folder / "laporan.pdf").write_bytes(b"%PDF-1.4 ...")
    big = write_csv(folder / "besar.csv", 400, start=1000)
    res = ingest(env, max_bytes=big.stat().st_size - 1)
    got = {n: (s, c) for n, s, c, *_ in registry_rows(env["con"])}
    assert got["Data 'Kab' Kupang é.csv"] == ("active", None)
    assert got["kosong.csv"] == ("rejected", "file_kosong")
    assert got["rusak.xlsx"] == ("rejected", "file_rusak")
    assert got["bukan_excel.xlsx"] == ("rejected", "file_rusak")
    assert got["tanpa_header.csv"] == ("rejected", "header_tidak_dikenal")
    assert got["terkunci.xlsx"] == ("rejected", "file_terkunci")
    assert got["laporan.pdf"] == ("rejected", "jenis_file_tidak_didukung")
    assert got["besar.csv"] == ("rejected", "file_terlalu_besar")
    assert raw_count(env["con"]) == 3
    reasons = env["con"].execute("SELECT alasan FROM ingestion.file_registry WHERE status = 'rejected'").fetchall()
    assert all(r[0] and "/" in r[0] for r in reasons)  # Indonesian / English
    # every file received is archived, rejected ones included
    assert sum(1 for p in env["archive"].rglob("*") if p.is_file()) == 8
    assert len(res.rejected) == 7


def test_stray_folder_is_rejected_and_archived(env):
    write_csv(env["landing"] / "Kupang_lama" / "x.csv", 2)
    write_csv(env["landing"] / "53.01" / "a.csv", 2)
    strays = landing.stray_folders(env["landing"])
    assert [s[0] for s in strays] == ["Kupang_lama"]
    ingest(env, folder="Kupang_lama", is_district=False)
    row = (
        env["con"]
        .execute("SELECT status, alasan_kode, kode_kabupaten FROM ingestion.file_registry WHERE folder = 'Kupang_lama'")
        .fetchone()
    )
    assert row == ("rejected", "folder_bukan_kode_kabupaten", None)
    assert env["con"].execute("SELECT count(*) FROM raw.rumah_tangga").fetchone()[0] == 0


def test_failure_mid_load_leaves_previous_state(env, monkeypatch):
    folder = env["landing"] / "53.01"
    write_csv(folder / "a.csv", 5)
    ingest(env)
    before = (registry_rows(env["con"]), raw_count(env["con"]))
    write_csv(folder / "b.csv", 3, start=100)
    write_csv(folder / "c.csv", 3, start=200)
    calls = {"n": 0}
    real = registry._insert_sheet

    def crashing(*a, **kw):
        calls["n"] += 1
        if calls["n"] == 2:
            raise RuntimeError("simulated crash in the middle of the load")
        return real(*a, **kw)

    monkeypatch.setattr(registry, "_insert_sheet", crashing)
    with pytest.raises(RuntimeError):
        ingest(env, run="r2")
    assert (registry_rows(env["con"]), raw_count(env["con"])) == before
    monkeypatch.setattr(registry, "_insert_sheet", real)
    assert ingest(env, run="r3").rows_current["rumah_tangga"] == 11


def test_two_districts_loaded_by_parallel_processes(tmp_path):
    landing = tmp_path / "landing"
    write_csv(landing / "53.01" / "a.csv", 50)
    (landing / "53.02").mkdir(parents=True)
    (landing / "53.02" / "b.csv").write_text(
        HEADER + "".join(household(i, "53.01.04.2003") for i in range(1, 40)), encoding="utf-8"
    )
    wh = tmp_path / "wh.duckdb"
    code = (
        "import sys; from pathlib import Path; from orchestration.lib.warehouse import connect;"
        "from orchestration.lib.ingest import registry;\n"
        "with connect(Path(sys.argv[1])) as con:\n"
        "    r = registry.ingest_folder(con, sys.argv[2], Path(sys.argv[3]) / sys.argv[2], run_id='p', "
        "archive_dir=Path(sys.argv[4]), max_bytes=10**8)\n"
        "    print(r.rows_current['rumah_tangga'])"
    )
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", code, str(wh), d, str(landing), str(tmp_path / "arch")],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for d in ("53.01", "53.02")
    ]
    outs = [p.communicate(timeout=120) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outs
    assert [o[0].strip() for o in outs] == ["50", "39"]
    with duckdb.connect(str(wh), read_only=True) as con:
        assert con.execute(
            "SELECT kode_kabupaten, count(*) FROM raw.rumah_tangga GROUP BY 1 ORDER BY 1"
        ).fetchall() == [("53.01", 50), ("53.02", 39)]


def test_change_detector_sees_content_not_time_stamps(tmp_path):
    """scan + diff against the previous scan, as the landing sensor uses them (its cursor is the scan)."""
    land = tmp_path / "landing"
    write_csv(land / "53.01" / "a.csv", 2)
    write_csv(land / "53.05" / "b.csv", 2)
    s1 = changes.scan(land, {})
    assert sorted(changes.diff(s1, {})) == ["53.01", "53.05"]
    s2 = changes.scan(land, changes.load_scan(json.loads(json.dumps(s1))))  # the cursor, through JSON
    assert s2 == s1 and changes.diff(s2, changes.as_known(s1)) == {}
    os.utime(land / "53.01" / "a.csv", (1_790_000_000, 1_790_000_000))  # touched, same content
    s3 = changes.scan(land, s2)
    assert s3["53.01"]["a.csv"].mtime_ns != s2["53.01"]["a.csv"].mtime_ns
    assert changes.diff(s3, changes.as_known(s2)) == {}
    write_csv(land / "53.05" / "b.csv", 3)  # corrected upload
    s4 = changes.scan(land, s3)
    d = changes.diff(s4, changes.as_known(s3))
    assert list(d) == ["53.05"] and d["53.05"].new == ["b.csv"] and d["53.05"].gone == ["b.csv"]


def test_diff_against_the_registry_says_what_a_run_would_change(env):
    folder = env["landing"] / "53.01"
    write_csv(folder / "a.csv", 3)
    (folder / "rusak.xlsx").write_bytes(b"PK\x03\x04" + b"\x00" * 100)
    ingest(env)

    def what():
        return changes.diff(
            changes.scan(env["landing"], districts=["53.01"]), changes.registry_state(env["con"]), ["53.01"]
        )

    assert what() == {}  # exactly what the registry holds: a run would change nothing
    (folder / "salinan a.csv").write_bytes((folder / "a.csv").read_bytes())
    assert what() == {}  # a second copy of registered content is not read
    os.rename(folder / "a.csv", folder / "a_final.csv")
    (folder / "salinan a.csv").unlink()
    (folder / "rusak.xlsx").unlink()
    d = what()["53.01"]
    assert (d.new, d.gone, d.renamed, d.presence) == ([], [], [("a.csv", "a_final.csv")], ["rusak.xlsx"])
    ingest(env, run="r2")
    assert what() == {}
    (folder / "a_final.csv").unlink()  # withdrawn, then back: its rows must be read again
    assert what()["53.01"].gone == ["a_final.csv"]
    ingest(env, run="r3")
    write_csv(folder / "a_final.csv", 3)
    assert what()["53.01"].new == ["a_final.csv"]


def test_one_run_hashes_each_landing_file_once(tmp_path, monkeypatch):
    """The run's scan feeds the landing guard, the decision and the registry: every landing file's bytes
    are hashed once per run (the previous process-wide hash cache is cleared first)."""
    from orchestration.lib import landing_guard

    land = tmp_path / "landing"
    for kode, n in (("53.01", 3), ("53.05", 2)):
        for i in range(n):
            write_csv(land / kode / f"f{i}.csv", 2 + i, start=100 * i)
    write_csv(land / "Kupang_lama" / "x.csv", 2, start=900)  # a stray folder: read (and rejected) too
    write_csv(land / "lepas.csv", 2, start=950)  # a loose file in the landing root
    calls: list[Path] = []
    real = changes.sha256_file
    monkeypatch.setattr(changes, "sha256_file", lambda p: calls.append(Path(p)) or real(p))
    monkeypatch.setattr(changes, "_LAST_SCAN", {})
    districts = ["53.01", "53.05", "53.12"]
    con = duckdb.connect(str(tmp_path / "wh.duckdb"))
    try:
        scan = changes.scan(land, districts=districts)
        assert landing_guard.check(con, land, districts, scan, max_share=0.2).ok
        res = load.ingest_landing(
            con, land, scan, districts, run_id="r1", archive_dir=tmp_path / "arsip", max_bytes=10**8
        )
        assert res["53.01"].rows_current["rumah_tangga"] == 2 + 3 + 4 and res["53.05"].files_active == 2
        assert con.execute("SELECT count(*) FROM ingestion.file_registry").fetchone()[0] == 7
    finally:
        con.close()
    assert sorted(p.name for p in calls) == sorted(
        ["f0.csv", "f1.csv", "f2.csv", "f0.csv", "f1.csv", "x.csv", "lepas.csv"]
    )
    assert len(set(calls)) == len(calls) == 7


def test_sensor_definition_yields_partitioned_run_requests(tmp_path, monkeypatch):
    import dagster as dg

    landing = tmp_path / "landing"
    write_csv(landing / "53.12" / "a.csv", 2)
    monkeypatch.setenv("P3JR_LANDING_DIR", str(landing))
    monkeypatch.setenv("P3JR_DATA_DIR", str(tmp_path / "data"))  # no warehouse yet: everything is new
    monkeypatch.delenv("P3JR_WAREHOUSE_PATH", raising=False)
    sensor = sensors.landing_files_sensor
    ctx = sensor_context(cursor=None)
    reqs = [r for r in sensor(ctx) if isinstance(r, dg.RunRequest)]
    assert [r.partition_key for r in reqs] == ["53.12"]
    ctx2 = sensor_context(cursor=ctx.cursor)
    assert [r for r in sensor(ctx2) if isinstance(r, dg.RunRequest)] == []


def test_sensor_first_load_is_one_run_over_all_districts(tmp_path, monkeypatch):
    """A fresh deploy sees every district folder as new: one full-range run, not 22."""
    import dagster as dg

    from orchestration.lib.runs import ALL_DISTRICTS_TAGS, range_tags

    landing = tmp_path / "landing"
    for kode in ("53.01", "53.12", "53.71"):
        write_csv(landing / kode / "a.csv", 2)
    monkeypatch.setenv("P3JR_LANDING_DIR", str(landing))
    monkeypatch.setenv("P3JR_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("P3JR_WAREHOUSE_PATH", raising=False)
    sensor = sensors.landing_files_sensor
    ctx = sensor_context(cursor=None)
    reqs = [r for r in sensor(ctx) if isinstance(r, dg.RunRequest)]
    assert len(reqs) == 1 and reqs[0].partition_key is None
    assert ALL_DISTRICTS_TAGS.items() <= reqs[0].tags.items()
    assert reqs[0].tags["p3jr/kabupaten_berubah"] == "53.01 53.12 53.71"
    write_csv(landing / "53.12" / "b.csv", 3)  # then one district corrects: a run for it alone
    ctx = sensor_context(cursor=ctx.cursor)
    reqs = [r for r in sensor(ctx) if isinstance(r, dg.RunRequest)]
    assert [r.partition_key for r in reqs] == ["53.12"]
    write_csv(landing / "53.12" / "c.csv", 4)  # two districts: one run from the first to the last of them
    write_csv(landing / "53.01" / "b.csv", 5)
    [req] = [r for r in sensor(sensor_context(cursor=ctx.cursor)) if isinstance(r, dg.RunRequest)]
    assert (
        range_tags("53.01", "53.12").items() <= req.tags.items() and req.tags["p3jr/kabupaten_berubah"] == "53.01 53.12"
    )


def test_parallel_reader_gives_the_same_rows_as_reading_in_process(env):
    folder = env["landing"] / "53.01"
    write_csv(folder / "a.csv", 30)
    write_csv(folder / "b.csv", 20, start=500)
    (folder / "rusak.xlsx").write_bytes(b"PK\x03\x04" + b"x" * 100)
    scan = changes.scan(env["landing"], districts=["53.01"])
    todo = changes.diff(scan, changes.registry_state(env["con"]), ["53.01"])["53.01"].new
    files = [parallel.PendingRead(folder / n, scan["53.01"][n].size, scan["53.01"][n].sha256) for n in todo]
    assert len(files) == 3
    reader = parallel.ParallelReader(10**8, workers=2, min_total_bytes=0)
    try:
        reader.submit(files)
        got = reader.results_for(files)
    finally:
        reader.close()
    assert set(got) == {f.file_hash for f in files}
    for f in files:
        seq = parallel.read_safely(f.path, 10**8)
        if isinstance(seq, Exception):
            assert isinstance(got[f.file_hash], Exception) and got[f.file_hash].code == seq.code == "file_rusak"
        else:
            assert [s.table for s in got[f.file_hash].sheets] == [s.table for s in seq.sheets]
    res = registry.ingest_folder(
        env["con"],
        "53.01",
        folder,
        run_id="r1",
        archive_dir=env["archive"],
        max_bytes=10**8,
        hashes=scan["53.01"],
        prefetched=got,
    )
    assert res.rows_current["rumah_tangga"] == 50 and len(res.rejected) == 1


def test_one_file_is_read_in_process(env):
    """A district's one corrected file is read where it is loaded: a worker process would only add its
    start-up (an interpreter and the readers' imports) to the correction's wait."""
    write_csv(env["landing"] / "53.01" / "a.csv", 3)
    scan = changes.scan(env["landing"], districts=["53.01"])
    files = [parallel.PendingRead(env["landing"] / "53.01" / n, e.size, e.sha256) for n, e in scan["53.01"].items()]
    reader = parallel.ParallelReader(10**8, workers=2, min_total_bytes=0)
    try:
        reader.submit(files)
        assert reader._pool is None and reader.results_for(files) == {}  # the loader reads it itself
    finally:
        reader.close()


def test_parallel_reader_reads_at_most_a_window_ahead_of_the_loading(env):
    """Read results wait in the loading process until their district is loaded: the reader keeps at
    most `window` files in flight or waiting, and still answers every district in full."""
    groups = {}
    for d, n in (("53.01", 3), ("53.02", 8), ("53.03", 2)):  # 53.02 alone is more than the window
        for i in range(n):
            write_csv(env["landing"] / d / f"f{i}.csv", 3, start=1000 * i + 100_000 * int(d[-1]))
        scan = changes.scan(env["landing"], districts=[d])
        groups[d] = [parallel.PendingRead(env["landing"] / d / n, e.size, e.sha256) for n, e in sorted(scan[d].items())]
    reader = parallel.ParallelReader(10**8, workers=2, min_total_bytes=0)
    try:
        reader.submit([f for files in groups.values() for f in files])
        assert reader.window < 8 and len(reader._futures) == reader.window  # not all 13 files at once
        for d, files in groups.items():
            got = reader.results_for(files)
            assert set(got) == {f.file_hash for f in files}, d
            assert all(got[f.file_hash].sheets for f in files)
            assert len(reader._futures) <= reader.window
    finally:
        reader.close()
    assert not reader._futures and not reader._waiting


def test_sensor_first_tick_compares_with_the_registry(env, monkeypatch):
    import dagster as dg

    write_csv(env["landing"] / "53.01" / "a.csv", 2)
    ingest(env)  # 53.01 is already in the warehouse
    env["con"].close()
    write_csv(env["landing"] / "53.05" / "b.csv", 2)  # 53.05 arrived since
    monkeypatch.setenv("P3JR_LANDING_DIR", str(env["landing"]))
    monkeypatch.setenv("P3JR_WAREHOUSE_PATH", str(env["tmp"] / "wh.duckdb"))
    sensor = sensors.landing_files_sensor
    reqs = [r for r in sensor(sensor_context(cursor=None)) if isinstance(r, dg.RunRequest)]
    assert [r.partition_key for r in reqs] == ["53.05"]
    env["con"] = duckdb.connect(str(env["tmp"] / "wh.duckdb"))
