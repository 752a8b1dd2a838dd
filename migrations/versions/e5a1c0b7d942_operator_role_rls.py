"""RLS: an operator role for cross-tenant work; the app role's policies have no setting that widens them

Revision ID: e5a1c0b7d942
Revises: d13b2d9d6e60
Create Date: 2026-11-30 19:00:00

Until now any session of the app role could `set_config('wasl.cross_tenant', 'on')` and read every
tenant, so row-level security guarded against ORM mistakes but not against SQL injection. Now the app
role's policy is the tenant setting alone, and cross-tenant work has its own role (`wasl_operator`) and
connection, with a policy of its own. Every table that has a tenant_id column, found in the catalog
now, gets both policies.
"""
from alembic import op

from core import rls


revision = 'e5a1c0b7d942'
down_revision = 'd13b2d9d6e60'
branch_labels = None
depends_on = None


def upgrade():
    if op.get_bind().dialect.name != 'postgresql':
        return
    rls.create_operator_role_and_grants()
    rls.reapply_everywhere()


def downgrade():
    pass  # the policies of the previous revision allowed a widening setting; there is no going back to it
