"""PostgreSQL row-level security DDL, called from migrations.

Two database roles, neither of which owns a table, is a superuser or may bypass RLS:

- the app's role (`WASL_APP_ROLE`, default `wasl_app`) serves tenants' pages. On every tenant-owned table
  its one policy lets it see and write the rows of the transaction's tenant, and nothing else. The
  tenant is read through `wasl_tenant_id()`, which returns `wasl.tenant_id` only when `wasl.tenant_sig`
  is its HMAC under a key the app's roles cannot read (core/rls_key.py): SQL injected into a tenant's
  page can write the settings but not sign another tenant's id, and no setting widens the policy;
- the operator's role (`WASL_OPERATOR_ROLE`, default `wasl_operator`) does the platform's cross-tenant
  work (the operator console, the CLI, provisioning, delivering the outbox, a login's list of
  associations): its policy lets it see every tenant. The app reaches it only through the separate
  connection `DATABASE_OPERATOR_URL`, used by `core.tenancy.cross_tenant_scope()` and nothing else.

Tables are FORCED under RLS (so even their owner is filtered), except inside a migration run by an owner
that does not bypass RLS (lift_forcing). The audit log is insert-and-read only; the
platform audit log (no tenant, no RLS) is insert-only for the app's role, insert-and-read for the operator's.
"""
from alembic import op
from flask import current_app

from core.rls_key import KEY_SCHEMA, KEY_TABLE, MESSAGE_PREFIX, TENANT_FUNCTION

APP_POLICY = "tenant_isolation"
OPERATOR_POLICY = "operator_access"
#: Connection.info key: the tables whose forcing a migration run lifted (see lift_forcing)
UNFORCED = "wasl_rls_unforced"

# The tenant is read in a scalar subquery, which PostgreSQL evaluates once per query (an InitPlan)
# instead of once per row: one HMAC per query, whatever the number of rows.
TENANT_PREDICATE = f"(tenant_id = (SELECT public.{TENANT_FUNCTION}()))"
#: The policy before the setting was signed (only the downgrade of the signing migration writes it).
UNSIGNED_PREDICATE = "(tenant_id = (SELECT NULLIF(current_setting('wasl.tenant_id', true), '')::integer))"


def _is_postgres() -> bool:
    return op.get_bind().dialect.name == "postgresql"


def app_role() -> str:
    return current_app.config.get("WASL_APP_ROLE", "wasl_app")


def operator_role() -> str:
    return current_app.config.get("WASL_OPERATOR_ROLE", "wasl_operator")


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _unquoted(name: str) -> str:
    """A table's name as the catalog holds it, whether it was given quoted (`_quoted`) or bare."""
    return name[1:-1].replace('""', '"') if name.startswith('"') else name


def _ensure_role(role: str) -> None:
    literal = role.replace("'", "''")
    op.execute(
        "DO $$ BEGIN "
        f"IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{literal}') THEN "
        f"CREATE ROLE {_quoted(role)} LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE; "
        "END IF; END $$"
    )


def ensure_roles() -> None:
    """Both login roles exist (policies name them). Passwords are the database administrator's to set."""
    if not _is_postgres():
        return
    _ensure_role(app_role())
    _ensure_role(operator_role())


def _pgcrypto_schema() -> str:
    """pgcrypto (a trusted extension: the schema owner may create it) in the key's schema, unless the
    database has it elsewhere already."""
    op.execute(f"CREATE EXTENSION IF NOT EXISTS pgcrypto WITH SCHEMA {KEY_SCHEMA}")
    return op.get_bind().exec_driver_sql(
        "SELECT n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace "
        "WHERE e.extname = 'pgcrypto'").scalar_one()


def install_tenant_function() -> None:
    """The key table (no rights for anyone but its owner) and `wasl_tenant_id()`, which the app role's
    policies call: SECURITY DEFINER as the schema owner (so it may read the keys), search_path pinned,
    STABLE, and NULL unless `wasl.tenant_sig` is the HMAC-SHA256 of `wasl.tenant_id` under a stored key."""
    if not _is_postgres():
        return
    ensure_roles()
    roles = f"{_quoted(app_role())}, {_quoted(operator_role())}"
    op.execute(f"CREATE SCHEMA IF NOT EXISTS {KEY_SCHEMA}")
    op.execute(f"REVOKE ALL ON SCHEMA {KEY_SCHEMA} FROM PUBLIC, {roles}")
    op.execute(f"CREATE TABLE IF NOT EXISTS {KEY_TABLE} ("
               "fingerprint text PRIMARY KEY, key bytea NOT NULL, added_at timestamptz NOT NULL DEFAULT now())")
    op.execute(f"REVOKE ALL ON {KEY_TABLE} FROM PUBLIC, {roles}")
    crypto = _quoted(_pgcrypto_schema())
    # PL/pgSQL, not SQL: a SQL function that cannot be inlined (SECURITY DEFINER, SET) plans its query on
    # every call (~0.13 ms a query measured), PL/pgSQL keeps the plan for the session (~0.03 ms).
    op.execute(
        f"CREATE OR REPLACE FUNCTION public.{TENANT_FUNCTION}() RETURNS integer "
        "LANGUAGE plpgsql STABLE PARALLEL SAFE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $fn$ "
        "BEGIN "
        f"IF EXISTS (SELECT FROM {KEY_TABLE} k WHERE encode({crypto}.hmac("
        f"convert_to('{MESSAGE_PREFIX}' || current_setting('wasl.tenant_id', true), 'UTF8'), k.key, 'sha256'), "
        "'hex') = current_setting('wasl.tenant_sig', true)) THEN "
        "RETURN NULLIF(current_setting('wasl.tenant_id', true), '')::integer; "
        "END IF; "
        "RETURN NULL; "
        "END $fn$")
    op.execute(f"REVOKE ALL ON FUNCTION public.{TENANT_FUNCTION}() FROM PUBLIC")
    op.execute(f"GRANT EXECUTE ON FUNCTION public.{TENANT_FUNCTION}() TO {roles}")


def _ensure_tenant_function() -> None:
    """Migrations older than the signed setting call enable_tenant_rls too: on a new database the
    function their policies name must exist before them (the key comes later, see rls_key)."""
    exists = op.get_bind().exec_driver_sql(
        f"SELECT to_regprocedure('public.{TENANT_FUNCTION}()') IS NOT NULL").scalar()
    if not exists:
        install_tenant_function()


def lift_forcing(connection) -> bool:
    """Let a schema owner that is neither a superuser nor BYPASSRLS read and write every row during a
    migration run, in the run's own transaction: FORCE makes the owner obey the policies, which name only
    the app's and the operator's roles, so a data migration run by that owner read no row and changed
    none. Forcing is lifted on the tables the owner owns and put back by `force_again` before the
    transaction commits (no other session ever sees a table unforced: the ALTERs hold their tables'
    locks until then). False, and nothing done, for a role that bypasses RLS anyway."""
    if connection.dialect.name != "postgresql":
        return False
    if connection.exec_driver_sql(
            "SELECT rolsuper OR rolbypassrls FROM pg_roles WHERE rolname = current_user").scalar():
        return False
    tables = connection.exec_driver_sql(
        "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE n.nspname = current_schema() AND c.relforcerowsecurity AND pg_has_role(c.relowner, 'USAGE') "
        "ORDER BY c.relname").scalars().all()
    for table in tables:
        connection.exec_driver_sql(f"ALTER TABLE {_quoted(table)} NO FORCE ROW LEVEL SECURITY")
    connection.info[UNFORCED] = set(tables)
    return True


def force_again(connection) -> None:
    """Force RLS again on the tables `lift_forcing` unforced and on those the run put under RLS, unless a
    migration of the run took them out of it."""
    for table in sorted(connection.info.pop(UNFORCED, set())):
        under_rls = connection.exec_driver_sql(
            "SELECT c.relrowsecurity FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = current_schema() AND c.relname = %(table)s", {"table": table}).scalar()
        if under_rls:
            connection.exec_driver_sql(f"ALTER TABLE {_quoted(table)} FORCE ROW LEVEL SECURITY")


def enable_tenant_rls(table: str, platform_rows: bool = False) -> None:
    """RLS on a tenant-owned table: the app role sees the transaction's (signed) tenant only, the
    operator role all.

    With `platform_rows`, the app role may also insert rows without a tenant, which only the operator role
    reads back (the audit log's platform events, before migration b6f2d9a4c1e7 gave them their own table).
    """
    if not _is_postgres():
        return
    ensure_roles()
    _ensure_tenant_function()
    _create_policies(table, platform_rows, TENANT_PREDICATE)


def _create_policies(table: str, platform_rows: bool, predicate: str) -> None:
    check = f"(tenant_id IS NULL OR {predicate})" if platform_rows else predicate
    op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
    unforced = op.get_bind().info.get(UNFORCED)
    if unforced is None:
        op.execute(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY")
    else:  # forced when the run's other migrations are done (lift_forcing)
        unforced.add(_unquoted(table))
    op.execute(f"DROP POLICY IF EXISTS {APP_POLICY} ON {table}")
    op.execute(f"DROP POLICY IF EXISTS {OPERATOR_POLICY} ON {table}")
    op.execute(f"CREATE POLICY {APP_POLICY} ON {table} TO {_quoted(app_role())} "
               f"USING {predicate} WITH CHECK {check}")
    op.execute(f"CREATE POLICY {OPERATOR_POLICY} ON {table} TO {_quoted(operator_role())} "
               "USING (true) WITH CHECK (true)")


def reapply_tenant_rls(table: str, platform_rows: bool = False) -> None:
    """Replace a table's policies with the current ones (after the predicate itself changed)."""
    enable_tenant_rls(table, platform_rows=platform_rows)


def reapply_everywhere(predicate: str = TENANT_PREDICATE) -> list[str]:
    """The current policies on every table of the schema that has a tenant_id column, found in the
    catalog now (not from a list): a nullable tenant_id means platform rows are allowed."""
    if not _is_postgres():
        return []
    ensure_roles()
    if predicate == TENANT_PREDICATE:
        _ensure_tenant_function()
    rows = op.get_bind().exec_driver_sql(
        "SELECT c.relname, NOT a.attnotnull FROM pg_attribute a "
        "JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p') AND a.attname = 'tenant_id' "
        "AND NOT a.attisdropped ORDER BY c.relname").all()
    for table, nullable in rows:
        _create_policies(_quoted(table), nullable, predicate)
    return [table for table, _nullable in rows]


def disable_tenant_rls(table: str) -> None:
    if not _is_postgres():
        return
    op.get_bind().info.get(UNFORCED, set()).discard(_unquoted(table))
    op.execute(f"DROP POLICY IF EXISTS {APP_POLICY} ON {table}")
    op.execute(f"DROP POLICY IF EXISTS {OPERATOR_POLICY} ON {table}")
    op.execute(f"ALTER TABLE {table} NO FORCE ROW LEVEL SECURITY")
    op.execute(f"ALTER TABLE {table} DISABLE ROW LEVEL SECURITY")


def _grant_data_rights(role: str) -> None:
    quoted = _quoted(role)
    op.execute(f"GRANT USAGE ON SCHEMA public TO {quoted}")
    op.execute(f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {quoted}")
    op.execute(f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {quoted}")
    # Tables later migrations create get the same rights without each one repeating this.
    op.execute(f"ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {quoted}")
    op.execute(f"ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO {quoted}")
    op.execute(f"REVOKE INSERT, UPDATE, DELETE ON alembic_version FROM {quoted}")


def create_app_role_and_grants() -> None:
    """The app's login role: no superuser, no BYPASSRLS, owns nothing; data rights only."""
    if not _is_postgres():
        return
    ensure_roles()
    _grant_data_rights(app_role())
    append_only("audit_log")


def create_operator_role_and_grants() -> None:
    """The operator's login role: like the app's (owns nothing, cannot bypass RLS), with the same table
    rights (tables append-only for the app, found in the catalog, are append-only for it too)."""
    if not _is_postgres():
        return
    ensure_roles()
    _grant_data_rights(operator_role())
    append_only_tables = op.get_bind().exec_driver_sql(
        "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p') AND c.relname <> 'alembic_version' "
        "AND has_table_privilege(%(role)s, c.oid, 'INSERT') AND NOT has_table_privilege(%(role)s, c.oid, 'UPDATE')",
        {"role": app_role()}).scalars().all()
    for table in append_only_tables:
        append_only(_quoted(table))


def append_only(table: str) -> None:
    """The app and operator roles may add and read rows, never change or remove them."""
    if not _is_postgres():
        return
    ensure_roles()
    op.execute(f"REVOKE UPDATE, DELETE, TRUNCATE ON {table} FROM {_quoted(app_role())}, {_quoted(operator_role())}")


def platform_log(table: str) -> None:
    """A platform log (no tenant column, so no row-level security): the app role may add rows but not
    read them back, the operator role add and read; neither may change or remove one."""
    if not _is_postgres():
        return
    ensure_roles()
    app, operator = _quoted(app_role()), _quoted(operator_role())
    op.execute(f"REVOKE ALL ON {table} FROM PUBLIC, {app}, {operator}")
    op.execute(f"GRANT INSERT ON {table} TO {app}")
    op.execute(f"GRANT SELECT, INSERT ON {table} TO {operator}")
    sequence = op.get_bind().exec_driver_sql(f"SELECT pg_get_serial_sequence('{table}', 'id')").scalar()
    if sequence:  # the id is taken from the sequence before the INSERT (no RETURNING for the app role)
        op.execute(f"REVOKE ALL ON SEQUENCE {sequence} FROM PUBLIC, {app}, {operator}")
        op.execute(f"GRANT USAGE ON SEQUENCE {sequence} TO {app}, {operator}")


def revoke_temporary_tables() -> None:
    """No temporary tables for the app's roles (granted to PUBLIC by default): a temporary table
    shadows the real one of that name for the rest of a pooled connection's life, so injected SQL could
    leave one behind to catch what other tenants' requests write on that connection. Only the
    database's owner can revoke it; for anyone else PostgreSQL warns and changes nothing."""
    if not _is_postgres():
        return
    roles = f"PUBLIC, {_quoted(app_role())}, {_quoted(operator_role())}"
    op.execute("DO $$ BEGIN "
               f"EXECUTE format('REVOKE TEMPORARY ON DATABASE %I FROM {roles}', current_database()); "
               "END $$")
