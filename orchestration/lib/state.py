"""What the last successful publish was built from, so a rerun with nothing new does almost no work."""
from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from pathlib import Path

import duckdb

from orchestration.lib.files import SHARED_FILE_MODE, atomic_write
from orchestration.settings import DBT_PROJECT_DIR, Settings, tanggal_run

def today() -> str:
    return tanggal_run()


def _code_fingerprint() -> str:
    """The gate's contract fingerprint (contract files + row rules) plus the dbt project."""
    from orchestration.lib.gate import contract_fingerprint

    h = hashlib.sha256(contract_fingerprint().encode())
    manifest = DBT_PROJECT_DIR / "target" / "manifest.json"
    if manifest.exists():
        h.update(manifest.read_bytes())
    return h.hexdigest()


def input_fingerprint(con: duckdb.DuckDBPyConnection) -> str:
    rows = con.execute(
        "SELECT folder, file_hash, status FROM ingestion.file_registry ORDER BY folder, file_hash").fetchall()
    h = hashlib.sha256(_code_fingerprint().encode())
    h.update(json.dumps(rows).encode())
    return h.hexdigest()


def marker_path(settings: Settings) -> Path:
    return settings.published_dir / ".p3jr_state.json"


def read_marker(settings: Settings) -> dict:
    try:
        return json.loads(marker_path(settings).read_text())
    except (OSError, ValueError):
        return {}


def write_marker(settings: Settings, fingerprint: str, run_id: str) -> None:
    path = marker_path(settings)
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(path, json.dumps({"tanggal": today(), "sidik_masukan": fingerprint, "run_id": run_id}),
                 SHARED_FILE_MODE)


def already_published_today(settings: Settings, fingerprint: str, run_succeeded: Callable[[str], bool]) -> bool:
    """True when today's publish was built from exactly these files and this code, and the run that
    published it finished every step (a run killed after the publish left the feedback and the
    officials' reports stale: the next run must redo them, not take this fast path)."""
    m = read_marker(settings)
    if not (m and m.get("tanggal") == today() and m.get("sidik_masukan") == fingerprint
            and settings.published_db.exists()):
        return False
    return bool(m.get("run_id")) and run_succeeded(m["run_id"])


def nothing_changed(settings: Settings, run_succeeded: Callable[[str], bool]) -> bool:
    """The landing zone holds exactly the files the registry already has, and today's publish was
    built from them with this code: a run would change nothing. Read-only; no Dagster run needed."""
    from orchestration.lib import registry
    from orchestration.lib.warehouse import open_duckdb
    from sources.reference import district_codes

    if not settings.warehouse_path.exists() or not marker_path(settings).exists():
        return False
    present: set[tuple[str, str]] = set()
    folders = [(k, settings.landing_dir / k) for k in district_codes()]
    folders += [(f or registry.STRAY_FOLDER, p) for f, p in registry.stray_folders(settings.landing_dir)]
    for folder, path in folders:
        for f in registry.scan_folder(path, folder):
            present.add((folder, registry.sha256_of(f.path)))
    con = open_duckdb(settings.warehouse_path, read_only=True)  # WarehouseBusy when a writer holds it
    try:
        known = {(f, h): s for f, h, s in con.execute(
            "SELECT folder, file_hash, status FROM ingestion.file_registry").fetchall()}
        if any(known.get(k) not in ("active", "rejected") for k in present):
            return False
        if any(s == "active" and k not in present for k, s in known.items()):
            return False
        return already_published_today(settings, input_fingerprint(con), run_succeeded)
    finally:
        con.close()
