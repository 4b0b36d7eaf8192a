{{ config(materialized='table') }}

-- Per district that sent anything: household rows read / accepted / quarantined, the
-- quarantined rows that count against accuracy, the mean fill rate of the optional fields,
-- and the first/last file arrival (registry waktu_file of non-rejected files ever seen).
-- Only the household sheets (jenis rumah_tangga) count towards capaian pendataan.
with rumah_tangga as (
    select
        kode_kabupaten,
        count(*) as baris_rumah_tangga_diterima,
        count(distinct nik_hash) as rumah_tangga_valid,
        avg(rasio_keterisian) as rata_rata_keterisian
    from {{ ref('int_rumah_tangga_kriteria') }}
    group by kode_kabupaten
),

karantina as (
    select
        kode_kabupaten,
        count(*) as baris_karantina,
        sum(case when karantina_selain_duplikat then 0 else 1 end) as baris_karantina_duplikat,
        sum(case when karantina_selain_duplikat then 1 else 0 end) as baris_karantina_selain_duplikat
    from {{ ref('stg_karantina') }}
    where jenis = 'rumah_tangga'
    group by kode_kabupaten
),

berkas as (
    select
        kode_kabupaten,
        count(*) as jumlah_file,
        sum(case when status = 'active' then 1 else 0 end) as jumlah_file_aktif,
        min(waktu_file) as file_pertama_diterima,
        max(waktu_file) as file_terakhir_diterima
    from {{ ref('stg_file_registry') }}
    where status <> 'rejected'
    group by kode_kabupaten
),

status as (
    select
        kode_kabupaten,
        status as status_pengajuan,
        sedang_ditahan,
        baris_dibaca_kiriman_terkini,
        baris_karantina_kiriman_terkini,
        versi_dipakai_dirilis_pada
    from {{ ref('stg_status_pengajuan') }}
),

kabupaten_ada as (
    select kode_kabupaten from rumah_tangga
    union
    select kode_kabupaten from karantina
    union
    select kode_kabupaten from berkas
)

select
    kabupaten_ada.kode_kabupaten,
    status.status_pengajuan,
    coalesce(status.sedang_ditahan, false) as sedang_ditahan,
    status.baris_dibaca_kiriman_terkini,
    status.baris_karantina_kiriman_terkini,
    status.versi_dipakai_dirilis_pada,
    cast(coalesce(rumah_tangga.baris_rumah_tangga_diterima, 0) + coalesce(karantina.baris_karantina, 0) as bigint)
        as baris_dibaca,
    cast(coalesce(rumah_tangga.baris_rumah_tangga_diterima, 0) as bigint) as baris_rumah_tangga_diterima,
    cast(coalesce(rumah_tangga.rumah_tangga_valid, 0) as bigint) as rumah_tangga_valid,
    cast(coalesce(karantina.baris_karantina, 0) as bigint) as baris_karantina,
    cast(coalesce(karantina.baris_karantina_duplikat, 0) as bigint) as baris_karantina_duplikat,
    cast(coalesce(karantina.baris_karantina_selain_duplikat, 0) as bigint) as baris_karantina_selain_duplikat,
    coalesce(rumah_tangga.rata_rata_keterisian, 0) as rata_rata_keterisian,
    cast(coalesce(berkas.jumlah_file, 0) as integer) as jumlah_file,
    cast(coalesce(berkas.jumlah_file_aktif, 0) as integer) as jumlah_file_aktif,
    berkas.file_pertama_diterima,
    berkas.file_terakhir_diterima
from kabupaten_ada
left join rumah_tangga on kabupaten_ada.kode_kabupaten = rumah_tangga.kode_kabupaten
left join karantina on kabupaten_ada.kode_kabupaten = karantina.kode_kabupaten
left join berkas on kabupaten_ada.kode_kabupaten = berkas.kode_kabupaten
left join status on kabupaten_ada.kode_kabupaten = status.kode_kabupaten
