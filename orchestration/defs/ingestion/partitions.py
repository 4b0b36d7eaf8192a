import dagster as dg

from sources.reference import district_codes

# The 22 Kemendagri codes, read from the reference seed (never typed twice).
district_partitions = dg.StaticPartitionsDefinition(list(district_codes()))
