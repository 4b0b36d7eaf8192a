-- One row per accepted household with the housing criteria of CONTRACT section 4:
-- the four BPS rumah layak huni criteria (each kept separately), RTLH, both backlog concepts,
-- indicative BSPS eligibility, and the fill rate of the optional fields (for kelengkapan).
-- Unknown is never turned into a known value: an empty optional input gives NULL / 'tidak_diketahui'
-- in the figures that need it (backlog_kepenghunian, status_bsps), see the kelayakan_bsps CTE.
-- Incremental by district (macros/inkremental.sql): only districts whose accepted rows changed are rebuilt.
{{
    config(
        materialized='incremental',
        incremental_strategy='append',
        on_schema_change='fail',
        pre_hook="{{ hapus_kabupaten_berubah(ref('stg_rumah_tangga')) }}"
    )
}}

{%- set atap_layak = ['beton', 'genteng', 'seng', 'asbes', 'kayu_sirap'] -%}
{%- set dinding_layak = ['tembok', 'plesteran_anyaman_bambu', 'kayu_papan', 'batang_kayu'] -%}
{%- set lantai_tidak_layak = ['tanah', 'bambu'] -%}
{%- set air_layak = ['ledeng', 'air_kemasan', 'sumur_bor', 'sumur_terlindung', 'mata_air_terlindung', 'air_hujan'] -%}
{%- set sanitasi_layak = ['jamban_sendiri', 'jamban_bersama'] -%}
{%- set kolom_opsional = [
    'no_kk_terisi',
    'koordinat_terisi',
    'tanggal_pendataan_terisi',
    'penghasilan_terisi',
    'kondisi_atap_terisi',
    'kondisi_dinding_terisi',
    'kondisi_lantai_terisi',
    'status_kepemilikan_lahan_terisi',
] -%}

with rumah_tangga as (
    select * from {{ ref('stg_rumah_tangga') }}
    {{- hanya_kabupaten_baru() }}
),

sidik as (
    {{ sidik_per_kabupaten('rumah_tangga') }}
),

kriteria as (
    select
        nik_hash,
        kode_kabupaten,
        kode_kecamatan,
        kode_desa,
        file_hash,
        baris,
        jumlah_anggota_keluarga,
        -- NULL = not given (or invalid): the contract's default of one family, for KK totals only
        coalesce(jumlah_kk, 1) as jumlah_kk,
        (jumlah_kk is not null) as jumlah_kk_diketahui,
        status_kepemilikan_rumah,
        status_kepemilikan_lahan,
        luas_lantai_m2,
        {{ bagi_aman('luas_lantai_m2', 'jumlah_anggota_keluarga') }} as luas_per_orang_m2,
        penghasilan_per_bulan,

        ---------- 1. ketahanan bangunan (BPS) + no component rusak berat (PUPR)
        coalesce(
            material_atap in {{ daftar_teks(atap_layak) }}
            and material_dinding in {{ daftar_teks(dinding_layak) }}
            and material_lantai not in {{ daftar_teks(lantai_tidak_layak) }}
            and coalesce(kondisi_atap, '') <> 'rusak_berat'
            and coalesce(kondisi_dinding, '') <> 'rusak_berat'
            and coalesce(kondisi_lantai, '') <> 'rusak_berat',
            false
        ) as layak_ketahanan_bangunan,

        ---------- 2. kecukupan luas: luas / orang >= var (exact decimal arithmetic, 7.2 is layak)
        coalesce(
            cast(luas_lantai_m2 as decimal(18, 4))
            >= cast({{ var('luas_minimum_per_orang') }} as decimal(18, 4)) * jumlah_anggota_keluarga,
            false
        ) as layak_luas,

        ---------- 3. air minum layak
        coalesce(sumber_air_minum in {{ daftar_teks(air_layak) }}, false) as layak_air_minum,

        ---------- 4. sanitasi layak
        coalesce(fasilitas_sanitasi in {{ daftar_teks(sanitasi_layak) }}, false) as layak_sanitasi,

        ---------- backlog kepemilikan (BPS): not milik sendiri, unless owning a house elsewhere
        -- (contract: only memiliki_rumah_lain = ya excludes; an empty answer is flagged below)
        coalesce(
            status_kepemilikan_rumah <> 'milik_sendiri' and not coalesce(memiliki_rumah_lain, false),
            false
        ) as is_backlog_kepemilikan,
        coalesce(
            status_kepemilikan_rumah <> 'milik_sendiri' and memiliki_rumah_lain is null,
            false
        ) as is_backlog_kepemilikan_rumah_lain_tidak_diketahui,

        ---------- backlog kepenghunian: families beyond the first in this house;
        -- NULL when jumlah_kk was not given (unknown, not 0)
        jumlah_kk - 1 as backlog_kepenghunian,

        memiliki_rumah_lain,
        pernah_menerima_bantuan,

        ---------- keterisian kolom opsional (kelengkapan)
        no_kk_terisi,
        koordinat_terisi,
        (tanggal_pendataan is not null) as tanggal_pendataan_terisi,
        (penghasilan_per_bulan is not null) as penghasilan_terisi,
        (kondisi_atap is not null) as kondisi_atap_terisi,
        (kondisi_dinding is not null) as kondisi_dinding_terisi,
        (kondisi_lantai is not null) as kondisi_lantai_terisi,
        (status_kepemilikan_lahan is not null) as status_kepemilikan_lahan_terisi

    from rumah_tangga
),

turunan as (
    select
        *,
        not(layak_ketahanan_bangunan and layak_luas and layak_air_minum and layak_sanitasi) as is_rtlh,
        (
            {%- for kolom in kolom_opsional %}
                case when {{ kolom }} then 1 else 0 end{{ ' +' if not loop.last }}
            {%- endfor %}
        ) as jumlah_kolom_opsional_terisi
    from kriteria
),

syarat_bsps as (
    -- Each BSPS condition (Permen PUPR 07/2018) as true / false / NULL (= input not given).
    select
        *,
        is_rtlh as syarat_rtlh,
        (status_kepemilikan_rumah = 'milik_sendiri') as syarat_rumah_milik_sendiri,
        (status_kepemilikan_lahan = 'milik_sendiri') as syarat_lahan_milik_sendiri,
        (not pernah_menerima_bantuan) as syarat_belum_pernah_dibantu,
        {%- if var('batas_penghasilan_bsps', none) is not none %}
        (penghasilan_per_bulan <= {{ var('batas_penghasilan_bsps') }}) as syarat_penghasilan
        {%- else %}
            true as syarat_penghasilan
        {%- endif %}
    from turunan
),

kelayakan_bsps as (
    -- THE rule for unknowns in BSPS eligibility (the only place it is written):
    --   tidak_memenuhi_syarat  when at least one condition is known to fail (even if others are unknown);
    --   layak                  when every condition is known to hold;
    --   tidak_diketahui        otherwise (no condition fails, at least one input is empty).
    -- Land status, aid history and (when batas_penghasilan_bsps is set) income are treated alike.
    -- This is SQL's three-valued AND: false wins over NULL, NULL wins over true.
    select
        *,
        (
            syarat_rtlh
            and syarat_rumah_milik_sendiri
            and syarat_lahan_milik_sendiri
            and syarat_belum_pernah_dibantu
            and syarat_penghasilan
        ) as indikatif_layak_bsps
    from syarat_bsps
)

select
    kelayakan_bsps.*,
    cast(kelayakan_bsps.jumlah_kolom_opsional_terisi as double precision) / {{ kolom_opsional | length }} as rasio_keterisian,
    case
        when kelayakan_bsps.indikatif_layak_bsps then 'layak'
        when not kelayakan_bsps.indikatif_layak_bsps then 'tidak_memenuhi_syarat'
        else 'tidak_diketahui'
    end as status_bsps,
    sidik.sidik_kabupaten
from kelayakan_bsps
left join sidik on kelayakan_bsps.kode_kabupaten is not distinct from sidik.kode_kabupaten
