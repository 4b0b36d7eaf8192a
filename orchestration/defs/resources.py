"""The resources every domain's assets share: the build warehouse and dbt."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

import dagster as dg
import duckdb
from dagster_dbt import DbtCliResource

from orchestration.defs.marts.project import dbt_project
from orchestration.lib import warehouse
from orchestration.lib.dbt_cli import dbt_executable
from orchestration.settings import load_settings


class WarehouseResource(dg.ConfigurableResource):
    """Opens the build DuckDB for one step and closes it again (dbt needs the file afterwards)."""

    path: str = ""

    def db_path(self) -> Path:
        return Path(self.path) if self.path else load_settings().warehouse_path

    @contextlib.contextmanager
    def connect(self, read_only: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
        with warehouse.connect(self.db_path(), read_only=read_only) as con:
            yield con


@dg.definitions
def resources() -> dg.Definitions:
    return dg.Definitions(
        resources={
            "warehouse": WarehouseResource(),
            "dbt": DbtCliResource(project_dir=dbt_project(), dbt_executable=dbt_executable()),
        }
    )
