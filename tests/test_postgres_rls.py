"""Row-level security on PostgreSQL: the second wall between tenants, below the ORM.

These tests need PostgreSQL (DATABASE_URL=postgresql://wasl_app@…, DATABASE_ADMIN_URL=postgresql://postgres@…);
on SQLite they are skipped and say so.
"""
import pytest
import sqlalchemy as sa

from core import rls_key
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
    """What the app writes each transaction: the tenant and its signature."""
    rls_key.write_scope(conn, tenant_id)


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


def test_the_platform_log_is_written_by_the_app_and_read_only_by_the_operator(app, client):
    """A login (the app role) writes platform_audit_log; the app role cannot read it back, and neither role
    can change or remove a row."""
    from tests.helpers import login

    make_user(app, "a@x.example")
    assert login(client, "a@x.example").status_code == 302
    with app_ctx(app), _engine("app").connect() as conn:
        with conn.begin(), pytest.raises(sa.exc.ProgrammingError, match="permission denied"):
            conn.execute(sa.text("SELECT count(*) FROM platform_audit_log"))
        with conn.begin():
            conn.execute(sa.text("INSERT INTO platform_audit_log (id, action, created_at) "
                                 "VALUES (nextval('platform_audit_log_id_seq'), 'test.insert', now())"))
    with app_ctx(app), _engine("operator").connect() as conn:
        with conn.begin():
            actions = conn.execute(sa.text("SELECT action FROM platform_audit_log ORDER BY id")).scalars().all()
            assert actions == ["user.create", "auth.login", "test.insert"]
    for name in ("app", "operator"):
        for statement in ("UPDATE platform_audit_log SET action = 'forged'", "DELETE FROM platform_audit_log",
                          "TRUNCATE platform_audit_log"):
            with app_ctx(app), _engine(name).connect() as conn, conn.begin():
                with pytest.raises(sa.exc.ProgrammingError, match="permission denied"):
                    conn.execute(sa.text(statement))


def test_the_audit_log_policy_refuses_a_row_without_a_tenant(app, tenant_a):
    """audit_log.tenant_id is NOT NULL and its policy has no exception for platform rows any more."""
    with app_ctx(app), _raw(app) as conn, conn.begin():
        _set_tenant(conn, tenant_a)
        with pytest.raises(sa.exc.ProgrammingError, match="row-level security"):
            conn.execute(sa.text("INSERT INTO audit_log (id, tenant_id, action, created_at) "
                                 "VALUES (nextval('audit_log_id_seq'), NULL, 'x', now())"))
    with app_ctx(app), _raw(app) as conn:
        check = conn.execute(sa.text("SELECT with_check FROM pg_policies WHERE tablename = 'audit_log' "
                                     "AND policyname = 'tenant_isolation'")).scalar()
        nullable = conn.execute(sa.text("SELECT is_nullable FROM information_schema.columns "
                                        "WHERE table_name = 'audit_log' AND column_name = 'tenant_id'")).scalar()
    assert "IS NULL" not in check and nullable == "NO"


def test_an_association_audit_entry_is_one_insert_returning_its_id(app, tenant_a):
    """No `SELECT nextval(…)` round trip before the INSERT: the id comes back from INSERT … RETURNING."""
    from core import audit
    from core.tenancy import tenant_scope

    statements: list[str] = []

    def count(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    with app_ctx(app) as session, tenant_scope(tenant_a):
        session.connection()  # the transaction and its tenant settings first
        sa.event.listen(db.engine, "before_cursor_execute", count)
        try:
            entry = audit.record("test.entry", object_type="Thing", object_id="1")
            session.flush()
        finally:
            sa.event.remove(db.engine, "before_cursor_execute", count)
        assert entry.id is not None
        session.rollback()
    assert len(statements) == 1, statements
    assert statements[0].startswith("INSERT INTO audit_log") and "RETURNING" in statements[0]
    assert "nextval('audit_log_id_seq')" in statements[0]


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


def test_every_policy_reads_the_signed_tenant_once_per_query(app):
    """The app role's policies read the tenant only through wasl_tenant_id() (never the raw setting),
    each call inside a scalar subquery: an InitPlan, evaluated once per query, not once per row."""
    with app_ctx(app), _raw(app) as conn:
        tables = _tenant_tables(conn)
        rows = conn.execute(sa.text(
            "SELECT tablename, qual, with_check FROM pg_policies WHERE schemaname = 'public' "
            "AND policyname = 'tenant_isolation'")).all()
    assert {table for table, _q, _c in rows} == set(tables)
    for table, qual, check in rows:
        for expression in (qual, check):
            assert "current_setting" not in expression, f"{table}: {expression}"
            calls = expression.count("wasl_tenant_id()")
            assert calls and expression.count("SELECT wasl_tenant_id()") == calls, f"{table}: {expression}"


def _plan_nodes(node):
    yield node
    for child in node.get("Plans", []):
        yield from _plan_nodes(child)


def test_the_tenant_function_runs_once_for_a_query_over_many_rows(app, tenant_a):
    """EXPLAIN ANALYZE as wasl_app: the tenant is an InitPlan executed once (loops=1), the scan's rows are
    compared with its result, and the function itself is not called per row."""
    for n in range(12):
        make_user(app, f"u{n}@x.example", {"alpha": ["viewer", "reviewer"]})
    with app_ctx(app), _raw(app) as conn, conn.begin():
        _set_tenant(conn, tenant_a)
        plan = conn.execute(sa.text(
            "EXPLAIN (ANALYZE, VERBOSE, FORMAT JSON) SELECT * FROM tenant_roles WHERE role <> 'x'")).scalar()
    nodes = list(_plan_nodes(plan[0]["Plan"]))
    init_plans = [n for n in nodes if n.get("Parent Relationship") == "InitPlan"]
    assert len(init_plans) == 1
    assert any("wasl_tenant_id()" in out for out in init_plans[0].get("Output", []))
    assert init_plans[0]["Actual Loops"] == 1
    scans = [n for n in nodes if n.get("Relation Name") == "tenant_roles"]
    assert scans and sum(n["Actual Rows"] for n in scans) == 24
    assert not any("wasl_tenant_id()" in str(n.get("Filter", "")) for n in scans)


# --- the signed tenant setting ------------------------------------------------------------------

def _forged_pairs(own, other):
    """(wasl.tenant_id, wasl.tenant_sig) pairs injected SQL could write, none signed by the app for `other`."""
    own_sig = rls_key.signature(str(own))
    wrong_key_sig = rls_key._sign(rls_key.derive_key("not the app's secret"), str(other))
    return [
        (str(other), own_sig),                       # another tenant's id with the own tenant's signature
        (str(other), ""),                            # no signature
        (str(other), None),                          # signature setting never written
        (str(other), "0" * 64),                      # forged
        (str(other), "not hex at all; ' OR true --"),
        (str(other), wrong_key_sig),                 # signed with another key
        (str(other), own_sig.upper()),
        (f"0{other}", own_sig),
        (f"{own},{other}", own_sig),
    ]


def _write_pair(conn, tenant, sig):
    conn.execute(sa.text("SELECT set_config('wasl.tenant_id', :t, true)"), {"t": tenant})
    if sig is not None:
        conn.execute(sa.text("SELECT set_config('wasl.tenant_sig', :s, true)"), {"s": sig})


def test_another_tenants_id_without_its_signature_shows_nothing_and_inserts_nothing(app, tenant_a, tenant_b):
    """In psql terms, as wasl_app inside tenant A's transaction: set_config('wasl.tenant_id', B) with A's
    signature, or any forged or absent signature, shows none of B's rows and cannot insert one."""
    make_user(app, "a@x.example", {"alpha": ["viewer"]})
    user_b = make_user(app, "b@x.example", {"beta": ["viewer"]})
    with app_ctx(app), _raw(app) as conn:
        conn.rollback()
        for tenant, sig in _forged_pairs(tenant_a, tenant_b):
            trans = conn.begin()
            _set_tenant(conn, tenant_a)
            _write_pair(conn, tenant, sig)
            assert conn.execute(sa.text("SELECT count(*) FROM tenant_roles")).scalar() == 0, (tenant, sig)
            assert conn.execute(sa.text("SELECT count(*) FROM audit_log WHERE tenant_id IS NOT NULL")).scalar() == 0
            assert conn.execute(sa.text("SELECT wasl_tenant_id()")).scalar() is None
            with pytest.raises(sa.exc.ProgrammingError, match="row-level security"):
                conn.execute(sa.text("INSERT INTO tenant_roles (tenant_id, user_id, role, created_at) "
                                     "VALUES (:t, :u, 'reviewer', now())"), {"t": tenant_b, "u": user_b})
            trans.rollback()
        for tenant, sig in _forged_pairs(tenant_a, tenant_b):  # session-wide settings: the same
            with conn.begin():
                conn.execute(sa.text("SELECT set_config('wasl.tenant_id', :t, false), "
                                     "set_config('wasl.tenant_sig', coalesce(:s, ''), false)"), {"t": tenant, "s": sig})
                assert conn.execute(sa.text("SELECT count(*) FROM tenant_roles")).scalar() == 0
        conn.execute(sa.text("RESET ALL"))
        conn.commit()


def test_the_signed_pair_works_and_is_the_only_way_in(app, tenant_a, tenant_b):
    make_user(app, "a@x.example", {"alpha": ["viewer"]})
    make_user(app, "b@x.example", {"beta": ["viewer", "reviewer"]})
    with app_ctx(app), _raw(app) as conn:
        with conn.begin():
            _write_pair(conn, str(tenant_b), rls_key.signature(str(tenant_b)))
            assert conn.execute(sa.text("SELECT DISTINCT tenant_id FROM tenant_roles")).scalars().all() == [tenant_b]
            assert conn.execute(sa.text("SELECT count(*) FROM tenant_roles")).scalar() == 2
        with conn.begin():  # the key is in a table the app's role cannot read, in a schema it cannot use
            with pytest.raises(sa.exc.ProgrammingError, match="permission denied"):
                conn.execute(sa.text(f"SELECT key FROM {rls_key.KEY_TABLE}"))
        with conn.begin():
            row = conn.execute(sa.text(
                "SELECT p.prosecdef, p.provolatile, p.proconfig, pg_get_userbyid(p.proowner) <> current_user "
                "FROM pg_proc p WHERE p.oid = 'public.wasl_tenant_id()'::regprocedure")).one()
            assert row[0] is True and row[1] == "s" and row[3] is True
            assert row[2] == ["search_path=pg_catalog, pg_temp"]


def test_the_operator_role_needs_no_signature(app, tenant_a, tenant_b):
    make_user(app, "a@x.example", {"alpha": ["viewer"]})
    make_user(app, "b@x.example", {"beta": ["viewer"]})
    with app_ctx(app), _engine("operator").connect() as conn:
        with pytest.raises(sa.exc.ProgrammingError, match="permission denied"):
            conn.execute(sa.text(f"SELECT key FROM {rls_key.KEY_TABLE}"))
        conn.rollback()
        _write_pair(conn, str(tenant_a), "forged")
        assert sorted(conn.execute(sa.text("SELECT DISTINCT tenant_id FROM tenant_roles")).scalars()) == \
            sorted([tenant_a, tenant_b])
        conn.rollback()


def test_the_tenant_function_works_in_a_parallel_query(app, tenant_a, tenant_b):
    make_user(app, "a@x.example", {"alpha": ["viewer"]})
    make_user(app, "b@x.example", {"beta": ["viewer"]})
    with app_ctx(app), _raw(app) as conn, conn.begin():
        version = conn.execute(sa.text("SHOW server_version_num")).scalar()
        forcing = "debug_parallel_query" if int(version) >= 160000 else "force_parallel_mode"
        conn.execute(sa.text(f"SET LOCAL {forcing} = on"))
        conn.execute(sa.text("SET LOCAL parallel_setup_cost = 0"))
        _set_tenant(conn, tenant_a)
        assert conn.execute(sa.text("SELECT DISTINCT tenant_id FROM tenant_roles")).scalars().all() == [tenant_a]


def test_the_app_role_cannot_create_temporary_tables(app):
    """A temporary table would shadow the real one on a pooled connection and catch other tenants' rows."""
    with app_ctx(app), _raw(app) as conn, conn.begin():
        with pytest.raises(sa.exc.ProgrammingError, match="permission denied"):
            conn.execute(sa.text("CREATE TEMPORARY TABLE audit_log (tenant_id integer)"))
