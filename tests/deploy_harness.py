"""A real p3jr deployment for the tests, set up the way deploy/README.md does it, in temp dirs.

PostgreSQL instance (deploy/dagster.yaml), the three services of deploy/systemd as subprocesses
(code location `dagster api grpc`, `dagster-daemon run`, `dagster-webserver`), each in its own
process group with its output in a log file, a local webhook receiver for the alerts.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from postgres_local import PostgresServer, free_port

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
LOCATION = "p3jr"
REPOSITORY = "__repository__"
TELEMETRY_OFF = {
    "DO_NOT_TRACK": "1",
    "DAGSTER_DISABLE_TELEMETRY": "true",
    "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
    "GX_ANALYTICS_ENABLED": "false",
}
# The only numbers the test changes in its copy of deploy/dagster.yaml (production value → test value),
# so that a dead run is noticed and its slot freed in seconds rather than minutes.
TEST_TIMINGS = {"poll_interval_seconds": 5, "free_slots_after_run_end_seconds": 5}


def wait_for(
    what: str,
    predicate: Callable[[], Any],
    timeout: float,
    interval: float = 0.5,
    diagnostics: Callable[[], str] | None = None,
) -> Any:
    """Poll ``predicate`` until it returns something truthy; AssertionError after ``timeout`` s."""
    deadline = time.monotonic() + timeout
    last_error: BaseException | None = None
    while True:
        try:
            value = predicate()
            if value:
                return value
        except Exception as exc:  # noqa: BLE001  (a service still starting up)
            last_error = exc
        if time.monotonic() > deadline:
            extra = diagnostics() if diagnostics else ""
            raise AssertionError(
                f"timed out after {timeout:.0f} s waiting for {what}"
                f"{f' (last error: {last_error!r})' if last_error else ''}\n{extra}"
            )
        time.sleep(interval)


class Webhook:
    """A JSON webhook receiver on 127.0.0.1 (the test's chat server)."""

    def __init__(self) -> None:
        self.received: list[dict] = []
        lock = threading.Lock()
        received = self.received

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                with lock:
                    received.append(json.loads(body))
                self.send_response(200)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)
        self.thread.start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"

    def find(self, **match) -> list[dict]:
        return [a for a in list(self.received) if all(a.get(k) == v for k, v in match.items())]

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


class Service:
    """One long-running process (a systemd unit's ExecStart) in its own process group."""

    def __init__(self, name: str, argv: list[str], env: dict[str, str], log_dir: Path):
        self.name, self.argv, self.env = name, argv, env
        self.log = log_dir / f"{name}.log"
        self.proc: subprocess.Popen | None = None

    def start(self) -> Service:
        with open(self.log, "ab") as out:
            out.write(f"\n===== start {time.strftime('%H:%M:%S')}: {' '.join(self.argv)}\n".encode())
            out.flush()
            self.proc = subprocess.Popen(
                self.argv,
                cwd=ROOT,
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )
        return self

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def kill_group(self, sig: int) -> None:
        if self.proc is None:
            return
        try:
            os.killpg(self.proc.pid, sig)  # the group outlives its leader: orphans are still in it
        except ProcessLookupError:
            pass

    def stop(self, grace: float = 10) -> None:
        """Like `systemctl stop` with KillMode=control-group: SIGTERM to the group, then SIGKILL."""
        if self.proc is None:
            return
        self.kill_group(signal.SIGTERM)
        try:
            self.proc.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            pass
        self.kill_group(signal.SIGKILL)
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            pass

    def tail(self, chars: int = 3000) -> str:
        try:
            return self.log.read_text(errors="replace")[-chars:]
        except OSError:
            return ""


class Deployment:
    """DAGSTER_HOME + data + landing in ``root``, instance in Postgres database ``dbname``."""

    def __init__(
        self,
        root: Path,
        pg: PostgresServer,
        dbname: str,
        landing_src: Path,
        webhook_url: str,
        extra_env: dict[str, str] | None = None,
    ):
        self.root, self.pg, self.dbname = root, pg, dbname
        self.data = root / "data"
        self.home = self.data / "dagster"  # as deploy/README.md: …/data/dagster is DAGSTER_HOME
        self.landing = root / "landing"
        self.logs = root / "logs"
        for d in (self.home, self.logs):
            d.mkdir(parents=True, exist_ok=True)
        shutil.copytree(landing_src, self.landing)
        self.grpc_port, self.web_port = free_port(), free_port()
        self.dagster_yaml = self.home / "dagster.yaml"
        self.dagster_yaml.write_text(deploy_yaml_for_test())
        self.workspace = root / "workspace.yaml"
        # deploy/workspace.yaml with the test's port
        ws = (ROOT / "deploy" / "workspace.yaml").read_text().replace("port: 4266", f"port: {self.grpc_port}")
        assert f"port: {self.grpc_port}" in ws
        self.workspace.write_text(ws)
        pg.create_database(dbname)
        proxies = ("http_proxy", "https_proxy", "all_proxy")
        keep = {
            k: v for k, v in os.environ.items() if not k.startswith(("P3JR_", "DAGSTER_")) and k.lower() not in proxies
        }
        self.env = {
            **keep,
            **TELEMETRY_OFF,
            **pg.dagster_env(dbname),
            "PATH": f"{BIN}{os.pathsep}{keep.get('PATH', '/usr/bin:/bin')}",
            "DAGSTER_HOME": str(self.home),
            "P3JR_DATA_DIR": str(self.data),
            "P3JR_LANDING_DIR": str(self.landing),
            "P3JR_PSEUDONYM_KEY": "p3jr-kunci-uji-deploy-bukan-rahasia",
            "P3JR_ALERT_WEBHOOK_URL": webhook_url,
            "NO_PROXY": "127.0.0.1,localhost",
            "no_proxy": "127.0.0.1,localhost",
            "PYTHONUNBUFFERED": "1",
            **(extra_env or {}),
        }
        self.services: dict[str, Service] = {}
        self._restarts = 0
        self._instance = None

    # ------------------------------------------------------------------ services (deploy/systemd)

    def code_location(self) -> Service:
        argv = [
            str(BIN / "dagster"),
            "api",
            "grpc",
            "-m",
            "orchestration.definitions",
            "-h",
            "127.0.0.1",
            "-p",
            str(self.grpc_port),
            "--location-name",
            LOCATION,
            "-d",
            str(ROOT),
            "--use-python-environment-entry-point",
        ]
        name = "code-location" if not self._restarts else f"code-location-{self._restarts}"
        self._restarts += 1
        self.services["code"] = Service(name, argv, self.env, self.logs).start()
        return self.services["code"]

    def daemon(self) -> Service:
        argv = [str(BIN / "dagster-daemon"), "run", "-w", str(self.workspace)]
        self.services["daemon"] = Service("daemon", argv, self.env, self.logs).start()
        return self.services["daemon"]

    def webserver(self) -> Service:
        argv = [str(BIN / "dagster-webserver"), "-h", "127.0.0.1", "-p", str(self.web_port), "-w", str(self.workspace)]
        self.services["web"] = Service("webserver", argv, self.env, self.logs).start()
        return self.services["web"]

    def stop_all(self) -> None:
        for name in ("daemon", "web", "code"):
            if name in self.services:
                self.services[name].stop()
        if self._instance is not None:
            self._instance.dispose()

    def diagnostics(self, chars: int = 2500) -> str:
        parts = [f"logs in {self.logs}"]
        for service in self.services.values():
            parts.append(f"----- {service.name} (alive={service.alive()}) -----\n{service.tail(chars)}")
        return "\n".join(parts)

    def wait(self, what: str, predicate: Callable[[], Any], timeout: float, interval: float = 0.5) -> Any:
        for service in self.services.values():
            if not service.alive():
                raise AssertionError(
                    f"{service.name} exited ({service.proc.returncode}) while waiting for {what}\n{self.diagnostics()}"
                )
        return wait_for(what, predicate, timeout, interval, diagnostics=self.diagnostics)

    # ------------------------------------------------------------------ readiness

    def grpc_serving(self) -> bool:
        from dagster._grpc.client import DagsterGrpcClient

        return DagsterGrpcClient(port=self.grpc_port, host="127.0.0.1").health_check_query() == "SERVING"

    def server_info(self) -> dict:
        with urllib.request.build_opener(urllib.request.ProxyHandler({})).open(
            f"http://127.0.0.1:{self.web_port}/server_info", timeout=5
        ) as resp:
            return json.loads(resp.read())

    def location_loaded(self) -> bool:
        data = self.gql("""query { workspaceOrError { __typename ... on Workspace { locationEntries {
            name loadStatus locationOrLoadError { __typename } } } } }""")
        entries = {e["name"]: e for e in data["workspaceOrError"].get("locationEntries", [])}
        entry = entries.get(LOCATION)
        kind = ((entry or {}).get("locationOrLoadError") or {}).get("__typename")
        if entry and entry["loadStatus"] == "LOADED" and kind == "PythonError":
            self.graphql().reload_repository_location(LOCATION)  # it looked before the code server was up
            return False
        return kind == "RepositoryLocation"

    def daemons_healthy(self) -> bool:
        data = self.gql("""query { instance { daemonHealth { allDaemonStatuses { daemonType healthy required } } } }""")
        statuses = data["instance"]["daemonHealth"]["allDaemonStatuses"]
        return all(s["healthy"] for s in statuses if s["required"])

    # ------------------------------------------------------------------ GraphQL, instance, Postgres

    def graphql(self):
        from dagster_graphql import DagsterGraphQLClient

        return DagsterGraphQLClient("127.0.0.1", port_number=self.web_port, timeout=60)

    def gql(self, query: str, variables: dict | None = None) -> dict:
        return self.graphql()._execute(query, variables)

    def sensor_selector(self, name: str) -> dict:
        return {"repositoryLocationName": LOCATION, "repositoryName": REPOSITORY, "sensorName": name}

    def sensor_state(self, name: str) -> dict:
        data = self.gql(
            """query($s: SensorSelector!) { sensorOrError(sensorSelector: $s) { __typename
            ... on Sensor { sensorState { id status } } ... on PythonError { message } } }""",
            {"s": self.sensor_selector(name)},
        )
        result = data["sensorOrError"]
        assert result["__typename"] == "Sensor", result
        return result["sensorState"]

    def stop_sensor(self, name: str) -> str:
        state = self.sensor_state(name)
        data = self.gql(
            """mutation($id: String!) { stopSensor(id: $id) { __typename
            ... on StopSensorMutationResult { instigationState { status } } ... on PythonError { message } } }""",
            {"id": state["id"]},
        )
        return data["stopSensor"]["instigationState"]["status"]

    def start_sensor(self, name: str) -> str:
        data = self.gql(
            """mutation($s: SensorSelector!) { startSensor(sensorSelector: $s) { __typename
            ... on Sensor { sensorState { status } } ... on PythonError { message } } }""",
            {"s": self.sensor_selector(name)},
        )
        return data["startSensor"]["sensorState"]["status"]

    def schedule(self, name: str) -> dict:
        data = self.gql(
            """query($s: ScheduleSelector!) { scheduleOrError(scheduleSelector: $s) { __typename
            ... on Schedule { name cronSchedule executionTimezone scheduleState { status } }
            ... on PythonError { message } } }""",
            {"s": {"repositoryLocationName": LOCATION, "repositoryName": REPOSITORY, "scheduleName": name}},
        )
        return data["scheduleOrError"]

    def instance(self):
        """The same instance as the services (this process has the DAGSTER_PG_* variables)."""
        import dagster as dg

        if self._instance is None:
            self._instance = dg.DagsterInstance.from_config(str(self.home))
        return self._instance

    def run(self, run_id: str):
        return self.instance().get_run_by_id(run_id)

    def status(self, run_id: str) -> str:
        run = self.run(run_id)
        return run.status.value if run else "?"

    def wait_status(self, run_id: str, statuses: set[str], timeout: float) -> str:
        return self.wait(
            f"run {run_id[:8]} in {sorted(statuses)} (now {self.status(run_id)})",
            lambda: self.status(run_id) in statuses and self.status(run_id),
            timeout,
            interval=1,
        )

    def sql(self, query: str, params: tuple = ()) -> list[tuple]:
        con = self.pg.connect(self.dbname)
        try:
            with con.cursor() as cur:
                cur.execute(query, params)
                return cur.fetchall()
        finally:
            con.close()

    def slot_holders(self, pool: str = "duckdb_writer") -> list[tuple[str, str]]:
        return self.sql(
            "SELECT run_id, step_key FROM concurrency_slots WHERE concurrency_key = %s AND run_id IS NOT NULL", (pool,)
        )

    # ------------------------------------------------------------------ alerts

    @property
    def alerts_dir(self) -> Path:
        return self.data / "alerts"

    def alerts(self, **match) -> list[dict]:
        try:
            lines = (self.alerts_dir / "alerts.jsonl").read_text(encoding="utf-8").splitlines()
        except OSError:
            return []
        found = [json.loads(line) for line in lines if line.strip()]
        return [a for a in found if all(a.get(k) == v for k, v in match.items())]


def deploy_yaml_for_test() -> str:
    """deploy/dagster.yaml with only the run-monitoring timings of TEST_TIMINGS changed."""
    text = (ROOT / "deploy" / "dagster.yaml").read_text()
    for key, value in TEST_TIMINGS.items():
        text, n = re.subn(rf"^(\s+{key}:) \d+$", rf"\g<1> {value}", text, flags=re.M)
        assert n == 1, f"{key} must appear exactly once in deploy/dagster.yaml"
    return text


def descendants(pid: int):
    import psutil

    try:
        return psutil.Process(pid).children(recursive=True)
    except psutil.NoSuchProcess:
        return []


def is_dbt(proc) -> bool:
    import psutil

    try:
        cmd = proc.cmdline()
    except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess):
        return False
    return any(Path(part).name in ("dbt", "p3jr-dbt") for part in cmd[:3]) and "build" in cmd


def running(proc) -> bool:
    """Alive and not a zombie (an orphan nobody reaps stays a zombie: it does nothing any more)."""
    import psutil

    try:
        return proc.is_running() and proc.status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False
