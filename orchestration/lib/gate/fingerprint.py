"""When do the row rules change? The contract data, the reference areas and the SQL generated from
them, not the source text of a module: a comment edit must not re-evaluate every district."""

from __future__ import annotations

import hashlib
from datetime import date
from functools import cache

from orchestration.lib.gate.compiler import KOLOM_KABUPATEN_BARIS, PROVENANCE, build_sql
from orchestration.lib.gate.lookups import KODE_PROVINSI
from orchestration.lib.gate.macros import macro_sql
from sources import contract, reference
from sources.readers import READ_PROBLEM_COLUMN

# Bump for a change in what the rules mean that neither the contract data nor the generated SQL
# shows (none so far: the compiled SQL carries every rule).
RULES_VERSION = 1


def _sample_columns(kind: str) -> list[str]:
    """Every column a raw table can carry, so the compiled SQL includes every optional branch."""
    canon = [
        KOLOM_KABUPATEN_BARIS if (kind == "realisasi_program" and n == "kode_kabupaten") else n
        for n in contract.column_names(kind)
    ]
    numeric = [f"{c.name}_numerik" for c in contract.columns(kind) if c.type in ("nik", "digit16")]
    return [*PROVENANCE, *canon, *numeric, "kolom_tambahan", READ_PROBLEM_COLUMN]


@cache
def contract_fingerprint() -> str:
    """Changes when a rule changes, so a rule change re-evaluates every district."""
    h = hashlib.sha256(f"rules-version:{RULES_VERSION}".encode())
    for p in sorted(contract.KONTRAK_DIR.glob("*.csv")):
        h.update(p.name.encode() + b"\0" + p.read_bytes())
    h.update((reference.SEEDS_DIR / "wilayah_ntt.csv").read_bytes())  # kode_desa / name resolution
    h.update(repr(KODE_PROVINSI).encode())
    # the run date and the key are inputs of a run, not of the rules: fixed placeholders
    h.update("\n".join(macro_sql(date(2000, 1, 1), "<kunci>")).encode())
    for kind in contract.KINDS:
        h.update(build_sql(kind, "<sumber>", _sample_columns(kind)).encode())
    return h.hexdigest()[:16]
