-- One row per district per day the pipeline ran; history is kept across runs.
-- A re-run on the same day replaces that day's rows (delete+insert on tanggal, kode_kabupaten).
-- full_refresh=false: `dbt build --full-refresh` (the pipeline's after a project change) keeps the history.
-- tanggal = macro tanggal_run(): var('tanggal_run') when given, else the pipeline's P3JR_TANGGAL_RUN
-- (today in Asia/Makassar), else current_date.
{{
    config(
        materialized='incremental',
        unique_key=['tanggal', 'kode_kabupaten'],
        incremental_strategy='delete+insert',
        on_schema_change='append_new_columns',
        full_refresh=false,
        post_hook="update {{ this }} set baris_dibaca = baris_diterima where baris_dibaca is null"
    )
}}
-- baris_dibaca is last: a kept history gets it appended at the end (append_new_columns), and the
-- post-hook fills it on the days recorded before it existed from baris_diterima, its old name (kept
-- for one release, docs/GLOSARIUM.md).

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
    -- WITA wall-clock time, whatever the server's time zone (DuckDB and PostgreSQL alike)
    cast({{ dbt.current_timestamp() }} at time zone 'Asia/Makassar' as timestamp) as dihitung_pada,
    baris_dibaca
from {{ ref('capaian_pendataan') }}
