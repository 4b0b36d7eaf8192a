"""Lookup tables the compiled row rules join against, built from the contract and the reference.

``lookup_wilayah`` (areas with normalised names), ``lookup_enum_alias`` (alias → canonical value),
``lookup_alasan`` (reason messages), ``lookup_kolom`` (per-column range texts for messages) and
``lookup_kode_provinsi`` (the province digits a NIK may start with).
"""

from __future__ import annotations

from datetime import date

import duckdb
import pyarrow as pa

from orchestration.lib.gate.macros import install_macros
from orchestration.lib.warehouse import registered
from sources import contract, reference

# The 38 province codes (Kemendagri; the four new Papua provinces of 2022 included).
KODE_PROVINSI: tuple[tuple[str, str], ...] = (
    ("11", "Aceh"),
    ("12", "Sumatera Utara"),
    ("13", "Sumatera Barat"),
    ("14", "Riau"),
    ("15", "Jambi"),
    ("16", "Sumatera Selatan"),
    ("17", "Bengkulu"),
    ("18", "Lampung"),
    ("19", "Kepulauan Bangka Belitung"),
    ("21", "Kepulauan Riau"),
    ("31", "DKI Jakarta"),
    ("32", "Jawa Barat"),
    ("33", "Jawa Tengah"),
    ("34", "DI Yogyakarta"),
    ("35", "Jawa Timur"),
    ("36", "Banten"),
    ("51", "Bali"),
    ("52", "Nusa Tenggara Barat"),
    ("53", "Nusa Tenggara Timur"),
    ("61", "Kalimantan Barat"),
    ("62", "Kalimantan Tengah"),
    ("63", "Kalimantan Selatan"),
    ("64", "Kalimantan Timur"),
    ("65", "Kalimantan Utara"),
    ("71", "Sulawesi Utara"),
    ("72", "Sulawesi Tengah"),
    ("73", "Sulawesi Selatan"),
    ("74", "Sulawesi Tenggara"),
    ("75", "Gorontalo"),
    ("76", "Sulawesi Barat"),
    ("81", "Maluku"),
    ("82", "Maluku Utara"),
    ("91", "Papua"),
    ("92", "Papua Barat"),
    ("93", "Papua Selatan"),
    ("94", "Papua Tengah"),
    ("95", "Papua Pegunungan"),
    ("96", "Papua Barat Daya"),
)
PROVINSI_SENDIRI = "53"


def _fmt_num(v: float | None) -> str | None:
    if v is None:
        return None
    return str(int(v)) if float(v).is_integer() else repr(float(v))


def _arrow(rows: list[dict], schema: list[tuple[str, pa.DataType]]) -> pa.Table:
    cols = {name: pa.array([r[name] for r in rows], type=t) for name, t in schema}
    return pa.table(cols)


def install(con: duckdb.DuckDBPyConnection, *, run_date: date, pseudonym_key: str) -> None:
    """Create the (temporary) parsing macros and the lookup tables on this connection."""
    install_macros(con, run_date=run_date, pseudonym_key=pseudonym_key)
    install_lookups(con)


def install_lookups(con: duckdb.DuckDBPyConnection) -> None:
    """The gate's lookup tables as TEMP tables of this connection, built from the reference seed CSVs
    and the contract data: the warehouse keeps reference data once, under `referensi` (dbt seeds).
    Needs the parsing macros (``p3jr_norm``) on the connection."""
    con.execute("DROP SCHEMA IF EXISTS ref CASCADE")  # persisted by earlier versions
    s = pa.string()
    wil = [
        {
            "kode": w.kode,
            "nama": w.nama,
            "tingkat": w.tingkat,
            "jenis": w.jenis or None,
            "kode_induk": w.kode.rsplit(".", 1)[0] if "." in w.kode else None,
        }
        for w in reference.wilayah()
    ]
    t_wil = _arrow(wil, [("kode", s), ("nama", s), ("tingkat", s), ("jenis", s), ("kode_induk", s)])
    t_enum = _arrow(
        [{"domain": d, "alias_norm": a, "nilai": v} for d, a, v in contract.enum_aliases()],
        [("domain", s), ("alias_norm", s), ("nilai", s)],
    )
    t_prov = _arrow([{"kode": k, "nama": n} for k, n in KODE_PROVINSI], [("kode", s), ("nama", s)])
    with registered(con, _p3jr_src_wil=t_wil, _p3jr_src_enum=t_enum, _p3jr_src_prov=t_prov):
        con.execute("""CREATE OR REPLACE TEMP TABLE lookup_wilayah AS
            SELECT kode, nama, tingkat, jenis, kode_induk, p3jr_norm(nama) AS nama_norm FROM _p3jr_src_wil ORDER BY kode""")
        con.execute(
            "CREATE OR REPLACE TEMP TABLE lookup_enum_alias AS SELECT * FROM _p3jr_src_enum ORDER BY domain, alias_norm"
        )
        con.execute("CREATE OR REPLACE TEMP TABLE lookup_kode_provinsi AS SELECT * FROM _p3jr_src_prov ORDER BY kode")
    install_message_lookups(con)


def install_message_lookups(con: duckdb.DuckDBPyConnection) -> None:
    """The reason texts and column ranges the quarantine messages are written from (TEMP tables; no
    macros needed, so the province step can build them on its own connection)."""
    s = pa.string()
    t_alasan = _arrow(
        [
            {"kode": r.code, "tingkat": r.level, "pesan": r.message, "message_en": r.message_en}
            for r in contract.reasons().values()
            if r.applies_to == "baris"
        ],
        [("kode", s), ("tingkat", s), ("pesan", s), ("message_en", s)],
    )
    kolom_rows = [
        {
            "jenis": c.kind,
            "kolom": c.name,
            "wajib": c.required,
            "tipe": c.type,
            "domain": c.domain,
            "min": c.min,
            "max": c.max,
            "min_teks": _fmt_num(c.min),
            "max_teks": _fmt_num(c.max),
        }
        for kind in contract.KINDS
        for c in contract.columns(kind)
    ]
    t_kolom = _arrow(
        kolom_rows,
        [
            ("jenis", s),
            ("kolom", s),
            ("wajib", s),
            ("tipe", s),
            ("domain", s),
            ("min", pa.float64()),
            ("max", pa.float64()),
            ("min_teks", s),
            ("max_teks", s),
        ],
    )
    with registered(con, _p3jr_src_alasan=t_alasan, _p3jr_src_kolom=t_kolom):
        con.execute("CREATE OR REPLACE TEMP TABLE lookup_alasan AS SELECT * FROM _p3jr_src_alasan")
        con.execute("CREATE OR REPLACE TEMP TABLE lookup_kolom AS SELECT * FROM _p3jr_src_kolom")
