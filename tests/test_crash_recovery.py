"""A `p3jr run` killed with SIGKILL at each step never stalls the next run, never leaves rows
unreleased and never leaves the reports stale.

One data directory, one sequence: each run is killed at a later point than the one before, the next
run must find the dead run, mark it failed, free its pool slot, say so, and go on; the last run
completes, and its marts equal those of an uninterrupted run on the same files.
"""

from __future__ import annotations

import shutil
import signal
import subprocess
import time
from pathlib import Path

import duckdb
import psutil
import pytest
from conftest import BIN, ROOT, cli_env

pytestmark = pytest.mark.slow

STEP_TIMEOUT = 400


def _instance(data: Path):
    import dagster as dg

    return dg.DagsterInstance.from_config(str(data / "dagster"))


def _start(landing: Path, data: Path, *extra: str) -> subprocess.Popen:
    env = cli_env()  # cold: the kills below are of the run's own process
    log = data.parent / f"run_{time.monotonic_ns()}.log"
    with open(log, "w") as fh:
        proc = subprocess.Popen(
            [str(BIN / "p3jr"), "run", "--landing", str(landing), "--data-dir", str(data), *extra],
            cwd=ROOT,
            env=env,
            stdout=fh,
            stderr=subprocess.STDOUT,
            text=True,
        )
    proc.log = log
    return proc


def _output(proc: subprocess.Popen) -> str:
    return proc.log.read_text(errors="replace")


def _run_of(instance, proc: subprocess.Popen):
    for run in instance.get_runs(limit=5):
        if run.tags.get("p3jr/proses", "").startswith(f"{proc.pid}:"):
            return run
    return None


def _kill_at(
    proc: subprocess.Popen, data: Path, step: str, *, after_success: bool = False, delay: float = 0.5
) -> tuple[str, list[int]]:
    """SIGKILL the CLI process once `step` has started (or succeeded); returns the run id and the pids
    of its children at the moment of the kill."""
    from dagster import DagsterEventType

    kind = DagsterEventType.STEP_SUCCESS if after_success else DagsterEventType.STEP_START
    deadline = time.monotonic() + STEP_TIMEOUT
    instance = None
    while time.monotonic() < deadline:
        assert proc.poll() is None, f"the run ended before {step}:\n{_output(proc)[-3000:]}"
        instance = instance or _instance(data)
        run = _run_of(instance, proc)
        if run and any(e.step_key == step for e in instance.all_logs(run.run_id, of_type=kind)):
            time.sleep(delay)
            children = [c.pid for c in psutil.Process(proc.pid).children(recursive=True)]
            proc.send_signal(signal.SIGKILL)
            proc.wait(30)
            return run.run_id, children
        time.sleep(0.2)
    proc.kill()
    raise AssertionError(f"step {step} never started:\n{_output(proc)[-3000:]}")


def _marts(db: Path) -> dict[str, list]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        out = {}
        for (table,) in con.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'marts' ORDER BY 1"
        ).fetchall():
            cols = [
                c
                for (c, t) in con.execute(
                    "SELECT column_name, data_type FROM information_schema.columns WHERE table_schema = 'marts' "
                    "AND table_name = ? ORDER BY ordinal_position",
                    [table],
                ).fetchall()
                if "TIMESTAMP" not in t and not c.endswith("_pada")
            ]  # release/publish times differ by run
            out[table] = con.execute(f"SELECT {', '.join(cols)} FROM marts.{table} ORDER BY ALL").fetchall()
        return out
    finally:
        con.close()


def test_killed_runs_recover_and_finish_the_work(small_run, tmp_path):
    landing = tmp_path / "landing"
    shutil.copytree(small_run["landing"], landing)
    data = tmp_path / "data"
    # The test reads the run's events while it runs: create the SQLite instance first, so the two
    # processes never initialise its schema at the same moment.
    (data / "dagster").mkdir(parents=True)
    shutil.copy(ROOT / "dagster.yaml", data / "dagster" / "dagster.yaml")
    _instance(data).dispose()

    # 1. killed while ingesting: the first run ever
    dead, _ = _kill_at(_start(landing, data), data, "ingest_district_files", delay=2)
    # 2..4. each next run reports the dead one, frees its slot and is itself killed later on
    for step, after in (
        ("gate_district_submissions", False),
        ("p3jr_dbt_assets", False),
        ("publish__database_analis", True),
    ):
        proc = _start(landing, data)
        dead_next, children = _kill_at(
            proc, data, step, after_success=after, delay=3 if step == "p3jr_dbt_assets" else 0.3
        )
        out = _output(proc)
        assert f"Run {dead[:8]} sebelumnya mati" in out, out[-3000:]
        instance = _instance(data)
        assert instance.get_run_by_id(dead).status.value == "FAILURE"
        if step == "p3jr_dbt_assets":
            # dbt dies with the run that started it: nothing writes the warehouse without the lock
            assert children, "dbt was not running when the run was killed"
            deadline = time.monotonic() + 10
            while any(psutil.pid_exists(p) and psutil.Process(p).status() != psutil.STATUS_ZOMBIE for p in children):
                assert time.monotonic() < deadline, "a child of the killed run (dbt) is still alive"
                time.sleep(0.2)
        dead = dead_next

    # the last run was killed right after publishing: the publish marker is today's, but the
    # feedback and the officials' reports of that run were never written
    reports = data / "reports"
    # (the district workbooks are rewritten only when what they show changed, and the files did not
    # change: tests/test_feedback.py; the officials' reports are rewritten by every run that builds)
    stale_before = {p: p.stat().st_mtime_ns for p in reports.glob("*.xlsx")} if reports.exists() else {}
    proc = _start(landing, data)
    assert proc.wait(STEP_TIMEOUT) == 0, _output(proc)[-4000:]
    out = _output(proc)
    assert f"Run {dead[:8]} sebelumnya mati" in out
    assert "Nothing changed since today's publish" not in out
    instance = _instance(data)
    assert instance.get_run_by_id(dead).status.value == "FAILURE"
    run = _run_of(instance, proc)
    assert run.status.value == "SUCCESS"
    written = {
        e.step_key
        for e in instance.all_logs(run.run_id)
        if e.dagster_event and e.dagster_event.event_type_value == "STEP_SUCCESS"
    }
    assert {"publish__laporan_pejabat", "quality__umpan_balik_kabupaten"} <= written
    assert (reports / "ringkasan_capaian.xlsx").exists()
    assert all(p.stat().st_mtime_ns > t for p, t in stale_before.items() if p.exists())
    # no slot is left claimed
    storage = instance.event_log_storage
    assert not any(storage.get_concurrency_info(k).active_run_ids for k in storage.get_concurrency_keys())
    # every killed run is alerted, with the step it died in
    alerts = (data / "alerts" / "alerts.jsonl").read_text(encoding="utf-8")
    assert alerts.count("sebelumnya mati") >= 4 and "p3jr_dbt_assets" in alerts

    # the marts are those of an uninterrupted run on the same files
    assert _marts(data / "published" / "p3jr.duckdb") == _marts(small_run["published"])

    # a run that finished publishes nothing new on the next call (the fast path still works)
    proc = _start(landing, data)
    assert proc.wait(120) == 0
    assert "Nothing changed since today's publish" in _output(proc)


def test_overlapping_writer_gets_a_clear_message(small_run, tmp_path):
    """Another process holding the warehouse: `p3jr run` says so and exits 3, no DuckDB traceback."""
    data = tmp_path / "data"
    shutil.copytree(small_run["data"], data, ignore=shutil.ignore_patterns("*.lock"))
    con = duckdb.connect(str(data / "warehouse" / "p3jr.duckdb"))  # a writer outside p3jr
    try:
        proc = _start(small_run["landing"], data)
        assert proc.wait(120) == 3, _output(proc)[-3000:]
        out = _output(proc)
        assert "sedang dipakai proses lain" in out and "Traceback" not in out
    finally:
        con.close()


def test_process_identity_survives_pid_reuse():
    from orchestration.lib.processes import process_alive, process_identity

    child = subprocess.Popen(["sleep", "30"])
    identity = process_identity(child.pid)
    assert process_alive(identity) and process_alive(process_identity())
    pid, _, ticks = identity.partition(":")
    assert not process_alive(f"{pid}:{int(ticks) + 1}")  # same pid, another process
    child.kill()
    child.wait()
    assert not process_alive(identity)


def test_dead_run_is_failed_and_its_slot_freed_live_run_kept(tmp_path):
    """The bookkeeping `p3jr run` does first, on a real SQLite instance with the project's dagster.yaml."""
    import dagster as dg
    from dagster._core.storage.dagster_run import DagsterRun, DagsterRunStatus
    from dagster._core.utils import make_new_run_id

    from orchestration.instance.recovery import recover_dead_runs, slot_holders
    from orchestration.lib.processes import process_identity
    from orchestration.lib.runs import PROCESS_TAG
    from orchestration.settings import WRITER_POOL

    home = tmp_path / "dagster"
    home.mkdir()
    shutil.copy(ROOT / "dagster.yaml", home / "dagster.yaml")
    instance = dg.DagsterInstance.from_config(str(home))
    child = subprocess.Popen(["sleep", "30"])
    dead_identity = process_identity(child.pid)
    child.kill()
    child.wait()
    storage = instance.event_log_storage
    storage.set_concurrency_slots(WRITER_POOL, 1)
    runs = {}
    for name, identity in (("dead", dead_identity), ("live", process_identity())):
        run = instance.add_run(
            DagsterRun(
                job_name="p3jr_refresh",
                run_id=make_new_run_id(),
                status=DagsterRunStatus.STARTED,
                tags={PROCESS_TAG: identity},
            )
        )
        runs[name] = run.run_id
    assert storage.claim_concurrency_slot(WRITER_POOL, runs["dead"], "gate_district_submissions").is_claimed
    assert [r for r, _ in slot_holders(instance)] == [runs["dead"]]

    dead = recover_dead_runs(instance)
    assert [d.run_id for d in dead] == [runs["dead"]]
    assert instance.get_run_by_id(runs["dead"]).status == DagsterRunStatus.FAILURE
    assert instance.get_run_by_id(runs["live"]).status == DagsterRunStatus.STARTED
    assert slot_holders(instance) == [] and not storage.get_concurrency_info(WRITER_POOL).active_run_ids
    # the live run's claim is respected: a new run is told who holds the slot
    assert storage.claim_concurrency_slot(WRITER_POOL, runs["live"], "p3jr_dbt_assets").is_claimed
    assert recover_dead_runs(instance) == []
    assert slot_holders(instance) == [(runs["live"], "STARTED")]
