"""District feedback workbooks, after the marts (the per-district counts and index components)."""

import dagster as dg

from orchestration.defs.quality.assets import STATUS_PENGAJUAN
from orchestration.defs.resources import SettingsResource
from orchestration.lib.reports.feedback_pool import write_all_feedback
from orchestration.lib.runs import FORCE_TAG
from orchestration.lib.warehouse import writer_lock

FEEDBACK = dg.AssetKey(["quality", "umpan_balik_kabupaten"])


@dg.asset(
    key=FEEDBACK,
    deps=[STATUS_PENGAJUAN, dg.AssetKey(["marts", "capaian_pendataan"]), dg.AssetKey(["marts", "proyeksi_capaian"])],
    group_name="quality",
    kinds={"excel"},
    description="One feedback workbook per district (reports/umpan_balik/<kode>/): files, counts, hold reason, "
    "quarantined rows with reasons in Indonesian. Personal data: only for the district itself.",
)
def umpan_balik_kabupaten(context: dg.AssetExecutionContext, settings: SettingsResource) -> dg.MaterializeResult:
    s = settings.get()
    # a district's workbook is rewritten only when what it shows changed (its digest), unless forced
    force = context.run.tags.get(FORCE_TAG) == "ya"
    files, ditulis, tidak_berubah, alasan = {}, [], [], {}
    with writer_lock(s.warehouse_path):  # also over the worker processes that read it
        results = write_all_feedback(s.warehouse_path, s.feedback_dir, force=force)
    for result in results:
        if result.path is None:
            continue
        kode = result.kode_kabupaten
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
