"""The quality gate: the contract's row rules as SQL, the per-district hold decision, and the
province-wide outcome (NIK dedup, accepted / quarantined / warnings). One module per job:

- ``macros``      TEMP parsing macros (text, numbers, money, dates, NIK)
- ``lookups``     lookup tables the rules join against (areas, enum aliases, reasons, provinces)
- ``planners``    one SQL planner per contract column type, behind a dispatch dict
- ``compiler``    assembles the planners into one SELECT per sheet kind; ``evaluate``
- ``duplicates``  province-wide NIK dedup (the losers' keys)
- ``outcomes``    accepted rows (a view) / quarantine / warning tables with Indonesian messages
- ``decision``    per-district release or hold (GX suite ``pengajuan_kabupaten``)
- ``province``    the province-wide step and the reconciliation invariant
- ``fingerprint`` when the rules changed (contract data + generated SQL)
"""

from orchestration.lib.gate.compiler import (
    KOLOM_KABUPATEN_BARIS,
    PROVENANCE,
    build_sql,
    evaluate,
    output_columns,
)
from orchestration.lib.gate.decision import (
    SUBMISSION_SUITE,
    GateDecision,
    ensure_schema,
    gate_districts,
    undecided_districts,
)
from orchestration.lib.gate.duplicates import duplicate_losers, with_duplicates
from orchestration.lib.gate.fingerprint import RULES_VERSION, contract_fingerprint
from orchestration.lib.gate.lookups import install
from orchestration.lib.gate.outcomes import (
    HELD_PREFIX,
    HELD_QUARANTINE,
    HELD_WARNINGS,
    accepted_sql,
    reason_counts,
    write_outcomes,
)
from orchestration.lib.gate.province import reconciliation, resolve_province

__all__ = [
    "HELD_PREFIX",
    "HELD_QUARANTINE",
    "HELD_WARNINGS",
    "KOLOM_KABUPATEN_BARIS",
    "PROVENANCE",
    "RULES_VERSION",
    "SUBMISSION_SUITE",
    "GateDecision",
    "accepted_sql",
    "build_sql",
    "contract_fingerprint",
    "duplicate_losers",
    "ensure_schema",
    "evaluate",
    "gate_districts",
    "install",
    "output_columns",
    "reason_counts",
    "reconciliation",
    "resolve_province",
    "undecided_districts",
    "with_duplicates",
    "write_outcomes",
]
