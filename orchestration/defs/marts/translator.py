"""Asset keys and groups for dbt nodes: warehouse schema == dbt folder == Dagster group."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import dagster as dg
from dagster_dbt import DagsterDbtTranslator, DagsterDbtTranslatorSettings, DbtProject

# seeds land in schema `referensi` (dbt_project.yml); models in their folder's schema
SEED_GROUP = "referensi"


class P3jrDbtTranslator(DagsterDbtTranslator):
    """Overrides only ``get_asset_spec``.

    - models and seeds: key ``[schema, name]`` (e.g. ``["marts", "capaian_pendataan"]``,
      ``["referensi", "wilayah_ntt"]``), group = schema (staging / intermediate / marts / referensi);
    - sources: the default behaviour, i.e. ``meta.dagster.asset_key`` from the source YAML, so each
      source is the same asset as the Python asset that writes the table
      (e.g. ``["quality", "rumah_tangga_diterima"]``, ``["ingestion", "file_registry"]``).

    dbt tests become asset checks (the default ``enable_asset_checks=True``); dagster-dbt marks
    a check ``blocking`` when the test's severity is ``error``, which is the project default.
    """

    def __init__(self, settings: DagsterDbtTranslatorSettings | None = None):
        super().__init__(settings or DagsterDbtTranslatorSettings(enable_asset_checks=True))

    def get_asset_spec(
        self,
        manifest: Mapping[str, Any],
        unique_id: str,
        project: DbtProject | None,
    ) -> dg.AssetSpec:
        spec = super().get_asset_spec(manifest, unique_id, project)
        props = self.get_resource_props(manifest, unique_id)
        resource_type = props.get("resource_type")
        if resource_type not in ("model", "seed", "snapshot"):
            return spec  # sources: meta.dagster.asset_key (default behaviour)
        schema = props.get("schema") or (SEED_GROUP if resource_type == "seed" else "main")
        return spec.replace_attributes(key=dg.AssetKey([schema, props["name"]]), group_name=schema)
