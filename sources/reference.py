"""Reference data (Kemendagri codes and names), read from the dbt seeds: one copy in the repo."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache
from pathlib import Path

SEEDS_DIR = Path(__file__).resolve().parent.parent / "dbt_project" / "seeds"


@dataclass(frozen=True)
class Kabupaten:
    kode: str
    kode_bps: str
    nama: str
    jenis: str
    penduduk_total: int
    luas_km2: float


@dataclass(frozen=True)
class Wilayah:
    kode: str
    nama: str
    tingkat: str  # provinsi | kabupaten_kota | kecamatan | desa_kelurahan
    jenis: str


def _read(name: str) -> list[dict[str, str]]:
    with open(SEEDS_DIR / name, newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


@cache
def kabupaten() -> tuple[Kabupaten, ...]:
    rows = [
        Kabupaten(
            r["kode_kemendagri"], r["kode_bps"], r["nama"], r["jenis"], int(r["penduduk_total"]), float(r["luas_km2"])
        )
        for r in _read("kabupaten_kota_ntt.csv")
    ]
    return tuple(sorted(rows, key=lambda k: k.kode))


@cache
def district_codes() -> tuple[str, ...]:
    """The 22 Kemendagri codes ``53.01`` … ``53.71``, sorted; the partition keys."""
    return tuple(k.kode for k in kabupaten())


@cache
def wilayah() -> tuple[Wilayah, ...]:
    return tuple(Wilayah(r["kode"], r["nama"], r["tingkat"], r["jenis"]) for r in _read("wilayah_ntt.csv"))


def kecamatan_of(kode_kabupaten: str) -> list[Wilayah]:
    return [w for w in wilayah() if w.tingkat == "kecamatan" and w.kode.startswith(kode_kabupaten + ".")]


def desa_of(kode_kecamatan: str) -> list[Wilayah]:
    return [w for w in wilayah() if w.tingkat == "desa_kelurahan" and w.kode.startswith(kode_kecamatan + ".")]
