"""`p3jr-dbt`: dbt that dies with the step that started it.

dagster-dbt starts `dbt build` as a child process and the step holds the warehouse writer lock
for it. If the run worker is killed (out of memory, a restart of the code location), the kernel
drops the lock with it, but a plain child would go on writing the warehouse without the lock
while the next run starts. This wrapper asks the kernel to kill dbt when its parent dies
(`PR_SET_PDEATHSIG`) and then runs dbt in this same process, or, when a `p3jr siaga` server serves
the run, in a child forked from it that dies with this process (lib/warm.py).

It also lets every warehouse reuse one parse state (see `_parse_state_ignores_warehouse_location`).
"""

from __future__ import annotations

import signal
import sys

from orchestration.lib.processes import die_with_parent, exit_without_final_collections


def main() -> None:
    if not die_with_parent(signal.SIGKILL):  # the parent died before the signal was armed
        sys.exit(128 + int(signal.SIGKILL))
    from orchestration.lib.warm import delegate_dbt

    rc = delegate_dbt(sys.argv[1:])  # forked from `p3jr siaga` when one serves this run; dies with us
    exit_without_final_collections(run_dbt(sys.argv[1:]) if rc is None else rc)


def run_dbt(args: list[str]) -> int:
    """dbt's own command line in this process; its exit code."""
    _parse_state_ignores_warehouse_location()
    from dbt.cli.main import cli

    try:
        cli(args=args, prog_name="dbt")  # click exits (SystemExit) with dbt's code
    except SystemExit as done:
        return done.code if isinstance(done.code, int) else (0 if done.code is None else 1)
    return 0


def _parse_state_ignores_warehouse_location() -> None:
    """dbt re-parses the whole project (~8 s on this hardware) when the profile's connection values
    change, to protect Jinja that reads them at parse time. The warehouse file's location is one of
    them, so every new warehouse (a new server, a test, the benchmark) paid a full parse although no
    model of this project reads `target.path` (tests/test_dbt_translator.py checks that the reused
    manifest equals a full parse at another location). Its database name (the file's stem) and every
    other connection value still count."""
    import pprint

    from dbt.contracts.files import FileHash
    from dbt.parser.manifest import ManifestLoader

    build_state_check = ManifestLoader.build_manifest_state_check

    def without_location(self):
        check = build_state_check(self)
        values = sorted((k, v) for k, v in self.root_project.credentials.connection_info() if k != "path")
        check.profile_hash = FileHash.from_contents(pprint.pformat(values))
        return check

    ManifestLoader.build_manifest_state_check = without_location
