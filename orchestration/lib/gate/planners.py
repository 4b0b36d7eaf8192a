"""One small SQL planner per contract column type (``columns.csv`` ``tipe``), behind a dispatch dict.

Speed: most columns have few distinct values (enums, counts, dates, money, area codes), so their
rules run once per *distinct raw value* in a small "dictionary" CTE joined back to the rows; only
high-cardinality columns (NIK, No. KK, names, coordinates) are evaluated row by row. Either way
every rule is one SQL expression generated from the contract. compiler.py assembles the pieces.
"""

from __future__ import annotations

from collections.abc import Callable

from orchestration.lib.gate.lookups import PROVINSI_SENDIRI
from orchestration.lib.gate.planner_base import (
    Ctx,
    Plan,
    _between,
    _dict_cte,
    _r,
    _r_case,
    _st,
)
from orchestration.lib.warehouse import quote_literal as _q
from sources import contract

_KODE_DESA = (
    "CASE WHEN regexp_full_match(replace(_t, ' ', ''), '\\d{10}') THEN "
    "regexp_replace(replace(_t, ' ', ''), '^(\\d\\d)(\\d\\d)(\\d\\d)(\\d{4})$', '\\1.\\2.\\3.\\4') "
    "ELSE replace(_t, ' ', '') END"
)


def _plan_kode_desa_lokasi(p: Plan, c: contract.Column, ctx: Ctx) -> None:
    """kode_desa, or the kecamatan + desa names resolved within the district (required = lokasi)."""
    n = c.name
    a = f"_a_{c.name}"
    src = ctx.src
    source = ctx.source
    by_name = ctx.by_name
    kec, desa = by_name["kecamatan"], by_name["desa"]
    keys = {"kab": "kode_kabupaten", "v": src(n), "kec": src(kec.name), "ds": src(desa.name)}
    inner = (
        f"(SELECT d0.*, p3jr_teks(d0.v) AS _t, p3jr_teks(d0.kec) AS _tkec, p3jr_teks(d0.ds) AS _tds "
        f"FROM (SELECT DISTINCT kode_kabupaten AS kab, {src(n)} AS v, {src(kec.name)} AS kec, "
        f"{src(desa.name)} AS ds FROM {source}) d0)"
    )
    # resolve the code, or the kecamatan name within the district then the desa within it
    p.ctes.append(f"""_d_{n} AS (SELECT x.kab, x.v, x.kec, x.ds,
        CASE WHEN x._kd IS NOT NULL THEN (CASE WHEN starts_with(x._wd, x.kab || '.') THEN x._wd END)
             WHEN x._punya_nama THEN x._nama_kode END AS _o_{n},
        CASE WHEN x._kd IS NULL AND NOT x._punya_nama THEN {_st("wajib_kosong", n)}
             WHEN x._kd IS NOT NULL AND x._wd IS NULL THEN {_st("desa_tidak_dikenal", n)}
             WHEN x._kd IS NOT NULL AND NOT starts_with(x._wd, x.kab || '.') THEN {_st("desa_di_kabupaten_lain", n)}
             WHEN x._kd IS NOT NULL THEN NULL
             WHEN x._kec_kode IS NULL THEN {_st("desa_tidak_dikenal", kec.name)}
             WHEN x._nama_kode IS NULL THEN {_st("desa_tidak_dikenal", desa.name)} END AS {a}
      FROM (SELECT y.*, _wd.kode AS _wd, _kec.kode AS _kec_kode, _desa.kode AS _nama_kode
            FROM (SELECT d.*, {_KODE_DESA} AS _kd, (d._tkec IS NOT NULL AND d._tds IS NOT NULL) AS _punya_nama
                  FROM {inner} d) y
            LEFT JOIN lookup_wilayah _wd ON _wd.tingkat = 'desa_kelurahan' AND _wd.kode = y._kd
            LEFT JOIN _kec ON _kec.kode_induk = y.kab AND _kec.nama_norm = p3jr_norm(y._tkec)
            LEFT JOIN _desa ON _desa.kode_induk = _kec.kode AND _desa.nama_norm = p3jr_norm(y._tds)) x)""")
    on = " AND ".join(f"_d_{n}.{k} IS NOT DISTINCT FROM s.{e}" for k, e in keys.items())
    p.joins.append(f"LEFT JOIN _d_{n} ON {on}")
    p.add(1, f"_d_{n}._o_{n}")
    p.add(1, f"_d_{n}.{a}")
    p.out.append(f"_o_{n} AS {n}")
    p.out.append("left(_o_" + n + ", 8) AS kode_kecamatan")
    p.alasan.append(a)


def _plan_kode_desa(p: Plan, c: contract.Column, ctx: Ctx) -> None:
    """kode_desa given as a code only (realisasi: optional)."""
    n = c.name
    wajib = c.required == "ya"
    a = f"_a_{c.name}"
    w = f"_w_{c.name}"
    src = ctx.src
    source = ctx.source
    ok = "(_wd.kode IS NOT NULL AND starts_with(_wd.kode, x.kab || '.'))"
    stage_b = [f"CASE WHEN {ok} THEN _wd.kode END AS _o_{n}"]
    if wajib:
        stage_b.append(
            _r_case(
                [
                    ("x._t IS NULL", "wajib_kosong", n),
                    ("_wd.kode IS NULL", "desa_tidak_dikenal", n),
                    (f"NOT {ok}", "desa_di_kabupaten_lain", n),
                ]
            )
            + f" AS {a}"
        )
        p.alasan.append(a)
    else:
        stage_b.append(_r(f"x._t IS NOT NULL AND NOT {ok}", "opsional_tidak_valid", n) + f" AS {w}")
        p.warn.append(w)
    p.ctes.append(f"""_d_{n} AS (SELECT x.kab, x.v, {", ".join(stage_b)}
        FROM (SELECT d.*, p3jr_teks(d.v) AS _t FROM (SELECT DISTINCT kode_kabupaten AS kab, {src(n)} AS v
              FROM {source}) d) x
        LEFT JOIN lookup_wilayah _wd ON _wd.tingkat = 'desa_kelurahan'
              AND _wd.kode = {_KODE_DESA.replace("_t", "x._t")})""")
    p.joins.append(
        f"LEFT JOIN _d_{n} ON _d_{n}.kab IS NOT DISTINCT FROM s.kode_kabupaten "
        f"AND _d_{n}.v IS NOT DISTINCT FROM s.{src(n)}"
    )
    p.add(1, f"_d_{n}._o_{n}")
    p.add(1, f"_d_{n}.{a if wajib else w}")
    p.out.append(f"_o_{n} AS {n}")


def _plan_nik(p: Plan, c: contract.Column, ctx: Ctx) -> None:
    """NIK: cleaned, checked in the contract's order; warnings for another province or a numeric cell."""
    n = c.name
    a = f"_a_{c.name}"
    w = f"_w_{c.name}"
    src = ctx.src
    has = ctx.has
    num = f"coalesce(s.{n}_numerik, false)" if f"{n}_numerik" in has else "false"
    p.add(0, f"p3jr_teks({src(n)}) AS _t_{n}")
    p.add(0, f"p3jr_nik({src(n)}) AS _c_{n}")
    p.add(0, f"p3jr_nik_sains({src(n)}) AS _sains_{n}")
    p.joins.append(f"LEFT JOIN lookup_kode_provinsi _prov_{n} ON _prov_{n}.kode = substr(s._c_{n}, 1, 2)")
    p.add(1, f"_prov_{n}.kode IS NOT NULL AS _prov_ok_{n}")
    p.add(1, f"{num} AS _num_{n}")
    c_ = f"_c_{n}"
    p.add(2, f"regexp_full_match({c_}, '\\d{{16}}') AS _16_{n}")
    p.add(2, f"(_num_{n} AND right({c_}, 1) = '0') AS _rusak_{n}")
    p.add(
        2,
        f"(_prov_ok_{n} "
        f"AND (TRY_CAST(substr({c_}, 7, 2) AS INTEGER) BETWEEN 1 AND 31 "
        f"OR TRY_CAST(substr({c_}, 7, 2) AS INTEGER) BETWEEN 41 AND 71) "
        f"AND TRY_CAST(substr({c_}, 9, 2) AS INTEGER) BETWEEN 1 AND 12 "
        f"AND substr({c_}, 13, 4) <> '0000') AS _struktur_{n}",
    )
    p.add(
        3,
        f"coalesce(_t_{n} IS NOT NULL AND NOT _sains_{n} AND _16_{n} AND NOT _rusak_{n} "
        f"AND _struktur_{n}, false) AS _ok_{n}",
    )
    p.add(
        3,
        _r_case(
            [
                (f"_t_{n} IS NULL", "wajib_kosong", n),
                (f"_sains_{n}", "nik_rusak_excel", n),
                (f"NOT _16_{n}", "nik_bukan_16_digit", n),
                (f"_rusak_{n}", "nik_rusak_excel", n),
                (f"NOT _struktur_{n}", "nik_tidak_valid", n),
            ]
        )
        + f" AS {a}",
    )
    p.alasan.append(a)
    p.add(4, _r(f"_ok_{n} AND left({c_}, 2) <> {_q(PROVINSI_SENDIRI)}", "nik_provinsi_lain", n) + f" AS {w}_provinsi")
    p.add(4, _r(f"_ok_{n} AND _num_{n}", "nik_format_angka", n) + f" AS {w}_angka")
    p.warn += [f"{w}_provinsi", f"{w}_angka"]
    p.out.append(f"CASE WHEN _ok_{n} THEN {c_} END AS {n}")
    p.out.append(f"CASE WHEN _ok_{n} THEN p3jr_nik_hash({c_}) END AS {n}_hash")


def _plan_digit16(p: Plan, c: contract.Column, ctx: Ctx) -> None:
    """A 16-digit number that is not a NIK (No. KK)."""
    n = c.name
    wajib = c.required == "ya"
    a = f"_a_{c.name}"
    w = f"_w_{c.name}"
    src = ctx.src
    has = ctx.has
    num = f"coalesce(s.{n}_numerik, false)" if f"{n}_numerik" in has else "false"
    p.add(0, f"p3jr_teks({src(n)}) AS _t_{n}")
    p.add(0, f"p3jr_nik({src(n)}) AS _c_{n}")
    p.add(1, f"{num} AS _num_{n}")
    p.add(
        2,
        f"coalesce(regexp_full_match(_c_{n}, '\\d{{16}}') AND NOT (_num_{n} AND right(_c_{n}, 1) = '0'), false) AS _ok_{n}",
    )
    if wajib:
        p.add(
            3, _r_case([(f"_t_{n} IS NULL", "wajib_kosong", n), (f"NOT _ok_{n}", "nik_bukan_16_digit", n)]) + f" AS {a}"
        )
        p.alasan.append(a)
    else:
        p.add(3, _r(f"_t_{n} IS NOT NULL AND NOT _ok_{n}", "opsional_tidak_valid", n) + f" AS {w}")
        p.warn.append(w)
    p.out.append(f"CASE WHEN _ok_{n} THEN _c_{n} END AS {n}")


def _plan_teks(p: Plan, c: contract.Column, ctx: Ctx) -> None:
    """Free text: trimmed; required → wajib_kosong when empty."""
    n = c.name
    wajib = c.required == "ya"
    a = f"_a_{c.name}"
    src = ctx.src
    p.add(0, f"p3jr_teks({src(n)}) AS _t_{n}")
    p.out.append(f"_t_{n} AS {n}")
    if wajib:
        p.add(3, _r(f"_t_{n} IS NULL", "wajib_kosong", n) + f" AS {a}")
        p.alasan.append(a)


def _plan_enum(p: Plan, c: contract.Column, ctx: Ctx) -> None:
    """Enum: normalize()d value looked up in lookup_enum_alias (ya_tidak stored as BOOLEAN)."""
    n = c.name
    wajib = c.required == "ya"
    a = f"_a_{c.name}"
    w = f"_w_{c.name}"
    src = ctx.src
    source = ctx.source
    v = "e.nilai"
    typed = f"CASE WHEN {v} IS NULL THEN NULL ELSE {v} = 'ya' END" if c.domain == "ya_tidak" else v
    stage_b = [f"{typed.replace('e.nilai', 'x._n')} AS _o_{n}"]
    if wajib:
        stage_b.append(
            _r_case([("x._t IS NULL", "wajib_kosong", n), ("x._n IS NULL", "nilai_tidak_dikenal", n)]) + f" AS {a}"
        )
    else:
        stage_b.append(_r("x._t IS NOT NULL AND x._n IS NULL", "opsional_tidak_valid", n) + f" AS {w}")
    _dict_cte(
        p,
        f"_d_{n}",
        source,
        {"v": src(n)},
        ["p3jr_teks(d.v) AS _t", "e.nilai AS _n"],
        stage_b,
        [f"_o_{n}", a if wajib else w],
        joins_a=f"LEFT JOIN lookup_enum_alias e ON e.domain = {_q(c.domain)} AND e.alias_norm = p3jr_norm(p3jr_teks(d.v))",
    )
    (p.alasan if wajib else p.warn).append(a if wajib else w)
    p.out.append(f"_o_{n} AS {n}")


def _plan_angka(p: Plan, c: contract.Column, ctx: Ctx) -> None:
    """Integers, decimals and rupiah: parsed once per distinct value, range from columns.csv."""
    n = c.name
    wajib = c.required == "ya"
    a = f"_a_{c.name}"
    w = f"_w_{c.name}"
    src = ctx.src
    source = ctx.source
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
        stage_b.append(
            _r_case([("x._t IS NULL", "wajib_kosong", n), *amb, (f"NOT {ok}", "angka_tidak_valid", n)]) + f" AS {a}"
        )
    else:
        stage_b.append(_r_case([*amb, (f"x._t IS NOT NULL AND NOT {ok}", "opsional_tidak_valid", n)]) + f" AS {w}")
    _dict_cte(p, f"_d_{n}", source, {"v": src(n)}, stage_a, stage_b, [f"_o_{n}", a if wajib else w])
    (p.alasan if wajib else p.warn).append(a if wajib else w)
    p.out.append(f"_o_{n} AS {n}")


def _plan_tanggal(p: Plan, c: contract.Column, ctx: Ctx) -> None:
    """Dates: parsed once per distinct value; a future date is nulled with a warning."""
    n = c.name
    wajib = c.required == "ya"
    a = f"_a_{c.name}"
    w = f"_w_{c.name}"
    src = ctx.src
    source = ctx.source
    stage_b = [f"CASE WHEN x._p <= p3jr_tanggal_run() THEN x._p END AS _o_{n}"]
    if wajib:
        stage_b.append(
            _r_case(
                [
                    ("x._t IS NULL", "wajib_kosong", n),
                    ("x._p IS NULL OR x._p > p3jr_tanggal_run()", "nilai_tidak_dikenal", n),
                ]
            )
            + f" AS {a}"
        )
    else:
        stage_b.append(
            _r_case(
                [
                    ("x._t IS NOT NULL AND x._p IS NULL", "opsional_tidak_valid", n),
                    ("x._p > p3jr_tanggal_run()", "tanggal_di_masa_depan", n),
                ]
            )
            + f" AS {w}"
        )
    _dict_cte(
        p,
        f"_d_{n}",
        source,
        {"v": src(n)},
        ["p3jr_teks(d.v) AS _t", "p3jr_tanggal(d.v) AS _p"],
        stage_b,
        [f"_o_{n}", a if wajib else w],
    )
    (p.alasan if wajib else p.warn).append(a if wajib else w)
    p.out.append(f"_o_{n} AS {n}")


def _plan_koordinat(p: Plan, c: contract.Column, ctx: Ctx) -> None:
    """Latitude and longitude are judged together, on the last coordinate column."""
    n = c.name
    src = ctx.src
    koordinat = ctx.koordinat
    p.add(0, f"p3jr_teks({src(n)}) AS _t_{n}")
    p.add(0, f"p3jr_desimal({src(n)}) AS _p_{n}")
    if c is not koordinat[-1]:
        return
    ada = " OR ".join(f"_t_{k.name} IS NOT NULL" for k in koordinat)
    ok = " AND ".join(_between(f"_p_{k.name}", k) for k in koordinat)
    p.add(2, f"({ok}) AS _ok_koordinat")
    for k in koordinat:
        p.out.append(f"CASE WHEN _ok_koordinat THEN _p_{k.name} END AS {k.name}")
    p.add(
        3,
        _r(f"({ada}) AND NOT _ok_koordinat", "koordinat_tidak_valid", ",".join(k.name for k in koordinat))
        + " AS _w_koordinat",
    )
    p.warn.append("_w_koordinat")


def _plan_kode_kabupaten(p: Plan, c: contract.Column, ctx: Ctx) -> None:
    """realisasi: the district code typed on the row must equal the landing folder."""
    n = c.name
    a = f"_a_{c.name}"
    src = ctx.src
    source = ctx.source
    # '53.1' (a numeric cell of 53.10) and '5310' are read as '53.10'
    kk = (
        "CASE WHEN regexp_full_match(x._t, '\\d\\d\\.\\d') THEN x._t || '0' "
        "WHEN regexp_full_match(x._t, '\\d{4}') THEN left(x._t, 2) || '.' || right(x._t, 2) "
        "ELSE replace(x._t, ' ', '') END"
    )
    stage_b = [
        _r_case([("x._t IS NULL", "wajib_kosong", n), (f"{kk} IS DISTINCT FROM x.kab", "kabupaten_tidak_sesuai", n)])
        + f" AS {a}"
    ]
    _dict_cte(p, f"_d_{n}", source, {"kab": "kode_kabupaten", "v": src(n)}, ["p3jr_teks(d.v) AS _t"], stage_b, [a])
    p.alasan.append(a)


Planner = Callable[[Plan, contract.Column, Ctx], None]

PLANNERS: dict[str, Planner] = {
    "nik": _plan_nik,
    "digit16": _plan_digit16,
    "teks": _plan_teks,
    "enum": _plan_enum,
    "bilangan_bulat": _plan_angka,
    "desimal": _plan_angka,
    "rupiah": _plan_angka,
    "tanggal": _plan_tanggal,
    "koordinat": _plan_koordinat,
    "kode_kabupaten": _plan_kode_kabupaten,
}


def _planner(c: contract.Column) -> Planner | None:
    if c.type == "kode_desa":
        return _plan_kode_desa_lokasi if c.required == "lokasi" else _plan_kode_desa
    if c.required == "lokasi":
        return None  # kecamatan / desa names: resolved together with kode_desa
    try:
        return PLANNERS[c.type]
    except KeyError:
        raise ValueError(f"tipe kolom tidak dikenal di columns.csv: {c.kind}.{c.name} = {c.type}") from None


def plan(kind: str, source: str, has: set[str], kolom_kab: str) -> Plan:
    """The pieces of the evaluation query of one sheet kind, column by column from the contract."""
    cols = contract.columns(kind)
    by_name = {c.name: c for c in cols}
    ctx = Ctx(kind, source, frozenset(has), kolom_kab, by_name, tuple(c for c in cols if c.type == "koordinat"))
    p = Plan()
    for c in cols:
        planner = _planner(c)
        if planner is not None:
            planner(p, c, ctx)
    if kind == "realisasi_program" and "unit_selesai" in by_name and "unit_rencana" in by_name:
        p.add(
            3,
            _r("_o_unit_selesai > _o_unit_rencana", "unit_selesai_melebihi_rencana", "unit_selesai")
            + " AS _w_unit_selesai_rencana",
        )
        p.warn.append("_w_unit_selesai_rencana")
    return p
