with sumber as (
    select * from {{ source('ingestion', 'file_registry') }}
),

diubah as (
    select
        cast(folder as varchar) as folder,
        cast(file_hash as varchar) as file_hash,
        -- the landing folder when it is a district code, else NULL
        cast(kode_kabupaten as varchar) as kode_kabupaten,
        cast(nama_file as varchar) as nama_file,
        cast(path_relatif as varchar) as path_relatif,
        cast(ukuran_bytes as bigint) as ukuran_bytes,
        cast(jenis as varchar) as jenis,
        cast(waktu_file as timestamp) as waktu_file,
        cast(pertama_dilihat_run as varchar) as pertama_dilihat_run,
        cast(terakhir_dilihat_run as varchar) as terakhir_dilihat_run,
        cast(pertama_dilihat_pada as timestamp) as pertama_dilihat_pada,
        cast(status as varchar) as status,
        cast(alasan_kode as varchar) as alasan_kode,
        cast(alasan as varchar) as alasan,
        cast(arsip_path as varchar) as arsip_path,
        cast(baris_dibaca as bigint) as baris_dibaca
    from sumber
)

select * from diubah
