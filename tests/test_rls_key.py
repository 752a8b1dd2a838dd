"""The key that signs each transaction's tenant (core/rls_key.py): configuration, rotation, start-up check.

The database parts need PostgreSQL (DATABASE_URL=postgresql://wasl_app@…); on SQLite they are skipped and
say so.
"""
import pytest
import sqlalchemy as sa

from core import rls_key
from core.config import ConfigError
from core.models import AuditEntry, PlatformAuditEntry
from core.tenancy import cross_tenant_scope
from tests.conftest import ON_POSTGRES, _admin_engine
from tests.helpers import app_ctx, make_user

needs_postgres = pytest.mark.skipif(not ON_POSTGRES, reason="the tenant setting is signed only on PostgreSQL: "
                                                            "run with DATABASE_URL=postgresql://… (.ci/run does)")


def test_the_key_comes_from_rls_signing_key_or_else_from_secret_key(app, monkeypatch):
    monkeypatch.setitem(app.config, "RLS_SIGNING_KEY", None)
    from_secret = rls_key.app_key(app)
    assert from_secret == rls_key.derive_key(app.config["SECRET_KEY"])
    assert app.config["SECRET_KEY"].encode() not in from_secret and len(from_secret) == 32
    monkeypatch.setitem(app.config, "RLS_SIGNING_KEY", "a key of its own")
    assert rls_key.app_key(app) not in (from_secret, b"a key of its own")
    assert rls_key.signature("7", app) != rls_key.signature("8", app)
    assert rls_key.signature("", app) == ""


def test_check_key_says_sqlite_signs_nothing(app):
    if ON_POSTGRES:
        pytest.skip("SQLite only: on PostgreSQL the key is checked for real below")
    result = app.test_cli_runner().invoke(args=["rls", "check-key"])
    assert result.exit_code == 0 and "not signed" in result.output
    result = app.test_cli_runner().invoke(args=["rls", "set-key"])
    assert result.exit_code == 1 and "only PostgreSQL" in result.output


def _database_keys():
    engine = _admin_engine()
    with engine.connect() as conn:
        keys = rls_key.stored_fingerprints(conn)
    engine.dispose()
    return keys


@pytest.fixture
def restore_key(app):
    """Rotation tests change the database's key: put the suite's own back afterwards."""
    yield
    engine = _admin_engine()
    with engine.begin() as conn:
        rls_key.store_key(conn, rls_key.app_key(app), keep_others=False)
    engine.dispose()


@needs_postgres
def test_the_migration_stored_the_configured_key_and_the_app_starts(app):
    assert _database_keys() == [rls_key.fingerprint(rls_key.app_key(app))]
    rls_key.require_database_key(app)  # does not raise
    result = app.test_cli_runner().invoke(args=["rls", "check-key"])
    assert result.exit_code == 0 and "ok" in result.output


@needs_postgres
def test_a_process_whose_key_the_database_does_not_accept_refuses_to_start(app, monkeypatch):
    monkeypatch.setitem(app.config, "RLS_SIGNING_KEY", "rotated in the environment only")
    with pytest.raises(ConfigError, match="does not accept this app's RLS signing key.*wasl rls set-key"):
        rls_key.require_database_key(app)
    result = app.test_cli_runner().invoke(args=["rls", "check-key"])
    assert result.exit_code == 1 and "RLS_SIGNING_KEY" in result.output


def _visible_roles(app) -> int:
    """What a tenant's page would read on the app's connection with the configured key."""
    from core.models import Tenant, TenantRole
    from core.tenancy import tenant_scope

    with app_ctx(app) as session:
        with cross_tenant_scope():
            tenant = session.scalar(sa.select(Tenant).where(Tenant.slug == "alpha"))
        with tenant_scope(tenant):
            return session.scalar(sa.select(sa.func.count()).select_from(TenantRole))


@needs_postgres
def test_key_rotation_keep_old_then_retire(app, tenant_a, monkeypatch, restore_key):
    make_user(app, "a@x.example", {"alpha": ["viewer"]})
    old = rls_key.fingerprint(rls_key.app_key(app))
    runner = app.test_cli_runner()
    monkeypatch.setitem(app.config, "RLS_SIGNING_KEY", "the new key")
    new = rls_key.fingerprint(rls_key.app_key(app))
    assert _visible_roles(app) == 0  # what the start-up check prevents: the database ignores the new key

    # 1. the database accepts both while processes with the old key still run
    result = runner.invoke(args=["rls", "set-key", "--keep-old"])
    assert result.exit_code == 0, result.output
    assert f"{new} (this configuration's)" in result.output and old in result.output
    assert set(_database_keys()) == {old, new}
    assert _visible_roles(app) == 1
    monkeypatch.setitem(app.config, "RLS_SIGNING_KEY", None)
    assert _visible_roles(app) == 1
    rls_key.require_database_key(app)

    # 2. every process runs with the new key: the old one is retired
    monkeypatch.setitem(app.config, "RLS_SIGNING_KEY", "the new key")
    result = runner.invoke(args=["rls", "set-key"])
    assert result.exit_code == 0, result.output
    assert _database_keys() == [new]
    monkeypatch.setitem(app.config, "RLS_SIGNING_KEY", None)
    assert _visible_roles(app) == 0
    with pytest.raises(ConfigError):
        rls_key.require_database_key(app)

    with app_ctx(app) as session, cross_tenant_scope():
        entries = session.scalars(sa.select(PlatformAuditEntry).where(PlatformAuditEntry.action == "rls.key_set")
                                  .order_by(PlatformAuditEntry.id)).all()
        assert not session.scalar(sa.select(sa.func.count()).select_from(AuditEntry)
                                  .where(AuditEntry.action == "rls.key_set"))
    assert [(e.before["keys"], e.after["keys"]) for e in entries] == [([old], [old, new]), ([old, new], [new])]


@needs_postgres
def test_set_key_refuses_a_database_without_the_key_table(app):
    engine = _admin_engine()
    with engine.begin() as conn:
        conn.execute(sa.text("ALTER TABLE wasl_rls.signing_keys RENAME TO signing_keys_away"))
    try:
        result = app.test_cli_runner().invoke(args=["rls", "set-key"])
        assert result.exit_code == 1 and "wasl db upgrade" in result.output
    finally:
        with engine.begin() as conn:
            conn.execute(sa.text("ALTER TABLE wasl_rls.signing_keys_away RENAME TO signing_keys"))
        engine.dispose()
