"""Tests of the demo-data generator (tools/demo_data/) and its ground-truth manifest.

The files are checked with independent readers (python-calamine, openpyxl, csv) and an independent
resolver built from the reference seeds, so a manifest that disagrees with the files fails here.
"""

from __future__ import annotations

import csv
import gzip
import hashlib
import io
import json
import os
import re
import resource
import subprocess
import sys
import textwrap
from collections import Counter, defaultdict
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
import python_calamine as pc

from orchestration.lib.reports import style
from sources import contract, reference
from tools import demo_data
from tools.demo_data import common

ROOT = Path(__file__).resolve().parent.parent
SEED = 1
NIK_CODES = {"nik_bukan_16_digit", "nik_tidak_valid", "nik_rusak_excel"}
EXCEL_EPOCH = date(1899, 12, 30)
BULAN = {b.lower(): i + 1 for i, b in enumerate(style.BULAN)}
BULAN.update({"jan": 1, "feb": 2, "mar": 3, "apr": 4, "jun": 6, "jul": 7, "agt": 8, "sep": 9, "nov": 11})


# ------------------------------------------------------------------------------------------------
# fixtures
# ------------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def small(tmp_path_factory):
    out = tmp_path_factory.mktemp("gen_small")
    summary = demo_data.generate(out, scale="small", seed=SEED)
    return out, summary


@pytest.fixture(scope="module")
def manifest(small):
    out, _ = small
    with open(out / "_manifest" / "rows.csv", newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    with open(out / "_manifest" / "files.csv", newline="", encoding="utf-8") as f:
        files = list(csv.DictReader(f))
    return rows, files


@pytest.fixture(scope="module")
def sheets(small, manifest):
    """(folder, file, sheet) → parsed sheet (header map + rows by baris) for every readable data file."""
    out, _ = small
    _, files = manifest
    parsed = {}
    for f in files:
        if f["status_expected"] == "rejected" and f["alasan"] != "folder_bukan_kode_kabupaten":
            continue
        path = out / f["kode_folder"] / f["nama_file"]
        for sheet, rows in _read_any(path).items():
            hdr = _find_header(rows)
            if hdr is not None:
                parsed[(f["kode_folder"], f["nama_file"], sheet)] = (hdr, rows)
    return parsed


# ------------------------------------------------------------------------------------------------
# independent readers
# ------------------------------------------------------------------------------------------------
def _cell_text(v) -> str:
    if v is None:
        return ""
    if isinstance(v, bool):
        return str(v)
    if isinstance(v, float):
        return str(int(v)) if v == int(v) and abs(v) < 1e17 else repr(v)
    if isinstance(v, datetime):
        return v.date().isoformat() if v.time() == datetime.min.time() else v.isoformat()
    if isinstance(v, date):
        return v.isoformat()
    return str(v)


def _decode(raw: bytes) -> tuple[str, str]:
    if raw.startswith(b"\xef\xbb\xbf"):
        return raw[3:].decode("utf-8"), "utf-8-sig"
    try:
        return raw.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        return raw.decode("cp1252"), "cp1252"


def _read_any(path: Path) -> dict[str, dict[int, list]]:
    """sheet → {baris: raw cell values}; csv has sheet ''."""
    if path.suffix == ".xlsx":
        wb = pc.CalamineWorkbook.from_path(str(path))
        out = {}
        for name in wb.sheet_names:
            sh = wb.get_sheet_by_name(name)
            r0 = sh.start[0] if sh.start else 0
            out[name] = {r0 + i + 1: row for i, row in enumerate(sh.to_python(skip_empty_area=False))}
        return out
    text, _ = _decode(path.read_bytes())
    first = next((ln for ln in text.splitlines() if ln.strip(",; ")), "")
    delim = ";" if first.count(";") > first.count(",") else ","
    rdr = csv.reader(io.StringIO(text, newline=""), delimiter=delim)
    rows = {}
    for row in rdr:
        rows[rdr.line_num] = row
    return {"": rows}


def _find_header(rows: dict[int, list]):
    best = None
    for b, row in rows.items():
        for kind in contract.KINDS:
            al = contract.header_aliases(kind)
            cols = {}
            for i, v in enumerate(row):
                c = al.get(contract.normalize(_cell_text(v)))
                if c and c not in cols:
                    cols[c] = i
            if len(cols) >= 5 and (best is None or len(cols) > len(best[2])):
                best = (b, kind, cols)
        if best and b > best[0] + 8:
            break
    return best


def _clean_nik(v) -> str:
    s = _cell_text(v).strip().replace(" ", "").replace(".", "")
    return s[1:] if s.startswith("'") else s


def _data_rows(hdr, rows):
    """baris of data rows as a reader must see them: after the header, not blank, not totals."""
    b0, kind, cols = hdr
    out = []
    nik_i = cols.get("nik")
    for b, row in rows.items():
        if b <= b0:
            continue
        texts = [_cell_text(v).strip() for v in row]
        if not any(texts):
            continue
        first = next(t for t in texts if t)
        nik_empty = nik_i is None or nik_i >= len(texts) or not texts[nik_i]
        if re.match(r"(?i)^(jumlah|total)", first) and nik_empty:
            continue
        out.append(b)
    return out


def _cell(hdr, row, col):
    i = hdr[2].get(col)
    if i is None or i >= len(row):
        return None
    return row[i]


_ENUM = {(d, a): v for d, a, v in contract.enum_aliases()}
_DOMAIN = {c.name: c.domain for c in contract.columns("rumah_tangga")}


def _enum(col: str, v) -> str | None:
    return _ENUM.get((_DOMAIN[col], contract.normalize(_cell_text(v))))


def _parse_date(v) -> date | None:
    if isinstance(v, datetime):
        return v.date()
    if isinstance(v, date):
        return v
    if isinstance(v, float):
        return EXCEL_EPOCH + timedelta(days=int(v))
    s = str(v).strip()
    if re.fullmatch(r"\d{5}", s):
        return EXCEL_EPOCH + timedelta(days=int(s))
    m = re.fullmatch(r"(\d{4})-(\d{2})-(\d{2})( 00:00:00)?", s)
    if m:
        return date(int(m[1]), int(m[2]), int(m[3]))
    m = re.fullmatch(r"(\d{2})[/-](\d{2})[/-](\d{4})", s)
    if m:
        return date(int(m[3]), int(m[2]), int(m[1]))
    m = re.fullmatch(r"(\d{1,2}) (\w+) (\d{4})", s)
    if m:
        return date(int(m[3]), BULAN[m[2].lower()], int(m[1]))
    return None


def _parse_money(v) -> int:
    if isinstance(v, float):
        return int(v)
    s = str(v).strip().lower().replace("rp", "").strip()
    m = re.fullmatch(r"([\d,]+)\s*(juta|jt)", s)
    if m:
        return round(float(m[1].replace(",", ".")) * 1_000_000)
    return int(s.replace(".", "").replace(" ", ""))


def _parse_dec(v) -> float:
    if isinstance(v, float):
        return v
    return float(str(v).replace(",", "."))


def _resolver():
    kec, desa = defaultdict(lambda: defaultdict(list)), defaultdict(lambda: defaultdict(list))
    for w in reference.wilayah():
        if w.tingkat == "kecamatan":
            kec[w.kode[:5]][contract.normalize(w.nama)].append(w.kode)
        elif w.tingkat == "desa_kelurahan":
            desa[w.kode[:8]][contract.normalize(w.nama)].append(w.kode)

    def resolve(district, k, d):
        ks = kec[district].get(contract.normalize(k), [])
        if len(ks) != 1:
            return None
        ds = desa[ks[0]].get(contract.normalize(d), [])
        return ds[0] if len(ds) == 1 else None

    return resolve


# ------------------------------------------------------------------------------------------------
# tests
# ------------------------------------------------------------------------------------------------
def _tree_hashes(root: Path) -> dict[str, tuple[str, int]]:
    out = {}
    for p in sorted(root.rglob("*")):
        if p.is_file():
            rel = str(p.relative_to(root))
            mtime = 0 if rel.startswith("_manifest") else int(p.stat().st_mtime)  # submissions carry set mtimes
            out[rel] = (hashlib.sha256(p.read_bytes()).hexdigest(), mtime)
    return out


def test_deterministic_for_a_seed(small, tmp_path):
    out, summary = small
    again = demo_data.generate(tmp_path / "a", scale="small", seed=SEED)
    assert _tree_hashes(out) == _tree_hashes(tmp_path / "a")  # bytes and mtimes, xlsx included
    assert again == summary
    other = demo_data.generate(tmp_path / "b", scale="small", seed=SEED + 1)
    h1, h2 = _tree_hashes(out), _tree_hashes(tmp_path / "b")
    assert h1["_manifest/rows.csv"] != h2["_manifest/rows.csv"]
    assert other["baris_total"] > 0


def test_regenerating_into_the_same_folder_leaves_no_stale_files(tmp_path):
    demo_data.generate(tmp_path, scale="small", seed=5, size_factor=0.5)
    demo_data.generate(tmp_path, scale="small", seed=6, size_factor=0.3)
    with open(tmp_path / "_manifest" / "files.csv", newline="", encoding="utf-8") as f:
        listed = {(r["kode_folder"], r["nama_file"]) for r in csv.DictReader(f)}
    on_disk = {(p.parent.name, p.name) for p in tmp_path.rglob("*") if p.is_file() and p.parent.name != "_manifest"}
    assert on_disk == listed


def test_layout_and_files_manifest(small, manifest):
    out, summary = small
    rows, files = manifest
    assert list(rows[0].keys()) == demo_data.MANIFEST_ROW_COLUMNS
    assert list(files[0].keys()) == demo_data.MANIFEST_FILE_COLUMNS
    codes = set(reference.district_codes())
    # the manifest lives outside every district folder
    assert (out / "_manifest" / "summary.json").exists()
    assert not any((out / k / "_manifest").exists() for k in codes)
    # every file on disk is listed, with its mtime and its number of data rows
    on_disk = {(p.parent.name, p.name) for p in out.rglob("*") if p.is_file() and p.parent.name != "_manifest"}
    listed = {(f["kode_folder"], f["nama_file"]) for f in files}
    assert on_disk == listed
    per_file = Counter((r["kode_folder"], r["nama_file"]) for r in rows)
    for f in files:
        p = out / f["kode_folder"] / f["nama_file"]
        assert abs(p.stat().st_mtime - datetime.fromisoformat(f["waktu_file"]).timestamp()) < 1
        assert int(f["baris"]) == per_file.get((f["kode_folder"], f["nama_file"]), 0)
    # non-submitting districts: one without a folder, one with an empty folder
    no_folder, empty = summary["kabupaten_tanpa_folder"], summary["kabupaten_folder_kosong"]
    assert not (out / no_folder).exists()
    assert (out / empty).is_dir() and not any((out / empty).iterdir())
    assert {f["kode_folder"] for f in files} >= codes - {no_folder, empty}
    # 1-4 household files per district; roughly half the rows in xlsx
    for k in codes - {no_folder, empty}:
        n = sum(
            1
            for f in files
            if f["kode_folder"] == k and f["jenis"] in ("rumah_tangga", "campuran") and f["status_expected"] == "active"
        )
        assert 1 <= n <= 5  # up to 4 own files + possibly a file misplaced into this folder
    share = summary["baris_xlsx"] / (summary["baris_xlsx"] + summary["baris_csv"])
    assert 0.3 < share < 0.7
    # timeliness differs: some districts on time, some 1-5 weeks late
    first = {}
    for f in files:
        if f["status_expected"] == "active" and f["kode_folder"] in codes:
            t = datetime.fromisoformat(f["waktu_file"])
            first[f["kode_folder"]] = min(first.get(f["kode_folder"], t), t)
    late_days = [(t.date() - common.DEADLINE).days for t in first.values()]
    assert any(d <= 0 for d in late_days) and any(d > 0 for d in late_days)
    assert max(late_days) <= 36


def test_row_counts_follow_scale(small, manifest):
    _, summary = small
    rows, _ = manifest
    target = summary["target_baris_per_kabupaten"]
    assert all(v >= common.MIN_ROWS for v in target.values())
    assert abs(sum(target.values()) - common.SCALE_TARGETS["small"]) < 0.05 * common.SCALE_TARGETS["small"]
    rt = Counter(r["kode_folder"] for r in rows if r["jenis"] == "rumah_tangga")
    for k, n in target.items():
        assert n <= rt[k] <= n * 1.25 + 40  # plus duplicate copies and a possibly misplaced file
    # households proportional to population / 4.2
    pop = {k.kode: k.penduduk_total for k in reference.kabupaten()}
    big = max(target, key=lambda k: pop[k])
    small_k = min(target, key=lambda k: pop[k])
    assert target[big] / target[small_k] == pytest.approx(pop[big] / pop[small_k], rel=0.2)


def test_manifest_covers_exactly_the_data_rows(sheets, manifest):
    rows, _ = manifest
    by_sheet = defaultdict(set)
    for r in rows:
        by_sheet[(r["kode_folder"], r["nama_file"], r["sheet"])].add(int(r["baris"]))
    assert set(by_sheet) == set(sheets)
    for key, (hdr, srows) in sheets.items():
        assert set(_data_rows(hdr, srows)) == by_sheet[key], key


def test_manifest_values_match_the_cells(sheets, manifest):
    rows, _ = manifest
    resolve = _resolver()
    checked = Counter()
    for r in rows:
        hdr, srows = sheets[(r["kode_folder"], r["nama_file"], r["sheet"])]
        row = srows[int(r["baris"])]
        codes = set(filter(None, r["alasan"].split(";"))) | set(filter(None, r["peringatan"].split(";")))
        if r["jenis"] == "realisasi_program":
            assert hdr[1] == "realisasi_program"
            kab = _cell_text(_cell(hdr, row, "kode_kabupaten"))
            assert (kab != r["kode_folder"]) == ("kabupaten_tidak_sesuai" in codes)
            if r["hasil"] == "diterima":
                assert int(_cell_text(_cell(hdr, row, "unit_rencana"))) == int(r["unit_rencana"])
                assert _parse_money(_cell(hdr, row, "nilai_rupiah")) == int(r["nilai_rupiah"])
            checked["rp"] += 1
            continue
        assert hdr[1] == "rumah_tangga"
        nik_cell = _cell(hdr, row, "nik")
        nik_fault = bool(codes & NIK_CODES) or ("wajib_kosong" in codes and "nik" in r["kolom_alasan"])
        if not nik_fault:
            assert _clean_nik(nik_cell) == r["nik"], (r["nama_file"], r["baris"])
            checked["nik"] += 1
        if "nik_rusak_excel" in codes:
            if isinstance(nik_cell, float):
                assert int(nik_cell) % 10 == 0
            else:
                assert "E+" in str(nik_cell).upper()
        if "nik_format_angka" in codes:
            assert isinstance(nik_cell, float) and str(int(nik_cell)) == r["nik"]
        elif r["hasil"] == "diterima" and isinstance(nik_cell, float):
            pytest.fail(f"numeric NIK without warning: {r['nama_file']} {r['baris']}")
        if r["hasil"] != "diterima" and r["hasil"] != "file_ditolak":
            continue
        # location truth: the code if given, else the names, resolved in the folder's district
        if r["hasil"] == "diterima":
            code = _cell_text(_cell(hdr, row, "kode_desa")).strip()
            if code:
                assert code == r["kode_desa"]
            else:
                got = resolve(
                    r["kode_folder"], _cell_text(_cell(hdr, row, "kecamatan")), _cell_text(_cell(hdr, row, "desa"))
                )
                assert got == r["kode_desa"]
                checked["by_name"] += 1
            assert r["kode_desa"].startswith(r["kode_folder"] + ".")
        for col in common.REQUIRED_ENUMS:
            assert _enum(col, _cell(hdr, row, col)) == r[col], (col, row)
        assert int(float(_cell_text(_cell(hdr, row, "jumlah_anggota_keluarga")))) == int(r["jumlah_anggota_keluarga"])
        assert _parse_dec(_cell(hdr, row, "luas_lantai_m2")) == float(r["luas_lantai_m2"])
        t = _cell(hdr, row, "tanggal_pendataan")
        if r["tanggal_pendataan"]:
            assert _parse_date(t) == date.fromisoformat(r["tanggal_pendataan"])
        if r["penghasilan_per_bulan"]:
            assert _parse_money(_cell(hdr, row, "penghasilan_per_bulan")) == int(r["penghasilan_per_bulan"])
        if r["kondisi_atap"]:
            assert _enum("kondisi_atap", _cell(hdr, row, "kondisi_atap")) == r["kondisi_atap"]
        checked["rt"] += 1
    assert checked["nik"] > 2000 and checked["rp"] > 20 and checked["by_name"] > 100


def test_each_reason_is_visible_in_its_cell(sheets, manifest):
    """Quarantined rows really carry the fault the manifest names (checked on the cells)."""
    rows, _ = manifest
    resolve = _resolver()
    desa_codes = {w.kode for w in reference.wilayah() if w.tingkat == "desa_kelurahan"}
    seen = Counter()
    for r in rows:
        if r["hasil"] != "karantina" or r["jenis"] != "rumah_tangga":
            continue
        hdr, srows = sheets[(r["kode_folder"], r["nama_file"], r["sheet"])]
        row = srows[int(r["baris"])]
        code, col = r["alasan"], r["kolom_alasan"]
        cell = _cell(hdr, row, col)
        text = _cell_text(cell).strip()
        if code == "wajib_kosong":
            if col == "kode_desa":
                names = [_cell_text(_cell(hdr, row, c)).strip() for c in ("kecamatan", "desa")]
                assert not text and not all(names)
            else:
                assert text == ""
        elif code == "nilai_tidak_dikenal":
            assert text and _enum(col, cell) is None
        elif code == "angka_tidak_valid":
            try:
                v = float(text.replace(",", "."))
                lo, hi = (1, 30) if col == "jumlah_anggota_keluarga" else (1, 1000)
                assert not lo <= v <= hi
            except ValueError:
                pass
        elif code == "nik_bukan_16_digit":
            assert not re.fullmatch(r"\d{16}", _clean_nik(cell))
        elif code == "nik_tidak_valid":
            n = _clean_nik(cell)
            assert re.fullmatch(r"\d{16}", n)
            day, month = int(n[6:8]), int(n[8:10])
            assert not (1 <= day <= 31 or 41 <= day <= 71) or not 1 <= month <= 12 or n[12:] == "0000"
        elif code == "desa_di_kabupaten_lain":
            assert text in desa_codes and not text.startswith(r["kode_folder"] + ".")
        elif code == "desa_tidak_dikenal":
            if text:
                assert text not in desa_codes
            else:
                k, d = (_cell_text(_cell(hdr, row, c)) for c in ("kecamatan", "desa"))
                assert resolve(r["kode_folder"], k, d) is None
        seen[code] += 1
    assert len(seen) >= 8


def test_clean_niks_are_structurally_valid(manifest):
    rows, _ = manifest
    kec_codes = {w.kode.replace(".", "") for w in reference.wilayah() if w.tingkat == "kecamatan"}
    n = 0
    for r in rows:
        if r["jenis"] != "rumah_tangga" or r["hasil"] != "diterima":
            continue
        nik = r["nik"]
        assert re.fullmatch(r"\d{16}", nik)
        day, month = int(nik[6:8]), int(nik[8:10])
        assert 1 <= day <= 31 or 41 <= day <= 71
        assert 1 <= month <= 12 and nik[12:] != "0000"
        if "nik_provinsi_lain" in r["peringatan"]:
            assert not nik.startswith("53")
            continue
        assert nik[:6] in kec_codes
        if r["jenis_kelamin"]:
            assert (day > 40) == (r["jenis_kelamin"] == "P")
        if r["no_kk_terisi"] == "1":
            assert re.fullmatch(r"\d{16}", r["no_kk"])
        n += 1
    assert n > 2000


def test_no_unintended_nik_collisions_and_duplicates_resolve(manifest):
    rows, _ = manifest
    groups = defaultdict(list)
    for r in rows:
        if r["jenis"] == "rumah_tangga" and r["hasil"] in ("diterima", "karantina") and r["nik"]:
            if r["hasil"] == "karantina" and r["alasan"] != "duplikat_nik":
                continue
            groups[r["nik"]].append(r)
    n_dup = 0
    folders_across = 0
    for nik, g in groups.items():
        if len(g) == 1:
            assert g[0]["hasil"] == "diterima"
            continue
        n_dup += 1
        winners = [r for r in g if r["hasil"] == "diterima"]
        losers = [r for r in g if r["alasan"] == "duplikat_nik"]
        assert len(winners) == 1 and len(losers) == len(g) - 1, nik
        assert all(r["tanggal_pendataan"] for r in g)
        assert all(winners[0]["tanggal_pendataan"] > r["tanggal_pendataan"] for r in losers)
        folders_across += len({r["kode_folder"] for r in g}) > 1
    assert n_dup >= 3 and 1 <= folders_across < n_dup  # duplicates across and within districts


def test_every_defect_and_warning_is_present(small, manifest, sheets):
    out, _ = small
    rows, files = manifest
    rt = [r for r in rows if r["jenis"] == "rumah_tangga" and r["hasil"] != "file_ditolak"]
    rp = [r for r in rows if r["jenis"] == "realisasi_program"]
    rt_codes = Counter(c for r in rt for c in (r["alasan"] + ";" + r["peringatan"]).split(";") if c)
    for code in common.RT_FAULTS:
        assert rt_codes[code] >= 1, code
    rp_codes = Counter(c for r in rp for c in (r["alasan"] + ";" + r["peringatan"]).split(";") if c)
    for code in common.RP_FAULTS:
        assert rp_codes[code] >= 1, code
    # one fault per affected row; warnings only on accepted rows; reasons are known codes
    reasons = contract.reasons()
    for r in rows:
        al = [c for c in r["alasan"].split(";") if c]
        pw = [c for c in r["peringatan"].split(";") if c]
        assert all(c in reasons for c in al + pw)
        assert al == sorted(al) and pw == sorted(pw)
        assert (r["hasil"] == "diterima") == (not al)
        if pw:
            assert r["hasil"] == "diterima"
        assert len(al) <= 1
    # defect rate near the parameter (duplicates and the misplaced file add a little)
    affected = sum(1 for r in rt if r["alasan"] or (r["peringatan"] and r["peringatan"] != "nik_format_angka"))
    assert 0.015 < affected / len(rt) < 0.06
    # both kinds of Excel damage
    dmg = [r for r in rt if "nik_rusak_excel" in r["alasan"]]
    assert {r["nama_file"].rsplit(".", 1)[1] for r in dmg} == {"xlsx", "csv"}
    # every column-level variant of wajib_kosong/angka/nilai appears in several columns
    assert len({r["kolom_alasan"] for r in rt if r["alasan"] == "wajib_kosong"}) >= 3
    opt_cols = {
        k
        for r in rt
        for c, k in zip(r["peringatan"].split(";"), r["kolom_peringatan"].split(";"))
        if c == "opsional_tidak_valid"
    }
    assert len(opt_cols) >= 3
    # whole-file faults
    rej = {f["alasan"] for f in files if f["status_expected"] == "rejected"}
    assert {"file_rusak", "file_kosong", "folder_bukan_kode_kabupaten", "header_tidak_dikenal"} <= rej
    for f in files:
        p = out / f["kode_folder"] / f["nama_file"]
        if f["alasan"] == "file_kosong":
            assert p.stat().st_size == 0
        if f["alasan"] == "file_rusak":
            with pytest.raises(pc.CalamineError):
                pc.CalamineWorkbook.from_path(str(p)).get_sheet_by_index(0).to_python()
    assert any(not re.fullmatch(r"53\.\d\d", f["kode_folder"]) for f in files)
    assert all(r["hasil"] == "file_ditolak" for r in rows if not re.fullmatch(r"53\.\d\d", r["kode_folder"]))
    # misplaced files: every row of the file is quarantined for location (or resolved by name)
    by_file = defaultdict(list)
    for r in rt:
        by_file[(r["kode_folder"], r["nama_file"])].append(r)
    misplaced = [
        k
        for k, g in by_file.items()
        if all(r["alasan"] in ("desa_di_kabupaten_lain", "desa_tidak_dikenal") or r["hasil"] == "diterima" for r in g)
        and sum(r["alasan"] != "" for r in g) > len(g) / 2
    ]
    assert len(misplaced) >= 2
    assert {c for k in misplaced for r in by_file[k] for c in [r["alasan"]]} >= {
        "desa_di_kabupaten_lain",
        "desa_tidak_dikenal",
    }


def test_file_shapes_are_realistic(small, manifest):
    import openpyxl

    out, _ = small
    _, files = manifest
    seen = Counter()
    header_spellings = defaultdict(set)
    for f in files:
        p = out / f["kode_folder"] / f["nama_file"]
        if f["status_expected"] != "active":
            continue
        if p.suffix == ".xlsx":
            wb = pc.CalamineWorkbook.from_path(str(p))
            meta = wb.sheets_metadata
            assert meta[0].name == "Petunjuk"
            seen["hidden"] += any(str(m.visible).endswith("Hidden") for m in meta)
            seen["realisasi_sheet"] += "realisasi_program" in wb.sheet_names and f["jenis"] == "campuran"
            ox = openpyxl.load_workbook(p)
            for ws in ox.worksheets[1:]:
                seen["merged"] += bool(ws.merged_cells.ranges)
                used = max((c.column for row in ws.iter_rows() for c in row if c.value not in (None, "")), default=0)
                seen["trailing_cols"] += ws.max_column > used  # formatted but empty columns on the right
            for name in wb.sheet_names[1:]:
                rows = wb.get_sheet_by_name(name).to_python(skip_empty_area=False)
                hdr = _find_header({i + 1: r for i, r in enumerate(rows)})
                if not hdr:
                    continue
                b0, kind, cols = hdr
                seen["title_rows"] += b0 > 1
                head = rows[b0 - 1]
                for c, i in cols.items():
                    header_spellings[c].add(head[i])
                body = rows[b0:]
                seen["blank_rows"] += any(not any(_cell_text(v) for v in r) for r in body[:-2])
                seen["totals"] += any(str(r[0]).upper() in ("JUMLAH", "TOTAL") for r in body)
                if "nik" in cols:
                    seen["nik_numeric"] += any(isinstance(r[cols["nik"]], float) for r in body if len(r) > cols["nik"])
                if "tanggal_pendataan" in cols:
                    vals = [r[cols["tanggal_pendataan"]] for r in body if len(r) > cols["tanggal_pendataan"]]
                    seen["date_cells"] += any(isinstance(v, (date, datetime)) for v in vals)
                    seen["serial_numbers"] += any(isinstance(v, float) and 40000 < v < 60000 for v in vals)
        elif p.suffix == ".csv":
            raw = p.read_bytes()
            text, enc = _decode(raw)
            seen["enc_" + enc] += 1
            if enc == "cp1252":
                assert any(b >= 0x80 for b in raw)
            first = text.splitlines()[0]
            seen["delim_semicolon" if first.count(";") > first.count(",") else "delim_comma"] += 1
            seen["csv_sci"] += bool(re.search(r"\d\.\d+E\+15", text))
            seen["csv_rp"] += "Rp " in text or "Rp1" in text
            seen["csv_juta"] += bool(re.search(r"\d( juta| jt|jt)\b", text))
            seen["csv_indo_date"] += bool(
                re.search(r"\d (Januari|Februari|Maret|April|Mei|Juni|Juli|Agustus|September|Oktober)", text)
            )
            seen["csv_serial"] += bool(re.search(r"[,;]4[5-6]\d{3}[,;\r\n]", text))
            seen["csv_decimal_comma"] += bool(re.search(r'"\d+,5"|;\d+,5;', text))
    for key in (
        "hidden",
        "realisasi_sheet",
        "merged",
        "title_rows",
        "trailing_cols",
        "blank_rows",
        "totals",
        "nik_numeric",
        "date_cells",
        "serial_numbers",
        "enc_utf-8",
        "enc_utf-8-sig",
        "enc_cp1252",
        "delim_semicolon",
        "delim_comma",
        "csv_sci",
        "csv_rp",
        "csv_juta",
        "csv_indo_date",
        "csv_serial",
        "csv_decimal_comma",
    ):
        assert seen[key] >= 1, key
    assert len(header_spellings["nik"]) >= 3 and len(header_spellings["luas_lantai_m2"]) >= 2


def test_households_look_real(manifest, small, sheets):
    rows, _ = manifest
    acc = [r for r in rows if r["jenis"] == "rumah_tangga" and r["hasil"] == "diterima"]
    n = len(acc)
    own = sum(r["status_kepemilikan_rumah"] == "milik_sendiri" for r in acc) / n
    assert 0.85 < own < 0.95
    roof = Counter(r["material_atap"] for r in acc)
    assert roof.most_common(1)[0][0] == "seng"
    assert sum(r["material_lantai"] == "tanah" for r in acc) / n > 0.05
    jkk = Counter(r["jumlah_kk"] for r in acc if r["jumlah_kk"])
    assert jkk["1"] > 0.7 * sum(jkk.values()) and jkk["2"] > 0 and jkk["3"] > 0

    def rtlh(r):
        ok = (
            r["material_atap"] in ("beton", "genteng", "seng", "asbes", "kayu_sirap")
            and r["material_dinding"] in ("tembok", "plesteran_anyaman_bambu", "kayu_papan", "batang_kayu")
            and r["material_lantai"] not in ("tanah", "bambu")
            and "rusak_berat" not in (r["kondisi_atap"], r["kondisi_dinding"], r["kondisi_lantai"])
            and float(r["luas_lantai_m2"]) / int(r["jumlah_anggota_keluarga"]) >= 7.2
            and r["sumber_air_minum"]
            in ("ledeng", "air_kemasan", "sumur_bor", "sumur_terlindung", "mata_air_terlindung", "air_hujan")
            and r["fasilitas_sanitasi"] in ("jamban_sendiri", "jamban_bersama")
        )
        return not ok

    share = sum(map(rtlh, acc)) / n
    assert 0.22 < share < 0.38
    dates = [date.fromisoformat(r["tanggal_pendataan"]) for r in acc if r["tanggal_pendataan"]]
    assert min(dates) >= date(2025, 1, 2) and max(dates) <= date(2025, 10, 31)
    for r in acc:
        if r["koordinat_terisi"] == "1":
            lat, lon = float(r["latitude"]), float(r["longitude"])
            assert -11.1 <= lat <= -7.7 and 118.9 <= lon <= 125.2
            clat, clon = common.CENTROIDS[r["kode_folder"]]
            assert abs(lat - clat) < 1.6 and abs(lon - clon) < 1.6
    names = [r["nama_kepala_keluarga"] for r in acc]
    assert any("'" in x for x in names)
    assert len(set(names)) > 0.6 * n
    assert all(len(x.split()) >= 2 for x in names)


@pytest.mark.timeout(600)
def test_ntt_scale_streams_in_bounded_memory(tmp_path):
    out = tmp_path / "ntt"
    factor = 0.05
    code = textwrap.dedent(f"""
        import json, resource, sys
        from tools.demo_data import generate
        s = generate({str(out)!r}, scale="ntt", seed=3, size_factor={factor})
        print(json.dumps({{"rss_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
                          "kosong": s["kabupaten_tanpa_kiriman"], "target": s["target_baris_per_kabupaten"]}}))
    """)
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    res = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={**os.environ, "DO_NOT_TRACK": "1"},
        timeout=600,
    )
    assert res.returncode == 0, res.stderr
    info = json.loads(res.stdout.strip().splitlines()[-1])
    child = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    limit_kb = 1.5 * 1024 * 1024
    assert info["rss_kb"] < limit_kb
    assert child < limit_kb or before >= limit_kb
    # the manifest is gzipped at ntt scale and its rows scale with size_factor
    mpath = out / "_manifest" / "rows.csv.gz"
    assert mpath.exists() and not (out / "_manifest" / "rows.csv").exists()
    with gzip.open(mpath, "rt", encoding="utf-8", newline="") as f:
        n = sum(1 for r in csv.DictReader(f) if r["jenis"] == "rumah_tangga" and r["hasil"] != "file_ditolak")
    pop = {k.kode: k.penduduk_total for k in reference.kabupaten()}
    expected = sum(pop[k] / 4.2 * factor for k in pop if k not in info["kosong"])
    assert expected * 0.98 < n < expected * 1.05
    assert sum(info["target"].values()) == pytest.approx(expected, rel=0.01)


# ------------------------------------------------------------------------------------------------
# boundaries: test/demo infrastructure, public library APIs only
# ------------------------------------------------------------------------------------------------
def _imports_of_tools(tree) -> list[tuple[int, bool]]:
    """(line, inside a function) of every import of the ``tools`` package in a module's AST."""
    import ast

    out = []

    def visit(node, in_func):
        for child in ast.iter_child_nodes(node):
            f = in_func or isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef))
            names = []
            if isinstance(child, ast.Import):
                names = [a.name for a in child.names]
            elif isinstance(child, ast.ImportFrom) and child.level == 0 and child.module:
                names = [child.module]
            if any(n == "tools" or n.startswith("tools.") for n in names):
                out.append((child.lineno, f))
            visit(child, f)

    visit(tree, False)
    return out


def test_runtime_packages_do_not_import_the_generator():
    """Only the CLI's `p3jr generate` imports it, lazily (inside the command)."""
    import ast

    found = {}
    for p in sorted((ROOT / "orchestration").rglob("*.py")) + sorted((ROOT / "sources").rglob("*.py")):
        hits = _imports_of_tools(ast.parse(p.read_text(encoding="utf-8")))
        if hits:
            found[str(p.relative_to(ROOT))] = hits
    assert set(found) == {"orchestration/cli.py"}
    assert all(in_func for _line, in_func in found["orchestration/cli.py"])


def test_generator_uses_no_private_library_attributes():
    """xlsx is written through xlsxwriter's public API: no `obj._name` on anything but our own `self`."""
    import ast

    bad = []
    for p in sorted((ROOT / "tools" / "demo_data").glob("*.py")):
        for node in ast.walk(ast.parse(p.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Attribute)
                and node.attr.startswith("_")
                and not node.attr.startswith("__")
                and not (isinstance(node.value, ast.Name) and node.value.id == "self")
            ):
                bad.append(f"{p.name}:{node.lineno} .{node.attr}")
    assert bad == []
