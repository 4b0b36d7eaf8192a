"""Generated files that are committed must equal what their generator writes today."""

from pathlib import Path

from orchestration.lib.publish.data_dictionary import write_data_dictionary
from orchestration.settings import DBT_PROJECT_DIR, PROJECT_ROOT


def test_data_dictionary_is_generated_from_current_dbt_docs(tmp_path):
    manifest = DBT_PROJECT_DIR / "target" / "manifest.json"
    assert manifest.exists(), "run `make install` (dbt parse) first"
    fresh = write_data_dictionary(manifest, tmp_path / "kamus_data.md")
    fresh_text = Path(fresh if isinstance(fresh, (str, Path)) else tmp_path / "kamus_data.md").read_text(
        encoding="utf-8"
    )
    committed = (PROJECT_ROOT / "docs" / "kamus_data.md").read_text(encoding="utf-8")
    assert committed == fresh_text, "docs/kamus_data.md is stale: run `make docs`"
