"""Readers: one district file (``.xlsx``/``.xlsm`` or ``.csv``/``.txt``) → canonical text columns + provenance.

Every cell becomes the text the cell showed (see :func:`cell_text`); nothing is typed or validated here
(that is the quality gate's job). Per sheet the reader finds the header row, maps header texts to
canonical columns through ``sources/kontrak/header_aliases.csv`` and returns one pyarrow table whose
``baris`` is the row number a spreadsheet shows. A file that cannot be read at all raises
:class:`FileRejected` with a file-level reason code from ``reasons.csv``; no other exception type
escapes for a bad file.

Header texts, cell values and file names are untrusted data: they are only compared and copied,
never evaluated and never used to build paths.
"""
from __future__ import annotations

import csv
import datetime as _dt
import io
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Sequence

import pyarrow as pa

from sources import contract

XLSX_EXTENSIONS = (".xlsx", ".xlsm")
CSV_EXTENSIONS = (".csv", ".txt")
HEADER_SCAN_ROWS = 30  # non-blank rows scanned for the header
MIN_HEADER_MATCHES = 3
CSV_DELIMITERS = (",", ";", "\t")
TOTAL_PREFIXES = ("jumlah", "total")

_OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ZIP_MAGIC = b"PK\x03\x04"
_ENCRYPTED_PACKAGE = "EncryptedPackage".encode("utf-16-le")


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


def _is_blank(row: Sequence[Any]) -> bool:
    for c in row:
        if c.__class__ is str:
            if c and not c.isspace():
                return False
        elif c is not None:
            return False
    return True


def _is_numeric(v: Any) -> bool:
    t = v.__class__
    return t is float or t is int


# --------------------------------------------------------------------------------------------
# Header detection
# --------------------------------------------------------------------------------------------

def _alias_maps() -> dict[str, dict[str, str]]:
    return {k: contract.header_aliases(k) for k in contract.KINDS}


def _kind_valid(kind: str, cols: set[str]) -> bool:
    if len(cols) < MIN_HEADER_MATCHES:
        return False
    if kind == "rumah_tangga":
        return "nik" in cols or "kode_desa" in cols or {"kecamatan", "desa"} <= cols
    return True


def _score_row(texts: Sequence[str | None]) -> tuple[int, str | None]:
    """(number of distinct canonical columns matched, kind) of a candidate header row."""
    best: tuple[int, str | None] = (0, None)
    norms = [contract.normalize(t) for t in texts if t]
    for kind, aliases in _alias_maps().items():
        cols = {aliases[n] for n in norms if n in aliases}
        if _kind_valid(kind, cols) and len(cols) > best[0]:
            best = (len(cols), kind)
    return best


def sniff_kind(header_cells: Iterable[Any]) -> str | None:
    """The sheet kind a header row belongs to, or ``None`` when it is not a recognisable header."""
    return _score_row([cell_text(c) for c in header_cells])[1]


def _find_header(rows: Sequence[Sequence[Any]]) -> tuple[int, str] | None:
    """Index (into ``rows``) and kind of the header row among the first non-blank rows."""
    best: tuple[int, int, str] | None = None  # score, index, kind
    seen = 0
    for i, row in enumerate(rows):
        if _is_blank(row):
            continue
        seen += 1
        if seen > HEADER_SCAN_ROWS:
            break
        score, kind = _score_row([cell_text(c) for c in row])
        if kind is not None and (best is None or score > best[0]):
            best = (score, i, kind)
    if best is None:
        return None
    return best[1], best[2]


def _texts(row: Sequence[Any], width: int) -> list[str | None]:
    out = [cell_text(c) for c in row[:width]]
    out.extend([None] * (width - len(out)))
    return out


def _group_label(main: list[str | None], sub: list[str | None], j: int) -> str | None:
    """Label of the merged group cell above sub-header column ``j`` (two-row headers)."""
    k = j
    while k >= 0:
        if main[k]:
            return main[k]
        if not sub[k]:
            return None
        k -= 1
    return None


def _is_sub_header(main: list[str | None], sub: list[str | None], aliases: dict[str, str]) -> bool:
    """Row below the header holding the second line of a two-row header (``KONDISI RUMAH`` → Atap, Dinding…)."""
    matched = False
    any_cell = False
    for j, s in enumerate(sub):
        if not s:
            continue
        any_cell = True
        m = main[j]
        if m and contract.normalize(m) in aliases:
            return False  # a value under a recognised header: this is data
        if _sub_candidates(main, sub, j, aliases):
            matched = True
    return any_cell and matched


def _sub_candidates(main: list[str | None], sub: list[str | None], j: int, aliases: dict[str, str]) -> str | None:
    s = sub[j]
    if not s:
        return None
    group = _group_label(main, sub, j)
    cands = []
    if group:
        cands.append(contract.normalize(group) + contract.normalize(s))
        words = group.split()
        if words:
            cands.append(contract.normalize(words[0]) + contract.normalize(s))
    cands.append(contract.normalize(s))
    for c in cands:
        if c in aliases:
            return aliases[c]
    return None


def _is_column_number_row(texts: list[str | None]) -> bool:
    """``(1) (2) (3) …`` or ``1 2 3 …`` printed under the header of government forms."""
    nums = []
    for t in texts:
        if not t:
            continue
        u = t.strip("() .")
        if not u.isdigit():
            return False
        nums.append(int(u))
    return len(nums) >= MIN_HEADER_MATCHES and all(b > a for a, b in zip(nums, nums[1:]))


@dataclass
class _Layout:
    kind: str
    header_idx: int  # index into rows of the (first) header row
    data_idx: int  # index into rows of the first row after the header block
    canon: dict[int, str]  # column index → canonical column
    extras: dict[int, str]  # column index → JSON key (original header text) for named unknown columns
    headers: list[tuple[str, str, int]]  # without unnamed data columns (added later)


def _layout(rows: Sequence[Sequence[Any]], header_idx: int, kind: str, width: int, col0: int) -> _Layout:
    aliases = contract.header_aliases(kind)
    main = _texts(rows[header_idx], width)
    texts: list[str | None] = list(main)
    canon_try: list[str | None] = [aliases.get(contract.normalize(t)) if t else None for t in main]
    data_idx = header_idx + 1
    if data_idx < len(rows) and not _is_blank(rows[data_idx]):
        sub = _texts(rows[data_idx], width)
        if _is_sub_header(main, sub, aliases):
            for j, s in enumerate(sub):
                if s:
                    canon_try[j] = _sub_candidates(main, sub, j, aliases)
                    texts[j] = s
            data_idx += 1
    if data_idx < len(rows) and _is_column_number_row(_texts(rows[data_idx], width)):
        data_idx += 1
    canon: dict[int, str] = {}
    extras: dict[int, str] = {}
    headers: list[tuple[str, str, int]] = []
    used: set[str] = set()
    used_keys: set[str] = set()
    for j in range(width):
        t = texts[j]
        if not t:
            continue
        c = canon_try[j]
        if c and c not in used:
            used.add(c)
            canon[j] = c
            headers.append((c, t, col0 + j))
        else:
            key = t if t not in used_keys else f"{t} (kolom {col0 + j + 1})"
            used_keys.add(key)
            extras[j] = key
            headers.append(("", key, col0 + j))
    return _Layout(kind, header_idx, data_idx, canon, extras, headers)


# --------------------------------------------------------------------------------------------
# Rows → table
# --------------------------------------------------------------------------------------------

def _build_sheet(
    sheet: str,
    rows: list[list[Any]],
    row0: int,
    col0: int,
) -> SheetData | None:
    """``rows`` are the sheet's rows from physical row ``row0`` (0-based) and column ``col0``;
    ``baris`` of ``rows[i]`` is ``row0 + i + 1``. ``None`` when the sheet has no recognisable header."""
    found = _find_header(rows)
    if found is None:
        return None
    header_idx, kind = found
    width = max((len(r) for r in rows), default=0)
    lay = _layout(rows, header_idx, kind, width, col0)

    # Columns that decide totals rows: nik (rumah tangga) / program (realisasi).
    key_col = "nik" if kind == "rumah_tangga" else "program"
    key_idx = next((j for j, c in lay.canon.items() if c == key_col), None)

    data: list[list[Any]] = []
    baris: list[int] = []
    skipped_blank = skipped_total = 0
    for i in range(lay.data_idx, len(rows)):
        row = rows[i]
        first = None
        first_j = 0
        for c in row:
            if c.__class__ is str:
                if c and not c.isspace():
                    first = c
                    break
            elif c is not None:
                first = c
                break
            first_j += 1
        if first is None:
            skipped_blank += 1
            continue
        if first.__class__ is str:
            low = first[:40].lower()
            if ("jumlah" in low or "total" in low) and contract.normalize(first).startswith(TOTAL_PREFIXES):
                # NIK/program empty, or the label itself sits in that column ("JUMLAH" is no NIK)
                if key_idx is None or key_idx == first_j or key_idx >= len(row) or cell_text(row[key_idx]) is None:
                    skipped_total += 1
                    continue
        if len(row) < width:
            row = list(row) + [""] * (width - len(row))
        data.append(row)
        baris.append(row0 + i + 1)

    n_rows = len(data)
    cols_t = list(zip(*data)) if data else [()] * width
    arrays: dict[str, pa.Array] = {"baris": pa.array(baris, type=pa.int32())}
    canon_by_name = {c: j for j, c in lay.canon.items()}
    for name in contract.column_names(kind):
        j = canon_by_name.get(name)
        if j is None:
            arrays[name] = pa.nulls(n_rows, type=pa.string())
            continue
        col = cols_t[j]
        arrays[name] = pa.array(
            [(v.strip() or None) if v.__class__ is str else cell_text(v) for v in col], type=pa.string()
        )
    if kind == "rumah_tangga":
        for name in ("nik", "no_kk"):
            j = canon_by_name.get(name)
            if j is None:
                flags = [False] * n_rows
            else:
                flags = [_is_numeric(v) for v in cols_t[j]]
            arrays[f"{name}_numerik"] = pa.array(flags, type=pa.bool_())

    # Extra columns: named unknown ones, and unnamed ones that hold data (``kolom_<n>``).
    extra_cols: list[tuple[str, list[str | None]]] = []
    headers = list(lay.headers)
    for j in range(width):
        if j in lay.canon:
            continue
        vals = [cell_text(v) for v in cols_t[j]] if n_rows else []
        if j in lay.extras:
            extra_cols.append((lay.extras[j], vals))
        elif any(v is not None for v in vals):
            key = f"kolom_{col0 + j + 1}"
            extra_cols.append((key, vals))
            headers.append(("", key, col0 + j))
    headers.sort(key=lambda h: h[2])
    if extra_cols:
        extra_json: list[str | None] = []
        for r in range(n_rows):
            obj = {k: vals[r] for k, vals in extra_cols if vals[r] is not None}
            extra_json.append(json.dumps(obj, ensure_ascii=False) if obj else None)
        arrays["kolom_tambahan"] = pa.array(extra_json, type=pa.string())
    else:
        arrays["kolom_tambahan"] = pa.nulls(n_rows, type=pa.string())

    header_row = row0 + header_idx + 1
    return SheetData(
        sheet=sheet,
        kind=kind,
        table=pa.table(arrays),
        headers=headers,
        header_row=header_row,
        skipped_blank=skipped_blank,
        skipped_total=skipped_total,
    )


# --------------------------------------------------------------------------------------------
# xlsx
# --------------------------------------------------------------------------------------------

def _reader_error(exc: BaseException) -> bool:
    """An error raised by calamine for a bad file (a Rust panic is a BaseException in pyo3)."""
    return isinstance(exc, Exception) or type(exc).__name__ == "PanicException"


def _read_xlsx(path: Path) -> ReadResult:
    import python_calamine as pc

    with open(path, "rb") as fh:
        head = fh.read(8)
        if head.startswith(_OLE2_MAGIC[:4]):
            fh.seek(0)
            blob = fh.read()
            if _ENCRYPTED_PACKAGE in blob:
                raise FileRejected("file_terkunci", "password-protected workbook (OLE2 EncryptedPackage)")
            raise FileRejected(
                "file_terkunci",
                "OLE2/CFB compound file with an .xlsx name: encrypted workbook or a legacy .xls renamed",
            )
    if not head.startswith(_ZIP_MAGIC):
        raise FileRejected("file_rusak", "not an xlsx (zip) file")

    out = ReadResult()
    try:
        wb = pc.CalamineWorkbook.from_path(str(path))
    except BaseException as exc:  # calamine raises its own error types (ZipError, XmlError…) and ValueError
        if not _reader_error(exc):
            raise
        raise FileRejected("file_rusak", f"cannot open workbook: {type(exc).__name__}: {exc}") from None
    try:
        try:
            metas = list(wb.sheets_metadata)
        except BaseException as exc:
            if not _reader_error(exc):
                raise
            raise FileRejected("file_rusak", f"cannot list sheets: {type(exc).__name__}") from None
        for meta in metas:
            if meta.visible != pc.SheetVisibleEnum.Visible:
                continue
            if meta.typ != pc.SheetTypeEnum.WorkSheet:
                continue
            try:
                sh = wb.get_sheet_by_name(meta.name)
                start = sh.start
                rows = [] if start is None else list(sh.iter_rows())
            except BaseException as exc:
                if not _reader_error(exc):
                    raise
                raise FileRejected(
                    "file_rusak", f"cannot read sheet {meta.name!r}: {type(exc).__name__}: {exc}"
                ) from None
            if not rows:
                continue
            sd = _build_sheet(meta.name, rows, start[0], start[1])
            if sd is not None:
                out.sheets.append(sd)
    finally:
        try:
            wb.close()
        except Exception:
            pass
    if not out.sheets:
        raise FileRejected("header_tidak_dikenal", "no visible sheet has a recognisable header row")
    return out


# --------------------------------------------------------------------------------------------
# csv
# --------------------------------------------------------------------------------------------

def _decode(data: bytes) -> tuple[str, str]:
    if data.startswith(b"\xef\xbb\xbf"):
        enc = "utf-8-sig"
    elif data.startswith((b"\xff\xfe", b"\xfe\xff")):
        enc = "utf-16"  # Excel "Unicode Text"
    else:
        enc = ""
    if enc:
        try:
            text = data.decode(enc)
        except UnicodeDecodeError:
            raise FileRejected("file_rusak", f"invalid {enc} text") from None
    else:
        if b"\x00" in data:
            raise FileRejected("file_rusak", "binary content (NUL bytes), not a text/csv file")
        for enc in ("utf-8", "cp1252", "latin-1"):
            try:
                text = data.decode(enc)
                break
            except UnicodeDecodeError:
                continue
    if "\x00" in text:
        raise FileRejected("file_rusak", "binary content (NUL characters), not a text/csv file")
    sample = text[:65536]
    ctrl = sum(1 for ch in sample if ch < "\x20" and ch not in "\t\n\r\x0c")
    if sample and ctrl > max(8, len(sample) // 100):
        raise FileRejected("file_rusak", "binary content (control characters), not a text/csv file")
    return text, enc


def _csv_rows(text: str, delimiter: str, limit: int | None = None) -> list[list[str]]:
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, quotechar='"', doublequote=True, strict=False)
    if limit is None:
        return list(reader)
    out = []
    for row in reader:
        out.append(row)
        if len(out) >= limit:
            break
    return out


def _sniff_delimiter(text: str) -> str:
    """Delimiter giving the best header match, then the most consistent field counts."""
    head = text[:65536]
    best: tuple[tuple[int, int, int], str] | None = None
    for d in CSV_DELIMITERS:
        try:
            rows = _csv_rows(head, d, limit=HEADER_SCAN_ROWS * 2)
        except csv.Error:
            continue
        found = _find_header(rows)
        score = 0
        if found is not None:
            score = _score_row([cell_text(c) for c in rows[found[0]]])[0]
        counts = [len(r) for r in rows if not _is_blank(r)]
        multi = [c for c in counts if c > 1]
        consistency = max((multi.count(c) for c in set(multi)), default=0)
        key = (score, consistency, -CSV_DELIMITERS.index(d))
        if best is None or key > best[0]:
            best = (key, d)
    return best[1] if best else ","


def _read_csv(path: Path) -> ReadResult:
    data = path.read_bytes()
    text, enc = _decode(data)
    delim = _sniff_delimiter(text)
    try:
        # csv's field size limit (128 KiB) stays: a field that large is an unbalanced quote eating the file.
        rows = _csv_rows(text, delim)
    except csv.Error as exc:
        raise FileRejected("file_rusak", f"csv cannot be parsed: {exc}") from None
    # One record = one row as a spreadsheet shows it (a quoted newline stays inside its row);
    # blank lines are rows too (csv.reader yields [] for them).
    sd = _build_sheet("", rows, 0, 0)
    if sd is None:
        raise FileRejected("header_tidak_dikenal", "no recognisable header row in the first rows")
    return ReadResult(sheets=[sd], encoding=enc, delimiter=delim)


# --------------------------------------------------------------------------------------------
# entry point
# --------------------------------------------------------------------------------------------

def check_name(name: str) -> None:
    """File-name checks (temporary Office files, extension); raises :class:`FileRejected`."""
    if name.startswith("~$") or name.startswith(".~lock"):
        raise FileRejected("file_sementara_office", "Office temporary/lock file")
    ext = Path(name).suffix.lower()
    if ext not in XLSX_EXTENSIONS + CSV_EXTENSIONS:
        raise FileRejected("jenis_file_tidak_didukung", f"extension {ext or '(none)'!r} is not xlsx/xlsm/csv/txt")


def read_file(path: Path, max_bytes: int | None = None) -> ReadResult:
    """Read one district file. Raises :class:`FileRejected` for a file that cannot be used at all."""
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
    try:
        if ext in XLSX_EXTENSIONS:
            return _read_xlsx(path)
        return _read_csv(path)
    except FileRejected:
        raise
    except (OSError, MemoryError, ValueError, UnicodeError, csv.Error) as exc:
        raise FileRejected("file_rusak", f"{type(exc).__name__}: {exc}") from None
