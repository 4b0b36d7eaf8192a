"""The district portal end to end: a real `p3jr portal serve` process on 127.0.0.1 over a copy of the
small run's data, a real LibreOffice-saved xlsx uploaded by a district user through the API and in
Debian's chromium (Playwright), judged by the real pipeline (`p3jr run --district`, started by the
portal), then status, quarantined rows and the feedback workbook read back — within 2 minutes.

Screenshots land in test-artifacts/portal_*.png, the portal's log in test-artifacts/portal_server.log.
Fails (never skips) without chromium or LibreOffice (`make test` installs both).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

import duckdb
import openpyxl
import pytest

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "test-artifacts"
P3JR = Path(sys.executable).parent / "p3jr"
PASSWORD = "Sandi-Kabupaten-2026"
PROMISE_S = 120  # issue 15: the district sees its result within 2 minutes
WAIT_S = 600  # keep checking past the promise (a loaded machine), then fail on the measured time
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

pytestmark = [pytest.mark.browser, pytest.mark.slow]  # slow: scheduled first (tests/conftest.py)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _pick_file(warehouse: Path) -> tuple[str, str, int, int]:
    """An xlsx with some (not most) rows quarantined: (kode, name, rows read, rows quarantined)."""
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        row = con.execute(
            """SELECT r.folder, r.nama_file, r.baris_dibaca, count(k.baris) AS kar
               FROM ingestion.file_registry r LEFT JOIN quality.karantina k USING (file_hash)
               WHERE r.status = 'active' AND lower(r.nama_file) LIKE '%.xlsx' AND r.jenis = 'rumah_tangga'
               GROUP BY ALL HAVING kar > 0 AND kar < 0.2 * r.baris_dibaca ORDER BY kar DESC, 1, 2 LIMIT 1"""
        ).fetchone()
    finally:
        con.close()
    assert row, "no xlsx with quarantined rows in the small demo data"
    return row


def _libreoffice_resave(src: Path, outdir: Path, profile: Path) -> Path:
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    assert soffice, "LibreOffice missing: run `make libreoffice` (make test does)"
    outdir.mkdir(parents=True, exist_ok=True)
    proc = subprocess.run(
        [
            soffice,
            f"-env:UserInstallation={profile.as_uri()}",
            "--headless",
            "--convert-to",
            "xlsx",
            "--outdir",
            str(outdir),
            str(src),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    out = outdir / src.name
    assert proc.returncode == 0 and out.exists(), proc.stdout + proc.stderr
    assert out.read_bytes() != src.read_bytes()
    return out


def _http(
    method: str, url: str, *, token: str | None = None, body: bytes | None = None, ctype: str | None = None
) -> tuple[int, bytes]:
    req = urllib.request.Request(url, data=body, method=method)
    if token:
        req.add_header("Authorization", f"Bearer {token}")
    if ctype:
        req.add_header("Content-Type", ctype)
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


def _multipart(fields: dict[str, str], name: str, data: bytes) -> tuple[bytes, str]:
    b = uuid.uuid4().hex
    parts = [f'--{b}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode() for k, v in fields.items()]
    parts.append(
        f'--{b}\r\nContent-Disposition: form-data; name="berkas"; filename="{name}"\r\n'
        f"Content-Type: application/octet-stream\r\n\r\n".encode()
        + data
        + b"\r\n"
    )
    return b"".join(parts) + f"--{b}--\r\n".encode(), f"multipart/form-data; boundary={b}"


def _token(base: str, user: str) -> str:
    status, body = _http(
        "POST",
        f"{base}/api/v1/token",
        body=json.dumps({"username": user, "password": PASSWORD}).encode(),
        ctype="application/json",
    )
    assert status == 200, body
    return json.loads(body)["token"]


@pytest.fixture(scope="module")
def chromium() -> str:
    exe = shutil.which("chromium") or "/usr/bin/chromium"
    if not os.access(exe, os.X_OK):
        pytest.fail("Debian chromium is not installed: apt-get install -y chromium (make test does)", pytrace=False)
    return exe


@pytest.fixture(scope="module")
def portal(small_run, tmp_path_factory, chromium):
    """`p3jr portal serve` on a copy of the small run (data + landing), users made with `p3jr portal add-user`."""
    base = tmp_path_factory.mktemp("portal_e2e")
    data, landing = base / "data", base / "landing"
    shutil.copytree(small_run["data"], data, symlinks=True)
    shutil.copytree(small_run["landing"], landing, symlinks=True)
    kode, name, read, quarantined = _pick_file(data / "warehouse" / "p3jr.duckdb")
    lo = _libreoffice_resave(landing / kode / name, base / "lo", base / "lo_profile")
    other = "53.01" if kode != "53.01" else "53.02"
    env = {**os.environ, "P3JR_DATA_DIR": str(data), "P3JR_LANDING_DIR": str(landing), "P3JR_PORTAL_JEDA_DETIK": "3"}
    env.pop("P3JR_WAREHOUSE_PATH", None)
    for user, args in (("kab", ["--district", kode]), ("lain", ["--district", other]), ("balai", ["--admin"])):
        proc = subprocess.run(
            [str(P3JR), "portal", "add-user", "--username", user, *args],
            input=PASSWORD + "\n",
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert proc.returncode == 0, proc.stdout + proc.stderr
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    ARTIFACTS.mkdir(exist_ok=True)
    log_path = ARTIFACTS / "portal_server.log"
    log = open(log_path, "w", encoding="utf-8")
    proc = subprocess.Popen(
        [str(P3JR), "portal", "serve", "--port", str(port)],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            assert proc.poll() is None, log_path.read_text()
            try:
                if _http("GET", f"{url}/masuk/")[0] == 200:
                    break
            except OSError:
                pass
            assert time.monotonic() < deadline, f"portal did not start:\n{log_path.read_text()}"
            time.sleep(0.5)
        yield {
            "url": url,
            "kode": kode,
            "other": other,
            "name": name,
            "read": read,
            "quarantined": quarantined,
            "lo": lo,
            "landing": landing,
            "log": log_path,
            "results": {},
        }
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=10)
        log.close()


def test_upload_is_judged_within_two_minutes_in_browser_and_api(portal, chromium):
    from playwright.sync_api import sync_playwright

    base, kode = portal["url"], portal["kode"]
    token = _token(base, "kab")
    body, ctype = _multipart({}, portal["lo"].name, portal["lo"].read_bytes())
    t0 = time.monotonic()
    status, resp = _http("POST", f"{base}/api/v1/kiriman", token=token, body=body, ctype=ctype)
    assert status == 201, resp
    api_id = json.loads(resp)["id"]
    assert json.loads(resp)["status"] == "menunggu"

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, headless=True, args=CHROMIUM_ARGS)
        ctx = browser.new_context(accept_downloads=True, locale="id-ID", timezone_id="Asia/Makassar")
        page = ctx.new_page()
        page.set_default_timeout(30_000)
        try:
            page.goto(f"{base}/unggah/")
            assert "/masuk/" in page.url  # anonymous: to the login page
            page.fill("#id_username", "kab")
            page.fill("#id_password", PASSWORD)
            page.click("button[type=submit]")
            page.wait_for_url(re.compile(rf"/kabupaten/{re.escape(kode)}/unggah/$"))
            page.set_input_files("#id_berkas", str(portal["lo"]))
            page.screenshot(path=str(ARTIFACTS / "portal_unggah.png"), full_page=True)
            page.click("main button[type=submit]")
            page.wait_for_url(re.compile(rf"/kabupaten/{re.escape(kode)}/status/$"))
            assert "berkas diterima" in page.inner_text("main")
            row = page.locator("#tabel-kiriman tbody tr").first
            browser_id = int(row.get_attribute("data-id"))
            assert browser_id > api_id and row.locator("td.status").inner_text() in ("menunggu", "diproses")

            # the district's view: the status page refreshes itself until the file is judged
            while row.locator("td.status").inner_text() in ("menunggu", "diproses"):
                assert time.monotonic() - t0 < WAIT_S, page.inner_text("main")[:2000]
                page.wait_for_timeout(2000)
                page.reload()
                row = page.locator(f"#tabel-kiriman tbody tr[data-id='{browser_id}']")
            elapsed = time.monotonic() - t0
            portal["results"]["elapsed"] = elapsed
            page.screenshot(path=str(ARTIFACTS / "portal_status.png"), full_page=True)
            cells = [c.inner_text() for c in row.locator("td").all()]
            assert cells[3] == "diterima", cells
            assert (
                int(cells[4]) == portal["read"]
                and int(cells[6]) >= 1
                and int(cells[4]) == int(cells[5]) + int(cells[6])
            )

            page.click("text=Umpan balik")
            page.wait_for_url(re.compile(rf"/kabupaten/{re.escape(kode)}/umpan-balik/$"))
            table = page.inner_text("#tabel-karantina")
            assert portal["lo"].name in table, table[:1000]
            page.screenshot(path=str(ARTIFACTS / "portal_umpan_balik.png"), full_page=True)
            with page.expect_download() as dl:
                page.click("#unduh-umpan-balik")
            saved = ARTIFACTS / "portal_umpan_balik_unduhan.xlsx"
            dl.value.save_as(str(saved))
            wb = openpyxl.load_workbook(saved, read_only=True)
            assert wb.sheetnames, "empty feedback workbook"

            page.click("text=Peringkat")
            page.wait_for_url(re.compile(r"/peringkat/$"))  # count() does not wait for the new page
            assert page.locator("#tabel-peringkat tbody tr").count() == 22
            # another district's feedback: not found, even by typing the address
            r = page.goto(f"{base}/kabupaten/{portal['other']}/umpan-balik/unduh/")
            assert r.status == 404
        finally:
            ctx.close()
            browser.close()

    status, resp = _http("GET", f"{base}/api/v1/kiriman/{api_id}", token=token)
    assert status == 200
    k = json.loads(resp)
    portal["results"]["api"] = k
    assert k["status"] == "diterima" and k["kode_kabupaten"] == kode and k["nama_berkas"] == portal["lo"].name
    assert (
        k["baris_dibaca"] == portal["read"] == k["baris_diterima"] + k["baris_karantina"] and k["baris_karantina"] >= 1
    )
    assert k["alasan"].startswith("karantina:")
    elapsed = portal["results"]["elapsed"]
    print(
        f"\nportal: upload -> result visible in {elapsed:.0f} s "
        f"({k['baris_dibaca']} baris dibaca, {k['baris_karantina']} karantina)"
    )
    assert elapsed < PROMISE_S, f"result visible after {elapsed:.0f} s (promise: {PROMISE_S} s)"


def test_api_feedback_and_ranking_after_the_run(portal):
    base, kode = portal["url"], portal["kode"]
    token = _token(base, "kab")
    status, body = _http("GET", f"{base}/api/v1/kabupaten/{kode}/umpan-balik", token=token)
    assert status == 200 and body[:2] == b"PK"
    assert _http("GET", f"{base}/api/v1/kabupaten/{portal['other']}/umpan-balik", token=token)[0] == 404
    assert _http("GET", f"{base}/api/v1/kabupaten/{kode}/umpan-balik", token=_token(base, "lain"))[0] == 404
    assert _http("GET", f"{base}/api/v1/kabupaten/{kode}/umpan-balik", token=_token(base, "balai"))[0] == 200
    assert _http("GET", f"{base}/api/v1/kabupaten/{kode}/umpan-balik")[0] == 401
    status, body = _http("GET", f"{base}/api/v1/peringkat", token=token)
    ranking = json.loads(body)["baris"]
    assert status == 200 and len(ranking) == 22 and {"indeks_capaian", "peringkat", "cakupan"} <= set(ranking[0])


def test_no_personal_data_in_the_portal_log(portal):
    wb = openpyxl.load_workbook(portal["lo"], read_only=True)
    values = {str(v) for ws in wb.worksheets for row in ws.iter_rows(values_only=True) for v in row if v}
    niks = {v for v in values if re.fullmatch(r"\d{16}", v)}
    names = {v for v in values if re.fullmatch(r"[A-Z][A-Z' .]{7,}", v)}
    assert niks and names, "the uploaded file should carry NIKs and names to look for"
    log = portal["log"].read_text(encoding="utf-8")
    assert "diterima untuk" in log  # the log is written at all
    leaked = [v for v in niks | names if v in log] + re.findall(r"\b53\d{14}\b", log)
    assert leaked == [], f"personal data in {portal['log']}: {leaked[:5]}"
