"""Pure tests of the dbt -> Dagster mapping (no warehouse, no dbt run).

The manifest comes from ``dbt parse`` (`make test` runs it first; the fixture parses when it is missing).
"""

from __future__ import annotations

import json
import shutil
from datetime import UTC, datetime
from pathlib import Path

import dagster as dg
import pytest

ROOT = Path(__file__).resolve().parent.parent
DBT_DIR = ROOT / "dbt_project"

SOURCE_KEYS = {
    ("quality", "rumah_tangga_diterima"),
    ("quality", "realisasi_program_diterima"),
    ("quality", "karantina"),
    ("quality", "gerbang_kabupaten"),
    ("quality", "rilis_rumah_tangga"),
    ("ingestion", "file_registry"),
}
MARTS = {
    "backlog_kabupaten",
    "backlog_kecamatan",
    "backlog_desa",
    "realisasi_program",
    "capaian_pendataan",
    "capaian_pendataan_harian",
}


@pytest.fixture(scope="session")
def manifest() -> dict:
    from orchestration.lib.dbt_cli import ensure_manifest

    return json.loads(ensure_manifest(DBT_DIR).read_text())


@pytest.fixture(scope="session")
def translator(manifest):
    # importing the package loads the manifest (@dbt_assets), so parse first
    from orchestration.defs.marts.translator import P3jrDbtTranslator

    return P3jrDbtTranslator()


def _spec(translator, manifest, unique_id):
    return translator.get_asset_spec(manifest, unique_id, None)


def test_models_keyed_by_schema_and_grouped_by_folder(translator, manifest):
    models = {uid: n for uid, n in manifest["nodes"].items() if n["resource_type"] == "model"}
    assert {n["name"] for n in models.values()} >= MARTS
    for uid, node in models.items():
        spec = _spec(translator, manifest, uid)
        folder = node["fqn"][1]  # p3jr / <folder> / ... / name
        assert folder in ("staging", "intermediate", "quality", "marts")
        assert spec.key == dg.AssetKey([folder, node["name"]])
        assert spec.group_name == folder == node["schema"]


def test_marts_keys(translator, manifest):
    spec = _spec(translator, manifest, "model.p3jr.capaian_pendataan")
    assert spec.key == dg.AssetKey(["marts", "capaian_pendataan"])
    assert spec.group_name == "marts"
    assert dg.AssetKey(["intermediate", "int_statistik_pengajuan"]) in {d.asset_key for d in spec.deps}


def test_seeds_in_referensi(translator, manifest):
    seeds = {uid: n for uid, n in manifest["nodes"].items() if n["resource_type"] == "seed"}
    assert {n["name"] for n in seeds.values()} == {"kabupaten_kota_ntt", "wilayah_ntt", "target_pendataan"}
    for uid, node in seeds.items():
        spec = _spec(translator, manifest, uid)
        assert spec.key == dg.AssetKey(["referensi", node["name"]])
        assert spec.group_name == "referensi"


def test_sources_line_up_with_python_assets(translator, manifest):
    keys = {tuple(_spec(translator, manifest, uid).key.path) for uid in manifest["sources"]}
    assert keys == SOURCE_KEYS
    stg = _spec(translator, manifest, "model.p3jr.stg_rumah_tangga")
    assert {d.asset_key for d in stg.deps} == {dg.AssetKey(["quality", "rumah_tangga_diterima"])}


def test_sources_have_no_dagster_group_override(translator, manifest):
    # sources keep the default behaviour (meta.dagster.asset_key), nothing else is rewritten
    for uid, src in manifest["sources"].items():
        assert src["meta"]["dagster"]["asset_key"] == list(_spec(translator, manifest, uid).key.path)


def test_dbt_assets_definition(manifest):
    from orchestration.definitions import defs
    from orchestration.defs.marts.assets import p3jr_dbt_assets

    keys = {tuple(k.path) for k in p3jr_dbt_assets.keys}
    assert ("marts", "capaian_pendataan") in keys and ("referensi", "wilayah_ntt") in keys
    assert not keys & SOURCE_KEYS  # sources are upstream, not materialized here
    assert {p3jr_dbt_assets.group_names_by_key[k] for k in p3jr_dbt_assets.keys} == {
        "staging",
        "intermediate",
        "quality",
        "marts",
        "referensi",
    }
    assert "dbt" in defs.resources


def test_error_tests_are_blocking_checks(manifest):
    from orchestration.defs.marts.assets import p3jr_dbt_assets

    specs = list(p3jr_dbt_assets.check_specs)
    assert specs, "dbt tests should load as asset checks"
    by_name = {(tuple(s.asset_key.path), s.name): s for s in specs}
    assert by_name[(("staging", "stg_rumah_tangga"), "invarian_baris_stg_rumah_tangga")].blocking
    assert by_name[(("marts", "backlog_kabupaten"), "backlog_total_desa_kecamatan_kabupaten_konsisten")].blocking
    assert by_name[(("marts", "capaian_pendataan"), "capaian_peringkat_lengkap_tanpa_celah")].blocking
    severities = {}
    for node in manifest["nodes"].values():
        if node["resource_type"] == "test":
            severities[node["name"]] = (node["config"].get("severity") or "error").lower()
    for s in specs:
        assert s.blocking == (severities[s.name] == "error"), s.name
    # unit tests are not part of the production asset definition
    assert manifest["unit_tests"], "the project has unit tests"
    assert all(s.metadata["dagster_dbt/unique_id"].startswith("test.") for s in specs)
    assert any(not s.blocking for s in specs), "warn-severity tests stay non-blocking"


def test_build_args_and_run_date():
    from orchestration.lib.dbt_cli import BUILD_ARGS
    from orchestration.settings import tanggal_run

    assert BUILD_ARGS[0] == "build"
    assert BUILD_ARGS[BUILD_ARGS.index("--exclude") + 1] == "resource_type:unit_test"
    # no --vars: the command line stays the same from run to run, so dbt keeps its partial parse
    assert "--vars" not in BUILD_ARGS
    # 20:30 UTC is already the next day in Asia/Makassar (UTC+8)
    assert tanggal_run(datetime(2025, 10, 31, 20, 30, tzinfo=UTC)) == "2025-11-01"
    assert tanggal_run(datetime(2025, 10, 31, 15, 59, tzinfo=UTC)) == "2025-10-31"


def test_old_dbt_invocation_folders_are_pruned(tmp_path):
    import os

    from orchestration.lib.dbt_cli import prune_invocation_dirs

    for i in range(8):
        d = tmp_path / f"p3jr_dbt_assets-abc{i}-x"
        d.mkdir()
        os.utime(d, (1_700_000_000 + i, 1_700_000_000 + i))
    (tmp_path / "manifest.json").write_text("{}")
    prune_invocation_dirs(tmp_path, keep=5)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["manifest.json"] + [
        f"p3jr_dbt_assets-abc{i}-x" for i in range(3, 8)
    ]


def test_every_warehouse_reuses_one_dbt_parse_state(tmp_path):
    """dbt would parse the whole project again for every new warehouse (its location is part of the
    profile); p3jr-dbt leaves the location out, so a new warehouse starts from the install-time state
    and a moved one from its old state, and the manifest is the one a full parse gives. The database
    name (the file's stem) and the other connection values still count."""
    import subprocess

    from orchestration.lib.dbt_cli import dbt_executable, invocation_target, keep_partial_parse, parse_state_path
    from orchestration.settings import subprocess_env

    targets = tmp_path / "target"
    a, b, c = (tmp_path / d / "p3jr.duckdb" for d in "abc")
    other_name = tmp_path / "d" / "gudang.duckdb"

    def parse(run_id: str, warehouse: Path, seed_from: Path | None, *extra: str) -> tuple[str, dict]:
        warehouse.parent.mkdir(exist_ok=True)
        target = invocation_target(run_id, warehouse, targets)
        target.mkdir(parents=True, exist_ok=True)
        if seed_from is not None:
            shutil.copyfile(seed_from, target / "partial_parse.msgpack")
        subprocess.run(
            [dbt_executable(), "parse", "--target-path", str(target), "--log-path", str(target), *extra],
            cwd=DBT_DIR,
            env=subprocess_env(DBT_PROFILES_DIR=".", P3JR_WAREHOUSE_PATH=str(warehouse)),
            check=True,
            capture_output=True,
        )
        keep_partial_parse(target, warehouse)
        nodes = json.loads((target / "manifest.json").read_text(encoding="utf-8"))["nodes"]
        for node in nodes.values():
            node.pop("created_at")  # when it was parsed
        return (target / "dbt.log").read_text(encoding="utf-8"), nodes

    full = "Unable to do partial parsing"
    installed = DBT_DIR / "target" / "partial_parse.msgpack"  # `make install` (dbt-parse)
    log_a, nodes_a = parse("run0001", a, installed)
    assert full not in log_a and "Partial parsing enabled" in log_a
    log_b, nodes_b = parse("run0002", b, parse_state_path(a))
    assert full not in log_b and parse_state_path(b).exists()
    log_c, nodes_c = parse("run0003", c, None, "--no-partial-parse")
    assert nodes_a == nodes_b == nodes_c  # what a full parse of a third location gives
    assert f"{full} because profile has changed" in parse("run0004", other_name, parse_state_path(a))[0]


def test_a_parse_is_no_change_but_a_new_data_test_is(tmp_path):
    """ "Nothing changed since today's publish" (state.code_fingerprint) reads the dbt project's files, not
    the parsed manifest: every parse (`make install`, `dagster dev`, an engineer's `dbt ls`) rewrites
    target/manifest.json with a new timestamp, and the next run redid every district. A new data test
    is a change: it may stop the next build."""
    from orchestration.lib import state

    project = tmp_path / "dbt_project"
    shutil.copytree(DBT_DIR, project, ignore=shutil.ignore_patterns("target", "logs", "dbt_packages"))
    before = state.code_fingerprint(project)
    manifest = json.loads((DBT_DIR / "target" / "manifest.json").read_text(encoding="utf-8"))
    (project / "target").mkdir()
    for parsed_at in ("2026-12-01T19:00:00Z", "2026-12-02T19:00:00Z"):
        manifest["metadata"]["generated_at"] = parsed_at
        (project / "target" / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
        assert state.code_fingerprint(project) == before
    (project / "tests" / "singular" / "baru.sql").write_text("select 1 where false", encoding="utf-8")
    assert state.code_fingerprint(project) != before


def test_a_changed_dbt_project_rebuilds_every_district(tmp_path):
    """The incremental model keeps unchanged districts' rows as the project computed them: any change to a
    file that defines a model's result (SQL, macro, var, reference seed) asks for --full-refresh."""
    import duckdb

    from orchestration.lib.dbt_cli import PROJECT_LOGIC, needs_full_refresh, project_fingerprint, record_build

    project = tmp_path / "dbt_project"
    shutil.copytree(DBT_DIR, project, ignore=shutil.ignore_patterns("target", "logs", "dbt_packages"))
    before = project_fingerprint(project)
    assert project_fingerprint(project) == before
    (project / "tests" / "baru.sql").write_text("select 1 where false")  # a test computes nothing
    (project / "target").mkdir()
    (project / "target" / "manifest.json").write_text("{}")
    assert project_fingerprint(project) == before
    with duckdb.connect() as con:
        assert needs_full_refresh(con, before)  # nothing recorded: a warehouse built before this existed
        record_build(con, before)
        assert not needs_full_refresh(con, before)
        for rel, edit in (
            ("dbt_project.yml", lambda t: t.replace("luas_minimum_per_orang: 7.2", "luas_minimum_per_orang: 9")),
            ("macros/backlog.sql", lambda t: t + "\n"),
            ("seeds/kabupaten_kota_ntt.csv", lambda t: t.replace("Kupang", "Kupang ")),
        ):
            path = project / rel
            old = path.read_bytes()
            assert edit(old.decode()) != old.decode() and rel.split("/")[0] in PROJECT_LOGIC
            path.write_bytes(edit(old.decode()).encode())
            changed = project_fingerprint(project)
            assert changed != before and needs_full_refresh(con, changed), rel
            path.write_bytes(old)
        assert project_fingerprint(project) == before
