"""Watchdog decisions and alert texts (pure; the sensor is orchestration/defs/operations/watchdog.py).

* ``antrean_lama`` — a run has been QUEUED longer than ``P3JR_MAX_QUEUE_MINUTES`` (default 30), once
  per run. A run that waits that long is blocked: by a run that hangs, by a pool slot nobody frees,
  or by a stopped daemon queue.
* ``publikasi_basi`` — no successful publish for 26 hours, once per stale period. Before the first
  publish the clock starts when the watchdog first ran.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Mapping
from datetime import UTC, datetime
from typing import Any

from orchestration.lib.alerts import iso_time, targeted_partitions

JENIS_ANTREAN = "antrean_lama"
JENIS_BASI = "publikasi_basi"
# Same as the warn window of the publish asset's freshness policy (publish/assets.py).
STALE_AFTER_HOURS = 26.0


def sensor_interval(max_queue_minutes: float) -> int:
    """Look at least twice within the queue limit, at most once a minute, never below 5 s."""
    return int(min(60, max(5, max_queue_minutes * 60 / 2)))


def runs_queued_too_long(
    queued_since: Mapping[str, float], now: float, max_minutes: float, alerted: Collection[str]
) -> list[str]:
    """Runs waiting longer than ``max_minutes`` that were not alerted yet, longest wait first."""
    late = [rid for rid, since in queued_since.items() if now - since > max_minutes * 60 and rid not in alerted]
    return sorted(late, key=lambda rid: queued_since[rid])


def holder_between_steps(running: Collection[str], slots: Collection, waited_s: float, max_minutes: float) -> bool:
    """A run in progress that holds no pool slot is between two steps (each step claims and releases
    the slot): an alert now would name no holder. Wait for the next tick, up to twice the limit."""
    return bool(running) and not slots and waited_s <= 2 * max_minutes * 60


def stale_reference(
    last_publish: float | None, watching_since: float, now: float, max_hours: float, alerted_for: float | None
) -> float | None:
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
    return {
        "sejak": float(data.get("sejak") or now),
        "antrean": list(data.get("antrean") or []),
        "basi": data.get("basi"),
    }


def _when(ts: float) -> str:
    return iso_time(datetime.fromtimestamp(ts, tz=UTC))


def queue_alert(
    run_id: str,
    job_name: str,
    tags: Mapping[str, str],
    queued_since: float,
    now: float,
    max_minutes: float,
    running: list[str],
    slots: list[dict[str, str]],
) -> dict[str, Any]:
    """``running``: ids of runs in progress; ``slots``: pool slots held ({pool, run_id, langkah, status})."""
    waited = (now - queued_since) / 60
    partitions = targeted_partitions(tags or {})
    holders = ", ".join(r[:8] for r in running) or "-"
    held = "; ".join(f"{s['pool']}: run {s['run_id'][:8]} ({s['status']}, {s['langkah']})" for s in slots) or "-"
    pesan = (
        f"Run p3jr {run_id[:8]} ({job_name}) sudah {waited:.0f} menit menunggu di antrean (batas {max_minutes:g} "
        f"menit). Sedang berjalan: {holders}. Slot pool dipegang: {held}. Kabupaten: {partitions['teks']}."
    )
    message = (
        f"p3jr run {run_id[:8]} ({job_name}) has been queued for {waited:.0f} min (limit {max_minutes:g} min). "
        f"Running: {holders}. Pool slots held: {held}. Partitions: {partitions['teks']}."
    )
    if not running and not slots:
        pesan += " Periksa dagster-daemon (antrean run)."
        message += " Check dagster-daemon (run queue)."
    return {
        "jenis": JENIS_ANTREAN,
        "run_id": run_id,
        "job_name": job_name,
        "waktu": _when(now),
        "antre_sejak": _when(queued_since),
        "menunggu_menit": round(waited, 1),
        "batas_menit": max_minutes,
        "run_berjalan": list(running),
        "slot_dipegang": list(slots),
        "kabupaten": partitions,
        "tags": {str(k): str(v) for k, v in tags.items()},
        "pesan": pesan,
        "message": message,
        "text": pesan,
    }


def stale_alert(last_publish: float | None, reference: float, now: float, max_hours: float) -> dict[str, Any]:
    hours = (now - reference) / 3600
    if last_publish is None:
        sejak_id = f"belum pernah sejak pengawas aktif {_when(reference)}"
        sejak_en = f"none since the watchdog started {_when(reference)}"
    else:
        sejak_id = sejak_en = _when(last_publish)
    pesan = (
        f"Database analis p3jr tidak diterbitkan ulang selama {hours:.0f} jam (terakhir: {sejak_id}; batas "
        f"{max_hours:g} jam): run malam gagal, tertahan, atau tidak berjalan."
    )
    message = (
        f"No successful publish of the p3jr analyst database for {hours:.0f} h (last: {sejak_en}; limit "
        f"{max_hours:g} h): the nightly run failed, is stuck, or did not run."
    )
    return {
        "jenis": JENIS_BASI,
        "waktu": _when(now),
        "publikasi_terakhir": _when(last_publish) if last_publish is not None else None,
        "jam_sejak": round(hours, 1),
        "batas_jam": max_hours,
        "pesan": pesan,
        "message": message,
        "text": pesan,
    }
