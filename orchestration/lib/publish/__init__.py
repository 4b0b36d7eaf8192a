"""What analysts get: the published database (``database``), the privacy scan it must pass
(``privacy``) and the column dictionary from the dbt docs (``data_dictionary``)."""
