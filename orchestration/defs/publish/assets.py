"""Analyst database, officials' reports and district feedback files, after the marts."""

from datetime import timedelta

import dagster as dg

from orchestration.defs.quality.assets import STATUS_PENGAJUAN
from orchestration.lib import state
from orchestration.lib.warehouse import WRITER_POOL, WarehouseResource
from orchestration.settings import load_settings

MART_NAMES = (
    "backlog_kabupaten", "backlog_kecamatan", "backlog_desa", "realisasi_program",
    "capaian_pendataan", "capaian_pendataan_harian", "proyeksi_capaian",
)
MARTS = [dg.AssetKey(["marts", name]) for name in MART_NAMES]
REFERENCE = [dg.AssetKey(["referensi", n]) for n in ("kabupaten_kota_ntt", "wilayah_ntt", "target_pendataan")]
PUBLISHED_DB = dg.AssetKey(["publish", "database_analis"])
OFFICIAL_REPORTS = dg.AssetKey(["publish", "laporan_pejabat"])
FEEDBACK = dg.AssetKey(["quality", "umpan_balik_kabupaten"])
# A missed night shows: warn after 26 h, fail after 50 h without a new publish.
FRESHNESS = dg.FreshnessPolicy.time_window(warn_window=timedelta(hours=26), fail_window=timedelta(hours=50))


@dg.asset(key=PUBLISHED_DB, deps=MARTS + REFERENCE, group_name="publish", kinds={"duckdb", "parquet"},
          pool=WRITER_POOL, freshness_policy=FRESHNESS,
          description="Read-only copy of the marts for analysts: fresh file, checkpoint, atomic rename over "
                      "<data>/published/p3jr.duckdb, plus Parquet per mart. No personal data.")
def database_analis(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> dg.MaterializeResult:
    from orchestration.defs.publish import publish

    settings = load_settings()
    with warehouse.connect() as con:  # the writer lock: nothing writes the warehouse while it is copied
        info = publish.publish_database(warehouse.db_path(), settings.published_db, warehouse_con=con)
        state.write_marker(settings, state.input_fingerprint(con), context.run.run_id)
    context.log.info(f"published {settings.published_db}")
    return dg.MaterializeResult(metadata={
        "path": dg.MetadataValue.path(str(settings.published_db)),
        "tabel": dg.MetadataValue.json(info.get("tables", {})),
        "cara_membuka": f".venv/bin/duckdb -readonly {settings.published_db}",
    })


@dg.asset(key=OFFICIAL_REPORTS, deps=[PUBLISHED_DB], group_name="publish", kinds={"excel"},
          description="Excel summary (ranking with every index component, backlog/RTLH, programme output) and PNG charts.")
def laporan_pejabat(context: dg.AssetExecutionContext) -> dg.MaterializeResult:
    from orchestration.defs.publish import reports

    settings = load_settings()
    out = reports.build_official_reports(settings.published_db, settings.reports_dir)
    meta = {k: dg.MetadataValue.path(str(v)) for k, v in out.items() if k != "markdown_preview"}
    meta["peringkat"] = dg.MetadataValue.md(out.get("markdown_preview", ""))
    return dg.MaterializeResult(metadata=meta)


@dg.asset(key=FEEDBACK, deps=[STATUS_PENGAJUAN, dg.AssetKey(["marts", "capaian_pendataan"]),
                               dg.AssetKey(["marts", "proyeksi_capaian"])], group_name="quality",
          kinds={"excel"},
          description="One feedback workbook per district (reports/umpan_balik/<kode>/): files, counts, hold reason, "
                      "quarantined rows with reasons in Indonesian. Personal data: only for the district itself.")
def umpan_balik_kabupaten(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> dg.MaterializeResult:
    from orchestration.defs.quality import feedback

    settings = load_settings()
    written = {}
    with warehouse.connect(read_only=False) as con:
        capaian = {r["kode_kabupaten"]: r for r in con.sql("SELECT * FROM marts.capaian_pendataan").df().to_dict("records")}
        codes = [r[0] for r in con.execute("SELECT DISTINCT folder FROM ingestion.file_registry WHERE kode_kabupaten IS NOT NULL").fetchall()]
        for kode in sorted(codes):
            path = feedback.write_feedback(con, kode, settings.feedback_dir, capaian=capaian.get(kode))
            if path:
                written[kode] = str(path)
    return dg.MaterializeResult(metadata={"file": dg.MetadataValue.json(written), "jumlah": len(written)})
