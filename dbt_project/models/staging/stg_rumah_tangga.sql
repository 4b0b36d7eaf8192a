-- Accepted households, renamed/cast only. Personal data (NIK, No. KK, name, exact coordinates,
-- enumerator name) is dropped HERE: only the keyed NIK hash and "is it filled?" flags go on
-- (CONTRACT section 6, UU 27/2022). Nothing after staging can see personal fields.
with sumber as (
    select * from {{ source('quality', 'rumah_tangga_diterima') }}
),

diubah as (
    select
        ---------- kunci (pseudonim) dan lokasi
        cast(nik_hash as varchar) as nik_hash,
        cast(kode_kabupaten as varchar) as kode_kabupaten,
        cast(kode_kecamatan as varchar) as kode_kecamatan,
        cast(kode_desa as varchar) as kode_desa,

        ---------- asal baris
        cast(file_hash as varchar) as file_hash,
        cast(nama_file as varchar) as nama_file,
        cast(sheet as varchar) as sheet,
        cast(baris as integer) as baris,

        ---------- rumah tangga
        cast(jenis_kelamin as varchar) as jenis_kelamin,
        cast(jumlah_anggota_keluarga as integer) as jumlah_anggota_keluarga,
        cast(jumlah_kk as integer) as jumlah_kk,
        cast(status_kepemilikan_rumah as varchar) as status_kepemilikan_rumah,
        cast(memiliki_rumah_lain as boolean) as memiliki_rumah_lain,
        cast(status_kepemilikan_lahan as varchar) as status_kepemilikan_lahan,
        cast(penghasilan_per_bulan as bigint) as penghasilan_per_bulan,
        cast(pernah_menerima_bantuan as boolean) as pernah_menerima_bantuan,
        cast(usulan_program as varchar) as usulan_program,

        ---------- bangunan
        cast(luas_lantai_m2 as double precision) as luas_lantai_m2,
        cast(material_atap as varchar) as material_atap,
        cast(material_dinding as varchar) as material_dinding,
        cast(material_lantai as varchar) as material_lantai,
        cast(kondisi_atap as varchar) as kondisi_atap,
        cast(kondisi_dinding as varchar) as kondisi_dinding,
        cast(kondisi_lantai as varchar) as kondisi_lantai,
        cast(sumber_air_minum as varchar) as sumber_air_minum,
        cast(fasilitas_sanitasi as varchar) as fasilitas_sanitasi,

        ---------- waktu
        cast(tanggal_pendataan as date) as tanggal_pendataan,

        ---------- keterisian kolom pribadi (nilainya tidak dibawa)
        (no_kk is not null) as no_kk_terisi,
        (latitude is not null and longitude is not null) as koordinat_terisi,
        (nama_petugas is not null) as nama_petugas_terisi

    from sumber
)

select * from diubah
