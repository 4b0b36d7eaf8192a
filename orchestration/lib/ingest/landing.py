"""What a landing folder holds: the regular files a run reads, what it skips and why, and the
folders that are not a district code. Listing only: no file is opened here."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from orchestration.settings import WITA
from sources import contract
from sources.reference import district_codes, kabupaten

# Registry folder of loose files in the landing root, and the entries of the root itself.
STRAY_FOLDER = "(bukan_kabupaten)"
ROOT_FOLDER = "(landing)"
_ROOT_QUIET = ("README", ".gitkeep")


@dataclass
class LandingFile:
    folder: str
    path: Path
    name: str
    size: int
    mtime: datetime  # WITA wall clock, as the registry stores it
    mtime_ns: int = 0
    file_hash: str = ""


@dataclass
class Skipped:
    """An entry of a landing folder that is not read, with the reason a person will see."""

    name: str
    code: str  # reasons.csv, berlaku_untuk = file
    detail: str = ""


@dataclass
class FolderListing:
    files: list[LandingFile] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)


def list_folder(folder_path: Path, folder: str, *, landing_root: bool = False) -> FolderListing:
    """Regular files directly in one landing folder; names are data, never interpreted as paths.

    Symbolic links (files or folders) are never followed: a link to /etc would otherwise be hashed
    and copied into the archive. Sub-folders are not read. Both are reported, not dropped. In the
    landing root (loose files) the entries that are not files belong to :func:`ignored_root_entries`
    and the district and stray folders are listed on their own, so only its files are returned."""
    out = FolderListing()
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
            out.files.append(LandingFile(folder, Path(entry.path), entry.name, st.st_size, mtime, st.st_mtime_ns))
    return out


def stray_folders(landing_dir: Path) -> list[tuple[str, Path]]:
    """Folders (and the landing root itself, for loose files) that are not a district code."""
    known = set(district_codes())
    out: list[tuple[str, Path]] = []
    if not landing_dir.is_dir():
        return out
    if any(e.is_file(follow_symlinks=False) and not e.name.startswith(_ROOT_QUIET) for e in os.scandir(landing_dir)):
        out.append(("", landing_dir))
    for entry in sorted(os.scandir(landing_dir), key=lambda e: e.name):
        if entry.is_dir(follow_symlinks=False) and entry.name not in known and not entry.name.startswith(("_", ".")):
            out.append((entry.name, Path(entry.path)))
    return out


@dataclass(frozen=True)
class LandingFolder:
    """One folder a run reads: its name in the registry, where it is, and what it is."""

    folder: str
    path: Path
    is_district: bool
    landing_root: bool = False


def landing_folders(landing_dir: Path, districts: list[str] | None = None) -> list[LandingFolder]:
    """The district folders of a run (all 22 by default), then the stray folders and the root's loose
    files (every run reads those). The scan, the decision and the load all walk this one list."""
    out = [LandingFolder(d, landing_dir / d, True) for d in (district_codes() if districts is None else districts)]
    for name, path in stray_folders(landing_dir):
        out.append(LandingFolder(name or STRAY_FOLDER, path, False, landing_root=not name))
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
