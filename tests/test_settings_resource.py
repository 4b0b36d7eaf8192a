"""The `settings` resource: assets and sensors get the pipeline settings from Dagster (EnvVar fields,
resolved when a run starts), and get exactly what load_settings() gives under the same environment."""

from __future__ import annotations

from pathlib import Path

import dagster as dg
import pytest

from orchestration.defs.resources import SettingsResource
from orchestration.settings import (
    MISSING_KEY_MESSAGE,
    SETTINGS_ENV,
    Settings,
    export_run_paths,
    load_settings,
    settings_from_values,
)


@dg.asset
def seen_settings(settings: SettingsResource) -> Settings:
    return settings.get()


def _run_once(resource: SettingsResource) -> Settings:
    result = dg.materialize([seen_settings], resources={"settings": resource})
    return result.output_for_node("seen_settings")


@pytest.fixture
def clean_env(monkeypatch):
    """Every pipeline variable unset (and restored afterwards); DAGSTER_HOME too, as export_run_paths sets it."""
    for var in (*SETTINGS_ENV.values(), "DAGSTER_HOME"):
        monkeypatch.setenv(var, "x")  # recorded, so the test's changes are undone
        monkeypatch.delenv(var)
    return monkeypatch


def test_the_resource_has_one_field_per_setting_and_is_registered_with_env_vars():
    from orchestration.definitions import defs

    assert set(SettingsResource.model_fields) == set(SETTINGS_ENV)
    registered = defs.resources["settings"]
    for name, var in SETTINGS_ENV.items():
        value = getattr(registered, name)
        assert isinstance(value, dg.EnvVar) and value.env_var_name == var


def test_resolved_at_run_time_to_the_same_settings_as_load_settings(clean_env, tmp_path):
    resource = SettingsResource.from_env()  # as at code-location load: nothing set yet
    clean_env.setenv("P3JR_DATA_DIR", str(tmp_path / "data"))
    clean_env.setenv("P3JR_MAX_FILE_MB", "12.5")
    clean_env.setenv("P3JR_ALERT_WEBHOOK_URL", "  http://127.0.0.1:9/hook ")
    clean_env.setenv("P3JR_PSEUDONYM_KEY", "kunci-uji")
    got = _run_once(resource)
    assert got == load_settings()
    assert got.max_file_mb == 12.5 and got.alert_webhook_url == "http://127.0.0.1:9/hook"
    assert got.pseudonym_key == "kunci-uji" and got.max_queue_minutes == Settings.max_queue_minutes
    assert got.warehouse_path == (tmp_path / "data" / "warehouse" / "p3jr.duckdb").resolve()


def test_empty_means_default_and_derived_defaults_follow_the_data_dir(clean_env, tmp_path):
    defaults = settings_from_values({})
    assert settings_from_values(dict.fromkeys(SETTINGS_ENV, "")) == defaults
    assert defaults.pseudonym_key is None and defaults.warehouse_path == defaults.data_dir / "warehouse" / "p3jr.duckdb"

    # The CLI points one process at two data directories in turn (after the code location loaded,
    # even after a variable was removed): each run's settings, and its warehouse, follow.
    resource = SettingsResource.from_env()
    for name in ("satu", "dua"):
        clean_env.delenv("P3JR_WAREHOUSE_PATH", raising=False)
        export_run_paths(tmp_path / "landing", tmp_path / name)
        got = _run_once(resource)
        assert got == load_settings()
        assert got.data_dir == (tmp_path / name).resolve()
        assert got.warehouse_path == (tmp_path / name / "warehouse" / "p3jr.duckdb").resolve()


def test_missing_pseudonym_key_stops_ingestion_with_our_message(clean_env, tmp_path: Path):
    """Not Dagster's 'environment variable ... which is not set': the ingestion step's own message."""
    from orchestration.definitions import defs
    from orchestration.lib.runs import REFRESH_JOB, failed_steps

    export_run_paths(tmp_path / "landing", tmp_path / "data")  # P3JR_PSEUDONYM_KEY stays unset
    result = defs.resolve_job_def(REFRESH_JOB).execute_in_process(
        instance=dg.DagsterInstance.ephemeral(), partition_key="53.01", raise_on_error=False
    )
    assert not result.success
    assert failed_steps(result) == [("ingest_district_files", MISSING_KEY_MESSAGE)]
    assert not (tmp_path / "data" / "warehouse").exists()  # stopped before anything was read
