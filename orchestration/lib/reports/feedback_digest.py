"""Rewrite a district's feedback workbook only when what it shows changed.

The digest (``sidik``) of a workbook covers every input its sheets print, read cheaply from the warehouse:

* ``tata_letak``: :data:`LAYOUT_VERSION` and the label tables the sheets print (``STATUS_LABEL``,
  ``PENGAJUAN_LABEL``, ``CAPAIAN_SKIP``);
* ``kontrak``: the reason texts (Ringkasan per reason, Catatan file) and the contract's column order
  (the original-value columns of Karantina);
* ``kabupaten``: the district's name from the reference (the title);
* ``file``: its rows of the file registry (File diterima; the same query, ``feedback.registry_rows``);
* ``status``: its ``quality.status_pengajuan`` row (``summary``), which also says which quarantine and
  warning tables the workbook reads (a held district: the tables of its current files);
* ``karantina`` / ``peringatan``: the table read, the row count and an aggregate of a hash of every
  printed column of its rows, one scan each in DuckDB (``bit_xor`` and the sum of the hashes, so two
  equal rows do not cancel);
* ``cadangan``: without a status row, the accepted-row counts the summary falls back on;
* ``capaian`` / ``proyeksi``: the district's rows as passed (values as the summary prints them);
* ``label``: the column label printed beside each of those values (column dictionary);
* ``catatan``: the Catatan file rows (notes on read files, entries not read);
* ``tanggal``: whether the deadline has passed today (the "Paling lambat" text says so).

Not covered, on purpose: the "Dibuat" time of the summary (when the workbook was written; an unchanged
workbook keeps its time). The digest is recorded beside the workbook (``.umpan_balik_<kode>.digest``)
only AFTER the workbook was replaced, so a crash between the two costs one extra rewrite, never a stale
workbook under a current digest.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

import duckdb

from orchestration.lib.files import atomic_write
from orchestration.lib.publish.data_dictionary import Labels
from orchestration.lib.reports.feedback import FEEDBACK_FILE_MODE, feedback_path, registry_rows, write_feedback
from orchestration.lib.reports.feedback_sheets import STATUS_LABEL, catatan_rows
from orchestration.lib.reports.feedback_summary import (
    CAPAIAN_SKIP,
    PENGAJUAN_LABEL,
    _district_name,
    _plain,
    count_rows,
    list_tables,
    proyeksi_row,
    summary,
)
from orchestration.lib.warehouse import table_exists
from orchestration.settings import WITA
from sources import contract

# Bump when the workbook's layout changes (a sheet, a label, a format, what a cell shows): every
# district's workbook is then rewritten once, although its data did not change. Changes of the data
# the sheets print (including the contract's reason texts and the column dictionary) need no bump.
LAYOUT_VERSION = 1

# the printed columns of each row table (the sheets' queries: feedback_sheets.write_karantina / write_peringatan)
_QUARANTINE_COLUMNS = "jenis, nama_file, sheet, baris, alasan, pesan, CAST(nilai_asli AS VARCHAR)"
_WARNING_COLUMNS = "jenis, nama_file, sheet, baris, kode, kolom, pesan"


@dataclass(frozen=True)
class Digest:
    """The workbook's digest and the digest of each input (``bagian``), so a rewrite can say what changed."""

    sidik: str
    bagian: dict[str, str] = field(default_factory=dict)

    def text(self) -> str:
        return json.dumps({"sidik": self.sidik, "bagian": self.bagian}, sort_keys=True) + "\n"

    @classmethod
    def parse(cls, text: str) -> Digest | None:
        try:
            data = json.loads(text)
            return cls(str(data["sidik"]), {str(k): str(v) for k, v in (data.get("bagian") or {}).items()})
        except (ValueError, KeyError, TypeError, AttributeError):
            return None


@dataclass(frozen=True)
class FeedbackWrite:
    """What :func:`write_feedback_if_changed` did for one district.

    ``reason``: ``dipaksa`` (forced run), ``file_tidak_ada`` (no workbook on disk), ``sidik_tidak_ada`` (no
    readable recorded digest), ``sidik_berubah`` (an input changed; ``changed`` names it), ``tidak_berubah``
    (nothing written) or ``tanpa_file`` (the district has no registered file: nothing written)."""

    kode_kabupaten: str
    path: Path | None
    written: bool
    reason: str
    changed: tuple[str, ...] = ()


def digest_path(out_dir: Path, kode: str) -> Path:
    """``<out_dir>/<kode>/.umpan_balik_<kode>.digest``, beside the workbook."""
    return Path(out_dir) / kode / f".umpan_balik_{kode}.digest"


def recorded_digest(out_dir: Path, kode: str) -> Digest | None:
    """The digest recorded for the workbook on disk; ``None`` when missing or unreadable."""
    try:
        return Digest.parse(digest_path(out_dir, kode).read_text(encoding="utf-8"))
    except OSError:
        return None


def _canon(value: Any) -> str:
    """Values JSON does not know, with their type (a date and a datetime print differently)."""
    if isinstance(value, (date, datetime)):
        return f"{type(value).__name__}:{value.isoformat()}"
    return f"{type(value).__name__}:{value!r}"


def _hash(value: Any) -> str:
    text = json.dumps(value, default=_canon, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def _plain_items(row: dict | None) -> list[list]:
    """A row as ordered (column, value) pairs, values as the summary prints them (``_plain``)."""
    return [[k, _plain(v)] for k, v in (row or {}).items()]


def row_aggregate(con: duckdb.DuckDBPyConnection, table: str, columns: str, kode: str) -> list:
    """[table, rows, bit_xor of the row hashes, sum of the row hashes] of the district's rows, one scan in
    DuckDB; [table, None] when the table does not exist (the sheet is then empty)."""
    if not table_exists(con, *table.split(".")):
        return [table, None]
    n, xor, total = con.execute(
        f"SELECT count(*), bit_xor(h), sum(h::HUGEINT) FROM (SELECT hash({columns}) AS h FROM {table} "
        "WHERE kode_kabupaten = ?)",
        [kode],
    ).fetchone()
    return [table, int(n), None if xor is None else str(xor), None if total is None else str(total)]


def _deadline_passed(capaian: dict, today: date) -> bool:
    """Whether "Paling lambat" says the deadline has passed (the test of ``feedback_summary.write_ringkasan``)."""
    batas = capaian.get("batas_waktu")
    if not batas or not isinstance(batas, (date, datetime)):
        return False
    return (batas.date() if isinstance(batas, datetime) else batas) < today


def feedback_digest(
    con: duckdb.DuckDBPyConnection,
    kode: str,
    *,
    capaian: dict | None,
    proyeksi: dict | None,
    labels: Labels,
    files: tuple[list[str], list[tuple]] | None = None,
    today: date | None = None,
) -> Digest:
    """The digest of everything the district's workbook shows (see the module docstring). Arguments as
    ``write_feedback`` gets them (``proyeksi``: the district's ``proyeksi_row`` when ``None``); ``files``:
    ``registry_rows`` when already read; ``today``: the date the deadline is compared with (tests)."""
    today = today or datetime.now(WITA).date()
    if proyeksi is None:
        proyeksi = proyeksi_row(con, kode)
    st = summary(con, kode)
    quarantine, warnings = list_tables(st)
    cap = {k: _plain(v) for k, v in (capaian or {}).items()}
    files_cols, file_rows = files if files is not None else registry_rows(con, kode)
    reasons = contract.reasons()
    parts: dict[str, Any] = {
        "tata_letak": [LAYOUT_VERSION, STATUS_LABEL, PENGAJUAN_LABEL, sorted(CAPAIAN_SKIP)],
        "kontrak": [
            sorted([code, r.message] for code, r in reasons.items()),
            [contract.column_names(k) for k in contract.KINDS],
        ],
        "kabupaten": _district_name(kode),
        "file": [files_cols, file_rows],
        "status": _plain_items(st),
        "karantina": row_aggregate(con, quarantine, _QUARANTINE_COLUMNS, kode),
        "peringatan": row_aggregate(con, warnings, _WARNING_COLUMNS, kode),
        "cadangan": None
        if st
        else [
            count_rows(con, "quality.rumah_tangga_diterima", kode),
            count_rows(con, "quality.realisasi_program_diterima", kode),
        ],
        "capaian": _plain_items(cap),
        "proyeksi": _plain_items(proyeksi),
        "label": [[k, labels("capaian_pendataan", k)] for k in cap if k not in CAPAIAN_SKIP]
        + [[k, labels("proyeksi_capaian", k)] for k in (proyeksi or {})],
        "catatan": catatan_rows(con, kode),
        "tanggal": _deadline_passed(cap, today),
    }
    bagian = {name: _hash(value) for name, value in parts.items()}
    return Digest(_hash(sorted(bagian.items())), bagian)


@dataclass(frozen=True)
class FeedbackPlan:
    """A district whose workbook :func:`plan_feedback` decided to write: why, the digest to record after
    it, what the workbook is given, and its list rows (karantina + peringatan: what writing it costs)."""

    kode_kabupaten: str
    reason: str
    changed: tuple[str, ...]
    digest: Digest
    capaian: dict | None
    proyeksi: dict | None
    list_rows: int


def plan_feedback(
    con: duckdb.DuckDBPyConnection,
    kode_kabupaten: str,
    out_dir: Path,
    *,
    capaian: dict | None = None,
    proyeksi: dict | None = None,
    labels: Labels | None = None,
    force: bool = False,
    today: date | None = None,
) -> FeedbackPlan | FeedbackWrite:
    """THE rule for rewriting a workbook: when forced, when it is missing, or when its digest differs from
    the one recorded beside it. A :class:`FeedbackWrite` when nothing is to be written. ``today``: the date
    the digest compares the deadline with (tests; the workbook always uses the current date)."""
    kode = kode_kabupaten
    files = registry_rows(con, kode)
    if not files[1]:
        return FeedbackWrite(kode, None, False, "tanpa_file")
    if proyeksi is None:
        proyeksi = proyeksi_row(con, kode)
    labels = labels or Labels.load()
    digest = feedback_digest(con, kode, capaian=capaian, proyeksi=proyeksi, labels=labels, files=files, today=today)
    target = feedback_path(Path(out_dir), kode)
    recorded = recorded_digest(out_dir, kode)
    changed: tuple[str, ...] = ()
    if force:
        reason = "dipaksa"
    elif not target.is_file():
        reason = "file_tidak_ada"
    elif recorded is None:
        reason = "sidik_tidak_ada"
    elif recorded.sidik != digest.sidik:
        reason = "sidik_berubah"
        changed = tuple(
            sorted(
                k
                for k in digest.bagian.keys() | recorded.bagian.keys()
                if digest.bagian.get(k) != recorded.bagian.get(k)
            )
        )
    else:
        return FeedbackWrite(kode, target, False, "tidak_berubah")
    list_rows = sum(count_rows(con, table, kode) for table in list_tables(summary(con, kode)))
    return FeedbackPlan(kode, reason, changed, digest, capaian, proyeksi, list_rows)


def write_planned(con: duckdb.DuckDBPyConnection, plan: FeedbackPlan, out_dir: Path, labels: Labels) -> FeedbackWrite:
    """Write the planned workbook, then record its digest."""
    kode = plan.kode_kabupaten
    path = write_feedback(con, kode, out_dir, capaian=plan.capaian, proyeksi=plan.proyeksi, labels=labels)
    # after the workbook: a crash in between leaves the old digest, so the next run rewrites once more
    atomic_write(digest_path(out_dir, kode), plan.digest.text(), FEEDBACK_FILE_MODE)
    return FeedbackWrite(kode, path, True, plan.reason, plan.changed)


def write_feedback_if_changed(
    con: duckdb.DuckDBPyConnection, kode_kabupaten: str, out_dir: Path, *, labels: Labels | None = None, **plan: Any
) -> FeedbackWrite:
    """Write the district's workbook (``feedback.write_feedback``) when :func:`plan_feedback` says so, then
    record the new digest. ``plan``: the other keyword arguments of :func:`plan_feedback`."""
    labels = labels or Labels.load()
    planned = plan_feedback(con, kode_kabupaten, out_dir, labels=labels, **plan)
    return write_planned(con, planned, out_dir, labels) if isinstance(planned, FeedbackPlan) else planned
