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

select
    ringkas.*,
    referensi.jumlah_referensi
from ringkas
cross join referensi
where
    ringkas.jumlah_baris <> referensi.jumlah_referensi
    or ringkas.jumlah_kabupaten <> referensi.jumlah_referensi
    or ringkas.jumlah_peringkat <> ringkas.jumlah_baris
    or ringkas.peringkat_min <> 1
    or ringkas.peringkat_maks <> ringkas.jumlah_baris
