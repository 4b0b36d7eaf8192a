import dagster as dg

from sources.reference import district_codes

# The 22 Kemendagri codes, read from the reference seed (never typed twice).
district_partitions = dg.StaticPartitionsDefinition(list(district_codes()))

ALL_DISTRICTS_TAGS = {
    "dagster/asset_partition_range_start": district_codes()[0],
    "dagster/asset_partition_range_end": district_codes()[-1],
}
