"""RLS: the tenant setting is signed; the app role's policies read it through wasl_tenant_id()

Revision ID: f3b8a2d61c47
Revises: c41e2b4e46d6
Create Date: 2026-11-30 20:00:00

Until now SQL injected into a tenant's page could `set_config('wasl.tenant_id', <another id>, true)` and
read that tenant. Now the app writes an HMAC of the id with it (core/rls_key.py), and the app role's
policy on every table that has a tenant_id column (found in the catalog now) reads the tenant through
`wasl_tenant_id()`, which verifies the signature against a key in `wasl_rls.signing_keys`, a table the
app's roles cannot read. The configured key is stored when the table holds none (`wasl rls set-key`
changes it later). Temporary tables are taken away from everyone but the database owner: a temporary
table named like a real one would otherwise catch, on a pooled connection, what later requests of other
tenants write (their signature among it).
"""
from alembic import op

from core import rls, rls_key

revision = 'f3b8a2d61c47'
down_revision = 'c41e2b4e46d6'
branch_labels = None
depends_on = None


def upgrade():
    if op.get_bind().dialect.name != 'postgresql':
        return
    rls.install_tenant_function()
    rls_key.store_key_if_none(op.get_bind(), rls_key.app_key())
    rls.reapply_everywhere()
    rls.revoke_temporary_tables()


def downgrade():
    if op.get_bind().dialect.name != 'postgresql':
        return
    rls.reapply_everywhere(predicate=rls.UNSIGNED_PREDICATE)
    op.execute(f"DROP FUNCTION IF EXISTS public.{rls_key.TENANT_FUNCTION}()")
    op.execute(f"DROP SCHEMA IF EXISTS {rls_key.KEY_SCHEMA} CASCADE")
