"""Loads the submission contract (``sources/kontrak/*.csv``): the single source of truth for
canonical columns, header aliases, enum aliases and reason codes.

The lists are data, not code, so the Balai can extend an alias list without a release.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

KONTRAK_DIR = Path(__file__).with_name("kontrak")
KINDS = ("rumah_tangga", "realisasi_program")

# One normalisation for header and enum matching: case-, space- and punctuation-insensitive.
# The SQL side (quality gate) uses the same pattern through ``NORMALIZE_SQL_PATTERN``.
_NON_ALNUM = re.compile(r"[^0-9a-z]+")
NORMALIZE_SQL_PATTERN = "[^0-9a-z]+"
_ACCENTS = str.maketrans("²³áàâäéèêëíìîïóòôöúùûü", "23aaaaeeeeiiiioooouuuu")


def normalize(text: object) -> str:
    """``'Luas Lantai (m²)'`` → ``'luaslantaim2'``."""
    if text is None:
        return ""
    return _NON_ALNUM.sub("", str(text).lower().translate(_ACCENTS))


def _read(name: str) -> list[dict[str, str]]:
    with open(KONTRAK_DIR / name, newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


@dataclass(frozen=True)
class Column:
    kind: str
    name: str
    required: str  # "ya", "tidak" or "lokasi" (kode_desa or kecamatan+desa)
    type: str
    domain: str | None
    min: float | None
    max: float | None
    description: str
    personal: bool  # pribadi = ya: personal data (UU 27/2022), never leaves the restricted layers


@cache
def columns(kind: str) -> tuple[Column, ...]:
    out = []
    for r in _read("columns.csv"):
        if r["jenis"] != kind:
            continue
        out.append(
            Column(
                kind=kind,
                name=r["kolom"],
                required=r["wajib"],
                type=r["tipe"],
                domain=r["domain"] or None,
                min=float(r["min"]) if r["min"] else None,
                max=float(r["max"]) if r["max"] else None,
                description=r["keterangan"],
                personal=r["pribadi"] == "ya",
            )
        )
    return tuple(out)


def column_names(kind: str) -> list[str]:
    return [c.name for c in columns(kind)]


def personal_columns() -> tuple[Column, ...]:
    """The contract columns flagged ``pribadi`` (NIK, No. KK, names, coordinates): the one list every
    privacy rule derives from (the publish scan, the tests)."""
    return tuple(c for kind in KINDS for c in columns(kind) if c.personal)


@cache
def header_aliases(kind: str) -> dict[str, str]:
    """normalised header text → canonical column, for one sheet kind."""
    out: dict[str, str] = {}
    for r in _read("header_aliases.csv"):
        if r["jenis"] == kind:
            out[normalize(r["alias"])] = r["kolom"]
    for c in column_names(kind):
        out.setdefault(normalize(c), c)
    return out


@cache
def enum_values(domain: str) -> tuple[str, ...]:
    seen: dict[str, None] = {}
    for r in _read("enum_aliases.csv"):
        if r["domain"] == domain:
            seen[r["nilai"]] = None
    return tuple(seen)


@cache
def enum_aliases() -> tuple[tuple[str, str, str], ...]:
    """(domain, normalised alias, canonical value), canonical values included."""
    rows: dict[tuple[str, str], str] = {}
    for r in _read("enum_aliases.csv"):
        rows[(r["domain"], normalize(r["nilai"]))] = r["nilai"]
    for r in _read("enum_aliases.csv"):
        rows.setdefault((r["domain"], normalize(r["alias"])), r["nilai"])
    return tuple((d, a, v) for (d, a), v in rows.items())


@dataclass(frozen=True)
class Reason:
    code: str
    level: str  # karantina | peringatan | ditolak | catatan (a note on a file that was still read, or on an entry not read)
    applies_to: str  # baris | file
    message: str
    message_en: str

    def text(self, **kw: object) -> str:
        return self.message.format_map(_Default(kw))


class _Default(dict):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


@cache
def reasons() -> dict[str, Reason]:
    return {
        r["kode"]: Reason(r["kode"], r["tingkat"], r["berlaku_untuk"], r["pesan"], r["message_en"])
        for r in _read("reasons.csv")
    }


def reason(code: str) -> Reason:
    return reasons()[code]
