"""Retry rules of the pipeline: transient I/O vs. data quality.

* Only steps that touch the file system / network in ways that can fail transiently (ingestion:
  scanning the landing zone, archiving, reading files into the warehouse) get
  ``retry_policy=TRANSIENT_RETRY_POLICY`` (2 retries, 10 s then 20 s).
* Quality assets and checks never get a retry policy. A data-quality verdict is deterministic: a
  retry would produce the same verdict and only delay the alert. When a quality step must stop the
  run, raise :func:`quality_failure` (a ``dg.Failure`` with ``allow_retries=False``, which Dagster
  honours even if a retry policy was attached by a job-wide ``op_retry_policy``).
* Run-level retries (``run_retries`` in dagster.yaml) stay off, so a failed run is alerted once.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import dagster as dg

TRANSIENT_RETRY_POLICY = dg.RetryPolicy(
    max_retries=2,
    delay=10,
    backoff=dg.Backoff.EXPONENTIAL,
)
"""For I/O-ish steps only (ingestion file scan/archive/load). Never for quality steps."""


def quality_failure(description: str, metadata: Mapping[str, Any] | None = None) -> dg.Failure:
    """A ``dg.Failure`` that bypasses every retry policy (``allow_retries=False``)."""
    return dg.Failure(description=description, metadata=dict(metadata or {}), allow_retries=False)
