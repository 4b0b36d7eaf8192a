"""District portal (issue 15), in process with Django's test client: every access rule on every page
and endpoint (own district / other district / Balai admin / anonymous), CSRF on every form, login
throttling (django-axes), path traversal, oversize uploads and content-type spoofing.

Django is configured once for this process on a temporary data and landing directory; run requests
are recorded instead of starting `p3jr run` (tests/test_portal_e2e.py runs the real thing)."""

from __future__ import annotations

import io
import os
import tempfile
import time
import zipfile
from pathlib import Path

import duckdb
import pytest

ROOT_TMP = Path(tempfile.mkdtemp(prefix="p3jr_portal_unit_"))
DATA, LANDING = ROOT_TMP / "data", ROOT_TMP / "landing"
PASSWORD = "Kata-Sandi-Uji-2026"
CSV = b"kode_desa;nik;nama_kepala_keluarga\n53.01.01.2001;5301010101010001;CONTOH\n"


def _configure() -> None:
    saved = {k: os.environ.get(k) for k in ("P3JR_DATA_DIR", "P3JR_LANDING_DIR", "P3JR_PORTAL_PEMICU")}
    os.environ.update(P3JR_DATA_DIR=str(DATA), P3JR_LANDING_DIR=str(LANDING), P3JR_PORTAL_PEMICU="lokal")
    try:
        from orchestration.portal import setup_django

        setup_django()
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


_configure()

from django.conf import settings  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.test import Client, override_settings  # noqa: E402
from django.utils import timezone  # noqa: E402

from orchestration.portal import api, outcomes, runs  # noqa: E402
from orchestration.portal.models import BarisKarantina, Kiriman, Profil  # noqa: E402
from orchestration.portal.uploads import safe_name  # noqa: E402

# Fast hashing for the test users only (the portal itself keeps Django's default PBKDF2).
override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]).enable()


@pytest.fixture(scope="module")
def world():
    """Users of 53.01 and 53.02, a Balai admin, one file each, feedback workbooks, a published ranking."""
    assert Path(settings.P3JR["data_dir"]) == DATA
    call_command("migrate", interactive=False, verbosity=0)
    User = get_user_model()
    users = {}
    for name, kode, admin in (
        ("kab01", "53.01", False),
        ("kab02", "53.02", False),
        ("balai", "", True),
        ("kunci01", "53.01", False),
    ):
        u = User.objects.create_user(name, password=PASSWORD, is_staff=admin, is_superuser=admin)
        Profil.objects.create(user=u, kode_kabupaten=kode)
        users[name] = u
    files = {}
    for kode in ("53.01", "53.02"):
        k = Kiriman.objects.create(
            kode_kabupaten=kode,
            nama_berkas=f"data_{kode}.csv",
            sha256="0" * 64,
            diterima_pada=timezone.now(),
            status="diterima",
            baris_dibaca=3,
            baris_diterima=2,
            baris_karantina=1,
            alasan="karantina: wajib_kosong (1)",
            sumber="folder",
        )
        BarisKarantina.objects.create(
            kiriman=k,
            kode_kabupaten=kode,
            sheet="",
            baris=7,
            alasan=f"RAHASIA_{kode}",
            kolom="nik",
            pesan="Kolom wajib 'nik' kosong",
        )
        files[kode] = k
        fb = DATA / "reports" / "umpan_balik" / kode
        fb.mkdir(parents=True)
        (fb / f"umpan_balik_{kode}.xlsx").write_bytes(b"PK\x03\x04 umpan balik " + kode.encode())
    pub = DATA / "published"
    pub.mkdir(parents=True)
    con = duckdb.connect(str(pub / "p3jr.duckdb"))
    con.execute(
        "CREATE SCHEMA marts; CREATE TABLE marts.capaian_pendataan AS SELECT * FROM (VALUES "
        "(1, '53.02', 'Kabupaten Timor Tengah Selatan', 80.5, 'Terbaik I', 70.0, 90.0, 95.0, 60.0), "
        "(2, '53.01', 'Kabupaten Kupang', 70.25, NULL, 60.0, 85.0, 90.0, 50.0)) "
        "t(peringkat, kode_kabupaten, nama_kabupaten, indeks_capaian, penghargaan, cakupan, akurasi, "
        "kelengkapan, ketepatan_waktu)"
    )
    con.close()
    return {"users": users, "files": files}


@pytest.fixture(autouse=True)
def no_runs(monkeypatch):
    """Record run requests instead of starting the pipeline."""
    calls: list[str] = []
    monkeypatch.setattr(runs, "request_run", calls.append)
    return calls


def client_for(world, name: str | None, **kw) -> Client:
    c = Client(**kw)
    if name:
        c.force_login(world["users"][name])
    return c


def token_for(name: str) -> str:
    r = Client().post("/api/v1/token", {"username": name, "password": PASSWORD}, content_type="application/json")
    assert r.status_code == 200, r.content
    return r.json()["token"]


def bearer(name: str | None) -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {token_for(name)}"} if name else {}


# ---------------------------------------------------------------------------------------------
# pages: own / other / admin / anonymous
# ---------------------------------------------------------------------------------------------
PAGES = [
    "/kabupaten/53.01/status/",
    "/kabupaten/53.01/umpan-balik/",
    "/kabupaten/53.01/umpan-balik/unduh/",
    "/kabupaten/53.01/unggah/",
]


@pytest.mark.parametrize("url", PAGES)
@pytest.mark.parametrize("who,expected", [("kab01", 200), ("kab02", 404), ("balai", 200), (None, 302)])
def test_district_pages(world, url, who, expected):
    r = client_for(world, who).get(url)
    assert r.status_code == expected, (url, who, r.status_code)
    if expected == 302:
        assert r["Location"].startswith("/masuk/")
    if expected == 404:
        assert b"53.01" not in r.content and b"RAHASIA" not in r.content


def test_status_and_feedback_pages_show_only_the_district(world):
    c = client_for(world, "kab01")
    body = c.get("/kabupaten/53.01/umpan-balik/").content.decode()
    assert "RAHASIA_53.01" in body and "RAHASIA_53.02" not in body
    status = c.get("/kabupaten/53.01/status/").content.decode()
    assert "data_53.01.csv" in status and "data_53.02.csv" not in status
    assert c.get("/kabupaten/53.01/umpan-balik/unduh/").getvalue().endswith(b"53.01")


def test_own_pages_redirect_to_own_district(world):
    c = client_for(world, "kab02")
    for page, target in (
        ("/status/", "/kabupaten/53.02/status/"),
        ("/unggah/", "/kabupaten/53.02/unggah/"),
        ("/umpan-balik/", "/kabupaten/53.02/umpan-balik/"),
    ):
        r = c.get(page)
        assert r.status_code == 302 and r["Location"] == target
    assert client_for(world, None).get("/status/")["Location"].startswith("/masuk/")


@pytest.mark.parametrize("who,expected", [("kab01", 200), ("kab02", 200), ("balai", 200), (None, 302)])
def test_ranking_page_for_every_logged_in_user(world, who, expected):
    r = client_for(world, who).get("/peringkat/")
    assert r.status_code == expected
    if expected == 200:
        assert "Kabupaten Timor Tengah Selatan" in r.content.decode() and "Terbaik I" in r.content.decode()


def test_admin_site_only_for_balai(world):
    assert client_for(world, "balai").get("/admin/portal/kiriman/").status_code == 200
    r = client_for(world, "kab01").get("/admin/portal/kiriman/")
    assert r.status_code == 302 and "/admin/login/" in r["Location"]


def test_feedback_is_not_served_as_a_static_file(world):
    for url in (
        "/static/umpan_balik/53.01/umpan_balik_53.01.xlsx",
        "/reports/umpan_balik/53.01/umpan_balik_53.01.xlsx",
        "/kabupaten/53.01/../53.02/umpan-balik/unduh/",
    ):
        assert client_for(world, "kab01").get(url).status_code == 404


# ---------------------------------------------------------------------------------------------
# uploads through the page
# ---------------------------------------------------------------------------------------------
def upload_page(c: Client, kode: str, name: str, data: bytes):
    f = io.BytesIO(data)
    f.name = name
    return c.post(f"/kabupaten/{kode}/unggah/", {"berkas": f})


def test_upload_own_district_records_uploader_and_requests_run(world, no_runs):
    r = upload_page(client_for(world, "kab01"), "53.01", "kiriman_baru.csv", CSV)
    assert r.status_code == 302 and r["Location"] == "/kabupaten/53.01/status/"
    k = Kiriman.objects.get(kode_kabupaten="53.01", nama_berkas="kiriman_baru.csv")
    assert k.status == "menunggu" and k.diunggah_oleh.username == "kab01" and k.sumber == "portal"
    assert (LANDING / "53.01" / "kiriman_baru.csv").read_bytes() == CSV
    assert no_runs == ["53.01"]


def test_upload_to_other_district_is_404_and_writes_nothing(world, no_runs):
    r = upload_page(client_for(world, "kab01"), "53.02", "susupan.csv", CSV)
    assert r.status_code == 404
    assert not (LANDING / "53.02" / "susupan.csv").exists() and no_runs == []


def test_admin_uploads_on_behalf_of_a_district(world, no_runs):
    r = upload_page(client_for(world, "balai"), "53.02", "atas_nama.csv", CSV)
    assert r.status_code == 302
    k = Kiriman.objects.get(nama_berkas="atas_nama.csv")
    assert k.kode_kabupaten == "53.02" and k.diunggah_oleh.username == "balai"
    assert (LANDING / "53.02" / "atas_nama.csv").exists() and no_runs == ["53.02"]


def test_anonymous_upload_goes_to_login(world, no_runs):
    r = upload_page(client_for(world, None), "53.01", "anonim.csv", CSV)
    assert r.status_code == 302 and r["Location"].startswith("/masuk/")
    assert not (LANDING / "53.01" / "anonim.csv").exists()


@pytest.mark.parametrize(
    "name",
    [
        "../../../etc/cron.d/jahat.csv",
        "..\\..\\jahat2.csv",
        "/tmp/jahat3.csv",
        "53.02/../../jahat4.csv",
        ".tersembunyi.csv",
    ],
)
def test_path_traversal_stays_in_the_district_folder(world, name):
    before = {p for p in ROOT_TMP.rglob("*")}
    r = upload_page(client_for(world, "kab01"), "53.01", name, CSV)
    assert r.status_code == 302
    new = {p for p in ROOT_TMP.rglob("*")} - before
    new_files = [p for p in new if p.is_file() and not p.is_relative_to(DATA / "portal")]
    assert new_files and all(p.parent == LANDING / "53.01" for p in new_files), new_files
    stored = Kiriman.objects.latest("id").nama_berkas
    assert "/" not in stored and "\\" not in stored and not stored.startswith(".") and stored.endswith(".csv")


def test_safe_name():
    assert safe_name("../../a b.CSV") == "a b.csv"
    assert safe_name("C:\\x\\..\\data.xlsx") == "data.xlsx"
    assert safe_name("....") == "berkas"
    assert safe_name("da\x00ta;rm -rf.csv") == "data_rm -rf.csv"
    assert "/" not in safe_name("a/../../b.csv") and safe_name("a/../../b.csv") == "b.csv"


def test_oversize_upload_is_refused_before_landing(world, no_runs):
    with override_settings(MAX_UPLOAD_BYTES=1000):
        r = upload_page(client_for(world, "kab01"), "53.01", "besar.csv", b"a;b\n" * 2000)
        assert r.status_code == 413
        token = token_for("kab01")
        f = io.BytesIO(b"a;b\n" * 2000)
        f.name = "besar_api.csv"
        r = Client().post("/api/v1/kiriman", {"berkas": f}, HTTP_AUTHORIZATION=f"Bearer {token}")
        assert r.status_code == 413
        # the whole request is refused from its Content-Length, before the body is read
        r = Client().post(
            "/api/v1/kiriman",
            {"berkas": io.BytesIO(b"x")},
            HTTP_AUTHORIZATION=f"Bearer {token}",
            CONTENT_LENGTH=str(11 * 1000 + 2 * 1024 * 1024),
        )
        assert r.status_code == 413
    assert not (LANDING / "53.01" / "besar.csv").exists() and not (LANDING / "53.01" / "besar_api.csv").exists()
    assert no_runs == []


def _zip(members: dict[str, bytes]) -> bytes:
    """The same bytes in every process: the bytes are part of the test ids, and the two xdist workers
    must collect the same ids (a member's time would differ when they collect a second apart)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for n, d in members.items():
            zf.writestr(zipfile.ZipInfo(n, date_time=(2026, 1, 1, 0, 0, 0)), d)
    return buf.getvalue()


XLSX = _zip({"[Content_Types].xml": b"<Types/>", "xl/workbook.xml": b"<workbook/>"})
ODS = _zip({"mimetype": b"application/vnd.oasis.opendocument.spreadsheet", "content.xml": b"<office/>"})
OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600


@pytest.mark.parametrize(
    "name,data",
    [
        ("teks.xlsx", CSV),  # text named xlsx
        ("arsip.xlsx", _zip({"a.txt": b"x"})),  # a zip that is no workbook
        ("program.csv", b"MZ\x90\x00" + b"\x00" * 100),  # an executable named csv
        ("dokumen.csv", b"%PDF-1.7\n" + b"x" * 100),  # a PDF named csv
        ("lembar.csv", XLSX),  # a real xlsx named csv
        ("lama.xls", CSV),  # text named xls
        ("gambar.ods", b"\x89PNG\r\n\x1a\n" + b"x" * 50),  # PNG named ods
        ("skrip.sh", CSV),  # not a spreadsheet extension
    ],
)
def test_content_type_spoofing_is_refused(world, no_runs, name, data):
    r = upload_page(client_for(world, "kab01"), "53.01", name, data)
    assert r.status_code in (400, 415), (name, r.status_code)
    assert not (LANDING / "53.01" / safe_name(name)).exists() and no_runs == []


@pytest.mark.parametrize(
    "name,data",
    [
        ("buku.xlsx", XLSX),
        ("buku.ods", ODS),
        ("buku.xls", OLE),
        ("latin.csv", "kode;nama\n1;Señora\n".encode("cp1252")),
    ],
)
def test_real_types_are_accepted(world, name, data):
    assert upload_page(client_for(world, "kab01"), "53.01", name, data).status_code == 302
    assert (LANDING / "53.01" / name).read_bytes() == data


# ---------------------------------------------------------------------------------------------
# CSRF on every form
# ---------------------------------------------------------------------------------------------
def test_csrf_required_on_every_form(world):
    anon = Client(enforce_csrf_checks=True)
    assert anon.post("/masuk/", {"username": "kab01", "password": PASSWORD}).status_code == 403
    c = client_for(world, "kab01", enforce_csrf_checks=True)
    f = io.BytesIO(CSV)
    f.name = "tanpa_token.csv"
    assert c.post("/kabupaten/53.01/unggah/", {"berkas": f}).status_code == 403
    assert not (LANDING / "53.01" / "tanpa_token.csv").exists()
    assert c.post("/keluar/").status_code == 403
    # with the token from the page the same forms work
    page = c.get("/kabupaten/53.01/unggah/")
    token = page.context["csrf_token"] if page.context else c.cookies["csrftoken"].value
    f = io.BytesIO(CSV)
    f.name = "dengan_token.csv"
    r = c.post("/kabupaten/53.01/unggah/", {"berkas": f, "csrfmiddlewaretoken": str(token)})
    assert r.status_code == 302 and (LANDING / "53.01" / "dengan_token.csv").exists()
    login = Client(enforce_csrf_checks=True)
    login.get("/masuk/")
    r = login.post(
        "/masuk/", {"username": "kab01", "password": PASSWORD, "csrfmiddlewaretoken": login.cookies["csrftoken"].value}
    )
    assert r.status_code == 302


def test_api_ignores_the_session_cookie(world):
    """The API answers only to a Bearer token, so a browser session cannot be used cross-site."""
    c = client_for(world, "kab01")
    assert c.get(f"/api/v1/kiriman/{world['files']['53.01'].pk}").status_code == 401
    f = io.BytesIO(CSV)
    f.name = "lewat_cookie.csv"
    assert c.post("/api/v1/kiriman", {"berkas": f}).status_code == 401


# ---------------------------------------------------------------------------------------------
# API: own / other / admin / anonymous
# ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("who,expected", [("kab01", 200), ("kab02", 404), ("balai", 200), (None, 401)])
def test_api_kiriman_detail(world, who, expected):
    r = Client().get(f"/api/v1/kiriman/{world['files']['53.01'].pk}", **bearer(who))
    assert r.status_code == expected
    if expected == 200:
        body = r.json()
        assert {
            k: body[k]
            for k in ("status", "kode_kabupaten", "nama_berkas", "baris_dibaca", "baris_diterima", "baris_karantina")
        } == {
            "status": "diterima",
            "kode_kabupaten": "53.01",
            "nama_berkas": "data_53.01.csv",
            "baris_dibaca": 3,
            "baris_diterima": 2,
            "baris_karantina": 1,
        }
        assert "alasan" in body
    elif expected == 404:
        assert "53.01" not in r.content.decode()


@pytest.mark.parametrize("who,expected", [("kab01", 200), ("kab02", 404), ("balai", 200), (None, 401)])
def test_api_feedback(world, who, expected):
    r = Client().get("/api/v1/kabupaten/53.01/umpan-balik", **bearer(who))
    assert r.status_code == expected
    if expected == 200:
        assert b"".join(r.streaming_content).endswith(b"53.01")


@pytest.mark.parametrize("who,expected", [("kab01", 200), ("kab02", 200), ("balai", 200), (None, 401)])
def test_api_ranking(world, who, expected):
    r = Client().get("/api/v1/peringkat", **bearer(who))
    assert r.status_code == expected
    if expected == 200:
        assert [b["kode_kabupaten"] for b in r.json()["baris"]] == ["53.02", "53.01"]


@pytest.mark.parametrize(
    "who,kode,expected",
    [("kab01", None, 201), ("kab01", "53.02", 404), ("balai", "53.02", 201), ("balai", None, 400), (None, None, 401)],
)
def test_api_upload(world, no_runs, who, kode, expected):
    name = f"api_{who}_{kode}.csv"
    f = io.BytesIO(CSV)
    f.name = name
    data = {"berkas": f, **({"kode_kabupaten": kode} if kode else {})}
    r = Client().post("/api/v1/kiriman", data, **bearer(who))
    assert r.status_code == expected, r.content
    target = kode or "53.01"
    if expected == 201:
        body = r.json()
        assert body["status"] == "menunggu" and Kiriman.objects.get(pk=body["id"]).kode_kabupaten == target
        assert Kiriman.objects.get(pk=body["id"]).diunggah_oleh.username == who and no_runs == [target]
    else:
        assert not any((LANDING / k / name).exists() for k in ("53.01", "53.02")) and no_runs == []


def test_api_token_rules(world, monkeypatch):
    assert (
        Client()
        .post("/api/v1/token", {"username": "kab01", "password": "salah"}, content_type="application/json")
        .status_code
        == 401
    )
    assert Client().get("/api/v1/peringkat", HTTP_AUTHORIZATION="Bearer palsu").status_code == 401
    good = token_for("kab02")
    tampered = good[:-2] + ("AA" if not good.endswith("AA") else "BB")
    assert Client().get("/api/v1/peringkat", HTTP_AUTHORIZATION=f"Bearer {tampered}").status_code == 401
    monkeypatch.setattr(api, "TOKEN_MAX_AGE_S", 0)
    time.sleep(1.1)
    assert Client().get("/api/v1/peringkat", HTTP_AUTHORIZATION=f"Bearer {good}").status_code == 401
    monkeypatch.undo()
    assert Client().get("/api/v1/peringkat", HTTP_AUTHORIZATION=f"Bearer {good}").status_code == 200
    u = world["users"]["kab02"]
    u.set_password(PASSWORD + "-baru")
    u.save()
    assert Client().get("/api/v1/peringkat", HTTP_AUTHORIZATION=f"Bearer {good}").status_code == 401
    u.set_password(PASSWORD)
    u.save()


# ---------------------------------------------------------------------------------------------
# throttling (django-axes)
# ---------------------------------------------------------------------------------------------
def test_failed_logins_are_throttled(world):
    c = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        r = c.post("/masuk/", {"username": "kunci01", "password": "salah"})
        assert r.status_code in (200, 429)
    r = c.post("/masuk/", {"username": "kunci01", "password": PASSWORD})  # right password, but locked
    assert r.status_code == 429 and "dikunci" in r.content.decode()
    r = Client().post("/api/v1/token", {"username": "kunci01", "password": PASSWORD}, content_type="application/json")
    assert r.status_code == 429 and "galat" in r.json()
    # another user from the same address is not locked
    assert Client().post("/masuk/", {"username": "kab01", "password": PASSWORD}).status_code == 302
    call_command("axes_reset", verbosity=0)


# ---------------------------------------------------------------------------------------------
# outcomes from the warehouse
# ---------------------------------------------------------------------------------------------
def test_outcomes_follow_the_contract_counts(world):
    h = {n: f"{n:064d}" for n in range(1, 4)}
    for n in h:
        Kiriman.objects.create(
            kode_kabupaten="53.02",
            nama_berkas=f"hasil{n}.csv",
            sha256=h[n],
            diterima_pada=timezone.now(),
            status="diproses",
        )
    now = timezone.now()
    snap = {
        "files": [
            ("53.02", h[1], "hasil1.csv", "rumah_tangga", "active", None, 10, True, now),
            ("53.02", h[2], "hasil2.csv", "tidak_dikenal", "rejected", "File kosong", 0, True, now),
            ("53.02", h[3], "hasil3.csv", "rumah_tangga", "active", None, 4, True, now),
            ("53.02", "f" * 64, "lewat_sftp.csv", "rumah_tangga", "active", None, 5, True, now),
        ],
        "gate": {"53.02": ("ditahan", "karantina > 50 %")},
        "held": {h[3]},
        "rows": {
            ("rilis", h[1]): [("", 3, "nik_bukan_16_digit", "nik", "NIK harus 16 digit")] * 2,
            ("tahan", h[3]): [("", 2, "wajib_kosong", "nik", "kosong")] * 3,
        },
    }
    outcomes.store_snapshot(snap)
    k1, k2, k3 = (Kiriman.objects.get(sha256=h[n]) for n in (1, 2, 3))
    assert (k1.status, k1.baris_dibaca, k1.baris_diterima, k1.baris_karantina) == ("diterima", 10, 8, 2)
    assert (k2.status, k2.alasan) == ("ditolak", "File kosong")
    assert (k3.status, k3.baris_dibaca, k3.baris_diterima, k3.baris_karantina) == ("ditahan", 4, 1, 3)
    assert "karantina > 50 %" in k3.alasan
    assert Kiriman.objects.get(sha256="f" * 64).sumber == "folder"
    assert BarisKarantina.objects.filter(kiriman=k1).count() == 2


def test_production_trigger_queues_the_district_run(monkeypatch):
    """P3JR_PORTAL_PEMICU=antrean: one run for the district through the webserver's queue, then its status."""
    from orchestration.instance import queue

    calls = []
    monkeypatch.setattr(queue, "submit_refresh_runs", lambda d, **kw: calls.append((d, kw)) or ["run-1"])
    monkeypatch.setattr(queue, "wait_for_run", lambda run_id, **kw: "SUCCESS")
    with override_settings(P3JR={**settings.P3JR, "trigger": "antrean", "webserver_url": "http://127.0.0.1:3999"}):
        assert runs._run("53.07") == (True, "run SUCCESS")
    assert calls == [(["53.07"], {"tags": {"p3jr/pemicu": "portal"}, "host": "127.0.0.1", "port": 3999})]


def test_outcomes_never_wait_for_a_writing_step(world):
    """While a run's step holds the warehouse, reading the outcomes gives up at once (the district is
    read again on the next poll or sync) instead of stopping the portal's worker until the step ends."""
    import threading

    from orchestration.lib.warehouse import writer_lock

    path = Path(settings.P3JR["warehouse_path"])
    path.parent.mkdir(parents=True, exist_ok=True)
    duckdb.connect(str(path)).close()
    result: list[bool] = []
    try:
        with writer_lock(path):  # what a writing step holds
            reader = threading.Thread(target=lambda: result.append(outcomes.collect(["53.01"])), daemon=True)
            started = time.monotonic()
            reader.start()
            reader.join(timeout=10)
            assert not reader.is_alive(), "collect() waited for the writer"
        assert result == [False] and time.monotonic() - started < 5
    finally:
        path.unlink()
