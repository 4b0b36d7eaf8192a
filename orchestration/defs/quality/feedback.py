"""Feedback workbook for one district: ``<out_dir>/<kode>/umpan_balik_<kode>.xlsx``.

Sheets (Indonesian, for the district's data officer):

* ``Ringkasan``  – district, files received (name, status, reason, time), row counts, whether the
  submission is held and why, the district's capaian figures when given.
* ``Karantina``  – every quarantined row: file, sheet, row, reason codes, message, then the original
  cell values (``nilai_asli``) as columns, so the officer can find and fix the row.
* ``Peringatan`` – accepted rows with a warning: file, sheet, row, code, column, message.

This file holds personal data (NIK, names) by design: it is written only into the district's own
folder. Every text cell is written with ``write_string`` and the workbook has ``strings_to_formulas``
/ ``strings_to_numbers`` / ``strings_to_urls`` off, so a value such as ``=HYPERLINK(...)`` sent by
anyone stays inert text (no formula injection). The file is replaced atomically.
"""
from __future__ import annotations

import json
import math
import os
import re
import tempfile
from datetime import date, datetime
from pathlib import Path
from typing import Any

import duckdb

from orchestration.defs.quality.gate import HELD_QUARANTINE, HELD_WARNINGS
from orchestration.lib.files import ensure_private_dir
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
PENGAJUAN_LABEL = {
    "diterima": "DITERIMA",
    "ditahan": "DITAHAN (data terakhir yang diterima tetap dipakai)",
    "tidak_ada_kiriman": "tidak ada kiriman",
}
CAPAIAN_LABEL = {
    "target_rumah_tangga": "Target rumah tangga",
    "baris_diterima": "Baris dibaca dari file terkini (kolom baris_diterima)",
    "rumah_tangga_valid": "Rumah tangga valid",
    "baris_karantina": "Baris dikarantina",
    "cakupan": "Cakupan (%)",
    "akurasi": "Akurasi (%)",
    "kelengkapan": "Kelengkapan (%)",
    "ketepatan_waktu": "Ketepatan waktu",
    "indeks_capaian": "Indeks capaian",
    "peringkat": "Peringkat",
    "penghargaan": "Penghargaan",
    "file_pertama_diterima": "File pertama diterima",
    "file_terakhir_diterima": "File terakhir diterima",
}


def _district_name(kode: str) -> str:
    try:
        from sources import reference

        for k in reference.kabupaten():
            if k.kode == kode:
                return k.nama
    except Exception:  # reference seeds missing: the code alone still identifies the district
        pass
    return kode


def _table_exists(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> bool:
    return bool(
        con.execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_schema = ? AND table_name = ?",
            [schema, table],
        ).fetchone()[0]
    )


def _rows(con: duckdb.DuckDBPyConnection, sql: str, params: list) -> tuple[list[str], list[tuple]]:
    cur = con.execute(sql, params)
    cols = [d[0] for d in cur.description]
    return cols, cur.fetchall()


class _Writer:
    """Typed cell writing; strings always as inert text."""

    def __init__(self, workbook: Any) -> None:
        self.wb = workbook
        self.bold = workbook.add_format({"bold": True})
        self.head = workbook.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1, "text_wrap": True})
        self.title = workbook.add_format({"bold": True, "font_size": 14})
        self.dt = workbook.add_format({"num_format": "yyyy-mm-dd hh:mm:ss"})
        self.d = workbook.add_format({"num_format": "yyyy-mm-dd"})
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
                ws.write_number(r, c, value, fmt)
        elif isinstance(value, datetime):
            ws.write_datetime(r, c, value.replace(tzinfo=None), fmt or self.dt)
        elif isinstance(value, date):
            ws.write_datetime(r, c, datetime(value.year, value.month, value.day), fmt or self.d)
        else:
            self.text(ws, r, c, value, fmt)

    def text(self, ws: Any, r: int, c: int, value: Any, fmt: Any = None) -> None:
        s = value if isinstance(value, str) else (json.dumps(value, ensure_ascii=False) if isinstance(value, (list, dict)) else str(value))
        s = _ILLEGAL_XML.sub("\ufffd", s)[:_MAX_CELL]
        ws.write_string(r, c, s, fmt)

    def header(self, ws: Any, r: int, names: list[str]) -> None:
        for c, n in enumerate(names):
            ws.write_string(r, c, n, self.head)


def _summary(con: duckdb.DuckDBPyConnection, kode: str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if _table_exists(con, "quality", "status_pengajuan"):
        cols, rows = _rows(con, "SELECT * FROM quality.status_pengajuan WHERE kode_kabupaten = ?", [kode])
        if rows:
            out = dict(zip(cols, rows[0]))
    return out


def _count(con: duckdb.DuckDBPyConnection, table: str, kode: str) -> int:
    schema, name = table.split(".")
    if not _table_exists(con, schema, name):
        return 0
    return int(con.execute(f"SELECT count(*) FROM {table} WHERE kode_kabupaten = ?", [kode]).fetchone()[0])


def write_feedback(
    con: duckdb.DuckDBPyConnection,
    kode_kabupaten: str,
    out_dir: Path,
    *,
    capaian: dict | None = None,
) -> Path | None:
    """Write the district's feedback workbook; ``None`` when the district has no registered file."""
    import xlsxwriter

    kode = kode_kabupaten
    files_cols, files = _rows(
        con,
        "SELECT nama_file, path_relatif, jenis, CASE WHEN status = 'rejected' AND NOT coalesce(ada_di_folder, true) "
        "THEN 'rejected_gone' ELSE status END AS status, alasan_kode, alasan, waktu_file, baris_dibaca "
        "FROM ingestion.file_registry WHERE kode_kabupaten = ? "
        "ORDER BY CASE status WHEN 'active' THEN 0 WHEN 'rejected' THEN 1 ELSE 2 END, waktu_file, nama_file",
        [kode],
    )
    if not files:
        return None

    # Quarantined rows quote NIK and names: the feedback folder is for the service account, which
    # hands each district its own workbook (never readable by the analysts' group).
    ensure_private_dir(Path(out_dir))
    target_dir = ensure_private_dir(Path(out_dir) / kode)
    target = target_dir / f"umpan_balik_{kode}.xlsx"
    fd, tmp = tempfile.mkstemp(prefix=f".umpan_balik_{kode}.", suffix=".xlsx.tmp", dir=target_dir)
    os.close(fd)
    try:
        wb = xlsxwriter.Workbook(
            tmp,
            {
                "strings_to_formulas": False,
                "strings_to_numbers": False,
                "strings_to_urls": False,
                "constant_memory": True,
                "remove_timezone": True,
            },
        )
        w = _Writer(wb)
        # A held district fixes its current files: it sees their rows, not the version still in use.
        held = _summary(con, kode).get("status") == "ditahan"
        quarantine, warnings = (HELD_QUARANTINE, HELD_WARNINGS) if held else ("quality.karantina", "quality.peringatan")
        _write_ringkasan(wb, w, con, kode, files_cols, files, capaian, quarantine, warnings)
        _write_karantina(wb, w, con, kode, quarantine)
        _write_peringatan(wb, w, con, kode, warnings)
        _write_catatan(wb, w, con, kode)
        wb.close()
        os.chmod(tmp, 0o640)  # personal data: not world-readable
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return target


def _write_ringkasan(wb, w: _Writer, con, kode: str, files_cols, files, capaian: dict | None,
                     quarantine: str, warnings: str) -> None:
    ws = wb.add_worksheet("Ringkasan")
    ws.set_column(0, 0, 34)
    ws.set_column(1, 1, 40)
    ws.set_column(2, 7, 18)
    st = _summary(con, kode)
    status = st.get("status")
    held = status == "ditahan"
    # Counts of the sheets this workbook shows (the current files), so the summary and sheets agree.
    n_kar, n_warn = _count(con, quarantine, kode), _count(con, warnings, kode)
    if not st:  # status table not written yet: count from the row tables
        diterima = _count(con, "quality.rumah_tangga_diterima", kode) + _count(con, "quality.realisasi_program_diterima", kode)
        st = {"baris_dibaca_versi_dipakai": diterima + n_kar, "baris_diterima_versi_dipakai": diterima,
              "baris_karantina_versi_dipakai": n_kar}
    r = 0
    w.text(ws, r, 0, f"Umpan balik pendataan P3JR — {_district_name(kode)} ({kode})", w.title)
    r += 1
    w.text(ws, r, 0, "Dibuat")
    w.cell(ws, r, 1, datetime.now().replace(microsecond=0))
    r += 1
    w.text(ws, r, 0, "Berisi data pribadi (UU 27/2022): hanya untuk kabupaten/kota ini, jangan disebarkan.", w.red)
    r += 2

    w.text(ws, r, 0, "Status kiriman", w.bold)
    r += 1
    label = PENGAJUAN_LABEL.get(status, status or "belum diperiksa")
    w.text(ws, r, 0, "Status")
    w.text(ws, r, 1, label, w.green if status == "diterima" else w.red if held else None)
    r += 1
    w.text(ws, r, 0, "Alasan ditahan")
    w.cell(ws, r, 1, st.get("alasan_tahan") or ("-" if not held else ""))
    r += 1
    if held:
        w.text(ws, r, 0, "Artinya", w.red)
        w.text(ws, r, 1, "File di folder Anda sekarang BELUM dipakai. Perbaiki baris di lembar Karantina "
                         "(semuanya dari file terkini), lalu kirim ulang. Sampai itu, versi di bawah tetap dipakai.")
        r += 1
    r += 1
    w.text(ws, r, 0, "Kiriman terkini (file di folder sekarang)", w.bold)
    r += 1
    for label_, value in (
        ("Baris dibaca (file terkini)", st.get("baris_dibaca_kiriman_terkini")),
        ("Baris dikarantina (lihat lembar Karantina)", n_kar),
        ("Peringatan (lihat lembar Peringatan)", n_warn),
        ("File aktif", st.get("file_aktif")),
        ("File ditolak", st.get("file_ditolak")),
    ):
        w.text(ws, r, 0, label_)
        w.cell(ws, r, 1, value)
        r += 1
    r += 1
    w.text(ws, r, 0, "Versi yang dipakai di tabel provinsi" + (" (kiriman terakhir yang diterima)" if held else ""), w.bold)
    r += 1
    for label_, value in (
        ("File versi dipakai", st.get("file_versi_dipakai") or "-"),
        ("Dirilis pada", st.get("versi_dipakai_dirilis_pada")),
        ("Baris dibaca (versi dipakai)", st.get("baris_dibaca_versi_dipakai")),
        ("Baris diterima (versi dipakai)", st.get("baris_diterima_versi_dipakai")),
        ("Baris dikarantina (versi dipakai)", st.get("baris_karantina_versi_dipakai")),
        ("  di antaranya duplikat NIK", st.get("baris_karantina_duplikat")),
        ("File pertama diterima", st.get("file_pertama_diterima")),
        ("File terakhir diterima", st.get("file_terakhir_diterima")),
    ):
        w.text(ws, r, 0, label_)
        w.cell(ws, r, 1, value)
        r += 1

    if capaian:
        r += 1
        w.text(ws, r, 0, "Capaian pendataan", w.bold)
        r += 1
        for key, value in capaian.items():
            if key in ("kode_kabupaten", "nama_kabupaten"):
                continue
            w.text(ws, r, 0, CAPAIAN_LABEL.get(key, key))
            if hasattr(value, "to_pydatetime"):
                try:
                    value = value.to_pydatetime()
                except ValueError:  # NaT
                    value = None
            w.cell(ws, r, 1, value)
            r += 1

    r += 1
    w.text(ws, r, 0, "File yang diterima", w.bold)
    r += 1
    w.header(ws, r, ["nama file", "lokasi", "jenis", "status", "kode alasan", "alasan", "waktu file", "baris dibaca"])
    r += 1
    for row in files:
        rec = dict(zip(files_cols, row))
        w.cell(ws, r, 0, rec["nama_file"])
        w.cell(ws, r, 1, rec["path_relatif"])
        w.cell(ws, r, 2, rec["jenis"])
        w.cell(ws, r, 3, STATUS_LABEL.get(rec["status"], rec["status"]))
        w.cell(ws, r, 4, rec["alasan_kode"])
        w.cell(ws, r, 5, rec["alasan"])
        w.cell(ws, r, 6, rec["waktu_file"])
        w.cell(ws, r, 7, rec["baris_dibaca"])
        r += 1


def _write_karantina(wb, w: _Writer, con, kode: str, table: str) -> None:
    ws = wb.add_worksheet("Karantina")
    fixed = ["jenis", "file", "sheet", "baris", "kode alasan", "pesan"]
    rows: list[tuple] = []
    if _table_exists(con, *table.split(".")):
        _, rows = _rows(
            con,
            "SELECT jenis, nama_file, sheet, baris, alasan, pesan, CAST(nilai_asli AS VARCHAR) "
            f"FROM {table} WHERE kode_kabupaten = ? ORDER BY nama_file, sheet, baris",
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
    ws.freeze_panes(1, 0)
    ws.set_column(0, 0, 16)
    ws.set_column(1, 1, 28)
    ws.set_column(4, 4, 28)
    ws.set_column(5, 5, 60)
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


def _write_peringatan(wb, w: _Writer, con, kode: str, table: str) -> None:
    ws = wb.add_worksheet("Peringatan")
    w.header(ws, 0, ["jenis", "file", "sheet", "baris", "kode", "kolom", "pesan"])
    ws.freeze_panes(1, 0)
    ws.set_column(1, 1, 28)
    ws.set_column(4, 5, 24)
    ws.set_column(6, 6, 70)
    rows: list[tuple] = []
    if _table_exists(con, *table.split(".")):
        _, rows = _rows(
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


def _write_catatan(wb, w: _Writer, con, kode: str) -> None:
    """What was noticed about files that were read, and what in the folder was not read at all."""
    ws = wb.add_worksheet("Catatan file")
    w.header(ws, 0, ["file / entri", "sheet", "kode", "pesan", "keterangan"])
    ws.freeze_panes(1, 0)
    ws.set_column(0, 0, 32)
    ws.set_column(2, 2, 28)
    ws.set_column(3, 3, 80)
    ws.set_column(4, 4, 50)
    rows: list[tuple] = []
    if _table_exists(con, "ingestion", "catatan_file"):
        _, rows = _rows(
            con,
            """SELECT c.nama_file, c.sheet, c.kode, c.catatan FROM ingestion.catatan_file c
               JOIN ingestion.file_registry f ON f.folder = c.folder AND f.file_hash = c.file_hash
               WHERE c.folder = ? AND coalesce(f.ada_di_folder, true)
               UNION ALL
               SELECT nama, NULL, kode, keterangan FROM ingestion.entri_diabaikan WHERE folder = ?
               ORDER BY 1, 2, 3""",
            [kode, kode],
        )
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
