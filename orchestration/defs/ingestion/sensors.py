"""Landing sensor: a district that uploads a correction at noon gets a run for that district only."""

import hashlib
import json
import os
from pathlib import Path

import dagster as dg

from orchestration.settings import load_settings
from orchestration.lib.runs import ALL_DISTRICTS_TAGS, REFRESH_JOB
from orchestration.lib.registry import sha256_of
from sources.reference import district_codes


def landing_state(landing_dir: Path, previous: dict) -> dict:
    """{district: {file name: [size, mtime_ns, sha256]}}; content is re-hashed only when size/mtime changed."""
    state: dict[str, dict[str, list]] = {}
    for kode in district_codes():
        folder = landing_dir / kode
        if not folder.is_dir():
            continue
        files = {}
        for entry in os.scandir(folder):
            if not entry.is_file(follow_symlinks=False):
                continue
            st = entry.stat(follow_symlinks=False)
            old = previous.get(kode, {}).get(entry.name)
            if old and old[0] == st.st_size and old[1] == st.st_mtime_ns:
                files[entry.name] = old
            else:
                files[entry.name] = [st.st_size, st.st_mtime_ns, sha256_of(Path(entry.path))]
        state[kode] = files
    return state


def content_fingerprint(files: dict[str, list]) -> str:
    return hashlib.sha256(json.dumps(sorted((n, v[2]) for n, v in files.items())).encode()).hexdigest()


def changed_districts(previous: dict, current: dict) -> list[str]:
    """Districts whose set of (name, content hash) differs; a touched-but-identical file is no change."""
    out = []
    for kode in district_codes():
        if content_fingerprint(previous.get(kode, {})) != content_fingerprint(current.get(kode, {})):
            out.append(kode)
    return out


def registry_state(warehouse_path: Path) -> dict:
    """What the pipeline already holds, in the sensor's cursor shape: on a fresh cursor (first tick
    after a deploy) only districts whose landing folder differs from the registry get a run."""
    import duckdb

    if not warehouse_path.exists():
        return {}
    con = duckdb.connect(str(warehouse_path), read_only=True)
    try:
        rows = con.execute(
            "SELECT folder, nama_file, file_hash FROM ingestion.file_registry WHERE status IN ('active', 'rejected')"
        ).fetchall()
    finally:
        con.close()
    state: dict[str, dict[str, list]] = {}
    for folder, name, file_hash in rows:
        state.setdefault(folder, {})[name] = [None, None, file_hash]
    return state


@dg.sensor(name="landing_files_sensor", job_name=REFRESH_JOB, minimum_interval_seconds=60,
           default_status=dg.DefaultSensorStatus.RUNNING,
           description="Watches the landing folders: one district changed → a run for that district; several "
                       "(first load, a busy morning) → one run over all districts.")
def landing_files_sensor(context: dg.SensorEvaluationContext):
    settings = load_settings()
    if context.cursor:
        previous = json.loads(context.cursor)
    else:
        try:
            previous = registry_state(settings.warehouse_path)
        except Exception as exc:  # the warehouse is being written: look again at the next tick
            yield dg.SkipReason(f"registry not readable yet ({type(exc).__name__}); retrying next tick")
            return
    if not settings.landing_dir.is_dir():
        # Never a mass withdrawal: the runs would stop at the landing guard anyway.
        yield dg.SkipReason(f"folder kiriman tidak ada / landing folder missing: {settings.landing_dir}")
        return
    current = landing_state(settings.landing_dir, previous)
    if any(previous.values()) and not any(current.values()):
        yield dg.SkipReason(f"folder kiriman kosong / landing folder {settings.landing_dir} holds no district file; "
                            "no run requested (check the path or run `p3jr run --izinkan-penarikan`)")
        return
    changed = changed_districts(previous, current)
    if len(changed) > 1:
        # A first load or a busy morning: one run over the whole range, not one per district (each
        # run costs start-up, dbt and publish; unchanged districts are skipped inside the run).
        everything = hashlib.sha256("".join(content_fingerprint(current.get(k, {})) for k in changed).encode())
        yield dg.RunRequest(run_key=f"semua:{everything.hexdigest()[:16]}",
                            tags={**ALL_DISTRICTS_TAGS, "p3jr/pemicu": "landing_sensor",
                                  "p3jr/kabupaten_berubah": " ".join(changed)})
    for kode in changed if len(changed) == 1 else []:
        yield dg.RunRequest(
            run_key=f"{kode}:{content_fingerprint(current.get(kode, {}))[:16]}",
            partition_key=kode,
            tags={"p3jr/pemicu": "landing_sensor"},
        )
    context.update_cursor(json.dumps(current))
    if not changed:
        yield dg.SkipReason("tidak ada file baru / no landing folder changed")

