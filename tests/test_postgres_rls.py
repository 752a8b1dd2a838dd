"""Row-level security on PostgreSQL: the second wall between tenants, below the ORM.

These tests need PostgreSQL (DATABASE_URL=postgresql://wasl_app@…, DATABASE_ADMIN_URL=postgresql://postgres@…);
on SQLite they are skipped and say so.
"""
import pytest
import sqlalchemy as sa

from core.extensions import db
from core.tenancy import tenant_owned_tables
from tests.conftest import ON_POSTGRES
from tests.helpers import app_ctx, make_user

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(not ON_POSTGRES, reason="row-level security exists only on PostgreSQL: "
                                               "run with DATABASE_URL=postgresql://… (.ci/run does)"),
]


def _raw(app):
    """A raw connection as the app's own database role, outside the ORM's tenant criteria."""
    return db.engine.connect()


def test_app_role_is_unprivileged(app):
    with app_ctx(app), _raw(app) as conn:
        row = conn.execute(sa.text(
            "SELECT rolsuper, rolbypassrls, rolcreaterole, rolcreatedb FROM pg_roles WHERE rolname = current_user"
        )).one()
        assert tuple(row) == (False, False, False, False)
        owned = conn.execute(sa.text(
            "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = 'public' AND pg_get_userbyid(c.relowner) = current_user")).scalar()
        assert owned == 0


def test_every_tenant_owned_table_has_forced_rls(app):
    with app_ctx(app), _raw(app) as conn:
        tables = [t.name for t in tenant_owned_tables()]
        assert "tenant_roles" in tables and "audit_log" in tables
        rows = dict((name, (rls, force)) for name, rls, force in conn.execute(sa.text(
            "SELECT relname, relrowsecurity, relforcerowsecurity FROM pg_class WHERE relname = ANY(:t)"),
            {"t": tables}))
    assert rows == {name: (True, True) for name in tables}


def _set_tenant(conn, tenant_id):
    conn.execute(sa.text("SELECT set_config('wasl.tenant_id', :t, true)"), {"t": str(tenant_id)})


def test_raw_sql_sees_only_the_tenant_set_and_cannot_insert_for_another(app, tenant_a, tenant_b):
    make_user(app, "a@x.example", {"alpha": ["viewer"]})
    user_b = make_user(app, "b@x.example", {"beta": ["viewer"]})
    with app_ctx(app), _raw(app) as conn:
        with conn.begin():
            assert conn.execute(sa.text("SELECT count(*) FROM tenant_roles")).scalar() == 0  # nothing set
        with conn.begin():
            _set_tenant(conn, tenant_a)
            seen = conn.execute(sa.text("SELECT DISTINCT tenant_id FROM tenant_roles")).scalars().all()
            assert seen == [tenant_a]
        trans = conn.begin()
        _set_tenant(conn, tenant_a)
        with pytest.raises(sa.exc.ProgrammingError, match="row-level security"):
            conn.execute(sa.text("INSERT INTO tenant_roles (tenant_id, user_id, role, created_at) "
                                 "VALUES (:t, :u, 'reviewer', now())"), {"t": tenant_b, "u": user_b})
        trans.rollback()
        with conn.begin():
            _set_tenant(conn, tenant_a)
            changed = conn.execute(sa.text("UPDATE tenant_roles SET role = 'reviewer' WHERE tenant_id = :t"),
                                   {"t": tenant_b}).rowcount
            assert changed == 0


def test_the_setting_is_transaction_local(app, tenant_a):
    make_user(app, "a@x.example", {"alpha": ["viewer"]})
    with app_ctx(app), _raw(app) as conn:
        with conn.begin():
            _set_tenant(conn, tenant_a)
            assert conn.execute(sa.text("SELECT count(*) FROM tenant_roles")).scalar() == 1
        with conn.begin():
            assert conn.execute(sa.text("SELECT count(*) FROM tenant_roles")).scalar() == 0


def test_audit_log_is_append_only_for_the_app(app, tenant_a):
    make_user(app, "a@x.example", {"alpha": ["viewer"]})
    with app_ctx(app), _raw(app) as conn:
        trans = conn.begin()
        conn.execute(sa.text("SELECT set_config('wasl.cross_tenant', 'on', true)"))
        assert conn.execute(sa.text("SELECT count(*) FROM audit_log")).scalar() > 0
        with pytest.raises(sa.exc.ProgrammingError, match="permission denied"):
            conn.execute(sa.text("UPDATE audit_log SET action = 'forged'"))
        trans.rollback()
        trans = conn.begin()
        conn.execute(sa.text("SELECT set_config('wasl.cross_tenant', 'on', true)"))
        with pytest.raises(sa.exc.ProgrammingError, match="permission denied"):
            conn.execute(sa.text("DELETE FROM audit_log"))
        trans.rollback()


def test_every_policy_reads_the_tenant_setting_once_per_query(app):
    """current_setting() inside a scalar subquery is an InitPlan (once per query), not a per-row call."""
    with app_ctx(app), _raw(app) as conn:
        tables = [t.name for t in tenant_owned_tables()]
        quals = dict(conn.execute(sa.text(
            "SELECT tablename, qual FROM pg_policies WHERE tablename = ANY(:t)"), {"t": tables}).all())
    assert set(quals) == set(tables)
    for table, qual in quals.items():
        calls = qual.count("current_setting(")
        assert calls and qual.count("SELECT") == calls, f"{table}: {qual}"
