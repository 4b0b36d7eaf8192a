"""What the registry does with odd landing folders: nothing vanishes, nothing is followed, and an arrival
time is one the sender cannot set. Plus the landing guard's verdicts (no Dagster needed)."""

from __future__ import annotations

import os
from datetime import datetime, timedelta

import duckdb
import pytest

from orchestration.lib import landing_guard
from orchestration.lib.ingest import changes, landing, registry
from orchestration.settings import WITA
from tests.conftest import sensor_context
from tests.test_ingestion import write_csv


@pytest.fixture
def env(tmp_path):
    con = duckdb.connect(str(tmp_path / "wh.duckdb"))
    yield {"landing": tmp_path / "landing", "con": con, "archive": tmp_path / "archive", "tmp": tmp_path}
    con.close()


def ingest(env, folder="53.01", run="r1", now=None):
    return registry.ingest_folder(
        env["con"],
        folder,
        env["landing"] / folder,
        run_id=run,
        archive_dir=env["archive"],
        max_bytes=10_000_000,
        now=now,
    )


def files(con, folder="53.01"):
    return con.execute(
        "SELECT nama_file, status, waktu_file, waktu_modifikasi, ada_di_folder FROM ingestion.file_registry "
        "WHERE folder = ? ORDER BY pertama_dilihat_pada, nama_file",
        [folder],
    ).fetchall()


def notes(con, folder="53.01"):
    return con.execute(
        "SELECT nama_file, kode FROM ingestion.catatan_file WHERE folder = ? ORDER BY 1, 2", [folder]
    ).fetchall()


def ignored(con, folder="53.01"):
    return con.execute(
        "SELECT nama, kode FROM ingestion.entri_diabaikan WHERE folder = ? ORDER BY 1", [folder]
    ).fetchall()


def ts(dt: datetime) -> float:
    """Epoch seconds of a WITA wall-clock time (the registry stores WITA times without zone)."""
    return dt.replace(tzinfo=WITA).timestamp()


def test_back_dated_file_arrives_at_the_last_scan_that_missed_it(env):
    t0 = datetime(2025, 10, 1, 1, 0)
    write_csv(env["landing"] / "53.01" / "a.csv", 3, mtime=ts(datetime(2025, 9, 20)))
    ingest(env, now=t0)  # first scan of the folder: the modification time stands
    assert files(env["con"])[0][2] == datetime(2025, 9, 20)

    # The nightly scan of 30 Nov 2026 finds nothing new; next day a file appears, back-dated with
    # `touch` to before the deadline (14 months late): it arrived after the scan that missed it.
    t_mid = datetime(2026, 11, 30, 1, 0)
    ingest(env, run="r1b", now=t_mid)
    t1 = datetime(2026, 12, 1, 1, 0)
    write_csv(env["landing"] / "53.01" / "b.csv", 2, start=50, mtime=ts(datetime(2025, 10, 15)))
    ingest(env, run="r2", now=t1)
    rows = {r[0]: r for r in files(env["con"])}
    assert rows["b.csv"][2] == t_mid and rows["b.csv"][3] == datetime(2025, 10, 15)
    assert ("b.csv", "waktu_file_sebelum_pemindaian") in notes(env["con"])

    # A file dated in the future is clamped to when the pipeline first saw it, with a note.
    t2 = datetime(2026, 12, 2, 1, 0)
    write_csv(env["landing"] / "53.01" / "c.csv", 2, start=90, mtime=ts(datetime(2030, 1, 1)))
    ingest(env, run="r3", now=t2)
    rows = {r[0]: r for r in files(env["con"])}
    assert rows["c.csv"][2] == t2
    assert ("c.csv", "waktu_file_di_masa_depan") in notes(env["con"])
    # a file modified inside the window keeps its modification time
    write_csv(env["landing"] / "53.01" / "d.csv", 2, start=120, mtime=ts(t2 + timedelta(hours=3)))
    ingest(env, run="r4", now=t2 + timedelta(hours=5))
    rows = {r[0]: r for r in files(env["con"])}
    assert rows["d.csv"][2] == t2 + timedelta(hours=3)


def test_symlinks_are_never_followed(env, tmp_path):
    secret = tmp_path / "etc"
    write_csv(secret / "shadow.csv", 4)
    env["landing"].mkdir()
    os.symlink(secret, env["landing"] / "53.01")  # a district FOLDER that is a link
    res = ingest(env)
    assert res.files_seen == 0 and files(env["con"]) == []
    assert not env["archive"].exists() or not any(p.is_file() for p in env["archive"].rglob("*"))
    assert ignored(env["con"]) == [("53.01", "tautan_simbolik_diabaikan")]

    # a link to a file inside a real district folder, and a sub-folder: recorded, not read
    (env["landing"] / "53.01").unlink()
    write_csv(env["landing"] / "53.01" / "asli.csv", 2)
    os.symlink(secret / "shadow.csv", env["landing"] / "53.01" / "tautan.csv")
    write_csv(env["landing"] / "53.01" / "arsip lama" / "x.csv", 2)
    ingest(env, run="r2")
    assert [r[0] for r in files(env["con"])] == ["asli.csv"]
    assert ignored(env["con"]) == [("arsip lama", "subfolder_diabaikan"), ("tautan.csv", "tautan_simbolik_diabaikan")]
    archived = [p for p in env["archive"].rglob("*") if p.is_file()]
    assert len(archived) == 1 and archived[0].read_bytes() == (env["landing"] / "53.01" / "asli.csv").read_bytes()


def test_copies_renames_and_removed_rejects_are_accounted_for(env):
    folder = env["landing"] / "53.01"
    a = write_csv(folder / "a.csv", 3)
    (folder / "salinan a.csv").write_bytes(a.read_bytes())
    (folder / "rusak.xlsx").write_bytes(b"PK\x03\x04" + b"\x00" * 100)
    res = ingest(env)
    assert res.files_rejected == 1
    assert ignored(env["con"]) == [("salinan a.csv", "salinan_file_sama")]

    # renamed: same content, new name; the rejected file is deleted by the district
    first = files(env["con"])
    os.rename(folder / "a.csv", folder / "a_final.csv")
    (folder / "salinan a.csv").unlink()
    (folder / "rusak.xlsx").unlink()
    res = ingest(env, run="r2")
    got = {r[0]: r for r in files(env["con"])}
    assert got["a_final.csv"][1] == "active" and got["a_final.csv"][2] == first[0][2]  # arrival kept
    assert ("a_final.csv", "file_berganti_nama") in notes(env["con"])
    assert got["rusak.xlsx"][1] == "rejected" and got["rusak.xlsx"][4] is False
    assert res.files_rejected == 0  # counts follow the current files
    assert ignored(env["con"]) == []


def test_stray_folders_get_a_hint_and_ignored_root_entries_are_listed(env):
    write_csv(env["landing"] / "53.1" / "x.csv", 2)
    write_csv(env["landing"] / "kupang" / "y.csv", 2)
    (env["landing"] / "_manifest").mkdir()
    assert [f for f, _ in landing.stray_folders(env["landing"])] == ["53.1", "kupang"]
    assert landing.suggest_district("53.1") == ["53.01"]
    assert set(landing.suggest_district("kupang")) == {"53.01", "53.71"}
    registry.ingest_folder(
        env["con"],
        "53.1",
        env["landing"] / "53.1",
        run_id="r1",
        archive_dir=env["archive"],
        max_bytes=10_000_000,
        is_district=False,
    )
    alasan = env["con"].execute("SELECT alasan FROM ingestion.file_registry WHERE folder = '53.1'").fetchone()[0]
    assert "53.01" in alasan
    assert [(s.name, s.code) for s in landing.ignored_root_entries(env["landing"])] == [
        ("_manifest", "folder_diabaikan")
    ]

    # A loose file in the landing root is registered (rejected); the district and stray folders beside
    # it are not "ignored sub-folders" of the root.
    write_csv(env["landing"] / "53.01" / "a.csv", 2)
    write_csv(env["landing"] / "lepas.csv", 2)
    res = registry.ingest_folder(
        env["con"],
        landing.STRAY_FOLDER,
        env["landing"],
        run_id="r2",
        archive_dir=env["archive"],
        max_bytes=10_000_000,
        is_district=False,
        landing_root=True,
    )
    assert res.files_seen == 1 and ignored(env["con"], landing.STRAY_FOLDER) == []


def test_landing_guard_verdicts(env):
    land = env["landing"]
    write_csv(land / "53.01" / "a.csv", 40)
    write_csv(land / "53.12" / "b.csv", 50, start=100)
    write_csv(land / "53.05" / "c.csv", 10, start=300)
    for d in ("53.01", "53.12", "53.05"):
        ingest(env, folder=d)
    ds = ["53.01", "53.05", "53.12"]

    def check(landing=land, confirmed=False, share=0.2):
        return landing_guard.check(
            env["con"], landing, ds, changes.scan(landing, districts=ds), max_share=share, confirmed=confirmed
        )

    assert check().ok
    missing = check(env["tmp"] / "salah_ketik", confirmed=True)
    assert not missing.ok and not missing.overridable and "tidak ada" in missing.message()
    (env["tmp"] / "kosong").mkdir()
    empty = check(env["tmp"] / "kosong")
    assert not empty.ok and "kosong" in empty.message() and empty.withdrawn_rows == 100
    assert check(env["tmp"] / "kosong", confirmed=True).ok

    (land / "53.05" / "c.csv").unlink()  # 10 of 100 rows, folder kept: a genuine withdrawal
    v = check()
    assert v.ok and v.withdrawn_rows == 10
    write_csv(land / "53.12" / "b.csv", 20, start=100)  # a correction under the same name is no withdrawal
    assert check().withdrawn_rows == 10
    import shutil

    shutil.rmtree(land / "53.12")  # 50 of 100 rows and the folder gone
    v = check()
    assert not v.ok and v.vanished_folders == ["53.12"] and v.withdrawn_rows == 60 and "60%" in v.message()
    assert check(confirmed=True).ok


def test_hidden_sheet_rows_are_recorded_and_shown_in_the_feedback(env, tmp_path):
    import openpyxl
    import xlsxwriter

    from orchestration.lib.reports import feedback

    header = [
        "kode_desa",
        "NIK",
        "Nama Kepala Keluarga",
        "Jumlah Jiwa",
        "Status Rumah",
        "Luas Lantai (m2)",
        "Atap",
        "Dinding",
        "Lantai",
        "Sumber Air Minum",
        "Sanitasi",
    ]
    row = [
        "53.01.04.2003",
        "5301045203850001",
        "Maria Lake",
        "4",
        "Milik Sendiri",
        "36,5",
        "Seng",
        "Tembok",
        "Semen",
        "Sumur Bor",
        "Jamban Sendiri",
    ]
    path = env["landing"] / "53.01" / "data.xlsx"
    path.parent.mkdir(parents=True)
    wb = xlsxwriter.Workbook(str(path))
    for name, n in (("Data", 2), ("Lama", 7)):
        ws = wb.add_worksheet(name)
        for i, r in enumerate([header] + [row[:1] + [row[1][:-1] + str(k)] + row[2:] for k in range(n)]):
            ws.write_row(i, 0, r)
        if name == "Lama":
            ws.hide()
    wb.close()
    os.symlink(path, env["landing"] / "53.01" / "tautan.xlsx")
    ingest(env)
    assert env["con"].execute("SELECT count(*) FROM raw.rumah_tangga").fetchone()[0] == 2
    got = env["con"].execute("SELECT nama_file, kode, catatan FROM ingestion.catatan_file").fetchall()
    assert [(n, k) for n, k, _ in got] == [("data.xlsx", "sheet_tersembunyi_diabaikan")]
    assert "Lama" in got[0][2] and "7" in got[0][2]

    out = feedback.write_feedback(env["con"], "53.01", tmp_path / "umpan_balik")
    sheet = openpyxl.load_workbook(out, read_only=True)["Catatan file"]
    lines = [r for r in sheet.iter_rows(values_only=True)][1:]
    assert {(r[0], r[2]) for r in lines} == {
        ("data.xlsx", "sheet_tersembunyi_diabaikan"),
        ("tautan.xlsx", "tautan_simbolik_diabaikan"),
    }
    from sources import contract

    assert all(r[3] == contract.reason(r[2]).text() for r in lines)  # the Indonesian message, not just a code


def test_sensor_requests_no_run_for_a_missing_or_emptied_landing(tmp_path, monkeypatch):
    import dagster as dg

    from orchestration.defs.ingestion import sensors

    landing = tmp_path / "landing"
    write_csv(landing / "53.12" / "a.csv", 2)
    monkeypatch.setenv("P3JR_LANDING_DIR", str(landing))
    monkeypatch.setenv("P3JR_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("P3JR_WAREHOUSE_PATH", raising=False)
    sensor = sensors.landing_files_sensor
    ctx = sensor_context(cursor=None)
    assert [r.partition_key for r in sensor(ctx) if isinstance(r, dg.RunRequest)] == ["53.12"]
    cursor = ctx.cursor

    (landing / "53.12" / "a.csv").unlink()  # emptied (a mount that went away, a wrong sync)
    ctx2 = sensor_context(cursor=cursor)
    out = list(sensor(ctx2))
    assert not [r for r in out if isinstance(r, dg.RunRequest)]
    assert "kosong" in out[0].skip_message and ctx2.cursor == cursor  # looks again next tick
    import shutil

    shutil.rmtree(landing)
    out = list(sensor(sensor_context(cursor=cursor)))
    assert not [r for r in out if isinstance(r, dg.RunRequest)] and "tidak ada" in out[0].skip_message
