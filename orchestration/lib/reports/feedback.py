"""Feedback workbook for one district: ``<out_dir>/<kode>/umpan_balik_<kode>.xlsx``.

Sheets (Indonesian, for the district's data officer):

* ``Ringkasan``  – first what to do: what is wrong (rows per reason), what to do next, by when, and
  the projection ("dengan laju saat ini Anda mencapai X % pada <tanggal>"); then the status, row
  counts, whether the submission is held and why, the district's capaian figures. Two columns, label
  beside value, printed on A4 fitted to the page width so a label never prints apart from its value.
* ``Karantina``  – every quarantined row, sorted by file, sheet, reason and row (rows of one file and
  one reason stay together): file, sheet, row, reason codes, message, then the original cell values
  (``nilai_asli``) as columns, so the officer can find and fix the row. Header repeated on every page.
* ``Peringatan`` – accepted rows with a warning: file, sheet, row, code, column, message.
* ``File diterima`` – every file received: name, status, reason, arrival time (WITA).
* ``Catatan file`` – notes on files that were read, and entries of the folder that were not.

Labels of capaian and projection figures come from the column dictionary (dbt docs of the marts,
``config: meta: label``); numbers are formatted the Indonesian way, times are WITA and say so.

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

from orchestration.lib.reports import NUM_FORMATS, Labels, angka, status_teks, tanggal_id
from orchestration.lib.gate import HELD_QUARANTINE, HELD_WARNINGS
from orchestration.lib.files import ensure_private_dir
from orchestration.settings import WITA
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
# capaian_pendataan columns not repeated in the summary (shown elsewhere on the sheet, or internal)
CAPAIAN_SKIP = frozenset({"kode_kabupaten", "nama_kabupaten", "bobot_cakupan", "bobot_akurasi", "bobot_kelengkapan",
                          "bobot_ketepatan_waktu"})


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
        s = value if isinstance(value, str) else (json.dumps(value, ensure_ascii=False) if isinstance(value, (list, dict)) else str(value))
        s = _ILLEGAL_XML.sub("\ufffd", s)[:_MAX_CELL]
        ws.write_string(r, c, s, fmt)

    def header(self, ws: Any, r: int, names: list[str]) -> None:
        for c, n in enumerate(names):
            ws.write_string(r, c, n, self.head)

    @staticmethod
    def page(ws: Any, *, landscape: bool, header_row: int | None = 0, fit_width: int = 1,
             repeat_cols: tuple[int, int] | None = None, scale: int | None = None) -> None:
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


def _proyeksi(con: duckdb.DuckDBPyConnection, kode: str) -> dict | None:
    if not _table_exists(con, "marts", "proyeksi_capaian"):
        return None
    cols, rows = _rows(con, "SELECT * FROM marts.proyeksi_capaian WHERE kode_kabupaten = ?", [kode])
    return dict(zip(cols, rows[0])) if rows else None


def _plain(value: Any) -> Any:
    """pandas/numpy values (the asset passes DataFrame records) as plain Python; NaN/NaT as None."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if type(value).__name__ == "NaTType":
        return None
    if hasattr(value, "to_pydatetime"):
        try:
            value = value.to_pydatetime()
        except ValueError:
            return None
    if hasattr(value, "item") and not isinstance(value, (str, bytes, datetime, date)):
        try:
            value = value.item()
        except (ValueError, AttributeError):
            pass
    return value


def kalimat_proyeksi(proyeksi: dict | None) -> str:
    """The projection sentence of the summary: 'Dengan laju saat ini Anda mencapai X % pada <tanggal>'."""
    if not proyeksi:
        return "Proyeksi belum tersedia."
    p = {k: _plain(v) for k, v in proyeksi.items()}
    batas = tanggal_id(p.get("batas_waktu_proyeksi"))
    status = p.get("status_proyeksi")
    if status == "tercapai":
        return f"Target sudah tercapai ({angka(p.get('cakupan_saat_ini'), 2)} %)."
    if status == "belum_ada_data" or p.get("proyeksi_cakupan_batas_waktu") is None:
        return ("Proyeksi belum dapat dihitung (belum ada data: belum ada rumah tangga valid, riwayat kurang dari "
                f"dua hari, atau target kosong). Batas waktu: {batas}.")
    text = (f"Dengan laju saat ini ({angka(p.get('laju_rumah_tangga_per_hari'), 2)} rumah tangga/hari) Anda mencapai "
            f"{angka(p.get('proyeksi_cakupan_batas_waktu'), 2)} % dari target pada {batas} ({status_teks(status)})")
    if p.get("tanggal_proyeksi_tercapai"):
        text += f"; target tercapai sekitar {tanggal_id(p['tanggal_proyeksi_tercapai'])}"
    return text + "."


def write_feedback(
    con: duckdb.DuckDBPyConnection,
    kode_kabupaten: str,
    out_dir: Path,
    *,
    capaian: dict | None = None,
    proyeksi: dict | None = None,
    labels: Labels | None = None,
) -> Path | None:
    """Write the district's feedback workbook; ``None`` when the district has no registered file.

    ``proyeksi`` defaults to the district's row of ``marts.proyeksi_capaian`` when ``con`` has it;
    ``labels`` to the column dictionary of the dbt manifest."""
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
        if proyeksi is None:
            proyeksi = _proyeksi(con, kode)
        _write_ringkasan(wb, w, con, kode, capaian, proyeksi, labels or Labels.load(), quarantine, warnings)
        _write_karantina(wb, w, con, kode, quarantine)
        _write_peringatan(wb, w, con, kode, warnings)
        _write_files(wb, w, files_cols, files)
        _write_catatan(wb, w, con, kode)
        wb.close()
        os.chmod(tmp, 0o640)  # personal data: not world-readable
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return target


def _reason_counts(con, kode: str, table: str) -> list[tuple[str, int]]:
    """(Indonesian reason text, rows) of the district's quarantine, most frequent first."""
    if not _table_exists(con, *table.split(".")):
        return []
    rows = con.execute(
        f"SELECT a, count(*) FROM (SELECT unnest(alasan) AS a FROM {table} WHERE kode_kabupaten = ?) "
        "GROUP BY a ORDER BY 2 DESC, 1",
        [kode],
    ).fetchall()
    reasons = contract.reasons()
    out = []
    for code, n in rows:
        reason = reasons.get(code)
        text = reason.message.replace("'{kolom}'", "").replace("{kolom}", "").replace("  ", " ") if reason else code
        out.append((f"{text} ({code})", int(n)))
    return out


def _write_ringkasan(wb, w: _Writer, con, kode: str, capaian: dict | None, proyeksi: dict | None,
                     labels: Labels, quarantine: str, warnings: str) -> None:
    ws = wb.add_worksheet("Ringkasan")
    ws.set_column(0, 0, 44)
    ws.set_column(1, 1, 62)
    st = _summary(con, kode)
    status = st.get("status")
    held = status == "ditahan"
    capaian = {k: _plain(v) for k, v in (capaian or {}).items()}
    # Counts of the sheets this workbook shows (the current files), so the summary and sheets agree.
    n_kar, n_warn = _count(con, quarantine, kode), _count(con, warnings, kode)
    if not st:  # status table not written yet: count from the row tables
        diterima = _count(con, "quality.rumah_tangga_diterima", kode) + _count(con, "quality.realisasi_program_diterima", kode)
        st = {"baris_dibaca_versi_dipakai": diterima + n_kar, "baris_diterima_versi_dipakai": diterima,
              "baris_karantina_versi_dipakai": n_kar}
    r = 0

    def pair(label_: str, value: Any, fmt: Any = None, label_fmt: Any = None, key: str = "",
             kosong: str = "tidak diketahui") -> None:
        """A label and its value side by side (one row: they always print on the same page)."""
        nonlocal r
        if value is None:
            value = kosong
        elif isinstance(value, datetime) and (key.startswith("tanggal") or key.startswith("batas_waktu")):
            value = value.date()
        elif key == "tahun_anggaran" and isinstance(value, (int, float)):
            value, fmt = int(value), w.year
        # xlsxwriter does not size rows: give wrapped text the lines it needs (label 44, value 62 wide)
        text = value if isinstance(value, str) else ""
        lines = max(math.ceil(len(label_) * 1.1 / 44), math.ceil(len(text) * 1.1 / 62), 1)
        if lines > 1:
            ws.set_row(r, 13.5 * lines)
        w.text(ws, r, 0, label_, label_fmt or w.label)
        w.cell(ws, r, 1, value, fmt if fmt is not None else (w.wrap if isinstance(value, str) else None))
        r += 1

    def section(title: str) -> None:
        nonlocal r
        r += 1
        w.text(ws, r, 0, title, w.section)
        ws.write_blank(r, 1, None, w.section)
        r += 1

    w.text(ws, r, 0, f"Umpan balik pendataan P3JR — {_district_name(kode)} ({kode})", w.title)
    r += 1
    pair("Dibuat", datetime.now(WITA).replace(microsecond=0, tzinfo=None))
    w.text(ws, r, 0, "Berisi data pribadi (UU 27/2022): hanya untuk kabupaten/kota ini, jangan disebarkan.", w.red)
    r += 1

    # --- what to do ---------------------------------------------------------------------
    section("Yang perlu Anda lakukan")
    n_ditolak = st.get("file_ditolak") or 0
    salah = []
    if n_kar:
        salah.append(f"{angka(n_kar)} baris dikarantina (tidak dihitung) — lihat lembar Karantina")
    if n_ditolak:
        salah.append(f"{angka(n_ditolak)} file ditolak seluruhnya — lihat lembar File diterima")
    if n_warn:
        salah.append(f"{angka(n_warn)} baris diterima dengan peringatan (kolom opsional dikosongkan) — lihat "
                     "lembar Peringatan")
    pair("Apa yang salah", "; ".join(salah) + "." if salah else "Tidak ada baris yang dikarantina.", w.todo, w.todo)
    for text, n in _reason_counts(con, kode, quarantine):
        pair(f"  Alasan: {text}", f"{angka(n)} baris")
    langkah = ("Buka file asli Anda, cari setiap baris yang tercantum di lembar Karantina (kolom file, lembar dan "
               "baris; baris dengan alasan yang sama berurutan), perbaiki isinya sesuai pesan, simpan, lalu letakkan "
               "lagi file itu di folder kabupaten/kota Anda dengan nama yang sama (file lama otomatis diganti). "
               "Jangan kirim ulang baris yang sudah diterima di file lain.")
    if n_ditolak:
        langkah += " File yang ditolak: simpan ulang sebagai .xlsx atau .csv dengan baris judul kolom, lalu kirim lagi."
    if held:
        langkah = ("File di folder Anda sekarang BELUM dipakai karena terlalu banyak baris bermasalah. " + langkah)
    pair("Langkah berikutnya", langkah if (salah or held) else "Tidak ada yang perlu diperbaiki. Terima kasih.",
         w.todo, w.todo)
    batas = capaian.get("batas_waktu")
    if batas:
        lewat = isinstance(batas, (date, datetime)) and (batas.date() if isinstance(batas, datetime) else batas) < \
            datetime.now(WITA).date()
        pair("Paling lambat", f"{tanggal_id(batas)}" + (" (sudah lewat: kirim perbaikan secepatnya; ketepatan "
                                                          "waktu dihitung dari file pertama)" if lewat else ""),
             w.todo, w.todo)
    else:
        pair("Paling lambat", "sesuai batas waktu pengiriman dari Balai", w.todo, w.todo)
    pair("Proyeksi capaian", kalimat_proyeksi(proyeksi), w.todo, w.todo)

    section("Status kiriman")
    label = PENGAJUAN_LABEL.get(status, status or "belum diperiksa")
    pair("Status", label, w.green if status == "diterima" else w.red if held else None)
    pair("Alasan ditahan", st.get("alasan_tahan") or ("-" if not held else ""))
    if held:
        pair("Artinya", "File di folder Anda sekarang BELUM dipakai. Perbaiki baris di lembar Karantina "
                        "(semuanya dari file terkini), lalu kirim ulang. Sampai itu, versi di bawah tetap dipakai.",
             None, w.red)

    section("Kiriman terkini (file di folder sekarang)")
    for label_, value in (
        ("Baris dibaca (file terkini)", st.get("baris_dibaca_kiriman_terkini")),
        ("Baris dikarantina (lihat lembar Karantina)", n_kar),
        ("Peringatan (lihat lembar Peringatan)", n_warn),
        ("File aktif", st.get("file_aktif")),
        ("File ditolak", st.get("file_ditolak")),
    ):
        pair(label_, value)

    section("Versi yang dipakai di tabel provinsi" + (" (kiriman terakhir yang diterima)" if held else ""))
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
        pair(label_, value)

    if capaian:
        section("Capaian pendataan")
        for key, value in capaian.items():
            if key in CAPAIAN_SKIP:
                continue
            if key == "penghargaan" and value is None:
                value = "-"
            pair(labels("capaian_pendataan", key), value, key=key)
    if proyeksi:
        section("Proyeksi sampai batas waktu")
        for key, value in proyeksi.items():
            if key in ("kode_kabupaten", "nama_kabupaten"):
                continue
            value = _plain(value)
            if key == "status_proyeksi":
                value = status_teks(value)
            pair(labels("proyeksi_capaian", key), value, key=key, kosong="belum ada data")
    w.page(ws, landscape=False, header_row=None)


def _write_files(wb, w: _Writer, files_cols, files) -> None:
    ws = wb.add_worksheet("File diterima")
    w.header(ws, 0, ["nama file", "lokasi", "jenis", "status", "kode alasan", "alasan", "waktu file (WITA)",
                     "baris dibaca"])
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


def _write_karantina(wb, w: _Writer, con, kode: str, table: str) -> None:
    ws = wb.add_worksheet("Karantina")
    fixed = ["jenis", "file", "lembar", "baris", "kode alasan", "pesan"]
    rows: list[tuple] = []
    if _table_exists(con, *table.split(".")):
        _, rows = _rows(
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


def _write_peringatan(wb, w: _Writer, con, kode: str, table: str) -> None:
    ws = wb.add_worksheet("Peringatan")
    w.header(ws, 0, ["jenis", "file", "lembar", "baris", "kode", "kolom", "pesan"])
    ws.freeze_panes(1, 0)
    w.page(ws, landscape=True)
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
    w.header(ws, 0, ["file / entri", "lembar", "kode", "pesan", "keterangan"])
    ws.freeze_panes(1, 0)
    w.page(ws, landscape=True)
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
