"""Reports for officials (Balai P3KP Nusa Tenggara II), built ONLY from the published database.

Outputs in ``reports_dir`` (each written to a temp name and ``os.replace``-d, so a reader never
sees half a file):
- ``ringkasan_capaian.xlsx``: sheets *Peringkat* (every index component, the weights and the
  formula), *Backlog & RTLH* (per kabupaten/kota, with a province total) and *Realisasi program*
  (tahun × program × sumber dana);
- ``grafik_capaian.png``: indeks capaian per kabupaten/kota, Terbaik I–III highlighted;
- ``grafik_rtlh.png``: persentase RTLH per kabupaten/kota;
- ``peringkat.md``: top-N ranking as a markdown table (also returned for Dagster metadata).

Unknown is never shown as 0: a NULL in the backlog marts (e.g. ``estimasi_kebutuhan_bsps_rupiah``
when too many households have an unknown BSPS eligibility, ``backlog_kepenghunian`` when no
``jumlah_kk`` is known, percentages of a district without data) is written as
``tidak diketahui`` in the workbook and the charts, and a province total that would add an unknown
is itself ``tidak diketahui``.
"""
from __future__ import annotations

import datetime as dt
import os
import uuid
from collections.abc import Mapping, Sequence
from decimal import Decimal
from pathlib import Path

import duckdb

DEFAULT_BOBOT: dict[str, float] = {
    "cakupan": 0.4,
    "akurasi": 0.3,
    "kelengkapan": 0.2,
    "ketepatan_waktu": 0.1,
}
KOMPONEN = tuple(DEFAULT_BOBOT)
AWARD_COLORS = {"Terbaik I": "#D4AF37", "Terbaik II": "#9EA3A8", "Terbaik III": "#B87333"}
DEFAULT_COLOR = "#4C72B0"

PERINGKAT_COLUMNS = [
    ("peringkat", "Peringkat"),
    ("penghargaan", "Penghargaan"),
    ("kode_kabupaten", "Kode"),
    ("nama_kabupaten", "Kabupaten/Kota"),
    ("target_rumah_tangga", "Target RT"),
    ("baris_diterima", "Baris diterima"),
    ("rumah_tangga_valid", "RT valid"),
    ("baris_karantina", "Baris karantina"),
    ("cakupan", "Cakupan"),
    ("akurasi", "Akurasi"),
    ("kelengkapan", "Kelengkapan"),
    ("ketepatan_waktu", "Ketepatan waktu"),
    ("indeks_capaian", "Indeks capaian"),
    ("file_pertama_diterima", "File pertama diterima"),
    ("file_terakhir_diterima", "File terakhir diterima"),
]
TIDAK_DIKETAHUI = "tidak diketahui"
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


def _tmp_name(final: Path) -> Path:
    return final.with_name(f".{final.name}.tmp-{os.getpid()}-{uuid.uuid4().hex[:12]}")


def _replace_from_tmp(final: Path, write) -> Path:
    """Call ``write(tmp_path)`` then atomically move the result to ``final``."""
    tmp = _tmp_name(final)
    try:
        write(tmp)
        os.replace(tmp, final)
    finally:
        tmp.unlink(missing_ok=True)
    return final


def _fmt_bobot(value: float) -> str:
    return f"{value:g}".replace(".", ",")


def rumus_indeks(bobot: Mapping[str, float]) -> str:
    return "indeks_capaian = " + " + ".join(f"{_fmt_bobot(bobot[k])} × {k}" for k in KOMPONEN)


def _open_published(published_db: Path) -> duckdb.DuckDBPyConnection:
    """Read-only access to the published file.

    ATTACH ... (READ_ONLY) in a fresh in-memory database rather than ``duckdb.connect(path)``:
    the latter reuses an already-open database instance for the same path inside this process,
    which after an atomic swap would still show the *previous* file."""
    if not Path(published_db).exists():
        raise FileNotFoundError(f"database terbit tidak ada: {published_db}")
    con = duckdb.connect(":memory:")
    path = str(Path(published_db).resolve()).replace("'", "''")
    con.execute(f"ATTACH '{path}' AS pub (READ_ONLY)")
    con.execute("USE pub")
    return con


def _rows(con: duckdb.DuckDBPyConnection, sql: str, params: Sequence | None = None) -> tuple[list[str], list[tuple]]:
    cur = con.execute(sql, params or [])
    cols = [d[0] for d in cur.description]
    return cols, cur.fetchall()


def _columns_of(con: duckdb.DuckDBPyConnection, table: str) -> list[str]:
    return [
        r[0]
        for r in con.execute(
            "SELECT column_name FROM duckdb_columns() WHERE database_name = 'pub' AND schema_name = 'marts' "
            "AND table_name = ? ORDER BY column_index",
            [table],
        ).fetchall()
    ]


def _bobot_from_db(con: duckdb.DuckDBPyConnection, default: Mapping[str, float]) -> dict[str, float]:
    """Weights as published (columns ``bobot_<komponen>`` in capaian_pendataan, if present)."""
    cols = set(_columns_of(con, "capaian_pendataan"))
    wanted = [f"bobot_{k}" for k in KOMPONEN]
    if not all(c in cols for c in wanted):
        return dict(default)
    row = con.execute(f"SELECT {', '.join(wanted)} FROM marts.capaian_pendataan LIMIT 1").fetchone()
    if row is None or any(v is None for v in row):
        return dict(default)
    return {k: float(v) for k, v in zip(KOMPONEN, row)}


def _published_at(con: duckdb.DuckDBPyConnection) -> str | None:
    has_meta = con.execute(
        "SELECT count(*) FROM duckdb_tables() WHERE database_name = 'pub' AND schema_name = 'meta' "
        "AND table_name = 'publikasi'"
    ).fetchone()[0]
    if not has_meta:
        return None
    value = con.execute("SELECT max(diterbitkan_pada) FROM meta.publikasi").fetchone()[0]
    return value.isoformat() if value is not None else None


def _num(v) -> float:
    """For sums of counts that are never NULL (and chart geometry). Never for displaying a value."""
    if v is None:
        return 0.0
    return float(v)


def backlog_province_totals(cols: Sequence[str], rows: Sequence[tuple]) -> dict[str, float | int | str]:
    """The 'Jumlah provinsi' row of the backlog sheet: ``{column: value or TIDAK_DIKETAHUI}``."""
    idx = {c: j for j, c in enumerate(cols)}
    out: dict[str, float | int | str] = {}
    for c in BACKLOG_COUNT_COLUMNS:
        if c in idx:
            out[c] = int(sum(_num(r[idx[c]]) for r in rows))
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
    for c, (num, unknown) in BACKLOG_PERSEN_TOTAL.items():
        if c not in idx or rt is None:
            continue
        if num is not None and num not in out or unknown is not None and unknown not in out:
            continue
        numerator = out[num] if num is not None else rt - out[unknown]
        out[c] = round(100 * numerator / rt, 2) if rt else TIDAK_DIKETAHUI
    return out


def _rtlh_label(persen, jumlah_rtlh, jumlah_rumah_tangga) -> str:
    """Bar label of the RTLH chart; a NULL percentage (no household yet) is 'tidak diketahui', not 0 %."""
    if persen is None:
        return f"{TIDAK_DIKETAHUI} (belum ada data)" if not jumlah_rumah_tangga else TIDAK_DIKETAHUI
    return f"{float(persen):.1f}% ({int(_num(jumlah_rtlh)):,} dari {int(_num(jumlah_rumah_tangga)):,})".replace(",", ".")


# --------------------------------------------------------------------------------------
# xlsx
# --------------------------------------------------------------------------------------
def _write_cell(ws, row: int, col: int, value, fmts: dict, highlight=None) -> None:
    if value is None:
        ws.write_blank(row, col, None, highlight or fmts["text"])
    elif isinstance(value, dt.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(dt.timezone.utc).replace(tzinfo=None)
        ws.write_datetime(row, col, value, fmts["datetime_hl"] if highlight else fmts["datetime"])
    elif isinstance(value, dt.date):
        ws.write_datetime(row, col, dt.datetime.combine(value, dt.time()), fmts["date_hl"] if highlight else fmts["date"])
    elif isinstance(value, bool):
        ws.write_boolean(row, col, value, highlight or fmts["text"])
    elif isinstance(value, int):
        ws.write_number(row, col, value, fmts["int_hl"] if highlight else fmts["int"])
    elif isinstance(value, (float, Decimal)):
        ws.write_number(row, col, float(value), fmts["dec_hl"] if highlight else fmts["dec"])
    else:
        ws.write_string(row, col, str(value), highlight or fmts["text"])


def _write_xlsx(
    path: Path,
    *,
    peringkat: tuple[list[str], list[tuple]],
    backlog: tuple[list[str], list[tuple]],
    realisasi: tuple[list[str], list[tuple]],
    bobot: Mapping[str, float],
    published_at: str | None,
) -> None:
    import xlsxwriter

    wb = xlsxwriter.Workbook(str(path), {"constant_memory": False})
    try:
        base = {"font_name": "Calibri", "font_size": 10}
        fmts = {
            "title": wb.add_format({**base, "bold": True, "font_size": 13}),
            "note": wb.add_format({**base, "italic": True, "font_color": "#555555"}),
            "header": wb.add_format({**base, "bold": True, "bg_color": "#1F4E78", "font_color": "white",
                                     "text_wrap": True, "valign": "vcenter", "border": 1}),
            "text": wb.add_format({**base}),
            "int": wb.add_format({**base, "num_format": "#,##0"}),
            "dec": wb.add_format({**base, "num_format": "0.00"}),
            "datetime": wb.add_format({**base, "num_format": "yyyy-mm-dd hh:mm"}),
            "date": wb.add_format({**base, "num_format": "yyyy-mm-dd"}),
            "bobot": wb.add_format({**base, "bold": True, "num_format": "0.00", "bg_color": "#FFF2CC"}),
            "bobot_label": wb.add_format({**base, "bold": True, "bg_color": "#FFF2CC"}),
            "total": wb.add_format({**base, "bold": True, "top": 1}),
            "total_int": wb.add_format({**base, "bold": True, "top": 1, "num_format": "#,##0"}),
            "total_dec": wb.add_format({**base, "bold": True, "top": 1, "num_format": "0.00"}),
            "unknown": wb.add_format({**base, "italic": True, "font_color": "#9C5700", "bg_color": "#FFEB9C"}),
            "total_unknown": wb.add_format({**base, "bold": True, "italic": True, "top": 1, "font_color": "#9C5700",
                                            "bg_color": "#FFEB9C"}),
        }
        hl = {}
        for award, color in AWARD_COLORS.items():
            hl[award] = wb.add_format({**base, "bg_color": color, "bold": True})
        fmts["int_hl"] = wb.add_format({**base, "num_format": "#,##0", "bold": True})
        fmts["dec_hl"] = wb.add_format({**base, "num_format": "0.00", "bold": True})
        fmts["datetime_hl"] = wb.add_format({**base, "num_format": "yyyy-mm-dd hh:mm", "bold": True})
        fmts["date_hl"] = wb.add_format({**base, "num_format": "yyyy-mm-dd", "bold": True})
        sumber = "Sumber: database terbit p3jr.duckdb (schema marts)" + (
            f", diterbitkan {published_at}" if published_at else ""
        )

        # --- Peringkat -----------------------------------------------------------------
        ws = wb.add_worksheet("Peringkat")
        cols, rows = peringkat
        ws.write(0, 0, "Peringkat capaian pendataan per kabupaten/kota — Program 3 Juta Rumah NTT", fmts["title"])
        ws.write(1, 0, "Rumus: " + rumus_indeks(bobot) + "  (komponen 0–100; peringkat seri: cakupan, lalu file pertama lebih awal)", fmts["note"])
        ws.write(2, 0, "Bobot", fmts["bobot_label"])
        for j, c in enumerate(cols):
            if c in bobot:
                ws.write_number(2, j, bobot[c], fmts["bobot"])
        ws.write(3, 0, sumber, fmts["note"])
        header_row = 5
        labels = dict(PERINGKAT_COLUMNS)
        for j, c in enumerate(cols):
            ws.write(header_row, j, labels.get(c, c), fmts["header"])
        aw_idx = cols.index("penghargaan") if "penghargaan" in cols else None
        for i, r in enumerate(rows, start=header_row + 1):
            award = r[aw_idx] if aw_idx is not None else None
            for j, v in enumerate(r):
                highlight = hl.get(award) if (award in hl and cols[j] in ("peringkat", "penghargaan", "nama_kabupaten")) else None
                _write_cell(ws, i, j, v, fmts, highlight)
        ws.set_row(header_row, 30)
        ws.set_column(0, 0, 10)
        ws.set_column(1, 1, 13)
        ws.set_column(2, 2, 8)
        ws.set_column(3, 3, 32)
        ws.set_column(4, len(cols) - 1, 13)
        if rows:
            ws.autofilter(header_row, 0, header_row + len(rows), len(cols) - 1)
        ws.freeze_panes(header_row + 1, 4)

        # --- Backlog & RTLH --------------------------------------------------------------
        ws = wb.add_worksheet("Backlog & RTLH")
        cols, rows = backlog
        ws.write(0, 0, "Backlog perumahan dan rumah tidak layak huni (RTLH) per kabupaten/kota", fmts["title"])
        ws.write(1, 0, "RTLH: gagal salah satu dari 4 kriteria BPS (ketahanan bangunan, luas ≥ 7,2 m²/orang, air minum layak, sanitasi layak); "
                       "backlog kepemilikan (BPS) dan kepenghunian (Σ KK − Σ rumah).", fmts["note"])
        ws.write(2, 0, "'tidak diketahui' = data yang diperlukan kosong (bukan 0): kelayakan BSPS rumah tangga dengan status lahan, "
                       "riwayat bantuan (atau penghasilan) kosong tidak ditentukan (bsps_tidak_diketahui); estimasi BSPS tidak diterbitkan "
                       "bila bagian itu terlalu besar (rentang: estimasi_..._minimum/_maksimum); backlog kepenghunian hanya dari jumlah_kk yang diisi. "
                       "Jumlah provinsi estimasi tidak diketahui bila satu kabupaten/kota tidak diketahui.", fmts["note"])
        ws.write(3, 0, sumber, fmts["note"])
        header_row = 5
        for j, c in enumerate(cols):
            ws.write(header_row, j, c, fmts["header"])
        rt_j = cols.index("jumlah_rumah_tangga") if "jumlah_rumah_tangga" in cols else None
        for i, r in enumerate(rows, start=header_row + 1):
            tanpa_data = rt_j is not None and not r[rt_j]
            for j, v in enumerate(r):
                if v is None:
                    ws.write_string(i, j, f"{TIDAK_DIKETAHUI} (belum ada data)" if tanpa_data else TIDAK_DIKETAHUI,
                                    fmts["unknown"])
                else:
                    _write_cell(ws, i, j, v, fmts)
        total_row = header_row + 1 + len(rows)
        ws.write(total_row, 0, "", fmts["total"])
        ws.write(total_row, 1, "Jumlah provinsi", fmts["total"])
        for c, v in backlog_province_totals(cols, rows).items():
            j = cols.index(c)
            if v == TIDAK_DIKETAHUI:
                ws.write_string(total_row, j, v, fmts["total_unknown"])
            elif c in BACKLOG_PERSEN_TOTAL:
                ws.write_number(total_row, j, v, fmts["total_dec"])
            else:
                ws.write_number(total_row, j, v, fmts["total_int"])
        ws.set_row(header_row, 45)
        ws.set_column(0, 0, 8)
        ws.set_column(1, 1, 32)
        ws.set_column(2, len(cols) - 1, 14)
        ws.freeze_panes(header_row + 1, 2)

        # --- Realisasi program -------------------------------------------------------------
        ws = wb.add_worksheet("Realisasi program")
        cols, rows = realisasi
        ws.write(0, 0, "Realisasi program per skema (tahun anggaran × program × sumber dana)", fmts["title"])
        ws.write(1, 0, sumber, fmts["note"])
        header_row = 3
        for j, c in enumerate(cols):
            ws.write(header_row, j, c, fmts["header"])
        for i, r in enumerate(rows, start=header_row + 1):
            for j, v in enumerate(r):
                _write_cell(ws, i, j, v, fmts)
        total_row = header_row + 1 + len(rows)
        ws.write(total_row, 0, "Jumlah", fmts["total"])
        for c in ("unit_rencana", "unit_selesai", "nilai_rupiah"):
            if c in cols:
                j = cols.index(c)
                ws.write_number(total_row, j, sum(_num(r[j]) for r in rows), fmts["total_int"])
        ws.set_row(header_row, 30)
        ws.set_column(0, len(cols) - 1, 16)
        ws.freeze_panes(header_row + 1, 0)
    finally:
        wb.close()


# --------------------------------------------------------------------------------------
# charts
# --------------------------------------------------------------------------------------
def _chart_capaian(path: Path, data: list[tuple], bobot: Mapping[str, float]) -> None:
    """data: (nama_kabupaten, indeks_capaian, peringkat, penghargaan, ada_kiriman) ordered by peringkat."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    names = [d[0] for d in data]
    values = [_num(d[1]) for d in data]
    awards = [d[3] for d in data]
    colors = [AWARD_COLORS.get(a, DEFAULT_COLOR) for a in awards]
    fig = Figure(figsize=(10, 0.38 * max(len(data), 1) + 1.8), dpi=110)
    FigureCanvasAgg(fig)
    ax = fig.add_subplot(1, 1, 1)
    y = list(range(len(data)))
    ax.barh(y, values, color=colors, edgecolor="white")
    ax.set_yticks(y, [f"{d[2] if d[2] is not None else '-'}. {n}" for d, n in zip(data, names)], fontsize=8)
    ax.invert_yaxis()
    ax.set_xlim(0, 112)
    ax.set_xlabel("Indeks capaian (0–100)")
    ax.set_title("Indeks capaian pendataan per kabupaten/kota", fontsize=11, loc="left")
    for yi, v, a, d in zip(y, values, awards, data):
        label = (TIDAK_DIKETAHUI if d[1] is None else f"{v:.2f}") + (f"  ★ {a}" if a in AWARD_COLORS else "")
        if len(d) > 4 and not d[4]:
            label += "  (belum mengirim data)"
        ax.text(v + 0.8, yi, label, va="center", fontsize=7.5, fontweight="bold" if a in AWARD_COLORS else "normal")
    ax.grid(axis="x", alpha=0.3)
    ax.spines[["top", "right"]].set_visible(False)
    fig.text(0.01, 0.005, "Rumus: " + rumus_indeks(bobot), fontsize=7, color="#555555")
    fig.tight_layout(rect=(0, 0.03, 1, 1))
    fig.savefig(path, format="png")


def _chart_rtlh(path: Path, data: list[tuple]) -> None:
    """data: (nama_kabupaten, persen_rtlh, jumlah_rtlh, jumlah_rumah_tangga) ordered by persen desc."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(10, 0.38 * max(len(data), 1) + 1.8), dpi=110)
    FigureCanvasAgg(fig)
    ax = fig.add_subplot(1, 1, 1)
    y = list(range(len(data)))
    values = [_num(d[1]) for d in data]
    ax.barh(y, values, color="#C0504D", edgecolor="white")
    ax.set_yticks(y, [d[0] for d in data], fontsize=8)
    ax.invert_yaxis()
    ax.set_xlim(0, 110)
    ax.set_xlabel("Rumah tidak layak huni (% rumah tangga terdata)")
    ax.set_title("Persentase RTLH per kabupaten/kota", fontsize=11, loc="left")
    total_rt = sum(_num(d[3]) for d in data)
    total_rtlh = sum(_num(d[2]) for d in data)
    if total_rt:
        avg = 100 * total_rtlh / total_rt
        ax.axvline(avg, color="#333333", linestyle="--", linewidth=1, label=f"rata-rata provinsi {avg:.1f}%")
        ax.legend(loc="lower right", fontsize=8, frameon=False)
    for yi, v, d in zip(y, values, data):
        ax.text(v + 0.8, yi, _rtlh_label(d[1], d[2], d[3]), va="center", fontsize=7.5,
                style="italic" if d[1] is None else "normal", color="#9C5700" if d[1] is None else "black")
    ax.grid(axis="x", alpha=0.3)
    ax.spines[["top", "right"]].set_visible(False)
    fig.tight_layout()
    fig.savefig(path, format="png")


# --------------------------------------------------------------------------------------
# markdown
# --------------------------------------------------------------------------------------
def _markdown(rows: list[tuple], top_n: int, bobot: Mapping[str, float], published_at: str | None, total: int) -> str:
    def f2(v):
        return "-" if v is None else f"{float(v):.2f}"

    lines = [
        f"# Peringkat capaian pendataan — {min(top_n, len(rows))} teratas dari {total} kabupaten/kota",
        "",
        f"Rumus: `{rumus_indeks(bobot)}`" + (f" · data terbit {published_at}" if published_at else ""),
        "",
        "| Peringkat | Kabupaten/Kota | Indeks capaian | Cakupan | Akurasi | Kelengkapan | Ketepatan waktu | Penghargaan |",
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


# --------------------------------------------------------------------------------------
# entry point
# --------------------------------------------------------------------------------------
def build_official_reports(
    published_db: Path,
    reports_dir: Path,
    *,
    top_n: int = 10,
    bobot: Mapping[str, float] | None = None,
) -> dict:
    """Build the officials' reports from the published database only (read-only).

    ``bobot`` defaults to the weights published in ``capaian_pendataan`` (columns ``bobot_*``,
    if the mart carries them), else the contract's 0.4/0.3/0.2/0.1. Returns the output paths and
    ``markdown_preview`` (the ranking table) for Dagster metadata."""
    reports_dir = Path(reports_dir)
    reports_dir.mkdir(parents=True, exist_ok=True)
    con = _open_published(Path(published_db))
    try:
        weights = dict(bobot) if bobot else _bobot_from_db(con, DEFAULT_BOBOT)
        published_at = _published_at(con)
        cap_cols = set(_columns_of(con, "capaian_pendataan"))
        sel = [c for c, _ in PERINGKAT_COLUMNS if c in cap_cols]
        peringkat = _rows(
            con,
            f"SELECT {', '.join(sel)} FROM marts.capaian_pendataan "
            "ORDER BY peringkat NULLS LAST, indeks_capaian DESC NULLS LAST, kode_kabupaten",
        )
        bk_cols = _columns_of(con, "backlog_kabupaten")
        first = [c for c in ("kode_kabupaten", "nama_kabupaten") if c in bk_cols]
        backlog = _rows(
            con,
            f"SELECT {', '.join(first + [c for c in bk_cols if c not in first])} "
            "FROM marts.backlog_kabupaten ORDER BY kode_kabupaten",
        )
        realisasi = _rows(
            con,
            """
            SELECT tahun_anggaran, program, sumber_dana,
                   count(DISTINCT kode_kabupaten)       AS jumlah_kabupaten,
                   sum(unit_rencana)::BIGINT             AS unit_rencana,
                   sum(unit_selesai)::BIGINT             AS unit_selesai,
                   sum(nilai_rupiah)::BIGINT             AS nilai_rupiah,
                   round(100.0 * sum(unit_selesai) / nullif(sum(unit_rencana), 0), 2) AS persen_selesai
            FROM marts.realisasi_program
            GROUP BY ALL
            ORDER BY tahun_anggaran, program, sumber_dana
            """,
        )
        chart_cap = con.execute(
            "SELECT nama_kabupaten, indeks_capaian, peringkat, penghargaan, file_pertama_diterima IS NOT NULL "
            "FROM marts.capaian_pendataan "
            "ORDER BY peringkat NULLS LAST, indeks_capaian DESC NULLS LAST, kode_kabupaten"
        ).fetchall()
        chart_rtlh = con.execute(
            "SELECT nama_kabupaten, persen_rtlh, jumlah_rtlh, jumlah_rumah_tangga FROM marts.backlog_kabupaten "
            "ORDER BY persen_rtlh DESC NULLS LAST, kode_kabupaten"
        ).fetchall()
        md_rows = con.execute(
            "SELECT peringkat, nama_kabupaten, indeks_capaian, cakupan, akurasi, kelengkapan, ketepatan_waktu, "
            "penghargaan FROM marts.capaian_pendataan "
            "ORDER BY peringkat NULLS LAST, indeks_capaian DESC NULLS LAST, kode_kabupaten"
        ).fetchall()
    finally:
        con.close()

    xlsx = _replace_from_tmp(
        reports_dir / "ringkasan_capaian.xlsx",
        lambda p: _write_xlsx(p, peringkat=peringkat, backlog=backlog, realisasi=realisasi,
                              bobot=weights, published_at=published_at),
    )
    png_cap = _replace_from_tmp(reports_dir / "grafik_capaian.png", lambda p: _chart_capaian(p, chart_cap, weights))
    png_rtlh = _replace_from_tmp(reports_dir / "grafik_rtlh.png", lambda p: _chart_rtlh(p, chart_rtlh))
    markdown = _markdown(md_rows, top_n, weights, published_at, len(md_rows))
    md = _replace_from_tmp(reports_dir / "peringkat.md", lambda p: p.write_text(markdown, encoding="utf-8"))

    # only paths + the preview: callers turn every other value into a path metadata entry
    return {
        "xlsx": str(xlsx),
        "grafik_capaian": str(png_cap),
        "grafik_rtlh": str(png_rtlh),
        "peringkat_md": str(md),
        "markdown_preview": markdown,
    }
