"""Landing folders → file registry + archive → raw tables, one district partition at a time."""

import dagster as dg

from orchestration.defs.ingestion.partitions import district_partitions
from orchestration.defs.resources import SettingsResource, WarehouseResource
from orchestration.defs.retries import TRANSIENT_RETRY_POLICY, quality_failure
from orchestration.lib import gx, landing_guard, state
from orchestration.lib.ingest import changes
from orchestration.lib.ingest.load import ingest_landing
from orchestration.lib.ingest.schema import ensure_schema
from orchestration.lib.runs import FORCE_TAG, run_succeeded
from orchestration.settings import MISSING_KEY_MESSAGE, WRITER_POOL

FILE_REGISTRY = dg.AssetKey(["ingestion", "file_registry"])
RAW_RUMAH_TANGGA = dg.AssetKey(["raw", "rumah_tangga"])
RAW_REALISASI = dg.AssetKey(["raw", "realisasi_program"])


@dg.multi_asset(
    name="ingest_district_files",
    specs=[
        dg.AssetSpec(
            FILE_REGISTRY,
            skippable=True,
            group_name="ingestion",
            kinds={"duckdb"},
            description="Every file ever seen in a landing folder, keyed by content hash; archive path, "
            "arrival time (recorded once), status active/replaced/withdrawn/rejected and reason.",
        ),
        dg.AssetSpec(
            RAW_RUMAH_TANGGA,
            skippable=True,
            group_name="raw",
            kinds={"duckdb"},
            description="Household rows as text with provenance (file, sheet, row), current active files only.",
        ),
        dg.AssetSpec(
            RAW_REALISASI,
            skippable=True,
            group_name="raw",
            kinds={"duckdb"},
            description="Programme-output rows as text with provenance, current active files only.",
        ),
    ],
    partitions_def=district_partitions,
    backfill_policy=dg.BackfillPolicy.single_run(),
    pool=WRITER_POOL,
    retry_policy=TRANSIENT_RETRY_POLICY,  # file-system hiccups only; bad data never raises here
)
def ingest_district_files(context: dg.AssetExecutionContext, warehouse: WarehouseResource, settings: SettingsResource):
    """One bad file or district never stops the others: readers turn every failure into a `rejected` row."""
    s = settings.get()
    if not s.pseudonym_key:
        raise quality_failure(MISSING_KEY_MESSAGE)
    districts = list(context.partition_keys)
    tags = context.run.tags
    landing = changes.scan(s.landing_dir, districts=districts)  # the run's only pass over the files' bytes
    with warehouse.connect() as con:
        ensure_schema(con)
        verdict = landing_guard.check(
            con,
            s.landing_dir,
            districts,
            landing,
            max_share=s.max_withdrawal_share,
            confirmed=tags.get(landing_guard.CONFIRM_TAG) == "ya",
        )
        if not verdict.ok:
            raise quality_failure(
                verdict.message(),
                {
                    "folder_kiriman": str(s.landing_dir),
                    "baris_akan_ditarik": verdict.withdrawn_rows,
                    "baris_diterima_provinsi": verdict.accepted_rows,
                    "folder_hilang": ", ".join(verdict.vanished_folders) or "-",
                },
            )
        if tags.get(FORCE_TAG) != "ya" and state.unchanged_since_publish(
            s, landing, con, districts, lambda run_id: run_succeeded(context.instance, run_id)
        ):
            # The one decision (lib/state.py), taken before anything is written: no output, so the gate,
            # dbt and publish are skipped and the run still succeeds.
            context.log.info(
                "Tidak ada perubahan sejak publikasi hari ini / nothing changed since today's publish: "
                "ingestion, gate, dbt and publish skipped"
            )
            return
        gx.warm_up()  # the gate needs GX next; importing it overlaps the reading below
        per_district = ingest_landing(
            con,
            s.landing_dir,
            landing,
            districts,
            run_id=context.run.run_id,
            archive_dir=s.archive_dir,
            max_bytes=int(s.max_file_mb * 1e6),
            log=context.log,
        )
    rows = ["| kabupaten | file aktif | ditolak | baris rumah tangga | baris realisasi |", "|---|---|---|---|---|"]
    for d, res in per_district.items():
        # Per-district figures as observations, so each partition shows its own numbers in the UI.
        yield dg.AssetObservation(
            asset_key=FILE_REGISTRY,
            partition=d,
            metadata={
                "file_dilihat": res.files_seen,
                "file_aktif": res.files_active,
                "file_ditolak_run_ini": res.files_rejected,
                "file_baru_dibaca": res.files_new,
                "berubah": res.changed,
            },
        )
        for key, kind in ((RAW_RUMAH_TANGGA, "rumah_tangga"), (RAW_REALISASI, "realisasi_program")):
            yield dg.AssetObservation(
                asset_key=key,
                partition=d,
                metadata={
                    "dagster/row_count": res.rows_current.get(kind, 0),
                    "baris_baru_dimuat": res.rows_loaded.get(kind, 0),
                },
            )
        rows.append(
            f"| {d} | {res.files_active} | {res.files_rejected} | {res.rows_current.get('rumah_tangga', 0)} "
            f"| {res.rows_current.get('realisasi_program', 0)} |"
        )
    table = dg.MetadataValue.md("\n".join(rows))
    yield dg.MaterializeResult(asset_key=FILE_REGISTRY, metadata={"ringkasan": table})
    for key, kind in ((RAW_RUMAH_TANGGA, "rumah_tangga"), (RAW_REALISASI, "realisasi_program")):
        yield dg.MaterializeResult(
            asset_key=key,
            metadata={"baris_partisi_ini": sum(r.rows_current.get(kind, 0) for r in per_district.values())},
        )
