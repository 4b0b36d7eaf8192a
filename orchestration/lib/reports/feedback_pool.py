"""Every district's feedback workbook, written by worker processes when there is enough to write.

Writing a workbook is xlsxwriter's pure-Python cell loop: one core per workbook. A province night
writes all 22 (one of them, with 60,000 warnings, alone takes 7 s), so with two cores the workbooks
are shared between worker processes, the largest first. The decision what to write (the digests) is
taken here, in this process; the workers only write what was planned, each from its own read-only
connection. The caller's writer lock covers them: this process closes its read-write connection
before they open the file (DuckDB lets readers in only when no process has it open for writing).
"""

from __future__ import annotations

import os
from pathlib import Path

import duckdb

from orchestration.lib.publish.data_dictionary import Labels
from orchestration.lib.reports.feedback_digest import FeedbackPlan, FeedbackWrite, plan_feedback, write_planned
from orchestration.lib.warehouse import open_duckdb

# Below this many list rows (karantina + peringatan) over all planned workbooks, starting worker
# processes (about 1.5 s of imports each) costs more than it saves.
PARALLEL_MIN_ROWS = 50_000


def write_all_feedback(
    db_path: Path,
    out_dir: Path,
    *,
    force: bool = False,
    workers: int | None = None,
    min_rows: int = PARALLEL_MIN_ROWS,
) -> list[FeedbackWrite]:
    """The workbook of every district with a registered file, rewritten where :func:`plan_feedback` says
    so; one result per district, in district order. The caller holds the warehouse's writer lock."""
    labels = Labels.load()
    con = open_duckdb(db_path)
    try:
        capaian = {
            r["kode_kabupaten"]: r for r in con.sql("SELECT * FROM marts.capaian_pendataan").df().to_dict("records")
        }
        codes = [
            r[0]
            for r in con.execute(
                "SELECT DISTINCT folder FROM ingestion.file_registry WHERE kode_kabupaten IS NOT NULL"
            ).fetchall()
        ]
        outcomes = [
            plan_feedback(con, kode, out_dir, capaian=capaian.get(kode), labels=labels, force=force)
            for kode in sorted(codes)
        ]
        plans = [o for o in outcomes if isinstance(o, FeedbackPlan)]
        n = worker_count(plans, workers, min_rows)
        if n < 2:
            written = {p.kode_kabupaten: write_planned(con, p, out_dir, labels) for p in plans}
    finally:
        con.close()
    if n >= 2:
        written = _write_in_workers(db_path, plans, out_dir, n)
    return [written.get(o.kode_kabupaten, o) for o in outcomes]


def worker_count(plans: list[FeedbackPlan], workers: int | None, min_rows: int) -> int:
    """How many worker processes: none (1) for one workbook or little to write, else one per core (at
    most 4, at most one per workbook)."""
    if len(plans) < 2 or sum(p.list_rows for p in plans) < min_rows:
        return 1
    return max(1, min(workers or min(4, os.cpu_count() or 1), len(plans)))


def _write_in_workers(db_path: Path, plans: list[FeedbackPlan], out_dir: Path, n: int) -> dict[str, FeedbackWrite]:
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    # spawn, not fork: the run worker has threads (Dagster's, DuckDB's) whose locks a fork would copy
    with ProcessPoolExecutor(
        n, mp_context=multiprocessing.get_context("spawn"), initializer=_open_reader, initargs=(str(db_path),)
    ) as pool:
        largest_first = sorted(plans, key=lambda p: -p.list_rows)
        futures = [pool.submit(_write_one, plan, str(out_dir)) for plan in largest_first]
        results = [f.result() for f in futures]  # a worker's exception fails the step here
    return {r.kode_kabupaten: r for r in results}


_reader: duckdb.DuckDBPyConnection | None = None
_labels: Labels | None = None


def _open_reader(db_path: str) -> None:
    global _reader, _labels
    _reader = open_duckdb(Path(db_path), read_only=True)
    _labels = Labels.load()


def _write_one(plan: FeedbackPlan, out_dir: str) -> FeedbackWrite:
    assert _reader is not None and _labels is not None
    return write_planned(_reader, plan, Path(out_dir), _labels)
