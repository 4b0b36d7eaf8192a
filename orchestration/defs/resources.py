"""The resources every domain's assets share: the build warehouse and dbt."""

from __future__ import annotations

import contextlib
import importlib.metadata
from collections.abc import Iterator, Sequence
from functools import cached_property
from pathlib import Path

import dagster as dg
import duckdb
from dagster_dbt import DbtCliResource
from packaging.version import Version

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


class P3jrDbtCliResource(DbtCliResource):
    """dagster-dbt asks the executable for its version (`dbt --version`, a 3 s child process) and opens
    a dbt adapter in the run worker (for row counts and column metadata, which we do not fetch) on
    every build. dbt-core is installed beside us, so its package version answers the first; the
    adapter is not opened."""

    @cached_property
    def _cli_version(self) -> Version:
        return Version(importlib.metadata.version("dbt-core"))

    def _initialize_dbt_core_adapter(self, args: Sequence[str]) -> None:  # type: ignore[override]
        return None


@dg.definitions
def resources() -> dg.Definitions:
    return dg.Definitions(
        resources={
            "warehouse": WarehouseResource(),
            "dbt": P3jrDbtCliResource(project_dir=dbt_project(), dbt_executable=dbt_executable()),
        }
    )
