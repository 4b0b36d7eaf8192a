"""Landing guard: a wrong or emptied landing path is an incident, never a mass withdrawal.

Without it, `--landing` pointing at a mistyped folder treats every district as withdrawn and the
run publishes an all-zero ranking. The guard runs before ingestion changes anything.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from orchestration.lib.ingest.changes import Scan
from orchestration.lib.warehouse import table_exists
from sources.reference import district_codes

# Run tag (and CLI flag --izinkan-penarikan) by which the operator confirms a large withdrawal.
CONFIRM_TAG = "p3jr/izinkan_penarikan"


class LandingIncident(Exception):
    """The run must stop before the gate; the message is Indonesian / English."""


@dataclass
class Verdict:
    problems: list[str] = field(default_factory=list)
    overridable: bool = True
    withdrawn_rows: int = 0
    accepted_rows: int = 0
    vanished_folders: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def message(self) -> str:
        head = "Run dihentikan sebelum gerbang mutu / run stopped before the quality gate: "
        tail = (
            ""
            if not self.overridable
            else (
                " Jika penarikan ini memang disengaja, jalankan ulang dengan --izinkan-penarikan "
                f"(atau tag run {CONFIRM_TAG}=ya). / If the withdrawal is intended, rerun with --izinkan-penarikan."
            )
        )
        return head + " ".join(self.problems) + tail


def _active_rows(con: duckdb.DuckDBPyConnection) -> dict[str, list[tuple[str, str, int]]]:
    if not table_exists(con, "ingestion", "file_registry"):
        return {}
    out: dict[str, list[tuple[str, str, int]]] = {}
    for folder, name, h, n in con.execute(
        "SELECT folder, nama_file, file_hash, coalesce(baris_dibaca, 0) FROM ingestion.file_registry "
        "WHERE status = 'active' AND kode_kabupaten IS NOT NULL"
    ).fetchall():
        out.setdefault(folder, []).append((name, h, n))
    return out


def _has_files(folder: Path) -> bool:
    if folder.is_symlink() or not folder.is_dir():
        return False
    return any(e.is_file(follow_symlinks=False) for e in os.scandir(folder))


def check(
    con: duckdb.DuckDBPyConnection,
    landing_dir: Path,
    districts: list[str],
    landing: Scan,
    *,
    max_share: float,
    confirmed: bool = False,
) -> Verdict:
    """``landing``: the run's scan (:func:`changes.scan`; what is in each district folder now, with
    content hashes, so nothing is hashed here). A registered file counts as withdrawn when neither its
    content nor its name is still there (a file replaced under the same name is a correction, judged
    by the gate's row-count rule, not a withdrawal)."""
    v = Verdict()
    active = _active_rows(con)
    v.accepted_rows = sum(n for files in active.values() for _, _, n in files)
    has_data = any(active.values())
    if not landing_dir.exists():
        v.problems.append(f"folder kiriman tidak ada / landing folder does not exist: {landing_dir}")
        v.overridable = False
        return v
    if not landing_dir.is_dir() or not os.access(landing_dir, os.R_OK | os.X_OK):
        v.problems.append(
            f"folder kiriman tidak dapat dibaca / landing folder is not a readable folder: {landing_dir}."
        )
        v.overridable = False
        return v
    if not has_data:
        return v  # first load: nothing could be withdrawn
    empty = not any(_has_files(landing_dir / d) for d in district_codes())
    if empty:
        v.problems.append(
            f"folder kiriman kosong padahal {len(active)} kabupaten punya data yang diterima / landing folder "
            f"{landing_dir} holds no district file while {len(active)} districts have accepted data "
            "(salah path? / wrong path?)."
        )
    for d in districts:
        folder = landing_dir / d
        if d in active and (folder.is_symlink() or not folder.is_dir()):
            v.vanished_folders.append(d)
        names = set(landing.get(d, {}))
        hashes = {f.sha256 for f in landing.get(d, {}).values()}
        for name, h, n in active.get(d, []):
            if h not in hashes and name not in names:
                v.withdrawn_rows += n
    if v.vanished_folders and not empty:
        v.problems.append(
            "folder kabupaten hilang / district folder disappeared: "
            + ", ".join(v.vanished_folders)
            + " (semua datanya akan ditarik / all its data would be withdrawn)."
        )
    share = v.withdrawn_rows / v.accepted_rows if v.accepted_rows else 0.0
    if share > max_share and not empty:
        v.problems.append(
            f"run ini akan menarik {v.withdrawn_rows} dari {v.accepted_rows} baris yang diterima ({share:.0%} > batas "
            f"{max_share:.0%}) / this run would withdraw {share:.0%} of the province's accepted rows."
        )
    if confirmed and v.overridable:
        v.problems.clear()
    return v
