"""Queue refresh runs on the running deployment, through the webserver's GraphQL API.

The production way to start a run by hand (`p3jr antrekan`): the run goes into the daemon's queue
like the nightly schedule's and the landing sensor's, so it waits for the `duckdb_writer` slot
instead of fighting over the warehouse, and its events land in the deployment's instance.
Loads nothing of the code location (no definitions, no dbt manifest): only the GraphQL client.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence

from orchestration.lib.runs import ALL_DISTRICTS_TAGS, PARTITION_TAG, REFRESH_JOB

LOCATION = "p3jr"  # --location-name of the code location (deploy/workspace.yaml)
FINISHED = {"SUCCESS", "FAILURE", "CANCELED"}


def _client(host: str, port: int):
    from dagster_graphql import DagsterGraphQLClient

    return DagsterGraphQLClient(host, port_number=port, timeout=60)


def submit_refresh_runs(
    districts: Sequence[str] | None, *, host: str = "127.0.0.1", port: int = 3000, tags: Mapping[str, str] | None = None
) -> list[str]:
    """Queue ``p3jr_refresh``: no districts = one run over the full range (all 22), otherwise one
    run per district (partition tag). Returns the run ids in submission order."""
    client = _client(host, port)
    base = {"p3jr/pemicu": "antrean", **dict(tags or {})}
    if not districts:
        requests = [{**base, **ALL_DISTRICTS_TAGS}]
    else:
        requests = [{**base, PARTITION_TAG: kode} for kode in dict.fromkeys(districts)]
    return [client.submit_job_execution(REFRESH_JOB, repository_location_name=LOCATION, tags=t) for t in requests]


def submit_refresh(
    districts: list[str] | None, *, host: str = "127.0.0.1", port: int = 3000, tags: dict[str, str] | None = None
) -> str:
    """Queue ``p3jr_refresh`` (see :func:`submit_refresh_runs`) and return the run id; with several
    districts (one run each) the ids are returned space-separated, in district order."""
    return " ".join(submit_refresh_runs(districts, host=host, port=port, tags=tags))


def wait_for_run(
    run_id: str, *, host: str = "127.0.0.1", port: int = 3000, timeout: float = 3600, poll: float = 2.0
) -> str:
    """Poll until the run has finished; returns its status name (SUCCESS, FAILURE, CANCELED).
    Raises TimeoutError (with the last status seen) after ``timeout`` seconds."""
    client = _client(host, port)
    deadline = time.monotonic() + timeout
    status = "?"
    while True:
        status = client.get_run_status(run_id).value
        if status in FINISHED:
            return status
        if time.monotonic() > deadline:
            raise TimeoutError(f"run {run_id} masih / still {status} setelah / after {timeout:.0f} s")
        time.sleep(poll)
