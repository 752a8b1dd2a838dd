"""`wasl rls set-key` and `wasl rls check-key`: the signing key of the tenant setting (core/rls_key.py)."""
from __future__ import annotations

import click
import sqlalchemy as sa
from flask import current_app
from flask.cli import with_appcontext

from core import audit, rls_key
from core.config import ConfigError
from core.extensions import db
from core.tenancy import cross_tenant_scope


@click.group("rls")
def rls():
    """The key that signs each transaction's tenant for PostgreSQL's row-level security."""


def _admin_engine() -> sa.Engine:
    url = current_app.config["DATABASE_ADMIN_URL"]
    if sa.engine.make_url(url).get_backend_name() != "postgresql":
        raise click.ClickException("only PostgreSQL signs the tenant setting: there is no key to set on SQLite")
    return sa.create_engine(url, poolclass=sa.pool.NullPool)


@rls.command("set-key")
@click.option("--keep-old", is_flag=True,
              help="Keep accepting the keys the database has too (while processes with the old key still run).")
@with_appcontext
def set_key(keep_old: bool):
    """Make the database accept this configuration's key (RLS_SIGNING_KEY, else derived from SECRET_KEY);
    without --keep-old it becomes the only key accepted. Runs as DATABASE_ADMIN_URL."""
    key = rls_key.app_key()
    engine = _admin_engine()
    try:
        with engine.begin() as conn:
            if conn.execute(sa.text("SELECT to_regclass(:t)"), {"t": rls_key.KEY_TABLE}).scalar() is None:
                raise click.ClickException("the database has no key table yet: run `wasl db upgrade` first")
            before = rls_key.stored_fingerprints(conn)
            after = rls_key.store_key(conn, key, keep_others=keep_old)
    except sa.exc.ProgrammingError as exc:
        raise click.ClickException(f"cannot write the key as DATABASE_ADMIN_URL: {exc.orig}") from exc
    finally:
        engine.dispose()
    with cross_tenant_scope():
        audit.record("rls.key_set", object_type="rls_signing_key", object_id=rls_key.fingerprint(key),
                     tenant_id=None, before={"keys": before}, after={"keys": after})
        db.session.commit()
    mine = rls_key.fingerprint(key)
    click.echo("the database accepts: " + ", ".join(f"{fp} (this configuration's)" if fp == mine else fp
                                                    for fp in after))


def require_key(app) -> None:
    """A process that serves tenants stops at start when the database would not accept its signatures."""
    try:
        rls_key.require_database_key(app)
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from exc


@rls.command("check-key")
@with_appcontext
def check_key():
    """Check, as the app's role, that the database accepts this configuration's key (exit 1 if not)."""
    app = current_app._get_current_object()
    require_key(app)
    if db.engine.dialect.name != "postgresql":
        click.echo("SQLite: the tenant setting is not signed (no row-level security)")
        return
    click.echo(f"ok: the database accepts this configuration's key ({rls_key.fingerprint(rls_key.app_key(app))})")
