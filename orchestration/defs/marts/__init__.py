"""Marts domain: the dbt project (staging -> intermediate -> marts) as Dagster assets.

`defs` holds the single @dbt_assets definition and the `dbt` resource; the integrator merges it
in orchestration/definitions.py. The warehouse path reaches dbt through P3JR_WAREHOUSE_PATH
(orchestration/settings.py), read by dbt_project/profiles.yml.
"""
from __future__ import annotations

import dagster as dg

from .assets import dbt_resource, p3jr_dbt_assets
from .project import dbt_project

defs = dg.Definitions(assets=[p3jr_dbt_assets], resources={"dbt": dbt_resource})


def definitions() -> dg.Definitions:
    return defs


__all__ = ["dbt_project", "dbt_resource", "defs", "definitions", "p3jr_dbt_assets"]
