{# Fails for every combination of `combination_of_columns` that occurs more than once. #}
{% test kombinasi_unik(model, combination_of_columns) %}
select
    {{ combination_of_columns | join(', ') }},
    count(*) as jumlah_baris
from {{ model }}
group by {{ combination_of_columns | join(', ') }}
having count(*) > 1
{% endtest %}
