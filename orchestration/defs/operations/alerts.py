"""The run-failure sensor: every failed run of this code location is recorded and sent.

The alert itself is built and delivered by orchestration/lib/alerts.py; a run whose process was
killed has no step failure, so the steps still running are named instead.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import dagster as dg

from orchestration.lib.alerts import (
    _ENDS,
    _STARTS,
    _TIMEOUT_MARKER,
    ALERT_SENSOR_NAME,
    _root_error_text,
    _strip_exception_prefix,
    build_alert,
    crash_explanation,
    deliver_alert,
    unfinished_steps,
)


def _step_error_text(event: dg.DagsterEvent) -> str:
    data = event.event_specific_data
    user_failure = getattr(data, "user_failure_data", None)
    if user_failure is not None and getattr(user_failure, "description", None):
        return f"Failure: {user_failure.description}"
    return _strip_exception_prefix(_root_error_text(getattr(data, "error", None)))


_LOG_TYPES = {dg.DagsterEventType[name] for name in (*_STARTS, *_ENDS, "ENGINE_EVENT", "RUN_CANCELING")}


def _alert_from_context(context: dg.RunFailureSensorContext) -> dict[str, Any]:
    run, failure_event = context.dagster_run, context.failure_event
    try:
        events = [e.dagster_event for e in context.instance.all_logs(run.run_id, of_type=_LOG_TYPES) if e.dagster_event]
    except Exception:  # event log unreadable: still alert with the run failure event
        context.log.exception("p3jr alert: log run tidak dapat dibaca")
        events = []
    step_failures = [e for e in events if e.event_type == dg.DagsterEventType.STEP_FAILURE]
    failed_steps = list(dict.fromkeys(e.step_key for e in step_failures if e.step_key))
    run_error = _strip_exception_prefix(_root_error_text(getattr(failure_event.event_specific_data, "error", None)))
    messages = [e.message for e in events if not e.step_key] + [failure_event.message]
    crash = crash_explanation(messages)
    running = [] if step_failures else unfinished_steps((e.step_key, e.event_type_value) for e in events)
    timed_out = any(_TIMEOUT_MARKER in (m or "") for m in messages)  # max_runtime_seconds: alive, but too slow
    proses_mati = not step_failures and not timed_out and bool(running or crash)
    error_text = (
        (_step_error_text(step_failures[0]) if step_failures else "")
        or (crash if proses_mati else "")
        or run_error
        or (failure_event.message or "")
    )
    return build_alert(
        run_id=run.run_id,
        job_name=run.job_name,
        error_message=error_text,
        failed_steps=failed_steps or running,
        tags=dict(run.tags or {}),
        when=datetime.now(UTC),
        proses_mati=proses_mati,
    )


@dg.run_failure_sensor(
    name=ALERT_SENSOR_NAME,
    description="Catat setiap run yang gagal di <data>/alerts/ dan kirim ke $P3JR_ALERT_WEBHOOK_URL.",
    default_status=dg.DefaultSensorStatus.RUNNING,
    monitor_all_code_locations=False,
)
def p3jr_run_failure_alert(context: dg.RunFailureSensorContext) -> None:
    deliver_alert(_alert_from_context(context), context.log)
