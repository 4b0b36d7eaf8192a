"""How each district's office fills in its spreadsheets (:class:`Style`): header spellings and enum
spellings taken from the contract data (``sources/kontrak``), column choice and order, case, date and
money formats, fill rates."""

from __future__ import annotations

import csv
import random
from dataclasses import dataclass, field

from sources import contract
from tools.demo_data.common import (
    GARBAGE,
    OPT_GARBAGE,
    RT_OPTIONAL_GROUPS,
    RT_OPTIONAL_P,
    RT_ORDER,
    cum_table,
    norm,
    pick,
)

AliasLists = dict[tuple[str, str], list[str]]


def _read_kontrak(name: str) -> list[dict[str, str]]:
    with open(contract.KONTRAK_DIR / name, newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def header_alias_lists() -> AliasLists:
    out: dict[tuple[str, str], list[str]] = {}
    for r in _read_kontrak("header_aliases.csv"):
        out.setdefault((r["jenis"], r["kolom"]), []).append(r["alias"])
    return out


# aliases that name a special case (a house on credit, a land certificate): never a district's usual spelling
_NOT_GENERAL = {
    "Kredit",
    "KPR",
    "Ikut Orang Tua",
    "Milik Orang Tua/Saudara",
    "Tanah Adat",
    "SHM",
    "Dak Beton",
    "Bebas Sewa (Milik Orang Lain)",
}


def enum_alias_lists() -> AliasLists:
    """(domain, canonical) → spellings that ``contract`` resolves to exactly that canonical value."""
    resolve = {(d, a): v for d, a, v in contract.enum_aliases()}
    out: dict[tuple[str, str], list[str]] = {}
    for r in _read_kontrak("enum_aliases.csv"):
        d, v = r["domain"], r["nilai"]
        lst = out.setdefault((d, v), [])
        s = r["alias"]
        if resolve.get((d, norm(s))) == v and s not in lst and s not in _NOT_GENERAL:
            lst.append(s)
    for (_d, v), lst in out.items():
        if not lst:
            lst.append(v.replace("_", " ").title() if v.islower() else v)
    return out


def check_garbage() -> None:
    known = {(d, a) for d, a, _ in contract.enum_aliases()}
    dom = {c.name: c.domain for k in contract.KINDS for c in contract.columns(k)}
    for col, values in GARBAGE.items():
        for v in values:
            assert (dom[col], norm(v)) not in known, (col, v)
    for col, v in OPT_GARBAGE.items():
        if dom.get(col):
            assert (dom[col], norm(v)) not in known, (col, v)


@dataclass
class Style:
    """How one district's office fills in its spreadsheets."""

    kode: str
    nama: str
    loc_mode: str  # kode | nama | both
    columns: list[str]
    headers: dict[str, str]
    enum: dict[tuple[str, str], str]  # (column, canonical) → spelling
    enum_case: str  # as_is | upper | lower
    name_case: str  # title | upper
    loc_case: str  # title | upper
    date_style: str
    money_style: str
    luas_style: str  # num | comma | dot
    nik_style: str  # plain | apostrophe
    fill: dict[str, float]
    blank_rate: float
    upper_headers: bool
    rp_columns: list[str] = field(default_factory=list)
    rp_headers: dict[str, str] = field(default_factory=dict)


def make_style(seed: int, k: str, nama: str, loc_mode: str, complete: bool, hal: AliasLists, eal: AliasLists) -> Style:
    """One district's style, from its own random stream (the same for the same seed and district)."""
    rng = random.Random(f"p3jr:{seed}:style:{k}")
    included = {g for g, p in RT_OPTIONAL_P.items() if complete or rng.random() < p}
    if complete:
        included.discard("keterangan")
    cols = []
    for c in RT_ORDER:
        if c == "kode_desa" and loc_mode == "nama":
            continue
        if c in ("kecamatan", "desa") and loc_mode == "kode":
            continue
        grp = next((g for g, cs in RT_OPTIONAL_GROUPS.items() if c in cs), None)
        if grp is not None and grp not in included:
            continue
        cols.append(c)
    if rng.random() < 0.25:  # some offices put the name before the NIK
        i, j = cols.index("nik"), cols.index("nama_kepala_keluarga")
        cols[i], cols[j] = cols[j], cols[i]
    headers = {}
    for c in cols:
        if c == "no":
            headers[c] = rng.choice(["No", "No.", "NO"])
        elif c == "keterangan":
            headers[c] = rng.choice(["Keterangan", "Ket."])
        else:
            al = hal[("rumah_tangga", c)]
            # canonical snake_case spelling is rare in hand-made sheets
            w = [0.15 if a == c else 1.0 for a in al]
            headers[c] = rng.choices(al, weights=w)[0]
    enum = {}
    for (d, v), al in eal.items():
        enum[(d, v)] = rng.choice(al) if al else v
    # spellings that come in pairs on a form
    jk = rng.choice([("L", "P"), ("L", "P"), ("Laki-laki", "Perempuan"), ("Pria", "Wanita")])
    yt = rng.choice([("Ya", "Tidak"), ("Ya", "Tidak"), ("Y", "T"), ("Ada", "Tidak Ada"), ("Iya", "Tdk")])
    enum[("jenis_kelamin", "L")], enum[("jenis_kelamin", "P")] = jk
    enum[("ya_tidak", "ya")], enum[("ya_tidak", "tidak")] = yt
    fill = {c: (1.0 if complete else rng.uniform(0.72, 1.0)) for c in cols}
    for c in ("nik", "nama_kepala_keluarga", "kode_desa", "kecamatan", "desa", "no"):
        fill[c] = 1.0
    fill["tanggal_pendataan"] = 1.0 if complete else rng.choice([1.0, 1.0, rng.uniform(0.8, 1.0)])
    st = Style(
        kode=k,
        nama=nama,
        loc_mode=loc_mode,
        columns=cols,
        headers=headers,
        enum=enum,
        enum_case=pick(rng, cum_table([("as_is", 75), ("upper", 20), ("lower", 5)])),
        name_case=pick(rng, cum_table([("title", 60), ("upper", 40)])),
        loc_case=pick(rng, cum_table([("title", 60), ("upper", 40)])),
        date_style=rng.choice(
            ["iso", "dmy_slash", "dmy_dash", "indo_long", "serial", "xlsx_date", "dmy_slash", "iso_time"]
        ),
        money_style=rng.choice(["num", "rp_dots", "plain", "dots", "juta", "jt"]),
        luas_style=rng.choice(["num", "num", "comma", "dot"]),
        nik_style=pick(rng, cum_table([("plain", 80), ("apostrophe", 20)])),
        fill=fill,
        blank_rate=rng.choice([0.0, 0.0, 0.003, 0.01]),
        upper_headers=rng.random() < 0.3,
    )
    rp_cols = (
        ["kode_kabupaten"]
        + (["kode_desa"] if (complete or rng.random() < 0.4) else [])
        + ["program", "sumber_dana", "jenis_kegiatan", "unit_rencana", "unit_selesai", "nilai_rupiah", "tahun_anggaran"]
    )
    if rng.random() < 0.6:
        rp_cols.insert(0, "no")
    if rng.random() < 0.4:
        rp_cols.append("keterangan")
    st.rp_columns = rp_cols
    for c in rp_cols:
        if c == "no":
            st.rp_headers[c] = "No"
        elif c == "keterangan":
            st.rp_headers[c] = "Keterangan"
        else:
            st.rp_headers[c] = rng.choice(hal[("realisasi_program", c)])
    if st.upper_headers:
        st.headers = {c: h.upper() for c, h in st.headers.items()}
    return st
