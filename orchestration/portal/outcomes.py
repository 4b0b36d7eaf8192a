"""Copy each file's outcome from the warehouse into the portal's tables, so pages never wait for it.

Read-only, with the shared reader hold on the warehouse lock (orchestration.lib.warehouse.reader_lock,
as the landing sensor): DuckDB allows no reader beside a writing process, so while we read (well under
a second) the next writing step of a run waits instead of failing, and while a step writes we do not
wait for it: the district is read again on the next poll or sync. Counts follow the contract:
baris_dibaca = baris_diterima + baris_karantina; the quarantined rows are stored without their values
(those are in the workbook).
"""

from __future__ import annotations

import logging
from collections import Counter, defaultdict
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction

from orchestration.portal.models import PENDING, BarisKarantina, Kiriman
from orchestration.portal.uploads import districts

log = logging.getLogger(__name__)
WITA = ZoneInfo("Asia/Makassar")
HELD_TABLES = ("kiriman_ditahan_rumah_tangga", "kiriman_ditahan_realisasi_program", "karantina_kiriman_ditahan")


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, (list, tuple)):
        return ", ".join(str(v) for v in value if v is not None)
    return str(value)


def read_snapshot(con, kodes: list[str]) -> dict:
    """Everything the portal stores about these districts' files, in a few queries."""
    tables = {
        f"{a}.{b}" for a, b in con.execute("SELECT table_schema, table_name FROM information_schema.tables").fetchall()
    }
    out: dict = {"files": [], "gate": {}, "held": set(), "rows": defaultdict(list)}
    if "ingestion.file_registry" not in tables:
        return out
    marks = ",".join("?" * len(kodes))
    out["files"] = con.execute(
        f"""SELECT folder, file_hash, nama_file, jenis, status, alasan, coalesce(baris_dibaca, 0),
                   coalesce(ada_di_folder, true), pertama_dilihat_pada
            FROM ingestion.file_registry WHERE folder IN ({marks}) ORDER BY pertama_dilihat_pada, nama_file""",
        kodes,
    ).fetchall()
    if "quality.gerbang_kabupaten" in tables:
        out["gate"] = {
            k: (s, a)
            for k, s, a in con.execute(
                "SELECT kode_kabupaten, status, alasan_tahan FROM quality.gerbang_kabupaten"
            ).fetchall()
        }
    hashes = "SELECT file_hash FROM ingestion.file_registry WHERE folder IN (" + marks + ")"
    for t in HELD_TABLES:
        if f"quality.{t}" in tables:
            out["held"] |= {
                h
                for (h,) in con.execute(
                    f"SELECT DISTINCT file_hash FROM quality.{t} WHERE file_hash IN ({hashes})", kodes
                ).fetchall()
            }
    for src, t in (("rilis", "karantina"), ("tahan", "karantina_kiriman_ditahan")):
        if f"quality.{t}" in tables:
            for h, sheet, baris, alasan, kolom, pesan in con.execute(
                f"""SELECT file_hash, sheet, baris, alasan, kolom, pesan FROM quality.{t}
                        WHERE file_hash IN ({hashes}) ORDER BY file_hash, sheet, baris""",
                kodes,
            ).fetchall():
                out["rows"][(src, h)].append((_text(sheet), baris, _text(alasan), _text(kolom), _text(pesan)))
    return out


def _aware(ts) -> datetime:
    if isinstance(ts, datetime):
        return ts if ts.tzinfo else ts.replace(tzinfo=WITA)
    return datetime.now(WITA)


def _summary(rows) -> str:
    counts = Counter(code.strip() for r in rows for code in r[2].split(",") if code.strip())
    return ", ".join(f"{code} ({n})" for code, n in counts.most_common())


def store_snapshot(snap: dict) -> int:
    """Update (or create, for files that came through the landing folder) one Kiriman per file."""
    changed = 0
    with transaction.atomic():
        for folder, h, nama, jenis, status, alasan, dibaca, in_folder, seen in snap["files"]:
            qs = Kiriman.objects.filter(kode_kabupaten=folder, sha256=h)
            if not qs.exists():
                if not in_folder:
                    continue  # a file that left the folder before the portal knew it
                Kiriman.objects.create(
                    kode_kabupaten=folder, sha256=h, nama_berkas=nama[:255], sumber="folder", diterima_pada=_aware(seen)
                )
            if not in_folder or status in ("replaced", "withdrawn"):
                for k in qs:
                    if k.masih_di_folder or k.status in PENDING:
                        k.masih_di_folder = False
                        if k.status in PENDING:
                            k.status = "ditolak"
                            k.alasan = "Berkas diganti atau ditarik sebelum diproses."
                        k.save()
                continue
            gate_status, alasan_tahan = snap["gate"].get(folder, (None, None))
            if status == "rejected":
                new, rows, why = "ditolak", [], alasan or "Berkas ditolak."
            elif h in snap["held"]:
                rows = snap["rows"].get(("tahan", h), [])
                new = "ditahan"
                why = f"Kiriman kabupaten ditahan: {alasan_tahan or '-'}"
                if rows:
                    why += f" | karantina: {_summary(rows)}"
            else:
                rows = snap["rows"].get(("rilis", h), [])
                new, why = "diterima", (f"karantina: {_summary(rows)}" if rows else "")
            karantina = min(len(rows), dibaca) if dibaca else len(rows)
            values = dict(
                status=new,
                jenis=jenis or "",
                alasan=why,
                baris_dibaca=max(dibaca, karantina),
                baris_karantina=karantina,
                baris_diterima=max(dibaca - karantina, 0),
                masih_di_folder=True,
            )
            for k in qs:
                if any(getattr(k, f) != v for f, v in values.items()):
                    for f, v in values.items():
                        setattr(k, f, v)
                    k.save()
                    changed += 1
                BarisKarantina.objects.filter(kiriman=k).delete()
                BarisKarantina.objects.bulk_create(
                    [
                        BarisKarantina(
                            kiriman=k,
                            kode_kabupaten=folder,
                            sheet=s[:100],
                            baris=b,
                            alasan=a[:255],
                            kolom=c[:255],
                            pesan=p,
                        )
                        for s, b, a, c, p in rows
                    ]
                )
    return changed


def collect(kodes: list[str] | None = None) -> bool:
    """Read the warehouse for these districts (all by default) and store the outcomes.
    False when there is no warehouse yet, or a run's step is writing it (read again later)."""
    from orchestration.lib.warehouse import WarehouseBusy, connect

    path = Path(settings.P3JR["warehouse_path"])
    if not path.exists():
        return False
    kodes = [k for k in (kodes or districts()) if k in districts()]
    try:
        with connect(path, read_only=True) as con:
            snap = read_snapshot(con, kodes)
    except WarehouseBusy:
        log.warning("warehouse sedang dipakai; hasil kiriman %s dibaca lagi nanti", ",".join(kodes))
        return False
    changed = store_snapshot(snap)
    log.info("hasil kiriman dibaca: %d kabupaten, %d berkas, %d berubah", len(kodes), len(snap["files"]), changed)
    return True
