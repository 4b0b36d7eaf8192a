"""One file at a time: an xlsx workbook (instructions sheet, data sheet, optional realisasi sheet and
hidden list sheet) or a csv in the district's dialect, with title rows, group row, header, household
rows, pending duplicate copies and a totals row as the plan says; and the realisasi_program rows.

:class:`SheetMixin` is one part of :class:`tools.demo_data.core.Generator`."""

from __future__ import annotations

import random
from typing import Any

from orchestration.lib.reports.style import BULAN
from sources import contract
from tools.demo_data.common import DEADLINE, GARBAGE, TA, dots
from tools.demo_data.households import DistrictContext
from tools.demo_data.plan import FilePlan
from tools.demo_data.render import case
from tools.demo_data.styles import Style
from tools.demo_data.writers import CsvSheet, XlsxBook, XlsxSheet


class SheetMixin:
    def _write_file(self, fp: FilePlan, ctx: DistrictContext) -> None:
        path = self.out / fp.folder / fp.name
        st = fp.style
        n_rows = 0
        jenis = "rumah_tangga" if fp.rt else "realisasi_program"
        if fp.fmt == "xlsx":
            book = XlsxBook(path)
            pet = book.sheet("Petunjuk")
            self._petunjuk(pet, st)
            if fp.rt:
                sh = book.sheet(fp.sheet_name)
                sh.ws.activate()
                n_rows += self._rt_sheet(sh, fp, ctx)
            if fp.realisasi:
                rsh = book.sheet("realisasi_program" if fp.rt else fp.sheet_name)
                if not fp.rt:
                    rsh.ws.activate()
                n_rows += self._rp_sheet(rsh, fp)
                if fp.rt:
                    jenis = "campuran"
            if fp.hidden_sheet:
                hs = book.sheet("Daftar Pilihan")
                self._pilihan(hs, st)
                hs.ws.hide()
            book.close()
        else:
            cols = st.columns if fp.rt else st.rp_columns
            sh = CsvSheet(path, len(cols), fp.delimiter, fp.encoding, fp.newline, fp.trailing)
            try:
                n_rows += self._rt_sheet(sh, fp, ctx) if fp.rt else self._rp_sheet(sh, fp)
            finally:
                sh.close()
        status, alasan = "active", ""
        if fp.mode == "rejected_folder":
            status, alasan = "rejected", "folder_bukan_kode_kabupaten"
        fp.rows = n_rows
        self._register(fp.folder, fp.name, jenis, status, alasan, fp.mtime, n_rows)

    def _petunjuk(self, sh: XlsxSheet, st: Style) -> None:
        lines = [
            "PETUNJUK PENGISIAN FORMULIR PENDATAAN PROGRAM 3 JUTA RUMAH",
            f"{st.nama} - Provinsi Nusa Tenggara Timur - Tahun Anggaran {TA}",
            "",
            "1. Satu baris untuk setiap rumah tangga (kepala keluarga) yang didata.",
            "2. Kolom NIK diisi 16 digit dengan format Teks (bukan Angka) agar digit terakhir tidak hilang.",
            "3. Kode desa/kelurahan mengikuti kode Kemendagri, contoh 53.01.04.2003.",
            "4. Isian status rumah, atap, dinding, lantai, air minum dan jamban memakai pilihan pada daftar.",
            "5. Luas lantai dalam meter persegi; penghasilan dalam rupiah per bulan.",
            f"6. Batas pengiriman data ke Balai P3KP Nusa Tenggara II: {DEADLINE.day} {BULAN[DEADLINE.month - 1]} {DEADLINE.year}.",
        ]
        for ln in lines:
            if ln:
                sh.ws.write_string(sh.r, 0, ln, sh.book.bold if sh.r == 0 else None)
            sh.r += 1

    def _pilihan(self, sh: XlsxSheet, st: Style) -> None:
        doms = [
            "status_kepemilikan_rumah",
            "material_atap",
            "material_dinding",
            "material_lantai",
            "sumber_air_minum",
            "fasilitas_sanitasi",
        ]
        lists = [[st.enum[(d, v)] for v in contract.enum_values(d)] for d in doms]
        heads = ["Pilihan Status", "Pilihan_Atap", "Pilihan_Dinding", "Pilihan_Lantai", "Pilihan_Air", "Pilihan_Jamban"]
        for c, hname in enumerate(heads):
            sh.ws.write_string(0, c, hname)
        for i in range(max(len(x) for x in lists)):
            for c, lst in enumerate(lists):
                if i < len(lst):
                    sh.ws.write_string(i + 1, c, lst[i])

    # ---------------------------------------------------------------- rumah tangga sheet
    def _rt_sheet(self, sh: Any, fp: FilePlan, ctx: DistrictContext) -> int:
        st = fp.style
        cols = st.columns
        ncol = len(cols)
        xlsx = sh.kind == "xlsx"
        if fp.titles:
            sh.title("DATA PENDATAAN RUMAH TANGGA PROGRAM 3 JUTA RUMAH", ncol)
            sh.title(st.nama.upper(), ncol)
            if xlsx:
                sh.title(f"TAHUN ANGGARAN {TA}", ncol)
            sh.blank()
        if fp.group_row and xlsx:
            sh.groups(self._group_spans(cols))
        sh.header([st.headers[c] for c in cols], fp.trailing)
        rng = ctx.rng
        n = 0
        no = 0
        sums = [0]
        forced_accent = fp.force_accent
        for _kec, desas in fp.kecs:
            for desa, count in desas:
                ctx.cur_petugas = rng.choice(ctx.petugas)  # one enumerator covers a village
                for _ in range(count):
                    if (st.blank_rate and rng.random() < st.blank_rate) or (fp.force_blank and n == 3):
                        if xlsx:
                            sh.blank()
                        else:
                            sh.blank(empty=rng.random() < 0.3)
                    h = self.household(ctx, desa)
                    if forced_accent and "nama_petugas" in cols:
                        h["nama_petugas"] = next((p for p in ctx.petugas if not p.isascii()), h["nama_petugas"])
                        forced_accent = False
                    no += 1
                    self._emit_rt(sh, fp, ctx, h, no)
                    sums[0] += h["jumlah_anggota_keluarga"]
                    n += 1
        if fp.drain:
            for h in self.pending.pop(fp.folder, []):
                no += 1
                self._emit_rt(sh, fp, ctx, h, no)
                sums[0] += h["jumlah_anggota_keluarga"]
                n += 1
        if fp.totals:
            if rng.random() < 0.5:
                sh.blank()
            row: list[Any] = [None] * ncol
            row[0] = rng.choice(["JUMLAH", "TOTAL", "Jumlah"])
            ia = cols.index("jumlah_anggota_keluarga")
            row[ia] = sums[0] if xlsx else str(sums[0])
            sh.plain(row, bold=True)
        return n

    def _group_spans(self, cols: list[str]) -> list[tuple[int, int, str]]:
        groups = [
            ({"kode_desa", "kecamatan", "desa"}, "LOKASI"),
            ({"nik", "no_kk", "nama_kepala_keluarga", "jenis_kelamin"}, "IDENTITAS KEPALA KELUARGA"),
            ({"material_atap", "material_dinding", "material_lantai"}, "BAHAN BANGUNAN"),
            ({"kondisi_atap", "kondisi_dinding", "kondisi_lantai"}, "KONDISI RUMAH"),
            ({"sumber_air_minum", "fasilitas_sanitasi"}, "AIR MINUM DAN SANITASI"),
            ({"latitude", "longitude"}, "KOORDINAT"),
        ]
        spans = []
        for members, text in groups:
            idx = [i for i, c in enumerate(cols) if c in members]
            if idx and idx[-1] - idx[0] + 1 == len(idx):
                spans.append((idx[0], idx[-1], text))
        return spans

    def _rp_sheet(self, sh: Any, fp: FilePlan) -> int:
        st = fp.style
        cols = st.rp_columns
        xlsx = sh.kind == "xlsx"
        rng = random.Random(f"p3jr:{self.seed}:rp:{fp.folder}:{fp.name}")
        if fp.titles:
            sh.title(f"REALISASI PROGRAM PERUMAHAN {st.nama.upper()}", len(cols))
            sh.title("TAHUN ANGGARAN 2024 - 2025", len(cols))
            sh.blank()
        sh.header([st.rp_headers[c] for c in cols])
        n = 0
        for i, r in enumerate(fp.realisasi or []):
            vals = dict(r)
            vals["kode_kabupaten"] = fp.folder
            fault = r["fault"]
            alasan: list[tuple[str, str]] = []
            warn: list[tuple[str, str]] = []
            man = {
                c: r[c]
                for c in (
                    "program",
                    "sumber_dana",
                    "jenis_kegiatan",
                    "unit_rencana",
                    "unit_selesai",
                    "nilai_rupiah",
                    "tahun_anggaran",
                )
            }
            man["kode_desa"] = r["kode_desa"] if "kode_desa" in cols else None
            raw: dict[str, Any] = {}
            if fault == "kabupaten_tidak_sesuai":
                raw["kode_kabupaten"] = rng.choice([c for c in self.codes if c != fp.folder])
                alasan.append(("kabupaten_tidak_sesuai", "kode_kabupaten"))
            elif fault == "nilai_tidak_dikenal":
                c = rng.choice(["program", "sumber_dana", "jenis_kegiatan"])
                raw[c] = rng.choice(GARBAGE[c])
                alasan.append(("nilai_tidak_dikenal", c))
                man[c] = None
            elif fault == "angka_tidak_valid":
                c, v = rng.choice([("tahun_anggaran", 2019), ("unit_selesai", -5), ("unit_rencana", "seratus")])
                raw[c] = v
                alasan.append(("angka_tidak_valid", c))
                man[c] = None
            elif fault == "wajib_kosong":
                c = rng.choice(["sumber_dana", "program", "unit_rencana"])
                raw[c] = ""
                alasan.append(("wajib_kosong", c))
                man[c] = None
            elif fault == "opsional_tidak_valid" and "kode_desa" in cols:
                kec = rng.choice([kc.kode for kc in self.kec_of[fp.folder]])
                raw["kode_desa"] = self._unknown_code(kec, rng)
                man["kode_desa"] = None
                warn.append(("opsional_tidak_valid", "kode_desa"))
            elif fault in ("unit_selesai_melebihi_rencana", "opsional_tidak_valid"):
                vals["unit_selesai"] = man["unit_selesai"] = r["unit_rencana"] + rng.randint(1, 12)
                warn.append(("unit_selesai_melebihi_rencana", "unit_selesai"))
            out: list[Any] = []
            for c in cols:
                if c in raw:
                    v = raw[c]
                    out.append(v if (xlsx or isinstance(v, str)) else str(v))
                elif c == "no":
                    out.append(i + 1 if xlsx else str(i + 1))
                elif c == "keterangan":
                    out.append("Tahap II" if r["tahun_anggaran"] == 2025 and rng.random() < 0.3 else None)
                elif c in ("program", "sumber_dana", "jenis_kegiatan"):
                    out.append(case(st.enum[(self.rp_domain[c], vals[c])], "as_is"))
                elif c in ("unit_rencana", "unit_selesai", "tahun_anggaran"):
                    out.append(vals[c] if xlsx else str(vals[c]))
                elif c == "nilai_rupiah":
                    ms = st.money_style if st.money_style in ("num", "rp_dots", "plain", "dots") else "rp_dots"
                    v = vals[c]
                    out.append(
                        (v if xlsx else str(v))
                        if ms == "num"
                        else f"Rp {dots(v)}"
                        if ms == "rp_dots"
                        else str(v)
                        if ms == "plain"
                        else dots(v)
                    )
                else:
                    out.append(vals.get(c))
            baris = sh.data(out)
            hasil = "karantina" if alasan else "diterima"
            if hasil != "diterima":
                warn = []
            self._manifest_rp(fp, sh, baris, hasil, alasan, warn, man, xlsx)
            n += 1
        return n
