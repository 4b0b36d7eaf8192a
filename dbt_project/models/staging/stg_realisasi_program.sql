with sumber as (
    select * from {{ source('quality', 'realisasi_program_diterima') }}
),

diubah as (
    select
        ---------- kunci
        cast(kode_kabupaten as varchar) as kode_kabupaten,
        cast(kode_desa as varchar) as kode_desa,
        cast(tahun_anggaran as integer) as tahun_anggaran,
        cast(program as varchar) as program,
        cast(sumber_dana as varchar) as sumber_dana,
        cast(jenis_kegiatan as varchar) as jenis_kegiatan,

        ---------- angka
        cast(unit_rencana as integer) as unit_rencana,
        cast(unit_selesai as integer) as unit_selesai,
        cast(nilai_rupiah as bigint) as nilai_rupiah,

        ---------- asal baris
        cast(file_hash as varchar) as file_hash,
        cast(nama_file as varchar) as nama_file,
        cast(sheet as varchar) as sheet,
        cast(baris as integer) as baris

    from sumber
)

select * from diubah
