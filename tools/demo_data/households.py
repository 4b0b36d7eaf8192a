"""One household at a time: its NIK, name, house, income, survey date and coordinates, drawn from the
district's random stream (:class:`DistrictContext`) and the distributions of :meth:`HouseholdMixin._tables`
(poor households, a sixth or so, draw from the second table of each pair).

:class:`HouseholdMixin` is one part of :class:`tools.demo_data.core.Generator` (it keeps the set of
NIKs already used across the province)."""

from __future__ import annotations

import calendar
import math
import random
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from tools.demo_data.common import CENTROIDS, REGION, SURVEY_START, TA, cum_table, pick
from tools.demo_data.names import person_name, petugas_pool
from tools.demo_data.styles import Style

if TYPE_CHECKING:
    from tools.demo_data.core import Generator


class HouseholdMixin:
    # ---------------------------------------------------------------- distributions
    def _tables(self) -> None:
        T = cum_table
        self.t_status = T(
            [
                ("milik_sendiri", 91),
                ("menumpang", 3),
                ("bebas_sewa", 2),
                ("kontrak", 1.5),
                ("sewa", 1),
                ("dinas", 1),
                ("lainnya", 0.5),
            ]
        )
        self.t_status_kota = T(
            [
                ("milik_sendiri", 76),
                ("kontrak", 8),
                ("sewa", 6),
                ("menumpang", 5),
                ("bebas_sewa", 2),
                ("dinas", 2.5),
                ("lainnya", 0.5),
            ]
        )
        self.t_lahan = T([("milik_sendiri", 85), ("bukan_milik_sendiri", 8), ("tanah_negara", 2), ("lainnya", 5)])
        self.t_atap = (
            T([("seng", 82), ("genteng", 6), ("beton", 4), ("asbes", 6), ("kayu_sirap", 2)]),
            T([("seng", 58), ("jerami_ijuk_daun", 32), ("bambu", 4), ("lainnya", 6)]),
        )
        self.t_dinding = (
            T([("tembok", 60), ("kayu_papan", 22), ("plesteran_anyaman_bambu", 11), ("batang_kayu", 7)]),
            T(
                [
                    ("anyaman_bambu", 36),
                    ("bambu", 14),
                    ("kayu_papan", 25),
                    ("batang_kayu", 15),
                    ("tembok", 5),
                    ("lainnya", 5),
                ]
            ),
        )
        self.t_lantai = (
            T(
                [
                    ("semen_bata_merah", 54),
                    ("keramik", 30),
                    ("ubin_tegel", 8),
                    ("kayu_papan", 5),
                    ("tanah", 2.5),
                    ("marmer_granit", 0.5),
                ]
            ),
            T([("tanah", 58), ("semen_bata_merah", 25), ("bambu", 10), ("kayu_papan", 7)]),
        )
        self.t_kondisi = (
            T([("baik", 62), ("rusak_ringan", 30), ("rusak_sedang", 8)]),
            T([("rusak_ringan", 25), ("rusak_sedang", 40), ("rusak_berat", 35)]),
        )
        self.t_air = (
            T(
                [
                    ("ledeng", 33),
                    ("sumur_bor", 14),
                    ("sumur_terlindung", 16),
                    ("mata_air_terlindung", 17),
                    ("air_kemasan", 14),
                    ("air_hujan", 6),
                ]
            ),
            T(
                [
                    ("mata_air_tak_terlindung", 30),
                    ("sumur_tak_terlindung", 22),
                    ("air_permukaan", 14),
                    ("mata_air_terlindung", 20),
                    ("air_hujan", 10),
                    ("lainnya", 4),
                ]
            ),
        )
        self.t_sanitasi = (
            T([("jamban_sendiri", 81), ("jamban_bersama", 15), ("jamban_umum", 4)]),
            T([("tidak_ada", 38), ("jamban_umum", 20), ("jamban_sendiri", 27), ("jamban_bersama", 15)]),
        )
        self.t_anggota = T([(1, 6), (2, 12), (3, 18), (4, 22), (5, 17), (6, 11), (7, 7), (8, 4), (9, 2), (10, 1)])
        self.t_jkk = T([(1, 85), (2, 12), (3, 3)])
        self.t_usulan = (
            T([("tidak_ada", 80), ("flpp", 10), ("bsps_peningkatan", 10)]),
            T([("bsps_peningkatan", 55), ("bsps_baru", 30), ("relokasi", 5), ("tidak_ada", 10)]),
        )

    def new_nik(self, rng: random.Random, prefix6: str, birth: date, female: bool, avoid_zero: bool = False) -> str:
        dd = birth.day + (40 if female else 0)
        base = int(f"{prefix6}{dd:02d}{birth.month:02d}{birth.year % 100:02d}") * 10000
        seq = 1 + int(rng.random() ** 2 * 120)
        used = self.used_nik
        while True:
            if seq > 9999:
                birth = birth + timedelta(days=1)
                return self.new_nik(rng, prefix6, birth, female, avoid_zero)
            v = base + seq
            if v not in used and not (avoid_zero and seq % 10 == 0):
                used.add(v)
                return f"{v:016d}"
            seq += 1

    def _birth(self, rng: random.Random) -> date:
        age = int(rng.triangular(21, 86, 40))
        y = TA - age
        m = rng.randint(1, 12)
        return date(y, m, rng.randint(1, calendar.monthrange(y, m)[1]))

    def household(self, d: DistrictContext, desa: Any) -> dict:
        rng = d.rng
        k = d.kode
        kec = desa.kode[:8]
        female = rng.random() < 0.16
        birth = self._birth(rng)
        nik = self.new_nik(rng, kec.replace(".", ""), birth, female, d.avoid_zero)
        kota = k == "53.71"
        poor = 1 if rng.random() < d.p_poor else 0
        fill = d.style.fill
        lat0, lon0 = d.kec_centre[kec]
        issue = SURVEY_START - timedelta(days=rng.randint(200, 7000))
        no_kk = f"{kec.replace('.', '')}{issue.day:02d}{issue.month:02d}{issue.year % 100:02d}{rng.randint(1, 999):04d}"
        inc = math.exp(rng.gauss(math.log(2_600_000 if kota else 1_500_000) - 0.35 * poor, 0.55))
        step = (
            500_000
            if (d.style.money_style in ("juta", "jt") and inc >= 1_000_000)
            else (50_000 if rng.random() < 0.3 else 100_000)
        )
        inc = max(step, int(round(inc / step)) * step)
        anggota = pick(rng, self.t_anggota)
        luas = rng.uniform(14, 38) if poor else rng.uniform(30, 96)
        luas = round(luas * 2) / 2 if rng.random() < 0.3 else float(round(luas))
        status = pick(rng, self.t_status_kota if kota else self.t_status)
        h = {
            "kode_desa": desa.kode,
            "kec": kec,
            "kec_name": self.kec_name[kec],
            "desa_name": desa.nama,
            "nik": nik,
            "female": female,
            "no_kk": no_kk if rng.random() < fill.get("no_kk", 0) else None,
            "nama_kepala_keluarga": person_name(rng, REGION[k], female),
            "jenis_kelamin": ("P" if female else "L") if rng.random() < fill.get("jenis_kelamin", 0) else None,
            "jumlah_anggota_keluarga": anggota,
            "jumlah_kk": pick(rng, self.t_jkk) if rng.random() < fill.get("jumlah_kk", 0) else None,
            "status_kepemilikan_rumah": status,
            "memiliki_rumah_lain": (
                ("ya" if (status != "milik_sendiri" and rng.random() < 0.2) or rng.random() < 0.02 else "tidak")
                if rng.random() < fill.get("memiliki_rumah_lain", 0)
                else None
            ),
            "status_kepemilikan_lahan": pick(rng, self.t_lahan)
            if rng.random() < fill.get("status_kepemilikan_lahan", 0)
            else None,
            "luas_lantai_m2": luas,
            "material_atap": pick(rng, self.t_atap[poor]),
            "material_dinding": pick(rng, self.t_dinding[poor]),
            "material_lantai": pick(rng, self.t_lantai[poor]),
            "sumber_air_minum": pick(rng, self.t_air[poor]),
            "fasilitas_sanitasi": pick(rng, self.t_sanitasi[poor]),
            "penghasilan_per_bulan": inc if rng.random() < fill.get("penghasilan_per_bulan", 0) else None,
            "usulan_program": pick(rng, self.t_usulan[poor]) if rng.random() < fill.get("usulan_program", 0) else None,
            "pernah_menerima_bantuan": ("ya" if rng.random() < 0.1 else "tidak")
            if rng.random() < fill.get("pernah_menerima_bantuan", 0)
            else None,
            "tanggal_pendataan": d.survey_date(rng) if rng.random() < fill.get("tanggal_pendataan", 0) else None,
            "nama_petugas": (d.cur_petugas if rng.random() < 0.9 else rng.choice(d.petugas))
            if rng.random() < fill.get("nama_petugas", 0)
            else None,
            "keterangan": rng.choice(["Rumah panggung", "Lansia", "Disabilitas", "Rumah adat", "Ibu hamil"])
            if rng.random() < 0.05
            else None,
        }
        if rng.random() < fill.get("kondisi_atap", 0):
            h["kondisi_atap"] = pick(rng, self.t_kondisi[poor])
            h["kondisi_dinding"] = pick(rng, self.t_kondisi[poor])
            h["kondisi_lantai"] = pick(rng, self.t_kondisi[poor])
        else:
            h["kondisi_atap"] = h["kondisi_dinding"] = h["kondisi_lantai"] = None
        if rng.random() < fill.get("latitude", 0):
            h["latitude"] = round(max(-11.05, min(-7.75, lat0 + rng.gauss(0, d.spread))), 6)
            h["longitude"] = round(max(118.95, min(125.15, lon0 + rng.gauss(0, d.spread))), 6)
        else:
            h["latitude"] = h["longitude"] = None
        return h


class DistrictContext:
    """Per-district random stream and derived settings (one per district, or per special file)."""

    def __init__(self, g: Generator, kode: str, style: Style, salt: str = "") -> None:
        self.kode = kode
        self.style = style
        self.rng = random.Random(f"p3jr:{g.seed}:rows:{kode}:{salt}")
        kab = g.kabs[kode]
        self.p_poor = {
            "53.71": 0.05,
            "53.02": 0.27,
            "53.11": 0.25,
            "53.12": 0.25,
            "53.17": 0.27,
            "53.18": 0.27,
            "53.20": 0.23,
            "53.03": 0.22,
            "53.05": 0.2,
        }.get(kode, 0.16)
        lat, lon = CENTROIDS[kode]
        rad = math.sqrt(kab.luas_km2) / 111.0 / 2.2
        self.spread = rad / 4
        self.kec_centre = {}
        for kc in g.kec_of[kode]:
            r = random.Random(f"centre:{kc.kode}")
            self.kec_centre[kc.kode] = (lat + r.uniform(-rad, rad), lon + r.uniform(-rad, rad))
        self.petugas = petugas_pool(g.seed, kode)
        if not any(not p.isascii() for p in self.petugas):
            self.petugas.append(
                self.rng.choice(["José Soares", "João da Costa", "Maria da Conceição Pereira", "António Ximenes"])
            )
        # survey window: before the district's first file, inside TA 2025
        first = g.first_file.get(kode)
        end = min(g.date_cap, first.date() - timedelta(days=1)) if first else g.date_cap
        start = min(SURVEY_START + timedelta(days=self.rng.randint(0, 100)), end - timedelta(days=30))
        self.start, self.span = max(start, SURVEY_START), max(1, (end - max(start, SURVEY_START)).days)
        self.avoid_zero = False
        self.cur_petugas = self.petugas[0]

    def survey_date(self, rng: random.Random) -> date:
        d = self.start + timedelta(days=rng.randint(0, self.span))
        if d.weekday() == 6:  # no fieldwork on Sundays
            d -= timedelta(days=1)
        return max(d, SURVEY_START)
