"""All dbt nodes (seeds, staging, intermediate, marts) as ONE @dbt_assets definition.

One definition on purpose: dbt itself skips models downstream of a failing error-severity
test inside a single `dbt build`, and failures are not respected across separate @dbt_assets
(dagster-io/dagster#19821). Error-severity dbt tests are turned into BLOCKING asset checks by
dagster-dbt (severity error -> AssetCheckSpec(blocking=True)), so Python assets downstream of
the marts (publish, reports) do not run on bad data either.
"""

from collections.abc import Iterator
from contextlib import closing

import dagster as dg
import duckdb
from dagster import AssetExecutionContext
from dagster_dbt import DbtCliResource, dbt_assets

from orchestration.defs.resources import SettingsResource
from orchestration.lib.dbt_cli import (
    BUILD_ARGS,
    EXCLUDE_UNIT_TESTS,
    ROW_RULES_TEST_PREFIX,
    broken_rules,
    invocation_target,
    keep_partial_parse,
    needs_full_refresh,
    project_fingerprint,
    prune_invocation_dirs,
    record_build,
)
from orchestration.lib.runs import FORCE_TAG
from orchestration.lib.warehouse import open_duckdb, writer_lock
from orchestration.settings import WRITER_POOL, export_dbt_env, tanggal_run

from .project import dbt_project
from .translator import P3jrDbtTranslator


@dbt_assets(
    manifest=dbt_project().manifest_path,
    project=dbt_project(),
    dagster_dbt_translator=P3jrDbtTranslator(),
    exclude=EXCLUDE_UNIT_TESTS,
    pool=WRITER_POOL,
    name="p3jr_dbt_assets",
)
def p3jr_dbt_assets(context: AssetExecutionContext, dbt: DbtCliResource, settings: SettingsResource) -> Iterator:
    # dbt's profile reads the warehouse path from the same variable as the Python assets, and
    # the step holds the writer lock for the whole build (dbt runs as a separate process).
    warehouse = settings.get().warehouse_path
    export_dbt_env(warehouse, tanggal_run())
    failed_rules = []
    with writer_lock(warehouse):
        project = project_fingerprint()
        with closing(open_duckdb(warehouse)) as con:  # the writer lock is held: open, not connect()
            full = context.run.tags.get(FORCE_TAG) == "ya" or needs_full_refresh(con, project)
        context.log.info("dbt build --full-refresh: proyek dbt berubah / dipaksa" if full else "dbt build inkremental")
        invocation = dbt.cli(
            [*BUILD_ARGS, *(["--full-refresh"] if full else [])],
            context=context,
            target_path=invocation_target(context.run.run_id, warehouse),
        )
        failure = None
        try:
            for event in invocation.stream():
                if _failed_row_rules(event):
                    failed_rules.append(event)  # reported after the build, with the broken rules
                else:
                    yield event
        except Exception as exc:  # dbt exits 1 after a failed test: report the checks first
            failure = exc
        if failed_rules:
            yield from _with_broken_rules(failed_rules, warehouse, invocation.target_path)
        if failure is not None:
            raise failure
        with closing(open_duckdb(warehouse)) as con:
            record_build(con, project)
    keep_partial_parse(invocation.target_path, warehouse)
    prune_invocation_dirs(dbt_project().project_dir / "target")


def _failed_row_rules(event) -> bool:
    return (
        isinstance(event, dg.AssetCheckResult)
        and not event.passed
        and (event.check_name or "").startswith(ROW_RULES_TEST_PREFIX)
    )


def _with_broken_rules(events: list, warehouse, target_path) -> Iterator:
    """A failed `invarian_baris_<model>` check carries the rules it found broken (`pelanggaran`): the
    engineer on call sees "material_atap: nilai_baku, 1 baris" in the UI. dbt has ended, so the
    warehouse can be read; a failure to read never hides the failed check."""
    try:
        with closing(open_duckdb(warehouse, read_only=True)) as con:  # the writer lock is held by this step
            found = {e.check_name: broken_rules(con, target_path, e.check_name) for e in events}
    except duckdb.Error as exc:
        found = {e.check_name: [{"kesalahan": str(exc)}] for e in events}
    for event in events:
        metadata = {**(event.metadata or {}), "pelanggaran": dg.MetadataValue.json(found[event.check_name])}
        yield event._replace(metadata=metadata)
