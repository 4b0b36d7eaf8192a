"""The gate's Great Expectations suite (expectations/pengajuan_kabupaten.json) and the runner (orchestration/lib/gx/)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
os.environ.setdefault("DO_NOT_TRACK", "1")

from orchestration.lib import gx as gx_adapter  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent


def stats_frame(**over) -> pd.DataFrame:
    row = {
        "kode_kabupaten": "53.01",
        "baris_dibaca": 100,
        "baris_karantina": 10,
        "rasio_karantina": 0.1,
        "rasio_baris_vs_terakhir": None,
        "kolom_wajib_hilang": 0,
    }
    row.update(over)
    df = pd.DataFrame([row])
    df["rasio_baris_vs_terakhir"] = df["rasio_baris_vs_terakhir"].astype("float64")
    return df


def blocking(res: gx_adapter.SuiteResult) -> set[tuple[str, str | None]]:
    return {(o.expectation_type, o.column) for o in res.blocking_failures}


# ---------------------------------------------------------------------------------------------
def test_import_does_not_load_great_expectations():
    code = (
        "import sys; import orchestration.lib.gx, orchestration.lib.gate, orchestration.lib.reports.feedback; "
        "print(any(m == 'great_expectations' or m.startswith('great_expectations.') for m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_suites_load_from_json_files():
    import great_expectations as gx

    for name in gx_adapter.SUITE_NAMES:
        data = json.loads((ROOT / "expectations" / f"{name}.json").read_text(encoding="utf-8"))
        suite = gx.ExpectationSuite(**data)
        assert suite.name == name
        assert len(suite.expectations) == len(data["expectations"]) > 3
        for e in data["expectations"]:
            assert e["meta"].get("catatan"), e  # every expectation explained in Indonesian
            assert e["severity"] in ("critical", "warning", "info")


def test_build_suites_matches_committed_json(tmp_path):
    """The committed JSON is the generator's output (one source of truth: sources/kontrak)."""
    # The generator keeps the hold thresholds from the existing pengajuan file; give it the committed one.
    (tmp_path / "pengajuan_kabupaten.json").write_bytes(
        (ROOT / "expectations" / "pengajuan_kabupaten.json").read_bytes()
    )
    written = gx_adapter.build_suites(tmp_path)
    for name, path in written.items():
        assert path.read_text(encoding="utf-8") == (ROOT / "expectations" / f"{name}.json").read_text(
            encoding="utf-8"
        ), f"expectations/{name}.json is out of date: run `python -m orchestration.lib.gx`"


def test_build_suites_keeps_officer_thresholds(tmp_path):
    data = gx_adapter.load_suite_json("pengajuan_kabupaten")
    for e in data["expectations"]:
        if e["kwargs"].get("column") == "rasio_karantina" and e["type"] == "expect_column_values_to_be_between":
            e["kwargs"]["max_value"] = 0.3
    (tmp_path / "pengajuan_kabupaten.json").write_text(json.dumps(data), encoding="utf-8")
    gx_adapter.build_suites(tmp_path)
    res = gx_adapter.run_suite("pengajuan_kabupaten", stats_frame(rasio_karantina=0.31), expectations_dir=tmp_path)
    assert not res.success and ("expect_column_values_to_be_between", "rasio_karantina") in blocking(res)
    assert "30 %" in (tmp_path / "pengajuan_kabupaten.json").read_text(encoding="utf-8")


# ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("over", "ok", "column"),
    [
        ({"rasio_karantina": 0.5}, True, None),
        ({"rasio_karantina": 0.51}, False, "rasio_karantina"),
        ({"rasio_baris_vs_terakhir": 0.5}, True, None),
        ({"rasio_baris_vs_terakhir": 0.49}, False, "rasio_baris_vs_terakhir"),
        ({"rasio_baris_vs_terakhir": None}, True, None),  # no earlier accepted submission
        ({"kolom_wajib_hilang": 1}, False, "kolom_wajib_hilang"),
        ({"baris_dibaca": 0, "baris_karantina": 0, "rasio_karantina": 0.0}, False, "baris_dibaca"),
        ({"baris_dibaca": 1, "baris_karantina": 0, "rasio_karantina": 0.0}, True, None),
    ],
)
def test_submission_thresholds(over, ok, column):
    res = gx_adapter.run_suite("pengajuan_kabupaten", stats_frame(**over))
    assert res.success is ok, res.ringkasan()
    if column:
        assert {c for _, c in blocking(res)} == {column}


def test_run_per_group_judges_each_district_alone():
    frames = [stats_frame(kode_kabupaten=f"53.{i:02d}", rasio_karantina=0.6 if i == 3 else 0.1) for i in range(1, 23)]
    df = pd.concat(frames, ignore_index=True)
    out = gx_adapter.run_per_group("pengajuan_kabupaten", df, "kode_kabupaten")
    assert sorted(out) == [f"53.{i:02d}" for i in range(1, 23)]
    assert [k for k, r in out.items() if not r.success] == ["53.03"]


def test_one_pass_judges_each_group_as_validating_it_alone():
    """The gate validates all districts in one GX pass: every district's outcomes (which check failed,
    what was seen, how many rows) equal those of validating its rows alone."""
    frames = [stats_frame(kode_kabupaten=f"53.{i:02d}") for i in range(1, 12)]
    frames += [
        stats_frame(kode_kabupaten="53.12", rasio_karantina=0.7, baris_karantina=70),
        stats_frame(kode_kabupaten="53.13", rasio_baris_vs_terakhir=0.2, kolom_wajib_hilang=2),
        stats_frame(kode_kabupaten="53.14", baris_dibaca=0, rasio_baris_vs_terakhir=1.0),
        stats_frame(kode_kabupaten="53.15", kolom_wajib_hilang=None),
        stats_frame(kode_kabupaten=None),
        # two rows in one group: one fine, one over every limit
        stats_frame(kode_kabupaten="53.16"),
        stats_frame(kode_kabupaten="53.16", rasio_karantina=0.9, rasio_baris_vs_terakhir=0.1, kolom_wajib_hilang=1),
    ]
    df = pd.concat(frames, ignore_index=True)
    together = gx_adapter.run_per_group("pengajuan_kabupaten", df, "kode_kabupaten")
    keys = df["kode_kabupaten"].astype(object).where(df["kode_kabupaten"].notna(), None)
    alone = {
        key: gx_adapter.run_suite("pengajuan_kabupaten", part.reset_index(drop=True))
        for key, part in df.groupby(keys.fillna("<kosong>"), sort=False)
    }
    alone = {(None if k == "<kosong>" else k): v for k, v in alone.items()}
    assert set(together) == set(alone)
    for key, res in together.items():
        assert (res.success, res.results, res.row_count) == (
            alone[key].success,
            alone[key].results,
            alone[key].row_count,
        ), key
    held = sorted(k for k, r in together.items() if not r.success and k)
    assert held == ["53.12", "53.13", "53.14", "53.15", "53.16"]
    assert not together[None].success
