"""The run summary `p3jr run` prints: each district's status and counts, files in no district's folder,
the top of the ranking. Read from the warehouse after the run (read-only)."""

from __future__ import annotations

import duckdb

from orchestration.lib.reports.feedback import feedback_path
from orchestration.lib.warehouse import WarehouseBusy, open_duckdb
from orchestration.settings import Settings
from sources.reference import district_codes, kabupaten


def print_warehouse_summary(s: Settings) -> None:
    try:
        con = open_duckdb(s.warehouse_path, read_only=True)
    except (duckdb.Error, WarehouseBusy) as exc:
        print(f"Ringkasan tidak dapat dibaca / summary unavailable: {exc}")
        return
    try:
        tables = {
            f"{a}.{b}"
            for a, b in con.execute("SELECT table_schema, table_name FROM information_schema.tables").fetchall()
        }
        if "quality.status_pengajuan" in tables:
            rows = con.execute(
                """SELECT s.kode_kabupaten, k.nama, s.status, s.file_aktif, s.file_ditolak,
                          s.baris_dibaca_kiriman_terkini, s.baris_karantina_kiriman_terkini,
                          s.baris_diterima_versi_dipakai, s.alasan_tahan, s.file_versi_dipakai, s.versi_dipakai_dirilis_pada
                   FROM quality.status_pengajuan s
                   JOIN (SELECT unnest(?::VARCHAR[]) AS kode, unnest(?::VARCHAR[]) AS nama) k ON k.kode = s.kode_kabupaten
                   ORDER BY 1""",
                [[k.kode for k in kabupaten()], [k.nama for k in kabupaten()]],
            ).fetchall()
            print("                                                           file terkini        versi dipakai")
            print(
                f"{'kode':6} {'kabupaten/kota':32} {'status':18} {'file':>5} {'tolak':>5} {'dibaca':>8} "
                f"{'karantina':>9} {'diterima':>9}"
            )
            for kode, nama, status, fa, fd, dib, kar, dit, why, used, since in rows:
                print(f"{kode:6} {nama[:32]:32} {status:18} {fa:5} {fd:5} {dib:8} {kar:9} {dit:9}")
                if status == "ditahan":
                    print(f"{'':6} DITAHAN / HELD: {why}")
                    print(f"{'':6} versi dipakai / version in use: {used or '-'} (dirilis {since or '-'})")
                fb = feedback_path(s.feedback_dir, kode)
                if fb.exists():
                    print(f"{'':6} umpan balik: {fb}")
        if "ingestion.entri_diabaikan" in tables:
            stray = con.execute(
                """SELECT folder, nama_file, alasan_kode FROM ingestion.file_registry
                   WHERE kode_kabupaten IS NULL AND coalesce(ada_di_folder, true)
                   UNION ALL SELECT folder, nama, kode FROM ingestion.entri_diabaikan
                   WHERE folder NOT IN (SELECT unnest(?::VARCHAR[])) ORDER BY 1, 2""",
                [list(district_codes())],
            ).fetchall()
            if stray:
                print(
                    "\nDi folder kiriman tetapi bukan milik kabupaten mana pun / in the landing zone but no district's:"
                )
                for folder, name, code in stray:
                    print(f"  {folder}/{name}: {code}")
        if "marts.capaian_pendataan" in tables:
            print("\nPeringkat capaian pendataan (5 teratas):")
            for r in con.execute(
                """SELECT peringkat, kode_kabupaten, nama_kabupaten, indeks_capaian, coalesce(penghargaan, '')
                   FROM marts.capaian_pendataan ORDER BY peringkat LIMIT 5"""
            ).fetchall():
                print(f"  {r[0]:2}. {r[1]} {r[2]:34} indeks {r[3]:6.2f} {r[4]}")
        else:
            print("\nMarts belum dibangun pada run ini / marts not built in this run.")
    finally:
        con.close()
