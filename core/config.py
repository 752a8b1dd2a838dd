"""Configuration from the environment.

Without DATABASE_URL Wasl runs on its embedded default: an SQLite file and an upload folder under
`instance/`, and a secret key generated once and kept there. Anywhere else SECRET_KEY is required.
"""
import os
import secrets
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


class ConfigError(RuntimeError):
    """A configuration value is missing or wrong; the message says which."""


def normalise_database_url(url: str) -> str:
    """Use the psycopg 3 driver for PostgreSQL URLs given in the usual short forms."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def _instance_dir() -> Path:
    path = Path(os.environ.get("WASL_INSTANCE_DIR", ROOT / "instance"))
    path.mkdir(parents=True, exist_ok=True)
    return path


def _kept_secret(instance: Path) -> str:
    path = instance / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(48))
        path.chmod(0o600)
    return path.read_text().strip()


def _bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def from_environment() -> dict:
    """Build the Flask config mapping from environment variables."""
    env = os.environ
    instance = _instance_dir()
    database_url = env.get("DATABASE_URL")
    embedded = not database_url
    if embedded:
        database_url = f"sqlite:///{instance / 'wasl.sqlite'}"
    secret = env.get("SECRET_KEY")
    if not secret:
        if not embedded:
            raise ConfigError("SECRET_KEY must be set when DATABASE_URL is set (production).")
        secret = _kept_secret(instance)
    database_url = normalise_database_url(database_url)
    return {
        "WASL_EMBEDDED": embedded,
        "SECRET_KEY": secret,
        "SQLALCHEMY_DATABASE_URI": database_url,
        #: Owner of the schema; migrations run as it. The app itself connects as DATABASE_URL.
        "DATABASE_ADMIN_URL": normalise_database_url(env.get("DATABASE_ADMIN_URL") or database_url),
        #: Role the migrations grant data access to (PostgreSQL); owns nothing, cannot bypass RLS.
        "WASL_APP_ROLE": env.get("WASL_APP_ROLE", "wasl_app"),
        "RATELIMIT_STORAGE_URI": env.get("REDIS_URL") or "memory://",
        "LOGIN_RATE_LIMIT": env.get("LOGIN_RATE_LIMIT", "5 per 15 minutes"),
        "IDLE_TIMEOUT_MINUTES": int(env.get("IDLE_TIMEOUT_MINUTES", "30")),
        "UPLOAD_FOLDER": env.get("UPLOAD_FOLDER", str(instance / "uploads")),
        "TENANTS_DIR": env.get("WASL_TENANTS_DIR", str(ROOT / "tenants")),
        "MAIL_BACKEND": env.get("MAIL_BACKEND", "file" if embedded else "smtp"),
        "MAIL_SERVER": env.get("MAIL_SERVER", "localhost"),
        "MAIL_PORT": int(env.get("MAIL_PORT", "25")),
        "MAIL_USERNAME": env.get("MAIL_USERNAME"),
        "MAIL_PASSWORD": env.get("MAIL_PASSWORD"),
        "MAIL_USE_TLS": _bool("MAIL_USE_TLS", False),
        "MAIL_FROM": env.get("MAIL_FROM", "no-reply@wasl.example"),
        "MAIL_FILE_DIR": env.get("MAIL_FILE_DIR", str(instance / "outbox")),
        "SESSION_COOKIE_SECURE": _bool("SESSION_COOKIE_SECURE", not embedded),
        "PASSWORD_HASH_PARAMS": {},
        "WASL_DEMO_PASSWORD": env.get("WASL_DEMO_PASSWORD") or None,
        #: The task queue's broker; without one (embedded default) tasks run in-process.
        "CELERY_BROKER_URL": env.get("CELERY_BROKER_URL") or env.get("REDIS_URL") or None,
        "CELERY_BEAT_SCHEDULE_FILE": env.get("CELERY_BEAT_SCHEDULE_FILE", str(instance / "celerybeat-schedule")),
        #: Seconds between two looks for due jobs in the embedded default's in-process timer.
        "EMBEDDED_JOBS_TICK": float(env.get("EMBEDDED_JOBS_TICK", "30")),
        "REDIS_URL": env.get("REDIS_URL") or None,
        #: Bearer token the operator's Prometheus scraper sends to /metrics; unset = no /metrics.
        "METRICS_TOKEN": env.get("METRICS_TOKEN") or None,
        #: "json" (one JSON object per line: request id, tenant, user id, route, status, time) or "text".
        "LOG_FORMAT": env.get("LOG_FORMAT", "text" if embedded else "json"),
        "LOG_LEVEL": env.get("LOG_LEVEL", "INFO"),
    }


DEFAULTS = {
    "SQLALCHEMY_TRACK_MODIFICATIONS": False,
    "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Lax",
    "SESSION_COOKIE_NAME": "wasl_session",
    "WTF_CSRF_TIME_LIMIT": None,  # the token lives as long as the (idle-limited) session
    "BABEL_DEFAULT_LOCALE": "ar",
    "BABEL_DEFAULT_TIMEZONE": "Asia/Riyadh",
    "BABEL_TRANSLATION_DIRECTORIES": str(ROOT / "translations"),
    "LANGUAGES": ("ar", "en"),
    "MAX_CONTENT_LENGTH": 16 * 1024 * 1024,
    "RATELIMIT_HEADERS_ENABLED": True,
    "RATELIMIT_STRATEGY": "moving-window",
}
