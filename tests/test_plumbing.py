"""The shared plumbing: atomic file replacement, transactions, SQL quoting."""

from __future__ import annotations

import os
import stat

import duckdb
import pytest

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
