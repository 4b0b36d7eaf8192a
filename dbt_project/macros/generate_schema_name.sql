{#
    Custom schemas are used verbatim (staging, intermediate, marts, referensi), so the
    warehouse schema == the model folder == the Dagster group. Without a custom schema
    the target schema is used.
#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}
        {{ target.schema }}
    {%- else -%}
        {{ custom_schema_name | trim }}
    {%- endif -%}
{%- endmacro %}
