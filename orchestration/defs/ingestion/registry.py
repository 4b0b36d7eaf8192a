"""File registry, content-addressed archive and raw load for one district folder.

Pure functions over a DuckDB connection so tests can drive them without Dagster.
"""
from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import duckdb

from orchestration.defs.quality.rules import KOLOM_KABUPATEN_BARIS
from sources import contract, readers
from sources.reference import district_codes

WITA = ZoneInfo("Asia/Makassar")
STRAY_FOLDER = "(bukan_kabupaten)"


def raw_columns(kind: str) -> list[str]:
    """Canonical columns as stored in raw; the row's own district code is renamed so it cannot
    collide with the provenance column `kode_kabupaten` (the landing folder)."""
    extra = ["nik_numerik", "no_kk_numerik"] if kind == "rumah_tangga" else []
    return [KOLOM_KABUPATEN_BARIS if c == "kode_kabupaten" else c for c in contract.column_names(kind)] + extra


def _raw_ddl(kind: str) -> str:
    cols = ",\n  ".join(
        f"{c} BOOLEAN" if c.endswith("_numerik") else f"{c} VARCHAR" for c in raw_columns(kind)
    )
    return f"""CREATE TABLE IF NOT EXISTS raw.{kind} (
  kode_kabupaten VARCHAR NOT NULL, file_hash VARCHAR NOT NULL, nama_file VARCHAR, sheet VARCHAR, baris INTEGER,
  {cols},
  kolom_tambahan VARCHAR, {readers.READ_PROBLEM_COLUMN} VARCHAR)"""


def ensure_schema(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("CREATE SCHEMA IF NOT EXISTS ingestion")
    con.execute("CREATE SCHEMA IF NOT EXISTS raw")
    con.execute(
        """CREATE TABLE IF NOT EXISTS ingestion.file_registry (
  folder VARCHAR NOT NULL, file_hash VARCHAR NOT NULL, kode_kabupaten VARCHAR, nama_file VARCHAR,
  path_relatif VARCHAR, ukuran_bytes BIGINT, jenis VARCHAR, waktu_file TIMESTAMP,
  pertama_dilihat_run VARCHAR, terakhir_dilihat_run VARCHAR, pertama_dilihat_pada TIMESTAMP,
  status VARCHAR NOT NULL, alasan_kode VARCHAR, alasan VARCHAR, arsip_path VARCHAR, baris_dibaca INTEGER,
  encoding VARCHAR, PRIMARY KEY (folder, file_hash))"""
    )
    con.execute(
        """CREATE TABLE IF NOT EXISTS ingestion.sheet_headers (
  file_hash VARCHAR, sheet VARCHAR, jenis VARCHAR, kolom VARCHAR, header_asli VARCHAR, posisi INTEGER,
  baris_header INTEGER, baris_kosong_dilewati INTEGER, baris_total_dilewati INTEGER)"""
    )
    con.execute(
        """CREATE TABLE IF NOT EXISTS ingestion.catatan_file (
  folder VARCHAR NOT NULL, file_hash VARCHAR NOT NULL, nama_file VARCHAR, sheet VARCHAR,
  kode VARCHAR NOT NULL, catatan VARCHAR, run_id VARCHAR)"""
    )
    for kind in contract.KINDS:
        con.execute(_raw_ddl(kind))
        # warehouses built before the column existed
        con.execute(f"ALTER TABLE raw.{kind} ADD COLUMN IF NOT EXISTS {readers.READ_PROBLEM_COLUMN} VARCHAR")


def sha256_of(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def archive_file(src: Path, file_hash: str, archive_dir: Path) -> Path:
    """Copy unchanged into ``archive/<h[:2]>/<h>`` (temp name, then rename) before anything else."""
    dest = archive_dir / file_hash[:2] / file_hash
    if dest.exists():
        return dest
    dest.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=dest.parent, prefix=".tmp-")
    os.close(fd)
    try:
        shutil.copy2(src, tmp)
        os.replace(tmp, dest)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return dest


@dataclass
class LandingFile:
    folder: str
    path: Path
    name: str
    size: int
    mtime: datetime
    file_hash: str = ""


def read_safely(path: Path, max_bytes: int) -> "readers.ReadResult | readers.FileRejected":
    """Never raises: a reader bug on one file must not stop the other files or districts."""
    try:
        return readers.read_file(path, max_bytes=max_bytes)
    except readers.FileRejected as exc:
        return exc
    except Exception as exc:
        return readers.FileRejected("file_rusak", f"{type(exc).__name__}: {exc}")


def _read_in_worker(path: str, max_bytes: int):
    out = read_safely(Path(path), max_bytes)
    if isinstance(out, readers.FileRejected):  # exceptions with keyword state do not pickle
        return ("rejected", out.code, out.detail, out.params)
    return ("ok", out)


def _from_worker(msg) -> "readers.ReadResult | readers.FileRejected":
    if msg[0] == "ok":
        return msg[1]
    return readers.FileRejected(msg[1], msg[2], **msg[3])


def needs_read(status: str | None) -> bool:
    """A present file is read when it is new, or back after being replaced/withdrawn (its rows left)."""
    return status is None or status in ("replaced", "withdrawn")


def pending_reads(con: duckdb.DuckDBPyConnection, folder: str, folder_path: Path) -> list["LandingFile"]:
    """Files of a folder that ingest_folder will have to read (new, or back after a withdrawal)."""
    ensure_schema(con)
    known = dict(con.execute(
        "SELECT file_hash, status FROM ingestion.file_registry WHERE folder = ?", [folder]).fetchall())
    out, seen = [], set()
    for f in scan_folder(folder_path, folder):
        f.file_hash = sha256_of(f.path)
        if f.file_hash not in seen and needs_read(known.get(f.file_hash)):
            out.append(f)
        seen.add(f.file_hash)
    return out


class ParallelReader:
    """Reads files in worker processes (the readers are CPU-bound Python); results are collected
    district by district so only a few districts' rows are in memory at once."""

    def __init__(self, max_bytes: int, workers: int | None = None, min_total_bytes: int = 5_000_000):
        self.max_bytes = max_bytes
        self.min_total_bytes = min_total_bytes
        self.workers = workers or max(1, min(4, os.cpu_count() or 1))
        self._pool = None
        self._futures: dict[str, object] = {}

    def submit(self, files: list["LandingFile"]) -> None:
        if self.workers < 2 or sum(f.size for f in files) < self.min_total_bytes:
            return  # small jobs: starting processes costs more than it saves
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        self._pool = ProcessPoolExecutor(self.workers, mp_context=multiprocessing.get_context("spawn"))
        for f in sorted(files, key=lambda f: -f.size):
            self._futures[f.file_hash] = self._pool.submit(_read_in_worker, str(f.path), self.max_bytes)

    def results_for(self, files: list["LandingFile"]) -> dict:
        out = {}
        for f in files:
            fut = self._futures.pop(f.file_hash, None)
            if fut is not None:
                out[f.file_hash] = _from_worker(fut.result())
        return out

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(cancel_futures=True)


def scan_folder(folder_path: Path, folder: str) -> list[LandingFile]:
    """Regular files directly in one landing folder; names are data, never interpreted as paths."""
    out = []
    if not folder_path.is_dir():
        return out
    for entry in sorted(os.scandir(folder_path), key=lambda e: e.name):
        if not entry.is_file(follow_symlinks=False):
            continue
        st = entry.stat(follow_symlinks=False)
        mtime = datetime.fromtimestamp(st.st_mtime, WITA).replace(tzinfo=None)
        out.append(LandingFile(folder, Path(entry.path), entry.name, st.st_size, mtime))
    return out


def stray_folders(landing_dir: Path) -> list[tuple[str, Path]]:
    """Folders (and the landing root itself, for loose files) that are not a district code."""
    known = set(district_codes())
    out: list[tuple[str, Path]] = []
    if not landing_dir.is_dir():
        return out
    if any(e.is_file() and not e.name.startswith(("README", ".gitkeep")) for e in os.scandir(landing_dir)):
        out.append(("", landing_dir))
    for entry in sorted(os.scandir(landing_dir), key=lambda e: e.name):
        if entry.is_dir(follow_symlinks=False) and entry.name not in known and not entry.name.startswith("_"):
            out.append((entry.name, Path(entry.path)))
    return out


@dataclass
class IngestResult:
    folder: str
    files_seen: int = 0
    files_new: int = 0
    files_active: int = 0
    files_rejected: int = 0
    rows_loaded: dict[str, int] = field(default_factory=dict)
    rows_current: dict[str, int] = field(default_factory=dict)
    changed: bool = False
    rejected: list[tuple[str, str, str]] = field(default_factory=list)  # (name, code, message)


def ingest_folder(
    con: duckdb.DuckDBPyConnection,
    folder: str,
    folder_path: Path,
    *,
    run_id: str,
    archive_dir: Path,
    max_bytes: int,
    is_district: bool = True,
    log=None,
    prefetched: dict[str, "readers.ReadResult | readers.FileRejected"] | None = None,
) -> IngestResult:
    """Register, archive and (for a district) load the raw rows of one landing folder.

    Every registry change and every raw row of the folder is written in ONE transaction: a
    failure leaves the previous state intact. Files already known by content hash are not
    re-read, so re-running with the same files changes nothing.
    """
    ensure_schema(con)
    res = IngestResult(folder)
    files = scan_folder(folder_path, folder)
    res.files_seen = len(files)
    seen_hashes: dict[str, LandingFile] = {}
    for f in files:
        f.file_hash = sha256_of(f.path)
        archive_file(f.path, f.file_hash, archive_dir)  # archived before anything else happens
        if f.file_hash in seen_hashes:
            if log:
                log.warning(f"{folder}: '{f.name}' has the same content as '{seen_hashes[f.file_hash].name}'; registered once")
            continue
        seen_hashes[f.file_hash] = f

    known = {
        r[0]: (r[1], r[2])
        for r in con.execute(
            "SELECT file_hash, status, nama_file FROM ingestion.file_registry WHERE folder = ?", [folder]
        ).fetchall()
    }
    # Read every present file that has no current rows: new ones, and ones that came back.
    to_read = [f for h, f in seen_hashes.items() if needs_read(known[h][0] if h in known else None)]
    reads: dict[str, readers.ReadResult | readers.FileRejected] = {}
    for f in to_read:
        if not is_district:
            reads[f.file_hash] = readers.FileRejected(
                "folder_bukan_kode_kabupaten", f"folder '{folder}' is not a district code (53.KK)"
            )
        elif prefetched is not None and f.file_hash in prefetched:
            reads[f.file_hash] = prefetched[f.file_hash]
        else:
            reads[f.file_hash] = read_safely(f.path, max_bytes)

    now = datetime.now(WITA).replace(tzinfo=None)
    present_names = {f.name for f in seen_hashes.values()}
    con.execute("BEGIN TRANSACTION")
    try:
        for h, f in seen_hashes.items():
            if h in known:
                con.execute(
                    "UPDATE ingestion.file_registry SET terakhir_dilihat_run = ? WHERE folder = ? AND file_hash = ?",
                    [run_id, folder, h],
                )
        for h, (status, name) in known.items():
            if status == "active" and h not in seen_hashes:
                new_status = "replaced" if name in present_names else "withdrawn"
                reason = (
                    "diganti file baru dengan nama sama / replaced by a newer file of the same name"
                    if new_status == "replaced"
                    else "file dihapus dari folder kiriman / removed from the landing folder"
                )
                con.execute(
                    "UPDATE ingestion.file_registry SET status = ?, alasan = ? WHERE folder = ? AND file_hash = ?",
                    [new_status, reason, folder, h],
                )
                res.changed = True
        for f in to_read:
            outcome = reads[f.file_hash]
            res.changed = True
            rel = f"{folder}/{f.name}" if folder else f.name
            arsip = str(Path(f.file_hash[:2]) / f.file_hash)
            if isinstance(outcome, readers.FileRejected):
                reason = contract.reason(outcome.code)
                msg = reason.text(batas=round(max_bytes / 1e6)) + f" / {reason.message_en}"
                if outcome.detail:
                    msg += f" ({outcome.detail})"
                status, jenis, baris, encoding = "rejected", "tidak_dikenal", 0, None
                res.rejected.append((f.name, outcome.code, msg))
                code = outcome.code
            else:
                status, code, msg = "active", None, None
                jenis, encoding = outcome.kind, outcome.encoding
                baris = 0
                for sh in outcome.sheets:
                    _insert_sheet(con, folder, f, sh)
                    baris += sh.table.num_rows
                    res.rows_loaded[sh.kind] = res.rows_loaded.get(sh.kind, 0) + sh.table.num_rows
            if f.file_hash in known:  # a file that came back keeps its first arrival time and run
                con.execute(
                    """UPDATE ingestion.file_registry SET status = ?, alasan_kode = ?, alasan = ?, baris_dibaca = ?,
                       nama_file = ?, path_relatif = ?, terakhir_dilihat_run = ? WHERE folder = ? AND file_hash = ?""",
                    [status, code, msg, baris, f.name, rel, run_id, folder, f.file_hash],
                )
            else:
                con.execute(
                    "INSERT INTO ingestion.file_registry VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    [
                        folder, f.file_hash, folder if is_district else None, f.name, rel, f.size, jenis,
                        f.mtime, run_id, run_id, now, status, code, msg, arsip, baris, encoding,
                    ],
                )
        # Raw rows: exactly this district's rows, for its active files only.
        if is_district:
            for kind in contract.KINDS:
                con.execute(
                    f"""DELETE FROM raw.{kind} WHERE kode_kabupaten = ? AND file_hash NOT IN (
                        SELECT file_hash FROM ingestion.file_registry WHERE folder = ? AND status = 'active')""",
                    [folder, folder],
                )
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    stats = con.execute(
        """SELECT count(*) FILTER (WHERE status = 'active'), count(*) FILTER (WHERE status = 'rejected' AND terakhir_dilihat_run = ?)
           FROM ingestion.file_registry WHERE folder = ?""",
        [run_id, folder],
    ).fetchone()
    res.files_active, res.files_rejected = stats
    res.files_new = len(to_read)
    if is_district:
        for kind in contract.KINDS:
            res.rows_current[kind] = con.execute(
                f"SELECT count(*) FROM raw.{kind} WHERE kode_kabupaten = ?", [folder]
            ).fetchone()[0]
    return res


def _insert_sheet(con: duckdb.DuckDBPyConnection, folder: str, f: LandingFile, sh: readers.SheetData) -> None:
    table = sh.table
    if "kode_kabupaten" in table.column_names:
        table = table.rename_columns([KOLOM_KABUPATEN_BARIS if c == "kode_kabupaten" else c for c in table.column_names])
    con.register("_p3jr_sheet", table)
    try:
        con.execute(
            f"""INSERT INTO raw.{sh.kind} BY NAME
                SELECT ?::VARCHAR AS kode_kabupaten, ?::VARCHAR AS file_hash, ?::VARCHAR AS nama_file,
                       ?::VARCHAR AS sheet, * FROM _p3jr_sheet""",
            [folder, f.file_hash, f.name, sh.sheet],
        )
    finally:
        con.unregister("_p3jr_sheet")
    con.execute("DELETE FROM ingestion.sheet_headers WHERE file_hash = ? AND sheet = ?", [f.file_hash, sh.sheet])
    for kolom, header, pos in sh.headers:
        con.execute(
            "INSERT INTO ingestion.sheet_headers VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [f.file_hash, sh.sheet, sh.kind, kolom or None, header, pos, sh.header_row, sh.skipped_blank, sh.skipped_total],
        )
