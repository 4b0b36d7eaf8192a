-- Quarantined rows. The original values (nilai_asli, JSON with NIK/names) are NOT carried on;
-- the reason-code list is flattened with portable macros (macros/portabilitas.sql).
with sumber as (
    select * from {{ source('quality', 'karantina') }}
),

diubah as (
    select
        cast(jenis as varchar) as jenis,

        ---------- asal baris
        cast(kode_kabupaten as varchar) as kode_kabupaten,
        cast(file_hash as varchar) as file_hash,
        cast(nama_file as varchar) as nama_file,
        cast(sheet as varchar) as sheet,
        cast(baris as integer) as baris,

        ---------- alasan
        {{ gabung_daftar('alasan') }} as alasan_kode,
        {{ gabung_daftar('kolom') }} as kolom_bermasalah,
        {{ panjang_daftar('alasan') }} as jumlah_alasan,
        coalesce({{ daftar_berisi('alasan', "'duplikat_nik'") }}, false) as termasuk_duplikat_nik,
        cast(pesan as varchar) as pesan

    from sumber
)

select
    *,
    -- quarantined for a reason other than "duplikat NIK" (counts against akurasi)
    (not termasuk_duplikat_nik or jumlah_alasan > 1) as karantina_selain_duplikat
from diubah
