{#
    The backlog measures, aggregated once per desa over int_rumah_tangga_kriteria rows aliased `rt`
    (int_agregat_desa) and added up from there by backlog_desa / _kecamatan / _kabupaten.

    Unknown stays unknown (the BSPS rule itself is written once, in int_rumah_tangga_kriteria):
    - jumlah_kk is the contract's total with an empty jumlah_kk counted as 1 KK;
    - backlog_kepenghunian sums (jumlah_kk - 1) over the households whose jumlah_kk is KNOWN and is
      NULL when there is none; backlog_kepenghunian_tidak_diketahui counts the others;
    - indikatif_layak_bsps + tidak_memenuhi_syarat_bsps + bsps_tidak_diketahui = jumlah_rumah_tangga.
#}

{# THE list: (column, aggregate over the households `rt`, 0 when there is none). Every measure is a count
   or a sum, so the sum of the desa's values is the value of their kecamatan or kabupaten. #}
{% macro daftar_ukuran_backlog(rt) -%}
    {%- set hitung = 'sum(case when ' ~ rt ~ '.{} then 1 else 0 end)' -%}
    {{ return([
        ('jumlah_rumah_tangga', 'count(' ~ rt ~ '.nik_hash)', true),
        ('jumlah_jiwa', 'sum(' ~ rt ~ '.jumlah_anggota_keluarga)', true),
        ('jumlah_kk', 'sum(' ~ rt ~ '.jumlah_kk)', true),
        ('backlog_kepemilikan', hitung.replace('{}', 'is_backlog_kepemilikan'), true),
        ('backlog_kepemilikan_rumah_lain_tidak_diketahui', hitung.replace('{}', 'is_backlog_kepemilikan_rumah_lain_tidak_diketahui'), true),
        ('backlog_kepenghunian', 'sum(' ~ rt ~ '.backlog_kepenghunian)', false),
        ('backlog_kepenghunian_tidak_diketahui', hitung.replace(rt ~ '.{}', 'not ' ~ rt ~ '.jumlah_kk_diketahui'), true),
        ('jumlah_rtlh', hitung.replace('{}', 'is_rtlh'), true),
        ('tidak_layak_ketahanan_bangunan', hitung.replace(rt ~ '.{}', 'not ' ~ rt ~ '.layak_ketahanan_bangunan'), true),
        ('tidak_layak_luas', hitung.replace(rt ~ '.{}', 'not ' ~ rt ~ '.layak_luas'), true),
        ('tidak_layak_air_minum', hitung.replace(rt ~ '.{}', 'not ' ~ rt ~ '.layak_air_minum'), true),
        ('tidak_layak_sanitasi', hitung.replace(rt ~ '.{}', 'not ' ~ rt ~ '.layak_sanitasi'), true),
        ('indikatif_layak_bsps', hitung.replace('{}', "status_bsps = 'layak'"), true),
        ('tidak_memenuhi_syarat_bsps', hitung.replace('{}', "status_bsps = 'tidak_memenuhi_syarat'"), true),
        ('bsps_tidak_diketahui', hitung.replace('{}', "status_bsps = 'tidak_diketahui'"), true),
    ]) }}
{%- endmacro %}

{# The measures over the household rows `rt` (int_agregat_desa). #}
{% macro ukuran_backlog(rt='rt') -%}
    {%- for kolom, agregat, nol in daftar_ukuran_backlog(rt) %}
    cast({{ 'coalesce(' ~ agregat ~ ', 0)' if nol else agregat }} as bigint) as {{ kolom }}{{ ',' if not loop.last }}
    {%- endfor %}
{%- endmacro %}

{# The same measures added up over int_agregat_desa rows aliased `a` (may be LEFT JOINed: counts are 0,
   backlog_kepenghunian NULL, where there is no row). #}
{% macro jumlah_ukuran_backlog(a='a') -%}
    {%- for kolom, _, nol in daftar_ukuran_backlog('rt') %}
    cast({{ 'coalesce(sum(' ~ a ~ '.' ~ kolom ~ '), 0)' if nol else 'sum(' ~ a ~ '.' ~ kolom ~ ')' }} as bigint) as {{ kolom }}{{ ',' if not loop.last }}
    {%- endfor %}
{%- endmacro %}

{#
    Percentages, completeness and the BSPS budget estimate, over a CTE that has the ukuran_backlog
    columns. All NULL where there is no household.

    estimasi_kebutuhan_bsps_rupiah (the published estimate) = indikatif_layak_bsps x nilai_bsps_per_unit,
    but NULL when the households of unknown eligibility are more than var batas_bsps_tidak_diketahui_persen
    (default 10) percent of the households that may be eligible (indikatif_layak_bsps + bsps_tidak_diketahui):
    then the true need could exceed the figure by more than that share. A published figure is therefore
    at least (100 - batas)% of ..._maksimum_rupiah. Areas where every household is decidably ineligible
    publish a known 0.
#}
{# Percentages as double precision (two decimals kept): a DECIMAL reads as an object column in pandas. #}
{% macro turunan_backlog() -%}
    {%- set nilai = var('nilai_bsps_per_unit') -%}
    {%- set batas = var('batas_bsps_tidak_diketahui_persen') -%}
    cast({{ persen(bagi_aman('100 * jumlah_rtlh', 'jumlah_rumah_tangga')) }} as double precision) as persen_rtlh,
    cast({{ persen(bagi_aman('100 * backlog_kepemilikan', 'jumlah_rumah_tangga')) }} as double precision) as persen_backlog_kepemilikan,
    cast({{ persen(bagi_aman('100 * (jumlah_rumah_tangga - backlog_kepenghunian_tidak_diketahui)', 'jumlah_rumah_tangga')) }} as double precision) as kelengkapan_kepenghunian_persen,
    cast({{ persen(bagi_aman('100 * (jumlah_rumah_tangga - bsps_tidak_diketahui)', 'jumlah_rumah_tangga')) }} as double precision) as kelengkapan_bsps_persen,
    cast(
        case
            when jumlah_rumah_tangga > 0
                and 100 * bsps_tidak_diketahui <= {{ batas }} * (indikatif_layak_bsps + bsps_tidak_diketahui)
                then indikatif_layak_bsps * {{ nilai }}
        end
        as bigint
    ) as estimasi_kebutuhan_bsps_rupiah,
    cast(
        case when jumlah_rumah_tangga > 0 then indikatif_layak_bsps * {{ nilai }} end
        as bigint
    ) as estimasi_kebutuhan_bsps_minimum_rupiah,
    cast(
        case when jumlah_rumah_tangga > 0 then (indikatif_layak_bsps + bsps_tidak_diketahui) * {{ nilai }} end
        as bigint
    ) as estimasi_kebutuhan_bsps_maksimum_rupiah
{%- endmacro %}
