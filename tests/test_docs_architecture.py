"""docs/ARSITEKTUR.md describes the code that exists: its table list equals the warehouse's tables,
and its layout block names only folders and modules that exist."""

from __future__ import annotations

import re
from pathlib import Path

import duckdb

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "ARSITEKTUR.md"
KINDS = ("rumah_tangga", "realisasi_program")


def section(title: str) -> str:
    text = DOC.read_text(encoding="utf-8")
    start = text.index(f"## {title}")
    end = text.find("\n## ", start + 3)
    return text[start : end if end > 0 else None]


def documented_tables() -> set[str]:
    """Every `schema.table` a list item of "Tables in the warehouse" starts with (several may be named
    before the colon); `<jenis>` stands for both sheet kinds; a `schema:` item lists its tables."""
    names: set[str] = set()
    for item in re.findall(r"^- (.+?)(?=^- |\Z)", section("Tables in the warehouse"), flags=re.M | re.S):
        head = item.split(":", 1)[0] if not re.match(r"^\w+:", item) else ""
        for ref in re.findall(r"`([a-z_]+\.[a-z_<>]+)`", head):
            names |= {ref.replace("<jenis>", k) for k in KINDS} if "<jenis>" in ref else {ref}
        schema = re.match(r"^(\w+):", item)
        if schema:
            names |= {
                f"{schema.group(1)}.{t}"
                for t in re.findall(r"`([a-z_]+)`", item.split(":", 1)[1])
                if not t.startswith(("jendela", "zona", "batas"))
            }
    return names


def warehouse_tables(path: Path) -> set[str]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        rows = con.execute(
            "SELECT table_schema, table_name FROM information_schema.tables "
            "WHERE table_schema NOT IN ('information_schema', 'pg_catalog')"
        ).fetchall()
    finally:
        con.close()
    return {f"{s}.{t}" for s, t in rows}


def test_table_list_equals_the_warehouse(small_run):
    documented, actual = documented_tables(), warehouse_tables(small_run["warehouse"])
    # (a step's scratch tables, e.g. the gate's in `main`, are dropped after use: they would show here)
    assert sorted(actual - documented) == [], "in the warehouse but not in docs/ARSITEKTUR.md"
    assert sorted(documented - actual) == [], "in docs/ARSITEKTUR.md but not in the warehouse"


def test_layout_names_what_exists():
    block = section("Layout").split("```")[1]
    missing = []
    parents: list[tuple[int, str]] = []
    for line in block.splitlines():
        m = re.match(r"^( *)(\S+)", line)
        if not m or "<" in m.group(2) or not (m.group(2).endswith("/") or "." in m.group(2)):
            continue  # a continued description, not a path
        indent, name = len(m.group(1)), m.group(2)
        parents = [(i, p) for i, p in parents if i < indent]
        path = "/".join([p.rstrip("/") for _, p in parents] + [name.rstrip("/")])
        if not (ROOT / path).exists() and not list(ROOT.glob(path)):
            missing.append(path)
        if name.endswith("/"):
            parents.append((indent, name))
    assert missing == []
