"""The layout rules of docs/ARSITEKTUR.md, checked on the source (AST), so a change that breaks
one fails here instead of in review.

* `orchestration/lib/` and `sources/` are plain Python: they never import Dagster or `orchestration.defs`.
* `orchestration/settings.py` is the only module that touches `os.environ`.
* The domains under `orchestration/defs/` do not import each other in cycles.
* No module under `orchestration/` or `sources/` is longer than MAX_LINES.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MAX_LINES = 450


def modules(*folders: str) -> list[Path]:
    return sorted(p for f in folders for p in (ROOT / f).rglob("*.py") if "migrations" not in p.parts)


def imported(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            names |= {f"{node.module}.{a.name}" for a in node.names}
    return names


def rel(path: Path) -> str:
    return str(path.relative_to(ROOT))


def test_lib_and_sources_are_plain_python():
    bad = {
        rel(p): sorted(
            n
            for n in imported(p)
            if n.split(".")[0].startswith("dagster")
            or n.startswith("orchestration.defs")
            or n.startswith("orchestration.instance")
        )
        for p in modules("orchestration/lib", "sources")
    }
    assert {k: v for k, v in bad.items() if v} == {}


def test_only_settings_touches_the_environment():
    offenders = []
    for p in modules("orchestration", "sources"):
        if p == ROOT / "orchestration" / "settings.py":
            continue
        for node in ast.walk(ast.parse(p.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Attribute)
                and node.attr in ("environ", "getenv", "putenv")
                and isinstance(node.value, ast.Name)
                and node.value.id == "os"
            ):
                offenders.append(f"{rel(p)}:{node.lineno}")
    assert offenders == []


def test_no_import_cycles_between_domains():
    defs = ROOT / "orchestration" / "defs"
    domains = sorted(d.name for d in defs.iterdir() if d.is_dir() and d.name != "__pycache__")
    edges = {d: set() for d in domains}
    for d in domains:
        for p in (defs / d).rglob("*.py"):
            for name in imported(p):
                parts = name.split(".")
                if parts[:2] == ["orchestration", "defs"] and len(parts) > 2 and parts[2] in edges and parts[2] != d:
                    edges[d].add(parts[2])

    def reaches(start: str, goal: str, seen: set[str]) -> bool:
        return any(n == goal or (n not in seen and reaches(n, goal, seen | {n})) for n in edges[start])

    assert [d for d in domains if reaches(d, d, set())] == []


def test_modules_stay_short():
    long = {
        rel(p): n
        for p in modules("orchestration", "sources")
        if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_LINES
    }
    assert long == {}
