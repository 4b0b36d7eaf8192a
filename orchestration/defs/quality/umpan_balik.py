"""District feedback workbooks, after the marts (the per-district counts and index components)."""

import dagster as dg

from orchestration.defs.quality.assets import STATUS_PENGAJUAN
from orchestration.defs.resources import SettingsResource, WarehouseResource
from orchestration.lib.publish.data_dictionary import Labels
from orchestration.lib.reports import feedback_digest
from orchestration.lib.runs import FORCE_TAG

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
    # a district's workbook is rewritten only when what it shows changed (its digest), unless forced
    force = context.run.tags.get(FORCE_TAG) == "ya"
    labels = Labels.load()
    files, ditulis, tidak_berubah, alasan = {}, [], [], {}
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
            result = feedback_digest.write_feedback_if_changed(
                con, kode, feedback_dir, capaian=capaian.get(kode), labels=labels, force=force
            )
            if result.path is None:
                continue
            files[kode] = str(result.path)
            if result.written:
                ditulis.append(kode)
                alasan[kode] = result.reason + (f" ({', '.join(result.changed)})" if result.changed else "")
            else:
                tidak_berubah.append(kode)
    context.log.info(f"umpan balik: {len(ditulis)} ditulis ulang, {len(tidak_berubah)} tidak berubah")
    return dg.MaterializeResult(
        metadata={
            "file": dg.MetadataValue.json(files),
            "jumlah": len(files),
            "ditulis": dg.MetadataValue.json(ditulis),
            "jumlah_ditulis": len(ditulis),
            "tidak_berubah": dg.MetadataValue.json(tidak_berubah),
            "jumlah_tidak_berubah": len(tidak_berubah),
            "alasan_ditulis": dg.MetadataValue.json(alasan),
        }
    )
