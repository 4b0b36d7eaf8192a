"""The *Ringkasan* sheet of a district's feedback workbook: first what to do (what is wrong, rows
per reason, next steps, by when, the projection), then the status, the row counts of the current
files and of the version in use, and the district's capaian figures. Two columns, label beside
value, so a label never prints apart from its value."""

from __future__ import annotations

import math
from datetime import date, datetime
from typing import Any

import duckdb

from orchestration.lib.gate import HELD_QUARANTINE, HELD_WARNINGS
from orchestration.lib.publish.data_dictionary import Labels
from orchestration.lib.reports.feedback_sheets import Writer
from orchestration.lib.reports.query import fetch_rows
from orchestration.lib.reports.style import angka, status_teks, tanggal_id
from orchestration.lib.warehouse import table_exists
from orchestration.settings import WITA
from sources import contract

PENGAJUAN_LABEL = {
    "diterima": "DITERIMA",
    "ditahan": "DITAHAN (data terakhir yang diterima tetap dipakai)",
    "tidak_ada_kiriman": "tidak ada kiriman",
}
# capaian_pendataan columns not repeated in the summary (shown elsewhere on the sheet, or internal)
# (baris_diterima: the old name of baris_dibaca, same number, kept one release for analysts' queries)
CAPAIAN_SKIP = frozenset(
    {
        "kode_kabupaten",
        "nama_kabupaten",
        "bobot_cakupan",
        "bobot_akurasi",
        "bobot_kelengkapan",
        "bobot_ketepatan_waktu",
        "baris_diterima",
    }
)


def _district_name(kode: str) -> str:
    try:
        from sources import reference

        for k in reference.kabupaten():
            if k.kode == kode:
                return k.nama
    except Exception:  # reference seeds missing: the code alone still identifies the district
        pass
    return kode


def summary(con: duckdb.DuckDBPyConnection, kode: str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if table_exists(con, "quality", "status_pengajuan"):
        cols, rows = fetch_rows(con, "SELECT * FROM quality.status_pengajuan WHERE kode_kabupaten = ?", [kode])
        if rows:
            out = dict(zip(cols, rows[0]))
    return out


def list_tables(st: dict[str, Any]) -> tuple[str, str]:
    """The quarantine and warning tables a district's workbook lists, from its ``summary`` row: a held
    district fixes its current files, so it sees their rows, not the version still in use."""
    if st.get("status") == "ditahan":
        return HELD_QUARANTINE, HELD_WARNINGS
    return "quality.karantina", "quality.peringatan"


def count_rows(con: duckdb.DuckDBPyConnection, table: str, kode: str) -> int:
    schema, name = table.split(".")
    if not table_exists(con, schema, name):
        return 0
    return int(con.execute(f"SELECT count(*) FROM {table} WHERE kode_kabupaten = ?", [kode]).fetchone()[0])


def proyeksi_row(con: duckdb.DuckDBPyConnection, kode: str) -> dict | None:
    if not table_exists(con, "marts", "proyeksi_capaian"):
        return None
    cols, rows = fetch_rows(con, "SELECT * FROM marts.proyeksi_capaian WHERE kode_kabupaten = ?", [kode])
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
        return (
            "Proyeksi belum dapat dihitung (belum ada data: belum ada rumah tangga valid, riwayat kurang dari "
            f"dua hari, atau target kosong). Batas waktu: {batas}."
        )
    text = (
        f"Dengan laju saat ini ({angka(p.get('laju_rumah_tangga_per_hari'), 2)} rumah tangga/hari) Anda mencapai "
        f"{angka(p.get('proyeksi_cakupan_batas_waktu'), 2)} % dari target pada {batas} ({status_teks(status)})"
    )
    if p.get("tanggal_proyeksi_tercapai"):
        text += f"; target tercapai sekitar {tanggal_id(p['tanggal_proyeksi_tercapai'])}"
    return text + "."


def _reason_counts(con, kode: str, table: str) -> list[tuple[str, int]]:
    """(Indonesian reason text, rows) of the district's quarantine, most frequent first."""
    if not table_exists(con, *table.split(".")):
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


def write_ringkasan(
    wb,
    w: Writer,
    con,
    kode: str,
    capaian: dict | None,
    proyeksi: dict | None,
    labels: Labels,
    quarantine: str,
    warnings: str,
) -> None:
    ws = wb.add_worksheet("Ringkasan")
    ws.set_column(0, 0, 44)
    ws.set_column(1, 1, 62)
    st = summary(con, kode)
    status = st.get("status")
    held = status == "ditahan"
    capaian = {k: _plain(v) for k, v in (capaian or {}).items()}
    # Counts of the sheets this workbook shows (the current files), so the summary and sheets agree.
    n_kar, n_warn = count_rows(con, quarantine, kode), count_rows(con, warnings, kode)
    if not st:  # status table not written yet: count from the row tables
        diterima = count_rows(con, "quality.rumah_tangga_diterima", kode) + count_rows(
            con, "quality.realisasi_program_diterima", kode
        )
        st = {
            "baris_dibaca_versi_dipakai": diterima + n_kar,
            "baris_diterima_versi_dipakai": diterima,
            "baris_karantina_versi_dipakai": n_kar,
        }
    r = 0

    def pair(
        label_: str, value: Any, fmt: Any = None, label_fmt: Any = None, key: str = "", kosong: str = "tidak diketahui"
    ) -> None:
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
        salah.append(
            f"{angka(n_warn)} baris diterima dengan peringatan (kolom opsional dikosongkan) — lihat lembar Peringatan"
        )
    pair("Apa yang salah", "; ".join(salah) + "." if salah else "Tidak ada baris yang dikarantina.", w.todo, w.todo)
    for text, n in _reason_counts(con, kode, quarantine):
        pair(f"  Alasan: {text}", f"{angka(n)} baris")
    langkah = (
        "Buka file asli Anda, cari setiap baris yang tercantum di lembar Karantina (kolom file, lembar dan "
        "baris; baris dengan alasan yang sama berurutan), perbaiki isinya sesuai pesan, simpan, lalu letakkan "
        "lagi file itu di folder kabupaten/kota Anda dengan nama yang sama (file lama otomatis diganti). "
        "Jangan kirim ulang baris yang sudah diterima di file lain."
    )
    if n_ditolak:
        langkah += " File yang ditolak: simpan ulang sebagai .xlsx atau .csv dengan baris judul kolom, lalu kirim lagi."
    if held:
        langkah = "File di folder Anda sekarang BELUM dipakai karena terlalu banyak baris bermasalah. " + langkah
    pair(
        "Langkah berikutnya",
        langkah if (salah or held) else "Tidak ada yang perlu diperbaiki. Terima kasih.",
        w.todo,
        w.todo,
    )
    batas = capaian.get("batas_waktu")
    if batas:
        lewat = (
            isinstance(batas, (date, datetime))
            and (batas.date() if isinstance(batas, datetime) else batas) < datetime.now(WITA).date()
        )
        pair(
            "Paling lambat",
            f"{tanggal_id(batas)}"
            + (
                " (sudah lewat: kirim perbaikan secepatnya; ketepatan waktu dihitung dari file pertama)"
                if lewat
                else ""
            ),
            w.todo,
            w.todo,
        )
    else:
        pair("Paling lambat", "sesuai batas waktu pengiriman dari Balai", w.todo, w.todo)
    pair("Proyeksi capaian", kalimat_proyeksi(proyeksi), w.todo, w.todo)

    section("Status kiriman")
    label = PENGAJUAN_LABEL.get(status, status or "belum diperiksa")
    pair("Status", label, w.green if status == "diterima" else w.red if held else None)
    pair("Alasan ditahan", st.get("alasan_tahan") or ("-" if not held else ""))
    if held:
        pair(
            "Artinya",
            "File di folder Anda sekarang BELUM dipakai. Perbaiki baris di lembar Karantina "
            "(semuanya dari file terkini), lalu kirim ulang. Sampai itu, versi di bawah tetap dipakai.",
            None,
            w.red,
        )

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
