{{ config(severity='error', meta={'dagster': {'ref': {'name': 'backlog_kabupaten'}}}) }}
-- Business rule: the three backlog marts are one aggregation at three levels, so for every
-- district the desa rows sum to the kecamatan rows, which sum to the kabupaten row, measure by
-- measure. Returns one row per district and measure where they disagree.
{%- set ukuran = [
    'jumlah_rumah_tangga', 'jumlah_jiwa', 'jumlah_kk', 'backlog_kepemilikan', 'backlog_kepenghunian',
    'jumlah_rtlh', 'tidak_layak_ketahanan_bangunan', 'tidak_layak_luas', 'tidak_layak_air_minum',
    'tidak_layak_sanitasi', 'indikatif_layak_bsps', 'estimasi_kebutuhan_bsps_rupiah'
] %}

with kabupaten as (
    select * from {{ ref('backlog_kabupaten') }}
),

kecamatan as (
    select
        kode_kabupaten,
        {%- for u in ukuran %}
        sum({{ u }}) as {{ u }}{{ ',' if not loop.last }}
        {%- endfor %}
    from {{ ref('backlog_kecamatan') }}
    group by kode_kabupaten
),

desa as (
    select
        kode_kabupaten,
        {%- for u in ukuran %}
        sum({{ u }}) as {{ u }}{{ ',' if not loop.last }}
        {%- endfor %}
    from {{ ref('backlog_desa') }}
    group by kode_kabupaten
)

{% for u in ukuran %}
select
    coalesce(kabupaten.kode_kabupaten, kecamatan.kode_kabupaten, desa.kode_kabupaten) as kode_kabupaten,
    '{{ u }}' as ukuran,
    kabupaten.{{ u }} as nilai_kabupaten,
    coalesce(kecamatan.{{ u }}, 0) as nilai_kecamatan,
    coalesce(desa.{{ u }}, 0) as nilai_desa
from kabupaten
full outer join kecamatan on kabupaten.kode_kabupaten = kecamatan.kode_kabupaten
full outer join desa on coalesce(kabupaten.kode_kabupaten, kecamatan.kode_kabupaten) = desa.kode_kabupaten
where kabupaten.{{ u }} is null
   or kabupaten.{{ u }} <> coalesce(kecamatan.{{ u }}, 0)
   or kabupaten.{{ u }} <> coalesce(desa.{{ u }}, 0)
{{ 'union all' if not loop.last }}
{% endfor %}
