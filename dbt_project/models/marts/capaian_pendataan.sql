-- Capaian pendataan (data-collection achievement) and the award, CONTRACT section 5.
-- All 22 districts, even without a submission. Every weight and the deadline are dbt vars;
-- the formula actually used is carried in the `rumus` column next to the ranking.
-- Scores are rounded to two decimals as decimal (ties rank exactly), published as double precision
-- (analysts' tools read DECIMAL as an object column).
{%- set bobot_cakupan = var('bobot_cakupan') -%}
{%- set bobot_akurasi = var('bobot_akurasi') -%}
{%- set bobot_kelengkapan = var('bobot_kelengkapan') -%}
{%- set bobot_ketepatan_waktu = var('bobot_ketepatan_waktu') -%}
{%- set batas_waktu = var('batas_waktu') %}

with kabupaten as (
    select
        kode_kemendagri as kode_kabupaten,
        nama as nama_kabupaten
    from {{ ref('kabupaten_kota_ntt') }}
),

target as (
    select kode_kabupaten, target_rumah_tangga, sumber as sumber_target
    from {{ ref('target_pendataan') }}
    where tahun_anggaran = {{ var('tahun_anggaran') }}
),

statistik as (
    select * from {{ ref('int_statistik_pengajuan') }}
),

dasar as (
    select
        kabupaten.kode_kabupaten,
        kabupaten.nama_kabupaten,
        statistik.status_pengajuan,
        cast(target.target_rumah_tangga as bigint) as target_rumah_tangga,
        target.sumber_target,
        -- CONTRACT §7: rows read from the district's CURRENT files (accepted + quarantined). They differ
        -- from the version in use (which the figures below count) only while the submission is held.
        cast(case
            when coalesce(statistik.sedang_ditahan, false) then statistik.baris_dibaca_kiriman_terkini
            else coalesce(statistik.baris_dibaca, 0)
        end as bigint) as baris_dibaca,
        cast(coalesce(statistik.baris_dibaca, 0) as bigint) as baris_dibaca_versi_dipakai,
        cast(case
            when coalesce(statistik.sedang_ditahan, false) then statistik.baris_karantina_kiriman_terkini
            else coalesce(statistik.baris_karantina, 0)
        end as bigint) as baris_karantina_kiriman_terkini,
        coalesce(statistik.sedang_ditahan, false) as sedang_ditahan,
        statistik.versi_dipakai_dirilis_pada,
        cast(coalesce(statistik.baris_rumah_tangga_diterima, 0) as bigint) as baris_rumah_tangga_diterima,
        cast(coalesce(statistik.rumah_tangga_valid, 0) as bigint) as rumah_tangga_valid,
        cast(coalesce(statistik.baris_karantina, 0) as bigint) as baris_karantina,
        cast(coalesce(statistik.baris_karantina_duplikat, 0) as bigint) as baris_karantina_duplikat,
        cast(coalesce(statistik.baris_karantina_selain_duplikat, 0) as bigint) as baris_karantina_selain_duplikat,
        coalesce(statistik.rata_rata_keterisian, 0) as rata_rata_keterisian,
        statistik.file_pertama_diterima,
        statistik.file_terakhir_diterima,
        (statistik.file_pertama_diterima is not null or coalesce(statistik.baris_dibaca, 0) > 0) as ada_kiriman
    from kabupaten
    left join target on kabupaten.kode_kabupaten = target.kode_kabupaten
    left join statistik on kabupaten.kode_kabupaten = statistik.kode_kabupaten
),

komponen as (
    select
        *,
        {{ persen(
            'case when coalesce(' ~ bagi_aman('rumah_tangga_valid', 'target_rumah_tangga') ~ ', 0) > 1 then 100'
            ~ ' else 100 * coalesce(' ~ bagi_aman('rumah_tangga_valid', 'target_rumah_tangga') ~ ', 0) end'
        ) }} as cakupan,
        {{ persen(
            '100 * coalesce(' ~ bagi_aman('baris_rumah_tangga_diterima',
                'baris_rumah_tangga_diterima + baris_karantina_selain_duplikat') ~ ', 0)'
        ) }} as akurasi,
        {{ persen('100 * rata_rata_keterisian') }} as kelengkapan,
        {{ persen(skor_ketepatan_waktu('file_pertama_diterima', batas_waktu)) }} as ketepatan_waktu
    from dasar
),

indeks as (
    select
        *,
        {{ persen(
            bobot_cakupan ~ ' * cakupan + ' ~ bobot_akurasi ~ ' * akurasi + '
            ~ bobot_kelengkapan ~ ' * kelengkapan + ' ~ bobot_ketepatan_waktu ~ ' * ketepatan_waktu'
        ) }} as indeks_capaian
    from komponen
),

peringkat as (
    select
        *,
        cast(row_number() over (
            order by
                case when ada_kiriman then 0 else 1 end,
                indeks_capaian desc,
                cakupan desc,
                file_pertama_diterima asc nulls last,
                kode_kabupaten asc
        ) as integer) as peringkat
    from indeks
)

select
    kode_kabupaten,
    nama_kabupaten,
    status_pengajuan,
    ada_kiriman,
    target_rumah_tangga,
    sumber_target,
    baris_dibaca,
    -- the old name of baris_dibaca (it counts rows READ, not accepted): kept for one release so saved
    -- queries keep working; removed in the next (docs/GLOSARIUM.md)
    baris_dibaca as baris_diterima,
    baris_karantina_kiriman_terkini,
    sedang_ditahan,
    baris_dibaca_versi_dipakai,
    versi_dipakai_dirilis_pada,
    baris_rumah_tangga_diterima,
    rumah_tangga_valid,
    baris_karantina,
    baris_karantina_duplikat,
    baris_karantina_selain_duplikat,
    cast(cakupan as double precision) as cakupan,
    cast(akurasi as double precision) as akurasi,
    cast(kelengkapan as double precision) as kelengkapan,
    cast(ketepatan_waktu as double precision) as ketepatan_waktu,
    cast(indeks_capaian as double precision) as indeks_capaian,
    peringkat,
    cast(case
        -- no award without accepted households (an empty or withdrawn province awards nobody)
        when not ada_kiriman or rumah_tangga_valid = 0 then null
        when peringkat = 1 then 'Terbaik I'
        when peringkat = 2 then 'Terbaik II'
        when peringkat = 3 then 'Terbaik III'
    end as varchar) as penghargaan,
    file_pertama_diterima,
    file_terakhir_diterima,
    cast({{ var('tahun_anggaran') }} as integer) as tahun_anggaran,
    cast('{{ batas_waktu }}' as date) as batas_waktu,
    cast({{ bobot_cakupan }} as double precision) as bobot_cakupan,
    cast({{ bobot_akurasi }} as double precision) as bobot_akurasi,
    cast({{ bobot_kelengkapan }} as double precision) as bobot_kelengkapan,
    cast({{ bobot_ketepatan_waktu }} as double precision) as bobot_ketepatan_waktu,
    cast({{ teks_rumus_indeks() }} as varchar) as rumus
from peringkat
