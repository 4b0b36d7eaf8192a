"""District feedback workbooks, after the marts (the per-district counts and index components)."""

import dagster as dg

from orchestration.defs.quality.assets import STATUS_PENGAJUAN
from orchestration.defs.resources import SettingsResource, WarehouseResource
from orchestration.lib.reports import feedback

FEEDBACK = dg.AssetKey(["quality", "umpan_balik_kabupaten"])


@dg.asset(
    key=FEEDBACK,
    deps=[STATUS_PENGAJUAN, dg.AssetKey(["marts", "capaian_pendataan"]), dg.AssetKey(["marts", "proyeksi_capaian"])],
    group_name="quality",
    kinds={"excel"},
    description="One feedback workbook per district (reports/umpan_balik/<kode>/): files, counts, hold reason, "
    "quarantined rows with reasons in Indonesian. Personal data: only for the district itself.",
)
def umpan_balik_kabupaten(
    context: dg.AssetExecutionContext, warehouse: WarehouseResource, settings: SettingsResource
) -> dg.MaterializeResult:
    feedback_dir = settings.get().feedback_dir
    written = {}
    with warehouse.connect(read_only=False) as con:
        capaian = {
            r["kode_kabupaten"]: r for r in con.sql("SELECT * FROM marts.capaian_pendataan").df().to_dict("records")
        }
        codes = [
            r[0]
            for r in con.execute(
                "SELECT DISTINCT folder FROM ingestion.file_registry WHERE kode_kabupaten IS NOT NULL"
            ).fetchall()
        ]
        for kode in sorted(codes):
            path = feedback.write_feedback(con, kode, feedback_dir, capaian=capaian.get(kode))
            if path:
                written[kode] = str(path)
    return dg.MaterializeResult(metadata={"file": dg.MetadataValue.json(written), "jumlah": len(written)})
