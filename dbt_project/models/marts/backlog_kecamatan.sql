-- One row per kecamatan with at least one accepted household (units without data are absent,
-- not zero: "not surveyed yet" must not read as "no backlog").
with agregat as (
    select
        a.kode_kabupaten,
        a.kode_kecamatan,
        {{ jumlah_ukuran_backlog('a') }}
    from {{ ref('int_agregat_desa') }} as a
    group by a.kode_kabupaten, a.kode_kecamatan
),

kabupaten as (
    select kode_kemendagri as kode_kabupaten, nama as nama_kabupaten
    from {{ ref('kabupaten_kota_ntt') }}
),

kecamatan as (
    select kode as kode_kecamatan, nama as nama_kecamatan
    from {{ ref('wilayah_ntt') }}
    where tingkat = 'kecamatan'
)

select
    agregat.kode_kabupaten,
    kabupaten.nama_kabupaten,
    agregat.kode_kecamatan,
    kecamatan.nama_kecamatan,
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
left join kecamatan on agregat.kode_kecamatan = kecamatan.kode_kecamatan
