"""How every report looks: numbers in the Indonesian style (thousands dot, decimal comma, ``Rp``),
dates in Indonesian, times in WITA and saying so, the Excel number formats, the colours, and how the
capaian index formula is written. Unknown is written ``tidak diketahui``, never 0."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from decimal import Decimal

from orchestration.settings import WITA

TIDAK_DIKETAHUI = "tidak diketahui"
BELUM_ADA_DATA = "belum ada data"
BULAN = (
    "Januari",
    "Februari",
    "Maret",
    "April",
    "Mei",
    "Juni",
    "Juli",
    "Agustus",
    "September",
    "Oktober",
    "November",
    "Desember",
)

DEFAULT_BOBOT: dict[str, float] = {
    "cakupan": 0.4,
    "akurasi": 0.3,
    "kelengkapan": 0.2,
    "ketepatan_waktu": 0.1,
}
KOMPONEN = tuple(DEFAULT_BOBOT)
AWARD_COLORS = {"Terbaik I": "#D4AF37", "Terbaik II": "#9EA3A8", "Terbaik III": "#B87333"}
DEFAULT_COLOR = "#4C72B0"
STATUS_COLORS = {"tercapai": "#1A7F37", "sesuai_jalur": "#4C72B0", "terlambat": "#C0504D", "belum_ada_data": "#9C9C9C"}

# Excel number formats with the Indonesian locale ([$-421]): LibreOffice then shows 1.234,56 whatever
# its own locale; Excel uses the system's separators (Indonesian on the Balai's computers).
NUM_FORMATS = {
    "int": "[$-421]#,##0",
    "dec": "[$-421]#,##0.00",
    "rp": '[$-421]"Rp"#,##0',
    "year": "0",
    "bobot": "[$-421]0.0#",
    "date": "[$-421]d mmmm yyyy",
    "datetime": '[$-421]dd/mm/yyyy hh:mm" WITA"',
}


def angka(value, desimal: int = 0) -> str:
    """A number in the Indonesian style: 1.234.567 / 12,50."""
    if value is None:
        return TIDAK_DIKETAHUI
    text = f"{float(value):,.{desimal}f}"
    return text.replace(",", "\x00").replace(".", ",").replace("\x00", ".")


def rupiah(value) -> str:
    return TIDAK_DIKETAHUI if value is None else "Rp" + angka(value)


def tanggal_id(value) -> str:
    """``31 Oktober 2025``."""
    if value is None:
        return TIDAK_DIKETAHUI
    if isinstance(value, dt.datetime):
        value = as_wita(value).date()
    return f"{value.day} {BULAN[value.month - 1]} {value.year}"


def as_wita(value: dt.datetime) -> dt.datetime:
    """An aware datetime in WITA; a naive one is taken as WITA already (project convention)."""
    return value.replace(tzinfo=WITA) if value.tzinfo is None else value.astimezone(WITA)


def waktu_wita(value) -> str:
    """``1 Desember 2026 07.36 WITA``."""
    if value is None:
        return TIDAK_DIKETAHUI
    value = as_wita(value)
    return f"{tanggal_id(value.date())} {value:%H.%M} WITA"


def status_teks(status: str | None) -> str:
    """A status value (``sesuai_jalur``) as readable text (``sesuai jalur``)."""
    return BELUM_ADA_DATA if status is None else str(status).replace("_", " ")


def number_kind(column: str, value) -> str:
    """Which Indonesian format a value of ``column`` gets."""
    if column in ("tahun_anggaran", "tahun"):
        return "year"
    if column.endswith("_rupiah") or column == "nilai_rupiah":
        return "rp"
    if column.startswith("bobot_"):
        return "bobot"
    if isinstance(value, (float, Decimal)):
        return "dec"
    return "int"


def _fmt_bobot(value: float) -> str:
    return f"{value:g}".replace(".", ",")


def rumus_indeks(bobot: Mapping[str, float]) -> str:
    return "indeks_capaian = " + " + ".join(f"{_fmt_bobot(bobot[k])} × {k}" for k in KOMPONEN)


def num(v) -> float:
    """A count as a float, 0 for None: for sums of counts that are never NULL and for chart geometry.
    Never for displaying a value (unknown is not 0)."""
    if v is None:
        return 0.0
    return float(v)
