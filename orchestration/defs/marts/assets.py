"""All dbt nodes (seeds, staging, intermediate, marts) as ONE @dbt_assets definition.

One definition on purpose: dbt itself skips models downstream of a failing error-severity
test inside a single `dbt build`, and failures are not respected across separate @dbt_assets
(dagster-io/dagster#19821). Error-severity dbt tests are turned into BLOCKING asset checks by
dagster-dbt (severity error -> AssetCheckSpec(blocking=True)), so Python assets downstream of
the marts (publish, reports) do not run on bad data either.

Unit tests are excluded from the production build (they run in CI / pytest:
`dbt test --select resource_type:unit_test`); see dagster-io/dagster#34080.
"""
import json
import os
import shutil
import sys
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from dagster import AssetExecutionContext
from dagster_dbt import DbtCliResource, dbt_assets

from orchestration.lib.warehouse import WRITER_POOL, writer_lock
from orchestration.settings import load_settings

from .project import dbt_project
from .translator import P3jrDbtTranslator

ZONA_WAKTU = ZoneInfo("Asia/Makassar")  # WITA, the Balai's local time
EXCLUDE_UNIT_TESTS = "resource_type:unit_test"



def dbt_executable() -> str:
    """`p3jr-dbt` of this interpreter's environment: dbt that dies with its run worker
    (orchestration/lib/dbt_child.py), so it never writes after the writer lock died."""
    for name in ("p3jr-dbt", "dbt"):
        beside = Path(sys.executable).parent / name
        if beside.exists():
            return str(beside)
    return shutil.which("p3jr-dbt") or shutil.which("dbt") or "dbt"


dbt_translator = P3jrDbtTranslator()
dbt_resource = DbtCliResource(project_dir=dbt_project, dbt_executable=dbt_executable())


def tanggal_run_hari_ini(now: datetime | None = None) -> str:
    """Today's date in Asia/Makassar, ISO (the `tanggal_run` var of capaian_pendataan_harian)."""
    now = now or datetime.now(tz=ZONA_WAKTU)
    return now.astimezone(ZONA_WAKTU).date().isoformat()


def dbt_build_args(tanggal_run: str) -> list[str]:
    """The dbt CLI arguments of the production build (pure; unit-tested)."""
    return [
        "build",
        "--exclude",
        EXCLUDE_UNIT_TESTS,
        "--vars",
        json.dumps({"tanggal_run": tanggal_run}),
    ]


@dbt_assets(
    manifest=dbt_project.manifest_path,
    project=dbt_project,
    dagster_dbt_translator=dbt_translator,
    exclude=EXCLUDE_UNIT_TESTS,
    pool=WRITER_POOL,
    name="p3jr_dbt_assets",
)
def p3jr_dbt_assets(context: AssetExecutionContext, dbt: DbtCliResource) -> Iterator:
    # dbt's profile reads the warehouse path from the same variable as the Python assets, and
    # holds the writer lock for the whole build (dbt runs as a separate process).
    warehouse = load_settings().warehouse_path
    os.environ["P3JR_WAREHOUSE_PATH"] = str(warehouse)
    with writer_lock(warehouse):
        yield from dbt.cli(dbt_build_args(tanggal_run_hari_ini()), context=context).stream()
    prune_invocation_dirs(dbt_project.project_dir / "target")


def prune_invocation_dirs(target: Path, keep: int = 5) -> None:
    """dagster-dbt gives every invocation its own target folder (~10 MB); keep the latest few."""
    dirs = sorted((d for d in target.glob("p3jr_dbt_assets-*") if d.is_dir()), key=lambda d: d.stat().st_mtime)
    for d in dirs[:-keep]:
        shutil.rmtree(d, ignore_errors=True)
