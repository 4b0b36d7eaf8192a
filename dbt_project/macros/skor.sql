{#
    Ketepatan waktu (CONTRACT section 5): 100 when the first file arrived on or before the
    deadline day (the whole day counts), minus 10 for every started week late, never below 0;
    0 when nothing arrived. Late days are counted in calendar days from the deadline date:
    1-7 days late -> 90, 8-14 -> 80, ...
#}
{% macro skor_ketepatan_waktu(waktu_pertama, batas_waktu) -%}
    case
        when {{ waktu_pertama }} is null then 0
        when cast({{ waktu_pertama }} as date) <= cast('{{ batas_waktu }}' as date) then 100
        else greatest(
            0,
            100 - 10 * ceil(
                {{ dbt.datediff("cast('" ~ batas_waktu ~ "' as date)", "cast(" ~ waktu_pertama ~ " as date)", "day") }} / 7.0
            )
        )
    end
{%- endmacro %}

{# the formula text shown next to the ranking, with the weights actually used #}
{% macro teks_rumus_indeks() -%}
    {%- set teks -%}
indeks_capaian = {{ var('bobot_cakupan') }} x cakupan + {{ var('bobot_akurasi') }} x akurasi + {{ var('bobot_kelengkapan') }} x kelengkapan + {{ var('bobot_ketepatan_waktu') }} x ketepatan_waktu; cakupan = min(rumah_tangga_valid / target_rumah_tangga, 1) x 100; akurasi = baris diterima / (baris diterima + baris karantina selain duplikat NIK) x 100; kelengkapan = rata-rata keterisian 8 kolom opsional (no_kk, koordinat, tanggal_pendataan, penghasilan_per_bulan, kondisi_atap, kondisi_dinding, kondisi_lantai, status_kepemilikan_lahan) x 100; ketepatan_waktu = 100 bila file pertama diterima paling lambat {{ var('batas_waktu') }}, dikurangi 10 per minggu (dimulai) keterlambatan, minimal 0, dan 0 bila tidak ada kiriman; peringkat: indeks tertinggi, lalu cakupan, lalu file pertama paling awal; kabupaten tanpa kiriman di urutan terakhir
    {%- endset -%}
    '{{ teks | trim | replace("'", "''") }}'
{%- endmacro %}
