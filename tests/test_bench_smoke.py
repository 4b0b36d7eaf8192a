"""Smoke test of the benchmark: every measurement runs at small scale (peer included) and lands in
the report with numbers. Targets are not asserted: small scale is dominated by fixed overheads."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

from bench.run_bench import TARGETS

ROOT = Path(__file__).resolve().parent.parent
NUM = r"\d+(?:\.\d+)?"


def _row(md: str, label: str) -> list[str]:
    """Cells of the measurement-table row whose first cell starts with ``label``."""
    for line in md.splitlines():
        if line.startswith(f"| {label}"):
            return [c.strip() for c in line.strip().strip("|").split("|")]
    raise AssertionError(f"no row {label!r} in the report:\n{md}")


def test_bench_small_end_to_end(tmp_path):
    work, out = tmp_path / "work", tmp_path / "out"
    env = {
        **os.environ,
        "DO_NOT_TRACK": "1",
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
        "GX_ANALYTICS_ENABLED": "false",
        "DAGSTER_DISABLE_TELEMETRY": "true",
    }
    env.pop("P3JR_WAREHOUSE_PATH", None)
    proc = subprocess.run(
        [
            sys.executable,
            str(ROOT / "bench" / "run_bench.py"),
            "--scale",
            "small",
            "--work",
            str(work),
            "--out",
            str(out),
            "--query-runs",
            "3",
            "--sizes",
            "1,2",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=1500,
    )
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-4000:]

    # one report per scale (git keeps the history), no timestamped copies
    assert sorted(p.name for p in out.iterdir()) == ["LATEST_small.json", "LATEST_small.md"]
    latest = out / "LATEST_small.md"
    md = latest.read_text(encoding="utf-8")

    # every measurement row, with numeric wall / CPU / peak RSS
    for label in ("floor", "full", "incremental (", "incremental, smallest district", "no change", "peer"):
        cells = _row(md, label)
        for c in cells[1:4]:
            assert re.fullmatch(NUM, c), (label, cells)
        assert float(cells[1]) > 0, (label, cells)
    assert re.search(rf"slowest median {NUM} ms", _row(md, "analyst queries")[-1])
    assert re.search(rf"full / floor = {NUM} ×", md)
    assert re.search(rf"peer / full = {NUM} ×", md)
    for target in TARGETS.values():
        assert re.search(rf"\| {re.escape(target)} \| [^|]*{NUM}[^|]* \| (PASS|MISS) \|", md), target
    for section in ("## Machine and versions", "## Dagster step times", "## Analyst queries", "## Incremental change"):
        assert section in md
    for pkg in ("duckdb", "dagster", "dbt-core", "dagster-dbt", "great-expectations", "python-calamine"):
        assert pkg in md

    raw = json.loads((out / "LATEST_small.json").read_text(encoding="utf-8"))
    m = raw["main"]
    assert m["rows"]["xlsx"] > 0 and m["rows"]["csv"] > 0
    assert m["floor"]["rows_xlsx"] > 0 and m["floor"]["rows_csv"] > 0 and m["floor"]["skipped"] >= 1
    for key in ("full", "incremental", "incremental_small", "no_change", "peer"):
        assert m[key]["rc"] == 0, key
        assert m[key]["wall_s"] > 0 and m[key]["peak_rss_bytes"] > 0, key
    assert m["full"]["cpu_s"] > 0
    # per-step times come from the Dagster event log
    assert m["full"]["steps"] and all(v > 0 for v in m["full"]["steps"].values())
    assert any("dbt" in k for k in m["full"]["steps"])
    # the corrected value reached the analysts' database
    assert m["incremental"]["visible_in_published"] is True
    assert m["incremental"]["jumlah_jiwa_after"] == m["incremental"]["jumlah_jiwa_before"] + 1
    # ... also from the smallest district that sent a CSV, a different one
    small, large = m["incremental_small"], m["incremental"]
    assert small["visible_in_published"] is True and small["pick"]["district"] != large["pick"]["district"]
    assert small["pick"]["district_rows"] <= large["pick"]["district_rows"]
    # the scaling rows: 1 x and 2 x the scale, twice the rows, each with a full and an incremental run
    one, two = raw["scaling"]
    assert (one["size_factor"], two["size_factor"]) == (1.0, 2.0)
    assert 1.6 < two["rows"] / one["rows"] < 2.4
    assert all(s["full_wall_s"] > 0 and s["incremental_wall_s"] > 0 and s["peak_rss_bytes"] > 0 for s in (one, two))
    assert "## Scaling" in md
    # every documented analyst query was timed
    sys.path.insert(0, str(ROOT / "bench"))
    from run_bench import parse_queries

    names = [n for n, _ in parse_queries()]
    assert names and sorted(m["queries"]) == sorted(names)
    assert all(v["median_ms"] > 0 for v in m["queries"].values())
    assert m["peer"]["summary"]["households_total"] > 0
