"""Injected faults, each known by construction: one fault per affected household row (quarantine
reasons first, then warnings, round-robin so every variant appears), duplicate NIKs across files and
districts, and the whole-file faults (a file in the wrong folder, a folder that is no district code,
a corrupt, empty, headerless or unsupported file, an Office lock file).

:class:`FaultMixin` is one part of :class:`tools.demo_data.core.Generator`."""

from __future__ import annotations

import io
import random
from datetime import UTC, datetime, timedelta
from typing import Any

from tools.demo_data.common import (
    GARBAGE,
    NON_DISTRICT_FOLDER,
    OPT_GARBAGE,
    REQUIRED_ENUMS,
    RT_FAULTS,
    SURVEY_START,
)
from tools.demo_data.households import DistrictContext
from tools.demo_data.plan import FilePlan
from tools.demo_data.render import canon, fmt_date, render_row
from tools.demo_data.writers import Num, XlsxBook


class FaultMixin:
    # ---------------------------------------------------------------- one household row
    def _choose_fault(self, fp: FilePlan, ctx: DistrictContext, h: dict) -> str | None:
        if fp.mode != "normal" or h.get("_dup") or ctx.rng.random() >= self.defect_rate:
            return None
        cols = fp.style.columns
        cand = []
        for kd in RT_FAULTS:
            if kd == "desa_di_kabupaten_lain" and fp.style.loc_mode == "nama":
                continue
            if kd == "nik_format_angka" and (fp.fmt != "xlsx" or fp.nik_numeric or h["nik"].endswith("0")):
                continue
            if kd == "koordinat_tidak_valid" and (h["latitude"] is None or "latitude" not in cols):
                continue
            if kd == "duplikat_nik" and h["tanggal_pendataan"] is None:
                continue
            cand.append(kd)
        r = ctx.rng
        kd = min(cand, key=lambda x: (self.fault_count[x], r.random()))
        self.fault_count[kd] += 1
        return kd

    def _emit_rt(self, sh: Any, fp: FilePlan, ctx: DistrictContext, h: dict, no: int) -> None:
        st = fp.style
        cols = st.columns
        rng = ctx.rng
        xlsx = sh.kind == "xlsx"
        fault = self._choose_fault(fp, ctx, h)
        over: dict[str, Any] = {}
        alasan: list[tuple[str, str]] = []
        warn: list[tuple[str, str]] = []
        man = canon(h, cols)  # canonical values (after nulling)
        nik = h["nik"]
        nik_numeric = False
        nik_kind = "text"
        loc = st.loc_mode
        blank_code = False
        hasil_override = None

        if fault == "wajib_kosong":
            choices = [
                "nik",
                "nama_kepala_keluarga",
                "jumlah_anggota_keluarga",
                "luas_lantai_m2",
                "lokasi",
                *REQUIRED_ENUMS,
            ]
            c = choices[self._rr("wk", len(choices))]
            if c == "lokasi":
                if loc in ("kode", "both"):
                    over["kode_desa"] = ""
                if loc in ("nama", "both"):
                    over[rng.choice(["desa", "kecamatan"])] = ""
                alasan.append(("wajib_kosong", "kode_desa"))
                man["kode_desa"] = ""
            else:
                over[c] = "" if rng.random() < 0.8 else "  "
                alasan.append(("wajib_kosong", c))
                man[c] = ""
        elif fault == "nik_bukan_16_digit":
            v = self._rr("nb", 4)
            bad = [
                nik[:15],
                nik + str(rng.randint(0, 9)),
                nik[:-2],
                nik[:6] + "O" + nik[7:] if "0" in nik[6:8] else nik[:14],
            ][v]
            over["nik"] = bad
            alasan.append(("nik_bukan_16_digit", "nik"))
            man["nik"] = ""
            nik_kind = "raw"
        elif fault == "nik_tidak_valid":
            v = self._rr("nt", 4)
            bad = [
                nik[:8] + "13" + nik[10:],
                nik[:6] + "00" + nik[8:],
                nik[:6] + ("75" if h["female"] else "35") + nik[8:],
                nik[:12] + "0000",
            ][v]
            over["nik"] = bad
            alasan.append(("nik_tidak_valid", "nik"))
            man["nik"] = ""
            nik_kind = "raw"
        elif fault == "nik_rusak_excel":
            if xlsx:
                over["nik"] = Num(float(int(nik[:15] + "0")), "0")
            else:
                over["nik"] = f"{int(nik):.5E}"
            alasan.append(("nik_rusak_excel", "nik"))
            man["nik"] = ""
            nik_kind = "raw"
        elif fault == "desa_tidak_dikenal":
            if loc in ("kode", "both"):
                over["kode_desa"] = self._unknown_code(h["kec"], rng)
            else:
                over["desa"] = self._misspell(ctx.kode, h, rng)
            alasan.append(("desa_tidak_dikenal", "kode_desa"))
            man["kode_desa"] = ""
        elif fault == "desa_di_kabupaten_lain":
            other = [c for c in self.codes if c != ctx.kode]
            ok = rng.choice(other)
            kec = rng.choice([kc for kc in self.kec_of[ok] if self.desa_of.get(kc.kode)])
            over["kode_desa"] = rng.choice(self.desa_of[kec.kode]).kode
            alasan.append(("desa_di_kabupaten_lain", "kode_desa"))
            man["kode_desa"] = ""
        elif fault == "nilai_tidak_dikenal":
            c = REQUIRED_ENUMS[self._rr("nv", len(REQUIRED_ENUMS))]
            over[c] = rng.choice(GARBAGE[c])
            alasan.append(("nilai_tidak_dikenal", c))
            man[c] = ""
        elif fault == "angka_tidak_valid":
            v = self._rr("an", 6)
            c, val = [
                ("jumlah_anggota_keluarga", 0),
                ("jumlah_anggota_keluarga", 45),
                ("jumlah_anggota_keluarga", "tiga"),
                ("luas_lantai_m2", 0),
                ("luas_lantai_m2", 5000),
                ("luas_lantai_m2", "6x6"),
            ][v]
            over[c] = val if (xlsx and not isinstance(val, str)) else str(val)
            alasan.append(("angka_tidak_valid", c))
            man[c] = ""
        elif fault == "duplikat_nik":
            hasil_override = self._make_dup(ctx, h, man)
        elif fault == "nik_provinsi_lain":
            prov = rng.choice(["5271", "5204", "5171", "3578", "7371", "6471", "5106"])
            birth = self._birth(rng)
            new = self.new_nik(rng, prov + f"{rng.randint(1, 9):02d}", birth, h["female"], fp.nik_numeric)
            h["nik"] = nik = new
            man["nik"] = new
            warn.append(("nik_provinsi_lain", "nik"))
        elif fault == "nik_format_angka":
            over["nik"] = Num(float(int(nik)), "0")
            nik_numeric = True
        elif fault == "opsional_tidak_valid":
            opts = [
                c
                for c in (
                    "no_kk",
                    "kondisi_atap",
                    "kondisi_dinding",
                    "kondisi_lantai",
                    "jenis_kelamin",
                    "jumlah_kk",
                    "memiliki_rumah_lain",
                    "status_kepemilikan_lahan",
                    "penghasilan_per_bulan",
                    "tanggal_pendataan",
                    "usulan_program",
                    "pernah_menerima_bantuan",
                )
                if c in cols
            ]
            c = min(opts, key=lambda x: (self.opt_count.get(x, 0), rng.random()))
            self.opt_count[c] = self.opt_count.get(c, 0) + 1
            if c == "no_kk":
                over[c] = (h["no_kk"] or h["nik"])[:15]
                man["no_kk"] = ""
            elif c == "jumlah_kk":
                val = rng.choice([0, 12])
                over[c] = val if xlsx else str(val)
                man[c] = ""
            else:
                over[c] = OPT_GARBAGE[c]
                man[c] = ""
            warn.append(("opsional_tidak_valid", c))
        elif fault == "koordinat_tidak_valid":
            over["latitude"], over["longitude"] = h["longitude"], h["latitude"]
            man["latitude"] = man["longitude"] = ""
            warn.append(("koordinat_tidak_valid", "latitude"))
        elif fault == "tanggal_di_masa_depan":
            fut = self.future_date + timedelta(days=rng.randint(0, 200))
            over["tanggal_pendataan"] = fmt_date(fut, st, xlsx, rng)
            man["tanggal_pendataan"] = ""
            warn.append(("tanggal_di_masa_depan", "tanggal_pendataan"))

        if h.get("_dup"):
            hasil_override = h["_dup"]
        # location: names-only rows in a "both" sheet sometimes lack the code but resolve by name
        if (
            loc == "both"
            and not fault
            and rng.random() < 0.02
            and self.resolvable(ctx.kode, self.desa_by_code[h["kode_desa"]])
        ):
            over["kode_desa"] = ""
            blank_code = True

        # wrong folder: truth from the reference, as the pipeline will see it
        if fp.mode == "wrong_folder":
            if loc in ("kode", "both") and not blank_code:
                alasan.append(("desa_di_kabupaten_lain", "kode_desa"))
                man["kode_desa"] = ""
            else:
                code = self.resolve_names(fp.folder, h["kec_name"], h["desa_name"])
                if code is None:
                    alasan.append(("desa_tidak_dikenal", "kode_desa"))
                    man["kode_desa"] = ""
                else:
                    man["kode_desa"] = code

        # numeric NIK files: clean and warning rows keep the number (intact unless the NIK ends in 0)
        if (
            fp.nik_numeric
            and xlsx
            and nik_kind == "text"
            and not alasan
            and hasil_override is None
            and "nik" not in over
            and not nik.endswith("0")
        ):
            over["nik"] = Num(float(int(nik)), "0")
            nik_numeric = True
        if nik_numeric:
            warn.append(("nik_format_angka", "nik"))

        values = render_row(h, st, cols, over, xlsx, rng, no, self.domain)
        baris = sh.data(values)
        if alasan:
            hasil = "karantina"
        elif hasil_override:
            hasil = hasil_override
            if hasil == "karantina":
                alasan.append(("duplikat_nik", "nik"))
        else:
            hasil = "diterima"
        if fp.mode == "rejected_folder":
            hasil, alasan, warn = "file_ditolak", [("folder_bukan_kode_kabupaten", "")], []
        if hasil != "diterima":
            warn = []
        self._manifest_rt(fp, sh, baris, hasil, alasan, warn, man, xlsx)

    def _rr(self, key: str, n: int) -> int:
        """Round-robin index per sub-kind, so every variant appears."""
        c = self.opt_count.get("_" + key, 0)
        self.opt_count["_" + key] = c + 1
        return c % n

    def _unknown_code(self, kec: str, rng: random.Random) -> str:
        while True:
            code = f"{kec}.2{rng.randint(900, 999)}"
            if code not in self.desa_by_code:
                return code

    def _misspell(self, k: str, h: dict, rng: random.Random) -> str:
        name = h["desa_name"]
        for attempt in range(50):
            s = list(name)
            letters = [i for i, ch in enumerate(s) if ch.isalpha()]
            op = rng.randrange(3)
            if op == 0 and len(letters) > 3:
                del s[rng.choice(letters[1:])]
            elif op == 1 and len(letters) > 3:
                i = rng.choice(letters[1:-1])
                s[i], s[i + 1] = s[i + 1], s[i]
            else:
                s.insert(rng.choice(letters[1:] or [1]), rng.choice("aeiou"))
            cand = "".join(s)
            if attempt > 40:
                cand = "Xyz" + cand
            if self.resolve_names(k, h["kec_name"], cand) is None:
                return cand
        return "Xyzabc"

    def _make_dup(self, ctx: DistrictContext, h: dict, man: dict) -> str:
        rng = ctx.rng
        d1 = h["tanggal_pendataan"]
        delta = rng.randint(5, 75)
        d2 = d1 + timedelta(days=delta) if rng.random() < 0.5 else d1 - timedelta(days=delta)
        d2 = min(max(d2, SURVEY_START), self.date_cap)
        if d2 == d1:
            d2 = d1 - timedelta(days=3) if d1 > SURVEY_START + timedelta(days=3) else d1 + timedelta(days=3)
        orig_wins = d1 > d2
        idx = self.submit_order.index(ctx.kode)
        later = self.submit_order[idx + 1 :]
        target = later[0] if later and rng.random() < 0.5 else ctx.kode
        copy = dict(h)
        copy["tanggal_pendataan"] = d2
        copy["_dup"] = "karantina" if orig_wins else "diterima"
        if target != ctx.kode:  # the household moved: a new address in the target district
            tst = self.styles[target]
            for _ in range(100):
                kec = rng.choice([kc for kc in self.kec_of[target] if self.desa_of.get(kc.kode)])
                desa = rng.choice(self.desa_of[kec.kode])
                if tst.loc_mode != "nama" or self.resolvable(target, desa):
                    break
            copy.update(kode_desa=desa.kode, kec=kec.kode, kec_name=kec.nama, desa_name=desa.nama)
            copy["latitude"] = copy["longitude"] = None
        self.pending.setdefault(target, []).append(copy)
        return "diterima" if orig_wins else "karantina"

    # ---------------------------------------------------------------- whole-file faults
    def _special_files(self) -> None:
        rng = random.Random(f"p3jr:{self.seed}:special")
        subs = list(self.submit_order)
        hosts = rng.sample(subs, 7)
        # 1-2: another district's file in the wrong folder (one coded, one names-only)
        coded = [k for k in subs if self.styles[k].loc_mode in ("kode", "both")]
        named = [k for k in subs if self.styles[k].loc_mode == "nama"]
        for i, (src_list, host) in enumerate(((coded, hosts[0]), (named, hosts[1]))):
            src = rng.choice([k for k in src_list if k != host])
            st = self.styles[src]
            kec = rng.choice([kc.kode for kc in self.kec_of[src] if self.desa_of.get(kc.kode)])
            ds = [d for d in self.desa_of[kec] if st.loc_mode != "nama" or self.resolvable(src, d)]
            n = max(12, min(200, self.n_rows[src] // 20))
            alloc: dict[Any, int] = {}
            for j in range(n):
                d = ds[j % len(ds)]
                alloc[d] = alloc.get(d, 0) + 1
            fmt = "xlsx" if i == 0 else "csv"
            fp = FilePlan(
                folder=host,
                name=f"Pendataan_RT_Kec_{self.kec_name[kec].replace(' ', '_')}.{fmt}",
                fmt=fmt,
                style=st,
                kecs=[(kec, list(alloc.items()))],
                mode="wrong_folder",
                titles=True,
                sheet_name="DATA",
            )
            fp.mtime = self.first_file[host] + timedelta(days=1, hours=2)
            self._write_file(fp, self._ctx(src, st, salt=f"wrong{i}"))
        # 3: a folder that is not a district code (an old Kota Kupang export)
        (self.out / NON_DISTRICT_FOLDER).mkdir(exist_ok=True)
        src = "53.71"
        st = self.styles[src] if src in self.styles else self._style(src, "kode", False)
        kec = self.kec_of[src][0].kode
        alloc = {}
        for j in range(max(10, min(100, self.n_rows.get(src, 40) // 40))):
            d = self.desa_of[kec][j % len(self.desa_of[kec])]
            alloc[d] = alloc.get(d, 0) + 1
        fp = FilePlan(
            folder=NON_DISTRICT_FOLDER,
            name="data_pendataan_kota_kupang_lama.csv",
            fmt="csv",
            style=st,
            kecs=[(kec, list(alloc.items()))],
            mode="rejected_folder",
            titles=False,
            delimiter=";",
        )
        fp.mtime = datetime(2025, 9, 2, 3, 15, tzinfo=UTC)
        self._write_file(fp, self._ctx(src, st, salt="lama"))

        def put(host: str, name: str, data: bytes, alasan: str, days: int) -> None:
            p = self.out / host / name
            p.write_bytes(data)
            self._register(
                host,
                name,
                "tidak_dikenal",
                "rejected",
                alasan,
                self.first_file[host] + timedelta(days=days, hours=1),
                0,
            )

        # 4: corrupt xlsx (truncated zip)
        bio = io.BytesIO()
        bk = XlsxBook(bio)
        sh = bk.sheet("DATA")
        sh.header([self.styles[hosts[2]].headers[c] for c in self.styles[hosts[2]].columns])
        for j in range(30):
            sh.plain([f"baris {j}"] * 5)
        bk.close()
        blob = bio.getvalue()
        put(hosts[2], "Pendataan_RT_revisi_final.xlsx", blob[: len(blob) * 3 // 5], "file_rusak", 2)
        # 5: empty file
        put(hosts[3], "data_susulan_kecamatan.csv", b"", "file_kosong", 3)
        # 6: a spreadsheet without a recognisable header (a summary table)
        bio = io.BytesIO()
        bk = XlsxBook(bio)
        sh = bk.sheet("Rekap")
        sh.plain([f"REKAPITULASI RTLH {self.kabs[hosts[4]].nama.upper()}"], bold=True)
        sh.plain(["Nama Wilayah", "Jml Rumah", "Jml RTLH", "Persentase"], bold=True)
        for kc in self.kec_of[hosts[4]]:
            a = rng.randint(800, 6000)
            b = rng.randint(a // 5, a // 2)
            sh.plain([kc.nama, a, b, round(100 * b / a, 2)])
        bk.close()
        put(hosts[4], "Rekap_RTLH_per_Kecamatan.xlsx", bio.getvalue(), "header_tidak_dikenal", 1)
        # 7: a cover letter and an Office lock file
        pdf = (
            b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\n"
            b"trailer<</Root 1 0 R>>\n%%EOF\n"
        )
        put(hosts[5], "Surat_Pengantar_Pendataan_3JR.pdf", pdf, "jenis_file_tidak_didukung", 0)
        owner = b"Operator Perkim"
        lock = bytes([len(owner)]) + owner + b" " * (54 - len(owner)) + owner.decode().encode("utf-16-le")
        put(
            hosts[6],
            "~$" + self.plans[hosts[6]][0].name.rsplit(".", 1)[0][:40] + ".xlsx",
            lock.ljust(165, b"\x00"),
            "file_sementara_office",
            0,
        )
