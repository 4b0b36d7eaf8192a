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
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from orchestration.lib.gx import worker
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


def warm_up() -> threading.Thread | None:
    """Import GX and build the context in a background thread (it takes ~5 s). The ingestion step calls
    this before reading files: it mostly waits on its reader processes and DuckDB (both without the GIL),
    so the gate, which needs GX next, does not start by importing it. `_get_context` holds the lock:
    a validation that starts earlier waits for the same context instead of building a second one.
    Nothing when a worker process has GX (worker.py)."""
    if worker.running():
        return None
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


def _outcome(
    er: Any, ids: dict[str, int], specs: list[dict], *, success: bool | None = None, result: dict | None = None
) -> tuple[int, ExpectationOutcome]:
    """``er`` as an outcome; ``success`` and ``result`` replace its own for one group of a single pass."""
    cfg = er.expectation_config
    idx = ids.get(str(cfg.id), len(specs))
    spec = specs[idx] if idx < len(specs) else {}
    column = cfg.kwargs.get("column")
    res = dict(er.result or {}) if result is None else result
    observed, n = _observed(cfg.type, column, res, dict(er.exception_info or {}))
    sev = spec.get("severity") or getattr(cfg.severity, "value", cfg.severity) or BLOCKING_SEVERITY
    catatan = (spec.get("meta") or {}).get("catatan") or (cfg.meta or {}).get("catatan") or ""
    ok = bool(er.success) if success is None else success
    return idx, ExpectationOutcome(cfg.type, column, ok, observed, n, catatan, str(sev))


_RESULT_FORMAT = {"result_format": "SUMMARY", "partial_unexpected_count": _PARTIAL_COUNT}


def _validate(prep: _Prepared, df: pd.DataFrame, result_format: dict) -> tuple[list, dict[str, int]]:
    vd, ids = _whole(prep)
    run = vd.run(batch_parameters={"dataframe": _fit_numeric(df, prep.numeric_columns)}, result_format=result_format)
    return list(run.results), ids


def _suite_result(
    prep: _Prepared, rows: list[tuple[int, ExpectationOutcome]], row_count: int, t0: float
) -> SuiteResult:
    outcomes = [o for _, o in sorted(rows, key=lambda r: r[0])]
    return SuiteResult(
        suite_name=prep.suite_name,
        success=not any(o.blocking for o in outcomes),
        results=outcomes,
        row_count=row_count,
        seconds=time.perf_counter() - t0,
    )


def _evaluate(prep: _Prepared, df: pd.DataFrame) -> SuiteResult:
    t0 = time.perf_counter()
    results, ids = _validate(prep, df, _RESULT_FORMAT)
    return _suite_result(prep, [_outcome(er, ids, prep.specs) for er in results], len(df), t0)


# Expectations judged row by row (or on the column set), without `mostly`: for these, one validation of
# all groups together finds the same failing rows as one validation per group. GX spends ~0.15 s per
# validation whatever the size (3 s of a 22-district night, one row each), so the gate validates once.
_ROW_WISE = frozenset(
    {
        "expect_column_values_to_not_be_null",
        "expect_column_values_to_be_null",
        "expect_column_values_to_be_between",
        "expect_column_values_to_be_in_set",
        "expect_column_values_to_not_be_in_set",
        "expect_column_values_to_match_regex",
        "expect_column_values_to_not_match_regex",
    }
)
_SCHEMA = frozenset({"expect_table_columns_to_match_set", "expect_table_columns_to_match_ordered_list"})
_COMPLETE = {"result_format": "COMPLETE"}


def _single_pass(prep: _Prepared) -> bool:
    return all(e.get("type") in _ROW_WISE | _SCHEMA and "mostly" not in (e.get("kwargs") or {}) for e in prep.specs)


def _group_result(res: dict, column: str | None, df: pd.DataFrame, rows: list[int], bad: list) -> tuple[bool, dict]:
    """One group's share (its ``rows``, its failing ``bad`` values) of a row-wise result over the whole
    frame, as GX reports it for the group alone."""
    out = {
        "element_count": len(rows),
        "unexpected_count": len(bad),
        "partial_unexpected_list": bad[:_PARTIAL_COUNT],
    }
    if "missing_count" in res:
        out["missing_count"] = int(df[column].iloc[rows].isna().sum())
    return not bad, out


def _evaluate_groups(prep: _Prepared, df: pd.DataFrame, groups: dict[Any, list[int]]) -> dict[Any, SuiteResult]:
    t0 = time.perf_counter()
    results, ids = _validate(prep, df, _COMPLETE)
    group_of = {pos: key for key, positions in groups.items() for pos in positions}
    rows: dict[Any, list] = {key: [] for key in groups}
    for er in results:
        res = dict(er.result or {})
        if "unexpected_index_list" not in res:  # the column set, or an error: the same for every group
            for key in groups:
                rows[key].append(_outcome(er, ids, prep.specs))
            continue
        bad: dict[Any, list] = {key: [] for key in groups}
        for pos, value in zip(res["unexpected_index_list"], res["unexpected_list"]):
            bad[group_of[pos]].append(value)
        column = er.expectation_config.kwargs.get("column")
        for key, positions in groups.items():
            ok, part = _group_result(res, column, df, positions, bad[key])
            rows[key].append(_outcome(er, ids, prep.specs, success=ok, result=part))
    return {key: _suite_result(prep, rows[key], len(groups[key]), t0) for key in groups}


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
    """Judge each group of rows (e.g. one row per district submission) alone, with one context and one
    validation definition for the whole set (and one validation, when the suite allows it)."""
    if worker.running():  # a cold correction: GX lives in its own process (worker.py)
        try:
            return worker.call(run_per_group, suite_name, df, group_col, expectations_dir=expectations_dir)
        except BrokenProcessPool:
            pass  # the worker died: judged here, the same way
    prep = _prepare(suite_name, expectations_dir)
    frame = df.reset_index(drop=True)
    keys = frame[group_col].astype(object).where(frame[group_col].notna(), None)
    groups: dict[Any, list[int]] = {}
    for pos, key in enumerate(keys):
        groups.setdefault(key, []).append(pos)
    groups = dict(sorted(groups.items(), key=lambda kv: (kv[0] is None, str(kv[0]))))
    with _lock:
        if _single_pass(prep):
            return _evaluate_groups(prep, frame, groups)
        return {key: _evaluate(prep, frame.iloc[pos].reset_index(drop=True)) for key, pos in groups.items()}
