"""The province ranking as published (the analysts' DuckDB copy, swapped atomically, never locked by a run)."""

from __future__ import annotations

import threading
from datetime import UTC
from pathlib import Path

from django.conf import settings

COLUMNS = (
    "peringkat",
    "kode_kabupaten",
    "nama_kabupaten",
    "indeks_capaian",
    "penghargaan",
    "cakupan",
    "akurasi",
    "kelengkapan",
    "ketepatan_waktu",
    "target_rumah_tangga",
    "rumah_tangga_valid",
    "baris_dibaca",
    "baris_karantina",
    "file_terakhir_diterima",
)
_cache: dict = {}
_lock = threading.Lock()


def _plain(v):
    if hasattr(v, "isoformat"):
        return v.isoformat()
    if v is None or isinstance(v, (int, float, str)):
        return v
    return float(v)  # Decimal


def load_ranking() -> dict | None:
    """{"diterbitkan_pada": ..., "baris": [dict per district]} or None before the first publication."""
    from orchestration.lib.warehouse import WarehouseBusy, open_duckdb

    path = Path(settings.P3JR["published_db"])
    try:
        st = path.stat()
    except FileNotFoundError:
        return None
    key = (st.st_ino, st.st_mtime_ns, st.st_size)
    with _lock:
        if _cache.get("key") == key:
            return _cache["value"]
    try:
        con = open_duckdb(path, read_only=True)
    except WarehouseBusy:
        return _cache.get("value")
    try:
        cols = [
            c
            for (c,) in con.execute(
                "SELECT column_name FROM information_schema.columns WHERE table_schema = 'marts' "
                "AND table_name = 'capaian_pendataan'"
            ).fetchall()
        ]
        if not cols:
            return None
        wanted = [c for c in COLUMNS if c in cols]
        rows = con.execute(
            f"SELECT {', '.join(wanted)} FROM marts.capaian_pendataan ORDER BY peringkat NULLS LAST, kode_kabupaten"
        ).fetchall()
    finally:
        con.close()
    from datetime import datetime

    value = {
        "diterbitkan_pada": datetime.fromtimestamp(st.st_mtime, UTC).isoformat(),
        "baris": [{c: _plain(v) for c, v in zip(wanted, r)} for r in rows],
    }
    with _lock:
        _cache.update(key=key, value=value)
    return value
