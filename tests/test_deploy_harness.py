"""The production deployment, for real: Postgres instance, code location + daemon + webserver as
processes, runs through the queue, the landing sensor, the nightly schedule, the failure alert, the
watchdog, and crash recovery (a killed run worker, a killed code location). Never skipped.

Setup as deploy/README.md: DAGSTER_HOME = <data>/dagster holding a copy of deploy/dagster.yaml (only
the run-monitoring timings are shortened: deploy_harness.TEST_TIMINGS), deploy/workspace.yaml with a
free port, the three commands of deploy/systemd. One deployment for the whole module.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import dagster as dg
import psutil
import pytest
from deploy_harness import Deployment, Webhook, descendants, is_dbt, running, wait_for

from orchestration.defs.operations import jobs
from orchestration.instance import queue as run_queue
from orchestration.instance.launcher import worker_pid
from orchestration.lib.runs import ALL_DISTRICTS_TAGS, FORCE_TAG
from orchestration.lib.watchdog import JENIS_ANTREAN

pytestmark = pytest.mark.slow  # long end to end: scheduled first (tests/conftest.py)

LANDING_SENSOR = "landing_files_sensor"
DBT_STEP = "p3jr_dbt_assets"
# Bounds asserted (seconds): the test timings are 5 s for the monitoring poll and for freeing slots.
KILL_TO_FAILED = 60  # killed worker → run FAILURE
KILL_TO_SLOT_FREED = 60  # killed worker → its duckdb_writer slot released
KILL_TO_NEXT_SUCCESS = 180  # killed worker → the run queued behind it succeeded
DBT_ORPHAN_GRACE = 10  # a dbt child must be gone this long after its parent was killed

TIMES: dict[str, float] = {}
PENDING: dict[str, tuple[str, float]] = {}  # a run submitted by one test for the next one (saves a wait)


@pytest.fixture(scope="module")
def webhook():
    hook = Webhook()
    yield hook
    hook.close()


@pytest.fixture(scope="module")
def crashes() -> dict:
    return {}


@pytest.fixture(scope="module")
def deployment(postgres_server, small_landing, tmp_path_factory, webhook, request):
    failed_before = request.session.testsfailed
    started = time.monotonic()
    dep = Deployment(
        tmp_path_factory.mktemp("deploy"),
        postgres_server,
        "p3jr_deploy_harness",
        small_landing,
        webhook.url,
        extra_env={"P3JR_MAX_QUEUE_MINUTES": "0.05"},
    )  # watchdog: 3 s in the queue (the killed run must still be in dbt when the alert has come)
    mp = pytest.MonkeyPatch()
    for key, value in postgres_server.dagster_env(dep.dbname).items():  # for dep.instance() in this process
        mp.setenv(key, value)
    mp.setenv("NO_PROXY", "127.0.0.1,localhost")
    mp.setenv("no_proxy", "127.0.0.1,localhost")
    try:
        dep.code_location()
        dep.webserver()
        dep.wait("code location serving gRPC", dep.grpc_serving, 240, interval=1)
        dep.wait("webserver /server_info", dep.server_info, 180, interval=1)
        dep.wait("code location loaded in the webserver", dep.location_loaded, 120, interval=1)
        # On a fresh deployment the landing sensor's first tick would queue a full-range run of its own
        # (the registry is empty), racing the runs this module submits. Stop it before the daemon's
        # first tick; test_landing_sensor_runs_only_the_changed_district starts it.
        assert dep.stop_sensor(LANDING_SENSOR) == "STOPPED"
        dep.daemon()
        dep.wait("all required daemons healthy", dep.daemons_healthy, 120, interval=1)
        TIMES["startup"] = time.monotonic() - started
        yield dep
    finally:
        dep.stop_all()
        mp.undo()
        timings = json.dumps({k: round(v, 1) for k, v in TIMES.items()})
        (dep.root / "timings.json").write_text(timings)
        reporter = request.config.pluginmanager.get_plugin("terminalreporter")
        capture = request.config.pluginmanager.get_plugin("capturemanager")
        if reporter is not None and capture is not None:
            with capture.global_and_fixture_disabled():
                reporter.write_line(f"\ndeploy harness timings (s): {timings}")
                if request.session.testsfailed > failed_before:
                    reporter.write_line(dep.diagnostics(6000))


def submit(dep: Deployment, districts: list[str] | None, **tags: str) -> str:
    run_id = run_queue.submit_refresh(districts, port=dep.web_port, tags=tags or None)
    assert len(run_id.split()) == 1
    return run_id


def wait_alert(dep: Deployment, timeout: float, **match) -> dict:
    return dep.wait(f"alert {match}", lambda: (dep.alerts(**match) or [None])[-1], timeout, interval=1)


def dbt_under(dep: Deployment, run_id: str, timeout: float = 240) -> tuple[psutil.Process, list[psutil.Process]]:
    """The run's worker process (a child of the code location) and its `dbt build` child, once dbt runs."""
    pid, _ = dep.wait(f"worker pid of run {run_id[:8]}", lambda: worker_pid(dep.instance(), run_id), 120, interval=1)
    worker = psutil.Process(pid)
    assert pid in {p.pid for p in descendants(dep.services["code"].pid)}, "the worker is a process of the code location"

    def dbt_running():
        assert dep.status(run_id) == "STARTED", f"run {run_id[:8]} ended ({dep.status(run_id)}) before dbt started"
        return [p for p in descendants(pid) if is_dbt(p)]

    dbt = dep.wait(f"dbt build under the worker of {run_id[:8]}", dbt_running, timeout, interval=0.25)
    time.sleep(2)  # well inside `dbt build` (it takes 15-50 s here)
    assert dep.status(run_id) == "STARTED"
    return worker, [p for p in descendants(pid) if is_dbt(p)] or dbt


def assert_killed_alert(dep: Deployment, webhook: Webhook, run_id: str) -> dict:
    alert = wait_alert(dep, 120, jenis="run_gagal", run_id=run_id)
    assert alert["proses_mati"] is True, alert
    assert alert["langkah_gagal"] == [DBT_STEP], alert
    assert "dihentikan/mati" in alert["pesan"] and "kehabisan memori" in alert["pesan"] and DBT_STEP in alert["pesan"]
    assert "killed or died" in alert["message"] and "out of memory" in alert["message"] and DBT_STEP in alert["message"]
    dep.wait("the killed run's alert at the webhook", lambda: webhook.find(jenis="run_gagal", run_id=run_id), 30)
    return alert


# ---------------------------------------------------------------------------------------------


def test_failed_run_alert_reaches_webhook_and_file(deployment, webhook):
    """A real failure (landing folder gone → the landing guard stops the run) → the failure sensor,
    evaluated by the daemon, POSTs the alert and writes <data>/alerts/terakhir.json."""
    dep = deployment
    away = dep.landing.with_name("landing.weg")
    dep.landing.rename(away)
    try:
        run_id = submit(dep, None)
        assert dep.wait_status(run_id, {"SUCCESS", "FAILURE"}, 240) == "FAILURE"
    finally:
        away.rename(dep.landing)
    # the next test's run goes into the queue while this one waits for the sensor (30 s interval)
    PENDING["full_range"] = (submit(dep, None), time.monotonic())
    [posted] = dep.wait("the failure alert at the webhook", lambda: webhook.find(run_id=run_id, jenis="run_gagal"), 120)
    assert posted["langkah_gagal"] == ["ingest_district_files"]
    assert posted["proses_mati"] is False
    assert "folder kiriman tidak ada" in posted["kesalahan"]
    assert posted["text"] == posted["pesan"] and "53.01 s.d. 53.71" in posted["pesan"]
    latest = json.loads((dep.alerts_dir / "terakhir.json").read_text(encoding="utf-8"))
    assert latest["run_id"] == run_id and latest["jenis"] == "run_gagal"
    assert dep.alerts(jenis="run_gagal", run_id=run_id)  # appended to alerts.jsonl


def test_full_range_run_through_the_queue(deployment):
    """`p3jr_refresh` over all 22 districts, submitted via the webserver's GraphQL into the queue,
    launched by the daemon, succeeds; its run and events are rows in Postgres; the DuckDB is published."""
    dep = deployment
    run_id, started = PENDING.pop("full_range", None) or (submit(dep, None), time.monotonic())
    run = dep.run(run_id)
    assert run.job_name == jobs.REFRESH_JOB == run_queue.REFRESH_JOB
    for key, value in ALL_DISTRICTS_TAGS.items():
        assert run.tags[key] == value
    assert dep.wait_status(run_id, {"SUCCESS", "FAILURE"}, 360) == "SUCCESS"
    TIMES["full_range_run"] = time.monotonic() - started

    assert dep.sql("SELECT status FROM runs WHERE run_id = %s", (run_id,)) == [("SUCCESS",)]
    kinds = dict(
        dep.sql(
            "SELECT dagster_event_type, count(*) FROM event_logs WHERE run_id = %s GROUP BY dagster_event_type",
            (run_id,),
        )
    )
    for kind in ("RUN_ENQUEUED", "RUN_STARTING", "RUN_START", "RUN_SUCCESS", "STEP_SUCCESS", "ASSET_MATERIALIZATION"):
        stored = dg.DagsterEventType[kind].value  # the stored names of run events are the old PIPELINE_* ones
        assert kinds.get(stored, 0) > 0, (kind, kinds)  # ENQUEUED, then STARTING: dequeued and launched by the daemon
    assert dep.sql(
        "SELECT count(*) FROM event_logs WHERE run_id = %s AND step_key = %s AND dagster_event_type = 'STEP_SUCCESS'",
        (run_id, DBT_STEP),
    ) == [(1,)]

    import duckdb

    published = dep.data / "published" / "p3jr.duckdb"
    con = duckdb.connect(str(published), read_only=True)
    try:
        assert con.execute("SELECT count(*) FROM marts.backlog_kabupaten").fetchone()[0] > 0
    finally:
        con.close()


def test_nightly_schedule_is_running(deployment):
    """Read from the running deployment (GraphQL over the instance's schedule state), not from Python."""
    schedule = deployment.schedule("p3jr_nightly")
    assert schedule["__typename"] == "Schedule", schedule
    assert schedule["cronSchedule"] == "0 1 * * *"
    assert schedule["executionTimezone"] == "Asia/Makassar"
    assert schedule["scheduleState"]["status"] == "RUNNING"


def test_killed_run_worker_frees_its_slot_and_the_queue_moves_on(deployment, webhook, crashes):
    """(i) SIGKILL of the run worker during dbt: the run ends FAILED, its duckdb_writer slot is freed
    and the run queued behind it succeeds within KILL_TO_NEXT_SUCCESS s. Before the kill the watchdog
    alerted the run waiting in the queue (P3JR_MAX_QUEUE_MINUTES=0.05 here), once, naming the slot holder."""
    dep = deployment
    # forced over all 22 districts: dbt really runs, and long enough to be killed after the queue alert
    killed = submit(dep, None, **{FORCE_TAG: "ya"})
    dep.wait_status(killed, {"STARTED"}, 180)
    queued = submit(dep, ["53.01"])
    worker, _ = dbt_under(dep, killed)
    assert dep.status(queued) == "QUEUED"
    # the watchdog sees the run waiting behind the running one, and says who holds the slot
    queue_alert = wait_alert(dep, 45, jenis=JENIS_ANTREAN, run_id=queued)
    assert "menunggu di antrean" in queue_alert["pesan"] and queue_alert["menunggu_menit"] >= 0.05
    assert killed in queue_alert["run_berjalan"]
    assert killed in {slot["run_id"] for slot in queue_alert["slot_dipegang"]}
    dbt = [p for p in descendants(worker.pid) if is_dbt(p)]
    assert dbt and dep.status(killed) == "STARTED", "dbt must still be running at the kill"
    assert (killed, DBT_STEP) in dep.slot_holders()

    os.kill(worker.pid, signal.SIGKILL)
    t_kill = time.monotonic()
    # (iii) recorded here, asserted in test_no_dbt_process_survives_its_killed_parent
    deadline = time.monotonic() + DBT_ORPHAN_GRACE
    while any(running(p) for p in dbt) and time.monotonic() < deadline:
        time.sleep(0.25)
    survivors = [f"pid {p.pid}" for p in dbt if running(p)]
    crashes["worker_kill_dbt_survivors"] = survivors
    for p in dbt:  # an orphan would hold the DuckDB file and fail the next run: end it here
        if running(p):
            p.kill()

    assert dep.wait_status(killed, {"FAILURE", "SUCCESS", "CANCELED"}, KILL_TO_FAILED) == "FAILURE"
    TIMES["worker_kill_to_failed"] = time.monotonic() - t_kill
    dep.wait("the killed run's slot freed", lambda: killed not in dict(dep.slot_holders()), KILL_TO_SLOT_FREED)
    TIMES["worker_kill_to_slot_freed"] = time.monotonic() - t_kill
    assert dep.wait_status(queued, {"SUCCESS", "FAILURE", "CANCELED"}, KILL_TO_NEXT_SUCCESS) == "SUCCESS"
    TIMES["worker_kill_to_next_success"] = elapsed = time.monotonic() - t_kill
    assert elapsed < KILL_TO_NEXT_SUCCESS

    crashes["killed_runs"] = [killed]  # their alerts: test_killed_run_alerts_say_so_and_name_the_step
    assert len(dep.alerts(jenis=JENIS_ANTREAN, run_id=queued)) == 1  # once per run
    assert webhook.find(jenis=JENIS_ANTREAN, run_id=queued)


def test_killed_code_location_run_monitoring_fails_the_run(deployment, webhook, crashes):
    """(ii) SIGKILL of the code location during dbt together with the rest of its process group (the
    unit's cgroup: what systemd-oomd or `systemctl kill -s KILL` do; a plain SIGTERM would let the run
    worker report its own failure), then a restart (systemd: Restart=on-failure). Nobody is left to
    report the run: run monitoring finds its worker gone and marks it failed, and its slot is freed.
    The restarted code location serves the next test's sensor run."""
    dep = deployment
    killed = submit(dep, None, **{FORCE_TAG: "ya"})
    dep.wait_status(killed, {"STARTED"}, 180)
    dbt_under(dep, killed)
    code = dep.services["code"]
    group = [psutil.Process(code.pid), *descendants(code.pid)]

    os.kill(code.pid, signal.SIGKILL)
    t_kill = time.monotonic()
    code.kill_group(signal.SIGKILL)
    code.proc.wait(timeout=10)
    wait_for(
        "every process of the code location's group gone", lambda: not any(running(p) for p in group), 10, interval=0.2
    )
    dep.code_location()  # systemd restarts it (RestartSec=10); the test does not wait that long
    dep.wait("restarted code location serving gRPC", dep.grpc_serving, 240, interval=1)
    dep.graphql().reload_repository_location("p3jr")
    dep.wait("restarted code location loaded in the webserver", dep.location_loaded, 120, interval=1)
    TIMES["code_kill_to_restarted"] = time.monotonic() - t_kill

    assert dep.wait_status(killed, {"FAILURE", "SUCCESS", "CANCELED"}, KILL_TO_FAILED) == "FAILURE"
    TIMES["code_kill_to_failed"] = time.monotonic() - t_kill
    [failure] = dep.instance().all_logs(killed, of_type=dg.DagsterEventType.RUN_FAILURE)
    assert "Detected run worker status FAILED" in failure.message  # run monitoring, not the dead server
    dep.wait("the killed run's slot freed", lambda: killed not in dict(dep.slot_holders()), KILL_TO_SLOT_FREED)
    TIMES["code_kill_to_slot_freed"] = time.monotonic() - t_kill
    crashes.setdefault("killed_runs", []).append(killed)


def test_landing_sensor_runs_only_the_changed_district(deployment):
    """A new file in one district's folder → the landing sensor (started now; its first tick compares
    the landing zone with the registry) launches one run, for that district only, which succeeds.
    Runs after the crash tests: the sensor and the run are served by the restarted code location, on
    the warehouse the killed runs left behind."""
    dep = deployment
    kode = "53.01"
    source = sorted((dep.landing / kode).glob("Pendataan_RT_*.csv"))[0]
    lines = source.read_text(encoding="utf-8").splitlines(keepends=True)
    (dep.landing / kode / "Pendataan_RT_koreksi_susulan.csv").write_text("".join(lines[:4]), encoding="utf-8")
    started = time.monotonic()
    assert dep.start_sensor(LANDING_SENSOR) == "RUNNING"

    def sensor_runs():
        return dep.instance().get_runs(dg.RunsFilter(tags={"dagster/sensor_name": LANDING_SENSOR}))

    [run] = dep.wait("a run from the landing sensor", sensor_runs, 150, interval=1)
    assert run.tags["dagster/partition"] == kode
    assert run.tags["p3jr/pemicu"] == "landing_sensor"
    assert dep.wait_status(run.run_id, {"SUCCESS", "FAILURE"}, 300) == "SUCCESS"
    TIMES["landing_sensor_run"] = time.monotonic() - started
    assert [r.run_id for r in sensor_runs()] == [run.run_id]  # no run for any other district


def test_killed_run_alerts_say_so_and_name_the_step(deployment, webhook, crashes):
    """(iv) The failure alert of each killed run (worker killed; code location killed) says that the
    run process was killed or died and names the step that was running (checked last: the failure
    sensor's 30 s interval has passed long ago)."""
    assert len(crashes.get("killed_runs", [])) == 2, "the crash tests did not get as far as both kills"
    for run_id in crashes["killed_runs"]:
        assert_killed_alert(deployment, webhook, run_id)


def test_no_dbt_process_survives_its_killed_parent(crashes):
    """(iii) When the run worker is SIGKILLed, its `dbt build` child must die with it (the `p3jr-dbt`
    wrapper, orchestration/lib/dbt_child.py); an orphan would keep writing the warehouse."""
    assert "worker_kill_dbt_survivors" in crashes, "the worker-kill test did not get as far as the kill"
    assert crashes["worker_kill_dbt_survivors"] == [], (
        f"dbt outlived its killed run worker by {DBT_ORPHAN_GRACE} s: {crashes['worker_kill_dbt_survivors']}"
    )


def test_run_queue_module_loads_no_code_location():
    """`p3jr antrekan` imports orchestration.instance.queue: no definitions, no dbt manifest, no dagster."""
    code = (
        "import sys, orchestration.instance.queue; "
        "bad = [m for m in sys.modules if m.startswith(('orchestration.defs', 'dagster'))]; print(bad)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        cwd=Path(__file__).resolve().parent.parent,
    )
    assert out.stdout.strip() == "[]"


def test_run_queue_one_run_per_district(monkeypatch):
    submitted = []

    class FakeClient:
        def submit_job_execution(self, job_name, repository_location_name=None, tags=None):
            submitted.append((job_name, repository_location_name, tags))
            return f"run-{len(submitted)}"

    monkeypatch.setattr(run_queue, "_client", lambda host, port: FakeClient())
    assert run_queue.submit_refresh(["53.01", "53.05", "53.01"], tags={"x": "1"}) == "run-1 run-2"
    assert submitted == [
        ("p3jr_refresh", "p3jr", {"p3jr/pemicu": "antrean", "x": "1", "dagster/partition": "53.01"}),
        ("p3jr_refresh", "p3jr", {"p3jr/pemicu": "antrean", "x": "1", "dagster/partition": "53.05"}),
    ]
    submitted.clear()
    assert run_queue.submit_refresh([]) == "run-1"
    assert submitted[0][2] == {"p3jr/pemicu": "antrean", **ALL_DISTRICTS_TAGS}
