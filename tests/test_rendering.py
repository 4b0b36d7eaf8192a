"""Look at it: the officials' and a district's workbook rendered as print (LibreOffice headless -> PDF),
read back page by page (poppler's pdftotext), and the chart titles read back from the PNGs.

`make test` installs LibreOffice and poppler-utils when missing (Makefile target `libreoffice`). The
rendered PDFs and page images are kept under test-artifacts/rendering/ for people to look at.
Every printed page carries its sheet name in the page header ('Lembar: <sheet>'), which is how a page
is attributed to a sheet here.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import duckdb
import openpyxl
import pytest

from orchestration.lib.publish.data_dictionary import Labels
from orchestration.lib.reports.charts import chart_title
from orchestration.lib.reports.style import angka, tanggal_id

pytestmark = pytest.mark.slow  # long end to end: scheduled first (tests/conftest.py)

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "test-artifacts" / "rendering"
SHEET = re.compile(r"Lembar: (.+?)(?:\s{2,}|$)", re.M)


def render(xlsx: Path, outdir: Path, profile: Path) -> tuple[Path, list[str]]:
    """xlsx -> PDF with LibreOffice (own profile dir: no clash with another soffice); (pdf, text per page)."""
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    assert soffice, "LibreOffice missing: run `make libreoffice` (make test does)"
    assert shutil.which("pdftotext"), "poppler-utils missing: run `make libreoffice` (make test does)"
    outdir.mkdir(parents=True, exist_ok=True)
    proc = subprocess.run(
        [
            soffice,
            f"-env:UserInstallation={profile.as_uri()}",
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            str(outdir),
            str(xlsx),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    pdf = outdir / (xlsx.stem + ".pdf")
    assert proc.returncode == 0 and pdf.exists(), proc.stdout + proc.stderr
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    pages = text.split("\f")
    if pages and not pages[-1].strip():
        pages = pages[:-1]
    if shutil.which("pdftoppm"):  # page images for people (not asserted)
        subprocess.run(["pdftoppm", "-r", "60", "-png", str(pdf), str(outdir / xlsx.stem)], check=False, timeout=300)
    return pdf, pages


def sheet_of(page: str) -> str | None:
    m = SHEET.search(page)
    return m.group(1).strip() if m else None


@pytest.fixture(scope="module")
def rendered(small_run, tmp_path_factory) -> dict:
    shutil.rmtree(ARTIFACTS, ignore_errors=True)
    ARTIFACTS.mkdir(parents=True)
    profile = tmp_path_factory.mktemp("lo_profile")
    reports = small_run["data"] / "reports"
    ringkasan = ARTIFACTS / "ringkasan_capaian.xlsx"
    shutil.copy(reports / "ringkasan_capaian.xlsx", ringkasan)
    # the district with the largest feedback workbook (most quarantined rows)
    fb = max((reports / "umpan_balik").glob("*/umpan_balik_*.xlsx"), key=lambda p: p.stat().st_size)
    umpan = ARTIFACTS / fb.name
    shutil.copy(fb, umpan)
    for png in reports.glob("grafik_*.png"):
        shutil.copy(png, ARTIFACTS / png.name)
    out = {"reports": reports, "ringkasan_xlsx": ringkasan, "umpan_xlsx": umpan}
    out["ringkasan_pdf"], out["ringkasan"] = render(ringkasan, ARTIFACTS, profile)
    out["umpan_pdf"], out["umpan"] = render(umpan, ARTIFACTS, profile)
    return out


def by_sheet(pages: list[str]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for p in pages:
        out.setdefault(sheet_of(p) or "?", []).append(p)
    return out


def test_officials_workbook_prints_the_ranking_on_one_page(rendered):
    sheets = by_sheet(rendered["ringkasan"])
    counts = {k: len(v) for k, v in sheets.items()}
    print("ringkasan_capaian.pdf pages per sheet:", counts)
    assert "?" not in counts, "a page without its sheet name in the header"
    assert counts["Peringkat"] == 1, counts
    assert counts["Sampul"] == 1 and counts["Proyeksi"] == 1 and counts["Realisasi program"] == 1, counts
    assert counts["Backlog & RTLH"] <= 2, counts
    assert sum(counts.values()) <= 7, counts  # was 11 pages before issue 14

    ranking = sheets["Peringkat"][0]
    assert "Terbaik I" in ranking and "WITA" in ranking
    assert re.search(r"\b\d{1,3}(?:\.\d{3})+\b", ranking), "no thousands dot (Indonesian style)"
    assert re.search(r"\b\d{1,3},\d{2}\b", ranking), "no decimal comma (Indonesian style)"
    figures = "\n".join(line for line in ranking.splitlines() if "WITA" not in line).replace("53.", "")
    assert not re.search(r"\b\d+\.\d{2}\b(?!\d)", figures), "a decimal point in a figure"
    cover = sheets["Sampul"][0]
    assert "ILUSTRATIF" in cover and "WITA" in cover and "Batas data" in cover
    assert re.search(r"Tahun anggaran 20\d\d\b", cover) and "2.025" not in cover  # a year, not a number


def test_district_summary_prints_each_label_beside_its_value(rendered):
    sheets = by_sheet(rendered["umpan"])
    counts = {k: len(v) for k, v in sheets.items()}
    print(f"{rendered['umpan_pdf'].name} pages per sheet:", counts)
    assert "?" not in counts
    lines = [line for page in sheets["Ringkasan"] for line in page.splitlines()]
    ws = openpyxl.load_workbook(rendered["umpan_xlsx"])["Ringkasan"]
    pairs = [
        (a.value, angka(b.value, 2 if ".00" in b.number_format else 0))
        for a, b, *_ in ws.iter_rows()
        if isinstance(a.value, str)
        and isinstance(b.value, (int, float))
        and not isinstance(b.value, bool)
        and len(a.value) < 40
        and b.number_format != "0"
    ]
    assert len(pairs) >= 8, pairs
    for label, value in pairs:
        hits = [line for line in lines if line.strip().startswith(label.strip())]
        assert hits, f"label {label!r} not printed"
        assert any(re.search(rf"\s{re.escape(value)}(\s|$)", line) for line in hits), (
            f"{label!r} printed without its value {value!r} on the same line: {hits}"
        )
    # the first sheet tells the clerk what to do
    first = sheets["Ringkasan"][0]
    for text in (
        "Yang perlu Anda lakukan",
        "Apa yang salah",
        "Langkah berikutnya",
        "Paling lambat",
        "Proyeksi capaian",
    ):
        assert text in first, text
    # the quarantine sheet: header row (and file / sheet / row columns) repeated on every printed page
    for page in sheets["Karantina"]:
        assert re.search(r"file\s+lembar\s+baris", page), page[:500]


def test_chart_titles_name_the_data_date(rendered, small_run):
    with duckdb.connect(str(small_run["published"]), read_only=True) as con:
        (tanggal,) = con.execute("SELECT max(tanggal_acuan) FROM marts.proyeksi_capaian").fetchone()
    for name in ("grafik_capaian", "grafik_rtlh", "grafik_proyeksi"):
        title = chart_title(rendered["reports"] / f"{name}.png")
        assert title and f"data per {tanggal_id(tanggal)}" in title, (name, title)
    assert chart_title(rendered["reports"] / "grafik_proyeksi.png").startswith("Proyeksi cakupan pada ")


def test_headers_of_the_officials_workbook_come_from_the_dictionary(rendered):
    labels = Labels.load()
    wb = openpyxl.load_workbook(rendered["ringkasan_xlsx"], read_only=True)
    known = {lab for cols in labels.by_table.values() for lab in cols.values()}
    for name in ("Peringkat", "Proyeksi", "Backlog & RTLH", "Realisasi program"):
        rows = list(wb[name].iter_rows(values_only=True))
        header = next(
            r
            for r in rows
            if r
            and r[0] == labels("capaian_pendataan", "kode_kabupaten")
            or r
            and r[0] == labels("capaian_pendataan", "peringkat")
            or r
            and r[0] == labels("realisasi_program", "tahun_anggaran")
        )
        cells = [h for h in header if h]
        assert cells and set(cells) <= known, (name, set(cells) - known)
