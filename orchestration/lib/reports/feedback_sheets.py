"""The list sheets of a district's feedback workbook (*Karantina*, *Peringatan*, *File diterima*,
*Catatan file*) and the cell writer they share with the summary.

Every text cell is written with ``write_string`` (the workbook has ``strings_to_formulas`` /
``strings_to_numbers`` / ``strings_to_urls`` off), so a value such as ``=HYPERLINK(...)`` sent by
anyone stays inert text (no formula injection)."""

from __future__ import annotations

import json
import math
import re
from datetime import date, datetime
from typing import Any

from orchestration.lib.reports.query import fetch_rows
from orchestration.lib.reports.style import NUM_FORMATS
from orchestration.lib.warehouse import table_exists
from sources import contract

EXCEL_MAX_ROWS = 1_048_576
_ILLEGAL_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_MAX_CELL = 32_767

STATUS_LABEL = {
    "active": "aktif (dipakai)",
    "replaced": "diganti versi baru",
    "withdrawn": "ditarik (file dihapus dari folder)",
    "rejected": "ditolak",
    "rejected_gone": "ditolak, sudah dihapus dari folder (tidak dihitung lagi)",
}


class Writer:
    """Typed cell writing; strings always as inert text."""

    def __init__(self, workbook: Any) -> None:
        self.wb = workbook
        self.bold = workbook.add_format({"bold": True})
        self.head = workbook.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1, "text_wrap": True})
        self.title = workbook.add_format({"bold": True, "font_size": 14})
        self.dt = workbook.add_format({"num_format": NUM_FORMATS["datetime"], "align": "left"})
        self.d = workbook.add_format({"num_format": NUM_FORMATS["date"], "align": "left"})
        self.int = workbook.add_format({"num_format": NUM_FORMATS["int"], "align": "left", "valign": "top"})
        self.dec = workbook.add_format({"num_format": NUM_FORMATS["dec"], "align": "left", "valign": "top"})
        self.wrap = workbook.add_format({"text_wrap": True, "valign": "top"})
        self.year = workbook.add_format({"num_format": NUM_FORMATS["year"], "align": "left"})
        self.label = workbook.add_format({"text_wrap": True, "valign": "top"})
        self.section = workbook.add_format({"bold": True, "font_size": 11, "font_color": "#1F4E78", "bottom": 1})
        self.todo = workbook.add_format({"bold": True, "text_wrap": True, "valign": "top", "bg_color": "#FFF2CC"})
        self.red = workbook.add_format({"bold": True, "font_color": "#B00020"})
        self.green = workbook.add_format({"bold": True, "font_color": "#1A7F37"})

    def cell(self, ws: Any, r: int, c: int, value: Any, fmt: Any = None) -> None:
        if value is None or (isinstance(value, float) and math.isnan(value)):
            ws.write_blank(r, c, None, fmt)
            return
        if hasattr(value, "item") and not isinstance(value, (str, bytes)):  # numpy scalar
            try:
                value = value.item()
            except (ValueError, AttributeError):
                pass
        if type(value).__name__ in ("NaTType",):
            ws.write_blank(r, c, None, fmt)
        elif isinstance(value, bool):
            ws.write_string(r, c, "ya" if value else "tidak", fmt)
        elif isinstance(value, (int, float)):
            if isinstance(value, float) and math.isinf(value):
                ws.write_string(r, c, str(value), fmt)
            else:
                ws.write_number(r, c, value, fmt or (self.dec if isinstance(value, float) else self.int))
        elif isinstance(value, datetime):
            ws.write_datetime(r, c, value.replace(tzinfo=None), fmt or self.dt)
        elif isinstance(value, date):
            ws.write_datetime(r, c, datetime(value.year, value.month, value.day), fmt or self.d)
        else:
            self.text(ws, r, c, value, fmt)

    def text(self, ws: Any, r: int, c: int, value: Any, fmt: Any = None) -> None:
        s = (
            value
            if isinstance(value, str)
            else (json.dumps(value, ensure_ascii=False) if isinstance(value, (list, dict)) else str(value))
        )
        s = _ILLEGAL_XML.sub("\ufffd", s)[:_MAX_CELL]
        ws.write_string(r, c, s, fmt)

    def header(self, ws: Any, r: int, names: list[str]) -> None:
        for c, n in enumerate(names):
            ws.write_string(r, c, n, self.head)

    @staticmethod
    def page(
        ws: Any,
        *,
        landscape: bool,
        header_row: int | None = 0,
        fit_width: int = 1,
        repeat_cols: tuple[int, int] | None = None,
        scale: int | None = None,
    ) -> None:
        """A4, the sheet name on every page, the header row repeated, fitted to the page width."""
        ws.set_paper(9)
        if landscape:
            ws.set_landscape()
        else:
            ws.set_portrait()
        if scale:
            ws.set_print_scale(scale)
        else:
            ws.fit_to_pages(fit_width, 0)
        if header_row is not None:
            ws.repeat_rows(header_row)
        if repeat_cols:
            ws.repeat_columns(*repeat_cols)
        ws.set_margins(left=0.4, right=0.4, top=0.75, bottom=0.75)
        ws.set_header('&L&"Calibri,Bold"Lembar: &A&RUmpan balik pendataan P3JR', {"margin": 0.3})
        ws.set_footer("&LBerisi data pribadi: jangan disebarkan&RHalaman &P dari &N", {"margin": 0.3})


def write_files(wb, w: Writer, files_cols, files) -> None:
    ws = wb.add_worksheet("File diterima")
    w.header(
        ws, 0, ["nama file", "lokasi", "jenis", "status", "kode alasan", "alasan", "waktu file (WITA)", "baris dibaca"]
    )
    ws.freeze_panes(1, 1)
    ws.set_column(0, 1, 30)
    ws.set_column(2, 4, 16)
    ws.set_column(5, 5, 40)
    ws.set_column(6, 6, 22)
    ws.set_column(7, 7, 12)
    r = 1
    for row in files:
        rec = dict(zip(files_cols, row))
        w.cell(ws, r, 0, rec["nama_file"])
        w.cell(ws, r, 1, rec["path_relatif"])
        w.cell(ws, r, 2, rec["jenis"])
        w.cell(ws, r, 3, STATUS_LABEL.get(rec["status"], rec["status"]))
        w.cell(ws, r, 4, rec["alasan_kode"])
        w.cell(ws, r, 5, rec["alasan"], w.wrap)
        w.cell(ws, r, 6, rec["waktu_file"])
        w.cell(ws, r, 7, rec["baris_dibaca"])
        r += 1
    if files:
        ws.autofilter(0, 0, len(files), 7)
    w.page(ws, landscape=True)


def write_karantina(wb, w: Writer, con, kode: str, table: str) -> None:
    ws = wb.add_worksheet("Karantina")
    fixed = ["jenis", "file", "lembar", "baris", "kode alasan", "pesan"]
    rows: list[tuple] = []
    if table_exists(con, *table.split(".")):
        _, rows = fetch_rows(
            con,
            "SELECT jenis, nama_file, sheet, baris, alasan, pesan, CAST(nilai_asli AS VARCHAR) "
            # rows of one file and one reason together, then in row order
            f"FROM {table} WHERE kode_kabupaten = ? ORDER BY nama_file, sheet, array_to_string(alasan, ','), baris",
            [kode],
        )
    parsed: list[dict] = []
    keys: dict[str, None] = {}
    for row in rows:
        try:
            values = json.loads(row[6]) if row[6] else {}
        except ValueError:
            values = {"nilai_asli": row[6]}
        if not isinstance(values, dict):
            values = {"nilai_asli": values}
        parsed.append(values)
        keys.update(dict.fromkeys(values))
    # original columns in contract order first, then anything else as it came
    order = [c for k in contract.KINDS for c in contract.column_names(k) if c in keys]
    order = list(dict.fromkeys(order + list(keys)))
    w.header(ws, 0, fixed + order)
    ws.freeze_panes(1, 4)
    ws.set_column(0, 0, 14)
    ws.set_column(1, 1, 26)
    ws.set_column(2, 2, 12)
    ws.set_column(3, 3, 7)
    ws.set_column(4, 4, 24)
    ws.set_column(5, 5, 48)
    ws.set_column(6, 6 + max(len(order) - 1, 0), 16)
    # many original columns: print readable (not shrunk to one page wide), file/sheet/row on every page
    w.page(ws, landscape=True, scale=70 if len(order) > 6 else None, repeat_cols=(1, 3))
    limit = EXCEL_MAX_ROWS - 2
    for i, (row, values) in enumerate(zip(rows, parsed)):
        r = i + 1
        if i >= limit:
            w.text(ws, r, 0, f"... {len(rows) - limit} baris lain tidak ditampilkan (batas Excel)")
            break
        jenis, nama_file, sheet, baris, alasan, pesan, _ = row
        w.cell(ws, r, 0, jenis)
        w.cell(ws, r, 1, nama_file)
        w.cell(ws, r, 2, sheet)
        w.cell(ws, r, 3, baris)
        w.text(ws, r, 4, ", ".join(alasan or []))
        w.cell(ws, r, 5, pesan)
        for j, k in enumerate(order):
            v = values.get(k)
            if v is None:
                continue
            w.text(ws, r, len(fixed) + j, v)  # original cell text stays text
    if rows:
        ws.autofilter(0, 0, min(len(rows), limit), len(fixed) + len(order) - 1)


def write_peringatan(wb, w: Writer, con, kode: str, table: str) -> None:
    ws = wb.add_worksheet("Peringatan")
    w.header(ws, 0, ["jenis", "file", "lembar", "baris", "kode", "kolom", "pesan"])
    ws.freeze_panes(1, 0)
    w.page(ws, landscape=True)
    ws.set_column(1, 1, 28)
    ws.set_column(4, 5, 24)
    ws.set_column(6, 6, 70)
    rows: list[tuple] = []
    if table_exists(con, *table.split(".")):
        _, rows = fetch_rows(
            con,
            f"SELECT jenis, nama_file, sheet, baris, kode, kolom, pesan FROM {table} "
            "WHERE kode_kabupaten = ? ORDER BY nama_file, sheet, baris, kode",
            [kode],
        )
    limit = EXCEL_MAX_ROWS - 2
    for i, row in enumerate(rows):
        r = i + 1
        if i >= limit:
            w.text(ws, r, 0, f"... {len(rows) - limit} baris lain tidak ditampilkan (batas Excel)")
            break
        for c, v in enumerate(row):
            w.cell(ws, r, c, v)
    if rows:
        ws.autofilter(0, 0, min(len(rows), limit), 6)


def catatan_rows(con, kode: str) -> list[tuple]:
    """The rows of the *Catatan file* sheet: notes on the files read, entries of the folder not read (also
    an input of the workbook's digest, ``feedback_digest``)."""
    if not table_exists(con, "ingestion", "catatan_file"):
        return []
    return fetch_rows(
        con,
        """SELECT c.nama_file, c.sheet, c.kode, c.catatan FROM ingestion.catatan_file c
           JOIN ingestion.file_registry f ON f.folder = c.folder AND f.file_hash = c.file_hash
           WHERE c.folder = ? AND coalesce(f.ada_di_folder, true)
           UNION ALL
           SELECT nama, NULL, kode, keterangan FROM ingestion.entri_diabaikan WHERE folder = ?
           ORDER BY 1, 2, 3""",
        [kode, kode],
    )[1]


def write_catatan(wb, w: Writer, con, kode: str) -> None:
    """What was noticed about files that were read, and what in the folder was not read at all."""
    ws = wb.add_worksheet("Catatan file")
    w.header(ws, 0, ["file / entri", "lembar", "kode", "pesan", "keterangan"])
    ws.freeze_panes(1, 0)
    w.page(ws, landscape=True)
    ws.set_column(0, 0, 32)
    ws.set_column(2, 2, 28)
    ws.set_column(3, 3, 80)
    ws.set_column(4, 4, 50)
    rows = catatan_rows(con, kode)
    reasons = contract.reasons()
    for i, (name, sheet, code, detail) in enumerate(rows, start=1):
        reason = reasons.get(code)
        w.cell(ws, i, 0, name)
        w.cell(ws, i, 1, sheet)
        w.cell(ws, i, 2, code)
        w.cell(ws, i, 3, reason.text() if reason else code)
        w.cell(ws, i, 4, detail)
    if not rows:
        w.text(ws, 1, 0, "Tidak ada catatan / no notes")
