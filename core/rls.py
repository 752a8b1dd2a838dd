"""PostgreSQL row-level security DDL, called from migrations.

Every tenant-owned table gets RLS enabled and FORCED (so even its owner is filtered) with one policy:
a row is visible and writable when its tenant_id is the transaction's `wasl.tenant_id`, or when the
transaction declared `wasl.cross_tenant = on` (platform work, audited by the app). The app connects as
a role that owns nothing and cannot bypass RLS; the audit log is insert-and-read only for it.
"""
from alembic import op
from flask import current_app

# Each setting is read in a scalar subquery, which PostgreSQL evaluates once per query (an InitPlan)
# instead of once per row.
TENANT_PREDICATE = (
    "(tenant_id = (SELECT NULLIF(current_setting('wasl.tenant_id', true), '')::integer) "
    "OR (SELECT current_setting('wasl.cross_tenant', true)) = 'on')"
)


def _is_postgres() -> bool:
    return op.get_bind().dialect.name == "postgresql"


def app_role() -> str:
    return current_app.config.get("WASL_APP_ROLE", "wasl_app")


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def enable_tenant_rls(table: str, platform_rows: bool = False) -> None:
    """With `platform_rows`, rows without a tenant may be inserted from any scope (platform events
    in the audit log) but are read only across tenants."""
    if not _is_postgres():
        return
    check = f"(tenant_id IS NULL OR {TENANT_PREDICATE})" if platform_rows else TENANT_PREDICATE
    op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
    op.execute(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY")
    op.execute(f"CREATE POLICY tenant_isolation ON {table} USING {TENANT_PREDICATE} WITH CHECK {check}")


def reapply_tenant_rls(table: str, platform_rows: bool = False) -> None:
    """Replace a table's policy with the current predicate (after the predicate itself changed)."""
    if not _is_postgres():
        return
    disable_tenant_rls(table)
    enable_tenant_rls(table, platform_rows=platform_rows)


def disable_tenant_rls(table: str) -> None:
    if not _is_postgres():
        return
    op.execute(f"DROP POLICY IF EXISTS tenant_isolation ON {table}")
    op.execute(f"ALTER TABLE {table} NO FORCE ROW LEVEL SECURITY")
    op.execute(f"ALTER TABLE {table} DISABLE ROW LEVEL SECURITY")


def create_app_role_and_grants() -> None:
    """The app's login role: no superuser, no BYPASSRLS, owns nothing; data rights only."""
    if not _is_postgres():
        return
    role = app_role()
    literal = role.replace("'", "''")
    op.execute(
        "DO $$ BEGIN "
        f"IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{literal}') THEN "
        f"CREATE ROLE {_quoted(role)} LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE; "
        "END IF; END $$"
    )
    op.execute(f"GRANT USAGE ON SCHEMA public TO {_quoted(role)}")
    op.execute(f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {_quoted(role)}")
    op.execute(f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {_quoted(role)}")
    # Tables later migrations create get the same rights without each one repeating this.
    op.execute(f"ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES "
               f"TO {_quoted(role)}")
    op.execute(f"ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO {_quoted(role)}")
    op.execute(f"REVOKE INSERT, UPDATE, DELETE ON alembic_version FROM {_quoted(role)}")
    append_only("audit_log")


def append_only(table: str) -> None:
    """The app may add and read rows, never change or remove them."""
    if not _is_postgres():
        return
    op.execute(f"REVOKE UPDATE, DELETE, TRUNCATE ON {table} FROM {_quoted(app_role())}")
