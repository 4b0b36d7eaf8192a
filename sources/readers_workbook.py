"""Workbooks: the container checked before calamine opens it, then the sheets read with calamine.

* :func:`check_zip` guards ``.xlsx``/``.xlsm``/``.ods`` (zip) files against decompression bombs and
  corrupt archives, and tells which format the zip holds.
* :func:`ole2_encrypted` tells a password-protected OOXML workbook (an OLE2 file holding
  ``EncryptedPackage``) from a legacy ``.xls``.
* :func:`read_workbook` reads the visible sheets with calamine, puts back the error cells calamine
  hides (found by :mod:`sources.readers_cellflags`) and reports hidden sheets holding data.

The container checks raise only :class:`ContainerProblem` for a bad file (``code`` is a file-level
code of ``reasons.csv``); :func:`read_workbook` raises only :class:`~sources.readers.FileRejected`.
"""

from __future__ import annotations

import struct
import zipfile
import zlib
from pathlib import Path
from typing import Any

from sources import readers
from sources.readers import FileNote, FileRejected, ReadResult
from sources.readers_cellflags import SMALL_XML, ods_cell_flags, xlsx_cell_flags
from sources.readers_sheet import build_sheet

# One limit on what a workbook may inflate to (sum of its members' uncompressed sizes): 1 GiB.
# A real district workbook is far below it (a whole province's households are ~0.3 GB of sheet XML);
# beyond it calamine's memory grows by several GB (a 1 MB bomb took a reader from 0.76 to 3.6 GB).
MAX_UNZIPPED_BYTES = 1 << 30
# A member inflating more than 100:1 *and* to more than 10 MiB is a bomb whatever the total:
# real sheet XML compresses 5–30:1.
MAX_ZIP_RATIO = 100
ZIP_RATIO_MIN_BYTES = 10 << 20
MAX_ZIP_MEMBERS = 10_000

ODS_MIME = b"application/vnd.oasis.opendocument.spreadsheet"


class ContainerProblem(Exception):
    def __init__(self, code: str, detail: str) -> None:
        super().__init__(f"{code}: {detail}")
        self.code = code
        self.detail = detail


def _mb(n: int) -> str:
    return f"{n / 1e6:,.1f} MB".replace(",", "_").replace(".", ",").replace("_", ".")


def _inflated_size(fh, info: zipfile.ZipInfo, cap: int) -> int:
    """Bytes one deflated member really inflates to, counted without keeping them (stops past ``cap``).

    The sizes in a zip's directory are only what the archive claims; calamine's zip reader does not
    stop at them, so a member lying about its size is measured here."""
    fh.seek(info.header_offset)
    local = fh.read(30)
    if len(local) != 30 or local[:4] != b"PK\x03\x04":
        raise zipfile.BadZipFile("bad local file header")
    n_name, n_extra = struct.unpack("<HH", local[26:30])
    fh.seek(info.header_offset + 30 + n_name + n_extra)
    d = zlib.decompressobj(-15)
    left = info.compress_size
    out = 0
    while left > 0 and not d.eof:
        chunk = fh.read(min(left, 1 << 20))
        if not chunk:
            break
        left -= len(chunk)
        buf = chunk
        while buf:
            out += len(d.decompress(buf, 1 << 22))
            if out > cap:
                return out
            buf = d.unconsumed_tail
    return out


def check_zip(path: Path, max_unzipped: int = MAX_UNZIPPED_BYTES) -> str:
    """``'xlsx'``, ``'ods'`` or ``''`` (a zip holding neither) for a zip file that is safe to open;
    raises :class:`ContainerProblem` (``file_terurai_terlalu_besar``, ``file_rusak``, ``file_terkunci``)."""

    def bomb(detail: str) -> ContainerProblem:
        return ContainerProblem("file_terurai_terlalu_besar", detail)

    try:
        with zipfile.ZipFile(path) as zf, open(path, "rb") as fh:
            infos = zf.infolist()
            if len(infos) > MAX_ZIP_MEMBERS:
                raise bomb(
                    f"arsip berisi {len(infos)} berkas (batas {MAX_ZIP_MEMBERS}) / "
                    f"archive holds {len(infos)} members (limit {MAX_ZIP_MEMBERS})"
                )
            total = sum(i.file_size for i in infos)
            if total > max_unzipped:
                raise bomb(
                    f"isi terurai {_mb(total)} melebihi batas {_mb(max_unzipped)} / "
                    f"declared uncompressed size {total} bytes > limit {max_unzipped} bytes"
                )
            for i in infos:
                ratio = i.file_size / max(i.compress_size, 1)
                if i.file_size > ZIP_RATIO_MIN_BYTES and ratio > MAX_ZIP_RATIO:
                    raise bomb(
                        f"bagian '{i.filename[:80]}' terurai {ratio:,.0f}:1 menjadi {_mb(i.file_size)} / "
                        f"member inflates {ratio:,.0f}:1 to {i.file_size} bytes (limit {MAX_ZIP_RATIO}:1)"
                    )
            if any(i.flag_bits & 0x1 for i in infos):
                raise ContainerProblem(
                    "file_rusak", "anggota zip bertanda terenkripsi / zip members flagged as encrypted"
                )
            real = 0
            for i in infos:
                if i.compress_type == zipfile.ZIP_DEFLATED:
                    n = _inflated_size(fh, i, max(i.file_size, 0) + 1)
                    if n != i.file_size:
                        raise ContainerProblem(
                            "file_rusak",
                            f"bagian '{i.filename[:80]}' terurai {n} byte, tercatat {i.file_size} / "
                            f"member inflates to {n} bytes, directory says {i.file_size}",
                        )
                    real += n
                elif i.compress_type == zipfile.ZIP_STORED:
                    real += i.compress_size
                else:
                    raise ContainerProblem(
                        "file_rusak",
                        f"metode kompresi {i.compress_type} tidak didukung / "
                        f"unsupported zip compression method {i.compress_type}",
                    )
                if real > max_unzipped:
                    raise bomb(f"isi terurai melebihi batas {_mb(max_unzipped)} / uncompressed size > {max_unzipped}")
            names = {i.filename for i in infos}
            if "mimetype" in names and zf.read("mimetype").strip() == ODS_MIME:
                info = zf.getinfo("META-INF/manifest.xml") if "META-INF/manifest.xml" in names else None
                if info is not None and info.file_size < SMALL_XML and b"encryption-data" in zf.read(info):
                    raise ContainerProblem("file_terkunci", "berkas ODS dilindungi kata sandi / password-protected ODS")
                return "ods"
            if "[Content_Types].xml" in names:
                return "xlsx"
            return ""
    except ContainerProblem:
        raise
    except (
        zipfile.BadZipFile,
        zipfile.LargeZipFile,
        NotImplementedError,
        RuntimeError,
        EOFError,
        OSError,
        ValueError,
        OverflowError,
        KeyError,
        zlib.error,
        struct.error,
    ) as exc:
        raise ContainerProblem("file_rusak", f"arsip zip rusak / corrupt zip: {type(exc).__name__}: {exc}") from None


def ole2_encrypted(path: Path) -> bool:
    """An OLE2 compound file holding an ``EncryptedPackage`` stream: a password-protected .xlsx/.xlsm."""
    return "EncryptedPackage".encode("utf-16-le") in Path(path).read_bytes()


# --------------------------------------------------------------------------------------------
# reading a workbook
# --------------------------------------------------------------------------------------------

_FORMAT_EXT = {"xlsx": readers.XLSX_EXTENSIONS, "ods": (".ods",), "xls": (".xls",)}
_FORMAT_NAME = {"xlsx": "Excel .xlsx", "ods": "OpenDocument .ods", "xls": "Excel 97-2003 .xls (OLE2)"}


def _reader_error(exc: BaseException) -> bool:
    """An error raised by calamine for a bad file (a Rust panic is a BaseException in pyo3)."""
    return isinstance(exc, Exception) or type(exc).__name__ == "PanicException"


def _not_a_workbook(head: bytes, ext: str) -> FileRejected:
    h = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if h.startswith(b"<"):
        return FileRejected(
            "file_rusak",
            f"berkas {ext} ini berisi HTML/XML (ekspor aplikasi web), bukan buku kerja; "
            f"buka di Excel lalu simpan sebagai .xlsx / HTML/XML export, not a workbook",
        )
    return FileRejected("file_rusak", f"bukan berkas {ext} (tanda zip/OLE2 tidak ada) / not an xlsx/xls/ods file")


def _open_error(exc: BaseException, fmt: str) -> FileRejected:
    import python_calamine as pc

    msg = f"{type(exc).__name__}: {exc}"[:300]
    if isinstance(exc, pc.PasswordError) or "password" in msg.lower() or "encrypt" in msg.lower():
        return FileRejected("file_terkunci", f"buku kerja dilindungi kata sandi / password-protected workbook ({msg})")
    if fmt == "xls":
        return FileRejected(
            "format_lama_tidak_terbaca",
            f"berkas Office lama (OLE2) yang tidak terbaca sebagai .xls / legacy OLE2 file, "
            f"not a readable .xls ({msg})",
        )
    return FileRejected("file_rusak", f"cannot open workbook: {msg}")


def _sheet_rows(wb: Any, name: str) -> list[list[Any]]:
    """All rows from A1 (row and column indexes are the sheet's own). ``iter_rows`` is not used: it
    starts at row 1 but at the first used *column*, while ``start`` names the first used row too."""
    try:
        sh = wb.get_sheet_by_name(name)
        return [] if sh.start is None else sh.to_python(skip_empty_area=False)
    except BaseException as exc:
        if not _reader_error(exc):
            raise
        raise FileRejected("file_rusak", f"cannot read sheet {name!r}: {type(exc).__name__}: {exc}") from None


def _inject(rows: list[list[Any]], flags: dict[tuple[int, int], tuple[str, str | None]]) -> None:
    """Put each error cell's ``#…`` text where calamine left ``''``: it is what the cell showed."""
    for (i, j), (code, lit) in flags.items():
        if code != "sel_error_excel" or not lit or i >= len(rows):
            continue
        row = rows[i]
        if j >= len(row):
            row.extend([""] * (j + 1 - len(row)))
        if row[j] in ("", None):
            row[j] = lit


def read_workbook(path: Path, ext: str, max_unzipped: int = MAX_UNZIPPED_BYTES) -> ReadResult:
    import python_calamine as pc

    with open(path, "rb") as fh:
        head = fh.read(8)
    try:
        if head == readers.OLE2_MAGIC:
            if ole2_encrypted(path):
                raise FileRejected("file_terkunci", "password-protected workbook (OLE2 EncryptedPackage)")
            fmt = "xls"
        elif head.startswith(readers.ZIP_MAGIC):
            fmt = check_zip(path, max_unzipped)
        else:
            raise _not_a_workbook(head, ext)
    except ContainerProblem as exc:
        raise FileRejected(exc.code, exc.detail) from None

    out = ReadResult()
    natural = fmt and ext in _FORMAT_EXT[fmt]
    if fmt and not natural:
        out.notes.append(
            FileNote(
                "ekstensi_tidak_sesuai",
                f"isi file adalah {_FORMAT_NAME[fmt]} tetapi namanya berakhiran {ext}; tetap dibaca / "
                f"the file is {_FORMAT_NAME[fmt]} named {ext}; read anyway",
                "",
                {"format": fmt, "ekstensi": ext},
            )
        )
    try:
        if natural:
            wb = pc.CalamineWorkbook.from_path(str(path))
        else:  # calamine picks the reader by extension in from_path, by content in from_filelike
            with open(path, "rb") as fh:
                wb = pc.CalamineWorkbook.from_filelike(fh)
    except BaseException as exc:  # calamine raises its own error types (ZipError, XmlError…) and ValueError
        if not _reader_error(exc):
            raise
        raise _open_error(exc, fmt) from None
    hidden_data: list[str] = []
    try:
        try:
            metas = [m for m in wb.sheets_metadata if m.typ == pc.SheetTypeEnum.WorkSheet]
        except BaseException as exc:
            if not _reader_error(exc):
                raise
            raise FileRejected("file_rusak", f"cannot list sheets: {type(exc).__name__}") from None
        visible = {m.name for m in metas if m.visible == pc.SheetVisibleEnum.Visible}
        flags_by_sheet: dict[str, dict] = {}
        if fmt == "xlsx":
            flags_by_sheet = xlsx_cell_flags(path, visible)
        elif fmt == "ods":
            flags_by_sheet = ods_cell_flags(path, visible)
        # .xls: error cells stay '' (see the module docstring)
        for meta in metas:
            rows = _sheet_rows(wb, meta.name)
            if not rows:
                continue
            if meta.name not in visible:
                # Hidden sheets are not data (contract); one that looks like data is reported, not read.
                sd = build_sheet(meta.name, rows, 0, 0)
                if sd is not None and sd.table.num_rows:
                    state = "sangat tersembunyi" if meta.visible == pc.SheetVisibleEnum.VeryHidden else "tersembunyi"
                    n, jenis = sd.table.num_rows, sd.kind.replace("_", " ")
                    hidden_data.append(f"'{meta.name}' ({n} baris)")
                    out.notes.append(
                        FileNote(
                            "sheet_tersembunyi_diabaikan",
                            f"sheet '{meta.name}' ({state}) berisi judul kolom {jenis} di baris {sd.header_row} dan "
                            f"{n} baris data yang tidak dibaca / hidden sheet '{meta.name}' holds a {sd.kind} header at "
                            f"row {sd.header_row} and {n} data rows, not read",
                            meta.name,
                            {"baris_data": n, "jenis": sd.kind, "baris_header": sd.header_row},
                        )
                    )
                continue
            flags = flags_by_sheet.get(meta.name, {})
            _inject(rows, flags)
            sd = build_sheet(meta.name, rows, 0, 0, flags=flags, notes=out.notes)
            if sd is not None:
                out.sheets.append(sd)
    finally:
        try:
            wb.close()
        except Exception:
            pass
    if not out.sheets:
        detail = "no visible sheet has a recognisable header row"
        if hidden_data:
            detail += (
                f"; hanya sheet tersembunyi berisi data: {', '.join(hidden_data)} — tampilkan (unhide) lalu "
                f"kirim ulang / only hidden sheets hold data"
            )
        raise FileRejected("header_tidak_dikenal", detail)
    return out
