-- One row per desa/kelurahan with at least one accepted household (see backlog_kecamatan); the measures
-- are int_agregat_desa's, which already has one row per desa.
with agregat as (
    select * from {{ ref('int_agregat_desa') }}
),

kabupaten as (
    select kode_kemendagri as kode_kabupaten, nama as nama_kabupaten
    from {{ ref('kabupaten_kota_ntt') }}
),

wilayah as (
    select kode, nama, jenis
    from {{ ref('wilayah_ntt') }}
)

select
    agregat.kode_kabupaten,
    kabupaten.nama_kabupaten,
    agregat.kode_kecamatan,
    kecamatan.nama as nama_kecamatan,
    agregat.kode_desa,
    desa.nama as nama_desa,
    desa.jenis as jenis_desa,
    agregat.jumlah_rumah_tangga,
    agregat.jumlah_jiwa,
    agregat.jumlah_kk,
    agregat.backlog_kepemilikan,
    agregat.backlog_kepemilikan_rumah_lain_tidak_diketahui,
    agregat.backlog_kepenghunian,
    agregat.backlog_kepenghunian_tidak_diketahui,
    agregat.jumlah_rtlh,
    agregat.tidak_layak_ketahanan_bangunan,
    agregat.tidak_layak_luas,
    agregat.tidak_layak_air_minum,
    agregat.tidak_layak_sanitasi,
    agregat.indikatif_layak_bsps,
    agregat.tidak_memenuhi_syarat_bsps,
    agregat.bsps_tidak_diketahui,
    {{ turunan_backlog() }}
from agregat
left join kabupaten on agregat.kode_kabupaten = kabupaten.kode_kabupaten
left join wilayah as kecamatan on agregat.kode_kecamatan = kecamatan.kode
left join wilayah as desa on agregat.kode_desa = desa.kode
