"""The one reader (and writer) of the process environment: paths, thresholds, the secret key,
the time zone, the writer pool and telemetry. Every other module asks this one.

Environment variables are read when :func:`load_settings` is called (not cached), so a test or the
CLI can point a run at another data directory; the values the CLI sets for the Dagster processes it
starts are written here too (:func:`export_run_paths`, :func:`export_dbt_env`). Dagster assets and
sensors get the same :class:`Settings` from the `settings` resource (orchestration/defs/resources.py),
whose fields Dagster resolves from these variables when a run or sensor tick starts.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

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

# The Balai's local time (WITA): run dates, arrival times, the nightly schedule.
TIMEZONE_NAME = "Asia/Makassar"
WITA = ZoneInfo(TIMEZONE_NAME)

# Every step that writes the DuckDB warehouse runs in this Dagster pool (limit 1 in dagster.yaml):
# DuckDB allows one writing process.
WRITER_POOL = "duckdb_writer"

# DuckDB takes 80 % of RAM by default; measured at province scale (bench/), this cap keeps the
# whole process tree under 2 GB (the same variable feeds dbt's profile).
DEFAULT_DUCKDB_MEMORY_LIMIT = "768MB"


def now() -> datetime:
    """The current time in WITA, aware."""
    return datetime.now(WITA)


def today() -> date:
    """Today's date in WITA (the `tanggal_run` of the marts)."""
    return now().date()


def tanggal_run(when: datetime | None = None) -> str:
    """The run date as dbt's `tanggal_run` var: ISO date in WITA."""
    return (when or now()).astimezone(WITA).date().isoformat()


# Share of the province's accepted rows one run may withdraw without --izinkan-penarikan
# (landing guard, orchestration/lib/landing_guard.py).
DEFAULT_MAX_WITHDRAWAL_SHARE = 0.20


MISSING_KEY_MESSAGE = (
    "P3JR_PSEUDONYM_KEY belum diatur: kunci rahasia untuk pseudonim NIK wajib ada (lihat deploy/p3jr.env.example). / "
    "P3JR_PSEUDONYM_KEY is not set: the secret key for NIK pseudonyms is required."
)


def _path(value: str | None, default: Path) -> Path:
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
    alert_webhook_url: str = ""
    duckdb_memory_limit: str = DEFAULT_DUCKDB_MEMORY_LIMIT
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


# Each pipeline setting and the variable it is read from; SettingsResource (orchestration/defs/
# resources.py) has one field per entry, given to Dagster as EnvVar(variable).
SETTINGS_ENV = {
    "landing_dir": "P3JR_LANDING_DIR",
    "data_dir": "P3JR_DATA_DIR",
    "warehouse_path": "P3JR_WAREHOUSE_PATH",
    "max_file_mb": "P3JR_MAX_FILE_MB",
    "max_withdrawal_share": "P3JR_MAX_WITHDRAWAL_SHARE",
    "max_queue_minutes": "P3JR_MAX_QUEUE_MINUTES",
    "alert_webhook_url": "P3JR_ALERT_WEBHOOK_URL",
    "duckdb_memory_limit": "P3JR_DUCKDB_MEMORY_LIMIT",
    "pseudonym_key": "P3JR_PSEUDONYM_KEY",
}
_NUMBERS = ("max_file_mb", "max_withdrawal_share", "max_queue_minutes")


def settings_from_values(raw: Mapping[str, str | None]) -> Settings:
    """The one place raw text becomes Settings, for load_settings() and the Dagster resource alike.
    An empty or absent value means the default (the dataclass's own, or derived from the values
    given: the warehouse follows the data directory), so an unset variable may be passed as ""."""
    given = {k: v for k in SETTINGS_ENV if (v := raw.get(k))}
    data_dir = _path(given.pop("data_dir", None), PROJECT_ROOT / "data")
    landing_dir = _path(given.pop("landing_dir", None), PROJECT_ROOT / "sources" / "landing")
    warehouse_path = _path(given.pop("warehouse_path", None), data_dir / "warehouse" / "p3jr.duckdb")
    if "alert_webhook_url" in given:
        given["alert_webhook_url"] = given["alert_webhook_url"].strip()
    numbers = {k: float(given.pop(k)) for k in _NUMBERS if k in given}
    return Settings(landing_dir=landing_dir, data_dir=data_dir, warehouse_path=warehouse_path, **numbers, **given)


def load_settings() -> Settings:
    return settings_from_values({field: os.environ.get(var) for field, var in SETTINGS_ENV.items()})


def settings_env() -> dict[str, str]:
    """SETTINGS_ENV, after giving every unset variable the value "": Dagster's EnvVar refuses an
    unset variable with its own error, but these have defaults (and a missing pseudonym key must
    give MISSING_KEY_MESSAGE), and "" means the default to settings_from_values. Called when the
    resource is built and before each CLI run, as a test or caller may have removed one since."""
    for var in SETTINGS_ENV.values():
        os.environ.setdefault(var, "")
    return dict(SETTINGS_ENV)


# `p3jr siaga` listens here; `p3jr run` goes through it when set (orchestration/lib/warm.py).
SIAGA_SOCKET_VAR = "P3JR_SIAGA_SOCKET"


def environment() -> dict[str, str]:
    """The whole environment: `p3jr siaga`'s client hands it to the run forked for it."""
    return dict(os.environ)


def replace_environment(env: dict[str, str]) -> None:
    """A run forked by `p3jr siaga` takes its client's environment, not the server's."""
    os.environ.clear()
    os.environ.update(env)


def set_siaga_socket(path: str | None) -> str | None:
    """Point this process's children (the run's `p3jr-dbt`) at a server, or at none; the value before."""
    before = os.environ.get(SIAGA_SOCKET_VAR)
    if path is None:
        os.environ.pop(SIAGA_SOCKET_VAR, None)
    else:
        os.environ[SIAGA_SOCKET_VAR] = path
    return before


def cli_default(var: str, default: str | None = None) -> str | None:
    """A command-line option's default from the environment (`p3jr run --data-dir` etc.); an empty
    variable counts as unset (see settings_env)."""
    return os.environ.get(var) or default


def running_under_dagster_dev() -> bool:
    """`dagster dev` sets this: the dbt manifest is then re-parsed on load (models may have changed)."""
    return os.environ.get("DAGSTER_IS_DEV_CLI") == "1"


def export_run_paths(landing: str | Path | None, data_dir: str | Path | None) -> Settings:
    """Point this process and the Dagster/dbt processes it starts at these folders; returns the
    settings that follow. DAGSTER_HOME is the data directory's `dagster/`."""
    if landing:
        os.environ["P3JR_LANDING_DIR"] = str(Path(landing).resolve())
    if data_dir:
        os.environ["P3JR_DATA_DIR"] = str(Path(data_dir).resolve())
    settings_env()  # the in-process run resolves the settings resource's EnvVars
    settings = load_settings()
    os.environ["DAGSTER_HOME"] = str(settings.dagster_home)
    return settings


# dbt reads the run date from the environment, not from `--vars`: changed vars make dbt re-parse
# the whole project (~7 s a run); a changed environment variable re-parses only the files using it.
RUN_DATE_VAR = "P3JR_TANGGAL_RUN"


def export_dbt_env(warehouse: Path, run_date: str) -> None:
    """dbt's profile reads the warehouse path and its macro `tanggal_run()` the run date from these
    variables; dagster-dbt starts dbt with this process's environment, so both are exported before
    each build."""
    os.environ["P3JR_WAREHOUSE_PATH"] = str(warehouse)
    os.environ[RUN_DATE_VAR] = run_date


def subprocess_env(**extra: str) -> dict[str, str]:
    """The environment for a child process (dbt): this one's, the venv's bin first on PATH (so
    dagster-dbt's `dbt parse` finds dbt when the venv is not activated), plus ``extra``."""
    bin_dir = str(Path(sys.executable).parent)
    path = os.environ.get("PATH", "")
    if bin_dir not in path.split(os.pathsep):
        path = f"{bin_dir}{os.pathsep}{path}"
    return {**os.environ, "PATH": path, **extra}


DBT_PG_REQUIRED = ("P3JR_DBT_PG_HOST", "P3JR_DBT_PG_USER", "P3JR_DBT_PG_PASSWORD", "P3JR_DBT_PG_DB")


def dbt_postgres_connection() -> tuple[dict[str, str] | None, list[str]]:
    """The PostgreSQL connection of `p3jr gudang-postgres` (P3JR_DBT_PG_*): (params, missing vars)."""
    env = os.environ
    missing = [v for v in DBT_PG_REQUIRED if not env.get(v)]
    if missing:
        return None, missing
    return {
        "host": env["P3JR_DBT_PG_HOST"],
        "port": env.get("P3JR_DBT_PG_PORT", "5432"),
        "user": env["P3JR_DBT_PG_USER"],
        "password": env["P3JR_DBT_PG_PASSWORD"],
        "dbname": env["P3JR_DBT_PG_DB"],
        "sslmode": env.get("P3JR_DBT_PG_SSLMODE", "prefer"),
    }, []


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
        allowed_hosts=tuple(
            h.strip() for h in env.get("P3JR_PORTAL_ALLOWED_HOSTS", "127.0.0.1,localhost").split(",") if h.strip()
        ),
        max_upload_mb=_float("P3JR_PORTAL_MAX_UPLOAD_MB", 50.0),
        trigger=env.get("P3JR_PORTAL_PEMICU", "lokal").strip() or "lokal",
        webserver_url=env.get("P3JR_WEBSERVER_URL", "http://127.0.0.1:3000"),
        debounce_seconds=_float("P3JR_PORTAL_JEDA_DETIK", 2.0),
        run_wait_seconds=_float("P3JR_PORTAL_TUNGGU_RUN_DETIK", 3600.0),
    )
