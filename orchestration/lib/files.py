"""File-system rules shared by every writer of personal data (UU 27/2022)."""
from __future__ import annotations

import os
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
