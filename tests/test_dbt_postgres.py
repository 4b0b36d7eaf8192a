"""dbt on PostgreSQL is a tested target: the same project, built from the same source rows, gives
the same marts as the DuckDB build.

The gate's tables of a real pipeline run (`small_run`) are copied from its DuckDB warehouse into a
fresh database of a real PostgreSQL server with orchestration/lib/postgres_load.py, then
`dbt build --target postgres` (seeds, models, data tests AND unit tests) runs as a subprocess with
the production `--vars` and a private --target-path / --log-path (dbt_project/target is shared).
Every mart (every model under models/marts, listed from that build's manifest) must then equal the
DuckDB mart: same columns, same rows.
"""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
import time as time_module
from datetime import date, datetime, time
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from orchestration.lib.postgres_load import dbt_source_tables, export_expression, load_dbt_sources, load_tables, pg_type

ROOT = Path(__file__).resolve().parent.parent
DBT_DIR = ROOT / "dbt_project"
DBT = Path(sys.executable).parent / "dbt"
REL_TOL = 1e-9
# Columns whose value is the moment of the build itself: compared as "filled in both", not equal.
BUILD_TIME_COLUMNS = {("capaian_pendataan_harian", "dihitung_pada")}


# --------------------------------------------------------------------------------------------
# Comparison helpers
# --------------------------------------------------------------------------------------------


def _norm(v):
    """One comparable form for a value from DuckDB or psycopg2."""
    if isinstance(v, bool) or v is None or isinstance(v, str):
        return v
    if isinstance(v, (int, Decimal)):
        return Decimal(v)
    if isinstance(v, float):
        return v
    if isinstance(v, datetime):  # before date: a datetime is a date
        return ("timestamp", v.replace(tzinfo=None).isoformat(sep=" "))
    if isinstance(v, date):
        return ("date", v.isoformat())
    if isinstance(v, time):
        return ("time", v.isoformat())
    if isinstance(v, (list, tuple)):
        return tuple(_norm(x) for x in v)
    raise TypeError(f"unexpected value type {type(v).__name__}: {v!r}")


def _sort_key(row):
    key = []
    for v in row:
        if v is None:
            key.append((0, 0))
        elif isinstance(v, (Decimal, float)) and not isinstance(v, bool):
            key.append((1, float(v)))
        else:
            key.append((2, str(v)))
    return key


def _same_value(a, b) -> bool:
    if a is None or b is None:
        return a is None and b is None
    numeric = (Decimal, float)
    if isinstance(a, numeric) and isinstance(b, numeric) and not isinstance(a, bool) and not isinstance(b, bool):
        if a == b:
            return True
        fa, fb = float(a), float(b)
        if math.isnan(fa) or math.isnan(fb):
            return math.isnan(fa) and math.isnan(fb)
        return math.isclose(fa, fb, rel_tol=REL_TOL, abs_tol=0.0)
    return type(a) is type(b) and a == b


def table_differences(duck_rows: list[tuple], pg_rows: list[tuple], columns: list[str], limit: int = 5) -> list[str]:
    """Differences between two row sets (order-insensitive); empty when they are the same."""
    a = sorted((tuple(_norm(v) for v in r) for r in duck_rows), key=_sort_key)
    b = sorted((tuple(_norm(v) for v in r) for r in pg_rows), key=_sort_key)
    if len(a) != len(b):
        return [f"{len(a)} rows in DuckDB, {len(b)} in PostgreSQL"]
    out = []
    for i, (ra, rb) in enumerate(zip(a, b)):
        for col, va, vb in zip(columns, ra, rb):
            if not _same_value(va, vb):
                out.append(f"row {i} column {col}: DuckDB {va!r} != PostgreSQL {vb!r}")
                if len(out) >= limit:
                    return out
    return out


# --------------------------------------------------------------------------------------------
# The loader
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("duck", "pg"),
    [
        ("VARCHAR", "text"),
        ("BIGINT", "bigint"),
        ("INTEGER", "integer"),
        ("SMALLINT", "smallint"),
        ("UBIGINT", "numeric(20,0)"),
        ("HUGEINT", "numeric(39,0)"),
        ("DOUBLE", "double precision"),
        ("FLOAT", "real"),
        ("DECIMAL(18,2)", "numeric(18,2)"),
        ("DATE", "date"),
        ("TIMESTAMP", "timestamp"),
        ("TIMESTAMP WITH TIME ZONE", "timestamp with time zone"),
        ("BOOLEAN", "boolean"),
        ("JSON", "jsonb"),
        ("BLOB", "bytea"),
        ("VARCHAR[]", "text[]"),
        ("INTEGER[3]", "integer[]"),
        ("INTEGER[][]", "jsonb"),
        ("STRUCT(a INTEGER, b VARCHAR)", "jsonb"),
        ("STRUCT(a INTEGER)[]", "jsonb"),
        ("MAP(VARCHAR, INTEGER)", "jsonb"),
    ],
)
def test_type_mapping(duck, pg):
    assert pg_type(duck) == pg


def test_unknown_type_is_refused():
    with pytest.raises(ValueError):
        pg_type("GEOMETRY")


def test_sources_are_read_from_the_dbt_project():
    tables = dbt_source_tables(DBT_DIR)
    assert ("quality", "rumah_tangga_diterima") in tables
    assert ("ingestion", "file_registry") in tables
    assert len(tables) == len(set(tables))


def test_loader_round_trips_awkward_values(postgres_server, tmp_path):
    """Quotes, newlines, empty vs NULL text, lists with NULLs and quotes, JSON, decimals, floats."""
    duck = duckdb.connect(str(tmp_path / "w.duckdb"))
    duck.execute("create schema quality")
    duck.execute(r"""
        create table quality.aneh as select * from (values
            (1, 'a"b,c' || chr(10) || 'd', ['x', NULL, 'y"z', 'back\slash', ''], 0.1::double, 12.30::decimal(18,2),
             timestamp '2025-10-31 23:59:59.123456', date '2025-01-02', true, '{"nik": "5301"}'::json, {'k': 1}),
            (2, '', [], 1e300::double, -1.00::decimal(18,2), NULL, NULL, false, NULL, NULL),
            (3, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL)
        ) t(id, teks, daftar, angka, uang, waktu, tanggal, benar, isi, struktur)
    """)
    # a lone \. line is PostgreSQL's end-of-data marker unless quoted
    duck.execute(r"create table quality.titik as select * from (values ('\.'), ('x')) t(teks)")
    dbname = postgres_server.create_database("p3jr_loader")
    pg = postgres_server.connect(dbname)
    try:
        assert load_tables(duck, pg, [("quality", "aneh")]) == {"quality.aneh": 3}
        assert load_tables(duck, pg, [("quality", "aneh")]) == {"quality.aneh": 3}  # replaced, not appended
        with pg.cursor() as cur:
            cur.execute(
                "select column_name, data_type from information_schema.columns "
                "where table_schema = 'quality' and table_name = 'aneh' order by ordinal_position"
            )
            assert [t for _, t in cur.fetchall()] == [
                "integer",
                "text",
                "ARRAY",
                "double precision",
                "numeric",
                "timestamp without time zone",
                "date",
                "boolean",
                "jsonb",
                "jsonb",
            ]
            cur.execute(
                "select id, teks, daftar, angka, uang, waktu, tanggal, benar, isi, struktur "
                "from quality.aneh order by id"
            )
            rows = cur.fetchall()
            assert load_tables(duck, pg, [("quality", "titik")]) == {"quality.titik": 2}
            cur.execute("select teks from quality.titik order by teks")
            assert cur.fetchall() == [("\\.",), ("x",)]
    finally:
        pg.close()
    assert rows[0] == (
        1,
        'a"b,c\nd',
        ["x", None, 'y"z', "back\\slash", ""],
        0.1,
        Decimal("12.30"),
        datetime(2025, 10, 31, 23, 59, 59, 123456),
        date(2025, 1, 2),
        True,
        {"nik": "5301"},
        {"k": 1},
    )
    assert rows[1] == (2, "", [], 1e300, Decimal("-1.00"), None, None, False, None, None)
    assert rows[2] == (3,) + (None,) * 9
    assert "list_transform" in export_expression("daftar", "VARCHAR[]")


def test_comparison_sees_a_difference():
    """The mart comparison below can fail: a changed number, a NULL or a missing row is reported."""
    cols = ["k", "x"]
    base = [("a", Decimal("1.50")), ("b", 2.0)]
    assert table_differences(base, [("b", 2.0 * (1 + 1e-12)), ("a", Decimal("1.5"))], cols) == []
    assert table_differences(base, [("a", Decimal("1.51")), ("b", 2.0)], cols)
    assert table_differences(base, [("a", None), ("b", 2.0)], cols)
    assert table_differences(base, [("a", Decimal("1.50"))], cols)
    assert table_differences([("a", date(2025, 1, 1))], [("a", "2025-01-01")], cols)


# --------------------------------------------------------------------------------------------
# The whole project on PostgreSQL
# --------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def pg_build(postgres_server, small_run, tmp_path_factory) -> dict:
    from orchestration.settings import RUN_DATE_VAR

    started = time_module.monotonic()
    warehouse = small_run["warehouse"]
    with duckdb.connect(str(warehouse), read_only=True) as con:
        (tanggal,) = con.execute("select cast(max(tanggal) as varchar) from marts.capaian_pendataan_harian").fetchone()
    assert tanggal, "the DuckDB build wrote no capaian_pendataan_harian rows"

    dbname = postgres_server.create_database("p3jr_dbt")
    pg_kwargs = dict(
        host=postgres_server.host,
        port=postgres_server.port,
        user=postgres_server.user,
        password=postgres_server.password,
        dbname=dbname,
    )
    loaded = load_dbt_sources(warehouse, pg_kwargs)
    load_seconds = time_module.monotonic() - started

    out = tmp_path_factory.mktemp("dbt_pg")
    env = {
        **os.environ,
        "DO_NOT_TRACK": "1",
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
        "DBT_PROFILES_DIR": str(DBT_DIR),
        "P3JR_DBT_PG_HOST": postgres_server.host,
        "P3JR_DBT_PG_PORT": str(postgres_server.port),
        "P3JR_DBT_PG_USER": postgres_server.user,
        "P3JR_DBT_PG_PASSWORD": postgres_server.password,
        "P3JR_DBT_PG_DB": dbname,
        RUN_DATE_VAR: tanggal,  # as the pipeline passes the run date
    }
    cmd = [
        str(DBT),
        "build",
        "--target",
        "postgres",
        "--target-path",
        str(out / "target"),
        "--log-path",
        str(out / "logs"),
    ]
    proc = subprocess.run(cmd, cwd=DBT_DIR, env=env, capture_output=True, text=True, timeout=600)
    print(
        f"load {load_seconds:.1f} s, dbt build --target postgres "
        f"{time_module.monotonic() - started - load_seconds:.1f} s"
    )
    return {
        "proc": proc,
        "target": out / "target",
        "pg": pg_kwargs,
        "tanggal": tanggal,
        "loaded": loaded,
        "warehouse": warehouse,
        "server": postgres_server,
    }


def test_loader_copied_every_source_row(pg_build):
    with duckdb.connect(str(pg_build["warehouse"]), read_only=True) as con:
        for name, n in pg_build["loaded"].items():
            assert con.execute(f"select count(*) from {name}").fetchone()[0] == n, name
    assert set(pg_build["loaded"]) == {f"{s}.{t}" for s, t in dbt_source_tables(DBT_DIR)}
    assert pg_build["loaded"]["quality.rumah_tangga_diterima"] > 0


def test_dbt_build_on_postgres_passes_every_node(pg_build):
    proc = pg_build["proc"]
    assert proc.returncode == 0, (
        f"dbt build --target postgres failed ({proc.returncode}):\n{proc.stdout[-6000:]}\n"
        f"{proc.stderr[-2000:]}\n{pg_build['server'].log_tail()}"
    )
    results = json.loads((pg_build["target"] / "run_results.json").read_text())["results"]
    bad = [(r["unique_id"], r["status"], r.get("message")) for r in results if r["status"] not in ("success", "pass")]
    assert not bad, bad
    kinds: dict[str, int] = {}
    for r in results:
        kind = r["unique_id"].split(".")[0]
        kinds[kind] = kinds.get(kind, 0) + 1
    print(f"dbt build --target postgres: {len(results)} nodes passed {kinds}")
    assert kinds.get("seed", 0) >= 3
    assert kinds.get("model", 0) > 0
    assert kinds.get("test", 0) > 0
    assert kinds.get("unit_test", 0) > 0, kinds


def _marts(target: Path) -> list[dict]:
    manifest = json.loads((target / "manifest.json").read_text())
    return sorted(
        (
            n
            for n in manifest["nodes"].values()
            if n["resource_type"] == "model" and n["original_file_path"].startswith("models/marts/")
        ),
        key=lambda n: n["name"],
    )


def test_every_mart_equals_the_duckdb_mart(pg_build):
    assert pg_build["proc"].returncode == 0, "dbt build failed (see test_dbt_build_on_postgres_passes_every_node)"
    marts = _marts(pg_build["target"])
    assert len(marts) >= 6, [m["name"] for m in marts]
    problems: dict[str, list[str]] = {}
    pg = pg_build["server"].connect(pg_build["pg"]["dbname"])
    try:
        with duckdb.connect(str(pg_build["warehouse"]), read_only=True) as duck, pg.cursor() as cur:
            for node in marts:
                name, rel = node["name"], f'"{node["schema"]}"."{node["alias"]}"'
                where = ""
                if name == "capaian_pendataan_harian":  # the DuckDB history may hold other days
                    where = f" where tanggal = cast('{pg_build['tanggal']}' as date)"
                dres = duck.execute(f"select * from {rel}{where}")
                dcols = [d[0] for d in dres.description]
                drows = dres.fetchall()
                cur.execute(f"select * from {rel}{where}")
                pcols = [d[0] for d in cur.description]
                prows = cur.fetchall()
                if dcols != pcols:
                    problems[name] = [f"columns differ: DuckDB {dcols} PostgreSQL {pcols}"]
                    continue
                keep = [i for i, c in enumerate(dcols) if (name, c) not in BUILD_TIME_COLUMNS]
                for i, c in enumerate(dcols):
                    if (name, c) in BUILD_TIME_COLUMNS:
                        assert all(r[i] is not None for r in drows + prows), f"{name}.{c} empty"
                diffs = table_differences(
                    [tuple(r[i] for i in keep) for r in drows],
                    [tuple(r[i] for i in keep) for r in prows],
                    [dcols[i] for i in keep],
                )
                if not drows:
                    diffs.append("no rows in DuckDB: nothing compared")
                if diffs:
                    problems[name] = diffs
    finally:
        pg.close()
    assert not problems, json.dumps(problems, indent=1, default=str)


def test_postgres_marts_carry_the_dbt_descriptions(pg_build):
    """Analysts query the PostgreSQL marts themselves (deploy/README.md): every mart and documented column
    carries its YAML description as a comment. The DuckDB build writes none (the publish step does)."""
    assert pg_build["proc"].returncode == 0, "dbt build failed (see test_dbt_build_on_postgres_passes_every_node)"
    expected = {}
    for node in _marts(pg_build["target"]):
        rel = (node["schema"], node["alias"])
        expected[(*rel, None)] = node["description"]
        expected |= {(*rel, c): col["description"] for c, col in node["columns"].items() if col["description"]}
    pg = pg_build["server"].connect(pg_build["pg"]["dbname"])
    try:
        with pg.cursor() as cur:
            cur.execute(
                "select n.nspname, c.relname, null, obj_description(c.oid, 'pg_class') from pg_class c "
                "join pg_namespace n on n.oid = c.relnamespace where n.nspname = 'marts' and c.relkind = 'r' "
                "union all select table_schema, table_name, column_name, "
                "col_description(format('%I.%I', table_schema, table_name)::regclass, ordinal_position) "
                "from information_schema.columns where table_schema = 'marts'"
            )
            found = {(s, t, c): text for s, t, c, text in cur.fetchall()}
    finally:
        pg.close()
    assert len(expected) > 100 and all(expected.values())
    assert {k: found.get(k) for k in expected} == expected
    with duckdb.connect(str(pg_build["warehouse"]), read_only=True) as duck:
        assert duck.execute(
            "select count(*) from duckdb_columns() where schema_name = 'marts' and comment is not null"
        ).fetchone() == (0,)


def test_operator_command_builds_the_marts_on_postgres(postgres_server, small_run, tmp_path):
    """`p3jr gudang-postgres` (deploy/README.md) loads the sources and builds on PostgreSQL, leaving
    the DuckDB manifest the code location reads untouched."""
    import hashlib
    import shutil

    from conftest import run_cli

    data = tmp_path / "data"
    shutil.copytree(small_run["data"], data, ignore=shutil.ignore_patterns("*.lock"))
    manifest = DBT_DIR / "target" / "manifest.json"
    before = hashlib.sha256(manifest.read_bytes()).hexdigest()
    dbname = postgres_server.create_database("p3jr_gudang")
    env = {
        "P3JR_DBT_PG_HOST": postgres_server.host,
        "P3JR_DBT_PG_PORT": str(postgres_server.port),
        "P3JR_DBT_PG_USER": postgres_server.user,
        "P3JR_DBT_PG_PASSWORD": postgres_server.password,
        "P3JR_DBT_PG_DB": dbname,
    }
    proc = run_cli("gudang-postgres", "--data-dir", str(data), env_extra=env, timeout=600)
    assert "quality.rumah_tangga_diterima" in proc.stdout
    assert hashlib.sha256(manifest.read_bytes()).hexdigest() == before
    con = postgres_server.connect(dbname)
    try:
        with con.cursor() as cur:
            cur.execute("select count(*), count(distinct kode_kabupaten) from marts.capaian_pendataan")
            assert cur.fetchone() == (22, 22)
    finally:
        con.close()
    missing = run_cli("gudang-postgres", "--data-dir", str(data), env_extra={"P3JR_DBT_PG_PASSWORD": ""}, check=False)
    assert missing.returncode == 2 and "P3JR_DBT_PG_PASSWORD" in missing.stderr
