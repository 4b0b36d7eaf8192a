#!/usr/bin/env python
"""Province-scale benchmark of the P3JR pipeline (``make bench``; see ``bench/README.md``).

One invocation measures, on the same generated landing zone and the same machine, so the numbers compare:

* **floor**    the same files parsed by the fastest readers alone (python-calamine for xlsx, DuckDB
               ``read_csv`` for csv) straight into one DuckDB table — no validation, no transforms;
* **full**     ``p3jr run`` as a subprocess from an empty data directory: wall, CPU (user+sys of the
               process tree), peak RSS (sum over the process tree, polled every 0.2 s) and per-step
               times read back from the Dagster event log;
* **incremental** the largest district corrects one value in its biggest CSV file, then
               ``p3jr run --district <kode>``; verified in the published database;
* **no change** ``p3jr run`` again with nothing changed;
* **peer**     ``bench/peer_pandas.py`` (pandas + openpyxl + Great Expectations, what an analyst writes);
* **analyst queries** median latency of every ``-- name:`` block of ``docs/contoh_query.sql`` on the
               published database, each run on a fresh read-only connection.

``--sizes 0.1,0.5,1.0`` adds a scaling table (full + incremental at each size factor).
Writes ``<out>/bench_<scale>_<YYYYmmdd-HHMM>.md`` + ``.json`` and copies them to ``LATEST_<scale>.*``.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import gzip
import io
import json
import os
import platform
import re
import resource
import shutil
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from datetime import datetime
from importlib import metadata
from pathlib import Path
from typing import Any

TELEMETRY_OFF = {
    "DO_NOT_TRACK": "1",
    "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
    "GX_ANALYTICS_ENABLED": "false",
    "DAGSTER_DISABLE_TELEMETRY": "true",
}
os.environ.update(TELEMETRY_OFF)
os.environ.setdefault("P3JR_PSEUDONYM_KEY", "p3jr-kunci-bench-bukan-rahasia")  # demo data only

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import duckdb  # noqa: E402
import psutil  # noqa: E402

BIN = Path(sys.executable).parent
P3JR = BIN / "p3jr"
DISTRICT = re.compile(r"^53\.\d{2}$")
QUERIES_SQL = ROOT / "docs" / "contoh_query.sql"
GB = 1024**3
MB = 1024**2

NO_CHANGE_TARGET_S = 2  # issue 13: a nightly rerun with nothing new

TARGETS = {  # key: (description, comparison)
    "full_vs_floor": "full ≤ 2 × floor",
    "incremental": "incremental ≤ 20 s",
    "incremental_siaga": "incremental ≤ 20 s with `p3jr siaga` running",
    "no_change": f"no change ≤ {NO_CHANGE_TARGET_S} s",
    "peak_rss": "peak RSS ≤ 2 GB",
    "peer_vs_full": "full ≥ 10 × faster than peer",
    "queries": "analyst queries < 100 ms median",
    "peak_rss_2x": "peak RSS ≤ 2 GB at 2 × the province",
    "per_million_2x": "full time per million rows at 2 × within 15 % of 1 ×",
}


def log(msg: str) -> None:
    print(f"[bench {datetime.now():%H:%M:%S}] {msg}", flush=True)


# ------------------------------------------------------------------------------------------------
# measuring a subprocess
# ------------------------------------------------------------------------------------------------
def _tree_rss(proc: psutil.Process, proportional: bool = False) -> int:
    """RSS summed over ``proc`` and its descendants; ``proportional``: PSS instead, for a forked tree
    (`p3jr siaga` and its children share the imported modules, which RSS would count once per process)."""
    try:
        procs = [proc, *proc.children(recursive=True)]
    except psutil.Error:
        return 0
    total = 0
    for p in procs:
        try:
            total += p.memory_full_info().pss if proportional else p.memory_info().rss
        except psutil.Error:
            pass
    return total


def _server_cpu(server: psutil.Process | None) -> float:
    if server is None:
        return 0.0
    t = server.cpu_times()
    return t.user + t.system + t.children_user + t.children_system


@contextlib.contextmanager
def siaga_server(run_dir: Path, logs: Path) -> Iterator[dict]:
    """`p3jr siaga` for the runs inside the block: its socket, its process and when it was ready."""
    sock = run_dir / "siaga.sock"
    env = {**os.environ, **TELEMETRY_OFF}
    env.pop("P3JR_WAREHOUSE_PATH", None)
    t0 = time.perf_counter()
    with open(logs / "siaga.log", "w", encoding="utf-8") as fh:
        p = subprocess.Popen(
            [str(P3JR), "siaga", "--socket", str(sock)], stdout=fh, stderr=subprocess.STDOUT, env=env, cwd=ROOT
        )
        try:
            while not sock.exists():
                if p.poll() is not None or time.perf_counter() - t0 > 300:
                    raise RuntimeError(f"p3jr siaga did not start: {_tail(logs / 'siaga.log', 1500)}")
                time.sleep(0.05)
            ready = time.perf_counter() - t0
            log(f"siaga: ready after {ready:.1f} s")
            yield {"socket": sock, "process": psutil.Process(p.pid), "ready_s": round(ready, 3)}
        finally:
            p.terminate()
            p.wait(timeout=60)


def measure(
    cmd: list[str],
    log_path: Path,
    env: dict[str, str] | None = None,
    timeout: float | None = None,
    watch: Callable[[], bool] | None = None,
    server: psutil.Process | None = None,
) -> dict:
    """Run ``cmd``; wall, CPU of the child tree (RUSAGE_CHILDREN delta), peak RSS of the tree, and with
    ``watch`` the seconds until it first returned True (checked every 0.25 s while the command runs).
    With ``server`` (a `p3jr siaga` the command hands its work to) that server's tree counts too: its
    PSS in the peak, its CPU (its own and its reaped children's) in the CPU."""
    full_env = {**os.environ, **TELEMETRY_OFF, **(env or {})}
    full_env.pop("P3JR_WAREHOUSE_PATH", None)
    log_path.parent.mkdir(parents=True, exist_ok=True)
    ru0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    sc0 = _server_cpu(server)
    peak = [0, 0.0]  # bytes, epoch seconds when seen
    stop = threading.Event()
    t0 = time.perf_counter()
    with open(log_path, "w", encoding="utf-8") as fh:
        p = subprocess.Popen(cmd, stdout=fh, stderr=subprocess.STDOUT, env=full_env, cwd=ROOT)

        def poll() -> None:
            try:
                proc = psutil.Process(p.pid)
            except psutil.Error:
                return
            while not stop.is_set():
                rss = _tree_rss(proc) + (_tree_rss(server, proportional=True) if server else 0)
                if rss > peak[0]:
                    peak[0], peak[1] = rss, time.time()
                stop.wait(0.2)

        seen_at: list[float] = []

        def look() -> None:
            while not stop.is_set() and not seen_at:
                if watch():
                    seen_at.append(time.perf_counter() - t0)
                stop.wait(0.25)

        th = threading.Thread(target=poll, daemon=True)
        th.start()
        watcher = threading.Thread(target=look, daemon=True) if watch else None
        if watcher:
            watcher.start()
        try:
            rc = p.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            p.kill()
            rc = p.wait()
        wall = time.perf_counter() - t0
        stop.set()
        th.join()
        if watcher:
            watcher.join()
    ru1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    server_cpu = _server_cpu(server) - sc0
    return {
        "cmd": " ".join(str(c) for c in cmd),
        "rc": rc,
        "wall_s": round(wall, 3),
        "cpu_user_s": round(ru1.ru_utime - ru0.ru_utime, 3),
        "cpu_sys_s": round(ru1.ru_stime - ru0.ru_stime, 3),
        "cpu_s": round((ru1.ru_utime - ru0.ru_utime) + (ru1.ru_stime - ru0.ru_stime) + server_cpu, 3),
        "server_cpu_s": round(server_cpu, 3) if server else None,
        "peak_rss_bytes": peak[0],
        "peak_rss_at": peak[1],
        "watched_after_s": round(seen_at[0], 3) if seen_at else None,
        "log": str(log_path),
    }


def _tail(path: str | Path, n: int = 3000) -> str:
    try:
        return Path(path).read_text(encoding="utf-8", errors="replace")[-n:]
    except OSError:
        return ""


# ------------------------------------------------------------------------------------------------
# landing zone
# ------------------------------------------------------------------------------------------------
def _summary_matches(s: dict, scale: str, seed: int, size_factor: float) -> bool:
    try:
        return (
            s["scale"] == scale
            and int(s["seed"]) == seed
            and abs(float(s["size_factor"]) - size_factor) < 1e-9
            and abs(float(s.get("defect_rate", 0.03)) - 0.03) < 1e-9
            and s.get("run_date") is None
        )
    except (KeyError, TypeError, ValueError):
        return False


def ensure_landing(work: Path, scale: str, seed: int, size_factor: float) -> tuple[Path, dict, dict]:
    """The generated landing for (scale, seed, size); reused when its summary.json matches."""
    d = work / f"landing_{scale}_seed{seed}_f{size_factor:g}"
    sj = d / "_manifest" / "summary.json"
    if sj.exists():
        s = json.loads(sj.read_text(encoding="utf-8"))
        files_ok = True
        with open(d / "_manifest" / "files.csv", newline="", encoding="utf-8") as f:
            for r in csv.DictReader(f):
                if not (d / r["kode_folder"] / r["nama_file"]).exists():
                    files_ok = False
                    break
        if files_ok and _summary_matches(s, scale, seed, size_factor):
            log(f"reusing generated landing {d}")
            return d, s, {"reused": True, "seconds": 0.0}
    from tools.demo_data import generate

    log(f"generating {scale} (seed {seed}, size factor {size_factor:g}) into {d} ...")
    t0 = time.perf_counter()
    s = generate(d, scale=scale, seed=seed, size_factor=size_factor)
    secs = time.perf_counter() - t0
    log(f"generated {s['baris_total']} rows in {secs:.1f} s")
    return d, s, {"reused": False, "seconds": round(secs, 2)}


def link_tree(src: Path, dst: Path) -> str:
    """A private copy of the landing (district folders only) made of hard links: the incremental
    step replaces one file by rename, which leaves the generated original intact."""
    if dst.exists():
        shutil.rmtree(dst)
    dst.mkdir(parents=True)
    mode = "hardlink"
    for folder in sorted(src.iterdir()):
        if not folder.is_dir() or folder.name.startswith("_"):
            continue
        (dst / folder.name).mkdir()
        for f in folder.iterdir():
            if not f.is_file():
                continue
            try:
                os.link(f, dst / folder.name / f.name)
            except OSError:
                shutil.copy2(f, dst / folder.name / f.name)
                mode = "copy"
    return mode


def landing_files(landing: Path) -> list[Path]:
    return sorted(
        f for d in landing.iterdir() if d.is_dir() and DISTRICT.match(d.name) for f in d.iterdir() if f.is_file()
    )


def dir_size(p: Path) -> int:
    total = 0
    if not p.exists():
        return 0
    for root, _dirs, files in os.walk(p):
        for f in files:
            try:
                total += os.lstat(os.path.join(root, f)).st_size
            except OSError:
                pass
    return total


# ------------------------------------------------------------------------------------------------
# floor: fastest readers straight into DuckDB
# ------------------------------------------------------------------------------------------------
def _csv_dialect(path: Path) -> tuple[str, str] | None:
    """(duckdb encoding, delimiter) from the first 64 KiB; None for an empty/binary file."""
    from sources.readers_csv import sniff_delimiter

    with open(path, "rb") as fh:
        head = fh.read(65536)
    if not head.strip():
        return None
    if head.startswith(b"\xff\xfe") or head.startswith(b"\xfe\xff"):
        enc, text = "utf-16", head.decode("utf-16", errors="replace")
    else:
        if b"\x00" in head:
            return None
        try:
            text, enc = head[:-4].decode("utf-8") if len(head) == 65536 else head.decode("utf-8"), "utf-8"
        except UnicodeDecodeError:
            text, enc = head.decode("latin-1"), "latin-1"
    return enc, sniff_delimiter(text.lstrip("\ufeff"))


def floor_load(landing: Path, db_path: Path) -> dict:
    import duckdb
    import pyarrow as pa
    import python_calamine as pc

    for p in (db_path, Path(str(db_path) + ".wal")):
        if p.exists():
            p.unlink()
    t0 = time.perf_counter()
    con = duckdb.connect(str(db_path))
    con.execute("CREATE TABLE floor_rows (kode VARCHAR, nama_file VARCHAR, sheet VARCHAR)")
    width = 0

    def widen(n: int) -> None:
        nonlocal width
        for i in range(width, n):
            con.execute(f"ALTER TABLE floor_rows ADD COLUMN c{i} VARCHAR")
        width = max(width, n)

    stats = {
        "files_xlsx": 0,
        "files_csv": 0,
        "rows_xlsx": 0,
        "rows_csv": 0,
        "skipped": 0,
        "skipped_files": [],
        "csv_encoding_retry": 0,
        "xlsx_seconds": 0.0,
        "csv_seconds": 0.0,
    }
    for path in landing_files(landing):
        suffix = path.suffix.lower()
        rel = f"{path.parent.name}/{path.name}"
        t1 = time.perf_counter()
        try:
            if suffix in (".xlsx", ".xlsm"):
                if path.name.startswith("~$"):
                    raise ValueError("temporary Office file")
                wb = pc.CalamineWorkbook.from_path(str(path))
                n_file = 0
                for meta in wb.sheets_metadata:
                    if meta.visible != pc.SheetVisibleEnum.Visible or meta.typ != pc.SheetTypeEnum.WorkSheet:
                        continue
                    rows = wb.get_sheet_by_name(meta.name).to_python(skip_empty_area=False)
                    if not rows:
                        continue
                    w = max(len(r) for r in rows)
                    cols = [
                        pa.array(
                            [
                                None if (v == "" or v is None) else str(v)
                                for v in (r[j] if j < len(r) else None for r in rows)
                            ],
                            pa.string(),
                        )
                        for j in range(w)
                    ]
                    tbl = pa.table(cols, names=[f"c{j}" for j in range(w)])
                    widen(w)
                    con.register("_sheet", tbl)
                    collist = ", ".join(f"c{j}" for j in range(w))
                    con.execute(
                        f"INSERT INTO floor_rows (kode, nama_file, sheet, {collist}) "
                        f"SELECT ?, ?, ?, {collist} FROM _sheet",
                        [path.parent.name, path.name, meta.name],
                    )
                    con.unregister("_sheet")
                    n_file += len(rows)
                wb.close()
                if n_file == 0:
                    raise ValueError("no rows")
                stats["files_xlsx"] += 1
                stats["rows_xlsx"] += n_file
                stats["xlsx_seconds"] += time.perf_counter() - t1
            elif suffix in (".csv", ".txt"):
                dialect = _csv_dialect(path)
                if dialect is None:
                    raise ValueError("empty or binary")
                enc, delim = dialect
                sql = (
                    "CREATE OR REPLACE TEMP TABLE _csv AS SELECT * FROM read_csv(?, delim=?, encoding=?, header=false, "
                    "all_varchar=true, null_padding=true, strict_mode=false, quote='\"', escape='\"', skip=0)"
                )
                try:
                    con.execute(sql, [str(path), delim, enc])
                except duckdb.InvalidInputException:
                    if enc == "utf-16":
                        raise
                    # not utf-8 after the first 64 KiB, or cp1252 (DuckDB's latin-1 refuses 0x80-0x9F):
                    # transcode to a utf-8 temporary file, then the same read_csv
                    stats["csv_encoding_retry"] += 1
                    tmp = db_path.with_name("_transcoded.csv")
                    tmp.write_text(path.read_bytes().decode("cp1252", errors="replace"), encoding="utf-8", newline="")
                    con.execute(sql, [str(tmp), delim, "utf-8"])
                    tmp.unlink()
                w = len(con.execute("SELECT * FROM _csv LIMIT 0").description)
                widen(w)
                collist = ", ".join(f"c{j}" for j in range(w))
                n_file = con.execute(
                    f"INSERT INTO floor_rows (kode, nama_file, sheet, {collist}) SELECT ?, ?, '', * FROM _csv",
                    [path.parent.name, path.name],
                ).fetchone()[0]
                con.execute("DROP TABLE _csv")
                if not n_file:
                    raise ValueError("no rows")
                stats["files_csv"] += 1
                stats["rows_csv"] += int(n_file)
                stats["csv_seconds"] += time.perf_counter() - t1
            else:
                raise ValueError("unsupported file type")
        except BaseException as exc:  # calamine raises pyo3 PanicException (BaseException) on bad zips
            if isinstance(exc, (KeyboardInterrupt, SystemExit)):
                raise
            stats["skipped"] += 1
            stats["skipped_files"].append(f"{rel}: {type(exc).__name__}: {str(exc)[:80]}")
    con.execute("CHECKPOINT")
    con.close()
    stats["wall_s"] = round(time.perf_counter() - t0, 3)
    stats["xlsx_seconds"] = round(stats["xlsx_seconds"], 3)
    stats["csv_seconds"] = round(stats["csv_seconds"], 3)
    stats["db_bytes"] = db_path.stat().st_size
    return stats


def run_floor(landing: Path, work: Path) -> dict:
    """Floor in a subprocess (fresh interpreter; wall/peak RSS measured like the pipeline)."""
    out_json = work / "floor.json"
    m = measure(
        [
            sys.executable,
            str(Path(__file__).resolve()),
            "--_floor",
            str(landing),
            str(work / "floor.duckdb"),
            str(out_json),
        ],
        work / "logs" / "floor.log",
    )
    if m["rc"] != 0:
        raise RuntimeError(f"floor failed:\n{_tail(m['log'])}")
    stats = json.loads(out_json.read_text(encoding="utf-8"))
    return {**stats, "process_wall_s": m["wall_s"], "cpu_s": m["cpu_s"], "peak_rss_bytes": m["peak_rss_bytes"]}


# ------------------------------------------------------------------------------------------------
# Dagster event log: per-step durations
# ------------------------------------------------------------------------------------------------
def dagster_runs(data_dir: Path, seen: set[str]) -> list[dict]:
    """The runs of ``data_dir``'s Dagster instance not in ``seen`` (added to it), oldest first, with
    their step times from the event log. Read in this process: a subprocess per measurement imported
    Dagster again each time (~3 s of CPU between measurements)."""
    import dagster as dg

    try:
        inst = dg.DagsterInstance.from_config(str(data_dir / "dagster"))
    except Exception as exc:  # noqa: BLE001 - the measurement stands without its step table
        log(f"WARNING: could not read the Dagster event log: {exc}")
        return []
    try:
        out = [_run_summary(inst, run) for run in reversed(inst.get_runs()) if run.run_id not in seen]
    finally:
        inst.dispose()
    seen.update(r["run_id"] for r in out)
    return out


def _run_summary(inst, run) -> dict:
    steps: dict[str, dict] = {}
    starts: dict[str, float] = {}
    models: dict[str, float] = {}
    counts: dict[str, int] = {}
    run_start = run_end = None
    for e in inst.all_logs(run.run_id):
        ev = e.dagster_event
        if ev is None:
            continue
        t = ev.event_type_value
        counts[t] = counts.get(t, 0) + 1
        if t in ("PIPELINE_START", "RUN_START"):
            run_start = e.timestamp
        elif t in ("PIPELINE_SUCCESS", "RUN_SUCCESS", "PIPELINE_FAILURE", "RUN_FAILURE"):
            run_end = e.timestamp
        elif t == "STEP_START":
            starts[e.step_key] = e.timestamp
        elif t in ("STEP_SUCCESS", "STEP_FAILURE") and e.step_key in starts:
            steps[e.step_key] = {
                "seconds": round(e.timestamp - starts[e.step_key], 3),
                "start": starts[e.step_key],
                "end": e.timestamp,
                "status": "ok" if t == "STEP_SUCCESS" else "FAILED",
            }
        elif t == "ASSET_MATERIALIZATION":
            m = ev.event_specific_data.materialization
            d = m.metadata.get("Execution Duration")
            if d is not None:
                models[m.asset_key.to_user_string()] = round(float(d.value), 3)
    return {
        "run_id": run.run_id,
        "status": str(run.status.value),
        "tags": {k: v for k, v in run.tags.items() if k.startswith(("p3jr", "dagster/partition"))},
        "run_seconds": round(run_end - run_start, 3) if run_start and run_end else None,
        "steps": steps,
        "dbt_models": models,
        "materializations": counts.get("ASSET_MATERIALIZATION", 0),
        "asset_checks": counts.get("ASSET_CHECK_EVALUATION", 0),
    }


def dbt_results(run_id: str) -> dict | None:
    """dbt's own timing of the build a run invoked: dagster-dbt writes it to
    ``dbt_project/target/<step>-<run_id[:7]>-<random>/run_results.json``."""
    hits = sorted((ROOT / "dbt_project" / "target").glob(f"*-{run_id[:7]}-*/run_results.json"))
    if not hits:
        return None
    try:
        r = json.loads(hits[-1].read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    kinds: dict[str, dict] = {}
    for x in r.get("results", []):
        k = kinds.setdefault(x["unique_id"].split(".")[0], {"count": 0, "seconds": 0.0})
        k["count"] += 1
        k["seconds"] = round(k["seconds"] + float(x.get("execution_time") or 0), 3)
    return {
        "elapsed_s": round(float(r.get("elapsed_time") or 0), 3),
        "by_type": kinds,
        "target_dir_bytes": dir_size(hits[-1].parent),
    }


def summarize_runs(runs: list[dict], wall: float, peak_at: float = 0.0) -> dict:
    steps: dict[str, float] = {}
    models: dict[str, float] = {}
    run_secs = 0.0
    for r in runs:
        run_secs += r["run_seconds"] or 0.0
        for k, v in r["steps"].items():
            steps[k] = round(steps.get(k, 0.0) + v["seconds"], 3)
        for k, v in r["dbt_models"].items():
            models[k] = round(models.get(k, 0.0) + v, 3)
    dbt = [d for d in (dbt_results(r["run_id"]) for r in runs) if d]
    dbt_sum = None
    if dbt:
        by: dict[str, dict] = {}
        for d in dbt:
            for k, v in d["by_type"].items():
                b = by.setdefault(k, {"count": 0, "seconds": 0.0})
                b["count"] += v["count"]
                b["seconds"] = round(b["seconds"] + v["seconds"], 3)
        dbt_sum = {
            "elapsed_s": round(sum(d["elapsed_s"] for d in dbt), 3),
            "by_type": by,
            "target_dir_bytes": sum(d["target_dir_bytes"] for d in dbt),
        }
    peak_step = "outside the Dagster run"
    for r in runs:
        for k, v in r["steps"].items():
            if v.get("start", 0) <= peak_at <= v.get("end", 0) + 0.3:
                peak_step = k
    return {
        "peak_rss_step": peak_step,
        "dbt": dbt_sum,
        "runs": [
            {k: r[k] for k in ("run_id", "status", "run_seconds", "materializations", "asset_checks")} for r in runs
        ],
        "steps": steps,
        "dbt_models": models,
        "dbt_models_total_s": round(sum(models.values()), 3),
        "dagster_run_s": round(run_secs, 3),
        "outside_run_s": round(wall - run_secs, 3),  # interpreter start, imports, definitions, summary print
        "materializations": sum(r["materializations"] for r in runs),
        "asset_checks": sum(r["asset_checks"] for r in runs),
        "failed_runs": sum(1 for r in runs if r["status"] != "SUCCESS"),
    }


# ------------------------------------------------------------------------------------------------
# pipeline runs
# ------------------------------------------------------------------------------------------------
def p3jr_run(
    landing: Path,
    data: Path,
    logs: Path,
    name: str,
    seen: set[str],
    district: str | None = None,
    watch: Callable[[], bool] | None = None,
    siaga: dict | None = None,
) -> dict:
    cmd = [str(P3JR), "run", "--landing", str(landing), "--data-dir", str(data)]
    if district:
        cmd += ["--district", district]
    log(f"{name}: {' '.join(cmd[1:])}" + (" (through p3jr siaga)" if siaga else ""))
    env = {"P3JR_SIAGA_SOCKET": str(siaga["socket"])} if siaga else None
    m = measure(cmd, logs / f"{name}.log", env=env, watch=watch, server=siaga["process"] if siaga else None)
    if siaga:
        m["siaga_ready_s"] = siaga["ready_s"]
    runs = dagster_runs(data, seen)
    m.update(summarize_runs(runs, m["wall_s"], m["peak_rss_at"]))
    status = "ok" if m["rc"] == 0 else f"FAILED rc={m['rc']}"
    log(
        f"{name}: {status}, wall {m['wall_s']:.1f} s, cpu {m['cpu_s']:.1f} s, peak RSS {m['peak_rss_bytes'] / MB:.0f} MB"
    )
    if m["rc"] != 0:
        log(_tail(m["log"], 1500))
    return m


def published_query(db: Path, sql: str, params: list | None = None) -> Any:
    """One query on the published database in a NEW process (a fresh read-only open of the file)."""
    code = (
        "import duckdb, json, sys\n"
        "con = duckdb.connect(sys.argv[1], read_only=True)\n"
        "print(json.dumps(con.execute(sys.argv[2], json.loads(sys.argv[3])).fetchall(), default=str))\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code, str(db), sql, json.dumps(params or [])],
        capture_output=True,
        text=True,
        timeout=120,
    )
    if proc.returncode != 0:
        raise RuntimeError(proc.stderr[-1500:])
    return json.loads(proc.stdout)


# ------------------------------------------------------------------------------------------------
# incremental: one corrected value in the biggest CSV of the largest district
# ------------------------------------------------------------------------------------------------
def _manifest_rows(landing: Path, folder: str, name: str):
    mdir = landing / "_manifest"
    path = mdir / "rows.csv"
    opener: Any = open
    if not path.exists():
        path, opener = mdir / "rows.csv.gz", gzip.open
    found = False
    with opener(path, "rt", encoding="utf-8", newline="") as fh:
        for r in csv.DictReader(fh):
            if r["kode_folder"] == folder and r["nama_file"] == name:
                found = True
                yield r
            elif found:
                return


def pick_incremental(gen_landing: Path, summary: dict, smallest: bool = False, exclude: str | None = None) -> dict:
    """The largest district that sent an active household CSV (``smallest``: the smallest one, other than
    ``exclude``), and its biggest such file."""
    per = summary.get("per_kabupaten", {})
    sign = 1 if smallest else -1
    order = sorted(
        (k for k in per if DISTRICT.match(k) and per[k].get("baris", 0) > 0),
        key=lambda k: (sign * per[k].get("baris", 0), k),
    )
    largest = min(order, key=lambda k: (-per[k].get("baris", 0), k))
    files: dict[str, list[dict]] = {}
    with open(gen_landing / "_manifest" / "files.csv", newline="", encoding="utf-8") as f:
        for r in csv.DictReader(f):
            files.setdefault(r["kode_folder"], []).append(r)
    for rank, k in enumerate(order, 1):
        if k == exclude:
            continue
        cands = [
            r
            for r in files.get(k, [])
            if r["status_expected"] == "active"
            and r["jenis"] == "rumah_tangga"
            and r["nama_file"].lower().endswith(".csv")
        ]
        if cands:
            best = max(cands, key=lambda r: ((gen_landing / k / r["nama_file"]).stat().st_size, r["nama_file"]))
            return {
                "district": k,
                "district_rank_by_rows": rank,
                "smallest": smallest,
                "district_rows": per[k].get("baris", 0),
                "largest_district": largest,
                "file": best["nama_file"],
                "file_bytes": (gen_landing / k / best["nama_file"]).stat().st_size,
                "file_rows": int(best["baris"]),
            }
    raise RuntimeError("no district has an active rumah_tangga CSV file" + (f" besides {exclude}" if exclude else ""))


def correct_csv(gen_landing: Path, run_landing: Path, pick: dict) -> dict:
    """Rewrite the file in the run's landing with jumlah_anggota_keluarga of one accepted row +1
    (same encoding, delimiter and line endings; written beside and renamed over the hard link). The
    row is the first one still holding its generated value: every call is a new +1 correction."""
    from sources import readers, readers_csv

    k, name = pick["district"], pick["file"]
    src = run_landing / k / name
    data = src.read_bytes()
    text, enc = readers_csv.decode(data)
    delim = readers_csv.sniff_delimiter(text)
    newline = "\r\n" if "\r\n" in text[:65536] else "\n"
    res = readers.read_file(src)
    pos = next(p for s in res.sheets for (canon, _h, p) in s.headers if canon == "jumlah_anggota_keluarga")
    records = readers_csv.csv_rows(text, delim)
    chosen = None
    for r in _manifest_rows(gen_landing, k, name):
        if r["hasil"] != "diterima" or r["jenis"] != "rumah_tangga":
            continue
        try:
            true_val = int(r["jumlah_anggota_keluarga"])
            rec = records[int(r["baris"]) - 1]
            cell = rec[pos].strip()
            if float(cell.replace(",", ".")) != true_val or not (1 <= true_val <= 29):
                continue
        except (ValueError, IndexError):
            continue
        chosen = (int(r["baris"]), true_val)
        break
    if chosen is None:
        raise RuntimeError(f"no accepted row with a plain jumlah_anggota_keluarga in {k}/{name}")
    baris, old = chosen

    def dump(recs: list[list[str]]) -> str:
        buf = io.StringIO(newline="")
        w = csv.writer(buf, delimiter=delim, quotechar='"', lineterminator=newline, quoting=csv.QUOTE_MINIMAL)
        w.writerows(recs)
        return buf.getvalue()

    roundtrip_identical = dump(records) == text
    records[baris - 1][pos] = str(old + 1)
    out_enc = {"utf-8-sig": "utf-8-sig", "utf-16": "utf-16"}.get(enc, enc or "utf-8")
    dst = run_landing / k / name
    tmp = dst.with_name(".tmp_" + name)
    tmp.write_bytes(dump(records).encode(out_enc))
    os.replace(tmp, dst)
    return {
        "district": k,
        "file": name,
        "baris": baris,
        "kolom": "jumlah_anggota_keluarga",
        "from": old,
        "to": old + 1,
        "encoding": enc or "utf-8",
        "delimiter": delim,
        "roundtrip_identical": roundtrip_identical,
    }


JIWA_SQL = "SELECT jumlah_jiwa, jumlah_rumah_tangga FROM marts.backlog_kabupaten WHERE kode_kabupaten = ?"


# The 1.3 M-row tables a correction replaces one district of (orchestration/lib/warehouse.py: connections do
# not vacuum, so the deleted rows of row groups not deleted whole stay in the file). The accepted rows are
# a view of the released ones.
REPLACED_TABLES = (
    "raw.rumah_tangga",
    "quality.rilis_rumah_tangga",
    "intermediate.int_rumah_tangga_kriteria",
)


def deleted_rows(warehouse: Path) -> dict[str, dict]:
    """Per table: live rows and the deleted rows still stored (rowids run over both)."""
    out = {}
    with duckdb.connect(str(warehouse), read_only=True) as con:
        for table in REPLACED_TABLES:
            live, stored = con.execute(f"SELECT count(*), coalesce(max(rowid) + 1, 0) FROM {table}").fetchone()
            out[table] = {"rows": int(live), "deleted": int(stored - live)}
    return out


def run_incremental(
    gen_landing: Path,
    run_landing: Path,
    data: Path,
    summary: dict,
    logs: Path,
    seen: set[str],
    name: str = "incremental",
    smallest: bool = False,
    exclude: str | None = None,
    siaga: dict | None = None,
) -> dict:
    pick = pick_incremental(gen_landing, summary, smallest=smallest, exclude=exclude)
    db = data / "published" / "p3jr.duckdb"
    before = published_query(db, JIWA_SQL, [pick["district"]])
    edit = correct_csv(gen_landing, run_landing, pick)
    log(
        f"{name}: {edit['district']}/{edit['file']} row {edit['baris']}: jumlah_anggota_keluarga {edit['from']} → {edit['to']}"
    )
    expected = before[0][0] + 1 if before else None

    def published_has_it() -> bool:  # a fresh read-only open of the published file, as an analyst does
        try:
            with duckdb.connect(str(db), read_only=True) as con:
                row = con.execute(JIWA_SQL, [pick["district"]]).fetchone()
        except duckdb.Error:
            return False  # not there yet, or being swapped
        return row is not None and row[0] == expected

    m = p3jr_run(run_landing, data, logs, name, seen, district=pick["district"], watch=published_has_it, siaga=siaga)
    t0 = time.perf_counter()
    after = published_query(db, JIWA_SQL, [pick["district"]])
    verify_s = time.perf_counter() - t0
    visible = bool(after) and after[0][0] == expected
    m.update(
        {
            "pick": pick,
            "edit": edit,
            "jumlah_jiwa_before": before[0][0] if before else None,
            "jumlah_jiwa_after": after[0][0] if after else None,
            "visible_in_published": visible,
            "verify_s": round(verify_s, 3),
            "wall_until_visible_s": round(m["wall_s"] + verify_s, 3),
            # seen by an analyst's fresh connection while the run still writes reports and feedback
            "visible_after_s": m["watched_after_s"] if visible else None,
        }
    )
    log(
        f"{name}: published jumlah_jiwa {m['jumlah_jiwa_before']} → {m['jumlah_jiwa_after']} "
        f"({'visible' if visible else 'NOT VISIBLE'})"
    )
    return m


# ------------------------------------------------------------------------------------------------
# analyst queries
# ------------------------------------------------------------------------------------------------
def parse_queries(path: Path = QUERIES_SQL) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    name, buf = None, []
    for line in path.read_text(encoding="utf-8").splitlines():
        m = re.match(r"^--\s*name:\s*(\S+)", line)
        if m:
            if name and "".join(buf).strip():
                out.append((name, "\n".join(buf)))
            name, buf = m.group(1), []
        elif name is not None:
            if not line.lstrip().startswith("--"):
                buf.append(line)
    if name and "".join(buf).strip():
        out.append((name, "\n".join(buf)))
    return out


def time_queries(db: Path, repeats: int) -> dict:
    import duckdb

    res = {}
    for name, sql in parse_queries():
        totals, execs, nrows = [], [], 0
        for _ in range(repeats):
            t0 = time.perf_counter()
            con = duckdb.connect(str(db), read_only=True)
            t1 = time.perf_counter()
            rows = con.execute(sql).fetchall()
            t2 = time.perf_counter()
            con.close()
            totals.append((t2 - t0) * 1000)
            execs.append((t2 - t1) * 1000)
            nrows = len(rows)
        res[name] = {
            "median_ms": round(statistics.median(totals), 2),
            "median_exec_ms": round(statistics.median(execs), 2),
            "max_ms": round(max(totals), 2),
            "rows": nrows,
            "runs": repeats,
        }
    return res


# ------------------------------------------------------------------------------------------------
# machine / versions
# ------------------------------------------------------------------------------------------------
def machine_info() -> dict:
    cpu = platform.processor() or ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.lower().startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    os_name = platform.platform()
    try:
        for line in Path("/etc/os-release").read_text().splitlines():
            if line.startswith("PRETTY_NAME="):
                os_name = f"{line.split('=', 1)[1].strip(chr(34))} ({platform.release()})"
    except OSError:
        pass
    return {
        "cpu": cpu,
        "cores_logical": psutil.cpu_count(),
        "cores_physical": psutil.cpu_count(logical=False),
        "ram_bytes": psutil.virtual_memory().total,
        "os": os_name,
        "python": platform.python_version(),
        "loadavg_start": [round(x, 2) for x in os.getloadavg()],
    }


def versions() -> dict:
    out = {}
    for p in (
        "duckdb",
        "dagster",
        "dbt-core",
        "dbt-duckdb",
        "dagster-dbt",
        "great-expectations",
        "python-calamine",
        "pandas",
        "openpyxl",
        "pyarrow",
    ):
        try:
            out[p] = metadata.version(p)
        except metadata.PackageNotFoundError:
            out[p] = "-"
    return out


# ------------------------------------------------------------------------------------------------
# one size: full + incremental (+ no change, floor, peer, queries for the main size)
# ------------------------------------------------------------------------------------------------
def bench_size(args: argparse.Namespace, work: Path, size_factor: float, main: bool) -> dict:
    gen_landing, summary, gen = ensure_landing(work, args.scale, args.seed, size_factor)
    tag = f"{args.scale}_f{size_factor:g}"
    run_dir = work / f"run_{tag}"
    landing = run_dir / "landing"
    data = run_dir / "data"
    logs = run_dir / "logs"
    if data.exists():
        shutil.rmtree(data)
    link_mode = link_tree(gen_landing, landing)
    logs.mkdir(parents=True, exist_ok=True)
    rows = {
        "total": summary["baris_total"],
        "xlsx": summary["baris_xlsx"],
        "csv": summary["baris_csv"],
        "accepted_expected": summary.get("rumah_tangga_diterima"),
        "files": summary.get("file"),
        "landing_bytes": dir_size(landing),
    }
    out: dict[str, Any] = {
        "size_factor": size_factor,
        "rows": rows,
        "generate": gen,
        "landing_link": link_mode,
        "landing": str(landing),
        "data_dir": str(data),
    }
    seen: set[str] = set()

    if main:
        log("floor: calamine + DuckDB read_csv → one DuckDB table")
        out["floor"] = run_floor(landing, run_dir)
        log(
            f"floor: {out['floor']['wall_s']:.1f} s ({out['floor']['rows_xlsx']} xlsx rows, {out['floor']['rows_csv']} csv rows, "
            f"{out['floor']['skipped']} files skipped)"
        )

    out["full"] = p3jr_run(landing, data, logs, "full", seen)
    out["disk"] = {k: dir_size(data / k) for k in ("warehouse", "published", "archive", "reports", "dagster")}
    out["disk"]["total"] = dir_size(data)
    if out["full"]["rc"] != 0:
        raise RuntimeError(f"full run failed, see {out['full']['log']}")
    try:
        cnt = published_query(
            data / "published" / "p3jr.duckdb",
            "SELECT sum(jumlah_rumah_tangga), sum(backlog_kepemilikan), sum(jumlah_rtlh) FROM marts.backlog_kabupaten",
        )
        out["published_totals"] = {"households": cnt[0][0], "backlog_kepemilikan": cnt[0][1], "rtlh": cnt[0][2]}
    except RuntimeError as exc:
        out["published_totals"] = {"error": str(exc)[:300]}

    out["incremental"] = run_incremental(gen_landing, landing, data, summary, logs, seen)
    if main:

        def smallest(name: str, siaga: dict | None = None) -> dict | None:
            """The same correction in the smallest district: what a small kabupaten waits for."""
            if args.largest_only:
                log(f"{name}: skipped (--largest-only)")
                return None
            try:
                return run_incremental(
                    gen_landing,
                    landing,
                    data,
                    summary,
                    logs,
                    seen,
                    name=name,
                    smallest=True,
                    exclude=out["incremental"]["pick"]["district"],
                    siaga=siaga,
                )
            except RuntimeError as exc:  # a landing with one CSV district only (tiny scales)
                log(f"{name}: skipped ({exc})")
                return None

        out["incremental_small"] = smallest("incremental_small")
        with siaga_server(run_dir, logs) as siaga:  # the same corrections, with the libraries already imported
            out["incremental_siaga"] = run_incremental(
                gen_landing, landing, data, summary, logs, seen, name="incremental_siaga", siaga=siaga
            )
            out["incremental_siaga_small"] = smallest("incremental_siaga_small", siaga)
        out["no_change"] = p3jr_run(landing, data, logs, "no_change", seen)
        out["deleted_rows"] = deleted_rows(data / "warehouse" / "p3jr.duckdb")
        log(f"analyst queries: {args.query_runs} runs each")
        out["queries"] = time_queries(data / "published" / "p3jr.duckdb", args.query_runs)
        if not args.skip_peer:
            log("peer: bench/peer_pandas.py")
            pm = measure(
                [
                    sys.executable,
                    str(ROOT / "bench" / "peer_pandas.py"),
                    "--landing",
                    str(landing),
                    "--out",
                    str(run_dir / "peer"),
                ],
                logs / "peer.log",
            )
            lines = [ln for ln in _tail(pm["log"], 20000).splitlines() if ln.startswith("{")]
            pm["summary"] = json.loads(lines[-1]) if (pm["rc"] == 0 and lines) else None
            if pm["rc"] != 0:
                log(f"peer FAILED:\n{_tail(pm['log'], 1500)}")
            out["peer"] = pm
            log(f"peer: wall {pm['wall_s']:.1f} s, peak RSS {pm['peak_rss_bytes'] / MB:.0f} MB")
    return out


# ------------------------------------------------------------------------------------------------
# report
# ------------------------------------------------------------------------------------------------
def _verdict(ok: bool | None) -> str:
    return "n/a" if ok is None else ("PASS" if ok else "MISS")


# The one-value corrections (bench_size): cold, then through `p3jr siaga`; largest and smallest district.
INCREMENTAL_RUNS = {
    "incremental": "incremental",
    "incremental_small": "incremental (smallest)",
    "incremental_siaga": "incremental (siaga)",
    "incremental_siaga_small": "incremental (siaga, smallest)",
}


def _visible_measured(inc: dict) -> str:
    if inc.get("visible_after_s") is not None:
        return f"{inc['visible_after_s']:.1f} s visible, run ends after {inc['wall_s']:.1f} s"
    return f"{inc['wall_until_visible_s']:.1f} s (change NOT seen while running)"


def _visible_within(inc: dict, seconds: float) -> bool:
    return inc["visible_in_published"] and (inc.get("visible_after_s") or inc["wall_until_visible_s"]) <= seconds


def evaluate_targets(m: dict, scaling: list[dict] | None = None) -> list[dict]:
    full = m["full"]
    floor_wall = m.get("floor", {}).get("wall_s")
    peer = m.get("peer")
    q = m.get("queries") or {}
    worst_q = max((v["median_ms"] for v in q.values()), default=None)
    r_ff = full["wall_s"] / floor_wall if floor_wall else None
    r_pf = peer["wall_s"] / full["wall_s"] if peer and peer.get("rc") == 0 else None
    peak = max(
        full["peak_rss_bytes"],
        *((m.get(k) or {}).get("peak_rss_bytes", 0) for k in INCREMENTAL_RUNS),
        m.get("no_change", {}).get("peak_rss_bytes", 0),
    )
    inc = m["incremental"]
    return [
        {
            "target": TARGETS["full_vs_floor"],
            "measured": f"{r_ff:.1f} ×" if r_ff else "-",
            "ok": None if r_ff is None else r_ff <= 2,
        },
        {
            "target": TARGETS["incremental"],
            "measured": _visible_measured(inc),
            "ok": _visible_within(inc, 20),
        },
        *(
            [
                {
                    "target": TARGETS["incremental_siaga"],
                    "measured": _visible_measured(m["incremental_siaga"]),
                    "ok": _visible_within(m["incremental_siaga"], 20),
                }
            ]
            if m.get("incremental_siaga")
            else []
        ),
        {
            "target": TARGETS["no_change"],
            "measured": f"{m['no_change']['wall_s']:.1f} s" if "no_change" in m else "-",
            "ok": (m["no_change"]["wall_s"] <= NO_CHANGE_TARGET_S) if "no_change" in m else None,
        },
        {"target": TARGETS["peak_rss"], "measured": f"{peak / GB:.2f} GB", "ok": peak <= 2 * GB},
        {
            "target": TARGETS["peer_vs_full"],
            "measured": f"{r_pf:.2f} ×" if r_pf else "-",
            "ok": None if r_pf is None else r_pf >= 10,
        },
        {
            "target": TARGETS["queries"],
            "measured": f"{worst_q:.1f} ms (slowest median)" if worst_q is not None else "-",
            "ok": None if worst_q is None else worst_q < 100,
        },
        *_scaling_targets(m, scaling or []),
    ]


def _scaling_targets(m: dict, scaling: list[dict]) -> list[dict]:
    """The 2 × row against the main size (1 ×): memory and time per million rows."""
    base = next((s for s in scaling if abs(s["size_factor"] - m["size_factor"]) < 1e-9), None)
    double = next((s for s in scaling if abs(s["size_factor"] - 2 * m["size_factor"]) < 1e-9), None)
    if base is None or double is None:
        return []
    per_m = [s["full_wall_s"] / (s["rows"] / 1e6) for s in (base, double)]
    ratio = per_m[1] / per_m[0]
    return [
        {
            "target": TARGETS["peak_rss_2x"],
            "measured": f"{double['peak_rss_bytes'] / GB:.2f} GB",
            "ok": double["peak_rss_bytes"] <= 2 * GB,
        },
        {
            "target": TARGETS["per_million_2x"],
            "measured": f"{per_m[1]:.1f} s vs {per_m[0]:.1f} s per million rows ({(ratio - 1) * 100:+.0f} %)",
            "ok": ratio <= 1.15,
        },
    ]


def _steps_table(runs: dict[str, dict]) -> list[str]:
    names: list[str] = []
    for r in runs.values():
        for k in r.get("steps", {}):
            if k not in names:
                names.append(k)
    lines = ["| step | " + " | ".join(runs) + " |", "|---|" + "---:|" * len(runs)]
    for n in names:
        lines.append(
            f"| {n} | "
            + " | ".join(f"{r['steps'][n]:.1f}" if n in r.get("steps", {}) else "—" for r in runs.values())
            + " |"
        )
    lines.append(
        "| *Dagster run (start → end)* | " + " | ".join(f"{r['dagster_run_s']:.1f}" for r in runs.values()) + " |"
    )
    lines.append(
        "| *outside the run (interpreter, imports, definitions, summary)* | "
        + " | ".join(f"{r['outside_run_s']:.1f}" for r in runs.values())
        + " |"
    )
    lines.append(
        "| *asset materializations / check evaluations* | "
        + " | ".join(f"{r['materializations']} / {r['asset_checks']}" for r in runs.values())
        + " |"
    )
    return lines


def _visible(inc: dict) -> str:
    if not inc["visible_in_published"]:
        return "visible in published db: NO"
    seen = inc.get("visible_after_s")
    when = f"{seen:.1f} s after the start" if seen is not None else "only after the run"
    return f"visible in published db: yes, {when} (checked again {inc['wall_until_visible_s']:.1f} s after the start)"


def render(result: dict) -> str:
    m = result["main"]
    mi, ver = result["machine"], result["versions"]
    full, inc = m["full"], m["incremental"]
    L: list[str] = []
    L.append(f"# Benchmark P3JR — scale `{result['scale']}` (size factor {m['size_factor']:g}, seed {result['seed']})")
    L.append("")
    L.append(
        f"Run {result['started']} → {result['finished']} ({result['elapsed_s'] / 60:.1f} min), `{result['command']}`."
    )
    L.append("")
    L.append("## Machine and versions")
    L.append("")
    L.append(
        f"- CPU: {mi['cpu']} — {mi['cores_logical']} logical / {mi['cores_physical']} physical cores; "
        f"RAM {mi['ram_bytes'] / GB:.1f} GB; {mi['os']}; Python {mi['python']}"
    )
    L.append(
        f"- load average at start {mi['loadavg_start']}, at end {result.get('loadavg_end')} "
        "(the machine may be shared: a load above the core count inflates wall times)"
    )
    L.append("- " + ", ".join(f"{k} {v}" for k, v in ver.items()))
    L.append("")
    L.append("## Data")
    L.append("")
    r = m["rows"]
    fl = m.get("floor", {})
    L.append(
        f"- generated rows (data rows the pipeline reads): **{r['total']:,}** — xlsx {r['xlsx']:,}, csv {r['csv']:,}; "
        f"{r['files']} files, {r['landing_bytes'] / MB:.1f} MB; generation "
        + ("reused" if m["generate"]["reused"] else f"{m['generate']['seconds']:.1f} s")
    )
    if fl:
        L.append(
            f"- floor loaded {fl['files_xlsx']} xlsx files ({fl['rows_xlsx']:,} raw sheet rows incl. titles/headers) and "
            f"{fl['files_csv']} csv files ({fl['rows_csv']:,} raw lines); skipped {fl['skipped']} corrupt/empty/unsupported files"
        )
    pt = m.get("published_totals", {})
    if "households" in pt:
        L.append(
            f"- published marts: {pt['households']:,} households, backlog kepemilikan {pt['backlog_kepemilikan']:,}, "
            f"RTLH {pt['rtlh']:,} (generator expects {r['accepted_expected']:,} accepted)"
        )
    L.append(
        f"- data directory after the full run: {m['disk']['total'] / MB:.1f} MB (warehouse {m['disk']['warehouse'] / MB:.1f}, "
        f"published {m['disk']['published'] / MB:.1f}, archive {m['disk']['archive'] / MB:.1f}, reports {m['disk']['reports'] / MB:.1f}, "
        f"dagster {m['disk']['dagster'] / MB:.1f} MB)"
    )
    if m.get("deleted_rows"):
        L.append(
            "- deleted rows still stored after the corrections (connections do not vacuum): "
            + ", ".join(
                f"{t} {d['deleted']:,} ({d['deleted'] / max(1, d['rows'] + d['deleted']):.1%})"
                for t, d in m["deleted_rows"].items()
            )
        )
    L.append("")
    L.append("## Measurements")
    L.append("")
    L.append("| measurement | wall s | CPU s | peak RSS MB | notes |")
    L.append("|---|---:|---:|---:|---|")
    if fl:
        L.append(
            f"| floor (calamine + DuckDB read_csv → DuckDB) | {fl['wall_s']:.2f} | {fl['cpu_s']:.2f} | {fl['peak_rss_bytes'] / MB:.0f} | "
            f"xlsx {fl['xlsx_seconds']:.2f} s, csv {fl['csv_seconds']:.2f} s; process incl. interpreter {fl['process_wall_s']:.2f} s |"
        )
    L.append(
        f"| full (`p3jr run`, empty data dir) | {full['wall_s']:.2f} | {full['cpu_s']:.2f} | {full['peak_rss_bytes'] / MB:.0f} | "
        f"rc {full['rc']}; Dagster run {full['dagster_run_s']:.1f} s; peak RSS during {full['peak_rss_step']} |"
    )
    L.append(
        f"| incremental (`--district {inc['pick']['district']}`, one value corrected) | {inc['wall_s']:.2f} | {inc['cpu_s']:.2f} | "
        f"{inc['peak_rss_bytes'] / MB:.0f} | {_visible(inc)} |"
    )
    if m.get("incremental_small"):
        sm = m["incremental_small"]
        L.append(
            f"| incremental, smallest district (`--district {sm['pick']['district']}`, {sm['pick']['district_rows']:,} rows) | "
            f"{sm['wall_s']:.2f} | {sm['cpu_s']:.2f} | {sm['peak_rss_bytes'] / MB:.0f} | {_visible(sm)} |"
        )
    for key, how in (("incremental_siaga", "largest"), ("incremental_siaga_small", "smallest")):
        if m.get(key):
            w = m[key]
            L.append(
                f"| incremental via `p3jr siaga`, {how} district (`--district {w['pick']['district']}`) | {w['wall_s']:.2f} | "
                f"{w['cpu_s']:.2f} | {w['peak_rss_bytes'] / MB:.0f} | {_visible(w)}; server ready {w['siaga_ready_s']:.1f} s "
                "before (once); CPU and RSS include the server |"
            )
    if "no_change" in m:
        nc = m["no_change"]
        L.append(
            f"| no change (`p3jr run` again) | {nc['wall_s']:.2f} | {nc['cpu_s']:.2f} | {nc['peak_rss_bytes'] / MB:.0f} | "
            f"{nc['materializations']} materializations |"
        )
    if m.get("peer"):
        p = m["peer"]
        s = p.get("summary") or {}
        L.append(
            f"| peer (pandas + openpyxl + GX, `bench/peer_pandas.py`) | {p['wall_s']:.2f} | {p['cpu_s']:.2f} | "
            f"{p['peak_rss_bytes'] / MB:.0f} | rc {p['rc']}; read {s.get('baca_detik', '-')} s, GX {s.get('gx_detik', '-')} s, "
            f"{s.get('rows_after_dedup', '-')} households |"
        )
    q = m.get("queries") or {}
    if q:
        worst = max(q.values(), key=lambda v: v["median_ms"])
        L.append(
            f"| analyst queries ({len(q)} × {worst['runs']} runs, fresh read-only connection) | — | — | — | "
            f"slowest median {worst['median_ms']:.1f} ms |"
        )
    L.append("")
    L.append("### Ratios")
    L.append("")
    if fl:
        L.append(f"- full / floor = {full['wall_s'] / fl['wall_s']:.1f} ×")
    if m.get("peer") and m["peer"]["rc"] == 0:
        L.append(f"- peer / full = {m['peer']['wall_s'] / full['wall_s']:.2f} ×")
    L.append(f"- full CPU / wall = {full['cpu_s'] / full['wall_s']:.2f} (2 cores = 2.0 at best)")
    L.append(
        f"- full per 1,000 rows: {1000 * full['wall_s'] / max(1, r['total']):.2f} s wall, "
        f"{1000 * full['cpu_s'] / max(1, r['total']):.2f} s CPU"
    )
    L.append("")
    L.append("## Targets")
    L.append("")
    L.append("| target | measured | result |")
    L.append("|---|---|---|")
    for t in result["targets"]:
        L.append(f"| {t['target']} | {t['measured']} | {_verdict(t['ok'])} |")
    L.append("")
    L.append("## Dagster step times (s, from the event log)")
    L.append("")
    runs = {"full": full, **{label: m[k] for k, label in INCREMENTAL_RUNS.items() if m.get(k)}}
    if "no_change" in m:
        runs["no change"] = m["no_change"]
    L.extend(_steps_table(runs))
    L.append("")
    for label, rr in runs.items():
        d = rr.get("dbt")
        dbt_step = next((v for k, v in rr["steps"].items() if "dbt" in k), None)
        if d and dbt_step:
            parts = ", ".join(f"{v['count']} {k}s {v['seconds']:.1f} s" for k, v in sorted(d["by_type"].items()))
            L.append(
                f"- dbt in the {label} run: Dagster step {dbt_step:.1f} s, of which `dbt build` itself reports "
                f"{d['elapsed_s']:.1f} s elapsed ({parts}; summed over dbt threads); the remaining "
                f"{dbt_step - d['elapsed_s']:.1f} s are dbt start-up/manifest load and Dagster's per-event handling. "
                f"Target directory left behind: {d['target_dir_bytes'] / MB:.1f} MB."
            )
    if full["dbt_models"]:
        top = sorted(full["dbt_models"].items(), key=lambda kv: -kv[1])[:8]
        L.append(
            f"- slowest dbt models in the full run ({full['dbt_models_total_s']:.1f} s summed 'Execution Duration'): "
            + ", ".join(f"{k} {v:.2f} s" for k, v in top)
        )
    L.append("")
    if q:
        L.append("## Analyst queries (`docs/contoh_query.sql`)")
        L.append("")
        L.append("| query | median ms (connect + run) | median ms (run only) | max ms | rows |")
        L.append("|---|---:|---:|---:|---:|")
        for name, v in q.items():
            L.append(f"| {name} | {v['median_ms']:.1f} | {v['median_exec_ms']:.1f} | {v['max_ms']:.1f} | {v['rows']} |")
        L.append("")
    L.append("## Incremental change")
    L.append("")
    for key in INCREMENTAL_RUNS:
        one = m.get(key)
        if not one:
            continue
        e, pk = one["edit"], one["pick"]
        size = "smallest" if pk.get("smallest") else "largest"
        why = (
            f"the {size} district by rows"
            if pk["district_rank_by_rows"] == 1
            else f"rank {pk['district_rank_by_rows']} from the {size}: the ones before it sent no CSV file"
        )
        L.append(
            f"- {INCREMENTAL_RUNS[key]}: district {pk['district']} ({pk['district_rows']:,} rows; {why}), file `{pk['file']}` ({pk['file_bytes'] / 1024:.0f} KiB, {pk['file_rows']} rows, "
            f"{e['encoding']}, delimiter `{e['delimiter']!s}`): row {e['baris']} `jumlah_anggota_keluarga` {e['from']} → {e['to']}, "
            f"re-serialised byte-identical otherwise: {e['roundtrip_identical']}. Published `marts.backlog_kabupaten.jumlah_jiwa` "
            f"{one['jumlah_jiwa_before']} → {one['jumlah_jiwa_after']} ({'visible' if one['visible_in_published'] else 'NOT visible'})."
        )
    L.append("")
    if result.get("scaling"):
        L.append("## Scaling")
        L.append("")
        L.append(
            "| size factor | rows | full wall s | full s per million rows | full CPU s | peak RSS MB | full run's peak during "
            "| incremental wall s | data dir MB |"
        )
        L.append("|---:|---:|---:|---:|---:|---:|---|---:|---:|")
        for s in result["scaling"]:
            L.append(
                f"| {s['size_factor']:g} | {s['rows']:,} | {s['full_wall_s']:.1f} | {s['full_wall_s'] / (s['rows'] / 1e6):.1f} | "
                f"{s['full_cpu_s']:.1f} | {s['peak_rss_bytes'] / MB:.0f} | {s.get('peak_rss_step', '-')} | "
                f"{s['incremental_wall_s']:.1f} | {s['data_bytes'] / MB:.1f} |"
            )
        L.append("")
    if fl.get("skipped_files"):
        L.append("Floor skipped: " + "; ".join(fl["skipped_files"]))
        L.append("")
    L.append("Raw numbers: the `.json` file beside this report. Logs of every run: " + f"`{Path(full['log']).parent}`.")
    return "\n".join(L) + "\n"


def stdout_table(result: dict) -> str:
    m = result["main"]
    rows = []
    if "floor" in m:
        rows.append(("floor", m["floor"]["wall_s"], m["floor"]["cpu_s"], m["floor"]["peak_rss_bytes"]))
    for k in ("full", *INCREMENTAL_RUNS, "no_change", "peer"):
        if m.get(k):
            rows.append((k, m[k]["wall_s"], m[k]["cpu_s"], m[k]["peak_rss_bytes"]))
    out = [f"{'measurement':18} {'wall s':>9} {'CPU s':>9} {'peak MB':>9}"]
    out += [f"{n:18} {w:9.2f} {c:9.2f} {p / MB:9.0f}" for n, w, c, p in rows]
    out.append("")
    out += [f"{_verdict(t['ok']):5} {t['target']:36} {t['measured']}" for t in result["targets"]]
    if result.get("scaling"):
        out.append("")
        out.append(f"{'size':>6} {'rows':>10} {'full s':>8} {'peak MB':>8} {'incr s':>8}")
        out += [
            f"{s['size_factor']:6g} {s['rows']:10,} {s['full_wall_s']:8.1f} {s['peak_rss_bytes'] / MB:8.0f} "
            f"{s['incremental_wall_s']:8.1f}"
            for s in result["scaling"]
        ]
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--_floor"]:  # internal: the floor measurement in its own interpreter
        stats = floor_load(Path(argv[1]), Path(argv[2]))
        Path(argv[3]).write_text(json.dumps(stats), encoding="utf-8")
        return 0
    ap = argparse.ArgumentParser(description="P3JR pipeline benchmark (see bench/README.md)")
    ap.add_argument("--scale", choices=["small", "demo", "ntt"], default="ntt")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument(
        "--size-factor", type=float, default=1.0, help="multiplies the scale's row count (generator size_factor)"
    )
    ap.add_argument("--sizes", default="", help="comma-separated size factors for a scaling table, e.g. 0.1,0.5,1.0")
    ap.add_argument(
        "--work", default=str(ROOT / "bench" / "work"), help="generated landings and run data (git-ignored)"
    )
    ap.add_argument("--out", default=str(ROOT / "bench" / "results"), help="where the report and JSON go")
    ap.add_argument("--query-runs", type=int, default=5)
    ap.add_argument("--skip-peer", action="store_true", help="do not run the pandas peer (for quick checks only)")
    ap.add_argument(
        "--largest-only",
        action="store_true",
        help="correct a value in the largest district only, not also in the smallest (the same runs on "
        "another district; the test suite's smoke run)",
    )
    args = ap.parse_args(argv)

    work, out = Path(args.work).resolve(), Path(args.out).resolve()
    work.mkdir(parents=True, exist_ok=True)
    out.mkdir(parents=True, exist_ok=True)
    if not P3JR.exists():
        raise SystemExit(f"{P3JR} not found: run `make install` first")
    started = datetime.now()
    t0 = time.perf_counter()
    result: dict[str, Any] = {
        "scale": args.scale,
        "seed": args.seed,
        "started": started.isoformat(timespec="seconds"),
        "command": "bench/run_bench.py " + " ".join(argv),
        "machine": machine_info(),
        "versions": versions(),
    }
    main_m = bench_size(args, work, args.size_factor, main=True)
    result["main"] = main_m
    scaling = []
    sizes = [float(x) for x in args.sizes.split(",") if x.strip()]
    for sf in sizes:
        m = main_m if abs(sf - args.size_factor) < 1e-9 else bench_size(args, work, sf, main=False)
        scaling.append(
            {
                "size_factor": sf,
                "rows": m["rows"]["total"],
                "full_wall_s": m["full"]["wall_s"],
                "full_cpu_s": m["full"]["cpu_s"],
                "peak_rss_bytes": max(m["full"]["peak_rss_bytes"], m["incremental"]["peak_rss_bytes"]),
                "peak_rss_step": m["full"]["peak_rss_step"],
                "incremental_wall_s": m["incremental"]["wall_s"],
                "data_bytes": m["disk"]["total"],
                "steps": m["full"]["steps"],
            }
        )
    result["scaling"] = sorted(scaling, key=lambda s: s["size_factor"])
    result["targets"] = evaluate_targets(main_m, result["scaling"])
    result["finished"] = datetime.now().isoformat(timespec="seconds")
    result["elapsed_s"] = round(time.perf_counter() - t0, 1)
    result["loadavg_end"] = [round(x, 2) for x in os.getloadavg()]

    # One report per scale: git keeps the history of LATEST_<scale>.md, no timestamped copies.
    md = render(result)
    report = out / f"LATEST_{args.scale}.md"
    report.write_text(md, encoding="utf-8")
    report.with_suffix(".json").write_text(json.dumps(result, indent=2, default=str), encoding="utf-8")
    print()
    print(stdout_table(result))
    print(f"\nreport: {report}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
