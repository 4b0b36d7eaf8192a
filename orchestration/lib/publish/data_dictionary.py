"""The column dictionary of the published marts, read from the dbt docs (model and column
descriptions, ``config: meta: label``): ``docs/kamus_data.md``, the descriptions carried into the
published file, and the column labels of every report. Nothing retypes a description or a label."""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from pathlib import Path

import duckdb

from orchestration.lib.files import SHARED_FILE_MODE, atomic_write
from orchestration.lib.publish.privacy import PUBLISHED_SCHEMA

log = logging.getLogger(__name__)


def default_manifest() -> Path:
    from orchestration.settings import DBT_PROJECT_DIR

    return DBT_PROJECT_DIR / "target" / "manifest.json"


def _is_mart_node(node: dict, mart_schema: str) -> bool:
    if node.get("resource_type") != "model":
        return False
    config_schema = (node.get("config") or {}).get("schema")
    fqn = node.get("fqn") or []
    return (
        node.get("schema") == mart_schema
        or config_schema == mart_schema
        or str(node.get("schema", "")).endswith("_" + mart_schema)
        or mart_schema in fqn[1:-1]
    )


def load_mart_docs(manifest_json: Path, mart_schema: str = PUBLISHED_SCHEMA) -> dict[str, dict]:
    """``{table: {"description": str, "columns": {col: {"description", "data_type", "label"}}}}`` for
    the mart models in a dbt ``manifest.json``."""
    manifest = json.loads(Path(manifest_json).read_text(encoding="utf-8"))
    docs: dict[str, dict] = {}
    for node in (manifest.get("nodes") or {}).values():
        if not _is_mart_node(node, mart_schema):
            continue
        name = node.get("alias") or node.get("name")
        columns = {
            col_name: {
                "description": (col.get("description") or "").strip(),
                "data_type": col.get("data_type") or "",
                "label": column_label(col),
            }
            for col_name, col in (node.get("columns") or {}).items()
        }
        docs[name] = {
            "description": (node.get("description") or "").strip(),
            "columns": columns,
            "model": node.get("name"),
        }
    return dict(sorted(docs.items()))


def column_label(column: dict) -> str | None:
    """A column's short Indonesian label: ``config: {meta: {label: ...}}`` in the dbt YAML."""
    meta = {**(column.get("meta") or {}), **((column.get("config") or {}).get("meta") or {})}
    label = meta.get("label")
    return str(label).strip() if label else None


class Labels:
    """Column labels of the marts (``config: meta: label``), as the reports print them."""

    def __init__(self, by_table: Mapping[str, Mapping[str, str]]) -> None:
        self.by_table = {t: dict(cols) for t, cols in by_table.items()}
        self.any_table: dict[str, str] = {}
        for cols in self.by_table.values():
            for c, label in cols.items():
                self.any_table.setdefault(c, label)

    @classmethod
    def load(cls, manifest_json: Path | None = None) -> Labels:
        path = Path(manifest_json) if manifest_json else default_manifest()
        if not path.exists():
            log.warning("manifest dbt tidak ada (%s): label kolom memakai nama kolom", path)
            return cls({})
        docs = load_mart_docs(path)
        return cls(
            {t: {c: info["label"] for c, info in d["columns"].items() if info.get("label")} for t, d in docs.items()}
        )

    def __call__(self, table: str, column: str) -> str:
        label = self.by_table.get(table, {}).get(column) or self.any_table.get(column)
        return label or column.replace("_", " ").capitalize()


def _md_cell(text: str) -> str:
    return " ".join(str(text).split()).replace("|", "\\|")


def write_data_dictionary(
    manifest_json: Path, out_md: Path, *, published_db: Path | None = None, mart_schema: str = PUBLISHED_SCHEMA
) -> Path:
    """Generate ``docs/kamus_data.md`` from the dbt manifest (model + column descriptions of the marts).

    With ``published_db`` the column types and any column present in the published table but
    not documented in dbt are added (marked as undocumented), in table order."""
    docs = load_mart_docs(manifest_json, mart_schema)
    actual: dict[str, list[tuple[str, str]]] = {}
    if published_db is not None and Path(published_db).exists():
        con = duckdb.connect(str(published_db), read_only=True)
        try:
            for table, column, data_type in con.execute(
                "SELECT table_name, column_name, data_type FROM duckdb_columns() "
                "WHERE schema_name = ? ORDER BY table_name, column_index",
                [mart_schema],
            ).fetchall():
                actual.setdefault(table, []).append((column, data_type))
        finally:
            con.close()

    lines = [
        "# Kamus data — mart yang diterbitkan (schema `marts`)",
        "",
        "<!-- File ini DIHASILKAN otomatis oleh "
        "orchestration/lib/publish/data_dictionary.py::write_data_dictionary dari "
        "dbt_project/target/manifest.json (`make docs`). Jangan diedit manual: ubah deskripsi di YAML dbt. -->",
        "",
        "Deskripsi berasal dari dokumentasi model dbt. Nama kolom adalah bagian dari kontrak "
        "(CONTRACT.md §7): kolom boleh bertambah; nama yang harus diganti tetap ada satu rilis sebagai alias "
        "bertanda USANG (docs/GLOSARIUM.md).",
        "",
    ]
    tables = sorted(set(docs) | set(actual))
    if tables:
        lines.append("Tabel: " + ", ".join(f"[`{t}`](#{t})" for t in tables))
        lines.append("")
    for table in tables:
        info = docs.get(table, {"description": "", "columns": {}})
        lines += [f"## {table}", ""]
        lines += [info["description"] or "_(belum ada deskripsi di dbt)_", ""]
        lines += ["| kolom | tipe | deskripsi |", "|---|---|---|"]
        documented = info["columns"]
        order: list[tuple[str, str]] = []
        if table in actual:
            order = list(actual[table])
            seen = {c for c, _ in order}
            order += [(c, documented[c]["data_type"]) for c in documented if c not in seen]
        else:
            order = [(c, documented[c]["data_type"]) for c in documented]
        for column, data_type in order:
            col_doc = documented.get(column)
            desc = col_doc["description"] if col_doc and col_doc["description"] else "_(belum didokumentasikan)_"
            if col_doc and col_doc.get("label"):
                desc = f"**{col_doc['label']}.** {desc}"
            dtype = data_type or (col_doc or {}).get("data_type", "")
            lines.append(f"| `{column}` | {_md_cell(dtype)} | {_md_cell(desc)} |")
        lines.append("")
    out_md = Path(out_md)
    out_md.parent.mkdir(parents=True, exist_ok=True)
    return atomic_write(out_md, "\n".join(lines), SHARED_FILE_MODE)
