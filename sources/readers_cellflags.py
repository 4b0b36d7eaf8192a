"""Cell facts calamine does not expose: error cells (``#DIV/0!``, ``#N/A`` …) and formulas saved without
a cached value. python-calamine 0.9 returns ``''`` for both, exactly like an empty cell, and exposes
neither formulas nor an error type, so the sheet XML is scanned here: :func:`xlsx_cell_flags` for
``.xlsx``/``.xlsm``, :func:`ods_cell_flags` for ``.ods``. For legacy ``.xls`` (BIFF records inside
OLE2) this is not done: calamine also returns ``''`` for error cells there, and finding them would
need a BIFF record parser of our own.

Result: ``{sheet name: {(row, col) 0-based absolute: (code, literal or None)}}``. Only a refinement of
what calamine read: the scanners return what they found so far rather than fail.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path

SMALL_XML = 64 << 20  # workbook.xml / rels / manifest above this are not parsed (real ones are KBs)

_NS = rb"(?:[A-Za-z_][\w.-]*:)?"
_ERR_CELL = re.compile(rb"<" + _NS + rb"c\s([^>]*?\bt=\"e\"[^>]*?)(?:/>|>(.*?)</" + _NS + rb"c>)", re.S)
# a formula directly followed by an empty <v/>, <v></v> or no <v> at all (</c>)
_FORMULA_NO_VALUE = re.compile(
    rb"<" + _NS + rb"c\s([^>]*?)>\s*<" + _NS + rb"f\b[^>]*?(?:/>|>[^<]*</" + _NS + rb"f>)\s*"
    rb"(<" + _NS + rb"v\s*/>|<" + _NS + rb"v>\s*</" + _NS + rb"v>|</" + _NS + rb"c>)",
    re.S,
)
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
            piece, buf = buf[: cut + 4], buf[cut + 4 :]
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
    if info.file_size > SMALL_XML:
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
            wb_part = next(
                (root[k] for k in root if not k.startswith("type:") and root["type:" + k].endswith("/officeDocument")),
                "xl/workbook.xml",
            )
            wb_dir = wb_part.rsplit("/", 1)[0] if "/" in wb_part else ""
            rels_path = (wb_dir + "/" if wb_dir else "") + "_rels/" + wb_part.rsplit("/", 1)[-1] + ".rels"
            rels = _rels(zf, rels_path, wb_dir)
            info = zf.getinfo(wb_part)
            if info.file_size > SMALL_XML:
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
