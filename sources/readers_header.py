"""Header detection: which row of a sheet is the header, of which sheet kind, and which column is which
canonical column (aliases from ``sources/kontrak/header_aliases.csv``, two-row headers with a merged
group cell, a ``(1) (2) (3)`` column-number row under the header)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sources import contract
from sources.readers import HEADER_SCAN_MAX, HEADER_SCAN_ROWS, MIN_HEADER_MATCHES, cell_text, is_blank


def _alias_maps() -> dict[str, dict[str, str]]:
    return {k: contract.header_aliases(k) for k in contract.KINDS}


def _kind_valid(kind: str, cols: set[str]) -> bool:
    if len(cols) < MIN_HEADER_MATCHES:
        return False
    if kind == "rumah_tangga":
        return "nik" in cols or "kode_desa" in cols or {"kecamatan", "desa"} <= cols
    return True


def score_row(texts: Sequence[str | None]) -> tuple[int, str | None]:
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
    return score_row([cell_text(c) for c in header_cells])[1]


def find_header(rows: Sequence[Sequence[Any]], skip: int = 0, limit: int = HEADER_SCAN_ROWS) -> tuple[int, str] | None:
    """Index (into ``rows``) and kind of the best header row among non-blank rows ``skip+1 … limit``."""
    best: tuple[int, int, str] | None = None  # score, index, kind
    seen = 0
    for i, row in enumerate(rows):
        if is_blank(row):
            continue
        seen += 1
        if seen <= skip:
            continue
        if seen > limit:
            break
        score, kind = score_row([cell_text(c) for c in row])
        if kind is not None and (best is None or score > best[0]):
            best = (score, i, kind)
    if best is None:
        return None
    return best[1], best[2]


def locate_header(rows: Sequence[Sequence[Any]]) -> tuple[int, str, bool] | None:
    """(index, kind, found below the first HEADER_SCAN_ROWS non-blank rows)."""
    found = find_header(rows)
    if found is not None:
        return found[0], found[1], False
    found = find_header(rows, HEADER_SCAN_ROWS, HEADER_SCAN_MAX)
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
class Layout:
    kind: str
    header_idx: int  # index into rows of the (first) header row
    data_idx: int  # index into rows of the first row after the header block
    canon: dict[int, str]  # column index → canonical column
    extras: dict[int, str]  # column index → JSON key (original header text) for named unknown columns
    headers: list[tuple[str, str, int]]  # without unnamed data columns (added later)


def layout(rows: Sequence[Sequence[Any]], header_idx: int, kind: str, width: int, col0: int) -> Layout:
    aliases = contract.header_aliases(kind)
    main = _texts(rows[header_idx], width)
    texts: list[str | None] = list(main)
    canon_try: list[str | None] = [aliases.get(contract.normalize(t)) if t else None for t in main]
    data_idx = header_idx + 1
    if data_idx < len(rows) and not is_blank(rows[data_idx]):
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
    return Layout(kind, header_idx, data_idx, canon, extras, headers)
