"""The signed tenant setting (PostgreSQL): the app proves that it, not injected SQL, chose the tenant.

Each transaction the app writes `wasl.tenant_id` together with `wasl.tenant_sig`, an HMAC-SHA256 of the
id under a key only the app and the database know, in one `set_config` round trip. The app role's
policies read the tenant through `wasl_tenant_id()` (core/rls.py), which returns it only when the
signature verifies against a key in `wasl_rls.signing_keys`, a table the app's roles cannot read. SQL
injected into a tenant's page can still write the setting, but cannot sign another tenant's id, so it
sees nothing.

The key is `RLS_SIGNING_KEY`, or derived from `SECRET_KEY` when that is unset. It reaches the database
in the migration that created the table (when the table holds no key yet) and afterwards with
`wasl rls set-key`, run as the schema owner. A process that serves tenants checks at start that the
database accepts its key (`require_database_key`) and refuses to start otherwise, instead of reading
nothing.
"""
from __future__ import annotations

import hashlib
import hmac
from functools import lru_cache

import sqlalchemy as sa
from flask import Flask, current_app

from core.config import ConfigError

KEY_SCHEMA = "wasl_rls"
KEY_TABLE = f"{KEY_SCHEMA}.signing_keys"
#: The database function the app role's policies read the tenant through.
TENANT_FUNCTION = "wasl_tenant_id"
#: What is signed: this prefix and the setting's text (the same bytes the database function hashes).
MESSAGE_PREFIX = "wasl.tenant_id:"
#: The tenant id the start-up check signs: no tenant has it, so its signature opens nothing.
PROBE_TENANT = "0"

SET_SCOPE_SQL = sa.text("SELECT set_config('wasl.tenant_id', :tenant, true), "
                        "set_config('wasl.tenant_sig', :sig, true)")


@lru_cache(maxsize=8)
def derive_key(source: str) -> bytes:
    """The 32-byte signing key from the configured secret (never the secret itself, so the session
    cookies' SECRET_KEY is not what the database holds)."""
    return hmac.new(source.encode(), b"wasl/rls-signing-key/v1", hashlib.sha256).digest()


def app_key(app: Flask | None = None) -> bytes:
    config = (app or current_app).config
    return derive_key(config.get("RLS_SIGNING_KEY") or config["SECRET_KEY"])


def fingerprint(key: bytes) -> str:
    """A short name for a key that reveals nothing of it (to compare what the app and database hold)."""
    return hashlib.sha256(b"wasl/rls-fingerprint:" + key).hexdigest()[:16]


@lru_cache(maxsize=4096)
def _sign(key: bytes, tenant: str) -> str:
    return hmac.new(key, (MESSAGE_PREFIX + tenant).encode(), hashlib.sha256).hexdigest()


def signature(tenant: str, app: Flask | None = None) -> str:
    """The `wasl.tenant_sig` value for this `wasl.tenant_id` value ("" for no tenant)."""
    return _sign(app_key(app), tenant) if tenant else ""


#: SET_SCOPE_SQL in psycopg's own placeholders, for `write_scope`.
_SET_SCOPE_PSYCOPG = ("SELECT set_config('wasl.tenant_id', %(tenant)s, true), "
                      "set_config('wasl.tenant_sig', %(sig)s, true)")


def write_scope(connection: sa.Connection, tenant_id: int | None) -> None:
    """Write the transaction's tenant and its signature (one round trip). Every transaction of every page
    begins with it: it goes to psycopg directly, without the ~50 µs of SQLAlchemy's statement machinery (it
    reads nothing back)."""
    from core.statement_plans import execute_directly

    tenant = "" if tenant_id is None else str(tenant_id)
    execute_directly(connection, _SET_SCOPE_PSYCOPG, {"tenant": tenant, "sig": signature(tenant)})


# --- the database's keys (as the schema owner) ---------------------------------------------------

def stored_fingerprints(connection: sa.Connection) -> list[str]:
    return list(connection.execute(sa.text(f"SELECT fingerprint FROM {KEY_TABLE} ORDER BY added_at, fingerprint"))
                .scalars())


def store_key(connection: sa.Connection, key: bytes, keep_others: bool) -> list[str]:
    """Put this key in the database; without `keep_others` it becomes the only one accepted.

    Returns the fingerprints the database accepts afterwards.
    """
    if not keep_others:
        connection.execute(sa.text(f"DELETE FROM {KEY_TABLE} WHERE fingerprint <> :f"), {"f": fingerprint(key)})
    connection.execute(sa.text(f"INSERT INTO {KEY_TABLE} (fingerprint, key) VALUES (:f, :k) "
                               "ON CONFLICT (fingerprint) DO NOTHING"), {"f": fingerprint(key), "k": key})
    return stored_fingerprints(connection)


def store_key_if_none(connection: sa.Connection, key: bytes) -> bool:
    """At migration time: the configured key, when the database holds none yet."""
    if connection.execute(sa.text(f"SELECT EXISTS (SELECT FROM {KEY_TABLE})")).scalar():
        return False
    store_key(connection, key, keep_others=True)
    return True


# --- the start-up check (as the app's role) ------------------------------------------------------

def database_accepts_key(app: Flask) -> bool | None:
    """Whether the database's tenant function accepts this app's signature (None: not PostgreSQL).

    Raises ConfigError when the database has no such function (not migrated).
    """
    from core.extensions import db

    with app.app_context():
        engine = db.engine
        if engine.dialect.name != "postgresql":
            return None
        with engine.connect() as conn, conn.begin():
            conn.execute(SET_SCOPE_SQL, {"tenant": PROBE_TENANT, "sig": signature(PROBE_TENANT, app)})
            exists = conn.execute(sa.text("SELECT to_regprocedure(:f) IS NOT NULL"),
                                  {"f": f"public.{TENANT_FUNCTION}()"}).scalar()
            if not exists:
                raise ConfigError("The database has no signed tenant setting yet: run `wasl db upgrade` "
                                  "(as DATABASE_ADMIN_URL) before starting Wasl.")
            seen = conn.execute(sa.text(f"SELECT public.{TENANT_FUNCTION}()")).scalar()
    return seen == int(PROBE_TENANT)


def require_database_key(app: Flask) -> None:
    """Refuse to start when the database would not accept this app's tenant signatures."""
    if database_accepts_key(app) is False:
        raise ConfigError(
            f"The database does not accept this app's RLS signing key (fingerprint {fingerprint(app_key(app))}): "
            "every tenant page would read nothing. The key is RLS_SIGNING_KEY, or derived from SECRET_KEY when "
            "RLS_SIGNING_KEY is unset. Start Wasl with the key the database holds, or give the database this "
            "one: `wasl rls set-key` (as DATABASE_ADMIN_URL; `--keep-old` while other processes still use "
            "the old key).")
