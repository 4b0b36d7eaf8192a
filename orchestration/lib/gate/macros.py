"""Parsing macros of the row rules: TEMPORARY (connection-scoped) DuckDB macros.

The pseudonym key and the run date never land in the warehouse file; :func:`install_macros` must
run on every connection before the compiled SQL (compiler.py) is executed.
"""

from __future__ import annotations

from datetime import date

import duckdb

from orchestration.lib.warehouse import quote_literal as _q
from sources import contract

# Indonesian month names and the abbreviations seen in sheets (plus English ones Excel may print).
BULAN: dict[str, int] = {
    "januari": 1,
    "jan": 1,
    "january": 1,
    "februari": 2,
    "pebruari": 2,
    "feb": 2,
    "peb": 2,
    "february": 2,
    "maret": 3,
    "mar": 3,
    "march": 3,
    "april": 4,
    "apr": 4,
    "mei": 5,
    "may": 5,
    "juni": 6,
    "jun": 6,
    "june": 6,
    "juli": 7,
    "jul": 7,
    "july": 7,
    "agustus": 8,
    "agu": 8,
    "agt": 8,
    "ags": 8,
    "agus": 8,
    "aug": 8,
    "august": 8,
    "september": 9,
    "sep": 9,
    "sept": 9,
    "oktober": 10,
    "okt": 10,
    "oct": 10,
    "october": 10,
    "november": 11,
    "nopember": 11,
    "nov": 11,
    "nop": 11,
    "desember": 12,
    "des": 12,
    "dec": 12,
    "december": 12,
}


def macro_sql(run_date: date, pseudonym_key: str) -> list[str]:
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
        m
        + f"""p3jr__teks(v) AS CASE WHEN regexp_matches(v, '^{blank_re}|{blank_re}$')
            THEN nullif(trim(v, {_q(blanks)}), '') ELSE nullif(v, '') END""",
        m + "p3jr_teks(x) AS p3jr__teks(CAST(x AS VARCHAR))",
        # contract.normalize(): lower, accents, drop everything but [0-9a-z]
        m + f"p3jr_norm(x) AS regexp_replace(translate(lower(CAST(x AS VARCHAR)), {_q(acc_from)}, {_q(acc_to)}), "
        f"{_q(contract.NORMALIZE_SQL_PATTERN)}, '', 'g')",
        # numbers: spaces dropped, unicode minus → '-'
        m
        + f"""p3jr__angka_bersih2(t) AS CASE WHEN regexp_matches(t, '{blank_re}|\\x{{2212}}')
            THEN regexp_replace(replace(t, chr(8722), '-'), '{blank_re}', '', 'g') ELSE t END""",
        m + "p3jr__angka_bersih(x) AS p3jr__angka_bersih2(p3jr_teks(x))",
        # decimal: '36,5' '36.5' '1.234,5' '1.234.567' '1,234.5' '1e3'; a single '.' or ',' is the decimal mark
        m
        + """p3jr__desimal(s) AS CASE
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
        m
        + """p3jr__bulat(s) AS CASE
            WHEN regexp_full_match(s, '[+-]?\\d{1,3}(\\.\\d{3})+') THEN TRY_CAST(replace(s, '.', '') AS BIGINT)
            ELSE p3jr__bulat_dari(p3jr__desimal(s))
        END""",
        m + "p3jr_bulat(x) AS p3jr__bulat(p3jr__angka_bersih(x))",
        # rupiah: 'Rp 1.500.000', 'Rp. 1.500.000,-', '1500000', '1,5 juta', '2 jt', 'Rp1,5jt', '750 rb'
        m
        + """p3jr__rupiah_angka(s) AS CASE
            WHEN regexp_full_match(s, '[+-]?\\d{1,3}(\\.\\d{3})+(,\\d{1,2})?') THEN TRY_CAST(replace(replace(s, '.', ''), ',', '.') AS DOUBLE)
            WHEN regexp_full_match(s, '[+-]?\\d{1,3}(,\\d{3})+(\\.\\d{1,2})?') THEN TRY_CAST(replace(s, ',', '') AS DOUBLE)
            WHEN regexp_full_match(s, '[+-]?\\d+([.,]\\d{1,2})?') THEN TRY_CAST(replace(s, ',', '.') AS DOUBLE)
            WHEN regexp_full_match(s, '[+-]?\\d+(\\.\\d+)?[eE]\\+?\\d+') THEN TRY_CAST(s AS DOUBLE)
        END""",
        m
        + """p3jr__rupiah(s) AS CASE
            WHEN regexp_matches(s, '\\d(juta|jt)$') THEN p3jr__desimal(regexp_replace(s, '(juta|jt)$', '')) * 1000000
            WHEN regexp_matches(s, '\\d(ribu|rb)$') THEN p3jr__desimal(regexp_replace(s, '(ribu|rb)$', '')) * 1000
            WHEN regexp_matches(s, '\\d(miliar|milyar)$') THEN p3jr__desimal(regexp_replace(s, '(miliar|milyar)$', '')) * 1000000000
            ELSE p3jr__rupiah_angka(s)
        END""",
        m
        + """p3jr_rupiah(x) AS CAST(round(p3jr__rupiah(regexp_replace(regexp_replace(lower(p3jr__angka_bersih(x)),
            '^(rp\\.?|idr)', ''), '[.,]?-+$', ''))) AS BIGINT)""",
        # dates: ISO, dd/mm/yyyy, dd-mm-yyyy, dd.mm.yyyy, '12 Januari 2025' / '12 Agt 2025' / '12-Jan-2025',
        # Excel serial 20000–80000 ('45669', '45669.0'); a trailing time ('00:00:00') is ignored
        m + f"p3jr__bulan(b) AS CASE b {bulan_case} END",
        m
        + """p3jr__tanggal(t) AS CASE
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
        m
        + """p3jr_tanggal(x) AS p3jr__tanggal(regexp_replace(regexp_replace(lower(p3jr_teks(x)), '\\s+', ' ', 'g'),
            '[ t]\\d{1,2}[:.]\\d{2}([:.]\\d{2}([.,]\\d+)?)?$', ''))""",
        # NIK / No. KK: trim, one leading apostrophe, a '.0' a numeric cell may carry, then spaces and dots
        m
        + f"""p3jr__nik(t) AS CASE WHEN regexp_full_match(t, '\\d{{16}}') THEN t
            ELSE regexp_replace(regexp_replace(regexp_replace(t, '^[''`\\x{{2018}}\\x{{2019}}]', ''),
                 '^(\\d{{16}})\\.0+$', '\\1'), '[.]|{blank_re}', '', 'g') END""",
        m + "p3jr_nik(x) AS p3jr__nik(p3jr_teks(x))",
        # Excel scientific notation of a long number: '5.30104E+15', '5,30104E+15'
        m
        + """p3jr__nik_sains(t) AS CASE WHEN strpos(t, 'E') = 0 AND strpos(t, 'e') = 0 THEN false
            ELSE regexp_full_match(t, '[''`]?\\d+([.,]\\d+)?\\s*[eE]\\+\\d{1,2}') END""",
        m + "p3jr_nik_sains(x) AS p3jr__nik_sains(p3jr_teks(x))",
        m + f"p3jr_tanggal_run() AS DATE {_q(run_date.isoformat())}",
        m + f"p3jr_kunci() AS {_q(pseudonym_key)}",
        m + "p3jr_nik_hash(nik) AS sha256(p3jr_kunci() || nik)",
    ]


def install_macros(con: duckdb.DuckDBPyConnection, *, run_date: date, pseudonym_key: str) -> None:
    if not pseudonym_key:
        raise ValueError("pseudonym_key kosong: NIK tidak boleh di-hash tanpa kunci")
    for sql in macro_sql(run_date, pseudonym_key):
        con.execute(sql)
