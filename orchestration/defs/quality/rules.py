"""Row rules of the quality gate, as set-based DuckDB SQL generated from the submission contract.

One definition per rule: the column list, required flags, types, enum domains and numeric ranges all
come from ``sources/contract.py`` (``sources/kontrak/*.csv``); reference areas from
``sources/reference.py``. Nothing here is evaluated per row in Python.

Flow (see docs/ARSITEKTUR.md "Row rules")::

    install(con, run_date=..., pseudonym_key=...)     # ref.* tables + parsing macros
    evaluate(con, "rumah_tangga", "raw.rumah_tangga", "tmp_rt")
    resolve_duplicates(con, "tmp_rt", "file_times")   # rumah_tangga only, province-wide
    write_outcomes(con, "rumah_tangga", "tmp_rt")     # quality.*_diterima, karantina, peringatan

Macros are TEMPORARY (connection-scoped): the pseudonym key and the run date never land in the
warehouse file, and ``install`` must be called on every connection before ``evaluate``.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import duckdb
import pyarrow as pa

from sources import contract, reference

PROVENANCE = ("kode_kabupaten", "file_hash", "nama_file", "sheet", "baris")

# raw.realisasi_program carries the landing folder as provenance ``kode_kabupaten`` AND a canonical
# column of the same name (the district code typed on the row). The row's own value must therefore
# arrive under another name; this is it (override with ``evaluate(..., kolom_kabupaten_baris=...)``).
KOLOM_KABUPATEN_BARIS = "kode_kabupaten_isian"

# The 38 province codes (Kemendagri; the four new Papua provinces of 2022 included).
KODE_PROVINSI: tuple[tuple[str, str], ...] = (
    ("11", "Aceh"), ("12", "Sumatera Utara"), ("13", "Sumatera Barat"), ("14", "Riau"),
    ("15", "Jambi"), ("16", "Sumatera Selatan"), ("17", "Bengkulu"), ("18", "Lampung"),
    ("19", "Kepulauan Bangka Belitung"), ("21", "Kepulauan Riau"), ("31", "DKI Jakarta"),
    ("32", "Jawa Barat"), ("33", "Jawa Tengah"), ("34", "DI Yogyakarta"), ("35", "Jawa Timur"),
    ("36", "Banten"), ("51", "Bali"), ("52", "Nusa Tenggara Barat"), ("53", "Nusa Tenggara Timur"),
    ("61", "Kalimantan Barat"), ("62", "Kalimantan Tengah"), ("63", "Kalimantan Selatan"),
    ("64", "Kalimantan Timur"), ("65", "Kalimantan Utara"), ("71", "Sulawesi Utara"),
    ("72", "Sulawesi Tengah"), ("73", "Sulawesi Selatan"), ("74", "Sulawesi Tenggara"),
    ("75", "Gorontalo"), ("76", "Sulawesi Barat"), ("81", "Maluku"), ("82", "Maluku Utara"),
    ("91", "Papua"), ("92", "Papua Barat"), ("93", "Papua Selatan"), ("94", "Papua Tengah"),
    ("95", "Papua Pegunungan"), ("96", "Papua Barat Daya"),
)
PROVINSI_SENDIRI = "53"

# Indonesian month names and the abbreviations seen in sheets (plus English ones Excel may print).
BULAN: dict[str, int] = {
    "januari": 1, "jan": 1, "january": 1,
    "februari": 2, "pebruari": 2, "feb": 2, "peb": 2, "february": 2,
    "maret": 3, "mar": 3, "march": 3,
    "april": 4, "apr": 4,
    "mei": 5, "may": 5,
    "juni": 6, "jun": 6, "june": 6,
    "juli": 7, "jul": 7, "july": 7,
    "agustus": 8, "agu": 8, "agt": 8, "ags": 8, "agus": 8, "aug": 8, "august": 8,
    "september": 9, "sep": 9, "sept": 9,
    "oktober": 10, "okt": 10, "oct": 10, "october": 10,
    "november": 11, "nopember": 11, "nov": 11, "nop": 11,
    "desember": 12, "des": 12, "dec": 12, "december": 12,
}

STRUCT_ALASAN = "STRUCT(kode VARCHAR, kolom VARCHAR)[]"


def _q(text: str) -> str:
    """SQL string literal."""
    return "'" + str(text).replace("'", "''") + "'"


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _fmt_num(v: float | None) -> str | None:
    if v is None:
        return None
    return str(int(v)) if float(v).is_integer() else repr(float(v))


# --------------------------------------------------------------------------------------------
# install
# --------------------------------------------------------------------------------------------

def _macros(run_date: date, pseudonym_key: str) -> list[str]:
    accents = contract._ACCENTS  # the same table normalize() uses: one definition
    acc_from = "".join(chr(k) for k in accents)
    acc_to = "".join(chr(v) for v in accents.values())
    blanks = "' ' || chr(9) || chr(10) || chr(11) || chr(12) || chr(13) || chr(160) || chr(8203) || chr(65279)"
    bulan_case = " ".join(f"WHEN {_q(k)} THEN {v}" for k, v in BULAN.items())
    m = "CREATE OR REPLACE TEMP MACRO "
    return [
        # text: trimmed (spaces, tabs, newlines, NBSP, BOM), '' → NULL
        m + f"p3jr_teks(x) AS nullif(trim(CAST(x AS VARCHAR), {blanks}), '')",
        # contract.normalize(): lower, accents, drop everything but [0-9a-z]
        m + f"p3jr_norm(x) AS regexp_replace(translate(lower(CAST(x AS VARCHAR)), {_q(acc_from)}, {_q(acc_to)}), "
        f"{_q(contract.NORMALIZE_SQL_PATTERN)}, '', 'g')",
        # numbers: spaces dropped, unicode minus → '-'
        m + "p3jr__angka_bersih(x) AS regexp_replace(replace(p3jr_teks(x), chr(8722), '-'), '[\\s' || chr(160) || ']', '', 'g')",
        # decimal: '36,5' '36.5' '1.234,5' '1.234.567' '1,234.5' '1e3'; a single '.' or ',' is the decimal mark
        m + """p3jr__desimal(s) AS CASE
            WHEN regexp_full_match(s, '[+-]?\\d+([.,]\\d+)?') THEN TRY_CAST(replace(s, ',', '.') AS DOUBLE)
            WHEN regexp_full_match(s, '[+-]?\\d{1,3}(\\.\\d{3})+(,\\d+)?') THEN TRY_CAST(replace(replace(s, '.', ''), ',', '.') AS DOUBLE)
            WHEN regexp_full_match(s, '[+-]?\\d{1,3}(,\\d{3})+(\\.\\d+)?') THEN TRY_CAST(replace(s, ',', '') AS DOUBLE)
            WHEN regexp_full_match(s, '[+-]?\\d+([.,]\\d+)?[eE][+-]?\\d+') THEN TRY_CAST(replace(s, ',', '.') AS DOUBLE)
        END""",
        m + "p3jr_desimal(x) AS p3jr__desimal(p3jr__angka_bersih(x))",
        # integer: '3', '3.0', '3,0', '1.234' (dot groups of three = thousands); fractions → NULL
        m + "p3jr__bulat_dari(d) AS CASE WHEN d = trunc(d) AND abs(d) < 9e15 THEN CAST(d AS BIGINT) END",
        m + """p3jr__bulat(s) AS CASE
            WHEN regexp_full_match(s, '[+-]?\\d{1,3}(\\.\\d{3})+') THEN TRY_CAST(replace(s, '.', '') AS BIGINT)
            ELSE p3jr__bulat_dari(p3jr__desimal(s))
        END""",
        m + "p3jr_bulat(x) AS p3jr__bulat(p3jr__angka_bersih(x))",
        # rupiah: 'Rp 1.500.000', 'Rp. 1.500.000,-', '1500000', '1,5 juta', '2 jt', 'Rp1,5jt', '750 rb'
        m + """p3jr__rupiah_angka(s) AS CASE
            WHEN regexp_full_match(s, '[+-]?\\d{1,3}(\\.\\d{3})+(,\\d{1,2})?') THEN TRY_CAST(replace(replace(s, '.', ''), ',', '.') AS DOUBLE)
            WHEN regexp_full_match(s, '[+-]?\\d{1,3}(,\\d{3})+(\\.\\d{1,2})?') THEN TRY_CAST(replace(s, ',', '') AS DOUBLE)
            WHEN regexp_full_match(s, '[+-]?\\d+([.,]\\d{1,2})?') THEN TRY_CAST(replace(s, ',', '.') AS DOUBLE)
            WHEN regexp_full_match(s, '[+-]?\\d+(\\.\\d+)?[eE]\\+?\\d+') THEN TRY_CAST(s AS DOUBLE)
        END""",
        m + """p3jr__rupiah(s) AS CASE
            WHEN regexp_matches(s, '\\d(juta|jt)$') THEN p3jr__desimal(regexp_replace(s, '(juta|jt)$', '')) * 1000000
            WHEN regexp_matches(s, '\\d(ribu|rb)$') THEN p3jr__desimal(regexp_replace(s, '(ribu|rb)$', '')) * 1000
            WHEN regexp_matches(s, '\\d(miliar|milyar)$') THEN p3jr__desimal(regexp_replace(s, '(miliar|milyar)$', '')) * 1000000000
            ELSE p3jr__rupiah_angka(s)
        END""",
        m + """p3jr_rupiah(x) AS CAST(round(p3jr__rupiah(regexp_replace(regexp_replace(lower(p3jr__angka_bersih(x)),
            '^(rp\\.?|idr)', ''), '[.,]?-+$', ''))) AS BIGINT)""",
        # dates: ISO, dd/mm/yyyy, dd-mm-yyyy, dd.mm.yyyy, '12 Januari 2025' / '12 Agt 2025' / '12-Jan-2025',
        # Excel serial 20000–80000 ('45669', '45669.0'); a trailing time ('00:00:00') is ignored
        m + f"p3jr__bulan(b) AS CASE b {bulan_case} END",
        m + """p3jr__tanggal(t) AS CASE
            WHEN regexp_full_match(t, '\\d{4}-\\d{1,2}-\\d{1,2}') THEN CAST(try_strptime(t, '%Y-%m-%d') AS DATE)
            WHEN regexp_full_match(t, '\\d{4}/\\d{1,2}/\\d{1,2}') THEN CAST(try_strptime(t, '%Y/%m/%d') AS DATE)
            WHEN regexp_full_match(t, '\\d{1,2}[/.-]\\d{1,2}[/.-]\\d{4}')
                THEN CAST(try_strptime(regexp_replace(t, '[/.]', '-', 'g'), '%d-%m-%Y') AS DATE)
            WHEN regexp_full_match(t, '\\d{5}(\\.\\d+)?') AND TRY_CAST(t AS DOUBLE) BETWEEN 20000 AND 80000
                THEN DATE '1899-12-30' + CAST(floor(TRY_CAST(t AS DOUBLE)) AS INTEGER)
            WHEN regexp_full_match(t, '\\d{1,2}[\\s/-]*[a-z]+\\.?[\\s/-]*\\d{4}')
                THEN CAST(try_strptime(
                    regexp_extract(t, '(\\d{4})$', 1) || '-'
                    || CAST(p3jr__bulan(regexp_extract(t, '([a-z]+)', 1)) AS VARCHAR) || '-'
                    || regexp_extract(t, '^(\\d{1,2})', 1), '%Y-%m-%d') AS DATE)
        END""",
        m + """p3jr_tanggal(x) AS p3jr__tanggal(regexp_replace(regexp_replace(lower(p3jr_teks(x)), '\\s+', ' ', 'g'),
            '[ t]\\d{1,2}[:.]\\d{2}([:.]\\d{2}([.,]\\d+)?)?$', ''))""",
        # NIK / No. KK: trim, one leading apostrophe, a '.0' a numeric cell may carry, then spaces and dots
        m + f"""p3jr_nik(x) AS regexp_replace(regexp_replace(regexp_replace(p3jr_teks(x),
            '^[''`' || chr(8216) || chr(8217) || ']', ''), '^(\\d{{16}})\\.0+$', '\\1'), '[\\s.' || chr(160) || ']', '', 'g')""",
        # Excel scientific notation of a long number: '5.30104E+15', '5,30104E+15'
        m + """p3jr_nik_sains(x) AS regexp_full_match(regexp_replace(p3jr_teks(x), '^[''`]', ''),
            '\\d+([.,]\\d+)?\\s*[eE]\\+\\d{1,2}')""",
        m + f"p3jr_tanggal_run() AS DATE {_q(run_date.isoformat())}",
        m + f"p3jr_kunci() AS {_q(pseudonym_key)}",
        m + "p3jr_nik_hash(nik) AS sha256(p3jr_kunci() || nik)",
    ]


def _arrow(rows: list[dict], schema: list[tuple[str, pa.DataType]]) -> pa.Table:
    cols = {name: pa.array([r[name] for r in rows], type=t) for name, t in schema}
    return pa.table(cols)


def install(con: duckdb.DuckDBPyConnection, *, run_date: date, pseudonym_key: str) -> None:
    """Create the ``ref`` tables and the (temporary) parsing macros on this connection."""
    if not pseudonym_key:
        raise ValueError("pseudonym_key kosong: NIK tidak boleh di-hash tanpa kunci")
    for sql in _macros(run_date, pseudonym_key):
        con.execute(sql)
    con.execute("CREATE SCHEMA IF NOT EXISTS ref")

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
    s = pa.string()
    t_wil = _arrow(wil, [("kode", s), ("nama", s), ("tingkat", s), ("jenis", s), ("kode_induk", s)])
    t_enum = _arrow(
        [{"domain": d, "alias_norm": a, "nilai": v} for d, a, v in contract.enum_aliases()],
        [("domain", s), ("alias_norm", s), ("nilai", s)],
    )
    t_alasan = _arrow(
        [{"kode": r.code, "tingkat": r.level, "pesan": r.message, "message_en": r.message_en}
         for r in contract.reasons().values() if r.applies_to == "baris"],
        [("kode", s), ("tingkat", s), ("pesan", s), ("message_en", s)],
    )
    kolom_rows = [
        {"jenis": c.kind, "kolom": c.name, "wajib": c.required, "tipe": c.type, "domain": c.domain,
         "min": c.min, "max": c.max, "min_teks": _fmt_num(c.min), "max_teks": _fmt_num(c.max)}
        for kind in contract.KINDS for c in contract.columns(kind)
    ]
    t_kolom = _arrow(kolom_rows, [("jenis", s), ("kolom", s), ("wajib", s), ("tipe", s), ("domain", s),
                                  ("min", pa.float64()), ("max", pa.float64()), ("min_teks", s), ("max_teks", s)])
    t_prov = _arrow([{"kode": k, "nama": n} for k, n in KODE_PROVINSI], [("kode", s), ("nama", s)])

    for name, tbl in (("wil", t_wil), ("enum", t_enum), ("alasan", t_alasan), ("kolom", t_kolom), ("prov", t_prov)):
        con.register(f"_p3jr_src_{name}", tbl)
    try:
        con.execute("""CREATE OR REPLACE TABLE ref.wilayah AS
            SELECT kode, nama, tingkat, jenis, kode_induk, p3jr_norm(nama) AS nama_norm FROM _p3jr_src_wil ORDER BY kode""")
        con.execute("CREATE OR REPLACE TABLE ref.enum_alias AS SELECT * FROM _p3jr_src_enum ORDER BY domain, alias_norm")
        con.execute("CREATE OR REPLACE TABLE ref.alasan AS SELECT * FROM _p3jr_src_alasan")
        con.execute("CREATE OR REPLACE TABLE ref.kolom AS SELECT * FROM _p3jr_src_kolom")
        con.execute("CREATE OR REPLACE TABLE ref.kode_provinsi AS SELECT * FROM _p3jr_src_prov ORDER BY kode")
    finally:
        for name in ("wil", "enum", "alasan", "kolom", "prov"):
            con.unregister(f"_p3jr_src_{name}")


# --------------------------------------------------------------------------------------------
# evaluate: SQL generation from the contract
# --------------------------------------------------------------------------------------------

@dataclass
class _Plan:
    """Pieces of the evaluation query, collected column by column from the contract."""
    pre: list[str] = field(default_factory=list)      # stage 1: trimmed / normalised text per column
    joins: list[str] = field(default_factory=list)    # stage 2: lookups
    mid: list[str] = field(default_factory=list)      # stage 2: parsed values
    out: list[str] = field(default_factory=list)      # stage 3: typed output columns, in order
    alasan: list[str] = field(default_factory=list)   # struct-or-NULL expressions (quarantine)
    warn: list[str] = field(default_factory=list)     # struct-or-NULL expressions (warnings)


def _r(cond: str, kode: str, kolom: str) -> str:
    return f"CASE WHEN {cond} THEN {{'kode': {_q(kode)}, 'kolom': {_q(kolom)}}} END"


def _r_case(whens: list[tuple[str, str]], kolom: str) -> str:
    """One reason for a column, the first matching condition wins."""
    body = " ".join(f"WHEN {c} THEN {{'kode': {_q(k)}, 'kolom': {_q(kolom)}}}" for c, k in whens)
    return f"CASE {body} END"


def _between(v: str, c: contract.Column) -> str:
    parts = [f"{v} IS NOT NULL"]
    if c.min is not None:
        parts.append(f"{v} >= {c.min!r}")
    if c.max is not None:
        parts.append(f"{v} <= {c.max!r}")
    return "(" + " AND ".join(parts) + ")"


def _plan(kind: str, has: set[str], kolom_kab: str) -> _Plan:
    p = _Plan()
    cols = contract.columns(kind)
    by_name = {c.name: c for c in cols}
    koordinat = [c for c in cols if c.type == "koordinat"]

    def src(name: str) -> str:
        if kind == "realisasi_program" and name == "kode_kabupaten":
            return _ident(kolom_kab)
        return _ident(name)

    for c in cols:
        p.pre.append(f"p3jr_teks({src(c.name)}) AS _t_{c.name}")

    enum_i = 0
    for c in cols:
        t = f"_t_{c.name}"
        wajib = c.required == "ya"

        if c.type == "kode_desa":
            # '5301042003' (digits only) is accepted as '53.01.04.2003'
            p.pre.append(
                f"CASE WHEN regexp_full_match(replace({t}, ' ', ''), '\\d{{10}}') THEN "
                f"regexp_replace(replace({t}, ' ', ''), '^(\\d\\d)(\\d\\d)(\\d\\d)(\\d{{4}})$', '\\1.\\2.\\3.\\4') "
                f"ELSE replace({t}, ' ', '') END AS _kd_{c.name}"
            )
            p.joins.append(
                f"LEFT JOIN ref.wilayah _wd_{c.name} ON _wd_{c.name}.tingkat = 'desa_kelurahan' "
                f"AND _wd_{c.name}.kode = s._kd_{c.name}"
            )
            p.mid.append(f"_wd_{c.name}.kode AS _kode_ref_{c.name}")
            p.mid.append(f"_wd_{c.name}.kode_induk AS _kec_ref_{c.name}")
            dalam = f"starts_with(_kode_ref_{c.name}, kode_kabupaten || '.')"
            if c.required == "lokasi":
                kec, desa = by_name["kecamatan"], by_name["desa"]
                p.pre.append(f"p3jr_norm(_t_{kec.name}) AS _n_{kec.name}")
                p.pre.append(f"p3jr_norm(_t_{desa.name}) AS _n_{desa.name}")
                p.joins.append(
                    f"LEFT JOIN _kec ON _kec.kode_induk = s.kode_kabupaten AND _kec.nama_norm = s._n_{kec.name}"
                )
                p.joins.append(
                    f"LEFT JOIN _desa ON _desa.kode_induk = _kec.kode AND _desa.nama_norm = s._n_{desa.name}"
                )
                p.mid.append("_kec.kode AS _kec_nama_kode")
                p.mid.append("_desa.kode AS _desa_nama_kode")
                punya_kode = f"_kd_{c.name} IS NOT NULL"
                punya_nama = f"(_t_{kec.name} IS NOT NULL AND _t_{desa.name} IS NOT NULL)"
                p.mid.append(
                    f"CASE WHEN {punya_kode} THEN (CASE WHEN {dalam} THEN _kode_ref_{c.name} END) "
                    f"WHEN {punya_nama} THEN _desa_nama_kode END AS _lokasi"
                )
                p.out.append(f"_lokasi AS {c.name}")
                p.out.append(f"left(_lokasi, 8) AS kode_kecamatan")
                p.alasan.append(_r_case([
                    (f"NOT {punya_kode} AND NOT {punya_nama}", "wajib_kosong"),
                    (f"{punya_kode} AND _kode_ref_{c.name} IS NULL", "desa_tidak_dikenal"),
                    (f"{punya_kode} AND NOT {dalam}", "desa_di_kabupaten_lain"),
                ], c.name))
                p.alasan.append(_r(f"NOT {punya_kode} AND {punya_nama} AND _kec_nama_kode IS NULL",
                                   "desa_tidak_dikenal", kec.name))
                p.alasan.append(_r(f"NOT {punya_kode} AND {punya_nama} AND _kec_nama_kode IS NOT NULL "
                                   f"AND _desa_nama_kode IS NULL", "desa_tidak_dikenal", desa.name))
            else:
                ok = f"(_kode_ref_{c.name} IS NOT NULL AND {dalam})"
                p.out.append(f"CASE WHEN {ok} THEN _kode_ref_{c.name} END AS {c.name}")
                if wajib:
                    p.alasan.append(_r_case([
                        (f"{t} IS NULL", "wajib_kosong"),
                        (f"_kode_ref_{c.name} IS NULL", "desa_tidak_dikenal"),
                        (f"NOT {dalam}", "desa_di_kabupaten_lain"),
                    ], c.name))
                else:
                    p.warn.append(_r(f"{t} IS NOT NULL AND NOT {ok}", "opsional_tidak_valid", c.name))

        elif c.required == "lokasi":
            continue  # kecamatan / desa names: handled with kode_desa

        elif c.type == "nik":
            num = f"coalesce(s.{c.name}_numerik, false)" if f"{c.name}_numerik" in has else "false"
            p.pre.append(f"p3jr_nik({src(c.name)}) AS _c_{c.name}")
            p.pre.append(f"p3jr_nik_sains({src(c.name)}) AS _sains_{c.name}")
            c_ = f"_c_{c.name}"
            p.mid.append(f"regexp_full_match({c_}, '\\d{{16}}') AS _16_{c.name}")
            p.mid.append(f"({num} AND right({c_}, 1) = '0') AS _rusak_{c.name}")
            p.mid.append(f"{num} AS _num_{c.name}")
            p.joins.append(f"LEFT JOIN ref.kode_provinsi _prov_{c.name} ON _prov_{c.name}.kode = substr(s.{c_}, 1, 2)")
            p.mid.append(
                f"(_prov_{c.name}.kode IS NOT NULL "
                f"AND (TRY_CAST(substr({c_}, 7, 2) AS INTEGER) BETWEEN 1 AND 31 OR TRY_CAST(substr({c_}, 7, 2) AS INTEGER) BETWEEN 41 AND 71) "
                f"AND TRY_CAST(substr({c_}, 9, 2) AS INTEGER) BETWEEN 1 AND 12 "
                f"AND substr({c_}, 13, 4) <> '0000') AS _struktur_{c.name}"
            )
            whens = [
                (f"{t} IS NULL", "wajib_kosong"),
                (f"_sains_{c.name}", "nik_rusak_excel"),
                (f"NOT _16_{c.name}", "nik_bukan_16_digit"),
                (f"_rusak_{c.name}", "nik_rusak_excel"),
                (f"NOT _struktur_{c.name}", "nik_tidak_valid"),
            ]
            ok = (f"({t} IS NOT NULL AND NOT _sains_{c.name} AND _16_{c.name} AND NOT _rusak_{c.name} "
                  f"AND _struktur_{c.name})")
            p.mid.append(f"{ok} AS _ok_{c.name}")
            p.alasan.append(_r_case(whens, c.name))
            p.out.append(f"CASE WHEN _ok_{c.name} THEN {c_} END AS {c.name}")
            p.out.append(f"CASE WHEN _ok_{c.name} THEN p3jr_nik_hash({c_}) END AS {c.name}_hash")
            p.warn.append(_r(f"_ok_{c.name} AND left({c_}, 2) <> {_q(PROVINSI_SENDIRI)}", "nik_provinsi_lain", c.name))
            p.warn.append(_r(f"_ok_{c.name} AND _num_{c.name}", "nik_format_angka", c.name))

        elif c.type == "digit16":
            num = f"coalesce(s.{c.name}_numerik, false)" if f"{c.name}_numerik" in has else "false"
            p.pre.append(f"p3jr_nik({src(c.name)}) AS _c_{c.name}")
            ok = f"(regexp_full_match(_c_{c.name}, '\\d{{16}}') AND NOT ({num} AND right(_c_{c.name}, 1) = '0'))"
            p.mid.append(f"{ok} AS _ok_{c.name}")
            p.out.append(f"CASE WHEN _ok_{c.name} THEN _c_{c.name} END AS {c.name}")
            if wajib:
                p.alasan.append(_r_case([(f"{t} IS NULL", "wajib_kosong"),
                                         (f"NOT _ok_{c.name}", "nik_bukan_16_digit")], c.name))
            else:
                p.warn.append(_r(f"{t} IS NOT NULL AND NOT _ok_{c.name}", "opsional_tidak_valid", c.name))

        elif c.type == "teks":
            p.out.append(f"{t} AS {c.name}")
            if wajib:
                p.alasan.append(_r(f"{t} IS NULL", "wajib_kosong", c.name))

        elif c.type == "enum":
            enum_i += 1
            a = f"_e{enum_i}"
            p.pre.append(f"p3jr_norm({t}) AS _n_{c.name}")
            p.joins.append(f"LEFT JOIN ref.enum_alias {a} ON {a}.domain = {_q(c.domain)} AND {a}.alias_norm = s._n_{c.name}")
            p.mid.append(f"{a}.nilai AS _v_{c.name}")
            v = f"_v_{c.name}"
            if c.domain == "ya_tidak":
                p.out.append(f"CASE WHEN {v} IS NULL THEN NULL ELSE {v} = 'ya' END AS {c.name}")
            else:
                p.out.append(f"{v} AS {c.name}")
            if wajib:
                p.alasan.append(_r_case([(f"{t} IS NULL", "wajib_kosong"),
                                         (f"{v} IS NULL", "nilai_tidak_dikenal")], c.name))
            else:
                p.warn.append(_r(f"{t} IS NOT NULL AND {v} IS NULL", "opsional_tidak_valid", c.name))

        elif c.type in ("bilangan_bulat", "desimal", "rupiah"):
            parse = {"bilangan_bulat": "p3jr_bulat", "desimal": "p3jr_desimal", "rupiah": "p3jr_rupiah"}[c.type]
            sqltype = {"bilangan_bulat": "INTEGER", "desimal": "DOUBLE", "rupiah": "BIGINT"}[c.type]
            p.pre.append(f"{parse}({t}) AS _p_{c.name}")
            ok = _between(f"_p_{c.name}", c)
            p.mid.append(f"{ok} AS _ok_{c.name}")
            p.out.append(f"CAST(CASE WHEN _ok_{c.name} THEN _p_{c.name} END AS {sqltype}) AS {c.name}")
            if wajib:
                p.alasan.append(_r_case([(f"{t} IS NULL", "wajib_kosong"),
                                         (f"NOT _ok_{c.name}", "angka_tidak_valid")], c.name))
            else:
                p.warn.append(_r(f"{t} IS NOT NULL AND NOT _ok_{c.name}", "opsional_tidak_valid", c.name))

        elif c.type == "koordinat":
            if c is not koordinat[0]:
                continue
            names = [k.name for k in koordinat]
            for k in koordinat:
                p.pre.append(f"p3jr_desimal(_t_{k.name}) AS _p_{k.name}")
            ada = " OR ".join(f"_t_{k.name} IS NOT NULL" for k in koordinat)
            ok = " AND ".join(_between(f"_p_{k.name}", k) for k in koordinat)
            p.mid.append(f"({ok}) AS _ok_koordinat")
            for k in koordinat:
                p.out.append(f"CASE WHEN _ok_koordinat THEN _p_{k.name} END AS {k.name}")
            p.warn.append(_r(f"({ada}) AND NOT _ok_koordinat", "koordinat_tidak_valid", ",".join(names)))

        elif c.type == "tanggal":
            p.pre.append(f"p3jr_tanggal({t}) AS _p_{c.name}")
            v = f"_p_{c.name}"
            p.out.append(f"CASE WHEN {v} <= p3jr_tanggal_run() THEN {v} END AS {c.name}")
            if wajib:
                p.alasan.append(_r_case([(f"{t} IS NULL", "wajib_kosong"),
                                         (f"{v} IS NULL OR {v} > p3jr_tanggal_run()", "nilai_tidak_dikenal")], c.name))
            else:
                p.warn.append(_r(f"{t} IS NOT NULL AND {v} IS NULL", "opsional_tidak_valid", c.name))
                p.warn.append(_r(f"{v} > p3jr_tanggal_run()", "tanggal_di_masa_depan", c.name))

        elif c.type == "kode_kabupaten":
            # '53.1' (a numeric cell of 53.10) and '5310' are read as '53.10'
            p.pre.append(
                f"CASE WHEN regexp_full_match({t}, '\\d\\d\\.\\d') THEN {t} || '0' "
                f"WHEN regexp_full_match({t}, '\\d{{4}}') THEN left({t}, 2) || '.' || right({t}, 2) "
                f"ELSE replace({t}, ' ', '') END AS _kk_{c.name}"
            )
            p.alasan.append(_r_case([(f"{t} IS NULL", "wajib_kosong"),
                                     (f"_kk_{c.name} <> kode_kabupaten", "kabupaten_tidak_sesuai")], c.name))
        else:
            raise ValueError(f"tipe kolom tidak dikenal di columns.csv: {c.kind}.{c.name} = {c.type}")

    if kind == "realisasi_program" and "unit_selesai" in by_name and "unit_rencana" in by_name:
        p.warn.append(_r("_ok_unit_selesai AND _ok_unit_rencana AND _p_unit_selesai > _p_unit_rencana",
                         "unit_selesai_melebihi_rencana", "unit_selesai"))
    return p


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


def build_sql(kind: str, source: str, source_columns: list[str], *,
              kolom_kabupaten_baris: str = KOLOM_KABUPATEN_BARIS) -> str:
    """The SELECT that evaluates every row of ``source`` (exposed for inspection and tests)."""
    has = set(source_columns)
    p = _plan(kind, has, kolom_kabupaten_baris)
    canon = contract.column_names(kind)

    def raw_name(n: str) -> str:
        return kolom_kabupaten_baris if (kind == "realisasi_program" and n == "kode_kabupaten") else n

    nilai_asli = "json_object(" + ", ".join(f"{_q(n)}, CAST({_ident(raw_name(n))} AS VARCHAR)" for n in canon) + ")"
    extra = ", kolom_tambahan" if "kolom_tambahan" in has else ""
    prov = ", ".join(f"CAST(s.{c} AS {'BIGINT' if c == 'baris' else 'VARCHAR'}) AS {c}" for c in PROVENANCE)
    ctes = []
    if any("_kec" in j for j in p.joins):
        ctes.append("""_kec AS (SELECT kode_induk, nama_norm, CASE WHEN count(*) = 1 THEN min(kode) END AS kode
              FROM ref.wilayah WHERE tingkat = 'kecamatan' GROUP BY ALL)""")
        ctes.append("""_desa AS (SELECT kode_induk, nama_norm, CASE WHEN count(*) = 1 THEN min(kode) END AS kode
              FROM ref.wilayah WHERE tingkat = 'desa_kelurahan' GROUP BY ALL)""")
    ctes.append(f"_s1 AS (SELECT *, {', '.join(p.pre)}, {nilai_asli} AS _nilai_asli FROM {source})")
    ctes.append(
        f"_s2 AS (SELECT {prov}, s.* EXCLUDE ({', '.join(PROVENANCE)}), {', '.join(p.mid) if p.mid else 'NULL AS _kosong'} "
        f"FROM _s1 s {' '.join(p.joins)})"
    )
    alasan = f"list_sort(list_filter([{', '.join(p.alasan)}], lambda x: x IS NOT NULL))" if p.alasan else f"CAST([] AS {STRUCT_ALASAN})"
    warn = f"list_sort(list_filter([{', '.join(p.warn)}], lambda x: x IS NOT NULL))" if p.warn else f"CAST([] AS {STRUCT_ALASAN})"
    final = (
        f"SELECT {', '.join(PROVENANCE)}, {', '.join(p.out)}, "
        f"CAST({alasan} AS {STRUCT_ALASAN}) AS alasan, CAST({warn} AS {STRUCT_ALASAN}) AS peringatan, "
        f"_nilai_asli AS nilai_asli{extra} FROM _s2"
    )
    return "WITH " + ",\n".join(ctes) + "\n" + final


def evaluate(con: duckdb.DuckDBPyConnection, kind: str, source: str, target: str, *,
             kolom_kabupaten_baris: str = KOLOM_KABUPATEN_BARIS) -> None:
    """Evaluate every row of ``source`` (raw text columns + provenance) into table ``target``."""
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
    con.execute(f"CREATE OR REPLACE TABLE {target} AS {sql}")


# --------------------------------------------------------------------------------------------
# duplicates
# --------------------------------------------------------------------------------------------

def resolve_duplicates(con: duckdb.DuckDBPyConnection, evaluated: str, file_times: str) -> None:
    """One household per NIK province-wide (rows that pass every other rule compete).

    Winner: latest ``tanggal_pendataan`` (NULL oldest), then later ``waktu_file`` (NULL oldest), then
    greater ``file_hash``, then greater ``baris`` (then ``sheet``, ``kode_kabupaten`` so the order is
    total). Losers get ``duplikat_nik`` appended to ``alasan``. The table is rebuilt in place.
    """
    dup = "{'kode': 'duplikat_nik', 'kolom': 'nik'}"
    con.execute(f"""
        CREATE OR REPLACE TABLE {evaluated} AS
        WITH ft AS (SELECT file_hash, max(waktu_file) AS waktu_file FROM {file_times} GROUP BY file_hash),
        kandidat AS (
            SELECT e.kode_kabupaten, e.file_hash, e.sheet, e.baris,
                   row_number() OVER (
                       PARTITION BY e.nik
                       ORDER BY e.tanggal_pendataan DESC NULLS LAST, ft.waktu_file DESC NULLS LAST,
                                e.file_hash DESC, e.baris DESC, e.sheet DESC, e.kode_kabupaten DESC
                   ) AS _urut
            FROM {evaluated} e LEFT JOIN ft ON ft.file_hash = e.file_hash
            WHERE len(e.alasan) = 0 AND e.nik IS NOT NULL
              AND e.nik IN (SELECT nik FROM {evaluated} WHERE len(alasan) = 0 AND nik IS NOT NULL
                            GROUP BY nik HAVING count(*) > 1)
        ),
        kalah AS (SELECT * EXCLUDE (_urut) FROM kandidat WHERE _urut > 1)
        SELECT e.* REPLACE (
            CASE WHEN k.file_hash IS NOT NULL
                 THEN CAST(list_sort(list_append(e.alasan, {dup})) AS {STRUCT_ALASAN})
                 ELSE e.alasan END AS alasan)
        FROM {evaluated} e
        LEFT JOIN kalah k ON k.kode_kabupaten = e.kode_kabupaten AND k.file_hash = e.file_hash
                         AND k.sheet IS NOT DISTINCT FROM e.sheet AND k.baris = e.baris
    """)


# --------------------------------------------------------------------------------------------
# outcomes
# --------------------------------------------------------------------------------------------

_PROV_DDL = "kode_kabupaten VARCHAR, file_hash VARCHAR, nama_file VARCHAR, sheet VARCHAR, baris BIGINT"


def _ensure_outcome_tables(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("CREATE SCHEMA IF NOT EXISTS quality")
    con.execute(f"""CREATE TABLE IF NOT EXISTS quality.karantina (
        jenis VARCHAR, {_PROV_DDL}, alasan VARCHAR[], kolom VARCHAR[], pesan VARCHAR, nilai_asli JSON)""")
    con.execute(f"""CREATE TABLE IF NOT EXISTS quality.peringatan (
        jenis VARCHAR, {_PROV_DDL}, kode VARCHAR, kolom VARCHAR, pesan VARCHAR)""")


def _pesan_sql(kind: str, alias: str) -> str:
    """Indonesian message of one reason struct ``alias`` ({kolom}/{min}/{max} substituted)."""
    return (f"replace(replace(replace(_al.pesan, '{{kolom}}', coalesce({alias}.kolom, '')), "
            f"'{{min}}', coalesce(_ko.min_teks, '')), '{{max}}', coalesce(_ko.max_teks, ''))")


def write_outcomes(con: duckdb.DuckDBPyConnection, kind: str, evaluated: str) -> dict:
    """Accepted table, this kind's quarantine and warning rows; returns the counts."""
    if kind not in contract.KINDS:
        raise ValueError(f"jenis tidak dikenal: {kind}")
    cols = ", ".join(output_columns(kind))
    prov = ", ".join(PROVENANCE)
    j = _q(kind)
    con.execute("BEGIN TRANSACTION")
    try:
        _ensure_outcome_tables(con)
        con.execute(f"""CREATE OR REPLACE TABLE quality.{kind}_diterima AS
            SELECT {cols} FROM {evaluated} WHERE len(alasan) = 0 ORDER BY {prov}""")
        con.execute(f"DELETE FROM quality.karantina WHERE jenis = {j}")
        con.execute(f"""INSERT INTO quality.karantina BY NAME
            WITH q AS (SELECT row_number() OVER () AS _id, * FROM {evaluated} WHERE len(alasan) > 0),
            u AS (SELECT _id, unnest(alasan) AS a, generate_subscripts(alasan, 1) AS i FROM q),
            m AS (SELECT u._id, string_agg({_pesan_sql(kind, 'u.a')}, '; ' ORDER BY u.i) AS pesan
                  FROM u JOIN ref.alasan _al ON _al.kode = u.a.kode
                  LEFT JOIN ref.kolom _ko ON _ko.jenis = {j} AND _ko.kolom = u.a.kolom
                  GROUP BY u._id)
            SELECT {j} AS jenis, {prov},
                   list_transform(q.alasan, lambda x: x.kode) AS alasan,
                   list_transform(q.alasan, lambda x: x.kolom) AS kolom,
                   m.pesan, q.nilai_asli
            FROM q JOIN m USING (_id)
            ORDER BY {prov}""")
        con.execute(f"DELETE FROM quality.peringatan WHERE jenis = {j}")
        con.execute(f"""INSERT INTO quality.peringatan BY NAME
            WITH u AS (SELECT {prov}, unnest(peringatan) AS a FROM {evaluated}
                       WHERE len(alasan) = 0 AND len(peringatan) > 0)
            SELECT {j} AS jenis, {prov}, u.a.kode AS kode, u.a.kolom AS kolom, {_pesan_sql(kind, 'u.a')} AS pesan
            FROM u JOIN ref.alasan _al ON _al.kode = u.a.kode
            LEFT JOIN ref.kolom _ko ON _ko.jenis = {j} AND _ko.kolom = u.a.kolom
            ORDER BY {prov}, kode, kolom""")
        counts = con.execute(f"""SELECT
                (SELECT count(*) FROM {evaluated}),
                (SELECT count(*) FROM quality.{kind}_diterima),
                (SELECT count(*) FROM quality.karantina WHERE jenis = {j}),
                (SELECT count(*) FROM quality.peringatan WHERE jenis = {j})""").fetchone()
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    return dict(zip(("dibaca", "diterima", "karantina", "peringatan"), counts))


def reason_counts(con: duckdb.DuckDBPyConnection, evaluated: str) -> dict[str, int]:
    """Quarantine reason code → number of rows carrying it (a row may count under several codes)."""
    rows = con.execute(f"""SELECT a.kode, count(DISTINCT (kode_kabupaten, file_hash, sheet, baris))
        FROM (SELECT kode_kabupaten, file_hash, sheet, baris, unnest(alasan) AS a FROM {evaluated})
        GROUP BY 1 ORDER BY 1""").fetchall()
    return {k: n for k, n in rows}
