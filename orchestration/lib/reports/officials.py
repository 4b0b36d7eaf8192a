"""Reports for officials (Balai P3KP Nusa Tenggara II), built ONLY from the published database.

Outputs in ``reports_dir`` (each written to a temp name and ``os.replace``-d, so a reader never
sees half a file):
- ``ringkasan_capaian.xlsx``: sheets *Sampul* (what, when, data cut-off, how the index is computed,
  which figures are illustrative or unknown), *Peringkat* (every index component, the weights and
  the formula; prints on ONE A4 landscape page), *Proyeksi* (marts.proyeksi_capaian), *Backlog & RTLH*
  (per kabupaten/kota, with a province total) and *Realisasi program* (tahun × program × sumber dana);
- ``grafik_capaian.png``: indeks capaian per kabupaten/kota, Terbaik I–III marked;
- ``grafik_rtlh.png``: persentase RTLH per kabupaten/kota;
- ``grafik_proyeksi.png``: cakupan now and projected at the deadline per kabupaten/kota;
- ``peringkat.md``: top-N ranking as a markdown table (also returned for Dagster metadata).

Column headers are the labels of the column dictionary (``config: meta: label`` of each mart column
in the dbt YAML, the same source as docs/kamus_data.md); nothing here retypes a column label.
Numbers use the Indonesian style (thousands dot, decimal comma, ``Rp``), times are WITA and say so.
Each chart PNG carries its title in the PNG text chunk ``Title``; a chart whose figures and drawing
code did not change since the last build is kept, not drawn again (``charts.digest``).

Unknown is never shown as 0: a NULL in the backlog marts (e.g. ``estimasi_kebutuhan_bsps_rupiah``
when too many households have an unknown BSPS eligibility, ``backlog_kepenghunian`` when no
``jumlah_kk`` is known, percentages of a district without data) is written as
``tidak diketahui`` in the workbook and the charts, and a province total that would add an unknown
is itself ``tidak diketahui``.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Mapping
from pathlib import Path

import duckdb

from orchestration.lib.files import SHARED_FILE_MODE, atomic_target
from orchestration.lib.publish.data_dictionary import Labels
from orchestration.lib.reports import charts
from orchestration.lib.reports.officials_xlsx import write_xlsx
from orchestration.lib.reports.query import columns_of, fetch_rows, has_table, open_published, scalar
from orchestration.lib.reports.style import DEFAULT_BOBOT, KOMPONEN, angka, as_wita, rumus_indeks, waktu_wita
from orchestration.settings import WITA

log = logging.getLogger(__name__)

PERINGKAT_COLUMNS = [
    "peringkat",
    "penghargaan",
    "kode_kabupaten",
    "nama_kabupaten",
    "target_rumah_tangga",
    "baris_dibaca",
    "rumah_tangga_valid",
    "baris_karantina",
    "cakupan",
    "akurasi",
    "kelengkapan",
    "ketepatan_waktu",
    "indeks_capaian",
    "file_pertama_diterima",
    "file_terakhir_diterima",
]
PROYEKSI_COLUMNS = [
    "kode_kabupaten",
    "nama_kabupaten",
    "rumah_tangga_valid",
    "target_rumah_tangga",
    "cakupan_saat_ini",
    "hari_riwayat",
    "laju_rumah_tangga_per_hari",
    "tanggal_proyeksi_tercapai",
    "proyeksi_rumah_tangga_batas_waktu",
    "proyeksi_cakupan_batas_waktu",
    "status_proyeksi",
]


def _replace(final: Path, write) -> Path:
    """Call ``write(tmp_path)``, then put the result in place atomically (readable by every reader)."""
    with atomic_target(final, SHARED_FILE_MODE) as tmp:
        write(tmp)
    return final


def _bobot_from_db(con: duckdb.DuckDBPyConnection, default: Mapping[str, float]) -> dict[str, float]:
    """Weights as published (columns ``bobot_<komponen>`` in capaian_pendataan, if present)."""
    cols = set(columns_of(con, "capaian_pendataan"))
    wanted = [f"bobot_{k}" for k in KOMPONEN]
    if not all(c in cols for c in wanted):
        return dict(default)
    row = con.execute(f"SELECT {', '.join(wanted)} FROM marts.capaian_pendataan LIMIT 1").fetchone()
    if row is None or any(v is None for v in row):
        return dict(default)
    return {k: float(v) for k, v in zip(KOMPONEN, row)}


def _published_at(con: duckdb.DuckDBPyConnection) -> dt.datetime | None:
    if "diterbitkan_pada" not in columns_of(con, "publikasi", "meta"):
        return None
    value = con.execute("SELECT max(diterbitkan_pada) FROM meta.publikasi").fetchone()[0]
    return as_wita(value) if isinstance(value, dt.datetime) else None


def _markdown(
    rows: list[tuple], top_n: int, bobot: Mapping[str, float], published_at, total: int, labels: Labels
) -> str:
    def f2(v):
        return "-" if v is None else angka(v, 2)

    cols = [
        "peringkat",
        "nama_kabupaten",
        "indeks_capaian",
        "cakupan",
        "akurasi",
        "kelengkapan",
        "ketepatan_waktu",
        "penghargaan",
    ]
    lines = [
        f"# Peringkat capaian pendataan — {min(top_n, len(rows))} teratas dari {total} kabupaten/kota",
        "",
        f"Rumus: `{rumus_indeks(bobot)}`" + (f" · data terbit {waktu_wita(published_at)}" if published_at else ""),
        "",
        "| " + " | ".join(labels("capaian_pendataan", c) for c in cols) + " |",
        "|---:|---|---:|---:|---:|---:|---:|---|",
    ]
    for r in rows[:top_n]:
        peringkat, nama, indeks, cak, aku, kel, tep, award = r
        lines.append(
            f"| {peringkat if peringkat is not None else '-'} | {nama} | {f2(indeks)} | {f2(cak)} | {f2(aku)} | "
            f"{f2(kel)} | {f2(tep)} | {award or ''} |"
        )
    lines.append("")
    return "\n".join(lines)


def _cover_info(con: duckdb.DuckDBPyConnection, published_at) -> dict:
    info: dict[str, object] = {"published_at": published_at, "dibuat": dt.datetime.now(WITA).replace(microsecond=0)}
    info["tanggal_data"] = (
        scalar(con, "proyeksi_capaian", "tanggal_acuan")
        or scalar(con, "capaian_pendataan_harian", "tanggal")
        or (published_at.date() if published_at else None)
    )
    info["file_terakhir"] = scalar(con, "capaian_pendataan", "file_terakhir_diterima")
    info["batas_waktu"] = scalar(con, "capaian_pendataan", "batas_waktu")
    info["tahun_anggaran"] = scalar(con, "capaian_pendataan", "tahun_anggaran")
    info["batas_waktu_proyeksi"] = scalar(con, "proyeksi_capaian", "batas_waktu_proyeksi")
    sumber = None
    if "sumber_target" in columns_of(con, "capaian_pendataan"):
        sumber = "; ".join(
            r[0]
            for r in con.execute(
                "SELECT DISTINCT sumber_target FROM marts.capaian_pendataan WHERE sumber_target IS NOT NULL ORDER BY 1"
            ).fetchall()
        )
    elif "sumber" in columns_of(con, "target_pendataan", "referensi"):
        sumber = "; ".join(
            r[0]
            for r in con.execute(
                "SELECT DISTINCT sumber FROM referensi.target_pendataan WHERE sumber IS NOT NULL ORDER BY 1"
            ).fetchall()
        )
    info["sumber_target"] = sumber or "target bawaan proyek (ILUSTRATIF)"
    info["target_ilustratif"] = sumber is None or "ILUSTRATIF" in sumber.upper()

    cap = set(columns_of(con, "capaian_pendataan"))
    belum: list[str] = []
    if "ada_kiriman" in cap:
        (n,) = con.execute("SELECT count(*) FROM marts.capaian_pendataan WHERE NOT ada_kiriman").fetchone()
        if n:
            belum.append(f"{n} kabupaten/kota belum mengirim data (peringkat terakhir, tanpa penghargaan)")
    if "sedang_ditahan" in cap:
        held = [
            r[0]
            for r in con.execute(
                "SELECT nama_kabupaten FROM marts.capaian_pendataan WHERE sedang_ditahan ORDER BY 1"
            ).fetchall()
        ]
        if held:
            belum.append(
                "kiriman terkini ditahan gerbang mutu (angka memakai versi terakhir yang diterima): " + ", ".join(held)
            )
    if has_table(con, "proyeksi_capaian"):
        (n,) = con.execute(
            "SELECT count(*) FROM marts.proyeksi_capaian WHERE status_proyeksi = 'belum_ada_data'"
        ).fetchone()
        if n:
            belum.append(
                f"proyeksi {n} kabupaten/kota belum dapat dihitung (belum ada data atau riwayat kurang dari dua hari)"
            )
    info["belum_lengkap"] = "; ".join(belum) + "." if belum else "Tidak ada."

    unknown: list[str] = []
    bk = set(columns_of(con, "backlog_kabupaten"))
    for col, text in (
        ("estimasi_kebutuhan_bsps_rupiah", "estimasi kebutuhan BSPS"),
        ("backlog_kepenghunian", "backlog kepenghunian"),
    ):
        if col in bk:
            (n,) = con.execute(
                f"SELECT count(*) FROM marts.backlog_kabupaten WHERE {col} IS NULL AND jumlah_rumah_tangga > 0"
            ).fetchone()
            if n:
                unknown.append(f"{text}: {n} kabupaten/kota (input kosong terlalu banyak)")
    if "bsps_tidak_diketahui" in bk:
        (n,) = con.execute("SELECT coalesce(sum(bsps_tidak_diketahui), 0) FROM marts.backlog_kabupaten").fetchone()
        if n:
            unknown.append(f"kelayakan BSPS {angka(n)} rumah tangga tidak diketahui")
    info["tidak_diketahui"] = (
        (
            "Lembar Backlog & RTLH: " + "; ".join(unknown) + ". Ditulis 'tidak diketahui' "
            "(bukan 0); kabupaten/kota tanpa data ditulis 'belum ada data'."
        )
        if unknown
        else ("Kabupaten/kota tanpa data ditulis 'belum ada data' (bukan 0).")
    )
    return info


def build_official_reports(
    published_db: Path,
    reports_dir: Path,
    *,
    top_n: int = 10,
    bobot: Mapping[str, float] | None = None,
    manifest_json: Path | None = None,
) -> dict:
    """Build the officials' reports from the published database only (read-only).

    ``bobot`` defaults to the weights published in ``capaian_pendataan`` (columns ``bobot_*``,
    if the mart carries them), else the contract's 0.4/0.3/0.2/0.1. Column labels come from the dbt
    manifest (``manifest_json``, default dbt_project/target/manifest.json). Returns the output paths
    and ``markdown_preview`` (the ranking table) for Dagster metadata."""
    reports_dir = Path(reports_dir)
    reports_dir.mkdir(parents=True, exist_ok=True)
    labels = Labels.load(manifest_json)
    con = open_published(Path(published_db))
    try:
        weights = dict(bobot) if bobot else _bobot_from_db(con, DEFAULT_BOBOT)
        published_at = _published_at(con)
        info = _cover_info(con, published_at)
        cap_cols = set(columns_of(con, "capaian_pendataan"))
        order = "ORDER BY peringkat NULLS LAST, indeks_capaian DESC NULLS LAST, kode_kabupaten"
        sel = [c for c in PERINGKAT_COLUMNS if c in cap_cols]
        peringkat = fetch_rows(con, f"SELECT {', '.join(sel)} FROM marts.capaian_pendataan {order}")
        proyeksi = metode = None
        chart_proj: list[tuple] = []
        if has_table(con, "proyeksi_capaian"):
            pcols = set(columns_of(con, "proyeksi_capaian"))
            psel = [c for c in PROYEKSI_COLUMNS if c in pcols]
            proyeksi = fetch_rows(
                con,
                f"SELECT {', '.join(psel)} FROM marts.proyeksi_capaian "
                "ORDER BY proyeksi_cakupan_batas_waktu DESC NULLS LAST, cakupan_saat_ini DESC "
                "NULLS LAST, kode_kabupaten",
            )
            metode = scalar(con, "proyeksi_capaian", "metode", "any_value")
            chart_proj = con.execute(
                "SELECT nama_kabupaten, cakupan_saat_ini, proyeksi_cakupan_batas_waktu, status_proyeksi "
                "FROM marts.proyeksi_capaian ORDER BY proyeksi_cakupan_batas_waktu DESC NULLS LAST, "
                "cakupan_saat_ini DESC NULLS LAST, kode_kabupaten"
            ).fetchall()
        bk_cols = columns_of(con, "backlog_kabupaten")
        first = [c for c in ("kode_kabupaten", "nama_kabupaten") if c in bk_cols]
        backlog = fetch_rows(
            con,
            f"SELECT {', '.join(first + [c for c in bk_cols if c not in first])} "
            "FROM marts.backlog_kabupaten ORDER BY kode_kabupaten",
        )
        realisasi = fetch_rows(
            con,
            """
            SELECT tahun_anggaran, program, sumber_dana,
                   sum(unit_rencana)::BIGINT             AS unit_rencana,
                   sum(unit_selesai)::BIGINT             AS unit_selesai,
                   sum(nilai_rupiah)::BIGINT             AS nilai_rupiah,
                   round(100.0 * sum(unit_selesai) / nullif(sum(unit_rencana), 0), 2)::DOUBLE AS persen_selesai
            FROM marts.realisasi_program
            GROUP BY ALL
            ORDER BY tahun_anggaran, program, sumber_dana
            """,
        )
        ada = "ada_kiriman" if "ada_kiriman" in cap_cols else "file_pertama_diterima IS NOT NULL"
        chart_cap = con.execute(
            f"SELECT nama_kabupaten, indeks_capaian, peringkat, penghargaan, {ada} FROM marts.capaian_pendataan {order}"
        ).fetchall()
        chart_rtlh = con.execute(
            "SELECT nama_kabupaten, persen_rtlh, jumlah_rtlh, jumlah_rumah_tangga FROM marts.backlog_kabupaten "
            "ORDER BY persen_rtlh DESC NULLS LAST, kode_kabupaten"
        ).fetchall()
        md_rows = con.execute(
            "SELECT peringkat, nama_kabupaten, indeks_capaian, cakupan, akurasi, kelengkapan, ketepatan_waktu, "
            f"penghargaan FROM marts.capaian_pendataan {order}"
        ).fetchall()
    finally:
        con.close()

    xlsx = _replace(
        reports_dir / "ringkasan_capaian.xlsx",
        lambda p: write_xlsx(
            p,
            labels=labels,
            peringkat=peringkat,
            proyeksi=proyeksi,
            metode=metode,
            backlog=backlog,
            realisasi=realisasi,
            bobot=weights,
            info=info,
        ),
    )

    def chart(name: str, draw, *inputs) -> Path:
        final = reports_dir / f"{name}.png"
        sidik = charts.digest(draw, *inputs)
        if charts.png_text(final, charts.DIGEST_KEY) == sidik:
            return final  # drawn from the same figures by the same code: kept as it is
        return _replace(final, lambda p: draw(p, *inputs, sidik=sidik))

    png_cap = chart("grafik_capaian", charts.chart_capaian, chart_cap, weights, info["tanggal_data"])
    png_rtlh = chart("grafik_rtlh", charts.chart_rtlh, chart_rtlh, info["tanggal_data"])
    out = {"xlsx": str(xlsx), "grafik_capaian": str(png_cap), "grafik_rtlh": str(png_rtlh)}
    if chart_proj:
        batas = info.get("batas_waktu_proyeksi")
        out["grafik_proyeksi"] = str(
            chart("grafik_proyeksi", charts.chart_proyeksi, chart_proj, info["tanggal_data"], batas)
        )
    markdown = _markdown(md_rows, top_n, weights, published_at, len(md_rows), labels)
    md = _replace(reports_dir / "peringkat.md", lambda p: p.write_text(markdown, encoding="utf-8"))

    # only paths + the preview: callers turn every other value into a path metadata entry. Each chart's
    # title is in its PNG text chunk 'Title' (chart_title()).
    return {**out, "peringkat_md": str(md), "markdown_preview": markdown}
