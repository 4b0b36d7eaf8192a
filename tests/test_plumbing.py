"""The shared plumbing: atomic file replacement, transactions, SQL quoting."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import time

import duckdb
import pytest
from conftest import ROOT

from orchestration.lib.files import GROUP_FILE_MODE, atomic_target, atomic_write
from orchestration.lib.warehouse import quote_ident, quote_literal, table_exists, transaction


def test_atomic_write_replaces_whole_file_with_the_mode_asked(tmp_path):
    target = tmp_path / "laporan.json"
    target.write_text("lama")
    atomic_write(target, "baru ✓", mode=GROUP_FILE_MODE)
    assert target.read_text(encoding="utf-8") == "baru ✓"
    assert stat.S_IMODE(os.stat(target).st_mode) == GROUP_FILE_MODE
    assert sorted(p.name for p in tmp_path.iterdir()) == ["laporan.json"]  # no temp file left


def test_a_failed_writer_leaves_the_old_file_and_no_temp(tmp_path):
    target = tmp_path / "umpan_balik.xlsx"
    target.write_bytes(b"versi lama")
    with pytest.raises(RuntimeError), atomic_target(target) as tmp:
        tmp.write_bytes(b"setengah")
        raise RuntimeError("penulis gagal")
    assert target.read_bytes() == b"versi lama"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["umpan_balik.xlsx"]


def test_transaction_commits_or_rolls_back():
    con = duckdb.connect()
    con.execute("CREATE TABLE t (x INTEGER)")
    with transaction(con):
        con.execute("INSERT INTO t VALUES (1)")
    with pytest.raises(ValueError), transaction(con):
        con.execute("INSERT INTO t VALUES (2)")
        raise ValueError("batal")
    assert con.execute("SELECT list(x) FROM t").fetchone()[0] == [1]


def test_quoting_survives_hostile_names():
    con = duckdb.connect()
    name = 'kolom "aneh"; DROP'
    con.execute(f"CREATE TABLE {quote_ident(name)} (v VARCHAR)")
    con.execute(f"INSERT INTO {quote_ident(name)} VALUES ({quote_literal(chr(39) + 'x' + chr(39))})")
    assert table_exists(con, "main", name) and not table_exists(con, "main", "tidak_ada")
    assert con.execute(f"SELECT v FROM {quote_ident(name)}").fetchone()[0] == "'x'"


# The message DuckDB 1.5 gives when it cannot replay the WAL a killed writer left (seen in CI after
# the deploy harness killed a run during dbt, and in 1 of 60 `dbt build` processes killed by hand).
WAL_REPLAY_ERROR = (
    'INTERNAL Error: Failure while replaying WAL file "{wal}": Calling DatabaseManager::GetDefaultDatabase '
    "with no default database set"
)


def _warehouse_with_wal(tmp_path):
    """A warehouse whose last committed write lives only in its WAL: the writer was killed before any
    checkpoint (what SIGKILL of dbt or of a run worker leaves)."""
    path = tmp_path / "p3jr.duckdb"
    con = duckdb.connect(str(path))
    con.execute("CREATE SCHEMA ingestion; CREATE TABLE ingestion.file_registry (nama VARCHAR)")
    con.execute("INSERT INTO ingestion.file_registry VALUES ('sebelum')")
    con.close()  # checkpointed
    killed_writer = (
        "import duckdb, os\n"
        f"c = duckdb.connect({str(path)!r})\n"
        "c.execute('PRAGMA disable_checkpoint_on_shutdown')\n"
        "c.execute(\"INSERT INTO ingestion.file_registry VALUES ('hanya_di_wal')\")\n"
        "os._exit(0)\n"
    )
    subprocess.run([sys.executable, "-c", killed_writer], check=True)
    assert path.with_name("p3jr.duckdb.wal").stat().st_size > 0
    return path


def _fail_the_plain_open_of(monkeypatch, path):
    """DuckDB's plain open fails while this WAL is there (as it does on the WALs of the bug); ATTACH is
    untouched."""
    from orchestration.lib import warehouse

    real = warehouse.duckdb.connect
    wal = path.with_name(path.name + ".wal")

    def connect(database=":memory:", *args, **kwargs):
        if str(database) == str(path) and wal.exists():
            raise duckdb.InternalException(WAL_REPLAY_ERROR.format(wal=f"{path}.wal"))
        return real(database, *args, **kwargs)

    monkeypatch.setattr(warehouse.duckdb, "connect", connect)


def test_a_wal_duckdb_cannot_replay_on_open_is_replayed_attached_and_kept(tmp_path, monkeypatch):
    """A killed writer must not cost the warehouse: the next writer replays the WAL through ATTACH,
    writes it into the file (nothing committed is lost) and keeps a copy of the WAL for a bug report."""
    from orchestration.lib.warehouse import KEEP_RECOVERED_WALS, connect

    path = _warehouse_with_wal(tmp_path)
    wal_bytes = path.with_name("p3jr.duckdb.wal").read_bytes()
    # copies from earlier repairs: only the newest stay, with this one
    earlier = [tmp_path / f"p3jr.duckdb.wal.dipulihkan-2026010{i}T000000Z" for i in range(1, KEEP_RECOVERED_WALS + 1)]
    for old in earlier:
        old.write_bytes(b"lama")
    with monkeypatch.context() as patched:
        _fail_the_plain_open_of(patched, path)
        with connect(path) as con:  # the writer: the next run's ingestion
            assert con.execute("SELECT list(nama ORDER BY nama) FROM ingestion.file_registry").fetchone()[0] == [
                "hanya_di_wal",
                "sebelum",
            ]
    assert not path.with_name("p3jr.duckdb.wal").exists()  # checkpointed into the file
    copies = sorted(tmp_path.glob("p3jr.duckdb.wal.dipulihkan-*"))
    assert copies[:-1] == earlier[1:] and len(copies) == KEEP_RECOVERED_WALS
    assert copies[-1].read_bytes() == wal_bytes
    plain = duckdb.connect(str(path), read_only=True)  # and a plain open (the analysts' CLI, dbt) works again
    assert plain.execute("SELECT count(*) FROM ingestion.file_registry").fetchone()[0] == 2
    plain.close()


def test_a_reader_of_an_unreplayable_wal_sees_the_committed_rows_and_changes_nothing(tmp_path, monkeypatch):
    """The landing sensor and `p3jr run`'s first look read before any writer has repaired the file."""
    from orchestration.lib.warehouse import connect

    path = _warehouse_with_wal(tmp_path)
    files_before = sorted(p.name for p in tmp_path.iterdir())
    _fail_the_plain_open_of(monkeypatch, path)
    with connect(path, read_only=True) as con:
        assert con.execute("SELECT count(*) FROM ingestion.file_registry").fetchone()[0] == 2
    assert sorted(p.name for p in tmp_path.iterdir()) == files_before  # the WAL is left to the next writer


def test_other_open_failures_are_not_taken_for_a_wal_to_replay(tmp_path, monkeypatch):
    from orchestration.lib import warehouse

    path = tmp_path / "bukan_duckdb.duckdb"
    path.write_bytes(b"ini bukan file DuckDB" * 100)
    with pytest.raises(duckdb.Error) as raised:
        warehouse.open_duckdb(path)
    assert not warehouse.is_wal_replay_failure(raised.value)
    assert not list(tmp_path.glob("*.dipulihkan-*"))


def test_a_reader_outside_the_writer_never_fails_the_writer(tmp_path):
    """The landing sensor's first tick reads the registry; a run's step opening the warehouse at that
    moment used to fail (DuckDB lets no writer beside a reader). Now the writer waits for the reader,
    and a reader that finds a writer steps back at once."""
    from orchestration.lib.warehouse import WarehouseBusy, connect, writer_lock

    path = tmp_path / "p3jr.duckdb"
    with connect(path) as con:
        con.execute("CREATE TABLE t (x INTEGER)")
    writer = (
        "import time; from pathlib import Path; from orchestration.lib.warehouse import connect\n"
        "start = time.monotonic()\n"
        f"with connect(Path({str(path)!r})) as con:\n"
        "    con.execute('INSERT INTO t VALUES (1)')\n"
        "print(round(time.monotonic() - start, 2))\n"
    )
    with connect(path, read_only=True) as con:
        proc = subprocess.Popen([sys.executable, "-c", writer], cwd=ROOT, stdout=subprocess.PIPE, text=True)
        time.sleep(2)
        assert con.execute("SELECT count(*) FROM t").fetchone()[0] == 0
    out, _ = proc.communicate(timeout=60)
    assert proc.returncode == 0 and float(out.split()[-1]) >= 1.5  # it waited for the reader, then wrote
    with connect(path, read_only=True) as con:
        assert con.execute("SELECT count(*) FROM t").fetchone()[0] == 1
    with writer_lock(path), pytest.raises(WarehouseBusy), connect(path, read_only=True):
        pass


def test_every_warehouse_connection_has_the_connection_settings_dbt_too(tmp_path):
    """The pipeline's connections and dbt's (profiles.yml) carry the same CONNECTION_SETTINGS: a dbt model
    replacing a district must not vacuum while the Python steps do not (or the other way round)."""
    import yaml

    from orchestration.lib.warehouse import CONNECTION_SETTINGS, open_duckdb

    con = open_duckdb(tmp_path / "w.duckdb")
    try:
        for name, value in CONNECTION_SETTINGS.items():
            assert con.execute(f"SELECT current_setting('{name}')").fetchone()[0] == value, name
    finally:
        con.close()
    profile = yaml.safe_load((ROOT / "dbt_project" / "profiles.yml").read_text())["p3jr"]["outputs"]["dev"]
    assert {k: profile["settings"].get(k) for k in CONNECTION_SETTINGS} == CONNECTION_SETTINGS
