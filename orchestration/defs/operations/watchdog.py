"""Watchdog: a run stuck in the queue, a published database gone stale, a run worker that died.

``p3jr_pengawas`` (the watchdog sensor, running by default) alerts through the same record file and
webhook as the failure alert (:func:`alerts.deliver_alert`), with its own ``jenis``:

* ``antrean_lama`` — a run has been QUEUED longer than ``P3JR_MAX_QUEUE_MINUTES`` (default 30), once
  per run. A run that waits that long is blocked: by a run that hangs, by a pool slot nobody frees,
  or by a stopped daemon queue.
* ``publikasi_basi`` — no successful publish (``publish/database_analis`` materialization, or the
  published file's mtime when the instance has none) for 26 hours, once per stale period. Before
  the first publish the clock starts when the watchdog first ran.

:class:`P3jrRunLauncher` is the run launcher of ``deploy/dagster.yaml``: Dagster's default launcher
plus a health check, so that run monitoring notices a run whose worker process is gone (SIGKILL, the
out-of-memory killer, a restart of the code location that took its runs with it) and marks it
failed instead of leaving it STARTED for ever with its ``duckdb_writer`` slot.
"""
from __future__ import annotations

import json
import os
import time
from collections.abc import Collection, Mapping
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import dagster as dg
from dagster._core.launcher import CheckRunHealthResult, DefaultRunLauncher, WorkerStatus

from orchestration.defs.operations.alerts import deliver_alert, iso_time, targeted_partitions
from orchestration.settings import load_settings

WATCHDOG_SENSOR_NAME = "p3jr_pengawas"
JENIS_ANTREAN = "antrean_lama"
JENIS_BASI = "publikasi_basi"
# Same as the warn window of the publish asset's freshness policy (publish/assets.py).
STALE_AFTER_HOURS = 26.0


# --------------------------------------------------------------------------------------------
# Pure decisions (unit-tested in tests/test_watchdog.py)
# --------------------------------------------------------------------------------------------

def sensor_interval(max_queue_minutes: float) -> int:
    """Look at least twice within the queue limit, at most once a minute, never below 5 s."""
    return int(min(60, max(5, max_queue_minutes * 60 / 2)))


def runs_queued_too_long(queued_since: Mapping[str, float], now: float, max_minutes: float,
                         alerted: Collection[str]) -> list[str]:
    """Runs waiting longer than ``max_minutes`` that were not alerted yet, longest wait first."""
    late = [rid for rid, since in queued_since.items() if now - since > max_minutes * 60 and rid not in alerted]
    return sorted(late, key=lambda rid: queued_since[rid])


def stale_reference(last_publish: float | None, watching_since: float, now: float, max_hours: float,
                    alerted_for: float | None) -> float | None:
    """The time the staleness is counted from, when it is past ``max_hours`` and not alerted yet."""
    reference = last_publish if last_publish is not None else watching_since
    if now - reference <= max_hours * 3600 or alerted_for == reference:
        return None
    return reference


def parse_cursor(text: str | None, now: float) -> dict[str, Any]:
    """{"sejak": first tick, "antrean": run ids alerted while still queued, "basi": reference alerted}."""
    try:
        data = json.loads(text) if text else {}
    except ValueError:
        data = {}
    if not isinstance(data, dict):
        data = {}
    return {"sejak": float(data.get("sejak") or now), "antrean": list(data.get("antrean") or []),
            "basi": data.get("basi")}


def _when(ts: float) -> str:
    return iso_time(datetime.fromtimestamp(ts, tz=timezone.utc))


def queue_alert(run_id: str, job_name: str, tags: Mapping[str, str], queued_since: float, now: float,
                max_minutes: float, running: list[str], slots: list[dict[str, str]]) -> dict[str, Any]:
    """``running``: ids of runs in progress; ``slots``: pool slots held ({pool, run_id, langkah, status})."""
    waited = (now - queued_since) / 60
    partitions = targeted_partitions(tags or {})
    holders = ", ".join(r[:8] for r in running) or "-"
    held = "; ".join(f"{s['pool']}: run {s['run_id'][:8]} ({s['status']}, {s['langkah']})" for s in slots) or "-"
    pesan = (f"Run p3jr {run_id[:8]} ({job_name}) sudah {waited:.0f} menit menunggu di antrean (batas {max_minutes:g} "
             f"menit). Sedang berjalan: {holders}. Slot pool dipegang: {held}. Kabupaten: {partitions['teks']}.")
    message = (f"p3jr run {run_id[:8]} ({job_name}) has been queued for {waited:.0f} min (limit {max_minutes:g} min). "
               f"Running: {holders}. Pool slots held: {held}. Partitions: {partitions['teks']}.")
    if not running and not slots:
        pesan += " Periksa dagster-daemon (antrean run)."
        message += " Check dagster-daemon (run queue)."
    return {"jenis": JENIS_ANTREAN, "run_id": run_id, "job_name": job_name, "waktu": _when(now),
            "antre_sejak": _when(queued_since), "menunggu_menit": round(waited, 1), "batas_menit": max_minutes,
            "run_berjalan": list(running), "slot_dipegang": list(slots), "kabupaten": partitions,
            "tags": {str(k): str(v) for k, v in tags.items()}, "pesan": pesan, "message": message, "text": pesan}


def stale_alert(last_publish: float | None, reference: float, now: float, max_hours: float) -> dict[str, Any]:
    hours = (now - reference) / 3600
    if last_publish is None:
        sejak_id = f"belum pernah sejak pengawas aktif {_when(reference)}"
        sejak_en = f"none since the watchdog started {_when(reference)}"
    else:
        sejak_id = sejak_en = _when(last_publish)
    pesan = (f"Database analis p3jr tidak diterbitkan ulang selama {hours:.0f} jam (terakhir: {sejak_id}; batas "
             f"{max_hours:g} jam): run malam gagal, tertahan, atau tidak berjalan.")
    message = (f"No successful publish of the p3jr analyst database for {hours:.0f} h (last: {sejak_en}; limit "
               f"{max_hours:g} h): the nightly run failed, is stuck, or did not run.")
    return {"jenis": JENIS_BASI, "waktu": _when(now),
            "publikasi_terakhir": _when(last_publish) if last_publish is not None else None,
            "jam_sejak": round(hours, 1), "batas_jam": max_hours, "pesan": pesan, "message": message, "text": pesan}


# --------------------------------------------------------------------------------------------
# The sensor
# --------------------------------------------------------------------------------------------

def _slots_held(instance: dg.DagsterInstance) -> list[dict[str, str]]:
    storage = instance.event_log_storage
    if not storage.supports_global_concurrency_limits:
        return []
    held = []
    for pool in sorted(storage.get_concurrency_keys()):
        for slot in storage.get_concurrency_info(pool).claimed_slots:
            run = instance.get_run_by_id(slot.run_id)
            held.append({"pool": pool, "run_id": slot.run_id, "langkah": slot.step_key,
                         "status": run.status.value if run else "?"})
    return held


def _last_publish(instance: dg.DagsterInstance, published_db: Path) -> float | None:
    from orchestration.defs.publish.assets import PUBLISHED_DB

    event = instance.get_latest_materialization_event(PUBLISHED_DB)
    if event is not None:
        return event.timestamp
    try:
        return published_db.stat().st_mtime
    except OSError:
        return None


@dg.sensor(
    name=WATCHDOG_SENSOR_NAME,
    minimum_interval_seconds=sensor_interval(load_settings().max_queue_minutes),
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Peringatan bila run terlalu lama di antrean (P3JR_MAX_QUEUE_MINUTES) atau database analis "
                f"tidak diterbitkan {STALE_AFTER_HOURS:g} jam.",
)
def p3jr_pengawas(context: dg.SensorEvaluationContext):
    settings, now, instance = load_settings(), time.time(), context.instance
    cursor = parse_cursor(context.cursor, now)
    queued = {r.dagster_run.run_id: r for r in instance.get_run_records(
        dg.RunsFilter(statuses=[dg.DagsterRunStatus.QUEUED]))}
    since = {rid: r.create_timestamp.timestamp() for rid, r in queued.items()}
    late = runs_queued_too_long(since, now, settings.max_queue_minutes, cursor["antrean"])
    if late:
        running = [r.run_id for r in instance.get_runs(dg.RunsFilter(statuses=[
            dg.DagsterRunStatus.STARTING, dg.DagsterRunStatus.STARTED, dg.DagsterRunStatus.CANCELING]))]
        slots = _slots_held(instance)
        for rid in late:
            run = queued[rid].dagster_run
            deliver_alert(queue_alert(rid, run.job_name, dict(run.tags or {}), since[rid], now,
                                      settings.max_queue_minutes, running, slots), context.log)
    cursor["antrean"] = sorted((set(cursor["antrean"]) | set(late)) & set(queued))

    last = _last_publish(instance, settings.published_db)
    reference = stale_reference(last, cursor["sejak"], now, STALE_AFTER_HOURS, cursor["basi"])
    if reference is not None:
        deliver_alert(stale_alert(last, reference, now, STALE_AFTER_HOURS), context.log)
        cursor["basi"] = reference
    context.update_cursor(json.dumps(cursor))
    return dg.SkipReason(f"{len(queued)} run di antrean, {len(late)} diperingatkan; publikasi terakhir: "
                         f"{_when(last) if last is not None else '-'}")


# --------------------------------------------------------------------------------------------
# Run launcher with a worker health check (deploy/dagster.yaml `run_launcher`)
# --------------------------------------------------------------------------------------------

def _boot_time() -> float:
    with open("/proc/stat", encoding="ascii") as fh:
        return float(next(line.split()[1] for line in fh if line.startswith("btime ")))


def process_start_time(pid: int) -> float | None:
    """When process ``pid`` started (epoch seconds); None if it is gone or a zombie (Linux /proc)."""
    try:
        with open(f"/proc/{pid}/stat", encoding="utf-8", errors="replace") as fh:
            fields = fh.read().rsplit(")", 1)[1].split()
        if fields[0] in ("Z", "X"):  # dead, not yet reaped by its parent
            return None
        return _boot_time() + int(fields[19]) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError, StopIteration):
        return None


def worker_alive(started_at: float | None, reported_at: float, slack: float = 2.0) -> bool:
    """The process that reported itself at ``reported_at`` still runs: a process with that pid exists
    and is not younger than the report (a recycled pid is)."""
    return started_at is not None and started_at <= reported_at + slack


def worker_pid(instance: dg.DagsterInstance, run_id: str) -> tuple[int, float] | None:
    """(pid, time reported) of the run's worker, from its latest engine event carrying a pid."""
    found = None
    for entry in instance.all_logs(run_id, of_type=dg.DagsterEventType.ENGINE_EVENT):
        metadata = getattr(entry.dagster_event.event_specific_data, "metadata", None) or {}
        pid = getattr(metadata.get("pid"), "value", None)
        if pid and str(pid).isdigit():
            found = (int(pid), entry.timestamp)
    return found


class P3jrRunLauncher(DefaultRunLauncher):
    """Dagster's default launcher (runs as processes of the code location, on this host) that also
    tells run monitoring whether a run's worker process is still alive."""

    @property
    def supports_check_run_worker_health(self) -> bool:
        return Path("/proc/self/stat").exists()

    def check_run_worker_health(self, run: dg.DagsterRun) -> CheckRunHealthResult:
        worker = worker_pid(self._instance, run.run_id)
        if worker is None:  # not reported yet: start_timeout_seconds covers a worker that never starts
            return CheckRunHealthResult(WorkerStatus.RUNNING, "pid belum tercatat / worker pid not reported yet")
        pid, reported_at = worker
        if worker_alive(process_start_time(pid), reported_at):
            return CheckRunHealthResult(WorkerStatus.RUNNING, f"pid {pid}")
        return CheckRunHealthResult(WorkerStatus.FAILED, (
            f"Proses run mati / the run worker process (pid {pid}) is gone: dihentikan atau mati, kemungkinan "
            "kehabisan memori atau code location dimulai ulang / killed or died, probably out of memory or a "
            "restart of the code location"))
