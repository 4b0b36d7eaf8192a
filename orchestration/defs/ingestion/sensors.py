"""Landing sensor: a district that uploads a correction at noon gets a run for that district only."""

import hashlib
import json

import dagster as dg

from orchestration.defs.resources import SettingsResource
from orchestration.lib.ingest import changes
from orchestration.lib.runs import REFRESH_JOB, range_tags
from sources.reference import district_codes


def content_fingerprint(files: dict) -> str:
    """(name, content hash) of one folder: the run key of the run requested for it."""
    return hashlib.sha256(json.dumps(sorted((n, v[2]) for n, v in files.items())).encode()).hexdigest()


@dg.sensor(
    name="landing_files_sensor",
    job_name=REFRESH_JOB,
    minimum_interval_seconds=60,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Watches the landing folders: one district changed → a run for that district; several "
    "(first load, a busy morning) → one run from the first to the last changed district.",
)
def landing_files_sensor(context: dg.SensorEvaluationContext, settings: SettingsResource):
    """The change detector (lib/ingest/changes.py) against the last scan this sensor acted on (its
    cursor, also the hash cache) or, on a fresh cursor (first tick after a deploy), against the
    registry: only districts whose landing folder differs from it get a run. The warehouse is read on
    that first tick only: a reader beside a running writer would make one of them fail."""
    s = settings.get()
    previous = changes.load_scan(json.loads(context.cursor)) if context.cursor else None
    if previous is not None:
        known = changes.as_known(previous)
    else:
        try:
            known = changes.read_registry_state(s.warehouse_path)
        except Exception as exc:  # the warehouse is being written: look again at the next tick
            yield dg.SkipReason(f"registry not readable yet ({type(exc).__name__}); retrying next tick")
            return
    if not s.landing_dir.is_dir():
        # Never a mass withdrawal: the runs would stop at the landing guard anyway.
        yield dg.SkipReason(f"folder kiriman tidak ada / landing folder missing: {s.landing_dir}")
        return
    districts = list(district_codes())
    current = changes.scan(s.landing_dir, previous)
    had_files = any(k.present for d in districts for k in known.get(d, {}).values())
    if had_files and not any(current.get(d) for d in districts):
        yield dg.SkipReason(
            f"folder kiriman kosong / landing folder {s.landing_dir} holds no district file; "
            "no run requested (check the path or run `p3jr run --izinkan-penarikan`)"
        )
        return
    diff = changes.diff(current, known, districts)
    changed = [d for d in districts if d in diff]
    if len(changed) > 1:
        # A first load or a busy morning: one run from the first to the last changed district, not one
        # per district (each run costs start-up, dbt and publish; unchanged districts in between are
        # skipped inside the run).
        everything = hashlib.sha256("".join(content_fingerprint(current.get(k, {})) for k in changed).encode())
        yield dg.RunRequest(
            run_key=f"{changed[0]}..{changed[-1]}:{everything.hexdigest()[:16]}",
            tags={
                **range_tags(changed[0], changed[-1]),
                "p3jr/pemicu": "landing_sensor",
                "p3jr/kabupaten_berubah": " ".join(changed),
            },
        )
    for kode in changed if len(changed) == 1 else []:
        yield dg.RunRequest(
            run_key=f"{kode}:{content_fingerprint(current.get(kode, {}))[:16]}",
            partition_key=kode,
            tags={"p3jr/pemicu": "landing_sensor"},
        )
    context.update_cursor(json.dumps(current))
    if not changed:
        yield dg.SkipReason("tidak ada file baru / no landing folder changed")
