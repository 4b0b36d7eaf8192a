"""Watchdog sensor ``p3jr_pengawas``: a run stuck in the queue, a published database gone stale.

It alerts through the same record file and webhook as the failure alert, with its own ``jenis``;
the decisions and texts are in orchestration/lib/watchdog.py.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import dagster as dg

from orchestration.defs.publish.assets import PUBLISHED_DB
from orchestration.defs.resources import SettingsResource
from orchestration.lib.alerts import deliver_alert
from orchestration.lib.watchdog import (
    STALE_AFTER_HOURS,
    _when,
    holder_between_steps,
    parse_cursor,
    queue_alert,
    runs_queued_too_long,
    sensor_interval,
    stale_alert,
    stale_reference,
)
from orchestration.settings import load_settings

WATCHDOG_SENSOR_NAME = "p3jr_pengawas"


def _slots_held(instance: dg.DagsterInstance) -> list[dict[str, str]]:
    storage = instance.event_log_storage
    if not storage.supports_global_concurrency_limits:
        return []
    held = []
    for pool in sorted(storage.get_concurrency_keys()):
        for slot in storage.get_concurrency_info(pool).claimed_slots:
            run = instance.get_run_by_id(slot.run_id)
            held.append(
                {
                    "pool": pool,
                    "run_id": slot.run_id,
                    "langkah": slot.step_key,
                    "status": run.status.value if run else "?",
                }
            )
    return held


def _last_publish(instance: dg.DagsterInstance, published_db: Path) -> float | None:
    event = instance.get_latest_materialization_event(PUBLISHED_DB)
    if event is not None:
        return event.timestamp
    try:
        return published_db.stat().st_mtime
    except OSError:
        return None


@dg.sensor(
    name=WATCHDOG_SENSOR_NAME,
    # Read once when the code location loads: the daemon schedules ticks from the definition, before
    # any resource exists (the settings resource is per evaluation), so this value is load_settings()'s.
    minimum_interval_seconds=sensor_interval(load_settings().max_queue_minutes),
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Peringatan bila run terlalu lama di antrean (P3JR_MAX_QUEUE_MINUTES) atau database analis "
    f"tidak diterbitkan {STALE_AFTER_HOURS:g} jam.",
)
def p3jr_pengawas(context: dg.SensorEvaluationContext, settings: SettingsResource):
    s, now, instance = settings.get(), time.time(), context.instance
    cursor = parse_cursor(context.cursor, now)
    queued = {
        r.dagster_run.run_id: r for r in instance.get_run_records(dg.RunsFilter(statuses=[dg.DagsterRunStatus.QUEUED]))
    }
    since = {rid: r.create_timestamp.timestamp() for rid, r in queued.items()}
    late = runs_queued_too_long(since, now, s.max_queue_minutes, cursor["antrean"])
    if late:
        running = [
            r.run_id
            for r in instance.get_runs(
                dg.RunsFilter(
                    statuses=[dg.DagsterRunStatus.STARTING, dg.DagsterRunStatus.STARTED, dg.DagsterRunStatus.CANCELING]
                )
            )
        ]
        slots = _slots_held(instance)
        late = [rid for rid in late if not holder_between_steps(running, slots, now - since[rid], s.max_queue_minutes)]
        for rid in late:
            run = queued[rid].dagster_run
            deliver_alert(
                queue_alert(
                    rid, run.job_name, dict(run.tags or {}), since[rid], now, s.max_queue_minutes, running, slots
                ),
                context.log,
            )
    cursor["antrean"] = sorted((set(cursor["antrean"]) | set(late)) & set(queued))

    last = _last_publish(instance, s.published_db)
    reference = stale_reference(last, cursor["sejak"], now, STALE_AFTER_HOURS, cursor["basi"])
    if reference is not None:
        deliver_alert(stale_alert(last, reference, now, STALE_AFTER_HOURS), context.log)
        cursor["basi"] = reference
    context.update_cursor(json.dumps(cursor))
    return dg.SkipReason(
        f"{len(queued)} run di antrean, {len(late)} diperingatkan; publikasi terakhir: "
        f"{_when(last) if last is not None else '-'}"
    )
