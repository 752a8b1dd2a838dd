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


def operator_database_url(database_url: str, explicit: str | None, app_role: str, operator_role: str) -> str | None:
    """The operator role's connection (cross-tenant work on PostgreSQL), or None to use DATABASE_URL's.

    Unset, it is DATABASE_URL with the operator role's name in place of the app role's, when DATABASE_URL
    names the app role without a password (local trust authentication, as in development and CI); with
    a password it must be given.
    """
    if explicit:
        return normalise_database_url(explicit)
    if not database_url.startswith("postgresql"):
        return None
    from sqlalchemy.engine import make_url

    url = make_url(database_url)
    if url.username != app_role:
        return None  # the owner or a superuser: RLS does not stand in its way
    if url.password:
        raise ConfigError("DATABASE_OPERATOR_URL must be set: the operator role's connection "
                          f"(e.g. postgresql://{operator_role}:…@host/db) for cross-tenant work.")
    return url.set(username=operator_role).render_as_string(hide_password=False)


def _hosts(value: str | None, embedded: bool) -> list[str] | None:
    """TRUSTED_HOSTS: comma-separated host names the app answers to (None = any, not advised)."""
    if value is None:
        return ["localhost", "127.0.0.1", "[::1]"] if embedded else None
    hosts = [h.strip() for h in value.split(",") if h.strip()]
    return None if hosts == ["*"] else hosts


def _upload_store(env) -> str:
    store = env.get("UPLOAD_STORE", "folder").strip().lower()
    if store not in ("folder", "s3"):
        raise ConfigError(f"UPLOAD_STORE must be folder or s3, not {store!r}.")
    if store == "s3":
        if not env.get("S3_BUCKET"):
            raise ConfigError("UPLOAD_STORE=s3 needs S3_BUCKET: the bucket the uploads go into.")
        try:
            import boto3  # noqa: F401
        except ImportError:
            raise ConfigError("UPLOAD_STORE=s3 needs boto3: pip install 'wasl[s3]'.") from None
    return store


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
    app_role = env.get("WASL_APP_ROLE", "wasl_app")
    operator_role = env.get("WASL_OPERATOR_ROLE", "wasl_operator")
    operator_url = operator_database_url(database_url, env.get("DATABASE_OPERATOR_URL"), app_role, operator_role)
    return {
        "WASL_EMBEDDED": embedded,
        "SECRET_KEY": secret,
        #: Signs the tenant each transaction writes for PostgreSQL's row-level security (core/rls_key.py);
        #: unset, a key derived from SECRET_KEY. The database must hold the same (`wasl rls set-key`).
        "RLS_SIGNING_KEY": env.get("RLS_SIGNING_KEY") or None,
        "SQLALCHEMY_DATABASE_URI": database_url,
        #: PostgreSQL is reached through a pooler in transaction mode (PgBouncer): a transaction may get
        #: any server connection, so no server-side prepared statements (psycopg makes them by default
        #: after a few runs of a query, and PgBouncer before 1.21 does not carry them over).
        "DATABASE_TRANSACTION_POOLING": _bool("DATABASE_TRANSACTION_POOLING", False),
        #: Owner of the schema; migrations run as it. The app itself connects as DATABASE_URL.
        "DATABASE_ADMIN_URL": normalise_database_url(env.get("DATABASE_ADMIN_URL") or database_url),
        #: Role the migrations grant data access to (PostgreSQL); owns nothing, cannot bypass RLS.
        "WASL_APP_ROLE": app_role,
        #: Role the migrations create for cross-tenant work, with a policy that sees every tenant.
        "WASL_OPERATOR_ROLE": operator_role,
        #: The operator role's connection: `cross_tenant_scope()` work runs on it (PostgreSQL only).
        "SQLALCHEMY_BINDS": {"operator": operator_url} if operator_url else {},
        "RATELIMIT_STORAGE_URI": env.get("REDIS_URL") or "memory://",
        #: Failed logins allowed per account from browsers that never logged in to it (an attacker); a
        #: browser that did (a device cookie) has its own allowance, so the real user is not locked out.
        "LOGIN_RATE_LIMIT": env.get("LOGIN_RATE_LIMIT", "5 per 15 minutes"),
        #: Failed logins allowed per address across all accounts (password spraying).
        "LOGIN_ADDRESS_RATE_LIMIT": env.get("LOGIN_ADDRESS_RATE_LIMIT", "30 per 15 minutes"),
        #: Host names requests may carry (Host header); anything else is a 400. None = any host.
        "TRUSTED_HOSTS": _hosts(env.get("TRUSTED_HOSTS"), embedded),
        #: Number of proxies in front that set X-Forwarded-For/-Proto (werkzeug ProxyFix); 0 = none.
        "PROXY_FIX_X_FOR": int(env.get("PROXY_FIX_X_FOR", "0")),
        #: Base of the links in messages (invitations), e.g. https://wasl.example.org; else the request's host.
        "PUBLIC_URL": env.get("PUBLIC_URL") or None,
        "INVITATION_VALID_DAYS": int(env.get("INVITATION_VALID_DAYS", "7")),
        "IDLE_TIMEOUT_MINUTES": int(env.get("IDLE_TIMEOUT_MINUTES", "30")),
        #: Where uploads are kept (core/storage.py): "folder" (UPLOAD_FOLDER, shared by every app server) or
        #: "s3" (the bucket S3_BUCKET of an S3-compatible service; needs the optional extra: pip install
        #: 'wasl[s3]'). Credentials for s3: boto3's usual AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY.
        "UPLOAD_STORE": _upload_store(env),
        "UPLOAD_FOLDER": env.get("UPLOAD_FOLDER", str(instance / "uploads")),
        #: The bucket (it must exist; Wasl does not create it).
        "S3_BUCKET": env.get("S3_BUCKET") or None,
        #: The service's address for anything but AWS, e.g. https://minio.example.org:9000 (unset: AWS S3).
        "S3_ENDPOINT_URL": env.get("S3_ENDPOINT_URL") or None,
        #: The bucket's region, e.g. me-central-1 (unset: AWS_DEFAULT_REGION, or the service's default).
        "S3_REGION": env.get("S3_REGION") or None,
        "TENANTS_DIR": env.get("WASL_TENANTS_DIR", str(ROOT / "tenants")),
        "MAIL_BACKEND": env.get("MAIL_BACKEND", "file" if embedded else "smtp"),
        "MAIL_SERVER": env.get("MAIL_SERVER", "localhost"),
        "MAIL_PORT": int(env.get("MAIL_PORT", "25")),
        "MAIL_USERNAME": env.get("MAIL_USERNAME"),
        "MAIL_PASSWORD": env.get("MAIL_PASSWORD"),
        "MAIL_USE_TLS": _bool("MAIL_USE_TLS", False),
        #: Seconds to wait for the mail server at each step before the attempt counts as failed (retried later).
        "MAIL_TIMEOUT": float(env.get("MAIL_TIMEOUT", "30")),
        "MAIL_FROM": env.get("MAIL_FROM", "no-reply@wasl.example"),
        "MAIL_FILE_DIR": env.get("MAIL_FILE_DIR", str(instance / "outbox")),
        #: "file" (writes under MAIL_FILE_DIR/sms), "none", or "package.module:Class" (a provider's adapter).
        "SMS_BACKEND": env.get("SMS_BACKEND", "file" if embedded else "none"),
        #: Where beneficiaries open links sent to them (surveys, status): scheme and host, no slash at the end.
        "PUBLIC_BASE_URL": env.get("PUBLIC_BASE_URL", "http://127.0.0.1:5000").rstrip("/"),
        "PORTAL_RATE_LIMIT": env.get("PORTAL_RATE_LIMIT", "10 per 15 minutes"),
        "SESSION_COOKIE_SECURE": _bool("SESSION_COOKIE_SECURE", not embedded),
        "PASSWORD_HASH_PARAMS": {},
        "WASL_DEMO_PASSWORD": env.get("WASL_DEMO_PASSWORD") or None,
        #: The task queue's broker; without one (embedded default) tasks run in-process.
        "CELERY_BROKER_URL": env.get("CELERY_BROKER_URL") or env.get("REDIS_URL") or None,
        "CELERY_BEAT_SCHEDULE_FILE": env.get("CELERY_BEAT_SCHEDULE_FILE", str(instance / "celerybeat-schedule")),
        #: Seconds between two looks for due jobs in the embedded default's in-process timer.
        "EMBEDDED_JOBS_TICK": float(env.get("EMBEDDED_JOBS_TICK", "30")),
        #: Platform secret of the keyed hashes of national IDs (core.registry); derived from SECRET_KEY if unset.
        "REGISTRY_HMAC_KEY": env.get("REGISTRY_HMAC_KEY") or None,
        "REGISTRY_CHECK_RATE_LIMIT": env.get("REGISTRY_CHECK_RATE_LIMIT", "10 per hour"),
        "REDIS_URL": env.get("REDIS_URL") or None,
        #: Bearer token the operator's Prometheus scraper sends to /metrics; unset = no /metrics.
        "METRICS_TOKEN": env.get("METRICS_TOKEN") or None,
        #: "json" (one JSON object per line: request id, tenant, user id, route, status, time) or "text".
        "LOG_FORMAT": env.get("LOG_FORMAT", "text" if embedded else "json"),
        "LOG_LEVEL": env.get("LOG_LEVEL", "INFO"),
    }


DEFAULTS = {
    "SQLALCHEMY_TRACK_MODIFICATIONS": False,
    # A pooled connection is checked before use only when it sat idle for DB_PING_AFTER_IDLE seconds
    # (core.extensions.ping_idle_connections): SQLAlchemy's pool_pre_ping checked it before every request,
    # a round trip that cost more than some whole queries under load. A connection that died while in use
    # fails its request, and SQLAlchemy then drops the whole pool.
    "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": False},
    "DB_PING_AFTER_IDLE": 1.0,
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Lax",
    "SESSION_COOKIE_NAME": "wasl_session",
    "WTF_CSRF_TIME_LIMIT": None,  # the token lives as long as the (idle-limited) session
    "BABEL_DEFAULT_LOCALE": "ar",
    "BABEL_DEFAULT_TIMEZONE": "Asia/Riyadh",
    "BABEL_TRANSLATION_DIRECTORIES": str(ROOT / "translations"),
    "LANGUAGES": ("ar", "en"),
    "MAX_CONTENT_LENGTH": 16 * 1024 * 1024,
    #: Largest single field of a multipart form (not a file), and largest url-encoded form body: the
    #: biggest form (the settings) is a few tens of kilobytes. Bigger is a 413 before anything reads it.
    "MAX_FORM_MEMORY_SIZE": 100 * 1024,
    "MAX_URLENCODED_LENGTH": 256 * 1024,
    "RATELIMIT_HEADERS_ENABLED": True,
    "RATELIMIT_STRATEGY": "moving-window",
    # Redis down: the limits go on in each process's memory (each server counts alone, so an attacker
    # gets one allowance per process until Redis is back), and a storage error never fails a request.
    "RATELIMIT_IN_MEMORY_FALLBACK_ENABLED": True,
    "RATELIMIT_SWALLOW_ERRORS": True,
    "COMPRESS_MIMETYPES": ["text/css", "text/javascript", "application/javascript"],
    "COMPRESS_ALGORITHM": ["br", "gzip"],
}
