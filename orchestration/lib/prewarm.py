"""What a cold `p3jr run` starts beside itself, so that a correction does not import its libraries one
after the other on one core (issue 13: one district's correction visible in ≤ 20 s).

Before any data moves, the run's process spends ~4 s importing Dagster and the asset definitions on one
core while the other waits, then imports GX (~3 s) in a thread beside the reading of the changed files,
and its dbt build imports dbt-core (~2.5 s) before it starts. Instead, one at a time on the other core:

1. from the start, a GX worker process (lib/gx/worker.py): the gate's expectations run there;
2. once the run is known to be a correction (`for_districts`, after Dagster is imported), a dbt-only
   `p3jr siaga --hanya-dbt` server: the run's `p3jr-dbt` is forked from it with dbt-core already
   imported (lib/warm.py). Started together they slowed each other and the run's own imports.

Only for a correction: together they hold ~0.5 GB, and a run over most of the province peaks in its dbt
step, where that would count. Neither is needed for a right answer: a helper that is not ready or died
leaves its work to the run's process, as without helpers. Both end with the run (and with its process
if it is killed: the parent-death signal).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from orchestration.settings import set_siaga_socket

_dbt: subprocess.Popen | None = None
_dbt_dir: Path | None = None
_env_before: str | None = None


def start() -> None:
    """The GX worker, unless this process has GX already (`p3jr siaga`)."""
    from orchestration.lib.gx import worker as gx_worker

    gx_worker.start()


def for_districts(districts: int, province: int) -> None:
    """A run over at most half of the province's districts is a correction: start the dbt server too.
    Otherwise stop the helpers."""
    global _dbt, _dbt_dir, _env_before
    if districts * 2 > province:
        stop()
        return
    if _dbt is not None or "dbt.cli.main" in sys.modules:
        return
    _dbt_dir = Path(tempfile.mkdtemp(prefix="p3jr-dbt-"))
    sock = _dbt_dir / "dbt.sock"
    # started from the thread that runs the steps: the parent-death signal follows that thread
    _dbt = subprocess.Popen(
        [sys.executable, "-m", "orchestration.cli", "siaga", "--hanya-dbt", "--socket", str(sock)],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
    )
    _env_before = set_siaga_socket(str(sock))  # the run's `p3jr-dbt` inherits it (lib/dbt_child.py)


def stop() -> None:
    global _dbt, _dbt_dir, _env_before
    from orchestration.lib.gx import worker as gx_worker

    gx_worker.stop()
    proc, folder, _dbt, _dbt_dir = _dbt, _dbt_dir, None, None
    if proc is None:
        return
    set_siaga_socket(_env_before)
    _env_before = None
    proc.terminate()
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
    if folder is not None:
        shutil.rmtree(folder, ignore_errors=True)
