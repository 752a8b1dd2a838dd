"""Test fixtures: one app and one migrated database per session, emptied after every test.

The same suite runs on SQLite (default) and on PostgreSQL when DATABASE_URL is set; then the app
connects as the unprivileged role (DATABASE_URL), does cross-tenant work as the operator role
(DATABASE_OPERATOR_URL, derived from DATABASE_URL when it names wasl_app without a password), and the
schema is built and cleaned as the owner (DATABASE_ADMIN_URL), so row-level security is really in
force during the tests.
"""
import os
import tempfile
from pathlib import Path

import pytest
import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
_TMP = Path(tempfile.mkdtemp(prefix="wasl-test-"))
os.environ.setdefault("SECRET_KEY", "test-secret-key")
os.environ["WASL_INSTANCE_DIR"] = str(_TMP / "instance")
os.environ.pop("WASL_DEMO_PASSWORD", None)
if not os.environ.get("DATABASE_URL"):
    os.environ["DATABASE_URL"] = f"sqlite:///{_TMP / 'test.sqlite'}"

from core.app import create_app  # noqa: E402
from core.config import normalise_database_url  # noqa: E402
from core.extensions import db, limiter  # noqa: E402
from tests.helpers import app_ctx, make_tenant  # noqa: E402

ON_POSTGRES = os.environ["DATABASE_URL"].startswith(("postgres", "postgresql"))



def _admin_engine() -> sa.Engine:
    url = os.environ.get("DATABASE_ADMIN_URL") or os.environ["DATABASE_URL"]
    return sa.create_engine(normalise_database_url(url), poolclass=sa.pool.NullPool)


def _reset_postgres_schema() -> None:
    engine = _admin_engine()
    with engine.begin() as conn:
        conn.execute(sa.text("DROP SCHEMA IF EXISTS public CASCADE"))
        conn.execute(sa.text("DROP SCHEMA IF EXISTS wasl_rls CASCADE"))
        conn.execute(sa.text("CREATE SCHEMA public"))
        for name in ("wasl_app", "wasl_operator"):
            if conn.execute(sa.text("SELECT 1 FROM pg_roles WHERE rolname = :r"), {"r": name}).scalar():
                conn.execute(sa.text(f"DROP OWNED BY {name}"))
    engine.dispose()


@pytest.fixture(scope="session")
def app():
    if ON_POSTGRES:
        _reset_postgres_schema()
    application = create_app({
        "TESTING": True,
        "PASSWORD_HASH_PARAMS": {"time_cost": 1, "memory_cost": 8, "parallelism": 1},
        "RATELIMIT_STORAGE_URI": os.environ.get("REDIS_URL") or "memory://",
        "SESSION_COOKIE_SECURE": False,
        "MAIL_BACKEND": "file",
        "MAIL_FILE_DIR": str(_TMP / "outbox"),
        "UPLOAD_FOLDER": str(_TMP / "uploads"),
    })
    with application.app_context():
        from core.cli import upgrade_database

        upgrade_database()
        db.session.remove()
    yield application
    with application.app_context():
        db.engine.dispose()


@pytest.fixture(autouse=True)
def _clean_database(app):
    yield
    with app.app_context():
        db.session.remove()
        limiter.reset()
    engine = _admin_engine()
    tables = [t.name for t in reversed(db.metadata.sorted_tables)]
    with engine.begin() as conn:
        # DELETE, children first: a TRUNCATE of every table made new files for each and all their indexes,
        # ~0.45 s after every test on PostgreSQL, where a test leaves rows in a few tables.
        for name in tables:
            conn.execute(sa.text(f"DELETE FROM {name}"))
        if ON_POSTGRES:  # ids start again at 1, as on a new database
            conn.execute(sa.text(
                "SELECT setval(c.oid, 1, false) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                "WHERE c.relkind = 'S' AND n.nspname = current_schema()"))
    engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def tenant_a(app):
    return make_tenant(app, "alpha")


@pytest.fixture
def tenant_b(app):
    return make_tenant(app, "beta")


@pytest.fixture
def seed_tenants(app):
    from core.demo import provision_directory

    with app_ctx(app):
        return [r.tenant.slug for r in provision_directory(app.config["TENANTS_DIR"])]
