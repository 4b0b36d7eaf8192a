{{ config(severity='error', meta={'dagster': {'ref': {'name': 'capaian_pendataan'}}}) }}
-- Business rule: capaian_pendataan has exactly one row per district of the reference (22) and
-- ranks 1..22 with no gaps and no shared rank. Returns a row when that does not hold.
with capaian as (
    select * from {{ ref('capaian_pendataan') }}
),

ringkas as (
    select
        count(*) as jumlah_baris,
        count(distinct kode_kabupaten) as jumlah_kabupaten,
        count(distinct peringkat) as jumlah_peringkat,
        min(peringkat) as peringkat_min,
        max(peringkat) as peringkat_maks
    from capaian
),

referensi as (
    select count(*) as jumlah_referensi from {{ ref('kabupaten_kota_ntt') }}
)

select *
from ringkas
cross join referensi
where jumlah_baris <> jumlah_referensi
   or jumlah_kabupaten <> jumlah_referensi
   or jumlah_peringkat <> jumlah_baris
   or peringkat_min <> 1
   or peringkat_maks <> jumlah_baris
