"""File-system rules shared by every writer: private folders for personal data (UU 27/2022),
atomic replacement. One copy of each, so fsync and file modes are the same everywhere."""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

# The warehouse (raw NIK, names, coordinates), the archive of what districts sent and the Dagster
# storage (logs can quote rows) are for the service account only. Analysts get the published copy.
PRIVATE_DIR_MODE = 0o700
PRIVATE_FILE_MODE = 0o600


def ensure_private_dir(path: Path) -> Path:
    """Create ``path`` (and parents) and make it 0700, also when it already existed wider open."""
    path = Path(path)
    path.mkdir(mode=PRIVATE_DIR_MODE, parents=True, exist_ok=True)
    if (path.stat().st_mode & 0o777) != PRIVATE_DIR_MODE:
        os.chmod(path, PRIVATE_DIR_MODE)
    return path


def make_private(path: Path) -> None:
    """0600 for a file the service created (DuckDB and SQLite follow the umask otherwise)."""
    try:
        if (os.stat(path).st_mode & 0o777) != PRIVATE_FILE_MODE:
            os.chmod(path, PRIVATE_FILE_MODE)
    except FileNotFoundError:
        pass


# Files every reader may open (published database, reports, generated suites) vs. files that quote
# personal data (feedback workbooks, the archive): the service account only, or its group.
SHARED_FILE_MODE = 0o644
GROUP_FILE_MODE = 0o640


@contextlib.contextmanager
def atomic_target(path: Path, mode: int = SHARED_FILE_MODE) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; when the block ends without error, the file written
    there is fsynced, given ``mode`` and renamed over ``path`` (a reader sees the old file or the new
    one, never half of one; a crash leaves no partial file under the final name)."""
    path = Path(path)
    fd, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    tmp = Path(name)
    try:
        yield tmp
        with open(tmp, "rb+") as fh:
            os.fsync(fh.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, path)
        _fsync_dir(path.parent)
    finally:
        tmp.unlink(missing_ok=True)


def atomic_write(path: Path, data: bytes | str, mode: int = SHARED_FILE_MODE) -> Path:
    """Write ``data`` (text as UTF-8) to ``path`` atomically (see :func:`atomic_target`)."""
    with atomic_target(path, mode) as tmp:
        tmp.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    return Path(path)


def _fsync_dir(folder: Path) -> None:
    """Make the rename itself durable (the directory entry), where the OS allows it."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
