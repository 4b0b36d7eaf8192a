-- One row per desa/kelurahan with accepted households: the backlog measures (macros/backlog.sql) and what
-- capaian needs per district (valid households, the fill rate), added up by backlog_desa / _kecamatan /
-- _kabupaten and int_statistik_pengajuan instead of each of them reading every household row again.
-- Incremental by district like int_rumah_tangga_kriteria, on that model's own fingerprint
-- (macros/inkremental.sql): a correction aggregates only its district again.
{{
    config(
        materialized='incremental',
        incremental_strategy='append',
        on_schema_change='fail',
        pre_hook="{{ hapus_kabupaten_berubah(ref('int_rumah_tangga_kriteria'), bersidik=true) }}"
    )
}}

select
    rt.kode_kabupaten,
    rt.kode_kecamatan,
    rt.kode_desa,
    {{ ukuran_backlog('rt') }},
    -- nik_hash is unique in the province (a blocking rule of stg_rumah_tangga): the desa's counts add up
    cast(count(distinct rt.nik_hash) as bigint) as rumah_tangga_valid,
    -- rasio_keterisian is a multiple of 1/8: its sum is exact in any order; divided by jumlah_rumah_tangga
    -- (rasio_keterisian and nik_hash are both required, blocking rules of int_rumah_tangga_kriteria) it
    -- is the mean
    cast(sum(rt.rasio_keterisian) as double precision) as jumlah_rasio_keterisian,
    min(rt.sidik_kabupaten) as sidik_kabupaten
from {{ ref('int_rumah_tangga_kriteria') }} as rt
{{- hanya_kabupaten_baru() }}
group by rt.kode_kabupaten, rt.kode_kecamatan, rt.kode_desa
