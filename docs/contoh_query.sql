-- Contoh query untuk analis — database terbit P3JR NTT (data/published/p3jr.duckdb).
-- Buka dengan:  .venv/bin/duckdb -readonly data/published/p3jr.duckdb
-- Jalankan satu blok dengan menyalinnya, atau semuanya dengan:  .read docs/contoh_query.sql
-- Hanya memakai nama kolom kontrak (CONTRACT.md §7): schema `marts` dan `referensi`.
-- NULL (kosong) di mart berarti TIDAK DIKETAHUI, bukan 0: mis. backlog_kepenghunian tanpa jumlah_kk yang
-- diisi, estimasi_kebutuhan_bsps_rupiah bila kelayakan BSPS terlalu banyak rumah tangga tidak diketahui
-- (lihat docs/panduan_analis.md §5). Jangan coalesce(..., 0) kolom itu; jumlah SQL (sum) melewati NULL.
-- Setiap blok diawali "-- name:" (pengenal) dan "-- pertanyaan:" (pertanyaan yang dijawab);
-- tests/test_analyst_queries.py menjalankan setiap blok terhadap database terbit.

-- name: peringkat_teratas
-- pertanyaan: Kabupaten/kota mana yang terbaik dalam pendataan, dan komponen indeks mana yang membuatnya unggul?
-- Catatan: sumbangan = bobot × komponen; bobot bawaan 0,4/0,3/0,2/0,1 (ganti bila Balai mengubah bobot).
SELECT
    peringkat,
    penghargaan,
    kode_kabupaten,
    nama_kabupaten,
    indeks_capaian,
    cakupan,
    akurasi,
    kelengkapan,
    ketepatan_waktu,
    round(0.4 * cakupan, 2)         AS sumbangan_cakupan,
    round(0.3 * akurasi, 2)         AS sumbangan_akurasi,
    round(0.2 * kelengkapan, 2)     AS sumbangan_kelengkapan,
    round(0.1 * ketepatan_waktu, 2) AS sumbangan_ketepatan_waktu,
    rumah_tangga_valid,
    target_rumah_tangga
FROM marts.capaian_pendataan
ORDER BY peringkat
LIMIT 5;

-- name: rtlh_per_kecamatan
-- pertanyaan: Di Kabupaten Kupang (53.01), kecamatan mana yang paling banyak rumah tidak layak huni?
-- Ganti '53.01' dengan kode Kemendagri kabupaten/kota lain (lihat referensi.kabupaten_kota_ntt).
SELECT
    kode_kecamatan,
    nama_kecamatan,
    jumlah_rumah_tangga,
    jumlah_rtlh,
    persen_rtlh,
    tidak_layak_ketahanan_bangunan,
    tidak_layak_luas,
    tidak_layak_air_minum,
    tidak_layak_sanitasi
FROM marts.backlog_kecamatan
WHERE kode_kabupaten = '53.01'
ORDER BY jumlah_rtlh DESC, persen_rtlh DESC;

-- name: backlog_vs_realisasi_bsps_flpp
-- pertanyaan: Seberapa besar backlog kepemilikan tiap kabupaten/kota dibanding unit BSPS dan FLPP yang sudah selesai?
WITH realisasi AS (
    SELECT
        kode_kabupaten,
        coalesce(sum(unit_selesai) FILTER (WHERE program = 'BSPS'), 0)::BIGINT AS bsps_unit_selesai,
        coalesce(sum(unit_selesai) FILTER (WHERE program = 'FLPP'), 0)::BIGINT AS flpp_unit_selesai
    FROM marts.realisasi_program
    GROUP BY kode_kabupaten
)
SELECT
    b.kode_kabupaten,
    b.nama_kabupaten,
    b.backlog_kepemilikan,
    b.backlog_kepenghunian,
    b.jumlah_rtlh,
    coalesce(r.bsps_unit_selesai, 0) AS bsps_unit_selesai,
    coalesce(r.flpp_unit_selesai, 0) AS flpp_unit_selesai,
    round(100.0 * coalesce(r.flpp_unit_selesai, 0) / nullif(b.backlog_kepemilikan, 0), 2) AS persen_backlog_kepemilikan_tertangani_flpp,
    round(100.0 * coalesce(r.bsps_unit_selesai, 0) / nullif(b.jumlah_rtlh, 0), 2)        AS persen_rtlh_tertangani_bsps
FROM marts.backlog_kabupaten AS b
LEFT JOIN realisasi AS r USING (kode_kabupaten)
ORDER BY b.backlog_kepemilikan DESC;

-- name: kriteria_rtlh_dominan
-- pertanyaan: Di setiap kabupaten/kota, kriteria kelayakan mana yang paling banyak membuat rumah menjadi RTLH?
-- Satu rumah bisa gagal lebih dari satu kriteria, jadi keempat angka tidak dijumlahkan.
WITH per_kriteria AS (
    UNPIVOT (
        SELECT kode_kabupaten, nama_kabupaten, jumlah_rtlh,
               tidak_layak_ketahanan_bangunan, tidak_layak_luas,
               tidak_layak_air_minum, tidak_layak_sanitasi
        FROM marts.backlog_kabupaten
    )
    ON tidak_layak_ketahanan_bangunan, tidak_layak_luas, tidak_layak_air_minum, tidak_layak_sanitasi
    INTO NAME kriteria VALUE jumlah
)
SELECT
    kode_kabupaten,
    nama_kabupaten,
    any_value(jumlah_rtlh)                                             AS jumlah_rtlh,
    arg_max(kriteria, jumlah)                                          AS kriteria_dominan,
    max(jumlah)                                                        AS jumlah_gagal_kriteria_dominan,
    round(100.0 * max(jumlah) / nullif(any_value(jumlah_rtlh), 0), 2) AS persen_dari_rtlh
FROM per_kriteria
GROUP BY kode_kabupaten, nama_kabupaten
ORDER BY kode_kabupaten;

-- name: riwayat_capaian_harian
-- pertanyaan: Bagaimana perkembangan capaian pendataan dari hari ke hari (rumah tangga valid, indeks, naik-turun peringkat)?
SELECT
    h.tanggal,
    h.kode_kabupaten,
    c.nama_kabupaten,
    h.rumah_tangga_valid,
    h.rumah_tangga_valid
        - lag(h.rumah_tangga_valid) OVER (PARTITION BY h.kode_kabupaten ORDER BY h.tanggal) AS tambahan_rumah_tangga,
    h.indeks_capaian,
    h.peringkat,
    lag(h.peringkat) OVER (PARTITION BY h.kode_kabupaten ORDER BY h.tanggal) - h.peringkat AS naik_peringkat
FROM marts.capaian_pendataan_harian AS h
LEFT JOIN marts.capaian_pendataan AS c USING (kode_kabupaten)
ORDER BY h.kode_kabupaten, h.tanggal;

-- name: kabupaten_tanpa_kiriman
-- pertanyaan: Kabupaten/kota mana yang sampai sekarang belum mengirim data sama sekali?
SELECT
    k.kode_kemendagri AS kode_kabupaten,
    k.nama            AS nama_kabupaten,
    c.target_rumah_tangga,
    c.peringkat,
    c.ketepatan_waktu
FROM referensi.kabupaten_kota_ntt AS k
LEFT JOIN marts.capaian_pendataan AS c ON c.kode_kabupaten = k.kode_kemendagri
WHERE c.file_pertama_diterima IS NULL
ORDER BY k.kode_kemendagri;

-- name: baris_dibaca_per_kabupaten
-- pertanyaan: Berapa baris yang dibaca dari file setiap kabupaten/kota, dan berapa rumah tangga yang valid?
-- baris_dibaca = semua baris yang dibaca dari file (diterima + dikarantina); nama lamanya baris_diterima
-- (masih ada sampai rilis berikutnya, nilainya sama). Lihat docs/GLOSARIUM.md.
SELECT
    kode_kabupaten,
    nama_kabupaten,
    baris_dibaca,
    rumah_tangga_valid,
    target_rumah_tangga
FROM marts.capaian_pendataan
ORDER BY baris_dibaca DESC, kode_kabupaten;

-- name: desa_rtlh_tertinggi
-- pertanyaan: Desa/kelurahan mana yang persentase RTLH-nya paling tinggi (minimal 10 rumah tangga terdata)?
SELECT
    kode_desa,
    nama_desa,
    nama_kecamatan,
    nama_kabupaten,
    jumlah_rumah_tangga,
    jumlah_rtlh,
    persen_rtlh,
    indikatif_layak_bsps
FROM marts.backlog_desa
WHERE jumlah_rumah_tangga >= 10
ORDER BY persen_rtlh DESC, jumlah_rtlh DESC, kode_desa
LIMIT 20;

-- name: nilai_program_per_sumber_dana
-- pertanyaan: Berapa nilai program perumahan menurut sumber dana, dan berapa porsinya, per tahun anggaran?
SELECT
    tahun_anggaran,
    sumber_dana,
    sum(unit_rencana)::BIGINT                                      AS unit_rencana,
    sum(unit_selesai)::BIGINT                                      AS unit_selesai,
    sum(nilai_rupiah)::BIGINT                                      AS nilai_rupiah,
    round(100.0 * sum(nilai_rupiah)
          / nullif(sum(sum(nilai_rupiah)) OVER (PARTITION BY tahun_anggaran), 0), 2) AS persen_nilai
FROM marts.realisasi_program
GROUP BY tahun_anggaran, sumber_dana
ORDER BY tahun_anggaran, nilai_rupiah DESC;

-- name: kebutuhan_vs_anggaran_bsps
-- pertanyaan: Berapa kebutuhan dana BSPS (perkiraan) tiap kabupaten/kota dibanding nilai BSPS yang sudah direalisasikan?
-- estimasi kosong = tidak diketahui (status lahan / riwayat bantuan terlalu sering kosong, atau belum ada data):
-- selisih dan persennya ikut kosong dan diurutkan terakhir; rentangnya di kolom
-- estimasi_kebutuhan_bsps_minimum_rupiah / _maksimum_rupiah (bukan kolom kontrak).
WITH bsps AS (
    SELECT kode_kabupaten,
           sum(unit_selesai)::BIGINT AS bsps_unit_selesai,
           sum(nilai_rupiah)::BIGINT AS bsps_nilai_rupiah
    FROM marts.realisasi_program
    WHERE program = 'BSPS'
    GROUP BY kode_kabupaten
)
SELECT
    b.kode_kabupaten,
    b.nama_kabupaten,
    b.indikatif_layak_bsps,
    b.estimasi_kebutuhan_bsps_rupiah,
    coalesce(s.bsps_unit_selesai, 0)                                           AS bsps_unit_selesai,
    coalesce(s.bsps_nilai_rupiah, 0)                                           AS bsps_nilai_rupiah,
    b.estimasi_kebutuhan_bsps_rupiah - coalesce(s.bsps_nilai_rupiah, 0)        AS selisih_rupiah,
    round(100.0 * coalesce(s.bsps_nilai_rupiah, 0)
          / nullif(b.estimasi_kebutuhan_bsps_rupiah, 0), 2)                    AS persen_kebutuhan_terpenuhi
FROM marts.backlog_kabupaten AS b
LEFT JOIN bsps AS s USING (kode_kabupaten)
ORDER BY selisih_rupiah DESC NULLS LAST, b.kode_kabupaten;

-- name: kecamatan_prioritas_bsps
-- pertanyaan: Kecamatan mana di seluruh NTT yang paling banyak rumah tangga indikatif layak BSPS?
-- indikatif_layak_bsps hanya menghitung rumah tangga yang PASTI layak; yang kelayakannya tidak diketahui
-- ada di bsps_tidak_diketahui. estimasi kosong = tidak diketahui.
SELECT
    kode_kecamatan,
    nama_kecamatan,
    nama_kabupaten,
    indikatif_layak_bsps,
    jumlah_rtlh,
    estimasi_kebutuhan_bsps_rupiah
FROM marts.backlog_kecamatan
ORDER BY indikatif_layak_bsps DESC, jumlah_rtlh DESC, kode_kecamatan
LIMIT 15;

-- name: proyeksi_batas_waktu
-- pertanyaan: Kabupaten/kota mana yang dengan laju pendataan saat ini tidak akan mencapai target pada batas waktu?
-- laju = pertambahan rumah tangga valid per hari dalam jendela riwayat terakhir (var dbt jendela_laju_hari).
-- Proyeksi kosong (belum_ada_data) berarti belum dapat dihitung, bukan 0. Target bawaan proyek ILUSTRATIF.
SELECT
    nama_kabupaten,
    rumah_tangga_valid,
    target_rumah_tangga,
    cakupan_saat_ini,
    laju_rumah_tangga_per_hari,
    proyeksi_cakupan_batas_waktu,
    tanggal_proyeksi_tercapai,
    batas_waktu_proyeksi,
    status_proyeksi
FROM marts.proyeksi_capaian
ORDER BY
    CASE status_proyeksi WHEN 'terlambat' THEN 0 WHEN 'belum_ada_data' THEN 1 WHEN 'sesuai_jalur' THEN 2 ELSE 3 END,
    proyeksi_cakupan_batas_waktu NULLS LAST,
    kode_kabupaten;
