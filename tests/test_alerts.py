"""Run-failure alert: pure builder, file record, webhook (local HTTP server only), sensor end to end."""

from __future__ import annotations

import json
import queue
import socket
import threading
import time
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import dagster as dg
import pytest

from orchestration.defs.operations.alerts import p3jr_run_failure_alert
from orchestration.defs.retries import quality_failure
from orchestration.lib import alerts
from orchestration.lib.alerts import (
    build_alert,
    crash_explanation,
    post_webhook,
    unfinished_steps,
    write_alert_record,
)

WHEN = datetime(2025, 3, 1, 2, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _no_proxy(monkeypatch):
    # The webhook tests talk to 127.0.0.1 only; a proxy from the environment must not intercept.
    for var in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"):
        monkeypatch.delenv(var, raising=False)


@pytest.fixture
def webhook_server():
    """A local HTTP server on a random port; yields (url, queue of received (path, json))."""
    received: queue.Queue = queue.Queue()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802
            length = int(self.headers.get("Content-Length", "0"))
            body = self.rfile.read(length)
            received.put((self.path, self.headers.get("Content-Type"), json.loads(body)))
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(b'{"ok": true}')

        def log_message(self, *args):  # keep pytest output clean
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/hook", received
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def _closed_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# ------------------------------------------------------------------ build_alert


def test_build_alert_single_partition():
    alert = build_alert(
        run_id="abcdef12-3456",
        job_name="p3jr_harian",
        error_message="ValueError: kolom nik hilang\n  detail baris kedua",
        failed_steps=["ingestion__raw_load"],
        tags={"dagster/partition": "53.01", "dagster/schedule_name": "malam"},
        when=WHEN,
    )
    assert alert["run_id"] == "abcdef12-3456"
    assert alert["langkah_gagal"] == ["ingestion__raw_load"]
    assert alert["kesalahan"] == "ValueError: kolom nik hilang"
    assert alert["kabupaten"]["partisi"] == ["53.01"]
    assert alert["waktu"] == "2025-03-01T02:00:00+00:00"
    assert alert["pesan"].startswith("Run p3jr gagal")
    assert "langkah ingestion__raw_load — ValueError: kolom nik hilang" in alert["pesan"]
    assert "53.01" in alert["pesan"] and "53.01" in alert["message"]
    assert "baris kedua" not in alert["pesan"]
    assert alert["text"] == alert["pesan"]
    json.dumps(alert)  # serialisable


def test_build_alert_partition_range_and_none():
    ranged = build_alert(
        "r1",
        "j",
        "boom",
        ["a", "b"],
        {"dagster/asset_partition_range_start": "53.01", "dagster/asset_partition_range_end": "53.71"},
        datetime(2025, 1, 1),  # naive → treated as UTC
    )
    assert ranged["kabupaten"]["partisi_awal"] == "53.01"
    assert ranged["kabupaten"]["partisi_akhir"] == "53.71"
    assert "53.01 s.d. 53.71" in ranged["pesan"]
    assert "a, b" in ranged["pesan"]
    assert ranged["waktu"].endswith("+00:00")

    none = build_alert("r2", "j", "", [], {}, WHEN)
    assert "partisi" not in none["kabupaten"]
    assert none["kesalahan"] == "(tanpa pesan kesalahan)"
    assert none["langkah_gagal"] == []


# ------------------------------------------------------------------ write_alert_record


def test_write_alert_record_appends_and_replaces(tmp_path: Path):
    d = tmp_path / "alerts"
    first = build_alert("run-1", "j", "e1", ["s1"], {}, WHEN)
    second = build_alert("run-2", "j", "e2", ["s2"], {}, WHEN)
    path = write_alert_record(first, d)
    write_alert_record(second, d)
    assert path == d / "alerts.jsonl"
    lines = path.read_text(encoding="utf-8").splitlines()
    assert [json.loads(line)["run_id"] for line in lines] == ["run-1", "run-2"]
    latest = json.loads((d / "terakhir.json").read_text(encoding="utf-8"))
    assert latest["run_id"] == "run-2"
    assert sorted(p.name for p in d.iterdir()) == ["alerts.jsonl", "terakhir.json"]  # no temp left


# ------------------------------------------------------------------ post_webhook


def test_post_webhook_delivers_json(webhook_server):
    url, received = webhook_server
    alert = build_alert("run-9", "j", "boom — ünïcode", ["step_x"], {"dagster/partition": "53.10"}, WHEN)
    assert post_webhook(url, alert, timeout=5) is True
    path, ctype, body = received.get(timeout=5)
    assert path == "/hook"
    assert ctype.startswith("application/json")
    assert body == json.loads(json.dumps(alert))


def test_post_webhook_closed_port_returns_false_quickly():
    url = f"http://127.0.0.1:{_closed_port()}/hook"
    start = time.monotonic()
    assert post_webhook(url, {"x": 1}, timeout=2) is False
    assert time.monotonic() - start < 4


def test_post_webhook_non_2xx_returns_false():
    class NotFound(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802
            self.rfile.read(int(self.headers.get("Content-Length", "0")))
            self.send_response(500)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), NotFound)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)
    thread.start()
    try:
        assert post_webhook(f"http://127.0.0.1:{server.server_address[1]}/", {"x": 1}, timeout=3) is False
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@pytest.mark.parametrize(
    "url", ["file:///etc/passwd", "ftp://127.0.0.1/x", "127.0.0.1:80/x", "", "http://", "javascript:alert(1)"]
)
def test_post_webhook_rejects_non_http(url, monkeypatch):
    def _fail(*a, **k):
        raise AssertionError("urlopen must not be called")

    monkeypatch.setattr(alerts.urllib.request, "urlopen", _fail)
    assert post_webhook(url, {"x": 1}) is False


# ------------------------------------------------------------------ retry rules


def test_quality_failure_is_not_retried_even_with_retry_policy(tmp_path: Path, monkeypatch):
    monkeypatch.setenv("P3JR_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("P3JR_ALERT_WEBHOOK_URL", raising=False)
    attempts = {"quality": 0}

    @dg.asset(retry_policy=dg.RetryPolicy(max_retries=3))
    def quality_gate():
        attempts["quality"] += 1
        raise quality_failure("gate ditahan: 53.01", {"kabupaten": "53.01"})

    instance = dg.DagsterInstance.ephemeral()
    result = dg.materialize([quality_gate], raise_on_error=False, instance=instance)
    assert not result.success
    assert attempts["quality"] == 1

    # the alert carries the Failure description, not Dagster's wrapper text
    p3jr_run_failure_alert(
        dg.build_run_status_sensor_context(
            sensor_name="p3jr_run_failure_alert",
            dagster_instance=instance,
            dagster_run=result.dagster_run,
            dagster_event=result.get_run_failure_event(),
        )
    )
    latest = json.loads((tmp_path / "alerts" / "terakhir.json").read_text(encoding="utf-8"))
    assert latest["langkah_gagal"] == ["quality_gate"]
    assert latest["kesalahan"] == "Failure: gate ditahan: 53.01"


# ------------------------------------------------------------------ sensor end to end


@dg.asset
def sumber_ok():
    return 1


@dg.asset(deps=[sumber_ok])
def muat_gagal():
    raise RuntimeError("berkas 53.01/data.xlsx tidak terbaca\nbaris kedua tidak dikirim")


_failing_job = dg.define_asset_job("uji_gagal", selection=[sumber_ok, muat_gagal])
_defs = dg.Definitions(assets=[sumber_ok, muat_gagal], jobs=[_failing_job], sensors=[p3jr_run_failure_alert])


def test_sensor_definition():
    assert p3jr_run_failure_alert.name == "p3jr_run_failure_alert"
    assert p3jr_run_failure_alert.default_status == dg.DefaultSensorStatus.RUNNING
    _defs.get_repository_def()  # loads inside a Definitions together with jobs


def test_sensor_end_to_end(tmp_path: Path, monkeypatch, webhook_server):
    url, received = webhook_server
    monkeypatch.setenv("P3JR_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("P3JR_ALERT_WEBHOOK_URL", url)

    instance = dg.DagsterInstance.ephemeral()
    result = _defs.resolve_job_def("uji_gagal").execute_in_process(
        raise_on_error=False, instance=instance, tags={"dagster/partition": "53.01"}
    )
    assert not result.success

    context = dg.build_run_status_sensor_context(
        sensor_name="p3jr_run_failure_alert",
        dagster_instance=instance,
        dagster_run=result.dagster_run,
        dagster_event=result.get_run_failure_event(),
    )
    p3jr_run_failure_alert(context)

    alerts_dir = tmp_path / "data" / "alerts"
    latest = json.loads((alerts_dir / "terakhir.json").read_text(encoding="utf-8"))
    assert latest["run_id"] == result.run_id
    assert latest["job_name"] == "uji_gagal"
    assert latest["langkah_gagal"] == ["muat_gagal"]
    assert latest["proses_mati"] is False
    assert latest["kesalahan"] == "RuntimeError: berkas 53.01/data.xlsx tidak terbaca"
    assert latest["kabupaten"]["partisi"] == ["53.01"]
    assert len((alerts_dir / "alerts.jsonl").read_text(encoding="utf-8").splitlines()) == 1

    _, _, body = received.get(timeout=5)
    assert body["run_id"] == result.run_id
    assert "muat_gagal" in body["pesan"] and "muat_gagal" in body["text"]
    assert "tidak terbaca" in body["pesan"]


def test_sensor_without_webhook_and_unreachable_webhook(tmp_path: Path, monkeypatch):
    monkeypatch.setenv("P3JR_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("P3JR_ALERT_WEBHOOK_URL", f"http://127.0.0.1:{_closed_port()}/")
    instance = dg.DagsterInstance.ephemeral()
    result = _defs.resolve_job_def("uji_gagal").execute_in_process(raise_on_error=False, instance=instance)
    context = dg.build_run_status_sensor_context(
        sensor_name="p3jr_run_failure_alert",
        dagster_instance=instance,
        dagster_run=result.dagster_run,
        dagster_event=result.get_run_failure_event(),
    )
    p3jr_run_failure_alert(context)  # must not raise although the webhook is down
    latest = json.loads((tmp_path / "data" / "alerts" / "terakhir.json").read_text(encoding="utf-8"))
    assert latest["kabupaten"]["teks"] == "semua kabupaten / tanpa partisi"

    monkeypatch.delenv("P3JR_ALERT_WEBHOOK_URL")
    p3jr_run_failure_alert(context)
    lines = (tmp_path / "data" / "alerts" / "alerts.jsonl").read_text(encoding="utf-8").splitlines()
    assert len(lines) == 2


# ------------------------------------------------------------------ killed runs


def test_unfinished_steps_and_crash_explanation():
    events = [
        ("a", "STEP_START"),
        ("a", "STEP_SUCCESS"),
        ("b", "STEP_START"),
        (None, "ENGINE_EVENT"),
        ("c", "STEP_START"),
        ("c", "STEP_SKIPPED"),
        ("d", "STEP_START"),
        ("d", "STEP_UP_FOR_RETRY"),
    ]
    assert unfinished_steps(events) == ["b", "d"]
    assert unfinished_steps([("x", "STEP_START"), ("x", "STEP_FAILURE")]) == []
    assert unfinished_steps([]) == []
    assert (
        crash_explanation(
            [
                "Started process for run (pid: 7).",
                None,
                "Run execution process for abc was terminated by signal 9 (SIGKILL).\nmore",
            ]
        )
        == "Run execution process for abc was terminated by signal 9 (SIGKILL)."
    )
    monitoring = "Detected run worker status FAILED: 'gone'. Marking run r as failed."
    assert crash_explanation([monitoring]) == monitoring
    assert crash_explanation(["Execution of step failed.", "This run has been marked as failed"]) == ""


def test_build_alert_killed_process():
    crash = "Run execution process for abcdef12 was terminated by signal 9"
    alert = build_alert(
        "abcdef12-3456",
        "p3jr_refresh",
        crash,
        ["p3jr_dbt_assets"],
        {"dagster/partition": "53.01"},
        WHEN,
        proses_mati=True,
    )
    assert alert["proses_mati"] is True
    assert alert["langkah_gagal"] == ["p3jr_dbt_assets"]
    assert (
        "proses run dihentikan/mati (kemungkinan kehabisan memori, atau code location dimulai ulang) saat "
        "langkah p3jr_dbt_assets berjalan" in alert["pesan"]
    )
    assert (
        "the run process was killed or died (probably out of memory, or a restart of the code location) "
        "while step(s) p3jr_dbt_assets was running" in alert["message"]
    )
    assert "signal 9" in alert["kesalahan"] and alert["text"] == alert["pesan"]
    assert build_alert("r", "j", "e", ["s"], {}, WHEN)["proses_mati"] is False


def _killed_run(instance: dg.DagsterInstance, *, started: list[str], finished: list[str], failure_message: str | None):
    """A run as a SIGKILL leaves it: steps started (some never ended), then marked failed from outside."""
    from dagster._core.events import EngineEventData
    from dagster._core.execution.plan.objects import StepSuccessData

    run = instance.create_run_for_job(_defs.resolve_job_def("uji_gagal"), tags={"dagster/partition": "53.01"})
    instance.report_engine_event("Started process for run (pid: 4242).", run, EngineEventData.in_process(4242))
    for key in started:
        instance.report_dagster_event(
            dg.DagsterEvent(dg.DagsterEventType.STEP_START.value, run.job_name, step_key=key), run_id=run.run_id
        )
        if key in finished:
            instance.report_dagster_event(
                dg.DagsterEvent(
                    dg.DagsterEventType.STEP_SUCCESS.value,
                    run.job_name,
                    step_key=key,
                    event_specific_data=StepSuccessData(duration_ms=1.0),
                ),
                run_id=run.run_id,
            )
    if failure_message is None:  # the gRPC server saw the worker die: an engine event, then a bare failure
        instance.report_engine_event(
            f"Run execution process for {run.run_id} was terminated by signal 9 (SIGKILL).", run
        )
        instance.report_run_failed(run)
    else:  # run monitoring
        instance.report_run_failed(run, failure_message)
    [failure] = instance.all_logs(run.run_id, of_type=dg.DagsterEventType.RUN_FAILURE)
    return instance.get_run_by_id(run.run_id), failure.dagster_event


@pytest.mark.parametrize(
    "failure_message",
    [None, "Detected run worker status FAILED: 'pid 4242 is gone'. Marking run x as failed."],
    ids=["worker_killed", "run_monitoring"],
)
def test_sensor_names_the_running_step_of_a_killed_run(tmp_path: Path, monkeypatch, webhook_server, failure_message):
    url, received = webhook_server
    monkeypatch.setenv("P3JR_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("P3JR_ALERT_WEBHOOK_URL", url)
    instance = dg.DagsterInstance.ephemeral()
    run, failure = _killed_run(
        instance, started=["sumber_ok", "muat_gagal"], finished=["sumber_ok"], failure_message=failure_message
    )
    assert run.status == dg.DagsterRunStatus.FAILURE
    p3jr_run_failure_alert(
        dg.build_run_status_sensor_context(
            sensor_name="p3jr_run_failure_alert", dagster_instance=instance, dagster_run=run, dagster_event=failure
        )
    )

    latest = json.loads((tmp_path / "data" / "alerts" / "terakhir.json").read_text(encoding="utf-8"))
    assert latest["proses_mati"] is True
    assert latest["langkah_gagal"] == ["muat_gagal"]  # started, never ended; not the finished one
    assert "dihentikan/mati" in latest["pesan"] and "muat_gagal" in latest["pesan"]
    assert "killed or died" in latest["message"]
    expected = "terminated by signal 9" if failure_message is None else "Detected run worker status FAILED"
    assert expected in latest["kesalahan"]
    _, _, body = received.get(timeout=5)
    assert body["proses_mati"] is True and body["run_id"] == run.run_id


def test_sensor_run_failed_before_any_step_is_not_a_killed_process(tmp_path: Path, monkeypatch):
    monkeypatch.setenv("P3JR_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("P3JR_ALERT_WEBHOOK_URL", raising=False)
    instance = dg.DagsterInstance.ephemeral()
    run, failure = _killed_run(
        instance,
        started=[],
        finished=[],
        failure_message="Run timed out due to taking longer than 300 seconds to start.",
    )
    p3jr_run_failure_alert(
        dg.build_run_status_sensor_context(
            sensor_name="p3jr_run_failure_alert", dagster_instance=instance, dagster_run=run, dagster_event=failure
        )
    )
    latest = json.loads((tmp_path / "data" / "alerts" / "terakhir.json").read_text(encoding="utf-8"))
    assert latest["proses_mati"] is False and latest["langkah_gagal"] == []
    assert "300 seconds to start" in latest["kesalahan"]


def test_sensor_run_ended_by_max_runtime_is_not_a_killed_process(tmp_path: Path, monkeypatch):
    """Run monitoring cancels a run past max_runtime_seconds: the alert names the step, says why, and
    does not claim the process died."""
    monkeypatch.setenv("P3JR_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("P3JR_ALERT_WEBHOOK_URL", raising=False)
    instance = dg.DagsterInstance.ephemeral()
    run = instance.create_run_for_job(_defs.resolve_job_def("uji_gagal"))
    instance.report_dagster_event(
        dg.DagsterEvent(dg.DagsterEventType.STEP_START.value, run.job_name, step_key="muat_gagal"), run_id=run.run_id
    )
    instance.report_run_canceling(run, message="Canceling due to exceeding maximum runtime of 14400 seconds.")
    instance.report_run_failed(instance.get_run_by_id(run.run_id), "Exceeded maximum runtime of 14400 seconds.")
    [failure] = instance.all_logs(run.run_id, of_type=dg.DagsterEventType.RUN_FAILURE)
    p3jr_run_failure_alert(
        dg.build_run_status_sensor_context(
            sensor_name="p3jr_run_failure_alert",
            dagster_instance=instance,
            dagster_run=instance.get_run_by_id(run.run_id),
            dagster_event=failure.dagster_event,
        )
    )
    latest = json.loads((tmp_path / "data" / "alerts" / "terakhir.json").read_text(encoding="utf-8"))
    assert latest["proses_mati"] is False
    assert latest["langkah_gagal"] == ["muat_gagal"]
    assert "maximum runtime of 14400 seconds" in latest["kesalahan"]
