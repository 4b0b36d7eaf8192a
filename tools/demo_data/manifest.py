"""The ground truth in ``<out>/_manifest/``: ``rows.csv`` (``rows.csv.gz`` at ``ntt`` scale), one line
per data row with its expected outcome and canonical values; ``files.csv``, every file written with its
expected status; ``summary.json``, parameters and counts. Also removes what a previous run listed.

:class:`ManifestMixin` is one part of :class:`tools.demo_data.core.Generator` (``mw`` is the rows
writer, ``files`` and ``stats`` the running file list and counts)."""

from __future__ import annotations

import contextlib
import csv
import gzip
import io
import json
import os
import shutil
from collections.abc import Iterator
from datetime import date, datetime
from typing import Any

from tools.demo_data.common import (
    DEADLINE,
    MANIFEST_DIR,
    MANIFEST_FILE_COLUMNS,
    MANIFEST_INDEX,
    MANIFEST_ROW_COLUMNS,
    fmt_dec,
)
from tools.demo_data.plan import FilePlan


class ManifestMixin:
    @contextlib.contextmanager
    def _rows_manifest(self) -> Iterator[str]:
        """Open ``rows.csv`` (gzipped at ntt scale, deterministic: no name/time in the gzip header) as
        ``self.mw`` for the body of the ``with``; yields the file name."""
        mdir = self.out / MANIFEST_DIR
        mdir.mkdir(exist_ok=True)
        gz = self.scale == "ntt"
        rows_path = mdir / ("rows.csv.gz" if gz else "rows.csv")
        raw = None
        if gz:
            raw = open(rows_path, "wb")
            fh = io.TextIOWrapper(
                gzip.GzipFile(filename="rows.csv", mode="wb", fileobj=raw, mtime=0, compresslevel=5),
                encoding="utf-8",
                newline="",
            )
        else:
            fh = open(rows_path, "w", encoding="utf-8", newline="")
        self.mw = csv.writer(fh, lineterminator="\n")
        self.mw.writerow(MANIFEST_ROW_COLUMNS)
        try:
            yield rows_path.name
        finally:
            fh.close()
            if raw is not None:
                raw.close()

    def _write_file_list_and_summary(self, rows_name: str) -> dict:
        mdir = self.out / MANIFEST_DIR
        with open(mdir / "files.csv", "w", encoding="utf-8", newline="") as f:
            w = csv.writer(f, lineterminator="\n")
            w.writerow(MANIFEST_FILE_COLUMNS)
            w.writerows(self.files)
        summary = self._summary(rows_name)
        with open(mdir / "summary.json", "w", encoding="utf-8") as f:
            json.dump(summary, f, indent=2, ensure_ascii=False, sort_keys=True)
            f.write("\n")
        return summary

    def _clean_previous(self) -> None:
        """Remove exactly the files a previous run of this generator listed (nothing else)."""
        prev = self.out / MANIFEST_DIR / "files.csv"
        if not prev.exists():
            return
        folders = set()
        with open(prev, newline="", encoding="utf-8") as f:
            for r in csv.DictReader(f):
                folders.add(r["kode_folder"])
                p = self.out / r["kode_folder"] / r["nama_file"]
                if p.is_file():
                    p.unlink()
        try:
            folders.add(json.loads((self.out / MANIFEST_DIR / "summary.json").read_text())["kabupaten_folder_kosong"])
        except (OSError, ValueError, KeyError):
            pass
        for name in sorted(folders):
            d = self.out / name
            if d.is_dir() and not any(d.iterdir()):
                d.rmdir()
        shutil.rmtree(self.out / MANIFEST_DIR)

    def _register(
        self, folder: str, name: str, jenis: str, status: str, alasan: str, mtime: datetime, rows: int
    ) -> None:
        path = self.out / folder / name
        ts = mtime.timestamp()
        os.utime(path, (ts, ts))
        self.files.append([folder, name, jenis, status, alasan, mtime.isoformat(), rows])
        pk = self.stats["per_kabupaten"].setdefault(folder, {"file": 0, "file_ditolak": 0, "baris": 0})
        pk["file"] += 1
        pk["baris"] += rows
        if status == "rejected":
            pk["file_ditolak"] += 1
        if status == "active":
            t = mtime.isoformat()
            if "file_pertama" not in pk or t < pk["file_pertama"]:
                pk["file_pertama"] = t

    def _manifest_rt(
        self, fp: FilePlan, sh: Any, baris: int, hasil: str, alasan: list, warn: list, m: dict, xlsx: bool
    ) -> None:
        def s(v: Any) -> str:
            if v is None:
                return ""
            if isinstance(v, float):
                return fmt_dec(v)
            if isinstance(v, date):
                return v.isoformat()
            return str(v)

        alasan = sorted(set(alasan))
        warn = sorted(set(warn))
        row = [""] * len(MANIFEST_ROW_COLUMNS)
        kode_kab = fp.folder if fp.mode != "rejected_folder" else ""
        row[0:8] = [
            fp.folder,
            fp.name,
            sh.name if xlsx else "",
            baris,
            "rumah_tangga",
            hasil,
            ";".join(a for a, _ in alasan),
            ";".join(w for w, _ in warn),
        ]
        for c in (
            "nik",
            "kode_desa",
            "jumlah_anggota_keluarga",
            "jumlah_kk",
            "status_kepemilikan_rumah",
            "memiliki_rumah_lain",
            "status_kepemilikan_lahan",
            "luas_lantai_m2",
            "material_atap",
            "material_dinding",
            "material_lantai",
            "kondisi_atap",
            "kondisi_dinding",
            "kondisi_lantai",
            "sumber_air_minum",
            "fasilitas_sanitasi",
            "penghasilan_per_bulan",
            "pernah_menerima_bantuan",
            "tanggal_pendataan",
            "nama_kepala_keluarga",
            "jenis_kelamin",
            "usulan_program",
            "no_kk",
            "nama_petugas",
        ):
            row[MANIFEST_INDEX[c]] = s(m[c])
        row[MANIFEST_INDEX["kode_kabupaten"]] = kode_kab
        row[MANIFEST_INDEX["no_kk_terisi"]] = "1" if m["no_kk"] else "0"
        has_xy = m["latitude"] not in (None, "")
        row[MANIFEST_INDEX["koordinat_terisi"]] = "1" if has_xy else "0"
        row[MANIFEST_INDEX["latitude"]] = f"{m['latitude']:.6f}" if has_xy else ""
        row[MANIFEST_INDEX["longitude"]] = f"{m['longitude']:.6f}" if has_xy else ""
        row[MANIFEST_INDEX["kolom_alasan"]] = ";".join(k for _, k in alasan)
        row[MANIFEST_INDEX["kolom_peringatan"]] = ";".join(k for _, k in warn)
        self.mw.writerow(row)
        self._count(fp, hasil, alasan, warn, xlsx)
        if hasil == "diterima":
            self.stats["diterima_rt"] += 1
            if self._rtlh(m):
                self.stats["rtlh"] += 1

    def _count(self, fp: FilePlan, hasil: str, alasan: list, warn: list, xlsx: bool) -> None:
        st = self.stats
        st["hasil"][hasil] = st["hasil"].get(hasil, 0) + 1
        for a, _ in alasan:
            st["alasan"][a] = st["alasan"].get(a, 0) + 1
        for w, _ in warn:
            st["peringatan"][w] = st["peringatan"].get(w, 0) + 1
        st["baris_xlsx" if xlsx else "baris_csv"] += 1
        pk = st["per_kabupaten"].setdefault(fp.folder, {"file": 0, "file_ditolak": 0, "baris": 0})
        pk[hasil] = pk.get(hasil, 0) + 1

    @staticmethod
    def _rtlh(m: dict) -> bool:
        ok_struct = (
            m["material_atap"] in ("beton", "genteng", "seng", "asbes", "kayu_sirap")
            and m["material_dinding"] in ("tembok", "plesteran_anyaman_bambu", "kayu_papan", "batang_kayu")
            and m["material_lantai"] not in ("tanah", "bambu")
            and "rusak_berat" not in (m["kondisi_atap"], m["kondisi_dinding"], m["kondisi_lantai"])
        )
        ok_luas = m["luas_lantai_m2"] / m["jumlah_anggota_keluarga"] >= 7.2
        ok_air = m["sumber_air_minum"] in (
            "ledeng",
            "air_kemasan",
            "sumur_bor",
            "sumur_terlindung",
            "mata_air_terlindung",
            "air_hujan",
        )
        ok_san = m["fasilitas_sanitasi"] in ("jamban_sendiri", "jamban_bersama")
        return not (ok_struct and ok_luas and ok_air and ok_san)

    def _manifest_rp(
        self, fp: FilePlan, sh: Any, baris: int, hasil: str, alasan: list, warn: list, man: dict, xlsx: bool
    ) -> None:
        row = [""] * len(MANIFEST_ROW_COLUMNS)
        row[0:8] = [
            fp.folder,
            fp.name,
            sh.name if xlsx else "",
            baris,
            "realisasi_program",
            hasil,
            ";".join(a for a, _ in sorted(alasan)),
            ";".join(w for w, _ in sorted(warn)),
        ]
        row[MANIFEST_INDEX["kode_kabupaten"]] = fp.folder
        row[MANIFEST_INDEX["kode_desa"]] = man["kode_desa"] or ""
        for c in (
            "program",
            "sumber_dana",
            "jenis_kegiatan",
            "unit_rencana",
            "unit_selesai",
            "nilai_rupiah",
            "tahun_anggaran",
        ):
            row[MANIFEST_INDEX[c]] = "" if man[c] is None else str(man[c])
        row[MANIFEST_INDEX["kolom_alasan"]] = ";".join(k for _, k in sorted(alasan))
        row[MANIFEST_INDEX["kolom_peringatan"]] = ";".join(k for _, k in sorted(warn))
        self.mw.writerow(row)
        self._count(fp, hasil, alasan, warn, xlsx)

    def _summary(self, rows_name: str) -> dict:
        st = self.stats
        per = {}
        for k, v in sorted(st["per_kabupaten"].items()):
            per[k] = dict(sorted(v.items()))
        rt_rows = sum(v for h, v in st["hasil"].items())
        return {
            "scale": self.scale,
            "seed": self.seed,
            "defect_rate": self.defect_rate,
            "size_factor": self.size_factor,
            "run_date": self.run_date.isoformat() if self.run_date else None,
            "deadline": DEADLINE.isoformat(),
            "manifest_rows": f"{MANIFEST_DIR}/{rows_name}",
            "baris_total": rt_rows,
            "baris_xlsx": st["baris_xlsx"],
            "baris_csv": st["baris_csv"],
            "hasil": dict(sorted(st["hasil"].items())),
            "alasan": dict(sorted(st["alasan"].items())),
            "peringatan": dict(sorted(st["peringatan"].items())),
            "rumah_tangga_diterima": st["diterima_rt"],
            "persen_rtlh_diterima": round(100 * st["rtlh"] / max(1, st["diterima_rt"]), 2),
            "kabupaten_tanpa_kiriman": sorted([self.no_folder, self.empty_folder]),
            "kabupaten_tanpa_folder": self.no_folder,
            "kabupaten_folder_kosong": self.empty_folder,
            "target_baris_per_kabupaten": dict(sorted(self.n_rows.items())),
            "per_kabupaten": per,
            "file": len(self.files),
        }
