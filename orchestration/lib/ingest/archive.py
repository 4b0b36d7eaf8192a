"""The content-addressed archive: every file received, unchanged, under ``archive/<h[:2]>/<h>``."""

from __future__ import annotations

import shutil
from pathlib import Path

from orchestration.lib.files import PRIVATE_FILE_MODE, atomic_target, ensure_private_dir


def archive_file(src: Path, file_hash: str, archive_dir: Path) -> Path:
    """Copy before anything else happens to the file. Districts' files quote personal data: the
    archive's folders are 0700 and its files 0600, whatever the sender's permission bits were."""
    dest = archive_dir / file_hash[:2] / file_hash
    if dest.exists():
        return dest
    ensure_private_dir(archive_dir)
    ensure_private_dir(dest.parent)
    with atomic_target(dest, PRIVATE_FILE_MODE) as tmp:
        shutil.copyfile(src, tmp)  # content only: never the sender's permission bits
        shutil.copystat(src, tmp)  # its modification time; the mode is set to 0600 before the rename
    return dest
