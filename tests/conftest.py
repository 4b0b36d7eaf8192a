"""Shared fixtures: one small generated province and one real pipeline run on it per session.

`make test` runs the suite in two pytest-xdist workers (one per core). The province and its run are
still built once: the first worker that needs them builds them under a file lock, the other reuses
them. Every test only reads them (tests that change data copy them first).
"""

from __future__ import annotations

import csv
import gzip
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
os.environ.update(
    DO_NOT_TRACK="1",
    DBT_SEND_ANONYMOUS_USAGE_STATS="false",
    GX_ANALYTICS_ENABLED="false",
    DAGSTER_DISABLE_TELEMETRY="true",
)
# The pipeline refuses to run without a pseudonym key (no public default); the tests use their own.
os.environ.setdefault("P3JR_PSEUDONYM_KEY", "p3jr-kunci-uji-bukan-rahasia")

SMALL_SEED = 7
# pytest imports this file as `conftest`; tests import `tests.conftest`. One module object, so the
# session's state (the siaga server below) exists once per process.
sys.modules.setdefault("tests.conftest" if __name__ == "conftest" else "conftest", sys.modules[__name__])


class Siaga:
    """One `p3jr siaga` server per pytest process (started on first use, stopped at exit): `run_cli`'s
    `p3jr run` goes through it, as it does where an operator keeps one running. The cold start has
    tests of its own (test_crash_recovery, test_warm, the bench)."""

    proc: subprocess.Popen | None = None
    socket: Path | None = None

    @classmethod
    def path(cls) -> Path:
        if cls.proc is None or cls.proc.poll() is not None:
            import atexit
            import tempfile
            import time

            root = Path(tempfile.mkdtemp(prefix="p3jr-siaga-"))
            cls.socket = root / "siaga.sock"
            log = open(root / "siaga.log", "wb")  # noqa: SIM115 - the server's life
            cls.proc = subprocess.Popen(
                [str(BIN / "p3jr"), "siaga", "--socket", str(cls.socket)], cwd=ROOT, stdout=log, stderr=log
            )
            atexit.register(cls.stop)
            deadline = time.monotonic() + 180
            while not cls.socket.exists():
                if cls.proc.poll() is not None or time.monotonic() > deadline:
                    raise AssertionError(f"p3jr siaga did not start:\n{(root / 'siaga.log').read_text()[-3000:]}")
                time.sleep(0.1)
        return cls.socket

    @classmethod
    def stop(cls) -> None:
        if cls.proc is not None and cls.proc.poll() is None:
            cls.proc.terminate()
            cls.proc.wait(timeout=30)


def cli_env(env_extra: dict | None = None, *, warm: bool = False, base: dict | None = None) -> dict[str, str]:
    """The environment of a `p3jr` a test starts: this one's (or ``base``), without the warehouse path an
    in-process run may have left in it; ``warm``: its `p3jr run` goes through the suite's `p3jr siaga`."""
    from orchestration.settings import SIAGA_SOCKET_VAR

    env = {**(os.environ if base is None else base), **(env_extra or {})}
    env.pop("P3JR_WAREHOUSE_PATH", None)
    if warm:
        env[SIAGA_SOCKET_VAR] = str(Siaga.path())
    return env


def run_cli(
    *args: str,
    env_extra: dict | None = None,
    check: bool = True,
    timeout: int = 900,
    warm: bool = True,
    base_env: dict | None = None,
) -> subprocess.CompletedProcess:
    env = cli_env(env_extra, warm=warm and args[:1] == ("run",), base=base_env)
    proc = subprocess.run(
        [str(BIN / "p3jr"), *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout
    )
    if check and proc.returncode != 0:
        raise AssertionError(
            f"p3jr {' '.join(args)} failed ({proc.returncode}):\n{proc.stdout[-4000:]}\n{proc.stderr[-4000:]}"
        )
    return proc


def sensor_context(**kwargs):
    """A sensor context with the `settings` resource as the code location registers it (EnvVar
    fields): Dagster resolves them when the sensor is called, from the environment the test set."""
    import dagster as dg

    from orchestration.defs.resources import SettingsResource

    return dg.build_sensor_context(resources={"settings": SettingsResource.from_env()}, **kwargs)


def read_manifest(landing: Path) -> list[dict]:
    mdir = landing / "_manifest"
    path = mdir / "rows.csv"
    opener = open
    if not path.exists():
        path, opener = mdir / "rows.csv.gz", gzip.open
    with opener(path, "rt", encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def build_once(tmp_path_factory, name: str, build) -> tuple[Path, dict]:
    """``build(folder)`` once per test session, also across xdist workers: the folder and the result
    (a JSON-able dict, kept beside the folder) for every caller."""
    from filelock import FileLock

    root = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        root = root.parent  # shared by the workers of this session
    folder, done = root / name, root / f"{name}.json"
    with FileLock(str(root / f"{name}.lock")):
        if not done.exists():
            folder.mkdir(parents=True, exist_ok=True)
            done.write_text(json.dumps(build(folder)), encoding="utf-8")
        return folder, json.loads(done.read_text(encoding="utf-8"))


def _generate_small(folder: Path) -> dict:
    from tools.demo_data import generate

    generate(folder, scale="small", seed=SMALL_SEED)
    return {}


def _build_small_landing(tmp_path_factory) -> Path:
    return build_once(tmp_path_factory, "landing_small", _generate_small)[0]


@pytest.fixture(scope="session")
def small_landing(tmp_path_factory) -> Path:
    return _build_small_landing(tmp_path_factory)


def _build_small_run(tmp_path_factory, env: dict | None = None) -> tuple[Path, Path, dict]:
    """The small landing zone and `p3jr run` on it, once per session. ``env``: a snapshot of the
    environment, for a build outside the tests' own thread (they change ``os.environ`` meanwhile); that
    run is cold, so it does not start the suite's `p3jr siaga` from another thread."""
    landing = _build_small_landing(tmp_path_factory)

    def run(data: Path) -> dict:
        args = ("run", "--landing", str(landing), "--data-dir", str(data))
        return {"stdout": run_cli(*args, base_env=env, warm=env is None).stdout}

    data, result = build_once(tmp_path_factory, "data_small", run)
    return landing, data, result


@pytest.fixture(scope="session", autouse=True)
def _small_run_in_background(request, tmp_path_factory):
    """Under pytest-xdist both workers used to wait for the session's small run at the same moment (17-23 s
    of setup each, in the first test that needs it): it is built in the background from the start instead,
    while each worker's first test runs. The other worker's thread waits on the build's lock and returns.
    A failed build is left to the fixture, which builds it again and fails that test."""
    import threading

    wanted = os.environ.get("PYTEST_XDIST_WORKER") and any(
        "small_run" in item.fixturenames for item in request.session.items
    )
    thread = None
    if wanted:
        tmp_path_factory.getbasetemp()
        env = dict(os.environ)

        def build() -> None:
            try:
                _build_small_run(tmp_path_factory, env)
            except Exception:  # noqa: BLE001 - the fixture builds again and reports it
                pass

        thread = threading.Thread(target=build, name="small-run", daemon=True)
        thread.start()
    yield
    if thread is not None:
        thread.join(timeout=900)


@pytest.fixture(scope="session")
def small_run(tmp_path_factory) -> dict:
    """`p3jr run` exactly as a data officer runs it, on the small landing zone."""
    landing, data, result = _build_small_run(tmp_path_factory)
    return {
        "landing": landing,
        "data": data,
        "stdout": result["stdout"],
        "warehouse": data / "warehouse" / "p3jr.duckdb",
        "published": data / "published" / "p3jr.duckdb",
    }


@pytest.fixture(scope="session")
def published_db(small_run) -> Path:
    return small_run["published"]


@pytest.fixture(scope="session")
def postgres_server():
    """One real PostgreSQL server (Debian package, loopback only) for the whole session."""
    import shutil

    from postgres_local import start_server

    server = start_server()
    try:
        yield server
    finally:
        server.stop()
        shutil.rmtree(server.root, ignore_errors=True)


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config, items):
    """Under pytest-xdist (`--dist loadgroup`, see the Makefile) the tests of a module that share a
    module-scoped fixture (a deployment, a dbt build, a server) stay on one worker, so the fixture is
    built once; every other test goes to whichever worker is free."""
    for item in items:
        if any(defs[-1].scope == "module" for defs in item._fixtureinfo.name2fixturedefs.values()):
            item.add_marker(pytest.mark.xdist_group(item.module.__name__))
    # The long end-to-end tests first: the two workers then end together on short tests instead of one
    # waiting for the other's last pipeline run. (The Makefile passes --no-loadscope-reorder: otherwise
    # pytest-xdist would hand out the groups with the most tests first and the long single tests last.)
    items.sort(key=lambda item: item.get_closest_marker("slow") is None)
