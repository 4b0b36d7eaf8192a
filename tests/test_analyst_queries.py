"""Every example query in docs/contoh_query.sql parses and runs against a published database.

Uses the ``published_db`` fixture when tests/conftest.py provides one (the real pipeline on demo
data); otherwise a hand-made published database (tests/test_publish.py), on which every query
must also return at least one row.
"""

from __future__ import annotations

import importlib.util
import os
import re
import subprocess
from pathlib import Path

import duckdb
import pytest

ROOT = Path(__file__).resolve().parent.parent
QUERIES = ROOT / "docs" / "contoh_query.sql"
GUIDE = ROOT / "docs" / "panduan_analis.md"
DUCKDB_CLI = ROOT / ".venv" / "bin" / "duckdb"

_spec = importlib.util.spec_from_file_location("_p3jr_publish_fixtures_q", Path(__file__).with_name("test_publish.py"))
_fx = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_fx)


def parse_queries(path: Path = QUERIES) -> list[dict]:
    """Blocks of the file: each starts at a ``-- name: <slug>`` line and runs to the next one."""
    blocks: list[dict] = []
    current: dict | None = None
    for line in path.read_text(encoding="utf-8").splitlines():
        m = re.match(r"^--\s*name:\s*(\S+)\s*$", line)
        if m:
            current = {"name": m.group(1), "pertanyaan": None, "lines": [line]}
            blocks.append(current)
            continue
        if current is None:
            continue  # preamble
        q = re.match(r"^--\s*pertanyaan:\s*(.+)$", line)
        if q and current["pertanyaan"] is None:
            current["pertanyaan"] = q.group(1).strip()
        current["lines"].append(line)
    for b in blocks:
        b["sql"] = "\n".join(b.pop("lines")).strip() + "\n"
    return blocks


BLOCKS = parse_queries()


@pytest.fixture(scope="module")
def _handmade_published(tmp_path_factory) -> Path:
    return _fx.build_small_published(tmp_path_factory.mktemp("analis"))


@pytest.fixture()
def analyst_db(request) -> tuple[Path, bool]:
    """(path, is_handmade)."""
    try:
        value = request.getfixturevalue("published_db")
    except pytest.FixtureLookupError:
        return request.getfixturevalue("_handmade_published"), True
    return Path(value), False


def test_query_file_structure():
    assert len(BLOCKS) >= 8
    names = [b["name"] for b in BLOCKS]
    assert len(set(names)) == len(names), "nama query ganda"
    con = duckdb.connect()
    try:
        for b in BLOCKS:
            assert re.fullmatch(r"[a-z0-9_]+", b["name"]), b["name"]
            assert b["pertanyaan"] and b["pertanyaan"].endswith("?"), b["name"]
            statements = con.extract_statements(b["sql"])  # parses, no database needed
            assert len(statements) == 1, f"{b['name']}: satu blok = satu pernyataan"
            # analysts only ever see the published schemas
            for schema in re.findall(r"\b([a-z_]+)\.[a-z_]+\b", re.sub(r"--[^\n]*", "", b["sql"])):
                assert schema in {"marts", "referensi", "b", "r", "c", "h", "k", "s"}, (b["name"], schema)
    finally:
        con.close()


def test_guide_lists_every_query():
    text = GUIDE.read_text(encoding="utf-8")
    for b in BLOCKS:
        assert b["name"] in text, f"panduan_analis.md tidak menyebut {b['name']}"


@pytest.mark.parametrize("block", BLOCKS, ids=[b["name"] for b in BLOCKS])
def test_query_returns_rows_on_handmade_db(block, _handmade_published):
    con = duckdb.connect(str(_handmade_published), read_only=True)
    try:
        rows = con.execute(block["sql"]).fetchall()
    finally:
        con.close()
    assert len(rows) >= 1, f"{block['name']} tidak mengembalikan baris"


@pytest.mark.parametrize("block", BLOCKS, ids=[b["name"] for b in BLOCKS])
def test_query_runs(block, analyst_db):
    path, handmade = analyst_db
    con = duckdb.connect(str(path), read_only=True)
    try:
        rows = con.execute(block["sql"]).fetchall()
    finally:
        con.close()
    if handmade:
        assert len(rows) >= 1, f"{block['name']} tidak mengembalikan baris"


def test_whole_file_runs_in_cli(analyst_db):
    """What the guide tells analysts: `.read docs/contoh_query.sql` in the read-only CLI."""
    if not DUCKDB_CLI.exists():
        pytest.skip("duckdb CLI not installed in .venv")
    path, _ = analyst_db
    proc = subprocess.run(
        [str(DUCKDB_CLI), "-readonly", "-bail", str(path), "-c", f".read {QUERIES}"],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "DO_NOT_TRACK": "1"},
    )
    assert proc.returncode == 0, proc.stderr
    assert "Error" not in proc.stderr, proc.stderr
