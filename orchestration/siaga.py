"""`p3jr siaga`: one process that has imported the pipeline (Dagster, dagster-dbt with dbt-core, GX,
pandas, matplotlib) and forks a ready child for every `p3jr run` (and its `p3jr-dbt`) sent to it.

Why: a cold `p3jr run` spends ~8 s importing those libraries before any data moves, and its dbt
build ~2.5 s more (docs/ARSITEKTUR.md, "Siaga"). The child is an ordinary `p3jr run`: its own pid,
session, exit code, run lock and Dagster run; it gets the client's stdin/stdout/stderr, directory and
environment. Only the imported modules are shared (copy-on-write, frozen out of the garbage
collector). The wire and the client are orchestration/lib/warm.py.
"""

from __future__ import annotations

import gc
import os
import selectors
import signal
import socket
import sys
import sysconfig
import threading
import time
from pathlib import Path
from typing import Any

from orchestration.lib.processes import die_with_parent
from orchestration.lib.warm import DBT, FORWARDED_SIGNALS, STALE, recv_message, send_message
from orchestration.settings import replace_environment

_POLL_S = 0.05  # how soon a finished child's exit code reaches its client


def code_stamp(root: Path) -> str:
    """Sizes and modification times of what a child would otherwise load fresh: our modules, the
    contract data (sources/kontrak/), the parsed dbt manifest the asset definitions come from, and the
    installed libraries (a `pip install` touches site-packages). Not the landing zone."""
    files = sorted((root / "orchestration").rglob("*.py")) + sorted((root / "sources").glob("*.py"))
    files += sorted(p for p in (root / "sources" / "kontrak").rglob("*") if p.is_file())
    files += [root / "dbt_project" / "target" / "manifest.json", Path(sysconfig.get_paths()["purelib"])]
    out = []
    for p in files:
        try:
            st = p.stat()
            out.append(f"{p}:{st.st_size}:{st.st_mtime_ns}")
        except OSError:
            out.append(f"{p}:-")
    return "\n".join(out)


def preload() -> None:
    """Import everything a run imports, and build what is built once per process."""
    import dbt.adapters.duckdb  # noqa: F401
    import dbt.cli.main  # noqa: F401

    from orchestration import cli  # noqa: F401
    from orchestration.definitions import defs
    from orchestration.lib.gx.runner import _get_context
    from orchestration.lib.reports import charts, officials  # noqa: F401  (matplotlib)
    from orchestration.lib.runs import REFRESH_JOB

    defs.resolve_job_def(REFRESH_JOB)
    _get_context()
    charts.warm_up()


def preload_dbt() -> None:
    """What a `p3jr-dbt` imports (the server `p3jr run` starts for its own dbt build, lib/prewarm.py)."""
    import dbt.adapters.duckdb  # noqa: F401
    import dbt.cli.main  # noqa: F401


def serve(path: Path, root: Path, only_dbt: bool = False) -> int:
    """Listen at ``path`` (mode 0600) until SIGTERM/SIGINT; fork one child per request. ``only_dbt``:
    dbt alone is imported, and a `p3jr run` request is refused (its client runs cold)."""
    if _listening(path):
        print(f"p3jr siaga: sudah ada yang mendengar di {path} / another server listens there", file=sys.stderr)
        return 1
    t0 = time.perf_counter()
    preload_dbt() if only_dbt else preload()
    threads = [t.name for t in threading.enumerate() if t is not threading.main_thread()]
    if threads:  # a thread at fork time may hold a lock the child then waits on forever
        print(f"p3jr siaga: thread aktif saat fork / threads alive at fork: {threads}", file=sys.stderr)
    stamp = code_stamp(root)
    gc.collect()
    gc.freeze()  # the imported objects stay out of every child's collections (and copy-on-write)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.unlink(missing_ok=True)  # left by a server that was killed
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    old_umask = os.umask(0o177)
    try:
        listener.bind(os.fspath(path))
    finally:
        os.umask(old_umask)
    listener.listen(16)
    me = os.getpid()
    print(f"p3jr siaga: siap di {path} setelah {time.perf_counter() - t0:.1f} s (pid {me})", flush=True)

    def stop(_signum, _frame) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop)
    children: dict[int, socket.socket] = {}
    stale = False
    sel = selectors.DefaultSelector()
    sel.register(listener, selectors.EVENT_READ)
    try:
        while not (stale and not children):
            if sel.select(timeout=_POLL_S):
                conn, _ = listener.accept()
                if stale or code_stamp(root) != stamp:
                    stale = True  # refuse, let the running children finish, then start again on new code
                    _refuse(conn)
                else:
                    _start_child(conn, listener, children, only_dbt)
            _reap(children)
    except KeyboardInterrupt:
        stopping = True
    else:
        stopping = False
    finally:
        if os.getpid() == me:  # a child never gets here (it leaves through os._exit)
            sel.close()
            listener.close()
            path.unlink(missing_ok=True)
    if stopping:
        _drain(children)
        return 0
    print("p3jr siaga: kode berubah, memulai ulang / code changed, restarting", flush=True)
    sys.stdout.flush()
    os.execv(sys.executable, [sys.executable, *sys.orig_argv[1:]])
    return 0  # not reached


def _listening(path: Path) -> bool:
    probe = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        probe.connect(os.fspath(path))
        return True
    except OSError:
        return False
    finally:
        probe.close()


def _drain(children: dict[int, socket.socket]) -> None:
    """Stopped (SIGTERM/SIGINT): accept nothing more, let the running `p3jr run`s finish and give their
    clients the exit codes. A second signal ends the wait; the runs go on without their exit codes."""
    if children:
        print(f"p3jr siaga: menunggu {len(children)} run selesai / waiting for running runs", flush=True)
    try:
        while children:
            time.sleep(_POLL_S)
            _reap(children)
    except KeyboardInterrupt:
        pass


def _refuse(conn: socket.socket, fds: list[int] | None = None) -> None:
    """Answer "stale": the client runs cold. ``fds``: the client's descriptors, already received."""
    try:
        if fds is None:
            _msg, fds, _flags, _addr = socket.recv_fds(conn, 16, 3)
        for fd in fds:
            os.close(fd)
        send_message(conn, {STALE: True})
    except OSError:
        pass
    conn.close()


def _start_child(
    conn: socket.socket, listener: socket.socket, children: dict[int, socket.socket], only_dbt: bool = False
) -> None:
    try:
        _msg, fds, _flags, _addr = socket.recv_fds(conn, 16, 3)
        request = recv_message(conn)
    except (OSError, ValueError):
        conn.close()
        return
    if len(fds) != 3:
        for fd in fds:
            os.close(fd)
        conn.close()
        return
    if only_dbt and list(request.get("argv") or [])[:1] != [DBT]:
        _refuse(conn, fds)  # not what this server preloaded
        return
    sys.stdout.flush()
    sys.stderr.flush()
    pid = os.fork()
    if pid == 0:  # the child: leaves only through os._exit
        rc = 70
        try:
            listener.close()
            for other in children.values():
                other.close()
            rc = _child(conn, fds, request)
        finally:
            os._exit(rc)
    for fd in fds:
        os.close(fd)
    try:
        send_message(conn, {"pid": pid})
    except OSError:
        pass  # the client is gone: the child sees that too, and ends
    children[pid] = conn


def _reap(children: dict[int, socket.socket]) -> None:
    for pid in list(children):
        try:
            done, status = os.waitpid(pid, os.WNOHANG)
        except ChildProcessError:
            done, status = pid, 0
        if not done:
            continue
        code = os.waitstatus_to_exitcode(status)
        conn = children.pop(pid)
        try:
            send_message(conn, {"rc": code if code >= 0 else 128 - code})
        except OSError:
            pass
        conn.close()


def _child(conn: socket.socket, fds: list[int], request: dict[str, Any]) -> int:
    """Become the client's `p3jr <argv>`: its descriptors, directory and environment, its own session
    (so the client can signal the run and its dbt as one group), and death when the client dies."""
    import atexit

    os.setsid()
    for target, fd in enumerate(fds):
        os.dup2(fd, target)
        os.close(fd)
    for signum in (*FORWARDED_SIGNALS, signal.SIGCHLD):
        signal.signal(signum, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    atexit._clear()  # the server's exit handlers are not this run's
    os.chdir(request["cwd"])
    replace_environment(request["env"])
    enc = sys.stdout.encoding
    sys.stdin = open(0, encoding=enc, closefd=False)  # noqa: SIM115
    sys.stdout = open(1, "w", encoding=enc, buffering=1 if os.isatty(1) else -1, closefd=False)  # noqa: SIM115
    sys.stderr = open(2, "w", encoding=enc, errors="backslashreplace", buffering=1, closefd=False)  # noqa: SIM115
    threading.Thread(target=_die_with_client, args=(conn,), name="siaga-klien", daemon=True).start()
    argv = list(request["argv"])
    try:
        if argv[:1] == [DBT]:
            from orchestration.lib.dbt_child import run_dbt

            sys.argv = argv
            rc = run_dbt(argv[1:])
        else:
            from orchestration import cli

            sys.argv = ["p3jr", *argv]
            rc = cli.main(argv)
    except SystemExit as exc:
        rc = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
        if exc.code is not None and not isinstance(exc.code, int):
            print(exc.code, file=sys.stderr)
    except KeyboardInterrupt:
        rc = 130
    except BaseException:  # noqa: BLE001 - as the interpreter would: traceback on stderr, exit 1
        sys.excepthook(*sys.exc_info())
        rc = 1
    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):
            pass
    return rc


def _die_with_client(conn: socket.socket) -> None:
    """The client never writes after its request: end of file means it was killed. A cold `p3jr run`
    killed that way takes its dbt child with it (PDEATHSIG); the forked run does the same, as a group."""
    try:
        while conn.recv(1):
            pass
    except OSError:
        pass
    os.killpg(os.getpid(), signal.SIGKILL)


def add_parser(sub) -> None:
    from orchestration.settings import PROJECT_ROOT, SIAGA_SOCKET_VAR, cli_default

    p = sub.add_parser(
        "siaga",
        help="proses siaga yang sudah memuat pipeline: `p3jr run` berikutnya mulai tanpa impor ulang / "
        "a warm process that serves `p3jr run` without importing the libraries again",
    )
    p.add_argument(
        "--socket",
        default=cli_default(SIAGA_SOCKET_VAR),
        help=f"socket Unix tempat mendengar; `p3jr run` memakainya bila {SIAGA_SOCKET_VAR} menunjuk ke sana",
    )

    p.add_argument(
        "--hanya-dbt",
        action="store_true",
        help="hanya dbt, berhenti bersama prosesnya; dipakai `p3jr run` untuk koreksi / dbt only, ends with its "
        "parent: what `p3jr run` starts for a correction's dbt build",
    )

    def run(args) -> int:
        if not args.socket:
            print(f"Tentukan --socket atau {SIAGA_SOCKET_VAR} / set the socket path", file=sys.stderr)
            return 2
        if args.hanya_dbt and not die_with_parent(signal.SIGTERM):
            return 0  # the run that wanted it has already ended
        return serve(Path(args.socket).resolve(), PROJECT_ROOT, only_dbt=args.hanya_dbt)

    p.set_defaults(func=run)
