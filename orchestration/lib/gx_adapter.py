"""Great Expectations 1.x adapter: the suites in ``expectations/*.json`` run on pandas DataFrames.

* The suites are readable JSON files (GX 1.x ``ExpectationSuite.to_json_dict()`` format) that a data
  officer can open. ``rumah_tangga.json`` and ``realisasi_program.json`` are *generated* from the
  submission contract (``sources/kontrak/*.csv``) by :func:`build_suites`; ``pengajuan_kabupaten.json``
  holds the per-district hold thresholds, which :func:`build_suites` keeps as they are in the file.
* Severity: an expectation with ``"severity": "critical"`` blocks (``SuiteResult.success`` is False
  when one fails); ``"warning"`` and ``"info"`` are reported but do not block.
* GX is imported lazily, inside functions: importing it costs seconds, and the Dagster code location
  must load fast. The ephemeral context (in-memory stores, analytics and progress bars off, nothing
  written to ``~/.great_expectations``) and the validation definitions are cached per process.
* GX's SQL data source on DuckDB is broken (see stack notes), so tables are pulled as DataFrames
  (``con.sql(...).df()``) and validated through the pandas data source.
* The HTML report is our own small, readable page (``docs_dir/<suite>_<timestamp>.html`` plus
  ``docs_dir/index.html``), regenerated on every run. Values of personal-data columns (NIK, No. KK,
  names, coordinates) are never written into it: only counts.
"""
from __future__ import annotations

import html
import itertools
import json
import math
import os
import re
import tempfile
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

from orchestration.settings import EXPECTATIONS_DIR
from sources import contract

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd


SUITE_NAMES = ("rumah_tangga", "realisasi_program", "pengajuan_kabupaten")
BLOCKING_SEVERITY = "critical"

# Columns whose values are personal data (UU 27/2022): never echoed in reports.
PERSONAL_COLUMNS = frozenset(
    {"nik", "no_kk", "nama_kepala_keluarga", "latitude", "longitude", "nama_petugas", "nik_hash"}
)

# Default per-district hold thresholds (used only when pengajuan_kabupaten.json does not exist yet).
DEFAULT_PENGAJUAN_THRESHOLDS = {
    "rasio_karantina_maks": 0.5,
    "rasio_baris_vs_terakhir_min": 0.5,
    "baris_dibaca_min": 1,
    "kolom_wajib_hilang_maks": 0,
}

_REPORT_KEEP_PER_SUITE = 50
_PARTIAL_COUNT = 5


# --------------------------------------------------------------------------------------------
# Result types
# --------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class ExpectationOutcome:
    expectation_type: str
    column: str | None
    success: bool
    observed: str
    unexpected_count: int | None
    catatan: str
    severity: str = BLOCKING_SEVERITY

    @property
    def blocking(self) -> bool:
        """A failed expectation that stops the data (severity critical)."""
        return (not self.success) and self.severity == BLOCKING_SEVERITY


@dataclass
class SuiteResult:
    suite_name: str
    success: bool  # False when any *critical* expectation failed
    results: list[ExpectationOutcome] = field(default_factory=list)
    docs_index: Path | None = None
    row_count: int = 0
    seconds: float = 0.0

    @property
    def failures(self) -> list[ExpectationOutcome]:
        return [r for r in self.results if not r.success]

    @property
    def blocking_failures(self) -> list[ExpectationOutcome]:
        return [r for r in self.results if r.blocking]

    def ringkasan(self) -> str:
        """One line in Indonesian, for logs and Dagster metadata."""
        if not self.failures:
            return f"{self.suite_name}: semua {len(self.results)} pemeriksaan lolos"
        parts = [f"{r.expectation_type}({r.column or '-'}): {r.observed}" for r in self.failures]
        status = "GAGAL" if not self.success else "lolos dengan peringatan"
        return f"{self.suite_name}: {status}; " + "; ".join(parts)


# --------------------------------------------------------------------------------------------
# Suite generation (single source of truth: sources/kontrak/*.csv)
# --------------------------------------------------------------------------------------------
def suite_path(suite_name: str, expectations_dir: Path | None = None) -> Path:
    if suite_name not in SUITE_NAMES:
        raise KeyError(f"suite tidak dikenal: {suite_name!r} (pilihan: {', '.join(SUITE_NAMES)})")
    return (expectations_dir or EXPECTATIONS_DIR) / f"{suite_name}.json"


def load_suite_json(suite_name: str, expectations_dir: Path | None = None) -> dict[str, Any]:
    with open(suite_path(suite_name, expectations_dir), encoding="utf-8") as fh:
        return json.load(fh)


def _e(type_: str, kwargs: dict[str, Any], catatan: str, severity: str = "critical") -> dict:
    return {"type": type_, "kwargs": kwargs, "meta": {"catatan": catatan}, "severity": severity}


_PROVENANCE = ["kode_kabupaten", "file_hash", "nama_file", "sheet", "baris"]
_NUMERIC_TYPES = {"bilangan_bulat", "desimal", "rupiah", "koordinat"}
_CODE_REGEX = {
    "kode_kabupaten": (r"^53\.\d{2}$", "53.KK"),
    "kode_kecamatan": (r"^53\.\d{2}\.\d{2}$", "53.KK.CC"),
    "kode_desa": (r"^53\.\d{2}\.\d{2}\.\d{4}$", "53.KK.CC.DDDD"),
}


def _num(v: float | None) -> float | int | None:
    if v is None:
        return None
    return int(v) if float(v).is_integer() else v


def _contract_suite(kind: str) -> tuple[list[dict], str]:
    """Expectation dicts for the accepted-rows table of one sheet kind."""
    cols = contract.columns(kind)
    by_name = {c.name: c for c in cols}
    table = f"quality.{kind}_diterima"
    exps: list[dict] = []

    # 1. required table columns (ARSITEKTUR.md), extra columns allowed
    if kind == "rumah_tangga":
        data_cols = [c.name for c in cols if c.name not in ("kecamatan", "desa", "kode_desa")]
        expected = _PROVENANCE + ["kode_desa", "kode_kecamatan", "nik_hash"] + data_cols
    else:
        data_cols = [c.name for c in cols if c.name != "kode_kabupaten"]
        expected = _PROVENANCE + data_cols
    expected = list(dict.fromkeys(expected))
    exps.append(
        _e(
            "expect_table_columns_to_match_set",
            {"column_set": expected, "exact_match": False},
            f"Semua kolom tabel {table} harus ada (kolom tambahan boleh). Kolom yang hilang berarti "
            "transformasi gerbang mutu tidak lengkap.",
        )
    )

    # 2. never null: provenance, location, required contract columns
    not_null = ["kode_kabupaten", "file_hash", "baris"]
    if kind == "rumah_tangga":
        not_null += ["kode_desa", "kode_kecamatan", "nik_hash"]
    not_null += [c.name for c in cols if c.required == "ya"]
    for name in dict.fromkeys(not_null):
        c = by_name.get(name)
        what = f"'{name}' ({c.description})" if c else f"'{name}'"
        exps.append(
            _e(
                "expect_column_values_to_not_be_null",
                {"column": name},
                f"Kolom {what} tidak boleh kosong pada baris yang diterima.",
            )
        )

    # 3. formats
    for name, (regex, shape) in _CODE_REGEX.items():
        if name == "kode_kecamatan" and kind != "rumah_tangga":
            continue
        optional = name in by_name and by_name[name].required == "tidak"
        exps.append(
            _e(
                "expect_column_values_to_match_regex",
                {"column": name, "regex": regex},
                f"Kolom '{name}' berformat kode Kemendagri {shape} (provinsi NTT = 53)"
                + ("; kolom opsional, isian kosong dibiarkan." if optional else "."),
                "warning" if optional else "critical",
            )
        )
    for c in cols:
        if c.type in ("nik", "digit16"):
            optional = c.required == "tidak"
            exps.append(
                _e(
                    "expect_column_values_to_match_regex",
                    {"column": c.name, "regex": r"^\d{16}$"},
                    f"Kolom '{c.name}' ({c.description}) harus tepat 16 digit angka."
                    + (" Kolom opsional." if optional else ""),
                    "warning" if optional else "critical",
                )
            )

    # 4. enum value sets from enum_aliases.csv
    for c in cols:
        if c.type != "enum" or not c.domain:
            continue
        optional = c.required == "tidak"
        if c.domain == "ya_tidak":  # stored as BOOLEAN in the accepted table
            values: list[Any] = [True, False]
            text = f"Isian '{c.name}' ({c.description}) disimpan sebagai BOOLEAN (ya = true, tidak = false)"
        else:
            values = list(contract.enum_values(c.domain))
            text = (
                f"Isian '{c.name}' ({c.description}) harus salah satu nilai baku domain '{c.domain}' "
                "dari sources/kontrak/enum_aliases.csv"
            )
        exps.append(
            _e(
                "expect_column_values_to_be_in_set",
                {"column": c.name, "value_set": values},
                text + (" (kolom opsional: kosong diperbolehkan)." if optional else "."),
                "warning" if optional else "critical",
            )
        )

    # 5. numeric ranges from columns.csv
    for c in cols:
        if c.type not in _NUMERIC_TYPES or (c.min is None and c.max is None):
            continue
        optional = c.required == "tidak"
        kw: dict[str, Any] = {"column": c.name}
        if c.min is not None:
            kw["min_value"] = _num(c.min)
        if c.max is not None:
            kw["max_value"] = _num(c.max)
        box = " (kotak wilayah Provinsi NTT)" if c.type == "koordinat" else ""
        exps.append(
            _e(
                "expect_column_values_to_be_between",
                kw,
                f"Isian '{c.name}' ({c.description}) harus di antara {_num(c.min)} dan {_num(c.max)}"
                f"{box}" + (" (kolom opsional: kosong diperbolehkan)." if optional else "."),
                "warning" if optional else "critical",
            )
        )

    # 6. one household per NIK province-wide
    if kind == "rumah_tangga":
        exps.append(
            _e(
                "expect_column_values_to_be_unique",
                {"column": "nik"},
                "Satu rumah tangga per NIK se-provinsi: duplikat seharusnya sudah dikarantina "
                "sebagai 'duplikat_nik'.",
            )
        )

    notes = (
        f"Pemeriksaan Great Expectations atas tabel {table} (baris yang diterima gerbang mutu). "
        "File ini DIHASILKAN dari sources/kontrak/*.csv oleh "
        "orchestration.lib.gx_adapter.build_suites(); ubah kontraknya lalu jalankan ulang "
        "generator, jangan ubah file ini dengan tangan. severity 'critical' = menghentikan "
        "publikasi bila gagal; 'warning' = hanya dilaporkan."
    )
    return exps, notes


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
        if name == "pengajuan_kabupaten":
            exps, notes = _pengajuan_suite(
                _read_pengajuan_thresholds(suite_path(name, expectations_dir))
            )
        else:
            exps, notes = _contract_suite(name)
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


def _atomic_write_text(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.chmod(tmp, 0o644)  # mkstemp creates 0600; these are shared, non-personal files
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def build_suites(expectations_dir: Path | None = None) -> dict[str, Path]:
    """(Re)write ``expectations/*.json`` from the contract; returns name → path."""
    expectations_dir = expectations_dir or EXPECTATIONS_DIR
    written: dict[str, Path] = {}
    for name, data in build_suite_dicts(expectations_dir).items():
        path = suite_path(name, expectations_dir)
        text = _dump(data)
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            _atomic_write_text(path, text)
        written[name] = path
    _clear_cache()
    return written


# --------------------------------------------------------------------------------------------
# Running suites
# --------------------------------------------------------------------------------------------
# Frames with at least this many rows are validated column by column: GX's pandas engine filters
# the *whole* frame (copying every column) for each metric and fingerprints the whole batch on every
# run, so one run over a 35-column, 1.36M-row frame is ~2x slower than one run per column on a
# one-column frame. Small frames (the per-district statistics) go through one run.
SPLIT_MIN_ROWS = 100_000

# Expectations that only look at the column names: evaluated on a zero-row frame in split mode.
_SCHEMA_ONLY = {
    "expect_table_columns_to_match_set",
    "expect_table_columns_to_match_ordered_list",
    "expect_column_to_exist",
    "expect_table_column_count_to_equal",
    "expect_table_column_count_to_be_between",
}

_lock = threading.RLock()
_context: Any = None
_asset: Any = None
_serial = itertools.count(1)


@dataclass
class _Prepared:
    suite_name: str
    specs: list[dict]
    whole: tuple[Any, dict[str, int]] | None = None
    # (column or None, kind "schema" | "table" | "column", vd, expectation id → spec index)
    parts: list[tuple[str | None, str, Any, dict[str, int]]] | None = None
    numeric_columns: frozenset[str] = frozenset()


_prepared: dict[str, tuple[str, _Prepared]] = {}  # path → (file signature, prepared)


def _clear_cache() -> None:
    with _lock:
        _prepared.clear()


def _get_context() -> Any:
    """One ephemeral, in-memory GX context per process (no files, no analytics, no progress bars)."""
    global _context, _asset
    with _lock:
        if _context is None:
            import great_expectations as gx
            from great_expectations.data_context.types.base import (
                DataContextConfig,
                InMemoryStoreBackendDefaults,
                ProgressBarsConfig,
            )

            cfg = DataContextConfig(
                store_backend_defaults=InMemoryStoreBackendDefaults(),
                analytics_enabled=False,
                progress_bars=ProgressBarsConfig(globally=False, metric_calculations=False),
            )
            ctx = gx.get_context(mode="ephemeral", project_config=cfg)
            ds = ctx.data_sources.add_pandas("p3jr_pandas")
            _asset = ds.add_dataframe_asset("p3jr_frame")
            _context = ctx
        return _context


def _make_vd(label: str, meta: dict, expectations: list[dict]) -> tuple[Any, dict[str, int]]:
    """A ValidationDefinition over ``expectations`` (each carrying its spec index in ``_idx``)."""
    import great_expectations as gx

    ctx = _get_context()
    uniq = f"{label}_{next(_serial)}"
    order: list[int] = []
    clean: list[dict] = []
    for e in expectations:
        e = dict(e)
        order.append(e.pop("_idx"))
        e.pop("id", None)
        clean.append(e)
    suite = gx.ExpectationSuite(name=uniq, meta=meta, expectations=clean)
    suite = ctx.suites.add(suite)
    ids = {str(x.id): i for x, i in zip(suite.expectations, order)}
    bd = _asset.add_batch_definition_whole_dataframe(f"bd_{uniq}")
    vd = ctx.validation_definitions.add(gx.ValidationDefinition(name=f"vd_{uniq}", data=bd, suite=suite))
    return vd, ids


def _prepare(suite_name: str, expectations_dir: Path | None) -> _Prepared:
    path = suite_path(suite_name, expectations_dir)
    st = path.stat()
    sig = f"{st.st_mtime_ns}:{st.st_size}"
    with _lock:
        hit = _prepared.get(str(path))
        if hit is not None and hit[0] == sig:
            return hit[1]
        data = json.loads(path.read_text(encoding="utf-8"))
        specs = [dict(e) for e in data.get("expectations", [])]
        numeric = frozenset(
            e["kwargs"]["column"]
            for e in specs
            if e.get("type") == "expect_column_values_to_be_between" and e.get("kwargs", {}).get("column")
        )
        prep = _Prepared(suite_name, specs, numeric_columns=numeric)
        _prepared[str(path)] = (sig, prep)
        return prep


def _whole(prep: _Prepared) -> tuple[Any, dict[str, int]]:
    if prep.whole is None:
        prep.whole = _make_vd(prep.suite_name, {}, [{**e, "_idx": i} for i, e in enumerate(prep.specs)])
    return prep.whole


def _parts(prep: _Prepared) -> list[tuple[str | None, str, Any, dict[str, int]]]:
    if prep.parts is None:
        groups: dict[tuple[str | None, str], list[dict]] = {}
        for i, e in enumerate(prep.specs):
            col = e.get("kwargs", {}).get("column")
            if col is not None:
                key = (col, "column")
            elif e.get("type") in _SCHEMA_ONLY:
                key = (None, "schema")
            else:
                key = (None, "table")
            groups.setdefault(key, []).append({**e, "_idx": i})
        prep.parts = [
            (col, kind, *_make_vd(f"{prep.suite_name}_{kind}", {}, exps)) for (col, kind), exps in groups.items()
        ]
    return prep.parts


def _as_numeric(s: "pd.Series") -> "pd.Series":
    """GX compares only plain int64/float64 columns vectorised; int32, nullable Int64 etc. go
    element by element in Python. Cast those to float64 (NULL → NaN)."""
    import pandas as pd

    if pd.api.types.is_bool_dtype(s.dtype) or str(s.dtype) in ("int64", "float64"):
        return s
    if pd.api.types.is_numeric_dtype(s.dtype):
        return s.astype("float64")
    return s


def _fit_numeric(df: "pd.DataFrame", columns: frozenset[str]) -> "pd.DataFrame":
    todo = {c: _as_numeric(df[c]) for c in columns if c in df.columns}
    todo = {c: s for c, s in todo.items() if s is not df[c]}
    return df.assign(**todo) if todo else df


def _short(value: Any, limit: int = 160) -> str:
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _clean(v: Any) -> Any:
    if isinstance(v, float) and math.isnan(v):
        return None
    return v


def _observed(etype: str, column: str | None, res: dict, exc: dict | None) -> tuple[str, int | None]:
    """Short Indonesian description of what GX saw; never a personal-data value."""
    # exception_info is either {"raised_exception": ...} or {metric id: {"raised_exception": ...}}
    errors = [exc] if exc and "raised_exception" in exc else [v for v in (exc or {}).values() if isinstance(v, dict)]
    errors = [e for e in errors if e.get("raised_exception")]
    if errors:
        msg = str(errors[0].get("exception_message") or "")
        if column and column in msg:
            return f"kolom '{column}' tidak ada atau tidak dapat diperiksa", None
        return _short(f"galat: {msg}"), None
    if etype == "expect_table_columns_to_match_set":
        missing = (res.get("details") or {}).get("mismatched", {}).get("missing") or []
        if missing:
            return _short("kolom hilang: " + ", ".join(map(str, missing))), len(missing)
        return "semua kolom ada", 0
    if "unexpected_count" in res:
        n = int(res.get("unexpected_count") or 0)
        total = res.get("element_count")
        if etype == "expect_column_values_to_not_be_null":
            return (f"{n} dari {total} baris kosong" if n else f"tidak ada yang kosong dari {total} baris"), n
        if n == 0:
            missing = res.get("missing_count")
            tail = f" ({missing} kosong, tidak diperiksa)" if missing else ""
            return f"0 dari {total} baris menyimpang{tail}", 0
        if column in PERSONAL_COLUMNS:
            return f"{n} dari {total} baris menyimpang (nilai data pribadi tidak ditampilkan)", n
        sample = [_clean(v) for v in (res.get("partial_unexpected_list") or [])[:_PARTIAL_COUNT]]
        return _short(f"{n} dari {total} baris menyimpang; contoh: {sample}"), n
    if "observed_value" in res:
        return _short(f"nilai teramati: {res['observed_value']}"), None
    return "", None


def _outcome(er: Any, ids: dict[str, int], specs: list[dict]) -> tuple[int, ExpectationOutcome]:
    cfg = er.expectation_config
    idx = ids.get(str(cfg.id), len(specs))
    spec = specs[idx] if idx < len(specs) else {}
    column = cfg.kwargs.get("column")
    observed, n = _observed(cfg.type, column, dict(er.result or {}), dict(er.exception_info or {}))
    sev = spec.get("severity") or getattr(cfg.severity, "value", cfg.severity) or BLOCKING_SEVERITY
    catatan = (spec.get("meta") or {}).get("catatan") or (cfg.meta or {}).get("catatan") or ""
    return idx, ExpectationOutcome(cfg.type, column, bool(er.success), observed, n, catatan, str(sev))


_RESULT_FORMAT = {"result_format": "SUMMARY", "partial_unexpected_count": _PARTIAL_COUNT}


class DuckDBColumns:
    """A DuckDB relation validated column by column: the whole table never sits in memory as one
    pandas frame (1.36 M accepted households × 35 columns would be over 2 GB)."""

    def __init__(self, con: Any, relation: str):
        self.con, self.relation = con, relation
        self.columns = [r[0] for r in con.execute(f"DESCRIBE {relation}").fetchall()]
        self._len = con.execute(f"SELECT count(*) FROM {relation}").fetchone()[0]

    def __len__(self) -> int:
        return self._len

    def empty(self) -> "pd.DataFrame":
        return self.con.sql(f"SELECT * FROM {self.relation} LIMIT 0").df()

    def column(self, col: str) -> "pd.Series":
        return self.con.sql(f'SELECT "{col}" FROM {self.relation}').df()[col]

    def frame(self) -> "pd.DataFrame":
        return self.con.sql(f"SELECT * FROM {self.relation}").df()


def _evaluate(prep: _Prepared, df: "pd.DataFrame | DuckDBColumns", *, split: bool | None = None) -> SuiteResult:
    import pandas as pd

    t0 = time.perf_counter()
    lazy = isinstance(df, DuckDBColumns)
    if split is None:
        split = lazy or len(df) >= SPLIT_MIN_ROWS
    rows: list[tuple[int, ExpectationOutcome]] = []
    if not split:
        frame = df.frame() if lazy else df
        vd, ids = _whole(prep)
        run = vd.run(batch_parameters={"dataframe": _fit_numeric(frame, prep.numeric_columns)}, result_format=_RESULT_FORMAT)
        rows = [_outcome(er, ids, prep.specs) for er in run.results]
    else:
        for col, kind, vd, ids in _parts(prep):
            if kind == "schema":
                sub = df.empty() if lazy else df.iloc[:0]
            elif kind == "table":
                sub = df.frame() if lazy else df
            elif col in df.columns:
                s = df.column(col) if lazy else df[col]
                sub = pd.DataFrame({col: _as_numeric(s) if col in prep.numeric_columns else s}, index=s.index)
            else:  # missing column: GX reports it on every expectation of the column
                sub = pd.DataFrame(index=pd.RangeIndex(len(df))) if lazy else df.iloc[:, :0]
            run = vd.run(batch_parameters={"dataframe": sub}, result_format=_RESULT_FORMAT)
            rows += [_outcome(er, ids, prep.specs) for er in run.results]
            del sub
    rows.sort(key=lambda r: r[0])
    outcomes = [o for _, o in rows]
    return SuiteResult(
        suite_name=prep.suite_name,
        success=not any(o.blocking for o in outcomes),
        results=outcomes,
        row_count=len(df),
        seconds=time.perf_counter() - t0,
    )


def run_suite(
    suite_name: str,
    df: "pd.DataFrame | DuckDBColumns",
    *,
    docs_dir: Path | None = None,
    expectations_dir: Path | None = None,
    split: bool | None = None,
) -> SuiteResult:
    """Validate ``df`` against ``expectations/<suite_name>.json``; optional HTML report in ``docs_dir``.

    ``split`` forces (True) or forbids (False) column-by-column evaluation; default: by frame size.
    """
    prep = _prepare(suite_name, expectations_dir)
    with _lock:  # GX contexts are not thread-safe
        result = _evaluate(prep, df, split=split)
    if docs_dir is not None:
        result.docs_index = write_report(docs_dir, suite_name, {None: result})
    return result


def run_per_group(
    suite_name: str,
    df: "pd.DataFrame",
    group_col: str,
    *,
    docs_dir: Path | None = None,
    expectations_dir: Path | None = None,
) -> dict[Any, SuiteResult]:
    """Validate each group of rows (e.g. one row per district submission) separately; one context,
    one validation definition, one HTML report for the whole set."""
    prep = _prepare(suite_name, expectations_dir)
    out: dict[Any, SuiteResult] = {}
    with _lock:
        for key, part in df.groupby(group_col, sort=True, dropna=False):
            key = key[0] if isinstance(key, tuple) and len(key) == 1 else key
            out[key] = _evaluate(prep, part.reset_index(drop=True))
    if docs_dir is not None and out:
        index = write_report(docs_dir, suite_name, out, group_col=group_col)
        for r in out.values():
            r.docs_index = index
    return out

# --------------------------------------------------------------------------------------------
# HTML report
# --------------------------------------------------------------------------------------------
_CSS = """
body{font-family:system-ui,sans-serif;margin:2em;color:#222}
table{border-collapse:collapse;margin:1em 0;width:100%}
th,td{border:1px solid #ccc;padding:4px 8px;text-align:left;vertical-align:top;font-size:14px}
th{background:#f0f0f0}.ok{color:#1a7f37}.gagal{color:#b00020;font-weight:bold}
.peringatan{color:#9a6700}small{color:#666}
"""
_RUN_FILE = re.compile(r"^(?P<suite>[a-z_]+)_(?P<ts>\d{8}T\d{12}Z)\.html$")


def _status(o: ExpectationOutcome) -> tuple[str, str]:
    if o.success:
        return "ok", "lolos"
    return ("gagal", "GAGAL") if o.blocking else ("peringatan", "peringatan")


def _result_table(r: SuiteResult) -> str:
    rows = []
    for o in r.results:
        cls, label = _status(o)
        rows.append(
            "<tr>"
            f"<td class='{cls}'>{label}</td>"
            f"<td>{html.escape(o.expectation_type)}</td>"
            f"<td>{html.escape(o.column or '-')}</td>"
            f"<td>{html.escape(o.severity)}</td>"
            f"<td>{html.escape(o.observed)}</td>"
            f"<td>{html.escape(o.catatan)}</td>"
            "</tr>"
        )
    head = "<tr><th>hasil</th><th>pemeriksaan</th><th>kolom</th><th>tingkat</th><th>teramati</th><th>catatan</th></tr>"
    return "<table>" + head + "".join(rows) + "</table>"


def write_report(
    docs_dir: Path, suite_name: str, results: dict[Any, SuiteResult], *, group_col: str | None = None
) -> Path:
    """Write ``<suite>_<timestamp>.html`` and regenerate ``index.html``; returns the index path."""
    docs_dir = Path(docs_dir)
    docs_dir.mkdir(parents=True, exist_ok=True)
    now = datetime.now(timezone.utc)
    ts = now.strftime("%Y%m%dT%H%M%S%fZ")
    ok = all(r.success for r in results.values())
    rows = sum(r.row_count for r in results.values())
    parts = [
        f"<!doctype html><html lang='id'><meta charset='utf-8'><title>{html.escape(suite_name)} {ts}</title>",
        f"<style>{_CSS}</style><p><a href='index.html'>&larr; daftar validasi</a></p>",
        f"<h1>Validasi '{html.escape(suite_name)}'</h1>",
        f"<p>Waktu: {now.isoformat(timespec='seconds')} &middot; baris: {rows} &middot; status: "
        + ("<span class='ok'>LOLOS</span>" if ok else "<span class='gagal'>GAGAL</span>")
        + "</p><p><small>Tingkat 'critical' menghentikan data; 'warning' hanya dilaporkan. "
        "Nilai kolom data pribadi tidak ditampilkan.</small></p>",
    ]
    for key, r in results.items():
        if group_col is not None:
            status = "<span class='ok'>lolos</span>" if r.success else "<span class='gagal'>DITAHAN</span>"
            parts.append(f"<h2>{html.escape(group_col)} = {html.escape(str(key))} &middot; {status}</h2>")
        parts.append(_result_table(r))
    parts.append("</html>\n")
    name = f"{suite_name}_{ts}.html"
    _atomic_write_text(docs_dir / name, "".join(parts))
    # Small status file so the index can show pass/fail without parsing HTML.
    status_path = docs_dir / "status.json"
    try:
        status = json.loads(status_path.read_text(encoding="utf-8")) if status_path.exists() else {}
    except ValueError:
        status = {}
    status[name] = {"suite": suite_name, "success": ok, "rows": rows, "waktu": now.isoformat(timespec="seconds")}
    # retention: keep the newest runs per suite
    runs = sorted((p.name for p in docs_dir.glob("*.html") if _RUN_FILE.match(p.name)), reverse=True)
    kept: dict[str, int] = {}
    for fn in runs:
        s = _RUN_FILE.match(fn).group("suite")  # type: ignore[union-attr]
        kept[s] = kept.get(s, 0) + 1
        if kept[s] > _REPORT_KEEP_PER_SUITE:
            (docs_dir / fn).unlink(missing_ok=True)
            status.pop(fn, None)
    runs = [fn for fn in runs if (docs_dir / fn).exists()]
    status = {k: v for k, v in status.items() if k in runs}
    _atomic_write_text(status_path, json.dumps(status, indent=1, ensure_ascii=False))
    items = []
    for fn in runs:
        st = status.get(fn, {})
        label = {True: "<span class='ok'>lolos</span>", False: "<span class='gagal'>gagal</span>"}.get(
            st.get("success"), "?"
        )
        items.append(
            f"<tr><td>{html.escape(st.get('waktu', ''))}</td><td>{html.escape(st.get('suite', ''))}</td>"
            f"<td>{label}</td><td>{st.get('rows', '')}</td>"
            f"<td><a href='{html.escape(fn)}'>{html.escape(fn)}</a></td></tr>"
        )
    index = (
        "<!doctype html><html lang='id'><meta charset='utf-8'><title>Validasi Great Expectations</title>"
        f"<style>{_CSS}</style><h1>Hasil validasi Great Expectations</h1>"
        "<p><small>Dibuat ulang setiap kali pipeline berjalan. Rangkaian pemeriksaan: "
        "expectations/*.json.</small></p><table><tr><th>waktu (UTC)</th><th>suite</th><th>hasil</th>"
        "<th>baris</th><th>laporan</th></tr>" + "".join(items) + "</table></html>\n"
    )
    index_path = docs_dir / "index.html"
    _atomic_write_text(index_path, index)
    return index_path


def main() -> None:  # pragma: no cover - `python -m orchestration.lib.gx_adapter`
    for name, path in build_suites().items():
        print(f"{name}: {path}")


if __name__ == "__main__":  # pragma: no cover
    main()
