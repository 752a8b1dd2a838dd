"""Row-level security on PostgreSQL: the second wall between tenants, below the ORM.

These tests need PostgreSQL (DATABASE_URL=postgresql://wasl_app@…, DATABASE_ADMIN_URL=postgresql://postgres@…);
on SQLite they are skipped and say so.
"""
import pytest
import sqlalchemy as sa

from core.extensions import OPERATOR_BIND, db
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


@pytest.mark.parametrize("engine", ["app", "operator"])
def test_audit_log_is_append_only_for_the_app_and_the_operator(app, tenant_a, engine):
    make_user(app, "a@x.example", {"alpha": ["viewer"]})
    with app_ctx(app), _engine(engine).connect() as conn:
        trans = conn.begin()
        _set_tenant(conn, tenant_a)
        assert conn.execute(sa.text("SELECT count(*) FROM audit_log")).scalar() > 0
        with pytest.raises(sa.exc.ProgrammingError, match="permission denied"):
            conn.execute(sa.text("UPDATE audit_log SET action = 'forged'"))
        trans.rollback()
        trans = conn.begin()
        _set_tenant(conn, tenant_a)
        with pytest.raises(sa.exc.ProgrammingError, match="permission denied"):
            conn.execute(sa.text("DELETE FROM audit_log"))
        trans.rollback()


def _engine(name):
    return db.engines[OPERATOR_BIND] if name == "operator" else db.engine


def _tenant_tables(conn) -> list[str]:
    return conn.execute(sa.text(
        "SELECT c.relname FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid "
        "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public' AND c.relkind = 'r' "
        "AND a.attname = 'tenant_id' AND NOT a.attisdropped ORDER BY 1")).scalars().all()


#: Settings an attacker with SQL injection might try, and values to try them with.
WIDENING_ATTEMPTS = [("wasl.cross_tenant", "on"), ("wasl.cross_tenant", "true"), ("wasl.operator", "on"),
                     ("wasl.bypass", "on"), ("wasl.tenant_id", ""), ("row_security", "off")]


def test_no_setting_makes_another_tenants_row_visible_to_the_app_role(app, tenant_a, tenant_b):
    """In psql terms: as wasl_app with tenant A set, no set_config call shows B's rows (the probe's
    `set_config('wasl.cross_tenant', 'on')` read every tenant)."""
    make_user(app, "a@x.example", {"alpha": ["viewer"]})
    make_user(app, "b@x.example", {"beta": ["viewer"]})
    with app_ctx(app), _raw(app) as conn:
        tables = _tenant_tables(conn)
        assert "tenant_roles" in tables and "invitations" in tables
        conn.rollback()
        for name, value in WIDENING_ATTEMPTS:
            trans = conn.begin()
            _set_tenant(conn, tenant_a)
            try:
                conn.execute(sa.text("SELECT set_config(:n, :v, true)"), {"n": name, "v": value})
                seen = conn.execute(sa.text("SELECT DISTINCT tenant_id FROM tenant_roles")).scalars().all()
            except sa.exc.DBAPIError:
                seen = []  # refused outright (with row_security off, a query under RLS is an error)
            finally:
                trans.rollback()
            assert tenant_b not in seen, name
        trans = conn.begin()
        with pytest.raises(sa.exc.ProgrammingError, match="permission denied"):
            conn.execute(sa.text("SET ROLE wasl_operator"))
        trans.rollback()


def test_the_operator_role_sees_every_tenant_and_is_unprivileged(app, tenant_a, tenant_b):
    make_user(app, "a@x.example", {"alpha": ["viewer"]})
    make_user(app, "b@x.example", {"beta": ["viewer"]})
    with app_ctx(app), _engine("operator").connect() as conn:
        row = conn.execute(sa.text(
            "SELECT rolname, rolsuper, rolbypassrls FROM pg_roles WHERE rolname = current_user")).one()
        assert tuple(row) == ("wasl_operator", False, False)
        seen = sorted(conn.execute(sa.text("SELECT DISTINCT tenant_id FROM tenant_roles")).scalars())
        assert seen == sorted([tenant_a, tenant_b])


def test_cross_tenant_scope_uses_the_operator_connection_and_tenant_scope_the_apps(app, tenant_a, tenant_b):
    from core.tenancy import cross_tenant_scope, tenant_scope

    with app_ctx(app) as session:
        with cross_tenant_scope():
            assert session.scalar(sa.text("SELECT current_user")) == "wasl_operator"
        with tenant_scope(tenant_a):
            assert session.scalar(sa.text("SELECT current_user")) == "wasl_app"


def test_every_table_with_a_tenant_id_has_both_policies(app):
    with app_ctx(app), _raw(app) as conn:
        tables = _tenant_tables(conn)
        policies = conn.execute(sa.text(
            "SELECT tablename, policyname, roles::text[] FROM pg_policies WHERE schemaname = 'public'")).all()
    found = {(table, name, tuple(roles)) for table, name, roles in policies}
    for table in tables:
        assert (table, "tenant_isolation", ("wasl_app",)) in found, table
        assert (table, "operator_access", ("wasl_operator",)) in found, table
    assert not [p for p in policies if "cross_tenant" in str(p)]


def test_every_policy_reads_the_tenant_setting_once_per_query(app):
    """current_setting() inside a scalar subquery is an InitPlan (once per query), not a per-row call."""
    with app_ctx(app), _raw(app) as conn:
        tables = [t.name for t in tenant_owned_tables()]
        quals = dict(conn.execute(sa.text(
            "SELECT tablename, qual FROM pg_policies WHERE tablename = ANY(:t) AND policyname = 'tenant_isolation'"),
            {"t": tables}).all())
    assert set(quals) == set(tables)
    for table, qual in quals.items():
        calls = qual.count("current_setting(")
        assert calls and qual.count("SELECT") == calls, f"{table}: {qual}"
