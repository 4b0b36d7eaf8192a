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
from sources.readers import READ_PROBLEM_COLUMN

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
    blanks = " \t\n\x0b\x0c\r\u00a0\u200b\ufeff"  # trimmed around every cell (NBSP, zero-width, BOM too)
    blank_re = "[\\s\\x{0b}\\x{a0}\\x{200b}\\x{feff}]"
    bulan_case = " ".join(f"WHEN {_q(k)} THEN {v}" for k, v in BULAN.items())
    m = "CREATE OR REPLACE TEMP MACRO "
    return [
        # text: trimmed (spaces, tabs, newlines, NBSP, BOM), '' → NULL
        # (the regex guard skips the slow multi-character trim for the usual clean cell)
        m + f"""p3jr__teks(v) AS CASE WHEN regexp_matches(v, '^{blank_re}|{blank_re}$')
            THEN nullif(trim(v, {_q(blanks)}), '') ELSE nullif(v, '') END""",
        m + "p3jr_teks(x) AS p3jr__teks(CAST(x AS VARCHAR))",
        # contract.normalize(): lower, accents, drop everything but [0-9a-z]
        m + f"p3jr_norm(x) AS regexp_replace(translate(lower(CAST(x AS VARCHAR)), {_q(acc_from)}, {_q(acc_to)}), "
        f"{_q(contract.NORMALIZE_SQL_PATTERN)}, '', 'g')",
        # numbers: spaces dropped, unicode minus → '-'
        m + f"""p3jr__angka_bersih2(t) AS CASE WHEN regexp_matches(t, '{blank_re}|\\x{{2212}}')
            THEN regexp_replace(replace(t, chr(8722), '-'), '{blank_re}', '', 'g') ELSE t END""",
        m + "p3jr__angka_bersih(x) AS p3jr__angka_bersih2(p3jr_teks(x))",
        # decimal: '36,5' '36.5' '1.234,5' '1.234.567' '1,234.5' '1e3'; a single '.' or ',' is the decimal mark
        m + """p3jr__desimal(s) AS CASE
            WHEN regexp_full_match(s, '[+-]?\\d+([.,]\\d+)?') THEN TRY_CAST(replace(s, ',', '.') AS DOUBLE)
            WHEN regexp_full_match(s, '[+-]?\\d{1,3}(\\.\\d{3})+(,\\d+)?') THEN TRY_CAST(replace(replace(s, '.', ''), ',', '.') AS DOUBLE)
            WHEN regexp_full_match(s, '[+-]?\\d{1,3}(,\\d{3})+(\\.\\d+)?') THEN TRY_CAST(replace(s, ',', '') AS DOUBLE)
            WHEN regexp_full_match(s, '[+-]?\\d+([.,]\\d+)?[eE][+-]?\\d+') THEN TRY_CAST(replace(s, ',', '.') AS DOUBLE)
        END""",
        m + "p3jr_desimal(x) AS p3jr__desimal(p3jr__angka_bersih(x))",
        # '1.250': one dot, exactly three digits after it, 1-3 before (not '0.250'): 1250 or 1,25?
        m + "p3jr_desimal_ambigu(x) AS regexp_full_match(p3jr__angka_bersih(x), '[+-]?[1-9]\\d{0,2}\\.\\d{3}')",
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
        m + f"""p3jr__nik(t) AS CASE WHEN regexp_full_match(t, '\\d{{16}}') THEN t
            ELSE regexp_replace(regexp_replace(regexp_replace(t, '^[''`\\x{{2018}}\\x{{2019}}]', ''),
                 '^(\\d{{16}})\\.0+$', '\\1'), '[.]|{blank_re}', '', 'g') END""",
        m + "p3jr_nik(x) AS p3jr__nik(p3jr_teks(x))",
        # Excel scientific notation of a long number: '5.30104E+15', '5,30104E+15'
        m + """p3jr__nik_sains(t) AS CASE WHEN strpos(t, 'E') = 0 AND strpos(t, 'e') = 0 THEN false
            ELSE regexp_full_match(t, '[''`]?\\d+([.,]\\d+)?\\s*[eE]\\+\\d{1,2}') END""",
        m + "p3jr_nik_sains(x) AS p3jr__nik_sains(p3jr_teks(x))",
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
#
# Speed: most columns have few distinct values (enums, counts, dates, money, area codes), so
# their rules run once per *distinct raw value* in a small "dictionary" CTE and are joined back
# to the rows; only high-cardinality columns (NIK, No. KK, names, coordinates) are evaluated
# row by row. Either way every rule is one SQL expression generated from columns.csv.

LEVELS = 5  # row-level stages: 0 = on source columns, 1 = after dictionary joins, 2.. = derived


@dataclass
class _Plan:
    """Pieces of the evaluation query, collected column by column from the contract."""
    ctes: list[str] = field(default_factory=list)      # dictionary CTEs
    joins: list[str] = field(default_factory=list)     # joins at level 1
    levels: list[list[str]] = field(default_factory=lambda: [[] for _ in range(LEVELS)])
    out: list[str] = field(default_factory=list)       # typed output columns, in order
    alasan: list[str] = field(default_factory=list)    # names of struct-or-NULL columns (quarantine)
    warn: list[str] = field(default_factory=list)      # names of struct-or-NULL columns (warnings)

    def add(self, level: int, expr: str) -> None:
        self.levels[level].append(expr)


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


def _dict_cte(p: _Plan, name: str, source: str, keys: dict[str, str], stage_a: list[str],
              stage_b: list[str], exposed: list[str], joins_a: str = "") -> None:
    """A dictionary CTE over the distinct values of ``keys`` (alias → source expression).

    ``stage_a`` sees ``d.<alias>`` and ``joins_a``; ``stage_b`` sees stage_a's columns.
    ``exposed`` columns are joined back to the rows at level 1.
    """
    sel = ", ".join(f"{expr} AS {alias}" for alias, expr in keys.items())
    a = ", ".join(["d.*"] + stage_a)
    b = ", ".join(["x.*"] + stage_b)
    p.ctes.append(
        f"{name} AS (SELECT {b} FROM (SELECT {a} FROM (SELECT DISTINCT {sel} FROM {source}) d {joins_a}) x)"
    )
    on = " AND ".join(f"{name}.{alias} IS NOT DISTINCT FROM s.{expr}" for alias, expr in keys.items())
    p.joins.append(f"LEFT JOIN {name} ON {on}")
    for e in exposed:
        p.add(1, f"{name}.{e}")


def _plan(kind: str, source: str, has: set[str], kolom_kab: str) -> _Plan:
    p = _Plan()
    cols = contract.columns(kind)
    by_name = {c.name: c for c in cols}
    koordinat = [c for c in cols if c.type == "koordinat"]

    def src(name: str) -> str:
        if kind == "realisasi_program" and name == "kode_kabupaten":
            return _ident(kolom_kab)
        return _ident(name)

    for c in cols:
        n = c.name
        wajib = c.required == "ya"
        a, w = f"_a_{n}", f"_w_{n}"

        if c.type == "kode_desa":
            # '5301042003' (digits only) is read as '53.01.04.2003'
            kd = ("CASE WHEN regexp_full_match(replace(_t, ' ', ''), '\\d{10}') THEN "
                  "regexp_replace(replace(_t, ' ', ''), '^(\\d\\d)(\\d\\d)(\\d\\d)(\\d{4})$', '\\1.\\2.\\3.\\4') "
                  "ELSE replace(_t, ' ', '') END")
            if c.required == "lokasi":
                kec, desa = by_name["kecamatan"], by_name["desa"]
                keys = {"kab": "kode_kabupaten", "v": src(n), "kec": src(kec.name), "ds": src(desa.name)}
                inner = (f"(SELECT d0.*, p3jr_teks(d0.v) AS _t, p3jr_teks(d0.kec) AS _tkec, p3jr_teks(d0.ds) AS _tds "
                         f"FROM (SELECT DISTINCT kode_kabupaten AS kab, {src(n)} AS v, {src(kec.name)} AS kec, "
                         f"{src(desa.name)} AS ds FROM {source}) d0)")
                # resolve the code, or the kecamatan name within the district then the desa within it
                p.ctes.append(f"""_d_{n} AS (SELECT x.kab, x.v, x.kec, x.ds,
                    CASE WHEN x._kd IS NOT NULL THEN (CASE WHEN starts_with(x._wd, x.kab || '.') THEN x._wd END)
                         WHEN x._punya_nama THEN x._nama_kode END AS _o_{n},
                    CASE WHEN x._kd IS NULL AND NOT x._punya_nama THEN {_st('wajib_kosong', n)}
                         WHEN x._kd IS NOT NULL AND x._wd IS NULL THEN {_st('desa_tidak_dikenal', n)}
                         WHEN x._kd IS NOT NULL AND NOT starts_with(x._wd, x.kab || '.') THEN {_st('desa_di_kabupaten_lain', n)}
                         WHEN x._kd IS NOT NULL THEN NULL
                         WHEN x._kec_kode IS NULL THEN {_st('desa_tidak_dikenal', kec.name)}
                         WHEN x._nama_kode IS NULL THEN {_st('desa_tidak_dikenal', desa.name)} END AS {a}
                  FROM (SELECT y.*, _wd.kode AS _wd, _kec.kode AS _kec_kode, _desa.kode AS _nama_kode
                        FROM (SELECT d.*, {kd} AS _kd, (d._tkec IS NOT NULL AND d._tds IS NOT NULL) AS _punya_nama
                              FROM {inner} d) y
                        LEFT JOIN ref.wilayah _wd ON _wd.tingkat = 'desa_kelurahan' AND _wd.kode = y._kd
                        LEFT JOIN _kec ON _kec.kode_induk = y.kab AND _kec.nama_norm = p3jr_norm(y._tkec)
                        LEFT JOIN _desa ON _desa.kode_induk = _kec.kode AND _desa.nama_norm = p3jr_norm(y._tds)) x)""")
                on = " AND ".join(f"_d_{n}.{k} IS NOT DISTINCT FROM s.{e}" for k, e in keys.items())
                p.joins.append(f"LEFT JOIN _d_{n} ON {on}")
                p.add(1, f"_d_{n}._o_{n}")
                p.add(1, f"_d_{n}.{a}")
                p.out.append(f"_o_{n} AS {n}")
                p.out.append("left(_o_" + n + ", 8) AS kode_kecamatan")
                p.alasan.append(a)
            else:
                ok = "(_wd.kode IS NOT NULL AND starts_with(_wd.kode, x.kab || '.'))"
                stage_b = [f"CASE WHEN {ok} THEN _wd.kode END AS _o_{n}"]
                if wajib:
                    stage_b.append(_r_case([("x._t IS NULL", "wajib_kosong", n),
                                            ("_wd.kode IS NULL", "desa_tidak_dikenal", n),
                                            (f"NOT {ok}", "desa_di_kabupaten_lain", n)]) + f" AS {a}")
                    p.alasan.append(a)
                else:
                    stage_b.append(_r(f"x._t IS NOT NULL AND NOT {ok}", "opsional_tidak_valid", n) + f" AS {w}")
                    p.warn.append(w)
                p.ctes.append(f"""_d_{n} AS (SELECT x.kab, x.v, {', '.join(stage_b)}
                    FROM (SELECT d.*, p3jr_teks(d.v) AS _t FROM (SELECT DISTINCT kode_kabupaten AS kab, {src(n)} AS v
                          FROM {source}) d) x
                    LEFT JOIN ref.wilayah _wd ON _wd.tingkat = 'desa_kelurahan'
                          AND _wd.kode = {kd.replace('_t', 'x._t')})""")
                p.joins.append(f"LEFT JOIN _d_{n} ON _d_{n}.kab IS NOT DISTINCT FROM s.kode_kabupaten "
                               f"AND _d_{n}.v IS NOT DISTINCT FROM s.{src(n)}")
                p.add(1, f"_d_{n}._o_{n}")
                p.add(1, f"_d_{n}.{a if wajib else w}")
                p.out.append(f"_o_{n} AS {n}")

        elif c.required == "lokasi":
            continue  # kecamatan / desa names: resolved together with kode_desa

        elif c.type == "nik":
            num = f"coalesce(s.{n}_numerik, false)" if f"{n}_numerik" in has else "false"
            p.add(0, f"p3jr_teks({src(n)}) AS _t_{n}")
            p.add(0, f"p3jr_nik({src(n)}) AS _c_{n}")
            p.add(0, f"p3jr_nik_sains({src(n)}) AS _sains_{n}")
            p.joins.append(f"LEFT JOIN ref.kode_provinsi _prov_{n} ON _prov_{n}.kode = substr(s._c_{n}, 1, 2)")
            p.add(1, f"_prov_{n}.kode IS NOT NULL AS _prov_ok_{n}")
            p.add(1, f"{num} AS _num_{n}")
            c_ = f"_c_{n}"
            p.add(2, f"regexp_full_match({c_}, '\\d{{16}}') AS _16_{n}")
            p.add(2, f"(_num_{n} AND right({c_}, 1) = '0') AS _rusak_{n}")
            p.add(2,
                  f"(_prov_ok_{n} "
                  f"AND (TRY_CAST(substr({c_}, 7, 2) AS INTEGER) BETWEEN 1 AND 31 "
                  f"OR TRY_CAST(substr({c_}, 7, 2) AS INTEGER) BETWEEN 41 AND 71) "
                  f"AND TRY_CAST(substr({c_}, 9, 2) AS INTEGER) BETWEEN 1 AND 12 "
                  f"AND substr({c_}, 13, 4) <> '0000') AS _struktur_{n}")
            p.add(3, f"coalesce(_t_{n} IS NOT NULL AND NOT _sains_{n} AND _16_{n} AND NOT _rusak_{n} "
                     f"AND _struktur_{n}, false) AS _ok_{n}")
            p.add(3, _r_case([(f"_t_{n} IS NULL", "wajib_kosong", n),
                              (f"_sains_{n}", "nik_rusak_excel", n),
                              (f"NOT _16_{n}", "nik_bukan_16_digit", n),
                              (f"_rusak_{n}", "nik_rusak_excel", n),
                              (f"NOT _struktur_{n}", "nik_tidak_valid", n)]) + f" AS {a}")
            p.alasan.append(a)
            p.add(4, _r(f"_ok_{n} AND left({c_}, 2) <> {_q(PROVINSI_SENDIRI)}", "nik_provinsi_lain", n) + f" AS {w}_provinsi")
            p.add(4, _r(f"_ok_{n} AND _num_{n}", "nik_format_angka", n) + f" AS {w}_angka")
            p.warn += [f"{w}_provinsi", f"{w}_angka"]
            p.out.append(f"CASE WHEN _ok_{n} THEN {c_} END AS {n}")
            p.out.append(f"CASE WHEN _ok_{n} THEN p3jr_nik_hash({c_}) END AS {n}_hash")

        elif c.type == "digit16":
            num = f"coalesce(s.{n}_numerik, false)" if f"{n}_numerik" in has else "false"
            p.add(0, f"p3jr_teks({src(n)}) AS _t_{n}")
            p.add(0, f"p3jr_nik({src(n)}) AS _c_{n}")
            p.add(1, f"{num} AS _num_{n}")
            p.add(2, f"coalesce(regexp_full_match(_c_{n}, '\\d{{16}}') AND NOT (_num_{n} AND right(_c_{n}, 1) = '0'), false) AS _ok_{n}")
            if wajib:
                p.add(3, _r_case([(f"_t_{n} IS NULL", "wajib_kosong", n),
                                  (f"NOT _ok_{n}", "nik_bukan_16_digit", n)]) + f" AS {a}")
                p.alasan.append(a)
            else:
                p.add(3, _r(f"_t_{n} IS NOT NULL AND NOT _ok_{n}", "opsional_tidak_valid", n) + f" AS {w}")
                p.warn.append(w)
            p.out.append(f"CASE WHEN _ok_{n} THEN _c_{n} END AS {n}")

        elif c.type == "teks":
            p.add(0, f"p3jr_teks({src(n)}) AS _t_{n}")
            p.out.append(f"_t_{n} AS {n}")
            if wajib:
                p.add(3, _r(f"_t_{n} IS NULL", "wajib_kosong", n) + f" AS {a}")
                p.alasan.append(a)

        elif c.type == "enum":
            v = "e.nilai"
            typed = f"CASE WHEN {v} IS NULL THEN NULL ELSE {v} = 'ya' END" if c.domain == "ya_tidak" else v
            stage_b = [f"{typed.replace('e.nilai', 'x._n')} AS _o_{n}"]
            if wajib:
                stage_b.append(_r_case([("x._t IS NULL", "wajib_kosong", n),
                                        ("x._n IS NULL", "nilai_tidak_dikenal", n)]) + f" AS {a}")
            else:
                stage_b.append(_r("x._t IS NOT NULL AND x._n IS NULL", "opsional_tidak_valid", n) + f" AS {w}")
            _dict_cte(p, f"_d_{n}", source, {"v": src(n)},
                      ["p3jr_teks(d.v) AS _t", "e.nilai AS _n"], stage_b,
                      [f"_o_{n}", a if wajib else w],
                      joins_a=f"LEFT JOIN ref.enum_alias e ON e.domain = {_q(c.domain)} "
                              f"AND e.alias_norm = p3jr_norm(p3jr_teks(d.v))")
            (p.alasan if wajib else p.warn).append(a if wajib else w)
            p.out.append(f"_o_{n} AS {n}")

        elif c.type in ("bilangan_bulat", "desimal", "rupiah"):
            parse = {"bilangan_bulat": "p3jr_bulat", "desimal": "p3jr_desimal", "rupiah": "p3jr_rupiah"}[c.type]
            sqltype = {"bilangan_bulat": "INTEGER", "desimal": "DOUBLE", "rupiah": "BIGINT"}[c.type]
            stage_a = ["p3jr_teks(d.v) AS _t", f"{parse}(d.v) AS _p"]
            if c.type == "desimal":
                # '1.250' is 1250 with a thousands dot or 1,25 with a decimal point: never guessed.
                # (Integers keep '1.234' = 1234, where a fraction would be invalid anyway; a numeric
                # Excel cell of 1.25 arrives as '1.25' and one of 1.125 as '1,125': readers._number_cell_text.)
                stage_a.append("coalesce(p3jr_desimal_ambigu(d.v), false) AS _amb")
                ok = f"(NOT x._amb AND {_between('x._p', c)})"
                amb = [("x._amb", "angka_ambigu" if wajib else "angka_ambigu_opsional", n)]
            else:
                ok, amb = _between("x._p", c), []
            stage_b = [f"CAST(CASE WHEN {ok} THEN x._p END AS {sqltype}) AS _o_{n}"]
            if wajib:
                stage_b.append(_r_case([("x._t IS NULL", "wajib_kosong", n), *amb,
                                        (f"NOT {ok}", "angka_tidak_valid", n)]) + f" AS {a}")
            else:
                stage_b.append(_r_case([*amb, (f"x._t IS NOT NULL AND NOT {ok}", "opsional_tidak_valid", n)])
                               + f" AS {w}")
            _dict_cte(p, f"_d_{n}", source, {"v": src(n)}, stage_a, stage_b, [f"_o_{n}", a if wajib else w])
            (p.alasan if wajib else p.warn).append(a if wajib else w)
            p.out.append(f"_o_{n} AS {n}")

        elif c.type == "tanggal":
            stage_b = [f"CASE WHEN x._p <= p3jr_tanggal_run() THEN x._p END AS _o_{n}"]
            if wajib:
                stage_b.append(_r_case([("x._t IS NULL", "wajib_kosong", n),
                                        ("x._p IS NULL OR x._p > p3jr_tanggal_run()", "nilai_tidak_dikenal", n)]) + f" AS {a}")
            else:
                stage_b.append(_r_case([("x._t IS NOT NULL AND x._p IS NULL", "opsional_tidak_valid", n),
                                        ("x._p > p3jr_tanggal_run()", "tanggal_di_masa_depan", n)]) + f" AS {w}")
            _dict_cte(p, f"_d_{n}", source, {"v": src(n)},
                      ["p3jr_teks(d.v) AS _t", "p3jr_tanggal(d.v) AS _p"], stage_b, [f"_o_{n}", a if wajib else w])
            (p.alasan if wajib else p.warn).append(a if wajib else w)
            p.out.append(f"_o_{n} AS {n}")

        elif c.type == "koordinat":
            p.add(0, f"p3jr_teks({src(n)}) AS _t_{n}")
            p.add(0, f"p3jr_desimal({src(n)}) AS _p_{n}")
            if c is not koordinat[-1]:
                continue
            ada = " OR ".join(f"_t_{k.name} IS NOT NULL" for k in koordinat)
            ok = " AND ".join(_between(f"_p_{k.name}", k) for k in koordinat)
            p.add(2, f"({ok}) AS _ok_koordinat")
            for k in koordinat:
                p.out.append(f"CASE WHEN _ok_koordinat THEN _p_{k.name} END AS {k.name}")
            p.add(3, _r(f"({ada}) AND NOT _ok_koordinat", "koordinat_tidak_valid",
                        ",".join(k.name for k in koordinat)) + " AS _w_koordinat")
            p.warn.append("_w_koordinat")

        elif c.type == "kode_kabupaten":
            # '53.1' (a numeric cell of 53.10) and '5310' are read as '53.10'
            kk = ("CASE WHEN regexp_full_match(x._t, '\\d\\d\\.\\d') THEN x._t || '0' "
                  "WHEN regexp_full_match(x._t, '\\d{4}') THEN left(x._t, 2) || '.' || right(x._t, 2) "
                  "ELSE replace(x._t, ' ', '') END")
            stage_b = [_r_case([("x._t IS NULL", "wajib_kosong", n),
                                (f"{kk} IS DISTINCT FROM x.kab", "kabupaten_tidak_sesuai", n)]) + f" AS {a}"]
            _dict_cte(p, f"_d_{n}", source, {"kab": "kode_kabupaten", "v": src(n)},
                      ["p3jr_teks(d.v) AS _t"], stage_b, [a])
            p.alasan.append(a)
        else:
            raise ValueError(f"tipe kolom tidak dikenal di columns.csv: {c.kind}.{n} = {c.type}")

    if kind == "realisasi_program" and "unit_selesai" in by_name and "unit_rencana" in by_name:
        p.add(3, _r("_o_unit_selesai > _o_unit_rencana", "unit_selesai_melebihi_rencana", "unit_selesai")
              + " AS _w_unit_selesai_rencana")
        p.warn.append("_w_unit_selesai_rencana")
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


def _struct_list(names: list[str], lists: tuple[str, ...] = ()) -> str:
    """Sorted list of the non-NULL structs in columns ``names``, plus the structs of list columns ``lists``."""
    if not names and not lists:
        return f"CAST([] AS {STRUCT_ALASAN})"
    none = " AND ".join([f"{x} IS NULL" for x in names] + [f"len({x}) = 0" for x in lists])
    items = f"list_filter([{', '.join(names)}], lambda x: x IS NOT NULL)" if names else f"CAST([] AS {STRUCT_ALASAN})"
    for x in lists:
        items = f"list_concat({items}, {x})"
    return (f"CASE WHEN {none} THEN CAST([] AS {STRUCT_ALASAN}) ELSE CAST(list_sort({items}) AS {STRUCT_ALASAN}) END")


def _masalah_baca_sql(col: str) -> str:
    """The reader's ``masalah_baca`` ('code:kolom;code:kolom', NULL when fine) as reason structs: a row the
    reader kept despite a problem in a cell (NUL, over-long cell, Excel error, formula without value)."""
    items = f"list_filter(string_split({col}, ';'), lambda x: trim(x) <> '')"
    struct = ("{'kode': trim(CASE WHEN strpos(x, ':') > 0 THEN left(x, strpos(x, ':') - 1) ELSE x END), "
              "'kolom': CASE WHEN strpos(x, ':') > 0 THEN substr(x, strpos(x, ':') + 1) END}")
    return (f"CASE WHEN {col} IS NULL OR trim({col}) = '' THEN CAST([] AS {STRUCT_ALASAN}) "
            f"ELSE CAST(list_transform({items}, lambda x: {struct}) AS {STRUCT_ALASAN}) END")


def build_sql(kind: str, source: str, source_columns: list[str], *,
              kolom_kabupaten_baris: str = KOLOM_KABUPATEN_BARIS) -> str:
    """The SELECT that evaluates every row of ``source`` (exposed for inspection and tests)."""
    has = set(source_columns)
    p = _plan(kind, source, has, kolom_kabupaten_baris)
    canon = contract.column_names(kind)

    def raw_name(n: str) -> str:
        return kolom_kabupaten_baris if (kind == "realisasi_program" and n == "kode_kabupaten") else n

    nilai_asli = "json_object(" + ", ".join(f"{_q(n)}, CAST({_ident(raw_name(n))} AS VARCHAR)" for n in canon) + ")"
    # original values on every row: an accepted row may still lose a duplicate contest later, against
    # rows evaluated in another run (resolve_duplicates sees the whole province, evaluate may not)
    extra = ", kolom_tambahan" if "kolom_tambahan" in has else ""
    prov = ", ".join(f"CAST({c} AS {'BIGINT' if c == 'baris' else 'VARCHAR'}) AS {c}" for c in PROVENANCE)
    ctes = [
        """_kec AS (SELECT kode_induk, nama_norm, CASE WHEN count(*) = 1 THEN min(kode) END AS kode
              FROM ref.wilayah WHERE tingkat = 'kecamatan' GROUP BY ALL)""",
        """_desa AS (SELECT kode_induk, nama_norm, CASE WHEN count(*) = 1 THEN min(kode) END AS kode
              FROM ref.wilayah WHERE tingkat = 'desa_kelurahan' GROUP BY ALL)""",
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
    total). Losers get ``duplikat_nik`` appended to ``alasan`` (UPDATE in place; only losers change).
    """
    dup = "{'kode': 'duplikat_nik', 'kolom': 'nik'}"
    con.execute(f"""
        WITH ganda AS (SELECT nik FROM {evaluated} WHERE len(alasan) = 0 AND nik IS NOT NULL
                       GROUP BY nik HAVING count(*) > 1),
        ft AS (SELECT file_hash, max(waktu_file) AS waktu_file FROM {file_times} GROUP BY file_hash),
        kandidat AS (
            SELECT e.rowid AS rid,
                   row_number() OVER (
                       PARTITION BY e.nik
                       ORDER BY e.tanggal_pendataan DESC NULLS LAST, ft.waktu_file DESC NULLS LAST,
                                e.file_hash DESC NULLS LAST, e.baris DESC NULLS LAST,
                                e.sheet DESC NULLS LAST, e.kode_kabupaten DESC NULLS LAST
                   ) AS urut
            FROM {evaluated} e SEMI JOIN ganda g ON g.nik = e.nik
            LEFT JOIN ft ON ft.file_hash = e.file_hash
            WHERE len(e.alasan) = 0
        )
        UPDATE {evaluated} SET alasan = CAST(list_sort(list_append(alasan, {dup})) AS {STRUCT_ALASAN})
        WHERE rowid IN (SELECT rid FROM kandidat WHERE urut > 1)
    """)


# --------------------------------------------------------------------------------------------
# outcomes
# --------------------------------------------------------------------------------------------

_PROV_DDL = "kode_kabupaten VARCHAR, file_hash VARCHAR, nama_file VARCHAR, sheet VARCHAR, baris BIGINT"


def _ensure_outcome_tables(con: duckdb.DuckDBPyConnection, quarantine: str = "quality.karantina",
                           warnings: str = "quality.peringatan") -> None:
    con.execute("CREATE SCHEMA IF NOT EXISTS quality")
    con.execute(f"""CREATE TABLE IF NOT EXISTS {quarantine} (
        jenis VARCHAR, {_PROV_DDL}, alasan VARCHAR[], kolom VARCHAR[], pesan VARCHAR, nilai_asli JSON)""")
    con.execute(f"""CREATE TABLE IF NOT EXISTS {warnings} (
        jenis VARCHAR, {_PROV_DDL}, kode VARCHAR, kolom VARCHAR, pesan VARCHAR)""")


def _pesan_sql(kind: str, alias: str) -> str:
    """Indonesian message of one reason struct ``alias`` ({kolom}/{min}/{max} substituted)."""
    return (f"replace(replace(replace(_al.pesan, '{{kolom}}', coalesce({alias}.kolom, '')), "
            f"'{{min}}', coalesce(_ko.min_teks, '')), '{{max}}', coalesce(_ko.max_teks, ''))")


def write_outcomes(con: duckdb.DuckDBPyConnection, kind: str, evaluated: str, *,
                   accepted: str | None = "", quarantine: str = "quality.karantina",
                   warnings: str = "quality.peringatan") -> dict:
    """Accepted table, this kind's quarantine and warning rows; returns the counts.

    The same outcome for held submissions goes to other tables (``accepted=None``: no accepted
    table, the rows are counted only), so the marts never see them."""
    accepted = f"quality.{kind}_diterima" if accepted == "" else accepted
    if kind not in contract.KINDS:
        raise ValueError(f"jenis tidak dikenal: {kind}")
    cols = ", ".join(output_columns(kind))
    prov = ", ".join(PROVENANCE)
    j = _q(kind)
    try:
        con.execute("BEGIN TRANSACTION")
        own = True
    except duckdb.TransactionException:  # the caller already holds a transaction: work inside it
        own = False
    try:
        _ensure_outcome_tables(con, quarantine, warnings)
        if accepted:
            con.execute(f"""CREATE OR REPLACE TABLE {accepted} AS
                SELECT {cols} FROM {evaluated} WHERE len(alasan) = 0 ORDER BY {prov}""")
        con.execute(f"DELETE FROM {quarantine} WHERE jenis = {j}")
        con.execute(f"""INSERT INTO {quarantine} BY NAME
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
        con.execute(f"DELETE FROM {warnings} WHERE jenis = {j}")
        con.execute(f"""INSERT INTO {warnings} BY NAME
            WITH u AS (SELECT {prov}, unnest(peringatan) AS a FROM {evaluated}
                       WHERE len(alasan) = 0 AND len(peringatan) > 0)
            SELECT {j} AS jenis, {prov}, u.a.kode AS kode, u.a.kolom AS kolom, {_pesan_sql(kind, 'u.a')} AS pesan
            FROM u JOIN ref.alasan _al ON _al.kode = u.a.kode
            LEFT JOIN ref.kolom _ko ON _ko.jenis = {j} AND _ko.kolom = u.a.kolom
            ORDER BY {prov}, kode, kolom""")
        counts = con.execute(f"""SELECT
                (SELECT count(*) FROM {evaluated}),
                (SELECT count(*) FROM {evaluated} WHERE len(alasan) = 0),
                (SELECT count(*) FROM {quarantine} WHERE jenis = {j}),
                (SELECT count(*) FROM {warnings} WHERE jenis = {j})""").fetchone()
        if own:
            con.execute("COMMIT")
    except BaseException:
        if own:
            con.execute("ROLLBACK")
        raise
    return dict(zip(("dibaca", "diterima", "karantina", "peringatan"), counts))


def reason_counts(con: duckdb.DuckDBPyConnection, evaluated: str) -> dict[str, int]:
    """Quarantine reason code → number of rows carrying it (a row may count under several codes)."""
    rows = con.execute(f"""SELECT a.kode, count(DISTINCT (kode_kabupaten, file_hash, sheet, baris))
        FROM (SELECT kode_kabupaten, file_hash, sheet, baris, unnest(alasan) AS a FROM {evaluated})
        GROUP BY 1 ORDER BY 1""").fetchall()
    return {k: n for k, n in rows}
