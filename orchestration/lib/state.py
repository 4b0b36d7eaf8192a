"""What the last successful publish was built from, so a rerun with nothing new does almost no work."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from pathlib import Path

import duckdb

from orchestration.lib.files import SHARED_FILE_MODE, atomic_write
from orchestration.lib.ingest import changes
from orchestration.lib.ingest.changes import Scan
from orchestration.lib.warehouse import table_exists
from orchestration.settings import DBT_PROJECT_DIR, Settings, tanggal_run


def code_fingerprint(dbt_project_dir: Path = DBT_PROJECT_DIR) -> str:
    """The gate's contract fingerprint (contract files + row rules), the dbt project's files (models,
    macros, vars, seeds, data tests) and the dbt versions that build them. Not the parsed manifest: every
    parse (`make install`, `dagster dev`, an engineer's `dbt ls`) rewrites it with a new timestamp, and the
    next run would then redo every district although nothing that decides a figure changed."""
    from importlib.metadata import version

    from orchestration.lib.dbt_cli import PROJECT_SOURCES, project_fingerprint
    from orchestration.lib.gate import contract_fingerprint

    h = hashlib.sha256(contract_fingerprint().encode())
    h.update(project_fingerprint(dbt_project_dir, PROJECT_SOURCES).encode())
    h.update(f"dbt-core {version('dbt-core')} dbt-duckdb {version('dbt-duckdb')}".encode())
    return h.hexdigest()


def input_fingerprint(con: duckdb.DuckDBPyConnection) -> str:
    rows = con.execute(
        "SELECT folder, file_hash, status FROM ingestion.file_registry ORDER BY folder, file_hash"
    ).fetchall()
    h = hashlib.sha256(code_fingerprint().encode())
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
    atomic_write(
        path, json.dumps({"tanggal": tanggal_run(), "sidik_masukan": fingerprint, "run_id": run_id}), SHARED_FILE_MODE
    )


def already_published_today(settings: Settings, fingerprint: str, run_succeeded: Callable[[str], bool]) -> bool:
    """True when today's publish was built from exactly these files and this code, and the run that
    published it finished every step (a run killed after the publish left the feedback and the
    officials' reports stale: the next run must redo them, not take this fast path)."""
    m = read_marker(settings)
    if not (
        m
        and m.get("tanggal") == tanggal_run()
        and m.get("sidik_masukan") == fingerprint
        and settings.published_db.exists()
    ):
        return False
    return bool(m.get("run_id")) and run_succeeded(m["run_id"])


def unchanged_since_publish(
    settings: Settings,
    landing: Scan,
    con: duckdb.DuckDBPyConnection,
    districts: list[str],
    run_succeeded: Callable[[str], bool],
) -> bool:
    """THE "nothing changed since today's publish" decision, taken before a run writes anything: by
    `p3jr run` before it starts a run at all (:func:`nothing_changed`) and by the ingestion step before
    it ingests (runs the CLI did not start: schedule, sensor, queue). True when the run's folders hold
    exactly what the registry holds (:func:`changes.diff` is empty, so ingesting would change nothing),
    today's publish was built from that registry with this code, and the run that published finished.
    ``--force`` (run tag ``p3jr/paksa``) is the callers' business: it skips this question."""
    if not settings.landing_dir.is_dir() or not table_exists(con, "ingestion", "file_registry"):
        return False
    if changes.diff(landing, changes.registry_state(con), changes.run_folders(landing, districts)):
        return False
    return already_published_today(settings, input_fingerprint(con), run_succeeded)


def journal_path(settings: Settings) -> Path:
    return settings.data_dir / ".p3jr_run_terakhir.json"


def record_cli_runs(settings: Settings, run_ids: list[str] | None, succeeded: bool = False) -> None:
    """What `p3jr run` knows about its own runs, so the next call can answer "nothing changed" without
    opening the Dagster instance: ``None`` = a run is starting (a killed run leaves this behind, and the
    next call then takes the path that ends dead runs); afterwards the run ids and whether all succeeded."""
    data = {"selesai": run_ids is not None, "berhasil": bool(succeeded), "run_id": list(run_ids or [])}
    atomic_write(journal_path(settings), json.dumps(data))


def cli_run_succeeded(settings: Settings) -> Callable[[str], bool] | None:
    """``run_succeeded`` from the journal when the last `p3jr run` finished; ``None`` when it did not (or
    never ran): then only the Dagster instance can tell."""
    try:
        data = json.loads(journal_path(settings).read_text())
    except (OSError, ValueError):
        return None
    if not (isinstance(data, dict) and data.get("selesai")):
        return None
    good = set(data.get("run_id") or []) if data.get("berhasil") else set()
    return lambda run_id: run_id in good


def nothing_changed(
    settings: Settings, run_succeeded: Callable[[str], bool], districts: list[str] | None = None
) -> bool:
    """:func:`unchanged_since_publish` for `p3jr run`, before any run is started. Read-only; the
    landing zone is hashed only when today's marker could still match (the hashes are kept for the
    run that follows in this process, see :mod:`changes`)."""
    from orchestration.lib.warehouse import connect
    from sources.reference import district_codes

    m = read_marker(settings)
    if not (settings.warehouse_path.exists() and m.get("tanggal") == tanggal_run() and settings.published_db.exists()):
        return False
    districts = list(districts or district_codes())
    landing = changes.scan(settings.landing_dir, districts=districts)
    with connect(settings.warehouse_path, read_only=True) as con:  # WarehouseBusy when a writer holds it
        return unchanged_since_publish(settings, landing, con, districts, run_succeeded)


def districts_with_work(settings: Settings) -> list[str] | None:
    """The districts (code order) a run over the province would work on: landing folders that differ
    from the registry (:func:`changes.diff`) and districts whose gate decision is out of date (a
    contract change, a run killed between ingestion and the gate: ``gate.undecided_districts``).
    ``None`` when that cannot be told before the run (no warehouse yet, a writer holds it). Read-only;
    the hashes are kept for the run that follows in this process."""
    from orchestration.lib import gate
    from orchestration.lib.warehouse import WarehouseBusy, connect
    from sources.reference import district_codes

    codes = list(district_codes())
    if not (settings.warehouse_path.exists() and settings.landing_dir.is_dir()):
        return None
    landing = changes.scan(settings.landing_dir, districts=codes)
    try:
        with connect(settings.warehouse_path, read_only=True) as con:
            if not table_exists(con, "ingestion", "file_registry"):
                return None
            work = set(changes.diff(landing, changes.registry_state(con), codes))
            work |= set(gate.undecided_districts(con, codes))
    except WarehouseBusy:
        return None
    return [d for d in codes if d in work]
