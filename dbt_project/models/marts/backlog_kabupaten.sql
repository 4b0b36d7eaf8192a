-- One row per kabupaten/kota: all 22 of the reference, zeros where nothing was accepted yet.
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
        {{ ukuran_backlog('rt') }}
    from kabupaten
    left join {{ ref('int_rumah_tangga_kriteria') }} as rt
        on kabupaten.kode_kabupaten = rt.kode_kabupaten
    group by kabupaten.kode_kabupaten, kabupaten.nama_kabupaten
)

select
    kode_kabupaten,
    nama_kabupaten,
    jumlah_rumah_tangga,
    jumlah_jiwa,
    jumlah_kk,
    backlog_kepemilikan,
    backlog_kepenghunian,
    jumlah_rtlh,
    tidak_layak_ketahanan_bangunan,
    tidak_layak_luas,
    tidak_layak_air_minum,
    tidak_layak_sanitasi,
    indikatif_layak_bsps,
    {{ turunan_backlog() }}
from agregat
