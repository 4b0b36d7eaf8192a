-- Accepted programme-output rows with the district name; aggregated in marts.realisasi_program.
with realisasi as (
    select * from {{ ref('stg_realisasi_program') }}
),

kabupaten as (
    select
        kode_kemendagri as kode_kabupaten,
        nama as nama_kabupaten
    from {{ ref('kabupaten_kota_ntt') }}
)

select
    realisasi.kode_kabupaten,
    kabupaten.nama_kabupaten,
    realisasi.kode_desa,
    realisasi.tahun_anggaran,
    realisasi.program,
    realisasi.sumber_dana,
    realisasi.jenis_kegiatan,
    realisasi.unit_rencana,
    realisasi.unit_selesai,
    realisasi.nilai_rupiah,
    (realisasi.unit_selesai > realisasi.unit_rencana) as unit_selesai_melebihi_rencana,
    realisasi.file_hash,
    realisasi.baris
from realisasi
left join kabupaten
    on realisasi.kode_kabupaten = kabupaten.kode_kabupaten
