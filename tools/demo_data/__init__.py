"""Deterministic demo-data generator: district submissions for Program 3 Juta Rumah (NTT, TA 2025).

``generate(out_dir, scale, seed, ...)`` writes one landing folder per district (``out_dir/53.KK/``)
with the spreadsheets a district would really send (.xlsx exported from Excel/LibreOffice, .csv in
several dialects and encodings), plus the ground truth in ``out_dir/_manifest/``:

- ``rows.csv`` (``rows.csv.gz`` for ``scale="ntt"``): one line per data row the pipeline reads
  (blank and totals rows are not data rows), with the expected outcome (``hasil``), reason codes,
  warning codes and the true canonical values after warnings have nulled optional fields;
- ``files.csv``: every file written, its expected status (active / rejected) and reject reason;
- ``summary.json``: parameters and counts.

Everything is derived from ``random.Random`` streams seeded with strings, so the same arguments
give byte-identical files (xlsx creation date and zip timestamps are fixed). Rows are generated,
written and logged one at a time: memory stays bounded at province scale (1.36 million households).

Expected outcomes follow ``docs/ARSITEKTUR.md`` "Row rules" and ``sources/kontrak/*.csv``; every
affected row carries exactly one injected fault, so its reason list is known by construction.

Modules, one job each: ``common`` (constants, helpers), ``names``, ``styles`` (how an office fills in
its sheets), ``plan`` (districts, files, arrival times), ``households``, ``render`` (cells as a
district's sheet shows them), ``faults`` (row and whole-file faults), ``sheets`` (one file),
``writers`` (xlsx through xlsxwriter's public API, csv), ``manifest`` (ground truth), ``core``.
This package is test and demo infrastructure: the runtime packages never import it (only the CLI's
``p3jr generate``, lazily).
"""

from tools.demo_data.common import MANIFEST_DIR, MANIFEST_FILE_COLUMNS, MANIFEST_ROW_COLUMNS, NON_DISTRICT_FOLDER
from tools.demo_data.core import generate

__all__ = ["generate", "MANIFEST_ROW_COLUMNS", "MANIFEST_FILE_COLUMNS", "MANIFEST_DIR", "NON_DISTRICT_FOLDER"]
