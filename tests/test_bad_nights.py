"""Bad nights through the real CLI: a wrong or emptied landing path, a mass withdrawal, a held district,
a second run, a missing key. Nothing wrong is ever published with exit code 0."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import openpyxl
import pytest
from filelock import FileLock, Timeout

from tests.conftest import BIN, ROOT, cli_env, run_cli
from tests.test_gate import rows, write


def snapshot(data: Path) -> dict[str, str]:
    """Digest of everything a reader of the publication sees: analysts' DB (history included),
    Parquet, marker, officials' reports and every feedback workbook."""
    out = {}
    for top in ("published", "reports"):
        for p in sorted((data / top).rglob("*")):
            if p.is_file():
                out[str(p.relative_to(data))] = hashlib.sha256(p.read_bytes()).hexdigest()
    assert any(k.startswith("published/") for k in out) and any("umpan_balik" in k for k in out)
    return out


def status(data: Path, kode: str) -> dict:
    with duckdb.connect(str(data / "warehouse" / "p3jr.duckdb"), read_only=True) as con:
        cur = con.execute("SELECT * FROM quality.status_pengajuan WHERE kode_kabupaten = ?", [kode])
        return dict(zip([d[0] for d in cur.description], cur.fetchone()))


def published(data: Path, sql: str, params=None):
    with duckdb.connect(str(data / "published" / "p3jr.duckdb"), read_only=True) as con:
        return con.execute(sql, params or []).fetchall()


def p3jr(landing: Path, data: Path, *extra: str, env_extra: dict | None = None):
    return run_cli("run", "--landing", str(landing), "--data-dir", str(data), *extra, check=False, env_extra=env_extra)


def test_cli_refuses_bad_arguments_and_keeps_foreign_instance_config(tmp_path):
    landing, data = tmp_path / "landing", tmp_path / "data"
    write(landing / "53.01" / "kupang.csv", rows("53.01.04.2003", "530104", 1, 5))
    proc = p3jr(landing, data, "--district", "53.1")
    assert proc.returncode == 2 and "53.1" in proc.stderr and "53.71" in proc.stderr and not data.exists()
    # the same command as the portal starts it (`python -m orchestration.cli`), with the same exit code
    proc = subprocess.run(
        [sys.executable, "-m", "orchestration.cli", "run", "--landing", str(landing), "--district", "53.1"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 2 and "53.71" in proc.stderr

    # A production instance (Postgres) in DAGSTER_HOME is never replaced by the SQLite template, and
    # `p3jr run` does not run beside its queue: it names `p3jr antrekan`.
    cfg = data / "dagster" / "dagster.yaml"
    cfg.parent.mkdir(parents=True)
    cfg.write_text("# produksi\nstorage:\n  postgres:\n    postgres_url: postgresql://p3jr@127.0.0.1/p3jr\n")
    before = cfg.read_bytes()
    proc = p3jr(landing, data)
    assert proc.returncode == 2 and "p3jr antrekan" in proc.stderr
    assert cfg.read_bytes() == before
    # Another hand-written (SQLite) config is kept too; without the pseudonym key nothing starts.
    cfg.write_text("# milik operator\ntelemetry:\n  enabled: false\n")
    before = cfg.read_bytes()
    env = {k: v for k, v in os.environ.items() if k != "P3JR_PSEUDONYM_KEY"}
    proc = _run_without_key(landing, data, env)
    assert proc.returncode == 2 and "P3JR_PSEUDONYM_KEY" in proc.stderr
    assert cfg.read_bytes() == before
    assert not (data / "warehouse").exists()  # refused before anything was read


def _run_without_key(landing: Path, data: Path, env: dict):
    return subprocess.run(
        [str(BIN / "p3jr"), "run", "--landing", str(landing), "--data-dir", str(data)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def karantina_sheet(data: Path, kode: str) -> list[dict]:
    wb = openpyxl.load_workbook(data / "reports" / "umpan_balik" / kode / f"umpan_balik_{kode}.xlsx", read_only=True)
    it = wb["Karantina"].iter_rows(values_only=True)
    head = next(it)
    return [dict(zip(head, r)) for r in it if any(r)]


def ringkasan_text(data: Path, kode: str) -> str:
    wb = openpyxl.load_workbook(data / "reports" / "umpan_balik" / kode / f"umpan_balik_{kode}.xlsx", read_only=True)
    return " ".join(str(c) for row in wb["Ringkasan"].iter_rows(values_only=True) for c in row if c is not None)


@pytest.mark.slow
def test_bad_nights_never_publish_anything_wrong(tmp_path):
    """One data directory through a sequence of bad nights (each `p3jr run` costs ~20 s, so the nights
    share one history): a wrong or emptied landing path, held districts, a run beside a run, a
    correction that falls by half, a withdrawn file and a vanished district folder."""
    landing, data = tmp_path / "landing", tmp_path / "data"
    write(landing / "53.01" / "kupang.csv", rows("53.01.04.2003", "530104", 1, 40))
    write(landing / "53.12" / "sumba_barat.csv", rows("53.12.04.2001", "531204", 100, 20))
    write(landing / "53.05" / "alor.csv", rows("53.05.01.1001", "530501", 300, 10))
    write(landing / "53.71" / "kota.csv", rows("53.71.01.1001", "537101", 500, 30))
    assert p3jr(landing, data).returncode == 0
    before = snapshot(data)

    # An empty landing folder and a mistyped one: stop before the gate, exit 1, alert, nothing changes.
    (tmp_path / "kosong").mkdir()
    for path, words in ((tmp_path / "kosong", "folder kiriman kosong"), (tmp_path / "landnig", "tidak ada")):
        proc = p3jr(path, data)
        assert proc.returncode == 1, proc.stdout[-2000:]
        assert words in proc.stdout and "ingest_district_files" in proc.stdout
        assert snapshot(data) == before
        alert = json.loads((data / "alerts" / "terakhir.json").read_text())
        assert alert["langkah_gagal"] == ["ingest_district_files"] and words in alert["kesalahan_lengkap"]

    _held_submissions_keep_every_row_visible(landing, data)
    _released_and_withdrawn(landing, data)
    before = snapshot(data)

    # A whole district folder disappears (30 of ~100 accepted rows): refused until confirmed.
    shutil.rmtree(landing / "53.71")
    proc = p3jr(landing, data)
    assert proc.returncode == 1
    assert "folder kabupaten hilang" in proc.stdout and "53.71" in proc.stdout and "--izinkan-penarikan" in proc.stdout
    assert snapshot(data) == before
    assert status(data, "53.71")["status"] == "diterima"
    assert p3jr(landing, data, "--izinkan-penarikan").returncode == 0
    assert status(data, "53.71")["status"] == "tidak_ada_kiriman"

    # The service's private data is not world-readable.
    for sub in ("warehouse", "archive", "dagster"):
        assert (data / sub).stat().st_mode & 0o777 == 0o700, sub
    archived = [p for p in (data / "archive").rglob("*") if p.is_file()]
    assert archived and all(p.stat().st_mode & 0o777 == 0o600 for p in archived)
    assert (data / "warehouse" / "p3jr.duckdb").stat().st_mode & 0o077 == 0


def _held_submissions_keep_every_row_visible(landing: Path, data: Path) -> None:
    """53.01 (40 rows) and 53.12 (20 rows) were accepted; 53.14 never sent anything."""
    # 53.01 resubmits with 30 of 40 NIKs of 15 digits; 53.14 sends its first file, equally broken.
    # 53.12 sends more households at the same time: the other districts proceed.
    write(landing / "53.01" / "kupang.csv", rows("53.01.04.2003", "530104", 1, 40, bad=30))
    write(landing / "53.14" / "rote.csv", rows("53.14.01.2005", "531401", 1, 40, bad=30))
    write(landing / "53.12" / "sumba_barat.csv", rows("53.12.04.2001", "531204", 100, 25))
    proc = p3jr(landing, data)
    assert proc.returncode == 0, proc.stdout[-3000:]
    assert "DITAHAN / HELD" in proc.stdout and "versi dipakai / version in use: kupang.csv" in proc.stdout

    assert households(data, "53.01") == 40  # last-known-good stays in the marts
    assert households(data, "53.12") == 25
    assert households(data, "53.14") == 0
    for kode, used_rows in (("53.01", 40), ("53.14", 0)):
        st = status(data, kode)
        assert st["status"] == "ditahan" and st["sedang_ditahan"] and "dikarantina" in st["alasan_tahan"]
        assert (st["baris_dibaca_kiriman_terkini"], st["baris_karantina_kiriman_terkini"]) == (40, 30)
        assert st["baris_dibaca_versi_dipakai"] == used_rows
        # the district sees exactly the rows of its CURRENT file that caused the hold
        sheet = karantina_sheet(data, kode)
        assert sorted(r["baris"] for r in sheet) == list(range(2, 32))
        assert all("nik_bukan_16_digit" in r["kode alasan"] for r in sheet)
        assert all(r["file"] == ("kupang.csv" if kode == "53.01" else "rote.csv") for r in sheet)
        text = ringkasan_text(data, kode)
        assert "DITAHAN" in text and "Kiriman terkini" in text and "Versi yang dipakai" in text
    assert status(data, "53.01")["file_versi_dipakai"] == "kupang.csv"

    # capaian_pendataan: the current files' rows (contract) beside the version in use, never mixed.
    got = published(
        data,
        """SELECT kode_kabupaten, baris_diterima, baris_karantina_kiriman_terkini, sedang_ditahan,
                                    baris_dibaca_versi_dipakai, rumah_tangga_valid, penghargaan
                             FROM marts.capaian_pendataan WHERE kode_kabupaten IN ('53.01', '53.14') ORDER BY 1""",
    )
    assert got[0][:6] == ("53.01", 40, 30, True, 40, 40)
    assert got[1] == ("53.14", 40, 30, True, 0, 0, None)

    # rows read = accepted + quarantined for every active file, held ones included.
    from orchestration.lib import gate

    with duckdb.connect(str(data / "warehouse" / "p3jr.duckdb"), read_only=True) as con:
        assert gate.reconciliation(con) == []
        per_file = con.execute(
            """SELECT f.folder, f.baris_dibaca, count(h.baris) FROM ingestion.file_registry f
               JOIN quality.kiriman_ditahan_rumah_tangga h ON h.file_hash = f.file_hash AND h.kode_kabupaten = f.folder
               WHERE f.status = 'active' GROUP BY ALL ORDER BY 1"""
        ).fetchall()
        assert per_file == [("53.01", 40, 40), ("53.14", 40, 40)]
        assert con.execute("SELECT count(*) FROM quality.karantina_kiriman_ditahan").fetchone()[0] == 60
        # held rows never reach what the marts use
        assert (
            con.execute("SELECT count(*) FROM quality.rumah_tangga_diterima WHERE kode_kabupaten = '53.14'").fetchone()[
                0
            ]
            == 0
        )

    # The Dagster UI shows each held district as a failed WARN check on its own partition.
    evaluations = check_evaluations(data)
    assert evaluations["53.01"] == (False, "WARN") and evaluations["53.14"] == (False, "WARN")
    assert evaluations["53.12"] == (True, "WARN")

    # Nothing changed: nothing runs.
    assert "Tidak ada perubahan" in p3jr(landing, data).stdout
    # "Nothing changed" is decided without importing Dagster when the last `p3jr run` finished (its
    # journal); when the journal says a run did not finish, the instance is opened (dead runs are ended).
    assert _no_change_probe(landing, data) == (True, False)
    journal = data / ".p3jr_run_terakhir.json"
    finished = journal.read_text()
    journal.write_text(json.dumps({"selesai": False, "berhasil": False, "run_id": []}))
    assert _no_change_probe(landing, data) == (True, True)
    journal.write_text(finished)
    with duckdb.connect(str(data / "warehouse" / "p3jr.duckdb"), read_only=True) as con:
        decided = dict(con.execute("SELECT kode_kabupaten, run_id FROM quality.gerbang_kabupaten").fetchall())
    marker = (data / "published" / ".p3jr_state.json").stat().st_ino  # rewritten = replaced by a new file
    # 53.01 sends a correction whose row count falls by more than half: held too. The run is forced:
    # every district is decided again, not only the changed one; and while it runs, a second `p3jr run`
    # on the same data directory refuses instead of publishing too.
    write(landing / "53.01" / "kupang.csv", rows("53.01.04.2003", "530104", 1, 15))
    first = subprocess.Popen(
        [str(BIN / "p3jr"), "run", "--landing", str(landing), "--data-dir", str(data), "--force"],
        cwd=ROOT,
        env=cli_env(warm=True),  # as run_cli: through the warm server
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    lock = FileLock(str(data / ".p3jr_run.lock"))
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:  # until the first run holds the lock
        try:
            lock.acquire(timeout=0)
            lock.release()
            time.sleep(0.1)
        except Timeout:
            break
    second = p3jr(landing, data)
    out, err = first.communicate(timeout=900)
    assert second.returncode == 3 and "Run lain sedang berjalan" in second.stderr
    assert first.returncode == 0 and "Tidak ada perubahan" not in out, out[-3000:] + err[-3000:]
    with duckdb.connect(str(data / "warehouse" / "p3jr.duckdb"), read_only=True) as con:
        again = dict(con.execute("SELECT kode_kabupaten, run_id FROM quality.gerbang_kabupaten").fetchall())
    # every district decided again, by one new run (not only the changed ones)
    assert set(again) == set(decided) and len(set(again.values())) == 1
    assert not set(again.values()) & set(decided.values())
    assert (data / "published" / ".p3jr_state.json").stat().st_ino != marker

    st = status(data, "53.01")
    assert st["status"] == "ditahan" and "turun" in st["alasan_tahan"] and households(data, "53.01") == 40


def _released_and_withdrawn(landing: Path, data: Path) -> None:
    """53.01 (held) sends a good correction, 53.05 deletes its file and keeps its folder (10 of ~100
    rows: a genuine withdrawal); one run over both."""
    write(landing / "53.01" / "kupang.csv", rows("53.01.04.2003", "530104", 1, 42))
    (landing / "53.05" / "alor.csv").unlink()
    assert p3jr(landing, data).returncode == 0
    assert status(data, "53.05")["status"] == "tidak_ada_kiriman"
    assert published(
        data, "SELECT jumlah_rumah_tangga FROM marts.backlog_kabupaten WHERE kode_kabupaten = '53.05'"
    ) == [(0,)]
    st = status(data, "53.01")
    assert st["status"] == "diterima" and not st["sedang_ditahan"] and households(data, "53.01") == 42
    assert (st["baris_dibaca_kiriman_terkini"], st["baris_dibaca_versi_dipakai"]) == (42, 42)
    with duckdb.connect(str(data / "warehouse" / "p3jr.duckdb"), read_only=True) as con:
        # released: its held rows are gone from the held tables; 53.14 is still held
        assert con.execute("SELECT DISTINCT kode_kabupaten FROM quality.karantina_kiriman_ditahan").fetchall() == [
            ("53.14",)
        ]


def _no_change_probe(landing: Path, data: Path) -> tuple[bool, bool]:
    """(`p3jr run` said nothing changed, Dagster was imported to decide it)."""
    import sys

    code = (
        "import sys; from orchestration import cli; "
        f"rc = cli.main(['run', '--landing', {str(landing)!r}, '--data-dir', {str(data)!r}]); "
        "print('PROBE', rc, 'dagster' in sys.modules)"
    )
    proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    rc, imported = proc.stdout.strip().splitlines()[-1].split()[1:]
    return "Tidak ada perubahan" in proc.stdout and rc == "0", imported == "True"


def households(data: Path, kode: str) -> int:
    return published(data, "SELECT jumlah_rumah_tangga FROM marts.backlog_kabupaten WHERE kode_kabupaten = ?", [kode])[
        0
    ][0]


def check_evaluations(data: Path) -> dict[str, tuple[bool, str]]:
    """Latest `kiriman_tidak_ditahan` evaluation per partition, read from the Dagster instance."""
    import sys

    code = f"""
import json, dagster as dg
from orchestration.defs.quality.assets import CHECK_TIDAK_DITAHAN
inst = dg.DagsterInstance.from_config({str(data / "dagster")!r})
run = inst.get_runs(limit=1)[0]
out = {{}}
for rec in inst.all_logs(run.run_id, of_type=dg.DagsterEventType.ASSET_CHECK_EVALUATION):
    ev = rec.dagster_event.event_specific_data
    if ev.check_name == CHECK_TIDAK_DITAHAN:
        out[ev.partition] = [ev.passed, ev.severity.value]
print(json.dumps(out))
"""
    proc = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "DAGSTER_HOME": str(data / "dagster")},
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    return {k: tuple(v) for k, v in json.loads(proc.stdout.strip().splitlines()[-1]).items()}
