"""The row rules compiled to one DuckDB SELECT per sheet kind, from the submission contract.

One definition per rule: the column list, required flags, types, enum domains and numeric ranges all
come from ``sources/contract.py`` (``sources/kontrak/*.csv``); each column type's rules are one
planner in planners.py. Nothing here is evaluated per row in Python. Flow (docs/ARSITEKTUR.md)::

    lookups.install(con, run_date=..., pseudonym_key=...)      # lookup tables + parsing macros
    compiler.evaluate(con, "rumah_tangga", "raw.rumah_tangga", "tmp_rt")
    duplicates.duplicate_losers(con, "tmp_rt", "file_times", "kalah")  # rumah_tangga only, province-wide
    outcomes.write_outcomes(con, "rumah_tangga", duplicates.with_duplicates("tmp_rt", "kalah"))
                                                                # quality.karantina, peringatan
"""

from __future__ import annotations

import duckdb

from orchestration.lib.gate.planner_base import LEVELS
from orchestration.lib.gate.planners import plan
from orchestration.lib.warehouse import quote_ident as _ident
from orchestration.lib.warehouse import quote_literal as _q
from sources import contract
from sources.readers import READ_PROBLEM_COLUMN

PROVENANCE = ("kode_kabupaten", "file_hash", "nama_file", "sheet", "baris")

# raw.realisasi_program carries the landing folder as provenance ``kode_kabupaten`` AND a canonical
# column of the same name (the district code typed on the row). The row's own value must therefore
# arrive under another name; this is it (override with ``evaluate(..., kolom_kabupaten_baris=...)``).
KOLOM_KABUPATEN_BARIS = "kode_kabupaten_isian"

STRUCT_ALASAN = "STRUCT(kode VARCHAR, kolom VARCHAR)[]"


def _columns_of(con: duckdb.DuckDBPyConnection, relation: str) -> list[str]:
    return [r[0] for r in con.execute(f"SELECT * FROM {relation} LIMIT 0").description]


def output_columns(kind: str) -> list[str]:
    """The accepted-table columns (docs/ARSITEKTUR.md), in order."""
    out = list(PROVENANCE)
    for c in contract.columns(kind):
        if c.type == "kode_desa":
            out.append(c.name)
            if c.required == "lokasi":
                out.append("kode_kecamatan")
        elif c.required == "lokasi" or c.type == "kode_kabupaten":
            continue
        elif c.type == "nik":
            out += [c.name, f"{c.name}_hash"]
        else:
            out.append(c.name)
    return out


def _struct_list(names: list[str], lists: tuple[str, ...] = ()) -> str:
    """Sorted list of the non-NULL structs in columns ``names``, plus the structs of list columns ``lists``."""
    if not names and not lists:
        return f"CAST([] AS {STRUCT_ALASAN})"
    none = " AND ".join([f"{x} IS NULL" for x in names] + [f"len({x}) = 0" for x in lists])
    items = f"list_filter([{', '.join(names)}], lambda x: x IS NOT NULL)" if names else f"CAST([] AS {STRUCT_ALASAN})"
    for x in lists:
        items = f"list_concat({items}, {x})"
    return f"CASE WHEN {none} THEN CAST([] AS {STRUCT_ALASAN}) ELSE CAST(list_sort({items}) AS {STRUCT_ALASAN}) END"


def _masalah_baca_sql(col: str) -> str:
    """The reader's ``masalah_baca`` ('code:kolom;code:kolom', NULL when fine) as reason structs: a row the
    reader kept despite a problem in a cell (NUL, over-long cell, Excel error, formula without value)."""
    items = f"list_filter(string_split({col}, ';'), lambda x: trim(x) <> '')"
    struct = (
        "{'kode': trim(CASE WHEN strpos(x, ':') > 0 THEN left(x, strpos(x, ':') - 1) ELSE x END), "
        "'kolom': CASE WHEN strpos(x, ':') > 0 THEN substr(x, strpos(x, ':') + 1) END}"
    )
    return (
        f"CASE WHEN {col} IS NULL OR trim({col}) = '' THEN CAST([] AS {STRUCT_ALASAN}) "
        f"ELSE CAST(list_transform({items}, lambda x: {struct}) AS {STRUCT_ALASAN}) END"
    )


def build_sql(
    kind: str, source: str, source_columns: list[str], *, kolom_kabupaten_baris: str = KOLOM_KABUPATEN_BARIS
) -> str:
    """The SELECT that evaluates every row of ``source`` (exposed for inspection and tests)."""
    has = set(source_columns)
    p = plan(kind, source, has, kolom_kabupaten_baris)
    canon = contract.column_names(kind)

    def raw_name(n: str) -> str:
        return kolom_kabupaten_baris if (kind == "realisasi_program" and n == "kode_kabupaten") else n

    # Original values on every row: an accepted row may still lose a duplicate contest later, against
    # rows evaluated in another run (the NIK contest sees the whole province, evaluate may not). A STRUCT,
    # turned into JSON only for the quarantined rows (outcomes.write_outcomes): building JSON text for
    # 1.3 M rows took 4.4 s of a 12.9 s evaluation, the STRUCT 2.3 s.
    nilai_asli = "{" + ", ".join(f"{_q(n)}: CAST({_ident(raw_name(n))} AS VARCHAR)" for n in canon) + "}"
    extra = ", kolom_tambahan" if "kolom_tambahan" in has else ""
    prov = ", ".join(f"CAST({c} AS {'BIGINT' if c == 'baris' else 'VARCHAR'}) AS {c}" for c in PROVENANCE)
    ctes = [
        """_kec AS (SELECT kode_induk, nama_norm, CASE WHEN count(*) = 1 THEN min(kode) END AS kode
              FROM lookup_wilayah WHERE tingkat = 'kecamatan' GROUP BY ALL)""",
        """_desa AS (SELECT kode_induk, nama_norm, CASE WHEN count(*) = 1 THEN min(kode) END AS kode
              FROM lookup_wilayah WHERE tingkat = 'desa_kelurahan' GROUP BY ALL)""",
        *p.ctes,
    ]
    # rows the reader kept despite a problem in a cell: quarantined with the reader's reason (raw tables
    # built before the column existed, and hand-made test sources, may not have it)
    lists: tuple[str, ...] = ()
    if READ_PROBLEM_COLUMN in has:
        p.add(0, _masalah_baca_sql(f"s.{_ident(READ_PROBLEM_COLUMN)}") + " AS _a_masalah_baca")
        lists = ("_a_masalah_baca",)
    lv = [", " + ", ".join(x) if x else "" for x in p.levels]
    ctes.append(f"_s0 AS (SELECT s.*{lv[0]} FROM {source} s)")
    ctes.append(f"_s1 AS (SELECT s.*{lv[1]} FROM _s0 s {' '.join(p.joins)})")
    for i in range(2, LEVELS):
        ctes.append(f"_s{i} AS (SELECT *{lv[i]} FROM _s{i - 1})")
    final = (
        f"SELECT {prov}, {', '.join(p.out)}, {_struct_list(p.alasan, lists)} AS alasan, "
        f"{_struct_list(p.warn)} AS peringatan, {nilai_asli} AS nilai_asli{extra} "
        f"FROM _s{LEVELS - 1}"
    )
    return "WITH " + ",\n".join(ctes) + "\n" + final


def evaluate(
    con: duckdb.DuckDBPyConnection,
    kind: str,
    source: str,
    target: str,
    *,
    kolom_kabupaten_baris: str = KOLOM_KABUPATEN_BARIS,
    temporary: bool = False,
) -> None:
    """Evaluate every row of ``source`` (raw text columns + provenance) into table ``target`` (a TEMP
    table when ``temporary``)."""
    if kind not in contract.KINDS:
        raise ValueError(f"jenis tidak dikenal: {kind}")
    cols = _columns_of(con, source)
    need = list(PROVENANCE) + [
        kolom_kabupaten_baris if (kind == "realisasi_program" and n == "kode_kabupaten") else n
        for n in contract.column_names(kind)
    ]
    missing = [n for n in need if n not in cols]
    if missing:
        raise ValueError(f"{source}: kolom tidak ada: {missing}")
    sql = build_sql(kind, source, cols, kolom_kabupaten_baris=kolom_kabupaten_baris)
    con.execute(f"CREATE OR REPLACE {'TEMP ' if temporary else ''}TABLE {target} AS {sql}")
