"""The client side of `p3jr siaga` (the server is orchestration/siaga.py) and the wire between them.

`p3jr run` and `p3jr-dbt` hand their argv, environment, working directory and stdin/stdout/stderr (as
file descriptors) to the server, which forks a ready child for them; the client forwards signals to
that child's process group and exits with its exit code. Without a server, or with one older than the
code, the caller runs cold, as before.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import struct
import sys

from orchestration.settings import SIAGA_SOCKET_VAR, cli_default, environment

_HEADER = struct.Struct("!I")
FORWARDED_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
STALE = "usang"  # the server's answer when its code is older than the files: the client runs cold
DBT = "dbt"  # first word of a request for `p3jr-dbt` (lib/dbt_child.py); anything else is `p3jr`


def send_message(sock: socket.socket, obj: dict) -> None:
    data = json.dumps(obj).encode()
    sock.sendall(_HEADER.pack(len(data)) + data)


def _recv_exact(sock: socket.socket, n: int) -> bytes:
    buf = b""
    while len(buf) < n:
        chunk = sock.recv(n - len(buf))
        if not chunk:
            raise ConnectionError("siaga: connection closed")
        buf += chunk
    return buf


def recv_message(sock: socket.socket) -> dict:
    (n,) = _HEADER.unpack(_recv_exact(sock, _HEADER.size))
    return json.loads(_recv_exact(sock, n))


# ----------------------------------------------------------------------------------------- client


def delegate(argv: list[str], path: str | os.PathLike) -> int | None:
    """Exit code of `p3jr <argv>` run by the server listening at ``path``; None when there is no
    server to use (absent, not answering, or older than the code): the caller then runs cold."""
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        sock.connect(os.fspath(path))
        socket.send_fds(sock, [b"p"], [0, 1, 2])
        # absolute, so the run's `p3jr-dbt` (started in dbt_project/) finds the same server
        env = {**environment(), SIAGA_SOCKET_VAR: os.path.abspath(path)}
        send_message(sock, {"argv": argv, "env": env, "cwd": os.getcwd()})
        reply = recv_message(sock)
    except (OSError, ValueError):
        sock.close()
        return None
    if "pid" not in reply:
        sock.close()
        return None
    pid = int(reply["pid"])

    def forward(signum, _frame) -> None:  # Ctrl-C / systemd stop reach the run and its dbt, as if local
        try:
            os.killpg(pid, signum)
        except ProcessLookupError:
            pass

    for signum in FORWARDED_SIGNALS:
        signal.signal(signum, forward)
    try:
        return int(recv_message(sock)["rc"])
    except (OSError, ValueError, KeyError):
        print(f"p3jr siaga: hubungan ke proses run {pid} terputus / lost the run process", file=sys.stderr)
        return 1
    finally:
        sock.close()


def _socket() -> str | None:
    return cli_default(SIAGA_SOCKET_VAR)


def delegate_run(argv: list[str]) -> int | None:
    """`p3jr run ...` through the server named by P3JR_SIAGA_SOCKET, if set and answering."""
    path = _socket()
    return delegate(argv, path) if argv[:1] == ["run"] and path else None


def delegate_dbt(args: list[str]) -> int | None:
    """`p3jr-dbt <args>` (the run's dbt build) through the same server: dbt-core is imported there."""
    path = _socket()
    return delegate([DBT, *args], path) if path else None
