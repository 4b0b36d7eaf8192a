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
Each chart PNG carries its title in the PNG text chunk ``Title``.

Unknown is never shown as 0: a NULL in the backlog marts (e.g. ``estimasi_kebutuhan_bsps_rupiah``
when too many households have an unknown BSPS eligibility, ``backlog_kepenghunian`` when no
``jumlah_kk`` is known, percentages of a district without data) is written as
``tidak diketahui`` in the workbook and the charts, and a province total that would add an unknown
is itself ``tidak diketahui``.
"""
from __future__ import annotations

import datetime as dt
import logging
import os
import uuid
from collections.abc import Mapping, Sequence
from decimal import Decimal
from pathlib import Path

import duckdb

from orchestration.settings import TIMEZONE_NAME, WITA

log = logging.getLogger(__name__)

DEFAULT_BOBOT: dict[str, float] = {
    "cakupan": 0.4,
    "akurasi": 0.3,
    "kelengkapan": 0.2,
    "ketepatan_waktu": 0.1,
}
KOMPONEN = tuple(DEFAULT_BOBOT)
AWARD_COLORS = {"Terbaik I": "#D4AF37", "Terbaik II": "#9EA3A8", "Terbaik III": "#B87333"}
DEFAULT_COLOR = "#4C72B0"
STATUS_COLORS = {"tercapai": "#1A7F37", "sesuai_jalur": "#4C72B0", "terlambat": "#C0504D",
                 "belum_ada_data": "#9C9C9C"}
BULAN = ("Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus", "September",
         "Oktober", "November", "Desember")

# the ranking sheet: these mart columns, in this order (labels from the dictionary)
PERINGKAT_COLUMNS = [
    "peringkat", "penghargaan", "kode_kabupaten", "nama_kabupaten", "target_rumah_tangga", "baris_diterima",
    "rumah_tangga_valid", "baris_karantina", "cakupan", "akurasi", "kelengkapan", "ketepatan_waktu",
    "indeks_capaian", "file_pertama_diterima", "file_terakhir_diterima",
]
PROYEKSI_COLUMNS = [
    "kode_kabupaten", "nama_kabupaten", "rumah_tangga_valid", "target_rumah_tangga", "cakupan_saat_ini",
    "hari_riwayat", "laju_rumah_tangga_per_hari", "tanggal_proyeksi_tercapai", "proyeksi_rumah_tangga_batas_waktu",
    "proyeksi_cakupan_batas_waktu", "status_proyeksi",
]
REALISASI_COLUMNS = ["tahun_anggaran", "program", "sumber_dana", "unit_rencana", "unit_selesai", "nilai_rupiah",
                     "persen_selesai"]
TIDAK_DIKETAHUI = "tidak diketahui"
BELUM_ADA_DATA = "belum ada data"
# a NULL here means "none", not "unknown": written as an empty cell
NULL_IS_EMPTY = frozenset({"penghargaan"})
# a NULL here, for a district without a submission, means "no data yet"
NULL_IS_NO_DATA = frozenset({"file_pertama_diterima", "file_terakhir_diterima", "versi_dipakai_dirilis_pada"})
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


# --------------------------------------------------------------------------------------
# the column dictionary and the Indonesian style
# --------------------------------------------------------------------------------------
def default_manifest() -> Path:
    from orchestration.settings import DBT_PROJECT_DIR

    return DBT_PROJECT_DIR / "target" / "manifest.json"


class Labels:
    """Column labels of the marts, from the dbt docs (``config: meta: label``): the column dictionary."""

    def __init__(self, by_table: Mapping[str, Mapping[str, str]]) -> None:
        self.by_table = {t: dict(cols) for t, cols in by_table.items()}
        self.any_table: dict[str, str] = {}
        for cols in self.by_table.values():
            for c, label in cols.items():
                self.any_table.setdefault(c, label)

    @classmethod
    def load(cls, manifest_json: Path | None = None) -> "Labels":
        from orchestration.lib.publish import load_mart_docs

        path = Path(manifest_json) if manifest_json else default_manifest()
        if not path.exists():
            log.warning("manifest dbt tidak ada (%s): label kolom memakai nama kolom", path)
            return cls({})
        docs = load_mart_docs(path)
        return cls({t: {c: info["label"] for c, info in d["columns"].items() if info.get("label")}
                    for t, d in docs.items()})

    def __call__(self, table: str, column: str) -> str:
        label = self.by_table.get(table, {}).get(column) or self.any_table.get(column)
        return label or column.replace("_", " ").capitalize()


def angka(value, desimal: int = 0) -> str:
    """A number in the Indonesian style: 1.234.567 / 12,50."""
    if value is None:
        return TIDAK_DIKETAHUI
    text = f"{float(value):,.{desimal}f}"
    return text.replace(",", "\x00").replace(".", ",").replace("\x00", ".")


def rupiah(value) -> str:
    return TIDAK_DIKETAHUI if value is None else "Rp" + angka(value)


def tanggal_id(value) -> str:
    """``31 Oktober 2025``."""
    if value is None:
        return TIDAK_DIKETAHUI
    if isinstance(value, dt.datetime):
        value = as_wita(value).date()
    return f"{value.day} {BULAN[value.month - 1]} {value.year}"


def as_wita(value: dt.datetime) -> dt.datetime:
    """An aware datetime in WITA; a naive one is taken as WITA already (project convention)."""
    return value.replace(tzinfo=WITA) if value.tzinfo is None else value.astimezone(WITA)


def waktu_wita(value) -> str:
    """``1 Desember 2026 07.36 WITA``."""
    if value is None:
        return TIDAK_DIKETAHUI
    value = as_wita(value)
    return f"{tanggal_id(value.date())} {value:%H.%M} WITA"


def status_teks(status: str | None) -> str:
    """A status value (``sesuai_jalur``) as readable text (``sesuai jalur``)."""
    return BELUM_ADA_DATA if status is None else str(status).replace("_", " ")


# Excel number formats with the Indonesian locale ([$-421]): LibreOffice then shows 1.234,56 whatever
# its own locale; Excel uses the system's separators (Indonesian on the Balai's computers).
NUM_FORMATS = {
    "int": "[$-421]#,##0",
    "dec": "[$-421]#,##0.00",
    "rp": '[$-421]"Rp"#,##0',
    "year": "0",
    "bobot": "[$-421]0.0#",
    "date": "[$-421]d mmmm yyyy",
    "datetime": '[$-421]dd/mm/yyyy hh:mm" WITA"',
}


def number_kind(column: str, value) -> str:
    """Which Indonesian format a value of ``column`` gets."""
    if column in ("tahun_anggaran", "tahun"):
        return "year"
    if column.endswith("_rupiah") or column == "nilai_rupiah":
        return "rp"
    if column.startswith("bobot_"):
        return "bobot"
    if isinstance(value, (float, Decimal)):
        return "dec"
    return "int"


# --------------------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------------------
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
    """Read-only access to the published file, times shown in WITA.

    ATTACH ... (READ_ONLY) in a fresh in-memory database rather than ``duckdb.connect(path)``:
    the latter reuses an already-open database instance for the same path inside this process,
    which after an atomic swap would still show the *previous* file."""
    if not Path(published_db).exists():
        raise FileNotFoundError(f"database terbit tidak ada: {published_db}")
    con = duckdb.connect(":memory:")
    con.execute(f"SET TimeZone = '{TIMEZONE_NAME}'")
    path = str(Path(published_db).resolve()).replace("'", "''")
    con.execute(f"ATTACH '{path}' AS pub (READ_ONLY)")
    con.execute("USE pub")
    return con


def _rows(con: duckdb.DuckDBPyConnection, sql: str, params: Sequence | None = None) -> tuple[list[str], list[tuple]]:
    cur = con.execute(sql, params or [])
    cols = [d[0] for d in cur.description]
    return cols, cur.fetchall()


def _columns_of(con: duckdb.DuckDBPyConnection, table: str, schema: str = "marts") -> list[str]:
    return [
        r[0]
        for r in con.execute(
            "SELECT column_name FROM duckdb_columns() WHERE database_name = 'pub' AND schema_name = ? "
            "AND table_name = ? ORDER BY column_index",
            [schema, table],
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


def _published_at(con: duckdb.DuckDBPyConnection) -> dt.datetime | None:
    if "diterbitkan_pada" not in _columns_of(con, "publikasi", "meta"):
        return None
    value = con.execute("SELECT max(diterbitkan_pada) FROM meta.publikasi").fetchone()[0]
    return as_wita(value) if isinstance(value, dt.datetime) else None


def _scalar(con: duckdb.DuckDBPyConnection, table: str, column: str, agg: str = "max"):
    if column not in _columns_of(con, table):
        return None
    return con.execute(f"SELECT {agg}({column}) FROM marts.{table}").fetchone()[0]


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
    """Bar label of the RTLH chart, Indonesian style; no household yet is 'belum ada data', never 0 %."""
    if persen is None:
        return BELUM_ADA_DATA if not jumlah_rumah_tangga else TIDAK_DIKETAHUI
    return f"{angka(persen, 1)} % ({angka(_num(jumlah_rtlh))} dari {angka(_num(jumlah_rumah_tangga))})"


# --------------------------------------------------------------------------------------
# xlsx
# --------------------------------------------------------------------------------------
class _Book:
    """xlsxwriter workbook with the Indonesian formats and the print setup of every sheet."""

    def __init__(self, wb, footer: str) -> None:
        self.wb = wb
        self.footer = footer
        base = {"font_name": "Calibri", "font_size": 10, "valign": "top"}
        self.base = base
        self.f: dict[str, object] = {}
        add = self.add
        add("title", bold=True, font_size=14)
        add("subtitle", bold=True, font_size=11, font_color="#1F4E78")
        add("note", italic=True, font_color="#555555", text_wrap=True)
        add("note_plain", italic=True, font_color="#555555")
        add("label", bold=True, text_wrap=True)
        add("wrap", text_wrap=True)
        add("warn", bold=True, font_color="#9C0006", bg_color="#FFC7CE", text_wrap=True)
        add("header", bold=True, bg_color="#1F4E78", font_color="white", text_wrap=True, valign="vcenter",
            border=1)
        add("text")
        add("unknown", italic=True, font_color="#9C5700", bg_color="#FFEB9C")
        add("total_unknown", bold=True, italic=True, top=1, font_color="#9C5700", bg_color="#FFEB9C")
        add("total", bold=True, top=1)
        add("bobot_label", bold=True, bg_color="#FFF2CC")
        for kind, code in NUM_FORMATS.items():
            add(kind, num_format=code)
            add(f"{kind}_bold", num_format=code, bold=True)
            add(f"{kind}_total", num_format=code, bold=True, top=1)
        add("bobot_cell", num_format=NUM_FORMATS["bobot"], bold=True, bg_color="#FFF2CC")
        self.award = {a: wb.add_format({**base, "bg_color": c, "bold": True}) for a, c in AWARD_COLORS.items()}
        self.status = {s: wb.add_format({**base, "font_color": c, "bold": True}) for s, c in STATUS_COLORS.items()}

    def add(self, name: str, **props) -> None:
        self.f[name] = self.wb.add_format({**self.base, **props})

    def cell(self, ws, row: int, col: int, column: str, value, *, style: str = "", fmt=None) -> None:
        """One value in the Indonesian style; ``style`` '' / '_bold' / '_total'."""
        if value is None:
            ws.write_string(row, col, TIDAK_DIKETAHUI, self.f["total_unknown" if style == "_total" else "unknown"])
        elif isinstance(value, dt.datetime):
            ws.write_datetime(row, col, as_wita(value).replace(tzinfo=None), self.f["datetime" + style])
        elif isinstance(value, dt.date):
            ws.write_datetime(row, col, dt.datetime.combine(value, dt.time()), self.f["date" + style])
        elif isinstance(value, bool):
            ws.write_string(row, col, "ya" if value else "tidak", fmt or self.f["total" if style == "_total" else "text"])
        elif isinstance(value, (int, float, Decimal)):
            ws.write_number(row, col, float(value), self.f[number_kind(column, value) + style])
        else:
            ws.write_string(row, col, str(value), fmt or self.f["total" if style == "_total" else "text"])

    def table_sheet(self, ws, header_row: int, n_rows: int, n_cols: int, *, landscape: bool = True,
                    fit_width: int = 1, fit_height: int = 0, freeze_cols: int = 2, repeat_cols: int | None = None):
        """Frozen header, filter, A4, repeated header row, fit to ``fit_width`` pages wide."""
        ws.freeze_panes(header_row + 1, freeze_cols)
        if n_rows:
            ws.autofilter(header_row, 0, header_row + n_rows, n_cols - 1)
        ws.repeat_rows(header_row)
        if repeat_cols:
            ws.repeat_columns(0, repeat_cols - 1)
        self.page(ws, landscape=landscape, fit_width=fit_width, fit_height=fit_height)

    def page(self, ws, *, landscape: bool, fit_width: int = 1, fit_height: int = 0) -> None:
        ws.set_paper(9)  # A4
        if landscape:
            ws.set_landscape()
        else:
            ws.set_portrait()
        ws.fit_to_pages(fit_width, fit_height)
        ws.set_margins(left=0.4, right=0.4, top=0.75, bottom=0.75)
        ws.center_horizontally()
        # '&A' = the sheet name: every printed page says which sheet it belongs to
        ws.set_header('&L&"Calibri,Bold"Lembar: &A&RProgram 3 Juta Rumah NTT', {"margin": 0.3})
        ws.set_footer("&L" + self.footer.replace("&", "&&") + "&RHalaman &P dari &N", {"margin": 0.3})


def _write_table(book: _Book, ws, table: str, header_row: int, cols: Sequence[str], rows: Sequence[tuple],
                 labels: Labels, *, highlight=None) -> None:
    for j, c in enumerate(cols):
        ws.write_string(header_row, j, labels(table, c), book.f["header"])
    for i, r in enumerate(rows, start=header_row + 1):
        for j, v in enumerate(r):
            fmt = highlight(cols, r, cols[j]) if highlight else None
            if v is None and cols[j] in NULL_IS_EMPTY:
                ws.write_blank(i, j, None, fmt or book.f["text"])
                continue
            if v is None and cols[j] in NULL_IS_NO_DATA:
                ws.write_string(i, j, BELUM_ADA_DATA, book.f["unknown"])
                continue
            if isinstance(v, (int, float, Decimal, dt.date)) and not isinstance(v, bool) and fmt is not None:
                book.cell(ws, i, j, cols[j], v, style="_bold")
            else:
                book.cell(ws, i, j, cols[j], v, fmt=fmt)


def _write_xlsx(
    path: Path,
    *,
    labels: Labels,
    peringkat: tuple[list[str], list[tuple]],
    proyeksi: tuple[list[str], list[tuple]] | None,
    metode: str | None,
    backlog: tuple[list[str], list[tuple]],
    realisasi: tuple[list[str], list[tuple]],
    bobot: Mapping[str, float],
    info: Mapping[str, object],
) -> None:
    import xlsxwriter

    published_at = info.get("published_at")
    footer = "Sumber: database terbit P3JR NTT" + (f", terbit {waktu_wita(published_at)}" if published_at else "")
    wb = xlsxwriter.Workbook(str(path), {"strings_to_formulas": False, "strings_to_numbers": False,
                                         "strings_to_urls": False})
    try:
        book = _Book(wb, footer)
        f = book.f
        _write_cover(book, wb.add_worksheet("Sampul"), bobot, info)

        # --- Peringkat -----------------------------------------------------------------
        ws = wb.add_worksheet("Peringkat")
        cols, rows = peringkat
        n = len(cols)
        ws.merge_range(0, 0, 0, n - 1, "Peringkat capaian pendataan per kabupaten/kota — Program 3 Juta Rumah NTT",
                       f["title"])
        ws.merge_range(1, 0, 1, n - 1, f"Data per {tanggal_id(info.get('tanggal_data'))}; batas waktu pengiriman "
                       f"{tanggal_id(info.get('batas_waktu'))}. Rumus: {rumus_indeks(bobot)} (komponen 0–100). "
                       "Peringkat seri: cakupan lebih tinggi, lalu file pertama lebih awal. Target ILUSTRATIF "
                       "(lihat Sampul).", f["note"])
        ws.set_row(1, 28)
        ws.write_string(2, 0, "Bobot", f["bobot_label"])
        for j, c in enumerate(cols):
            if c in bobot:
                ws.write_number(2, j, bobot[c], f["bobot_cell"])
        header_row = 3
        aw = cols.index("penghargaan") if "penghargaan" in cols else None

        def award_fmt(cs, r, c):
            award = r[aw] if aw is not None else None
            if award in book.award and c in ("peringkat", "penghargaan", "nama_kabupaten"):
                return book.award[award]
            return None

        _write_table(book, ws, "capaian_pendataan", header_row, cols, rows, labels, highlight=award_fmt)
        ws.set_row(header_row, 40)
        widths = {"peringkat": 9, "penghargaan": 12, "kode_kabupaten": 8.5, "nama_kabupaten": 26,
                  "kelengkapan": 11.5, "file_pertama_diterima": 19, "file_terakhir_diterima": 19}
        for j, c in enumerate(cols):
            ws.set_column(j, j, widths.get(c, 9.5))
        book.table_sheet(ws, header_row, len(rows), n, fit_width=1, fit_height=1, freeze_cols=4)

        # --- Proyeksi --------------------------------------------------------------------
        ws = wb.add_worksheet("Proyeksi")
        ws.set_column(0, 0, 8.5)
        ws.set_column(1, 1, 25)
        ws.set_column(2, 10, 12)
        ws.merge_range(0, 0, 0, 10, "Proyeksi cakupan sampai batas waktu dengan laju saat ini", f["title"])
        if proyeksi is None:
            ws.merge_range(1, 0, 1, 10, "Proyeksi belum tersedia di database terbit ini (tabel "
                           "marts.proyeksi_capaian belum ada).", f["note"])
            book.page(ws, landscape=True)
        else:
            cols, rows = proyeksi
            ws.merge_range(1, 0, 1, len(cols) - 1,
                           f"Data per {tanggal_id(info.get('tanggal_data'))}; batas waktu proyeksi "
                           f"{tanggal_id(info.get('batas_waktu_proyeksi'))}. Metode: {metode or '-'}", f["note"])
            ws.set_row(1, 42)
            ws.merge_range(2, 0, 2, len(cols) - 1,
                           "Status: tercapai = target sudah terpenuhi; sesuai jalur = target tercapai paling lambat "
                           "batas waktu bila laju tetap; terlambat = tidak tercapai pada batas waktu; belum ada data = "
                           "belum ada rumah tangga valid, riwayat kurang dari dua hari, atau target kosong. Target "
                           "ILUSTRATIF.", f["note"])
            ws.set_row(2, 28)
            header_row = 4
            st = cols.index("status_proyeksi")
            shown = [tuple(status_teks(v) if j == st else v for j, v in enumerate(r)) for r in rows]

            def status_fmt(cs, r, c):
                return book.status.get(str(r[st]).replace(" ", "_")) if c == "status_proyeksi" else None

            _write_table(book, ws, "proyeksi_capaian", header_row, cols, shown, labels, highlight=status_fmt)
            # unknown projections of districts without data: 'belum ada data', not 'tidak diketahui'
            for i, r in enumerate(rows, start=header_row + 1):
                if r[st] == "belum_ada_data":
                    for j, c in enumerate(cols):
                        if r[j] is None:
                            ws.write_string(i, j, BELUM_ADA_DATA, f["unknown"])
            ws.set_row(header_row, 42)
            book.table_sheet(ws, header_row, len(rows), len(cols), fit_width=1, fit_height=0)

        # --- Backlog & RTLH --------------------------------------------------------------
        ws = wb.add_worksheet("Backlog & RTLH")
        cols, rows = backlog
        ws.write_string(0, 0, "Backlog perumahan dan rumah tidak layak huni (RTLH) per kabupaten/kota", f["title"])
        ws.merge_range(1, 0, 1, 12, "RTLH: gagal salah satu dari 4 kriteria BPS (ketahanan bangunan, luas ≥ 7,2 m²/orang, "
                       "air minum layak, sanitasi layak); backlog kepemilikan (BPS) dan kepenghunian (Σ KK − Σ rumah).",
                       f["note"])
        ws.merge_range(2, 0, 2, 12, "'tidak diketahui' = data yang diperlukan kosong (bukan 0): kelayakan BSPS rumah tangga "
                       "dengan status lahan, riwayat bantuan (atau penghasilan) kosong tidak ditentukan; estimasi BSPS "
                       "tidak diterbitkan bila bagian itu terlalu besar (lihat estimasi minimum/maksimum); backlog "
                       "kepenghunian hanya dari jumlah KK yang diisi. Jumlah provinsi estimasi tidak diketahui bila satu "
                       "kabupaten/kota tidak diketahui.", f["note"])
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

        # --- Realisasi program -------------------------------------------------------------
        ws = wb.add_worksheet("Realisasi program")
        cols, rows = realisasi
        ws.write_string(0, 0, "Realisasi program per skema (tahun anggaran × program × sumber dana)", f["title"])
        ws.write_string(1, 0, "Jumlah semua kabupaten/kota; persentase selesai = unit selesai / unit rencana.",
                        f["note_plain"])
        header_row = 3
        _write_table(book, ws, "realisasi_program", header_row, cols, rows, labels)
        total_row = header_row + 1 + len(rows)
        ws.write_string(total_row, 0, "Jumlah", f["total"])
        for c in ("unit_rencana", "unit_selesai", "nilai_rupiah"):
            if c in cols:
                j = cols.index(c)
                book.cell(ws, total_row, j, c, int(sum(_num(r[j]) for r in rows)), style="_total")
        ws.set_row(header_row, 30)
        ws.set_column(0, len(cols) - 1, 15)
        if "nilai_rupiah" in cols:
            ws.set_column(cols.index("nilai_rupiah"), cols.index("nilai_rupiah"), 20)
        book.table_sheet(ws, header_row, len(rows), len(cols), fit_width=1, fit_height=0, freeze_cols=0)
    finally:
        wb.close()


def _write_cover(book: _Book, ws, bobot: Mapping[str, float], info: Mapping[str, object]) -> None:
    """What, when, data cut-off, how the index is computed, what is illustrative, where unknowns are."""
    f = book.f
    ws.set_column(0, 0, 30)
    ws.set_column(1, 1, 95)
    ws.write_string(0, 0, "Ringkasan capaian pendataan — Program 3 Juta Rumah, Nusa Tenggara Timur", f["title"])
    ws.write_string(1, 0, f"Tahun anggaran {info.get('tahun_anggaran') or '-'} · Balai P3KP Nusa Tenggara II",
                    f["subtitle"])
    items: list[tuple[str, str, str]] = [
        ("Apa isi buku kerja ini", "Capaian pendataan rumah tangga (by name by address) 22 kabupaten/kota: peringkat "
         "dan penghargaan, proyeksi sampai batas waktu, backlog perumahan dan RTLH, serta realisasi program. "
         "Semua angka dari database terbit (mart), tanpa data pribadi.", "wrap"),
        ("Dibuat", waktu_wita(info.get("dibuat")), "wrap"),
        ("Data diterbitkan", waktu_wita(info.get("published_at")) if info.get("published_at") else "tidak diketahui",
         "wrap"),
        ("Batas data (data cut-off)", f"Data per {tanggal_id(info.get('tanggal_data'))}: file kabupaten/kota yang "
         f"diterima sampai {waktu_wita(info.get('file_terakhir'))} (file terakhir yang diterima). File yang tiba "
         "sesudahnya masuk pada publikasi berikutnya.", "wrap"),
        ("Batas waktu pengiriman", tanggal_id(info.get("batas_waktu")), "wrap"),
        ("Cara menghitung indeks", f"{rumus_indeks(bobot)}. Cakupan = rumah tangga valid / target (maks. 100); "
         "akurasi = baris diterima / (diterima + dikarantina selain duplikat NIK); kelengkapan = rata-rata keterisian "
         "8 kolom opsional; ketepatan waktu = 100 bila file pertama tiba paling lambat batas waktu, dikurangi 10 per "
         "minggu terlambat. Peringkat 1–3 mendapat Terbaik I–III (hanya bila ada rumah tangga valid). Aturan "
         "proyek (tidak ada rumus resmi); bobot dapat diubah Balai.", "wrap"),
        ("Angka ILUSTRATIF", f"Target pendataan: {info.get('sumber_target') or 'tidak diketahui'}. Karena itu cakupan, "
         "indeks, peringkat dan proyeksi hanya ilustrasi sampai Balai memasukkan target resmi.",
         "warn" if info.get("target_ilustratif") else "wrap"),
        ("Angka belum lengkap", info.get("belum_lengkap") or "-", "wrap"),
        ("Di mana ada 'tidak diketahui'", info.get("tidak_diketahui") or "-", "wrap"),
        ("Lembar", "Peringkat (muat satu halaman A4 mendatar) · Proyeksi · Backlog & RTLH · Realisasi program. "
         "Grafik: grafik_capaian.png, grafik_rtlh.png, grafik_proyeksi.png.", "wrap"),
        ("Format angka", "Pemisah ribuan titik, desimal koma (1.234,56); rupiah 'Rp'; waktu dalam WITA (UTC+8).",
         "wrap"),
    ]
    r = 3
    for label, text, style in items:
        ws.write_string(r, 0, label, f["label"])
        ws.write_string(r, 1, text, f[style])
        lines = max(1, len(text) // 95 + 1)
        ws.set_row(r, 14 * lines + 2)
        r += 1
    book.page(ws, landscape=False, fit_width=1, fit_height=1)


# --------------------------------------------------------------------------------------
# charts
# --------------------------------------------------------------------------------------
def _figure(n_bars: int):
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    # A4 portrait width at a readable font size
    fig = Figure(figsize=(8.27, max(4.0, 0.32 * n_bars + 2.2)), dpi=150)
    FigureCanvasAgg(fig)
    return fig


def _save(fig, path: Path, title: str) -> None:
    fig.savefig(path, format="png", metadata={"Title": title, "Software": "p3jr"})


def _axis_id(ax, desimal: int = 0, suffix: str = "") -> None:
    from matplotlib.ticker import FuncFormatter

    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _pos: angka(v, desimal) + suffix))


def _chart_capaian(path: Path, data: list[tuple], bobot: Mapping[str, float], tanggal_data) -> str:
    """data: (nama_kabupaten, indeks_capaian, peringkat, penghargaan, ada_data) ordered by peringkat."""
    from matplotlib.patches import Patch

    title = f"Indeks capaian pendataan per kabupaten/kota — data per {tanggal_id(tanggal_data)}"
    fig = _figure(len(data))
    ax = fig.add_subplot(1, 1, 1)
    y = list(range(len(data)))
    values = [_num(d[1]) if d[4] else 0.0 for d in data]
    colors = [AWARD_COLORS.get(d[3], DEFAULT_COLOR) for d in data]
    ax.barh(y, values, color=colors, edgecolor="white")
    ax.set_yticks(y, [f"{d[2] if d[2] is not None else '-'}. {d[0]}" for d in data], fontsize=8)
    ax.invert_yaxis()
    ax.set_xlim(0, 118)
    _axis_id(ax)
    ax.set_xlabel("Indeks capaian (0–100)", fontsize=9)
    ax.set_title(title, fontsize=10.5, loc="left")
    for yi, v, d in zip(y, values, data):
        if not d[4]:
            label, style = BELUM_ADA_DATA, "italic"
        else:
            label, style = angka(d[1], 2) if d[1] is not None else TIDAK_DIKETAHUI, "normal"
        if d[3] in AWARD_COLORS:
            label += f"  ★ {d[3]}"
        ax.text(v + 0.8, yi, label, va="center", fontsize=7.5, style=style,
                fontweight="bold" if d[3] in AWARD_COLORS else "normal",
                color="#666666" if not d[4] else "black")
    ax.legend(handles=[Patch(color=c, label=f"★ {a}") for a, c in AWARD_COLORS.items()],
              loc="lower right", fontsize=7.5, frameon=False)
    ax.grid(axis="x", alpha=0.3)
    ax.spines[["top", "right"]].set_visible(False)
    fig.text(0.01, 0.005, "Rumus: " + rumus_indeks(bobot) + " · target ILUSTRATIF", fontsize=7, color="#555555")
    fig.tight_layout(rect=(0, 0.03, 1, 1))
    _save(fig, path, title)
    return title


def _chart_rtlh(path: Path, data: list[tuple], tanggal_data) -> str:
    """data: (nama_kabupaten, persen_rtlh, jumlah_rtlh, jumlah_rumah_tangga) ordered by persen desc."""
    title = f"Rumah tidak layak huni (RTLH) per kabupaten/kota — data per {tanggal_id(tanggal_data)}"
    fig = _figure(len(data))
    ax = fig.add_subplot(1, 1, 1)
    y = list(range(len(data)))
    values = [_num(d[1]) for d in data]
    ax.barh(y, values, color="#C0504D", edgecolor="white")
    ax.set_yticks(y, [d[0] for d in data], fontsize=8)
    ax.invert_yaxis()
    ax.set_xlim(0, 135)
    _axis_id(ax, suffix=" %")
    ax.set_xlabel("RTLH (% rumah tangga terdata)", fontsize=9)
    ax.set_title(title, fontsize=10.5, loc="left")
    total_rt = sum(_num(d[3]) for d in data)
    total_rtlh = sum(_num(d[2]) for d in data)
    if total_rt:
        avg = 100 * total_rtlh / total_rt
        ax.axvline(avg, color="#333333", linestyle="--", linewidth=1, label=f"rata-rata provinsi {angka(avg, 1)} %")
        ax.legend(loc="lower right", fontsize=8, frameon=False)
    for yi, v, d in zip(y, values, data):
        ax.text(v + 0.8, yi, _rtlh_label(d[1], d[2], d[3]), va="center", fontsize=7.5,
                style="italic" if d[1] is None else "normal", color="#666666" if d[1] is None else "black")
    ax.grid(axis="x", alpha=0.3)
    ax.spines[["top", "right"]].set_visible(False)
    fig.tight_layout()
    _save(fig, path, title)
    return title


def _chart_proyeksi(path: Path, data: list[tuple], tanggal_data, batas) -> str:
    """data: (nama_kabupaten, cakupan_saat_ini, proyeksi_cakupan_batas_waktu, status_proyeksi), ordered."""
    from matplotlib.patches import Patch

    title = (f"Proyeksi cakupan pada {tanggal_id(batas)} dengan laju saat ini\ndata per "
             f"{tanggal_id(tanggal_data)}")
    fig = _figure(len(data))
    ax = fig.add_subplot(1, 1, 1)
    y = list(range(len(data)))
    now = [_num(d[1]) for d in data]
    proj = [_num(d[2]) if d[2] is not None else 0.0 for d in data]
    ax.barh(y, proj, color=[STATUS_COLORS.get(d[3], "#9C9C9C") for d in data], alpha=0.35, edgecolor="white")
    ax.barh(y, now, color=[STATUS_COLORS.get(d[3], "#9C9C9C") for d in data], height=0.45)
    ax.axvline(100, color="#333333", linewidth=1, linestyle="--")
    ax.set_yticks(y, [d[0] for d in data], fontsize=8)
    ax.invert_yaxis()
    ax.set_xlim(0, 150)
    _axis_id(ax, suffix=" %")
    ax.set_xlabel("Cakupan target (%): batang tebal = saat ini, batang muda = proyeksi pada batas waktu", fontsize=8.5)
    ax.set_title(title, fontsize=10, loc="left")
    for yi, d, p, c in zip(y, data, proj, now):
        if d[3] == "belum_ada_data":
            label = f"{angka(d[1], 1)} % · {BELUM_ADA_DATA}" if d[1] is not None else BELUM_ADA_DATA
        else:
            label = f"{angka(d[1], 1)} % → {angka(d[2], 1)} % · {status_teks(d[3])}"
        ax.text(max(p, c) + 1, yi, label, va="center", fontsize=7.5,
                style="italic" if d[3] == "belum_ada_data" else "normal")
    ax.legend(handles=[Patch(color=c, label=status_teks(s)) for s, c in STATUS_COLORS.items()],
              loc="lower right", fontsize=7.5, frameon=False)
    ax.grid(axis="x", alpha=0.3)
    ax.spines[["top", "right"]].set_visible(False)
    fig.text(0.01, 0.005, "Target ILUSTRATIF; laju = rata-rata pertambahan rumah tangga valid per hari pada riwayat "
                          "terakhir (lihat kolom metode).", fontsize=7, color="#555555")
    fig.tight_layout(rect=(0, 0.03, 1, 1))
    _save(fig, path, title)
    return title


# --------------------------------------------------------------------------------------
# markdown
# --------------------------------------------------------------------------------------
def _markdown(rows: list[tuple], top_n: int, bobot: Mapping[str, float], published_at, total: int,
              labels: Labels) -> str:
    def f2(v):
        return "-" if v is None else angka(v, 2)

    cols = ["peringkat", "nama_kabupaten", "indeks_capaian", "cakupan", "akurasi", "kelengkapan", "ketepatan_waktu",
            "penghargaan"]
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


# --------------------------------------------------------------------------------------
# entry point
# --------------------------------------------------------------------------------------
def _has_table(con: duckdb.DuckDBPyConnection, table: str) -> bool:
    return bool(_columns_of(con, table))


def _cover_info(con: duckdb.DuckDBPyConnection, published_at) -> dict:
    info: dict[str, object] = {"published_at": published_at, "dibuat": dt.datetime.now(WITA).replace(microsecond=0)}
    info["tanggal_data"] = (_scalar(con, "proyeksi_capaian", "tanggal_acuan")
                            or _scalar(con, "capaian_pendataan_harian", "tanggal")
                            or (published_at.date() if published_at else None))
    info["file_terakhir"] = _scalar(con, "capaian_pendataan", "file_terakhir_diterima")
    info["batas_waktu"] = _scalar(con, "capaian_pendataan", "batas_waktu")
    info["tahun_anggaran"] = _scalar(con, "capaian_pendataan", "tahun_anggaran")
    info["batas_waktu_proyeksi"] = _scalar(con, "proyeksi_capaian", "batas_waktu_proyeksi")
    sumber = None
    if "sumber_target" in _columns_of(con, "capaian_pendataan"):
        sumber = "; ".join(r[0] for r in con.execute(
            "SELECT DISTINCT sumber_target FROM marts.capaian_pendataan WHERE sumber_target IS NOT NULL "
            "ORDER BY 1").fetchall())
    elif "sumber" in _columns_of(con, "target_pendataan", "referensi"):
        sumber = "; ".join(r[0] for r in con.execute(
            "SELECT DISTINCT sumber FROM referensi.target_pendataan WHERE sumber IS NOT NULL ORDER BY 1").fetchall())
    info["sumber_target"] = sumber or "target bawaan proyek (ILUSTRATIF)"
    info["target_ilustratif"] = sumber is None or "ILUSTRATIF" in sumber.upper()

    cap = set(_columns_of(con, "capaian_pendataan"))
    belum: list[str] = []
    if "ada_kiriman" in cap:
        (n,) = con.execute("SELECT count(*) FROM marts.capaian_pendataan WHERE NOT ada_kiriman").fetchone()
        if n:
            belum.append(f"{n} kabupaten/kota belum mengirim data (peringkat terakhir, tanpa penghargaan)")
    if "sedang_ditahan" in cap:
        held = [r[0] for r in con.execute("SELECT nama_kabupaten FROM marts.capaian_pendataan WHERE sedang_ditahan "
                                          "ORDER BY 1").fetchall()]
        if held:
            belum.append("kiriman terkini ditahan gerbang mutu (angka memakai versi terakhir yang diterima): "
                         + ", ".join(held))
    if _has_table(con, "proyeksi_capaian"):
        (n,) = con.execute("SELECT count(*) FROM marts.proyeksi_capaian WHERE status_proyeksi = 'belum_ada_data'"
                           ).fetchone()
        if n:
            belum.append(f"proyeksi {n} kabupaten/kota belum dapat dihitung (belum ada data atau riwayat kurang dari "
                         "dua hari)")
    info["belum_lengkap"] = "; ".join(belum) + "." if belum else "Tidak ada."

    unknown: list[str] = []
    bk = set(_columns_of(con, "backlog_kabupaten"))
    for col, text in (("estimasi_kebutuhan_bsps_rupiah", "estimasi kebutuhan BSPS"),
                      ("backlog_kepenghunian", "backlog kepenghunian")):
        if col in bk:
            (n,) = con.execute(f"SELECT count(*) FROM marts.backlog_kabupaten WHERE {col} IS NULL "
                               "AND jumlah_rumah_tangga > 0").fetchone()
            if n:
                unknown.append(f"{text}: {n} kabupaten/kota (input kosong terlalu banyak)")
    if "bsps_tidak_diketahui" in bk:
        (n,) = con.execute("SELECT coalesce(sum(bsps_tidak_diketahui), 0) FROM marts.backlog_kabupaten").fetchone()
        if n:
            unknown.append(f"kelayakan BSPS {angka(n)} rumah tangga tidak diketahui")
    info["tidak_diketahui"] = ("Lembar Backlog & RTLH: " + "; ".join(unknown) + ". Ditulis 'tidak diketahui' "
                               "(bukan 0); kabupaten/kota tanpa data ditulis 'belum ada data'.") if unknown else (
        "Kabupaten/kota tanpa data ditulis 'belum ada data' (bukan 0).")
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
    con = _open_published(Path(published_db))
    try:
        weights = dict(bobot) if bobot else _bobot_from_db(con, DEFAULT_BOBOT)
        published_at = _published_at(con)
        info = _cover_info(con, published_at)
        cap_cols = set(_columns_of(con, "capaian_pendataan"))
        order = "ORDER BY peringkat NULLS LAST, indeks_capaian DESC NULLS LAST, kode_kabupaten"
        sel = [c for c in PERINGKAT_COLUMNS if c in cap_cols]
        peringkat = _rows(con, f"SELECT {', '.join(sel)} FROM marts.capaian_pendataan {order}")
        proyeksi = metode = None
        chart_proj: list[tuple] = []
        if _has_table(con, "proyeksi_capaian"):
            pcols = set(_columns_of(con, "proyeksi_capaian"))
            psel = [c for c in PROYEKSI_COLUMNS if c in pcols]
            proyeksi = _rows(con, f"SELECT {', '.join(psel)} FROM marts.proyeksi_capaian "
                                  "ORDER BY proyeksi_cakupan_batas_waktu DESC NULLS LAST, cakupan_saat_ini DESC "
                                  "NULLS LAST, kode_kabupaten")
            metode = _scalar(con, "proyeksi_capaian", "metode", "any_value")
            chart_proj = con.execute(
                "SELECT nama_kabupaten, cakupan_saat_ini, proyeksi_cakupan_batas_waktu, status_proyeksi "
                "FROM marts.proyeksi_capaian ORDER BY proyeksi_cakupan_batas_waktu DESC NULLS LAST, "
                "cakupan_saat_ini DESC NULLS LAST, kode_kabupaten").fetchall()
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
            f"SELECT nama_kabupaten, indeks_capaian, peringkat, penghargaan, {ada} "
            f"FROM marts.capaian_pendataan {order}"
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

    xlsx = _replace_from_tmp(
        reports_dir / "ringkasan_capaian.xlsx",
        lambda p: _write_xlsx(p, labels=labels, peringkat=peringkat, proyeksi=proyeksi, metode=metode,
                              backlog=backlog, realisasi=realisasi, bobot=weights, info=info),
    )
    titles: dict[str, str] = {}

    def chart(name: str, draw):
        return _replace_from_tmp(reports_dir / f"{name}.png", lambda p: titles.__setitem__(name, draw(p)))

    png_cap = chart("grafik_capaian", lambda p: _chart_capaian(p, chart_cap, weights, info["tanggal_data"]))
    png_rtlh = chart("grafik_rtlh", lambda p: _chart_rtlh(p, chart_rtlh, info["tanggal_data"]))
    out = {"xlsx": str(xlsx), "grafik_capaian": str(png_cap), "grafik_rtlh": str(png_rtlh)}
    if chart_proj:
        out["grafik_proyeksi"] = str(chart(
            "grafik_proyeksi",
            lambda p: _chart_proyeksi(p, chart_proj, info["tanggal_data"], info.get("batas_waktu_proyeksi"))))
    markdown = _markdown(md_rows, top_n, weights, published_at, len(md_rows), labels)
    md = _replace_from_tmp(reports_dir / "peringkat.md", lambda p: p.write_text(markdown, encoding="utf-8"))

    # only paths + the preview: callers turn every other value into a path metadata entry. Each chart's
    # title is in its PNG text chunk 'Title' (chart_title()).
    return {**out, "peringkat_md": str(md), "markdown_preview": markdown}


def chart_title(png: Path) -> str | None:
    """The title stored in a chart PNG (text chunk ``Title``)."""
    from PIL import Image

    with Image.open(png) as img:
        return (getattr(img, "text", None) or img.info).get("Title")
