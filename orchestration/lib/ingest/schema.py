"""DDL of the ``ingestion`` (file registry and what the scans saw) and ``raw`` schemas."""

from __future__ import annotations

import duckdb

from orchestration.lib.gate import KOLOM_KABUPATEN_BARIS
from sources import contract, readers


def raw_columns(kind: str) -> list[str]:
    """Canonical columns as stored in raw; the row's own district code is renamed so it cannot
    collide with the provenance column `kode_kabupaten` (the landing folder)."""
    extra = ["nik_numerik", "no_kk_numerik"] if kind == "rumah_tangga" else []
    return [KOLOM_KABUPATEN_BARIS if c == "kode_kabupaten" else c for c in contract.column_names(kind)] + extra


def _raw_ddl(kind: str) -> str:
    cols = ",\n  ".join(f"{c} BOOLEAN" if c.endswith("_numerik") else f"{c} VARCHAR" for c in raw_columns(kind))
    return f"""CREATE TABLE IF NOT EXISTS raw.{kind} (
  kode_kabupaten VARCHAR NOT NULL, file_hash VARCHAR NOT NULL, nama_file VARCHAR, sheet VARCHAR, baris INTEGER,
  {cols},
  kolom_tambahan VARCHAR, {readers.READ_PROBLEM_COLUMN} VARCHAR)"""


def ensure_schema(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("CREATE SCHEMA IF NOT EXISTS ingestion")
    con.execute("CREATE SCHEMA IF NOT EXISTS raw")
    con.execute(
        """CREATE TABLE IF NOT EXISTS ingestion.file_registry (
  folder VARCHAR NOT NULL, file_hash VARCHAR NOT NULL, kode_kabupaten VARCHAR, nama_file VARCHAR,
  path_relatif VARCHAR, ukuran_bytes BIGINT, jenis VARCHAR, waktu_file TIMESTAMP,
  pertama_dilihat_run VARCHAR, terakhir_dilihat_run VARCHAR, pertama_dilihat_pada TIMESTAMP,
  status VARCHAR NOT NULL, alasan_kode VARCHAR, alasan VARCHAR, arsip_path VARCHAR, baris_dibaca INTEGER,
  encoding VARCHAR, PRIMARY KEY (folder, file_hash))"""
    )
    con.execute(
        """CREATE TABLE IF NOT EXISTS ingestion.sheet_headers (
  file_hash VARCHAR, sheet VARCHAR, jenis VARCHAR, kolom VARCHAR, header_asli VARCHAR, posisi INTEGER,
  baris_header INTEGER, baris_kosong_dilewati INTEGER, baris_total_dilewati INTEGER)"""
    )
    # Columns added after the first release (old warehouses get them here).
    con.execute("ALTER TABLE ingestion.file_registry ADD COLUMN IF NOT EXISTS waktu_modifikasi TIMESTAMP")
    con.execute("ALTER TABLE ingestion.file_registry ADD COLUMN IF NOT EXISTS ada_di_folder BOOLEAN DEFAULT TRUE")
    con.execute(
        """CREATE TABLE IF NOT EXISTS ingestion.pemindaian_folder (
  folder VARCHAR PRIMARY KEY, terakhir_dipindai_pada TIMESTAMP NOT NULL, run_id VARCHAR)"""
    )
    con.execute(
        """CREATE TABLE IF NOT EXISTS ingestion.entri_diabaikan (
  folder VARCHAR NOT NULL, nama VARCHAR NOT NULL, kode VARCHAR NOT NULL, keterangan VARCHAR,
  dilihat_pada TIMESTAMP, run_id VARCHAR)"""
    )
    con.execute(
        """CREATE TABLE IF NOT EXISTS ingestion.catatan_file (
  folder VARCHAR NOT NULL, file_hash VARCHAR NOT NULL, nama_file VARCHAR, sheet VARCHAR,
  kode VARCHAR NOT NULL, catatan VARCHAR, run_id VARCHAR)"""
    )
    for kind in contract.KINDS:
        con.execute(_raw_ddl(kind))
        # warehouses built before the column existed
        con.execute(f"ALTER TABLE raw.{kind} ADD COLUMN IF NOT EXISTS {readers.READ_PROBLEM_COLUMN} VARCHAR")
