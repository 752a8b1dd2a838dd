"""tenant keys: (tenant_id, id) unique on older tables, SQLite id sequences, RLS read once per query

Revision ID: 5e1f0a7c3b21
Revises: 2da7b27f220f
Create Date: 2026-11-30 17:30:00

New tenant-owned tables key on (tenant_id, id) and reference older tables through (tenant_id, id);
the older tables (id-only keys until they are converted) get a unique index on that pair so they can
be referenced that way, and it also serves their keyset lists. RLS policies are rewritten so the
tenant setting is read once per query.
"""
import sqlalchemy as sa
from alembic import op

from core import rls


revision = '5e1f0a7c3b21'
down_revision = '2da7b27f220f'
branch_labels = None
depends_on = None

OLDER_TABLES = (
    'beneficiaries', 'household_members', 'income_sources', 'support_requests', 'request_documents',
    'attachments', 'referrals', 'interactions', 'outbox_messages',
)
RLS_TABLES = (
    'tenant_roles', 'policy_versions', 'board_approvals', 'tenant_counters', 'beneficiaries',
    'beneficiary_categories', 'household_members', 'income_sources', 'support_requests',
    'request_documents', 'attachments', 'referrals', 'interactions', 'outbox_messages',
)


def upgrade():
    op.create_table(
        'id_sequences',
        sa.Column('name', sa.String(length=63), nullable=False),
        sa.Column('value', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
        sa.PrimaryKeyConstraint('name', name=op.f('pk_id_sequences')),
    )
    for table in OLDER_TABLES:
        op.create_index(f'ux_{table}_tenant_id_id', table, ['tenant_id', 'id'], unique=True)
    for table in RLS_TABLES:
        rls.reapply_tenant_rls(table)
    rls.reapply_tenant_rls('audit_log', platform_rows=True)


def downgrade():
    for table in OLDER_TABLES:
        op.drop_index(f'ux_{table}_tenant_id_id', table_name=table)
    op.drop_table('id_sequences')
