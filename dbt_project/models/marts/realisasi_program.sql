-- Programme output per district x tahun anggaran x programme x funding source x activity.
select
    kode_kabupaten,
    nama_kabupaten,
    tahun_anggaran,
    program,
    sumber_dana,
    jenis_kegiatan,
    cast(sum(unit_rencana) as bigint) as unit_rencana,
    cast(sum(unit_selesai) as bigint) as unit_selesai,
    cast(sum(nilai_rupiah) as bigint) as nilai_rupiah,
    cast({{ persen(bagi_aman('100 * sum(unit_selesai)', 'sum(unit_rencana)'), 18) }} as double precision) as persen_selesai,
    cast(count(*) as bigint) as jumlah_baris_sumber
from {{ ref('int_realisasi_program') }}
group by kode_kabupaten, nama_kabupaten, tahun_anggaran, program, sumber_dana, jenis_kegiatan
