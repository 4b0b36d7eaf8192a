{{ config(materialized='table') }}

-- Per district that sent anything: household rows read / accepted / quarantined, the
-- quarantined rows that count against accuracy, the mean fill rate of the optional fields,
-- and the first/last file arrival (registry waktu_file of non-rejected files ever seen).
-- Only the household sheets (jenis rumah_tangga) count towards capaian pendataan.
-- The per-district row and file counts are made once, in quality.status_pengajuan; this model
-- adds only what needs the household rows (valid households, fill rate) and the file count.
with rumah_tangga as (
    select
        kode_kabupaten,
        sum(rumah_tangga_valid) as rumah_tangga_valid,
        cast(sum(jumlah_rasio_keterisian) as double precision)
        / cast(sum(jumlah_rumah_tangga) as double precision) as rata_rata_keterisian
    from {{ ref('int_agregat_desa') }}
    group by kode_kabupaten
),

berkas as (
    select
        kode_kabupaten,
        count(*) as jumlah_file
    from {{ ref('stg_file_registry') }}
    where status <> 'rejected'
    group by kode_kabupaten
),

status as (
    select * from {{ ref('status_pengajuan') }}
),

kabupaten_ada as (
    -- sent anything: accepted or quarantined rows of the version in use, or a file that was not rejected
    select status.kode_kabupaten
    from status
    left join berkas on status.kode_kabupaten = berkas.kode_kabupaten
    where status.baris_diterima > 0 or status.baris_karantina > 0 or coalesce(berkas.jumlah_file, 0) > 0
)

select
    kabupaten_ada.kode_kabupaten,
    status.status as status_pengajuan,
    status.sedang_ditahan,
    cast(status.baris_dibaca_kiriman_terkini as bigint) as baris_dibaca_kiriman_terkini,
    cast(status.baris_karantina_kiriman_terkini as bigint) as baris_karantina_kiriman_terkini,
    status.versi_dipakai_dirilis_pada,
    cast(status.baris_dibaca as bigint) as baris_dibaca,
    cast(status.baris_diterima as bigint) as baris_rumah_tangga_diterima,
    cast(coalesce(rumah_tangga.rumah_tangga_valid, 0) as bigint) as rumah_tangga_valid,
    cast(status.baris_karantina as bigint) as baris_karantina,
    cast(status.baris_karantina_duplikat as bigint) as baris_karantina_duplikat,
    cast(status.baris_karantina - status.baris_karantina_duplikat as bigint) as baris_karantina_selain_duplikat,
    coalesce(rumah_tangga.rata_rata_keterisian, 0) as rata_rata_keterisian,
    cast(coalesce(berkas.jumlah_file, 0) as integer) as jumlah_file,
    cast(status.file_aktif as integer) as jumlah_file_aktif,
    status.file_pertama_diterima,
    status.file_terakhir_diterima
from kabupaten_ada
inner join status on kabupaten_ada.kode_kabupaten = status.kode_kabupaten
left join rumah_tangga on kabupaten_ada.kode_kabupaten = rumah_tangga.kode_kabupaten
left join berkas on kabupaten_ada.kode_kabupaten = berkas.kode_kabupaten
