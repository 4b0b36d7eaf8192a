"""The code location as Dagster sees it: loads, validates, and matches a reviewed snapshot.

Any change to asset keys, dependencies, checks, the job's selection, schedules or sensors shows
up here as a diff of `tests/snapshots/definitions.json`. After a deliberate change, regenerate it
with `P3JR_UPDATE_SNAPSHOT=1 .venv/bin/pytest tests/test_defs.py` and review the diff.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import dagster as dg

SNAPSHOT = Path(__file__).parent / "snapshots" / "definitions.json"


def describe(defs: dg.Definitions) -> dict:
    repo = defs.get_repository_def()
    graph = repo.asset_graph
    assets = {}
    for key in sorted(graph.get_all_asset_keys(), key=lambda k: k.to_user_string()):
        node = graph.get(key)
        if not node.is_materializable:
            continue
        assets[key.to_user_string()] = {
            "grup": node.group_name,
            "hulu": sorted(k.to_user_string() for k in node.parent_keys),
            "partisi": type(node.partitions_def).__name__ if node.partitions_def else None,
            "pool": sorted(node.pools) if node.pools else None,
        }
    checks = {}
    for check_key in sorted(graph.asset_check_keys, key=lambda c: (c.asset_key.to_user_string(), c.name)):
        spec = graph.get_check_spec(check_key)
        checks[f"{check_key.asset_key.to_user_string()}:{check_key.name}"] = {"blocking": bool(spec.blocking)}
    jobs = {}
    for job in repo.get_all_jobs():
        if job.name.startswith("__"):
            continue
        selected = job.asset_layer.selected_asset_keys if job.asset_layer else set()
        jobs[job.name] = {"aset": len(selected), "executor": job.executor_def.name}
    schedules = {
        s.name: {
            "cron": s.cron_schedule,
            "zona_waktu": s.execution_timezone,
            "job": s.job_name,
            "status_awal": s.default_status.value,
        }
        for s in repo.schedule_defs
    }
    sensors = {
        s.name: {
            "jenis": s.sensor_type.value,
            "status_awal": s.default_status.value,
            "interval_min_detik": s.minimum_interval_seconds,
        }
        for s in repo.sensor_defs
    }
    return {"aset": assets, "cek": checks, "job": jobs, "jadwal": schedules, "sensor": sensors}


def test_definitions_load_validate_and_match_the_snapshot():
    from orchestration.definitions import defs

    dg.Definitions.validate_loadable(defs)
    current = describe(defs)
    assert len(current["aset"]) > 20 and current["cek"] and current["jadwal"] and current["sensor"]
    if os.environ.get("P3JR_UPDATE_SNAPSHOT"):
        SNAPSHOT.parent.mkdir(exist_ok=True)
        SNAPSHOT.write_text(json.dumps(current, indent=1, ensure_ascii=False, sort_keys=True) + "\n", encoding="utf-8")
    expected = json.loads(SNAPSHOT.read_text(encoding="utf-8"))
    for part in expected:
        assert current[part] == expected[part], f"definitions changed in '{part}': regenerate and review the snapshot"


def test_every_blocking_check_guards_the_marts():
    """dbt error-severity tests and the gate's checks are blocking: a failure stops what is downstream."""
    from orchestration.definitions import defs

    described = describe(defs)
    checks = described["cek"]
    assert any(v["blocking"] for k, v in checks.items() if k.startswith("quality/rumah_tangga_diterima:"))
    # every dbt model and seed carries its row rules as one blocking check, `invarian_baris_<model>`
    dbt_assets = [
        k for k, v in described["aset"].items() if v["grup"] in ("staging", "intermediate", "marts", "referensi")
    ]
    assert len(dbt_assets) >= 15
    for key in dbt_assets:
        assert checks[f"{key}:invarian_baris_{key.split('/')[-1]}"]["blocking"], key
