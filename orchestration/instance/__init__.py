"""What the Dagster instance runs beside the definitions: the run launcher and dead-run recovery."""
