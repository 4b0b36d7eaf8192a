"""The refresh job and the nightly schedule."""

from __future__ import annotations

import dagster as dg

from orchestration.lib.runs import ALL_DISTRICTS_TAGS, REFRESH_JOB
from orchestration.settings import TIMEZONE_NAME

# Partitioned ingestion (one run covers a range of districts thanks to the single-run backfill
# policy) and unpartitioned province-level marts in ONE job: a district's run rebuilds that
# district plus every province-level table; the nightly run covers the whole range.
refresh_job = dg.define_asset_job(
    REFRESH_JOB,
    selection=dg.AssetSelection.all(),
    description="Ingest → quality gate → dbt marts → publish, for the districts of the run's partition (range).",
    executor_def=dg.in_process_executor,
    tags={"p3jr/job": "refresh"},
)


@dg.schedule(
    name="p3jr_nightly",
    job_name=REFRESH_JOB,
    cron_schedule="0 1 * * *",
    execution_timezone=TIMEZONE_NAME,
    default_status=dg.DefaultScheduleStatus.RUNNING,
    description="Every night at 01:00 WITA: all 22 districts.",
)
def nightly_schedule(context: dg.ScheduleEvaluationContext):
    return dg.RunRequest(
        run_key=f"nightly-{context.scheduled_execution_time:%Y-%m-%d}",
        tags={**ALL_DISTRICTS_TAGS, "p3jr/pemicu": "jadwal_malam"},
    )
