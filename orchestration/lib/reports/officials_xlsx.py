"""The officials' workbook ``ringkasan_capaian.xlsx``: sheets *Sampul* (what, when, data cut-off, how
the index is computed, which figures are illustrative or unknown), *Peringkat* (every index
component, the weights and the formula; prints on ONE A4 landscape page), *Proyeksi*, *Backlog &
RTLH* (officials_backlog) and *Realisasi program*. Headers are the column dictionary's labels."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from decimal import Decimal
from pathlib import Path

from orchestration.lib.publish.data_dictionary import Labels
from orchestration.lib.reports.style import (
    AWARD_COLORS,
    BELUM_ADA_DATA,
    NUM_FORMATS,
    STATUS_COLORS,
    TIDAK_DIKETAHUI,
    as_wita,
    num,
    number_kind,
    rumus_indeks,
    status_teks,
    tanggal_id,
    waktu_wita,
)

# a NULL here means "none", not "unknown": written as an empty cell
NULL_IS_EMPTY = frozenset({"penghargaan"})
# a NULL here, for a district without a submission, means "no data yet"
NULL_IS_NO_DATA = frozenset({"file_pertama_diterima", "file_terakhir_diterima", "versi_dipakai_dirilis_pada"})


class Book:
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
        add("header", bold=True, bg_color="#1F4E78", font_color="white", text_wrap=True, valign="vcenter", border=1)
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
            ws.write_string(
                row, col, "ya" if value else "tidak", fmt or self.f["total" if style == "_total" else "text"]
            )
        elif isinstance(value, (int, float, Decimal)):
            ws.write_number(row, col, float(value), self.f[number_kind(column, value) + style])
        else:
            ws.write_string(row, col, str(value), fmt or self.f["total" if style == "_total" else "text"])

    def table_sheet(
        self,
        ws,
        header_row: int,
        n_rows: int,
        n_cols: int,
        *,
        landscape: bool = True,
        fit_width: int = 1,
        fit_height: int = 0,
        freeze_cols: int = 2,
        repeat_cols: int | None = None,
    ):
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


def write_table(
    book: Book,
    ws,
    table: str,
    header_row: int,
    cols: Sequence[str],
    rows: Sequence[tuple],
    labels: Labels,
    *,
    highlight=None,
) -> None:
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


def write_xlsx(
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

    from orchestration.lib.reports.officials_backlog import write_backlog_sheet

    published_at = info.get("published_at")
    footer = "Sumber: database terbit P3JR NTT" + (f", terbit {waktu_wita(published_at)}" if published_at else "")
    wb = xlsxwriter.Workbook(
        str(path), {"strings_to_formulas": False, "strings_to_numbers": False, "strings_to_urls": False}
    )
    try:
        book = Book(wb, footer)
        _write_cover(book, wb.add_worksheet("Sampul"), bobot, info)
        _write_peringkat(book, wb.add_worksheet("Peringkat"), labels, peringkat, bobot, info)
        _write_proyeksi(book, wb.add_worksheet("Proyeksi"), labels, proyeksi, metode, info)
        write_backlog_sheet(book, wb.add_worksheet("Backlog & RTLH"), labels, backlog)
        _write_realisasi(book, wb.add_worksheet("Realisasi program"), labels, realisasi)
    finally:
        wb.close()


def _write_peringkat(
    book: Book,
    ws,
    labels: Labels,
    peringkat: tuple[list[str], list[tuple]],
    bobot: Mapping[str, float],
    info: Mapping[str, object],
) -> None:
    f = book.f
    cols, rows = peringkat
    n = len(cols)
    ws.merge_range(
        0, 0, 0, n - 1, "Peringkat capaian pendataan per kabupaten/kota — Program 3 Juta Rumah NTT", f["title"]
    )
    ws.merge_range(
        1,
        0,
        1,
        n - 1,
        f"Data per {tanggal_id(info.get('tanggal_data'))}; batas waktu pengiriman "
        f"{tanggal_id(info.get('batas_waktu'))}. Rumus: {rumus_indeks(bobot)} (komponen 0–100). "
        "Peringkat seri: cakupan lebih tinggi, lalu file pertama lebih awal. Target ILUSTRATIF "
        "(lihat Sampul).",
        f["note"],
    )
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

    write_table(book, ws, "capaian_pendataan", header_row, cols, rows, labels, highlight=award_fmt)
    ws.set_row(header_row, 40)
    widths = {
        "peringkat": 9,
        "penghargaan": 12,
        "kode_kabupaten": 8.5,
        "nama_kabupaten": 26,
        "kelengkapan": 11.5,
        "file_pertama_diterima": 19,
        "file_terakhir_diterima": 19,
    }
    for j, c in enumerate(cols):
        ws.set_column(j, j, widths.get(c, 9.5))
    book.table_sheet(ws, header_row, len(rows), n, fit_width=1, fit_height=1, freeze_cols=4)


def _write_proyeksi(
    book: Book,
    ws,
    labels: Labels,
    proyeksi: tuple[list[str], list[tuple]] | None,
    metode: str | None,
    info: Mapping[str, object],
) -> None:
    f = book.f
    ws.set_column(0, 0, 8.5)
    ws.set_column(1, 1, 25)
    ws.set_column(2, 10, 12)
    ws.merge_range(0, 0, 0, 10, "Proyeksi cakupan sampai batas waktu dengan laju saat ini", f["title"])
    if proyeksi is None:
        ws.merge_range(
            1,
            0,
            1,
            10,
            "Proyeksi belum tersedia di database terbit ini (tabel marts.proyeksi_capaian belum ada).",
            f["note"],
        )
        book.page(ws, landscape=True)
    else:
        cols, rows = proyeksi
        ws.merge_range(
            1,
            0,
            1,
            len(cols) - 1,
            f"Data per {tanggal_id(info.get('tanggal_data'))}; batas waktu proyeksi "
            f"{tanggal_id(info.get('batas_waktu_proyeksi'))}. Metode: {metode or '-'}",
            f["note"],
        )
        ws.set_row(1, 42)
        ws.merge_range(
            2,
            0,
            2,
            len(cols) - 1,
            "Status: tercapai = target sudah terpenuhi; sesuai jalur = target tercapai paling lambat "
            "batas waktu bila laju tetap; terlambat = tidak tercapai pada batas waktu; belum ada data = "
            "belum ada rumah tangga valid, riwayat kurang dari dua hari, atau target kosong. Target "
            "ILUSTRATIF.",
            f["note"],
        )
        ws.set_row(2, 28)
        header_row = 4
        st = cols.index("status_proyeksi")
        shown = [tuple(status_teks(v) if j == st else v for j, v in enumerate(r)) for r in rows]

        def status_fmt(cs, r, c):
            return book.status.get(str(r[st]).replace(" ", "_")) if c == "status_proyeksi" else None

        write_table(book, ws, "proyeksi_capaian", header_row, cols, shown, labels, highlight=status_fmt)
        # unknown projections of districts without data: 'belum ada data', not 'tidak diketahui'
        for i, r in enumerate(rows, start=header_row + 1):
            if r[st] == "belum_ada_data":
                for j in range(len(cols)):
                    if r[j] is None:
                        ws.write_string(i, j, BELUM_ADA_DATA, f["unknown"])
        ws.set_row(header_row, 42)
        book.table_sheet(ws, header_row, len(rows), len(cols), fit_width=1, fit_height=0)


def _write_realisasi(book: Book, ws, labels: Labels, realisasi: tuple[list[str], list[tuple]]) -> None:
    f = book.f
    cols, rows = realisasi
    ws.write_string(0, 0, "Realisasi program per skema (tahun anggaran × program × sumber dana)", f["title"])
    ws.write_string(
        1, 0, "Jumlah semua kabupaten/kota; persentase selesai = unit selesai / unit rencana.", f["note_plain"]
    )
    header_row = 3
    write_table(book, ws, "realisasi_program", header_row, cols, rows, labels)
    total_row = header_row + 1 + len(rows)
    ws.write_string(total_row, 0, "Jumlah", f["total"])
    for c in ("unit_rencana", "unit_selesai", "nilai_rupiah"):
        if c in cols:
            j = cols.index(c)
            book.cell(ws, total_row, j, c, int(sum(num(r[j]) for r in rows)), style="_total")
    ws.set_row(header_row, 30)
    ws.set_column(0, len(cols) - 1, 15)
    if "nilai_rupiah" in cols:
        ws.set_column(cols.index("nilai_rupiah"), cols.index("nilai_rupiah"), 20)
    book.table_sheet(ws, header_row, len(rows), len(cols), fit_width=1, fit_height=0, freeze_cols=0)


def _write_cover(book: Book, ws, bobot: Mapping[str, float], info: Mapping[str, object]) -> None:
    """What, when, data cut-off, how the index is computed, what is illustrative, where unknowns are."""
    f = book.f
    ws.set_column(0, 0, 30)
    ws.set_column(1, 1, 95)
    ws.write_string(0, 0, "Ringkasan capaian pendataan — Program 3 Juta Rumah, Nusa Tenggara Timur", f["title"])
    ws.write_string(
        1, 0, f"Tahun anggaran {info.get('tahun_anggaran') or '-'} · Balai P3KP Nusa Tenggara II", f["subtitle"]
    )
    items: list[tuple[str, str, str]] = [
        (
            "Apa isi buku kerja ini",
            "Capaian pendataan rumah tangga (by name by address) 22 kabupaten/kota: peringkat "
            "dan penghargaan, proyeksi sampai batas waktu, backlog perumahan dan RTLH, serta realisasi program. "
            "Semua angka dari database terbit (mart), tanpa data pribadi.",
            "wrap",
        ),
        ("Dibuat", waktu_wita(info.get("dibuat")), "wrap"),
        (
            "Data diterbitkan",
            waktu_wita(info.get("published_at")) if info.get("published_at") else "tidak diketahui",
            "wrap",
        ),
        (
            "Batas data (data cut-off)",
            f"Data per {tanggal_id(info.get('tanggal_data'))}: file kabupaten/kota yang "
            f"diterima sampai {waktu_wita(info.get('file_terakhir'))} (file terakhir yang diterima). File yang tiba "
            "sesudahnya masuk pada publikasi berikutnya.",
            "wrap",
        ),
        ("Batas waktu pengiriman", tanggal_id(info.get("batas_waktu")), "wrap"),
        (
            "Cara menghitung indeks",
            f"{rumus_indeks(bobot)}. Cakupan = rumah tangga valid / target (maks. 100); "
            "akurasi = baris diterima / (diterima + dikarantina selain duplikat NIK); kelengkapan = rata-rata keterisian "
            "8 kolom opsional; ketepatan waktu = 100 bila file pertama tiba paling lambat batas waktu, dikurangi 10 per "
            "minggu terlambat. Peringkat 1–3 mendapat Terbaik I–III (hanya bila ada rumah tangga valid). Aturan "
            "proyek (tidak ada rumus resmi); bobot dapat diubah Balai.",
            "wrap",
        ),
        (
            "Angka ILUSTRATIF",
            f"Target pendataan: {info.get('sumber_target') or 'tidak diketahui'}. Karena itu cakupan, "
            "indeks, peringkat dan proyeksi hanya ilustrasi sampai Balai memasukkan target resmi.",
            "warn" if info.get("target_ilustratif") else "wrap",
        ),
        ("Angka belum lengkap", info.get("belum_lengkap") or "-", "wrap"),
        ("Di mana ada 'tidak diketahui'", info.get("tidak_diketahui") or "-", "wrap"),
        (
            "Lembar",
            "Peringkat (muat satu halaman A4 mendatar) · Proyeksi · Backlog & RTLH · Realisasi program. "
            "Grafik: grafik_capaian.png, grafik_rtlh.png, grafik_proyeksi.png.",
            "wrap",
        ),
        (
            "Format angka",
            "Pemisah ribuan titik, desimal koma (1.234,56); rupiah 'Rp'; waktu dalam WITA (UTC+8).",
            "wrap",
        ),
    ]
    r = 3
    for label, text, style in items:
        ws.write_string(r, 0, label, f["label"])
        ws.write_string(r, 1, text, f[style])
        lines = max(1, len(text) // 95 + 1)
        ws.set_row(r, 14 * lines + 2)
        r += 1
    book.page(ws, landscape=False, fit_width=1, fit_height=1)
