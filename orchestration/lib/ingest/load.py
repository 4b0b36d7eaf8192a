"""One run's ingestion: every folder of the run registered, archived and loaded from ONE scan."""

from __future__ import annotations

from pathlib import Path

import duckdb

from orchestration.lib.ingest.changes import FolderChanges, Scan, diff, registry_state
from orchestration.lib.ingest.landing import ROOT_FOLDER, ignored_root_entries, landing_folders
from orchestration.lib.ingest.parallel import ParallelReader, PendingRead
from orchestration.lib.ingest.registry import IngestResult, ingest_folder, record_skipped
from orchestration.lib.ingest.schema import ensure_schema
from orchestration.lib.warehouse import release_memory, transaction
from orchestration.settings import now as settings_now


def ingest_landing(
    con: duckdb.DuckDBPyConnection,
    landing_dir: Path,
    landing: Scan,
    districts: list[str],
    *,
    run_id: str,
    archive_dir: Path,
    max_bytes: int,
    log=None,
) -> dict[str, IngestResult]:
    """The stray folders and the root's loose files (registered as rejected), then the district
    folders of the run; files to read go to worker processes first. ``landing`` is the run's scan:
    its hashes are the registry's keys, so no file is hashed again here."""
    ensure_schema(con)
    folders = landing_folders(landing_dir, districts)
    with transaction(con):
        record_skipped(con, ROOT_FOLDER, ignored_root_entries(landing_dir), run_id, settings_now().replace(tzinfo=None))
    for lf in folders:
        if lf.is_district:
            continue
        res = ingest_folder(
            con,
            lf.folder,
            lf.path,
            run_id=run_id,
            archive_dir=archive_dir,
            max_bytes=max_bytes,
            is_district=False,
            landing_root=lf.landing_root,
            hashes=landing.get(lf.folder, {}),
            log=log,
        )
        for name, code, _ in res.rejected:
            if log:
                log.warning(f"landing/{lf.folder}/{name}: ditolak ({code}): folder is not a district code")
    district_folders = [lf for lf in folders if lf.is_district]
    todo = diff(landing, registry_state(con), [lf.folder for lf in district_folders])
    pending = {
        lf.folder: [
            PendingRead(lf.path / name, landing[lf.folder][name].size, landing[lf.folder][name].sha256)
            for name in todo.get(lf.folder, FolderChanges()).new
        ]
        for lf in district_folders
    }
    out: dict[str, IngestResult] = {}
    reader = ParallelReader(max_bytes)
    try:
        reader.submit([f for files in pending.values() for f in files])
        for lf in district_folders:
            res = ingest_folder(
                con,
                lf.folder,
                lf.path,
                run_id=run_id,
                archive_dir=archive_dir,
                max_bytes=max_bytes,
                hashes=landing.get(lf.folder, {}),
                log=log,
                prefetched=reader.results_for(pending[lf.folder]),
            )
            out[lf.folder] = res
            for name, code, msg in res.rejected:
                if log:
                    log.warning(f"{lf.folder}/{name}: file ditolak / rejected [{code}] {msg}")
    finally:
        reader.close()
        release_memory()
    return out
