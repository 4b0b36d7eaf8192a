"""Rows → table: one sheet's rows below its header become a pyarrow table of canonical text columns
(plus ``baris``, the numeric-NIK flags, ``kolom_tambahan`` and ``masalah_baca``); blank and totals rows
are skipped and counted, and cells the row cannot be trusted with are named in ``masalah_baca``."""

from __future__ import annotations

import json
import re
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from sources import contract
from sources.readers import (
    CELL_MAX_CHARS,
    CONTROL_CHARS,
    EXCEL_ERRORS,
    HEADER_SCAN_ROWS,
    READ_PROBLEM_COLUMN,
    TOTAL_PREFIXES,
    FileNote,
    SheetData,
    cell_text,
    is_blank,
    is_numeric,
    number_cell_text,
    number_columns,
)
from sources.readers_header import layout, locate_header

_ERROR_PATTERN = "^(?:" + "|".join(re.escape(e) for e in EXCEL_ERRORS) + r"|Err:\d{3})$"
_CONTROL_RE = re.compile(CONTROL_CHARS)


def _hits(mask: pa.Array) -> list[int]:
    return [i for i, b in enumerate(pc.fill_null(mask, False).to_pylist()) if b]


def _suspect(canonical: list[pa.Array], extra: list[pa.Array]) -> bool:
    """Whether any cell of the sheet needs :func:`_check_cells` (a few vectorised passes per sheet)."""
    every = [a for a in canonical + extra if a.null_count < len(a)]
    if not every:
        return False
    big = pa.chunked_array(every, type=pa.string())
    if (pc.max(pc.utf8_length(big)).as_py() or 0) > CELL_MAX_CHARS or pc.any(
        pc.match_substring_regex(big, CONTROL_CHARS)
    ).as_py():
        return True
    canon = [a for a in canonical if a.null_count < len(a)]
    return bool(canon) and bool(
        pc.any(pc.match_substring_regex(pa.chunked_array(canon, type=pa.string()), _ERROR_PATTERN)).as_py()
    )


def _check_cells(
    arr: pa.Array, pos: int, kolom: str, canonical: bool, problems: dict[int, list[tuple[int, str, str]]]
) -> pa.Array:
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


def build_sheet(
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
    found = locate_header(rows)
    if found is None:
        return None
    header_idx, kind, low = found
    width = max((len(r) for r in rows), default=0)
    lay = layout(rows, header_idx, kind, width, col0)

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
    numbers = number_columns(kind)
    for name in contract.column_names(kind):
        j = canon_by_name.get(name)
        if j is None:
            arrays[name] = pa.nulls(n_rows, type=pa.string())
            continue
        col = cols_t[j]
        conv = number_cell_text if name in numbers else cell_text
        arrays[name] = pa.array([(v.strip() or None) if v.__class__ is str else conv(v) for v in col], type=pa.string())
    if kind == "rumah_tangga":
        for name in ("nik", "no_kk"):
            j = canon_by_name.get(name)
            if j is None:
                flags_num = [False] * n_rows
            else:
                flags_num = [is_numeric(v) for v in cols_t[j]]
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
        for x, ((key, _vals), arr, pos) in enumerate(zip(extra_cols, extra_arrs, extra_pos)):
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
        above = sum(1 for r in rows[:header_idx] if not is_blank(r))
        notes.append(
            FileNote(
                "header_di_bawah_baris_30",
                f"baris judul kolom ditemukan di baris {header_row}, di bawah {HEADER_SCAN_ROWS} baris pertama yang "
                f"berisi; {above} baris berisi di atasnya tidak dibaca / header found at row {header_row}, below the "
                f"first {HEADER_SCAN_ROWS} non-blank rows; the {above} non-blank rows above it were not read",
                sheet,
                {"baris": header_row, "baris_di_atas": above},
            )
        )
    return SheetData(
        sheet=sheet,
        kind=kind,
        table=pa.table(arrays),
        headers=headers,
        header_row=header_row,
        skipped_blank=skipped_blank,
        skipped_total=skipped_total,
    )
