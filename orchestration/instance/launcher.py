"""The run launcher of deploy/dagster.yaml: Dagster's default launcher plus a worker health check.

Run monitoring asks it whether a run's worker process is alive, so a run whose worker is gone
(SIGKILL, the out-of-memory killer, a restart of the code location that took its runs with it) is
marked failed instead of staying STARTED for ever with its ``duckdb_writer`` slot.
"""

from __future__ import annotations

from pathlib import Path

import dagster as dg
from dagster._core.launcher import CheckRunHealthResult, DefaultRunLauncher, WorkerStatus

from orchestration.lib.processes import process_start_time, worker_alive


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
        return CheckRunHealthResult(
            WorkerStatus.FAILED,
            (
                f"Proses run mati / the run worker process (pid {pid}) is gone: dihentikan atau mati, kemungkinan "
                "kehabisan memori atau code location dimulai ulang / killed or died, probably out of memory or a "
                "restart of the code location"
            ),
        )
