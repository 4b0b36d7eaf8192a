"""The local instance's event log (orchestration/instance/local_instance.py) keeps its connections open:
what it writes must still reach a second process's instance (the webserver, `dagster dev`) at once,
live runs included, and its open connections stay bounded."""

from __future__ import annotations

import logging
import shutil
import threading
import time
import uuid
from pathlib import Path

import dagster as dg
import pytest
from dagster._core.events.log import EventLogEntry

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def two_instances(tmp_path, monkeypatch):
    """The run's instance and a reader's (a second instance on the same folder, as the webserver or an
    engineer's script holds), both from the local dagster.yaml; the reader's without DAGSTER_HOME."""
    home = tmp_path / "dagster"
    home.mkdir()
    shutil.copy(ROOT / "dagster.yaml", home / "dagster.yaml")
    monkeypatch.setenv("DAGSTER_HOME", str(home))
    writer = dg.DagsterInstance.get()
    monkeypatch.delenv("DAGSTER_HOME")
    reader = dg.DagsterInstance.from_config(str(home))
    assert type(reader.event_log_storage) is type(writer.event_log_storage)
    yield writer, reader
    writer.dispose()
    reader.dispose()


def _log(run_id: str, message: str) -> EventLogEntry:
    return EventLogEntry(
        error_info=None,
        level=logging.INFO,
        user_message=message,
        run_id=run_id,
        timestamp=time.time(),
        job_name="p3jr_refresh",
        step_key=None,
        dagster_event=None,
    )


def test_a_live_run_is_followed_by_another_instance(two_instances):
    writer, reader = two_instances
    assert type(writer.event_log_storage).__name__ == "SqliteEventLogWithOpenConnections"
    run_id = str(uuid.uuid4())
    writer.event_log_storage.store_event(_log(run_id, "pertama"))  # the run's file exists
    seen: list[str] = []
    arrived = threading.Event()

    def follow(entry, _cursor):
        seen.append(entry.user_message)
        if len(seen) == 3:
            arrived.set()

    # Dagster's SQLite watch (the UI's live run view) reacts to changes of the run's file only.
    reader.event_log_storage.watch(run_id, None, follow)
    time.sleep(0.5)
    for message in ("kedua", "ketiga"):
        writer.event_log_storage.store_event(_log(run_id, message))
    assert arrived.wait(15), seen
    assert seen == ["pertama", "kedua", "ketiga"]
    reader.event_log_storage.end_watch(run_id, follow)


def test_materializations_are_read_across_instances_and_connections_stay_bounded(two_instances):
    writer, reader = two_instances
    from orchestration.instance.local_instance import OPEN_RUN_SHARDS

    @dg.asset
    def angka() -> int:
        return 1

    runs = [dg.materialize([angka], instance=writer).run_id for _ in range(OPEN_RUN_SHARDS + 2)]
    storage = writer.event_log_storage
    assert 1 + OPEN_RUN_SHARDS >= len(storage._engines) and runs[0] not in storage._engines
    latest = reader.get_latest_materialization_event(dg.AssetKey("angka"))
    assert latest is not None and latest.run_id == runs[-1]
    for run_id in runs:  # every run's events, from the reader and from the writer (a closed shard reopens)
        for instance in (reader, writer):
            types = {e.dagster_event_type for e in instance.all_logs(run_id) if e.dagster_event}
            assert dg.DagsterEventType.ASSET_MATERIALIZATION in types and dg.DagsterEventType.RUN_SUCCESS in types
    storage.wipe()  # deletes the run files: nothing may write through a connection to a deleted file
    assert set(storage._engines) <= {"index"}  # the index file stays; no run file is held open
    assert dg.materialize([angka], instance=writer).success
    assert reader.get_latest_materialization_event(dg.AssetKey("angka")) is not None
