"""Planning, before any row is written: which districts send nothing, how many households each sends,
in which files and formats, when each file arrives, and the realisasi_program rows with their faults.

:class:`PlanMixin` is one part of :class:`tools.demo_data.core.Generator`; it reads the reference
indexes the generator builds (``kabs``, ``codes``, ``kec_of``, ``desa_of``…) and sets ``styles``,
``plans``, ``n_rows``, ``first_file``, ``realisasi`` and the two non-submitting districts."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from tools.demo_data.common import DEADLINE, MIN_ROWS, RP_FAULTS, SCALE_TARGETS, cum_table, pick
from tools.demo_data.styles import Style, make_style


@dataclass
class FilePlan:
    folder: str
    name: str
    fmt: str  # xlsx | csv
    style: Style
    kecs: list[tuple[str, list[tuple[Any, int]]]]  # (kec code, [(desa Wilayah, count)])
    mode: str = "normal"  # normal | wrong_folder | rejected_folder
    realisasi: list[dict] | None = None  # rows for a realisasi sheet/file
    rt: bool = True
    nik_numeric: bool = False
    titles: bool = True
    group_row: bool = False
    totals: bool = False
    trailing: int = 0
    hidden_sheet: bool = False
    sheet_name: str = "DATA"
    delimiter: str = ","
    encoding: str = "utf-8"
    newline: str = "\r\n"
    drain: bool = False  # append pending duplicate copies at the end
    mtime: datetime | None = None
    force_accent: bool = False
    force_blank: bool = False  # a blank row after the third household (coverage at small scale)
    rows: int = 0


class PlanMixin:
    def plan(self) -> None:
        rng = self.rng
        kabs = self.kabs
        # non-submitting districts: two of the smaller half
        small = sorted(self.codes, key=lambda k: kabs[k].penduduk_total)[:11]
        small = [k for k in small if k != "53.71"]
        rng.shuffle(small)
        self.no_folder, self.empty_folder = small[0], small[1]
        self.submitting = [k for k in self.codes if k not in (self.no_folder, self.empty_folder)]
        # households per district
        base = {k: kabs[k].penduduk_total / 4.2 for k in self.submitting}
        target = SCALE_TARGETS[self.scale]
        factor = 1.0 if target is None else target / sum(base.values())
        self.n_rows = {k: max(MIN_ROWS, round(base[k] * factor * self.size_factor)) for k in self.submitting}
        # styles
        order = list(self.submitting)
        rng.shuffle(order)
        loc_modes = ["kode", "nama", "both"] + [
            pick(rng, cum_table([("kode", 45), ("nama", 25), ("both", 30)])) for _ in order[3:]
        ]
        self.styles: dict[str, Style] = {}
        for i, k in enumerate(order):
            self.styles[k] = self._style(k, loc_modes[i], complete=i < 3)
        # also styles for the two non-submitting districts (used for no files, but keeps plan uniform)
        for k in (self.no_folder, self.empty_folder):
            self.styles[k] = self._style(k, "kode", complete=False)
        # format per district, balanced by rows: largest first to the lagging format
        rows_by_fmt = {"xlsx": 0, "csv": 0}
        self.fmt_profile: dict[str, str] = {}
        for j, k in enumerate(sorted(self.submitting, key=lambda k: -self.n_rows[k])):
            if j % 5 == 4:
                prof = "mixed"
                rows_by_fmt["xlsx"] += self.n_rows[k] // 2
                rows_by_fmt["csv"] += self.n_rows[k] // 2
            else:
                prof = "xlsx" if rows_by_fmt["xlsx"] <= rows_by_fmt["csv"] else "csv"
                rows_by_fmt[prof] += self.n_rows[k]
            self.fmt_profile[k] = prof
        # timeliness: about a third late by 1..5 weeks
        late = list(self.submitting)
        rng.shuffle(late)
        n_late = max(2, round(len(late) * 0.35))
        self.first_file: dict[str, datetime] = {}
        for i, k in enumerate(late):
            if i < n_late:
                weeks = 1 + i % 5
                day = DEADLINE + timedelta(days=7 * (weeks - 1) + rng.randint(2, 5))
            else:
                day = DEADLINE - timedelta(days=rng.randint(1, 30))
            self.first_file[k] = datetime(
                day.year, day.month, day.day, rng.randint(1, 7), rng.randint(0, 59), rng.randint(0, 59), tzinfo=UTC
            )
        # realisasi rows
        self.realisasi = self._plan_realisasi()
        # file plans
        self.plans: dict[str, list[FilePlan]] = {}
        for k in self.submitting:
            self.plans[k] = self._plan_files(k)
        self.submit_order = list(self.submitting)  # sorted codes
        self._ensure_coverage()

    def _ensure_coverage(self) -> None:
        """Make every file shape appear at every scale (deterministic, on top of the random styles)."""
        rng = random.Random(f"p3jr:{self.seed}:coverage")
        order = list(self.submitting)
        rng.shuffle(order)
        xl = [k for k in order if self.fmt_profile[k] == "xlsx"]
        cs = [k for k in order if self.fmt_profile[k] == "csv"]
        for lst, cyc in (
            (xl, ["xlsx_date", "serial", "indo_long", "dmy_slash", "iso", "iso_time", "dmy_dash"]),
            (cs, ["serial", "indo_long", "dmy_slash", "iso", "dmy_dash", "iso_time"]),
        ):
            for i, k in enumerate(lst):
                self.styles[k].date_style = cyc[i % len(cyc)]
        for i, k in enumerate(order):
            self.styles[k].money_style = ["num", "rp_dots", "juta", "plain", "dots", "jt"][i % 6]
            self.styles[k].luas_style = ["num", "comma", "dot", "num"][i % 4]
        xplans = [p for k in order for p in self.plans[k] if p.fmt == "xlsx" and p.rt]
        cplans = [p for k in order for p in self.plans[k] if p.fmt == "csv" and p.rt]
        if xplans:
            if not any(p.nik_numeric for p in xplans):
                k = xplans[0].folder
                for p in self.plans[k]:
                    if p.fmt == "xlsx":
                        p.nik_numeric = True
            for attr, val in (
                ("hidden_sheet", True),
                ("totals", True),
                ("group_row", True),
                ("trailing", 2),
                ("titles", True),
            ):
                if not any(getattr(p, attr) for p in xplans):
                    setattr(xplans[-1], attr, val)
            if all(p.titles for p in xplans) and len(xplans) > 1:
                xplans[1].titles = False
            xplans[0].force_blank = True
        # csv dialects: every delimiter and encoding, cp1252 only where a name with accents will appear
        csv_d = [k for k in order if any(p.fmt == "csv" for p in self.plans[k])]
        for i, k in enumerate(csv_d):
            st = self.styles[k]
            enc = ["utf-8", "cp1252", "utf-8-sig", "utf-8", "cp1252", "utf-8-sig"][i % 6]
            if enc == "cp1252" and "nama_petugas" not in st.columns:
                st.columns.insert(st.columns.index("tanggal_pendataan") + 1, "nama_petugas")
                st.headers["nama_petugas"] = rng.choice(self.hal[("rumah_tangga", "nama_petugas")][1:])
                st.fill["nama_petugas"] = 0.9
            delim = [";", ",", ";", ","][i % 4]
            for p in self.plans[k]:
                if p.fmt == "csv":
                    p.delimiter, p.encoding = delim, enc
                    p.force_accent = enc == "cp1252"
        if cplans:
            for attr, val in (("totals", True), ("titles", True), ("trailing", 2)):
                if not any(getattr(p, attr) for p in cplans):
                    setattr(cplans[-1], attr, val)
            cplans[0].force_blank = True
        # realisasi both as an xlsx sheet and as its own file
        rp_sheet = [p for k in order for p in self.plans[k] if p.rt and p.realisasi]
        rp_file = [p for k in order for p in self.plans[k] if not p.rt]
        if not rp_sheet:
            for k in order:
                sep = [p for p in self.plans[k] if not p.rt]
                xls = [p for p in self.plans[k] if p.rt and p.fmt == "xlsx"]
                if sep and xls and len(rp_file) > 1:
                    xls[0].realisasi = sep[0].realisasi
                    self.plans[k].remove(sep[0])
                    break

    def _style(self, k: str, loc_mode: str, complete: bool) -> Style:
        return make_style(self.seed, k, self.kabs[k].nama, loc_mode, complete, self.hal, self.eal)

    def _allocate(self, k: str, n: int, rng: random.Random) -> dict[str, list[tuple[Any, int]]]:
        """Spread n households over the district's desas (kelurahan weigh more)."""
        st = self.styles[k]
        desas = []
        for kec in self.kec_of[k]:
            for d in self.desa_of.get(kec.kode, []):
                if st.loc_mode == "nama" and not self.resolvable(k, d):
                    continue
                desas.append(d)
        weights = [(2.5 if d.kode[9] == "1" else 1.0) * (0.5 + rng.random()) for d in desas]
        t = sum(weights)
        # deterministic largest-remainder allocation (no per-household draws)
        exact = [n * w / t for w in weights]
        floors = [int(x) for x in exact]
        counts = floors[:]
        rest = n - sum(floors)
        order = sorted(range(len(desas)), key=lambda i: (-(exact[i] - floors[i]), i))
        for i in order[:rest]:
            counts[i] += 1
        out: dict[str, list[tuple[Any, int]]] = {}
        for d, c in zip(desas, counts):
            if c:
                out.setdefault(d.kode[:8], []).append((d, c))
        return out

    def _plan_files(self, k: str) -> list[FilePlan]:
        rng = random.Random(f"p3jr:{self.seed}:files:{k}")
        st = self.styles[k]
        alloc = self._allocate(k, self.n_rows[k], rng)
        kecs = sorted(alloc)
        n_files = min(len(kecs), pick(rng, cum_table([(1, 25), (2, 35), (3, 25), (4, 15)])))
        total = sum(c for kc in kecs for _, c in alloc[kc])
        groups: list[list[str]] = [[] for _ in range(n_files)]
        acc, gi = 0, 0
        for kc in kecs:
            if gi < n_files - 1 and acc >= total * (gi + 1) / n_files and groups[gi]:
                gi += 1
            groups[gi].append(kc)
            acc += sum(c for _, c in alloc[kc])
        groups = [g for g in groups if g]
        prof = self.fmt_profile[k]
        kab_short = self.kabs[k].nama.replace("Kabupaten ", "Kab_").replace("Kota ", "Kota_").replace(" ", "_")
        plans = []
        enc_p = cum_table([("utf-8", 50), ("utf-8-sig", 25), ("cp1252", 25)])
        csv_dialect = (rng.choice([",", ";", ";"]), pick(rng, enc_p), rng.choice(["\r\n", "\n"]))
        numeric_nik = rng.random() < 0.2
        naming = rng.randrange(4)
        for i, g in enumerate(groups):
            fmt = prof if prof != "mixed" else ("xlsx" if i % 2 == 0 else "csv")
            kec_names = [self.kec_name[kc] for kc in g]
            part = "_".join(n.replace(" ", "") for n in kec_names[:2]) + ("_dst" if len(kec_names) > 2 else "")
            if naming == 0:
                stem = f"Pendataan_RT_{kab_short}_Kec_{part}"
            elif naming == 1:
                stem = f"DATA 3JR {self.kabs[k].nama.upper()} BAGIAN {i + 1}"
            elif naming == 2:
                stem = f"pendataan_rumah_tangga_2025_{i + 1:02d}"
            else:
                stem = f"Data RTLH dan Backlog {kab_short} - {part}"
            fp = FilePlan(folder=k, name=f"{stem}.{fmt}", fmt=fmt, style=st, kecs=[(kc, alloc[kc]) for kc in g])
            if fmt == "xlsx":
                fp.nik_numeric = numeric_nik
                fp.titles = rng.random() < 0.8
                fp.group_row = rng.random() < 0.4
                fp.totals = rng.random() < 0.35
                fp.trailing = rng.choice([0, 0, 2, 3])
                fp.hidden_sheet = rng.random() < 0.3
                fp.sheet_name = rng.choice(["DATA", "Pendataan", "Sheet1", "Data RTLH", "RT"])
            else:
                fp.delimiter, fp.encoding, fp.newline = csv_dialect
                fp.titles = rng.random() < 0.35
                fp.totals = rng.random() < 0.2
                fp.trailing = rng.choice([0, 0, 0, 2])
                fp.force_accent = fp.encoding == "cp1252"
            plans.append(fp)
        plans[-1].drain = True
        # realisasi: sheet in the first xlsx, or its own file
        rows = self.realisasi.get(k)
        if rows:
            xl = [p for p in plans if p.fmt == "xlsx"]
            how = rng.random()
            if xl and how < 0.5:
                xl[0].realisasi = rows
            else:
                fmt = "csv" if how < 0.8 else "xlsx"
                fp = FilePlan(
                    folder=k,
                    name=f"realisasi_program_{kab_short}_2025.{fmt}",
                    fmt=fmt,
                    style=st,
                    kecs=[],
                    rt=False,
                    realisasi=rows,
                    titles=rng.random() < 0.5,
                    sheet_name="realisasi_program",
                )
                fp.delimiter, fp.encoding, fp.newline = csv_dialect
                plans.append(fp)
        # mtimes: first file at the district's arrival time, the rest within a week
        t0 = self.first_file[k]
        for i, p in enumerate(plans):
            p.mtime = t0 if i == 0 else t0 + timedelta(days=rng.randint(0, 6), minutes=rng.randint(5, 400))
        return plans

    def _plan_realisasi(self) -> dict[str, list[dict]]:
        rng = random.Random(f"p3jr:{self.seed}:realisasi")
        out: dict[str, list[dict]] = {}
        for k in self.submitting:
            if rng.random() < 0.18:
                continue
            rows = []
            templates = [("BSPS", "APBN", "peningkatan_kualitas", 20_000_000, (40, 400))]
            if rng.random() < 0.6:
                templates.append(("BSPS", "APBN", "pembangunan_baru", 20_000_000, (5, 60)))
            if rng.random() < 0.7:
                templates.append(("FLPP", "PERBANKAN", "kpr_subsidi", 166_000_000, (20, 300)))
            if rng.random() < 0.5:
                templates.append(("LAINNYA", "APBD_KABUPATEN", "peningkatan_kualitas", 15_000_000, (10, 120)))
            if rng.random() < 0.3:
                templates.append(("LAINNYA", "APBD_PROVINSI", "peningkatan_kualitas", 25_000_000, (10, 80)))
            if rng.random() < 0.3:
                templates.append(("LAINNYA", "CSR", "peningkatan_kualitas", 25_000_000, (5, 30)))
            if rng.random() < 0.3:
                templates.append(("FLPP", "PENGEMBANG", "pembangunan_baru", 166_000_000, (20, 150)))
            if k in ("53.04", "53.21", "53.05", "53.03") and rng.random() < 0.7:
                templates.append(("RUMAH_KHUSUS", "APBN", "pembangunan_baru", 250_000_000, (10, 60)))
            for prog, dana, keg, unit_value, (lo, hi) in templates:
                for tahun in [2024, 2025] if rng.random() < 0.4 else [2025]:
                    rencana = rng.randrange(lo, hi + 1, 5 if hi > 50 else 1)
                    frac = 1.0 if tahun == 2024 else rng.uniform(0.4, 1.0)
                    selesai = min(rencana, round(rencana * frac))
                    desa = None
                    if prog != "FLPP" and rng.random() < 0.6:
                        kec = rng.choice([kc for kc in self.kec_of[k] if self.desa_of.get(kc.kode)])
                        desa = rng.choice(self.desa_of[kec.kode]).kode
                    rows.append(
                        {
                            "program": prog,
                            "sumber_dana": dana,
                            "jenis_kegiatan": keg,
                            "unit_rencana": rencana,
                            "unit_selesai": selesai,
                            "nilai_rupiah": rencana * unit_value,
                            "tahun_anggaran": tahun,
                            "kode_desa": desa,
                            "fault": None,
                        }
                    )
            out[k] = rows
        # faults: each kind at least once, then at about twice the row rate
        all_rows = [(k, r) for k in sorted(out) for r in out[k]]
        n_faults = max(len(RP_FAULTS), round(len(all_rows) * self.defect_rate * 2)) if self.defect_rate > 0 else 0
        idx = rng.sample(range(len(all_rows)), min(n_faults, len(all_rows)))
        kinds = list(RP_FAULTS) * (n_faults // len(RP_FAULTS) + 1)
        pending_kd = []
        for j, i in enumerate(idx):
            kd = kinds[j]
            k, r = all_rows[i]
            if kd == "opsional_tidak_valid" and "kode_desa" not in self.styles[k].rp_columns:
                pending_kd.append(kd)
                kd = "unit_selesai_melebihi_rencana"
            r["fault"] = kd
        for kd in pending_kd:  # place kode_desa faults in a district that has the column
            for k, r in all_rows:
                if r["fault"] is None and "kode_desa" in self.styles[k].rp_columns:
                    r["fault"] = kd
                    break
        return out
