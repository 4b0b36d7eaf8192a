"""deploy/p3jr.env.example (pipeline) and deploy/portal/portal.env.example (portal) together list exactly the
variables the code and the deployed instance read."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from orchestration.settings import TELEMETRY_OFF

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "deploy" / "p3jr.env.example"
EXAMPLES = (EXAMPLE, ROOT / "deploy" / "portal" / "portal.env.example")
NAME = re.compile(r"""["'](P3JR_[A-Z0-9_]+|DAGSTER_[A-Z0-9_]+)["']""")


def example_variables() -> set[str]:
    """Set or commented-out (`# NAME=value`) assignments."""
    out = set()
    for line in "\n".join(p.read_text(encoding="utf-8") for p in EXAMPLES).splitlines():
        m = re.match(r"^#?\s*([A-Z][A-Z0-9_]*)=", line.strip())
        if m:
            out.add(m.group(1))
    return out


def variables_read() -> set[str]:
    names: set[str] = set()
    files = [
        *ROOT.glob("orchestration/**/*.py"),
        *ROOT.glob("sources/**/*.py"),
        ROOT / "dbt_project" / "profiles.yml",
        ROOT / "dbt_project" / "dbt_project.yml",
        *ROOT.glob("dbt_project/models/**/*.sql"),
        *ROOT.glob("dbt_project/macros/**/*.sql"),
    ]
    for path in files:
        names |= set(NAME.findall(path.read_text(encoding="utf-8")))

    def env_refs(node):
        if isinstance(node, dict):
            for k, v in node.items():
                if k == "env" and isinstance(v, str):
                    yield v
                else:
                    yield from env_refs(v)
        elif isinstance(node, list):
            for v in node:
                yield from env_refs(v)

    names |= set(env_refs(yaml.safe_load((ROOT / "deploy" / "dagster.yaml").read_text(encoding="utf-8"))))
    return names


def test_env_example_matches_the_code():
    # DAGSTER_IS_DEV_CLI is set by `dagster dev` itself, never by an operator.
    expected = (variables_read() | set(TELEMETRY_OFF) | {"DAGSTER_HOME"}) - {"DAGSTER_IS_DEV_CLI"}
    listed = example_variables()
    assert listed - expected == set(), "listed in p3jr.env.example but read by nothing"
    assert expected - listed == set(), "read by the code but missing from p3jr.env.example"


def test_scan_finds_what_it_should():
    """The scan itself can fail: it sees variables read in three different ways."""
    found = variables_read()
    assert {"P3JR_PSEUDONYM_KEY", "P3JR_DUCKDB_MEMORY_LIMIT", "DAGSTER_PG_PASSWORD", "P3JR_ALERT_WEBHOOK_URL"} <= found
