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

import duckdb

from orchestration.lib.rules import KOLOM_KABUPATEN_BARIS
from orchestration.lib.files import ensure_private_dir
from orchestration.settings import WITA
from sources import contract, readers
from sources.reference import district_codes, kabupaten

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
    # Columns added after the first release (old warehouses get them here).
    con.execute("ALTER TABLE ingestion.file_registry ADD COLUMN IF NOT EXISTS waktu_modifikasi TIMESTAMP")
    con.execute("ALTER TABLE ingestion.file_registry ADD COLUMN IF NOT EXISTS ada_di_folder BOOLEAN DEFAULT TRUE")
    con.execute(
        """CREATE TABLE IF NOT EXISTS ingestion.pemindaian_folder (
  folder VARCHAR PRIMARY KEY, terakhir_dipindai_pada TIMESTAMP NOT NULL, run_id VARCHAR)"""
    )
    con.execute(
        """CREATE TABLE IF NOT EXISTS ingestion.entri_diabaikan (
  folder VARCHAR NOT NULL, nama VARCHAR NOT NULL, kode VARCHAR NOT NULL, keterangan VARCHAR,
  dilihat_pada TIMESTAMP, run_id VARCHAR)"""
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


_HASH_CACHE: dict[tuple, str] = {}


def sha256_of(path: Path) -> str:
    """Content hash; one run asks for the same file from the guard, the reader pool and the
    registry, so an unchanged file (same inode, size and mtime) is hashed once per process."""
    try:
        st = os.stat(path, follow_symlinks=False)
        key = (str(path), st.st_ino, st.st_size, st.st_mtime_ns)
    except OSError:
        key = None
    if key is not None and key in _HASH_CACHE:
        return _HASH_CACHE[key]
    digest = _sha256(path)
    if key is not None:
        if len(_HASH_CACHE) > 100_000:
            _HASH_CACHE.clear()
        _HASH_CACHE[key] = digest
    return digest


def _sha256(path: Path) -> str:
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
    ensure_private_dir(archive_dir)
    dest.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=dest.parent, prefix=".tmp-")  # created 0600
    os.close(fd)
    try:
        shutil.copyfile(src, tmp)  # content only: never the sender's permission bits
        shutil.copystat(src, tmp)
        os.chmod(tmp, 0o600)
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


@dataclass
class Skipped:
    """An entry of a landing folder that is not read, with the reason a person will see."""

    name: str
    code: str  # reasons.csv, berlaku_untuk = file
    detail: str = ""


@dataclass
class FolderScan:
    files: list[LandingFile] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)


def scan(folder_path: Path, folder: str, *, landing_root: bool = False) -> FolderScan:
    """Regular files directly in one landing folder; names are data, never interpreted as paths.

    Symbolic links (files or folders) are never followed: a link to /etc would otherwise be hashed
    and copied into the archive. Sub-folders are not read. Both are reported, not dropped. In the
    landing root (loose files) the entries that are not files belong to :func:`ignored_root_entries`
    and the district and stray folders are scanned on their own, so only its files are returned."""
    out = FolderScan()
    if folder_path.is_symlink():
        out.skipped.append(Skipped(folder_path.name, "tautan_simbolik_diabaikan", "folder kabupaten adalah symlink"))
        return out
    if not folder_path.is_dir():
        return out
    for entry in sorted(os.scandir(folder_path), key=lambda e: e.name):
        if landing_root and (entry.is_symlink() or not entry.is_file(follow_symlinks=False)):
            continue
        if entry.is_symlink():
            out.skipped.append(Skipped(entry.name, "tautan_simbolik_diabaikan"))
        elif entry.is_dir(follow_symlinks=False):
            n = sum(1 for _ in Path(entry.path).rglob("*"))
            out.skipped.append(Skipped(entry.name, "subfolder_diabaikan", f"{n} entri di dalamnya"))
        elif not entry.is_file(follow_symlinks=False):
            out.skipped.append(Skipped(entry.name, "bukan_file_biasa"))
        else:
            st = entry.stat(follow_symlinks=False)
            mtime = datetime.fromtimestamp(st.st_mtime, WITA).replace(tzinfo=None)
            out.files.append(LandingFile(folder, Path(entry.path), entry.name, st.st_size, mtime))
    return out


def scan_folder(folder_path: Path, folder: str) -> list[LandingFile]:
    return scan(folder_path, folder).files


ROOT_FOLDER = "(landing)"
_ROOT_QUIET = ("README", ".gitkeep")


def stray_folders(landing_dir: Path) -> list[tuple[str, Path]]:
    """Folders (and the landing root itself, for loose files) that are not a district code."""
    known = set(district_codes())
    out: list[tuple[str, Path]] = []
    if not landing_dir.is_dir():
        return out
    if any(e.is_file(follow_symlinks=False) and not e.name.startswith(_ROOT_QUIET) for e in os.scandir(landing_dir)):
        out.append(("", landing_dir))
    for entry in sorted(os.scandir(landing_dir), key=lambda e: e.name):
        if (entry.is_dir(follow_symlinks=False) and entry.name not in known
                and not entry.name.startswith(("_", "."))):
            out.append((entry.name, Path(entry.path)))
    return out


def ignored_root_entries(landing_dir: Path) -> list[Skipped]:
    """Entries of the landing root that are neither a district folder nor read as a stray folder."""
    out: list[Skipped] = []
    if not landing_dir.is_dir():
        return out
    for entry in sorted(os.scandir(landing_dir), key=lambda e: e.name):
        if entry.is_symlink():
            out.append(Skipped(entry.name, "tautan_simbolik_diabaikan"))
        elif entry.is_dir(follow_symlinks=False):
            if entry.name.startswith(("_", ".")):
                out.append(Skipped(entry.name, "folder_diabaikan"))
        elif not entry.is_file(follow_symlinks=False):
            out.append(Skipped(entry.name, "bukan_file_biasa"))
    return out


def suggest_district(name: str) -> list[str]:
    """District codes a mistyped folder name probably meant (`53.1` → 53.01, `kupang` → 53.01, 53.71)."""
    digits = "".join(ch for ch in name if ch.isdigit())
    codes = set(district_codes())
    out = []
    if digits.startswith("53") and len(digits) in (3, 4):
        cand = f"53.{int(digits[2:]):02d}"
        if cand in codes:
            out.append(cand)
    key = contract.normalize(name)
    if len(key) >= 4 and not out:
        out = [k.kode for k in kabupaten() if key in contract.normalize(k.nama)]
    return out


def record_skipped(con: duckdb.DuckDBPyConnection, folder: str, skipped: list[Skipped], run_id: str, now: datetime) -> None:
    """Replace what was ignored in this folder at its last scan."""
    con.execute("DELETE FROM ingestion.entri_diabaikan WHERE folder = ?", [folder])
    for sk in skipped:
        con.execute("INSERT INTO ingestion.entri_diabaikan VALUES (?, ?, ?, ?, ?, ?)",
                    [folder, sk.name, sk.code, sk.detail or None, now, run_id])


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


def arrival_time(mtime: datetime, last_scan: datetime | None, now: datetime) -> tuple[datetime, str | None]:
    """CONTRACT §5: the modification time counts only inside the window in which the pipeline could
    not have seen the file: not before the last scan of its folder that did not find it, not after
    the moment the pipeline first saw it. Returns the arrival time and a note code when clamped."""
    if mtime > now:
        return now, "waktu_file_di_masa_depan"
    if last_scan is not None and mtime < last_scan:
        return last_scan, "waktu_file_sebelum_pemindaian"
    return mtime, None


def ingest_folder(
    con: duckdb.DuckDBPyConnection,
    folder: str,
    folder_path: Path,
    *,
    run_id: str,
    archive_dir: Path,
    max_bytes: int,
    is_district: bool = True,
    landing_root: bool = False,
    log=None,
    prefetched: dict[str, "readers.ReadResult | readers.FileRejected"] | None = None,
    now: datetime | None = None,
) -> IngestResult:
    """Register, archive and (for a district) load the raw rows of one landing folder.

    Every registry change and every raw row of the folder is written in ONE transaction: a
    failure leaves the previous state intact. Files already known by content hash are not
    re-read, so re-running with the same files changes nothing.
    """
    ensure_schema(con)
    res = IngestResult(folder)
    found = scan(folder_path, folder, landing_root=landing_root)
    skipped = list(found.skipped)
    res.files_seen = len(found.files)
    seen_hashes: dict[str, LandingFile] = {}
    for f in found.files:
        f.file_hash = sha256_of(f.path)
        archive_file(f.path, f.file_hash, archive_dir)  # archived before anything else happens
        if f.file_hash in seen_hashes:
            first = seen_hashes[f.file_hash].name
            skipped.append(Skipped(f.name, "salinan_file_sama", f"isi sama dengan '{first}' / same content as '{first}'"))
            if log:
                log.warning(f"{folder}: '{f.name}' has the same content as '{first}'; registered once")
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
    to_read_hashes = {f.file_hash for f in to_read}
    reads: dict[str, readers.ReadResult | readers.FileRejected] = {}
    for f in to_read:
        if not is_district:
            hint = suggest_district(folder)
            reads[f.file_hash] = readers.FileRejected(
                "folder_bukan_kode_kabupaten",
                f"folder '{folder}' is not a district code (53.KK)"
                + (f"; maksud Anda / did you mean {' atau '.join(hint)}?" if hint else ""),
            )
        elif prefetched is not None and f.file_hash in prefetched:
            reads[f.file_hash] = prefetched[f.file_hash]
        else:
            reads[f.file_hash] = read_safely(f.path, max_bytes)

    now = now or datetime.now(WITA).replace(tzinfo=None)
    last_scan_row = con.execute(
        "SELECT terakhir_dipindai_pada FROM ingestion.pemindaian_folder WHERE folder = ?", [folder]).fetchone()
    last_scan = last_scan_row[0] if last_scan_row else None
    present_names = {f.name for f in seen_hashes.values()}
    con.execute("BEGIN TRANSACTION")
    try:
        record_skipped(con, folder, skipped, run_id, now)
        con.execute("UPDATE ingestion.file_registry SET ada_di_folder = false WHERE folder = ?", [folder])
        for h, f in seen_hashes.items():
            if h in known:
                con.execute(
                    """UPDATE ingestion.file_registry SET terakhir_dilihat_run = ?, ada_di_folder = true
                       WHERE folder = ? AND file_hash = ?""",
                    [run_id, folder, h],
                )
                old_name = known[h][1]
                if old_name != f.name and h not in to_read_hashes:
                    # Same content under a new name: the file keeps its arrival; the feedback shows the new name.
                    rel = f"{folder}/{f.name}" if folder else f.name
                    con.execute("UPDATE ingestion.file_registry SET nama_file = ?, path_relatif = ? "
                                "WHERE folder = ? AND file_hash = ?", [f.name, rel, folder, h])
                    _note(con, folder, h, f.name, "file_berganti_nama",
                          f"sebelumnya / previously '{old_name}'", run_id)
                    res.changed = True
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
            con.execute("DELETE FROM ingestion.catatan_file WHERE folder = ? AND file_hash = ?", [folder, f.file_hash])
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
                for note in outcome.notes:
                    _note(con, folder, f.file_hash, f.name, note.code, note.detail, run_id, sheet=note.sheet)
            if f.file_hash in known:  # a file that came back keeps its first arrival time and run
                con.execute(
                    """UPDATE ingestion.file_registry SET status = ?, alasan_kode = ?, alasan = ?, baris_dibaca = ?,
                       nama_file = ?, path_relatif = ?, terakhir_dilihat_run = ? WHERE folder = ? AND file_hash = ?""",
                    [status, code, msg, baris, f.name, rel, run_id, folder, f.file_hash],
                )
            else:
                arrival, clamp = arrival_time(f.mtime, last_scan, now)
                if clamp:
                    _note(con, folder, f.file_hash, f.name, clamp,
                          f"waktu modifikasi / modification time {f.mtime:%Y-%m-%d %H:%M}; "
                          f"waktu tiba dicatat / arrival recorded {arrival:%Y-%m-%d %H:%M}", run_id)
                con.execute(
                    """INSERT INTO ingestion.file_registry (folder, file_hash, kode_kabupaten, nama_file, path_relatif,
                         ukuran_bytes, jenis, waktu_file, pertama_dilihat_run, terakhir_dilihat_run,
                         pertama_dilihat_pada, status, alasan_kode, alasan, arsip_path, baris_dibaca, encoding,
                         waktu_modifikasi, ada_di_folder)
                       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, true)""",
                    [
                        folder, f.file_hash, folder if is_district else None, f.name, rel, f.size, jenis,
                        arrival, run_id, run_id, now, status, code, msg, arsip, baris, encoding, f.mtime,
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
        con.execute(
            "INSERT OR REPLACE INTO ingestion.pemindaian_folder VALUES (?, ?, ?)", [folder, now, run_id])
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    stats = con.execute(
        """SELECT count(*) FILTER (WHERE status = 'active'), count(*) FILTER (WHERE status = 'rejected' AND ada_di_folder)
           FROM ingestion.file_registry WHERE folder = ?""",
        [folder],
    ).fetchone()
    res.files_active, res.files_rejected = stats
    res.files_new = len(to_read)
    if is_district:
        for kind in contract.KINDS:
            res.rows_current[kind] = con.execute(
                f"SELECT count(*) FROM raw.{kind} WHERE kode_kabupaten = ?", [folder]
            ).fetchone()[0]
    return res


def _note(con, folder: str, file_hash: str, name: str, code: str, detail: str, run_id: str, sheet: str = "") -> None:
    contract.reason(code)  # an unknown code fails here, in tests, not in a district's feedback
    con.execute("INSERT INTO ingestion.catatan_file VALUES (?, ?, ?, ?, ?, ?, ?)",
                [folder, file_hash, name, sheet or None, code, detail or None, run_id])


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
