"""Runs whose process died: found, marked failed and their pool slot freed before a new CLI run.

A `p3jr run` executes in its own process on the persistent instance. Killed with `kill -9` (or by
the out-of-memory killer) it cannot report its end: the run stays STARTED and keeps its
`duckdb_writer` slot, and every later run would wait for that slot forever. The CLI tags each run
with the identity of its process (pid + kernel start time, so a recycled pid is not mistaken for
it); the next `p3jr run` checks that identity, ends the dead run and frees the slot.
"""

from __future__ import annotations

from dataclasses import dataclass

from orchestration.lib.alerts import unfinished_steps
from orchestration.lib.processes import process_alive
from orchestration.lib.runs import PROCESS_TAG

UNFINISHED = ("NOT_STARTED", "STARTING", "STARTED", "CANCELING")


@dataclass(frozen=True)
class DeadRun:
    run_id: str
    process: str
    step: str | None


def running_step(instance, run_id: str) -> str | None:
    """The step that had started but not ended when the run's process died."""
    from dagster import DagsterEventType

    kinds = {
        DagsterEventType.STEP_START,
        DagsterEventType.STEP_SUCCESS,
        DagsterEventType.STEP_FAILURE,
        DagsterEventType.STEP_SKIPPED,
    }
    events = [(e.step_key, e.dagster_event.event_type_value) for e in instance.all_logs(run_id, of_type=kinds)]
    running = unfinished_steps(events)
    return running[-1] if running else None


def recover_dead_runs(instance) -> list[DeadRun]:
    """Mark every unfinished run whose process is gone as failed and free its pool slots; also free
    slots still claimed by runs that already ended (their process cannot release them any more)."""
    from dagster import DagsterRunStatus, RunsFilter

    statuses = [DagsterRunStatus[s] for s in UNFINISHED]
    dead: list[DeadRun] = []
    for run in instance.get_runs(filters=RunsFilter(statuses=statuses)):
        identity = run.tags.get(PROCESS_TAG)
        if not identity or process_alive(identity):
            continue  # not a CLI run (the daemon's run monitoring owns those) or still running
        step = running_step(instance, run.run_id)
        instance.report_run_failed(
            run,
            message=(
                f"Proses run mati (dihentikan, kemungkinan kehabisan memori) saat langkah {step or '-'}; ditandai gagal "
                f"oleh run berikutnya. / The run's process ({identity}) died (killed, likely out of memory) during step "
                f"{step or '-'}; marked failed by the next run."
            ),
        )
        instance.event_log_storage.free_concurrency_slots_for_run(run.run_id)
        dead.append(DeadRun(run.run_id, identity, step))
    storage = instance.event_log_storage
    if getattr(storage, "supports_global_concurrency_limits", False):
        for key in storage.get_concurrency_keys():
            for run_id in storage.get_concurrency_info(key).active_run_ids:
                run = instance.get_run_by_id(run_id)
                if run is None or run.is_finished:
                    storage.free_concurrency_slots_for_run(run_id)
    return dead


def slot_holders(instance) -> list[tuple[str, str]]:
    """(run id, status) of live runs holding a pool slot: a new run would wait behind them."""
    storage = instance.event_log_storage
    if not getattr(storage, "supports_global_concurrency_limits", False):
        return []
    out = []
    for key in storage.get_concurrency_keys():
        for run_id in sorted(storage.get_concurrency_info(key).active_run_ids):
            run = instance.get_run_by_id(run_id)
            if run is not None and not run.is_finished:
                out.append((run_id, run.status.value))
    return out
