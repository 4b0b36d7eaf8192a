"""`p3jr siaga` (orchestration/lib/warm.py): a `p3jr run` forked from a warm server publishes exactly
what a cold `p3jr run` publishes, keeps the command's exit code and output, dies with its client, and a
server older than the code is not used."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import threading
import time

import duckdb
import psutil
import pytest

from orchestration import siaga
from orchestration.lib import warm
from tests.conftest import BIN, ROOT, Siaga, cli_env, run_cli
from tests.test_gate import rows, write
from tests.test_incremental_equivalence import _marts


@pytest.mark.slow
def test_warm_run_publishes_what_a_cold_run_publishes(small_run, tmp_path):
    """`small_run` went through a server (run_cli; the xdist worker that built it started one); the same
    landing zone, cold."""
    cold = tmp_path / "dingin"
    proc = run_cli("run", "--landing", str(small_run["landing"]), "--data-dir", str(cold), warm=False)
    assert "SELESAI" in proc.stdout and "SELESAI" in small_run["stdout"]
    warm_marts = _marts(small_run["published"], set())
    cold_marts = _marts(cold / "published" / "p3jr.duckdb", set())
    assert warm_marts.keys() == cold_marts.keys() and len(warm_marts) >= 6
    assert sum(len(v) for v in warm_marts.values()) > 100
    for table in warm_marts:
        assert warm_marts[table] == cold_marts[table], table
    # the warm run was a run of its own: another process than the server, recorded on its Dagster run
    with duckdb.connect(str(small_run["warehouse"]), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM quality.rumah_tangga_diterima").fetchone()[0] > 0


def test_exit_code_and_output_come_back_through_the_server(tmp_path):
    landing = tmp_path / "landing"
    write(landing / "53.01" / "kupang.csv", rows("53.01.04.2003", "530104", 1, 5))
    proc = run_cli(
        "run", "--landing", str(landing), "--data-dir", str(tmp_path / "data"), "--district", "53.1", check=False
    )
    assert proc.returncode == 2 and "53.1" in proc.stderr and "53.71" in proc.stderr
    # the child ran in the client's directory, with the client's environment
    env = {"P3JR_PSEUDONYM_KEY": ""}
    proc = run_cli("run", "--landing", str(landing), "--data-dir", str(tmp_path / "data"), env_extra=env, check=False)
    assert proc.returncode == 2 and "P3JR_PSEUDONYM_KEY" in proc.stderr


@pytest.mark.slow
def test_killed_client_takes_its_run_and_dbt_with_it(tmp_path):
    landing, data = tmp_path / "landing", tmp_path / "data"
    for kode, desa, kec in (("53.01", "53.01.04.2003", "530104"), ("53.02", "53.02.01.2001", "530201")):
        write(landing / kode / "data.csv", rows(desa, kec, 1, 30))
    client = subprocess.Popen(
        [str(BIN / "p3jr"), "run", "--landing", str(landing), "--data-dir", str(data)],
        cwd=ROOT,
        env=cli_env(warm=True),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    server = psutil.Process(Siaga.proc.pid)
    deadline, run, dbt = time.monotonic() + 300, None, None
    while dbt is None and time.monotonic() < deadline and client.poll() is None:
        time.sleep(0.2)
        children = [
            c for c in server.children() if c.pid != client.pid and "resource_tracker" not in " ".join(c.cmdline())
        ]
        run = next((c for c in children if c.ppid() == server.pid), run)
        if run is not None:
            dbt = next((d for d in run.children(recursive=True) if "p3jr-dbt" in " ".join(d.cmdline())), None)
    assert run is not None and dbt is not None, "the forked run never reached its dbt step"
    assert os.getsid(run.pid) == run.pid  # its own session: the client signals the run as one group
    # the run, its `p3jr-dbt` and the dbt build the server forked for that `p3jr-dbt`
    victims = [c for c in server.children(recursive=True) if "resource_tracker" not in " ".join(c.cmdline())]
    assert len(victims) >= 3, victims
    client.kill()
    client.wait(timeout=30)
    gone, alive = psutil.wait_procs(victims, timeout=30)
    assert not alive, alive
    # the next run finds the killed one, marks it failed, and does the work
    proc = run_cli("run", "--landing", str(landing), "--data-dir", str(data))
    assert "SELESAI" in proc.stdout
    assert Siaga.proc.poll() is None  # the server lives on


def test_code_stamp_follows_code_and_contract_not_the_landing_zone(tmp_path):
    for rel in (
        "orchestration/lib/x.py",
        "sources/contract.py",
        "sources/kontrak/columns.csv",
        "sources/landing/53.01/a.csv",
    ):
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text("1")
    before = siaga.code_stamp(tmp_path)
    (tmp_path / "sources/landing/53.01/a.csv").write_text("22")
    assert siaga.code_stamp(tmp_path) == before
    for rel in ("orchestration/lib/x.py", "sources/kontrak/columns.csv"):
        (tmp_path / rel).write_text("333")
        assert siaga.code_stamp(tmp_path) != before, rel
        before = siaga.code_stamp(tmp_path)


def test_without_a_usable_server_the_client_runs_cold(tmp_path):
    assert warm.delegate(["run"], tmp_path / "tidak-ada.sock") is None
    # a server older than the code answers "stale": the client does not hand it the run
    path = tmp_path / "usang.sock"
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(str(path))
    listener.listen(1)

    def stale_server() -> None:
        conn, _ = listener.accept()
        siaga._refuse(conn)

    t = threading.Thread(target=stale_server)
    t.start()
    assert warm.delegate(["run"], path) is None
    t.join(timeout=10)
    listener.close()


def test_stop_removes_the_socket(tmp_path):
    path = tmp_path / "s.sock"
    proc = subprocess.Popen(
        [str(BIN / "p3jr"), "siaga", "--socket", str(path)], cwd=ROOT, stdout=subprocess.PIPE, text=True
    )
    try:
        line = proc.stdout.readline()
        assert "siap" in line and path.exists() and (path.stat().st_mode & 0o077) == 0
        # a second server on the same socket does not take it over
        second = subprocess.run(
            [str(BIN / "p3jr"), "siaga", "--socket", str(path)], cwd=ROOT, capture_output=True, text=True, timeout=120
        )
        assert second.returncode == 1 and "sudah ada" in second.stderr and path.exists()
    finally:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=60) == 0
    assert not path.exists()
