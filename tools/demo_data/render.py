"""A household as the cells a district's sheet shows: its style's spellings, case, date and money
formats (:func:`render_row`), and its canonical values for the manifest (:func:`canon`)."""

from __future__ import annotations

import random
from datetime import date
from typing import Any

from orchestration.lib.reports.style import BULAN
from tools.demo_data.common import BULAN_PENDEK, dots, excel_serial, fmt_dec
from tools.demo_data.styles import Style
from tools.demo_data.writers import Num


def case(s: str, how: str) -> str:
    return s.upper() if how == "upper" else s.lower() if how == "lower" else s


def fmt_date(d: date, st: Style, xlsx: bool, rng: random.Random) -> Any:
    ds = st.date_style
    if ds == "xlsx_date":
        if xlsx:
            return Num(excel_serial(d), "dd/mm/yyyy")
        ds = "dmy_slash"
    if ds == "serial":
        return excel_serial(d) if xlsx else str(excel_serial(d))
    if ds == "iso":
        return d.isoformat()
    if ds == "iso_time":
        return f"{d.isoformat()} 00:00:00"
    if ds == "dmy_slash":
        return f"{d.day:02d}/{d.month:02d}/{d.year}"
    if ds == "dmy_dash":
        return f"{d.day:02d}-{d.month:02d}-{d.year}"
    short = BULAN_PENDEK[d.month - 1]
    mon = short if short and rng.random() < 0.3 else BULAN[d.month - 1]
    return f"{d.day} {mon} {d.year}"


def fmt_money(v: int, st: Style, xlsx: bool) -> Any:
    ms = st.money_style
    if ms == "num":
        return v if xlsx else str(v)
    if ms == "rp_dots":
        return f"Rp {dots(v)}"
    if ms == "plain":
        return str(v)
    if ms == "dots":
        return dots(v)
    if v >= 1_000_000 and v % 500_000 == 0:
        x = v / 1_000_000
        s = (f"{x:g}").replace(".", ",")
        return f"{s} juta" if ms == "juta" else f"Rp{s}jt" if v % 1_000_000 else f"{s} jt"
    return dots(v)


def render_row(
    h: dict, st: Style, cols: list[str], over: dict, xlsx: bool, rng: random.Random, no: int, domain: dict[str, str]
) -> list[Any]:
    """The cells of household ``h`` (``over``: cells a fault replaced; ``domain``: column → enum domain)."""
    out: list[Any] = []
    ec = st.enum_case
    for c in cols:
        if c in over:
            v = over[c]
            if not xlsx and not isinstance(v, str):
                v = f"{v:.6f}" if isinstance(v, float) else str(v)
            out.append(v)
            continue
        if c == "no":
            out.append(no if xlsx else str(no))
        elif c == "kode_desa":
            out.append(h["kode_desa"])
        elif c == "kecamatan" or c == "desa":
            s = h["kec_name"] if c == "kecamatan" else h["desa_name"]
            s = s.upper() if st.loc_case == "upper" else s
            r = rng.random()
            if r < 0.02:
                s = s.lower()
            elif r < 0.035:
                s = s.replace(" ", "  ") + " "
            out.append(s)
        elif c == "nik":
            nik = h["nik"]
            if st.nik_style == "apostrophe":
                nik = "'" + nik
            elif rng.random() < 0.004:
                nik = f"{nik[:4]} {nik[4:8]} {nik[8:12]} {nik[12:]}"
            out.append(nik)
        elif c == "nama_kepala_keluarga":
            nm = h[c]
            out.append(nm.upper() if st.name_case == "upper" else nm)
        elif c in ("jumlah_anggota_keluarga", "jumlah_kk"):
            v = h[c]
            out.append(None if v is None else (v if xlsx else str(v)))
        elif c == "luas_lantai_m2":
            v = h[c]
            if xlsx and st.luas_style == "num":
                out.append(v)
            else:
                s = fmt_dec(v)
                out.append(s.replace(".", ",") if st.luas_style in ("comma", "num") else s)
        elif c == "penghasilan_per_bulan":
            v = h[c]
            out.append(None if v is None else fmt_money(v, st, xlsx))
        elif c in ("latitude", "longitude"):
            v = h[c]
            out.append(None if v is None else (v if xlsx else f"{v:.6f}"))
        elif c == "tanggal_pendataan":
            v = h[c]
            out.append(None if v is None else fmt_date(v, st, xlsx, rng))
        elif c in ("no_kk", "nama_petugas", "keterangan"):
            out.append(h[c])
        else:  # enums
            v = h[c]
            if v is None:
                out.append(None)
            else:
                s = st.enum[(domain[c], v)]
                out.append(case(s, ec) if len(s) > 1 else s)
    return out


def canon(h: dict, cols: list[str]) -> dict:
    m = {}
    for c in (
        "nik",
        "kode_desa",
        "jumlah_anggota_keluarga",
        "status_kepemilikan_rumah",
        "luas_lantai_m2",
        "material_atap",
        "material_dinding",
        "material_lantai",
        "sumber_air_minum",
        "fasilitas_sanitasi",
        "nama_kepala_keluarga",
    ):
        m[c] = h[c]
    for c in (
        "jumlah_kk",
        "memiliki_rumah_lain",
        "status_kepemilikan_lahan",
        "kondisi_atap",
        "kondisi_dinding",
        "kondisi_lantai",
        "penghasilan_per_bulan",
        "pernah_menerima_bantuan",
        "tanggal_pendataan",
        "no_kk",
        "latitude",
        "longitude",
        "jenis_kelamin",
        "usulan_program",
        "nama_petugas",
    ):
        m[c] = h[c] if c in cols else None
    return m
