"""How the pipeline calls dbt: which executable, with which arguments, and the manifest it needs.

One place for all three, used by the dbt asset, `p3jr gudang-postgres` and the tests.
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import sys
import uuid
from pathlib import Path

import duckdb

from orchestration.lib.files import atomic_write
from orchestration.settings import DBT_PROJECT_DIR, subprocess_env

# Unit tests run in CI / pytest (`dbt test --select resource_type:unit_test`), not in production
# builds (dagster-io/dagster#34080).
EXCLUDE_UNIT_TESTS = "resource_type:unit_test"


def dbt_executable() -> str:
    """`p3jr-dbt` of this interpreter's environment: dbt that dies with its run worker
    (orchestration/lib/dbt_child.py), so it never writes after the writer lock died."""
    for name in ("p3jr-dbt", "dbt"):
        beside = Path(sys.executable).parent / name
        if beside.exists():
            return str(beside)
    return shutil.which("p3jr-dbt") or shutil.which("dbt") or "dbt"


# The production build. The run date travels in the environment (settings.RUN_DATE_VAR), so the
# command line stays the same from run to run and dbt can reuse its partial parse.
BUILD_ARGS = ("build", "--exclude", EXCLUDE_UNIT_TESTS)


# What a model computes is defined by these files of the dbt project (SQL, macros, vars, reference).
PROJECT_LOGIC = ("dbt_project.yml", "models", "macros", "seeds")
# What a build publishes also depends on its data tests (a new blocking test may stop it).
PROJECT_SOURCES = (*PROJECT_LOGIC, "tests")

# The project the warehouse's incremental models were last built with (one row).
BUILT_PROJECT = "quality.proyek_dbt_terbangun"


def project_fingerprint(project_dir: Path = DBT_PROJECT_DIR, parts: tuple[str, ...] = PROJECT_LOGIC) -> str:
    """A hash of the project's files in ``parts`` (by default what the models compute, PROJECT_LOGIC).
    Files, not target/manifest.json: a parse rewrites the manifest with a new timestamp and changes nothing."""
    h = hashlib.sha256()
    for rel in parts:
        path = project_dir / rel
        files = [path] if path.is_file() else sorted(f for f in path.rglob("*") if f.is_file())
        for f in files:
            h.update(f.relative_to(project_dir).as_posix().encode() + b"\0" + f.read_bytes() + b"\0")
    return h.hexdigest()


def needs_full_refresh(con, fingerprint: str) -> bool:
    """An incremental model (int_rumah_tangga_kriteria) keeps the rows of unchanged districts as the project
    computed them then: when the project changed since the last successful build, or nothing records
    it, every row is computed again (`dbt build --full-refresh`; the history model opts out)."""
    try:
        row = con.execute(f"SELECT sidik_proyek FROM {BUILT_PROJECT}").fetchone()
    except duckdb.CatalogException:
        return True
    return row is None or row[0] != fingerprint


def record_build(con, fingerprint: str) -> None:
    """After a successful build: the project the incremental models now reflect."""
    con.execute("CREATE SCHEMA IF NOT EXISTS quality")
    con.execute(
        f"CREATE OR REPLACE TABLE {BUILT_PROJECT} AS SELECT ?::VARCHAR AS sidik_proyek, now() AS dibangun_pada",
        [fingerprint],
    )


# Every model's row rules are one dbt test, `invarian_baris_<model>` (dbt_project/tests/generic/
# invarian_baris.sql); its query returns one row per broken rule (kolom, aturan, jumlah_baris).
ROW_RULES_TEST_PREFIX = "invarian_baris_"


def broken_rules(con, invocation_target: Path, test_name: str) -> list[dict]:
    """The rules a failed `invarian_baris_<model>` test found broken: its compiled query run again after
    the build, so the failed check names the column and the rule instead of only "Got 2 results"."""
    compiled = next((Path(invocation_target) / "compiled").rglob(f"{test_name}.sql"), None)
    if compiled is None:
        return []
    cur = con.execute(compiled.read_text(encoding="utf-8"))
    names = [d[0] for d in cur.description]
    return [dict(zip(names, row)) for row in cur.fetchall()]


def parse_manifest(project_dir: Path = DBT_PROJECT_DIR) -> Path:
    """`dbt parse` (needs no warehouse connection); returns the manifest's path."""
    subprocess.run(
        [dbt_executable(), "parse", "--quiet"],
        cwd=project_dir,
        check=True,
        env=subprocess_env(DBT_PROFILES_DIR=str(project_dir)),
    )
    return project_dir / "target" / "manifest.json"


def ensure_manifest(project_dir: Path = DBT_PROJECT_DIR) -> Path:
    """The manifest is built at install time (`make install`); parse it if someone removed it."""
    manifest = project_dir / "target" / "manifest.json"
    return manifest if manifest.exists() else parse_manifest(project_dir)


# The build's target folders, named as dagster-dbt names them: `<op name>-<run id[:7]>-<random>`.
INVOCATION_DIR_PREFIX = "p3jr_dbt_assets-"


def parse_state_path(warehouse: Path) -> Path:
    """The parse state of this warehouse's last build, beside it: the next build parses only the
    project files changed since (any warehouse's state would do, see dbt_child; its own is the newest)."""
    return warehouse.with_name(f"{warehouse.stem}.dbt_parse.msgpack")


def invocation_target(run_id: str, warehouse: Path, project_target: Path = DBT_PROJECT_DIR / "target") -> Path:
    """A fresh target folder for one build (named as dagster-dbt names them), holding this warehouse's
    parse state, so dbt parses only what changed. Without one (a new warehouse) dagster-dbt copies the
    project's, made at install time (`make install`)."""
    path = project_target / f"{INVOCATION_DIR_PREFIX}{run_id[:7]}-{uuid.uuid4().hex[:7]}"
    state = parse_state_path(warehouse)
    if state.exists():
        path.mkdir(parents=True)
        shutil.copyfile(state, path / "partial_parse.msgpack")
    return path


def keep_partial_parse(invocation_target: Path, warehouse: Path) -> None:
    """Keep the parse state of a successful build for the next build of this warehouse (swapped
    atomically: a mismatching state only costs dbt a full parse)."""
    source = invocation_target / "partial_parse.msgpack"
    if source.exists():
        atomic_write(parse_state_path(warehouse), source.read_bytes())


def prune_invocation_dirs(target: Path, keep: int = 5) -> None:
    """dagster-dbt gives every invocation its own target folder (~10 MB); keep the latest few."""
    dirs = sorted((d for d in target.glob(f"{INVOCATION_DIR_PREFIX}*") if d.is_dir()), key=lambda d: d.stat().st_mtime)
    for d in dirs[:-keep]:
        shutil.rmtree(d, ignore_errors=True)
