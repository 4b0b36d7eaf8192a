"""The building blocks every column planner shares: the plan being assembled, the context of one
sheet kind, and small SQL helpers for reasons and dictionary CTEs (planners.py uses them)."""

from __future__ import annotations

from dataclasses import dataclass, field

from orchestration.lib.warehouse import quote_ident
from orchestration.lib.warehouse import quote_literal as _q
from sources import contract

LEVELS = 5  # row-level stages: 0 = on source columns, 1 = after dictionary joins, 2.. = derived


@dataclass
class Plan:
    """Pieces of the evaluation query, collected column by column from the contract."""

    ctes: list[str] = field(default_factory=list)  # dictionary CTEs
    joins: list[str] = field(default_factory=list)  # joins at level 1
    levels: list[list[str]] = field(default_factory=lambda: [[] for _ in range(LEVELS)])
    out: list[str] = field(default_factory=list)  # typed output columns, in order
    alasan: list[str] = field(default_factory=list)  # names of struct-or-NULL columns (quarantine)
    warn: list[str] = field(default_factory=list)  # names of struct-or-NULL columns (warnings)

    def add(self, level: int, expr: str) -> None:
        self.levels[level].append(expr)


@dataclass(frozen=True)
class Ctx:
    """What every planner sees besides its column."""

    kind: str
    source: str
    has: frozenset[str]  # columns of the source relation
    kolom_kab: str  # raw name of realisasi's own kode_kabupaten column
    by_name: dict[str, contract.Column]
    koordinat: tuple[contract.Column, ...]

    def src(self, name: str) -> str:
        if self.kind == "realisasi_program" and name == "kode_kabupaten":
            return quote_ident(self.kolom_kab)
        return quote_ident(name)


def _st(kode: str, kolom: str) -> str:
    return f"{{'kode': {_q(kode)}, 'kolom': {_q(kolom)}}}"


def _r(cond: str, kode: str, kolom: str) -> str:
    return f"CASE WHEN {cond} THEN {_st(kode, kolom)} END"


def _r_case(whens: list[tuple[str, str, str]]) -> str:
    """One struct per column: the first matching (condition, kode, kolom) wins."""
    return "CASE " + " ".join(f"WHEN {c} THEN {_st(k, kol)}" for c, k, kol in whens) + " END"


def _between(v: str, c: contract.Column) -> str:
    parts = [f"{v} IS NOT NULL"]
    if c.min is not None:
        parts.append(f"{v} >= {c.min!r}")
    if c.max is not None:
        parts.append(f"{v} <= {c.max!r}")
    return "(" + " AND ".join(parts) + ")"


def _dict_cte(
    p: Plan,
    name: str,
    source: str,
    keys: dict[str, str],
    stage_a: list[str],
    stage_b: list[str],
    exposed: list[str],
    joins_a: str = "",
) -> None:
    """A dictionary CTE over the distinct values of ``keys`` (alias → source expression).

    ``stage_a`` sees ``d.<alias>`` and ``joins_a``; ``stage_b`` sees stage_a's columns.
    ``exposed`` columns are joined back to the rows at level 1.
    """
    sel = ", ".join(f"{expr} AS {alias}" for alias, expr in keys.items())
    a = ", ".join(["d.*"] + stage_a)
    b = ", ".join(["x.*"] + stage_b)
    p.ctes.append(f"{name} AS (SELECT {b} FROM (SELECT {a} FROM (SELECT DISTINCT {sel} FROM {source}) d {joins_a}) x)")
    on = " AND ".join(f"{name}.{alias} IS NOT DISTINCT FROM s.{expr}" for alias, expr in keys.items())
    p.joins.append(f"LEFT JOIN {name} ON {on}")
    for e in exposed:
        p.add(1, f"{name}.{e}")


# '5301042003' (digits only) is read as '53.01.04.2003' (an expression over ``_t``)
