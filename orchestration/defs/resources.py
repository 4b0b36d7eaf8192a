"""The resources every domain's assets share: the settings, the build warehouse and dbt."""

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
from orchestration.settings import SETTINGS_ENV, Settings, settings_env, settings_from_values


class SettingsResource(dg.ConfigurableResource):
    """The pipeline settings for assets and sensors, one field per entry of settings.SETTINGS_ENV.

    Registered with every field as EnvVar: Dagster resolves them when a run (or sensor tick) starts,
    in that process, so the CLI can set the variables just before its in-process run. Fields hold the
    raw text; `get()` parses it (and fills in the defaults) exactly as load_settings() does."""

    landing_dir: str
    data_dir: str
    warehouse_path: str
    max_file_mb: str
    max_withdrawal_share: str
    max_queue_minutes: str
    alert_webhook_url: str
    duckdb_memory_limit: str
    pseudonym_key: str

    @classmethod
    def from_env(cls) -> SettingsResource:
        return cls(**{name: dg.EnvVar(var) for name, var in settings_env().items()})

    def get(self) -> Settings:
        return settings_from_values({name: getattr(self, name) for name in SETTINGS_ENV})


class WarehouseResource(dg.ConfigurableResource):
    """Opens the build DuckDB for one step and closes it again (dbt needs the file afterwards)."""

    settings: SettingsResource

    def db_path(self) -> Path:
        return self.settings.get().warehouse_path

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
    settings = SettingsResource.from_env()
    return dg.Definitions(
        resources={
            "settings": settings,
            "warehouse": WarehouseResource(settings=settings),
            "dbt": P3jrDbtCliResource(project_dir=dbt_project(), dbt_executable=dbt_executable()),
        }
    )
