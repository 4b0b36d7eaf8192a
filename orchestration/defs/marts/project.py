"""The dbt project as Dagster sees it.

The manifest (``dbt_project/target/manifest.json``) is NOT committed. It is prepared at
install/CI time with either of

    .venv/bin/dagster-dbt project prepare-and-package --file orchestration/defs/marts/project.py
    cd dbt_project && ../.venv/bin/dbt parse --profiles-dir .

Under ``dagster dev`` it is re-parsed on load (``prepare_if_dev``). As a last resort, when the
manifest is missing entirely (fresh clone), it is parsed once on import so the code location
still loads; parsing needs no warehouse connection.
"""
from __future__ import annotations

import logging
import os
import shutil
import sys
from pathlib import Path

from dagster_dbt import DbtProject

from orchestration.settings import DBT_PROJECT_DIR, TELEMETRY_OFF

for _k, _v in TELEMETRY_OFF.items():
    os.environ.setdefault(_k, _v)

# dagster-dbt's preparer looks for `dbt` on PATH; when the venv is not activated
# (e.g. `.venv/bin/dagster dev`), put this interpreter's bin directory first.
_BIN = Path(sys.executable).parent
if shutil.which("dbt") is None and (_BIN / "dbt").exists():
    os.environ["PATH"] = f"{_BIN}{os.pathsep}{os.environ.get('PATH', '')}"

dbt_project = DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR)
dbt_project.prepare_if_dev()

if not dbt_project.manifest_path.exists():  # pragma: no cover - exercised on fresh clones only
    logging.getLogger(__name__).warning(
        "dbt manifest missing at %s; running `dbt parse` now (prepare it at install time instead)",
        dbt_project.manifest_path,
    )
    dbt_project.preparer.prepare(dbt_project)
