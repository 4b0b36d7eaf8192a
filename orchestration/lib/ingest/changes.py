"""THE change detector: what the landing zone holds now (:func:`scan`) against what is already known
(:func:`diff`: the file registry, or the landing sensor's previous scan).

The landing sensor, `p3jr run` and the ingestion step call these two functions and nothing else to
find out what changed; the ingestion step hands the scan's hashes to the registry, so a landing file
is hashed once per run. Whether a run has anything to do at all is decided in one place on top of
them: :func:`orchestration.lib.state.unchanged_since_publish`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

import duckdb

from orchestration.lib.ingest.landing import LandingFile, landing_folders, list_folder
from orchestration.lib.warehouse import connect, table_exists
from sources.reference import district_codes


class FileState(NamedTuple):
    size: int
    mtime_ns: int
    sha256: str


# {registry folder: {file name: FileState}}: district folders by code, stray folders by name.
Scan = dict[str, dict[str, FileState]]


class KnownFile(NamedTuple):
    name: str
    status: str  # active | replaced | withdrawn | rejected (ingestion.file_registry.status)
    present: bool  # in the folder at its last scan (ada_di_folder)


# {registry folder: {sha256: KnownFile}}
Known = dict[str, dict[str, KnownFile]]

# Hashes of the last scan of each folder in this process: `p3jr run` decides before the run and
# then runs it in process, and a file whose size and modification time did not move is not read twice.
_LAST_SCAN: dict[str, dict[str, FileState]] = {}


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def hash_files(
    files: list[LandingFile], folder_path: Path, cache: Mapping[str, Sequence] | None = None
) -> dict[str, FileState]:
    """The state of each listed file, and ``f.file_hash`` set on it. A file whose size and mtime
    equal ``cache``'s entry (default: this process's last scan of the folder) is not hashed again."""
    if cache is None:
        cache = _LAST_SCAN.get(str(folder_path), {})
    out: dict[str, FileState] = {}
    for f in files:
        old = cache.get(f.name)
        if old is not None and old[0] == f.size and old[1] == f.mtime_ns and old[2]:
            state = FileState(*old)
        else:
            state = FileState(f.size, f.mtime_ns, sha256_file(f.path))
        f.file_hash = state.sha256
        out[f.name] = state
    _LAST_SCAN[str(folder_path)] = out
    return out


def scan(
    landing_dir: Path,
    cache: Mapping[str, Mapping[str, Sequence]] | None = None,
    *,
    districts: Iterable[str] | None = None,
) -> Scan:
    """Every folder a run reads (the given district folders, all 22 by default, plus the stray folders
    and the root's loose files), with each regular file's size, mtime and content hash. A folder that
    does not exist (or is a symlink) is absent. ``cache``: a previous scan (the sensor's cursor)."""
    out: Scan = {}
    for lf in landing_folders(landing_dir, None if districts is None else list(districts)):
        if lf.path.is_symlink() or not lf.path.is_dir():
            continue
        files = list_folder(lf.path, lf.folder, landing_root=lf.landing_root).files
        out[lf.folder] = hash_files(files, lf.path, None if cache is None else cache.get(lf.folder, {}))
    return out


def load_scan(data: Mapping) -> Scan:
    """A scan read back from JSON (the sensor's cursor)."""
    return {folder: {name: FileState(*v) for name, v in files.items()} for folder, files in data.items()}


def needs_read(status: str | None) -> bool:
    """A present file is read when it is new, or back after being replaced/withdrawn (its rows left)."""
    return status is None or status in ("replaced", "withdrawn")


def registry_state(con: duckdb.DuckDBPyConnection) -> Known:
    """What the pipeline already holds: every file of the registry, by folder and content."""
    if not table_exists(con, "ingestion", "file_registry"):
        return {}
    out: Known = {}
    for folder, h, name, status, present in con.execute(
        "SELECT folder, file_hash, nama_file, status, coalesce(ada_di_folder, true) FROM ingestion.file_registry"
    ).fetchall():
        out.setdefault(folder, {})[h] = KnownFile(name, status, bool(present))
    return out


def read_registry_state(warehouse_path: Path) -> Known:
    """:func:`registry_state` of a warehouse file (read-only; WarehouseBusy while a writer holds it)."""
    if not warehouse_path.exists():
        return {}
    with connect(warehouse_path, read_only=True) as con:
        return registry_state(con)


def as_known(previous: Scan) -> Known:
    """A previous scan as known state: every file it saw counts as held (the sensor's cursor)."""
    return {
        folder: {h: KnownFile(name, "active", True) for h, name in _first_names(files).items()}
        for folder, files in previous.items()
    }


def _first_names(files: Mapping[str, FileState]) -> dict[str, str]:
    """Content → the name it is registered under: the first in name order (later copies are skipped)."""
    out: dict[str, str] = {}
    for name in sorted(files):
        out.setdefault(files[name].sha256, name)
    return out


@dataclass
class FolderChanges:
    """What a run would change in the registry for one folder."""

    new: list[str] = field(default_factory=list)  # names of files to read: new content, or back after leaving
    gone: list[str] = field(default_factory=list)  # active files whose content is no longer there
    renamed: list[tuple[str, str]] = field(default_factory=list)  # (registered name, name now)
    presence: list[str] = field(default_factory=list)  # rejected files that left the folder or came back

    def __bool__(self) -> bool:
        return bool(self.new or self.gone or self.renamed or self.presence)


def diff(landing: Scan, known: Known, folders: Iterable[str] | None = None) -> dict[str, FolderChanges]:
    """The folders (all of ``landing`` and ``known`` by default) whose files differ from what is known,
    with what differs. Content decides, not time stamps: a touched but identical file is no change."""
    names = sorted(set(landing) | set(known)) if folders is None else list(folders)
    out: dict[str, FolderChanges] = {}
    for folder in names:
        now = _first_names(landing.get(folder, {}))
        reg = known.get(folder, {})
        ch = FolderChanges()
        for h, name in now.items():
            k = reg.get(h)
            if needs_read(k.status if k else None):
                ch.new.append(name)
            elif k.name != name:
                ch.renamed.append((k.name, name))
            elif not k.present:
                ch.presence.append(name)
        for h, k in reg.items():
            if h in now:
                continue
            if k.status == "active":
                ch.gone.append(k.name)
            elif k.status == "rejected" and k.present:
                ch.presence.append(k.name)
        if ch:
            out[folder] = ch
    return out


def run_folders(landing: Scan, districts: Iterable[str]) -> list[str]:
    """The folders a run over ``districts`` reads: those districts (present or not) and every stray
    folder of the scan. What is outside them is not the run's business."""
    codes = set(district_codes())
    return list(districts) + [f for f in landing if f not in codes]
