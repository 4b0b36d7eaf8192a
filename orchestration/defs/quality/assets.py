"""Quality gate assets: per-district hold/release, then the province-wide accepted rows with the
blocking reconciliation check. The post-gate invariants on the accepted rows are dbt tests on the
staging models (generated from the contract: orchestration/lib/gate/invariants.py), blocking too."""

import warnings

import dagster as dg

from orchestration.defs.ingestion.assets import FILE_REGISTRY, RAW_REALISASI, RAW_RUMAH_TANGGA
from orchestration.defs.ingestion.partitions import district_partitions
from orchestration.defs.resources import SettingsResource, WarehouseResource
from orchestration.lib import gate, gx
from orchestration.lib.runs import FORCE_TAG
from orchestration.lib.warehouse import release_memory
from orchestration.settings import WRITER_POOL, today

GERBANG = dg.AssetKey(["quality", "gerbang_kabupaten"])
RILIS_RUMAH_TANGGA = dg.AssetKey(["quality", "rilis_rumah_tangga"])
RILIS_REALISASI = dg.AssetKey(["quality", "rilis_realisasi_program"])
RUMAH_TANGGA_DITERIMA = dg.AssetKey(["quality", "rumah_tangga_diterima"])
REALISASI_DITERIMA = dg.AssetKey(["quality", "realisasi_program_diterima"])
KARANTINA = dg.AssetKey(["quality", "karantina"])
PERINGATAN = dg.AssetKey(["quality", "peringatan"])
# a dbt model (dbt_project/models/quality/status_pengajuan.sql), built from the gate's decisions
STATUS_PENGAJUAN = dg.AssetKey(["quality", "status_pengajuan"])
KARANTINA_DITAHAN = dg.AssetKey(["quality", "karantina_kiriman_ditahan"])

CHECK_TIDAK_DITAHAN = "kiriman_tidak_ditahan"
# A held district must show on its own partition; partitioned checks are a Dagster preview (1.13).
warnings.filterwarnings("ignore", message="Specifying a partitions_def on an AssetCheckSpec")
CHECK_REKONSILIASI = "rekonsiliasi_baris_dibaca_sama_dengan_diterima_plus_karantina"


@dg.multi_asset(
    name="gate_district_submissions",
    specs=[
        dg.AssetSpec(
            GERBANG,
            group_name="quality",
            deps=[FILE_REGISTRY, RAW_RUMAH_TANGGA, RAW_REALISASI],
            kinds={"duckdb"},
            description="Gate decision per district submission: released (diterima) or held (ditahan) "
            "with the reason, from the `pengajuan_kabupaten` GX suite.",
        ),
        dg.AssetSpec(
            RILIS_RUMAH_TANGGA,
            group_name="quality",
            deps=[RAW_RUMAH_TANGGA],
            kinds={"duckdb"},
            description="Evaluated household rows of each district's last released submission (last-known-good).",
        ),
        dg.AssetSpec(
            RILIS_REALISASI,
            group_name="quality",
            deps=[RAW_REALISASI],
            kinds={"duckdb"},
            description="Evaluated programme rows of each district's last released submission.",
        ),
    ],
    check_specs=[
        dg.AssetCheckSpec(
            CHECK_TIDAK_DITAHAN,
            asset=GERBANG,
            blocking=False,
            partitions_def=district_partitions,
            description="Kiriman terkini kabupaten ini dirilis (tidak ditahan). Gagal (WARN) = kiriman "
            "ditahan; versi terakhir yang diterima tetap dipakai; alasan di metadata.",
        ),
    ],
    partitions_def=district_partitions,
    backfill_policy=dg.BackfillPolicy.single_run(),
    can_subset=True,  # the per-partition check evaluations are yielded directly, not as one output
    pool=WRITER_POOL,
)
def gate_district_submissions(
    context: dg.AssetExecutionContext, warehouse: WarehouseResource, settings: SettingsResource
):
    districts = list(context.partition_keys)
    with warehouse.connect() as con:
        decisions = gate.gate_districts(
            con,
            districts,
            run_id=context.run.run_id,
            run_date=today(),
            pseudonym_key=settings.get().pseudonym_key,
            force=context.run.tags.get(FORCE_TAG) == "ya",
        )
        current = {
            r[0]: r[1:]
            for r in con.execute(
                "SELECT kode_kabupaten, status, alasan_tahan, baris_dibaca_kiriman, baris_karantina_kiriman, dirilis_pada "
                "FROM quality.gerbang_kabupaten"
            ).fetchall()
        }
    gx.stop_worker()  # the gate was its only user: its memory is free before the dbt step
    rows = ["| kabupaten | keputusan | baris dibaca | karantina | alasan ditahan |", "|---|---|---|---|---|"]
    for d in decisions:
        if d.status == "ditahan":
            context.log.warning(f"{d.kode_kabupaten}: kiriman DITAHAN / submission HELD: {d.alasan_tahan}")
        yield dg.AssetObservation(
            asset_key=GERBANG,
            partition=d.kode_kabupaten,
            metadata={
                "keputusan": d.status,
                "alasan_tahan": d.alasan_tahan or "",
                "baris_dibaca": d.baris_dibaca,
                "baris_karantina": d.baris_karantina,
            },
        )
        rows.append(
            f"| {d.kode_kabupaten} | {d.status} | {d.baris_dibaca} | {d.baris_karantina} | {d.alasan_tahan or ''} |"
        )
    held = [d for d in districts if current.get(d, ("",))[0] == "ditahan"]
    yield dg.MaterializeResult(
        asset_key=GERBANG,
        metadata={"keputusan": dg.MetadataValue.md("\n".join(rows)), "kabupaten_ditahan": ", ".join(held) or "-"},
    )
    for d in districts:
        status, why, dibaca, karantina, dirilis = current.get(d, ("tidak_ada_kiriman", None, 0, 0, None))
        yield dg.AssetCheckEvaluation(
            asset_key=GERBANG,
            check_name=CHECK_TIDAK_DITAHAN,
            partition=d,
            passed=status != "ditahan",
            severity=dg.AssetCheckSeverity.WARN,
            description=(f"DITAHAN: {why}" if status == "ditahan" else None),
            metadata={
                "status": status,
                "alasan_tahan": why or "",
                "baris_dibaca_kiriman_terkini": dibaca or 0,
                "baris_karantina_kiriman_terkini": karantina or 0,
                "versi_dipakai_dirilis_pada": str(dirilis) if dirilis else "-",
            },
        )
    yield dg.MaterializeResult(asset_key=RILIS_RUMAH_TANGGA)
    yield dg.MaterializeResult(asset_key=RILIS_REALISASI)


@dg.multi_asset(
    name="resolve_accepted_rows",
    specs=[
        dg.AssetSpec(
            RUMAH_TANGGA_DITERIMA,
            group_name="quality",
            deps=[RILIS_RUMAH_TANGGA, FILE_REGISTRY],
            kinds={"duckdb"},
            description="Accepted households, deduplicated by NIK province-wide, typed. Restricted: personal data.",
        ),
        dg.AssetSpec(
            REALISASI_DITERIMA,
            group_name="quality",
            deps=[RILIS_REALISASI],
            kinds={"duckdb"},
            description="Accepted programme-output rows, typed.",
        ),
        dg.AssetSpec(
            KARANTINA,
            group_name="quality",
            deps=[RILIS_RUMAH_TANGGA, RILIS_REALISASI],
            kinds={"duckdb"},
            description="Quarantined rows with original values, file, sheet, row and reasons in Indonesian.",
        ),
        dg.AssetSpec(
            PERINGATAN,
            group_name="quality",
            deps=[RILIS_RUMAH_TANGGA, RILIS_REALISASI],
            kinds={"duckdb"},
            description="Warnings on accepted rows (invalid optional fields set to empty).",
        ),
        dg.AssetSpec(
            KARANTINA_DITAHAN,
            group_name="quality",
            deps=[GERBANG],
            kinds={"duckdb"},
            description="Quarantined rows of held submissions (current files of districts whose submission "
            "is held), with reasons; never used by the marts, shown in the district's feedback.",
        ),
    ],
    check_specs=[
        dg.AssetCheckSpec(
            CHECK_REKONSILIASI,
            asset=RUMAH_TANGGA_DITERIMA,
            blocking=True,
            description="Setiap file aktif setiap kabupaten, termasuk yang ditahan: baris dibaca = "
            "diterima + karantina (tidak ada baris yang hilang).",
        ),
    ],
    pool=WRITER_POOL,
)
def resolve_accepted_rows(context: dg.AssetExecutionContext, warehouse: WarehouseResource):
    with warehouse.connect() as con:
        counts = gate.resolve_province(con, full=context.run.tags.get(FORCE_TAG) == "ya")
        mismatches = gate.reconciliation(con)
        release_memory()
    yield dg.AssetCheckResult(
        check_name=CHECK_REKONSILIASI,
        asset_key=RUMAH_TANGGA_DITERIMA,
        passed=not mismatches,
        metadata={"file_tidak_cocok": len(mismatches), "contoh": str(mismatches[:5])},
    )
    rt, rp = counts["rumah_tangga"], counts["realisasi_program"]
    redecided = counts["kabupaten_diputuskan_ulang"]  # None = every district (first run, --force)
    yield dg.MaterializeResult(
        asset_key=RUMAH_TANGGA_DITERIMA,
        metadata={
            "dagster/row_count": rt["diterima"],
            "kabupaten_diputuskan_ulang": "semua" if redecided is None else redecided,
        },
    )
    yield dg.MaterializeResult(asset_key=REALISASI_DITERIMA, metadata={"dagster/row_count": rp["diterima"]})
    yield dg.MaterializeResult(asset_key=KARANTINA, metadata={"dagster/row_count": rt["karantina"] + rp["karantina"]})
    yield dg.MaterializeResult(
        asset_key=PERINGATAN, metadata={"dagster/row_count": rt["peringatan"] + rp["peringatan"]}
    )
    yield dg.MaterializeResult(
        asset_key=KARANTINA_DITAHAN,
        metadata={"dagster/row_count": rt["karantina_kiriman_ditahan"] + rp["karantina_kiriman_ditahan"]},
    )
