"""The *Backlog & RTLH* sheet of the officials' workbook, and its province row: a total that would
add an unknown is itself unknown (``tidak diketahui``), never a sum that treats unknown as 0."""

from __future__ import annotations

from collections.abc import Sequence

from orchestration.lib.publish.data_dictionary import Labels
from orchestration.lib.reports.officials_xlsx import Book
from orchestration.lib.reports.style import BELUM_ADA_DATA, TIDAK_DIKETAHUI, num

# counts, never NULL: the province total is their sum
BACKLOG_COUNT_COLUMNS = [
    "jumlah_rumah_tangga",
    "jumlah_jiwa",
    "jumlah_kk",
    "backlog_kepemilikan",
    "backlog_kepemilikan_rumah_lain_tidak_diketahui",
    "backlog_kepenghunian_tidak_diketahui",
    "jumlah_rtlh",
    "tidak_layak_ketahanan_bangunan",
    "tidak_layak_luas",
    "tidak_layak_air_minum",
    "tidak_layak_sanitasi",
    "indikatif_layak_bsps",
    "tidak_memenuhi_syarat_bsps",
    "bsps_tidak_diketahui",
]
# sums over what is known (the marts' own rule): total = sum of the known values, unknown if none is
BACKLOG_SUM_KNOWN_COLUMNS = [
    "backlog_kepenghunian",
    "estimasi_kebutuhan_bsps_minimum_rupiah",
    "estimasi_kebutuhan_bsps_maksimum_rupiah",
]
# a total that adds an unknown district is unknown
BACKLOG_ALL_KNOWN_COLUMNS = ["estimasi_kebutuhan_bsps_rupiah"]
# province percentages recomputed from the summed counts: (numerator count, or None for
# jumlah_rumah_tangga minus the `unknown` count)
BACKLOG_PERSEN_TOTAL = {
    "persen_rtlh": ("jumlah_rtlh", None),
    "persen_backlog_kepemilikan": ("backlog_kepemilikan", None),
    "kelengkapan_kepenghunian_persen": (None, "backlog_kepenghunian_tidak_diketahui"),
    "kelengkapan_bsps_persen": (None, "bsps_tidak_diketahui"),
}


def backlog_province_totals(cols: Sequence[str], rows: Sequence[tuple]) -> dict[str, float | int | str]:
    """The 'Jumlah provinsi' row of the backlog sheet: ``{column: value or TIDAK_DIKETAHUI}``."""
    idx = {c: j for j, c in enumerate(cols)}
    out: dict[str, float | int | str] = {}
    for c in BACKLOG_COUNT_COLUMNS:
        if c in idx:
            out[c] = int(sum(num(r[idx[c]]) for r in rows))
    rt_j = idx.get("jumlah_rumah_tangga")
    with_data = [r for r in rows if rt_j is None or (r[rt_j] or 0) > 0]
    for c in BACKLOG_SUM_KNOWN_COLUMNS:
        if c in idx:
            known = [r[idx[c]] for r in rows if r[idx[c]] is not None]
            out[c] = int(sum(known)) if known else TIDAK_DIKETAHUI
    for c in BACKLOG_ALL_KNOWN_COLUMNS:
        if c in idx:
            vals = [r[idx[c]] for r in with_data]
            out[c] = TIDAK_DIKETAHUI if not vals or any(v is None for v in vals) else int(sum(vals))
    rt = out.get("jumlah_rumah_tangga")
    for c, (numerator_col, unknown) in BACKLOG_PERSEN_TOTAL.items():
        if c not in idx or rt is None:
            continue
        if numerator_col is not None and numerator_col not in out or unknown is not None and unknown not in out:
            continue
        numerator = out[numerator_col] if numerator_col is not None else rt - out[unknown]
        out[c] = round(100 * numerator / rt, 2) if rt else TIDAK_DIKETAHUI
    return out


def write_backlog_sheet(book: Book, ws, labels: Labels, backlog: tuple[list[str], list[tuple]]) -> None:
    f = book.f
    cols, rows = backlog
    ws.write_string(0, 0, "Backlog perumahan dan rumah tidak layak huni (RTLH) per kabupaten/kota", f["title"])
    ws.merge_range(
        1,
        0,
        1,
        12,
        "RTLH: gagal salah satu dari 4 kriteria BPS (ketahanan bangunan, luas ≥ 7,2 m²/orang, "
        "air minum layak, sanitasi layak); backlog kepemilikan (BPS) dan kepenghunian (Σ KK − Σ rumah).",
        f["note"],
    )
    ws.merge_range(
        2,
        0,
        2,
        12,
        "'tidak diketahui' = data yang diperlukan kosong (bukan 0): kelayakan BSPS rumah tangga "
        "dengan status lahan, riwayat bantuan (atau penghasilan) kosong tidak ditentukan; estimasi BSPS "
        "tidak diterbitkan bila bagian itu terlalu besar (lihat estimasi minimum/maksimum); backlog "
        "kepenghunian hanya dari jumlah KK yang diisi. Jumlah provinsi estimasi tidak diketahui bila satu "
        "kabupaten/kota tidak diketahui.",
        f["note"],
    )
    ws.set_row(1, 28)
    ws.set_row(2, 42)
    header_row = 4
    for j, c in enumerate(cols):
        ws.write_string(header_row, j, labels("backlog_kabupaten", c), f["header"])
    rt_j = cols.index("jumlah_rumah_tangga") if "jumlah_rumah_tangga" in cols else None
    for i, r in enumerate(rows, start=header_row + 1):
        tanpa_data = rt_j is not None and not r[rt_j]
        for j, v in enumerate(r):
            if v is None:
                ws.write_string(i, j, BELUM_ADA_DATA if tanpa_data else TIDAK_DIKETAHUI, f["unknown"])
            else:
                book.cell(ws, i, j, cols[j], v)
    total_row = header_row + 1 + len(rows)
    ws.write_string(total_row, 0, "", f["total"])
    ws.write_string(total_row, 1, "Jumlah provinsi", f["total"])
    for c, v in backlog_province_totals(cols, rows).items():
        j = cols.index(c)
        if v == TIDAK_DIKETAHUI:
            ws.write_string(total_row, j, v, f["total_unknown"])
        else:
            book.cell(ws, total_row, j, c, float(v) if c in BACKLOG_PERSEN_TOTAL else int(v), style="_total")
    ws.set_row(header_row, 66)
    ws.set_column(0, 0, 8.5)
    ws.set_column(1, 1, 22)
    ws.set_column(2, len(cols) - 1, 10.5)
    for j, c in enumerate(cols):
        if c.endswith("_rupiah"):
            ws.set_column(j, j, 16)
    book.table_sheet(ws, header_row, len(rows), len(cols), fit_width=2, fit_height=0, repeat_cols=2)
