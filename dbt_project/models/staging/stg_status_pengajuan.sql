with sumber as (
    select * from {{ source('quality', 'status_pengajuan') }}
),

diubah as (
    select
        cast(kode_kabupaten as varchar) as kode_kabupaten,
        cast(status as varchar) as status,
        cast(alasan_tahan as varchar) as alasan_tahan,
        cast(baris_dibaca as bigint) as baris_dibaca,
        cast(baris_diterima as bigint) as baris_diterima,
        cast(baris_karantina as bigint) as baris_karantina,
        cast(baris_karantina_duplikat as bigint) as baris_karantina_duplikat,
        cast(sedang_ditahan as boolean) as sedang_ditahan,
        cast(baris_dibaca_kiriman_terkini as bigint) as baris_dibaca_kiriman_terkini,
        cast(baris_karantina_kiriman_terkini as bigint) as baris_karantina_kiriman_terkini,
        cast(baris_dibaca_versi_dipakai as bigint) as baris_dibaca_versi_dipakai,
        cast(versi_dipakai_dirilis_pada as timestamp) as versi_dipakai_dirilis_pada,
        cast(file_aktif as integer) as file_aktif,
        cast(file_ditolak as integer) as file_ditolak,
        cast(file_pertama_diterima as timestamp) as file_pertama_diterima,
        cast(file_terakhir_diterima as timestamp) as file_terakhir_diterima
    from sumber
)

select * from diubah
