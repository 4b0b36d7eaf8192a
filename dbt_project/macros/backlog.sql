{#
    The measures shared by backlog_kabupaten / _kecamatan / _desa, aggregated over
    int_rumah_tangga_kriteria rows aliased `rt` (may be LEFT JOINed: counts are 0, not NULL).

    Unknown stays unknown (the BSPS rule itself is written once, in int_rumah_tangga_kriteria):
    - jumlah_kk is the contract's total with an empty jumlah_kk counted as 1 KK;
    - backlog_kepenghunian sums (jumlah_kk - 1) over the households whose jumlah_kk is KNOWN and is
      NULL when there is none; backlog_kepenghunian_tidak_diketahui counts the others;
    - indikatif_layak_bsps + tidak_memenuhi_syarat_bsps + bsps_tidak_diketahui = jumlah_rumah_tangga.
#}
{% macro ukuran_backlog(rt='rt') -%}
    cast(count({{ rt }}.nik_hash) as bigint) as jumlah_rumah_tangga,
    cast(coalesce(sum({{ rt }}.jumlah_anggota_keluarga), 0) as bigint) as jumlah_jiwa,
    cast(coalesce(sum({{ rt }}.jumlah_kk), 0) as bigint) as jumlah_kk,
    cast(coalesce(sum(case when {{ rt }}.is_backlog_kepemilikan then 1 else 0 end), 0) as bigint) as backlog_kepemilikan,
    cast(coalesce(sum(case when {{ rt }}.is_backlog_kepemilikan_rumah_lain_tidak_diketahui then 1 else 0 end), 0) as bigint) as backlog_kepemilikan_rumah_lain_tidak_diketahui,
    cast(sum({{ rt }}.backlog_kepenghunian) as bigint) as backlog_kepenghunian,
    cast(coalesce(sum(case when not {{ rt }}.jumlah_kk_diketahui then 1 else 0 end), 0) as bigint) as backlog_kepenghunian_tidak_diketahui,
    cast(coalesce(sum(case when {{ rt }}.is_rtlh then 1 else 0 end), 0) as bigint) as jumlah_rtlh,
    cast(coalesce(sum(case when not {{ rt }}.layak_ketahanan_bangunan then 1 else 0 end), 0) as bigint) as tidak_layak_ketahanan_bangunan,
    cast(coalesce(sum(case when not {{ rt }}.layak_luas then 1 else 0 end), 0) as bigint) as tidak_layak_luas,
    cast(coalesce(sum(case when not {{ rt }}.layak_air_minum then 1 else 0 end), 0) as bigint) as tidak_layak_air_minum,
    cast(coalesce(sum(case when not {{ rt }}.layak_sanitasi then 1 else 0 end), 0) as bigint) as tidak_layak_sanitasi,
    cast(coalesce(sum(case when {{ rt }}.status_bsps = 'layak' then 1 else 0 end), 0) as bigint) as indikatif_layak_bsps,
    cast(coalesce(sum(case when {{ rt }}.status_bsps = 'tidak_memenuhi_syarat' then 1 else 0 end), 0) as bigint) as tidak_memenuhi_syarat_bsps,
    cast(coalesce(sum(case when {{ rt }}.status_bsps = 'tidak_diketahui' then 1 else 0 end), 0) as bigint) as bsps_tidak_diketahui
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
