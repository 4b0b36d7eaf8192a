"""The Dagster code location: one folder per domain under defs/, merged here."""
import dagster as dg

from orchestration import settings as _settings  # noqa: F401  (telemetry off before anything else loads)
from orchestration.defs.ingestion.assets import ingest_district_files
from orchestration.defs.ingestion.sensors import build_landing_sensor
from orchestration.defs.marts.assets import dbt_resource, p3jr_dbt_assets
from orchestration.defs.operations.alerts import p3jr_run_failure_alert
from orchestration.defs.operations.jobs import REFRESH_JOB, nightly_schedule, refresh_job
from orchestration.defs.operations.watchdog import p3jr_pengawas
from orchestration.defs.publish.assets import database_analis, laporan_pejabat, umpan_balik_kabupaten
from orchestration.defs.quality.assets import gate_district_submissions, resolve_accepted_rows
from orchestration.lib.warehouse import WarehouseResource

defs = dg.Definitions(
    assets=[
        ingest_district_files,
        gate_district_submissions,
        resolve_accepted_rows,
        p3jr_dbt_assets,
        database_analis,
        laporan_pejabat,
        umpan_balik_kabupaten,
    ],
    jobs=[refresh_job],
    schedules=[nightly_schedule],
    sensors=[build_landing_sensor(REFRESH_JOB), p3jr_run_failure_alert, p3jr_pengawas],
    resources={"warehouse": WarehouseResource(), "dbt": dbt_resource},
)
