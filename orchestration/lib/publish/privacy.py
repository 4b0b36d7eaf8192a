"""Contract §6 (UU 27/2022): personal data never reaches anything analysts can open.

The scan runs on the new published file before it is swapped in; a hit fails the publish and the
previous file stays."""

from __future__ import annotations

from collections.abc import Iterable

import duckdb

from orchestration.lib.warehouse import quote_ident
from sources import contract

PUBLISHED_SCHEMA = "marts"

# Columns of the pipeline that carry original cell values (any of the personal ones among them).
RAW_VALUE_CARRIERS: frozenset[str] = frozenset({"kolom_tambahan", "nilai_asli"})


def _personal_names() -> dict[str, str]:
    """Normalised column name -> the personal contract column it stands for. From the ``pribadi``
    flag of sources/kontrak/columns.csv: the column, the numeric copy the gate keeps of a 16-digit
    one (``nik_numerik``), and every header alias of it (``No. KK``, ``Lintang`` …), except the bare
    first word of its own name (``Nama`` for nama_kepala_keluarga: too generic, reference tables
    have a ``nama``)."""
    names: dict[str, str] = {}
    for col in contract.personal_columns():
        names[contract.normalize(col.name)] = col.name
        if col.type in ("nik", "digit16"):
            names[contract.normalize(f"{col.name}_numerik")] = col.name
        generic = contract.normalize(col.name.split("_")[0]) if "_" in col.name else None
        for alias, canonical in contract.header_aliases(col.kind).items():
            if canonical == col.name and alias != generic:
                names[alias] = col.name
    for carrier in RAW_VALUE_CARRIERS:
        names[contract.normalize(carrier)] = carrier
    return names


PERSONAL_NAMES: dict[str, str] = _personal_names()
# The personal contract columns by name (``nik``, ``no_kk`` …), for checks on the dbt layers.
PERSONAL_COLUMNS: frozenset[str] = frozenset(c.name for c in contract.personal_columns()) | RAW_VALUE_CARRIERS
ALLOWED_PSEUDONYMS: frozenset[str] = frozenset({"nik_hash"})

# A text value that is exactly 16 digits looks like a raw NIK / No. KK whatever the column is called.
_SIXTEEN_DIGITS = r"[0-9]{16}"


def is_personal_column(name: str) -> bool:
    """True for a column name that is, or spells, a personal contract column (``nik_hash``, the
    keyed pseudonym, is not)."""
    return name.lower() not in ALLOWED_PSEUDONYMS and contract.normalize(name) in PERSONAL_NAMES


class PersonalDataError(ValueError):
    """A table about to be published carries personal data (contract §6)."""


def find_personal_data(
    con: duckdb.DuckDBPyConnection, schema: str | Iterable[str], *, scan_values: bool = True
) -> list[str]:
    """Problems found in ``schema`` (one or several): personal column names, and, with
    ``scan_values``, text columns holding 16-digit values (a raw NIK / No. KK under another name)."""
    schemas = [schema] if isinstance(schema, str) else list(schema)
    if not schemas:
        return []
    placeholders = ", ".join("?" for _ in schemas)
    cols = con.execute(
        f"""
        SELECT c.schema_name, c.table_name, c.column_name, c.data_type
        FROM duckdb_columns() c
        WHERE c.database_name = current_database() AND c.schema_name IN ({placeholders})
        ORDER BY c.schema_name, c.table_name, c.column_index
        """,
        schemas,
    ).fetchall()
    problems: list[str] = []
    for sch, table, column, data_type in cols:
        if is_personal_column(column):
            problems.append(f"{sch}.{table}.{column}: kolom data pribadi")
            continue
        if column.lower() in ALLOWED_PSEUDONYMS:
            continue
        if scan_values and data_type.upper().startswith("VARCHAR"):
            hit = con.execute(
                f"SELECT count(*) FROM {quote_ident(sch)}.{quote_ident(table)} "
                f"WHERE regexp_full_match(trim({quote_ident(column)}), '{_SIXTEEN_DIGITS}')"
            ).fetchone()[0]
            if hit:
                problems.append(f"{sch}.{table}.{column}: {hit} nilai berbentuk NIK/No. KK (16 digit)")
    return problems


def assert_no_personal_data(
    con: duckdb.DuckDBPyConnection, schema: str | Iterable[str] = PUBLISHED_SCHEMA, *, scan_values: bool = True
) -> None:
    """Raise :class:`PersonalDataError` naming every offending ``schema.table.column``."""
    problems = find_personal_data(con, schema, scan_values=scan_values)
    if problems:
        raise PersonalDataError("Data pribadi (UU 27/2022) tidak boleh diterbitkan: " + "; ".join(problems))
