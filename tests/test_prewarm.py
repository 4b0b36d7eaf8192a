"""The helpers a cold correction starts (orchestration/lib/prewarm.py): the GX worker judges as GX in the
run's own process does, and gives the work back when it dies; the dbt-only server serves dbt and
nothing else and ends with its parent; a cold `p3jr run --district` forks its dbt build from that server
and leaves no helper behind."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time

import psutil
import pytest

from orchestration.lib import warm
from tests.conftest import BIN, ROOT, cli_env
from tests.test_gate import rows, write

_GX_SCRIPT = r"""
import json, os, sys
import pandas as pd
from orchestration.lib.gx import runner, worker

def plain(results):
    return {k: (r.success, r.row_count, [(o.expectation_type, o.column, o.success, o.observed) for o in r.results])
            for k, r in results.items()}

frame = pd.DataFrame(json.loads(sys.argv[1]))
assert worker.start()
via_worker = plain(runner.run_per_group("pengajuan_kabupaten", frame, "kode_kabupaten"))
assert "great_expectations" not in sys.modules, "GX was imported here, not in the worker"
pid = next(iter(worker._pool._processes))
os.kill(pid, 9)  # a worker that died: the same judgement, made here
after_death = plain(runner.run_per_group("pengajuan_kabupaten", frame, "kode_kabupaten"))
assert not worker.running() and "great_expectations" in sys.modules
assert not worker.start()  # GX is here now: no second worker
here = plain(runner.run_per_group("pengajuan_kabupaten", frame, "kode_kabupaten"))
print(json.dumps([via_worker, after_death, here]))
"""


def test_gx_worker_judges_as_this_process_does_and_gives_back_the_work_when_it_dies():
    """The gate's statistics of 22 districts, two of them over a limit, judged in a worker (without GX
    in the calling process), after killing that worker, and in the calling process."""
    frame = [
        {
            "kode_kabupaten": f"53.{i:02d}",
            "baris_dibaca": 100,
            "baris_karantina": 60 if i == 3 else 5,
            "rasio_karantina": 0.6 if i == 3 else 0.05,
            "rasio_baris_vs_terakhir": 0.2 if i == 7 else 1.0,
            "kolom_wajib_hilang": 0,
        }
        for i in range(1, 23)
    ]
    proc = subprocess.run(
        [sys.executable, "-c", _GX_SCRIPT, json.dumps(frame)],
        cwd=ROOT,
        env=cli_env(),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    via_worker, after_death, here = json.loads(proc.stdout.splitlines()[-1])
    assert via_worker == after_death == here
    assert sorted(k for k, (ok, _n, _r) in via_worker.items() if not ok) == ["53.03", "53.07"]


def test_gx_worker_ends_with_the_run_that_started_it():
    code = (
        "import time\nfrom orchestration.lib.gx import worker\n"
        "worker.start()\nworker._pool.submit(worker._ready).result()\n"
        "print(next(iter(worker._pool._processes)), flush=True)\ntime.sleep(600)\n"
    )
    run = subprocess.Popen([sys.executable, "-c", code], cwd=ROOT, env=cli_env(), stdout=subprocess.PIPE, text=True)
    try:
        gx_worker = psutil.Process(int(run.stdout.readline()))
        run.kill()  # killed as a run is (out of memory, a restart): no exit handler runs
        run.wait(timeout=30)
        gx_worker.wait(timeout=30)  # TimeoutExpired: the worker outlived its run
    finally:
        run.kill()


def _dbt_server(sock, parent_code: str) -> subprocess.Popen:
    """`p3jr siaga --hanya-dbt`, started as `p3jr run` starts it, from a parent process that then runs
    ``parent_code``; the parent prints the server's pid."""
    cmd = [sys.executable, "-m", "orchestration.cli", "siaga", "--hanya-dbt", "--socket", str(sock)]
    code = f"import subprocess, sys, time\np = subprocess.Popen({cmd!r})\nprint(p.pid, flush=True)\n{parent_code}"
    return subprocess.Popen([sys.executable, "-c", code], cwd=ROOT, env=cli_env(), stdout=subprocess.PIPE, text=True)


def _wait_for(path, proc, seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    while not path.exists():
        assert proc.poll() is None and time.monotonic() < deadline, "the dbt server did not start"
        time.sleep(0.05)


def test_dbt_server_serves_dbt_only_and_ends_with_its_parent(tmp_path):
    sock = tmp_path / "dbt.sock"
    parent = _dbt_server(sock, parent_code="time.sleep(600)")
    try:
        server = psutil.Process(int(parent.stdout.readline()))
        _wait_for(sock, parent)
        assert warm.delegate(["run", "--help"], sock) is None  # not what it preloaded: the client runs cold
        out = tmp_path / "versi.txt"
        with open(out, "w") as fh:  # the forked dbt writes to the client's own descriptors
            code = (
                "import sys; from orchestration.lib import warm; "
                f"sys.exit(warm.delegate(['dbt', '--version'], {str(sock)!r}))"
            )
            done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=cli_env(), stdout=fh, timeout=120)
        assert done.returncode == 0 and "duckdb" in out.read_text()
        parent.kill()  # the run that started it is killed: the server ends too, and removes its socket
        parent.wait(timeout=30)
        server.wait(timeout=30)
        assert not sock.exists()
    finally:
        parent.kill()


@pytest.mark.slow
def test_cold_correction_forks_its_dbt_from_its_own_server_and_stops_it(small_run, tmp_path):
    landing, data = tmp_path / "landing", tmp_path / "data"
    shutil.copytree(small_run["landing"], landing)
    shutil.copytree(small_run["data"], data, ignore=shutil.ignore_patterns("*.lock", "*.sock"))
    write(landing / "53.01" / "koreksi.csv", rows("53.01.04.2003", "530104", 900, 5))
    (tmp_path / "tmp").mkdir()
    client = subprocess.Popen(
        [str(BIN / "p3jr"), "run", "--landing", str(landing), "--data-dir", str(data), "--district", "53.01"],
        cwd=ROOT,
        env=cli_env({"TMPDIR": str(tmp_path / "tmp")}, warm=False),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    me = psutil.Process(client.pid)
    servers, forked_dbt = set(), False
    while client.poll() is None:
        try:
            for c in me.children(recursive=True):
                cmd = " ".join(c.cmdline())
                if "--hanya-dbt" in cmd and c.ppid() == client.pid:
                    servers.add(c)
                    forked_dbt |= any("resource_tracker" not in " ".join(g.cmdline()) for g in c.children())
        except psutil.Error:
            pass
        time.sleep(0.1)
    out = client.stdout.read()
    assert client.returncode == 0 and "SELESAI" in out, out[-3000:]
    assert len(servers) == 1, "a correction starts one dbt server"
    assert forked_dbt, "the dbt build was not forked from the dbt server"
    gone, alive = psutil.wait_procs(list(servers), timeout=30)
    assert not alive, "the dbt server outlived the run"
    assert not list((tmp_path / "tmp").glob("p3jr-dbt-*")), "its socket folder was left behind"
