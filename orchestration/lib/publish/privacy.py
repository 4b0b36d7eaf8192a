"""Contract §6 (UU 27/2022): personal data never reaches anything analysts can open.

The scan runs on the new published file before it is swapped in; a hit fails the publish and the
previous file stays."""
from __future__ import annotations

from collections.abc import Iterable

import duckdb

from orchestration.lib.warehouse import quote_ident

PUBLISHED_SCHEMA = "marts"

# Column names that must never appear in a published table. `nik_hash` (keyed hash) is allowed.
PERSONAL_COLUMNS: frozenset[str] = frozenset(
    {
        "nik",
        "no_nik",
        "nomor_induk_kependudukan",
        "no_ktp",
        "nik_numerik",
        "no_kk",
        "nomor_kk",
        "no_kk_numerik",
        "nama_kepala_keluarga",
        "nama_kk",
        "nama_petugas",
        "latitude",
        "longitude",
        "lintang",
        "bujur",
        "koordinat",
        # free-form carriers of original cell values (may hold any of the above)
        "kolom_tambahan",
        "nilai_asli",
    }
)
ALLOWED_PSEUDONYMS: frozenset[str] = frozenset({"nik_hash"})

# A text value that is exactly 16 digits looks like a raw NIK / No. KK whatever the column is called.
_SIXTEEN_DIGITS = r"[0-9]{16}"


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
        lowered = column.lower()
        if lowered in ALLOWED_PSEUDONYMS:
            continue
        if lowered in PERSONAL_COLUMNS:
            problems.append(f"{sch}.{table}.{column}: kolom data pribadi")
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
        raise PersonalDataError(
            "Data pribadi (UU 27/2022) tidak boleh diterbitkan: " + "; ".join(problems)
        )
