"""The Great Expectations suite in ``expectations/pengajuan_kabupaten.json``: the gate's per-district
hold thresholds, as a readable GX 1.x JSON file a data officer can open and edit
(``ExpectationSuite.to_json_dict()`` format). :func:`build_suites` rewrites the Indonesian notes and
keeps the thresholds as they are in the file. Severity: ``"critical"`` holds the submission,
``"warning"`` and ``"info"`` are reported only.

The accepted rows are not re-checked with GX: the gate enforces the contract, and the post-gate
invariants are dbt tests generated from the contract (orchestration/lib/gate/invariants.py).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from orchestration.lib.files import SHARED_FILE_MODE, atomic_write
from orchestration.settings import EXPECTATIONS_DIR

SUITE_NAMES = ("pengajuan_kabupaten",)

# Default per-district hold thresholds (used only when pengajuan_kabupaten.json does not exist yet).
DEFAULT_PENGAJUAN_THRESHOLDS = {
    "rasio_karantina_maks": 0.5,
    "rasio_baris_vs_terakhir_min": 0.5,
    "baris_dibaca_min": 1,
    "kolom_wajib_hilang_maks": 0,
}


def suite_path(suite_name: str, expectations_dir: Path | None = None) -> Path:
    if suite_name not in SUITE_NAMES:
        raise KeyError(f"suite tidak dikenal: {suite_name!r} (pilihan: {', '.join(SUITE_NAMES)})")
    return (expectations_dir or EXPECTATIONS_DIR) / f"{suite_name}.json"


def load_suite_json(suite_name: str, expectations_dir: Path | None = None) -> dict[str, Any]:
    with open(suite_path(suite_name, expectations_dir), encoding="utf-8") as fh:
        return json.load(fh)


def _e(type_: str, kwargs: dict[str, Any], catatan: str, severity: str = "critical") -> dict:
    return {"type": type_, "kwargs": kwargs, "meta": {"catatan": catatan}, "severity": severity}


def _read_pengajuan_thresholds(path: Path) -> dict[str, float | int]:
    """Current thresholds from an existing pengajuan_kabupaten.json (the officer's configuration)."""
    out = dict(DEFAULT_PENGAJUAN_THRESHOLDS)
    if not path.exists():
        return out
    data = json.loads(path.read_text(encoding="utf-8"))
    for exp in data.get("expectations", []):
        kw = exp.get("kwargs", {})
        col = kw.get("column")
        if exp.get("type") != "expect_column_values_to_be_between":
            continue
        if col == "rasio_karantina" and kw.get("max_value") is not None:
            out["rasio_karantina_maks"] = kw["max_value"]
        elif col == "rasio_baris_vs_terakhir" and kw.get("min_value") is not None:
            out["rasio_baris_vs_terakhir_min"] = kw["min_value"]
        elif col == "baris_dibaca" and kw.get("min_value") is not None:
            out["baris_dibaca_min"] = kw["min_value"]
        elif col == "kolom_wajib_hilang" and kw.get("max_value") is not None:
            out["kolom_wajib_hilang_maks"] = kw["max_value"]
    return out


def _pengajuan_suite(t: dict[str, float | int]) -> tuple[list[dict], str]:
    cols = [
        "kode_kabupaten",
        "baris_dibaca",
        "baris_karantina",
        "rasio_karantina",
        "rasio_baris_vs_terakhir",
        "kolom_wajib_hilang",
    ]
    pct = lambda v: f"{float(v) * 100:g} %"  # noqa: E731
    exps = [
        _e(
            "expect_table_columns_to_match_set",
            {"column_set": cols, "exact_match": False},
            "Statistik pengajuan per kabupaten harus memuat semua kolom ini.",
        ),
        _e(
            "expect_column_values_to_not_be_null",
            {"column": "kode_kabupaten"},
            "Setiap baris statistik milik satu kabupaten/kota (kode 53.KK).",
        ),
        _e(
            "expect_column_values_to_not_be_null",
            {"column": "baris_dibaca"},
            "Jumlah baris yang dibaca harus tercatat.",
        ),
        _e(
            "expect_column_values_to_be_between",
            {"column": "baris_dibaca", "min_value": t["baris_dibaca_min"]},
            f"Kiriman ditahan bila baris data yang terbaca kurang dari {t['baris_dibaca_min']} "
            "(file kosong atau semua file ditolak).",
        ),
        _e(
            "expect_column_values_to_be_between",
            {"column": "rasio_karantina", "min_value": 0, "max_value": t["rasio_karantina_maks"]},
            f"Kiriman ditahan bila lebih dari {pct(t['rasio_karantina_maks'])} baris dikarantina "
            "(kemungkinan salah template atau salah kolom); batas ini boleh diubah.",
        ),
        _e(
            "expect_column_values_to_be_between",
            {"column": "rasio_baris_vs_terakhir", "min_value": t["rasio_baris_vs_terakhir_min"]},
            "Kiriman ditahan bila jumlah baris yang dibaca kurang dari "
            f"{pct(t['rasio_baris_vs_terakhir_min'])} kiriman terakhir yang diterima (kemungkinan "
            "file terpotong atau sebagian file hilang). Kosong = belum ada kiriman diterima "
            "sebelumnya, tidak diperiksa.",
        ),
        _e(
            "expect_column_values_to_not_be_null",
            {"column": "kolom_wajib_hilang"},
            "Jumlah kolom wajib yang hilang harus tercatat.",
        ),
        _e(
            "expect_column_values_to_be_between",
            {"column": "kolom_wajib_hilang", "min_value": 0, "max_value": t["kolom_wajib_hilang_maks"]},
            "Kiriman ditahan bila ada kolom wajib yang tidak ditemukan di semua file kabupaten "
            f"(batas: {t['kolom_wajib_hilang_maks']} kolom).",
        ),
    ]
    notes = (
        "Gerbang per kabupaten: satu baris per kiriman kabupaten. Bila satu pemeriksaan 'critical' "
        "gagal, kiriman kabupaten itu DITAHAN (quality.status_pengajuan.status = 'ditahan') dan data "
        "terakhir yang diterima tetap dipakai; kabupaten lain tidak terpengaruh. Ambang batas di file "
        "ini ADALAH konfigurasinya: ubah min_value/max_value, build_suites() mempertahankannya. "
        "Lihat expectations/README.md."
    )
    return exps, notes


def build_suite_dicts(expectations_dir: Path | None = None) -> dict[str, dict[str, Any]]:
    """The three suites as GX 1.x JSON dicts (validated by round-tripping through GX)."""
    import great_expectations as gx

    expectations_dir = expectations_dir or EXPECTATIONS_DIR
    out: dict[str, dict[str, Any]] = {}
    for name in SUITE_NAMES:
        exps, notes = _pengajuan_suite(_read_pengajuan_thresholds(suite_path(name, expectations_dir)))
        raw = {
            "name": name,
            "expectations": exps,
            "meta": {"catatan": notes.split(". ")[0] + "."},
            "notes": notes,
        }
        out[name] = gx.ExpectationSuite(**raw).to_json_dict()
    return out


def _dump(data: dict[str, Any]) -> str:
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def build_suites(expectations_dir: Path | None = None) -> dict[str, Path]:
    """(Re)write ``expectations/*.json`` (notes regenerated, thresholds kept); returns name → path."""
    expectations_dir = expectations_dir or EXPECTATIONS_DIR
    written: dict[str, Path] = {}
    for name, data in build_suite_dicts(expectations_dir).items():
        path = suite_path(name, expectations_dir)
        text = _dump(data)
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            atomic_write(path, text, SHARED_FILE_MODE)
        written[name] = path
    return written


def main() -> None:  # pragma: no cover - `python -m orchestration.lib.gx`
    for name, path in build_suites().items():
        print(f"{name}: {path}")
