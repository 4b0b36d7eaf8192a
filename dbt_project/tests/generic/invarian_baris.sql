{#
    Every row rule of one model in ONE query: a staging or intermediate view over the province's
    accepted rows is read once, not once per column and rule, and dbt/Dagster run one node per model
    instead of one per rule. `aturan` is a list; each entry names a column and the rules it must keep:

      kolom: <column>
        wajib: true                          not NULL
        unik: true                           no value twice (NULLs ignored)
        nilai_baku: [a, b]                   one of these values (NULL passes)
        rentang: {min: 0, max: 1}            inside the bounds, either optional (NULL passes)
        ada_di: {tabel: ref('x'), kolom: y}  the value exists in x.y (NULL passes)
        ekspresi: <sql>                      true on every row (NULL fails)
      kombinasi_unik: [a, b]                 (an entry without `kolom`) no combination twice

    The test returns one row per broken rule (kolom, aturan, jumlah_baris); none = pass. To see which
    rule broke, run the compiled SQL of the failing test (target/compiled/...).
#}
{% test invarian_baris(model, aturan) %}
{%- set checks = [] -%}
{%- set joins = [] -%}
{%- set kombinasi = [] -%}
{%- for a in aturan -%}
    {%- if a.kombinasi_unik is defined -%}
        {%- do kombinasi.append(a.kombinasi_unik) -%}
    {%- else -%}
        {%- set k = 'm.' ~ a.kolom -%}
        {%- if a.wajib -%}
            {%- do checks.append((a.kolom, 'wajib_diisi', 'count(*) filter (where ' ~ k ~ ' is null)')) -%}
        {%- endif -%}
        {%- if a.unik -%}
            {%- do checks.append((a.kolom, 'unik', 'count(' ~ k ~ ') - count(distinct ' ~ k ~ ')')) -%}
        {%- endif -%}
        {%- if a.nilai_baku is defined -%}
            {%- set values = [] -%}
            {%- for v in a.nilai_baku -%}{%- do values.append("'" ~ v ~ "'") -%}{%- endfor -%}
            {%- do checks.append((a.kolom, 'nilai_baku',
                'count(*) filter (where ' ~ k ~ ' is not null and cast(' ~ k ~ ' as varchar) not in (' ~ values | join(', ') ~ '))')) -%}
        {%- endif -%}
        {%- if a.rentang is defined -%}
            {%- set bounds = [] -%}
            {%- if a.rentang.min is defined and a.rentang.min is not none -%}{%- do bounds.append(k ~ ' < ' ~ a.rentang.min) -%}{%- endif -%}
            {%- if a.rentang.max is defined and a.rentang.max is not none -%}{%- do bounds.append(k ~ ' > ' ~ a.rentang.max) -%}{%- endif -%}
            {%- do checks.append((a.kolom, 'rentang_nilai',
                'count(*) filter (where ' ~ k ~ ' is not null and (' ~ bounds | join(' or ') ~ '))')) -%}
        {%- endif -%}
        {%- if a.ada_di is defined -%}
            {%- set alias = 'ref_' ~ (joins | length) -%}
            {%- do joins.append('left join (select distinct ' ~ a.ada_di.kolom ~ ' as kunci from ' ~ a.ada_di.tabel ~ ') as '
                ~ alias ~ ' on ' ~ k ~ ' = ' ~ alias ~ '.kunci') -%}
            {%- do checks.append((a.kolom, 'ada_di_referensi',
                'count(*) filter (where ' ~ k ~ ' is not null and ' ~ alias ~ '.kunci is null)')) -%}
        {%- endif -%}
        {%- if a.ekspresi is defined -%}
            {%- do checks.append((a.kolom, 'ekspresi_benar', 'count(*) filter (where not coalesce((' ~ a.ekspresi ~ '), false))')) -%}
        {%- endif -%}
    {%- endif -%}
{%- endfor %}

with
{%- if checks %}
hitung as (
    select
    {%- for c in checks %}
        {{ c[2] }} as p{{ loop.index }}{{ ',' if not loop.last }}
    {%- endfor %}
    from {{ model }} as m
    {%- for j in joins %}
    {{ j }}
    {%- endfor %}
),
{%- endif %}

pelanggaran as (
    {%- for c in checks %}
    {{ 'union all' if not loop.first }}
    select '{{ c[0] }}' as kolom, '{{ c[1] }}' as aturan, p{{ loop.index }} as jumlah_baris from hitung
    {%- endfor %}
    {%- for cols in kombinasi %}
    {{ 'union all' if checks or not loop.first }}
    select '{{ cols | join(", ") }}' as kolom, 'kombinasi_unik' as aturan, count(*) as jumlah_baris
    from (
        select {{ cols | join(', ') }} from {{ model }} group by {{ cols | join(', ') }} having count(*) > 1
    ) as ganda
    {%- endfor %}
)

select kolom, aturan, jumlah_baris
from pelanggaran
where jumlah_baris > 0
{% endtest %}
