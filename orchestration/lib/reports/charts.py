"""The officials' charts (PNG, A4 width): indeks capaian with Terbaik I–III, RTLH, and the projection
at the deadline. Each PNG carries its title in the text chunk ``Title`` (``chart_title``) and what it
was drawn from in ``Sidik`` (``digest``): a chart whose figures did not change is not drawn again
(~0.6 s of CPU each)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping
from pathlib import Path

from orchestration.lib.reports import style
from orchestration.lib.reports.style import (
    AWARD_COLORS,
    BELUM_ADA_DATA,
    DEFAULT_COLOR,
    STATUS_COLORS,
    TIDAK_DIKETAHUI,
    angka,
    num,
    rumus_indeks,
    status_teks,
    tanggal_id,
)


def _rtlh_label(persen, jumlah_rtlh, jumlah_rumah_tangga) -> str:
    """Bar label of the RTLH chart, Indonesian style; no household yet is 'belum ada data', never 0 %."""
    if persen is None:
        return BELUM_ADA_DATA if not jumlah_rumah_tangga else TIDAK_DIKETAHUI
    return f"{angka(persen, 1)} % ({angka(num(jumlah_rtlh))} dari {angka(num(jumlah_rumah_tangga))})"


DIGEST_KEY = "Sidik"


def digest(draw: Callable[..., str], *inputs) -> str:
    """One value for what a chart shows: the drawing function and its inputs, the code of this module
    and of style.py, and matplotlib's version. A PNG that holds the same value is that chart."""
    import matplotlib

    h = hashlib.sha256()
    for code in (Path(__file__), Path(style.__file__)):
        h.update(code.read_bytes())
    h.update(json.dumps([draw.__name__, matplotlib.__version__, inputs], default=str, ensure_ascii=False).encode())
    return h.hexdigest()


def warm_up() -> None:
    """Load the fonts and the PNG writer once (~0.8 s): `p3jr siaga` does it before forking its runs."""
    import io

    fig = _figure(1)
    ax = fig.add_subplot(1, 1, 1)
    ax.barh([0], [1.0])
    ax.set_title("p3jr")
    ax.text(0.5, 0, "p3jr", style="italic", fontweight="bold")
    fig.savefig(io.BytesIO(), format="png")


def _figure(n_bars: int):
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    # A4 portrait width at a readable font size
    fig = Figure(figsize=(8.27, max(4.0, 0.32 * n_bars + 2.2)), dpi=150)
    FigureCanvasAgg(fig)
    return fig


def _save(fig, path: Path, title: str, sidik: str) -> None:
    fig.savefig(path, format="png", metadata={"Title": title, "Software": "p3jr", DIGEST_KEY: sidik})


def _axis_id(ax, desimal: int = 0, suffix: str = "") -> None:
    from matplotlib.ticker import FuncFormatter

    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _pos: angka(v, desimal) + suffix))


def chart_capaian(path: Path, data: list[tuple], bobot: Mapping[str, float], tanggal_data, sidik: str = "") -> str:
    """data: (nama_kabupaten, indeks_capaian, peringkat, penghargaan, ada_data) ordered by peringkat."""
    from matplotlib.patches import Patch

    title = f"Indeks capaian pendataan per kabupaten/kota — data per {tanggal_id(tanggal_data)}"
    fig = _figure(len(data))
    ax = fig.add_subplot(1, 1, 1)
    y = list(range(len(data)))
    values = [num(d[1]) if d[4] else 0.0 for d in data]
    colors = [AWARD_COLORS.get(d[3], DEFAULT_COLOR) for d in data]
    ax.barh(y, values, color=colors, edgecolor="white")
    ax.set_yticks(y, [f"{d[2] if d[2] is not None else '-'}. {d[0]}" for d in data], fontsize=8)
    ax.invert_yaxis()
    ax.set_xlim(0, 118)
    _axis_id(ax)
    ax.set_xlabel("Indeks capaian (0–100)", fontsize=9)
    ax.set_title(title, fontsize=10.5, loc="left")
    for yi, v, d in zip(y, values, data):
        if not d[4]:
            label, style = BELUM_ADA_DATA, "italic"
        else:
            label, style = angka(d[1], 2) if d[1] is not None else TIDAK_DIKETAHUI, "normal"
        if d[3] in AWARD_COLORS:
            label += f"  ★ {d[3]}"
        ax.text(
            v + 0.8,
            yi,
            label,
            va="center",
            fontsize=7.5,
            style=style,
            fontweight="bold" if d[3] in AWARD_COLORS else "normal",
            color="#666666" if not d[4] else "black",
        )
    ax.legend(
        handles=[Patch(color=c, label=f"★ {a}") for a, c in AWARD_COLORS.items()],
        loc="lower right",
        fontsize=7.5,
        frameon=False,
    )
    ax.grid(axis="x", alpha=0.3)
    ax.spines[["top", "right"]].set_visible(False)
    fig.text(0.01, 0.005, "Rumus: " + rumus_indeks(bobot) + " · target ILUSTRATIF", fontsize=7, color="#555555")
    fig.tight_layout(rect=(0, 0.03, 1, 1))
    _save(fig, path, title, sidik)
    return title


def chart_rtlh(path: Path, data: list[tuple], tanggal_data, sidik: str = "") -> str:
    """data: (nama_kabupaten, persen_rtlh, jumlah_rtlh, jumlah_rumah_tangga) ordered by persen desc."""
    title = f"Rumah tidak layak huni (RTLH) per kabupaten/kota — data per {tanggal_id(tanggal_data)}"
    fig = _figure(len(data))
    ax = fig.add_subplot(1, 1, 1)
    y = list(range(len(data)))
    values = [num(d[1]) for d in data]
    ax.barh(y, values, color="#C0504D", edgecolor="white")
    ax.set_yticks(y, [d[0] for d in data], fontsize=8)
    ax.invert_yaxis()
    ax.set_xlim(0, 135)
    _axis_id(ax, suffix=" %")
    ax.set_xlabel("RTLH (% rumah tangga terdata)", fontsize=9)
    ax.set_title(title, fontsize=10.5, loc="left")
    total_rt = sum(num(d[3]) for d in data)
    total_rtlh = sum(num(d[2]) for d in data)
    if total_rt:
        avg = 100 * total_rtlh / total_rt
        ax.axvline(avg, color="#333333", linestyle="--", linewidth=1, label=f"rata-rata provinsi {angka(avg, 1)} %")
        ax.legend(loc="lower right", fontsize=8, frameon=False)
    for yi, v, d in zip(y, values, data):
        ax.text(
            v + 0.8,
            yi,
            _rtlh_label(d[1], d[2], d[3]),
            va="center",
            fontsize=7.5,
            style="italic" if d[1] is None else "normal",
            color="#666666" if d[1] is None else "black",
        )
    ax.grid(axis="x", alpha=0.3)
    ax.spines[["top", "right"]].set_visible(False)
    fig.tight_layout()
    _save(fig, path, title, sidik)
    return title


def chart_proyeksi(path: Path, data: list[tuple], tanggal_data, batas, sidik: str = "") -> str:
    """data: (nama_kabupaten, cakupan_saat_ini, proyeksi_cakupan_batas_waktu, status_proyeksi), ordered."""
    from matplotlib.patches import Patch

    title = f"Proyeksi cakupan pada {tanggal_id(batas)} dengan laju saat ini\ndata per {tanggal_id(tanggal_data)}"
    fig = _figure(len(data))
    ax = fig.add_subplot(1, 1, 1)
    y = list(range(len(data)))
    now = [num(d[1]) for d in data]
    proj = [num(d[2]) if d[2] is not None else 0.0 for d in data]
    ax.barh(y, proj, color=[STATUS_COLORS.get(d[3], "#9C9C9C") for d in data], alpha=0.35, edgecolor="white")
    ax.barh(y, now, color=[STATUS_COLORS.get(d[3], "#9C9C9C") for d in data], height=0.45)
    ax.axvline(100, color="#333333", linewidth=1, linestyle="--")
    ax.set_yticks(y, [d[0] for d in data], fontsize=8)
    ax.invert_yaxis()
    ax.set_xlim(0, 150)
    _axis_id(ax, suffix=" %")
    ax.set_xlabel("Cakupan target (%): batang tebal = saat ini, batang muda = proyeksi pada batas waktu", fontsize=8.5)
    ax.set_title(title, fontsize=10, loc="left")
    for yi, d, p, c in zip(y, data, proj, now):
        if d[3] == "belum_ada_data":
            label = f"{angka(d[1], 1)} % · {BELUM_ADA_DATA}" if d[1] is not None else BELUM_ADA_DATA
        else:
            label = f"{angka(d[1], 1)} % → {angka(d[2], 1)} % · {status_teks(d[3])}"
        ax.text(
            max(p, c) + 1,
            yi,
            label,
            va="center",
            fontsize=7.5,
            style="italic" if d[3] == "belum_ada_data" else "normal",
        )
    ax.legend(
        handles=[Patch(color=c, label=status_teks(s)) for s, c in STATUS_COLORS.items()],
        loc="lower right",
        fontsize=7.5,
        frameon=False,
    )
    ax.grid(axis="x", alpha=0.3)
    ax.spines[["top", "right"]].set_visible(False)
    fig.text(
        0.01,
        0.005,
        "Target ILUSTRATIF; laju = rata-rata pertambahan rumah tangga valid per hari pada riwayat "
        "terakhir (lihat kolom metode).",
        fontsize=7,
        color="#555555",
    )
    fig.tight_layout(rect=(0, 0.03, 1, 1))
    _save(fig, path, title, sidik)
    return title


def chart_title(png: Path) -> str | None:
    """The title stored in a chart PNG (text chunk ``Title``)."""
    return png_text(png, "Title")


def png_text(png: Path, key: str) -> str | None:
    """A text chunk of a PNG; None when the file is missing or unreadable."""
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(png) as img:
            return (getattr(img, "text", None) or img.info).get(key)
    except (OSError, UnidentifiedImageError):
        return None
