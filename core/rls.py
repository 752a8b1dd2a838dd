"""PostgreSQL row-level security DDL, called from migrations.

Two database roles, neither of which owns a table, is a superuser or may bypass RLS:

- the app's role (`WASL_APP_ROLE`, default `wasl_app`) serves tenants' pages. On every tenant-owned table
  its one policy lets it see and write the rows whose tenant_id is the transaction's `wasl.tenant_id`,
  and nothing else: no setting widens it, so SQL injected into a tenant's page cannot turn RLS off;
- the operator's role (`WASL_OPERATOR_ROLE`, default `wasl_operator`) does the platform's cross-tenant
  work (the operator console, the CLI, provisioning, delivering the outbox, a login's list of
  associations): its policy lets it see every tenant. The app reaches it only through the separate
  connection `DATABASE_OPERATOR_URL`, used by `core.tenancy.cross_tenant_scope()` and nothing else.

Tables are FORCED under RLS (so even their owner is filtered). The audit log is insert-and-read only.
"""
from alembic import op
from flask import current_app

APP_POLICY = "tenant_isolation"
OPERATOR_POLICY = "operator_access"

# The setting is read in a scalar subquery, which PostgreSQL evaluates once per query (an InitPlan)
# instead of once per row.
TENANT_PREDICATE = "(tenant_id = (SELECT NULLIF(current_setting('wasl.tenant_id', true), '')::integer))"


def _is_postgres() -> bool:
    return op.get_bind().dialect.name == "postgresql"


def app_role() -> str:
    return current_app.config.get("WASL_APP_ROLE", "wasl_app")


def operator_role() -> str:
    return current_app.config.get("WASL_OPERATOR_ROLE", "wasl_operator")


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


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


def enable_tenant_rls(table: str, platform_rows: bool = False) -> None:
    """RLS on a tenant-owned table: the app role sees the transaction's tenant only, the operator role all.

    With `platform_rows`, the app role may also insert rows without a tenant (platform events in the
    audit log, from any scope), which only the operator role reads back.
    """
    if not _is_postgres():
        return
    ensure_roles()
    check = f"(tenant_id IS NULL OR {TENANT_PREDICATE})" if platform_rows else TENANT_PREDICATE
    op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
    op.execute(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY")
    op.execute(f"DROP POLICY IF EXISTS {APP_POLICY} ON {table}")
    op.execute(f"DROP POLICY IF EXISTS {OPERATOR_POLICY} ON {table}")
    op.execute(f"CREATE POLICY {APP_POLICY} ON {table} TO {_quoted(app_role())} "
               f"USING {TENANT_PREDICATE} WITH CHECK {check}")
    op.execute(f"CREATE POLICY {OPERATOR_POLICY} ON {table} TO {_quoted(operator_role())} "
               "USING (true) WITH CHECK (true)")


def reapply_tenant_rls(table: str, platform_rows: bool = False) -> None:
    """Replace a table's policies with the current ones (after the predicate itself changed)."""
    enable_tenant_rls(table, platform_rows=platform_rows)


def reapply_everywhere() -> list[str]:
    """The current policies on every table of the schema that has a tenant_id column, found in the
    catalog now (not from a list): a nullable tenant_id means platform rows are allowed."""
    if not _is_postgres():
        return []
    rows = op.get_bind().exec_driver_sql(
        "SELECT c.relname, NOT a.attnotnull FROM pg_attribute a "
        "JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p') AND a.attname = 'tenant_id' "
        "AND NOT a.attisdropped ORDER BY c.relname").all()
    for table, nullable in rows:
        enable_tenant_rls(_quoted(table), platform_rows=nullable)
    return [table for table, _nullable in rows]


def disable_tenant_rls(table: str) -> None:
    if not _is_postgres():
        return
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
