"""Test and demo infrastructure (never imported by the runtime packages ``orchestration`` and
``sources``, except lazily by the CLI's ``p3jr generate``)."""
