"""Readers: one district file (``.xlsx``/``.xlsm``/``.xls``/``.ods`` or ``.csv``/``.txt``) → canonical
text columns + provenance.

Every cell becomes the text the cell showed (see :func:`cell_text`); nothing is typed or validated here
(that is the quality gate's job). Per sheet the reader finds the header row, maps header texts to
canonical columns through ``sources/kontrak/header_aliases.csv`` and returns one pyarrow table whose
``baris`` is the row number a spreadsheet shows. A file that cannot be read at all raises
:class:`FileRejected` with a file-level reason code from ``reasons.csv``; no other exception type
escapes for a bad file. A file that was read may carry :class:`FileNote` s (hidden sheet with data,
header found low, wrong extension…), and a row the reader kept despite a problem in one of its cells
(NUL byte, over-long cell, Excel error, formula without a value) names it in ``masalah_baca``, which
the quality gate turns into a quarantine reason.

Modules: this one holds the contract of a read (types, limits, cell → text) and :func:`read_file`;
``readers_header`` finds the header row and maps it to canonical columns; ``readers_sheet`` turns a
sheet's rows into the table (:func:`~sources.readers_sheet.build_sheet`); ``readers_workbook`` checks
workbook containers and reads them with calamine (``readers_cellflags`` finds the error cells calamine
hides); ``readers_csv`` decodes csv text.

Header texts, cell values and file names are untrusted data: they are only compared and copied,
never evaluated and never used to build paths.
"""

from __future__ import annotations

import csv
import datetime as _dt
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import pyarrow as pa

from sources import contract

XLSX_EXTENSIONS = (".xlsx", ".xlsm")
WORKBOOK_EXTENSIONS = XLSX_EXTENSIONS + (".xls", ".ods")  # python-calamine reads all four
CSV_EXTENSIONS = (".csv", ".txt")
HEADER_SCAN_ROWS = 30  # non-blank rows scanned for the header
HEADER_SCAN_MAX = 200  # …then this far, for a header sitting lower (read, with a file note)
# Longest cell kept whole; longer ones are cut here and the row is quarantined (sel_terlalu_panjang).
# csv's own field limit is lifted instead (readers_csv): a quote that swallows the file is found by
# its shape, not by a field growing past 128 KiB.
CELL_MAX_CHARS = 10_000
MIN_HEADER_MATCHES = 3
CSV_DELIMITERS = (",", ";", "\t")
TOTAL_PREFIXES = ("jumlah", "total")

OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = b"PK\x03\x04"
# Control characters no spreadsheet cell holds (tab, newlines, vertical tab and form feed excepted).
CONTROL_CHARS = r"[\x00-\x08\x0e-\x1f]"
# What Excel / LibreOffice show in a cell whose formula failed (also how a csv export writes it).
EXCEL_ERRORS = (
    "#NULL!",
    "#DIV/0!",
    "#VALUE!",
    "#REF!",
    "#NAME?",
    "#NUM!",
    "#N/A",
    "#GETTING_DATA",
    "#SPILL!",
    "#CALC!",
    "#FIELD!",
    "#BLOCKED!",
    "#CONNECT!",
    "#BUSY!",
    "#UNKNOWN!",
    "#PYTHON!",
)


class FileRejected(Exception):
    """The whole file is rejected. ``code`` is a file-level code of ``reasons.csv``."""

    def __init__(self, code: str, detail: str = "", **params: Any) -> None:
        super().__init__(f"{code}: {detail}" if detail else code)
        self.code = code
        self.detail = detail
        self.params = params  # e.g. batas (MB) for file_terlalu_besar


@dataclass
class FileNote:
    """Something a person must hear about a file that was still read (a hidden sheet with data,
    a header found unusually low…). ``code`` is a file-level code of ``reasons.csv``; the registry
    stores each note in ``ingestion.catatan_file`` and the district's feedback lists it."""

    code: str
    detail: str = ""
    sheet: str = ""
    params: dict[str, Any] = field(default_factory=dict)


# Raw column carrying problems the reader found in a row it could still keep (a NUL byte, a cell far
# too long…): ``code:kolom`` items separated by ``;``. The gate quarantines such rows with that reason.
READ_PROBLEM_COLUMN = "masalah_baca"


@dataclass
class SheetData:
    sheet: str  # sheet name, '' for csv
    kind: str  # 'rumah_tangga' | 'realisasi_program'
    table: pa.Table
    headers: list[tuple[str, str, int]]  # (canonical column or '' for extra, header text, 0-based position)
    header_row: int  # 1-based row number of the header
    skipped_blank: int = 0
    skipped_total: int = 0


@dataclass
class ReadResult:
    sheets: list[SheetData] = field(default_factory=list)
    encoding: str | None = None  # csv only
    delimiter: str | None = None  # csv only
    notes: list[FileNote] = field(default_factory=list)

    @property
    def kind(self) -> str:
        kinds = {s.kind for s in self.sheets}
        if len(kinds) == 1:
            return kinds.pop()
        return "campuran"

    @property
    def rows(self) -> int:
        return sum(s.table.num_rows for s in self.sheets)


# --------------------------------------------------------------------------------------------
# Cell → text
# --------------------------------------------------------------------------------------------


def _float_text(v: float) -> str:
    if v != v or v in (float("inf"), float("-inf")):
        return repr(v)
    if v.is_integer() and abs(v) < 1e21:
        return str(int(v))
    s = repr(v)
    # Excel shows at most 15 significant digits; binary noise like 0.30000000000000004 is not what
    # the cell showed.
    mant = s.split("e")[0].lstrip("-").replace(".", "").lstrip("0")
    if len(mant) > 15:
        s = format(v, ".15g")
    return s


_THREE_DECIMALS = re.compile(r"-?[1-9]\d{0,2}\.\d{3}")


def number_cell_text(v: Any) -> str | None:
    """:func:`cell_text` for decimal and integer columns. A numeric 1.125 as the text '1.125' would be
    ambiguous there (1125 with a thousands dot, or 1,125): the gate quarantines a *typed* '1.125'
    (angka_ambigu) and reads an integer '1.125' as 1125. A numeric cell is not ambiguous, so it is
    written the way an Indonesian Excel shows it, with the decimal comma ('1,125' = 1.125)."""
    if v.__class__ is str:
        return v.strip() or None
    t = cell_text(v)
    if v.__class__ is float and t is not None and _THREE_DECIMALS.fullmatch(t):
        return t.replace(".", ",")
    return t


@cache
def number_columns(kind: str) -> frozenset[str]:
    return frozenset(c.name for c in contract.columns(kind) if c.type in ("desimal", "bilangan_bulat"))


def cell_text(v: Any) -> str | None:
    """One cell as the text it showed; ``None`` for an empty cell."""
    t = v.__class__
    if t is str:
        return v.strip() or None
    if v is None:
        return None
    if t is float:
        return _float_text(v)
    if t is bool:
        return "TRUE" if v else "FALSE"
    if t is int:
        return str(v)
    if t is _dt.datetime:
        if v.hour == 0 and v.minute == 0 and v.second == 0 and v.microsecond == 0:
            return v.date().isoformat()
        return v.isoformat(sep=" ")
    if t is _dt.date:
        return v.isoformat()
    if t is _dt.time:
        return v.isoformat()
    if t is _dt.timedelta:
        secs = int(v.total_seconds())
        sign = "-" if secs < 0 else ""
        secs = abs(secs)
        return f"{sign}{secs // 3600}:{secs % 3600 // 60:02d}:{secs % 60:02d}"
    return str(v).strip() or None


def is_blank(row: Sequence[Any]) -> bool:
    for c in row:
        if c.__class__ is str:
            if c and not c.isspace():
                return False
        elif c is not None:
            return False
    return True


def is_numeric(v: Any) -> bool:
    t = v.__class__
    return t is float or t is int


# --------------------------------------------------------------------------------------------
# entry point
# --------------------------------------------------------------------------------------------


def check_name(name: str) -> None:
    """File-name checks (temporary Office files, extension); raises :class:`FileRejected`."""
    if name.startswith("~$") or name.startswith(".~lock"):
        raise FileRejected("file_sementara_office", "Office temporary/lock file")
    ext = Path(name).suffix.lower()
    if ext not in WORKBOOK_EXTENSIONS + CSV_EXTENSIONS:
        raise FileRejected(
            "jenis_file_tidak_didukung", f"extension {ext or '(none)'!r} is not xlsx/xlsm/xls/ods/csv/txt"
        )


def read_file(path: Path, max_bytes: int | None = None, max_unzipped_bytes: int | None = None) -> ReadResult:
    """Read one district file. Raises :class:`FileRejected` for a file that cannot be used at all.

    ``max_unzipped_bytes``: what a zip workbook may inflate to (default
    ``readers_workbook.MAX_UNZIPPED_BYTES``, 1 GiB)."""
    from sources import readers_csv, readers_workbook  # they import this module

    path = Path(path)
    check_name(path.name)
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise FileRejected("file_rusak", f"cannot stat file: {type(exc).__name__}") from None
    if size == 0:
        raise FileRejected("file_kosong", "0 bytes")
    if max_bytes is not None and size > max_bytes:
        raise FileRejected(
            "file_terlalu_besar", f"{size} bytes > limit {max_bytes} bytes", batas=round(max_bytes / 1e6)
        )
    ext = path.suffix.lower()
    limit = readers_workbook.MAX_UNZIPPED_BYTES if max_unzipped_bytes is None else max_unzipped_bytes
    try:
        if ext in WORKBOOK_EXTENSIONS:
            return readers_workbook.read_workbook(path, ext, limit)
        with open(path, "rb") as fh:
            head = fh.read(8)
        if head == OLE2_MAGIC or head.startswith(ZIP_MAGIC):
            # a workbook saved with a .csv/.txt name: read it as what it is (with a note)
            return readers_workbook.read_workbook(path, ext, limit)
        return readers_csv.read_csv(path)
    except FileRejected:
        raise
    except (OSError, MemoryError, ValueError, UnicodeError, csv.Error) as exc:
        raise FileRejected("file_rusak", f"{type(exc).__name__}: {exc}") from None
