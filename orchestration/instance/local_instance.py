"""The local Dagster instance (dagster.yaml: `p3jr run`, `make ui`): Dagster's SQLite storage, with
the event log's connections kept open.

Dagster's SQLite event log creates a new SQLAlchemy engine and connection for every event it stores,
compiles every statement afresh and closes the connection again. That cost ~25 ms per event on this
hardware: a run over the 22 districts stores ~400 events (per-district materializations and
observations, dbt outputs and checks), ~10 s of every run, whatever its size. This event log keeps one
engine (one connection, used by the storage's threads one at a time under the storage's own lock) for
the index and for the most recent runs; everything else is Dagster's.
"""

from __future__ import annotations

from collections import OrderedDict
from contextlib import contextmanager

import dagster as dg
import sqlalchemy as db
from dagster._core.storage.event_log.sqlite.sqlite_event_log import INDEX_SHARD_NAME, SqliteEventLogStorage
from dagster._core.storage.sqlite import SQLITE_BUSY_TIMEOUT_SECONDS
from sqlalchemy.pool import StaticPool

# Run shards kept open besides the index: the run being written, and a few the UI is reading.
OPEN_RUN_SHARDS = 4


class SqliteEventLogWithOpenConnections(SqliteEventLogStorage):
    """One open connection per shard (the index and the OPEN_RUN_SHARDS most recently used runs)."""

    def __init__(self, base_dir: str, inst_data=None):
        self._engines: OrderedDict[str, db.engine.Engine] = OrderedDict()
        super().__init__(base_dir, inst_data)

    @contextmanager
    def _connect(self, shard: str):
        with self._db_lock:
            with self._engine(shard).connect() as conn:
                with conn.begin():
                    yield conn
                if shard != INDEX_SHARD_NAME:
                    # The webserver follows a live run by watching its file (not the WAL beside it):
                    # write the committed events into the file, as closing the connection used to.
                    conn.exec_driver_sql("PRAGMA wal_checkpoint(PASSIVE)")

    def _engine(self, shard: str) -> db.engine.Engine:
        engine = self._engines.pop(shard, None)
        if engine is None:
            engine = db.create_engine(
                self.conn_string_for_shard(shard),
                poolclass=StaticPool,
                connect_args={"timeout": SQLITE_BUSY_TIMEOUT_SECONDS, "check_same_thread": False},
            )
            if shard not in self._initialized_dbs:
                self._initdb(engine)
                self._initialized_dbs.add(shard)
        self._engines[shard] = engine  # most recently used last
        runs = [s for s in self._engines if s != INDEX_SHARD_NAME]
        for oldest in runs[: max(0, len(runs) - OPEN_RUN_SHARDS)]:
            self._engines.pop(oldest).dispose()
        return engine

    def _close_connections(self) -> None:
        with self._db_lock:
            while self._engines:
                self._engines.popitem()[1].dispose()

    def wipe(self) -> None:
        self._close_connections()  # the run files are deleted next
        super().wipe()

    def dispose(self) -> None:
        self._close_connections()
        super().dispose()


class P3jrInstance(dg.DagsterInstance):
    """Dagster's instance, whose default SQLite event log (same files, under the instance's folder)
    keeps its connections open. Any other event log (Postgres in deploy/) is used as configured."""

    @classmethod
    def config_schema(cls) -> dict:
        return {}  # no settings of its own: dagster.yaml is Dagster's schema

    @staticmethod
    def config_defaults(base_dir: str):
        from dagster._core.instance.ref import InstanceRef

        return InstanceRef.config_defaults(base_dir)

    def __init__(self, *args, event_storage, **kwargs):
        if type(event_storage) is SqliteEventLogStorage:
            event_storage = SqliteEventLogWithOpenConnections(event_storage._base_dir, event_storage.inst_data)
        super().__init__(*args, event_storage=event_storage, **kwargs)
