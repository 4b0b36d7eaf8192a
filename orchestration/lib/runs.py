"""The names a run carries: the job, its tags. Shared by the CLI, the sensors and the run queue."""

from __future__ import annotations

from sources.reference import district_codes

REFRESH_JOB = "p3jr_refresh"
PARTITION_TAG = "dagster/partition"
# Run tag set by `p3jr run --force`: every step rebuilds, even when today's publish used these files.
FORCE_TAG = "p3jr/paksa"


def range_tags(first: str, last: str) -> dict[str, str]:
    """One run over the districts ``first`` to ``last`` (code order): the single-run backfill policy."""
    return {"dagster/asset_partition_range_start": first, "dagster/asset_partition_range_end": last}


# One run over the whole partition range (all 22 districts).
ALL_DISTRICTS_TAGS = range_tags(district_codes()[0], district_codes()[-1])
# Identity of the process that runs a CLI run (pid + kernel start time): orchestration/instance/recovery.py.
PROCESS_TAG = "p3jr/proses"


def run_succeeded(instance, run_id: str) -> bool:
    """Whether that run finished successfully (today's publish marker names the run that wrote it).
    Duck-typed on the Dagster instance, so the CLI's "nothing changed" check imports no definitions."""
    run = instance.get_run_by_id(run_id)
    return run is not None and run.status.value == "SUCCESS"


def failed_steps(result) -> list[tuple[str, str]]:
    """(step, root error message) of every failed step of an in-process run."""
    out = []
    for ev in result.all_events:
        if ev.is_step_failure:
            err = ev.step_failure_data.error
            while err is not None and err.cause is not None and not (err.message or "").strip():
                err = err.cause
            text = (err.message if err is not None else ev.message) or ""
            for prefix in ("dagster._core.definitions.events.Failure: ", "Failure: "):
                text = text.replace(prefix, "")
            out.append((ev.step_key, text.strip()[:2000]))
    return out
