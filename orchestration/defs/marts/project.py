"""The dbt project as Dagster sees it, built once on first use (no work at import).

The manifest (``dbt_project/target/manifest.json``) is not committed: `make install` parses it.
On a fresh clone without it, or under ``dagster dev`` (models may have changed), it is parsed here.
"""

from __future__ import annotations

import functools

from dagster_dbt import DbtProject

from orchestration.lib.dbt_cli import ensure_manifest, parse_manifest
from orchestration.settings import DBT_PROJECT_DIR, running_under_dagster_dev


@functools.cache
def dbt_project() -> DbtProject:
    if running_under_dagster_dev():
        parse_manifest(DBT_PROJECT_DIR)
    else:
        ensure_manifest(DBT_PROJECT_DIR)
    return DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR)
