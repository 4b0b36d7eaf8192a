"""Feedback workbook for one district: ``<out_dir>/<kode>/umpan_balik_<kode>.xlsx``.

Sheets (Indonesian, for the district's data officer):

* ``Ringkasan``  – first what to do: what is wrong (rows per reason), what to do next, by when, and
  the projection ("dengan laju saat ini Anda mencapai X % pada <tanggal>"); then the status, row
  counts, whether the submission is held and why, the district's capaian figures. Two columns, label
  beside value, printed on A4 fitted to the page width so a label never prints apart from its value.
* ``Karantina``  – every quarantined row, sorted by file, sheet, reason and row (rows of one file and
  one reason stay together): file, sheet, row, reason codes, message, then the original cell values
  (``nilai_asli``) as columns, so the officer can find and fix the row. Header repeated on every page.
* ``Peringatan`` – accepted rows with a warning: file, sheet, row, code, column, message.
* ``File diterima`` – every file received: name, status, reason, arrival time (WITA).
* ``Catatan file`` – notes on files that were read, and entries of the folder that were not.

Labels of capaian and projection figures come from the column dictionary (dbt docs of the marts,
``config: meta: label``); numbers are formatted the Indonesian way, times are WITA and say so.

This file holds personal data (NIK, names) by design: it is written only into the district's own
folder. Every text cell is written with ``write_string`` and the workbook has ``strings_to_formulas``
/ ``strings_to_numbers`` / ``strings_to_urls`` off, so a value such as ``=HYPERLINK(...)`` sent by
anyone stays inert text (no formula injection). The file is replaced atomically; the pipeline rewrites
it only when what it shows changed (``feedback_digest.write_feedback_if_changed``).
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from orchestration.lib.files import GROUP_FILE_MODE, atomic_target, ensure_private_dir
from orchestration.lib.publish.data_dictionary import Labels
from orchestration.lib.reports.feedback_sheets import (
    Writer,
    write_catatan,
    write_files,
    write_karantina,
    write_peringatan,
)
from orchestration.lib.reports.feedback_summary import list_tables, proyeksi_row, summary, write_ringkasan
from orchestration.lib.reports.query import fetch_rows

# personal data: the service account and its group, never other users
FEEDBACK_FILE_MODE = GROUP_FILE_MODE


def feedback_path(feedback_dir: Path, kode: str) -> Path:
    """Where a district's workbook lives: `<feedback_dir>/<kode>/umpan_balik_<kode>.xlsx` (one convention for
    the pipeline, the CLI summary and the portal)."""
    return Path(feedback_dir) / kode / f"umpan_balik_{kode}.xlsx"


def registry_rows(con: duckdb.DuckDBPyConnection, kode: str) -> tuple[list[str], list[tuple]]:
    """The district's rows of the file registry as the *File diterima* sheet prints them (also an input of
    the workbook's digest, ``feedback_digest``)."""
    return fetch_rows(
        con,
        "SELECT nama_file, path_relatif, jenis, CASE WHEN status = 'rejected' AND NOT coalesce(ada_di_folder, true) "
        "THEN 'rejected_gone' ELSE status END AS status, alasan_kode, alasan, waktu_file, baris_dibaca "
        "FROM ingestion.file_registry WHERE kode_kabupaten = ? "
        "ORDER BY CASE status WHEN 'active' THEN 0 WHEN 'rejected' THEN 1 ELSE 2 END, waktu_file, nama_file",
        [kode],
    )


def write_feedback(
    con: duckdb.DuckDBPyConnection,
    kode_kabupaten: str,
    out_dir: Path,
    *,
    capaian: dict | None = None,
    proyeksi: dict | None = None,
    labels: Labels | None = None,
) -> Path | None:
    """Write the district's feedback workbook; ``None`` when the district has no registered file.

    ``proyeksi`` defaults to the district's row of ``marts.proyeksi_capaian`` when ``con`` has it;
    ``labels`` to the column dictionary of the dbt manifest."""
    import xlsxwriter

    kode = kode_kabupaten
    files_cols, files = registry_rows(con, kode)
    if not files:
        return None

    # Quarantined rows quote NIK and names: the feedback folder is for the service account, which
    # hands each district its own workbook (never readable by the analysts' group).
    ensure_private_dir(Path(out_dir))
    ensure_private_dir(Path(out_dir) / kode)
    target = feedback_path(Path(out_dir), kode)
    with atomic_target(target, FEEDBACK_FILE_MODE) as tmp:
        wb = xlsxwriter.Workbook(
            str(tmp),
            {
                "strings_to_formulas": False,
                "strings_to_numbers": False,
                "strings_to_urls": False,
                "constant_memory": True,
                "remove_timezone": True,
            },
        )
        w = Writer(wb)
        quarantine, warnings = list_tables(summary(con, kode))
        if proyeksi is None:
            proyeksi = proyeksi_row(con, kode)
        write_ringkasan(wb, w, con, kode, capaian, proyeksi, labels or Labels.load(), quarantine, warnings)
        write_karantina(wb, w, con, kode, quarantine)
        write_peringatan(wb, w, con, kode, warnings)
        write_files(wb, w, files_cols, files)
        write_catatan(wb, w, con, kode)
        wb.close()
    return target
