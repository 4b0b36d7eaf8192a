#!/usr/bin/env python
"""Peer baseline for the benchmark: the script an analyst would write with pandas + Great Expectations.

It does what the pipeline does, the straightforward way, in one process and one DataFrame:

1. every ``.xlsx`` sheet through ``pandas.read_excel(engine="openpyxl")`` and every ``.csv`` through
   ``pandas.read_csv`` (encoding tried utf-8-sig → cp1252 → utf-16, separator sniffed by
   ``sep=None`` then ``;`` ``,`` tab); header row = the first row with a cell containing "NIK" or a
   NIK alias (naive: two-row headers keep only the top row's names);
2. headers renamed with the contract's alias list (``sources/kontrak/header_aliases.csv``), values
   normalised with ``enum_aliases.csv``, numbers parsed with ``pd.to_numeric``;
3. drop rows without a 16-digit NIK, keep the last row per NIK (no province-wide tie rules);
4. a Great Expectations suite an analyst would write from the contract (required columns not null,
   enum values in their domain, NIK 16 digits and unique), run directly with GX 1.x on the whole
   frame, in one validation;
5. a ``groupby`` computing the district backlog mart (households, backlog kepemilikan, RTLH) with the
   contract's criteria — approximate (no location resolution, no per-row rules, no quarantine).

Usage: ``python bench/peer_pandas.py --landing DIR --out DIR``. The last stdout line is a JSON
summary (rows, files, GX outcome, seconds per phase). The benchmark runs it as a subprocess and
measures wall time and peak RSS from outside.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import re
import sys
import time
import warnings
from pathlib import Path

for _k, _v in {"DO_NOT_TRACK": "1", "GX_ANALYTICS_ENABLED": "false"}.items():
    os.environ.setdefault(_k, _v)

import pandas as pd  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
KONTRAK = ROOT / "sources" / "kontrak"
DISTRICT = re.compile(r"^53\.\d{2}$")
_NON_ALNUM = re.compile(r"[^0-9a-z]+")

# Contract section 4 (same lists as dbt_project/models/intermediate/int_rumah_tangga_kriteria.sql)
ATAP_LAYAK = {"beton", "genteng", "seng", "asbes", "kayu_sirap"}
DINDING_LAYAK = {"tembok", "plesteran_anyaman_bambu", "kayu_papan", "batang_kayu"}
LANTAI_TIDAK_LAYAK = {"tanah", "bambu"}
AIR_LAYAK = {"ledeng", "air_kemasan", "sumur_bor", "sumur_terlindung", "mata_air_terlindung", "air_hujan"}
SANITASI_LAYAK = {"jamban_sendiri", "jamban_bersama"}
LUAS_MIN_PER_ORANG = 7.2


def norm(x: object) -> str:
    return _NON_ALNUM.sub("", str(x).lower())


def load_contract() -> tuple[dict[str, str], dict[str, str], dict[str, dict[str, str]], list[str]]:
    with open(KONTRAK / "header_aliases.csv", newline="", encoding="utf-8") as f:
        rows = [r for r in csv.DictReader(f) if r["jenis"] == "rumah_tangga"]
    headers = {norm(r["alias"]): r["kolom"] for r in rows}
    headers.update({norm(r["kolom"]): r["kolom"] for r in rows})
    with open(KONTRAK / "columns.csv", newline="", encoding="utf-8") as f:
        cols = [r for r in csv.DictReader(f) if r["jenis"] == "rumah_tangga"]
    col_domain = {r["kolom"]: r["domain"] for r in cols if r.get("domain")}
    numeric = [r["kolom"] for r in cols if r["tipe"] in ("bilangan_bulat", "desimal", "rupiah", "koordinat")]
    enums: dict[str, dict[str, str]] = {}
    with open(KONTRAK / "enum_aliases.csv", newline="", encoding="utf-8") as f:
        for r in csv.DictReader(f):
            d = enums.setdefault(r["domain"], {})
            d[norm(r["alias"])] = r["nilai"]
            d[norm(r["nilai"])] = r["nilai"]
    return headers, col_domain, enums, numeric


def peer_expectations() -> list[dict]:
    """The checks an analyst would write from the contract's CSVs (the pipeline itself enforces them in
    the gate and checks them after it with dbt tests generated from the same files)."""
    with open(KONTRAK / "columns.csv", newline="", encoding="utf-8") as f:
        cols = [r for r in csv.DictReader(f) if r["jenis"] == "rumah_tangga"]
    values: dict[str, set[str]] = {}
    with open(KONTRAK / "enum_aliases.csv", newline="", encoding="utf-8") as f:
        for r in csv.DictReader(f):
            values.setdefault(r["domain"], set()).add(r["nilai"])
    exps: list[dict] = []
    for c in cols:
        if c["wajib"] == "ya":
            exps.append({"type": "expect_column_values_to_not_be_null", "kwargs": {"column": c["kolom"]}})
        if c.get("domain") in values:
            exps.append(
                {
                    "type": "expect_column_values_to_be_in_set",
                    "kwargs": {"column": c["kolom"], "value_set": sorted(values[c["domain"]])},
                }
            )
    exps.append({"type": "expect_column_values_to_match_regex", "kwargs": {"column": "nik", "regex": r"^\d{16}$"}})
    exps.append({"type": "expect_column_values_to_be_unique", "kwargs": {"column": "nik"}})
    return exps


def header_row(frame: pd.DataFrame, nik_aliases: set[str]) -> int | None:
    for i in range(min(len(frame), 30)):
        for v in frame.iloc[i].tolist():
            if isinstance(v, str) and ("nik" in v.lower() or norm(v) in nik_aliases):
                return i
    return None


def with_header(frame: pd.DataFrame, nik_aliases: set[str], aliases: dict[str, str]) -> pd.DataFrame | None:
    h = header_row(frame, nik_aliases)
    if h is None:
        return None
    names = [aliases.get(norm(v), None) if isinstance(v, str) else None for v in frame.iloc[h].tolist()]
    body = frame.iloc[h + 1 :]
    keep = {}
    for j, name in enumerate(names):
        if name and name not in keep:
            keep[name] = j
    out = body.iloc[:, list(keep.values())]
    out.columns = list(keep.keys())
    return out


def read_csv_any(path: Path) -> pd.DataFrame | None:
    for enc in ("utf-8-sig", "cp1252", "utf-16"):
        for sep in (None, ";", ",", "\t"):
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    df = pd.read_csv(
                        path,
                        sep=sep,
                        engine="python",
                        header=None,
                        dtype=str,
                        encoding=enc,
                        skip_blank_lines=False,
                        on_bad_lines="skip",
                    )
            except Exception:
                continue
            if df.shape[1] > 3:
                return df
    return None


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--landing", required=True)
    ap.add_argument("--out", required=True)
    args = ap.parse_args(argv)
    landing, out = Path(args.landing), Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    t: dict[str, float] = {}
    t0 = time.perf_counter()

    aliases, col_domain, enums, numeric = load_contract()
    nik_aliases = {a for a, c in aliases.items() if c == "nik"}
    frames: list[pd.DataFrame] = []
    files_read = files_skipped = 0
    for folder in sorted(p for p in landing.iterdir() if p.is_dir() and DISTRICT.match(p.name)):
        for path in sorted(folder.iterdir()):
            suffix = path.suffix.lower()
            try:
                if suffix in (".xlsx", ".xlsm") and not path.name.startswith("~$"):
                    sheets = pd.read_excel(path, sheet_name=None, header=None, dtype=str, engine="openpyxl")
                    got = [with_header(df, nik_aliases, aliases) for df in sheets.values()]
                elif suffix == ".csv":
                    df = read_csv_any(path)
                    got = [] if df is None else [with_header(df, nik_aliases, aliases)]
                else:
                    files_skipped += 1
                    continue
            except Exception:
                files_skipped += 1
                continue
            got = [g for g in got if g is not None and len(g)]
            if not got:
                files_skipped += 1
                continue
            files_read += 1
            for g in got:
                frames.append(g.assign(kode_kabupaten=folder.name, nama_file=path.name))
    t["baca_detik"] = time.perf_counter() - t0

    t1 = time.perf_counter()
    df = pd.concat(frames, ignore_index=True, sort=False)
    rows_read = len(df)
    for col in df.columns:
        if df[col].dtype == object:
            df[col] = df[col].str.strip()
    if "nik" in df.columns:
        nik = df["nik"].fillna("").str.replace(r"[\s.']", "", regex=True)
        df["nik"] = nik
        df = df[nik.str.fullmatch(r"\d{16}")]
    df = df.dropna(how="all", subset=[c for c in df.columns if c not in ("kode_kabupaten", "nama_file")])
    for col, dom in col_domain.items():
        if col in df.columns and dom in enums:
            mapped = df[col].map(lambda v, m=enums[dom]: m.get(norm(v)) if isinstance(v, str) else None)
            if dom == "ya_tidak":
                mapped = mapped.map({"ya": True, "tidak": False})
            df[col] = mapped
    for col in numeric:
        if col in df.columns:
            s = df[col].astype(str).str.replace(r"(?i)rp|\s", "", regex=True)
            s = s.str.replace(r"\.(?=\d{3}(\D|$))", "", regex=True).str.replace(",", ".", regex=False)
            df[col] = pd.to_numeric(s, errors="coerce")
    df = df.drop_duplicates(subset=["nik"], keep="last")
    t["normalisasi_detik"] = time.perf_counter() - t1

    # Great Expectations, directly, on the whole frame in one validation
    t2 = time.perf_counter()
    import great_expectations as gx

    ctx = gx.get_context(mode="ephemeral")
    suite = ctx.suites.add(gx.ExpectationSuite(name="peer_rumah_tangga", expectations=peer_expectations()))
    batch_def = (
        ctx.data_sources.add_pandas("peer").add_dataframe_asset("rt").add_batch_definition_whole_dataframe("all")
    )
    vd = ctx.validation_definitions.add(gx.ValidationDefinition(name="peer_vd", data=batch_def, suite=suite))
    res = vd.run(batch_parameters={"dataframe": df}, result_format="SUMMARY")
    gx_failed = [
        r.expectation_config.type + ":" + str(r.expectation_config.kwargs.get("column", ""))
        for r in res.results
        if not r.success
    ]
    t["gx_detik"] = time.perf_counter() - t2

    # district backlog mart
    t3 = time.perf_counter()
    g = pd.DataFrame({"kode_kabupaten": df["kode_kabupaten"]})
    ketahanan = (
        df.get("material_atap").isin(ATAP_LAYAK)
        & df.get("material_dinding").isin(DINDING_LAYAK)
        & ~df.get("material_lantai").isin(LANTAI_TIDAK_LAYAK)
    )
    for k in ("kondisi_atap", "kondisi_dinding", "kondisi_lantai"):
        if k in df.columns:
            ketahanan &= df[k].fillna("") != "rusak_berat"
    luas = df["luas_lantai_m2"] >= LUAS_MIN_PER_ORANG * df["jumlah_anggota_keluarga"]
    air = df["sumber_air_minum"].isin(AIR_LAYAK)
    sanitasi = df["fasilitas_sanitasi"].isin(SANITASI_LAYAK)
    lain = df["memiliki_rumah_lain"].fillna(False).astype(bool) if "memiliki_rumah_lain" in df.columns else False
    g["rumah_tangga"] = 1
    g["backlog_kepemilikan"] = (
        (df["status_kepemilikan_rumah"].notna()) & (df["status_kepemilikan_rumah"] != "milik_sendiri") & ~lain
    ).astype(int)
    g["rtlh"] = (~(ketahanan & luas & air & sanitasi)).astype(int)
    mart = (
        g.groupby("kode_kabupaten", as_index=False)
        .sum()
        .rename(columns={"rumah_tangga": "jumlah_rumah_tangga", "rtlh": "jumlah_rtlh"})
    )
    mart.to_csv(out / "backlog_kabupaten_peer.csv", index=False)
    t["mart_detik"] = time.perf_counter() - t3
    t["total_detik"] = time.perf_counter() - t0

    summary = {
        "files_read": files_read,
        "files_skipped": files_skipped,
        "rows_read": rows_read,
        "rows_after_dedup": int(len(df)),
        "districts": int(len(mart)),
        "households_total": int(mart["jumlah_rumah_tangga"].sum()),
        "backlog_kepemilikan_total": int(mart["backlog_kepemilikan"].sum()),
        "rtlh_total": int(mart["jumlah_rtlh"].sum()),
        "gx_success": bool(res.success),
        "gx_expectations": len(res.results),
        "gx_failed": gx_failed,
        **{k: round(v, 3) for k, v in t.items()},
    }
    print(json.dumps(summary))
    return 0


if __name__ == "__main__":
    sys.exit(main())
