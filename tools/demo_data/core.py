"""The generator: one object holding the seeded random streams and the running state, assembled from
one mixin per job (plan, households, faults, sheets, manifest), and :func:`generate`."""

from __future__ import annotations

import random
from datetime import date
from pathlib import Path
from typing import Any

from sources import contract, reference
from tools.demo_data.common import DEADLINE, RT_FAULTS, SCALE_TARGETS, norm
from tools.demo_data.faults import FaultMixin
from tools.demo_data.households import DistrictContext, HouseholdMixin
from tools.demo_data.manifest import ManifestMixin
from tools.demo_data.plan import PlanMixin
from tools.demo_data.sheets import SheetMixin
from tools.demo_data.styles import Style, check_garbage, enum_alias_lists, header_alias_lists


class Generator(PlanMixin, HouseholdMixin, FaultMixin, SheetMixin, ManifestMixin):
    def __init__(
        self, out_dir: Path, scale: str, seed: int, defect_rate: float, size_factor: float, run_date: date | None
    ) -> None:
        if scale not in SCALE_TARGETS:
            raise ValueError(f"scale must be one of {sorted(SCALE_TARGETS)}")
        self.out = Path(out_dir)
        self.scale, self.seed, self.defect_rate, self.size_factor = scale, seed, defect_rate, size_factor
        self.run_date = run_date
        self.date_cap = min(DEADLINE, run_date) if run_date else DEADLINE
        fut = date(2030, 3, 17)
        if run_date and run_date >= fut:
            fut = date(run_date.year + 4, 3, 17)
        self.future_date = fut
        self.rng = random.Random(f"p3jr:{seed}:plan")
        self.used_nik: set[int] = set()
        self.fault_count = {k: 0 for k in RT_FAULTS}
        self.opt_count: dict[str, int] = {}
        self.pending: dict[str, list[dict]] = {}
        self.files: list[list[Any]] = []
        self.stats: dict[str, Any] = {
            "hasil": {},
            "alasan": {},
            "peringatan": {},
            "per_kabupaten": {},
            "baris_xlsx": 0,
            "baris_csv": 0,
            "rtlh": 0,
            "diterima_rt": 0,
        }
        self.hal = header_alias_lists()
        self.eal = enum_alias_lists()
        self.domain = {c.name: c.domain for c in contract.columns("rumah_tangga")}
        self.rp_domain = {c.name: c.domain for c in contract.columns("realisasi_program")}
        self.kabs = {k.kode: k for k in reference.kabupaten()}
        self.codes = list(reference.district_codes())
        self._index_reference()
        check_garbage()
        self._tables()

    # ---------------------------------------------------------------- reference indexes
    def _index_reference(self) -> None:
        self.kec_of: dict[str, list[Any]] = {k: [] for k in self.codes}
        self.desa_of: dict[str, list[Any]] = {}
        self.desa_by_code: dict[str, Any] = {}
        for w in reference.wilayah():
            if w.tingkat == "kecamatan":
                self.kec_of[w.kode[:5]].append(w)
                self.desa_of.setdefault(w.kode, [])
            elif w.tingkat == "desa_kelurahan":
                self.desa_of.setdefault(w.kode[:8], []).append(w)
                self.desa_by_code[w.kode] = w
        self.kec_name = {w.kode: w.nama for w in reference.wilayah() if w.tingkat == "kecamatan"}
        # name resolver: district → normalised kecamatan → [codes]; kecamatan → normalised desa → [codes]
        self.kec_idx: dict[str, dict[str, list[str]]] = {}
        for k in self.codes:
            idx: dict[str, list[str]] = {}
            for w in self.kec_of[k]:
                idx.setdefault(norm(w.nama), []).append(w.kode)
            self.kec_idx[k] = idx
        self.desa_idx: dict[str, dict[str, list[str]]] = {}
        for kc, ds in self.desa_of.items():
            idx = {}
            for w in ds:
                idx.setdefault(norm(w.nama), []).append(w.kode)
            self.desa_idx[kc] = idx

    def resolve_names(self, district: str, kec_name: str, desa_name: str) -> str | None:
        kecs = self.kec_idx.get(district, {}).get(norm(kec_name), [])
        if len(kecs) != 1:
            return None
        ds = self.desa_idx.get(kecs[0], {}).get(norm(desa_name), [])
        return ds[0] if len(ds) == 1 else None

    def resolvable(self, district: str, desa: Any) -> bool:
        return self.resolve_names(district, self.kec_name[desa.kode[:8]], desa.nama) == desa.kode

    # ---------------------------------------------------------------- run
    def run(self) -> dict:
        self.out.mkdir(parents=True, exist_ok=True)
        self._clean_previous()
        self.plan()
        with self._rows_manifest() as rows_name:
            for k in self.submit_order:
                self._district(k)
            (self.out / self.empty_folder).mkdir(exist_ok=True)
            self._special_files()
        return self._write_file_list_and_summary(rows_name)

    def _ctx(self, k: str, style: Style | None = None, salt: str = "") -> DistrictContext:
        return DistrictContext(self, k, style or self.styles[k], salt)

    def _district(self, k: str) -> None:
        (self.out / k).mkdir(exist_ok=True)
        ctx = self._ctx(k)
        for fp in self.plans[k]:
            self._write_file(fp, ctx)


def generate(
    out_dir: Path | str,
    scale: str = "small",
    seed: int = 1,
    defect_rate: float = 0.03,
    size_factor: float = 1.0,
    run_date: date | None = None,
) -> dict:
    """Write a deterministic set of district submissions and its ground-truth manifest; return the summary."""
    return Generator(Path(out_dir), scale, seed, defect_rate, size_factor, run_date).run()
