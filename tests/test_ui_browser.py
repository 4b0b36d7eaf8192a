"""The Dagster UI a data officer opens after a run (`make ui`), driven in headless Debian Chromium.

One real `p3jr run` (the session fixture `small_run`) leaves its runs, materialisations and check
results in `<data>/dagster`. This module starts `dagster-webserver` on that instance exactly as
`make ui` does (same workspace.yaml, same DAGSTER_HOME) and checks, in a real browser, that

* the global asset lineage shows the marts (`capaian_pendataan`, ...) fed by ingestion and quality,
* the `capaian_pendataan` asset page shows its latest materialisation (run id), its dbt tests as
  asset checks (all passed), and its description,
* the nightly schedule and both sensors are listed under Automation.

Screenshots (full page) land in `test-artifacts/ui_*.png` (git-ignored), together with the
webserver log `test-artifacts/ui_webserver.log`. No browser is downloaded: the test uses Debian's
`chromium` (`apt-get install chromium`, done by `.ci/run`) and FAILS, not skips, without it.
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
from pathlib import Path
from urllib.parse import quote

import pytest

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "test-artifacts"
WEBSERVER = Path(sys.executable).parent / "dagster-webserver"
STARTUP_TIMEOUT_S = 120
PAGE_TIMEOUT_MS = 60_000

MART = ("marts", "capaian_pendataan")
# Node names checked in the lineage graph, per group (names short enough not to be truncated).
LINEAGE_NODES = {
    "marts": ["capaian_pendataan", "backlog_kabupaten"],
    "ingestion": ["file_registry"],
    "quality": ["gerbang_kabupaten", "status_pengajuan", "karantina"],
    "publish": ["database_analis"],
}
AUTOMATIONS = ["p3jr_nightly", "landing_files_sensor", "p3jr_run_failure_alert"]
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
TELEMETRY_OFF = dict(
    DO_NOT_TRACK="1",
    DBT_SEND_ANONYMOUS_USAGE_STATS="false",
    GX_ANALYTICS_ENABLED="false",
    DAGSTER_DISABLE_TELEMETRY="true",
)

pytestmark = pytest.mark.browser


# ----------------------------------------------------------------------------------------------
# helpers
# ----------------------------------------------------------------------------------------------
def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _log_tail(path: Path, n: int = 3000) -> str:
    try:
        return path.read_text(encoding="utf-8", errors="replace")[-n:]
    except OSError:
        return "(no log)"


def _graphql(base: str, query: str, timeout: float = 30) -> dict:
    req = urllib.request.Request(
        f"{base}/graphql", data=json.dumps({"query": query}).encode(), headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(req, timeout=timeout) as resp:
        payload = json.load(resp)
    if payload.get("errors"):
        raise AssertionError(f"GraphQL error from the webserver: {payload['errors']}")
    return payload["data"]


def _page_excerpt(page, n: int = 1500) -> str:
    try:
        text = page.inner_text("body", timeout=5_000)
    except Exception as exc:  # noqa: BLE001 - only used to build a failure message
        return f"(page text unavailable: {exc})"
    return re.sub(r"\s+", " ", text).strip()[:n]


def _shot(page, name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"ui_{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def _expect_texts(page, texts: list[str], shot: str, *, exact: bool = True, timeout_ms: int = PAGE_TIMEOUT_MS) -> None:
    """Wait until every text is visible; screenshot either way; fail with the page text if not."""
    missing: list[str] = []
    deadline = time.monotonic() + timeout_ms / 1000
    for text in texts:
        remaining = max(1_000, int((deadline - time.monotonic()) * 1000))
        try:
            # filter(visible=True): skip hidden copies (e.g. the full name behind a truncated label)
            page.get_by_text(text, exact=exact).filter(visible=True).first.wait_for(state="visible", timeout=remaining)
        except Exception:  # noqa: BLE001 - playwright TimeoutError; reported below
            missing.append(text)
    path = _shot(page, shot)
    if missing:
        raise AssertionError(
            f"{page.url}: not visible within {timeout_ms // 1000} s: {missing}\n"
            f"screenshot: {path}\npage text: {_page_excerpt(page)}"
        )


def _dismiss_community_dialog(page) -> None:
    """Dagster shows a one-off 'Join the Dagster community' dialog on localhost; close it if present."""
    dialog = page.get_by_text("Join the Dagster community", exact=True)
    if dialog.count() and dialog.first.is_visible():
        page.get_by_role("button", name="Skip").click()
        dialog.first.wait_for(state="hidden", timeout=10_000)


# ----------------------------------------------------------------------------------------------
# fixtures
# ----------------------------------------------------------------------------------------------
class _Unavailable(str):
    """Why the browser test cannot run; the tests FAIL with it (never skip)."""


@pytest.fixture(scope="session")
def chromium_executable() -> str:
    """Debian's chromium, or an `_Unavailable` reason. Checked before the pipeline fixture runs, so a
    missing browser fails in seconds instead of after the 1-2 minute `small_run`."""
    exe = shutil.which("chromium") or "/usr/bin/chromium"
    if not os.access(exe, os.X_OK):
        return _Unavailable(
            "Debian chromium is not installed (looked for `chromium` on PATH and /usr/bin/chromium). Install it "
            "with `apt-get install -y chromium` (.ci/run does this); the UI test never downloads a browser."
        )
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError as exc:
        return _Unavailable(f"the playwright Python package is missing ({exc}); install the `test` extra")
    return exe


def _require(page):
    """First line of every test: fail (not skip, not error) when the browser is unavailable."""
    if isinstance(page, _Unavailable):
        pytest.fail(str(page), pytrace=False)
    return page


@pytest.fixture(scope="module")
def ui_server(request, chromium_executable):
    """`dagster-webserver` on the instance of the completed small run; always terminated."""
    if isinstance(chromium_executable, _Unavailable):
        yield chromium_executable
        return
    small_run = request.getfixturevalue("small_run")  # only now: the real pipeline run (1-2 min)
    data, landing = Path(small_run["data"]), Path(small_run["landing"])
    dagster_home = data / "dagster"
    assert (dagster_home / "dagster.yaml").is_file(), f"no Dagster instance at {dagster_home} after p3jr run"
    assert WEBSERVER.exists(), f"dagster-webserver not found next to the interpreter: {WEBSERVER}"

    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        **TELEMETRY_OFF,
        "DAGSTER_HOME": str(dagster_home),
        "P3JR_DATA_DIR": str(data),
        "P3JR_LANDING_DIR": str(landing),
    }
    env.pop("P3JR_WAREHOUSE_PATH", None)
    ARTIFACTS.mkdir(exist_ok=True)
    log_path = ARTIFACTS / "ui_webserver.log"
    log = open(log_path, "w", encoding="utf-8")
    proc = subprocess.Popen(
        [str(WEBSERVER), "-h", "127.0.0.1", "-p", str(port), "-w", str(ROOT / "workspace.yaml")],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + STARTUP_TIMEOUT_S
        # 1. the HTTP server answers
        while True:
            if proc.poll() is not None:
                pytest.fail(
                    f"dagster-webserver exited with {proc.returncode} during startup:\n{_log_tail(log_path)}",
                    pytrace=False,
                )
            try:
                with urllib.request.urlopen(f"{base}/server_info", timeout=5) as resp:
                    if resp.status == 200:
                        break
            except (urllib.error.URLError, OSError):
                pass
            if time.monotonic() > deadline:
                pytest.fail(
                    f"dagster-webserver did not answer {base}/server_info within {STARTUP_TIMEOUT_S} s:\n"
                    f"{_log_tail(log_path)}",
                    pytrace=False,
                )
            time.sleep(1)
        # 2. the code location `p3jr` is loaded (not an error), so pages do not show a spinner
        query = (
            "{ workspaceOrError { ... on Workspace { locationEntries { name loadStatus "
            "locationOrLoadError { __typename ... on PythonError { message } } } } } }"
        )
        while True:
            entries = _graphql(base, query)["workspaceOrError"].get("locationEntries") or []
            entry = next((e for e in entries if e["name"] == "p3jr"), None)
            if entry and entry["loadStatus"] == "LOADED":
                loc = entry["locationOrLoadError"] or {}
                if loc.get("__typename") == "PythonError":
                    pytest.fail(
                        f"code location p3jr failed to load in the webserver:\n{loc.get('message')}", pytrace=False
                    )
                break
            if time.monotonic() > deadline:
                pytest.fail(
                    f"code location p3jr not loaded within {STARTUP_TIMEOUT_S} s (entries: {entries}):\n"
                    f"{_log_tail(log_path)}",
                    pytrace=False,
                )
            time.sleep(1)
        yield base
    finally:
        if proc.poll() is None:
            try:
                os.killpg(proc.pid, signal.SIGTERM)  # our own session: webserver + its code server
            except ProcessLookupError:
                pass
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                try:
                    os.killpg(proc.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                proc.wait(timeout=10)
        log.close()


@pytest.fixture(scope="module")
def browser(chromium_executable):
    if isinstance(chromium_executable, _Unavailable):
        yield chromium_executable
        return
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=chromium_executable, headless=True, args=CHROMIUM_ARGS)
        try:
            yield b
        finally:
            b.close()


@pytest.fixture()
def page(browser, ui_server):
    if isinstance(browser, _Unavailable):
        yield browser
        return
    # WITA, as the Balai reads it; English UI strings (Dagster is not localised).
    ctx = browser.new_context(viewport={"width": 1600, "height": 1000}, timezone_id="Asia/Makassar", locale="en-US")
    # Mark Dagster's one-off community dialog as seen so it does not cover the screenshots.
    ctx.add_init_script("try { window.localStorage.setItem('communityNux', JSON.stringify('1')); } catch (e) {}")
    ctx.set_default_timeout(PAGE_TIMEOUT_MS)
    pg = ctx.new_page()
    pg.base = ui_server  # type: ignore[attr-defined]
    try:
        yield pg
    finally:
        ctx.close()


def _goto(page, path: str) -> None:
    page.goto(page.base + path, wait_until="domcontentloaded")
    page.get_by_text("Overview", exact=True).first.wait_for(state="visible")  # the app shell rendered
    _dismiss_community_dialog(page)


def _zoom_out(page, x: int, y: int, steps: int = 1) -> None:
    """Best effort: zoom the graph out (ctrl + wheel) so all of it fits the screenshot."""
    page.mouse.move(x, y)
    page.keyboard.down("Control")
    for _ in range(steps):
        page.mouse.wheel(0, 100)
        page.wait_for_timeout(300)
    page.keyboard.up("Control")
    page.wait_for_timeout(800)
    # No hover tooltip in the screenshot: leave the (re-rendered) node the cursor was on.
    page.mouse.move(x + 40, y + 40, steps=5)
    page.mouse.move(5, 5, steps=10)
    page.wait_for_timeout(1200)


# ----------------------------------------------------------------------------------------------
# tests
# ----------------------------------------------------------------------------------------------
def test_global_lineage_shows_marts_fed_by_ingestion_and_quality(page):
    page = _require(page)
    nodes = _graphql(page.base, "{ assetNodes { assetKey { path } groupName } }")["assetNodes"]
    groups = sorted({n["groupName"] for n in nodes if n["groupName"]})
    keys = {"/".join(n["assetKey"]["path"]) for n in nodes}
    assert "/".join(MART) in keys, f"asset {'/'.join(MART)} not in the code location; assets: {sorted(keys)}"
    for group in LINEAGE_NODES:
        assert group in groups, f"asset group {group!r} missing from the code location; groups: {groups}"

    # Global lineage (sidebar "Lineage" = /asset-groups) with every group expanded, as the
    # "expand all groups" toggle (Alt+E) leaves it in the URL.
    page.set_viewport_size({"width": 2000, "height": 1700})
    expanded = ",".join(f"global@global:{g}" for g in groups)
    _goto(page, f"/asset-groups?expanded={quote(expanded)}")
    page.get_by_text("Global asset lineage", exact=True).first.wait_for(state="visible")
    page.get_by_text(MART[1], exact=True).first.wait_for(state="visible")
    _zoom_out(page, 1300, 900)
    _expect_texts(page, [name for names in LINEAGE_NODES.values() for name in names] + groups, "lineage_global")

    # The marts group on its own: readable nodes with materialisation status and check counts.
    page.set_viewport_size({"width": 1600, "height": 1800})
    _goto(page, "/locations/p3jr/asset-groups/marts")
    page.get_by_text(MART[1], exact=True).first.wait_for(state="visible")
    _zoom_out(page, 1000, 1000)
    _expect_texts(page, [MART[1], "backlog_kabupaten", "realisasi_program", "Materialized"], "lineage_marts")
    body = _page_excerpt(page, 20_000)
    assert re.search(r"(\d+) / \1 Passed", body), (
        f"marts group lineage shows no 'N / N Passed' check summary\npage text: {body[:1500]}"
    )
    assert "Failed" not in body, (
        f"a check or materialisation shows as Failed in the marts group\npage text: {body[:1500]}"
    )


def test_capaian_pendataan_page_shows_materialization_and_checks(page):
    page = _require(page)
    path = json.dumps(list(MART))
    query = (
        "{ assetOrError(assetKey: {path: PATH}) { __typename ... on Asset { "
        "assetMaterializations(limit: 1) { runId timestamp } "
        "definition { description assetChecksOrError { ... on AssetChecks { "
        "checks { name } } } } } } }"
    ).replace("PATH", path)
    data = _graphql(page.base, query)["assetOrError"]
    assert data["__typename"] == "Asset", f"{'/'.join(MART)} unknown to the webserver: {data}"
    mats = data["assetMaterializations"]
    assert mats, f"{'/'.join(MART)} has no materialisation in the instance of the small run"
    run_id = mats[0]["runId"]
    checks = sorted(c["name"] for c in data["definition"]["assetChecksOrError"]["checks"])
    assert checks, f"{'/'.join(MART)} has no asset checks (its dbt tests should be asset checks)"
    check = next((c for c in checks if c.startswith("invarian_baris_")), checks[0])

    # Overview: name, description, latest materialisation and latest check results.
    page.set_viewport_size({"width": 1600, "height": 1600})
    _goto(page, f"/assets/{'/'.join(MART)}")
    _expect_texts(
        page,
        [MART[1], "Latest materialization", "Latest check results", "Description", "Columns"],
        "asset_capaian_overview",
    )
    _expect_texts(page, ["Capaian pendataan per kabupaten/kota"], "asset_capaian_overview", exact=False)

    # Events: the materialisation of the pipeline run, with its run id.
    page.set_viewport_size({"width": 1600, "height": 1000})
    _goto(page, f"/assets/{'/'.join(MART)}?view=events")
    _expect_texts(page, ["Materialized in run", run_id[:8]], "asset_capaian_events", exact=False)

    # Checks: the tab count equals the dbt tests, all succeeded; one check opened from the filter.
    page.set_viewport_size({"width": 1600, "height": 1400})
    _goto(page, f"/assets/{'/'.join(MART)}?view=checks")
    _expect_texts(page, [f"Checks ({len(checks)})"], "asset_capaian_checks")
    body = _page_excerpt(page, 50_000)
    shown = min(len(checks), 15)  # the list may be virtualised for long check lists
    assert body.count("Succeeded") >= shown and "Failed" not in body, (
        f"expected the {len(checks)} checks of {MART[1]} to show 'Succeeded' (none 'Failed')\npage text: {body[:1500]}"
    )
    page.get_by_placeholder("Filter checks").fill(check)
    # The list shows a middle-truncated name; the full name sits in a hidden measuring child.
    page.get_by_text(check, exact=True).first.locator("xpath=..").click()
    _expect_texts(page, [check, "Latest execution", "Passed", "Target materialization"], "asset_capaian_check_detail")


def test_schedule_and_sensors_listed_under_automation(page):
    page = _require(page)
    _goto(page, "/automation")
    _expect_texts(page, AUTOMATIONS + ["Standard sensor", "Run status sensor"], "automation")
    body = _page_excerpt(page, 5_000)
    assert re.search(r"Scheduled\s+At 01:00", body), (
        f"p3jr_nightly is not shown as scheduled at 01:00 (WITA)\npage text: {body[:1500]}"
    )
