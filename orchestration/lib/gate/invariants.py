"""Post-gate invariants on the accepted rows, as dbt tests generated from the submission contract.

The gate (SQL) enforces the contract's row rules; one ``invarian_baris`` dbt test per staging model is
the one declarative layer that checks what must then hold on ``quality.*_diterima``: required columns
filled, enum values canonical, numbers in range, areas in the reference and in the sending district,
one household per NIK. All rules of a model run as one query (the province's accepted rows are read
once, and Dagster shows one blocking check per model, before the marts). The YAML files are written by
:func:`write_staging_yaml` (``python -m orchestration.lib.gate.invariants``) and a test keeps the
committed files equal to its output: adding an enum value is one edit in
``sources/kontrak/enum_aliases.csv`` plus a regeneration.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from orchestration.lib.files import SHARED_FILE_MODE, atomic_write
from orchestration.settings import DBT_PROJECT_DIR
from sources import contract

STAGING_DIR = DBT_PROJECT_DIR / "models" / "staging"

# Column types the staging models carry as values. Personal columns (columns.csv ``pribadi``: NIK,
# No. KK, names, coordinates) never do: they reach staging only as a keyed hash or an "is it filled?" flag.
_CARRIED_TYPES = frozenset({"kode_desa", "kode_kabupaten", "enum", "bilangan_bulat", "desimal", "rupiah", "tanggal"})

KABUPATEN = "ref('kabupaten_kota_ntt')"
WILAYAH = "ref('wilayah_ntt')"

_MODEL_TEXT = {
    "rumah_tangga": (
        "Rumah tangga yang diterima gerbang mutu, tanpa data pribadi: NIK diganti nik_hash (hash berkunci, "
        'pseudonim), No. KK / koordinat / nama petugas hanya sebagai penanda "terisi", nama kepala keluarga '
        "tidak dibawa."
    ),
    "realisasi_program": "Baris realisasi program yang diterima.",
}

# Columns that are not contract columns (provenance, derived location, flags), per kind.
_PROVENANCE = [
    ("file_hash", "sha256 isi file asal baris.", {}),
    ("nama_file", "Nama file asal.", {}),
    ("sheet", "Nama sheet ('' untuk csv).", {}),
    ("baris", "Nomor baris di spreadsheet asal.", {}),
]


def _reference(table: str, field: str) -> dict[str, Any]:
    return {"ada_di": {"tabel": table, "kolom": field}}


def _kode_kabupaten(description: str) -> tuple[str, str, dict]:
    return ("kode_kabupaten", description, {"wajib": True, **_reference(KABUPATEN, "kode_kemendagri")})


def _column_rules(c: contract.Column) -> dict[str, Any]:
    rules: dict[str, Any] = {"wajib": True} if c.required in ("ya", "lokasi") else {}
    if c.type == "kode_desa":
        rules.update(_reference(WILAYAH, "kode"))
    elif c.type == "enum" and c.domain != "ya_tidak":  # ya_tidak is stored as BOOLEAN
        rules["nilai_baku"] = list(contract.enum_values(c.domain))
    elif c.type in ("bilangan_bulat", "desimal", "rupiah") and (c.min is not None or c.max is not None):
        rules["rentang"] = {
            k: (int(v) if float(v).is_integer() else v) for k, v in (("min", c.min), ("max", c.max)) if v is not None
        }
    return rules


def _description(c: contract.Column) -> str:
    text = c.description.rstrip(".")
    if c.type == "enum" and c.domain != "ya_tidak":
        text += f" (nilai baku domain '{c.domain}')"
    elif c.type == "enum":
        text += " (ya = true)"
    return text + "."


def staging_columns(kind: str) -> list[tuple[str, str, dict]]:
    """(column, description, rules of the `invarian_baris` test) of ``stg_<kind>``, in the model's order."""
    cols: list[tuple[str, str, dict]] = []
    if kind == "rumah_tangga":
        cols.append(
            (
                "nik_hash",
                "Hash berkunci dari NIK (pseudonim); satu rumah tangga per NIK se-provinsi.",
                {"wajib": True, "unik": True},
            )
        )
        cols.append(_kode_kabupaten("Kode Kemendagri kabupaten/kota pengirim (53.KK)."))
        cols.append(
            ("kode_kecamatan", "Kode Kemendagri kecamatan (53.KK.CC).", {"wajib": True, **_reference(WILAYAH, "kode")})
        )
    for c in contract.columns(kind):
        if c.personal or c.type not in _CARRIED_TYPES or (c.required == "lokasi" and c.type != "kode_desa"):
            continue
        if c.type == "kode_kabupaten":
            cols.append(_kode_kabupaten(c.description.split(",")[0] + "."))
            continue
        rules = _column_rules(c)
        if c.type == "kode_desa" and kind == "rumah_tangga":
            rules["ekspresi"] = (
                "left(kode_desa, length(kode_kecamatan) + 1) = kode_kecamatan || '.' and "
                "left(kode_kecamatan, length(kode_kabupaten) + 1) = kode_kabupaten || '.'"
            )
        cols.append((c.name, _description(c), rules))
    cols += _PROVENANCE
    if kind == "rumah_tangga":
        cols += [
            ("no_kk_terisi", "No. KK diisi (nilainya tidak dibawa).", {}),
            ("koordinat_terisi", "Lintang dan bujur keduanya diisi dan valid (nilainya tidak dibawa).", {}),
            ("nama_petugas_terisi", "Nama petugas diisi (nilainya tidak dibawa).", {}),
        ]
    return cols


def staging_yaml(kind: str) -> str:
    columns, rules, references = [], [], []
    for name, description, column_rules in staging_columns(kind):
        columns.append({"name": name, "description": description})
        own = {k: v for k, v in column_rules.items() if k != "ada_di"}
        if own:
            rules.append({"kolom": name, **own})
        if "ada_di" in column_rules:
            references.append({"kolom": name, "ada_di": column_rules["ada_di"]})
    model = f"stg_{kind}"
    # Two tests: dbt skips a model's children only after a failing test whose parents are all upstream of
    # them, so the rules on the model alone (one parent) stay apart from the lookups in the reference.
    tests = [
        {
            "invarian_baris": {
                "name": f"invarian_baris_{model}",
                "description": "Invarian pascagerbang dari kontrak pengiriman (satu kueri atas semua baris diterima).",
                "arguments": {"aturan": rules},
            }
        },
        {
            "invarian_baris": {
                "name": f"invarian_referensi_{model}",
                "description": "Kode wilayah pada baris diterima ada di data rujukan (schema referensi).",
                "arguments": {"aturan": references},
            }
        },
    ]
    doc = {
        "version": 2,
        "models": [{"name": model, "description": _MODEL_TEXT[kind], "data_tests": tests, "columns": columns}],
    }
    head = (
        "# DIHASILKAN dari sources/kontrak/*.csv oleh orchestration/lib/gate/invariants.py; jangan diubah dengan\n"
        "# tangan: ubah kontraknya lalu jalankan `.venv/bin/python -m orchestration.lib.gate.invariants`.\n"
        "# Generated: post-gate invariants on the accepted rows (error severity = blocking before the marts).\n"
    )
    return head + yaml.safe_dump(doc, sort_keys=False, allow_unicode=True, width=110)


def staging_yaml_path(kind: str, staging_dir: Path | None = None) -> Path:
    return (staging_dir or STAGING_DIR) / f"stg_{kind}.yml"


def write_staging_yaml(staging_dir: Path | None = None) -> list[Path]:
    """(Re)write ``stg_<kind>.yml`` for every sheet kind; returns the paths."""
    out = []
    for kind in contract.KINDS:
        path = staging_yaml_path(kind, staging_dir)
        text = staging_yaml(kind)
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            atomic_write(path, text, SHARED_FILE_MODE)
        out.append(path)
    return out


if __name__ == "__main__":  # pragma: no cover
    for p in write_staging_yaml():
        print(p)
