-- One row per district per day the pipeline ran; history is kept across runs.
-- A re-run on the same day replaces that day's rows (delete+insert on tanggal, kode_kabupaten).
-- tanggal = var('tanggal_run') (Dagster passes today's date in Asia/Makassar), else current_date.
{{
    config(
        materialized='incremental',
        unique_key=['tanggal', 'kode_kabupaten'],
        incremental_strategy='delete+insert',
        on_schema_change='append_new_columns'
    )
}}

select
    {{ tanggal_run() }} as tanggal,
    kode_kabupaten,
    nama_kabupaten,
    rumah_tangga_valid,
    baris_diterima,
    baris_karantina,
    cakupan,
    akurasi,
    kelengkapan,
    ketepatan_waktu,
    indeks_capaian,
    peringkat,
    penghargaan,
    cast({{ dbt.current_timestamp() }} as timestamp) as dihitung_pada
from {{ ref('capaian_pendataan') }}
