-- One row per kabupaten/kota: all 22 of the reference; where nothing was accepted yet the counts are 0
-- and the derived figures (percentages, completeness, backlog_kepenghunian, BSPS estimates) NULL.
with kabupaten as (
    select
        kode_kemendagri as kode_kabupaten,
        nama as nama_kabupaten
    from {{ ref('kabupaten_kota_ntt') }}
),

agregat as (
    select
        kabupaten.kode_kabupaten,
        kabupaten.nama_kabupaten,
        {{ jumlah_ukuran_backlog('a') }}
    from kabupaten
    left join {{ ref('int_agregat_desa') }} as a
        on kabupaten.kode_kabupaten = a.kode_kabupaten
    group by kabupaten.kode_kabupaten, kabupaten.nama_kabupaten
)

select
    kode_kabupaten,
    nama_kabupaten,
    jumlah_rumah_tangga,
    jumlah_jiwa,
    jumlah_kk,
    backlog_kepemilikan,
    backlog_kepemilikan_rumah_lain_tidak_diketahui,
    backlog_kepenghunian,
    backlog_kepenghunian_tidak_diketahui,
    jumlah_rtlh,
    tidak_layak_ketahanan_bangunan,
    tidak_layak_luas,
    tidak_layak_air_minum,
    tidak_layak_sanitasi,
    indikatif_layak_bsps,
    tidak_memenuhi_syarat_bsps,
    bsps_tidak_diketahui,
    {{ turunan_backlog() }}
from agregat
