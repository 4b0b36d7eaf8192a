{{ config(severity='error', meta={'dagster': {'ref': {'name': 'backlog_kabupaten'}}}) }}
-- Business rule: the three backlog marts are one aggregation at three levels, so for every
-- district the desa rows sum to the kecamatan rows, which sum to the kabupaten row, measure by
-- measure. Returns one row per district and measure where they disagree.
-- Counts are 0 for a district without data. backlog_kepenghunian is NULL where no household has a
-- known jumlah_kk: sum() skips NULL units, so the kabupaten value must equal the sum of its
-- units, NULL included ("is distinct from"). The BSPS estimate is not additive (it is NULL by a
-- share rule per area); its lower/upper bounds are.
-- The measure loops are Jinja; sqlfluff cannot indent across them.
-- noqa: disable=LT02
{%- set ukuran = [
    'jumlah_rumah_tangga', 'jumlah_jiwa', 'jumlah_kk', 'backlog_kepemilikan',
    'backlog_kepemilikan_rumah_lain_tidak_diketahui', 'backlog_kepenghunian_tidak_diketahui',
    'jumlah_rtlh', 'tidak_layak_ketahanan_bangunan', 'tidak_layak_luas', 'tidak_layak_air_minum',
    'tidak_layak_sanitasi', 'indikatif_layak_bsps', 'tidak_memenuhi_syarat_bsps', 'bsps_tidak_diketahui'
] %}
{%- set ukuran_boleh_kosong = [
    'backlog_kepenghunian', 'estimasi_kebutuhan_bsps_minimum_rupiah', 'estimasi_kebutuhan_bsps_maksimum_rupiah'
] %}

with kabupaten as (
    select * from {{ ref('backlog_kabupaten') }}
),

kecamatan as (
    select
        kode_kabupaten,
        {%- for u in ukuran + ukuran_boleh_kosong %}
        sum({{ u }}) as {{ u }}{{ ',' if not loop.last }}
        {%- endfor %}
    from {{ ref('backlog_kecamatan') }}
    group by kode_kabupaten
),

desa as (
    select
        kode_kabupaten,
        {%- for u in ukuran + ukuran_boleh_kosong %}
        sum({{ u }}) as {{ u }}{{ ',' if not loop.last }}
        {%- endfor %}
    from {{ ref('backlog_desa') }}
    group by kode_kabupaten
)

{% for u in ukuran + ukuran_boleh_kosong %}
{%- set kosong = 'null' if u in ukuran_boleh_kosong else '0' %}
select
    coalesce(kabupaten.kode_kabupaten, kecamatan.kode_kabupaten, desa.kode_kabupaten) as kode_kabupaten,
    '{{ u }}' as ukuran,
    kabupaten.{{ u }} as nilai_kabupaten,
    coalesce(kecamatan.{{ u }}, {{ kosong }}) as nilai_kecamatan,
    coalesce(desa.{{ u }}, {{ kosong }}) as nilai_desa
from kabupaten
full outer join kecamatan on kabupaten.kode_kabupaten = kecamatan.kode_kabupaten
full outer join desa on coalesce(kabupaten.kode_kabupaten, kecamatan.kode_kabupaten) = desa.kode_kabupaten
where kabupaten.kode_kabupaten is null
   {%- if u not in ukuran_boleh_kosong %}
   or kabupaten.{{ u }} is null
   {%- endif %}
   or kabupaten.{{ u }} is distinct from coalesce(kecamatan.{{ u }}, {{ kosong }})
   or kabupaten.{{ u }} is distinct from coalesce(desa.{{ u }}, {{ kosong }})
{{ 'union all' if not loop.last }}
{% endfor %}
