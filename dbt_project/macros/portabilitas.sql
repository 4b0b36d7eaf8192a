{#
    The only place for warehouse-specific SQL. Models call these macros; moving to
    another adapter (e.g. Postgres) means adding that adapter's variant here and a profile.
    Everything else uses ANSI SQL or dbt's cross-database macros (dbt.datediff, dbt.safe_cast ...).
#}

{# true when the list/array column `daftar` contains the text `nilai` #}
{% macro daftar_berisi(daftar, nilai) -%}
    {{ return(adapter.dispatch('daftar_berisi', 'p3jr')(daftar, nilai)) }}
{%- endmacro %}

{% macro default__daftar_berisi(daftar, nilai) -%}
    list_contains({{ daftar }}, {{ nilai }})
{%- endmacro %}

{% macro postgres__daftar_berisi(daftar, nilai) -%}
    ({{ nilai }} = any({{ daftar }}))
{%- endmacro %}

{# number of elements of a list/array column (0 for NULL) #}
{% macro panjang_daftar(daftar) -%}
    {{ return(adapter.dispatch('panjang_daftar', 'p3jr')(daftar)) }}
{%- endmacro %}

{% macro default__panjang_daftar(daftar) -%}
    coalesce(len({{ daftar }}), 0)
{%- endmacro %}

{% macro postgres__panjang_daftar(daftar) -%}
    coalesce(cardinality({{ daftar }}), 0)
{%- endmacro %}

{# list/array joined into one text, e.g. 'duplikat_nik,wajib_kosong' #}
{% macro gabung_daftar(daftar, pemisah=',') -%}
    {{ return(adapter.dispatch('gabung_daftar', 'p3jr')(daftar, pemisah)) }}
{%- endmacro %}

{% macro default__gabung_daftar(daftar, pemisah) -%}
    array_to_string({{ daftar }}, '{{ pemisah }}')
{%- endmacro %}

{# a percentage (or any 0-100 score) rounded to two decimals, as decimal(digit,2) #}
{% macro persen(ekspresi, digit=5) -%}
    cast(round(cast({{ ekspresi }} as decimal(18, 6)), 2) as decimal({{ digit }}, 2))
{%- endmacro %}

{# a / b, NULL when b is 0 or NULL #}
{% macro bagi_aman(pembilang, penyebut) -%}
    (cast({{ pembilang }} as double precision) / nullif({{ penyebut }}, 0))
{%- endmacro %}

{# a var() value as a SQL literal: null, number or quoted text #}
{% macro literal_var(nama, default=none) -%}
    {%- set nilai = var(nama, default) -%}
    {%- if nilai is none -%}
        null
    {%- elif nilai is number -%}
        {{ nilai }}
    {%- else -%}
        '{{ nilai | replace("'", "''") }}'
    {%- endif -%}
{%- endmacro %}

{# the run date (YYYY-MM-DD): var('tanggal_run') if given (unit tests), else the environment's
   P3JR_TANGGAL_RUN (the pipeline: a changed var would re-parse the whole project), else current_date #}
{% macro tanggal_run() -%}
    {%- set nilai = var('tanggal_run', none) or env_var('P3JR_TANGGAL_RUN', '') -%}
    {%- if nilai is none or nilai == '' -%}
        current_date
    {%- else -%}
        cast('{{ nilai }}' as date)
    {%- endif -%}
{%- endmacro %}

{# a Jinja list of texts as a SQL list literal: ('a', 'b') #}
{% macro daftar_teks(nilai) -%}
    (
    {%- for n in nilai -%}
        '{{ n | replace("'", "''") }}'{{ ', ' if not loop.last }}
    {%- endfor -%}
    )
{%- endmacro %}
