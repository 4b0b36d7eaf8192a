-- One row per district (all 22 of the reference). Two submissions can matter at once and are never
-- mixed: the *current* one (the files in the landing folder now: *_kiriman_terkini) and the *version in
-- use* (the last released one, which the marts count: *_versi_dipakai). They differ only while the
-- district is held. baris_dibaca / baris_diterima / baris_karantina are the version in use.
-- The gate writes only its decision (quality.gerbang_kabupaten); every per-district count is made
-- here, once, and int_statistik_pengajuan reads it. Reads sources only, so a failing staging test
-- never leaves the status stale (the CLI summary and the feedback workbooks show it).
with kabupaten as (
    select kode_kemendagri as kode_kabupaten from {{ ref('kabupaten_kota_ntt') }}
),

gerbang as (
    select * from {{ source('quality', 'gerbang_kabupaten') }}
),

diterima as (
    select kode_kabupaten, count(*) as n
    from {{ source('quality', 'rumah_tangga_diterima') }}
    group by kode_kabupaten
),

karantina as (
    select
        kode_kabupaten,
        count(*) as n,
        sum(case when {{ daftar_berisi('alasan', "'duplikat_nik'") }} then 1 else 0 end) as duplikat
    from {{ source('quality', 'karantina') }}
    where jenis = 'rumah_tangga'
    group by kode_kabupaten
),

berkas as (
    select
        folder as kode_kabupaten,
        sum(case when status = 'active' then 1 else 0 end) as aktif,
        sum(case when status = 'rejected' and coalesce(ada_di_folder, true) then 1 else 0 end) as ditolak,
        min(case when status <> 'rejected' then waktu_file end) as pertama,
        max(case when status <> 'rejected' then waktu_file end) as terakhir
    from {{ source('ingestion', 'file_registry') }}
    group by folder
),

dipakai as (
    select kode_kabupaten, string_agg(distinct nama_file, ', ' order by nama_file) as file_versi_dipakai
    from {{ source('quality', 'rilis_rumah_tangga') }}
    group by kode_kabupaten
),

hitung as (
    select
        kabupaten.kode_kabupaten,
        gerbang.status as status_gerbang,
        gerbang.alasan_tahan,
        coalesce(gerbang.status = 'ditahan', false) as sedang_ditahan,
        coalesce(diterima.n, 0) as n_diterima,
        coalesce(karantina.n, 0) as n_karantina,
        coalesce(karantina.duplikat, 0) as n_duplikat,
        dipakai.file_versi_dipakai,
        gerbang.dirilis_pada,
        -- a held district's current files: the gate's own counts of the submission it held
        gerbang.baris_dibaca_kiriman,
        gerbang.baris_karantina_kiriman,
        gerbang.rasio_karantina_kiriman,
        gerbang.diputuskan_pada,
        berkas.aktif,
        berkas.ditolak,
        berkas.pertama,
        berkas.terakhir
    from kabupaten
    left join gerbang on kabupaten.kode_kabupaten = gerbang.kode_kabupaten
    left join diterima on kabupaten.kode_kabupaten = diterima.kode_kabupaten
    left join karantina on kabupaten.kode_kabupaten = karantina.kode_kabupaten
    left join berkas on kabupaten.kode_kabupaten = berkas.kode_kabupaten
    left join dipakai on kabupaten.kode_kabupaten = dipakai.kode_kabupaten
)

select
    cast(kode_kabupaten as varchar) as kode_kabupaten,
    cast(case
        when status_gerbang is null or status_gerbang = 'tidak_ada_kiriman' then 'tidak_ada_kiriman'
        else status_gerbang
    end as varchar) as status,
    cast(alasan_tahan as varchar) as alasan_tahan,
    sedang_ditahan,
    cast(n_diterima + n_karantina as integer) as baris_dibaca,
    cast(n_diterima as integer) as baris_diterima,
    cast(n_karantina as integer) as baris_karantina,
    cast(n_duplikat as integer) as baris_karantina_duplikat,
    cast(n_diterima + n_karantina as integer) as baris_dibaca_versi_dipakai,
    cast(n_diterima as integer) as baris_diterima_versi_dipakai,
    cast(n_karantina as integer) as baris_karantina_versi_dipakai,
    cast(file_versi_dipakai as varchar) as file_versi_dipakai,
    cast(dirilis_pada as timestamp) as versi_dipakai_dirilis_pada,
    cast(case
        when sedang_ditahan then coalesce(baris_dibaca_kiriman, 0)
        else n_diterima + n_karantina
    end as integer) as baris_dibaca_kiriman_terkini,
    cast(case
        when sedang_ditahan then coalesce(baris_karantina_kiriman, 0)
        else n_karantina
    end as integer) as baris_karantina_kiriman_terkini,
    cast(coalesce(aktif, 0) as integer) as file_aktif,
    cast(coalesce(ditolak, 0) as integer) as file_ditolak,
    cast(pertama as timestamp) as file_pertama_diterima,
    cast(terakhir as timestamp) as file_terakhir_diterima,
    cast(baris_dibaca_kiriman as integer) as baris_dibaca_kiriman,
    cast(baris_karantina_kiriman as integer) as baris_karantina_kiriman,
    cast(rasio_karantina_kiriman as double precision) as rasio_karantina_kiriman,
    cast(diputuskan_pada as timestamp) as diputuskan_pada
from hitung
order by kode_kabupaten
