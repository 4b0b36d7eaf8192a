"""Both dagster.yaml files validate against Dagster's own instance schema; one DuckDB writer; no telemetry."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

os.environ.setdefault("DO_NOT_TRACK", "1")
os.environ.setdefault("DAGSTER_DISABLE_TELEMETRY", "true")

import dagster as dg
import pytest
import yaml
from dagster._core.instance.config import dagster_instance_config

ROOT = Path(__file__).resolve().parent.parent
LOCAL = ROOT / "dagster.yaml"
DEPLOY = ROOT / "deploy" / "dagster.yaml"


def _load(path: Path) -> dict:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


@pytest.mark.parametrize("path", [LOCAL, DEPLOY], ids=["local", "deploy"])
def test_one_writer_and_no_telemetry(path: Path):
    cfg = _load(path)
    assert cfg["telemetry"] == {"enabled": False}
    assert cfg["concurrency"]["pools"]["default_limit"] == 1
    assert cfg["concurrency"]["runs"]["max_concurrent_runs"] == 1
    assert cfg["run_monitoring"]["enabled"] is True
    # a run killed inside a step must not keep its pool slot (every later run would stay QUEUED)
    assert 0 < cfg["run_monitoring"]["free_slots_after_run_end_seconds"] <= 300
    assert cfg.get("run_retries", {}).get("enabled", False) is False
    # `run_queue` limits conflict with `concurrency: runs` (Dagster refuses both).
    assert "max_concurrent_runs" not in (cfg.get("run_queue") or {})


@pytest.mark.parametrize("path", [LOCAL, DEPLOY], ids=["local", "deploy"])
def test_validates_against_dagster_schema(path: Path, tmp_path: Path):
    shutil.copy(path, tmp_path / "dagster.yaml")
    value, custom_class = dagster_instance_config(str(tmp_path))  # schema only, no connection
    from orchestration.instance.local_instance import P3jrInstance

    assert custom_class is (P3jrInstance if path == LOCAL else None)
    assert value["concurrency"]["pools"]["default_limit"] == 1
    assert value["telemetry"]["enabled"] is False


def test_local_file_has_no_hardcoded_paths():
    cfg = _load(LOCAL)
    assert "storage" not in cfg  # default: SQLite under $DAGSTER_HOME
    code_lines = [ln for ln in LOCAL.read_text(encoding="utf-8").splitlines() if not ln.lstrip().startswith("#")]
    assert not any("base_dir" in ln or ":/" in ln or " /" in ln for ln in code_lines)
    for key in ("local_artifact_storage", "compute_logs", "run_storage", "event_log_storage"):
        assert key not in cfg


def test_local_instance_loads(tmp_path: Path, monkeypatch):
    home = tmp_path / "dagster_home"
    home.mkdir()
    shutil.copy(LOCAL, home / "dagster.yaml")
    monkeypatch.setenv("DAGSTER_HOME", str(home))
    instance = dg.DagsterInstance.get()
    try:
        assert type(instance.run_coordinator).__name__ == "QueuedRunCoordinator"
        cc = instance.get_concurrency_config()
        assert cc.pool_config.default_pool_limit == 1
        assert cc.run_queue_config.max_concurrent_runs == 1
        assert instance.run_monitoring_enabled
        assert instance.event_log_storage.supports_global_concurrency_limits  # pools on SQLite
        assert not instance.run_retries_enabled
        assert type(instance.run_storage).__name__ == "SqliteRunStorage"
        assert type(instance.event_log_storage).__name__ == "SqliteEventLogWithOpenConnections"
        # storage sits inside DAGSTER_HOME, where Dagster's default SQLite storage puts it
        assert Path(instance.root_directory).resolve() == home.resolve()
        assert Path(instance.event_log_storage._base_dir).resolve() == (home / "history" / "runs").resolve()
        assert (home / "history" / "runs.db").exists()
    finally:
        instance.dispose()


def test_deploy_run_monitoring_detects_dead_workers_and_bounds_runs():
    mon = _load(DEPLOY)["run_monitoring"]
    assert mon["enabled"] is True
    assert mon["poll_interval_seconds"] <= 60  # a dead run is noticed within a minute
    assert mon["start_timeout_seconds"] >= 120  # a worker loads definitions + the dbt manifest first
    assert mon["max_resume_run_attempts"] == 0  # the default launcher cannot resume: fail, alert once
    assert 0 < mon["free_slots_after_run_end_seconds"] <= 120
    assert mon["max_runtime_seconds"] == 4 * 3600  # well above a province night, ends before office hours
    # the launcher that tells run monitoring whether a run's worker process is alive
    from dagster._serdes.config_class import class_from_code_pointer

    launcher = _load(DEPLOY)["run_launcher"]
    cls = class_from_code_pointer(launcher["module"], launcher["class"])
    assert issubclass(cls, dg.DefaultRunLauncher)
    assert cls().supports_check_run_worker_health


def test_deploy_instance_classes_import():
    """The classes deploy/dagster.yaml names exist (the deployment harness runs the rest for real)."""
    cfg = _load(DEPLOY)
    from dagster._serdes.config_class import class_from_code_pointer

    for key in ("run_coordinator", "run_launcher"):
        class_from_code_pointer(cfg[key]["module"], cfg[key]["class"])
    import dagster_postgres  # noqa: F401  (the [deploy] extra)
