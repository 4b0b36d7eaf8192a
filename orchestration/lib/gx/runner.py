"""Running a suite of expectations/ with Great Expectations 1.x on pandas DataFrames.

* GX is imported lazily, inside functions: importing it costs seconds, and the Dagster code location
  must load fast. The ephemeral context (in-memory stores, analytics and progress bars off, nothing
  written to ``~/.great_expectations``) and the validation definitions are cached per process.
* GX's SQL data source on DuckDB is broken (see stack notes), so tables are pulled as DataFrames
  (``con.sql(...).df()``) and validated through the pandas data source.
* Failing expectations are reported as :class:`ExpectationOutcome` (the gate turns them into the
  hold reason). Only the per-district statistics are validated here (no personal data): the
  post-gate invariants on the accepted rows are dbt tests (orchestration/lib/gate/invariants.py).
"""

from __future__ import annotations

import itertools
import json
import math
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from orchestration.lib.gx.suites import suite_path

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

BLOCKING_SEVERITY = "critical"

_PARTIAL_COUNT = 5


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


_lock = threading.RLock()
_context: Any = None
_asset: Any = None
_serial = itertools.count(1)


@dataclass
class _Prepared:
    suite_name: str
    specs: list[dict]
    whole: tuple[Any, dict[str, int]] | None = None
    numeric_columns: frozenset[str] = frozenset()


_prepared: dict[str, tuple[str, _Prepared]] = {}  # path → (file signature, prepared)


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


def warm_up() -> threading.Thread:
    """Import GX and build the context in a background thread (it takes ~5 s). The ingestion step calls
    this before reading files: it mostly waits on its reader processes and DuckDB (both without the GIL),
    so the gate, which needs GX next, does not start by importing it. `_get_context` holds the lock:
    a validation that starts earlier waits for the same context instead of building a second one."""
    thread = threading.Thread(target=_get_context, name="gx-warm-up", daemon=True)
    thread.start()
    return thread


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


def _as_numeric(s: pd.Series) -> pd.Series:
    """GX compares only plain int64/float64 columns vectorised; int32, nullable Int64 etc. go
    element by element in Python. Cast those to float64 (NULL → NaN)."""
    import pandas as pd

    if pd.api.types.is_bool_dtype(s.dtype) or str(s.dtype) in ("int64", "float64"):
        return s
    if pd.api.types.is_numeric_dtype(s.dtype):
        return s.astype("float64")
    return s


def _fit_numeric(df: pd.DataFrame, columns: frozenset[str]) -> pd.DataFrame:
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


def _evaluate(prep: _Prepared, df: pd.DataFrame) -> SuiteResult:
    t0 = time.perf_counter()
    vd, ids = _whole(prep)
    run = vd.run(batch_parameters={"dataframe": _fit_numeric(df, prep.numeric_columns)}, result_format=_RESULT_FORMAT)
    rows = [_outcome(er, ids, prep.specs) for er in run.results]
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
    df: pd.DataFrame,
    *,
    expectations_dir: Path | None = None,
) -> SuiteResult:
    """Validate ``df`` against ``expectations/<suite_name>.json``."""
    prep = _prepare(suite_name, expectations_dir)
    with _lock:  # GX contexts are not thread-safe
        return _evaluate(prep, df)


def run_per_group(
    suite_name: str,
    df: pd.DataFrame,
    group_col: str,
    *,
    expectations_dir: Path | None = None,
) -> dict[Any, SuiteResult]:
    """Validate each group of rows (e.g. one row per district submission) separately, with one
    context and one validation definition for the whole set."""
    prep = _prepare(suite_name, expectations_dir)
    out: dict[Any, SuiteResult] = {}
    with _lock:
        for key, part in df.groupby(group_col, sort=True, dropna=False):
            key = key[0] if isinstance(key, tuple) and len(key) == 1 else key
            out[key] = _evaluate(prep, part.reset_index(drop=True))
    return out
