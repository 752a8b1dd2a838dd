"""Migrations run by a schema owner that is not a superuser (the production setup the README describes).

Every tenant table is FORCED under row-level security, so its owner is filtered like anyone else, and no
policy names the owner: a data migration run as that owner read no rows and changed none. The migration
run lifts the forcing inside its own transaction and forces every table again before it commits.
"""
import os
import uuid

import pytest
import sqlalchemy as sa

from tests.test_migrations import _migrate

pytestmark = pytest.mark.skipif(
    not os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql")),
    reason="needs PostgreSQL (DATABASE_URL is SQLite); .ci/run's PostgreSQL step runs it")

OWNER = "wasl_test_owner"
BEFORE_NAME_KEY, NAME_KEY = "c8e2f4a6b913", "a7d3c9e5b1f2"


def _server_url(user: str, database: str) -> str:
    url = sa.engine.make_url(os.environ.get("DATABASE_ADMIN_URL") or os.environ["DATABASE_URL"])
    return url.set(username=user, password=None, database=database).render_as_string(hide_password=False)


@pytest.fixture
def owned_database():
    """A new database owned by a login role that is neither a superuser nor may bypass RLS."""
    name = f"wasl_owner_{uuid.uuid4().hex[:8]}"
    superuser = sa.create_engine(_server_url("postgres", "postgres"), isolation_level="AUTOCOMMIT",
                                 poolclass=sa.pool.NullPool)
    with superuser.connect() as conn:
        if not conn.execute(sa.text("SELECT 1 FROM pg_roles WHERE rolname = :r"), {"r": OWNER}).scalar():
            conn.execute(sa.text(f"CREATE ROLE {OWNER} LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEROLE"))
        conn.execute(sa.text(f"CREATE DATABASE {name} OWNER {OWNER}"))
    try:
        yield name
    finally:
        with superuser.connect() as conn:
            conn.execute(sa.text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        superuser.dispose()


def test_a_data_migration_run_by_a_non_superuser_owner_changes_the_rows(owned_database):
    """a7d3c9e5b1f2 recomputes every file's name search key: run by such an owner it read no file and
    changed none, so name search missed every existing file; the migration also runs ahead of the later
    ones on a fresh database. Afterwards the owner is filtered again."""
    from core.app import create_app
    from core.arabic import name_key

    owner_url = _server_url(OWNER, owned_database)
    app = create_app({"TESTING": True, "DATABASE_ADMIN_URL": owner_url,
                      "SQLALCHEMY_DATABASE_URI": _server_url("wasl_app", owned_database)})
    _migrate(app, BEFORE_NAME_KEY)
    seeder = sa.create_engine(_server_url("postgres", owned_database), poolclass=sa.pool.NullPool)
    owner = sa.create_engine(owner_url, poolclass=sa.pool.NullPool)
    name = "عبد الله آل-زهراني"
    try:
        with seeder.begin() as conn:  # a superuser writes what an older version of Wasl had written
            tenant = conn.execute(sa.text(
                "INSERT INTO tenants (slug, name_ar, name_en, status, settings, created_at, updated_at) "
                "VALUES ('old', 'قديمة', 'Old', 'active', '{}', now(), now()) RETURNING id")).scalar()
            conn.execute(sa.text(
                "INSERT INTO beneficiaries (tenant_id, file_number, name, name_search, national_id, nationality, "
                "gender, birth_calendar, language, version, created_at, updated_at) VALUES (:t, 1, :name, "
                "'stale', '1000000008', 'SA', 'male', 'gregorian', 'ar', 1, now(), now())"),
                {"t": tenant, "name": name})
        _migrate(app, NAME_KEY)
        with seeder.connect() as conn:
            assert conn.execute(sa.text("SELECT name_search FROM beneficiaries")).scalar() == name_key(name)
            unforced = conn.execute(sa.text(
                "SELECT relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                "WHERE n.nspname = 'public' AND c.relrowsecurity AND NOT c.relforcerowsecurity")).scalars().all()
            assert unforced == []  # every table under RLS is forced again
        _migrate(app, "heads")
        with owner.connect() as conn:
            assert conn.execute(sa.text("SELECT count(*) FROM beneficiaries")).scalar() == 0
            with pytest.raises(sa.exc.ProgrammingError, match="row-level security"):
                conn.execute(sa.text("INSERT INTO audit_log (tenant_id, action, created_at) VALUES (:t, 'x', now())"),
                             {"t": tenant})
    finally:
        seeder.dispose()
        owner.dispose()
