"""csv/txt files: decoding, delimiter, records (see :mod:`sources.readers` for the contract).

A stray quote at the start of a cell (``"Ote Yosef`` never closed) makes every csv parser read the rest
of the file, or up to the next quote, as one cell: rows vanish silently. Such a file is *rejected*
(``kutip_tidak_tertutup``) with the row and column where the quote opened. It is not repaired: where
the cell was meant to end is a guess (a lost closing quote, a quote meant literally, a cell really
spanning lines), and a wrong guess misreads rows silently; the fix for the district is one character.
"""

from __future__ import annotations

import csv
import io
import re
import sys

from sources import readers
from sources.readers import FileRejected, ReadResult, cell_text, is_blank
from sources.readers_header import find_header, locate_header, score_row
from sources.readers_sheet import build_sheet

CSV_DELIMITERS = readers.CSV_DELIMITERS
_NL = re.compile(r"\r\n|\r|\n")


def decode(data: bytes) -> tuple[str, str]:
    """(text, encoding) of a csv file: a BOM names the encoding, else utf-8, cp1252, latin-1 in turn."""
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
        for enc in ("utf-8", "cp1252", "latin-1"):
            try:
                text = data.decode(enc)
                break
            except UnicodeDecodeError:
                continue
    # A few NUL or control characters are kept (the rows holding them are quarantined with
    # karakter_tidak_sah); only where they are everywhere is the file binary, not text.
    sample = text[:65536]
    ctrl = sum(1 for ch in sample if ch < "\x20" and ch not in "\t\n\r\x0c")
    if sample and ctrl > max(8, len(sample) // 100):
        raise FileRejected("file_rusak", "binary content (NUL/control characters), not a text/csv file")
    return text, enc


def _lift_field_limit(n: int) -> None:
    """csv's field limit (128 KiB) would reject a whole file for one long cell; the long cell is cut
    and its row quarantined instead (readers.CELL_MAX_CHARS), and a quote swallowing the file is
    found by :func:`_unclosed_quote`. Only ever raised (process-wide), never lowered."""
    want = min(max(n + 1, 131072), sys.maxsize)
    if csv.field_size_limit() < want:
        csv.field_size_limit(want)


def _csv_records(text: str, delimiter: str, limit: int | None = None) -> tuple[list[list[str]], list[int]]:
    """Records and, for each, the number of the last text line it used (``csv.reader.line_num``)."""
    _lift_field_limit(len(text))
    reader = csv.reader(
        io.StringIO(text, newline=""), delimiter=delimiter, quotechar='"', doublequote=True, strict=False
    )
    if limit is None:
        rows = list(reader)
        if reader.line_num == len(rows):  # one line per record: no cell spans lines (the usual file)
            return rows, list(range(1, len(rows) + 1))
        reader = csv.reader(
            io.StringIO(text, newline=""), delimiter=delimiter, quotechar='"', doublequote=True, strict=False
        )
    rows = []
    ends: list[int] = []
    for row in reader:
        rows.append(row)
        ends.append(reader.line_num)
        if limit is not None and len(rows) >= limit:
            break
    return rows, ends


def csv_rows(text: str, delimiter: str, limit: int | None = None) -> list[list[str]]:
    """The records of ``text`` (at most ``limit``), each a list of cell texts."""
    return _csv_records(text, delimiter, limit)[0]


def sniff_delimiter(text: str) -> str:
    """Delimiter giving the best header match, then the most consistent field counts."""
    head = text[:262144]
    parsed = {}
    for d in CSV_DELIMITERS:
        try:
            parsed[d] = csv_rows(head, d, limit=readers.HEADER_SCAN_MAX + 10)
        except csv.Error:
            continue
    # the header among the first rows; only when no delimiter finds one there, further down
    low = all(find_header(rows) is None for rows in parsed.values())
    best: tuple[tuple[int, int, int], str] | None = None
    for d, rows in parsed.items():
        found = locate_header(rows) if low else find_header(rows)
        score = 0
        if found is not None:
            score = score_row([cell_text(c) for c in rows[found[0]]])[0]
        counts = [len(r) for r in rows if not is_blank(r)]
        multi = [c for c in counts if c > 1]
        consistency = max((multi.count(c) for c in set(multi)), default=0)
        key = (score, consistency, -CSV_DELIMITERS.index(d))
        if best is None or key > best[0]:
            best = (key, d)
    return best[1] if best else ","


def _quote_open_at_eof(text: str, pos: int, delim: str) -> bool:
    """Does a cell opened by a quote at or after offset ``pos`` (a record start) run to the end of the
    text? csv rules: a quote opens only at the start of a cell, ``""`` inside is one quote."""
    opener = re.compile(rf'(?:(?<=[{re.escape(delim)}\r\n])|\A)"')
    i = pos
    while True:
        m = opener.search(text, i)
        if m is None:
            return False
        j = m.end()
        while True:
            k = text.find('"', j)
            if k < 0:
                return True
            if text.startswith('"', k + 1):
                j = k + 2
                continue
            break
        i = k + 1


def _line_offset(text: str, line: int) -> int:
    if line <= 1:
        return 0
    for n, m in enumerate(_NL.finditer(text), start=2):
        if n == line:
            return m.end()
    return len(text)


def _unclosed_quote(rows: list[list[str]], ends: list[int], text: str, delim: str) -> tuple[int, int, int, int] | None:
    """(record index, field index, text line of the opening quote, text lines swallowed) of a cell whose
    opening quote was never closed; ``None`` when every multi-line cell looks like a real one.

    Swallowed text shows as a multi-line cell whose inner lines hold about as many delimiters as a
    row has (a real multi-line cell, an address, holds a couple at most), or as a cell still open at
    the end of the file."""
    width = 0
    prev_end = 0
    for i, row in enumerate(rows):
        start = prev_end + 1
        prev_end = ends[i]
        if ends[i] == start:
            width = max(width, len(row))
            continue
        need = max(3, width - 2)
        for j, f in enumerate(row):
            if "\n" not in f and "\r" not in f:
                continue
            inner = [ln for ln in _NL.split(f)[1:] if ln.strip()]
            if not inner:
                continue
            rowlike = any(ln.count(delim) >= need for ln in inner)
            if rowlike or (i == len(rows) - 1 and _quote_open_at_eof(text, _line_offset(text, start), delim)):
                line = start + sum(len(_NL.findall(x)) for x in row[:j])
                return i, j, line, len(inner)
    return None


def _col_letter(j: int) -> str:
    s = ""
    j += 1
    while j:
        j, r = divmod(j - 1, 26)
        s = chr(65 + r) + s
    return s


def read_csv(path) -> ReadResult:
    data = path.read_bytes()
    text, enc = decode(data)
    delim = sniff_delimiter(text)
    try:
        rows, ends = _csv_records(text, delim)
    except csv.Error as exc:
        raise FileRejected("file_rusak", f"csv cannot be parsed: {exc}") from None
    bad = _unclosed_quote(rows, ends, text, delim)
    if bad is not None:
        i, j, line, n = bad
        where = f"baris {i + 1}" + (f" (baris teks {line})" if line != i + 1 else "")
        where_en = f"row {i + 1}" + (f" (text line {line})" if line != i + 1 else "")
        raise FileRejected(
            "kutip_tidak_tertutup",
            f'tanda kutip (") di awal sel {where}, kolom {j + 1} ({_col_letter(j)}) tidak pernah ditutup, sehingga '
            f"{n} baris teks sesudahnya terbaca sebagai isi satu sel; tutup atau hapus tanda kutip itu lalu kirim ulang / "
            f"the quote opening the cell at {where_en}, column {j + 1} ({_col_letter(j)}) is never closed, so the next "
            f"{n} text lines were read as one cell; close or remove that quote",
            baris=i + 1,
            kolom=j + 1,
        )
    # One record = one row as a spreadsheet shows it (a quoted newline stays inside its row);
    # blank lines are rows too (csv.reader yields [] for them).
    out = ReadResult(encoding=enc, delimiter=delim)
    sd = build_sheet("", rows, 0, 0, notes=out.notes)
    if sd is None:
        raise FileRejected("header_tidak_dikenal", "no recognisable header row in the first rows")
    out.sheets.append(sd)
    return out
