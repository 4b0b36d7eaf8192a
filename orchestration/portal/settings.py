"""Django settings of the portal, built from orchestration.settings (the one reader of os.environ).

Embedded default (`p3jr portal serve`): SQLite under ``<data>/portal/``, a secret key generated once
into ``<data>/portal/secret_key`` (mode 600). Production (``P3JR_PORTAL_PRODUKSI=1``): the secret
key must be set, Postgres through ``P3JR_PORTAL_DATABASE_URL``, HTTPS-only cookies and HSTS behind
a reverse proxy (deploy/portal/).
"""

from __future__ import annotations

import os
import secrets
from datetime import timedelta
from urllib.parse import unquote, urlsplit

from django.core.exceptions import ImproperlyConfigured

from orchestration.settings import TELEMETRY_OFF, load_portal_settings, load_settings

_S = load_settings()
_P = load_portal_settings()
PORTAL_DIR = _S.data_dir / "portal"


def _secret_key() -> str:
    if _P.secret_key:
        return _P.secret_key
    if _P.production:
        raise ImproperlyConfigured("P3JR_PORTAL_SECRET_KEY wajib diatur pada mode produksi / must be set in production")
    path = PORTAL_DIR / "secret_key"
    PORTAL_DIR.mkdir(parents=True, exist_ok=True)
    os.chmod(PORTAL_DIR, 0o700)
    if not path.exists():
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(secrets.token_urlsafe(50))
    return path.read_text().strip()


def _database() -> dict:
    url = _P.database_url
    if not url:
        return {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(PORTAL_DIR / "portal.sqlite3"),
            "OPTIONS": {"timeout": 30},
        }
    u = urlsplit(url)
    if u.scheme not in {"postgres", "postgresql"}:
        raise ImproperlyConfigured(f"P3JR_PORTAL_DATABASE_URL: skema {u.scheme!r} tidak didukung (postgresql://...)")
    return {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": u.path.lstrip("/"),
        "USER": unquote(u.username or ""),
        "PASSWORD": unquote(u.password or ""),
        "HOST": u.hostname or "",
        "PORT": str(u.port or ""),
        "CONN_MAX_AGE": 60,
    }


SECRET_KEY = _secret_key()
DEBUG = False
ALLOWED_HOSTS = list(_P.allowed_hosts) + ([] if _P.production else ["testserver"])
ROOT_URLCONF = "orchestration.portal.urls"
WSGI_APPLICATION = "orchestration.portal.wsgi.application"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "axes",
    "orchestration.portal.apps.PortalConfig",
]
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",  # last: turns a lockout into the lockout page
]
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", "django.contrib.auth.backends.ModelBackend"]
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ]
        },
    }
]
DATABASES = {"default": _database()}
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "id"
TIME_ZONE = "Asia/Makassar"  # WITA, as the Balai reads times
USE_I18N = True
USE_TZ = True
STATIC_URL = "/static/"
STATIC_ROOT = str(PORTAL_DIR / "static")  # `p3jr portal collectstatic` for the reverse proxy
LOGIN_URL = "portal:masuk"
LOGIN_REDIRECT_URL = "portal:beranda"
LOGOUT_REDIRECT_URL = "portal:masuk"

SESSION_COOKIE_AGE = 8 * 3600
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if _P.production:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")  # nginx sets it (deploy/portal/nginx.conf)
    SECURE_HSTS_SECONDS = 31536000
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    CSRF_TRUSTED_ORIGINS = [f"https://{h}" for h in _P.allowed_hosts]
    AXES_IPWARE_PROXY_COUNT = 1
    AXES_IPWARE_META_PRECEDENCE_ORDER = ["HTTP_X_FORWARDED_FOR", "REMOTE_ADDR"]

# Uploads: the limit is checked before the body is read (views/api), files over 2.5 MB are streamed to disk.
MAX_UPLOAD_BYTES = int(_P.max_upload_mb * 1024 * 1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
FILE_UPLOAD_PERMISSIONS = 0o600

# django-axes: 5 failed logins for a username from one address lock it for 15 minutes.
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = timedelta(minutes=15)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "portal/terkunci.html"
AXES_VERBOSE = False
AXES_LOCKOUT_CALLABLE = "orchestration.portal.access.lockout_response"

# Pipeline paths and how an upload starts a run (orchestration/portal/runs.py).
P3JR = {
    "landing_dir": _S.landing_dir,
    "data_dir": _S.data_dir,
    "warehouse_path": _S.warehouse_path,
    "published_db": _S.published_db,
    "feedback_dir": _S.feedback_dir,
    "portal_dir": PORTAL_DIR,
    "trigger": _P.trigger,
    "webserver_url": _P.webserver_url,
    "debounce_seconds": _P.debounce_seconds,
    "run_wait_seconds": _P.run_wait_seconds,
    "telemetry_off": TELEMETRY_OFF,
}

# No personal data in the logs: only our own messages (ids, codes, counts) and request lines;
# the pipeline run's output (which names files) is not copied here.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
    "loggers": {
        "orchestration.portal": {"level": "INFO"},
        "django.server": {"level": "INFO"},
        "axes": {"level": "WARNING"},
    },
}
