"""Watchdog: pure decisions (queue limit, stale publish, cursor, worker liveness), the alerts it
builds, the sensor on an ephemeral instance, and the run launcher's worker health check."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import dagster as dg
import pytest

from orchestration.defs.operations import watchdog
from orchestration.instance.launcher import P3jrRunLauncher
from orchestration.lib.processes import process_start_time, worker_alive
from orchestration.lib.watchdog import (
    JENIS_ANTREAN,
    JENIS_BASI,
    holder_between_steps,
    parse_cursor,
    queue_alert,
    runs_queued_too_long,
    sensor_interval,
    stale_alert,
    stale_reference,
)
from orchestration.settings import load_settings
from tests.conftest import sensor_context

NOW = 1_800_000_000.0
HOUR = 3600.0


def test_sensor_is_registered_and_on_by_default():
    from orchestration.definitions import defs

    sensor = defs.get_repository_def().get_sensor_def("p3jr_pengawas")
    assert sensor is watchdog.p3jr_pengawas
    assert sensor.default_status == dg.DefaultSensorStatus.RUNNING


def test_sensor_interval_looks_twice_within_the_limit():
    assert sensor_interval(30) == 60  # production default: once a minute
    assert sensor_interval(1) == 30
    assert sensor_interval(0.2) == 6
    assert sensor_interval(0.01) == 5  # never busier than every 5 s
    assert watchdog.p3jr_pengawas.minimum_interval_seconds == sensor_interval(load_settings().max_queue_minutes)


def test_queue_limit_from_settings(monkeypatch):
    monkeypatch.delenv("P3JR_MAX_QUEUE_MINUTES", raising=False)
    assert load_settings().max_queue_minutes == 30
    monkeypatch.setenv("P3JR_MAX_QUEUE_MINUTES", "0.05")
    assert load_settings().max_queue_minutes == 0.05
    example = (Path(__file__).resolve().parent.parent / "deploy" / "p3jr.env.example").read_text()
    assert "P3JR_MAX_QUEUE_MINUTES=30" in example


def test_runs_queued_too_long_once_per_run_longest_first():
    queued = {"a": NOW - 31 * 60, "b": NOW - 29 * 60, "c": NOW - 45 * 60}
    assert runs_queued_too_long(queued, NOW, 30, alerted=[]) == ["c", "a"]
    assert runs_queued_too_long(queued, NOW, 30, alerted=["c"]) == ["a"]
    assert runs_queued_too_long(queued, NOW, 30, alerted=["a", "c"]) == []
    assert runs_queued_too_long({"x": NOW - 30 * 60}, NOW, 30, alerted=[]) == []  # exactly at the limit: not yet
    assert runs_queued_too_long({"x": NOW - 4}, NOW, 0.05, alerted=[]) == ["x"]  # fractional minutes
    assert runs_queued_too_long({}, NOW, 30, alerted=["gone"]) == []


def test_queue_alert_waits_while_the_running_run_is_between_steps():
    slot = [{"pool": "duckdb_writer", "run_id": "r1", "langkah": "p3jr_dbt_assets", "status": "STARTED"}]
    assert holder_between_steps(["r1"], [], waited_s=31 * 60, max_minutes=30)  # no holder to name yet
    assert not holder_between_steps(["r1"], slot, waited_s=31 * 60, max_minutes=30)
    assert not holder_between_steps(["r1"], [], waited_s=61 * 60, max_minutes=30)  # not forever
    assert not holder_between_steps([], [], waited_s=31 * 60, max_minutes=30)  # nothing runs: the daemon's fault


def test_stale_reference_once_per_stale_period():
    watching = NOW - 100 * HOUR
    # fresh publish: nothing
    assert stale_reference(NOW - 25 * HOUR, watching, NOW, 26, alerted_for=None) is None
    # 27 h without a publish: alert, counted from that publish …
    last = NOW - 27 * HOUR
    assert stale_reference(last, watching, NOW, 26, alerted_for=None) == last
    # … once: the next ticks of the same stale period stay quiet
    assert stale_reference(last, watching, NOW + HOUR, 26, alerted_for=last) is None
    # a new publish that goes stale again is a new period
    newer = NOW + 2 * HOUR
    assert stale_reference(newer, watching, newer + 27 * HOUR, 26, alerted_for=last) == newer
    # never published: the clock starts when the watchdog first ran
    assert stale_reference(None, NOW - 2 * HOUR, NOW, 26, alerted_for=None) is None
    assert stale_reference(None, NOW - 27 * HOUR, NOW, 26, alerted_for=None) == NOW - 27 * HOUR


def test_parse_cursor_is_robust():
    assert parse_cursor(None, NOW) == {"sejak": NOW, "antrean": [], "basi": None}
    assert parse_cursor("not json", NOW)["sejak"] == NOW
    assert parse_cursor("[1, 2]", NOW)["antrean"] == []
    kept = parse_cursor(json.dumps({"sejak": 5.0, "antrean": ["r"], "basi": 7.0}), NOW)
    assert kept == {"sejak": 5.0, "antrean": ["r"], "basi": 7.0}


def test_alert_records():
    slot = {"pool": "duckdb_writer", "run_id": "0123456789ab", "langkah": "p3jr_dbt_assets", "status": "FAILURE"}
    q = queue_alert(
        "abcdef123456", "p3jr_refresh", {"dagster/partition": "53.05"}, NOW - 40 * 60, NOW, 30, ["fedcba987654"], [slot]
    )
    assert q["jenis"] == JENIS_ANTREAN and q["run_id"] == "abcdef123456"
    assert q["menunggu_menit"] == 40.0 and q["batas_menit"] == 30 and q["slot_dipegang"] == [slot]
    assert "40 menit menunggu di antrean" in q["pesan"] and "fedcba98" in q["pesan"] and "53.05" in q["pesan"]
    assert "duckdb_writer: run 01234567 (FAILURE, p3jr_dbt_assets)" in q["pesan"]
    assert "queued for 40 min" in q["message"] and q["text"] == q["pesan"]
    idle = queue_alert("abcdef123456", "p3jr_refresh", {}, NOW - 40 * 60, NOW, 30, [], [])
    assert "dagster-daemon" in idle["pesan"] and "dagster-daemon" in idle["message"]

    s = stale_alert(NOW - 30 * HOUR, NOW - 30 * HOUR, NOW, 26)
    assert s["jenis"] == JENIS_BASI and s["jam_sejak"] == 30.0 and s["publikasi_terakhir"]
    assert "30 jam" in s["pesan"] and "30 h" in s["message"]
    never = stale_alert(None, NOW - 27 * HOUR, NOW, 26)
    assert never["publikasi_terakhir"] is None and "belum pernah" in never["pesan"]
    json.dumps([q, s, never])


def test_worker_alive_rejects_a_recycled_pid():
    assert worker_alive(NOW - 10, reported_at=NOW) is True
    assert worker_alive(None, reported_at=NOW) is False  # gone or a zombie
    assert worker_alive(NOW + 60, reported_at=NOW) is False  # a newer process got the pid


def test_process_start_time_of_live_dead_and_zombie_processes():
    me = process_start_time(os.getpid())
    assert me is not None and me <= time.time()
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:  # exited but not reaped yet: a zombie counts as dead
        if process_start_time(child.pid) is None:
            break
        time.sleep(0.05)
    assert process_start_time(child.pid) is None
    child.wait()
    assert process_start_time(child.pid) is None


# ------------------------------------------------------------------ sensor on a real (ephemeral) instance


@dg.asset
def nothing():
    return 1


_job = dg.define_asset_job("uji_antrean", selection=[nothing])
_defs = dg.Definitions(assets=[nothing], jobs=[_job], sensors=[watchdog.p3jr_pengawas])


def _queued_run(instance: dg.DagsterInstance) -> dg.DagsterRun:
    """A QUEUED run as the QueuedRunCoordinator stores it (queued runs carry their code location's origin)."""
    from dagster._core.remote_origin import GrpcServerCodeLocationOrigin, RemoteJobOrigin, RemoteRepositoryOrigin
    from dagster._core.test_utils import create_run_for_test

    location = GrpcServerCodeLocationOrigin(host="127.0.0.1", port=4266, location_name="p3jr")
    origin = RemoteJobOrigin(RemoteRepositoryOrigin(location, "__repository__"), "uji_antrean")
    return create_run_for_test(
        instance,
        job_name="uji_antrean",
        status=dg.DagsterRunStatus.QUEUED,
        remote_job_origin=origin,
        tags={"dagster/partition": "53.05"},
    )


def test_sensor_alerts_a_queued_run_once(tmp_path, monkeypatch):
    monkeypatch.setenv("P3JR_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("P3JR_MAX_QUEUE_MINUTES", "0.001")  # 0.06 s
    monkeypatch.delenv("P3JR_ALERT_WEBHOOK_URL", raising=False)
    with dg.instance_for_test() as instance:
        run = _queued_run(instance)
        assert instance.get_run_by_id(run.run_id).status == dg.DagsterRunStatus.QUEUED
        time.sleep(0.2)
        context = sensor_context(instance=instance, cursor=None)
        watchdog.p3jr_pengawas(context)
        alerts = [json.loads(line) for line in (tmp_path / "data" / "alerts" / "alerts.jsonl").read_text().splitlines()]
        assert [(a["jenis"], a["run_id"]) for a in alerts] == [(JENIS_ANTREAN, run.run_id)]
        assert json.loads(context.cursor)["antrean"] == [run.run_id]

        again = sensor_context(instance=instance, cursor=context.cursor)
        watchdog.p3jr_pengawas(again)  # same run still queued: no second alert
        assert len((tmp_path / "data" / "alerts" / "alerts.jsonl").read_text().splitlines()) == 1

        instance.report_run_canceled(instance.get_run_by_id(run.run_id))
        third = sensor_context(instance=instance, cursor=again.cursor)
        watchdog.p3jr_pengawas(third)
        assert json.loads(third.cursor)["antrean"] == []  # forgotten once it left the queue


def test_sensor_alerts_a_stale_publish_once(tmp_path, monkeypatch):
    monkeypatch.setenv("P3JR_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("P3JR_ALERT_WEBHOOK_URL", raising=False)
    published = load_settings().published_db
    published.parent.mkdir(parents=True)
    published.write_bytes(b"")
    old = time.time() - 30 * HOUR
    os.utime(published, (old, old))  # no materialization in this instance: the file's mtime counts
    with dg.instance_for_test() as instance:
        context = sensor_context(instance=instance, cursor=None)
        watchdog.p3jr_pengawas(context)
        watchdog.p3jr_pengawas(sensor_context(instance=instance, cursor=context.cursor))
    lines = (tmp_path / "data" / "alerts" / "alerts.jsonl").read_text().splitlines()
    assert [json.loads(line)["jenis"] for line in lines] == [JENIS_BASI]
    assert json.loads((tmp_path / "data" / "alerts" / "terakhir.json").read_text())["jam_sejak"] >= 30


# ------------------------------------------------------------------ run launcher health check


def _started_run_with_pid(instance: dg.DagsterInstance, pid: int) -> dg.DagsterRun:
    from dagster._core.events import EngineEventData

    job = _defs.resolve_job_def("uji_antrean")
    run = instance.create_run_for_job(job)
    instance.report_engine_event(f"Started process for run (pid: {pid}).", run, EngineEventData.in_process(pid))
    return run


@pytest.mark.parametrize("alive", [True, False], ids=["worker_alive", "worker_killed"])
def test_launcher_health_check_follows_the_worker_process(alive):
    launcher = P3jrRunLauncher()
    assert launcher.supports_check_run_worker_health
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        with dg.instance_for_test() as instance:
            launcher.register_instance(instance)
            run = _started_run_with_pid(instance, child.pid)
            if not alive:
                child.kill()
                child.wait()
            result = launcher.check_run_worker_health(run)
            if alive:
                assert result.status.value == "RUNNING"
            else:
                assert result.status.value == "FAILED"
                assert "kehabisan memori" in result.msg and "killed or died" in result.msg
            # no pid reported yet: not judged (start_timeout_seconds covers a worker that never starts)
            fresh = instance.create_run_for_job(_defs.resolve_job_def("uji_antrean"))
            assert launcher.check_run_worker_health(fresh).status.value == "RUNNING"
    finally:
        child.kill()
        child.wait()
