"""Run-failure alerts: building, recording and sending them (plain Python, no Dagster).

``p3jr_run_failure_alert`` is a Dagster run-failure sensor (running by default, watches the jobs of
this code location only). For every failed run it

1. builds a short alert with :func:`build_alert` (Indonesian ``pesan`` + English ``message``: the
   failed steps, the first line of the root error, the district partitions the run targeted),
2. appends it as one JSON line to ``<P3JR_DATA_DIR>/alerts/alerts.jsonl`` and rewrites
   ``<P3JR_DATA_DIR>/alerts/terakhir.json`` atomically (:func:`write_alert_record`),
3. POSTs it as JSON to ``$P3JR_ALERT_WEBHOOK_URL`` when that variable is set (:func:`post_webhook`;
   network errors are logged, never raised — an unreachable chat server must not make the sensor
   fail and re-fire).

A run whose process was killed (out of memory, a restart of the code location) has no step failure:
the gRPC server or run monitoring marks it failed from outside. Its alert says so (``proses_mati:
true``) and names the step that was running (:func:`unfinished_steps`) in ``langkah_gagal``.
The watchdog (``watchdog.py``) sends its own alerts through the same :func:`deliver_alert`.

The sensor is evaluated by the ``dagster-daemon`` (or ``dagster dev``); nothing is sent from a
run worker.
"""

from __future__ import annotations

import json
import logging
import os
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from orchestration.lib.files import PRIVATE_FILE_MODE, atomic_write
from orchestration.settings import load_settings

logger = logging.getLogger(__name__)

ALERT_SENSOR_NAME = "p3jr_run_failure_alert"
ALERTS_SUBDIR = "alerts"
ALERTS_LOG = "alerts.jsonl"
ALERT_LATEST = "terakhir.json"

_MAX_DETAIL_CHARS = 2000
_MAX_LINE_CHARS = 300

# --------------------------------------------------------------------------------------------
# Pure alert building
# --------------------------------------------------------------------------------------------


def _first_line(text: str | None) -> str:
    for line in (text or "").splitlines():
        line = line.strip()
        if line:
            return line[:_MAX_LINE_CHARS]
    return ""


def targeted_partitions(tags: Mapping[str, str]) -> dict[str, Any]:
    """Which district partitions (kode kabupaten) a run targeted, from its Dagster tags."""
    single = tags.get("dagster/partition")
    start = tags.get("dagster/asset_partition_range_start") or tags.get("dagster/partition_range_start")
    end = tags.get("dagster/asset_partition_range_end") or tags.get("dagster/partition_range_end")
    if single:
        return {"partisi": [single], "teks": single}
    if start or end:
        start, end = start or "?", end or "?"
        text = start if start == end else f"{start} s.d. {end}"
        return {"partisi_awal": start, "partisi_akhir": end, "teks": text}
    return {"teks": "semua kabupaten / tanpa partisi"}


def iso_time(when: datetime) -> str:
    """ISO 8601 to the second; a naive time is taken as UTC."""
    return (when if when.tzinfo else when.replace(tzinfo=UTC)).isoformat(timespec="seconds")


_STARTS = {"STEP_START", "STEP_RESTARTED", "STEP_UP_FOR_RETRY"}
_ENDS = {"STEP_SUCCESS", "STEP_FAILURE", "STEP_SKIPPED"}
# Dagster's texts for a run whose process died (gRPC server, run monitoring), and the CLI's own;
# and run monitoring's text for a run it ended after max_runtime_seconds (not a dead process).
_CRASH_MARKERS = ("Run execution process for", "Detected run worker status", "Proses run mati")
_TIMEOUT_MARKER = "maximum runtime"


def unfinished_steps(step_events: Iterable[tuple[str | None, str]]) -> list[str]:
    """Steps that started and never ended, from (step key, event type name) pairs in log order."""
    running: dict[str, None] = {}
    for key, kind in step_events:
        if not key:
            continue
        if kind in _STARTS:
            running[key] = None
        elif kind in _ENDS:
            running.pop(key, None)
    return list(running)


def crash_explanation(messages: Iterable[str | None]) -> str:
    """The last message saying that the run's process was killed or died ('' if none)."""
    found = ""
    for text in messages:
        if text and any(marker in text for marker in _CRASH_MARKERS):
            found = _first_line(text)
    return found


def build_alert(
    run_id: str,
    job_name: str,
    error_message: str,
    failed_steps: Sequence[str],
    tags: Mapping[str, str],
    when: datetime,
    proses_mati: bool = False,
) -> dict[str, Any]:
    """A JSON-serialisable alert for one failed run (pure: no I/O). ``proses_mati``: the run's
    process was killed or died; ``failed_steps`` are then the steps that were running."""
    steps = [str(s) for s in failed_steps]
    first = _first_line(error_message) or "(tanpa pesan kesalahan)"
    partitions = targeted_partitions(tags or {})
    steps_text = ", ".join(steps) if steps else "-"
    short_id = run_id[:8]
    if proses_mati:
        what_id = (
            f"proses run dihentikan/mati (kemungkinan kehabisan memori, atau code location dimulai ulang) "
            f"saat langkah {steps_text} berjalan"
        )
        what_en = (
            f"the run process was killed or died (probably out of memory, or a restart of the code "
            f"location) while step(s) {steps_text} was running"
        )
    else:
        what_id, what_en = f"langkah {steps_text}", f"step(s) {steps_text}"
    pesan = f"Run p3jr gagal ({job_name}, run {short_id}): {what_id} — {first}. Kabupaten: {partitions['teks']}."
    message = f"p3jr run failed ({job_name}, run {short_id}): {what_en} — {first}. Partitions: {partitions['teks']}."
    detail = (error_message or "").strip()
    return {
        "jenis": "run_gagal",
        "run_id": run_id,
        "job_name": job_name,
        "waktu": iso_time(when),
        "langkah_gagal": steps,
        "proses_mati": bool(proses_mati),
        "kesalahan": first,
        "kesalahan_lengkap": detail[:_MAX_DETAIL_CHARS],
        "kabupaten": partitions,
        "backfill": tags.get("dagster/backfill") if tags else None,
        "tags": {str(k): str(v) for k, v in (tags or {}).items()},
        "pesan": pesan,
        "message": message,
        # Slack/Mattermost-style incoming webhooks display `text`.
        "text": pesan,
    }


# --------------------------------------------------------------------------------------------
# Delivery
# --------------------------------------------------------------------------------------------


def write_alert_record(alert: Mapping[str, Any], alerts_dir: Path) -> Path:
    """Append ``alert`` to ``alerts_dir/alerts.jsonl`` and atomically replace ``terakhir.json``.

    Returns the path of ``alerts.jsonl``.
    """
    alerts_dir = Path(alerts_dir)
    alerts_dir.mkdir(parents=True, exist_ok=True)
    line = json.dumps(alert, ensure_ascii=False, sort_keys=True, default=str)
    log_path = alerts_dir / ALERTS_LOG
    with open(log_path, "a", encoding="utf-8") as fh:
        fh.write(line + "\n")
        fh.flush()
        os.fsync(fh.fileno())

    # the operator's copy of the last alert (it can quote a run's error): the service account only
    atomic_write(
        alerts_dir / ALERT_LATEST,
        json.dumps(alert, ensure_ascii=False, sort_keys=True, indent=2, default=str) + "\n",
        PRIVATE_FILE_MODE,
    )
    return log_path


def post_webhook(url: str, alert: Mapping[str, Any], timeout: float = 5) -> bool:
    """POST ``alert`` as JSON to ``url``. True on a 2xx answer; never raises.

    Only ``http``/``https`` URLs are accepted (anything else — ``file:``, ``ftp:`` … — is refused
    and logged). Network errors, timeouts and non-2xx answers are logged and return False.
    """
    try:
        parsed = urllib.parse.urlsplit(url or "")
    except ValueError:
        parsed = None
    if parsed is None or parsed.scheme.lower() not in ("http", "https") or not parsed.hostname:
        logger.warning("p3jr alert webhook: URL ditolak (hanya http/https): %r", url)
        return False
    try:
        body = json.dumps(alert, ensure_ascii=False, default=str).encode("utf-8")
        request = urllib.request.Request(
            url,
            data=body,
            method="POST",
            headers={"Content-Type": "application/json; charset=utf-8", "User-Agent": "p3jr-alert/1"},
        )
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 (scheme checked)
            status = getattr(response, "status", None) or response.getcode()
            ok = 200 <= int(status) < 300
            if not ok:
                logger.warning("p3jr alert webhook: jawaban %s dari %s", status, parsed.hostname)
            return ok
    except Exception as exc:  # network, timeout, HTTP error, bad host … never propagate
        logger.warning("p3jr alert webhook gagal (%s): %s", parsed.hostname, exc)
        return False


# --------------------------------------------------------------------------------------------
# Error texts
# --------------------------------------------------------------------------------------------


def _root_error_text(error: Any) -> str:
    """Message of the innermost cause (the user's exception, not Dagster's wrapper)."""
    text = ""
    seen = 0
    while error is not None and seen < 20:
        text = getattr(error, "message", "") or text
        error = getattr(error, "cause", None)
        seen += 1
    return text


def _strip_exception_prefix(text: str) -> str:
    """'dagster._core.definitions.events.Failure: gate' → 'Failure: gate'."""
    head, sep, rest = text.partition(": ")
    if sep and " " not in head and "." in head:
        return f"{head.rsplit('.', 1)[-1]}: {rest}"
    return text


def deliver_alert(alert: Mapping[str, Any], log: Any = logger) -> None:
    """Record ``alert`` under ``<data>/alerts/`` and POST it to ``$P3JR_ALERT_WEBHOOK_URL`` if set."""
    alerts_dir = load_settings().data_dir / ALERTS_SUBDIR
    try:
        log.info(f"p3jr alert dicatat: {write_alert_record(alert, alerts_dir)}")
    except OSError:  # still try the webhook: losing the file must not also lose the notification
        log.exception(f"p3jr alert: gagal menulis ke {alerts_dir}")
    url = load_settings().alert_webhook_url
    if url:
        log.info(f"p3jr alert webhook {'terkirim' if post_webhook(url, alert) else 'GAGAL'}")


def record_cli_alert(run_id: str, run, error: str, steps: list[str]) -> None:
    """What the run-failure sensor does for a deployed run, for a `p3jr run` (the sensor sees only the
    daemon's runs): record the alert, and send it when a webhook is set."""
    alert = build_alert(
        run_id, run.job_name if run else "p3jr_refresh", error, steps, dict(run.tags) if run else {}, datetime.now(UTC)
    )
    try:
        write_alert_record(alert, load_settings().data_dir / ALERTS_SUBDIR)
    except OSError as exc:
        print(f"peringatan / warning: alert tidak dapat dicatat / could not be recorded: {exc}")
    url = load_settings().alert_webhook_url
    if url:
        post_webhook(url, alert)


def alert_cli_failures(results) -> None:
    """One alert per failed run of a `p3jr run` (its Dagster results), naming the failed steps."""
    from orchestration.lib.runs import failed_steps

    for r in results:
        if not r.success:
            steps = failed_steps(r)
            record_cli_alert(
                r.run_id, r.dagster_run, steps[0][1] if steps else "run gagal / run failed", [s for s, _ in steps]
            )
