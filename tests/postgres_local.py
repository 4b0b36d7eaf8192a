"""A real PostgreSQL server for the tests: Debian's `postgresql` package, `initdb` in a temporary
directory as an unprivileged user, listening on 127.0.0.1 only, stopped at the end.

`make test` and `.ci/run` install the package when it is missing (`make postgres`); a missing server
is an error here, never a skip.
"""

from __future__ import annotations

import glob
import os
import pwd
import secrets
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

SUPERUSER = "p3jr"


def pg_bindir() -> Path:
    """Debian keeps the server binaries in /usr/lib/postgresql/<major>/bin (newest first)."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(p.split("/")[4]), reverse=True)
    if found:
        return Path(found[0]).parent
    initdb = shutil.which("initdb")
    if initdb:
        return Path(initdb).parent
    raise RuntimeError("PostgreSQL server binaries not found: run `make postgres` (apt-get install postgresql) as root")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _as_user() -> dict:
    """initdb and postgres refuse to run as root: run them as `nobody` then."""
    if os.geteuid() != 0:
        return {}
    nobody = pwd.getpwnam("nobody")
    return {"user": nobody.pw_uid, "group": nobody.pw_gid}


@dataclass
class PostgresServer:
    root: Path
    port: int = field(default_factory=free_port)
    password: str = field(default_factory=lambda: secrets.token_hex(12))
    host: str = "127.0.0.1"
    user: str = SUPERUSER

    @property
    def datadir(self) -> Path:
        return self.root / "data"

    def _run(self, *args: str, timeout: int = 120) -> subprocess.CompletedProcess:
        return subprocess.run(
            list(args), check=True, capture_output=True, text=True, timeout=timeout, cwd=self.root, **_as_user()
        )

    def start(self) -> PostgresServer:
        bindir = pg_bindir()
        self.root.mkdir(parents=True, exist_ok=True)
        pwfile = self.root / "pw"
        pwfile.write_text(self.password + "\n")
        ids = _as_user()
        if ids:
            for p in (self.root, pwfile):
                os.chown(p, ids["user"], ids["group"])
        self._run(
            str(bindir / "initdb"),
            "-D",
            str(self.datadir),
            "-U",
            self.user,
            "--auth=scram-sha-256",
            f"--pwfile={pwfile}",
            "-E",
            "UTF8",
            "--no-locale",
            "--no-sync",
        )
        pwfile.unlink()
        opts = (
            f"-c listen_addresses={self.host} -c port={self.port} -c unix_socket_directories={self.root} "
            "-c fsync=off -c max_connections=200"
        )
        self._run(
            str(bindir / "pg_ctl"),
            "-D",
            str(self.datadir),
            "-o",
            opts,
            "-l",
            str(self.root / "server.log"),
            "-w",
            "-t",
            "60",
            "start",
        )
        return self

    def stop(self) -> None:
        if (self.datadir / "postmaster.pid").exists():
            try:
                self._run(str(pg_bindir() / "pg_ctl"), "-D", str(self.datadir), "-m", "fast", "-w", "stop")
            except subprocess.CalledProcessError:
                pass

    def connect(self, dbname: str = "postgres"):
        import psycopg2

        return psycopg2.connect(host=self.host, port=self.port, user=self.user, password=self.password, dbname=dbname)

    def create_database(self, name: str) -> str:
        con = self.connect()
        con.autocommit = True
        try:
            with con.cursor() as cur:
                cur.execute(f'DROP DATABASE IF EXISTS "{name}"')
                cur.execute(f'CREATE DATABASE "{name}"')
        finally:
            con.close()
        return name

    def dagster_env(self, dbname: str) -> dict[str, str]:
        """The variables deploy/dagster.yaml and deploy/p3jr.env.example name."""
        return {
            "DAGSTER_PG_USERNAME": self.user,
            "DAGSTER_PG_PASSWORD": self.password,
            "DAGSTER_PG_HOST": self.host,
            "DAGSTER_PG_PORT": str(self.port),
            "DAGSTER_PG_DB": dbname,
        }

    def log_tail(self, chars: int = 4000) -> str:
        try:
            return (self.root / "server.log").read_text(errors="replace")[-chars:]
        except OSError:
            return ""


def start_server() -> PostgresServer:
    root = Path(tempfile.mkdtemp(prefix="p3jr-pg-"))
    server = PostgresServer(root)
    deadline = time.monotonic() + 5
    while True:
        try:
            return server.start()
        except subprocess.CalledProcessError as exc:  # a port taken between free_port() and start: try another
            if time.monotonic() > deadline or "could not bind" not in (server.log_tail() + (exc.stderr or "")):
                raise RuntimeError(f"PostgreSQL did not start: {exc.stderr}\n{server.log_tail()}") from exc
            shutil.rmtree(server.datadir, ignore_errors=True)
            server.port = free_port()
