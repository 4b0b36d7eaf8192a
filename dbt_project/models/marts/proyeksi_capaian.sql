-- Projection of each district's coverage to the deadline at its recent pace (issue 14).
-- One row per district (all 22). Pace = change of rumah_tangga_valid between the first and the last
-- day of capaian_pendataan_harian inside the last var('jendela_laju_hari') days before the reference
-- date (the latest day of the history), divided by the days between them. Fewer than two days in the
-- window: pace unknown (NULL), never 0.
{%- set jendela = var('jendela_laju_hari') -%}
{%- set batas = var('batas_waktu_proyeksi', none) or var('batas_waktu') %}

with capaian as (
    select kode_kabupaten, nama_kabupaten, rumah_tangga_valid, target_rumah_tangga
    from {{ ref('capaian_pendataan') }}
),

harian as (
    select tanggal, kode_kabupaten, rumah_tangga_valid
    from {{ ref('capaian_pendataan_harian') }}
),

acuan as (
    select coalesce(max(tanggal), {{ tanggal_run() }}) as tanggal_acuan from harian
),

jendela as (
    select
        harian.kode_kabupaten,
        harian.tanggal,
        harian.rumah_tangga_valid,
        row_number() over (partition by harian.kode_kabupaten order by harian.tanggal asc) as urut_awal,
        row_number() over (partition by harian.kode_kabupaten order by harian.tanggal desc) as urut_akhir
    from harian
    cross join acuan
    where
        harian.tanggal >= acuan.tanggal_acuan - {{ jendela }}
        and harian.tanggal <= acuan.tanggal_acuan
),

laju as (
    select
        awal.kode_kabupaten,
        cast(akhir.tanggal - awal.tanggal as integer) as hari_riwayat,
        case
            when akhir.tanggal > awal.tanggal
                then
                    cast(akhir.rumah_tangga_valid - awal.rumah_tangga_valid as double precision)
                    / cast(akhir.tanggal - awal.tanggal as double precision)
        end as laju
    from jendela as awal
    inner join jendela as akhir
        on awal.kode_kabupaten = akhir.kode_kabupaten and awal.urut_awal = 1 and akhir.urut_akhir = 1
),

dasar as (
    select
        capaian.kode_kabupaten,
        capaian.nama_kabupaten,
        cast(coalesce(capaian.rumah_tangga_valid, 0) as bigint) as rumah_tangga_valid,
        cast(capaian.target_rumah_tangga as bigint) as target_rumah_tangga,
        acuan.tanggal_acuan,
        cast('{{ batas }}' as date) as batas_waktu_proyeksi,
        cast(greatest(cast('{{ batas }}' as date) - acuan.tanggal_acuan, 0) as integer) as sisa_hari,
        cast(coalesce(laju.hari_riwayat, 0) as integer) as hari_riwayat,
        laju.laju
    from capaian
    cross join acuan
    left join laju on capaian.kode_kabupaten = laju.kode_kabupaten
),

status as (
    select
        *,
        case when target_rumah_tangga > 0 then greatest(target_rumah_tangga - rumah_tangga_valid, 0) end
            as sisa_rumah_tangga,
        case
            when not coalesce(target_rumah_tangga > 0, false) then 'belum_ada_data'
            when rumah_tangga_valid >= target_rumah_tangga then 'tercapai'
            when rumah_tangga_valid = 0 or laju is null then 'belum_ada_data'
            when
                laju > 0
                and tanggal_acuan + cast(ceil((target_rumah_tangga - rumah_tangga_valid) / laju) as integer)
                <= batas_waktu_proyeksi
                then 'sesuai_jalur'
            else 'terlambat'
        end as status_proyeksi
    from dasar
)

select
    kode_kabupaten,
    nama_kabupaten,
    rumah_tangga_valid,
    target_rumah_tangga,
    cast(round(cast(case
        when target_rumah_tangga > 0
            then 100.0 * least(cast(rumah_tangga_valid as double precision) / target_rumah_tangga, 1)
    end as decimal(18, 6)), 2) as double precision) as cakupan_saat_ini,
    tanggal_acuan,
    cast({{ jendela }} as integer) as jendela_laju_hari,
    hari_riwayat,
    cast(round(cast(laju as decimal(18, 6)), 2) as double precision) as laju_rumah_tangga_per_hari,
    sisa_rumah_tangga,
    case
        when status_proyeksi in ('sesuai_jalur', 'terlambat') and laju > 0
            then tanggal_acuan + cast(ceil((target_rumah_tangga - rumah_tangga_valid) / laju) as integer)
    end as tanggal_proyeksi_tercapai,
    batas_waktu_proyeksi,
    sisa_hari,
    cast(case
        when status_proyeksi = 'tercapai' then rumah_tangga_valid
        when status_proyeksi in ('sesuai_jalur', 'terlambat')
            then rumah_tangga_valid + floor(greatest(laju, 0) * sisa_hari)
    end as bigint) as proyeksi_rumah_tangga_batas_waktu,
    cast(round(cast(case
        when status_proyeksi = 'tercapai' then 100
        when status_proyeksi in ('sesuai_jalur', 'terlambat')
            then 100.0 * least(
                (rumah_tangga_valid + floor(greatest(laju, 0) * sisa_hari)) / cast(target_rumah_tangga as double precision),
                1
            )
    end as decimal(18, 6)), 2) as double precision) as proyeksi_cakupan_batas_waktu,
    status_proyeksi,
    cast(
        'laju = selisih rumah_tangga_valid antara hari pertama dan terakhir riwayat harian dalam '
        || '{{ jendela }} hari terakhir sampai tanggal_acuan, dibagi jumlah hari di antaranya; '
        || 'proyeksi = rumah_tangga_valid + laju x sisa hari sampai batas waktu {{ batas }} '
        || '(laju negatif dihitung 0); kurang dari dua hari riwayat atau belum ada rumah tangga valid '
        || '= belum_ada_data' as varchar
    ) as metode
from status
