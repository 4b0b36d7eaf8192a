"""Workbook containers, checked before calamine opens them, and cell facts calamine does not expose.

* :func:`check_zip` guards ``.xlsx``/``.xlsm``/``.ods`` (zip) files against decompression bombs and
  corrupt archives, and tells which format the zip holds.
* :func:`ole2_encrypted` tells a password-protected OOXML workbook (an OLE2 file holding
  ``EncryptedPackage``) from a legacy ``.xls``.
* :func:`xlsx_cell_flags` / :func:`ods_cell_flags` find error cells (``#DIV/0!``, ``#N/A`` …) and
  formulas saved without a cached value: python-calamine 0.9 returns ``''`` for both, exactly like an
  empty cell, and exposes neither formulas nor an error type, so the sheet XML is scanned here.
  For legacy ``.xls`` (BIFF records inside OLE2) this is not done: calamine also returns ``''`` for
  error cells there, and finding them would need a BIFF record parser of our own.

No function here raises anything but :class:`ContainerProblem` for a bad file (``code`` is a
file-level code of ``reasons.csv``); the scanners return ``{}`` rather than fail.
"""
from __future__ import annotations

import re
import struct
import xml.etree.ElementTree as ET
import zipfile
import zlib
from pathlib import Path
from typing import Any

from sources import readers
from sources.readers import FileNote, FileRejected, ReadResult

# One limit on what a workbook may inflate to (sum of its members' uncompressed sizes): 1 GiB.
# A real district workbook is far below it (a whole province's households are ~0.3 GB of sheet XML);
# beyond it calamine's memory grows by several GB (a 1 MB bomb took a reader from 0.76 to 3.6 GB).
MAX_UNZIPPED_BYTES = 1 << 30
# A member inflating more than 100:1 *and* to more than 10 MiB is a bomb whatever the total:
# real sheet XML compresses 5–30:1.
MAX_ZIP_RATIO = 100
ZIP_RATIO_MIN_BYTES = 10 << 20
MAX_ZIP_MEMBERS = 10_000
_SMALL_XML = 64 << 20  # workbook.xml / rels / manifest above this are not parsed (real ones are KBs)

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
                raise bomb(f"arsip berisi {len(infos)} berkas (batas {MAX_ZIP_MEMBERS}) / "
                           f"archive holds {len(infos)} members (limit {MAX_ZIP_MEMBERS})")
            total = sum(i.file_size for i in infos)
            if total > max_unzipped:
                raise bomb(f"isi terurai {_mb(total)} melebihi batas {_mb(max_unzipped)} / "
                           f"declared uncompressed size {total} bytes > limit {max_unzipped} bytes")
            for i in infos:
                ratio = i.file_size / max(i.compress_size, 1)
                if i.file_size > ZIP_RATIO_MIN_BYTES and ratio > MAX_ZIP_RATIO:
                    raise bomb(f"bagian '{i.filename[:80]}' terurai {ratio:,.0f}:1 menjadi {_mb(i.file_size)} / "
                               f"member inflates {ratio:,.0f}:1 to {i.file_size} bytes (limit {MAX_ZIP_RATIO}:1)")
            if any(i.flag_bits & 0x1 for i in infos):
                raise ContainerProblem("file_rusak", "anggota zip bertanda terenkripsi / zip members flagged as encrypted")
            real = 0
            for i in infos:
                if i.compress_type == zipfile.ZIP_DEFLATED:
                    n = _inflated_size(fh, i, max(i.file_size, 0) + 1)
                    if n != i.file_size:
                        raise ContainerProblem(
                            "file_rusak", f"bagian '{i.filename[:80]}' terurai {n} byte, tercatat {i.file_size} / "
                                          f"member inflates to {n} bytes, directory says {i.file_size}")
                    real += n
                elif i.compress_type == zipfile.ZIP_STORED:
                    real += i.compress_size
                else:
                    raise ContainerProblem("file_rusak", f"metode kompresi {i.compress_type} tidak didukung / "
                                                         f"unsupported zip compression method {i.compress_type}")
                if real > max_unzipped:
                    raise bomb(f"isi terurai melebihi batas {_mb(max_unzipped)} / uncompressed size > {max_unzipped}")
            names = {i.filename for i in infos}
            if "mimetype" in names and zf.read("mimetype").strip() == ODS_MIME:
                info = zf.getinfo("META-INF/manifest.xml") if "META-INF/manifest.xml" in names else None
                if info is not None and info.file_size < _SMALL_XML and b"encryption-data" in zf.read(info):
                    raise ContainerProblem("file_terkunci", "berkas ODS dilindungi kata sandi / password-protected ODS")
                return "ods"
            if "[Content_Types].xml" in names:
                return "xlsx"
            return ""
    except ContainerProblem:
        raise
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, RuntimeError, EOFError, OSError,
            ValueError, OverflowError, KeyError, zlib.error, struct.error) as exc:
        raise ContainerProblem("file_rusak", f"arsip zip rusak / corrupt zip: {type(exc).__name__}: {exc}") from None


def ole2_encrypted(path: Path) -> bool:
    """An OLE2 compound file holding an ``EncryptedPackage`` stream: a password-protected .xlsx/.xlsm."""
    return "EncryptedPackage".encode("utf-16-le") in Path(path).read_bytes()


# --------------------------------------------------------------------------------------------
# cell flags: {sheet name: {(row, col) 0-based absolute: (code, literal or None)}}
# --------------------------------------------------------------------------------------------

_NS = rb"(?:[A-Za-z_][\w.-]*:)?"
_ERR_CELL = re.compile(rb"<" + _NS + rb"c\s([^>]*?\bt=\"e\"[^>]*?)(?:/>|>(.*?)</" + _NS + rb"c>)", re.S)
# a formula directly followed by an empty <v/>, <v></v> or no <v> at all (</c>)
_FORMULA_NO_VALUE = re.compile(
    rb"<" + _NS + rb"c\s([^>]*?)>\s*<" + _NS + rb"f\b[^>]*?(?:/>|>[^<]*</" + _NS + rb"f>)\s*"
    rb"(<" + _NS + rb"v\s*/>|<" + _NS + rb"v>\s*</" + _NS + rb"v>|</" + _NS + rb"c>)", re.S)
# what a formula without value leaves behind: <v/>, <v></v>, </f></c>, <f …/></c>
_NO_VALUE_HINT = re.compile(rb"<" + _NS + rb"v\s*/>|<" + _NS + rb"v></|</" + _NS + rb"f></|/></" + _NS + rb"c>")
_V = re.compile(rb"<" + _NS + rb"v>([^<]*)</", re.S)
_REF = re.compile(rb"\br=\"([A-Z]{1,3})(\d{1,7})\"")
_TYPE = re.compile(rb"\bt=\"(\w+)\"")
_ROW_END = re.compile(rb"</" + _NS + rb"row>")


def _pos(attrs: bytes) -> tuple[int, int] | None:
    m = _REF.search(attrs)
    if m is None:  # cells without r= (allowed, rare): position unknown, not flagged
        return None
    col = 0
    for ch in m.group(1):
        col = col * 26 + ch - 64
    return int(m.group(2)) - 1, col - 1


def _no_value_hint(piece: bytes) -> bool:
    if b"<c " in piece:  # unprefixed markup (Excel, LibreOffice, openpyxl, xlsxwriter): plain byte search
        return any(h in piece for h in (b"<v/>", b"<v />", b"<v></", b"</f></", b"/></c>"))
    return _NO_VALUE_HINT.search(piece) is not None


def _scan_sheet_xml(stream, chunk_size: int = 4 << 20) -> dict[tuple[int, int], tuple[str, str | None]]:
    """Error cells and formulas without value of one worksheet XML, read in pieces cut after a row."""
    out: dict[tuple[int, int], tuple[str, str | None]] = {}
    buf = b""
    while True:
        chunk = stream.read(chunk_size)
        buf += chunk
        if chunk:
            cut = buf.rfind(b"row>", max(0, len(buf) - len(chunk) - 16))
            while cut > 0 and not _ROW_END.match(buf, buf.rfind(b"<", 0, cut)):
                cut = buf.rfind(b"row>", max(0, len(buf) - len(chunk) - 16), cut)
            if cut <= 0:
                continue
            piece, buf = buf[: cut + 4], buf[cut + 4:]
        else:
            piece, buf = buf, b""
        if b't="e"' in piece:
            for m in _ERR_CELL.finditer(piece):
                p = _pos(m.group(1))
                if p is not None:
                    v = _V.search(m.group(2) or b"")
                    lit = v.group(1).decode("utf-8", "replace").strip() if v else ""
                    out[p] = ("sel_error_excel", lit or "#N/A")
        if _no_value_hint(piece):  # cheap: almost every formula has its <v>value</v>
            for m in _FORMULA_NO_VALUE.finditer(piece):
                attrs = m.group(1)
                t = _TYPE.search(attrs)
                typ = t.group(1) if t else b"n"
                if typ == b"e" or (typ == b"str" and not m.group(2).endswith(b"c>")):
                    continue  # an error (above), or a formula whose cached result is the empty string
                p = _pos(attrs)
                if p is not None:
                    out.setdefault(p, ("rumus_tanpa_nilai", None))
        if not chunk:
            return out


def _rels(zf: zipfile.ZipFile, rels_path: str, base_dir: str) -> dict[str, str]:
    info = zf.getinfo(rels_path)
    if info.file_size > _SMALL_XML:
        return {}
    out = {}
    for el in ET.fromstring(zf.read(info)):
        target = el.get("Target") or ""
        rid = el.get("Id") or ""
        if target.startswith("/"):
            out[rid] = target.lstrip("/")
        else:
            parts = [p for p in (base_dir + "/" + target).split("/") if p and p != "."]
            norm: list[str] = []
            for p in parts:
                if p == "..":
                    if norm:
                        norm.pop()
                else:
                    norm.append(p)
            out[rid] = "/".join(norm)
        out["type:" + rid] = el.get("Type") or ""
    return out


def xlsx_cell_flags(path: Path, sheets: set[str]) -> dict[str, dict[tuple[int, int], tuple[str, str | None]]]:
    """Error cells and formulas without a cached value of the named worksheets of an .xlsx/.xlsm."""
    out: dict[str, dict] = {}
    try:
        with zipfile.ZipFile(path) as zf:
            root = _rels(zf, "_rels/.rels", "")
            wb_part = next((root[k] for k in root if not k.startswith("type:")
                            and root["type:" + k].endswith("/officeDocument")), "xl/workbook.xml")
            wb_dir = wb_part.rsplit("/", 1)[0] if "/" in wb_part else ""
            rels_path = (wb_dir + "/" if wb_dir else "") + "_rels/" + wb_part.rsplit("/", 1)[-1] + ".rels"
            rels = _rels(zf, rels_path, wb_dir)
            info = zf.getinfo(wb_part)
            if info.file_size > _SMALL_XML:
                return {}
            rid_attr = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
            for el in ET.fromstring(zf.read(info)).iter():
                if not el.tag.endswith("}sheet") or el.get("name") not in sheets:
                    continue
                part = rels.get(el.get(rid_attr) or "")
                if not part:
                    continue
                with zf.open(part) as stream:
                    flags = _scan_sheet_xml(stream)
                if flags:
                    out[el.get("name")] = flags
    except Exception:  # only a refinement: calamine has read the workbook; never fail the file here
        return out
    return out


_T = "{urn:oasis:names:tc:opendocument:xmlns:table:1.0}"
_CALCEXT_TYPE = "{urn:org:documentfoundation:names:experimental:calc:xmlns:calcext:1.0}value-type"


def ods_cell_flags(path: Path, sheets: set[str]) -> dict[str, dict[tuple[int, int], tuple[str, str | None]]]:
    """Error cells (LibreOffice writes ``calcext:value-type="error"``) of the named sheets of an .ods."""
    out: dict[str, dict] = {}
    try:
        with zipfile.ZipFile(path) as zf:
            with zf.open("content.xml") as fh:  # cheap pre-check: most files have no error cell at all
                tail = b""
                while True:
                    chunk = fh.read(4 << 20)
                    if not chunk:
                        return {}
                    if b'value-type="error"' in tail + chunk:
                        break
                    tail = chunk[-32:]
            with zf.open("content.xml") as fh:
                stack: list[ET.Element] = []
                table, row, col, rep_rows = None, 0, 0, 1
                for ev, el in ET.iterparse(fh, events=("start", "end")):
                    tag = el.tag
                    if ev == "start":
                        stack.append(el)
                        if tag == _T + "table":
                            table, row = el.get(_T + "name"), 0
                        elif tag == _T + "table-row":
                            col, rep_rows = 0, int(el.get(_T + "number-rows-repeated") or 1)
                        continue
                    stack.pop()
                    if tag in (_T + "table-cell", _T + "covered-table-cell"):
                        rep = int(el.get(_T + "number-columns-repeated") or 1)
                        if el.get(_CALCEXT_TYPE) == "error" and table in sheets:
                            lit = "".join(el.itertext()).strip() or "#N/A"
                            for r in range(row, row + min(rep_rows, 1000)):
                                for c in range(col, col + min(rep, 1000)):
                                    out.setdefault(table, {})[(r, c)] = ("sel_error_excel", lit)
                        col += rep
                        el.clear()
                    elif tag == _T + "table-row":
                        row += rep_rows
                        if stack:
                            stack[-1].remove(el)
    except Exception:  # only a refinement, as for xlsx
        return out
    return out


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
        return FileRejected("file_rusak", f"berkas {ext} ini berisi HTML/XML (ekspor aplikasi web), bukan buku kerja; "
                                          f"buka di Excel lalu simpan sebagai .xlsx / HTML/XML export, not a workbook")
    return FileRejected("file_rusak", f"bukan berkas {ext} (tanda zip/OLE2 tidak ada) / not an xlsx/xls/ods file")


def _open_error(exc: BaseException, fmt: str) -> FileRejected:
    import python_calamine as pc

    msg = f"{type(exc).__name__}: {exc}"[:300]
    if isinstance(exc, pc.PasswordError) or "password" in msg.lower() or "encrypt" in msg.lower():
        return FileRejected("file_terkunci", f"buku kerja dilindungi kata sandi / password-protected workbook ({msg})")
    if fmt == "xls":
        return FileRejected("format_lama_tidak_terbaca",
                            f"berkas Office lama (OLE2) yang tidak terbaca sebagai .xls / legacy OLE2 file, "
                            f"not a readable .xls ({msg})")
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
        if head == readers._OLE2_MAGIC:
            if ole2_encrypted(path):
                raise FileRejected("file_terkunci", "password-protected workbook (OLE2 EncryptedPackage)")
            fmt = "xls"
        elif head.startswith(readers._ZIP_MAGIC):
            fmt = check_zip(path, max_unzipped)
        else:
            raise _not_a_workbook(head, ext)
    except ContainerProblem as exc:
        raise FileRejected(exc.code, exc.detail) from None

    out = ReadResult()
    natural = fmt and ext in _FORMAT_EXT[fmt]
    if fmt and not natural:
        out.notes.append(FileNote(
            "ekstensi_tidak_sesuai",
            f"isi file adalah {_FORMAT_NAME[fmt]} tetapi namanya berakhiran {ext}; tetap dibaca / "
            f"the file is {_FORMAT_NAME[fmt]} named {ext}; read anyway", "", {"format": fmt, "ekstensi": ext}))
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
                sd = readers._build_sheet(meta.name, rows, 0, 0)
                if sd is not None and sd.table.num_rows:
                    state = "sangat tersembunyi" if meta.visible == pc.SheetVisibleEnum.VeryHidden else "tersembunyi"
                    n, jenis = sd.table.num_rows, sd.kind.replace("_", " ")
                    hidden_data.append(f"'{meta.name}' ({n} baris)")
                    out.notes.append(FileNote(
                        "sheet_tersembunyi_diabaikan",
                        f"sheet '{meta.name}' ({state}) berisi judul kolom {jenis} di baris {sd.header_row} dan "
                        f"{n} baris data yang tidak dibaca / hidden sheet '{meta.name}' holds a {sd.kind} header at "
                        f"row {sd.header_row} and {n} data rows, not read",
                        meta.name, {"baris_data": n, "jenis": sd.kind, "baris_header": sd.header_row}))
                continue
            flags = flags_by_sheet.get(meta.name, {})
            _inject(rows, flags)
            sd = readers._build_sheet(meta.name, rows, 0, 0, flags=flags, notes=out.notes)
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
            detail += (f"; hanya sheet tersembunyi berisi data: {', '.join(hidden_data)} — tampilkan (unhide) lalu "
                       f"kirim ulang / only hidden sheets hold data")
        raise FileRejected("header_tidak_dikenal", detail)
    return out
