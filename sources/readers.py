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

Workbooks (container checks, calamine) are read in ``sources/readers_workbook.py``, csv text in
``sources/readers_csv.py``; both build their sheets with :func:`_build_sheet` here.

Header texts, cell values and file names are untrusted data: they are only compared and copied,
never evaluated and never used to build paths.
"""
from __future__ import annotations

import csv
import datetime as _dt
import json
import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any, Iterable, Sequence

import pyarrow as pa
import pyarrow.compute as pc

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

_OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ZIP_MAGIC = b"PK\x03\x04"
# Control characters no spreadsheet cell holds (tab, newlines, vertical tab and form feed excepted).
CONTROL_CHARS = r"[\x00-\x08\x0e-\x1f]"
# What Excel / LibreOffice show in a cell whose formula failed (also how a csv export writes it).
EXCEL_ERRORS = ("#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#N/A", "#GETTING_DATA", "#SPILL!",
                "#CALC!", "#FIELD!", "#BLOCKED!", "#CONNECT!", "#BUSY!", "#UNKNOWN!", "#PYTHON!")
_ERROR_PATTERN = "^(?:" + "|".join(re.escape(e) for e in EXCEL_ERRORS) + r"|Err:\d{3})$"
_CONTROL_RE = re.compile(CONTROL_CHARS)


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


def _number_cell_text(v: Any) -> str | None:
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
def _number_columns(kind: str) -> frozenset[str]:
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


def _find_header(rows: Sequence[Sequence[Any]], skip: int = 0, limit: int = HEADER_SCAN_ROWS) -> tuple[int, str] | None:
    """Index (into ``rows``) and kind of the best header row among non-blank rows ``skip+1 … limit``."""
    best: tuple[int, int, str] | None = None  # score, index, kind
    seen = 0
    for i, row in enumerate(rows):
        if _is_blank(row):
            continue
        seen += 1
        if seen <= skip:
            continue
        if seen > limit:
            break
        score, kind = _score_row([cell_text(c) for c in row])
        if kind is not None and (best is None or score > best[0]):
            best = (score, i, kind)
    if best is None:
        return None
    return best[1], best[2]


def _locate_header(rows: Sequence[Sequence[Any]]) -> tuple[int, str, bool] | None:
    """(index, kind, found below the first HEADER_SCAN_ROWS non-blank rows)."""
    found = _find_header(rows)
    if found is not None:
        return found[0], found[1], False
    found = _find_header(rows, HEADER_SCAN_ROWS, HEADER_SCAN_MAX)
    return None if found is None else (found[0], found[1], True)


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

def _hits(mask: pa.Array) -> list[int]:
    return [i for i, b in enumerate(pc.fill_null(mask, False).to_pylist()) if b]


def _suspect(canonical: list[pa.Array], extra: list[pa.Array]) -> bool:
    """Whether any cell of the sheet needs :func:`_check_cells` (a few vectorised passes per sheet)."""
    every = [a for a in canonical + extra if a.null_count < len(a)]
    if not every:
        return False
    big = pa.chunked_array(every, type=pa.string())
    if (pc.max(pc.utf8_length(big)).as_py() or 0) > CELL_MAX_CHARS or pc.any(pc.match_substring_regex(big, CONTROL_CHARS)).as_py():
        return True
    canon = [a for a in canonical if a.null_count < len(a)]
    return bool(canon) and bool(pc.any(pc.match_substring_regex(pa.chunked_array(canon, type=pa.string()), _ERROR_PATTERN)).as_py())


def _check_cells(arr: pa.Array, pos: int, kolom: str, canonical: bool,
                 problems: dict[int, list[tuple[int, str, str]]]) -> pa.Array:
    """Cells the row cannot be trusted with: an Excel error shown as text (canonical columns only: an
    error in a helper column changes nothing the gate reads), control characters (removed) and cells
    longer than CELL_MAX_CHARS (cut). Each is recorded in ``problems`` (row → (position, code, kolom));
    the returned array holds the cleaned values. Vectorised: the per-cell work runs only on hits."""
    if len(arr) == 0 or arr.null_count == len(arr):
        return arr
    err = pc.match_substring_regex(arr, _ERROR_PATTERN) if canonical else None
    ctrl = pc.match_substring_regex(arr, CONTROL_CHARS)
    long_ = pc.greater(pc.utf8_length(arr), CELL_MAX_CHARS)
    if not (pc.any(ctrl).as_py() or pc.any(long_).as_py() or (err is not None and pc.any(err).as_py())):
        return arr
    kolom = kolom.replace(";", ",")  # ';' separates items in masalah_baca
    vals = arr.to_pylist()
    if err is not None:
        for r in _hits(err):
            problems.setdefault(r, []).append((pos, "sel_error_excel", kolom))
    for r in _hits(ctrl):
        vals[r] = _CONTROL_RE.sub("", vals[r]).strip() or None
        problems.setdefault(r, []).append((pos, "karakter_tidak_sah", kolom))
    for r in _hits(long_):
        if vals[r] is not None and len(vals[r]) > CELL_MAX_CHARS:
            vals[r] = vals[r][:CELL_MAX_CHARS]
            problems.setdefault(r, []).append((pos, "sel_terlalu_panjang", kolom))
    return pa.array(vals, type=pa.string())


def _build_sheet(
    sheet: str,
    rows: list[list[Any]],
    row0: int,
    col0: int,
    *,
    flags: dict[tuple[int, int], tuple[str, str | None]] | None = None,
    notes: list[FileNote] | None = None,
) -> SheetData | None:
    """``rows`` are the sheet's rows from physical row ``row0`` (0-based) and column ``col0``;
    ``baris`` of ``rows[i]`` is ``row0 + i + 1``. ``None`` when the sheet has no recognisable header.

    ``flags``: cell facts found outside the cell values, keyed by ``(i, j)`` into ``rows``; only
    ``rumus_tanpa_nilai`` is read here (error cells arrive as their ``#…`` text). ``notes`` receives
    a file note when the header sits below the first HEADER_SCAN_ROWS non-blank rows."""
    found = _locate_header(rows)
    if found is None:
        return None
    header_idx, kind, low = found
    width = max((len(r) for r in rows), default=0)
    lay = _layout(rows, header_idx, kind, width, col0)

    # Columns that decide totals rows: nik (rumah tangga) / program (realisasi).
    key_col = "nik" if kind == "rumah_tangga" else "program"
    key_idx = next((j for j, c in lay.canon.items() if c == key_col), None)

    data: list[list[Any]] = []
    baris: list[int] = []
    src: list[int] = []
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
            low_text = first[:40].lower()
            if ("jumlah" in low_text or "total" in low_text) and contract.normalize(first).startswith(TOTAL_PREFIXES):
                # NIK/program empty, or the label itself sits in that column ("JUMLAH" is no NIK)
                if key_idx is None or key_idx == first_j or key_idx >= len(row) or cell_text(row[key_idx]) is None:
                    skipped_total += 1
                    continue
        if len(row) < width:
            row = list(row) + [""] * (width - len(row))
        data.append(row)
        baris.append(row0 + i + 1)
        src.append(i)

    n_rows = len(data)
    problems: dict[int, list[tuple[int, str, str]]] = {}
    if flags:
        at = {i: k for k, i in enumerate(src)}
        for (i, j), (code, _lit) in flags.items():
            if code == "rumus_tanpa_nilai" and i in at and j in lay.canon:
                problems.setdefault(at[i], []).append((col0 + j, code, lay.canon[j]))
    cols_t = list(zip(*data)) if data else [()] * width
    arrays: dict[str, pa.Array] = {"baris": pa.array(baris, type=pa.int32())}
    canon_by_name = {c: j for j, c in lay.canon.items()}
    numbers = _number_columns(kind)
    for name in contract.column_names(kind):
        j = canon_by_name.get(name)
        if j is None:
            arrays[name] = pa.nulls(n_rows, type=pa.string())
            continue
        col = cols_t[j]
        conv = _number_cell_text if name in numbers else cell_text
        arrays[name] = pa.array([(v.strip() or None) if v.__class__ is str else conv(v) for v in col], type=pa.string())
    if kind == "rumah_tangga":
        for name in ("nik", "no_kk"):
            j = canon_by_name.get(name)
            if j is None:
                flags_num = [False] * n_rows
            else:
                flags_num = [_is_numeric(v) for v in cols_t[j]]
            arrays[f"{name}_numerik"] = pa.array(flags_num, type=pa.bool_())

    # Extra columns: named unknown ones, and unnamed ones that hold data (``kolom_<n>``).
    extra_cols: list[tuple[str, list[str | None]]] = []
    extra_pos: list[int] = []
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
        else:
            continue
        extra_pos.append(col0 + j)
    headers.sort(key=lambda h: h[2])

    present = [(name, canon_by_name[name]) for name in contract.column_names(kind) if name in canon_by_name]
    extra_arrs = [pa.array(vals, type=pa.string()) for _k, vals in extra_cols]
    if n_rows and _suspect([arrays[name] for name, _j in present], extra_arrs):
        for name, j in present:
            arrays[name] = _check_cells(arrays[name], col0 + j, name, True, problems)
        for x, ((key, vals), arr, pos) in enumerate(zip(extra_cols, extra_arrs, extra_pos)):
            checked = _check_cells(arr, pos, key, False, problems)
            if checked is not arr:
                extra_cols[x] = (key, checked.to_pylist())
    if extra_cols:
        extra_json: list[str | None] = []
        for r in range(n_rows):
            obj = {k: vals[r] for k, vals in extra_cols if vals[r] is not None}
            extra_json.append(json.dumps(obj, ensure_ascii=False) if obj else None)
        arrays["kolom_tambahan"] = pa.array(extra_json, type=pa.string())
    else:
        arrays["kolom_tambahan"] = pa.nulls(n_rows, type=pa.string())
    masalah: list[str | None] = [None] * n_rows
    for r, items in problems.items():
        masalah[r] = ";".join(f"{code}:{kolom}" for _p, code, kolom in sorted(set(items)))
    arrays[READ_PROBLEM_COLUMN] = pa.array(masalah, type=pa.string())

    header_row = row0 + header_idx + 1
    if low and notes is not None:
        above = sum(1 for r in rows[:header_idx] if not _is_blank(r))
        notes.append(FileNote(
            "header_di_bawah_baris_30",
            f"baris judul kolom ditemukan di baris {header_row}, di bawah {HEADER_SCAN_ROWS} baris pertama yang "
            f"berisi; {above} baris berisi di atasnya tidak dibaca / header found at row {header_row}, below the "
            f"first {HEADER_SCAN_ROWS} non-blank rows; the {above} non-blank rows above it were not read",
            sheet, {"baris": header_row, "baris_di_atas": above}))
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
# entry point
# --------------------------------------------------------------------------------------------

def check_name(name: str) -> None:
    """File-name checks (temporary Office files, extension); raises :class:`FileRejected`."""
    if name.startswith("~$") or name.startswith(".~lock"):
        raise FileRejected("file_sementara_office", "Office temporary/lock file")
    ext = Path(name).suffix.lower()
    if ext not in WORKBOOK_EXTENSIONS + CSV_EXTENSIONS:
        raise FileRejected("jenis_file_tidak_didukung",
                           f"extension {ext or '(none)'!r} is not xlsx/xlsm/xls/ods/csv/txt")


def read_file(path: Path, max_bytes: int | None = None, max_unzipped_bytes: int | None = None) -> ReadResult:
    """Read one district file. Raises :class:`FileRejected` for a file that cannot be used at all.

    ``max_unzipped_bytes``: what a zip workbook may inflate to (default
    ``readers_workbook.MAX_UNZIPPED_BYTES``, 1 GiB)."""
    from sources import readers_csv, readers_workbook

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
        if head == _OLE2_MAGIC or head.startswith(_ZIP_MAGIC):
            # a workbook saved with a .csv/.txt name: read it as what it is (with a note)
            return readers_workbook.read_workbook(path, ext, limit)
        return readers_csv.read_csv(path)
    except FileRejected:
        raise
    except (OSError, MemoryError, ValueError, UnicodeError, csv.Error) as exc:
        raise FileRejected("file_rusak", f"{type(exc).__name__}: {exc}") from None


# csv helpers kept importable from here (bench/run_bench.py uses them)
def _decode(data: bytes) -> tuple[str, str]:
    from sources.readers_csv import _decode as f

    return f(data)


def _sniff_delimiter(text: str) -> str:
    from sources.readers_csv import _sniff_delimiter as f

    return f(text)


def _csv_rows(text: str, delimiter: str, limit: int | None = None) -> list[list[str]]:
    from sources.readers_csv import _csv_rows as f

    return f(text, delimiter, limit)
