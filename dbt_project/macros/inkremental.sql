{#
    Per-district incremental models (issue 13): a model that keeps one district's rows together
    rebuilds only the districts whose input changed. Each row carries its district's fingerprint
    (`sidik_kabupaten`); before the insert, `hapus_kabupaten_berubah` deletes the districts whose
    input fingerprint is not the stored one any more (its rows changed, or it left the input),
    and the model then inserts every district it no longer has. No list of changed districts travels
    from Dagster: the fingerprint of the input itself decides, so a run that failed half-way, a
    district withdrawn, or a duplicate NIK decided against another district are all caught the same way.

    The fingerprint = row count + an order-independent hash of every input row. It says nothing about
    the model's own logic: a change to the dbt project (SQL, macros, vars such as luas_minimum_per_orang)
    needs `--full-refresh`, which the pipeline passes by itself when the project's files changed since
    the last successful build (orchestration/lib/dbt_cli.py, project_fingerprint). A column added to the
    model fails an incremental build (on_schema_change='fail') instead of leaving old rows without it.
#}

{# One row per district of `relasi`: kode_kabupaten, sidik_kabupaten. #}
{% macro sidik_per_kabupaten(relasi) -%}
    {{ return(adapter.dispatch('sidik_per_kabupaten', 'p3jr')(relasi)) }}
{%- endmacro %}

{% macro default__sidik_per_kabupaten(relasi) -%}
    select
        sumber.kode_kabupaten,
        cast(count(*) as varchar) || ':' || cast(sum(hash(sumber)) as varchar)
            as sidik_kabupaten
    from {{ relasi }} as sumber
    group by sumber.kode_kabupaten
{%- endmacro %}

{% macro postgres__sidik_per_kabupaten(relasi) -%}
    select
        sumber.kode_kabupaten,
        cast(count(*) as varchar) || ':'
            || md5(string_agg(md5(cast(sumber as text)), '' order by md5(cast(sumber as text)))) as sidik_kabupaten
    from {{ relasi }} as sumber
    group by sumber.kode_kabupaten
{%- endmacro %}

{# One row per district of a relation whose rows carry their district's fingerprint. #}
{% macro sidik_tersimpan(relasi) -%}
    select distinct kode_kabupaten, sidik_kabupaten from {{ relasi }}
{%- endmacro %}

{# pre_hook, in the model's transaction: delete the districts whose input fingerprint changed or that
   left the input. `bersidik`: the input is itself a per-district model whose rows carry the fingerprint
   (int_agregat_desa over int_rumah_tangga_kriteria): read it, do not hash every row again. #}
{% macro hapus_kabupaten_berubah(relasi, bersidik=false) -%}
    {%- if is_incremental() -%}
        delete from {{ this }}
        where kode_kabupaten not in (
            select sekarang.kode_kabupaten
            from ({{ sidik_tersimpan(relasi) if bersidik else sidik_per_kabupaten(relasi) }}) as sekarang
            inner join ({{ sidik_tersimpan(this) }}) as tersimpan
                on sekarang.kode_kabupaten = tersimpan.kode_kabupaten
                and sekarang.sidik_kabupaten = tersimpan.sidik_kabupaten
        )
    {%- endif -%}
{%- endmacro %}

{# A where clause: the input rows of districts the model does not hold (none on a full build). #}
{% macro hanya_kabupaten_baru() -%}
    {%- if is_incremental() %}
    where kode_kabupaten not in (
        select ada.kode_kabupaten from {{ this }} as ada where ada.kode_kabupaten is not null
    )
    {%- endif -%}
{%- endmacro %}
