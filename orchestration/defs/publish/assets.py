"""Analyst database and officials' reports, after the marts."""

from datetime import timedelta

import dagster as dg

from orchestration.defs.marts.assets import p3jr_dbt_assets
from orchestration.defs.resources import SettingsResource, WarehouseResource
from orchestration.lib import state
from orchestration.settings import WRITER_POOL

# What analysts get: every dbt mart and reference seed, as the dbt project defines them.
PUBLISHED_INPUTS = sorted(
    (k for k in p3jr_dbt_assets.keys if k.path[0] in ("marts", "referensi")), key=lambda k: k.to_user_string()
)
PUBLISHED_DB = dg.AssetKey(["publish", "database_analis"])
OFFICIAL_REPORTS = dg.AssetKey(["publish", "laporan_pejabat"])
# A missed night shows: warn after 26 h, fail after 50 h without a new publish.
FRESHNESS = dg.FreshnessPolicy.time_window(warn_window=timedelta(hours=26), fail_window=timedelta(hours=50))


@dg.asset(
    key=PUBLISHED_DB,
    deps=PUBLISHED_INPUTS,
    group_name="publish",
    kinds={"duckdb", "parquet"},
    pool=WRITER_POOL,
    freshness_policy=FRESHNESS,
    description="Read-only copy of the marts for analysts: fresh file, checkpoint, atomic rename over "
    "<data>/published/p3jr.duckdb, plus Parquet per mart. No personal data.",
)
def database_analis(
    context: dg.AssetExecutionContext, warehouse: WarehouseResource, settings: SettingsResource
) -> dg.MaterializeResult:
    from orchestration.lib.publish.data_dictionary import default_manifest
    from orchestration.lib.publish.database import publish_database

    s = settings.get()
    with warehouse.connect() as con:  # the writer lock: nothing writes the warehouse while it is copied
        # the column descriptions come from the dbt YAML through the manifest (no persist_docs)
        info = publish_database(
            warehouse.db_path(), s.published_db, warehouse_con=con, manifest_json=default_manifest()
        )
        state.write_marker(s, state.input_fingerprint(con), context.run.run_id)
    context.log.info(f"published {s.published_db}")
    return dg.MaterializeResult(
        metadata={
            "path": dg.MetadataValue.path(str(s.published_db)),
            "tabel": dg.MetadataValue.json(info.get("tables", {})),
            "cara_membuka": f".venv/bin/duckdb -readonly {s.published_db}",
        }
    )


@dg.asset(
    key=OFFICIAL_REPORTS,
    deps=[PUBLISHED_DB],
    group_name="publish",
    kinds={"excel"},
    description="Excel summary (ranking with every index component, backlog/RTLH, programme output) and PNG charts.",
)
def laporan_pejabat(context: dg.AssetExecutionContext, settings: SettingsResource) -> dg.MaterializeResult:
    from orchestration.lib.reports.officials import build_official_reports

    s = settings.get()
    out = build_official_reports(s.published_db, s.reports_dir)
    meta = {k: dg.MetadataValue.path(str(v)) for k, v in out.items() if k != "markdown_preview"}
    meta["peringkat"] = dg.MetadataValue.md(out.get("markdown_preview", ""))
    return dg.MaterializeResult(metadata=meta)
