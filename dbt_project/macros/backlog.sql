{#
    The measures shared by backlog_kabupaten / _kecamatan / _desa, aggregated over
    int_rumah_tangga_kriteria rows aliased `rt` (may be LEFT JOINed: counts are 0, not NULL).
#}
{% macro ukuran_backlog(rt='rt') -%}
    cast(count({{ rt }}.nik_hash) as bigint) as jumlah_rumah_tangga,
    cast(coalesce(sum({{ rt }}.jumlah_anggota_keluarga), 0) as bigint) as jumlah_jiwa,
    cast(coalesce(sum({{ rt }}.jumlah_kk), 0) as bigint) as jumlah_kk,
    cast(coalesce(sum(case when {{ rt }}.is_backlog_kepemilikan then 1 else 0 end), 0) as bigint) as backlog_kepemilikan,
    cast(coalesce(sum({{ rt }}.backlog_kepenghunian), 0) as bigint) as backlog_kepenghunian,
    cast(coalesce(sum(case when {{ rt }}.is_rtlh then 1 else 0 end), 0) as bigint) as jumlah_rtlh,
    cast(coalesce(sum(case when not {{ rt }}.layak_ketahanan_bangunan then 1 else 0 end), 0) as bigint) as tidak_layak_ketahanan_bangunan,
    cast(coalesce(sum(case when not {{ rt }}.layak_luas then 1 else 0 end), 0) as bigint) as tidak_layak_luas,
    cast(coalesce(sum(case when not {{ rt }}.layak_air_minum then 1 else 0 end), 0) as bigint) as tidak_layak_air_minum,
    cast(coalesce(sum(case when not {{ rt }}.layak_sanitasi then 1 else 0 end), 0) as bigint) as tidak_layak_sanitasi,
    cast(coalesce(sum(case when {{ rt }}.indikatif_layak_bsps then 1 else 0 end), 0) as bigint) as indikatif_layak_bsps
{%- endmacro %}

{# percentages and the BSPS budget estimate, over a CTE that has the ukuran_backlog columns #}
{% macro turunan_backlog() -%}
    {{ persen(bagi_aman('100 * jumlah_rtlh', 'jumlah_rumah_tangga')) }} as persen_rtlh,
    {{ persen(bagi_aman('100 * backlog_kepemilikan', 'jumlah_rumah_tangga')) }} as persen_backlog_kepemilikan,
    cast(indikatif_layak_bsps * {{ var('nilai_bsps_per_unit') }} as bigint) as estimasi_kebutuhan_bsps_rupiah
{%- endmacro %}
