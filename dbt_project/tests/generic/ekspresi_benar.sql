{#
    Fails on every row where `expression` is not true (NULL counts as a failure).
    Usable as a model-level test, or on a column (then `column_name` is available to the expression
    only by name). Replaces dbt_utils.expression_is_true (no packages: offline build).
#}
{% test ekspresi_benar(model, expression, column_name=none) %}
select *
from {{ model }}
where not coalesce(({{ expression }}), false)
{% endtest %}
