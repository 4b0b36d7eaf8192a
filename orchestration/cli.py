"""`p3jr`: the one entry point for the data officer, `make` and the tests."""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import time
from pathlib import Path

from orchestration.lib import prewarm
from orchestration.lib.dbt_cli import ensure_manifest
from orchestration.lib.files import ensure_private_dir
from orchestration.lib.processes import exit_without_final_collections, process_identity
from orchestration.settings import (
    DBT_PROJECT_DIR,
    MISSING_KEY_MESSAGE,
    PROJECT_ROOT,
    cli_default,
    export_run_paths,
    load_settings,
)

# First line of the SQLite instance template (dagster.yaml): a dagster.yaml without it was written by
# someone else (the Postgres instance of deploy/) and is never overwritten.
TEMPLATE_MARK = b"# Local Dagster instance template for p3jr."


def _configure_env(landing: str | None, data_dir: str | None) -> None:
    settings = export_run_paths(landing, data_dir)
    settings.data_dir.mkdir(parents=True, exist_ok=True)  # published/ and reports/ inside are for readers
    ensure_private_dir(settings.dagster_home)
    cfg = settings.dagster_home / "dagster.yaml"
    template = PROJECT_ROOT / "dagster.yaml"
    if cfg.exists() and not cfg.read_bytes().startswith(TEMPLATE_MARK):
        print(f"Memakai konfigurasi instance yang ada / using the existing instance config: {cfg}")
    elif template.exists() and (not cfg.exists() or cfg.read_bytes() != template.read_bytes()):
        shutil.copyfile(template, cfg)


def served_instance(dagster_home: Path) -> bool:
    """True for the deployed instance (deploy/dagster.yaml: Postgres storage, runs launched by the
    daemon). A run there goes through the queue, never beside it."""
    import yaml

    cfg = dagster_home / "dagster.yaml"
    try:
        data = yaml.safe_load(cfg.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError):
        return False
    return "postgres" in (data.get("storage") or {}) or "postgres" in str(data.get("run_storage") or "")


SERVED_MESSAGE = (
    "Instance Dagster ini dilayani dagster-daemon (Postgres, {cfg}): `p3jr run` tidak melewati antrean.\n"
    "Pakai: p3jr antrekan [--district 53.KK]   (memasukkan run ke antrean; lihat deploy/README.md)\n"
    "This Dagster instance is served by the daemon: use `p3jr antrekan` to queue a run instead of running beside "
    "the queue."
)


def cmd_generate(args: argparse.Namespace) -> int:
    from tools.demo_data import generate

    out = Path(args.out)
    t0 = time.perf_counter()
    summary = generate(out, scale=args.scale, seed=args.seed, defect_rate=args.defect_rate)
    print(f"Data demo ({args.scale}, seed {args.seed}) ditulis ke {out} dalam {time.perf_counter() - t0:.1f} s")
    for k, v in summary.items():
        if not isinstance(v, (dict, list)):
            print(f"  {k}: {v}")
    print(f"  manifest: {out / '_manifest'}")
    return 0


def run_pipeline(
    districts: list[str] | None = None, *, quiet: bool = False, force: bool = False, allow_withdrawal: bool = False
):
    """Run the refresh job in-process on the persistent instance; returns the Dagster result(s).

    Without ``districts``, one run over the districts that have work (:func:`state.districts_with_work`,
    the first to the last of them in code order): a correction in one district costs one district's
    run, not 22 partitions' bookkeeping. Every district when that cannot be told, when none has work
    (the province steps still run) and with ``force``."""
    import dagster as dg

    from orchestration.definitions import defs
    from orchestration.lib import state
    from orchestration.lib.landing_guard import CONFIRM_TAG
    from orchestration.lib.runs import FORCE_TAG, PROCESS_TAG, REFRESH_JOB, range_tags
    from sources.reference import district_codes

    ensure_manifest()
    job = defs.resolve_job_def(REFRESH_JOB)
    instance = dg.DagsterInstance.get()

    tags = {"p3jr/pemicu": "cli", PROCESS_TAG: process_identity()}
    if force:
        tags[FORCE_TAG] = "ya"
    if allow_withdrawal:
        tags[CONFIRM_TAG] = "ya"
    if not districts:
        work = None if force else state.districts_with_work(load_settings())
        first, last = (work[0], work[-1]) if work else (district_codes()[0], district_codes()[-1])
        if work and not quiet:
            print(f"Kabupaten dengan perubahan / districts with changes: {' '.join(work)}")
        prewarm.for_districts(len(work or district_codes()), len(district_codes()))
        if first == last:
            return [job.execute_in_process(instance=instance, partition_key=first, tags=tags, raise_on_error=False)]
        return [
            job.execute_in_process(instance=instance, tags={**tags, **range_tags(first, last)}, raise_on_error=False)
        ]
    prewarm.for_districts(len(districts), len(district_codes()))
    return [
        job.execute_in_process(instance=instance, partition_key=d, tags=tags, raise_on_error=False) for d in districts
    ]


def print_summary(results) -> None:
    from orchestration.lib.reports.summary import print_warehouse_summary
    from orchestration.lib.runs import failed_steps

    s = load_settings()
    ok = all(r.success for r in results)
    print()
    print("=" * 78)
    print(
        f"Run Dagster: {', '.join(r.run_id[:8] for r in results)} — {'SELESAI / completed' if ok else 'GAGAL / FAILED'}"
    )
    published_now = any(
        ev.asset_key.path == ["publish", "database_analis"]
        for r in results
        for ev in r.get_asset_materialization_events()
    )
    if ok and not published_now:
        print(
            "Tidak ada perubahan sejak publikasi hari ini; database analis tetap / nothing changed since today's publish."
        )
    if not ok:
        for r in results:
            for step, error in failed_steps(r):
                print(f"  langkah gagal / failed step: {step}:\n    {error}")
    if not s.warehouse_path.exists():
        print("Warehouse belum ada / no warehouse yet.")
        return
    if not ok:
        print(
            "\nTidak ada yang diterbitkan oleh run ini; di bawah keadaan terakhir yang tersimpan.\n"
            "Nothing was published by this run; below is the last stored state."
        )
    print_warehouse_summary(s)
    print(
        f"\nDatabase analis : {s.published_db}{'' if s.published_db.exists() else ' (belum diterbitkan / not published)'}"
    )
    print(f"  buka dengan   : .venv/bin/duckdb -readonly {s.published_db}")
    print(f"Laporan         : {s.reports_dir}")
    print(f"Dagster UI      : make ui  (DAGSTER_HOME={s.dagster_home})")


def _check_districts(codes: list[str] | None) -> int:
    from sources.reference import district_codes

    bad = [c for c in codes or [] if c not in district_codes()]
    if bad:
        print(
            f"Kode kabupaten tidak dikenal / unknown district code: {', '.join(bad)}\n"
            f"Kode yang sah / valid codes: {' '.join(district_codes())}",
            file=sys.stderr,
        )
        return 2
    return 0


def cmd_run(args: argparse.Namespace) -> int:
    from filelock import FileLock, Timeout

    if rc := _check_districts(args.district):
        return rc
    _configure_env(args.landing, args.data_dir)
    settings = load_settings()
    if served_instance(settings.dagster_home):
        print(SERVED_MESSAGE.format(cfg=settings.dagster_home / "dagster.yaml"), file=sys.stderr)
        return 2
    if not settings.pseudonym_key:
        print(MISSING_KEY_MESSAGE, file=sys.stderr)
        return 2
    # One `p3jr run` per data directory: two would both build and publish.
    lock = FileLock(str(settings.data_dir / ".p3jr_run.lock"))
    try:
        lock.acquire(timeout=args.tunggu)
    except Timeout:
        print(
            f"Run lain sedang berjalan pada {settings.data_dir}; coba lagi nanti (atau --tunggu DETIK).\n"
            f"Another p3jr run is using {settings.data_dir}; not starting a second one.",
            file=sys.stderr,
        )
        return 3
    try:
        return _run_locked(args)
    finally:
        lock.release()


def _recover(instance, wait: float) -> int:
    """End runs whose process died (their slot would block this one forever), then refuse to queue
    silently behind a live run: say which run holds the writer slot."""
    from orchestration.instance import recovery as run_recovery
    from orchestration.lib import alerts

    for dead in run_recovery.recover_dead_runs(instance):
        msg = (
            f"Run {dead.run_id[:8]} sebelumnya mati saat langkah {dead.step or '-'} (proses {dead.process} tidak ada "
            f"lagi, kemungkinan dihentikan/kehabisan memori): ditandai gagal, slotnya dibebaskan; pekerjaannya "
            f"diulang oleh run ini. / Previous run {dead.run_id[:8]} died during step {dead.step or '-'}: marked "
            f"failed, its slot freed; this run redoes its work."
        )
        print(msg)
        alerts.record_cli_alert(dead.run_id, instance.get_run_by_id(dead.run_id), msg, [dead.step] if dead.step else [])
    deadline = time.monotonic() + wait
    while holders := run_recovery.slot_holders(instance):
        if time.monotonic() >= deadline:
            names = ", ".join(f"{r[:8]} ({status})" for r, status in holders)
            print(
                f"Run lain memegang slot penulis warehouse: {names}. Tunggu sampai selesai (atau --tunggu DETIK).\n"
                f"Another run holds the warehouse writer slot: {names}; not starting.",
                file=sys.stderr,
            )
            return 3
        time.sleep(min(5.0, max(0.1, deadline - time.monotonic())))
    return 0


def _nothing_changed_message(t0: float) -> int:
    # No run at all: a run whose steps are all skipped would show every check as skipped in the UI.
    print(
        "Tidak ada perubahan sejak publikasi hari ini: tidak ada file baru, database analis tetap.\n"
        "Nothing changed since today's publish; no run started (use --force to rebuild)."
    )
    print(f"Database analis : {load_settings().published_db}")
    print(f"Waktu / wall time: {time.perf_counter() - t0:.1f} s")
    return 0


def _unchanged_without_instance(args: argparse.Namespace) -> bool:
    """The same decision when the last `p3jr run` finished: its journal says whether the publishing run
    succeeded, so Dagster is not even imported (a nightly rerun with nothing new takes about a second).
    Any doubt (a run that did not finish, a run started elsewhere, a busy warehouse) takes the full path."""
    from orchestration.lib import state
    from orchestration.lib.warehouse import WarehouseBusy

    settings = load_settings()
    succeeded = None if args.force else state.cli_run_succeeded(settings)
    if succeeded is None:
        return False
    try:
        return state.nothing_changed(settings, succeeded, args.district or None)
    except WarehouseBusy:
        return False


def _run_locked(args: argparse.Namespace) -> int:
    t0 = time.perf_counter()
    if _unchanged_without_instance(args):
        return _nothing_changed_message(t0)
    prewarm.start()  # GX on the other core while Dagster is imported here (lib/prewarm.py)
    try:
        return _run_started(args, t0)
    finally:
        prewarm.stop()


def _run_started(args: argparse.Namespace, t0: float) -> int:
    import dagster as dg

    from orchestration.lib import state
    from orchestration.lib.runs import run_succeeded
    from orchestration.lib.warehouse import WarehouseBusy

    instance = dg.DagsterInstance.get()
    if rc := _recover(instance, args.tunggu):
        return rc
    try:  # the one "nothing changed since today's publish" decision (lib/state.py), before any run starts
        unchanged = not args.force and state.nothing_changed(
            load_settings(), lambda r: run_succeeded(instance, r), args.district or None
        )
    except WarehouseBusy as exc:
        print(exc, file=sys.stderr)
        return 3
    if unchanged:
        return _nothing_changed_message(t0)
    state.record_cli_runs(load_settings(), None)
    results = run_pipeline(args.district or None, force=args.force, allow_withdrawal=args.izinkan_penarikan)
    state.record_cli_runs(load_settings(), [r.run_id for r in results], all(r.success for r in results))
    print_summary(results)
    if not all(r.success for r in results):
        from orchestration.lib import alerts

        alerts.alert_cli_failures(results)
    print(f"Waktu / wall time: {time.perf_counter() - t0:.1f} s")
    return 0 if all(r.success for r in results) else 1


def cmd_antrekan(args: argparse.Namespace) -> int:
    """Queue a refresh run on the deployed instance (through the webserver, launched by the daemon)."""
    from urllib.parse import urlsplit

    from orchestration.instance.queue import submit_refresh_runs, wait_for_run

    if rc := _check_districts(args.district):
        return rc
    url = urlsplit(args.webserver)
    where = {"host": url.hostname or "127.0.0.1", "port": url.port or 80}
    try:
        run_ids = submit_refresh_runs(args.district or None, **where)
    except Exception as exc:  # webserver down, code location not loaded, GraphQL error: say which
        reason = str(exc.__cause__ or exc).strip().splitlines()[0][:300]
        print(
            f"Run tidak dapat dimasukkan ke antrean lewat {args.webserver}: {reason}\n"
            f"Could not queue the run through the Dagster webserver at {args.webserver}.",
            file=sys.stderr,
        )
        return 1
    for run_id in run_ids:
        print(f"Run {run_id} masuk antrean / queued: {args.webserver.rstrip('/')}/runs/{run_id}")
    if not args.tunggu:
        return 0
    statuses = [wait_for_run(run_id, **where) for run_id in run_ids]
    for run_id, status in zip(run_ids, statuses):
        print(f"Run {run_id}: {status}")
    return 0 if all(s == "SUCCESS" for s in statuses) else 1


def cmd_gudang_postgres(args: argparse.Namespace) -> int:
    """Build the dbt layers in PostgreSQL from the last gate's tables (deploy/README.md, dbt on PostgreSQL)."""
    from orchestration.lib.dbt_cli import BUILD_ARGS, dbt_executable
    from orchestration.lib.postgres_load import load_dbt_sources
    from orchestration.lib.warehouse import writer_lock
    from orchestration.settings import RUN_DATE_VAR, dbt_postgres_connection, subprocess_env, tanggal_run

    _configure_env(None, args.data_dir)
    settings = load_settings()
    pg, missing = dbt_postgres_connection()
    if missing:
        print(f"Belum diatur / not set: {', '.join(missing)} (lihat deploy/p3jr.env.example)", file=sys.stderr)
        return 2
    with writer_lock(settings.warehouse_path):  # a consistent copy: no run writes meanwhile
        counts = load_dbt_sources(settings.warehouse_path, pg)
    print("Dimuat ke PostgreSQL / loaded: " + ", ".join(f"{t} {n}" for t, n in counts.items()))
    ensure_manifest()
    # Its own target folder: the DuckDB manifest the code location reads stays as it is.
    target = DBT_PROJECT_DIR / "target" / "postgres"
    # Every source table was just replaced: every model is computed again (incremental ones too; the
    # history model opts out of --full-refresh and keeps its days).
    proc = subprocess.run(
        [dbt_executable(), *BUILD_ARGS, "--full-refresh", "--target", "postgres", "--target-path", str(target)],
        cwd=DBT_PROJECT_DIR,
        env=subprocess_env(DBT_PROFILES_DIR=str(DBT_PROJECT_DIR), **{RUN_DATE_VAR: tanggal_run()}),
    )
    return proc.returncode


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="p3jr", description="Pipeline pendataan Program 3 Juta Rumah NTT")
    sub = parser.add_subparsers(dest="cmd", required=True)
    g = sub.add_parser("generate", help="tulis data kiriman demo / write demo district submissions")
    g.add_argument("--scale", choices=["small", "demo", "ntt"], default="demo")
    g.add_argument("--seed", type=int, default=1)
    g.add_argument("--out", default=str(PROJECT_ROOT / "sources" / "landing"))
    g.add_argument("--defect-rate", type=float, default=0.03)
    g.set_defaults(func=cmd_generate)
    r = sub.add_parser("run", help="jalankan pipeline / run ingest → gate → dbt → publish")
    r.add_argument("--landing", default=cli_default("P3JR_LANDING_DIR"))
    r.add_argument("--data-dir", default=cli_default("P3JR_DATA_DIR"))
    r.add_argument("--district", action="append", help="kode kabupaten 53.KK (boleh berulang)")
    r.add_argument(
        "--force",
        action="store_true",
        help="bangun ulang semua langkah walau tidak ada perubahan / rebuild every step even if nothing changed",
    )
    r.add_argument(
        "--izinkan-penarikan",
        action="store_true",
        help="konfirmasi penarikan besar (folder kabupaten hilang, >batas baris) / confirm a large withdrawal",
    )
    r.add_argument(
        "--tunggu",
        type=float,
        default=0,
        metavar="DETIK",
        help="tunggu run lain pada data-dir yang sama selesai / wait for another run on the same data dir",
    )
    r.set_defaults(func=cmd_run)
    q = sub.add_parser(
        "antrekan",
        help="masukkan run ke antrean instance server / queue a run on the deployed instance "
        "(first load, the nightly job by hand)",
    )
    q.add_argument("--district", action="append", help="kode kabupaten 53.KK (boleh berulang); tanpa ini: semua")
    q.add_argument(
        "--webserver",
        default=cli_default("P3JR_WEBSERVER_URL", "http://127.0.0.1:3000"),
        help="alamat dagster-webserver (P3JR_WEBSERVER_URL)",
    )
    q.add_argument("--tunggu", action="store_true", help="tunggu sampai run selesai / wait until the run(s) finish")
    q.set_defaults(func=cmd_antrekan)
    pgb = sub.add_parser(
        "gudang-postgres", help="bangun lapisan dbt di PostgreSQL / build the dbt layers on PostgreSQL (P3JR_DBT_PG_*)"
    )
    pgb.add_argument("--data-dir", default=cli_default("P3JR_DATA_DIR"))
    pgb.set_defaults(func=cmd_gudang_postgres)
    from orchestration.portal.cli import add_parser as add_portal_parser  # `p3jr portal ...` (issue 15)

    add_portal_parser(sub)
    from orchestration.siaga import add_parser as add_siaga_parser  # `p3jr siaga`

    add_siaga_parser(sub)
    args = parser.parse_args(argv)
    return args.func(args)


def console() -> None:
    """The `p3jr` command (and `python -m orchestration.cli`, how the portal starts a run). A `run` goes
    to the `p3jr siaga` server when P3JR_SIAGA_SOCKET names one that answers (lib/warm.py)."""
    from orchestration.lib.warm import delegate_run

    rc = delegate_run(sys.argv[1:])
    exit_without_final_collections(main() if rc is None else rc)


if __name__ == "__main__":
    console()
