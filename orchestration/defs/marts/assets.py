"""All dbt nodes (seeds, staging, intermediate, marts) as ONE @dbt_assets definition.

One definition on purpose: dbt itself skips models downstream of a failing error-severity
test inside a single `dbt build`, and failures are not respected across separate @dbt_assets
(dagster-io/dagster#19821). Error-severity dbt tests are turned into BLOCKING asset checks by
dagster-dbt (severity error -> AssetCheckSpec(blocking=True)), so Python assets downstream of
the marts (publish, reports) do not run on bad data either.
"""

from collections.abc import Iterator

from dagster import AssetExecutionContext
from dagster_dbt import DbtCliResource, dbt_assets

from orchestration.defs.resources import SettingsResource
from orchestration.lib.dbt_cli import BUILD_ARGS, EXCLUDE_UNIT_TESTS, keep_partial_parse, prune_invocation_dirs
from orchestration.lib.warehouse import writer_lock
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
    with writer_lock(warehouse):
        invocation = dbt.cli(list(BUILD_ARGS), context=context)
        yield from invocation.stream()
    target = dbt_project().project_dir / "target"
    keep_partial_parse(invocation.target_path, target)
    prune_invocation_dirs(target)
