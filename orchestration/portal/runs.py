"""Receive uploads and get them judged: request a run for the district, then collect its outcome.

No job queue of our own: per district at most one request is in flight, uploads that arrive
meanwhile are coalesced into it (or into one follow-up run if the first run did not see them),
and the pipeline's own locks serialise districts (`p3jr run --tunggu` waits for the writer; in
production the Dagster run queue and its `duckdb_writer` pool do).

Triggers (P3JR_PORTAL_PEMICU): ``lokal`` runs the existing entry `p3jr run --district K` beside
the portal (embedded default, no daemon); ``antrean`` queues the run through the Dagster webserver
(orchestration.instance.queue); ``sensor`` leaves it to the landing sensor and only watches.
"""

from __future__ import annotations

import logging
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit

from django.conf import settings
from django.db import close_old_connections, connection
from django.utils import timezone

from orchestration.portal import outcomes
from orchestration.portal.models import PENDING, Kiriman
from orchestration.portal.uploads import store_upload

log = logging.getLogger(__name__)
_lock = threading.Lock()
_state: dict[str, dict] = {}  # kode -> {"busy": bool, "again": bool}
SYNC_INTERVAL_S = 300
SENSOR_POLL_S = 10


def receive(chunks, original_name: str, kode: str, user) -> Kiriman:
    """Store one uploaded file in the district's landing folder and record it as waiting."""
    conf = settings.P3JR
    stored = store_upload(
        chunks,
        original_name,
        kode,
        landing_dir=conf["landing_dir"],
        portal_dir=conf["portal_dir"],
        max_bytes=settings.MAX_UPLOAD_BYTES,
    )
    # A file of the same name is replaced in the folder: its earlier upload is no longer current.
    Kiriman.objects.filter(kode_kabupaten=kode, nama_berkas=stored.name, masih_di_folder=True).exclude(
        sha256=stored.sha256
    ).update(masih_di_folder=False)
    k = Kiriman.objects.create(
        kode_kabupaten=kode,
        nama_berkas=stored.name,
        sha256=stored.sha256,
        ukuran_bytes=stored.size,
        jenis=stored.kind,
        diunggah_oleh=user,
        diterima_pada=timezone.now(),
        status="menunggu",
    )
    log.info(
        "kiriman #%d diterima untuk %s (%d byte, %s, sha256 %s…)",
        k.pk,
        kode,
        stored.size,
        stored.kind,
        stored.sha256[:12],
    )
    return k


def request_run(kode: str) -> None:
    """Ask for a run of this district; coalesced with one already requested or running."""
    with _lock:
        st = _state.setdefault(kode, {"busy": False, "again": False})
        if st["busy"]:
            st["again"] = True
            return
        st["busy"] = True
    threading.Thread(target=_worker, args=(kode,), name=f"portal-run-{kode}", daemon=True).start()


def _pending(kode: str):
    return Kiriman.objects.filter(kode_kabupaten=kode, status__in=PENDING, sumber="portal")


def _worker(kode: str) -> None:
    conf = settings.P3JR
    try:
        time.sleep(conf["debounce_seconds"])  # files sent together share one run
        while True:
            with _lock:
                _state[kode]["again"] = False
            started = timezone.now()
            _pending(kode).update(status="diproses")
            ok, note = _run(kode)
            try:
                outcomes.collect([kode])
            except Exception:  # noqa: BLE001 - keep the worker alive; the outcome is read on the next sync
                log.exception("hasil kiriman %s tidak dapat dibaca", kode)
            _settle(kode, started, ok, note)
            with _lock:
                if not (_state[kode]["again"] and _pending(kode).exists()):
                    _state[kode]["busy"] = False
                    return
    except Exception:  # noqa: BLE001
        log.exception("permintaan run %s gagal", kode)
        with _lock:
            _state[kode]["busy"] = False
    finally:
        connection.close()


def _settle(kode: str, started, ok: bool, note: str) -> None:
    """Uploads the run should have seen but did not: say why instead of leaving them spinning."""
    landing = Path(settings.P3JR["landing_dir"]) / kode
    for k in _pending(kode).filter(diterima_pada__lte=started):
        path = landing / k.nama_berkas
        if not path.exists():
            k.status, k.alasan = "ditolak", "Berkas tidak ada lagi di folder kiriman."
        elif not ok:
            k.status = "menunggu"
            k.alasan = (
                f"Pemrosesan belum berhasil ({note}); Balai sudah diberi tahu, berkas diproses pada run berikutnya."
            )
        else:
            k.status, k.alasan = "menunggu", "Belum terbaca oleh pipeline; diproses pada run berikutnya."
        k.save()


def _run(kode: str) -> tuple[bool, str]:
    conf = settings.P3JR
    trigger = conf["trigger"]
    if trigger == "antrean":
        from orchestration.instance.queue import submit_refresh_runs, wait_for_run

        url = urlsplit(conf["webserver_url"])
        where = {"host": url.hostname or "127.0.0.1", "port": url.port or 80}
        try:
            run_ids = submit_refresh_runs([kode], tags={"p3jr/pemicu": "portal"}, **where)
            statuses = [wait_for_run(r, timeout=conf["run_wait_seconds"], **where) for r in run_ids]
        except Exception as exc:  # noqa: BLE001 - webserver down: report, retry on the next upload/sync
            log.warning("run %s tidak dapat dimasukkan ke antrean: %s", kode, type(exc).__name__)
            return False, "antrean Dagster tidak dapat dihubungi"
        log.info("run %s selesai: %s", kode, ",".join(statuses))
        return all(s == "SUCCESS" for s in statuses), f"run {','.join(statuses)}"
    if trigger == "sensor":
        deadline = time.monotonic() + conf["run_wait_seconds"]
        while time.monotonic() < deadline:
            time.sleep(SENSOR_POLL_S)
            outcomes.collect([kode])
            if not _pending(kode).exists():
                break
        return True, "sensor"
    cmd = [
        sys.executable,
        "-m",
        "orchestration.cli",
        "run",
        "--district",
        kode,
        "--landing",
        str(conf["landing_dir"]),
        "--data-dir",
        str(conf["data_dir"]),
        "--tunggu",
        str(int(conf["run_wait_seconds"])),
    ]
    t0 = time.monotonic()
    # The run's own output names files and reasons; it stays in the Dagster instance, not in our log.
    # The child inherits this environment (telemetry off, P3JR_PSEUDONYM_KEY, paths).
    proc = subprocess.run(
        cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=str(Path(__file__).resolve().parents[2])
    )
    log.info("run %s selesai: kode keluar %d dalam %.0f s", kode, proc.returncode, time.monotonic() - t0)
    return proc.returncode == 0, f"kode keluar {proc.returncode}"


def _sync_loop() -> None:
    """Mirror files that arrive by other paths (SFTP drop, the nightly run) every few minutes; at
    start-up, request runs for uploads a restart left waiting (once: a failing run is not retried in a loop)."""
    first = True
    while True:
        try:
            close_old_connections()
            outcomes.collect()
            if first:
                for kode in set(
                    Kiriman.objects.filter(status__in=PENDING, sumber="portal").values_list("kode_kabupaten", flat=True)
                ):
                    request_run(kode)
            first = False
        except Exception:  # noqa: BLE001
            log.exception("sinkron hasil kiriman gagal")
        finally:
            connection.close()
        time.sleep(SYNC_INTERVAL_S)


_started = False


def start_background() -> None:
    """Once per server process: resume uploads left waiting by a restart, then keep the mirror fresh."""
    global _started
    with _lock:
        if _started:
            return
        _started = True
    threading.Thread(target=_sync_loop, name="portal-sync", daemon=True).start()
