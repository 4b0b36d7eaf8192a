"""Every path and threshold the pipeline reads from the environment, in one place."""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DBT_PROJECT_DIR = PROJECT_ROOT / "dbt_project"
EXPECTATIONS_DIR = PROJECT_ROOT / "expectations"

# Telemetry off in every entry point: these machines are offline and a tracker would stall.
TELEMETRY_OFF = {
    "DO_NOT_TRACK": "1",
    "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
    "GX_ANALYTICS_ENABLED": "false",
    "DAGSTER_DISABLE_TELEMETRY": "true",
}
for _k, _v in TELEMETRY_OFF.items():
    os.environ.setdefault(_k, _v)


# Share of the province's accepted rows one run may withdraw without --izinkan-penarikan
# (landing guard, orchestration/lib/landing_guard.py).
DEFAULT_MAX_WITHDRAWAL_SHARE = 0.20


MISSING_KEY_MESSAGE = (
    "P3JR_PSEUDONYM_KEY belum diatur: kunci rahasia untuk pseudonim NIK wajib ada (lihat deploy/p3jr.env.example). / "
    "P3JR_PSEUDONYM_KEY is not set: the secret key for NIK pseudonyms is required.")


def _path(var: str, default: Path) -> Path:
    value = os.environ.get(var)
    return Path(value).expanduser().resolve() if value else default.resolve()


def _float(var: str, default: float) -> float:
    return float(os.environ.get(var, default))


@dataclass(frozen=True)
class Settings:
    landing_dir: Path
    data_dir: Path
    warehouse_path: Path
    max_file_mb: float = 200.0
    max_withdrawal_share: float = DEFAULT_MAX_WITHDRAWAL_SHARE
    # Watchdog (orchestration/defs/operations/watchdog.py): alert when a run waits longer in the queue.
    max_queue_minutes: float = 30.0
    # The per-district hold thresholds live in expectations/pengajuan_kabupaten.json (one place).
    # No default: a keyed hash of a 16-digit NIK with a public key can be reversed by enumerating
    # region + birth date + serial. `make demo` and the tests set their own key explicitly.
    pseudonym_key: str | None = field(default=None, repr=False)

    @property
    def archive_dir(self) -> Path:
        return self.data_dir / "archive"

    @property
    def published_dir(self) -> Path:
        return self.data_dir / "published"

    @property
    def published_db(self) -> Path:
        return self.published_dir / "p3jr.duckdb"

    @property
    def reports_dir(self) -> Path:
        return self.data_dir / "reports"

    @property
    def feedback_dir(self) -> Path:
        return self.reports_dir / "umpan_balik"

    @property
    def dagster_home(self) -> Path:
        return self.data_dir / "dagster"


def load_settings() -> Settings:
    data_dir = _path("P3JR_DATA_DIR", PROJECT_ROOT / "data")
    return Settings(
        landing_dir=_path("P3JR_LANDING_DIR", PROJECT_ROOT / "sources" / "landing"),
        data_dir=data_dir,
        warehouse_path=_path("P3JR_WAREHOUSE_PATH", data_dir / "warehouse" / "p3jr.duckdb"),
        max_file_mb=_float("P3JR_MAX_FILE_MB", 200.0),
        max_withdrawal_share=_float("P3JR_MAX_WITHDRAWAL_SHARE", DEFAULT_MAX_WITHDRAWAL_SHARE),
        max_queue_minutes=_float("P3JR_MAX_QUEUE_MINUTES", 30.0),
        pseudonym_key=os.environ.get("P3JR_PSEUDONYM_KEY") or None,
    )


# --- District portal (orchestration/portal/, `p3jr portal`) ------------------------------------
@dataclass(frozen=True)
class PortalSettings:
    """What the Django portal reads from the environment (its Django settings are built from this)."""

    secret_key: str | None = field(default=None, repr=False)  # required when production is on
    production: bool = False  # P3JR_PORTAL_PRODUKSI=1: HTTPS-only cookies, HSTS, no embedded secret
    database_url: str = ""  # postgresql://user:pass@host:5432/db; empty = SQLite under the data dir
    allowed_hosts: tuple[str, ...] = ("127.0.0.1", "localhost")
    max_upload_mb: float = 50.0
    # How an upload starts a run: "lokal" = `p3jr run --district K` beside the portal (embedded default),
    # "antrean" = queued through the Dagster webserver (production), "sensor" = the landing sensor picks it up.
    trigger: str = "lokal"
    webserver_url: str = "http://127.0.0.1:3000"
    # Seconds an upload waits before its district's run starts, so files sent together share one run.
    debounce_seconds: float = 2.0
    run_wait_seconds: float = 3600.0  # `p3jr run --tunggu`: wait this long for another run's writer lock


def load_portal_settings() -> PortalSettings:
    env = os.environ
    return PortalSettings(
        secret_key=env.get("P3JR_PORTAL_SECRET_KEY") or None,
        production=env.get("P3JR_PORTAL_PRODUKSI", "").strip().lower() in {"1", "ya", "true", "yes"},
        database_url=env.get("P3JR_PORTAL_DATABASE_URL", "").strip(),
        allowed_hosts=tuple(h.strip() for h in env.get("P3JR_PORTAL_ALLOWED_HOSTS", "127.0.0.1,localhost").split(",")
                            if h.strip()),
        max_upload_mb=_float("P3JR_PORTAL_MAX_UPLOAD_MB", 50.0),
        trigger=env.get("P3JR_PORTAL_PEMICU", "lokal").strip() or "lokal",
        webserver_url=env.get("P3JR_WEBSERVER_URL", "http://127.0.0.1:3000"),
        debounce_seconds=_float("P3JR_PORTAL_JEDA_DETIK", 2.0),
        run_wait_seconds=_float("P3JR_PORTAL_TUNGGU_RUN_DETIK", 3600.0),
    )
